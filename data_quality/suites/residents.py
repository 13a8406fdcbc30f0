"""The residents suite: what a roster row must satisfy to be loaded, and what is accepted with a flag.

Quarantine (the record is rejected): an empty name; a date of birth that is empty, unparseable, impossible
(31/02), in the future or before 1900; a national ID with non-digits or a length other than 9 or 12 (after
restoring the zeros of numeric spreadsheet cells only); a CCCD whose digits 4–6 contradict the record's sex or
birth year; a sex the manifest's value map does not know. Flag (accepted): no national ID, no phone, a phone
that is no Vietnamese number (stored null), only the year of birth, a registration date or end date that is no
readable day (stored null), a residence type outside the value map.
"""

from __future__ import annotations

from data_quality.rules import Expect, Rule, date_rules
from schemas.canonical import checked
from schemas.datasets.residents import DATASET as RESIDENTS

DATASET = RESIDENTS.name

_ID = checked("national_id", "value")

RULES: tuple[Rule, ...] = (
    Rule("name_missing", "full_name", "quarantine", "full name is empty",
         Expect("not_null", checked("full_name", "value"))),
    *date_rules(RESIDENTS.field("date_of_birth"), "dob", "date of birth"),
    Rule("national_id_not_digits", "national_id", "quarantine",
         "national ID holds characters other than digits (and separators)",
         Expect("match_regex", _ID, regex=r"^[0-9]+$")),
    # Non-digit IDs are the rule above's; this one judges the length of digit-only IDs.
    Rule("national_id_bad_length", "national_id", "quarantine",
         "national ID is neither 9 (CMND) nor 12 (CCCD) digits after restoring zeros of numeric cells",
         Expect("match_regex", _ID, regex=r"^(?:[0-9]{9}|[0-9]{12}|.*[^0-9].*)$")),
    Rule("national_id_contradicts_cccd", "national_id", "quarantine",
         "CCCD digits 4–6 contradict the record's sex or birth year",
         Expect("in_set", checked("national_id", "agrees"), (True,))),
    Rule("sex_unmapped", "sex", "quarantine", "sex is empty or not in the manifest's value map",
         Expect("not_null", checked("sex", "value"))),
    # Accepted with a flag.
    Rule("national_id_missing", "national_id", "flag", "no national ID",
         Expect("not_in_set", checked("national_id", "error"), ("missing",))),
    Rule("phone_missing", "phone", "flag", "no phone", Expect("not_in_set", checked("phone", "error"), ("missing",))),
    Rule("phone_unparseable", "phone", "flag", "phone is not a Vietnamese mobile or landline number; stored null",
         Expect("not_in_set", checked("phone", "error"), ("unparseable",))),
    Rule("dob_year_only", "date_of_birth", "flag",
         "only the year of birth is known (stored as 1 January, precision 'year')",
         Expect("not_in_set", checked("date_of_birth", "precision"), ("year",))),
    *(
        Rule(f"{field}_unparseable", field, "flag",
             f"the {what} is no day the manifest's date formats read (a year alone will not do), or an impossible "
             "one; stored null",
             Expect("not_in_set", checked(field, "error"), ("unparseable", "impossible", "year_only", "too_early",
                                                           "too_late")))
        for field, what in (("registration_date", "residence's registration date"),
                            ("registration_end_date", "temporary registration's end date"))
    ),
    Rule("residence_type_unmapped", "residence_type", "flag",
         "residence type is not in the manifest's value map (permanent / temporary); stored null",
         Expect("not_in_set", checked("residence_type", "error"), ("unmapped",))),
)  # fmt: skip
