"""Values that cannot be stored are refused, and keys cannot be ambiguous.

D4: non-finite numbers are a 400 naming the field, and the database refuses them too,
so no stored value can break a list. D16: a key of digits only is the record's id; a
slug of digits only is refused, so no slug can shadow an id.
"""

from __future__ import annotations

import math

import pytest
import requests
from django.db import IntegrityError, connection, transaction

from tests import factories
from tests.api.conftest import RESOURCES, etag_of
from trials.models import ClinicalTrial

NON_FINITE_BODIES = [
    (
        '{"dose_low": 1e400, "dose_high": 1e400, "dose_unit": "cells"}',
        ["dose_low", "dose_high"],
    ),
    ('{"dose_low": "Infinity", "dose_unit": "cells"}', ["dose_low"]),
    ('{"dose_low": "NaN", "dose_unit": "cells"}', ["dose_low"]),
    ('{"dose_high": "-inf", "dose_unit": "cells"}', ["dose_high"]),
    ('{"dose_low": "1e400", "dose_unit": "cells"}', ["dose_low"]),
    ('{"dose_low": -1e300, "dose_unit": "cells"}', ["dose_low"]),
]


def _every_list_answers(client) -> None:
    for resource in RESOURCES:
        for params in ({}, {"format": "csv"}):
            response = client.get(f"/api/{resource.path}/", params)
            assert response.status_code == 200, (resource.path, params)


@pytest.mark.django_db
@pytest.mark.parametrize(("body", "fields"), NON_FINITE_BODIES)
def test_a_non_finite_dose_is_a_400_naming_the_field(
    curator_client, api_client, body, fields
):
    trial = factories.ClinicalTrialFactory(dose_low=None, dose_high=None)
    url = f"/api/trials/{trial.slug}/"
    response = curator_client.generic(
        "PATCH",
        url,
        body,
        content_type="application/json",
        HTTP_IF_MATCH=etag_of(curator_client, url),
    )
    assert response.status_code == 400, response.content
    errors = response.json()
    assert sorted(errors) == sorted(fields)
    for field in fields:
        assert "finite number" in errors[field][0]
    trial.refresh_from_db()
    assert (trial.dose_low, trial.dose_high) == (None, None)
    assert trial.history.count() == 1
    _every_list_answers(api_client)
    assert api_client.get(url).status_code == 200


@pytest.mark.django_db
def test_a_non_finite_dose_is_refused_on_create(curator_client):
    factories.ReviewFactory(slug="foo-2021")
    factories.TherapyFactory(slug="bm-msc-cells")
    body = (
        '{"slug": "nct09999998", "therapy": "bm-msc-cells", "dose_low": 1e400, '
        '"dose_unit": "cells", "provenance": {"review": "foo-2021", "locator": "T1"}}'
    )
    response = curator_client.generic(
        "POST", "/api/trials/", body, content_type="application/json"
    )
    assert response.status_code == 400
    assert list(response.json()) == ["dose_low"]
    assert not ClinicalTrial.objects.filter(slug="nct09999998").exists()


@pytest.mark.django_db
@pytest.mark.parametrize("value", [math.inf, -math.inf, 1e301, math.nan])
def test_the_database_refuses_a_non_finite_dose_written_around_the_api(
    api_client, value
):
    """Even raw SQL cannot store what would break the JSON lists."""
    trial = factories.ClinicalTrialFactory()
    table = ClinicalTrial._meta.db_table
    refused = False
    try:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {table} SET dose_low = %s, dose_high = %s WHERE id = %s",
                [value, value, trial.pk],
            )
    except IntegrityError:
        refused = True
    trial.refresh_from_db()
    if not refused:
        # SQLite stores a NaN parameter as NULL: nothing non-finite was stored.
        assert connection.vendor == "sqlite" and math.isnan(value)
        assert trial.dose_low is None
    assert trial.dose_low is None or math.isfinite(trial.dose_low)
    _every_list_answers(api_client)
    assert api_client.get(f"/api/trials/{trial.slug}/").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["effects", "conditions", "publications", "trials"])
def test_a_slug_of_digits_only_is_refused(curator_client, path):
    factories.ReviewFactory(slug="foo-2021")
    factories.TherapyFactory(slug="bm-msc-cells")
    payload = {
        "effects": {"slug": "1", "name": "One"},
        "conditions": {"slug": "2", "name": "Two"},
        "publications": {"slug": "3", "title": "Three", "doi": "10.1000/three.3"},
        "trials": {
            "slug": "4",
            "therapy": "bm-msc-cells",
            "provenance": {"review": "foo-2021", "locator": "T1"},
        },
    }[path]
    response = curator_client.post(f"/api/{path}/", payload, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["slug"]
    assert "not digits only" in response.json()["slug"][0]


@pytest.mark.django_db
def test_the_model_refuses_a_digits_only_slug_on_every_write_path():
    from django.core.exceptions import ValidationError

    from evidence.base.writes import record_save

    effect = factories.EffectFactory()
    effect.slug = "12"
    with pytest.raises(ValidationError) as caught:
        record_save(effect, channel="admin")
    assert "slug" in caught.value.message_dict


@pytest.mark.django_db(transaction=True)
def test_a_digits_only_key_is_the_id_even_when_a_slug_looks_like_it(live_server):
    """D16 over real HTTP: a record whose slug is "<id of another>" (stored before the
    rule, or around it) never shadows the record with that id."""
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Permission
    from rest_framework.authtoken.models import Token

    first = factories.EffectFactory(slug="angiogenesis", name="Angiogenesis")
    shadow = factories.EffectFactory(slug="later", name="Shadow")
    # Written around every validator, as an old database might hold it.
    type(shadow).objects.filter(pk=shadow.pk).update(slug=str(first.pk))
    user = get_user_model().objects.create_user("d16-editor", password="x-7a2c")
    user.user_permissions.set(
        Permission.objects.filter(content_type__app_label="secretome")
    )
    auth = {"Authorization": f"Token {Token.objects.create(user=user).key}"}
    base = f"{live_server.url}/api/effects"

    by_id = requests.get(f"{base}/{first.pk}/", timeout=30)
    assert by_id.status_code == 200
    assert by_id.json()["name"] == "Angiogenesis"
    # A delete by id deletes the record with that id, not the one whose slug it is.
    deleted = requests.delete(
        f"{base}/{first.pk}/",
        headers={**auth, "If-Match": by_id.headers["ETag"]},
        timeout=30,
    )
    assert deleted.status_code == 204
    assert not type(first).objects.filter(pk=first.pk).exists()
    assert type(shadow).objects.filter(pk=shadow.pk).exists()
    assert requests.get(f"{base}/{first.pk}/", timeout=30).status_code == 404
    assert requests.get(f"{base}/{shadow.pk}/", timeout=30).json()["name"] == "Shadow"
