"""`page` and `per_page` on every HTML list: bounded, and a reason for every refusal.

The lists are found in the URL configuration (every route served by an AtlasListView),
so a new list is covered without touching this file.
"""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from evidence.base.tables import DEFAULT_PER_PAGE, MAX_PER_PAGE
from evidence.base.views import AtlasListView


def _list_routes(patterns, prefix: str = "", namespace: str = ""):
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = (
                f"{namespace}:{pattern.namespace}".strip(":")
                if pattern.namespace
                else namespace
            )
            yield from _list_routes(
                pattern.url_patterns, prefix + str(pattern.pattern), inner
            )
        elif isinstance(pattern, URLPattern):
            view = getattr(pattern.callback, "view_class", None)
            if isinstance(view, type) and issubclass(view, AtlasListView):
                route = prefix + str(pattern.pattern)
                assert "<" not in route, f"a list route with arguments: {route}"
                yield "/" + route.lstrip("^").rstrip("$")


LIST_URLS = sorted(set(_list_routes(get_resolver().url_patterns)))

PER_PAGE_REASON = f"Rows per page must be a whole number from 1 to {MAX_PER_PAGE}"
PAGE_REASON = "The page must be a positive whole number or “last”"

BAD_PER_PAGE = [
    "-1",
    "-400",
    "0",
    "00",
    "abc",
    "1.5",
    "1e3",
    " ",
    "+5",
    "0x10",
    "١٢",  # Arabic-Indic digits: int() would take them
    str(MAX_PER_PAGE + 1),
    "20000",
    "9" * 30,
]
BAD_PAGE = ["-1", "0", " 1", "abc", "1.0", "2e1", "first", "+2", "9" * 30]


def rows_of(response) -> int:
    return len(re.findall(r"<tr[ >]", response.content.decode())) - 1


def trial_links(response) -> set[str]:
    return set(re.findall(r'href="(/trials/[^"?]+/)"', response.content.decode()))


def test_every_list_is_found():
    # The nine researcher lists at the time of writing; more are welcome.
    assert len(LIST_URLS) >= 9, LIST_URLS
    assert {"/trials/", "/studies/", "/publications/", "/therapies/"} <= set(LIST_URLS)


@pytest.mark.parametrize("url", LIST_URLS)
def test_bad_per_page_is_a_400_with_the_reason(client, world, url):
    for value in BAD_PER_PAGE:
        response = client.get(url, {"per_page": value})
        assert response.status_code == 400, (url, value, response.status_code)
        body = response.content.decode()
        assert PER_PAGE_REASON in body, (url, value)
        assert "<strong>per_page</strong>" in body
        # No rows are shown as if the value had been taken.
        assert 'class="data-table"' not in body, (url, value)


@pytest.mark.parametrize("url", LIST_URLS)
def test_bad_page_is_a_400_with_the_reason(client, world, url):
    for value in BAD_PAGE:
        response = client.get(url, {"page": value})
        assert response.status_code == 400, (url, value, response.status_code)
        body = response.content.decode()
        assert PAGE_REASON in body, (url, value)
        assert "<strong>page</strong>" in body
        assert 'class="data-table"' not in body


@pytest.mark.parametrize("url", LIST_URLS)
def test_a_page_past_the_last_is_a_404_with_the_number_of_pages(client, world, url):
    response = client.get(url, {"page": "999", "per_page": "1"})
    assert response.status_code == 404
    body = response.content.decode()
    assert re.search(r"There is no page 999: \d+ rows? make \d+ pages? of 1\.", body)
    assert 'class="data-table"' not in body
    # A link back to the first page that keeps the page size but not the bad page.
    assert 'href="?per_page=1">Go to the first page' in body


@pytest.mark.parametrize("url", LIST_URLS)
def test_valid_paging_answers_200(client, world, url):
    for params in (
        {},
        {"per_page": "1"},
        {"per_page": str(MAX_PER_PAGE)},
        {"page": "1", "per_page": str(DEFAULT_PER_PAGE)},
        {"page": "last", "per_page": "1"},
        {"page": "1", "per_page": ""},
    ):
        response = client.get(url, params)
        assert response.status_code == 200, (url, params)
        assert PER_PAGE_REASON not in response.content.decode()


@pytest.mark.parametrize("url", LIST_URLS)
def test_bad_paging_refuses_downloads_too(client, world, url):
    response = client.get(url, {"per_page": "-1", "export": "csv"})
    assert response.status_code == 400
    assert PER_PAGE_REASON in response.content.decode()


def test_per_page_and_page_select_the_rows(client, world):
    first = client.get("/trials/", {"per_page": "2", "sort": "nct_id"})
    assert first.status_code == 200
    assert rows_of(first) == 2
    body = first.content.decode()
    # The pager keeps the page size.
    assert re.search(r'href="\?[^"]*per_page=2[^"]*page=2|page=2[^"]*per_page=2', body)
    second = client.get("/trials/", {"per_page": "2", "page": "2", "sort": "nct_id"})
    last = client.get("/trials/", {"per_page": "2", "page": "last", "sort": "nct_id"})
    assert second.status_code == last.status_code == 200
    assert rows_of(second) == rows_of(last) == 2
    assert len(trial_links(second)) == 2
    assert trial_links(second) == trial_links(last)
    assert not trial_links(first) & trial_links(second)
    assert client.get("/trials/", {"per_page": "2", "page": "3"}).status_code == 404
    everything = client.get("/trials/", {"per_page": str(MAX_PER_PAGE)})
    assert rows_of(everything) == 4
