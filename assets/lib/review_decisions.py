"""Review-desk decisions as runs honour them: routing overrides for the route stage, match decisions for link.

Officers record decisions in the review desk as append-only rows (`routing_decision`, `match_decision`). A
decision is never edited: a later one supersedes it, and a *revoke* names an earlier decision and cancels it (an
undo of an undo restores it). The functions here turn those rows into what a run applies. They are pure over
frames, plus two readers that select with bound parameters; nothing here writes the warehouse (runs never do).

Precedence when routing one record: the latest active *record* decision for it; else the most specific active
*rule* of its former ward that matches it (the later rule on a tie); else the routing table. Rules keep the
routing table's own order, group before street: a rule that names a residential group beats every table rule,
while a street rule (no group condition) places only records that the table does not place by their group — so
"phố X, odd numbers → W" settles the records of phố X without a known group and never moves a record that its
residential group placed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assets.lib.addresses import house_number_key, street_key
from schemas import canonical as c

# Decision kinds (routing_decision.kind) and match decisions (match_decision.decision).
RECORD, RULE, REVOKE = "record", "rule", "revoke"
SAME, DIFFERENT = "same", "different"
ROUTE_METHOD = "decision"
GROUP_METHOD = "group"  # the routing table's route_method for a record placed by its residential group
DECISION_COLUMN = "routing_decision_id"
STREET_KEY, HOUSE_KEY = "street_key", "house_key"


def active_mask(ids: Iterable[Any], revokes: Iterable[Any], is_revoke: Iterable[bool]) -> list[bool]:
    """Per decision: is it in force? A revoke cancels the (earlier) decision it names unless it is revoked itself.

    Decided from the newest down, so a chain undo → redo → undo resolves as the officers meant it.
    """
    ids = [int(i) for i in ids]
    revoked_by: dict[int, list[int]] = {}
    for decision, target, revoke in zip(ids, revokes, is_revoke, strict=True):
        if revoke and target is not None and not pd.isna(target):
            revoked_by.setdefault(int(target), []).append(decision)
    active: dict[int, bool] = {}
    for decision in sorted(ids, reverse=True):
        active[decision] = not any(active.get(r, False) for r in revoked_by.get(decision, []) if r > decision)
    return [active[i] for i in ids]


# ---------------------------------------------------------------------------------------------- routing


@dataclass(frozen=True)
class DecidedRule:
    """An officer's routing rule for one former ward: every condition given must hold (at least one is)."""

    id: int
    new_ward_code: str
    group: str | None = None
    street_key: str | None = None
    alley: str | None = None
    house_from: int | None = None
    house_to: int | None = None
    parity: str | None = None
    set_group: str | None = None

    @property
    def specificity(self) -> int:
        conditions = (self.group, self.street_key, self.alley, self.house_from, self.house_to, self.parity)
        return sum(value is not None for value in conditions)

    def matches(self, group: str | None, street: str | None, alley: str | None, house: int | None) -> bool:
        if self.group is not None and self.group != group:
            return False
        if self.street_key is not None and self.street_key != street:
            return False
        if self.alley is not None and self.alley != alley:
            return False
        if self.house_from is not None or self.house_to is not None or self.parity is not None:
            if house is None:
                return False
            if self.house_from is not None and house < self.house_from:
                return False
            if self.house_to is not None and house > self.house_to:
                return False
            if self.parity is not None and (house % 2 == 1) != (self.parity == "odd"):
                return False
        return True


@dataclass(frozen=True)
class DecidedPlacement:
    id: int
    new_ward_code: str
    set_group: str | None


@dataclass(frozen=True)
class RoutingOverrides:
    """The active routing decisions of one former ward, ready to apply."""

    records: Mapping[tuple[str, str], DecidedPlacement] = field(default_factory=dict)
    rules: tuple[DecidedRule, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.records) or bool(self.rules)

    def place(
        self,
        dataset: str,
        source_record_id: str,
        group: str | None,
        street: str | None,
        alley: str | None,
        house: int | None,
        placed_by_group: bool = False,
    ) -> DecidedPlacement | None:
        """The decision that places this record, if any (record decision first, then the most specific rule).

        ``placed_by_group``: the routing table placed the record by its residential group; street rules
        leave it alone.
        """
        decided = self.records.get((dataset, source_record_id))
        if decided is not None:
            return decided
        matching = [
            rule
            for rule in self.rules
            if (rule.group is not None or not placed_by_group) and rule.matches(group, street, alley, house)
        ]
        if not matching:
            return None
        best = max(matching, key=lambda rule: (rule.specificity, rule.id))
        return DecidedPlacement(best.id, best.new_ward_code, best.set_group)


def _text(value: object) -> str | None:
    if value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NA:
        return None
    text = str(value).strip()
    return text or None


def _int(value: Any) -> int | None:
    if value is None or pd.isna(value):
        return None
    return int(value)


def routing_overrides(decisions: pd.DataFrame, former_ward: str, dataset: str) -> RoutingOverrides:
    """Active record and rule decisions of ``former_ward`` (rows of `routing_decision`, all kinds)."""
    if decisions.empty:
        return RoutingOverrides()
    ward = decisions[decisions["former_ward_code"] == former_ward]
    ward = ward[ward["dataset"] == dataset]
    if ward.empty:
        return RoutingOverrides()
    active = ward[active_mask(ward["id"], ward["revokes"], ward["kind"] == REVOKE)].sort_values("id")
    records: dict[tuple[str, str], DecidedPlacement] = {}
    rules: list[DecidedRule] = []
    for row in active.itertuples(index=False):
        if row.kind == RECORD and _text(row.source_record_id) and _text(row.new_ward_code):
            # Later decisions come later in id order, so the newest for a record wins.
            records[(dataset, str(row.source_record_id))] = DecidedPlacement(
                int(row.id), str(row.new_ward_code), _text(row.set_residential_group)
            )
        elif row.kind == RULE and _text(row.new_ward_code):
            rule = DecidedRule(
                id=int(row.id),
                new_ward_code=str(row.new_ward_code),
                group=_text(row.residential_group),
                street_key=_text(row.street_key),
                alley=_text(row.alley),
                house_from=_int(row.house_from),
                house_to=_int(row.house_to),
                parity=_text(row.parity),
                set_group=_text(row.set_residential_group),
            )
            if rule.group is not None or rule.street_key is not None:  # never a rule that matches everything
                rules.append(rule)
    return RoutingOverrides(records=records, rules=tuple(rules))


def with_routing_keys(frame: pd.DataFrame, accepted: pd.Series) -> pd.DataFrame:
    """The keys the router compares, as columns (`street_key`, `house_key`), for the accepted rows."""
    streets = {s: street_key(s) for s in frame.loc[accepted, "street"].dropna().unique()}
    houses = {h: house_number_key(h) for h in frame.loc[accepted, "house_number"].dropna().unique()}
    pairs = zip(frame["street"], frame["house_number"], accepted, strict=True)
    keys = [(streets.get(s), houses.get(h)) if ok else (None, None) for s, h, ok in pairs]
    frame[STREET_KEY] = pd.Series([k[0] for k in keys], index=frame.index, dtype="object")
    frame[HOUSE_KEY] = pd.Series([k[1] for k in keys], index=frame.index, dtype="object")
    return frame


def apply_routing_decisions(routed: pd.DataFrame, dataset: str, overrides: RoutingOverrides) -> pd.DataFrame:
    """Place the records officers decided: a review row so placed becomes accepted, with the decision's id.

    ``routed`` is the route stage's frame. Every row gets the routing keys and `routing_decision_id` (null where
    no decision applies), so the load can fill those table columns by name.
    """
    out = routed.copy()
    candidates = out[c.DISPOSITION].isin([c.ACCEPTED, c.REVIEW])
    out = with_routing_keys(out, candidates)
    out[DECISION_COLUMN] = pd.Series([None] * len(out), index=out.index, dtype="object")
    if not overrides:
        return out
    rows = out.loc[candidates]
    for index, record_id, group, street, alley, house, method in zip(
        rows.index,
        rows["source_record_id"],
        rows["residential_group"],
        rows[STREET_KEY],
        rows["alley"],
        rows[HOUSE_KEY],
        rows["route_method"],
        strict=True,
    ):
        decided = overrides.place(dataset, str(record_id), group, street, alley, house, method == GROUP_METHOD)
        if decided is None:
            continue
        out.at[index, "new_ward_code"] = decided.new_ward_code
        out.at[index, "route_method"] = ROUTE_METHOD
        out.at[index, DECISION_COLUMN] = decided.id
        if decided.set_group is not None:
            out.at[index, "residential_group"] = decided.set_group
        out.at[index, c.DISPOSITION] = c.ACCEPTED
        out.at[index, c.RULES] = None
    return out


def read_routing_decisions(conn: Connection, table: sa.Table, former_ward: str) -> pd.DataFrame:
    """Every `routing_decision` row of one former ward (all kinds: the revokes are needed to read the rest)."""
    result = conn.execute(sa.select(table).where(table.c.former_ward_code == former_ward).order_by(table.c.id))
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


# ---------------------------------------------------------------------------------------------- matches


def active_match_decisions(decisions: pd.DataFrame) -> pd.DataFrame:
    """The decision in force per pair (`record_id_l`, `record_id_r`, `decision`): the latest active same/different.

    Hand-written rows without an id or a revoke column (older warehouses, SQL inserts) are read as in force.
    """
    columns = ["record_id_l", "record_id_r", "decision"]
    if decisions.empty:
        return pd.DataFrame(columns=columns)
    frame = decisions.copy()
    if "id" not in frame.columns:
        frame["id"] = range(1, len(frame) + 1)
    if "revokes" not in frame.columns:
        frame["revokes"] = None
    frame = frame[active_mask(frame["id"], frame["revokes"], frame["decision"] == REVOKE)]
    frame = frame[frame["decision"].isin([SAME, DIFFERENT])].copy()
    left = frame[["record_id_l", "record_id_r"]].min(axis=1)
    right = frame[["record_id_l", "record_id_r"]].max(axis=1)
    frame["record_id_l"], frame["record_id_r"] = left, right
    frame = frame.sort_values("id").drop_duplicates(["record_id_l", "record_id_r"], keep="last")
    return frame[columns].reset_index(drop=True)
