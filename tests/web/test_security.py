"""Curated text is escaped everywhere it is shown."""

import pytest
from django.urls import reverse

PAYLOAD = '<script>alert("x")</script>'
ESCAPED = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"


@pytest.fixture
def hostile(world):
    condition = world.conditions["knee"]
    condition.name = f"Knee {PAYLOAD}"
    condition.synonyms = [PAYLOAD]
    condition.save()
    trial = world.trials["t1"]
    trial.design_as_printed = f"Design {PAYLOAD}"
    trial.save()
    study = world.studies["s1"]
    study.title = f"Study {PAYLOAD}"
    study.save()
    return world


def assert_escaped(content: str):
    assert PAYLOAD not in content
    assert "<script>alert" not in content
    assert ESCAPED in content


@pytest.mark.parametrize(
    "url",
    ["/trials/", "/studies/", "/conditions/", "/compare/", "/trials/?q=script"],
)
def test_lists_escape_curated_text(client, hostile, url):
    assert_escaped(client.get(url).content.decode())


def test_details_escape_curated_text(client, hostile):
    for record in (
        hostile.trials["t1"],
        hostile.studies["s1"],
        hostile.conditions["knee"],
    ):
        assert_escaped(client.get(record.get_absolute_url()).content.decode())


def test_search_escapes_then_highlights(client, hostile):
    content = client.get(reverse("evidence:search"), {"q": "alert"}).content.decode()
    assert "<script>alert" not in content
    assert "&lt;script&gt;<mark>alert</mark>(&quot;x&quot;)&lt;/script&gt;" in content


def test_highlight_never_cuts_entities():
    from evidence.templatetags.atlas import highlight

    assert highlight("a & b <amp>", "amp") == "a &amp; b &lt;<mark>amp</mark>&gt;"
    assert highlight("<b>", "") == "&lt;b&gt;"
