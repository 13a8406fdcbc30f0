"""The generated world's geography, derived from the routing table so that truth and table always agree.

Which residential groups and streets exist in a former ward, and which new ward each went to, is read from
the routing table the pipeline will use; replacing the table changes the generated households and the truth
consistently. ``place`` restates the routing semantics (group first, then the most specific matching street
rule, else review) on the generator's *true* values, independently of the pipeline's implementation, so the
truth can catch the pipeline's mistakes instead of copying them.
"""

from __future__ import annotations

import csv
import random
import re
from dataclasses import dataclass, field
from pathlib import Path

from assets.lib.vietnamese import strip_marks
from data_quality.rules import NO_GROUP_OR_STREET, STREET_AMBIGUOUS, UNKNOWN_GROUP_AND_STREET


class RoutingTableUnusable(ValueError):
    """The routing table cannot drive the generator (missing columns, no rules for a former ward)."""


@dataclass(frozen=True, slots=True)
class StreetRule:
    street: str
    new_ward_code: str
    alley: str | None = None
    house_from: int | None = None
    house_to: int | None = None
    parity: str | None = None

    @property
    def specificity(self) -> int:
        return sum(v is not None for v in (self.alley, self.house_from, self.house_to, self.parity))

    @property
    def has_house_refinement(self) -> bool:
        return self.house_from is not None or self.house_to is not None or self.parity is not None

    def matches(self, alley: str | None, house: int | None) -> bool:
        if self.alley is not None and _alley_fold(self.alley) != _alley_fold(alley):
            return False
        if self.has_house_refinement:
            if house is None:
                return False
            if self.house_from is not None and house < self.house_from:
                return False
            if self.house_to is not None and house > self.house_to:
                return False
            if self.parity is not None and (house % 2 == 1) != (self.parity == "odd"):
                return False
        return True


@dataclass(frozen=True, slots=True)
class Address:
    """A household's true address; ``house`` is the number the routing refinements compare."""

    street: str
    alley: str | None
    house: int
    house_suffix: str = ""

    @property
    def house_text(self) -> str:
        return f"{self.house}{self.house_suffix}"


@dataclass(frozen=True, slots=True)
class Placement:
    new_ward_code: str | None
    reason: str | None


@dataclass
class WardGeography:
    """One former ward: its groups (number → label, new ward) and its streets (rules, alleys, unlisted)."""

    code: str
    group_ward: dict[int, str]
    group_label: dict[int, str]
    street_rules: dict[str, list[StreetRule]]
    unlisted_streets: list[str]
    alleys: dict[str, list[str]] = field(default_factory=dict)
    wholesale: str | None = None
    """The one new ward this former ward went to whole, when the routing table has no rule for it (the pipeline
    then routes every record there; assets/lib/routing.py)."""

    def groups_of(self, new_ward: str) -> list[int]:
        return [g for g, w in self.group_ward.items() if w == new_ward]

    def place(self, group: int | None, street: str | None, alley: str | None, house: int | None) -> Placement:
        """The routing semantics (README, "The routing table") on true values (group known ⇒ placed; else by street)."""
        if self.wholesale is not None:
            return Placement(self.wholesale, None)
        if group is not None and group in self.group_ward:
            return Placement(self.group_ward[group], None)
        if street is None:
            return Placement(None, NO_GROUP_OR_STREET if group is None else UNKNOWN_GROUP_AND_STREET)
        rules = self.street_rules.get(street)
        if not rules:
            return Placement(None, UNKNOWN_GROUP_AND_STREET)
        matching = [r for r in rules if r.matches(alley, house)]
        if not matching:
            return Placement(None, STREET_AMBIGUOUS)
        best = max(r.specificity for r in matching)
        wards = sorted({r.new_ward_code for r in matching if r.specificity == best})
        if len(wards) != 1:
            return Placement(None, STREET_AMBIGUOUS)
        return Placement(wards[0], None)

    def street_wards(self, address: Address) -> list[str]:
        """New wards the street rules point at for this address (one = routable, several = ambiguous)."""
        rules = self.street_rules.get(address.street)
        if not rules:
            return []
        matching = [r for r in rules if r.matches(address.alley, address.house)]
        if not matching:
            return []
        best = max(r.specificity for r in matching)
        return sorted({r.new_ward_code for r in matching if r.specificity == best})

    def sample_address(self, rng: random.Random, new_ward: str, unlisted_share: float) -> Address:
        """A true address for a household of a group that went to ``new_ward``.

        The street rules must agree: either they route the address to ``new_ward`` or they are ambiguous
        between it and another ward (a street that spans two new wards with no refinement).
        """
        eligible = [s for s, rules in self.street_rules.items() if any(r.new_ward_code == new_ward for r in rules)]
        if eligible and rng.random() >= unlisted_share:
            for _ in range(60):
                street = rng.choice(eligible)
                address = self._random_address(rng, street)
                if new_ward in self.street_wards(address):
                    return address
        street = rng.choice(self.unlisted_streets)
        return self._random_address(rng, street)

    def _random_address(self, rng: random.Random, street: str) -> Address:
        rules = self.street_rules.get(street, [])
        suffix = rng.choice("ABC") if rng.random() < 0.06 else ""
        if any(r.has_house_refinement for r in rules):
            # Street-front numbers decide which side of a split the house is on: no alley here.
            top = max((r.house_to for r in rules if r.house_to is not None), default=400)
            low = min((r.house_from for r in rules if r.house_from is not None), default=1)
            return Address(street, None, rng.randint(max(1, low), top), suffix)
        alleys = self.alleys.get(street, [])
        if alleys and rng.random() < 0.7:
            return Address(street, rng.choice(alleys), rng.randint(1, 80), suffix)
        return Address(street, None, rng.randint(1, 250), suffix)


_GROUP_NUMBER = re.compile(r"(\d+)")
# Small streets a routing table may forget: households there are placed by their group alone.
_UNLISTED_POOL = (
    "Thanh Bình",
    "Hồng Phúc",
    "An Lạc",
    "Sơn Hà",
    "Phúc Lợi",
    "Hưng Thịnh",
    "Bình An",
    "Minh Tâm",
    "Tân Lập",
    "Thịnh Vượng",
)
_REFINEMENTS = ("alley", "house_from", "house_to", "parity")
_REQUIRED = ("former_ward_code", "residential_group", "street", "new_ward_code")


def _alley_fold(alley: str | None) -> str | None:
    return None if alley is None else " ".join(strip_marks(alley).lower().split())


def _int_or_none(text: str, path: Path, line: int, column: str) -> int | None:
    if not text:
        return None
    try:
        return int(text)
    except ValueError:
        raise RoutingTableUnusable(f"{path}, line {line}, column {column!r}: expected a whole number") from None


def read_routing(path: Path) -> dict[str, WardGeography]:
    """Groups and street rules per former ward, as written in the routing table (display forms kept)."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        missing = [c for c in _REQUIRED if c not in (reader.fieldnames or [])]
        if missing:
            raise RoutingTableUnusable(f"{path}: missing column(s) {missing}; expected {list(_REQUIRED)}")
        wards: dict[str, WardGeography] = {}
        for line, row in enumerate(reader, start=2):
            get = {k: (v or "").strip() for k, v in row.items() if k is not None}
            code = get["former_ward_code"]
            geo = wards.setdefault(code, WardGeography(code, {}, {}, {}, []))
            group_text, street = get["residential_group"], get["street"]
            if group_text:
                number = _GROUP_NUMBER.search(group_text)
                if number is None:
                    raise RoutingTableUnusable(
                        f"{path}, line {line}: residential group {group_text!r} has no number; "
                        "the generator writes groups by number"
                    )
                geo.group_ward[int(number.group(1))] = get["new_ward_code"]
                geo.group_label[int(number.group(1))] = group_text
            elif street:
                rule = StreetRule(
                    street=street,
                    new_ward_code=get["new_ward_code"],
                    alley=get.get("alley") or None,
                    house_from=_int_or_none(get.get("house_from", ""), path, line, "house_from"),
                    house_to=_int_or_none(get.get("house_to", ""), path, line, "house_to"),
                    parity=(get.get("parity") or "").lower() or None,
                )
                geo.street_rules.setdefault(street, []).append(rule)
    return wards


def build_geography(
    path: Path, former_codes: list[str], rng: random.Random, wholesale: dict[str, str] | None = None
) -> dict[str, WardGeography]:
    """Read the routing table and give each street its alleys and each ward a few lanes the table omits.

    A former ward the table does not list but ``wholesale`` does (it went whole into one new ward) gets a made-up
    geography of ``WHOLESALE_GROUPS`` groups, all in that new ward, routed wholesale as the pipeline does.
    """
    table = read_routing(path)
    geographies: dict[str, WardGeography] = {}
    for code in former_codes:
        geo = table.get(code)
        if geo is None and wholesale and code in wholesale:
            geo = _wholesale_geography(code, wholesale[code], rng)
        if geo is None or not geo.group_ward:
            raise RoutingTableUnusable(
                f"{path}: no residential-group rules for former ward {code}; the generator needs the groups "
                "of every former ward it writes"
            )
        known = {strip_marks(s).lower() for s in geo.street_rules}
        pool = [s for s in _UNLISTED_POOL if strip_marks(s).lower() not in known]
        geo.unlisted_streets = rng.sample(pool, 2)
        for street, rules in geo.street_rules.items():
            named = [r.alley for r in rules if r.alley]
            if any(r.has_house_refinement for r in rules):
                geo.alleys[street] = named
                continue
            numbers = sorted(rng.sample(range(2, 400), 5))
            made_up = [f"Ngõ {n}" for n in numbers]
            geo.alleys[street] = named + [a for a in made_up if _alley_fold(a) not in {_alley_fold(x) for x in named}]
        for street in geo.unlisted_streets:
            geo.alleys[street] = []
        geographies[code] = geo
    return geographies


# Groups of a made-up former ward: 20 × 800 people at scale 1 ≈ 16,000, Hà Nội's mean per former commune
# (≈ 8.5 million people in 526 former communes).
WHOLESALE_GROUPS = 20
# Street names for made-up geographies (a former ward uses a few; names repeat across wards as in real cities).
STREET_POOL = (
    "Lê Lợi", "Trần Phú", "Nguyễn Trãi", "Quang Trung", "Hai Bà Trưng", "Lý Thường Kiệt", "Phan Đình Phùng",
    "Hoàng Diệu", "Nguyễn Du", "Bà Triệu", "Lê Duẩn", "Trần Hưng Đạo", "Ngô Quyền", "Điện Biên Phủ",
    "Hùng Vương", "Chu Văn An", "Nguyễn Văn Cừ", "Tô Hiến Thành", "Lạc Long Quân", "Âu Cơ",
)  # fmt: skip


def _wholesale_geography(code: str, new_ward: str, rng: random.Random) -> WardGeography:
    groups = range(1, WHOLESALE_GROUPS + 1)
    streets = rng.sample(STREET_POOL, 3)
    return WardGeography(
        code,
        group_ward={g: new_ward for g in groups},
        group_label={g: f"Tổ {g}" for g in groups},
        street_rules={street: [StreetRule(street, new_ward)] for street in streets},
        unlisted_streets=[],
        wholesale=new_ward,
    )
