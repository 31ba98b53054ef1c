"""Request-level safety nets: oversized bodies and an unreachable database.

- `RequestSizeLimitMiddleware` refuses a body larger than the configured limit with 413
  before any view or parser reads it (DRF's parsers read the stream directly, so Django's
  own `DATA_UPLOAD_MAX_MEMORY_SIZE` check would not run for API writes).
- `DatabaseUnavailableMiddleware` turns a lost or refused database connection into a 503
  with `Retry-After`, JSON for API clients and an HTML page for browsers, never a
  traceback. Django drops the broken connection at the end of the request
  (`close_old_connections`, `CONN_HEALTH_CHECKS`), so the next request reconnects on its
  own once the database is back. A 503 says "nothing was changed": every write path
  builds its answer inside its transaction, so the error can only come before the
  commit (the API answers a failure of the commit itself with its own 503, which says
  the outcome is unknown). A schema error (an unmigrated database, a missing cache
  table: SQLite reports those as OperationalError too) is not an outage: it is a 500
  and an operator log line that says what to run, and /readyz answers 503.
"""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template import loader
from django.views.csrf import csrf_failure as django_csrf_failure
from django.views.defaults import server_error as django_server_error

from evidence.base import writes

logger = logging.getLogger(__name__)

DATABASE_UNAVAILABLE = (OperationalError, InterfaceError)

# OperationalError messages that mean the schema is wrong, not that the database is away
# (SQLite; PostgreSQL reports these as ProgrammingError).
_SCHEMA_ERRORS = ("no such table", "no such column", "has no column named")


def is_schema_error(exception: BaseException | None) -> bool:
    if not isinstance(exception, DatabaseError):
        return False
    message = str(exception).lower()
    return any(marker in message for marker in _SCHEMA_ERRORS)


def is_database_unavailable(exception: BaseException) -> bool:
    """A lost, refused or busy database: transient, worth a retry (503)."""
    return isinstance(exception, DATABASE_UNAVAILABLE) and not is_schema_error(
        exception
    )


def _first_line(exception: BaseException) -> str:
    text = str(exception).strip()
    return text.splitlines()[0] if text else type(exception).__name__


def log_schema_error(request: HttpRequest, exception: BaseException) -> None:
    logger.error(
        "Database schema error during %s %s: %s. The database is not migrated or a "
        "table is missing: run `manage.py migrate` and `manage.py createcachetable` "
        "(with the server's DJANGO_* environment).",
        request.method,
        request.path,
        _first_line(exception),
    )


# File uploads (the admin's import form) may be larger than form or JSON bodies.
MAX_UPLOAD_SIZE = 20 * 1024 * 1024


def wants_json(request: HttpRequest) -> bool:
    """API paths, and clients that prefer JSON to HTML, get JSON errors."""
    if request.path.startswith("/api/"):
        return True
    accept = request.headers.get("Accept", "")
    if "application/json" not in accept:
        return False
    return request.get_preferred_type(["text/html", "application/json"]) == (
        "application/json"
    )


def error_response(
    request: HttpRequest, *, status: int, message: str, template: str | None = None
) -> HttpResponse:
    if wants_json(request) or template is None:
        return JsonResponse({"detail": message}, status=status)
    content = loader.render_to_string(
        template, {"message": message, "request": request}
    )
    return HttpResponse(content, status=status)


def _stored_but_unanswered_response(request: HttpRequest, count: int) -> HttpResponse:
    """The request's write committed, then the database went away before the answer
    (the session or a message saved after the view): the change is stored, so the
    answer says so, with a 2xx, and never "nothing was changed"."""
    message = (
        f"Your change was saved ({count} record{'s' if count != 1 else ''}), but the "
        "database became unavailable before this page could be shown. Reload to see "
        "it; do not send the change again."
    )
    response = error_response(
        request, status=200, message=message, template="stored_unanswered.html"
    )
    response["X-Atlas-Outcome"] = "stored"
    response["Cache-Control"] = "no-store"
    return response


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    committed = writes.committed_writes()
    if committed:
        return _stored_but_unanswered_response(request, committed)
    retry_after = settings.DATABASE_UNAVAILABLE_RETRY_AFTER
    message = (
        "The database is temporarily unavailable. Nothing was changed by this "
        f"request; please try again in {retry_after} seconds."
    )
    response = error_response(request, status=503, message=message, template="503.html")
    response["Retry-After"] = str(retry_after)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseUnavailableMiddleware:
    """A view that loses its database answers 503, not 500."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DATABASE_UNAVAILABLE):
            return None
        if is_schema_error(exception):
            log_schema_error(request, exception)
            return server_error_response(request)
        # One line, no traceback: an outage would otherwise flood the log.
        logger.error(
            "Database unavailable during %s %s: %s",
            request.method,
            request.path,
            _first_line(exception),
        )
        return database_unavailable_response(request)


def server_error_response(request: HttpRequest) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return django_server_error(request, template_name="500.html")


def server_error(request, template_name: str = "500.html"):
    """handler500: a database outage outside a view (a middleware) is still a 503."""
    exception = sys.exc_info()[1]
    if exception is not None and is_schema_error(exception):
        log_schema_error(request, exception)
    elif is_database_unavailable(exception):
        return database_unavailable_response(request)
    if wants_json(request):
        return JsonResponse({"detail": "Server error."}, status=500)
    return django_server_error(request, template_name=template_name)


class RequestSizeLimitMiddleware:
    """413 for a body over DATA_UPLOAD_MAX_MEMORY_SIZE (uploads: MAX_UPLOAD_SIZE)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        header = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(header)
        except ValueError:
            return error_response(
                request, status=400, message="Invalid Content-Length header."
            )
        content_type = request.META.get("CONTENT_TYPE", "")
        limit = (
            MAX_UPLOAD_SIZE
            if content_type.startswith("multipart/form-data")
            else settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        )
        if limit is not None and length > limit:
            return error_response(
                request,
                status=413,
                message=f"The request body is too large (at most {limit} bytes).",
            )
        return self.get_response(request)


def csrf_failure(request, reason: str = ""):
    """CSRF_FAILURE_VIEW: JSON under /api/ (the API documents JSON errors only)."""
    if wants_json(request):
        return JsonResponse(
            {"detail": f"CSRF verification failed: {reason}"}, status=403
        )
    return django_csrf_failure(request, reason=reason)
