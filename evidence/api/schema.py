"""OpenAPI schema generation: error responses, the lookup key, brief related fields."""

from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import build_basic_type
from drf_spectacular.types import OpenApiTypes

from evidence.api.serializers import BriefRelatedField

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
    },
    "DELETE": {
        "401": "Not authenticated.",
        "403": "Forbidden.",
        "404": "Not found.",
        "409": "Other records still refer to this one.",
    },
}
_ERRORS_BY_METHOD["PATCH"] = _ERRORS_BY_METHOD["PUT"]


class AtlasAutoSchema(AutoSchema):
    """Documents anonymous reads, CSV bodies and the JSON errors of every operation."""

    def get_auth(self):
        auth = super().get_auth()
        if self.method in ("GET", "HEAD", "OPTIONS") and {} not in auth:
            auth.append({})  # reads need no credentials
        return auth

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
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
