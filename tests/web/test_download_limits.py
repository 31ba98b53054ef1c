"""Large downloads by anonymous clients are rate limited, with a 429 that names the
release files; filtered (small) downloads and signed-in users are not counted."""

import pytest
from django.contrib.auth import get_user_model
from django.core.cache import cache


@pytest.fixture
def limits(settings, world):
    settings.FULL_EXPORT_ROWS = 2
    settings.FULL_EXPORT_RATE = "2/min"
    cache.clear()
    yield
    cache.clear()


def test_anonymous_large_downloads_past_the_rate_get_429(client, limits):
    assert client.get("/trials/", {"export": "csv"}).status_code == 200
    assert client.get("/trials/", {"export": "ris"}).status_code == 200
    response = client.get("/trials/", {"export": "json"})
    assert response.status_code == 429
    assert response["Content-Type"] == "text/plain; charset=utf-8"
    assert 1 <= int(response["Retry-After"]) <= 60
    text = response.content.decode()
    assert "release files" in text
    assert "more than 2 rows 2 times per min" in text
    # The page itself is not limited.
    assert client.get("/trials/").status_code == 200


def test_small_downloads_are_not_counted(client, limits):
    for _ in range(4):
        response = client.get(
            "/trials/", {"export": "csv", "q": "NCT00000001", "sort": "trial"}
        )
        assert response.status_code == 200
        assert response.getvalue().decode().count("\n") == 2  # header + one row


def test_signed_in_users_are_not_counted(client, limits):
    user = get_user_model().objects.create_user("reader", password="x" * 12)
    client.force_login(user)
    for _ in range(4):
        assert client.get("/trials/", {"export": "csv"}).status_code == 200


def test_each_address_has_its_own_rate(client, limits):
    for _ in range(2):
        assert client.get("/trials/", {"export": "csv"}).status_code == 200
    assert client.get("/trials/", {"export": "csv"}).status_code == 429
    other = client.get("/trials/", {"export": "csv"}, REMOTE_ADDR="10.0.0.9")
    assert other.status_code == 200
