"""A list's `q` gives its matches best first, in the API and on the pages: a name equal
to the query, then a name starting with it, then a name containing it, then text only
(the site search's ranks); an explicit `ordering` or `sort` replaces that order."""

import re

import pytest

from tests.factories import StudyFactory

pytestmark = pytest.mark.django_db

# Slug order is the reverse of relevance order, so a list that ignored relevance
# (slug, then id) would give them the other way round.
STUDIES = [
    # slug, title, authors, year
    ("a-text-only", "An unrelated title", "Kellogg J, Smith A", 2001),
    ("b-name-contains", "The Kellogg protocol in rats", "", 2002),
    ("c-name-starts", "Kellogg protocol in mice", "", 2003),
    ("d-name-equals", "Kellogg", "", 2004),
]
BEST_FIRST = ["d-name-equals", "c-name-starts", "b-name-contains", "a-text-only"]


@pytest.fixture
def studies():
    for slug, title, authors, year in STUDIES:
        StudyFactory(slug=slug, title=title, authors_as_printed=authors, year=year)
    StudyFactory(slug="e-no-match", title="Something else", year=2005)


def _api_slugs(client, query: str) -> list[str]:
    response = client.get(f"/api/studies/?{query}")
    assert response.status_code == 200, response.content[:300]
    return [row["slug"] for row in response.json()["results"]]


def _page_slugs(client, query: str) -> list[str]:
    response = client.get(f"/studies/?{query}")
    assert response.status_code == 200
    found = re.findall(r'href="/studies/([a-z0-9-]+)/"', response.content.decode())
    return list(dict.fromkeys(found))


def test_api_list_q_is_in_relevance_order(client, studies):
    assert _api_slugs(client, "q=kellogg") == BEST_FIRST
    # Case, spacing and a page of one: the order holds across pages.
    assert _api_slugs(client, "q=KELLOGG&page_size=1") == BEST_FIRST[:1]
    assert _api_slugs(client, "q=kellogg&page_size=1&page=2") == BEST_FIRST[1:2]
    assert _api_slugs(client, "q=kellogg&page_size=3&page=2") == BEST_FIRST[3:]


def test_a_two_word_query_ranks_by_its_compact_key(client, studies):
    # "kellogg protocol" names c (starts with it) and b (contains it).
    assert _api_slugs(client, "q=kellogg+protocol") == [
        "c-name-starts",
        "b-name-contains",
    ]


def test_explicit_ordering_replaces_relevance(client, studies):
    assert _api_slugs(client, "q=kellogg&ordering=slug") == sorted(BEST_FIRST)
    assert _api_slugs(client, "q=kellogg&ordering=-year") == BEST_FIRST
    assert _api_slugs(client, "q=kellogg&ordering=year") == sorted(BEST_FIRST)


def test_cursor_pages_stay_in_id_order(client, studies):
    slugs = _api_slugs(client, "q=kellogg&cursor=0")
    assert slugs == [slug for slug, *_ in STUDIES]


def test_html_list_q_is_in_relevance_order_unless_sorted(client, studies):
    assert _page_slugs(client, "q=kellogg") == BEST_FIRST
    assert _page_slugs(client, "q=kellogg&sort=year") == sorted(BEST_FIRST)


def test_the_totals_are_those_of_the_matches(client, studies):
    # Ordering by rank does not reach the count query (nor its GROUP BY).
    assert client.get("/api/studies/?q=kellogg").json()["count"] == 4
    page = client.get("/studies/?q=kellogg")
    assert page.context["table"].paginator.count == 4
