"""Metadata people read in the Dagster UI, built the same way by every stage that writes the warehouse."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from dagster import MetadataValue, TableColumn, TableSchema


def table_metadata(table: sa.Table, rows: int, *, partition_rows: int | None = None) -> dict[str, Any]:
    """Table name, column schema (types and descriptions) and row counts of a warehouse table an asset wrote."""
    schema = TableSchema(
        columns=[TableColumn(name=col.name, type=str(col.type), description=col.comment or "") for col in table.columns]
    )
    out: dict[str, Any] = {
        "dagster/table_name": table.name,
        "dagster/column_schema": MetadataValue.table_schema(schema),
        "dagster/row_count": rows,
    }
    if partition_rows is not None:
        out["dagster/partition_row_count"] = partition_rows
    return out
