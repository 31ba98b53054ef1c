"""The API's renderers: JSON through orjson, and CSV.

CSV output: one flat row per record, the same rows as the JSON page.

Nested objects become dotted columns (`provenance.locator`, `therapy.slug`); lists are
joined with "; ". Columns come from the serializer, so an empty page still has a header
and every page of a list has the same columns. Cells that a spreadsheet would read as a
formula are prefixed with an apostrophe (CSV injection).
"""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson
from rest_framework import serializers
from rest_framework.renderers import BaseRenderer, JSONRenderer

from evidence.base.csvsafe import neutralise_formula as neutralise

LIST_SEPARATOR = "; "

_ORJSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS
    | orjson.OPT_PASSTHROUGH_DATETIME  # DRF's encoder writes them (trailing Z for UTC)
    | orjson.OPT_PASSTHROUGH_DATACLASS
)


class FastJSONRenderer(JSONRenderer):
    """DRF's JSON, encoded by orjson: compact, UTF-8, U+2028/U+2029 escaped.

    Values orjson does not know (decimals, datetimes, lazy strings, querysets...) go to
    DRF's own encoder; an indented rendering (`Accept: application/json; indent=4`) and
    anything orjson refuses (integers past 64 bits, non-UTF-8 text) are rendered by
    DRF's JSONRenderer, so the output parses to the same value as DRF's. One difference:
    a NaN or infinite float is null here, where DRF's strict JSON raised an error.
    """

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        if (
            self.get_indent(accepted_media_type, renderer_context) is not None
            or self.ensure_ascii
            or not self.compact
            or not self.strict
        ):
            return super().render(data, accepted_media_type, renderer_context)
        try:
            content = orjson.dumps(data, default=self._default, option=_ORJSON_OPTIONS)
        except (orjson.JSONEncodeError, ValueError):
            return super().render(data, accepted_media_type, renderer_context)
        if b"\xe2\x80\xa8" in content or b"\xe2\x80\xa9" in content:
            content = content.replace(b"\xe2\x80\xa8", b"\\u2028").replace(
                b"\xe2\x80\xa9", b"\\u2029"
            )
        return content

    def _default(self, obj):
        return self.encoder_class().default(obj)


def _nested_fields(field) -> dict[str, serializers.Field] | None:
    """The sub-fields of a nested serializer or brief related field, else None."""
    if isinstance(field, serializers.ListSerializer):
        field = field.child
    if isinstance(field, serializers.ManyRelatedField):
        field = field.child_relation
    if isinstance(field, serializers.Serializer):
        return field.fields
    brief = getattr(field, "brief_serializer", None)
    if brief is not None:
        return brief().fields
    return None


def serializer_columns(fields, prefix: str = "") -> list[str]:
    """Dotted column names of a serializer's readable fields, in declaration order."""
    columns: list[str] = []
    for name, field in fields.items():
        if field.write_only:
            continue
        nested = _nested_fields(field)
        if nested is None:
            columns.append(f"{prefix}{name}")
        else:
            # A nested record's own API link is noise in a spreadsheet.
            sub = {k: v for k, v in nested.items() if k != "url"}
            columns.extend(serializer_columns(sub, prefix=f"{prefix}{name}."))
    return columns


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return LIST_SEPARATOR.join(_cell(item) for item in value)
    if isinstance(value, str):
        return neutralise(value)
    return str(value)


def _pluck(value: Any, path: list[str]) -> Any:
    """Follow a dotted path; through a list, collect the value of every item."""
    if not path:
        return value
    if isinstance(value, list):
        return [_pluck(item, path) for item in value]
    if isinstance(value, dict):
        return _pluck(value.get(path[0]), path[1:])
    return None


def flatten(record: dict, columns: list[str]) -> dict[str, str]:
    return {column: _cell(_pluck(record, column.split("."))) for column in columns}


def _data_columns(record: Any, prefix: str = "") -> list[str]:
    """Columns read off a record when no serializer is at hand (errors, root view)."""
    if isinstance(record, dict):
        columns: list[str] = []
        for key, value in record.items():
            if isinstance(value, dict):
                columns.extend(_data_columns(value, prefix=f"{prefix}{key}."))
            else:
                columns.append(f"{prefix}{key}")
        return columns
    return []


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        if data is None:
            return b""
        renderer_context = renderer_context or {}
        if isinstance(data, dict) and isinstance(data.get("results"), list):
            records = data["results"]
        elif isinstance(data, list):
            records = data
        else:
            records = [data]
        columns = self._columns(records, renderer_context)
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=columns, lineterminator="\r\n")
        writer.writeheader()
        for record in records:
            writer.writerow(flatten(record, columns))
        response = renderer_context.get("response")
        view = renderer_context.get("view")
        if response is not None and view is not None and response.status_code < 400:
            name = getattr(view, "basename", None) or "export"
            response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
        return buffer.getvalue().encode(self.charset)

    def _columns(self, records: list, renderer_context: dict) -> list[str]:
        view = renderer_context.get("view")
        response = renderer_context.get("response")
        ok = response is None or response.status_code < 400
        if ok and view is not None and hasattr(view, "get_serializer_class"):
            serializer = view.get_serializer_class()(
                context=view.get_serializer_context()
            )
            return serializer_columns(serializer.fields)
        columns: list[str] = []
        for record in records:
            columns.extend(c for c in _data_columns(record) if c not in columns)
        return columns
