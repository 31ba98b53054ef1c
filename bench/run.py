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
run), BENCH_CONNECTIONS (8), BENCH_WORKERS (gunicorn workers, 4), BENCH_PG_URL
(postgres://postgres@127.0.0.1:5432/atlas_bench; empty to skip PostgreSQL).
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "bench" / "out"
RESULTS = ROOT / "bench" / "RESULTS.md"
PY = sys.executable
MANAGE = [PY, str(ROOT / "manage.py")]

TRIALS = int(os.environ.get("BENCH_TRIALS", "100000"))
STUDIES = int(os.environ.get("BENCH_STUDIES", "20000"))
DURATION = int(os.environ.get("BENCH_DURATION", "10"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/atlas_bench"
)
SEED = 1
WARMUP = 2

# The list filter: one phase, one modality and a common condition; the search term: a
# word of that condition's name. Chosen from the generated data (see choose_terms).
PHASE = "1_2"
MODALITY = "cells"
CONDITION = "articular-cartilage-defect"
SEARCH = "cartilage"
DETAIL_NUMBER = 1234  # nct90001234, the 1234th generated trial

FACETS = ["phase", "status", "modality", "cell_source", "route", "evidence_level"]


def choose_terms(database: Path) -> None:
    """The condition linked to about 10% of the trials, and a word of its name."""
    global CONDITION, SEARCH
    import sqlite3

    with contextlib.closing(sqlite3.connect(database)) as db:
        rows = db.execute(
            "SELECT c.slug, c.name, count(*) FROM trials_clinicaltrial_conditions tc "
            "JOIN evidence_condition c ON c.id = tc.condition_id GROUP BY c.id"
        ).fetchall()
        trials = db.execute("SELECT count(*) FROM trials_clinicaltrial").fetchone()[0]
    slug, name, _ = min(rows, key=lambda row: abs(row[2] - trials / 10))
    CONDITION = slug
    SEARCH = max(name.split(), key=len).lower().strip(",.()")


def atlas_requests() -> dict[str, str]:
    filters = f"condition={CONDITION}&phase={PHASE}&modality={MODALITY}"
    return {
        "list_html": f"/trials/?{filters}",
        "list_json": f"/api/trials/?{filters}&page_size=50",
        "search_json": f"/api/trials/?q={SEARCH}&page_size=50",
        "detail_html": f"/trials/nct{90_000_000 + DETAIL_NUMBER:08d}/",
    }


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
    }


LABELS = {
    "list_html": "Filtered list page, HTML (condition + phase + modality, 50 rows)",
    "list_json": "Filtered list, JSON (same filters, 50 rows)",
    "search_json": "Full-text search, JSON (50 rows)",
    "detail_html": "Detail page, HTML",
}


@dataclass
class Run:
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int


def say(text: str) -> None:
    print(text, flush=True)


def run(
    cmd: list[str], env: dict | None = None, **kwargs
) -> subprocess.CompletedProcess:
    return subprocess.run(cmd, env=env, check=True, cwd=ROOT, **kwargs)


def timed(cmd: list[str], env: dict) -> float:
    started = time.perf_counter()
    run(cmd, env=env, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def ensure_wrk() -> str:
    path = shutil.which("wrk")
    if path:
        return path
    say("wrk is missing: installing Debian's wrk package with apt-get ...")
    apt = ["apt-get", "install", "-y", "-qq", "wrk"]
    if os.geteuid() != 0:
        apt = ["sudo", *apt]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    if subprocess.run(apt, env=env).returncode != 0:
        subprocess.run([*apt[:-4], "update", "-qq"], env=env, check=True)
        subprocess.run(apt, env=env, check=True)
    path = shutil.which("wrk")
    if not path:
        sys.exit("wrk could not be installed: install Debian's wrk package")
    return path


def django_env(database_url: str) -> dict:
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "bench-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        # Plain HTTP on loopback: no redirect to HTTPS.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_CONN_MAX_AGE": "600",
        # Throttling would answer the load generator with 429s.
        "DJANGO_API_ANON_RATE": "100000000/min",
        "DJANGO_LOG_LEVEL": "ERROR",
    }
    return env


def wait_until_up(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited with {process.returncode}: {url}")
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer within {timeout} s: {url}")


@contextlib.contextmanager
def serving(cmd: list[str], env: dict, probe: str, log: Path):
    with log.open("w") as output:
        process = subprocess.Popen(
            cmd, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT
        )
        try:
            wait_until_up(probe, process)
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def gunicorn(database_url: str, port: int, log: Path):
    cmd = [
        PY,
        "-m",
        "gunicorn",
        "evidence.wsgi:application",
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(WORKERS),
        "--worker-class",
        "sync",
        "--log-level",
        "warning",
        "--timeout",
        "60",
    ]
    return serving(
        cmd, django_env(database_url), f"http://127.0.0.1:{port}/healthz", log
    )


def datasette(flat: Path, port: int, log: Path):
    cmd = [
        PY,
        "-m",
        "datasette",
        "serve",
        "--immutable",
        str(flat),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        # No facet suggestions (the atlas has none); facet and SQL limits high enough
        # that every requested facet is computed in full, as in the atlas.
        "--setting",
        "suggest_facets",
        "off",
        "--setting",
        "facet_time_limit_ms",
        "10000",
        "--setting",
        "sql_time_limit_ms",
        "10000",
    ]
    return serving(cmd, os.environ.copy(), f"http://127.0.0.1:{port}/-/versions", log)


_LATENCY = re.compile(r"^\s+(50|99)(?:\.0+)?%\s+([0-9.]+)(us|ms|s)\s*$", re.MULTILINE)
_UNIT = {"us": 0.001, "ms": 1.0, "s": 1000.0}


def wrk(wrk_path: str, url: str) -> Run:
    for _ in range(2):  # the first request of each is warmed separately
        with urllib.request.urlopen(url, timeout=30) as response:
            assert response.status == 200, url
    base = [wrk_path, "-t", "2", "-c", str(CONNECTIONS), "--timeout", "10s"]
    subprocess.run([*base, "-d", f"{WARMUP}s", url], capture_output=True, check=True)
    output = subprocess.run(
        [*base, "-d", f"{DURATION}s", "--latency", url],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([0-9.]+)", output).group(1))
    latency = {p: float(v) * _UNIT[u] for p, v, u in _LATENCY.findall(output)}
    errors = sum(
        int(n)
        for n in re.findall(
            r"Non-2xx or 3xx responses: (\d+)|Socket errors:.*?timeout (\d+)", output
        )
        for n in n
        if n
    )
    return Run(rps, latency.get("50", 0.0), latency.get("99", 0.0), errors)


def drive(wrk_path: str, port: int, requests: dict[str, str], target: str) -> dict:
    results = {}
    for name, path in requests.items():
        result = wrk(wrk_path, f"http://127.0.0.1:{port}{path}")
        say(
            f"  {target:<16} {name:<12} {result.rps:8.1f} req/s  "
            f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
            + (f"  ERRORS {result.errors}" if result.errors else "")
        )
        results[name] = result
    return results


def floor(database_url: str) -> dict:
    output = run(
        [PY, str(ROOT / "bench" / "floor.py"), json.dumps(atlas_requests())],
        env=django_env(database_url),
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(output.strip().splitlines()[-1])


def build(database_url: str) -> dict:
    env = django_env(database_url)
    timings = {"migrate": timed([*MANAGE, "migrate", "--noinput"], env)}
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


def pg_admin(sql: str) -> None:
    admin = urllib.parse.urlparse(PG_URL)._replace(path="/postgres").geturl()
    run(["psql", admin, "-q", "-v", "ON_ERROR_STOP=1", "-c", sql])


_AT_START: list[str] = []


def machine() -> str:
    """CPU, versions and load average: at start (first call) and now."""
    cpu = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    load = f"{os.getloadavg()[0]:.2f}"
    if not _AT_START:
        _AT_START.append(load)
    return (
        f"{os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}, "
        f"SQLite {__import__('sqlite3').sqlite_version}, load average "
        f"{_AT_START[0]} at start, {load} at the end"
    )


def table(results: dict, floors: dict) -> str:
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
    ]
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]

    def lat(r: Run | None) -> str:
        return f"{r.p50_ms:.1f} / {r.p99_ms:.1f}" if r else "-"

    def sql(f: dict | None) -> str:
        return f"{f['sql_ms']:.1f} ({f['queries']})" if f else "-"

    for name in atlas_requests():
        d = results["datasette"][name]
        s = results["atlas-sqlite"][name]
        p = results.get("atlas-postgres", {}).get(name)
        cells = [
            LABELS[name],
            f"{d.rps:.1f}",
            f"{s.rps:.1f}",
            f"**{s.rps / d.rps:.2f}**",
            f"{p.rps:.1f}" if p else "-",
            f"{p.rps / d.rps:.2f}" if p else "-",
            lat(d),
            lat(s),
            lat(p),
            sql(floors["sqlite"].get(name)),
            sql(floors.get("postgres", {}).get(name)),
            " / ".join(
                f"{floors[db][name]['request_ms']:.0f}"
                for db in ("sqlite", "postgres")
                if db in floors
            ),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


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
    timed([*MANAGE, "migrate", "--noinput"], env)
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
    port = free_port()
    with gunicorn(sqlite_url, port, OUT / "gunicorn-sqlite.log"):
        results["atlas-sqlite"] = drive(
            wrk_path, port, atlas_requests(), "atlas-sqlite"
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
            floors["postgres"] = floor(PG_URL)
        finally:
            pg_admin(f'DROP DATABASE IF EXISTS "{name}"')

    figures["total"] = time.perf_counter() - started
    report = write_results(results, floors, figures)
    say("")
    say(report)


def write_results(results: dict, floors: dict, figures: dict) -> str:
    worst = min(
        results["atlas-sqlite"][n].rps / results["datasette"][n].rps
        for n in atlas_requests()
    )
    text = (
        f"""# Benchmark: the atlas against Datasette on {TRIALS:,} synthetic trials

Produced by `make bench` (`{Path(PY).name} bench/run.py`) on {time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}.
Machine: {machine()}.

Load: wrk, 2 threads, {CONNECTIONS} connections, {DURATION} s per request type after a
{WARMUP} s warm-up, loopback. The atlas: gunicorn, {WORKERS} sync workers, production
settings (DJANGO_DEBUG=0), persistent database connections. Datasette {_datasette_version()}:
one process, `--immutable`, facet suggestions off. Both serve the same rows
({TRIALS:,} trials, {STUDIES:,} studies, generated with `generate_synthetic --seed {SEED}`).

{table(results, floors)}

Worst atlas/Datasette ratio on SQLite: **{worst:.2f}** (target >= 1.0).

Equivalent requests (atlas | Datasette):

"""
        + "\n".join(
            f"- {LABELS[n]}: `{atlas_requests()[n]}` | `{datasette_requests()[n]}`"
            for n in atlas_requests()
        )
        + f"""

The SQL floor is the median time of replaying, on a raw cursor, the exact statements the
atlas issues for the request (bench/floor.py), and their number.

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
    text += _profiles(results, floors)
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


def _profiles(results: dict, floors: dict) -> str:
    """pyinstrument's view of each request type whose ratio is below 1.0 (SQLite)."""
    missed = [
        name
        for name in atlas_requests()
        if results["atlas-sqlite"][name].rps < results["datasette"][name].rps
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


if __name__ == "__main__":
    main()
