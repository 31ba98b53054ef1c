"""A download's cells without django-tables2's per-cell machinery.

`BoundRow.get_cell_value` works out, for every cell of every row, the column's accessor,
whether its field has choices, which arguments its `value` method takes (by inspecting
the signature), and builds a dict of six arguments to call it with: about a millisecond a
row for a trial, so a 100k-row CSV took 100 s. None of that depends on the row. Here it is
worked out once per column (`compile_column`), and a row is a list of small calls.

The rules are django-tables2's own (`BoundRow._get_and_render_with` and `_call_value`,
django-tables2 2.7), so the cells are the same values:

- the accessor is resolved attribute by attribute, calling what is callable (unless it
  is marked `do_not_call_in_templates`); a failure gives an empty cell;
- when the last field of the accessor has choices, the model's `get_<field>_display()`
  gives the value;
- a value in the column's `empty_values` (and a many-to-many column with no items) is an
  empty cell (`None`);
- otherwise the table's `value_<name>` (or else `render_<name>`) method, or the
  column's `value`, is called with
  the arguments it names (`value`, `record`, `column`, `bound_column`, `table`); a column
  whose `value` and `render` are django-tables2's defaults gives the value itself.

A column whose method asks for `bound_row` is left to django-tables2 for that column.
tests/web/test_export_streaming.py compares the result with `BoundRow.get_cell_value`
for every list of the atlas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import django_tables2 as tables
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils.encoding import force_str
from django_tables2.columns.linkcolumn import BaseLinkColumn
from django_tables2.rows import BoundRow
from django_tables2.utils import Accessor, signature

_MISSING = object()
_DEFAULT_VALUE = tables.Column.value
_DEFAULT_RENDER = tables.Column.render
_ARGUMENTS = ("value", "record", "column", "bound_column", "table")


def _resolver(bits: list[str]) -> Callable[[Any], Any]:
    """`Accessor.resolve` for model instances: attribute by attribute."""

    def resolve(current: Any) -> Any:
        for bit in bits:
            if isinstance(current, dict):
                current = current[bit]
            else:
                current = getattr(current, bit)
            if callable(current) and not getattr(
                current, "do_not_call_in_templates", False
            ):
                if getattr(current, "alters_data", False):
                    raise ValueError(f"refusing to call {bit}: it alters data")
                current = current()
        return current

    return resolve


def _caller(fn, bound_column, table) -> Callable[[Any, Any], Any] | None:
    """fn(value, record) with the arguments `fn` names, as `call_with_appropriate`;
    None when it names one this module does not give (`bound_row`)."""
    args, kwargs_name = signature(fn)
    fixed = {
        "column": bound_column.column,
        "bound_column": bound_column,
        "table": table,
    }
    if kwargs_name:
        return None  # it would be given bound_row too
    if any(arg not in _ARGUMENTS for arg in args):
        return None
    wants_value = "value" in args
    wants_record = "record" in args
    extra = {arg: fixed[arg] for arg in args if arg in fixed}
    if wants_value and wants_record:
        return lambda value, record: fn(value=value, record=record, **extra)
    if wants_value:
        return lambda value, record: fn(value=value, **extra)
    if wants_record:
        return lambda value, record: fn(record=record, **extra)
    return lambda value, record: fn(**extra)


def _is_default_value(column) -> bool:
    kind = type(column)
    return kind.value is _DEFAULT_VALUE and kind.render is _DEFAULT_RENDER


def compile_column(table, name: str) -> Callable[[Any], Any]:
    """A function of a record that gives the column's export value (force_str'd as
    `evidence.base.exports.table_rows` always did)."""
    bound_column = table.columns[name]
    column = bound_column.column
    slow = BoundRow  # the fallback for what is not compiled

    def fallback(record):
        return force_str(
            slow(record, table=table).get_cell_value(name), strings_only=True
        )

    accessor = Accessor(bound_column.accessor)
    bits = accessor.bits
    model = getattr(table._meta, "model", None) or getattr(table.data, "model", None)
    display_name = None
    if model is not None:
        try:
            field = accessor.get_field(model)
        except FieldDoesNotExist:
            field = None
        if getattr(field, "choices", ()):
            display_name = f"get_{bits[-1]}_display"
    penultimate = _resolver(list(bits[:-1]))
    full = _resolver(list(bits))
    empty_values = column.empty_values
    is_many = isinstance(column, tables.ManyToManyColumn)
    if isinstance(column, BaseLinkColumn) and column.text is not None:
        return fallback  # a failed lookup renders the link text: rare, keep exact

    # django-tables2's order: value_<name>, then render_<name>, then column.value.
    fn = bound_column.value  # as BoundColumns chose it
    if fn == column.value:
        fn = None
    if fn is None and _is_default_value(column):
        call = None
    else:
        call = _caller(fn or column.value, bound_column, table)
        if call is None:
            return fallback

    def cell(record):
        value: Any = _MISSING
        if display_name is not None:
            try:
                owner = penultimate(record)
            except Exception:
                owner = None
            if isinstance(owner, models.Model):
                display = getattr(owner, display_name, None)
                if display is not None:
                    value = display()
        if value is _MISSING:
            try:
                value = full(record)
            except Exception:
                value = None
        if value in empty_values or (is_many and not value.exists()):
            return None
        if call is not None:
            value = call(value, record)
        return force_str(value, strings_only=True)

    return cell


def compile_row(table, names: list[str]) -> Callable[[Any], list]:
    """A function of a record that gives the export values of the columns `names`."""
    cells = [compile_column(table, name) for name in names]
    return lambda record: [cell(record) for cell in cells]
