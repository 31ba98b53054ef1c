"""Reading a curator's CSV or JSON file into rows, with one clear message per bad file.

Nothing here touches the database: `read_records` only turns bytes into a tablib Dataset
(header + rows) or raises `ImportFileError` saying what is wrong and where (encoding,
CSV syntax, ragged rows, JSON syntax, a JSON document that is not a list of flat objects,
nesting too deep to read).
"""

from __future__ import annotations

import csv
import io
import json

import tablib

# A flat record's values are scalars or lists of scalars; anything deeper is refused
# before it can exhaust the interpreter's stack.
MAX_JSON_DEPTH = 64


class ImportFileError(Exception):
    """The file cannot be read as records; the message says why and where."""


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ImportFileError(
            f"not UTF-8 text: byte 0x{data[exc.start]:02x} on line {line} cannot be "
            "decoded (save the file as UTF-8)"
        ) from exc


def read_csv(data: bytes) -> tablib.Dataset:
    text = _decode(data)
    if "\x00" in text:
        line = text[: text.index("\x00")].count("\n") + 1
        raise ImportFileError(f"not a CSV file: a NUL byte on line {line}")
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    rows = []
    try:
        for row in reader:
            rows.append((reader.line_num, row))
    except csv.Error as exc:
        raise ImportFileError(
            f"not valid CSV on line {reader.line_num + 1}: {exc}"
        ) from exc
    rows = [(line, row) for line, row in rows if any(cell != "" for cell in row)]
    if not rows:
        raise ImportFileError("the file is empty (no header row)")
    (_, header), body = rows[0], rows[1:]
    header = [name.strip() for name in header]
    if any(name == "" for name in header):
        raise ImportFileError("the header row has an empty column name")
    dataset = tablib.Dataset(headers=header)
    for number, (line, row) in enumerate(body, 1):
        if len(row) != len(header):
            raise ImportFileError(
                f"row {number} (line {line}) has {len(row)} cells; the header has "
                f"{len(header)}"
            )
        dataset.append(row)
    return dataset


def _depth(value, limit: int) -> int:
    """Nesting depth of a parsed JSON value, stopping at `limit`."""
    stack = [(value, 1)]
    deepest = 0
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > limit:
            return deepest
        if isinstance(item, dict):
            stack.extend((v, depth + 1) for v in item.values())
        elif isinstance(item, list):
            stack.extend((v, depth + 1) for v in item)
    return deepest


def _is_scalar(value) -> bool:
    return value is None or isinstance(value, (str, int, float, bool))


def read_json(data: bytes) -> tablib.Dataset:
    text = _decode(data)
    try:
        document = json.loads(text)
    except RecursionError as exc:
        raise ImportFileError(
            "JSON nested too deeply to read; a file of records is a list of flat objects"
        ) from exc
    except json.JSONDecodeError as exc:
        raise ImportFileError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from exc
    if _depth(document, MAX_JSON_DEPTH) > MAX_JSON_DEPTH:
        raise ImportFileError(
            f"JSON nested more than {MAX_JSON_DEPTH} levels deep; a file of records is "
            "a list of flat objects"
        )
    if not isinstance(document, list):
        raise ImportFileError(
            f"the JSON document is {_kind(document)}, not a "
            "list of objects (one object per record)"
        )
    headers: list[str] = []
    for number, record in enumerate(document, 1):
        if not isinstance(record, dict):
            raise ImportFileError(
                f"record {number} is {_kind(record)}, not an object; a file of records "
                "is a list of objects"
            )
        for key, value in record.items():
            if not (
                _is_scalar(value)
                or (isinstance(value, list) and all(_is_scalar(v) for v in value))
            ):
                raise ImportFileError(
                    f"record {number}, field {key!r}: a value must be text, a number, "
                    "null or a list of those, not a nested object"
                )
            if key not in headers:
                headers.append(key)
    dataset = tablib.Dataset(headers=headers)
    for record in document:
        # A key missing from an object is empty, as in the YAML fixtures.
        dataset.append([record.get(key) for key in headers])
    return dataset


def _kind(value) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return "a string"
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    return "a number"


def read_records(data: bytes, fmt: str) -> tablib.Dataset:
    """The header and rows of a CSV or JSON file of records."""
    if fmt == "csv":
        return read_csv(data)
    if fmt == "json":
        return read_json(data)
    raise ImportFileError(f"unknown format {fmt!r}; expected csv or json")
