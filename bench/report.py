"""The report of `make bench` (bench/run.py): the table, bench/RESULTS.md and the profiles.

`write_results` turns the measured runs, SQL floors and timings into bench/RESULTS.md
(with bench/NOTES.md appended) and bench/out/results.json; it measures nothing itself.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from harness import (
    CONNECTIONS,
    DURATION,
    LONG_DURATION,
    LONG_TIMEOUT,
    OUT,
    PAGE_DURATION,
    PY,
    RESULTS,
    ROOT,
    SEED,
    STUDIES,
    TRIALS,
    WARMUP,
    WORKERS,
    Run,
    machine,
)

LABELS = {
    "list_html": "Filtered list page, HTML (condition + phase + modality, 50 rows)",
    "list_json": "Filtered list, JSON (same filters, 50 rows)",
    "search_json": "Full-text search, JSON (50 rows)",
    "detail_html": "Detail page, HTML",
    "detail_json": "Detail, JSON",
    "csv_export": "CSV download of one condition's trials (about 10%), streamed",
}


def pages_table(results: dict, floors: dict, pages: dict[str, str]) -> str:
    """Every other page type: the atlas alone (Datasette has no equivalent)."""
    columns = [
        "page",
        "path",
        "SQLite req/s",
        "PG req/s",
        "p50 / p99 ms SQLite",
        "p50 / p99 ms PG",
        "SQL floor ms SQLite / PG (queries)",
        "one request in process, ms SQLite / PG",
        "first request after a write, ms SQLite / PG",
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for name, path in pages.items():
        runs = [
            results.get(t, {}).get(name) for t in ("atlas-sqlite", "atlas-postgres")
        ]
        found = [floors.get(db, {}).get(name) for db in ("sqlite", "postgres")]
        cells = [
            name,
            f"`{path}`",
            *(f"{r.rps:.1f}" if r else "-" for r in runs),
            *(f"{r.p50_ms:.1f} / {r.p99_ms:.1f}" if r else "-" for r in runs),
            " / ".join(f"{f['sql_ms']:.1f}" if f else "-" for f in found)
            + " ("
            + "/".join(str(f["queries"]) if f else "-" for f in found)
            + ")",
            " / ".join(f"{f['request_ms']:.0f}" if f else "-" for f in found),
            " / ".join(_cold(f) for f in found),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _cold(found: dict | None) -> str:
    return f"{found['cold_ms']:.0f}" if found and "cold_ms" in found else "-"


def export_lines(floors: dict, figures: dict) -> str:
    """The full CSV export of every trial, in process, and Datasette's over HTTP."""
    lines = []
    for db in ("sqlite", "postgres"):
        found = floors.get(db, {}).get("full_export")
        if found:
            lines.append(
                f"- atlas {db}: {found['rows']:,} rows in {found['seconds']} s = "
                f"**{found['rows_per_s']:,} rows/s** (target >= 20,000), first piece "
                f"after {found['first_piece_s']} s, resident memory "
                f"{found['rss_mb_after_10k_rows']} MB after 10,000 rows and "
                f"{found['rss_mb_at_end']} MB at the end (peak {found['peak_rss_mb']} MB)"
            )
    found = figures.get("datasette_export")
    if found:
        lines.append(
            f"- Datasette (`/bench/trials.csv?_stream=on&_size=max`, one HTTP request): "
            f"{found['rows']:,} rows in {found['seconds']} s = "
            f"{found['rows_per_s']:,.0f} rows/s"
        )
    return "\n".join(lines)


def table(results: dict, floors: dict, atlas: dict[str, str]) -> str:
    columns = [
        "request",
        "Datasette req/s",
        "atlas SQLite req/s",
        "ratio SQLite / Datasette",
        "atlas PostgreSQL req/s",
        "ratio PG / Datasette",
        "p50 / p99 ms Datasette",
        "p50 / p99 ms atlas SQLite",
        "p50 / p99 ms atlas PG",
        "SQL floor ms SQLite (queries)",
        "SQL floor ms PG (queries)",
        "one request in process, ms SQLite / PG",
        "first request after a write, ms SQLite / PG",
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]

    def lat(r: Run | None) -> str:
        return f"{r.p50_ms:.1f} / {r.p99_ms:.1f}" if r else "-"

    def sql(f: dict | None) -> str:
        return f"{f['sql_ms']:.1f} ({f['queries']})" if f else "-"

    for name in atlas:
        d = results["datasette"][name]
        s = results["atlas-sqlite"][name]
        p = results.get("atlas-postgres", {}).get(name)
        cells = [
            LABELS[name],
            f"{d.rps:.1f}",
            f"{s.rps:.1f}",
            f"**{s.rps / d.rps:.2f}**" if d.rps else "- (Datasette: 0 req/s)",
            f"{p.rps:.1f}" if p else "-",
            f"{p.rps / d.rps:.2f}" if p and d.rps else "-",
            lat(d),
            lat(s),
            lat(p),
            sql(floors.get("sqlite", {}).get(name)),
            sql(floors.get("postgres", {}).get(name)),
            " / ".join(
                f"{floors[db][name]['request_ms']:.0f}"
                for db in ("sqlite", "postgres")
                if name in floors.get(db, {})
            ),
            " / ".join(
                _cold(floors[db][name])
                for db in ("sqlite", "postgres")
                if name in floors.get(db, {})
            ),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write_results(
    results: dict,
    floors: dict,
    figures: dict,
    atlas: dict[str, str],
    datasette: dict[str, str],
    pages: dict[str, str] | None = None,
) -> str:
    """bench/RESULTS.md and bench/out/results.json; `atlas` and `datasette` are the
    equivalent requests (name -> path), as measured."""
    ratios = [
        results["atlas-sqlite"][n].rps / results["datasette"][n].rps
        for n in atlas
        if results["datasette"][n].rps
    ]
    worst = min(ratios) if ratios else float("nan")
    text = (
        f"""# Benchmark: the atlas against Datasette on {TRIALS:,} synthetic trials

Produced by `make bench` (`{Path(PY).name} bench/run.py`) on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.
Machine: {machine()}.

Load: wrk, 2 threads, {CONNECTIONS} connections, {DURATION} s per request type after a
{WARMUP} s warm-up ({LONG_DURATION} s and a {LONG_TIMEOUT} s timeout for the CSV download),
loopback. The atlas: gunicorn, {WORKERS} sync workers, production
settings (DJANGO_DEBUG=0), persistent database connections. Datasette {_datasette_version()}:
one process, `--immutable`, facet suggestions off. Both serve the same rows
({TRIALS:,} trials, {STUDIES:,} studies, generated with `generate_synthetic --seed {SEED}`).

{table(results, floors, atlas)}

Worst atlas/Datasette ratio on SQLite: **{worst:.2f}** (target >= 1.0).

Equivalent requests (atlas | Datasette):

"""
        + "\n".join(f"- {LABELS[n]}: `{atlas[n]}` | `{datasette[n]}`" for n in atlas)
        + f"""

The SQL floor is the median time of replaying, on a raw cursor, the exact statements the
atlas issues for the request (bench/floor.py), and their number.

## Every other page type (atlas only)

{PAGE_DURATION} s of load per page after the same warm-up. The secretome lists and
endpoints are empty in this database (the generator makes trials and studies only).

{pages_table(results, floors, pages or {})}

## The full CSV download of every trial (in process, `/trials/?export=csv`)

{export_lines(floors, figures)}

Other figures:

- `load_curated` of the real dataset (1095 records) into a fresh SQLite database:
  **{figures["load_curated"]:.1f} s** (target < 10 s, wall clock including start-up).
- `generate_synthetic --trials {TRIALS} --studies {STUDIES}` on SQLite:
  **{figures["generate_sqlite"]:.1f} s**"""
    )
    if "generate_postgres" in figures:
        text += f"; on PostgreSQL: **{figures['generate_postgres']:.1f} s**"
    text += f""" (wall clock, including start-up).
- Export to the flat Datasette file with indexes and FTS: {figures["export"]:.1f} s.
- The whole `make bench`: {figures["total"] / 60:.1f} min.
"""
    text += _profiles(results, floors, atlas)
    notes = ROOT / "bench" / "NOTES.md"
    if notes.exists():
        text += "\n" + notes.read_text(encoding="utf-8")
    RESULTS.write_text(text, encoding="utf-8")
    (OUT / "results.json").write_text(
        json.dumps(
            {
                "results": {
                    t: {n: vars(r) for n, r in runs.items()}
                    for t, runs in results.items()
                },
                "floors": floors,
                "figures": figures,
            },
            indent=2,
        )
    )
    return text


def _profiles(results: dict, floors: dict, atlas: dict[str, str]) -> str:
    """pyinstrument's view of each request type whose ratio is below 1.0 (SQLite)."""
    missed = [
        name
        for name in atlas
        if results["atlas-sqlite"][name].rps < results["datasette"][name].rps
        and floors.get("sqlite", {}).get(name, {}).get("profile")
    ]
    if not missed:
        return ""
    text = (
        "\n## Profiles of the request types below target (SQLite, in process)\n\n"
        "pyinstrument, five requests each, library frames folded; full output in "
        "bench/out/profile-*.txt.\n"
    )
    for name in missed:
        profile = floors["sqlite"][name]["profile"]
        (OUT / f"profile-{name}.txt").write_text(profile, encoding="utf-8")
        lines = [line for line in profile.splitlines() if line.strip()]
        text += f"\n### {LABELS[name]}\n\n```\n" + "\n".join(lines[:45]) + "\n```\n"
    return text


def _datasette_version() -> str:
    from importlib.metadata import version

    return version("datasette")
