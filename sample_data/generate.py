"""``generate``: one roster per former ward in the landing zone, and the ground truth beside it.

Deterministic for a given seed and scale (same bytes): every stage draws from its own ``random.Random``
seeded by text, so changing how one ward's roster is damaged does not reshuffle the people of another.
"""

from __future__ import annotations

import logging
import random
import time
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from data_quality.rules import RECORD_ID_DUPLICATE
from sample_data.city import write_city_routing
from sample_data.datasets import manifest_documents, write_other_datasets
from sample_data.defects import DefectRates, Rendered, Renderer
from sample_data.geography import RoutingTableUnusable, WardGeography, build_geography
from sample_data.population import Household, Person, Population, build_population, residence_of
from sample_data.profiles import (
    AS_OF,
    ETHNICITY,
    NOTE,
    OCCUPATION,
    ROW_NUMBER,
    ROWID,
    UPDATED,
    Profile,
    file_name,
    manifest_document,
    manifest_filename,
    profile_for,
)
from sample_data.truth import TruthWriter, empty_persons
from sample_data.writers import Cell, as_of_text, office_name, write_csv, write_json, write_sqlite, write_xlsx
from schemas import SHIPPED_ROUTING
from schemas.admin_units import FormerWard, expand_new_wards, former_wards, undivided_successors

log = logging.getLogger(__name__)

# Residents per residential group at scale 1. With the shipped routing table this gives ≈ 135,000 people in
# groups that went to the new Tương Mai (the real ward has about 136,000) and ≈ 234,000 in the ten former
# wards together, since parts of each went to neighbours.
PERSONS_PER_GROUP = 800
# The new ward whose former wards the shipped manifests and routing table describe.
DEFAULT_NEW_WARD = "00322"


class SampleDataError(ValueError):
    """The generator was asked for something it cannot do (bad scale, truth inside the landing zone, …)."""


@dataclass(frozen=True)
class GenerationReport:
    """What was written, for the CLI's summary."""

    landing: Path
    truth_dir: Path
    seed: int
    scale: float
    rows_per_ward: dict[str, int]
    profiles: dict[str, str]
    files: list[Path]
    truth_files: list[Path]
    persons: int
    households: int
    dispositions: dict[str, int]
    seconds: float
    # The other datasets: rows written per dataset and former ward (residents are ``rows_per_ward``).
    dataset_rows: dict[str, dict[str, int]] = field(default_factory=dict)
    # For a ward set other than the shipped one: where its manifests and routing table were written.
    sources_dir: Path | None = None
    routing_table: Path | None = None
    routing_kinds: dict[str, int] = field(default_factory=dict)

    def describe(self) -> str:
        """A plain-text summary for the command line (no personal data in it)."""
        lines = [
            f"Sample data (seed {self.seed}, scale {self.scale:g}) in {self.seconds:.1f} s",
            f"  landing zone: {self.landing}",
            f"  truth:        {self.truth_dir}",
            "",
            f"  {'former ward':<12}{'profile':<15}{'rows':>9}",
        ]
        for code, rows in self.rows_per_ward.items():
            lines.append(f"  {code:<12}{self.profiles[code]:<15}{rows:>9,}")
        total = sum(self.rows_per_ward.values())
        lines.append(f"  {'total':<27}{total:>9,}")
        lines.append("")
        lines.append(f"  persons {self.persons:,}, households {self.households:,}")
        shares = ", ".join(f"{k} {v:,} ({v / total:.1%})" for k, v in self.dispositions.items()) if total else ""
        lines.append(f"  expected dispositions: {shares}")
        for dataset, per_ward in self.dataset_rows.items():
            lines.append(f"  {dataset}: {sum(per_ward.values()):,} rows in {len(per_ward)} former wards")
        if self.sources_dir is not None:
            lines.append(f"  manifests:    {self.sources_dir}")
        if self.routing_table is not None:
            kinds = ", ".join(f"{k} {v}" for k, v in self.routing_kinds.items())
            lines.append(f"  routing:      {self.routing_table} (former units by rules: {kinds})")
        if self.sources_dir is not None or self.routing_table is not None:
            lines.append("  run it with: wardmerge run --ward … --landing OUT --sources MANIFESTS --routing ROUTING")
        return "\n".join(lines)


def generate(
    out: Path,
    *,
    scale: float = 1.0,
    seed: int = 42,
    ward: str = "00322",
    routing: Path | None = None,
    truth: Path | None = None,
    rates: DefectRates | None = None,
    datasets: tuple[str, ...] | None = None,
    sources: Path | None = None,
) -> GenerationReport:
    """Write ``out/<former ward>/nhan_khau_2025-06.<ext>`` for every former ward of ``ward``, and the truth.

    ``truth`` defaults to ``out.parent / "truth"`` and must not lie inside ``out``: the pipeline reads the
    landing zone, and the truth would be a record it must never see.

    ``ward`` may name several new wards or a city (``all-hanoi``). The shipped manifests and routing table serve
    Tương Mai only, so for any other ward set the manifests go to ``sources`` (default ``out.parent / "sources"``)
    and, unless ``routing`` is given, a routing table to ``out.parent / "routing.csv"`` (sample_data/city.py:
    shipped rules where they exist, made-up rules for other divided units, none for units that went whole).
    """
    started = time.perf_counter()
    if not 0 < scale <= 20:
        raise SampleDataError(f"scale must be > 0 and ≤ 20 (1 ≈ the real ward), got {scale}")
    rates = rates or DefectRates()
    out = Path(out)
    truth_dir = Path(truth) if truth is not None else out.parent / "truth"
    if _inside(truth_dir, out):
        raise SampleDataError(f"truth directory {truth_dir} is inside the landing zone {out}; put it beside it")
    formers = _former_wards(ward)
    own_set = [f.code for f in formers] != [f.code for f in former_wards(DEFAULT_NEW_WARD)]
    routing_kinds: dict[str, int] = {}
    written_routing: Path | None = None
    if routing is None and own_set:
        written_routing = out.parent / "routing.csv"
        routing_kinds = write_city_routing(written_routing, formers, SHIPPED_ROUTING, seed)
    routing_path = Path(routing) if routing is not None else written_routing or SHIPPED_ROUTING
    if not routing_path.is_file():
        raise SampleDataError(f"routing table {routing_path} does not exist")
    sources_dir = Path(sources) if sources is not None else (out.parent / "sources" if own_set else None)
    if sources_dir is not None and _inside(sources_dir, out):
        raise SampleDataError(f"manifest directory {sources_dir} is inside the landing zone {out}; put it beside it")

    try:
        geographies = build_geography(
            routing_path,
            [f.code for f in formers],
            random.Random(f"{seed}/geography"),
            wholesale=undivided_successors(),
        )
    except RoutingTableUnusable as exc:
        raise SampleDataError(str(exc)) from exc
    population = build_population(
        random.Random(f"{seed}/population"),
        geographies,
        scale=scale,
        as_of=AS_OF,
        persons_per_group=PERSONS_PER_GROUP,
        unlisted_share=rates.unlisted_street_share,
        twin_share=rates.twins,
        namesake_share=rates.namesakes,
        listed_twice_share=rates.listed_twice,
        twin_lookalike_name_share=rates.twin_lookalike_names,
        same_day_namesake_share=rates.namesakes_same_day,
        moved_permanent_share=rates.moved_registered_permanently,
        temporary_lapsed_share=rates.temporary_lapsed,
    )

    truth_writer = TruthWriter(truth_dir)
    files: list[Path] = []
    rows_per_ward: dict[str, int] = {}
    profiles: dict[str, str] = {}
    dispositions: Counter[str] = Counter()
    listings: Counter[int] = Counter()
    try:
        for index, former in enumerate(formers):
            profile = profile_for(index)
            profiles[former.code] = profile.key
            path, count = _write_ward(
                out,
                former,
                profile,
                population,
                geographies[former.code],
                rates,
                seed,
                truth_writer,
                dispositions,
                listings,
            )
            truth_writer.flush()
            files.append(path)
            rows_per_ward[former.code] = count
            log.info("wrote %s rows for former ward %s (%s)", count, former.code, profile.key)
        truth_files = truth_writer.close(_persons_truth(population, listings))
    except BaseException:
        truth_writer.abort()
        raise
    dataset_rows, other_files, other_truth = write_other_datasets(
        out, truth_dir, formers, population, geographies, seed=seed, scale=scale, datasets=datasets
    )
    if sources_dir is not None:
        _write_manifests(sources_dir, formers)
    return GenerationReport(
        landing=out,
        truth_dir=truth_dir,
        seed=seed,
        scale=scale,
        rows_per_ward=rows_per_ward,
        profiles=profiles,
        files=files + other_files,
        truth_files=truth_files + other_truth,
        persons=len(population.persons),
        households=len({h.household_id for h in population.households}),
        dispositions=dict(sorted(dispositions.items())),
        seconds=time.perf_counter() - started,
        dataset_rows=dataset_rows,
        sources_dir=sources_dir,
        routing_table=written_routing,
        routing_kinds=routing_kinds,
    )


def _write_manifests(directory: Path, formers: list[FormerWard]) -> None:
    """The manifests that read what was written, one per former ward and dataset (as schemas/sources/ holds)."""
    directory.mkdir(parents=True, exist_ok=True)
    documents = {manifest_filename(f): manifest_document(profile_for(i), f) for i, f in enumerate(formers)}
    documents |= manifest_documents(formers)
    for name, text in documents.items():
        (directory / name).write_text(text, encoding="utf-8")


def _former_wards(ward: str) -> list[FormerWard]:
    """Former wards of one new ward, or of several ("00322,00331", "all-hanoi"), each once, in code order."""
    codes = expand_new_wards(ward)
    if not codes:
        raise SampleDataError("no new ward code given")
    found: dict[str, FormerWard] = {}
    for code in codes:
        try:
            formers = former_wards(code)
        except KeyError as exc:
            raise SampleDataError(f"new ward {code} is not in the registry of new units") from exc
        if not formers:
            raise SampleDataError(f"new ward {code} has no former wards in the registry")
        for former in formers:
            found.setdefault(former.code, former)
    return [found[c] for c in sorted(found)]


def _inside(path: Path, parent: Path) -> bool:
    try:
        path.resolve().relative_to(parent.resolve())
    except ValueError:
        return False
    return True


def _address_tail(former: FormerWard) -> str:
    """The tail clerks add to a free-text address: "phường Mai Động, quận Hoàng Mai, Hà Nội"."""
    district = former.district_name or ""
    if not district:
        return f"phường {former.short_name}, Hà Nội"
    if district.startswith("Quận "):
        district = "quận " + district.removeprefix("Quận ")
    return f"phường {former.short_name}, {district}, Hà Nội"


def _occupation(rng: random.Random, age: int) -> str:
    if age < 6:
        return ""
    if age < 18:
        return "Học sinh"
    if age < 23 and rng.random() < 0.6:
        return "Sinh viên"
    if age >= 60:
        return "Hưu trí" if rng.random() < 0.8 else "Lao động tự do"
    return rng.choice(("Cán bộ", "Công nhân", "Kinh doanh", "Lao động tự do", "Nội trợ", "Nhân viên văn phòng"))


def _write_ward(
    out: Path,
    former: FormerWard,
    profile: Profile,
    population: Population,
    geography: WardGeography,
    rates: DefectRates,
    seed: int,
    truth: TruthWriter,
    dispositions: Counter[str],
    listings: Counter[int],
) -> tuple[Path, int]:
    rng = random.Random(f"{seed}/render/{former.code}")
    renderer = Renderer(
        profile,
        geography,
        rates,
        rng,
        AS_OF,
        _address_tail(former),
        population.listed_twice,
        random.Random(f"{seed}/render/{former.code}/registration"),
    )
    directory = out / former.code
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / file_name(profile)
    relative = f"{former.code}/{path.name}"

    skip = int(profile.options.get("skip_rows", 0))  # type: ignore[call-overload]
    header = int(profile.options.get("header_rows", 1))  # type: ignore[call-overload]
    first_row = {"csv": 2, "xlsx": skip + header + 1, "json": 1, "sqlite": 1}[profile.format]

    households = sorted(population.by_ward[former.code], key=lambda h: (h.group, h.hid))
    rows: list[list[Cell]] = []
    derived_keys: set[tuple[str, str, str]] = set()
    record_seq = rng.randint(100, 5000)
    household_seq = rng.randint(10, 900)
    for hh in households:
        household_seq += rng.randint(1, 3)
        source_household = _code(profile.household_code, household_seq, former.code, rng)
        truth.add_household(
            household_id=hh.household_id,
            listing="second" if hh.listing_of is not None else "first",
            former_ward_code=former.code,
            source_household_code=str(source_household),
            residential_group=hh.group,
            street=hh.address.street,
            alley=hh.address.alley,
            house_number=hh.address.house_text,
            new_ward_code=hh.new_ward,
            members=len(hh.members),
        )
        for member in hh.members:
            person = member.person
            record_seq += rng.randint(1, 3)
            record_id = _code(profile.record_id, record_seq, former.code, rng) if profile.record_id else None
            rendered = renderer.render(hh, member, str(source_household))
            if record_id is None:
                _check_derived_key(rendered, str(source_household), derived_keys)
            row_number = first_row + len(rows)
            rows.append(
                _cells(profile, rendered.values, record_id, source_household, person, member.second, rng, len(rows) + 1)
            )
            dispositions[rendered.disposition] += 1
            listings[person.pid] += 1
            truth.add_resident(
                former_ward_code=former.code,
                dataset="residents",
                source_file=relative,
                source_row=row_number,
                source_record_id=None if record_id is None else str(record_id),
                expected_disposition=rendered.disposition,
                expected_rules=rendered.rules,
                expected_flags=sorted(rendered.flags),
                expected_new_ward_code=hh.new_ward,
                person_id=person.person_id,
                household_id=hh.household_id,
                full_name=person.full_name,
                date_of_birth=person.dob,
                sex=person.sex,
                national_id=person.cccd,
                phone=person.phone,
                listing="second" if member.second else "first",
                lookalike_kind=person.lookalike_kind,
                lookalike_group=person.lookalike_group,
                variations=rendered.variations,
                true_residential_group=hh.group,
                true_street=hh.address.street,
                true_alley=hh.address.alley,
                true_house_number=hh.address.house_text,
                residence_type=member.residence,
                registration_date=member.registered,
                registration_end_date=member.until,
            )

    if profile.format == "csv":
        write_csv(path, profile, rows)
    elif profile.format == "xlsx":
        titles = _titles(profile, former)
        write_xlsx(path, profile, rows, titles)
    elif profile.format == "json":
        write_json(path, profile, rows, office_name(former.short_name))
    elif profile.format == "sqlite":
        integer_columns = {
            label for label, fld in profile.columns if fld in ("sex", "residence_type", "residential_group")
        }
        write_sqlite(path, profile, rows, integer_columns)
    else:  # pragma: no cover - profiles are fixed above
        raise SampleDataError(f"profile {profile.key} has unknown format {profile.format}")
    return path, len(rows)


def _key_text(value: object) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split()).casefold() if value else ""


def _check_derived_key(rendered: Rendered, household: str, seen: set[tuple[str, str, str]]) -> None:
    """Without an id column the pipeline derives one from name, birth date and household (`record_id_from`, see
    docs/manifests.md): two records with the same three values get the same id; the second is quarantined."""
    key = (_key_text(rendered.values["full_name"]), _key_text(rendered.values["date_of_birth"]), _key_text(household))
    if not all(key):
        return
    if key in seen:
        rules = rendered.rules if rendered.disposition == "quarantine" else []
        rendered.rules = [RECORD_ID_DUPLICATE, *rules]
        rendered.disposition = "quarantine"
        rendered.variations.append("derived_id_duplicate")
        return
    seen.add(key)


def _titles(profile: Profile, former: FormerWard) -> list[str]:
    skip = int(profile.options.get("skip_rows", 0))  # type: ignore[call-overload]
    name = former.short_name.upper()
    if skip == 3:
        return [
            f"ỦY BAN NHÂN DÂN PHƯỜNG {name}",
            f"DANH SÁCH NHÂN KHẨU PHƯỜNG {name}",
            f"(Tính đến ngày {as_of_text()})",
        ]
    if skip == 1:
        return [f"DANH SÁCH NHÂN KHẨU - PHƯỜNG {name} (cập nhật {as_of_text()})"]
    return [f"DANH SÁCH NHÂN KHẨU PHƯỜNG {name}"][:skip]


def _code(template: str | None, seq: int, former_code: str, rng: random.Random) -> str | int:
    """Source codes as each office numbers them; "{n}" alone is a number (an Excel number cell)."""
    if template is None:
        raise SampleDataError("no code template")
    if template == "{n}":
        return int(f"{former_code[2:]}{seq:05d}")
    if template == "{hex}":
        return f"{rng.getrandbits(48):012x}"
    return template.format(n=seq)


def _age(person: Person) -> int:
    dob = person.dob
    return AS_OF.year - dob.year - ((AS_OF.month, AS_OF.day) < (dob.month, dob.day))


def _cells(
    profile: Profile,
    values: dict[str, object],
    record_id: str | int | None,
    household_code: str | int,
    person: Person,
    second: bool,
    rng: random.Random,
    row_index: int,
) -> list[Cell]:
    """The row as typed cells: what the office's tool stored (numbers, dates, text, empty)."""
    spreadsheet = profile.format == "xlsx"
    numeric = profile.numeric_share
    cells: list[Cell] = []
    for _label, fld in profile.columns:
        value: object
        if fld == ROW_NUMBER or fld == ROWID:
            value = row_index
        elif fld == ETHNICITY:
            value = "Ê Đê" if person.highland else "Kinh"
        elif fld == OCCUPATION:
            value = _occupation(rng, _age(person))
        elif fld == NOTE:
            value = f"Chuyển đến năm {rng.randint(2019, 2025)}" if second and rng.random() < 0.3 else ""
        elif fld == UPDATED:
            stamp = datetime(2019, 1, 1, 8) + timedelta(seconds=rng.randrange(6 * 365 * 86400))
            value = stamp.strftime("%Y-%m-%d %H:%M:%S")
        elif fld == "source_record_id":
            value = record_id
        elif fld == "household_id":
            value = household_code
        else:
            value = values.get(fld, "")
        if value == "" and profile.format in ("json", "sqlite", "xlsx"):
            value = None
        elif isinstance(value, str) and value.isdigit() and len(value) < 16:
            if fld == "national_id" and spreadsheet and values["_id_numeric_ok"] and rng.random() < numeric:
                value = int(value)
            elif fld == "phone" and spreadsheet and rng.random() < numeric:
                value = int(value)
            elif fld in ("residential_group", "house_number") and (
                profile.format == "sqlite" and fld == "residential_group" or spreadsheet and rng.random() < numeric
            ):
                value = int(value)
        if profile.format == "csv" and not isinstance(value, str):
            value = "" if value is None else str(value)
        cells.append(value)  # type: ignore[arg-type]
    return cells


def _persons_truth(population: Population, listings: Counter[int]) -> dict[str, list[object]]:
    """One row per person: attributes, and where they live by the Law on Residence 2020 (``residence_of``)."""
    persons = empty_persons()
    households: dict[int, Household] = {}
    for hh in population.households:
        households.setdefault(hh.hid, hh)
    listed = population.listings()
    for person in population.persons:
        home = households[person.home_hid]
        residence = residence_of(listed[person.pid], population.as_of)
        row = dict(
            person_id=person.person_id,
            household_id=home.household_id,
            full_name=person.full_name,
            date_of_birth=person.dob,
            sex=person.sex,
            national_id=person.cccd,
            cmnd=person.cmnd,
            phone=person.phone,
            birth_province_code=person.province,
            lookalike_kind=person.lookalike_kind,
            lookalike_group=person.lookalike_group,
            new_ward_code=residence.current_ward,
            current_new_ward_code=residence.current_ward,
            current_residential_group=residence.current_group,
            permanent_new_ward_code=residence.permanent_ward,
            permanent_residential_group=residence.permanent_group,
            listings=listings[person.pid],
        )
        for name, column in persons.items():
            column.append(row[name])
    return persons
