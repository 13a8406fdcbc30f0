"""Great Expectations 1.x suites that apply BRIEF §4's quarantine rules, run by the validate asset.

Each expectation carries the name of the rule it enforces (``meta["rule"]``). Validation asks for COMPLETE
results keyed by the frame's row key, so the validate asset learns *which* records failed which rule. GX echoes
the failing values in its results: only the row keys leave this module, never the result objects.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from data_quality.rules import rule

ROW_KEY = "_row_key"
SUITE_RESIDENTS = "residents"

_lock = threading.Lock()


@dataclass(frozen=True)
class ExpectationOutcome:
    """The outcome of one expectation over one frame: rule, how many rows it judged, which row keys failed."""

    rule: str
    expectation: str
    column: str
    success: bool
    evaluated: int
    failed_keys: tuple[int, ...]


class ValidationRunError(RuntimeError):
    """An expectation could not be evaluated (GX reports it as an exception, not as failing rows)."""


def resident_expectations(sex_keys: Iterable[str], today: dt.date) -> list[gxe.Expectation]:
    """The residents suite over the validate asset's checked columns (see assets/validate.py)."""
    lower = pd.Timestamp(1900, 1, 1)
    upper = pd.Timestamp(today)
    specs: list[tuple[str, gxe.Expectation]] = [
        ("name_missing", gxe.ExpectColumnValuesToNotBeNull(column="full_name")),
        ("dob_missing", gxe.ExpectColumnValuesToNotBeNull(column="date_of_birth")),
        (
            "dob_unparseable",
            gxe.ExpectColumnValuesToNotBeInSet(column="dob_error", value_set=["unparseable"]),
        ),
        ("dob_impossible", gxe.ExpectColumnValuesToNotBeInSet(column="dob_error", value_set=["impossible"])),
        ("dob_in_future", gxe.ExpectColumnValuesToNotBeInSet(column="dob_error", value_set=["in_future"])),
        (
            "dob_before_1900",
            gxe.ExpectColumnValuesToNotBeInSet(column="dob_error", value_set=["before_1900"]),
        ),
        # The parsed date must also lie in the bounds (Timestamps: string bounds make GX error silently).
        (
            "dob_in_future",
            gxe.ExpectColumnValuesToBeBetween(column="dob_value", min_value=lower, max_value=upper),
        ),
        (
            "national_id_not_digits",
            gxe.ExpectColumnValuesToMatchRegex(column="national_id_norm", regex=r"^[0-9]+$"),
        ),
        (
            "national_id_bad_length",
            # Non-digit IDs are the rule above's; this one judges the length of digit-only IDs.
            gxe.ExpectColumnValuesToMatchRegex(column="national_id_norm", regex=r"^(?:[0-9]{9}|[0-9]{12}|.*[^0-9].*)$"),
        ),
        (
            "national_id_contradicts_cccd",
            gxe.ExpectColumnValuesToBeInSet(column="cccd_agrees", value_set=[True]),
        ),
        ("sex_unmapped", gxe.ExpectColumnValuesToBeInSet(column="sex_key", value_set=sorted(set(sex_keys)))),
    ]
    out = []
    for name, expectation in specs:
        rule(name)  # fail fast on a rule name the rules table does not know
        expectation.meta = {"rule": name}
        out.append(expectation)
    return out


@lru_cache(maxsize=1)
def _context() -> gx.data_context.AbstractDataContext:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def run_suite(frame: pd.DataFrame, suite_name: str, expectations: list[gxe.Expectation]) -> list[ExpectationOutcome]:
    """Validate ``frame`` (which has a unique integer ``_row_key`` column) and return failing keys per rule."""
    if frame.empty:
        return [
            ExpectationOutcome((e.meta or {})["rule"], type(e).__name__, str(getattr(e, "column", "")), True, 0, ())
            for e in expectations
        ]
    with _lock:  # the ephemeral context is shared; GX is not thread-safe
        context = _context()
        name = f"{suite_name}_{id(frame)}"
        source = context.data_sources.add_or_update_pandas(name="wardmerge")
        asset = source.add_dataframe_asset(name=name)
        batch_def = asset.add_batch_definition_whole_dataframe(name)
        suite = gx.ExpectationSuite(name=name, expectations=list(expectations))
        try:
            batch = batch_def.get_batch(batch_parameters={"dataframe": frame})
            result = batch.validate(
                suite,
                result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_KEY]},
            )
        finally:
            source.delete_asset(name)
    outcomes = []
    for res in result.results:
        cfg = res.expectation_config
        assert cfg is not None  # GX always echoes the configuration it validated
        rule_name = cfg.meta["rule"]
        if res.exception_info and res.exception_info.get("raised_exception"):
            raise ValidationRunError(
                f"expectation {cfg.type} for rule {rule_name!r} on column {cfg.kwargs.get('column')!r} "
                "could not be evaluated"
            )
        details = res.result or {}
        keys = tuple(int(row[ROW_KEY]) for row in details.get("unexpected_index_list") or [])
        outcomes.append(
            ExpectationOutcome(
                rule=rule_name,
                expectation=cfg.type,
                column=str(cfg.kwargs.get("column")),
                success=bool(res.success),
                evaluated=int(details.get("element_count") or len(frame)) - int(details.get("missing_count") or 0),
                failed_keys=keys,
            )
        )
    return outcomes
