"""The API root answers scripts with JSON and browsers with a page (content negotiation)."""

import pytest
from rest_framework.test import APIClient

from tests.api.conftest import RESOURCES

BROWSER_ACCEPT = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"


@pytest.fixture
def api_client():
    return APIClient()


@pytest.mark.parametrize("accept", [None, "*/*", "application/json"])
def test_root_is_json_for_scripts(db, api_client, accept):
    headers = {"HTTP_ACCEPT": accept} if accept else {}
    response = api_client.get("/api/", **headers)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert "Accept" in response["Vary"]
    assert set(response.json()) == {r.path for r in RESOURCES} | {
        "search",
        "schema",
        "docs",
    }


def test_root_is_a_page_for_a_browser(db, api_client):
    response = api_client.get("/api/", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    assert "Accept" in response["Vary"]
    content = response.content.decode()
    assert "<h1>The Paracrine Atlas API</h1>" in content
    for resource in RESOURCES:
        assert (
            f'<a href="http://testserver/api/{resource.path}/">'
            f"/api/{resource.path}/</a>" in content
        ), resource.path
    # Each resource says what it holds (its viewset's docstring).
    assert "Clinical trials of cell and cell-free therapies" in content
    assert 'href="http://testserver/api/docs/"' in content
    assert 'href="http://testserver/api/schema/"' in content


def test_root_format_json_wins_over_a_browser_accept(db, api_client):
    response = api_client.get("/api/?format=json", HTTP_ACCEPT=BROWSER_ACCEPT)
    assert response["Content-Type"] == "application/json"
    # DRF's reverse() keeps the format on the links, so they stay JSON too.
    assert response.json()["trials"] == "http://testserver/api/trials/?format=json"


def test_site_links_the_api_from_header_and_footer(client, db):
    content = client.get("/").content.decode()
    assert content.count('href="/api/"') == 2
    assert 'href="/api/docs/"' in content
