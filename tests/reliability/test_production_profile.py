"""The production profile: CSP on every page with nothing inline for it to block,
static files, caches and request limits from the environment, `make serve`'s guard,
and atomic writes.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from rest_framework.test import APIClient

from tests.web.conftest import build_world

ROOT = Path(__file__).resolve().parents[2]

INLINE_SCRIPT = re.compile(
    r"<script(?![^>]*\bsrc=)(?![^>]*type=\"application/json\")[^>]*>", re.I
)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"<[^>]+\son[a-z]+\s*=", re.I)
JAVASCRIPT_URL = re.compile(r"(href|src|action)\s*=\s*[\"']\s*javascript:", re.I)


@pytest.fixture
def world(db):
    return build_world()


def _pages(world) -> list[str]:
    records = [
        world.trials["t1"],
        world.studies["s1"],
        world.findings["f1"],
        world.publications["primary"],
        world.conditions["knee"],
        world.components["vegf"],
        world.effects["angio"],
        world.sources["bm"],
        world.therapies["exo_bm"],
        world.other["preconditioning"],
        world.other["modification"],
    ]
    return [
        "/",
        "/compare/",
        "/search/?q=knee",
        "/trials/",
        "/studies/",
        "/therapies/",
        "/conditions/",
        "/cell-sources/",
        "/secretome/",
        "/preconditioning/",
        "/genetic-modifications/",
        "/publications/",
        "/trials/?phase=bogus",  # the 400 page
        "/no-such-page/",  # the 404 page
        "/api/docs/",
        *(record.get_absolute_url() for record in records),
    ]


def _admin_pages(world) -> list[str]:
    trial = world.trials["t1"]
    return [
        "/admin/",
        "/admin/trials/clinicaltrial/",
        f"/admin/trials/clinicaltrial/{trial.pk}/change/",
        "/admin/trials/clinicaltrial/add/",
        f"/admin/trials/clinicaltrial/{trial.pk}/history/",
        "/admin/evidence/publication/",
        "/admin/secretome/componentfinding/",
    ]


def assert_csp_clean(response, url: str) -> None:
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy, url
    assert "script-src 'self'" in policy, url
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy, url
    content = response.content.decode()
    for pattern in (INLINE_SCRIPT, INLINE_STYLE, INLINE_HANDLER, JAVASCRIPT_URL):
        match = pattern.search(content)
        assert match is None, (
            f"{url}: CSP would block {content[match.start() : match.start() + 120]!r}"
        )


def test_every_researcher_page_has_csp_and_nothing_inline(client, world):
    for url in _pages(world):
        response = client.get(url)
        assert response.status_code in (200, 400, 404), url
        assert_csp_clean(response, url)


def test_admin_pages_have_csp_and_nothing_inline(admin_client_logged, world, client):
    for url in _admin_pages(world):
        response = admin_client_logged.get(url)
        assert response.status_code == 200, url
        assert_csp_clean(response, url)
    admin_client_logged.logout()
    login = client.get("/admin/login/")
    assert_csp_clean(login, "/admin/login/")


def test_api_docs_script_is_served_from_the_site(client, db):
    page = client.get("/api/docs/").content.decode()
    sources = re.findall(r'<script[^>]*src="([^"]+)"', page)
    assert sources and all(src.startswith("/") for src in sources), sources


def _settings_in(env: dict[str, str], expression: str) -> str:
    code = (
        "import os, django; os.environ['DJANGO_SETTINGS_MODULE']='evidence.settings';"
        f"django.setup(); from django.conf import settings; print({expression})"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


PRODUCTION = {
    "DJANGO_DEBUG": "0",
    "DJANGO_SECRET_KEY": "p" * 60,
    "DJANGO_ALLOWED_HOSTS": "atlas.example.org",
}


def test_whitenoise_and_hashed_static_files_in_production_only():
    expression = (
        "settings.STORAGES['staticfiles']['BACKEND'],"
        "'whitenoise.middleware.WhiteNoiseMiddleware' in settings.MIDDLEWARE"
    )
    production = _settings_in(PRODUCTION, expression)
    assert production == (
        "whitenoise.storage.CompressedManifestStaticFilesStorage True"
    )
    development = _settings_in({"DJANGO_DEBUG": "1"}, expression)
    assert development == "django.contrib.staticfiles.storage.StaticFilesStorage False"


def test_production_security_settings():
    expression = (
        "settings.SECURE_SSL_REDIRECT, settings.SECURE_PROXY_SSL_HEADER,"
        "settings.SESSION_COOKIE_SECURE, settings.CSRF_COOKIE_SECURE,"
        "settings.SECURE_HSTS_SECONDS, settings.SECURE_REFERRER_POLICY,"
        "settings.SECURE_CROSS_ORIGIN_OPENER_POLICY"
    )
    assert _settings_in(PRODUCTION, expression) == (
        "True ('HTTP_X_FORWARDED_PROTO', 'https') True True 31536000 "
        "same-origin same-origin"
    )


def test_cache_comes_from_the_environment():
    expression = "settings.CACHES['default']['BACKEND']"
    assert _settings_in({}, expression).endswith("LocMemCache") or (
        "DJANGO_CACHE_URL" in os.environ
    )
    assert (
        _settings_in({"DJANGO_CACHE_URL": "dbcache://atlas_cache"}, expression)
        # Django's database cache, with culls that cannot deadlock a write.
        == "evidence.base.dbcache.DatabaseCache"
    )
    assert _settings_in(
        {"DJANGO_CACHE_URL": "rediscache://127.0.0.1:6379/1"}, expression
    ).startswith("django.core.cache.backends.redis")


def test_production_shares_its_cache_between_processes_by_default(monkeypatch):
    """D21: throttles and login limits count in the database cache with debug off."""
    monkeypatch.delenv("DJANGO_CACHE_URL", raising=False)
    expression = (
        "settings.CACHES['default']['BACKEND'], settings.CACHES['default']['LOCATION']"
    )
    assert _settings_in(PRODUCTION, expression) == (
        "evidence.base.dbcache.DatabaseCache atlas_cache"
    )
    assert _settings_in({"DJANGO_DEBUG": "1"}, expression).startswith(
        "django.core.cache.backends.locmem.LocMemCache"
    )
    assert "createcachetable" in (ROOT / "Makefile").read_text()


def test_production_pages_send_security_headers(client, db, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_REFERRER_POLICY = "same-origin"
    settings.SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    redirect = client.get("/trials/")
    assert redirect.status_code == 301
    assert redirect["Location"] == "https://testserver/trials/"
    response = client.get("/trials/", headers={"X-Forwarded-Proto": "https"})
    assert response.status_code == 200
    assert response["Strict-Transport-Security"].startswith("max-age=31536000")
    assert response["Referrer-Policy"] == "same-origin"
    assert response["Cross-Origin-Opener-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["X-Frame-Options"] == "DENY"


def _make(target: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["make", "--no-print-directory", target],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_make_serve_refuses_to_start_without_a_secret_key():
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SECRET_KEY"}
    result = _make("serve", env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY is not set; refusing to start" in result.stderr


def test_gunicorn_config_comes_from_the_environment():
    code = (
        "import runpy; c = runpy.run_path('gunicorn.conf.py');"
        "w = c['worker_class']; w = getattr(w, '__name__', w);"
        "print(c['bind'], c['workers'], c['threads'], w, c['timeout'],"
        " c['keepalive'], c['max_requests'], c['max_requests_jitter'])"
    )
    env = {
        **os.environ,
        "GUNICORN_BIND": "127.0.0.1:9999",
        "GUNICORN_WORKERS": "7",
        "GUNICORN_THREADS": "1",
        "GUNICORN_TIMEOUT": "12",
        "GUNICORN_MAX_REQUESTS": "300",
    }
    for name in ("GUNICORN_KEEPALIVE", "GUNICORN_MAX_REQUESTS_JITTER"):
        env.pop(name, None)
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout.strip()
    assert out == "127.0.0.1:9999 7 1 sync 12 5 300 30"
    env["GUNICORN_THREADS"] = "4"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    ).stdout.strip()
    assert out.split()[3] == "DrainingThreadWorker"  # D13


def test_api_write_is_all_or_nothing(db, monkeypatch):
    """A failure after the trial row is written (here: deriving its evidence level)
    leaves no trace: the trial, its conditions and its history roll back together."""
    from django.contrib.auth import get_user_model

    from tests import factories as f
    from trials.models import ClinicalTrial

    f.TherapyFactory(slug="bm-msc-cells")
    f.ConditionFactory(slug="stroke")
    f.ReviewFactory(slug="foo-2021")
    admin = get_user_model().objects.create_superuser("root", "r@example.org", "pw-x1")
    client = APIClient(raise_request_exception=False)
    client.force_authenticate(admin)

    from trials import services

    derive = services.trial_refresh_evidence_level

    def explode(*, trial):
        if trial.pk is not None:  # after the row and its links are written
            raise RuntimeError("derived level failed half-way")
        derive(trial=trial)

    monkeypatch.setattr(services, "trial_refresh_evidence_level", explode)
    history_before = ClinicalTrial.history.count()
    response = client.post(
        "/api/trials/",
        {
            "slug": "nct09999999",
            "therapy": "bm-msc-cells",
            "conditions": ["stroke"],
            "phase": "2",
            "provenance": {"review": "foo-2021", "locator": "Table 1, row 1"},
        },
        format="json",
    )
    assert response.status_code == 500
    assert not ClinicalTrial.objects.filter(slug="nct09999999").exists()
    assert ClinicalTrial.history.count() == history_before
    assert not connection.in_atomic_block or connection.needs_rollback is False


# --- A live multi-process server: gunicorn, 3 workers, production profile -----------

CREATE_STAFF = """
from django.contrib.auth import get_user_model
get_user_model().objects.create_user(
    "limited", password="right-password-4e1f", is_staff=True)
"""


@pytest.fixture(scope="module")
def gunicorn_site(tmp_path_factory):
    """gunicorn (3 workers, recycled every ~40 requests) over a SQLite file, with the
    production defaults: debug off and no DJANGO_CACHE_URL, so the database cache."""
    from tests.reliability.conftest import (
        free_port,
        gunicorn,
        manage,
        prepare_database,
        production_env,
    )

    workdir = tmp_path_factory.mktemp("gunicorn-site")
    env = production_env(
        f"sqlite:///{workdir / 'site.sqlite3'}",
        workdir,
        free_port(18950),
        GUNICORN_MAX_REQUESTS="40",
        GUNICORN_LOG_LEVEL="info",
    )
    env.pop("DJANGO_CACHE_URL", None)
    env.pop("GUNICORN_KEEPALIVE", None)
    prepare_database(env, curated=False)
    manage("shell", "-c", CREATE_STAFF, env=env)
    log = workdir / "gunicorn.log"
    with gunicorn(env, log) as base_url:
        yield base_url, log


def test_worker_recycling_resets_no_request(gunicorn_site):
    """D13: 1,200 GETs from clients that keep connections alive, while workers restart
    every ~40 requests. Stock gthread reset 14 of them; the draining worker answers
    every connection it holds. One reset in 1,200 is tolerated: a client that reuses an
    idle keep-alive connection at the instant its keep-alive time closes it meets a race
    inherent to HTTP keep-alive (RFC 9112 9.3.1 lets clients retry such a request); it
    was seen once in eight runs."""
    import requests

    base_url, log = gunicorn_site
    sessions = [requests.Session() for _ in range(3)]
    failures = []
    for i in range(1200):
        try:
            response = sessions[i % 3].get(f"{base_url}/healthz", timeout=30)
            if response.status_code != 200:
                failures.append(response.status_code)
        except requests.ConnectionError as exc:
            failures.append(repr(exc))
    restarts = log.read_text().count("Autorestarting worker")
    assert restarts >= 10, log.read_text()[-2000:]
    assert len(failures) <= 1, failures


def _csrf(session, url: str) -> tuple[str, str]:
    import re as _re

    page = session.get(url, headers={"X-Forwarded-Proto": "https"}, timeout=30)
    cookie = page.headers["Set-Cookie"].split("csrftoken=")[1].split(";")[0]
    token = _re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text)
    return cookie, token.group(1)


def test_login_limit_holds_across_worker_processes(gunicorn_site):
    """D21: 8 wrong passwords against a limit of 5, spread over 3 worker processes (a new
    connection per request): at most 5 reach the password check, the rest are 429."""
    import requests

    base_url, log = gunicorn_site
    url = f"{base_url}/admin/login/"
    statuses = []
    for attempt in range(8):
        session = requests.Session()
        cookie, token = _csrf(session, url)
        response = session.post(
            url,
            data={
                "username": "limited",
                "password": f"wrong-{attempt}",
                "csrfmiddlewaretoken": token,
                "next": "/admin/",
            },
            headers={
                "X-Forwarded-Proto": "https",
                "Origin": f"https://{base_url.split('//')[1]}",
                "Cookie": f"csrftoken={cookie}",
            },
            allow_redirects=False,
            timeout=30,
        )
        statuses.append(response.status_code)
        if response.status_code == 200:
            assert "correct username and password" in response.text
    checked = statuses.count(200)
    assert checked <= 5, statuses
    assert statuses[:5] == [200] * 5 and set(statuses[5:]) == {429}, statuses
    # The right password is refused too while the lock lasts.
    session = requests.Session()
    cookie, token = _csrf(session, url)
    locked = session.post(
        url,
        data={
            "username": "limited",
            "password": "right-password-4e1f",
            "csrfmiddlewaretoken": token,
        },
        headers={
            "X-Forwarded-Proto": "https",
            "Origin": f"https://{base_url.split('//')[1]}",
            "Cookie": f"csrftoken={cookie}",
        },
        allow_redirects=False,
        timeout=30,
    )
    assert locked.status_code == 429
