"""Great Expectations 1.x: the expectations of a dataset's rules (data_quality/rules.py), run by the validate stage.

Each expectation carries the name of the rule it enforces (``meta["rule"]``). Validation asks for COMPLETE
results keyed by the frame's row key, so the validate asset learns *which* records failed which rule. GX echoes
the failing values in its results: only the row keys leave this module, never the result objects.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

from data_quality.rules import Rule
from schemas.canonical import ROW_KEY
from schemas.errors import WardmergeError

_lock = threading.Lock()
#: Seconds this process spent inside Great Expectations (the benchmark reports its share of a run).
seconds_in_gx = [0.0]


@dataclass(frozen=True)
class ExpectationOutcome:
    """The outcome of one expectation over one frame: rule, how many rows it judged, which row keys failed."""

    rule: str
    expectation: str
    column: str
    success: bool
    evaluated: int
    failed_keys: tuple[int, ...]


class ValidationRunError(WardmergeError, RuntimeError):
    """An expectation could not be evaluated (GX reports it as an exception, not as failing rows)."""


def expectation(rule: Rule) -> gxe.Expectation:
    """The Great Expectations expectation that checks a rule (its ``meta`` names the rule)."""
    spec = rule.expect
    if spec is None:
        raise ValueError(f"rule {rule.name} is not checked by the suite")
    made: gxe.Expectation
    if spec.kind == "not_null":
        made = gxe.ExpectColumnValuesToNotBeNull(column=spec.column)
    elif spec.kind == "null":
        made = gxe.ExpectColumnValuesToBeNull(column=spec.column)
    elif spec.kind == "in_set":
        made = gxe.ExpectColumnValuesToBeInSet(column=spec.column, value_set=list(spec.values))
    elif spec.kind == "not_in_set":
        made = gxe.ExpectColumnValuesToNotBeInSet(column=spec.column, value_set=list(spec.values))
    else:
        made = gxe.ExpectColumnValuesToMatchRegex(column=spec.column, regex=spec.regex or "")
    made.meta = {"rule": rule.name}
    return made


def suite_expectations(rules: Iterable[Rule]) -> list[gxe.Expectation]:
    """One expectation per rule that the suite checks, in the rules' order."""
    return [expectation(r) for r in rules if r.expect is not None]


@lru_cache(maxsize=1)
def _context() -> gx.data_context.AbstractDataContext:
    from great_expectations.data_context.types.base import ProgressBarsConfig

    logging.getLogger("great_expectations").setLevel(logging.WARNING)
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False, metric_calculations=False)
    return context


def run_suite(frame: pd.DataFrame, suite_name: str, expectations: list[gxe.Expectation]) -> list[ExpectationOutcome]:
    """Validate ``frame`` (which has a unique integer ``_row_key`` column) and return failing keys per rule.

    An expectation over a column without a single value is not sent to GX: every column-map expectation but
    not-null ignores missing values, so it holds there by definition (an error column of a clean partition is
    all null). This keeps a partition's validation to the expectations that can fail, which matters with many
    small partitions (GX spends ~25 ms per expectation on building its metric graph).
    """
    if frame.empty:
        return [_holds(e, 0) for e in expectations]
    trivial = [
        e for e in expectations
        if not isinstance(e, gxe.ExpectColumnValuesToNotBeNull)
        and not frame[str(getattr(e, "column", ""))].notna().any()
    ]  # fmt: skip
    skipped = {id(e) for e in trivial}
    expectations = [e for e in expectations if id(e) not in skipped]
    if not expectations:
        return [_holds(e, 0) for e in trivial]
    with _lock:  # the ephemeral context is shared; GX is not thread-safe
        started = time.perf_counter()
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
            seconds_in_gx[0] += time.perf_counter() - started
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
    return outcomes + [_holds(e, 0) for e in trivial]


def _holds(e: gxe.Expectation, evaluated: int) -> ExpectationOutcome:
    return ExpectationOutcome((e.meta or {})["rule"], type(e).__name__, str(getattr(e, "column", "")), True,
                              evaluated, ())  # fmt: skip
