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


def pytest_configure(config):
    """Test users hash their passwords with MD5: PBKDF2's million rounds cost about a
    second per user, and the tests create hundreds. Logins stay real logins."""
    from django.conf import settings

    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.MD5PasswordHasher",
        *settings.PASSWORD_HASHERS,
    ]
