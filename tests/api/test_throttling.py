"""Throttling: documented default rates, configurable, 429 with Retry-After."""

import os
import subprocess
import sys

import pytest
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

pytestmark = pytest.mark.django_db


def _rates_in_a_fresh_process(**environment) -> str:
    code = (
        "import django, os; os.environ['DJANGO_SETTINGS_MODULE']='evidence.settings';"
        "django.setup(); from django.conf import settings;"
        "print(settings.REST_FRAMEWORK['DEFAULT_THROTTLE_RATES'])"
    )
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in ("DJANGO_API_ANON_RATE", "DJANGO_API_USER_RATE")
    }
    env.update(environment)
    return subprocess.run(
        [sys.executable, "-c", code],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


def test_default_rates():
    # In a process without the rate variables, whatever this one's environment says.
    assert _rates_in_a_fresh_process() == "{'anon': '600/min', 'user': '3000/min'}"


def test_rates_come_from_the_environment():
    rates = _rates_in_a_fresh_process(
        DJANGO_API_ANON_RATE="7/hour", DJANGO_API_USER_RATE="9/day"
    )
    assert rates == "{'anon': '7/hour', 'user': '9/day'}"


def test_anonymous_client_over_the_rate_gets_429_with_retry_after(
    api_client, monkeypatch
):
    monkeypatch.setattr(AnonRateThrottle, "rate", "2/min", raising=False)
    assert api_client.get("/api/effects/").status_code == 200
    assert api_client.get("/api/conditions/").status_code == 200
    response = api_client.get("/api/effects/")
    assert response.status_code == 429
    assert response["Content-Type"] == "application/json"
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "throttled" in response.json()["detail"].lower()


def test_authenticated_client_has_its_own_rate(reader_client, api_client, monkeypatch):
    monkeypatch.setattr(AnonRateThrottle, "rate", "1/min", raising=False)
    monkeypatch.setattr(UserRateThrottle, "rate", "3/min", raising=False)
    assert api_client.get("/api/effects/").status_code == 200
    assert api_client.get("/api/effects/").status_code == 429
    statuses = [reader_client.get("/api/effects/").status_code for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
