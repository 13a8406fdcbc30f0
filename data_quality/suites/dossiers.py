"""The dossiers suite: what a one-stop-shop dossier must satisfy to be loaded, and what is accepted with a flag.

Quarantine: a received date that is empty, unparseable, impossible or in the future; a due, finished or returned
date that is unparseable or impossible (finished and returned also: in the future); a procedure code that is no
``1.005129``; a status the manifest's value map does not know; a malformed applicant ID. Flag: no applicant ID,
a channel outside the value map.
"""

from __future__ import annotations

from data_quality.rules import category_rule, date_rules, pattern_rule
from data_quality.suites._common import national_id_rules
from schemas.datasets.dossiers import DATASET as DOSSIERS

DATASET = DOSSIERS.name

RULES = (
    *date_rules(DOSSIERS.field("received_at"), "received_at", "received date"),
    *date_rules(DOSSIERS.field("due_at"), "due_at", "due date"),
    *date_rules(DOSSIERS.field("finished_at"), "finished_at", "finished date"),
    *date_rules(DOSSIERS.field("returned_at"), "returned_at", "returned date"),
    pattern_rule(DOSSIERS.field("procedure_code"), "procedure_code_malformed"),
    category_rule(DOSSIERS.field("status"), "status_unmapped"),
    *national_id_rules("applicant_id", "applicant_id"),
    category_rule(DOSSIERS.field("channel"), "channel_unmapped", "flag"),
)
