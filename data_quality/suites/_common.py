"""Rule families shared by the suites of datasets that name a person by a national ID (applicants, owners)."""

from __future__ import annotations

from data_quality.rules import Disposition, Expect, Rule
from schemas.canonical import checked


def national_id_rules(field: str, prefix: str, missing: Disposition | None = "flag") -> tuple[Rule, ...]:
    """A national ID written with non-digits or of a length other than 9 / 12 is quarantined, as in every roster;
    an empty one is flagged (``missing``) or accepted silently (None)."""
    value = checked(field, "value")
    rules = [
        Rule(f"{prefix}_not_digits", field, "quarantine", f"{field} holds characters other than digits",
             Expect("match_regex", value, regex=r"^[0-9]+$")),
        Rule(f"{prefix}_bad_length", field, "quarantine",
             f"{field} is neither 9 (CMND) nor 12 (CCCD) digits after restoring zeros of numeric cells",
             Expect("match_regex", value, regex=r"^(?:[0-9]{9}|[0-9]{12}|.*[^0-9].*)$")),
    ]  # fmt: skip
    if missing is not None:
        rules.append(
            Rule(f"{prefix}_missing", field, missing, f"no {field}",
                 Expect("not_in_set", checked(field, "error"), ("missing",)))
        )  # fmt: skip
    return tuple(rules)
