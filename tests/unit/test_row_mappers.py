"""adapters/sql/from_row.py: the status mapper names every field of Status (a field it left out
would silently take its default on every read, in both databases)."""

from __future__ import annotations

import dataclasses
from typing import Any

from rookery.workloads.adapters.sql import from_row
from rookery.workloads.adapters.sql.dialect import Dialect
from rookery.workloads.domain.statuses import Status


def _same(value: Any) -> Any:
    return value


AS_STORED = Dialect(time=_same, day=_same, array=_same, store_time=_same, store_flag=_same, store_array=_same)


def test_the_status_mapper_sets_every_field_from_its_column() -> None:
    row = {field.name: object() for field in dataclasses.fields(Status)}
    mapped = from_row.status(row, AS_STORED)
    for field in dataclasses.fields(Status):
        expected = True if field.name == "sensitive" else row[field.name]  # a flag: bool() of the column
        assert getattr(mapped, field.name) is expected, field.name


def test_same_named_reads_the_named_columns() -> None:
    row = {"a": 1, "b": 2, "c": 3}
    assert from_row.same_named(row, "a c") == {"a": 1, "c": 3}
    assert from_row.same_named(row, "a c") == {"a": 1, "c": 3}  # the split is kept, the values are not
    assert from_row.same_named({"a": 5, "c": 6}, "a c") == {"a": 5, "c": 6}
