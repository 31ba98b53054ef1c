"""The API's fast read path: serializer output without DRF's per-field machinery.

A *plan* is compiled once per serializer class from its readable fields: for each field
a small function from the record to the value DRF would give. Plain fields read the
attribute and convert it as the field's own `to_representation` would (strings,
integers, booleans, choices, ISO dates); a `RecordURLField` fills the record's key into
a URL template reversed once per request; brief related records, nested serializers
(the provenance block, `source="*"`) and `many=True` lists run compiled sub-plans over
the already prefetched records; a `ListField` of plain values converts each item as its
child would. Any other field (other list fields, decimals, method fields, anything
unknown or overridden) falls back to DRF itself:
`field.to_representation(field.get_attribute(obj))`, with the same None and SkipField
rules as `Serializer.to_representation`.

Writes, validation and the schema stay DRF's; only reads use this. The output equals
`serializer_class(instances, many=True, context=...).data` (tests/api/test_fast_read.py).
A serializer class can opt out with `fast_read = False`; a field whose output depends
on the request (a method field, an unknown relation) is bound per request from a real
serializer instance, so it sees the request's context.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from operator import attrgetter
from typing import Any
from urllib.parse import quote

from django.core.exceptions import ObjectDoesNotExist
from django.db.models.manager import BaseManager
from rest_framework import ISO_8601, relations, serializers
from rest_framework import fields as drf_fields
from rest_framework.fields import SkipField
from rest_framework.settings import api_settings

from evidence.base.api.serializers import (
    BriefRelatedField,
    RecordURLField,
    record_url_template,
)
from evidence.base.querysets import prefetched as prefetched_rows

Getter = Callable[[Any, "Run"], Any]


class Run:
    """The state of one request's serialization: its context and bound fallbacks."""

    __slots__ = ("bound", "context", "fields", "serializer_class")

    def __init__(self, serializer_class, context: dict):
        self.serializer_class = serializer_class
        self.context = context
        self.bound: serializers.Serializer | None = None
        self.fields: dict[tuple[str, ...], drf_fields.Field] = {}

    def url_template(self, view_name: str, lookup_url_kwarg: str) -> str:
        return record_url_template(self.context, view_name, lookup_url_kwarg)

    def bound_field(self, path: tuple[str, ...]) -> drf_fields.Field:
        """The field at `path` of a serializer bound to this request's context."""
        field = self.fields.get(path)
        if field is None:
            if self.bound is None:
                self.bound = self.serializer_class(context=self.context)
            field = self.bound
            for name in path:
                field = _sub_fields(field)[name]
            self.fields[path] = field
        return field


def _sub_fields(field) -> dict:
    if isinstance(field, serializers.ListSerializer):
        field = field.child
    if isinstance(field, relations.ManyRelatedField):
        field = field.child_relation
    if isinstance(field, BriefRelatedField):
        return field.brief_serializer(context=field.context).fields
    return field.fields


def _same(field, name: str, base) -> bool:
    """Whether the field's method `name` is the one of `base` (not overridden)."""
    return getattr(type(field), name) is getattr(base, name)


def _context_free(field) -> bool:
    """Whether DRF's own output of the field depends only on the value."""
    if isinstance(
        field,
        (
            serializers.SerializerMethodField,
            relations.HyperlinkedRelatedField,
            drf_fields.FileField,  # absolute URLs from the request
        ),
    ):
        return False
    for name in ("get_attribute", "to_representation"):
        if not getattr(type(field), name).__module__.startswith("rest_framework."):
            return False
    child = getattr(field, "child", None) or getattr(field, "child_relation", None)
    if child is not None and not _context_free(child):
        return False
    if isinstance(field, serializers.Serializer):
        return all(_context_free(f) for f in field.fields.values())
    return True


# --- Value converters: what the field's to_representation gives for a non-None value


def _converter(field) -> Callable[[Any], Any] | None:
    """A fast equivalent of the field's to_representation, or None when there is none."""
    to_repr = type(field).to_representation
    if to_repr is drf_fields.CharField.to_representation:
        return lambda v: v if type(v) is str else str(v)
    if to_repr is drf_fields.IntegerField.to_representation:
        return lambda v: v if type(v) is int else int(v)
    if to_repr is drf_fields.FloatField.to_representation:
        return float
    if to_repr is drf_fields.ReadOnlyField.to_representation:
        return lambda v: v
    if to_repr is drf_fields.BooleanField.to_representation:
        slow = field.to_representation
        return lambda v: v if type(v) is bool else slow(v)
    if to_repr is drf_fields.ChoiceField.to_representation:
        choices = field.choice_strings_to_values
        slow = field.to_representation
        return lambda v: choices.get(v, v) if type(v) is str and v else slow(v)
    if to_repr is drf_fields.DateField.to_representation:
        output_format = getattr(field, "format", api_settings.DATE_FORMAT)
        if output_format is not None and output_format.lower() == ISO_8601:
            slow = field.to_representation
            return lambda v: v.isoformat() if type(v) is datetime.date else slow(v)
    return None


# --- Attribute getters: Field.get_attribute with its None and SkipField rules


def _attribute_getter(field) -> Callable[[Any], Any]:
    """`field.get_attribute` for a field whose get_attribute is Field's own."""
    attrs = list(field.source_attrs)
    if not attrs:  # source="*"
        return lambda obj: obj
    if len(attrs) > 1:
        return field.get_attribute
    attr = attrs[0]
    exact = field.get_attribute

    def get(obj):
        try:
            value = getattr(obj, attr)
        except ObjectDoesNotExist:
            return None
        except (AttributeError, KeyError):
            return exact(obj)  # DRF's default / None / SkipField / error
        if callable(value) and not isinstance(value, BaseManager):
            return exact(obj)  # a method: DRF calls it
        return value

    return get


def _has_plain_get_attribute(field) -> bool:
    getter = type(field).get_attribute
    return getter in (
        drf_fields.Field.get_attribute,
        relations.RelatedField.get_attribute,
    )


def _value_node(field, convert: Callable[[Any], Any]) -> Getter:
    get = _attribute_getter(field)

    def node(obj, run):
        value = get(obj)
        return None if value is None else convert(value)

    return node


def _fallback_node(field, path: tuple[str, ...]) -> Getter:
    """DRF's own serialization of the field (bound per request unless context-free)."""
    if _context_free(field):
        get, convert = field.get_attribute, field.to_representation

        def node(obj, run):
            value = get(obj)
            check = value.pk if isinstance(value, relations.PKOnlyObject) else value
            return None if check is None else convert(value)

        return node

    def bound_node(obj, run):
        bound = run.bound_field(path)
        value = bound.get_attribute(obj)
        check = value.pk if isinstance(value, relations.PKOnlyObject) else value
        return None if check is None else bound.to_representation(value)

    return bound_node


def _url_node(field) -> Getter:
    view_name, kwarg = field.view_name, field.lookup_url_kwarg
    key_of = attrgetter(field.lookup_field)

    def node(obj, run):
        if obj.pk is None:
            return None
        key = quote(str(key_of(obj)), safe="")
        return run.url_template(view_name, kwarg).replace(
            RecordURLField._PLACEHOLDER, key
        )

    return node


def _related_converter(field, path) -> Callable[[Any, Run], Any] | None:
    """A fast to_representation of one related record, or None."""
    if _same(field, "to_representation", BriefRelatedField):
        return Plan(field.brief_serializer(context={}), path).row
    if _same(field, "to_representation", relations.SlugRelatedField):
        slug_of = attrgetter(field.slug_field.replace("__", "."))
        return lambda value, run: slug_of(value)
    return None


def _related_node(field, path) -> Getter:
    if field.use_pk_only_optimization() or not _has_plain_get_attribute(field):
        return _fallback_node(field, path)
    convert = _related_converter(field, path)
    if convert is None:
        return _fallback_node(field, path)
    get = _attribute_getter(field)

    def node(obj, run):
        value = get(obj)
        return None if value is None else convert(value, run)

    return node


def _many_related_node(field, path) -> Getter:
    child = field.child_relation
    convert = None
    if (
        _same(field, "get_attribute", relations.ManyRelatedField)
        and _same(field, "to_representation", relations.ManyRelatedField)
        and len(field.source_attrs) == 1
        and not child.use_pk_only_optimization()
    ):
        convert = _related_converter(child, path)
    if convert is None:
        return _fallback_node(field, path)
    attr = field.source_attrs[0]
    exact = field.get_attribute
    # The key of the relation in a record's prefetch cache, read off its first manager:
    # a prefetched many-to-many manager's all() is that cached queryset, so reading it
    # directly skips building a manager per record and relation.
    cache_name: list[str] = []

    def node(obj, run):
        if obj.pk is None:
            return []
        rows = prefetched_rows(obj, cache_name[0]) if cache_name else None
        if rows is not None:
            return [convert(value, run) for value in rows]
        try:
            related = getattr(obj, attr)
        except (AttributeError, KeyError, ObjectDoesNotExist):
            related = exact(obj)
            if related is None:
                return None
        name = getattr(related, "prefetch_cache_name", None)
        if not cache_name and isinstance(name, str):
            cache_name.append(name)
        if hasattr(related, "all"):
            related = related.all()
        return [convert(value, run) for value in related]

    return node


def _nested_node(field, path) -> Getter:
    if not (
        _has_plain_get_attribute(field)
        and _same(field, "to_representation", serializers.Serializer)
    ):
        return _fallback_node(field, path)
    sub = Plan(field, path)
    get = _attribute_getter(field)

    def node(obj, run):
        value = get(obj)
        return None if value is None else sub.row(value, run)

    return node


def _list_node(field, path) -> Getter:
    child = field.child
    if not (
        _has_plain_get_attribute(field)
        and _same(field, "to_representation", serializers.ListSerializer)
        and _same(child, "to_representation", serializers.Serializer)
    ):
        return _fallback_node(field, path)
    sub = Plan(child, path)
    get = _attribute_getter(field)

    def node(obj, run):
        value = get(obj)
        if value is None:
            return None
        if isinstance(value, BaseManager):
            value = value.all()
        return [sub.row(item, run) for item in value]

    return node


def _list_field_node(field) -> Getter | None:
    """A `ListField` of plain values (the provenance's `refs` and `flags`), or None."""
    if not (
        _same(field, "to_representation", drf_fields.ListField)
        and _has_plain_get_attribute(field)
    ):
        return None
    convert = _converter(field.child)
    if convert is None:
        return None
    get = _attribute_getter(field)

    def node(obj, run):
        value = get(obj)
        if value is None:
            return None
        return [None if item is None else convert(item) for item in value]

    return node


def _node(field, path: tuple[str, ...]) -> Getter:
    if isinstance(field, RecordURLField):
        if (
            _same(field, "get_url", RecordURLField)
            and _same(field, "to_representation", relations.HyperlinkedRelatedField)
            and _same(field, "get_attribute", relations.RelatedField)
            and list(field.source_attrs) == []
        ):
            return _url_node(field)
        return _fallback_node(field, path)
    if isinstance(field, relations.ManyRelatedField):
        return _many_related_node(field, path)
    if isinstance(field, relations.RelatedField):
        return _related_node(field, path)
    if isinstance(field, serializers.ListSerializer):
        return _list_node(field, path)
    if isinstance(field, serializers.Serializer):
        return _nested_node(field, path)
    if isinstance(field, drf_fields.ListField):
        return _list_field_node(field) or _fallback_node(field, path)
    if _has_plain_get_attribute(field):
        convert = _converter(field)
        if convert is not None:
            return _value_node(field, convert)
    return _fallback_node(field, path)


class Plan:
    """The compiled read of one serializer: (name, node) per readable field."""

    def __init__(self, serializer: serializers.Serializer, path: tuple[str, ...] = ()):
        self.nodes: list[tuple[str, Getter]] = []
        for field in serializer._readable_fields:
            name = str(field.field_name)
            self.nodes.append((name, _node(field, (*path, name))))

    def row(self, obj, run: Run) -> dict:
        out = {}
        for name, node in self.nodes:
            try:
                out[name] = node(obj, run)
            except SkipField:
                pass
        return out


_PLANS: dict[type, Plan] = {}


def plan_for(serializer_class) -> Plan:
    """The plan of a serializer class, compiled on first use."""
    plan = _PLANS.get(serializer_class)
    if plan is None:
        plan = _PLANS[serializer_class] = Plan(serializer_class(context={}))
    return plan


def represent(serializer_class, instance, *, context: dict, many: bool = False):
    """What `serializer_class(instance, many=many, context=context).data` holds."""
    if not getattr(serializer_class, "fast_read", True):
        data = serializer_class(instance, many=many, context=context).data
        return list(data) if many else dict(data)
    plan, run = plan_for(serializer_class), Run(serializer_class, context)
    if many:
        if isinstance(instance, BaseManager):
            instance = instance.all()
        return [plan.row(obj, run) for obj in instance]
    return plan.row(instance, run)
