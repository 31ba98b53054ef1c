"""The condition hierarchy: integrity (no cycles, PROTECT), the record format's `parent`,
the condition filter's `include_descendants` (pages and API alike) and the condition page."""

from pathlib import Path

import pytest
import yaml
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import ProtectedError
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from evidence.dataset.export import dataset_export
from evidence.dataset.load import DatasetError, dataset_load
from evidence.models import Condition
from tests import factories as f
from tests.api.conftest import etag_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree():
    """musculoskeletal > osteoarthritis > knee OA, and a stranger (stroke)."""
    top = f.ConditionFactory(
        slug="musculoskeletal-disorders",
        name="Musculoskeletal disorders",
        is_grouping=True,
        curator_note="curator grouping: the body-system heading",
    )
    oa = f.ConditionFactory(
        slug="osteoarthritis",
        name="Osteoarthritis",
        parent=top,
        is_grouping=True,
        curator_note="curator grouping: holds knee osteoarthritis",
    )
    knee = f.ConditionFactory(slug="knee-osteoarthritis", name="Knee OA", parent=oa)
    stroke = f.ConditionFactory(slug="stroke", name="Stroke")
    return {"top": top, "oa": oa, "knee": knee, "stroke": stroke}


#
# Integrity
#


def test_the_database_refuses_a_condition_as_its_own_parent(tree):
    knee = tree["knee"]
    with pytest.raises(IntegrityError), transaction.atomic():
        Condition.objects.filter(pk=knee.pk).update(parent=knee)


def test_clean_refuses_a_cycle_through_descendants(tree):
    top = tree["top"]
    top.parent = tree["knee"]
    with pytest.raises(ValidationError) as excinfo:
        top.full_clean()
    assert "cycle" in excinfo.value.message_dict["parent"][0]


def test_clean_refuses_itself_as_parent(tree):
    oa = tree["oa"]
    oa.parent = oa
    with pytest.raises(ValidationError) as excinfo:
        oa.full_clean()
    assert excinfo.value.message_dict["parent"] == [
        "A condition cannot be its own parent."
    ]


def test_clean_accepts_a_new_branch(tree):
    tree["stroke"].parent = tree["top"]
    tree["stroke"].full_clean()  # raises on failure


def test_a_parent_with_children_cannot_be_deleted(tree):
    with pytest.raises(ProtectedError):
        tree["oa"].delete()
    assert Condition.objects.filter(slug="osteoarthritis").exists()


def test_a_grouping_must_say_why(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Condition.objects.filter(pk=tree["top"].pk).update(curator_note="")


def test_tree_walks_in_one_query(tree, django_assert_num_queries):
    with django_assert_num_queries(1):
        hierarchy = Condition.objects.tree()
    top, oa, knee = tree["top"], tree["oa"], tree["knee"]
    assert hierarchy.descendant_ids([top.pk]) == {top.pk, oa.pk, knee.pk}
    assert hierarchy.descendant_ids([knee.pk]) == {knee.pk}
    assert [n.slug for n in hierarchy.ancestors(knee.pk)] == [
        "osteoarthritis",
        "musculoskeletal-disorders",
    ]
    assert [n.slug for n in hierarchy.children(top.pk)] == ["osteoarthritis"]


#
# The record format
#


def _write(directory: Path, records: list[dict]) -> None:
    (directory / "conditions.yaml").write_text(
        yaml.safe_dump({"entity": "conditions", "records": records})
    )


def _condition(slug, parent=None, **extra):
    return {
        "slug": slug,
        "name": slug.replace("-", " ").capitalize(),
        "category": "musculoskeletal",
        "parent": parent,
        **extra,
    }


def test_loader_places_parents_first_whatever_the_file_order(tmp_path):
    _write(
        tmp_path,
        [
            _condition("knee-osteoarthritis", "osteoarthritis"),
            _condition("osteoarthritis", "musculoskeletal-disorders"),
            _condition(
                "musculoskeletal-disorders",
                is_grouping=True,
                curator_note="curator grouping: the body-system heading",
            ),
        ],
    )
    dataset_load(directory=tmp_path)
    knee = Condition.objects.get(slug="knee-osteoarthritis")
    assert knee.parent.slug == "osteoarthritis"
    assert knee.parent.parent.slug == "musculoskeletal-disorders"
    assert knee.parent.parent.is_grouping is True
    # A second load changes nothing.
    assert dataset_load(directory=tmp_path).changed is False


def test_loader_refuses_a_cycle_among_the_records(tmp_path):
    _write(tmp_path, [_condition("a", "b"), _condition("b", "a")])
    with pytest.raises(DatasetError, match="cycle"):
        dataset_load(directory=tmp_path)
    assert Condition.objects.count() == 0


def test_loader_refuses_a_cycle_with_records_already_stored(tree, tmp_path):
    # The stored osteoarthritis sits under musculoskeletal-disorders; the file puts
    # musculoskeletal-disorders under knee osteoarthritis, below osteoarthritis.
    _write(
        tmp_path,
        [
            _condition(
                "musculoskeletal-disorders",
                "knee-osteoarthritis",
                is_grouping=True,
                curator_note="curator grouping: the body-system heading",
            )
        ],
    )
    with pytest.raises(DatasetError, match="cycle") as excinfo:
        dataset_load(directory=tmp_path)
    assert "field parent" in str(excinfo.value)
    assert Condition.objects.get(slug="musculoskeletal-disorders").parent is None


def test_loader_refuses_an_unknown_parent(tmp_path):
    _write(tmp_path, [_condition("knee-osteoarthritis", "osteoarthritis")])
    with pytest.raises(DatasetError, match="no Condition with slug='osteoarthritis'"):
        dataset_load(directory=tmp_path)


def test_export_writes_the_parent_as_a_slug(tree, tmp_path):
    dataset_export(directory=tmp_path)
    records = yaml.safe_load((tmp_path / "conditions.yaml").read_text())["records"]
    by_slug = {r["slug"]: r for r in records}
    assert by_slug["knee-osteoarthritis"]["parent"] == "osteoarthritis"
    assert by_slug["osteoarthritis"]["parent"] == "musculoskeletal-disorders"
    assert by_slug["musculoskeletal-disorders"]["parent"] is None
    assert by_slug["osteoarthritis"]["curator_note"].startswith("curator grouping")


#
# include_descendants on the lists and the API
#


@pytest.fixture
def records(tree):
    review = f.ReviewFactory()
    common = {"source_review": review}
    return {
        "knee_trial": f.ClinicalTrialFactory(conditions=[tree["knee"]], **common),
        # Linked to two conditions of the subtree: selected (and counted) once.
        "oa_trial": f.ClinicalTrialFactory(
            conditions=[tree["oa"], tree["knee"]], **common
        ),
        "stroke_trial": f.ClinicalTrialFactory(conditions=[tree["stroke"]], **common),
        "knee_study": f.StudyFactory(conditions=[tree["knee"]], **common),
        "knee_finding": f.ComponentFindingFactory(conditions=[tree["knee"]], **common),
        "knee_modification": f.GeneticModificationFactory(
            conditions=[tree["knee"]], **common
        ),
    }


def _api_slugs(client, path, query):
    response = client.get(path, query)
    assert response.status_code == 200, response.content
    return sorted(row["slug"] for row in response.json()["results"])


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"condition": "osteoarthritis"}, ["oa_trial"]),
        (
            {"condition": "osteoarthritis", "include_descendants": "true"},
            ["knee_trial", "oa_trial"],
        ),
        (
            {"condition": "musculoskeletal-disorders", "include_descendants": "1"},
            ["knee_trial", "oa_trial"],
        ),
        ({"condition": "musculoskeletal-disorders"}, []),
        (
            {"condition": "musculoskeletal-disorders", "include_descendants": "false"},
            [],
        ),
        (
            {"condition": "knee-osteoarthritis", "include_descendants": "true"},
            ["knee_trial", "oa_trial"],
        ),
        (
            {
                "condition": ["osteoarthritis", "stroke"],
                "include_descendants": "true",
            },
            ["knee_trial", "oa_trial", "stroke_trial"],
        ),
        # Alone the switch selects nothing.
        ({"include_descendants": "true"}, ["knee_trial", "oa_trial", "stroke_trial"]),
    ],
)
def test_trial_list_and_api_include_descendants(client, records, query, expected):
    wanted = sorted(records[name].slug for name in expected)
    assert _api_slugs(client, "/api/trials/", query) == wanted
    page = client.get(reverse("trials:trial_list"), query)
    assert sorted(row.record.slug for row in page.context["table"].rows) == wanted


@pytest.mark.parametrize(
    "path, name",
    [
        ("/api/studies/", "knee_study"),
        ("/api/findings/", "knee_finding"),
        ("/api/genetic-modifications/", "knee_modification"),
    ],
)
def test_other_lists_include_descendants(client, records, path, name):
    query = {"condition": "musculoskeletal-disorders"}
    assert _api_slugs(client, path, query) == []
    assert _api_slugs(client, path, {**query, "include_descendants": "true"}) == [
        records[name].slug
    ]


def test_components_include_descendants(client, records):
    component = records["knee_finding"].component
    query = {"condition": "osteoarthritis"}
    assert _api_slugs(client, "/api/components/", query) == []
    assert _api_slugs(
        client, "/api/components/", {**query, "include_descendants": "true"}
    ) == [component.slug]


def test_facets_count_over_the_widened_selection(client, records):
    page = client.get(
        reverse("trials:trial_list"),
        {"condition": "osteoarthritis", "include_descendants": "true"},
    )
    phases = {
        facet.name: sum(option.count for option in facet.options)
        for facet in page.context["facets"]
    }
    assert phases["phase"] == 2


@pytest.mark.parametrize("value", ["junk", "2", "yes please"])
def test_a_bad_switch_is_a_clear_400(client, records, value):
    response = client.get(
        "/api/trials/", {"condition": "osteoarthritis", "include_descendants": value}
    )
    assert response.status_code == 400
    assert response.json() == {"include_descendants": ["Enter true or false."]}
    page = client.get(
        reverse("trials:trial_list"),
        {"condition": "osteoarthritis", "include_descendants": value},
    )
    assert page.status_code == 400
    assert "Enter true or false." in page.content.decode()


def test_the_switch_costs_one_query_for_the_hierarchy(client, records):
    with CaptureQueriesContext(connection) as plain:
        client.get("/api/trials/", {"condition": "osteoarthritis"})
    with CaptureQueriesContext(connection) as widened:
        client.get(
            "/api/trials/",
            {"condition": "osteoarthritis", "include_descendants": "true"},
        )
    assert len(widened) == len(plain) + 1


def test_schema_documents_the_switch(client):
    schema = yaml.safe_load(client.get("/api/schema/").content)
    parameters = {
        p["name"]: p for p in schema["paths"]["/api/trials/"]["get"]["parameters"]
    }
    switch = parameters["include_descendants"]
    assert switch["schema"]["type"] == "boolean"
    assert "narrower condition" in switch["description"]
    assert "include_descendants" in parameters["condition"]["description"]


def test_api_reads_the_parent_and_grouping(client, tree):
    url = f"/api/conditions/{tree['oa'].pk}/"
    body = client.get(url).json()
    assert body["parent"]["slug"] == "musculoskeletal-disorders"
    assert (body["is_grouping"], body["curator_note"]) == (
        True,
        "curator grouping: holds knee osteoarthritis",
    )


def test_api_write_of_a_cycle_is_a_400(tree):
    user = get_user_model().objects.create_user("curator", password="x-unused-3c1")
    user.user_permissions.set(
        Permission.objects.filter(codename__in=["change_condition", "view_condition"])
    )
    writer = APIClient()
    writer.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}"
    )
    url = f"/api/conditions/{tree['top'].pk}/"
    response = writer.patch(
        url,
        {"parent": "knee-osteoarthritis"},
        format="json",
        HTTP_IF_MATCH=etag_of(writer, url),
    )
    assert response.status_code == 400, response.content
    assert "cycle" in str(response.json()["parent"])
    assert Condition.objects.get(pk=tree["top"].pk).parent is None


#
# The condition page
#


def test_condition_page_shows_parent_children_and_includes_descendants(
    client, records, tree
):
    response = client.get(tree["oa"].get_absolute_url())
    html = response.content.decode()
    assert response.context["ancestors"][0].slug == "musculoskeletal-disorders"
    assert [n.slug for n in response.context["children"]] == ["knee-osteoarthritis"]
    assert f'href="{tree["top"].get_absolute_url()}"' in html
    assert f'href="{tree["knee"].get_absolute_url()}"' in html
    assert "Includes the evidence of the narrower conditions below" in html
    cells = response.context["sides"][0]
    # knee_trial and oa_trial (the latter linked twice within the subtree) count once each.
    assert cells.trial_total == 2
    assert "include_descendants=true" in cells.trials_url
    assert [f.slug for f in response.context["findings"].rows] == [
        records["knee_finding"].slug
    ]


def test_condition_page_of_a_leaf_has_no_note(client, records, tree):
    response = client.get(tree["knee"].get_absolute_url())
    html = response.content.decode()
    assert response.context["included"] == []
    assert "Includes the evidence" not in html
    assert "include_descendants" not in response.context["sides"][0].trials_url
    assert [n.slug for n in response.context["ancestors"]] == [
        "osteoarthritis",
        "musculoskeletal-disorders",
    ]


def test_unknown_condition_page_is_404(client, tree):
    assert client.get("/conditions/no-such-condition/").status_code == 404
