"""What the four other datasets' generators share: each former ward's people, how a person is written on a form,
people from outside the wards, the manifests they imply, and one truth row per written source row.

Every dataset's generator (``dossiers``, ``budget``, ``petitions``, ``business``) writes one former ward's files
from a :class:`WardInput`, with its own ``random.Random`` seeded by text (``"{seed}/{dataset}/{ward}"``), so a
change in one dataset never reshuffles another, nor the residents' rosters.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

import yaml

from sample_data.geography import WardGeography
from sample_data.identifiers import BIRTH_PROVINCES, century_sex_digit
from sample_data.names import FAMILY_NAMES, caps_without_marks, given_name, middle_name
from sample_data.population import Household, Person, Population
from sample_data.profiles import AS_OF
from schemas.admin_units import FormerWard

# The former wards' half-year: dossiers and petitions received from here to the as-of date (and a little
# before: December dossiers still open in January).
PERIOD_START = date(2025, 1, 1)
CARRY_OVER_START = date(2024, 12, 1)

# Dispositions as the truth writes them (residents_truth uses the same words).
LOADED, QUARANTINE, REVIEW, SET_ASIDE = "loaded", "quarantine", "review", "set_aside"


@dataclass
class WardInput:
    """One former ward as the other datasets see it: its code, geography, and the people listed there."""

    index: int  # position among the deployment's former wards (formats rotate with it)
    former: FormerWard
    geography: WardGeography
    households: list[Household]  # first listings of the households of this ward
    people: list[Person]  # persons of those households

    @property
    def code(self) -> str:
        return self.former.code

    def adults(self, low: int = 18, high: int = 120) -> list[Person]:
        return [p for p in self.people if low <= _age(p.dob) <= high]


def ward_inputs(formers: list[FormerWard], population: Population, geographies: dict[str, WardGeography]
                ) -> list[WardInput]:  # fmt: skip
    out = []
    for index, former in enumerate(formers):
        households = [h for h in population.by_ward[former.code] if h.listing_of is None and not _lodgers(h)]
        people = [m.person for h in households for m in h.members if not m.second]
        out.append(WardInput(index, former, geographies[former.code], households, people))
    return out


def _lodgers(hh: Household) -> bool:
    return all(m.second for m in hh.members)


def _age(dob: date, on: date = AS_OF) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


@dataclass(frozen=True)
class Party:
    """A person named on a form: a resident of the wards (``person_id``) or someone from elsewhere (None)."""

    person_id: str | None
    full_name: str
    date_of_birth: date
    sex: str
    cccd: str
    cmnd: str | None


class Outsiders:
    """People from outside the ten former wards (applicants from elsewhere): IDs that no resident has."""

    def __init__(self, rng: random.Random, population: Population) -> None:
        self.rng = rng
        self.used = {p.cccd for p in population.persons} | {p.cmnd for p in population.persons if p.cmnd}

    def draw(self) -> Party:
        rng = self.rng
        sex = rng.choice("MF")
        year = rng.randint(1950, 2005)
        born = date(year, rng.randint(1, 12), rng.randint(1, 28))
        province = BIRTH_PROVINCES.draw(rng)
        while True:
            cccd = province + century_sex_digit(sex, year) + f"{year % 100:02d}{rng.randrange(1_000_000):06d}"
            if cccd not in self.used:
                self.used.add(cccd)
                break
        name = " ".join(p for p in (FAMILY_NAMES.draw(rng), middle_name(rng, sex, year), given_name(rng, sex, year))
                        if p)  # fmt: skip
        return Party(None, name, born, sex, cccd, None)


def resident_party(person: Person) -> Party:
    return Party(person.person_id, person.full_name, person.dob, person.sex, person.cccd, person.cmnd)


@dataclass(frozen=True)
class WrittenParty:
    """How a form wrote a person: name, ID (or none), and what differs from the truth (for the truth file)."""

    name: str
    national_id: str
    variations: tuple[str, ...]


def write_party(rng: random.Random, party: Party, *, caps_share: float, cmnd_share: float, id_missing: float
                ) -> WrittenParty:  # fmt: skip
    variations = []
    name = party.full_name
    if caps_share and rng.random() < caps_share:
        name = caps_without_marks(name)
        variations.append("name_caps_unmarked")
    if rng.random() < id_missing:
        return WrittenParty(name, "", (*variations, "id_missing"))
    if party.cmnd and rng.random() < cmnd_share:
        return WrittenParty(name, party.cmnd, (*variations, "id_cmnd"))
    return WrittenParty(name, party.cccd, tuple(variations))


def pick(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    """One value of a weighted list (weights need not add up to 1)."""
    roll = rng.random() * sum(w for _, w in options)
    for value, weight in options:
        if roll < weight:
            return value
        roll -= weight
    return options[-1][0]


def vn_amount(value: int, style: str) -> str | int:
    """An amount as offices write it: ``number`` (a spreadsheet number cell), ``plain`` text, ``dots``
    (1.234.567, Vietnamese) or ``commas`` (1,234,567)."""
    if style == "number":
        return value
    if style == "plain":
        return str(value)
    grouped = f"{value:,}"
    return grouped.replace(",", ".") if style == "dots" else grouped


def timestamp_text(moment: datetime, pattern: str) -> str:
    return moment.strftime(pattern)


@dataclass
class TruthRows:
    """The truth of one dataset, one dict per written source row (see truth.DATASET_TRUTH_COMMON)."""

    rows: list[dict[str, object]] = field(default_factory=list)

    def add(self, **values: object) -> None:
        self.rows.append(values)


@dataclass(frozen=True)
class ManifestSpec:
    """What a dataset's generator writes for a former ward, as its committed manifest states it."""

    dataset: str
    path: str  # glob relative to the landing zone
    data: dict[str, object]  # every other key, in order
    comment: str


class _Quoted(str):
    """A scalar written quoted: a former ward's code, which YAML would otherwise read as a number (00304)."""


class _ManifestDumper(yaml.SafeDumper):
    pass


_ManifestDumper.add_representer(
    _Quoted, lambda dumper, value: dumper.represent_scalar("tag:yaml.org,2002:str", str(value), style="'")
)


def manifest_text(spec: ManifestSpec, former: FormerWard) -> str:
    header = (
        f"# {spec.comment} of the former Phường {former.short_name} ({former.code}), as the sample-data\n"
        "# generator writes it. Edit to match a real delivery; keys: docs/manifests.md.\n"
    )
    body: dict[str, object] = {"dataset": spec.dataset, "former_ward": _Quoted(former.code), **spec.data}
    body = {k: body[k] for k in ("dataset", "former_ward", "description") if k in body} | {
        k: v for k, v in body.items() if k not in ("dataset", "former_ward", "description")
    }
    return header + yaml.dump(
        body, Dumper=_ManifestDumper, allow_unicode=True, sort_keys=False, default_flow_style=False, width=110
    )


# A dataset generator: writes one ward's files under the landing zone, returns (files, truth rows).
WardWriter = Callable[[Path, WardInput, int, float, Population], tuple[list[Path], list[dict[str, object]]]]
