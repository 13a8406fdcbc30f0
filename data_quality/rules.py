"""What happens to a defective value, as data: one row per rule, read by validation, harmonisation and routing.

A rule names the canonical field it judges, its disposition, and, for the rules the Great Expectations suite
evaluates, the expectation that must hold (a record that breaks it breaks the rule):

- ``quarantine``: the record goes to the ``quarantine`` table (``quarantine_rule`` lists its rules);
- ``flag``: the record is accepted, its ``dq_flags`` name the rule;
- ``review``: a valid record the routing table cannot place goes to ``review_queue`` with the rule as reason.

Rules that hold for every dataset are here; each dataset's own rules are its suite, in
``data_quality/suites/<dataset>.py``. :func:`rules_for` is the one list a dataset's stages use.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from types import MappingProxyType
from typing import Literal

from schemas.canonical import checked
from schemas.datasets import Field, registry

Disposition = Literal["quarantine", "flag", "review"]
ExpectKind = Literal["not_null", "null", "in_set", "not_in_set", "match_regex"]

# A validated column listing the text fields whose value holds control characters (NUL, escape, …).
CONTROL_FIELDS = "_control_fields"


@dataclass(frozen=True)
class Expect:
    """What must hold of a column of the validated frame (see :func:`schemas.canonical.checked`)."""

    kind: ExpectKind
    column: str
    values: tuple[object, ...] = ()
    regex: str | None = None


@dataclass(frozen=True)
class Rule:
    name: str
    field: str | None  # the canonical field it judges; None: the fields a check names (control characters)
    disposition: Disposition
    description: str
    expect: Expect | None = None  # None: found by the stage's own code (record identity, routing)


# ---- rules of every dataset ----------------------------------------------------------------------------------
RECORD_ID_MISSING = "record_id_missing"
RECORD_ID_DUPLICATE = "record_id_duplicate"
TEXT_CONTROL_CHARACTERS = "text_control_characters"

GENERAL_RULES: tuple[Rule, ...] = (
    # Record identity: checked on the raw rows, before any content rule.
    Rule(RECORD_ID_MISSING, "source_record_id", "quarantine",
         "the source record id (or a key field it is derived from) is empty"),
    Rule(RECORD_ID_DUPLICATE, "source_record_id", "quarantine",
         "another row of the same former ward and dataset has this id; the first is kept"),
    Rule(TEXT_CONTROL_CHARACTERS, None, "quarantine",
         "a text value holds control characters (NUL, escape, …): a damaged export, never a real value",
         Expect("null", CONTROL_FIELDS)),
)  # fmt: skip

# ---- routing (datasets whose records carry an address) ---------------------------------------------------------
NO_GROUP_OR_STREET = "no_group_or_street"
UNKNOWN_GROUP_AND_STREET = "unknown_group_and_street"
STREET_AMBIGUOUS = "street_ambiguous"

ROUTING_RULES: tuple[Rule, ...] = (
    Rule(NO_GROUP_OR_STREET, "residential_group", "review", "neither residential group nor street is given"),
    Rule(UNKNOWN_GROUP_AND_STREET, "residential_group", "review",
         "the routing table knows neither the group nor the street"),
    Rule(STREET_AMBIGUOUS, "street", "review",
         "the street spans several new wards and no refinement (alley, house range, parity) decides"),
)  # fmt: skip


# ---- rule families for a field of a given kind ---------------------------------------------------------------
def date_rules(field: Field, prefix: str, what: str, disposition: Disposition = "quarantine") -> tuple[Rule, ...]:
    """The rules of a date field, from its declaration: empty (when required), unparseable, impossible (31/02),
    before its earliest plausible day, after the day of the run (when that is impossible)."""
    error = checked(field.name, "error")

    def broken(suffix: str, description: str, errors: tuple[str, ...]) -> Rule:
        return Rule(f"{prefix}_{suffix}", field.name, disposition, description, Expect("not_in_set", error, errors))

    rules = [broken("missing", f"{what} is empty", ("missing",))] if field.required else []
    rules += [
        broken("unparseable", f"{what} matches none of the manifest's date formats", ("unparseable",)),
        broken("impossible", f"{what} has a date's shape but is no calendar date (31/02)", ("impossible",)),
    ]
    if field.not_after_today:
        rules.append(broken("in_future", f"{what} is after the day of the run", ("too_late",)))
    if field.earliest is not None:
        rules.append(broken(f"before_{field.earliest.year}", f"{what} is before {field.earliest}", ("too_early",)))
    return tuple(rules)


def amount_rules(field: Field, prefix: str, what: str, disposition: Disposition = "quarantine") -> tuple[Rule, ...]:
    """The rules of an amount field: empty (when required), no number in either style ("12tr", "1.234.56")."""
    error = checked(field.name, "error")
    rules = (
        [Rule(f"{prefix}_missing", field.name, disposition, f"{what} is empty",
              Expect("not_in_set", error, ("missing",)))]  # fmt: skip
        if field.required
        else []
    )
    rules.append(
        Rule(f"{prefix}_unparseable", field.name, disposition,
             f"{what} is no amount (neither 1.234.567 nor 1,234,567 nor a number cell)",
             Expect("not_in_set", error, ("unparseable",)))
    )  # fmt: skip
    return tuple(rules)


def pattern_rule(field: Field, name: str, disposition: Disposition = "quarantine") -> Rule:
    """The rule of a field declared with a ``pattern``: every value (as written, trimmed) must match it."""
    if field.pattern is None:
        raise ValueError(f"field {field.name} declares no pattern")
    return Rule(name, field.name, disposition, f"{field.name} does not match {field.pattern}",
                Expect("match_regex", checked(field.name, "value"), regex=field.pattern))  # fmt: skip


def category_rule(field: Field, name: str, disposition: Disposition = "quarantine") -> Rule:
    """A coded field whose value is not in the manifest's value map (an unknown status code, "?")."""
    what = "empty or not" if field.required else "not"
    rule_expect = (
        Expect("not_null", checked(field.name, "value"))
        if field.required
        else Expect("not_in_set", checked(field.name, "error"), ("unmapped",))
    )
    return Rule(name, field.name, disposition, f"{field.name} is {what} in the manifest's value map", rule_expect)


# ---- the registry ------------------------------------------------------------------------------------------------
@cache
def _suites() -> Mapping[str, tuple[Rule, ...]]:
    """Each dataset's own rules, from ``data_quality/suites/<module>.py`` (``DATASET`` and ``RULES``)."""
    from data_quality import suites

    found: dict[str, tuple[Rule, ...]] = {}
    for info in sorted(pkgutil.iter_modules(suites.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{suites.__name__}.{info.name}")
        name, rules = getattr(module, "DATASET", None), getattr(module, "RULES", None)
        if isinstance(name, str) and isinstance(rules, tuple):
            found[name] = rules
    return MappingProxyType(found)


@cache
def rules_for(dataset: str) -> tuple[Rule, ...]:
    """Every rule a dataset's records are judged by, in the order a record's rules are listed."""
    spec = registry()[dataset]
    own = _suites().get(dataset)
    if own is None:
        raise KeyError(f"dataset {dataset!r} has no suite in data_quality/suites/")
    rules = (*GENERAL_RULES, *own, *(ROUTING_RULES if spec.routed else ()))
    names = [r.name for r in rules]
    doubled = sorted({n for n in names if names.count(n) > 1})
    if doubled:
        raise ValueError(f"dataset {dataset}: rule name(s) {doubled} declared twice")
    for r in rules:
        if r.field is not None and r.field not in spec.field_names:
            raise ValueError(f"dataset {dataset}: rule {r.name} judges unknown field {r.field!r}")
    return rules


def rules_of(dataset: str, disposition: Disposition) -> tuple[Rule, ...]:
    return tuple(r for r in rules_for(dataset) if r.disposition == disposition)


def rule(dataset: str, name: str) -> Rule:
    """Look a rule up by name (a typo in a rule name is a programming error, raised at once)."""
    for r in rules_for(dataset):
        if r.name == name:
            return r
    raise KeyError(f"dataset {dataset!r} has no rule {name!r}")


def all_rules() -> tuple[Rule, ...]:
    """Every rule of every dataset, once each (for documentation and the UI's check list)."""
    seen: dict[str, Rule] = {}
    for dataset in registry():
        for r in rules_for(dataset):
            seen.setdefault(r.name, r)
    return tuple(seen.values())
