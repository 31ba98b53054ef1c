"""Every admin changelist and add page loads, with constant queries as data grows."""

import pytest
from django.contrib import admin
from django.urls import reverse

from evidence.base.writes import record_save
from tests import factories

pytestmark = pytest.mark.django_db

FACTORIES = {
    "publication": factories.PublicationFactory,
    "reviewreference": factories.ReviewReferenceFactory,
    "condition": factories.ConditionFactory,
    "cellsource": factories.CellSourceFactory,
    "therapy": factories.CellFreeTherapyFactory,
    "comparisonpoint": factories.ComparisonPointFactory,
    "clinicaltrial": factories.ClinicalTrialFactory,
    "study": factories.StudyFactory,
    "trialcountsnapshot": factories.TrialCountSnapshotFactory,
    "outcomeclass": factories.OutcomeClassFactory,
    "modelsystem": factories.ModelSystemFactory,
    "component": factories.ComponentFactory,
    "effect": factories.EffectFactory,
    "componentfinding": factories.ComponentFindingFactory,
    "preconditioning": factories.PreconditioningFactory,
    "geneticmodification": factories.GeneticModificationFactory,
}

MODELS = [
    (model._meta.app_label, model._meta.model_name)
    for model in admin.site._registry
    if model._meta.app_label in {"evidence", "trials", "secretome"}
]


def test_every_curated_model_in_the_admin_has_a_factory():
    # The query-count test below fills every changelist with a model's factory.
    assert {name for _, name in MODELS} == set(FACTORIES)


@pytest.mark.parametrize("app_label, model_name", MODELS)
def test_add_page_loads(admin_client_logged, app_label, model_name):
    url = reverse(f"admin:{app_label}_{model_name}_add")
    assert admin_client_logged.get(url).status_code == 200


def _changelist(client, url) -> tuple[int, int]:
    """(queries, rows listed) of one changelist request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.context["cl"].result_count


@pytest.mark.parametrize("app_label, model_name", MODELS)
def test_changelist_queries_do_not_grow_with_rows(
    admin_client_logged, app_label, model_name
):
    url = reverse(f"admin:{app_label}_{model_name}_changelist")
    FACTORIES[model_name].create_batch(1)
    small, rows_small = _changelist(admin_client_logged, url)
    FACTORIES[model_name].create_batch(9)
    large, rows_large = _changelist(admin_client_logged, url)
    # A page of at least one row against one of nine more, as the changelist lists
    # them (never 0 against 0).
    assert rows_small >= 1
    assert rows_large >= rows_small + 9
    assert large == small


@pytest.mark.parametrize("model_name", sorted(FACTORIES))
def test_change_page_shows_provenance_or_fields(admin_client_logged, model_name):
    obj = FACTORIES[model_name]()
    app_label = obj._meta.app_label
    url = reverse(f"admin:{app_label}_{model_name}_change", args=[obj.pk])
    response = admin_client_logged.get(url)
    assert response.status_code == 200
    if hasattr(obj, "locator"):
        assert b"Provenance" in response.content
        assert obj.locator.encode() in response.content


def test_verification_action_records_who_and_when(admin_client_logged, superuser):
    trial = factories.ClinicalTrialFactory()
    url = reverse("admin:trials_clinicaltrial_changelist")
    response = admin_client_logged.post(
        url,
        {"action": "mark_checked_registry", "_selected_action": [trial.pk]},
        follow=True,
    )
    assert response.status_code == 200
    trial.refresh_from_db()
    assert trial.verification_status == "checked_registry"
    assert trial.verified_by == superuser
    assert trial.verified_at is not None
    latest = trial.history.first()
    assert latest.history_user == superuser
    assert (
        latest.history_change_reason
        == "action: verification set to checked against registry"
    )


def test_flagged_work_queue_filter(admin_client_logged):
    flagged = factories.ClinicalTrialFactory(flags=["dose unit unclear"])
    clean = factories.ClinicalTrialFactory()
    url = reverse("admin:trials_clinicaltrial_changelist") + "?flagged=yes"
    content = admin_client_logged.get(url).content.decode()
    assert flagged.nct_id in content
    assert clean.nct_id not in content


def _form_data(response) -> dict:
    """The POST data a browser would send back for the admin form as rendered."""
    import json

    form = response.context["adminform"].form
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, (list, tuple)):
            if name == "flags":
                data[name] = json.dumps(list(value))
            else:
                data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        else:
            data[name] = value
    return data


def test_admin_edit_records_reason_and_refuses_stale_save(
    admin_client_logged, superuser
):
    trial = factories.ClinicalTrialFactory(route="intravenous")
    url = reverse("admin:trials_clinicaltrial_change", args=[trial.pk])
    opened = admin_client_logged.get(url)
    data = _form_data(opened)

    # Someone else saves the record after our page was opened.
    other = factories.ClinicalTrialFactory._meta.model.objects.get(pk=trial.pk)
    other.route = "intrathecal"
    record_save(other, channel="api")

    data.update(route="intra_articular", change_reason="misread route")
    response = admin_client_logged.post(url, data)
    assert response.status_code == 200
    assert "changed" in response.content.decode()
    assert "since you opened it" in response.content.decode()
    trial.refresh_from_db()
    assert trial.route == "intrathecal"

    # Reloaded, the same edit goes through and the history keeps who and why.
    data = _form_data(admin_client_logged.get(url))
    data.update(route="intra_articular", change_reason="misread route")
    response = admin_client_logged.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    trial.refresh_from_db()
    assert trial.route == "intra_articular"
    latest = trial.history.first()
    assert (latest.history_user, latest.history_change_reason) == (
        superuser,
        "admin: misread route",
    )
    previous = latest.prev_record
    assert [c.field for c in latest.diff_against(previous).changes] == ["route"]


def test_admin_refuses_malformed_nct_id_with_reason(admin_client_logged):
    trial = factories.ClinicalTrialFactory()
    url = reverse("admin:trials_clinicaltrial_change", args=[trial.pk])
    data = _form_data(admin_client_logged.get(url))
    data["nct_id"] = "NCT12"
    response = admin_client_logged.post(url, data)
    assert response.status_code == 200
    assert "followed by 8 digits" in response.content.decode()


def test_admin_history_revert_restores_previous_values(admin_client_logged):
    trial = factories.ClinicalTrialFactory(route="intravenous", dose_as_printed="1 mL")
    original = trial.history.first()
    trial.route, trial.dose_as_printed = "intrathecal", "2 mL"
    record_save(trial, channel="api")
    history_url = reverse(
        "admin:trials_clinicaltrial_simple_history",
        args=[trial.pk, original.history_id],
    )
    page = admin_client_logged.get(history_url)
    assert page.status_code == 200
    data = _form_data(page)
    response = admin_client_logged.post(history_url, data)
    assert response.status_code == 302
    trial.refresh_from_db()
    assert (trial.route, trial.dose_as_printed) == ("intravenous", "1 mL")
