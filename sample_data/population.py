"""The true population: people, households, where they live, and who appears in which former ward's roster.

Everything here is truth. Rosters (``render``) only ever write a damaged or restyled view of it. Look-alikes
are built deliberately: twins (same household and birth date, different given names and ID numbers; some with
given names that look alike, Hạnh/Ánh), namesakes (same full name and birth year, different person) and
same-day namesakes (same full name and birth date, in another former ward), and some people are listed in two
former wards (a household that moved and was never struck off, or a lodger registered temporarily elsewhere).

Every listing is a residence registration with its true registration date, and a temporary one with its end
date (Law on Residence 2020: at most two years). Where each person lives follows from them by the law
(:func:`residence_of`): the newest valid temporary registration, else the newest permanent one.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from sample_data.geography import Address, WardGeography
from sample_data.identifiers import (
    BIRTH_PROVINCES,
    UniqueNumbers,
    make_cccd,
    make_cmnd,
    make_mobile,
)
from sample_data.names import (
    FAMILY_NAMES,
    given_name,
    has_movable_tone,
    highland_name,
    lookalike_given_name,
    middle_name,
    restyle_tones,
)

EARLIEST_BIRTH = date(1925, 1, 1)
#: Temporary registrations last at most two years (Law on Residence 2020); offices grant these terms.
TEMPORARY_TERMS_DAYS = ((183, 0.2), (365, 0.3), (730, 0.5))
#: Permanent registrations of households go back to the household books of the 1990s.
EARLIEST_REGISTRATION = date(1990, 1, 1)


@dataclass(slots=True)
class Person:
    pid: int
    sex: str
    dob: date
    family: str
    middle: str
    given: str
    province: str
    cccd: str = ""
    cmnd: str | None = None
    phone: str | None = None
    highland: str | None = None  # full name for residents whose names do not follow family-middle-given
    lookalike_kind: str | None = None  # "twin" | "namesake" | "namesake_same_day"
    lookalike_group: str | None = None
    home_hid: int = 0

    @property
    def full_name(self) -> str:
        if self.highland is not None:
            return self.highland
        return " ".join(part for part in (self.family, self.middle, self.given) if part)

    @property
    def person_id(self) -> str:
        return f"P{self.pid:07d}"


@dataclass(slots=True)
class Member:
    person: Person
    relation: str  # relation to the head, as rosters write it
    residence: str = "permanent"  # permanent | temporary
    second: bool = False  # this is the person's second listing (moved household copy, lodger)
    registered: date | None = None  # true date the residence was registered (set by ``_register``)
    until: date | None = None  # true end of a temporary registration; None for a permanent one
    older: bool = False  # the older registration of a person listed twice (copied from older papers)

    def valid_on(self, day: date) -> bool:
        """A temporary registration is valid while its term runs; a permanent one always is."""
        return self.residence == "permanent" or (self.until is not None and self.until >= day)


@dataclass(slots=True)
class Household:
    hid: int
    former_ward: str
    group: int
    new_ward: str  # where the group went: the truth of every record listed at this address
    address: Address
    members: list[Member] = field(default_factory=list)
    listing_of: int | None = None  # for a second listing of a moved household: the truth household's hid

    @property
    def household_id(self) -> str:
        return f"H{(self.listing_of or self.hid):06d}"


@dataclass
class Population:
    persons: list[Person]
    households: list[Household]  # every listing, in former-ward order; second listings included
    by_ward: dict[str, list[Household]]
    as_of: date
    listed_twice: frozenset[int] = frozenset()  # pids of people with a second listing

    def listings(self) -> dict[int, list[tuple[Household, Member]]]:
        """Each person's listings (household, member), in roster order."""
        out: dict[int, list[tuple[Household, Member]]] = {}
        for hh in self.households:
            for member in hh.members:
                out.setdefault(member.person.pid, []).append((hh, member))
        return out


@dataclass(frozen=True, slots=True)
class Residence:
    """Where a person lives by the Law on Residence 2020, from the true registrations of their listings."""

    current_ward: str
    current_group: int
    permanent_ward: str | None  # None: no permanent registration in these rosters
    permanent_group: int | None


def residence_of(listings: list[tuple[Household, Member]], as_of: date) -> Residence:
    """Current = the newest valid temporary registration, else the newest permanent one, else (only lapsed
    temporary registrations) the newest of those; permanent = the newest permanent registration.

    Stated on the generator's true values, independently of the pipeline's survivorship code, so the truth
    can catch its mistakes. Valid means the end date is on or after ``as_of``.
    """

    def newest(items: list[tuple[Household, Member]]) -> tuple[Household, Member] | None:
        dated = [(m.registered or date.min, i, (hh, m)) for i, (hh, m) in enumerate(items)]
        return max(dated, key=lambda t: (t[0], t[1]))[2] if dated else None

    permanents = [(hh, m) for hh, m in listings if m.residence == "permanent"]
    valid_temporary = [(hh, m) for hh, m in listings if m.residence == "temporary" and m.valid_on(as_of)]
    lapsed = [(hh, m) for hh, m in listings if m.residence == "temporary" and not m.valid_on(as_of)]
    current = newest(valid_temporary) or newest(permanents) or newest(lapsed)
    if current is None:
        raise ValueError("a person without listings has no residence")
    permanent = newest(permanents)
    return Residence(
        current_ward=current[0].new_ward,
        current_group=current[0].group,
        permanent_ward=permanent[0].new_ward if permanent else None,
        permanent_group=permanent[0].group if permanent else None,
    )


# fmt: off
# Household types: (weight, builder name). Average size ≈ 3.2, as in Hanoi's inner districts. Weights and the
# nuclear family's ages are calibrated so that the population's age structure follows the 2019 census for urban
# Hanoi (0–14 ≈ 23%, 60+ ≈ 12%; sample_data/README.md "Age structure").
_TYPES = (
    (0.045, "single_elder"), (0.06, "single_young"), (0.04, "couple_young"), (0.055, "couple_old"),
    (0.58, "nuclear"), (0.06, "single_parent"), (0.09, "three_gen_up"), (0.07, "three_gen_down"),
)
# fmt: on


class _Builder:
    def __init__(self, rng: random.Random, as_of: date, ids: UniqueNumbers, phones: UniqueNumbers) -> None:
        self.rng, self.as_of, self.ids, self.phones = rng, as_of, ids, phones
        self.persons: list[Person] = []
        self.next_hid = 1

    # -- people ---------------------------------------------------------------------------------------
    def dob_for_age(self, age: int) -> date:
        """A birth date giving ``age`` full years on the as-of date, within 1925 … as-of."""
        age = max(0, min(age, self.as_of.year - EARLIEST_BIRTH.year - 1))
        latest = _minus_years(self.as_of, age)
        earliest = _minus_years(self.as_of, age + 1) + timedelta(days=1)
        earliest = max(earliest, EARLIEST_BIRTH)
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def person(self, sex: str, age: int, family: str | None = None, province: str | None = None) -> Person:
        rng = self.rng
        dob = self.dob_for_age(age)
        given = given_name(rng, sex, dob.year)
        person = Person(
            pid=len(self.persons) + 1,
            sex=sex,
            dob=dob,
            family=family or FAMILY_NAMES.draw(rng),
            middle=middle_name(rng, sex, dob.year),
            given=given,
            province=province or BIRTH_PROVINCES.draw(rng),
        )
        if has_movable_tone(person.given) and rng.random() < 0.3:
            person.given = restyle_tones(person.given, "new")  # the legal spelling some people have
        self.issue_numbers(person)
        self.persons.append(person)
        return person

    def issue_numbers(self, person: Person) -> None:
        rng, age = self.rng, _age(person.dob, self.as_of)
        person.cccd = make_cccd(rng, self.ids, person.province, person.sex, person.dob.year)
        if person.dob.year < 1995 and rng.random() < 0.75:
            person.cmnd = make_cmnd(rng, self.ids)
        if age >= 15 and rng.random() < 0.97 or 10 <= age < 15 and rng.random() < 0.5:
            person.phone = make_mobile(rng, self.phones)

    def child_province(self, parent: Person) -> str:
        return "001" if self.rng.random() < 0.9 else parent.province

    # -- households -----------------------------------------------------------------------------------
    def household(self, geo: WardGeography, group: int, unlisted_share: float) -> Household:
        rng = self.rng
        new_ward = geo.group_ward[group]
        hh = Household(self.next_hid, geo.code, group, new_ward, geo.sample_address(rng, new_ward, unlisted_share))
        self.next_hid += 1
        roll, kind = rng.random() * sum(w for w, _ in _TYPES), _TYPES[-1][1]
        for weight, name in _TYPES:
            if roll < weight:
                kind = name
                break
            roll -= weight
        getattr(self, "_" + kind)(hh)
        for m in hh.members:
            m.person.home_hid = hh.hid
        return hh

    def _add(self, hh: Household, person: Person, relation: str, residence: str = "permanent") -> Person:
        hh.members.append(Member(person, relation, residence))
        return person

    def _single_elder(self, hh: Household) -> None:
        sex = "F" if self.rng.random() < 0.65 else "M"
        self._add(hh, self.person(sex, self.rng.randint(62, 96)), "Chủ hộ")

    def _single_young(self, hh: Household) -> None:
        rng = self.rng
        sex = rng.choice("MF")
        person = self.person(sex, rng.randint(19, 40))
        if rng.random() < 0.04:  # students and workers from the Central Highlands
            person.highland = highland_name(rng, sex)
            person.province = rng.choice(("066", "064", "062"))
            person.cccd = make_cccd(rng, self.ids, person.province, person.sex, person.dob.year)
        self._add(hh, person, "Chủ hộ", "temporary" if rng.random() < 0.7 else "permanent")

    def _couple(self, hh: Household, head_age: int) -> tuple[Person, Person]:
        rng = self.rng
        husband = self.person("M", head_age)
        wife = self.person("F", max(18, head_age - rng.randint(-2, 8)))
        if rng.random() < 0.8:
            self._add(hh, husband, "Chủ hộ")
            self._add(hh, wife, "Vợ")
        else:
            self._add(hh, wife, "Chủ hộ")
            self._add(hh, husband, "Chồng")
        return husband, wife

    def _couple_young(self, hh: Household) -> None:
        self._couple(hh, self.rng.randint(23, 36))

    def _couple_old(self, hh: Household) -> None:
        self._couple(hh, self.rng.randint(55, 90))

    def _children(self, hh: Household, father: Person | None, mother: Person, count: int, relation: str) -> None:
        rng = self.rng
        mother_age = _age(mother.dob, self.as_of)
        family = father.family if father is not None else (mother.family if rng.random() < 0.4 else None)
        for _ in range(count):
            age = mother_age - round(rng.triangular(19, 40, 26))
            if age < 0:
                continue
            self._add(hh, self.person(rng.choice("MF"), age, family, self.child_province(mother)), relation)

    def _nuclear(self, hh: Household) -> None:
        rng = self.rng
        husband, wife = self._couple(hh, round(rng.triangular(24, 60, 32)))  # young parents are the most common
        count = rng.choices((1, 2, 3), (0.25, 0.55, 0.2))[0]
        self._children(hh, husband, wife, count, "Con")

    def _single_parent(self, hh: Household) -> None:
        rng = self.rng
        sex = "F" if rng.random() < 0.75 else "M"
        parent = self._add(hh, self.person(sex, rng.randint(30, 62)), "Chủ hộ")
        count = rng.choice((1, 1, 2))
        if sex == "F":
            self._children(hh, None, parent, count, "Con")
        else:
            for _ in range(count):
                age = _age(parent.dob, self.as_of) - rng.randint(22, 40)
                if age >= 0:
                    child = self.person(rng.choice("MF"), age, parent.family, self.child_province(parent))
                    self._add(hh, child, "Con")

    def _three_gen_up(self, hh: Household) -> None:
        """Head of the middle generation living with children and their own parent(s)."""
        rng = self.rng
        husband, wife = self._couple(hh, rng.randint(35, 60))
        self._children(hh, husband, wife, rng.choice((1, 2, 2)), "Con")
        head_age = _age(husband.dob, self.as_of)
        parents = [("M", "Bố"), ("F", "Mẹ")]
        if rng.random() >= 0.4:
            parents = [rng.choice(parents)]
        for sex, relation in parents:
            age = head_age + rng.randint(22, 34)
            if age <= 99:
                family = husband.family if sex == "M" else None
                self._add(hh, self.person(sex, age, family), relation)

    def _three_gen_down(self, hh: Household) -> None:
        """Grandparent as head, an adult child with spouse, and grandchildren."""
        rng = self.rng
        grandfather, grandmother = self._couple(hh, rng.randint(60, 88))
        child_age = _age(grandmother.dob, self.as_of) - rng.randint(20, 38)
        if child_age < 22:
            return
        if rng.random() < 0.7:
            son = self._add(hh, self.person("M", child_age, grandfather.family, "001"), "Con")
            daughter_in_law = self._add(hh, self.person("F", max(20, child_age - rng.randint(-2, 6))), "Con dâu")
            self._children(hh, son, daughter_in_law, rng.choice((1, 2)), "Cháu")
        else:
            daughter = self._add(hh, self.person("F", child_age, grandfather.family, "001"), "Con")
            son_in_law = self._add(hh, self.person("M", child_age + rng.randint(-2, 6)), "Con rể")
            self._children(hh, son_in_law, daughter, rng.choice((1, 2)), "Cháu")


def _minus_years(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def build_population(
    rng: random.Random,
    geographies: dict[str, WardGeography],
    *,
    scale: float,
    as_of: date,
    persons_per_group: int,
    unlisted_share: float,
    twin_share: float,
    namesake_share: float,
    listed_twice_share: float,
    twin_lookalike_name_share: float = 0.0,
    same_day_namesake_share: float = 0.0,
    moved_permanent_share: float = 0.5,
    temporary_lapsed_share: float = 0.0,
) -> Population:
    """Households group by group until each group holds its share of ``persons_per_group × scale``."""
    builder = _Builder(rng, as_of, UniqueNumbers(), UniqueNumbers())
    by_ward: dict[str, list[Household]] = {}
    for code, geo in geographies.items():
        households: list[Household] = []
        groups = sorted(geo.group_ward)
        # Groups differ in size, but the ward's total is fixed so that scale 1 matches the real ward.
        weights = [rng.uniform(0.6, 1.4) for _ in groups]
        ward_total = persons_per_group * scale * len(groups)
        for group, weight in zip(groups, weights, strict=True):
            target = ward_total * weight / sum(weights)
            # Carry the fraction so that small scales still give whole households in proportion.
            count = int(target) + (1 if rng.random() < target - int(target) else 0)
            placed = 0
            while placed < count:
                hh = builder.household(geo, group, unlisted_share)
                households.append(hh)
                placed += len(hh.members)
        by_ward[code] = households
    population = Population(builder.persons, [h for hs in by_ward.values() for h in hs], by_ward, as_of)
    _add_twins(rng, builder, population, twin_share, twin_lookalike_name_share)
    _add_namesakes(rng, builder, population, namesake_share)
    _add_same_day_namesakes(rng, builder, population, same_day_namesake_share)
    _label_chance_namesakes(population)
    _list_twice(rng, builder, population, geographies, listed_twice_share, unlisted_share, moved_permanent_share)
    _register(rng, population, temporary_lapsed_share)
    return population


def _add_twins(
    rng: random.Random, builder: _Builder, population: Population, share: float, lookalike_name_share: float
) -> None:
    """Give some children a twin: same household and birth date, a different given name and ID number.

    A share of twins get given names that look alike (Hạnh/Ánh, Anh/Ánh, Hùng/Hưng): one letter or one mark
    apart, as parents often name twins; the rest draw their given name independently.
    """
    pairs = round(share * len(population.persons) / 2)
    candidates = [
        (hh, m)
        for hh in population.households
        for m in hh.members
        if m.relation in ("Con", "Cháu") and _age(m.person.dob, population.as_of) < 40 and m.person.highland is None
    ]
    rng.shuffle(candidates)
    for number, (hh, member) in enumerate(candidates[:pairs], start=1):
        first = member.person
        sex = first.sex if rng.random() < 0.6 else ("F" if first.sex == "M" else "M")
        twin = Person(
            pid=len(builder.persons) + 1,
            sex=sex,
            dob=first.dob,
            family=first.family,
            middle=first.middle if sex == first.sex and rng.random() < 0.7 else middle_name(rng, sex, first.dob.year),
            given=(
                lookalike_given_name(rng, sex, first.given)
                if rng.random() < lookalike_name_share
                else None
            )
            or given_name(rng, sex, first.dob.year, avoid=first.given),
            province=first.province,
            home_hid=hh.hid,
        )
        builder.issue_numbers(twin)
        builder.persons.append(twin)
        group = f"T{number:05d}"
        first.lookalike_kind = twin.lookalike_kind = "twin"
        first.lookalike_group = twin.lookalike_group = group
        hh.members.insert(hh.members.index(member) + 1, Member(twin, member.relation, member.residence))


def _add_namesakes(rng: random.Random, builder: _Builder, population: Population, share: float) -> None:
    """Make pairs of different people share a full name and birth year (but not day, month, ID or home)."""
    pairs = round(share * len(population.persons) / 2)
    adults = [
        p
        for p in population.persons
        if p.lookalike_kind is None and p.highland is None and _age(p.dob, population.as_of) >= 18
    ]
    rng.shuffle(adults)
    # Pair people of the same sex and family name, so that a namesake's household keeps its family name.
    buckets: dict[tuple[str, str], list[Person]] = {}
    for p in adults:
        buckets.setdefault((p.sex, p.family), []).append(p)
    made = 0
    for pool in buckets.values():
        waiting: list[Person] = []
        for second in pool:
            if made >= pairs:
                return
            first = next(
                (f for f in waiting if f.home_hid != second.home_hid and abs(f.dob.year - second.dob.year) <= 3),
                None,
            )
            if first is None:
                waiting.append(second)
                continue
            second_dob = _same_year_other_day(rng, first.dob, population.as_of)
            if second_dob is None:
                continue
            waiting.remove(first)
            second.middle, second.given = first.middle, first.given
            year_changed = second.dob.year != second_dob.year
            second.dob = second_dob
            if year_changed:
                second.cccd = make_cccd(rng, builder.ids, second.province, second.sex, second.dob.year)
            made += 1
            group = f"N{made:05d}"
            first.lookalike_kind = second.lookalike_kind = "namesake"
            first.lookalike_group = second.lookalike_group = group


def _add_same_day_namesakes(rng: random.Random, builder: _Builder, population: Population, share: float) -> None:
    """Pairs of adults in different former wards who share full name and birth date, each with a CCCD.

    Common names make this happen by chance too (labelled by ``_label_chance_namesakes``); these pairs add
    to them. The second person takes the first's middle and given name and birth date (same sex and family name,
    born within a year, so the age structure stays) and a CCCD that agrees with the new birth year.
    """
    pairs = round(share * len(population.persons) / 2)
    if pairs <= 0:
        return
    ward_of = {hh.hid: hh.former_ward for hh in population.households}
    adults = [
        p
        for p in population.persons
        if p.lookalike_kind is None and p.highland is None and _age(p.dob, population.as_of) >= 18
    ]
    rng.shuffle(adults)
    buckets: dict[tuple[str, str], list[Person]] = {}
    for p in adults:
        buckets.setdefault((p.sex, p.family), []).append(p)
    made = 0
    for pool in buckets.values():
        waiting: list[Person] = []
        for second in pool:
            if made >= pairs:
                return
            first = next(
                (
                    f
                    for f in waiting
                    if ward_of[f.home_hid] != ward_of[second.home_hid] and abs(f.dob.year - second.dob.year) <= 1
                ),
                None,
            )
            if first is None:
                waiting.append(second)
                continue
            waiting.remove(first)
            second.middle, second.given, second.dob = first.middle, first.given, first.dob
            second.cccd = make_cccd(rng, builder.ids, second.province, second.sex, second.dob.year)
            made += 1
            group = f"S{made:05d}"
            first.lookalike_kind = second.lookalike_kind = "namesake_same_day"
            first.lookalike_group = second.lookalike_group = group


def _label_chance_namesakes(population: Population) -> None:
    """Common names make same-day namesakes by chance too (about 0.17% of people at scale 1): label them, so
    that precision on look-alikes counts every pair of people who share full name and birth date."""
    groups: dict[tuple[str, date], list[Person]] = {}
    for person in population.persons:
        if person.lookalike_kind is None:
            groups.setdefault((person.full_name, person.dob), []).append(person)
    number = sum(1 for p in population.persons if p.lookalike_kind == "namesake_same_day") // 2
    for members in groups.values():
        if len(members) < 2:
            continue
        number += 1
        for person in members:
            person.lookalike_kind = "namesake_same_day"
            person.lookalike_group = f"S{number:05d}"


def _same_year_other_day(rng: random.Random, dob: date, as_of: date) -> date | None:
    for _ in range(20):
        start = date(dob.year, 1, 1)
        end = min(date(dob.year, 12, 31), as_of)
        candidate = start + timedelta(days=rng.randrange((end - start).days + 1))
        if (candidate.month, candidate.day) != (dob.month, dob.day) and abs((candidate - dob).days) > 3:
            return candidate
    return None


def _list_twice(
    rng: random.Random,
    builder: _Builder,
    population: Population,
    geographies: dict[str, WardGeography],
    share: float,
    unlisted_share: float,
    moved_permanent_share: float,
) -> None:
    """List some people in a second former ward: whole households that moved, and lodgers.

    A household that moved keeps its truth household id in both listings (the same family); a lodger is
    listed in a different household (a host family, or alone), which is its own truth household there.
    A moved household is registered at its new address permanently (``moved_permanent_share``; the old ward
    should have struck it off and did not) or, more often, temporarily (its permanent registration stays at
    the old address); a lodger is always registered temporarily.
    """
    codes = list(geographies)
    if len(codes) < 2 or share <= 0:
        return
    target = round(share * len(population.persons))
    moved_target = round(target * 0.6)
    originals = list(population.households)
    rng.shuffle(originals)
    listed = 0
    for hh in originals:
        if listed >= moved_target:
            break
        if len(hh.members) > 4 or hh.listing_of is not None:
            continue
        other = rng.choice([c for c in codes if c != hh.former_ward])
        geo = geographies[other]
        group = rng.choice(sorted(geo.group_ward))
        residence = "permanent" if rng.random() < moved_permanent_share else "temporary"
        copy = Household(
            hid=builder.next_hid,
            former_ward=other,
            group=group,
            new_ward=geo.group_ward[group],
            address=geo.sample_address(rng, geo.group_ward[group], unlisted_share),
            members=[Member(m.person, m.relation, residence, second=True) for m in hh.members],
            listing_of=hh.hid,
        )
        builder.next_hid += 1
        population.by_ward[other].append(copy)
        listed += len(copy.members)
    lodgers = [
        (hh, m)
        for hh in originals
        if hh.listing_of is None
        for m in hh.members
        if 18 <= _age(m.person.dob, population.as_of) <= 65 and m.relation != "Chủ hộ"
    ]
    rng.shuffle(lodgers)
    already = {id(m.person) for hs in population.by_ward.values() for h in hs if h.listing_of for m in h.members}
    for hh, member in lodgers:
        if listed >= target:
            break
        if id(member.person) in already:
            continue
        already.add(id(member.person))
        other = rng.choice([c for c in codes if c != hh.former_ward])
        hosts = population.by_ward[other]
        if rng.random() < 0.5 and hosts:
            host = rng.choice(hosts)
            host.members.append(Member(member.person, "Khác", "temporary", second=True))
        else:
            geo = geographies[other]
            group = rng.choice(sorted(geo.group_ward))
            alone = Household(
                hid=builder.next_hid,
                former_ward=other,
                group=group,
                new_ward=geo.group_ward[group],
                address=geo.sample_address(rng, geo.group_ward[group], unlisted_share),
                members=[Member(member.person, "Chủ hộ", "temporary", second=True)],
            )
            builder.next_hid += 1
            population.by_ward[other].append(alone)
        listed += 1
    population.households = [h for hs in population.by_ward.values() for h in hs]
    population.listed_twice = frozenset(m.person.pid for h in population.households for m in h.members if m.second)


def _days(rng: random.Random, low: int, high: int) -> timedelta:
    return timedelta(days=rng.randint(low, max(low, high)))


def _temporary_term(rng: random.Random, as_of: date, not_before: date, lapsed_share: float) -> tuple[date, date]:
    """(registered, until) of a temporary registration: a term of at most two years that still runs on
    ``as_of``, or (``lapsed_share``) one that ended before it and was never renewed nor struck off."""
    roll, term = rng.random() * sum(w for _, w in TEMPORARY_TERMS_DAYS), TEMPORARY_TERMS_DAYS[-1][0]
    for days, weight in TEMPORARY_TERMS_DAYS:
        if roll < weight:
            term = days
            break
        roll -= weight
    if rng.random() < lapsed_share and not_before + timedelta(days=term + 1) < as_of:
        until = as_of - _days(rng, 1, min(700, (as_of - not_before).days - term - 1))
        registered = until - timedelta(days=term)
    else:
        registered = as_of - _days(rng, 7, term - 1)
        registered = min(max(registered, not_before), as_of)
        until = registered + timedelta(days=term)
    return registered, until


def _register(rng: random.Random, population: Population, lapsed_share: float) -> None:
    """Give every listing its true registration date (and a temporary one its end date).

    A household's permanent registration dates from when it was entered in the ward's household book (the
    1990s at the earliest); a child born later was registered within two months of birth. A person's second
    listing is always registered after the first (they moved, or took lodgings, later), so the first
    listing is the older registration: the one copied from older papers.
    """
    as_of = population.as_of
    first_of: dict[int, Member] = {}
    for hh in population.households:
        home = [m for m in hh.members if not m.second]  # a host family's lodger is registered below
        if hh.listing_of is not None or not home:
            continue
        span = (as_of - EARLIEST_REGISTRATION).days
        booked = EARLIEST_REGISTRATION + timedelta(days=int(rng.triangular(0, span, span * 0.35)))
        for member in home:
            dob = member.person.dob
            if member.residence == "temporary":
                member.registered, member.until = _temporary_term(rng, as_of, max(dob, booked), lapsed_share)
            else:
                member.registered = min(max(booked, dob + _days(rng, 3, 60)), as_of)
            first_of[member.person.pid] = member
    for hh in population.households:
        seconds = [m for m in hh.members if m.second]
        if not seconds:
            continue
        # A moved household registered together, after the newest registration of its members at home.
        home_dates = [first_of[m.person.pid].registered or as_of for m in seconds]
        not_before = min(max(home_dates) + timedelta(days=30), as_of)
        shared: tuple[date, date | None] | None = None
        if hh.listing_of is not None:
            if seconds[0].residence == "temporary":
                shared = _temporary_term(rng, as_of, not_before, lapsed_share)
            else:
                shared = (min(not_before + _days(rng, 0, (as_of - not_before).days - 7), as_of), None)
        for member in seconds:
            first = first_of[member.person.pid]
            if shared is not None:
                member.registered, member.until = shared
            else:  # a lodger, registered temporarily on their own
                start = min((first.registered or as_of) + timedelta(days=30), as_of)
                member.registered, member.until = _temporary_term(rng, as_of, start, lapsed_share)
            if first.registered is not None and member.registered is not None and first.registered >= member.registered:
                # Kept older: registered a day before the second (never before birth).
                first.registered = max(member.person.dob, member.registered - timedelta(days=1))
            first.older = True
