"""The shortcuts of the list pages' rendering give what Django and django-tables2 give:
record URLs filled into a pattern reversed once (evidence.base.reversing), and table
cell attributes rendered once per column (templates/includes/data_table.html)."""

import django_tables2 as tables
import pytest
from django.template import Context, Template
from django.test import RequestFactory, override_settings
from django.urls import NoReverseMatch, clear_script_prefix, reverse, set_script_prefix

from evidence.base import reversing
from evidence.base.reversing import slug_url
from evidence.models import Condition
from tests.factories import ClinicalTrialFactory, ConditionFactory

VIEWS = [
    "evidence:condition_detail",
    "evidence:therapy_detail",
    "evidence:publication_detail",
    "evidence:cellsource_detail",
    "trials:trial_detail",
    "trials:study_detail",
    "secretome:component_detail",
    "secretome:finding_detail",
]


@pytest.mark.parametrize("view_name", VIEWS)
@pytest.mark.parametrize("slug", ["keloid", "nct01234567", "a_b-C9", "x"])
def test_slug_url_is_reverse(view_name, slug):
    assert slug_url(view_name, slug) == reverse(view_name, kwargs={"slug": slug})


@pytest.mark.parametrize("slug", ["", "with space", "é", "a/b", "a%2Fb", "a\n"])
def test_a_key_the_slug_converter_refuses_goes_through_reverse(slug):
    with pytest.raises(NoReverseMatch):
        reverse("evidence:condition_detail", kwargs={"slug": slug})
    with pytest.raises(NoReverseMatch):
        slug_url("evidence:condition_detail", slug)


@pytest.mark.parametrize("key", [7, None])
def test_a_key_that_is_not_text_goes_through_reverse(key):
    expected = reverse("evidence:condition_detail", kwargs={"slug": key})
    assert slug_url("evidence:condition_detail", key) == expected


def test_an_unknown_view_raises_as_reverse_does():
    with pytest.raises(NoReverseMatch):
        slug_url("evidence:no_such_view", "keloid")


def test_the_script_prefix_is_part_of_the_template():
    plain = slug_url("evidence:condition_detail", "keloid")
    set_script_prefix("/atlas/")
    try:
        prefixed = slug_url("evidence:condition_detail", "keloid")
        assert prefixed == reverse(
            "evidence:condition_detail", kwargs={"slug": "keloid"}
        )
        assert prefixed == "/atlas" + plain
    finally:
        clear_script_prefix()
    assert slug_url("evidence:condition_detail", "keloid") == plain


@pytest.mark.django_db
def test_records_link_to_their_pages():
    condition = ConditionFactory(slug="keloid-like")
    trial = ClinicalTrialFactory()
    assert condition.get_absolute_url() == "/conditions/keloid-like/"
    assert trial.get_absolute_url() == reverse(
        "trials:trial_detail", kwargs={"slug": trial.slug}
    )


@override_settings(ROOT_URLCONF="tests.web.urls_elsewhere")
def test_a_swapped_urlconf_gets_its_own_patterns():
    assert slug_url("evidence:condition_detail", "keloid") == (
        "/elsewhere/conditions/keloid/"
    )


def test_templates_are_bounded():
    reversing.clear()
    for number in range(reversing._MAX_TEMPLATES + 5):
        with pytest.raises(NoReverseMatch):
            slug_url(f"evidence:made_up_{number}", "x")
    assert len(reversing._templates) <= reversing._MAX_TEMPLATES


class _Table(tables.Table):
    name = tables.Column(attrs={"td": {"class": "name", "data-x": "1"}})
    slug = tables.Column(
        attrs={"td": {"data-slug": lambda record: record.slug}}, orderable=False
    )

    class Meta:
        model = Condition
        fields = ("name", "slug")
        attrs = {"class": "data-table"}


def _render(template_name: str, table) -> str:
    request = RequestFactory().get("/")
    table.template_name = template_name
    return Template("{% load django_tables2 %}{% render_table table %}").render(
        Context({"table": table, "request": request})
    )


@pytest.mark.django_db
def test_the_data_table_renders_as_django_tables2():
    records = [ConditionFactory(name=f"Name {n}", slug=f"slug-{n}") for n in range(3)]
    stock = _render("django_tables2/table.html", _Table(records, order_by="name"))
    ours = _render("includes/data_table.html", _Table(records, order_by="name"))
    assert ours == stock
    # The attribute computed from the record is still worked out for each cell.
    for record in records:
        assert f'data-slug="{record.slug}"' in ours
    assert ours.count('data-x="1"') == 3
