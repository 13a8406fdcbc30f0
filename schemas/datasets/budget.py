"""Budget: each former ward's 2025 estimate and monthly execution, one row per line of the budget classification.

The classification is the state budget index of Circular 324/2016/TT-BTC: chương (the managing body, 3 digits),
loại-khoản (the sector, ``000-000``; expenditure only), mục and tiểu mục (the economic content, 4 digits) and
the funding source. Reports come as Excel workbooks with merged headers and total / subtotal rows: those are
recognised by the manifest's ``total_rows`` and set apart (``nonrecord_row``), never added to the lines.
Budget lines belong to their former ward and are not routed; their first-half aggregates are apportioned to
new wards by ``crosswalk_weights``.
"""

from __future__ import annotations

from types import MappingProxyType

from schemas.datasets import Dataset, Field, Kind

FLOWS = ("revenue", "expenditure")
MONTHS = tuple(range(1, 13))


def executed_field(month: int) -> str:
    """The field of a month's execution: ``executed_m01`` … ``executed_m12``."""
    return f"executed_m{month:02d}"


DATASET = Dataset(
    name="budget",
    record_table="budget_line",
    description="Budget estimate and monthly execution per line of the budget classification (Circular 324).",
    fields=(
        Field("source_record_id", Kind.RECORD_ID, "derived from the classification (flow, chương, loại-khoản, "
              "tiểu mục, funding source)", required=True),
        Field("flow", Kind.CATEGORY, "revenue (thu) or expenditure (chi)", required=True, values=FLOWS,
              default_map=MappingProxyType({"Thu": "revenue", "Chi": "expenditure"})),
        Field("chapter", Kind.CODE, "chương: the managing body's 3-digit code", required=True, pattern=r"^[0-9]{3}$"),
        Field("sector", Kind.CODE, "loại-khoản: the sector (expenditure lines), written 340-341",
              pattern=r"^[0-9]{3}-[0-9]{3}$"),
        Field("item_group", Kind.CODE, "mục: the group of the economic content (4 digits)", pattern=r"^[0-9]{4}$"),
        Field("item", Kind.CODE, "tiểu mục: the economic content (4 digits), e.g. 1001 PIT on wages", required=True,
              pattern=r"^[0-9]{4}$"),
        Field("funding_source", Kind.CODE, "the funding source's code (nguồn), 2 digits", pattern=r"^[0-9]{2}$"),
        Field("item_name", Kind.TEXT, "the line's content as the report wrote it"),
        Field("estimate_amount", Kind.AMOUNT, "the year's estimate (dự toán năm), đồng"),
        *(Field(executed_field(m), Kind.AMOUNT, f"executed in month {m} (thực hiện tháng {m}), đồng") for m in MONTHS),
        Field("executed_ytd", Kind.AMOUNT, "executed since 1 January as the report states it (lũy kế), đồng"),
    ),
)  # fmt: skip
