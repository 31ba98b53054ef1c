"""The base every app's API viewsets build on: keyed lookups, representation ETags,
If-Match required on writes (checked under the row lock inside the write transaction),
writes through evidence.base.writes, and errors that are never a 500."""

from __future__ import annotations

import hashlib
import re
from contextlib import contextmanager

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError, Q, RestrictedError
from django.http import Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import status, viewsets
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.utils import model_meta

from evidence.base.api import fastread
from evidence.base.api.filters import StrictFilterBackend, StrictOrderingFilter
from evidence.base.api.renderers import CSVRenderer, FastJSONRenderer
from evidence.base.prefetch import prefetch_links, split_links
from evidence.base.querysets import late_page_rows
from evidence.base.writes import (
    StaleRecord,
    change_reason,
    lock_version,
    record_delete,
    record_save,
    validation_messages,
)
from evidence.middleware import DATABASE_UNAVAILABLE, is_schema_error

DATABASE_ID = re.compile(r"[0-9]{1,18}")


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "Other records still refer to this one."
    default_code = "conflict"


def keyed_lookup(description: str):
    """Document the `key` path parameter of every detail operation."""
    parameter = OpenApiParameter(
        "key", OpenApiTypes.STR, OpenApiParameter.PATH, description=description
    )
    operations = ("retrieve", "update", "partial_update", "destroy")
    return extend_schema_view(
        **{op: extend_schema(parameters=[parameter]) for op in operations}
    )


class PreconditionFailed(APIException):
    """412: the If-Match ETag is not the record's current one. Carries the current ETag."""

    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The record changed since you read it."
    default_code = "precondition_failed"

    def __init__(self, detail=None, *, etag: str | None = None):
        super().__init__(detail)
        self.etag = etag


class PreconditionRequired(PreconditionFailed):
    """428: a write to an existing record without If-Match. Carries the current ETag."""

    status_code = 428  # Precondition Required (RFC 6585)
    default_detail = "This write needs an If-Match header."
    default_code = "precondition_required"


class CommitOutcomeUnknown(APIException):
    """503: the database connection failed while committing a write.

    The database may have stored the write before the connection broke, so unlike the
    outage 503 ("nothing was changed") this answer cannot promise either outcome.
    """

    status_code = status.HTTP_503_SERVICE_UNAVAILABLE
    default_detail = (
        "The database connection failed while this write was being committed, so it "
        "may or may not have been stored. GET the record (or the list) to see whether "
        "it was, before you send it again."
    )
    default_code = "commit_outcome_unknown"


@contextmanager
def write_transaction():
    """The transaction of one API write; a failure of its commit is CommitOutcomeUnknown.

    Everything the answer shows is read inside it, so no database error can come after
    the commit: an error before the commit rolls the write back (the outage 503 says
    "nothing was changed", truthfully).
    """
    committing = False
    try:
        with transaction.atomic():
            yield
            committing = True
    except DATABASE_UNAVAILABLE as exc:
        if committing and not is_schema_error(exc):
            raise CommitOutcomeUnknown() from exc
        raise


IF_MATCH_HELP = (
    "GET the record, then send its ETag response header back unchanged in If-Match "
    '(for example If-Match: "3f2a..."). The ETag of the record as it is now is in this '
    "answer's ETag header and in `etag`."
)


def record_token(instance) -> str:
    """What identifies the stored state of the record itself: its version and the time
    of its last save (which also changes on a save that bypassed the write path)."""
    updated = getattr(instance, "updated", None)
    return f"{instance.version}:{updated.isoformat() if updated else ''}"


def representation_etag(content: bytes, media_type: str, version) -> str:
    """A strong ETag of one rendered representation of one record.

    It hashes the rendered body, its media type and the record's `record_token`, so it
    changes whenever any shown value changes (related records included: their names are
    in the body), whenever the record is written, and differs between JSON and CSV.
    """
    digest = hashlib.sha256()
    digest.update(media_type.encode())
    digest.update(b"\0")
    digest.update(str(version).encode())
    digest.update(b"\0")
    digest.update(content)
    return '"' + digest.hexdigest()[:32] + '"'


def _if_match_tags(header: str) -> list[str]:
    """The entity tags of an If-Match header ("*" and weak tags included, as sent)."""
    return [tag.strip() for tag in header.split(",") if tag.strip()]


@keyed_lookup(
    "The record's slug, or its numeric id: a key of digits only is always the id "
    "(slugs of digits only are refused)."
)
class AtlasViewSet(viewsets.ModelViewSet):
    """List, detail and curator writes of one model.

    Detail routes take a natural key or the database id as `key`. Writes of an existing
    record require `If-Match` with the record's current ETag (428 without it, 412 when
    stale); the check, the write and the re-read of the answer run in one transaction
    with the row locked, through the one write path (`evidence.base.writes.record_save`). A
    database refusal becomes a 400 and a protected delete a 409, never a 500.

    Reads (lists, details, and the answer of a write) serialize through the plan that
    `evidence.base.api.fastread` compiles from the serializer (the same output, several
    times faster); JSON is encoded by orjson, for the body and for the ETag alike.
    """

    lookup_url_kwarg = "key"
    filter_backends = [StrictFilterBackend, StrictOrderingFilter]
    renderer_classes = [FastJSONRenderer, CSVRenderer]
    # The version of the record whose representation this response carries (set by the
    # view; finalize_response turns it into the ETag header).
    _etag_version = None

    def lookup_conditions(self, key: str) -> list[Q]:
        """Conditions tried in turn to find the record named by `key`.

        A key of digits only is the database id and nothing else, so that no slug can
        shadow an id (slugs of digits only are refused on every write path anyway).
        """
        if DATABASE_ID.fullmatch(key):
            return [Q(pk=int(key))]
        return [Q(slug=key)]

    def get_object(self):
        queryset = self.get_queryset()
        if self.request.query_params:
            # Filters on a detail route narrow it as on the list (and a malformed one is
            # a 400); without any, building the FilterSet was a fifth of a detail GET.
            queryset = self.filter_queryset(queryset)
        key = self.kwargs[self.lookup_url_kwarg]
        for condition in self.lookup_conditions(key):
            # A key names one record: no ordering to compile or to sort by.
            obj = next(iter(queryset.filter(condition).order_by()[:1]), None)
            if obj is not None:
                self.check_object_permissions(self.request, obj)
                return obj
        raise Http404(f"No {queryset.model._meta.verbose_name} matches {key!r}.")

    def change_reason_text(self) -> str:
        """The client's X-Change-Reason (the history reads "api: <reason>")."""
        return self.request.headers.get("X-Change-Reason", "").strip()[:80]

    def change_reason(self) -> str:
        return change_reason("api", self.change_reason_text())

    # --- Representations and their ETags ---------------------------------------------

    def _render_context(self) -> dict:
        return {"view": self, "request": self.request, "args": (), "kwargs": {}}

    def represent(self, instances, *, many: bool = False):
        """The read serializer's output, through the compiled fast path (fastread.py)."""
        return fastread.represent(
            self.get_serializer_class(),
            instances,
            context=self.get_serializer_context(),
            many=many,
        )

    def representation(self, instance) -> dict:
        """The record as a detail GET shows it (call inside the write transaction)."""
        return self.represent(instance)

    def json_etag(self, data, version) -> str:
        """The ETag of the JSON representation `data` (what If-Match is compared to)."""
        media_type = FastJSONRenderer.media_type
        content = FastJSONRenderer().render(data, media_type, self._render_context())
        return representation_etag(content, media_type, version)

    def _response_etag(self, response) -> str:
        renderer = response.accepted_renderer
        media_type = renderer.media_type
        if response.accepted_media_type == media_type:
            response.render()
            content = response.content
        else:  # e.g. ?indent: the ETag is that of the canonical rendering
            content = renderer.render(response.data, media_type, self._render_context())
        return representation_etag(content, media_type, self._etag_version)

    def list(self, request, *args, **kwargs):
        queryset = late_page_rows(self.filter_queryset(self.get_queryset()))
        # The page's many-to-many relations read without Django's per-record managers.
        queryset, links = split_links(queryset)
        page = self.paginate_queryset(queryset)
        records = list(page if page is not None else queryset)
        prefetch_links(records, links)
        if page is not None:
            return self.get_paginated_response(self.represent(records, many=True))
        return Response(self.represent(records, many=True))

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self._etag_version = record_token(instance)
        return Response(self.representation(instance))

    # --- Preconditions -----------------------------------------------------------------

    def _current_etag(self, pk) -> str | None:
        instance = self.get_queryset().filter(pk=pk).first()
        if instance is None:
            return None
        return self.json_etag(self.representation(instance), record_token(instance))

    def require_if_match(self, instance) -> list[str]:
        """428 unless the request sends If-Match with a specific ETag."""
        tags = _if_match_tags(self.request.headers.get("If-Match", ""))
        if not tags or "*" in tags:
            etag = self._current_etag(instance.pk)
            raise PreconditionRequired(
                {
                    "detail": (
                        "Writes to an existing record need If-Match with the ETag you "
                        "read (a specific ETag; * is not accepted), so that nobody "
                        "overwrites a change they have not seen. " + IF_MATCH_HELP
                    ),
                    "etag": etag,
                },
                etag=etag,
            )
        return tags

    def lock_current(self, pk, tags: list[str]):
        """Inside the write transaction: lock the row, re-read it, compare its ETag.

        Returns the fresh, locked record; 412 (with the current ETag) when none of the
        If-Match tags is the ETag of its current JSON representation.
        """
        model = self.get_queryset().model
        if lock_version(model, pk) is None:
            raise Http404(f"No {model._meta.verbose_name} matches {pk!r}.")
        instance = self.get_queryset().get(pk=pk)
        etag = self.json_etag(self.representation(instance), record_token(instance))
        if etag not in tags:  # weak tags (W/"...") never match: strong comparison
            raise PreconditionFailed(
                {
                    "detail": (
                        "The record changed since you read it (ETag mismatch); nothing "
                        "was written. GET it again, re-apply your change and send it "
                        "with the new ETag in If-Match."
                    ),
                    "etag": etag,
                },
                etag=etag,
            )
        return instance

    # --- Writes ------------------------------------------------------------------------

    def _save(self, serializer, *, expected_version=None):
        """Write the validated data through the one write path; returns the record.

        Must run inside the request's write transaction.
        """
        model = serializer.Meta.model
        relations = model_meta.get_field_info(model).relations
        instance = serializer.instance if serializer.instance is not None else model()
        many_to_many = {}
        for name, value in serializer.validated_data.items():
            relation = relations.get(name)
            if relation is not None and relation.to_many:
                many_to_many[name] = value
            else:
                setattr(instance, name, value)
        try:
            record_save(
                instance,
                channel="api",
                reason=self.change_reason_text(),
                user=self.request.user,
                expected_version=expected_version,
                many_to_many=many_to_many,
            )
        except DjangoValidationError as exc:
            raise ValidationError(
                serializer._api_errors(validation_messages(exc))
            ) from exc
        except StaleRecord as exc:  # not expected under the row lock
            etag = self._current_etag(instance.pk)
            raise PreconditionFailed(
                {"detail": str(exc), "etag": etag}, etag=etag
            ) from exc
        return instance

    def _saved_response(self, instance, *, status_code: int) -> Response:
        """Re-read the saved record with the detail query (inside the transaction)."""
        saved = self.get_queryset().get(pk=instance.pk)
        data = self.representation(saved)
        self._etag_version = record_token(saved)
        return Response(data, status=status_code)

    def _refused_by_database(self, exc: IntegrityError) -> ValidationError:
        return ValidationError(
            {"non_field_errors": [f"The database refused the record: {exc}"]}
        )

    def create(self, request, *args, **kwargs):
        try:
            with write_transaction():
                serializer = self.get_serializer(data=request.data)
                serializer.is_valid(raise_exception=True)
                instance = self._save(serializer)
                # Built before the commit: a failure after it cannot turn a stored
                # write into an error answer.
                response = self._saved_response(instance, status_code=201)
        except IntegrityError as exc:
            raise self._refused_by_database(exc) from exc
        for header, value in self.get_success_headers(response.data).items():
            response[header] = value
        return response

    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        target = self.get_object()
        tags = self.require_if_match(target)
        try:
            with write_transaction():
                instance = self.lock_current(target.pk, tags)
                serializer = self.get_serializer(
                    instance, data=request.data, partial=partial
                )
                serializer.is_valid(raise_exception=True)
                self._save(serializer, expected_version=instance.version)
                response = self._saved_response(instance, status_code=200)
        except IntegrityError as exc:
            raise self._refused_by_database(exc) from exc
        return response

    def destroy(self, request, *args, **kwargs):
        target = self.get_object()
        tags = self.require_if_match(target)
        try:
            with write_transaction():
                instance = self.lock_current(target.pk, tags)
                record_delete(
                    instance,
                    channel="api",
                    reason=self.change_reason_text(),
                    user=request.user,
                    expected_version=instance.version,
                )
        except (ProtectedError, RestrictedError) as exc:
            blocking = sorted({str(obj) for obj in exc.args[1]})[:10]
            raise Conflict(
                f"Other records still refer to this one: {'; '.join(blocking)}."
            ) from exc
        except IntegrityError as exc:
            raise self._refused_by_database(exc) from exc
        return Response(status=status.HTTP_204_NO_CONTENT)

    def handle_exception(self, exc):
        response = super().handle_exception(exc)
        etag = getattr(exc, "etag", None)
        if etag:
            response["ETag"] = etag
        if isinstance(exc, CommitOutcomeUnknown):
            response["Retry-After"] = str(settings.DATABASE_UNAVAILABLE_RETRY_AFTER)
            response["Cache-Control"] = "no-store"
        return response

    def finalize_response(self, request, response, *args, **kwargs):
        # Errors are JSON even when CSV was asked for.
        if getattr(response, "exception", False) and isinstance(
            getattr(request, "accepted_renderer", None), CSVRenderer
        ):
            request.accepted_renderer = FastJSONRenderer()
            request.accepted_media_type = FastJSONRenderer.media_type
        response = super().finalize_response(request, response, *args, **kwargs)
        if (
            self._etag_version is not None
            and response.status_code in (200, 201)
            and not getattr(response, "exception", False)
            and getattr(response, "accepted_renderer", None) is not None
        ):
            response["ETag"] = self._response_etag(response)
        return response
