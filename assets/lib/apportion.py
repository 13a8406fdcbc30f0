"""Apportioning the past: weights that split each former ward's first-half-2025 aggregates among its new wards.

The standard method (NHGIS crosswalks, ONS code history): a former ward's aggregate goes to each new ward in
proportion to the former ward's records that were routed there, counted from the routed records themselves.

- ``population``: accepted resident records (``resident_record``) by new ward; for social indicators;
- ``households``: distinct source households (``household_id``) of those records by new ward;
- ``business_households``: accepted business-household records by new ward; for economic indicators;
- ``budget``: the ``population`` weights (the rule: a ward's revenue and spending follow its residents).

A former ward with one successor gives it weight 1 (``sole successor``), whatever was counted. A split former
ward whose basis has no routed record falls back to its population weights (``fallback: population``), and
without any routed resident to equal shares among its successors (``fallback: equal shares``): a weight set
always exists and always sums to 1. Records routed to a new ward that the official crosswalk does not list for
the former ward (a routing-table error) are counted where they went, so the weights say what the data says.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd

POPULATION, HOUSEHOLDS, BUSINESS_HOUSEHOLDS, BUDGET = "population", "households", "business_households", "budget"
BASES = (POPULATION, HOUSEHOLDS, BUSINESS_HOUSEHOLDS, BUDGET)
SOLE, ROUTED, FALLBACK_POPULATION, FALLBACK_EQUAL = (
    "sole successor",
    "share of routed records",
    "fallback: population",
    "fallback: equal shares",
)
BUDGET_RULE = "population share (budget rule)"
# Tolerance of the sum of a weight set (the weights are exact ratios; floating point adds the rest).
SUM_TOLERANCE = 1e-9


def weight_rows(
    former_wards: Sequence[str],
    successors: Mapping[str, Sequence[str]],
    counts: Mapping[str, pd.DataFrame],
) -> pd.DataFrame:
    """Weights for every former ward and basis.

    ``successors``: former ward → the new wards the official crosswalk lists for it. ``counts``: basis →
    frame of (former_ward_code, new_ward_code, n) for the counted bases (population, households,
    business_households).
    """
    rows: list[dict[str, object]] = []
    for former in former_wards:
        wards = sorted(successors.get(former, ()))
        population = _shares(counts.get(POPULATION), former, wards)
        for basis in BASES:
            if len(wards) == 1:
                rows.append(_row(former, basis, wards[0], 1, 1, 1.0, SOLE))
                continue
            if basis == BUDGET:
                shares, method = population, BUDGET_RULE
            else:
                shares, method = _shares(counts.get(basis), former, wards), ROUTED
                if shares is None:
                    shares, method = population, FALLBACK_POPULATION
            if shares is None:
                rows += [_row(former, basis, ward, 1, len(wards), 1 / len(wards), FALLBACK_EQUAL) for ward in wards]
                continue
            total = int(shares.sum())
            rows += [_row(former, basis, ward, int(n), total, int(n) / total, method) for ward, n in shares.items()]
    return pd.DataFrame(rows, columns=["former_ward_code", "basis", "new_ward_code", "weight", "numerator",
                                       "denominator", "method"])  # fmt: skip


def _shares(frame: pd.DataFrame | None, former: str, wards: Sequence[str]) -> pd.Series | None:
    """Counts by new ward for one former ward (every successor listed, zero where nothing went); None if empty."""
    if frame is None:
        return None
    mine = frame[frame["former_ward_code"] == former].groupby("new_ward_code")["n"].sum()
    if mine.sum() == 0:
        return None
    every = mine.reindex(sorted(set(wards) | set(mine.index)), fill_value=0)
    return every.astype("int64")


def _row(former: str, basis: str, ward: str, numerator: int, denominator: int, weight: float, method: str
         ) -> dict[str, object]:  # fmt: skip
    return {"former_ward_code": former, "basis": basis, "new_ward_code": ward, "weight": weight,
            "numerator": numerator, "denominator": denominator, "method": method}  # fmt: skip


def unbalanced_sets(weights: pd.DataFrame) -> list[tuple[str, str, float]]:
    """(former ward, basis, sum) of every weight set whose weights do not sum to 1."""
    sums = weights.groupby(["former_ward_code", "basis"])["weight"].sum()
    return [(f, b, float(s)) for (f, b), s in sums.items() if abs(s - 1.0) > SUM_TOLERANCE]
