"""The harness of `make bench` (bench/run.py): its settings, processes, servers and wrk.

Everything here is about running things on this machine: the environment variables of the
run, subprocesses in the repository, free loopback ports, gunicorn and Datasette started
and always stopped, wrk's output parsed into a `Run`, and a line describing the machine.
"""

from __future__ import annotations

import contextlib
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

DURATION = int(os.environ.get("BENCH_DURATION", "10"))
PAGE_DURATION = int(os.environ.get("BENCH_PAGE_DURATION", "5"))
CONNECTIONS = int(os.environ.get("BENCH_CONNECTIONS", "8"))
WORKERS = int(os.environ.get("BENCH_WORKERS", "4"))
TRIALS = int(os.environ.get("BENCH_TRIALS", "100000"))
STUDIES = int(os.environ.get("BENCH_STUDIES", "20000"))
PG_URL = os.environ.get(
    "BENCH_PG_URL", "postgres://postgres@127.0.0.1:5432/atlas_bench"
)
SEED = 1
WARMUP = 2
# Downloads take seconds each: longer runs and a longer timeout, so that a server that
# serves one in more than 10 s under 8 connections still counts (Datasette's CSV of
# 10% took 7-12 s, and wrk's 10 s timeout once counted it as 0 req/s).
LONG_DURATION = int(os.environ.get("BENCH_LONG_DURATION", "30"))
LONG_TIMEOUT = 60
LONG_REQUESTS = ("csv_export",)


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
        # Throttling would answer the load generator with 429s (DRF's user throttle
        # also counts anonymous clients, by address, at the user rate).
        "DJANGO_API_ANON_RATE": "100000000/min",
        "DJANGO_API_USER_RATE": "100000000/min",
        "DJANGO_FULL_EXPORT_RATE": "100000000/min",
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
    # No worker recycling while measuring (gunicorn.conf.py recycles every ~2000
    # requests in production): a recycled worker once reset a request of the run.
    # One thread per worker: gunicorn.conf.py's default of 4 threads turns
    # `--worker-class sync` into its threaded worker, which keeps wrk's connections
    # alive, each on the worker that accepted it. When most of the 8 landed on one
    # worker, that worker's threads shared one core while the others idled: /compare/
    # measured 10 req/s in one run and 50 in the next.
    env = {
        **django_env(database_url),
        "GUNICORN_MAX_REQUESTS": "0",
        "GUNICORN_THREADS": "1",
    }
    return serving(cmd, env, f"http://127.0.0.1:{port}/healthz", log)


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


def _get_ok(url: str, *, timeout: float, attempts: int = 3) -> None:
    """GET `url` until it answers 200; a reset connection is tried again (twice)."""
    for attempt in range(attempts):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as response:
                assert response.status == 200, url
                response.read()
                return
        except ConnectionError:
            if attempt == attempts - 1:
                raise
            time.sleep(1)


def wrk(wrk_path: str, url: str, duration: int = DURATION, timeout: int = 10) -> Run:
    for _ in range(2):  # the first request of each is warmed separately
        _get_ok(url, timeout=max(30, timeout))
    base = [wrk_path, "-t", "2", "-c", str(CONNECTIONS), "--timeout", f"{timeout}s"]
    subprocess.run([*base, "-d", f"{WARMUP}s", url], capture_output=True, check=True)
    output = subprocess.run(
        [*base, "-d", f"{duration}s", "--latency", url],
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


def drive(
    wrk_path: str,
    port: int,
    requests: dict[str, str],
    target: str,
    duration: int = DURATION,
) -> dict:
    results = {}
    for name, path in requests.items():
        url = f"http://127.0.0.1:{port}{path}"
        if name in LONG_REQUESTS:
            result = wrk(wrk_path, url, max(duration, LONG_DURATION), LONG_TIMEOUT)
        else:
            result = wrk(wrk_path, url, duration)
        say(
            f"  {target:<16} {name:<22} {result.rps:8.1f} req/s  "
            f"p50 {result.p50_ms:7.1f} ms  p99 {result.p99_ms:7.1f} ms"
            + (f"  ERRORS {result.errors}" if result.errors else "")
        )
        results[name] = result
    return results


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
