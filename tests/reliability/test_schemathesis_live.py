"""Schemathesis against the live production-profile server, every operation of the schema.

All four phases: the schema's examples, coverage (boundary and invalid values), fuzzing,
and stateful sequences (create -> read -> update -> delete, with the links Schemathesis
infers between operations). Writes carry a curator's token, so they really write into the
private database. Bounded: few examples per operation and a time budget; loopback only.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.reliability

CHECKS = ",".join(
    [
        "not_a_server_error",
        "status_code_conformance",
        "content_type_conformance",
        "response_headers_conformance",
        "response_schema_conformance",
        "use_after_free",
        "ensure_resource_availability",
    ]
)


def test_every_operation_and_stateful_sequences_against_live_server(
    live_site, tmp_path
):
    cli = Path(sys.executable).parent / "schemathesis"
    command = [
        str(cli),
        "run",
        f"{live_site.base_url}/api/schema/?format=json",
        "--url",
        live_site.base_url,
        "--phases",
        "examples,coverage,fuzzing,stateful",
        "--checks",
        CHECKS,
        "--max-examples",
        "5",
        "--max-time",
        "50",
        "--workers",
        "4",
        "--seed",
        "20260101",
        "--generation-database",
        "none",
        "--header",
        f"Authorization: Token {live_site.token}",
        "--request-timeout",
        "30",
        "--no-color",
        "--report",
        "junit",
        "--report-dir",
        str(tmp_path),
    ]
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=300, cwd=tmp_path
    )
    if result.returncode != 0 and _tool_crash_only(result.stdout):
        # CPython 3.11 can raise "AST constructor recursion depth mismatch" inside
        # Schemathesis's own worker threads (an interpreter bug, not a server failure):
        # run once more rather than report the tool's crash as the server's.
        print(
            "\n"
            + result.stdout[-3000:]
            + "\nSchemathesis crashed internally; retrying once."
        )
        result = subprocess.run(
            command, capture_output=True, text=True, timeout=300, cwd=tmp_path
        )
    print("\n" + result.stdout[-6000:])
    assert result.returncode == 0, result.stdout[-20000:] + result.stderr[-3000:]
    # Every operation of the schema was exercised, including the stateful phase.
    assert "Stateful" in result.stdout, result.stdout[-3000:]


def _tool_crash_only(output: str) -> bool:
    """The run failed only because of an interpreter error inside Schemathesis itself:
    every generated case passed ("1280 generated, 1280 passed")."""
    totals = re.search(r"(\d+) generated, (\d+) passed\s*$", output, re.MULTILINE)
    return (
        "AST constructor recursion depth mismatch" in output
        and totals is not None
        and totals.group(1) == totals.group(2)
    )
