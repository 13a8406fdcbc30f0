"""The business-households suite.

Quarantine: an empty owner name; a status outside the value map; a malformed owner ID; an owner birth date or a
registration date that is unparseable, impossible, in the future or implausibly early. Flag: no owner ID, a
sector outside the value map, a capital that is no amount (stored null).
"""

from __future__ import annotations

from data_quality.rules import Expect, Rule, amount_rules, category_rule, date_rules
from data_quality.suites._common import national_id_rules
from schemas.canonical import checked
from schemas.datasets.business_households import DATASET as HOUSEHOLDS

DATASET = HOUSEHOLDS.name

RULES = (
    Rule("owner_name_missing", "owner_name", "quarantine", "the owner's name is empty",
         Expect("not_null", checked("owner_name", "value"))),
    category_rule(HOUSEHOLDS.field("status"), "status_unmapped"),
    *national_id_rules("owner_id", "owner_id"),
    *date_rules(HOUSEHOLDS.field("owner_dob"), "owner_dob", "owner's date of birth"),
    *date_rules(HOUSEHOLDS.field("registered_on"), "registered_on", "registration date"),
    category_rule(HOUSEHOLDS.field("sector"), "sector_unmapped", "flag"),
    *amount_rules(HOUSEHOLDS.field("capital"), "capital", "capital", "flag"),
)  # fmt: skip
