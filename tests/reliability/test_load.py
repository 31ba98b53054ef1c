"""Load: 30 s at 32 connections on gunicorn + PostgreSQL (loopback), no error at all.

wrk (Debian's package; `make tools` installs it) cycles through a mix of researcher pages,
API lists, a detail page, the health check and a static file. Every response must be a
2xx, with no socket error or timeout; the figures are printed.
"""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
import requests

DURATION = "30s"
CONNECTIONS = 32

PATHS = [
    "/",
    "/trials/",
    "/trials/?phase=2&modality=cells",
    "/trials/nct02057900/",
    "/conditions/",
    "/conditions/stroke/",
    "/secretome/",
    "/search/?q=stroke",
    "/api/trials/?page_size=20",
    "/api/conditions/?q=kidney",
    "/api/findings/?page_size=10",
    "/healthz",
    "/static/atlas/atlas.css",
]

SCRIPT = """
local paths = {%s}
local i = 0
request = function()
  i = i + 1
  return wrk.format("GET", paths[(i %% #paths) + 1])
end
done = function(summary, latency, requests)
  io.write(string.format("ERRORS status=%%d connect=%%d read=%%d write=%%d timeout=%%d\\n",
    summary.errors.status, summary.errors.connect, summary.errors.read,
    summary.errors.write, summary.errors.timeout))
end
"""


def test_thirty_seconds_at_32_connections_without_errors(live_site, tmp_path):
    wrk = shutil.which("wrk")
    if wrk is None:
        pytest.fail("wrk is missing: run `make tools` (apt-get install wrk)")
    for path in PATHS:  # every path answers before the clock starts
        response = requests.get(live_site.base_url + path, timeout=30)
        assert response.status_code == 200, (path, response.status_code)
    script = tmp_path / "mix.lua"
    script.write_text(SCRIPT % ", ".join(f'"{p}"' for p in PATHS))
    result = subprocess.run(
        [
            wrk,
            "--threads",
            "4",
            "--connections",
            str(CONNECTIONS),
            "--duration",
            DURATION,
            "--timeout",
            "20s",
            "--latency",
            "--script",
            str(script),
            live_site.base_url,
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    print("\n" + result.stdout)
    assert result.returncode == 0, result.stderr
    errors = re.search(
        r"ERRORS status=(\d+) connect=(\d+) read=(\d+) write=(\d+) timeout=(\d+)",
        result.stdout,
    )
    assert errors is not None, result.stdout
    assert errors.groups() == ("0",) * 5, result.stdout
    assert "Non-2xx or 3xx responses" not in result.stdout
    completed = int(re.search(r"(\d+) requests in", result.stdout).group(1))
    assert completed > 100, result.stdout
