"""Hostile input: script in curated text, formulas in exports, junk in every filter,
oversized bodies, and password guessing on the admin login.
"""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from django.core.cache import cache
from django.db import transaction
from django.urls import URLResolver, get_resolver
from rest_framework.test import APIClient

from evidence.login_limits import login_failure_record
from tests import factories as f
from tests.web.conftest import build_world

PAYLOAD = '"><img src=x onerror=alert(1)><script>alert("x")</script>'
ESCAPED = (
    "&quot;&gt;&lt;img src=x onerror=alert(1)&gt;"
    "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"
)
RAW_MARKERS = ("<script>alert", "<img src=x")


@pytest.fixture
def hostile(db):
    """The web test world with PAYLOAD in titles, designs, statements and names."""
    world = build_world()
    trial = world.trials["t1"]
    trial.design_as_printed = f"Design {PAYLOAD}"
    trial.save()
    study = world.studies["s1"]
    study.title = f"Study {PAYLOAD}"
    study.save()
    finding = world.findings["f1"]
    finding.statement = f"Statement {PAYLOAD}"
    finding.save()
    publication = world.publications["primary"]
    publication.title = f"Title {PAYLOAD}"
    publication.save()
    condition = world.conditions["knee"]
    condition.name = f"Knee {PAYLOAD}"
    condition.save()
    return world


def assert_escaped(content: str, where: str) -> None:
    for marker in RAW_MARKERS:
        assert marker not in content, f"unescaped {marker!r} in {where}"
    assert ESCAPED in content, f"the payload is not shown (escaped) in {where}"


def html_pages(world) -> list[str]:
    return [
        "/trials/",
        "/studies/",
        "/publications/",
        "/conditions/",
        "/secretome/",
        "/compare/",
        "/trials/?q=design",
        world.trials["t1"].get_absolute_url(),
        world.studies["s1"].get_absolute_url(),
        world.findings["f1"].get_absolute_url(),
        world.publications["primary"].get_absolute_url(),
        world.conditions["knee"].get_absolute_url(),
        world.components["vegf"].get_absolute_url(),
        "/search/?q=Knee",
    ]


def test_pages_escape_curated_text(client, hostile):
    for url in html_pages(hostile):
        response = client.get(url)
        assert response.status_code == 200, url
        assert_escaped(response.content.decode(), url)


def test_admin_escapes_curated_text(admin_client_logged, hostile):
    client = admin_client_logged
    # Change lists show the payload where it is part of a listed column; change forms
    # always show it (in a textarea or an input value).
    shown = [
        "/admin/trials/study/",
        "/admin/evidence/condition/",
    ]
    searched = [
        "/admin/trials/clinicaltrial/?q=design",
        "/admin/secretome/componentfinding/?q=statement",
        "/admin/evidence/publication/?q=title",
    ]
    for record, app in (
        (hostile.trials["t1"], "trials/clinicaltrial"),
        (hostile.studies["s1"], "trials/study"),
        (hostile.findings["f1"], "secretome/componentfinding"),
        (hostile.publications["primary"], "evidence/publication"),
        (hostile.conditions["knee"], "evidence/condition"),
    ):
        shown.append(f"/admin/{app}/{record.pk}/change/")
    for url in shown + searched:
        response = client.get(url)
        assert response.status_code == 200, url
        content = response.content.decode()
        if url in shown:
            assert_escaped(content, url)
        else:
            assert response.context["cl"].result_count == 1, url
            for marker in RAW_MARKERS:
                assert marker not in content, url


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [value] if isinstance(value, str) else []


@pytest.mark.parametrize(
    ("url", "content_type"),
    [
        ("/trials/?export=csv", "text/csv"),
        ("/trials/?export=json", "application/json"),
        ("/publications/?export=ris", "application/x-research-info-systems"),
        ("/publications/?export=bibtex", "application/x-bibtex"),
        ("/studies/?export=csv", "text/csv"),
        ("/api/trials/?format=csv", "text/csv"),
        ("/api/findings/?q=statement", "application/json"),
        ("/api/publications/?format=csv", "text/csv"),
    ],
)
def test_exports_keep_the_text_as_data_never_as_html(
    client, hostile, url, content_type
):
    """Downloads hold the text verbatim (it is data) under a type no browser renders
    as a page, and with `nosniff`, so the script can never run from them."""
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"].startswith(content_type)
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.getvalue().decode()  # streamed or not
    if content_type == "application/json":
        assert any(PAYLOAD in text for text in _strings(json.loads(body)))
    else:
        assert PAYLOAD.replace('"', '""') in body or PAYLOAD in body
    if not url.startswith("/api/") or "csv" in url:
        assert response["Content-Disposition"].startswith("attachment;")


FORMULAS = ["=HYPERLINK(1)", "+SUM(1)", "-2+3", "@cmd"]


@pytest.fixture
def formulas(db):
    for index, text in enumerate(FORMULAS):
        f.ClinicalTrialFactory(slug=f"formula-{index}", design_as_printed=text)


def _csv_column(content: str, column: str) -> set[str]:
    return {row[column] for row in csv.DictReader(io.StringIO(content))}


def test_html_list_csv_neutralises_formulas(client, formulas):
    content = client.get("/trials/?export=csv").getvalue().decode()
    assert _csv_column(content, "Design (as printed)") == {f"'{t}" for t in FORMULAS}


def test_api_csv_neutralises_formulas(client, formulas):
    content = client.get("/api/trials/?format=csv").content.decode()
    assert _csv_column(content, "design_as_printed") == {f"'{t}" for t in FORMULAS}


#
# Junk in every filter of every list page and list endpoint
#

HOSTILE_VALUES = [
    "' OR '1'='1' --",
    "1; DROP TABLE trials_clinicaltrial; --",
    "x" * 10240,
    "nul\x00byte",
    "99999999999999999999999999",
    "%' UNION SELECT password FROM auth_user --",
]
# Parameters that are not FilterSet filters but are read from the same query string.
EXTRA_PARAMS = {
    "api": ["ordering", "page", "page_size", "format"],
    "html": ["sort", "page", "per_page", "export"],
}


def _list_endpoints() -> list[tuple[str, str, list[str]]]:
    """(kind, path, filter names) of every list view with a FilterSet."""
    found = []

    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                walk(pattern.url_patterns, prefix + str(pattern.pattern))
                continue
            callback = pattern.callback
            view = getattr(callback, "view_class", None) or getattr(
                callback, "cls", None
            )
            filterset = getattr(view, "filterset_class", None)
            actions = getattr(callback, "actions", None)
            if filterset is None or (actions and actions.get("get") != "list"):
                continue
            path = "/" + (prefix + str(pattern.pattern)).replace("^", "").replace(
                "$", ""
            )
            if "<" in path or "(?P" in path:
                continue
            kind = "api" if path.startswith("/api/") else "html"
            found.append((kind, path, list(filterset.base_filters)))

    walk(get_resolver().url_patterns, "")
    return found


ENDPOINTS = _list_endpoints()
FILTER_CASES = [
    pytest.param(kind, path, name, id=f"{path}?{name}")
    for kind, path, names in ENDPOINTS
    for name in [*names, *EXTRA_PARAMS[kind]]
]


def test_every_filterset_is_covered():
    """Every list page and endpoint of the project is in the cases below."""
    paths = {path for _, path, _ in ENDPOINTS}
    assert len([p for p in paths if p.startswith("/api/")]) == 14
    assert len([p for p in paths if not p.startswith("/api/")]) == 9
    assert len(FILTER_CASES) > 130


@pytest.fixture(scope="module")
def _world_for_the_filter_cases(django_db_setup, django_db_blocker):
    """One world for all the filter cases (they only read), rolled back after them."""
    with django_db_blocker.unblock(), transaction.atomic():
        build_world()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def one_of_each(_world_for_the_filter_cases, db):
    cache.clear()
    yield
    cache.clear()


@pytest.mark.parametrize(("kind", "path", "name"), FILTER_CASES)
def test_hostile_filter_values_give_400_or_nothing(one_of_each, kind, path, name):
    client = APIClient()
    client.credentials(HTTP_ACCEPT="application/json" if kind == "api" else "text/html")
    from trials.models import ClinicalTrial

    before = ClinicalTrial.objects.count()
    for value in HOSTILE_VALUES:
        response = client.get(path, {name: value})
        where = f"{path}?{name}={value[:40]!r}"
        # DRF answers an unknown ?format= with 404, as for any unknown representation.
        allowed = (200, 400, 404) if name == "format" else (200, 400)
        assert response.status_code in allowed, (where, response.status_code)
        if response.status_code != 200 or name in ("q", "page", "sort", "export"):
            # Free text may match records, and a page or sort key is no filter.
            continue
        if value.isdigit() and name.endswith(("_min", "_max")):
            continue  # a huge year is a valid bound: "up to year 10^26" is everything
        if kind == "api":
            body = response.json()
            results = body["results"] if isinstance(body, dict) else body
            assert results == [], where
        else:
            assert len(response.context["object_list"]) == 0, where
    assert ClinicalTrial.objects.count() == before


#
# Oversized bodies and the admin login
#


def test_oversized_api_body_is_refused_before_parsing(db, settings):
    client = APIClient()
    body = json.dumps(
        {"slug": "x", "name": "y" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE)}
    )
    response = client.post("/api/effects/", body, content_type="application/json")
    assert response.status_code == 413
    assert response.json()["detail"].startswith("The request body is too large")


def test_oversized_form_body_is_refused(db, client, settings):
    response = client.post(
        "/admin/login/",
        "username=a&password=" + "p" * settings.DATA_UPLOAD_MAX_MEMORY_SIZE,
        content_type="application/x-www-form-urlencoded",
    )
    assert response.status_code == 413


def test_body_just_under_the_limit_is_parsed(db, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = APIClient().post(
        "/api/effects/", {"slug": "x", "name": "y" * 900}, format="json"
    )
    assert response.status_code == 401  # read by DRF: anonymous writes are refused


@pytest.fixture
def login_limit(db, settings):
    cache.clear()
    settings.ADMIN_LOGIN_MAX_FAILURES = 5
    settings.ADMIN_LOGIN_WINDOW_SECONDS = 300
    yield
    cache.clear()


def _login(client, username: str, password: str, address: str = "10.0.0.1"):
    return client.post(
        "/admin/login/?next=/admin/",
        {"username": username, "password": password, "next": "/admin/"},
        REMOTE_ADDR=address,
    )


def test_admin_login_locks_out_after_five_failures(client, superuser, login_limit):
    statuses = [_login(client, "admin", f"guess-{i}").status_code for i in range(5)]
    assert statuses == [200] * 5  # the form again, with its error
    locked = _login(client, "admin", "correct-horse-battery")
    assert locked.status_code == 429
    assert locked["Retry-After"] == "300"
    assert "Too many failed login attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session
    # Another address, or another user name, is not locked out.
    assert (
        _login(client, "admin", "correct-horse-battery", "10.0.0.2").status_code == 302
    )


def test_admin_login_success_clears_the_count(client, superuser, login_limit):
    for i in range(4):
        _login(client, "admin", f"guess-{i}")
    assert _login(client, "admin", "correct-horse-battery").status_code == 302
    client.logout()
    for i in range(4):
        assert _login(client, "admin", f"again-{i}").status_code == 200
    assert _login(client, "admin", "correct-horse-battery").status_code == 302


def test_admin_login_window_expires(client, superuser, login_limit, settings, rf):
    settings.ADMIN_LOGIN_WINDOW_SECONDS = 1
    request = rf.post("/admin/login/", REMOTE_ADDR="10.0.0.1")
    for _ in range(5):
        login_failure_record(request, "admin")
    assert _login(client, "admin", "correct-horse-battery").status_code == 429
    time.sleep(1.1)
    assert _login(client, "admin", "correct-horse-battery").status_code == 302
