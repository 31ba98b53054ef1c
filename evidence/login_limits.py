"""Brute-force protection of the admin login: failures counted in the cache.

After `ADMIN_LOGIN_MAX_FAILURES` failed logins for one user name from one client address
within `ADMIN_LOGIN_WINDOW_SECONDS`, further attempts for that pair get HTTP 429 until
the window ends, whatever the password. A successful login clears the count.

The count lives in the default cache: with several server processes that cache must be
shared (DJANGO_CACHE_URL), or each process counts on its own. The client address is
REMOTE_ADDR: behind a reverse proxy that is the proxy's, so all clients share it and the
limit becomes per user name (which still stops guessing, at the cost of a lock-out).
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib import admin
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.template import loader
from django.views.decorators.cache import never_cache


def _key(request: HttpRequest, username: str) -> str:
    address = request.META.get("REMOTE_ADDR", "")
    digest = hashlib.sha256(f"{address}\0{username.lower()}".encode()).hexdigest()
    return f"admin-login-failures:{digest}"


def login_failures(request: HttpRequest, username: str) -> int:
    return cache.get(_key(request, username), 0)


def login_failure_record(request: HttpRequest, username: str) -> None:
    key = _key(request, username)
    # add() starts the window; incr() keeps its expiry.
    if not cache.add(key, 1, timeout=settings.ADMIN_LOGIN_WINDOW_SECONDS):
        try:
            cache.incr(key)
        except ValueError:  # expired between add() and incr()
            cache.add(key, 1, timeout=settings.ADMIN_LOGIN_WINDOW_SECONDS)


def login_failures_clear(request: HttpRequest, username: str) -> None:
    cache.delete(_key(request, username))


@never_cache
def admin_login(request: HttpRequest, extra_context=None) -> HttpResponse:
    """The admin login view, refusing a locked-out client with 429."""
    if request.method != "POST":
        return admin.site.login(request, extra_context=extra_context)
    username = request.POST.get("username", "")[:150]
    if login_failures(request, username) >= settings.ADMIN_LOGIN_MAX_FAILURES:
        minutes = max(1, settings.ADMIN_LOGIN_WINDOW_SECONDS // 60)
        content = loader.render_to_string(
            "admin/login_locked.html", {"minutes": minutes}, request=request
        )
        response = HttpResponse(content, status=429)
        response["Retry-After"] = str(settings.ADMIN_LOGIN_WINDOW_SECONDS)
        return response
    response = admin.site.login(request, extra_context=extra_context)
    # Django's login view redirects on success and re-renders the form on failure.
    if response.status_code == 302 and request.user.is_authenticated:
        login_failures_clear(request, username)
    else:
        login_failure_record(request, username)
    return response
