"""No N+1: every list and detail page issues the same number of queries at two sizes."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.web.conftest import grow_world

LIST_URLS = [
    "/",
    "/compare/",
    "/search/?q=a",
    "/publications/",
    "/conditions/",
    "/cell-sources/",
    "/therapies/",
    "/trials/",
    "/trials/?condition=knee-osteoarthritis&modality=cells&outcome=safe",
    "/trials/?export=csv",
    "/trials/?export=ris",
    "/studies/",
    "/studies/?model=mouse&year_min=2000",
    "/studies/?export=json",
    "/secretome/",
    "/secretome/?effect=angiogenesis",
    "/preconditioning/",
    "/genetic-modifications/",
]


def detail_urls(world):
    return [
        world.conditions["knee"].get_absolute_url(),
        world.sources["bm"].get_absolute_url(),
        world.therapies["cells_bm"].get_absolute_url(),
        world.therapies["exo_bm"].get_absolute_url(),
        world.reviews["foo"].get_absolute_url(),
        world.trials["t1"].get_absolute_url(),
        world.studies["s1"].get_absolute_url(),
        world.components["vegf"].get_absolute_url(),
        world.effects["angio"].get_absolute_url(),
        world.findings["f2"].get_absolute_url(),
        world.other["preconditioning"].get_absolute_url(),
        world.other["modification"].get_absolute_url(),
    ]


def count_queries(client, url) -> int:
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, url
    return len(context.captured_queries)


def test_query_counts_do_not_grow_with_data(client, world, django_assert_num_queries):
    urls = LIST_URLS + detail_urls(world)
    client.get("/")  # warm per-process caches (content types, templates)
    at_size_1 = {url: count_queries(client, url) for url in urls}
    grow_world(world, 9)  # size 10: ten times the evidence, over the same vocabulary
    for url in urls:
        with django_assert_num_queries(at_size_1[url]):
            response = client.get(url)
        assert response.status_code == 200


@pytest.mark.parametrize("url", ["/trials/", "/studies/", "/secretome/"])
def test_list_pages_stay_within_a_fixed_budget(client, world, url):
    # facets (label query + grouped count per facet) + count + page + prefetches
    assert count_queries(client, url) <= 40
