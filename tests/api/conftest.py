"""Fixtures of the API tests: clients, tokens, and the resource table."""

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from tests import factories


@dataclass(frozen=True)
class Resource:
    """One API resource: its path, the factory of its records and its model."""

    path: str
    factory: type
    ordering_field: str = "slug"

    @property
    def model(self):
        return self.factory._meta.model


RESOURCES = [
    Resource("trials", factories.ClinicalTrialFactory),
    Resource("studies", factories.StudyFactory),
    Resource("therapies", factories.TherapyFactory),
    Resource("cell-sources", factories.CellSourceFactory),
    Resource("conditions", factories.ConditionFactory),
    Resource("components", factories.ComponentFactory),
    Resource("effects", factories.EffectFactory),
    Resource("publications", factories.PublicationFactory),
    Resource("comparison-points", factories.ComparisonPointFactory),
    Resource("trial-counts", factories.TrialCountSnapshotFactory),
    Resource("genetic-modifications", factories.GeneticModificationFactory),
    Resource("preconditioning", factories.PreconditioningFactory),
    Resource("findings", factories.ComponentFindingFactory),
    Resource("review-references", factories.ReviewReferenceFactory, "number"),
]


def resource_params():
    return [pytest.param(r, id=r.path) for r in RESOURCES]


@pytest.fixture(autouse=True)
def _fresh_throttle_counts():
    # Throttle counters live in the cache; each test starts with a clean slate.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def api_client():
    return APIClient()


def _token_client(user) -> APIClient:
    client = APIClient()
    client.credentials(
        HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=user).key}"
    )
    return client


@pytest.fixture
def reader(db):
    return get_user_model().objects.create_user("reader", password="x-unused-9f2")


@pytest.fixture
def curator(db):
    user = get_user_model().objects.create_user("curator", password="x-unused-9f2")
    user.user_permissions.set(
        Permission.objects.filter(
            content_type__app_label__in=["evidence", "trials", "secretome"],
            codename__regex=r"^(add|change|delete)_",
        )
    )
    return user


@pytest.fixture
def reader_client(reader):
    return _token_client(reader)


@pytest.fixture
def curator_client(curator):
    return _token_client(curator)


def etag_of(client, url: str) -> str:
    """The current ETag of a record, read the way a client does: GET its detail URL."""
    response = client.get(url)
    assert response.status_code == 200, response.content
    return response["ETag"]


def write(client, method: str, url: str, data=None, **extra):
    """A PUT, PATCH or DELETE that sends If-Match with the ETag of a fresh GET."""
    extra.setdefault("HTTP_IF_MATCH", etag_of(client, url))
    send = getattr(client, method.lower())
    if data is None:
        return send(url, **extra)
    return send(url, data, format="json", **extra)
