"""What happens to a defective value (BRIEF §4), as data: one row per rule, read by validate, harmonise and route.

A rule names the canonical field it judges, its disposition, and (for quarantine rules) the check that finds
it. `quarantine` rules send the record to the quarantine table; `flag` rules accept the record with a data-quality
flag; `review` reasons send a valid record the routing table cannot place to the review queue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Disposition = Literal["quarantine", "flag", "review"]


@dataclass(frozen=True)
class Rule:
    name: str
    field: str
    disposition: Disposition
    description: str


RULES: tuple[Rule, ...] = (
    # Record identity (checked on extraction, before any content rule).
    Rule(
        "record_id_missing",
        "source_record_id",
        "quarantine",
        "the source record id (or a key field it is derived from) is empty",
    ),
    Rule(
        "record_id_duplicate",
        "source_record_id",
        "quarantine",
        "another row of the same former ward and dataset has this id; the first is kept",
    ),
    # Content (Great Expectations suite `residents`).
    Rule("name_missing", "full_name", "quarantine", "full name is empty"),
    Rule("dob_missing", "date_of_birth", "quarantine", "date of birth is empty"),
    Rule(
        "dob_unparseable",
        "date_of_birth",
        "quarantine",
        "date of birth matches none of the manifest's date formats",
    ),
    Rule(
        "dob_impossible",
        "date_of_birth",
        "quarantine",
        "date of birth has a date's shape but is no calendar date (31/02)",
    ),
    Rule("dob_in_future", "date_of_birth", "quarantine", "date of birth is after the day of the run"),
    Rule("dob_before_1900", "date_of_birth", "quarantine", "date of birth is before 1900"),
    Rule(
        "national_id_not_digits",
        "national_id",
        "quarantine",
        "national ID holds characters other than digits (and separators)",
    ),
    Rule(
        "national_id_bad_length",
        "national_id",
        "quarantine",
        "national ID is neither 9 (CMND) nor 12 (CCCD) digits after restoring zeros of numeric cells",
    ),
    Rule(
        "national_id_contradicts_cccd",
        "national_id",
        "quarantine",
        "CCCD digits 4–6 contradict the record's sex or birth year",
    ),
    Rule("sex_unmapped", "sex", "quarantine", "sex is empty or not in the manifest's value map"),
    # Accepted with a flag (harmonise).
    Rule("national_id_missing", "national_id", "flag", "no national ID"),
    Rule("phone_missing", "phone", "flag", "no phone"),
    Rule(
        "phone_unparseable",
        "phone",
        "flag",
        "phone is not a Vietnamese mobile or landline number; stored null",
    ),
    Rule(
        "dob_year_only",
        "date_of_birth",
        "flag",
        "only the year of birth is known (stored as 1 January, precision 'year')",
    ),
    Rule(
        "registration_date_unparseable",
        "registration_date",
        "flag",
        "the residence's registration date matches none of the manifest's date formats (a day is needed); "
        "stored null",
    ),
    Rule(
        "registration_end_date_unparseable",
        "registration_end_date",
        "flag",
        "the temporary registration's end date matches none of the manifest's date formats; stored null",
    ),
    # Review (route).
    Rule("no_group_or_street", "residential_group", "review", "neither residential group nor street is given"),
    Rule(
        "unknown_group_and_street",
        "residential_group",
        "review",
        "the routing table knows neither the group nor the street",
    ),
    Rule(
        "street_ambiguous",
        "street",
        "review",
        "the street spans several new wards and no refinement (alley, house range, parity) decides",
    ),
)

RULES_BY_NAME: dict[str, Rule] = {r.name: r for r in RULES}
QUARANTINE_RULES: tuple[str, ...] = tuple(r.name for r in RULES if r.disposition == "quarantine")
FLAG_RULES: tuple[str, ...] = tuple(r.name for r in RULES if r.disposition == "flag")
REVIEW_REASONS: tuple[str, ...] = tuple(r.name for r in RULES if r.disposition == "review")


def rule(name: str) -> Rule:
    """Look a rule up by name (a typo in a rule name is a programming error, raised at once)."""
    return RULES_BY_NAME[name]
