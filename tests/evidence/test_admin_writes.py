"""No lost update in the admin, one write path, faithful reverts (issue 11, D5).

- Every curated model refuses a stale save (a form opened before someone else's write).
- Two saves at the same moment against a live server: tests/evidence/test_admin_race.py.
- A verification action bumps the version: a form opened before it can no longer undo it.
- Admin saves re-derive the evidence level (design change, model systems).
- Reverting each curated model restores every stored field of the old version.
"""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import models
from django.utils import timezone

from evidence.base.writes import record_save
from tests import factories
from tests.evidence.test_admin_roles import (
    MODELS,
    form_data,
    logins,  # noqa: F401  (fixture)
    make_record,
    state,
    url,
)
from trials.models import ClinicalTrial, ModelSystem, Study


def ids(model) -> str:
    return model._meta.model_name


# -- stale saves, actions, derivations (in process) -----------------------------------


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_a_stale_save_is_refused_on_every_model(logins, model):  # noqa: F811
    record = make_record(model)
    curator, editor = logins["curator"], logins["editor"]
    opened = form_data(curator.get(url(model, "change", record.pk)))
    # The editor saves first, from a form opened at the same time.
    first = form_data(editor.get(url(model, "change", record.pk)))
    first["change_reason"] = "editor was first"
    assert editor.post(url(model, "change", record.pk), first).status_code == 302
    before = state(model)
    opened["change_reason"] = "curator was second"
    response = curator.post(url(model, "change", record.pk), opened)
    assert response.status_code == 200
    text = response.content.decode()
    assert "This record was changed by editor at" in text
    assert "since you opened it" in text
    assert state(model) == before
    # A forged form without the opened version is refused as well.
    opened.pop("opened_version")
    assert curator.post(url(model, "change", record.pk), opened).status_code == 200
    assert state(model) == before


@pytest.mark.django_db
def test_a_verification_action_cannot_be_undone_by_an_older_form(logins):  # noqa: F811
    """D5c: the action bumps the version, so a form opened before it is stale."""
    trial = factories.ClinicalTrialFactory()
    curator, editor = logins["curator"], logins["editor"]
    opened = form_data(curator.get(url(ClinicalTrial, "change", trial.pk)))
    response = editor.post(
        url(ClinicalTrial, "changelist"),
        {"action": "mark_checked_primary", "_selected_action": [trial.pk]},
    )
    assert response.status_code == 302
    trial.refresh_from_db()
    assert (trial.verification_status, trial.version) == ("checked_primary", 2)
    assert trial.history.first().history_change_reason.startswith("action: ")
    response = curator.post(url(ClinicalTrial, "change", trial.pk), opened)
    assert response.status_code == 200
    assert "since you opened it" in response.content.decode()
    trial.refresh_from_db()
    assert trial.verification_status == "checked_primary"
    assert trial.verified_by.username == "editor"


@pytest.mark.django_db
def test_an_admin_design_change_re_derives_the_evidence_level(logins):  # noqa: F811
    trial = factories.ClinicalTrialFactory(design_as_printed="An open-label study")
    record_save(trial, channel="api")
    assert trial.evidence_level == "B"
    data = form_data(logins["curator"].get(url(ClinicalTrial, "change", trial.pk)))
    data["design_as_printed"] = "A randomised, placebo-controlled trial"
    response = logins["curator"].post(url(ClinicalTrial, "change", trial.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    trial.refresh_from_db()
    assert (trial.evidence_level_derived, trial.evidence_level) == ("A", "A")


@pytest.mark.django_db
def test_admin_model_systems_re_derive_a_study_level(logins):  # noqa: F811
    study = factories.StudyFactory(stage="preclinical")
    cells, _ = ModelSystem.objects.get_or_create(
        slug="cells", defaults={"name": "Cells"}
    )
    data = form_data(logins["curator"].get(url(Study, "change", study.pk)))
    data["model_systems"] = [str(cells.pk)]
    response = logins["curator"].post(url(Study, "change", study.pk), data)
    assert response.status_code == 302, response.content.decode()[:2000]
    study.refresh_from_db()
    assert (study.evidence_level_derived, study.evidence_level) == ("E", "E")


# -- revert restores every stored field -----------------------------------------------

SKIP = {"updated", "version"}  # set by every write


def _second_version(record) -> None:
    """Change every free-text field of `record` (and the trial design, the verifier)."""
    model = type(record)
    for field in model._meta.concrete_fields:
        if (
            isinstance(field, models.CharField | models.TextField)
            and field.editable
            and not field.choices
            and not field.unique
            and field.name not in {"slug", "evidence_level_reason"}
        ):
            value = getattr(record, field.name) or ""
            setattr(record, field.name, (value + " v2")[: field.max_length or None])
    if model is ClinicalTrial:
        record.design_as_printed = "A pilot study"
    if hasattr(record, "verification_status"):
        record.verification_status = "extracted"
        record.verified_by = None
        record.verified_at = None
        record.flags = ["second version"]
    record_save(record, channel="api", reason="second version")


@pytest.mark.django_db
@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_a_revert_restores_every_stored_field(logins, model):  # noqa: F811
    record = make_record(model)
    superuser = get_user_model().objects.get(username="superuser")
    if model is ClinicalTrial:
        record.design_as_printed = "A randomised, placebo-controlled trial"
    if hasattr(record, "verification_status"):
        record.verification_status = "checked_primary"
        record.verified_by = superuser
        record.verified_at = timezone.now().replace(microsecond=123456)
        record.flags = ["first version"]
    record_save(record, channel="api", reason="first version")
    first = record.history.order_by("-history_id").first()
    _second_version(model._default_manager.get(pk=record.pk))

    history_url = url(model, "simple_history", record.pk, first.history_id)
    data = form_data(logins["curator"].get(history_url))
    response = logins["curator"].post(history_url, data)
    assert response.status_code == 302, response.content.decode()[:3000]

    stored = model._default_manager.get(pk=record.pk)
    assert stored.version == first.version + 2
    names = [f.attname for f in model._meta.concrete_fields if f.name not in SKIP]
    expected = {name: getattr(first, name) for name in names}
    assert {name: getattr(stored, name) for name in names} == expected
    if model is ClinicalTrial:
        assert (stored.evidence_level, stored.evidence_level_derived) == ("A", "A")
    latest = stored.history.first()
    assert latest.history_user.username == "curator"
    assert latest.history_change_reason.startswith("revert: ")
