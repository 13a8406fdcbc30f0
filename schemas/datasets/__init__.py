"""Datasets: each kind of record the former wards kept, declared once as data; the stages are generic over them.

A dataset names its canonical fields, each with a *kind* that says how the generic stages treat it: how the
validate stage parses it (a date against the manifest's formats, an ID with zeros restored only for numeric
cells), how the harmonise stage standardises it (a name in NFC title case with match keys), which warehouse
columns it becomes, and whether it is personal data (masked everywhere but the integration tables).

Adding a dataset means a module here declaring ``DATASET`` (its fields), a suite of rules in
``data_quality/suites/`` and manifests in the sources directory; no stage changes. Modules are discovered,
so the registry below is never edited by hand.
"""

from __future__ import annotations

import datetime as dt
import importlib
import pkgutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from types import MappingProxyType


class Kind(StrEnum):
    """How a field is parsed, standardised and stored."""

    RECORD_ID = "record_id"  # the source's own id of the record (text, stripped)
    TEXT = "text"  # free text: NFC, punctuation normalised
    CODE = "code"  # an identifier-like code kept as written (household code, dossier number)
    PERSON_NAME = "person_name"  # NFC title case as the source spelled it, plus match keys
    DATE = "date"  # parsed with the manifest's date formats; precision day or year
    DATETIME = "datetime"  # a date with the time of day where the source has it (portal timestamps)
    SEX = "sex"  # M / F through the manifest's value map
    NATIONAL_ID = "national_id"  # CCCD (12 digits) or CMND (9); zeros restored for numeric cells only
    PHONE = "phone"  # today's 10-digit mobile or 11-digit landline
    CATEGORY = "category"  # one of a closed set of codes, through a value map
    AMOUNT = "amount"  # money or another quantity: 1.234.567 / 1,234,567 / number cells, exact decimals
    HOUSE_NUMBER = "house_number"
    ALLEY = "alley"
    STREET = "street"
    RESIDENTIAL_GROUP = "residential_group"
    ADDRESS = "address"  # free-text address, parsed to fill the address parts a source lacks


# The address parts, in the order they narrow a place down; a dataset with them is routed to new wards.
ADDRESS_PART_KINDS: tuple[Kind, ...] = (Kind.HOUSE_NUMBER, Kind.ALLEY, Kind.STREET, Kind.RESIDENTIAL_GROUP)
ADDRESS_PARTS: tuple[str, ...] = ("house_number", "alley", "street", "residential_group")


@dataclass(frozen=True)
class Field:
    """One canonical field of a dataset.

    ``columns`` renames the warehouse columns a kind derives (``key``/``unmarked`` of a name, ``precision`` of a
    date, ``kind`` of an ID or phone, ``number`` of a residential group, for sorting "Tổ 5" before "Tổ 12");
    by default they are ``<name>_<part>``.
    """

    name: str
    kind: Kind
    description: str
    required: bool = False
    personal: bool = False
    # DATE, DATETIME: the earliest plausible value, whether a value after the day of the run is impossible (a date
    # of birth cannot be in the future; a dossier's due date can), and whether a year alone will do (a birth date
    # may be known by its year only; a registration needs its day).
    earliest: dt.date | None = None
    not_after_today: bool = False
    day_only: bool = False
    # TEXT, CODE: a regular expression every value must match (a rule of the suite judges it, see
    # data_quality.rules.pattern_rule); None: any value.
    pattern: str | None = None
    # CATEGORY: the canonical codes, and how sources commonly write them (a manifest's value map wins).
    values: tuple[str, ...] = ()
    default_map: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    # TEXT: "sentence" capitalises the first letter ("chủ hộ" → "Chủ hộ").
    case: str | None = None
    columns: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    stored: bool = True  # False: read and used (a free-text address), not a warehouse column

    def column(self, part: str) -> str:
        """Name of a derived warehouse column of this field (see the class docstring)."""
        return self.columns.get(part, f"{self.name}_{part}")

    @property
    def derived_parts(self) -> tuple[str, ...]:
        if self.kind is Kind.DATE and self.day_only:
            return ()  # always a day: nothing to say about its precision
        return {
            Kind.PERSON_NAME: ("key", "unmarked"),
            Kind.DATE: ("precision",),
            Kind.DATETIME: ("precision",),
            Kind.NATIONAL_ID: ("kind",),
            Kind.PHONE: ("kind",),
            Kind.RESIDENTIAL_GROUP: ("number",),
        }.get(self.kind, ())

    def stored_columns(self) -> tuple[str, ...]:
        """The warehouse columns this field becomes: its value, then what its kind derives."""
        if not self.stored:
            return ()
        return (self.name, *(self.column(part) for part in self.derived_parts))


@dataclass(frozen=True)
class PersonRole:
    """A person a record names (a dossier's applicant, a business household's owner), by the fields that
    identify them; the party-links stage links the person to ``dim_person`` where they are identifiable."""

    role: str  # applicant, owner, petitioner
    name: str  # the PERSON_NAME field
    national_id: str | None = None  # the NATIONAL_ID field
    date_of_birth: str | None = None  # the DATE field

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f for f in (self.name, self.national_id, self.date_of_birth) if f is not None)


@dataclass(frozen=True)
class Dataset:
    """A kind of record: its canonical fields and where its accepted records are loaded."""

    name: str  # as manifests write it: `dataset: residents`
    record_table: str  # warehouse table of accepted records, e.g. resident_record
    description: str
    fields: tuple[Field, ...]
    persons: tuple[PersonRole, ...] = ()  # persons the records name, linked to dim_person by party links

    def __post_init__(self) -> None:
        names = [f.name for f in self.fields]
        if len(names) != len(set(names)):
            raise ValueError(f"dataset {self.name}: a field is declared twice")
        if "source_record_id" not in names:
            raise ValueError(f"dataset {self.name}: declares no source_record_id field")
        kinds = {f.name: f.kind for f in self.fields}
        for role in self.persons:
            expected = ((role.name, Kind.PERSON_NAME), (role.national_id, Kind.NATIONAL_ID),
                        (role.date_of_birth, Kind.DATE))  # fmt: skip
            for name, kind in expected:
                if name is not None and kinds.get(name) is not kind:
                    raise ValueError(f"dataset {self.name}: person role {role.role} needs a {kind} field {name!r}")

    @property
    def field_names(self) -> tuple[str, ...]:
        return tuple(f.name for f in self.fields)

    @property
    def required(self) -> frozenset[str]:
        return frozenset(f.name for f in self.fields if f.required)

    def field(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(f"dataset {self.name} has no field {name!r}")

    def of_kind(self, *kinds: Kind) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if f.kind in kinds)

    @property
    def routed(self) -> bool:
        """A dataset whose records carry an address is routed to new wards record by record."""
        return bool(self.of_kind(*ADDRESS_PART_KINDS, Kind.ADDRESS))

    @property
    def records_asset(self) -> str:
        """The load asset's name: the record table's name in the plural (`resident_record` → `resident_records`)."""
        return f"{self.record_table}s"


@cache
def registry() -> Mapping[str, Dataset]:
    """Every dataset declared in this package (one module each, exposing ``DATASET``), by name."""
    found: dict[str, Dataset] = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        declared = getattr(module, "DATASET", None)
        if isinstance(declared, Dataset):
            found[declared.name] = declared
    return MappingProxyType(found)


def dataset(name: str) -> Dataset:
    """The dataset called ``name``; an unknown name lists the known ones."""
    known = registry()
    if name not in known:
        raise KeyError(f"dataset {name!r} is unknown; expected one of {sorted(known)}")
    return known[name]


def personal_kinds() -> Mapping[str, Kind]:
    """Field name → kind of every personal field of every dataset (the masking layer's lookup).

    A field name means the same thing in every dataset that uses it (``full_name`` is always a person's
    name), so a name is personal everywhere once any dataset declares it personal.
    """
    out: dict[str, Kind] = {}
    for ds in registry().values():
        for f in ds.fields:
            if f.personal:
                out[f.name] = f.kind
                for column in f.stored_columns()[1:]:
                    if f.kind is Kind.PERSON_NAME:
                        out[column] = f.kind
    return MappingProxyType(out)
