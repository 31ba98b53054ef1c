"""Large downloads by anonymous clients are rate limited; bulk users get the releases.

A download (`?export=csv|json|ris|bibtex` of an HTML list) of more than
`FULL_EXPORT_ROWS` rows (10,000 by default, `DJANGO_FULL_EXPORT_ROWS`) by a client that
is not signed in counts against the rate `DJANGO_FULL_EXPORT_RATE` (10 an hour per client
address by default; DRF's rate syntax, counted in the database like the API's
throttles, evidence.base.api.throttling). Past the rate the answer is HTTP 429 with
`Retry-After` and a message naming the release files, which hold the whole dataset and cost the server nothing to serve
again. Smaller (filtered) downloads and signed-in users are not counted.

Why: a full download of 100k trials streams for a few seconds of one worker; a script
fetching it in a loop would hold every worker. The count of rows is the list's cached
total (evidence/base/counts.py), so checking costs no query when the list was shown.
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from rest_framework.throttling import BaseThrottle

from evidence.base.api.throttling import hit, retry_after
from evidence.base.counts import cached


def row_count(queryset: QuerySet) -> int:
    """The number of rows of a download, cached per query and data version."""
    try:
        sql, params = queryset.query.sql_with_params()
    except Exception:  # `.none()` and the like: count it
        return queryset.count()
    key = f"{queryset.model._meta.label}:{sql}:{params!r}"
    return cached(key, queryset.count)


def large_download_refusal(
    request: HttpRequest, queryset: QuerySet
) -> HttpResponse | None:
    """A 429 for an anonymous client past its rate of large downloads, else None."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return None
    rows = row_count(queryset)
    if rows <= settings.FULL_EXPORT_ROWS:
        return None
    # DRF reads only request.META for the address: a Django request will do.
    address = BaseThrottle().get_ident(request)  # type: ignore[arg-type]
    allowed, wait = hit("full_export", address, settings.FULL_EXPORT_RATE)
    if allowed:
        return None
    seconds = retry_after(wait)
    message = (
        f"Too many large downloads: this one has {rows:,} rows, and a client that is "
        f"not signed in may download more than {settings.FULL_EXPORT_ROWS:,} rows "
        f"{settings.FULL_EXPORT_RATE.replace('/', ' times per ')}. Try again in "
        f"{seconds} s, narrow the list with filters, or use the release files, which "
        "hold the whole dataset (a CSV per table; see README, Releases)."
    )
    response = HttpResponse(
        message, status=429, content_type="text/plain; charset=utf-8"
    )
    response["Retry-After"] = str(seconds)
    return response
