"""The budget suite: a budget line must have a flow, a well-formed classification and readable amounts.

Quarantine: a flow (Thu/Chi) outside the value map; a chương, loại-khoản, mục, tiểu mục or funding source that
does not have its code's shape; an amount that is no amount ("12tr", "1.234.56"). Empty amounts are accepted
(nothing executed that month). Total and subtotal rows are not judged: they are set apart and checked against
the lines they sum (``totals_balanced``).
"""

from __future__ import annotations

from data_quality.rules import amount_rules, category_rule, pattern_rule
from schemas.datasets import Kind
from schemas.datasets.budget import DATASET as BUDGET

DATASET = BUDGET.name

RULES = (
    category_rule(BUDGET.field("flow"), "flow_unmapped"),
    pattern_rule(BUDGET.field("chapter"), "chapter_malformed"),
    pattern_rule(BUDGET.field("sector"), "sector_malformed"),
    pattern_rule(BUDGET.field("item_group"), "item_group_malformed"),
    pattern_rule(BUDGET.field("item"), "item_malformed"),
    pattern_rule(BUDGET.field("funding_source"), "funding_source_malformed"),
    *(rule for f in BUDGET.of_kind(Kind.AMOUNT) for rule in amount_rules(f, f.name, f.name)),
)
