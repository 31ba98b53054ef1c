"""OpenAPI schema generation: error responses, the lookup key, brief related fields."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

from evidence.base.api.serializers import BriefRelatedField

ERROR_SCHEMA = {
    "type": "object",
    "description": (
        'An error: {"detail": "..."}, or field names (query parameters for a list, '
        "payload fields for a write) mapped to lists of messages."
    ),
    "additionalProperties": {},
}

CSV_SCHEMA = {
    "type": "string",
    "description": "One flat row per record; nested values as dotted columns.",
}

_ERRORS_BY_METHOD = {
    "GET": {"400": "Invalid query parameter.", "404": "Not found."},
    "POST": {
        "400": "Invalid payload.",
        "401": "Not authenticated.",
        "403": "Forbidden.",
        "404": "Unknown response format (?format=).",
    },
    "PUT": {
        "400": "Invalid payload.",
        "401": "Not authenticated.",
        "403": "Forbidden.",
        "404": "Not found.",
        "412": (
            "The If-Match ETag is not the record's current one: it changed since you "
            "read it. Nothing was written; the answer's ETag header is the current one."
        ),
        "428": (
            "If-Match is missing (or *): send the ETag of your GET. Nothing was "
            "written; the answer's ETag header is the current one."
        ),
    },
    "DELETE": {
        "401": "Not authenticated.",
        "403": "Forbidden.",
        "404": "Not found.",
        "409": "Other records still refer to this one.",
    },
}
for _code in ("412", "428"):
    _ERRORS_BY_METHOD["DELETE"][_code] = _ERRORS_BY_METHOD["PUT"][_code]
_ERRORS_BY_METHOD["PATCH"] = _ERRORS_BY_METHOD["PUT"]


IF_MATCH_PARAMETER = {
    "in": "header",
    "name": "If-Match",
    "required": True,
    "schema": {"type": "string"},
    "description": (
        "The ETag header of your GET of this record, unchanged (a strong ETag; * is "
        "not accepted). Compared with the record's current ETag inside the write's "
        "transaction: 412 if it changed since, 428 if this header is missing."
    ),
}
CHANGE_REASON_PARAMETER = {
    "in": "header",
    "name": "X-Change-Reason",
    "required": False,
    "schema": {"type": "string", "maxLength": 80},
    "description": 'Why: recorded in the history as "api: <reason>".',
}


class AtlasAutoSchema(AutoSchema):
    """Documents anonymous reads, CSV bodies and the JSON errors of every operation,
    the If-Match precondition of writes, and that an empty query value is no value."""

    def _get_parameters(self):
        parameters = super()._get_parameters()
        for parameter in parameters:
            if parameter.get("in") == "query":
                # `?review=` is the same as no `review` (evidence.api.filters).
                parameter["allowEmptyValue"] = True
        writes_existing = self.method in ("PUT", "PATCH", "DELETE")
        if writes_existing and hasattr(self.view, "require_if_match"):
            parameters.append(dict(IF_MATCH_PARAMETER))
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            parameters.append(dict(CHANGE_REASON_PARAMETER))
        return parameters

    def get_auth(self):
        auth = super().get_auth()
        if self.method in ("GET", "HEAD", "OPTIONS") and {} not in auth:
            auth.append({})  # reads need no credentials
        return auth

    def _record_key(self) -> str:
        """The body field that names a record in its detail URL (`key`)."""
        serializer = self.view.get_serializer_class()
        fields = getattr(serializer.Meta, "fields", ())
        return "slug" if "slug" in fields else "id"

    def _links(self) -> tuple[str, dict] | None:
        """OpenAPI links from a read or write of a record to the writes of that record.

        They carry the record's key and its ETag (into the required If-Match), so a
        client generator or a stateful test (Schemathesis) can chain GET -> PATCH.
        """
        if self.method not in ("GET", "POST", "PUT", "PATCH"):
            return None
        if not hasattr(self.view, "require_if_match"):
            return None
        if getattr(self.view, "action", None) not in (
            "list",
            "create",
            "retrieve",
            "update",
            "partial_update",
        ):
            return None
        base = "_".join(t.replace("-", "_") for t in self._tokenize_path())
        field = self._record_key()
        if self.method == "GET" and self._is_list_view():
            # The first record of a page; only a read: its ETag comes with the GET.
            key = {"key": f"$response.body#/results/0/{field}"}
            return "200", {
                "GetFirstRecord": {"operationId": f"{base}_retrieve", "parameters": key}
            }
        code = "201" if self.method == "POST" else "200"
        if self.method == "POST":
            key = f"$response.body#/{field}"
        else:
            key = "$request.path.key"
        with_etag = {"key": key, "header.If-Match": "$response.header.ETag"}
        links = {
            "GetRecord": {
                "operationId": f"{base}_retrieve",
                "parameters": {"key": key},
            },
            "PatchRecord": {
                "operationId": f"{base}_partial_update",
                "parameters": with_etag,
            },
            "PutRecord": {"operationId": f"{base}_update", "parameters": with_etag},
            "DeleteRecord": {"operationId": f"{base}_destroy", "parameters": with_etag},
        }
        if self.method == "GET":
            del links["GetRecord"]
        return code, links

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        links = self._links() if direction == "response" else None
        if links is not None and links[0] in responses:
            responses[links[0]]["links"] = links[1]
        for response in responses.values():
            if "text/csv" in response.get("content", {}):
                response["content"]["text/csv"] = {"schema": CSV_SCHEMA}
        errors = dict(_ERRORS_BY_METHOD.get(self.method, {}))
        errors["429"] = "Too many requests; retry after the Retry-After seconds."
        for code, description in errors.items():
            responses.setdefault(
                code,
                {
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                    "description": description,
                },
            )
        return responses


class BriefRelatedFieldExtension(OpenApiSerializerFieldExtension):
    """Read: the brief nested record. Write: its slug."""

    target_class = BriefRelatedField
    match_subclasses = True

    def map_serializer_field(self, auto_schema, direction):
        if direction == "response":
            component = auto_schema.resolve_serializer(
                self.target.brief_serializer, direction
            )
            return component.ref
        schema = build_basic_type(OpenApiTypes.STR)
        schema["description"] = f"{self.target.slug_field} of the related record"
        return schema
