"""Shared fixtures."""

import pytest
from django.contrib.auth import get_user_model


@pytest.fixture
def superuser(db):
    return get_user_model().objects.create_superuser(
        "admin", "admin@example.org", "correct-horse-battery"
    )


@pytest.fixture
def admin_client_logged(client, superuser):
    client.force_login(superuser)
    return client
