"""`make bench`: the atlas against Datasette on the same 100k synthetic trials.

In one run, on this machine, loopback only, every server stopped at the end:

1. times `load_curated` of the real dataset into a fresh SQLite database;
2. builds a 100k-trial SQLite database with `generate_synthetic` and exports the same
   rows to a flat SQLite file for Datasette (indexes and FTS5, bench/export_datasette.py);
3. serves the atlas with gunicorn in production settings and Datasette, each on its own
   loopback port, and drives both with wrk with the same load on equivalent requests;
4. measures the SQL floor of each atlas request (bench/floor.py);
5. repeats the atlas on PostgreSQL (database `atlas_bench`, created and dropped here);
6. prints the table and writes it to bench/RESULTS.md.

Environment: BENCH_TRIALS (100000), BENCH_STUDIES (20000), BENCH_DURATION (10 s per
run of a request with a Datasette equivalent), BENCH_PAGE_DURATION (5 s per run of every
other page type), BENCH_CONNECTIONS (8), BENCH_WORKERS (gunicorn workers, 4), BENCH_PG_URL
(postgres://postgres@127.0.0.1:5432/atlas_bench; empty to skip PostgreSQL).

This file is the plan of the run; bench/harness.py starts and stops the processes and
servers and drives wrk, bench/report.py writes the table and bench/RESULTS.md.
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import time
import urllib.parse
from pathlib import Path

from harness import (
    CONNECTIONS,
    DURATION,
    MANAGE,
    OUT,
    PAGE_DURATION,
    PG_URL,
    PY,
    ROOT,
    SEED,
    STUDIES,
    TRIALS,
    datasette,
    django_env,
    drive,
    ensure_wrk,
    free_port,
    gunicorn,
    machine,
    pg_admin,
    run,
    say,
    timed,
)
from report import write_results

# The list filter: one phase, one modality and a common condition; the search term: a
# word of that condition's name. Chosen from the generated data (see choose_terms).
PHASE = "1_2"
MODALITY = "cells"
CONDITION = "articular-cartilage-defect"
SEARCH = "cartilage"
DETAIL_NUMBER = 1234  # nct90001234, the 1234th generated trial

FACETS = ["phase", "status", "modality", "cell_source", "route", "evidence_level"]


# Records of every detail page type, chosen from the generated data (choose_terms).
RECORDS = {
    "therapy": "",
    "cell_source": "",
    "study": "",
    "review": "",
}


def choose_terms(database: Path) -> None:
    """The condition linked to about 10% of the trials, a word of its name, and one
    record of each detail page type."""
    global CONDITION, SEARCH
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute(
            "SELECT c.slug, c.name, count(*) FROM trials_clinicaltrial_conditions tc "
            "JOIN evidence_condition c ON c.id = tc.condition_id GROUP BY c.id"
        ).fetchall()
        trials = db.execute("SELECT count(*) FROM trials_clinicaltrial").fetchone()[0]
        # The therapy and cell source of the detail trial; the first study; its review.
        therapy, cell_source, review = db.execute(
            "SELECT th.slug, cs.slug, p.slug FROM trials_clinicaltrial t "
            "JOIN evidence_therapy th ON th.id = t.therapy_id "
            "JOIN evidence_cellsource cs ON cs.id = th.cell_source_id "
            "JOIN evidence_publication p ON p.id = t.source_review_id "
            "WHERE t.nct_id = ?",
            (f"NCT{90_000_000 + DETAIL_NUMBER:08d}",),
        ).fetchone()
        study = db.execute(
            "SELECT slug FROM trials_study WHERE therapy_id IS NOT NULL ORDER BY id"
        ).fetchone()[0]
    slug, name, _ = min(rows, key=lambda row: abs(row[2] - trials / 10))
    CONDITION = slug
    SEARCH = max(name.split(), key=len).lower().strip(",.()")
    RECORDS.update(therapy=therapy, cell_source=cell_source, study=study, review=review)


def atlas_requests() -> dict[str, str]:
    """The requests with a Datasette equivalent (datasette_requests)."""
    filters = f"condition={CONDITION}&phase={PHASE}&modality={MODALITY}"
    return {
        "list_html": f"/trials/?{filters}",
        "list_json": f"/api/trials/?{filters}&page_size=50",
        "search_json": f"/api/trials/?q={SEARCH}&page_size=50",
        "detail_html": f"/trials/nct{90_000_000 + DETAIL_NUMBER:08d}/",
        "detail_json": f"/api/trials/nct{90_000_000 + DETAIL_NUMBER:08d}/",
        # The trials of one condition (about 10% of all), streamed.
        "csv_export": f"/trials/?condition={CONDITION}&export=csv",
    }


# Every other page type (issue 13): atlas only, Datasette has no equivalent.
LISTS = [
    "trials",
    "studies",
    "therapies",
    "conditions",
    "cell-sources",
    "publications",
    "secretome",
    "preconditioning",
    "genetic-modifications",
]
API_LISTS = [
    "trials",
    "studies",
    "therapies",
    "conditions",
    "cell-sources",
    "publications",
    "components",
    "effects",
    "findings",
    "trial-counts",
]


def page_requests() -> dict[str, str]:
    pages = {
        "home": "/",
        "compare": "/compare/",
        "condition_side_by_side": f"/conditions/{CONDITION}/",
        "search_html": f"/search/?q={SEARCH}",
        "search_site_json": f"/api/search/?q={SEARCH}",
        "therapy_detail": f"/therapies/{RECORDS['therapy']}/",
        "cell_source_detail": f"/cell-sources/{RECORDS['cell_source']}/",
        "study_detail": f"/studies/{RECORDS['study']}/",
        "review_detail": f"/publications/{RECORDS['review']}/",
    }
    pages.update({f"list {name}": f"/{name}/" for name in LISTS})
    pages.update({f"api {name}": f"/api/{name}/" for name in API_LISTS})
    return pages


def datasette_requests() -> dict[str, str]:
    where = urllib.parse.quote(
        f"id in (select trial_id from trial_conditions where condition = '{CONDITION}')"
    )
    filters = f"phase={PHASE}&modality={MODALITY}&_where={where}&_size=50"
    # The atlas page shows these facets too (plus review), so Datasette computes them.
    facets = "&".join(f"_facet={name}" for name in [*FACETS, "review"])
    arrays = "_facet_array=conditions&_facet_array=outcome_classes"
    return {
        "list_html": f"/bench/trials?{filters}&{facets}&{arrays}",
        "list_json": f"/bench/trials.json?{filters}&_shape=objects",
        "search_json": f"/bench/trials.json?_search={SEARCH}&_size=50&_shape=objects",
        "detail_html": f"/bench/trials/{DETAIL_NUMBER}",
        "detail_json": f"/bench/trials/{DETAIL_NUMBER}.json?_shape=objects",
        "csv_export": f"/bench/trials.csv?_where={where}&_stream=on&_size=max",
    }


def floor(database_url: str) -> dict:
    """The SQL floor and in-process time of every request (profiles of the requests
    with a Datasette equivalent), and the full CSV export's speed."""
    requests = {**atlas_requests(), **page_requests()}
    output = run(
        [
            PY,
            str(ROOT / "bench" / "floor.py"),
            json.dumps(requests),
            json.dumps(list(atlas_requests())),
        ],
        env=django_env(database_url),
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def datasette_export(port: int) -> dict:
    """Datasette's CSV of all the trials, one request: rows per second."""
    import urllib.request

    started = time.perf_counter()
    rows = -1  # the header
    url = f"http://127.0.0.1:{port}/bench/trials.csv?_stream=on&_size=max"
    with urllib.request.urlopen(url, timeout=600) as response:
        for _ in response:
            rows += 1
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": round(seconds, 2), "rows_per_s": rows / seconds}


def migrate(env: dict) -> float:
    """The production profile's cache table (as `make serve`), then the migrations."""
    started = time.perf_counter()
    run([*MANAGE, "createcachetable"], env=env, stdout=subprocess.DEVNULL)
    run([*MANAGE, "migrate", "--noinput"], env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def build(database_url: str) -> dict:
    env = django_env(database_url)
    timings = {"migrate": migrate(env)}
    timings["generate"] = timed(
        [
            *MANAGE,
            "generate_synthetic",
            "--trials",
            str(TRIALS),
            "--studies",
            str(STUDIES),
            "--seed",
            str(SEED),
        ],
        env,
    )
    return timings


def main() -> None:
    started = time.perf_counter()
    OUT.mkdir(parents=True, exist_ok=True)
    wrk_path = ensure_wrk()
    say(f"Machine: {machine()}")
    figures: dict[str, float] = {}

    say("1. load_curated of the real dataset into a fresh SQLite database ...")
    curated = OUT / "curated.sqlite3"
    curated.unlink(missing_ok=True)
    env = django_env(f"sqlite:///{curated}")
    migrate(env)
    figures["load_curated"] = timed([*MANAGE, "load_curated"], env)
    say(f"   load_curated: {figures['load_curated']:.1f} s (target < 10 s)")

    say(f"2. {TRIALS} synthetic trials + {STUDIES} studies on SQLite ...")
    atlas_db = OUT / "atlas.sqlite3"
    atlas_db.unlink(missing_ok=True)
    sqlite_url = f"sqlite:///{atlas_db}"
    build_sqlite = build(sqlite_url)
    figures["generate_sqlite"] = build_sqlite["generate"]
    say(f"   generate_synthetic: {build_sqlite['generate']:.1f} s")
    choose_terms(atlas_db)
    say(f"   list filter: condition={CONDITION}, phase={PHASE}, modality={MODALITY}")
    say(f"   search term: {SEARCH}")
    flat = OUT / "bench.sqlite3"  # Datasette names the database "bench"
    export_started = time.perf_counter()
    run([PY, str(ROOT / "bench" / "export_datasette.py"), str(atlas_db), str(flat)])
    figures["export"] = time.perf_counter() - export_started
    run([*MANAGE, "collectstatic", "--noinput"], env=env, stdout=subprocess.DEVNULL)

    results: dict[str, dict] = {}
    floors: dict[str, dict] = {}
    say(f"3. load: wrk, 2 threads, {CONNECTIONS} connections, {DURATION} s per run")
    port = free_port()
    with datasette(flat, port, OUT / "datasette.log"):
        results["datasette"] = drive(wrk_path, port, datasette_requests(), "datasette")
        figures["datasette_export"] = datasette_export(port)
    port = free_port()
    with gunicorn(sqlite_url, port, OUT / "gunicorn-sqlite.log"):
        results["atlas-sqlite"] = drive(
            wrk_path, port, atlas_requests(), "atlas-sqlite"
        )
        results["atlas-sqlite"].update(
            drive(wrk_path, port, page_requests(), "atlas-sqlite", PAGE_DURATION)
        )
    floors["sqlite"] = floor(sqlite_url)

    if PG_URL:
        say("4. the atlas on PostgreSQL ...")
        name = urllib.parse.urlparse(PG_URL).path.lstrip("/")
        pg_admin(f'DROP DATABASE IF EXISTS "{name}"')
        pg_admin(f'CREATE DATABASE "{name}"')
        try:
            build_pg = build(PG_URL)
            figures["generate_postgres"] = build_pg["generate"]
            say(f"   generate_synthetic: {build_pg['generate']:.1f} s")
            run(
                [*MANAGE, "dbshell", "--", "-c", "VACUUM ANALYZE"],
                env=django_env(PG_URL),
                stdout=subprocess.DEVNULL,
            )
            port = free_port()
            with gunicorn(PG_URL, port, OUT / "gunicorn-postgres.log"):
                results["atlas-postgres"] = drive(
                    wrk_path, port, atlas_requests(), "atlas-postgres"
                )
                results["atlas-postgres"].update(
                    drive(
                        wrk_path, port, page_requests(), "atlas-postgres", PAGE_DURATION
                    )
                )
            floors["postgres"] = floor(PG_URL)
        finally:
            pg_admin(f'DROP DATABASE IF EXISTS "{name}"')

    figures["total"] = time.perf_counter() - started
    report = write_results(
        results,
        floors,
        figures,
        atlas_requests(),
        datasette_requests(),
        page_requests(),
    )
    say("")
    say(report)


if __name__ == "__main__":
    main()
