"""The routing table, and placing records with it: which new ward each residential group (or street) of a split
former ward went to.

It is an editable reference table, set by the city's implementing documents; the project never guesses.
Problems are reported with the file, the row and the column. A record is placed by its residential group
first, then by its street (with alley / house-range / parity refinements, the most specific matching rule
winning), else it goes to the review queue with the reason (a `review` rule of data_quality/rules.py).

A former ward the official crosswalk says went whole into one new ward needs no rules: when the table has none
for it, every record goes to that successor ("wholesale"). A table that does list such a ward is used as written.
"""

from __future__ import annotations

import csv
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from assets.lib.addresses import alley_key, house_number_key, normalise_group, street_key
from assets.lib.review_decisions import RoutingOverrides, apply_routing_decisions
from data_quality.rules import NO_GROUP_OR_STREET, STREET_AMBIGUOUS, UNKNOWN_GROUP_AND_STREET
from schemas import canonical as c
from schemas.datasets import Dataset, Kind
from schemas.errors import WardmergeError

ROUTING_COLUMNS = ("former_ward_code", "residential_group", "street", "new_ward_code")
REFINEMENT_COLUMNS = ("alley", "house_from", "house_to", "parity")


class RoutingTableError(WardmergeError, ValueError):
    def __init__(self, path: Path, message: str, row: int | None = None, column: str | None = None) -> None:
        inside = (f"row {row}" if row is not None else "") + (f", column {column!r}" if column else "")
        super().__init__(f"{path}{', ' + inside.lstrip(', ') if inside else ''}: {message}")
        self.path, self.row, self.column = path, row, column
        # The message without the path, for a caller that names the file already ("row 3, column 'x': …").
        self.detail = f"{inside.lstrip(', ')}: {message}" if inside else message


@dataclass(frozen=True)
class RoutingRule:
    former_ward_code: str
    group: str | None
    street: str | None
    new_ward_code: str
    alley: str | None = None
    house_from: int | None = None
    house_to: int | None = None
    parity: str | None = None
    row: int = 0

    @property
    def specificity(self) -> int:
        return sum(v is not None for v in (self.alley, self.house_from, self.house_to, self.parity))


def _int(path: Path, value: str, row: int, column: str) -> int | None:
    if not value.strip():
        return None
    try:
        return int(value)
    except ValueError:
        raise RoutingTableError(path, f"expected a whole house number, got {value!r}", row, column) from None


def load_routing_table(path: Path, known_new_codes: set[str] | None = None) -> list[RoutingRule]:
    """Read and check a routing table CSV (UTF-8); every rule keyed by normalised group / street."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as fh:
            reader = csv.DictReader(fh)
            header = reader.fieldnames or []
            missing = [c for c in ROUTING_COLUMNS if c not in header]
            if missing:
                raise RoutingTableError(path, f"missing column(s) {missing}; expected {list(ROUTING_COLUMNS)}")
            unknown = [c for c in header if c not in ROUTING_COLUMNS + REFINEMENT_COLUMNS]
            if unknown:
                raise RoutingTableError(path, f"unknown column(s) {unknown}")
            rules = []
            for row_no, rec in enumerate(reader, start=2):

                def get(column: str, rec: dict[str, str | None] = rec) -> str:
                    return (rec.get(column) or "").strip()

                ward, new = get("former_ward_code"), get("new_ward_code")
                for column, code in (("former_ward_code", ward), ("new_ward_code", new)):
                    if not (len(code) == 5 and code.isdigit()):
                        raise RoutingTableError(path, f"expected a five-digit code, got {code!r}", row_no, column)
                if known_new_codes is not None and new not in known_new_codes:
                    raise RoutingTableError(path, f"{new} is not a new-era unit code", row_no, "new_ward_code")
                group_raw, street_raw = get("residential_group"), get("street")
                group = normalise_group(group_raw) if group_raw else None
                if group_raw and group is None:
                    raise RoutingTableError(
                        path, f"cannot read residential group {group_raw!r}", row_no, "residential_group"
                    )
                street = street_key(street_raw) if street_raw else None
                if (group is None) == (street is None):
                    raise RoutingTableError(
                        path,
                        "a rule names exactly one of residential_group or street",
                        row_no,
                        "residential_group",
                    )
                parity = get("parity").lower() or None
                if parity not in (None, "odd", "even"):
                    raise RoutingTableError(path, f"parity must be odd or even, got {parity!r}", row_no, "parity")
                refinements = (get("alley"), get("house_from"), get("house_to"), parity)
                if group is not None and any(refinements):
                    raise RoutingTableError(path, "refinements apply to street rules only", row_no, "alley")
                rules.append(
                    RoutingRule(
                        former_ward_code=ward,
                        group=group,
                        street=street,
                        new_ward_code=new,
                        alley=alley_key(get("alley")) if get("alley") else None,
                        house_from=_int(path, get("house_from"), row_no, "house_from"),
                        house_to=_int(path, get("house_to"), row_no, "house_to"),
                        parity=parity,
                        row=row_no,
                    )
                )
    except OSError as exc:
        raise RoutingTableError(path, f"cannot read routing table ({exc.strerror})") from None
    groups: dict[tuple[str, str], RoutingRule] = {}
    for r in rules:
        if r.group is not None:
            other = groups.setdefault((r.former_ward_code, r.group), r)
            if other is not r and other.new_ward_code != r.new_ward_code:
                raise RoutingTableError(
                    path,
                    f"group {r.group} of {r.former_ward_code} is also routed on row {other.row}",
                    r.row,
                    "residential_group",
                )
    return rules


@dataclass(frozen=True)
class Placement:
    new_ward_code: str | None
    method: str | None  # group | street | street+refinement | wholesale
    reason: str | None  # review reason when new_ward_code is None


class Router:
    """Places a record by its residential group first, then by its street, else sends it to review."""

    def __init__(self, rules: list[RoutingRule], wholesale: Mapping[str, str] | None = None) -> None:
        """``wholesale``: former ward → the one new ward it went to whole (the crosswalk's undivided units); used
        only for former wards the table has no rule for."""
        self._groups: dict[tuple[str, str], str] = {}
        self._streets: dict[tuple[str, str], list[RoutingRule]] = {}
        for r in rules:
            if r.group is not None:
                self._groups[(r.former_ward_code, r.group)] = r.new_ward_code
            else:
                self._streets.setdefault((r.former_ward_code, r.street or ""), []).append(r)
        listed = {r.former_ward_code for r in rules}
        self._wholesale = {old: new for old, new in (wholesale or {}).items() if old not in listed}

    def place(
        self,
        former_ward: str,
        group: str | None,
        street: str | None,
        alley: str | None = None,
        house: int | None = None,
    ) -> Placement:
        """``group``, ``street`` and ``alley`` are normalised keys; ``house`` the leading house number."""
        if former_ward in self._wholesale:
            return Placement(self._wholesale[former_ward], "wholesale", None)
        if group is not None and (former_ward, group) in self._groups:
            return Placement(self._groups[(former_ward, group)], "group", None)
        if street is None:
            return Placement(None, None, NO_GROUP_OR_STREET if group is None else UNKNOWN_GROUP_AND_STREET)
        candidates = self._streets.get((former_ward, street))
        if not candidates:
            return Placement(None, None, UNKNOWN_GROUP_AND_STREET)
        matching = [r for r in candidates if _matches(r, alley, house)]
        if not matching:
            return Placement(None, None, STREET_AMBIGUOUS)
        best = max(r.specificity for r in matching)
        wards = {r.new_ward_code for r in matching if r.specificity == best}
        if len(wards) != 1:
            return Placement(None, None, STREET_AMBIGUOUS)
        return Placement(wards.pop(), "street+refinement" if best else "street", None)


def _matches(rule: RoutingRule, alley: str | None, house: int | None) -> bool:
    if rule.alley is not None and rule.alley != alley:
        return False
    if rule.house_from is not None or rule.house_to is not None or rule.parity is not None:
        if house is None:
            return False
        if rule.house_from is not None and house < rule.house_from:
            return False
        if rule.house_to is not None and house > rule.house_to:
            return False
        if rule.parity is not None and (house % 2 == 1) != (rule.parity == "odd"):
            return False
    return True


def route_frame(
    harmonised: pd.DataFrame,
    dataset: Dataset,
    former_ward: str,
    router: Router,
    overrides: RoutingOverrides | None = None,
) -> pd.DataFrame:
    """Place every accepted record of a harmonised partition; unplaceable ones are marked for review.

    Review officers' decisions (``overrides``, assets/lib/review_decisions.py) come before the routing table.
    """
    kinds = (Kind.RESIDENTIAL_GROUP, Kind.STREET, Kind.ALLEY, Kind.HOUSE_NUMBER)
    part = {kind: dataset.of_kind(kind)[0].name for kind in kinds if dataset.of_kind(kind)}
    out = harmonised.copy()
    ok = out[c.DISPOSITION] == c.ACCEPTED
    accepted = out.loc[ok]

    def column(kind: Kind) -> list[object]:
        return list(accepted[part[kind]]) if kind in part else [None] * len(accepted)

    streets = {s: street_key(s) for s in set(column(Kind.STREET)) if isinstance(s, str)}
    placements = [
        router.place(
            former_ward,
            group if isinstance(group, str) else None,
            streets.get(street) if isinstance(street, str) else None,
            alley_key(alley) if isinstance(alley, str) else None,
            house_number_key(house) if isinstance(house, str) else None,
        )
        for group, street, alley, house in zip(
            column(Kind.RESIDENTIAL_GROUP), column(Kind.STREET), column(Kind.ALLEY), column(Kind.HOUSE_NUMBER),
            strict=True,
        )
    ]  # fmt: skip
    out["new_ward_code"] = c.object_column([None] * len(out), out.index)
    out["route_method"] = c.object_column([None] * len(out), out.index)
    out.loc[ok, "new_ward_code"] = pd.Series(
        [p.new_ward_code for p in placements], index=accepted.index, dtype="object"
    )
    out.loc[ok, "route_method"] = pd.Series([p.method for p in placements], index=accepted.index, dtype="object")
    reasons = pd.Series([p.reason for p in placements], index=accepted.index, dtype="object")
    reasons = reasons[reasons.notna()]
    out.loc[reasons.index, c.DISPOSITION] = c.REVIEW
    out.loc[reasons.index, c.RULES] = reasons
    return apply_routing_decisions(out, dataset.name, overrides or RoutingOverrides())
