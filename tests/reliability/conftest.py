"""A private PostgreSQL and a production-profile gunicorn for the reliability tests.

The machine's shared PostgreSQL (port 5432) is never touched: `private_postgres` runs
`initdb` into a temporary folder (as the `postgres` OS user when we are root: initdb
refuses root) and serves it on a free loopback port, and the fault test stops and starts
that instance only. Both fixtures tear everything down, even when a test fails.
"""

from __future__ import annotations

import glob
import os
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from contextlib import closing, contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SECRET = "reliability-tests-" + "k" * 50


def free_port(start: int) -> int:
    for port in range(start, start + 200):
        with socket.socket() as sock:
            try:
                sock.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise RuntimeError(f"no free loopback port from {start}")


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return found[-1] if found else None


@dataclass
class PrivatePostgres:
    """A throw-away PostgreSQL cluster on 127.0.0.1:`port`, superuser `postgres`."""

    datadir: Path
    port: int
    as_postgres: list[str] = field(default_factory=list)

    def pg_ctl(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return subprocess.run(
            [*self.as_postgres, _pg_bin("pg_ctl"), "-D", str(self.datadir), *args],
            capture_output=True,
            text=True,
            timeout=60,
            check=check,
        )

    def start(self) -> None:
        # fsync off (speed; survives a server crash, not an OS crash), but commits are
        # synchronous: with synchronous_commit=off an `immediate` stop (a crash) would
        # lose transactions that had already answered 201, as any such server would.
        options = (
            f"-p {self.port} -k {self.datadir} -c listen_addresses=127.0.0.1 "
            "-c fsync=off -c synchronous_commit=on -c full_page_writes=off "
            "-c max_connections=200"
        )
        self.pg_ctl(
            "-o", options, "-l", str(self.datadir / "server.log"), "-w", "start"
        )

    def stop(self, mode: str = "fast") -> None:
        self.pg_ctl("-m", mode, "-w", "stop")

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def psql(self, sql: str, database: str = "postgres") -> str:
        return subprocess.run(
            [
                "psql",
                "-X",
                "-A",
                "-t",
                "-v",
                "ON_ERROR_STOP=1",
                "-c",
                sql,
                self.url(database),
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()


@pytest.fixture(scope="session")
def private_postgres():
    initdb = _pg_bin("initdb")
    if initdb is None or shutil.which("psql") is None:
        pytest.fail("PostgreSQL server binaries (initdb, pg_ctl) and psql are needed")
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    # Short path: the unix socket lives in the data folder (108-byte limit).
    datadir = Path(tempfile.mkdtemp(prefix="atlas-pg-", dir="/tmp"))
    if as_postgres:
        shutil.chown(datadir, "postgres", "postgres")
    server = PrivatePostgres(
        datadir=datadir, port=free_port(5499), as_postgres=as_postgres
    )
    try:
        subprocess.run(
            [
                *as_postgres,
                initdb,
                "-D",
                str(datadir),
                "-U",
                "postgres",
                "--auth=trust",
                "--no-sync",
                "--encoding=UTF8",
                "--locale=C.UTF-8",
            ],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        server.start()
        yield server
    finally:
        server.pg_ctl("-m", "immediate", "stop", check=False)
        shutil.rmtree(datadir, ignore_errors=True)


@pytest.fixture(scope="session")
def curated_sqlite(tmp_path_factory) -> Path:
    """A SQLite file migrated and loaded with the curated dataset (`migrate`,
    `load_curated` in subprocesses), once per session: tests start from a copy."""
    path = tmp_path_factory.mktemp("curated-sqlite") / "curated.sqlite3"
    migrate_and_load({**os.environ, "DATABASE_URL": f"sqlite:///{path}"})
    return path


def sqlite_from(template: Path, path: Path) -> dict[str, str]:
    """The environment of a SQLite database at `path`, a copy of `template` (SQLite's
    backup API: a write-ahead-logged file may hold committed pages in its log)."""
    with (
        closing(sqlite3.connect(template)) as source,
        closing(sqlite3.connect(path)) as copy,
    ):
        source.backup(copy, pages=-1)
    return {**os.environ, "DATABASE_URL": f"sqlite:///{path}"}


@pytest.fixture(scope="session")
def curated_postgres(private_postgres) -> str:
    """A database of the private cluster, migrated and loaded with the curated dataset
    once per session: tests create theirs from it (CREATE DATABASE ... TEMPLATE)."""
    name = "curated_template"
    private_postgres.psql(f"CREATE DATABASE {name}")
    migrate_and_load({**os.environ, "DATABASE_URL": private_postgres.url(name)})
    return name


def migrate_and_load(env: dict[str, str]) -> None:
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    manage("load_curated", env=env)


def manage(*args: str, env: dict[str, str], timeout: int = 300) -> str:
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def wait_for(url: str, *, timeout: float = 60, status: int = 200) -> None:
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=5) as response:
                if response.status == status:
                    return
        except urllib.error.HTTPError as exc:
            last = exc.code
        except OSError as exc:
            last = exc
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer {status} within {timeout}s ({last})")


@dataclass
class LiveSite:
    """gunicorn with the production profile over the private PostgreSQL."""

    base_url: str
    database: PrivatePostgres
    env: dict[str, str]
    token: str
    log: Path


CREATE_CURATOR = """
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from rest_framework.authtoken.models import Token
user = get_user_model().objects.create_user("fuzz-curator", password="unused-8c1f")
user.user_permissions.set(Permission.objects.filter(
    content_type__app_label__in=["evidence", "trials", "secretome"]))
print(Token.objects.create(user=user).key)
"""


def production_env(database_url: str, workdir: Path, port: int, **extra: str) -> dict:
    """The environment of a production-profile server (debug off) on loopback."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": SECRET,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        # Plain HTTP on loopback: no TLS proxy in front of the test server.
        "DJANGO_SECURE_SSL_REDIRECT": "0",
        "DJANGO_STATIC_ROOT": str(workdir / "static"),
        "DJANGO_CONN_MAX_AGE": "60",
        "DJANGO_DB_RETRY_AFTER": "5",
        # The clients below share one address; throttling has its own tests.
        "DJANGO_API_ANON_RATE": "1000000/min",
        "DJANGO_API_USER_RATE": "1000000/min",
        "GUNICORN_BIND": f"127.0.0.1:{port}",
        "GUNICORN_WORKERS": "3",
        "GUNICORN_THREADS": "4",
        "GUNICORN_ACCESS_LOG": str(workdir / "access.log"),
        "GUNICORN_LOG_LEVEL": "warning",
        **extra,
    }


def prepare_database(env: dict[str, str], *, curated: bool = True) -> None:
    """What `make serve` does before starting: static files, migrations, cache table."""
    manage("collectstatic", "--noinput", "--verbosity", "0", env=env)
    # The production default cache is the database cache (settings.CACHES); migrations
    # that write records already touch it (cached counts), so the table comes first.
    manage("createcachetable", env=env)
    manage("migrate", "--noinput", "--verbosity", "0", env=env)
    if curated:
        manage("load_curated", env=env)


@contextmanager
def gunicorn(env: dict[str, str], log: Path):
    """gunicorn with gunicorn.conf.py; yields its base URL once /readyz answers 200."""
    with log.open("w") as log_file:
        process = subprocess.Popen(
            [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py"],
            cwd=ROOT,
            env=env,
            stdout=log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    base_url = "http://" + env["GUNICORN_BIND"]
    try:
        wait_for(f"{base_url}/readyz")
        yield base_url
    finally:
        # gunicorn's master (a session leader) and its workers.
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


@contextmanager
def gunicorn_on_test_database_copy(
    workdir: Path, static_root: Path, port_base: int, **extra: str
):
    """gunicorn (production profile) over a copy of the suite's SQLite test database.

    The test database is migrated already, with what the test made in it: the server
    gets a copy (not a second migration run), a local-memory cache (the shared cache has
    its own tests). `extra`: more environment. Yields (base URL, the copy's path).
    """
    from django.db import connection

    database = workdir / "served.sqlite3"
    connection.ensure_connection()
    with sqlite3.connect(database) as copy:
        connection.connection.backup(copy)
    env = production_env(
        f"sqlite:///{database}",
        workdir,
        free_port(port_base),
        DJANGO_STATIC_ROOT=str(static_root),
        DJANGO_CACHE_URL="locmemcache://",
        **extra,
    )
    with gunicorn(env, workdir / "gunicorn.log") as base_url:
        yield base_url, database


@pytest.fixture(scope="session")
def live_site(private_postgres, curated_postgres, collected_static, tmp_path_factory):
    # The curated database of the session (migrated, loaded), and its cache table.
    private_postgres.psql(f"CREATE DATABASE atlas TEMPLATE {curated_postgres}")
    workdir = tmp_path_factory.mktemp("live-site")
    env = production_env(
        private_postgres.url("atlas"),
        workdir,
        free_port(18700),
        DJANGO_STATIC_ROOT=str(collected_static),
        # The session's tests send thousands of requests to this one server; worker
        # recycling (max_requests) would restart workers in the middle of the load test.
        # Recycling has its own test (test_production_profile.py).
        GUNICORN_MAX_REQUESTS="0",
    )
    manage("createcachetable", env=env)
    token = manage("shell", "-c", CREATE_CURATOR, env=env).strip().splitlines()[-1]
    log = workdir / "gunicorn.log"
    with gunicorn(env, log) as base_url:
        yield LiveSite(
            base_url=base_url,
            database=private_postgres,
            env=env,
            token=token,
            log=log,
        )
