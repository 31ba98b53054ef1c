"""Roles hold on every admin write path of every curated model (issue 11, D1, D2, D18).

Real logins (`client.login` with the password) of users in the groups `setup_roles`
makes, for every model registered in the admin: add, change, delete, history revert,
import, import confirm and the verification actions. A refused write answers 403 (or
the login page for anonymous clients) and leaves the database exactly as it was.
"""

from __future__ import annotations

import io
import json

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management import call_command
from django.db import models
from django.test import Client
from django.urls import reverse

from evidence.base.writes import record_save
from evidence.dataset.admin import CuratedImportExportMixin, public_columns
from tests import factories
from tests.evidence.test_admin import FACTORIES

pytestmark = pytest.mark.django_db

CURATED_APPS = {"evidence", "trials", "secretome"}
ROLES = ("anonymous", "viewer", "curator", "editor", "superuser")
WRITERS = {"curator", "editor", "superuser"}
DELETERS = {"editor", "superuser"}
GROUPS = {"viewer": "viewers", "curator": "curators", "editor": "editors"}

MODELS = sorted(
    (m for m in admin.site._registry if m._meta.app_label in CURATED_APPS),
    key=lambda m: m._meta.label,
)
IMPORT_MODELS = [
    m for m in MODELS if isinstance(admin.site._registry[m], CuratedImportExportMixin)
]
ACTION_MODELS = [
    m
    for m in MODELS
    if any(
        getattr(action, "__name__", "") == "mark_checked_primary"
        for action in admin.site._registry[m].actions or ()
    )
]


def ids(model) -> str:
    return model._meta.model_name


# -- records, users, form data -----------------------------------------------------


def make_record(model):
    """A valid record of `model` (factories where they exist, else a vocabulary term)."""
    factory = FACTORIES.get(model._meta.model_name)
    if factory is not None:
        return factory()
    n = model._default_manager.count() + 1
    return model._default_manager.create(
        slug=f"{model._meta.model_name}-{n}", name=f"{model._meta.verbose_name} {n}"
    )


@pytest.fixture
def logins(db):
    """{role: logged-in Client}, users in the groups that `manage.py setup_roles` makes."""
    call_command("setup_roles", stdout=io.StringIO())
    user_model = get_user_model()
    clients = {"anonymous": Client()}
    for role in ROLES[1:]:
        password = f"pw-{role}-correct-horse"
        if role == "superuser":
            user_model.objects.create_superuser(role, f"{role}@example.org", password)
        else:
            user = user_model.objects.create_user(
                role, f"{role}@example.org", password, is_staff=True
            )
            user.groups.add(Group.objects.get(name=GROUPS[role]))
        client = Client()
        assert client.login(username=role, password=password)
        clients[role] = client
    return clients


def form_data(response) -> dict:
    """The POST data a browser sends back for the admin form as rendered."""
    form = response.context["adminform"].form
    data = {}
    for name, bound in ((name, form[name]) for name in form.fields):
        value = bound.value()
        widget = bound.field.widget
        if isinstance(widget, forms.MultiWidget):
            parts = widget.decompress(value) if value else [None] * len(widget.widgets)
            for i, (sub, part) in enumerate(zip(widget.widgets, parts, strict=True)):
                data[f"{name}_{i}"] = sub.format_value(part) or ""
        elif isinstance(value, (list, tuple)):
            data[name] = [str(v) for v in value]
        elif value is None:
            data[name] = ""
        elif isinstance(bound.field, forms.JSONField) and not isinstance(value, str):
            data[name] = json.dumps(value)
        else:
            data[name] = value
    return data


def state(model) -> tuple:
    """Everything stored for `model`: its rows, m2m links and history."""
    rows = list(model._default_manager.order_by("pk").values())
    links = []
    for field in model._meta.many_to_many:
        through = field.remote_field.through
        links.append(sorted(through.objects.values_list(flat=False)))
    history = model.history.count() if hasattr(model, "history") else 0
    return rows, links, history


def url(model, view, *args) -> str:
    return reverse(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args
    )


def refused(role: str, response) -> None:
    if role == "anonymous":
        assert response.status_code == 302, response.status_code
        assert response["Location"].startswith("/admin/login/")
    else:
        assert response.status_code == 403, (role, response.status_code)


def test_every_registered_curated_model_is_covered():
    assert len(MODELS) >= 16
    for model in MODELS:
        assert isinstance(model._meta.get_field("version"), models.PositiveIntegerField)
        assert model._meta.model_name in FACTORIES or {"slug", "name"} <= {
            f.name for f in model._meta.fields
        }


def test_setup_roles_groups(logins):
    assert set(Group.objects.values_list("name", flat=True)) >= set(GROUPS.values())


# -- add, change, delete ------------------------------------------------------------


def current_version(model, pk) -> int:
    return model._default_manager.values_list("version", flat=True).get(pk=pk)


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_add(logins, model):
    record = make_record(model)
    data = form_data(logins["superuser"].get(url(model, "change", record.pk)))
    data["opened_version"] = ""
    record.delete()  # frees its unique values for the added copies
    for role in ROLES:
        before = state(model)
        response = logins[role].post(url(model, "add"), data)
        if role in WRITERS:
            assert response.status_code == 302, response.content.decode()[:3000]
            added = model._default_manager.order_by("-pk").first()
            assert added.version == 1
            assert added.history.first().history_user.username == role
            assert added.history.first().history_change_reason == "admin"
            added.delete()
        else:
            refused(role, response)
            assert state(model) == before
    refused("viewer", logins["viewer"].get(url(model, "add")))


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_change(logins, model):
    record = make_record(model)
    data = form_data(logins["superuser"].get(url(model, "change", record.pk)))
    for role in ROLES:
        version = current_version(model, record.pk)
        data.update(change_reason=f"edit by {role}", opened_version=version)
        before = state(model)
        response = logins[role].post(url(model, "change", record.pk), data)
        stored = model._default_manager.get(pk=record.pk)
        if role in WRITERS:
            assert response.status_code == 302, response.content.decode()[:3000]
            assert stored.version == version + 1
            latest = stored.history.first()
            assert latest.history_change_reason == f"admin: edit by {role}"
            assert latest.history_user.username == role
        else:
            refused(role, response)
            assert state(model) == before
    # Viewers read the record (read-only form) and its history.
    viewer = logins["viewer"]
    page = viewer.get(url(model, "change", record.pk))
    assert page.status_code == 200
    assert b'name="_save"' not in page.content
    assert viewer.get(url(model, "history", record.pk)).status_code == 200


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_delete(logins, model):
    for role in ROLES:
        record = make_record(model)
        before = state(model)
        response = logins[role].post(url(model, "delete", record.pk), {"post": "yes"})
        if role in DELETERS:
            assert response.status_code == 302
            assert not model._default_manager.filter(pk=record.pk).exists()
            deleted = model.history.filter(id=record.pk).first()
            assert deleted.history_type == "-"
            assert deleted.history_user.username == role
        else:
            refused(role, response)
            assert state(model) == before


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_bulk_delete_action(logins, model):
    changelist = url(model, "changelist")
    for role in ROLES:
        record = make_record(model)
        before = state(model)
        response = logins[role].post(
            changelist,
            {
                "action": "delete_selected",
                "_selected_action": [record.pk],
                "post": "yes",
            },
        )
        if role in DELETERS:
            assert response.status_code == 302
            assert not model._default_manager.filter(pk=record.pk).exists()
            assert model.history.filter(id=record.pk).first().history_type == "-"
        else:
            refused(role, response)
            assert state(model) == before


# -- history revert ----------------------------------------------------------------


@pytest.mark.parametrize("model", MODELS, ids=ids)
def test_history_revert(logins, model):
    su = logins["superuser"]
    record = make_record(model)
    first = record.history.order_by("history_id").first()
    record_save(record, channel="api", reason="a second version")
    history_url = url(model, "simple_history", record.pk, first.history_id)
    data = form_data(su.get(history_url))
    for role in ROLES:
        version = current_version(model, record.pk)
        data["opened_version"] = version
        before = state(model)
        page = logins[role].get(history_url) if role != "superuser" else None
        response = logins[role].post(history_url, data)
        if role in WRITERS:
            assert page is None or page.status_code == 200
            assert response.status_code == 302, response.content.decode()[:3000]
            stored = model._default_manager.get(pk=record.pk)
            assert stored.version == version + 1
            latest = stored.history.first()
            assert latest.history_change_reason.startswith("revert: ")
            assert latest.history_user.username == role
        else:
            refused(role, response)
            assert state(model) == before
            if role == "viewer":
                # Shown read-only: no editable input, no revert button.
                assert page.status_code == 200
                assert not page.context["adminform"].form.fields.keys() - {
                    "change_reason",
                    "opened_version",
                }
                assert b'value="Revert"' not in page.content


# -- actions ---------------------------------------------------------------------


@pytest.mark.parametrize("model", ACTION_MODELS, ids=ids)
def test_verification_action(logins, model):
    record = make_record(model)
    changelist = url(model, "changelist")
    for role in ROLES:
        model._default_manager.filter(pk=record.pk).update(
            verification_status="extracted"
        )
        before = state(model)
        version = model._default_manager.get(pk=record.pk).version
        response = logins[role].post(
            changelist,
            {"action": "mark_checked_primary", "_selected_action": [record.pk]},
        )
        stored = model._default_manager.get(pk=record.pk)
        if role in WRITERS:
            assert response.status_code == 302
            assert stored.verification_status == "checked_primary"
            assert stored.verified_by.username == role
            assert stored.version == version + 1
        else:
            refused(role, response)
            assert state(model) == before


def test_the_actions_need_change_permission():
    for model in ACTION_MODELS:
        for action in admin.site._registry[model].actions:
            assert action.allowed_permissions == ("change",)


# -- import and import confirm ------------------------------------------------------


def _import_file(model, record) -> tuple[bytes, str, str]:
    """A CSV of `record` as the admin exports it, with one text column changed."""
    model_admin = admin.site._registry[model]
    resource = model_admin.resource_classes[0]()
    # The resource's own dataset, so that its CSV writer renders the cells.
    dataset = resource.export(queryset=model._default_manager.filter(pk=record.pk))
    column = next(
        name
        for name in dataset.headers
        if name in {f.name for f in model._meta.fields}
        and isinstance(model._meta.get_field(name), models.CharField | models.TextField)
        and not model._meta.get_field(name).choices
        and not model._meta.get_field(name).unique
        and name != "slug"
    )
    row = dict(zip(dataset.headers, dataset[0], strict=True))
    row[column] = f"{row[column] or 'x'} (imported)"
    del dataset[0]
    dataset.append([row[h] for h in dataset.headers])
    return dataset.export("csv").encode(), column, row[column]


def _csv_format(model) -> str:
    formats = admin.site._registry[model].get_import_formats()
    return str(next(i for i, f in enumerate(formats) if f().get_title() == "csv"))


def _upload(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("records.csv", content, content_type="text/csv")


def preview(client, model, content: bytes):
    return client.post(
        url(model, "import"),
        {
            "import_file": _upload(content),
            "format": _csv_format(model),
            "resource": "0",
        },
    )


def confirm_data(response) -> dict:
    form = response.context["confirm_form"]
    return {name: form[name].value() for name in form.fields}


@pytest.mark.parametrize("model", IMPORT_MODELS, ids=ids)
def test_import_preview(logins, model):
    record = make_record(model)
    content, _, _ = _import_file(model, record)
    for role in ROLES:
        before = state(model)
        response = preview(logins[role], model, content)
        assert state(model) == before  # a preview writes nothing, whoever asks
        if role in WRITERS:
            assert response.status_code == 200
            assert response.context["confirm_form"] is not None
        else:
            refused(role, response)
            refused(role, logins[role].get(url(model, "import")))


@pytest.mark.parametrize("model", IMPORT_MODELS, ids=ids)
def test_import_confirm(logins, model):
    su = logins["superuser"]
    record = make_record(model)
    content, column, value = _import_file(model, record)
    for role in ROLES:
        model._default_manager.filter(pk=record.pk).update(**{column: "before"})
        data = confirm_data(preview(su, model, content))
        before = state(model)
        response = logins[role].post(url(model, "process_import"), data)
        stored = model._default_manager.get(pk=record.pk)
        if role in WRITERS:
            assert response.status_code == 302, response.content.decode()[:3000]
            assert getattr(stored, column) == value
            assert stored.history.first().history_user.username == role
        else:
            refused(role, response)
            assert state(model) == before


@pytest.mark.parametrize(
    "forged, message",
    [
        ({"import_file_name": "no-such-file-4f2a.csv"}, "no longer available"),
        ({"format": "99"}, "Unknown file format"),
        ({"format": "abc"}, "Unknown file format"),
        ({"resource": "7"}, "Unknown import resource"),
        ({"resource": "x"}, "Unknown import resource"),
        ({"import_file_name": ""}, "incomplete"),
    ],
)
def test_forged_import_confirm_is_a_400(logins, forged, message):
    model = factories.ClinicalTrialFactory._meta.model
    record = make_record(model)
    content, _, _ = _import_file(model, record)
    data = {**confirm_data(preview(logins["curator"], model, content)), **forged}
    before = state(model)
    response = logins["curator"].post(url(model, "process_import"), data)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert state(model) == before


def test_confirm_refuses_the_whole_file_when_a_row_became_invalid(logins):
    """D6: preview 2 rows, make one invalid, confirm: nothing written, row named."""
    model = factories.ClinicalTrialFactory._meta.model
    trial = factories.ClinicalTrialFactory(outcome_as_printed="old outcome")
    resource = admin.site._registry[model].resource_classes[0]()
    dataset = resource.export(queryset=model.objects.filter(pk=trial.pk))
    headers = dataset.headers
    row = dict(zip(headers, dataset[0], strict=True))
    changed = {**row, "outcome_as_printed": "new outcome"}
    new = {**row, "slug": "nct09999995", "nct_id": "NCT09999995"}
    del dataset[0]
    for values in (changed, new):
        dataset.append([values[h] for h in headers])
    curator = logins["curator"]
    page = preview(curator, model, dataset.export("csv").encode())
    assert page.context["confirm_form"] is not None, page.content.decode()[:3000]

    # Meanwhile another curator records a trial with the new row's NCT id.
    factories.ClinicalTrialFactory(slug="other-nct09999995", nct_id="NCT09999995")
    before = state(model)
    response = curator.post(url(model, "process_import"), confirm_data(page))
    assert response.status_code == 409
    text = response.content.decode()
    assert "Nothing was imported" in text
    assert "Row 2" in text
    assert state(model) == before
    trial.refresh_from_db()
    assert trial.outcome_as_printed == "old outcome"


# -- export -----------------------------------------------------------------------


@pytest.mark.parametrize("model", IMPORT_MODELS, ids=ids)
def test_export_shows_viewers_only_public_columns(logins, model):
    make_record(model)
    model_admin = admin.site._registry[model]
    for resource_class in model_admin.resource_classes:
        headers = set(resource_class().get_export_headers())
        assert headers <= public_columns(model), headers - public_columns(model)
    assert logins["viewer"].get(url(model, "export")).status_code == 200
    refused("anonymous", logins["anonymous"].get(url(model, "export")))


def test_staff_without_permissions_cannot_export(logins):
    get_user_model().objects.create_user(
        "staff", "s@example.org", "pw-staff-x1", is_staff=True
    )
    client = Client()
    assert client.login(username="staff", password="pw-staff-x1")
    model = factories.ClinicalTrialFactory._meta.model
    assert client.get(url(model, "export")).status_code == 403
