"""Validation: every raw record judged by its dataset's rules; quarantined records marked, flags noted.

The kind parsers (assets/lib/fields.py) turn raw text into checked columns; record identity (an id must exist
and be unique) is checked here; the Great Expectations suite built from the rules table judges the checked
columns and returns the failing row keys per rule. A record breaking a ``quarantine`` rule is marked for the
quarantine table with all its rules and their masked values; ``flag`` rules are noted for harmonisation.
Quarantined rows travel on, marked, so the load can account for every row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal

import pandas as pd

from assets.lib.fields import clean_text, parse_fields
from data_quality.gx import run_suite, suite_expectations
from data_quality.masking import mask_value
from data_quality.rules import CONTROL_FIELDS, RECORD_ID_DUPLICATE, RECORD_ID_MISSING, Rule, rules_for
from schemas import canonical as c
from schemas.datasets import Dataset
from schemas.manifest import SourceManifest


def identity_failures(raw: pd.DataFrame) -> dict[str, list[int]]:
    """Record-identity rules: an id must exist and be unique within the former ward and dataset."""
    ids = raw["source_record_id"]
    missing = raw.loc[ids.isna() | (ids.astype(str).str.strip() == ""), c.ROW_KEY].tolist()
    present = raw[ids.notna()]
    duplicate = present.loc[present["source_record_id"].duplicated(keep="first"), c.ROW_KEY].tolist()
    return {RECORD_ID_MISSING: missing, RECORD_ID_DUPLICATE: duplicate}


def _masked(rule: Rule, record: pd.Series, checked: pd.Series) -> dict[str, str | None]:
    """The offending value(s) of a broken rule, masked where it is raised (field → masked value)."""
    fields = [rule.field] if rule.field is not None else (checked[CONTROL_FIELDS] or "").split(",")
    return {f: mask_value(f, record[f]) for f in fields if f}


def validate_frame(
    raw: pd.DataFrame, dataset: Dataset, manifests: Mapping[str, SourceManifest], today: dt.date
) -> tuple[pd.DataFrame, dict[str, int]]:
    """Raw rows plus checked columns and a verdict (disposition, rules, flags, masked values).

    Returns the frame and the failing count per rule (quarantine and flag rules alike).
    """
    raw = c.text_as_object(raw.copy())
    if c.ROW_KIND not in raw.columns:  # a frame staged before row kinds existed: every row is a record
        raw[c.ROW_KIND], raw[c.COPY_OF] = c.RECORD, None
    checked = parse_fields(raw, dataset, manifests, today)
    is_record = (raw[c.ROW_KIND] == c.RECORD).to_numpy()
    rules = rules_for(dataset.name)
    # Rows that are no records (totals, exact copies) are set apart: no rule judges them.
    failures: dict[str, list[int]] = identity_failures(raw[is_record])
    for outcome in run_suite(checked[is_record], dataset.name, suite_expectations(rules)):
        failures.setdefault(outcome.rule, []).extend(outcome.failed_keys)
    broken: dict[int, list[Rule]] = defaultdict(list)
    flagged: dict[int, list[str]] = defaultdict(list)
    for r in rules:  # the rules table's order, so a record's rules read the same every run
        for key in dict.fromkeys(failures.get(r.name, [])):
            if r.disposition == "quarantine":
                broken[key].append(r)
            elif r.disposition == "flag":
                flagged[key].append(r.name)
    out = raw.copy()
    for column in checked.columns:
        if column != c.ROW_KEY:
            out[column] = checked[column]
    keys = out[c.ROW_KEY].tolist()
    out[c.DISPOSITION] = c.object_column(
        (
            c.SET_ASIDE if not record else c.QUARANTINED if k in broken else c.ACCEPTED
            for k, record in zip(keys, is_record, strict=True)
        ),
        out.index,
    )
    out[c.RULES] = c.object_column(
        (c.join_names(r.name for r in broken[k]) if k in broken else None for k in keys), out.index
    )
    out[c.FLAGS] = c.object_column((c.join_names(flagged[k]) if k in flagged else None for k in keys), out.index)
    position = {k: i for i, k in enumerate(keys)}
    masked: list[str | None] = [None] * len(out)
    for key, record_rules in broken.items():
        i = position[key]
        record, checks = out.iloc[i], checked.iloc[i]
        values = {r.name: _masked(r, record, checks) for r in record_rules}
        masked[i] = json.dumps(values, ensure_ascii=False, sort_keys=True)
    out[c.MASKED] = c.object_column(masked, out.index)
    check_totals(out, dataset, manifests)
    counts = {r.name: len(set(failures.get(r.name, []))) for r in rules if r.disposition != "review"}
    return out, counts


def check_totals(out: pd.DataFrame, dataset: Dataset, manifests: Mapping[str, SourceManifest]) -> None:
    """Each total row against the records it sums (see schemas.manifest.TotalRows); sets the label, the
    verdict (balanced / unbalanced / unreadable) and, for a total that does not balance, what differs.

    Records are summed whatever their disposition (a quarantined line whose amount was read still belongs to
    the report's arithmetic; one whose amount is no amount makes its totals unbalanced, which is the point)."""
    labels: list[str | None] = [None] * len(out)
    verdicts: list[str | None] = [None] * len(out)
    details: list[str | None] = [None] * len(out)
    position = {index: i for i, index in enumerate(out.index)}
    for name, manifest in manifests.items():
        spec = manifest.total_rows
        if spec is None:
            continue
        source = out[out[c.MANIFEST] == name]
        for _file, rows in source.groupby(c.SOURCE_FILE, sort=False):
            records = rows[rows[c.ROW_KIND] == c.RECORD]
            for index, total in rows[rows[c.ROW_KIND] == c.TOTAL].iterrows():
                i = position[index]
                if spec.label_field:
                    labels[i] = clean_text(total[spec.label_field])
                scope = records
                for f in spec.scope:
                    if total[f] is not None:
                        scope = scope[scope[f].map(_scope_key) == _scope_key(total[f])]
                verdict, differ = "balanced", {}
                for f in spec.sums:
                    reported = total[c.checked(f, "value")]
                    if total[c.checked(f, "error")] == "unparseable":
                        verdict = "unreadable"
                        continue
                    summed = sum((v for v in scope[c.checked(f, "value")] if v is not None), Decimal(0))
                    if (reported or Decimal(0)) != summed:
                        differ[f] = {"reported": str(reported), "records": str(summed)}
                if differ:
                    verdict = "unbalanced"
                verdicts[i] = verdict
                details[i] = json.dumps(differ, sort_keys=True) if differ else None
    out[c.ASIDE_LABEL] = c.object_column(labels, out.index)
    out[c.TOTAL_CHECK] = c.object_column(verdicts, out.index)
    out[c.TOTAL_DETAIL] = c.object_column(details, out.index)


def _scope_key(value: object) -> object:
    """Scope values compare as trimmed text (a mục typed 1000 in one row and "1000" in another is one mục)."""
    return value.strip().casefold() if isinstance(value, str) else value
