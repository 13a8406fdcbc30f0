"""The petitions suite.

Quarantine: a received date that is empty, unparseable, impossible or in the future; a resolved date that is
unparseable, impossible or in the future; a type or handling status outside the value map; a malformed
petitioner ID. A petition without a petitioner ID is accepted as it is (anonymous recommendations exist).
"""

from __future__ import annotations

from data_quality.rules import category_rule, date_rules
from data_quality.suites._common import national_id_rules
from schemas.datasets.petitions import DATASET as PETITIONS

DATASET = PETITIONS.name

RULES = (
    *date_rules(PETITIONS.field("received_on"), "received_on", "received date"),
    *date_rules(PETITIONS.field("resolved_on"), "resolved_on", "resolved date"),
    category_rule(PETITIONS.field("petition_type"), "petition_type_unmapped"),
    category_rule(PETITIONS.field("handling_status"), "handling_status_unmapped"),
    *national_id_rules("petitioner_id", "petitioner_id", missing=None),
)
