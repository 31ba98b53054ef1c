"""Highlighting of search results: the names that match, in any spelling the search
reads as the same, marked in escaped text (no HTML from the data or the query)."""

import pytest
from django.urls import reverse

from evidence.base import normalise, search_index
from evidence.templatetags.atlas import excerpt, highlight
from tests.factories import ComponentFactory, ComponentFindingFactory


def marked(text: str, query: str) -> list[str]:
    spans = normalise.match_spans(text, search_index.query_words(query))
    return [text[start:end] for start, end in spans]


@pytest.mark.parametrize(
    ("text", "query", "expected"),
    [
        ("Transforming growth factor-beta 1 (TGF-β1)", "TGF-b1", ["TGF-β1"]),
        (
            "TGF-β1 and TGF beta 1 and TGFB1",
            "TGF-beta1",
            ["TGF-β1", "TGF beta 1", "TGFB1"],
        ),
        ("IL-1β, IL 1 beta or IL1B", "il-1b", ["IL-1β", "IL 1 beta", "IL1B"]),
        ("microRNA-125b and miR 125b", "mir125b", ["microRNA-125b", "miR 125b"]),
        ("Danišovič L, Boháč M", "danisovic bohac", ["Danišovič", "Boháč"]),
        ("Tumour growth; tumors", "tumor", ["Tumour", "tumors"]),
        ("Registered as NCT01183728.", "nct 01183728", ["NCT01183728"]),
        ("Nothing here", "TGF-b1", []),
    ],
)
def test_match_spans_find_every_spelling(text, query, expected):
    assert marked(text, query) == expected


def test_highlight_marks_the_variant_and_escapes_the_rest():
    html = highlight("<b>TGF-β1</b> & co", "TGF-b1")
    assert html == "&lt;b&gt;<mark>TGF-β1</mark>&lt;/b&gt; &amp; co"


def test_highlight_of_a_query_with_html_escapes_it():
    html = highlight("<script>alert(1)</script> TNF-α", "<script>alert(1)</script> TNF")
    assert "<script>" not in html and "</script>" not in html
    assert "<mark>TNF-α</mark>" in html
    assert html.count("<mark>") == html.count("</mark>")
    # Only <mark> tags are left once the marks are taken out.
    assert "<" not in html.replace("<mark>", "").replace("</mark>", "")


def test_excerpt_centres_on_a_variant():
    text = "x " * 200 + "TGF-β1 here " + "y " * 100
    assert "TGF-β1" in excerpt(text, "TGF-b1")
    assert "TGF-β1" not in excerpt(text, "unrelated")


@pytest.mark.django_db
def test_the_page_marks_variants_and_escapes_a_record_with_script(client):
    component = ComponentFactory(aliases=["TGF-β1", "TGF-beta1"])
    ComponentFindingFactory(
        component=component,
        statement="<script>alert('x')</script> TGF-β1 promoted angiogenesis.",
    )
    response = client.get(reverse("evidence:search"), {"q": "TGF-b1"})
    html = response.content.decode()
    groups = {g.name: g for g in response.context["groups"]}
    assert [r.pk for r in groups["components"].results] == [component.pk]
    assert len(groups["component_findings"].results) == 1
    assert "Also: <mark>TGF-β1</mark>, <mark>TGF-beta1</mark>" in html
    assert (
        "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt; <mark>TGF-β1</mark>" in html
    )
    assert "<script>alert" not in html


@pytest.mark.django_db
def test_the_page_escapes_a_query_with_html(client):
    ComponentFactory(aliases=["TNF-α"])
    response = client.get(
        reverse("evidence:search"), {"q": '"><img src=x onerror=alert(1)> TNF'}
    )
    html = response.content.decode()
    # Every word must match: nothing does; the query is shown escaped.
    assert response.context["groups"] == []
    assert "<img" not in html
    assert "&quot;&gt;&lt;img src=x onerror=alert(1)&gt; TNF" in html
