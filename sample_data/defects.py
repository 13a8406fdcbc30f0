"""How a roster damages the truth: the defect rates, and the rendering of one listing into one source record.

Every random choice that could change a record's disposition is deliberate and recorded: a record is
quarantined exactly when a quarantine defect was injected, sent to review exactly when the routing
semantics cannot place what the record says, and flagged exactly when a field is written empty, partial or
unreadable. Everything else (ALL CAPS names, tone placement, +84 phones, CMND instead of CCCD, group spelt
"TDP số 05", Excel dropping leading zeros) changes how a value looks, never what the pipeline must decide.
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field, fields
from datetime import date, timedelta

from data_quality.rules import (
    RECORD_ID_DUPLICATE,
    RECORD_ID_MISSING,
    ROUTING_RULES,
    TEXT_CONTROL_CHARACTERS,
    UNKNOWN_GROUP_AND_STREET,
    rules_of,
)
from sample_data.geography import WardGeography
from sample_data.identifiers import (
    cccd_contradicting,
    cccd_with_typo,
    has_old_prefix,
    id_bad_length,
    id_not_digits,
    phone_unparseable,
    phone_written,
)
from sample_data.names import caps_without_marks, has_movable_tone, restyle_tones
from sample_data.population import Household, Member, Person
from sample_data.profiles import Profile

# The rules the defect rates inject, from the rules table (one rate per content rule of the residents suite):
# record identity is broken through empty or repeated key fields instead, and control characters, a residence
# type outside the value map, are never generated.
_NOT_INJECTED = {RECORD_ID_MISSING, RECORD_ID_DUPLICATE, TEXT_CONTROL_CHARACTERS, "residence_type_unmapped"}
QUARANTINE_RULES = tuple(r.name for r in rules_of("residents", "quarantine") if r.name not in _NOT_INJECTED)
FLAG_RULES = tuple(r.name for r in rules_of("residents", "flag") if r.name not in _NOT_INJECTED)
REVIEW_REASONS = tuple(r.name for r in ROUTING_RULES)


class DefectRateError(ValueError):
    """A defect rate is outside [0, 1] or the quarantine rates add up to more than 1."""


@dataclass(frozen=True)
class DefectRates:
    """Probabilities per listing (a person's line in one roster) unless said otherwise.

    The defaults aim at what ward rosters look like: about 2% of records carry a defect that must be
    quarantined, 2–3% cannot be placed in a new ward, 10–20% have no phone, about 5% no ID, and 3–5% of
    people are listed in two former wards.
    """

    # -- quarantine defects (together 2%) ---------------------------------------------------------------
    name_missing: float = 0.002  # name cell left empty
    dob_missing: float = 0.002  # birth date cell left empty
    dob_unparseable: float = 0.003  # "??/03/1985", "không rõ": no date shape at all
    dob_impossible: float = 0.003  # 31/02/1980, 31/04/1990: date shape, no such day
    dob_in_future: float = 0.001  # 1985 typed as 2085
    dob_before_1900: float = 0.001  # 1985 typed as 1885
    national_id_not_digits: float = 0.002  # letter O for zero, l for one
    national_id_bad_length: float = 0.002  # a digit dropped or doubled (11 or 13 digits; 8 or 10 for CMND)
    national_id_contradicts_cccd: float = 0.002  # CCCD digits 4–6 disagree with sex or birth year
    sex_unmapped: float = 0.002  # "?", "Không rõ", code 9: not in the manifest's value map
    # -- accepted with a flag ---------------------------------------------------------------------------
    national_id_missing: float = 0.03  # ID left empty, adults (children: ``national_id_missing_child``)
    national_id_missing_child: float = 0.25  # under-14s often have no ID in the roster
    phone_missing: float = 0.03  # a phone the person has, not written (people without one: always empty)
    phone_unparseable: float = 0.005  # number cut short while typing
    dob_year_only_elderly: float = 0.06  # people born before 1960 known only by birth year
    # -- routing -----------------------------------------------------------------------------------------
    group_missing: float = 0.045  # no residential group: placed by street if the street decides
    group_and_street_missing: float = 0.006  # neither group nor street (→ review no_group_or_street)
    group_unknown: float = 0.004  # a group number the routing table does not have (renumbered groups)
    unlisted_street_share: float = 0.08  # households on small streets the routing table omits
    # -- look-alikes and people listed twice (shares of persons) -----------------------------------------
    listed_twice: float = 0.04  # people listed in a second former ward (moved households, lodgers)
    moved_registered_permanently: float = 0.3  # moved households registered permanently at the new address
    twins: float = 0.007  # people who are one of a twin pair
    twin_lookalike_names: float = 0.3  # twins whose given names look alike (Hạnh/Ánh, Anh/Ánh, Hùng/Hưng)
    namesakes: float = 0.007  # people sharing full name and birth year with another person
    namesakes_same_day: float = 0.001  # people given a namesake born the same day in another former ward
    # -- residence registrations (where the roster keeps them) ---------------------------------------------
    temporary_lapsed: float = 0.1  # temporary registrations whose term ended before the as-of date
    registration_date_blank: float = 0.03  # registration date cell left empty
    registration_date_blank_before_2015: float = 0.25  # …for registrations migrated from paper household books
    registration_end_blank: float = 0.05  # end date of a temporary registration left empty
    registration_date_unparseable: float = 0.002  # "??/05/2019", "chưa rõ": flagged, stored null (each field)
    # -- variations that change how a value looks, not the disposition ------------------------------------
    tone_style_flip: float = 0.15  # hòa written hoà (or back), where the name allows it
    cmnd_for_older: float = 0.10  # in rosters that keep CMNDs: people 30+ listed with the 9-digit CMND
    cmnd_listed_twice: float = 0.5  # the same for people listed in two former wards (CMND here, CCCD there)
    national_id_typo: float = 0.003  # one of the six random CCCD digits mistyped (still valid)
    national_id_spaced: float = 0.02  # "001 085 012 345"
    phone_old_eleven_digit: float = 0.08  # 0168… written for today's 038… (when the prefix converted)
    phone_plus84: float = 0.06  # +84 / 84 for the leading 0
    phone_spaced: float = 0.12  # "0912 345 678", "0912.345.678"
    curly_apostrophe: float = 0.5  # H'Hen written H’Hen (where the encoding allows it)
    # -- the older listing of a person listed twice (copied from older papers) -----------------------------
    second_name_variant: float = 0.35  # dropped middle name, unmarked, tone style, one-mark typo
    second_dob_variant: float = 0.12  # day/month swapped, a day off, or year only (same year always)
    second_id_missing: float = 0.10

    def __post_init__(self) -> None:
        for f in fields(self):  # every field is a probability
            value = getattr(self, f.name)
            if not 0.0 <= value <= 1.0:
                raise DefectRateError(f"defect rate {f.name} must be within [0, 1], got {value}")
        if sum(getattr(self, r) for r in QUARANTINE_RULES) > 1.0:
            raise DefectRateError("quarantine defect rates add up to more than 1")

    def quarantine_total(self) -> float:
        return sum(getattr(self, r) for r in QUARANTINE_RULES)


@dataclass
class Rendered:
    """One source record (canonical field → cell value) and what the pipeline must decide about it."""

    values: dict[str, object]
    disposition: str
    rules: list[str]
    flags: list[str]
    variations: list[str] = field(default_factory=list)


_UNPARSEABLE_FORMS = ("??/{m:02d}/{y}", "không rõ", "{d:02d}/{m:02d}/19??", "{y}?", "chưa rõ", "??/??/{y}")
_IMPOSSIBLE_DAYS = ((31, 2), (30, 2), (31, 4), (31, 6), (31, 9), (31, 11))
_TONE_MARKS = ("\u0300", "\u0301", "\u0303", "\u0309", "\u0323")


def format_date_parts(pattern: str, year: int, month: int, day: int) -> str:
    """strftime for %d %m %Y only, so impossible dates (31/02) can be written too."""
    return pattern.replace("%d", f"{day:02d}").replace("%m", f"{month:02d}").replace("%Y", f"{year:04d}")


def _weighted(rng: random.Random, options: tuple[tuple[str, float], ...]) -> str:
    total = sum(w for _, w in options)
    roll = rng.random() * total
    for value, weight in options:
        if roll < weight:
            return value
        roll -= weight
    return options[-1][0]


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def _mark_typo(rng: random.Random, name: str) -> str:
    """Change or drop the tone mark of one syllable ("Hương" → "Hường"): a realistic keying slip."""
    words = name.split(" ")
    marked = [i for i, w in enumerate(words) if any(c in _TONE_MARKS for c in unicodedata.normalize("NFD", w))]
    if not marked:
        return name
    i = rng.choice(marked)
    chars = list(unicodedata.normalize("NFD", words[i]))
    at = next(k for k, c in enumerate(chars) if c in _TONE_MARKS)
    tone = chars.pop(at)
    replacement = rng.choice([t for t in (*_TONE_MARKS, "") if t != tone])
    # The tone goes after the vowel's quality mark (ê = e + circumflex): both share a combining class,
    # so normalisation keeps their order and "e, hook, circumflex" would not compose to "ể".
    end = at
    while end < len(chars) and unicodedata.combining(chars[end]):
        end += 1
    chars.insert(end, replacement)
    words[i] = unicodedata.normalize("NFC", "".join(chars))
    return " ".join(words)


@dataclass(frozen=True, slots=True)
class _WrittenAddress:
    group: str
    street: str
    alley: str
    house: str
    free_text: str
    group_number: int | None  # what routing sees: None when no group is written
    street_given: bool


class Renderer:
    """Renders the listings of one former ward's roster with one profile and one random stream."""

    def __init__(
        self,
        profile: Profile,
        geography: WardGeography,
        rates: DefectRates,
        rng: random.Random,
        as_of: date,
        address_tail: str = "",
        listed_twice: frozenset[int] = frozenset(),
        registration_rng: random.Random | None = None,
    ) -> None:
        self.profile, self.geo, self.rates, self.rng, self.as_of = profile, geography, rates, rng, as_of
        # Registration cells draw from their own stream, so the other columns do not depend on whether a
        # profile keeps registrations.
        self.registration_rng = registration_rng or random.Random(0)
        self.keeps = {f: profile.label_of(f) is not None for f in ("registration_date", "registration_end_date")}
        self.address_tail = address_tail  # "phường Mai Động, quận Hoàng Mai, Hà Nội" for free-text addresses
        self.free_text = profile.label_of("address") is not None
        self.listed_twice = listed_twice  # person ids with two listings
        self._quarantine = tuple((r, getattr(rates, r)) for r in QUARANTINE_RULES)
        self._q_total = rates.quarantine_total()
        self._max_group = max(geography.group_ward)

    # -- one listing ----------------------------------------------------------------------------------
    def render(self, hh: Household, member: Member, source_household: str) -> Rendered:
        """One source record. The variants of a person listed twice (``second_*`` rates) go on the older of
        the two registrations: it was copied from older papers."""
        rng, person = self.rng, member.person
        older = member.older
        variations: list[str] = []
        rule = None
        if rng.random() < self._q_total:
            rule = _weighted(rng, self._quarantine)

        name = self._name(person, older, variations)
        if rule == "name_missing":
            name = ""

        dob_value, year_only = self._dob(person, older, rule, variations)
        sex_value = self._sex(person, rule)
        id_value, id_numeric_ok = self._national_id(person, older, rule, year_only, variations)
        registered, until, registration_flags = self._registration(member, variations)
        phone_value, phone_status = self._phone(person, variations)
        written = self._address(hh, variations)
        placement = self.geo.place(
            written.group_number,
            hh.address.street if written.street_given else None,
            hh.address.alley,
            hh.address.house,
        )

        values: dict[str, object] = {
            "full_name": name,
            "date_of_birth": dob_value,
            "sex": sex_value,
            "national_id": id_value,
            "phone": phone_value,
            "house_number": written.house,
            "address": written.free_text,
            "alley": written.alley,
            "street": written.street,
            "residential_group": written.group,
            "household_id": source_household,
            "relation_to_head": self._caps(member.relation),
            "residence_type": self.profile.residence_labels[0 if member.residence == "permanent" else 1],
            "registration_date": registered,
            "registration_end_date": until,
            "_group_number": written.group_number,
            "_id_numeric_ok": id_numeric_ok,
            "_phone_digits_only": phone_value.isdigit() if isinstance(phone_value, str) else False,
            "_year_only": year_only,
        }
        flags = []
        if not id_value:
            flags.append("national_id_missing")
        if phone_status == "missing":
            flags.append("phone_missing")
        elif phone_status == "unparseable":
            flags.append("phone_unparseable")
        if year_only and rule is None:
            flags.append("dob_year_only")
        flags.extend(registration_flags)
        if rule is not None:
            rules = [rule]
            if self.profile.record_id is None and rule in ("name_missing", "dob_missing"):
                # A source without an id column derives it from name, birth date and household: with a key
                # field empty there is no id either, and the pipeline says so first.
                rules.insert(0, RECORD_ID_MISSING)
            return Rendered(values, "quarantine", rules, flags, variations)
        if placement.new_ward_code is None:
            return Rendered(values, "review", [placement.reason or UNKNOWN_GROUP_AND_STREET], flags, variations)
        return Rendered(values, "loaded", sorted(flags), flags, variations)

    # -- fields ---------------------------------------------------------------------------------------
    def _caps(self, text: str) -> str:
        return text.upper() if self.profile.caps_marked else text

    def _name(self, person: Person, second: bool, variations: list[str]) -> str:
        rng, rates = self.rng, self.rates
        name = person.full_name
        if second and rng.random() < rates.second_name_variant and person.highland is None:
            kind = rng.choice(("drop_middle", "unmarked", "tone", "typo"))
            if kind == "drop_middle" and person.middle and " " not in person.middle:
                name = f"{person.family} {person.given}"
            elif kind == "unmarked":
                name = caps_without_marks(name).title()
            elif kind == "tone" and has_movable_tone(name):
                name = restyle_tones(name, "new" if restyle_tones(name, "old") == name else "old")
            else:
                kind = "typo"
                name = _mark_typo(rng, name)
            variations.append(f"name_{kind}")
        elif has_movable_tone(name) and rng.random() < rates.tone_style_flip:
            name = restyle_tones(name, "new" if restyle_tones(name, "old") == name else "old")
            variations.append("name_tone_style")
        if "'" in name and self.profile.encoding not in ("tcvn3",) and rng.random() < rates.curly_apostrophe:
            name = name.replace("'", "\u2019")
            variations.append("name_curly_apostrophe")
        if self.profile.caps_share and rng.random() < self.profile.caps_share:
            name = caps_without_marks(name)
            variations.append("name_caps_unmarked")
        elif self.profile.caps_marked:
            name = name.upper()
        return name

    def _dob(self, person: Person, second: bool, rule: str | None, variations: list[str]) -> tuple[object, bool]:
        """The birth date cell: a date (xlsx date cells), or text in the office's format; year-only flag."""
        rng, pattern = self.rng, self.profile.written_date
        dob = person.dob
        if rule == "dob_missing":
            return "", False
        if rule == "dob_unparseable":
            form = rng.choice(_UNPARSEABLE_FORMS)
            return form.format(d=dob.day, m=dob.month, y=dob.year), False
        if rule == "dob_impossible":
            choices = list(_IMPOSSIBLE_DAYS)
            if not (dob.year % 4 == 0 and (dob.year % 100 != 0 or dob.year % 400 == 0)):
                choices.append((29, 2))
            day, month = rng.choice(choices)
            return format_date_parts(pattern, dob.year, month, day), False
        if rule == "dob_in_future":
            year = dob.year + 100 if dob.year + 100 >= 2030 else dob.year + 200
            return self._date_cell(_replace_year(dob, year), force_text=True), False
        if rule == "dob_before_1900":
            year = dob.year - 100 if dob.year - 100 < 1900 else dob.year - 200
            return format_date_parts(pattern, year, dob.month, dob.day), False
        year_only = dob.year < 1960 and rng.random() < self.rates.dob_year_only_elderly
        if second and not year_only and rng.random() < self.rates.second_dob_variant:
            kind = rng.choice(("swap", "day_off", "year_only"))
            if (
                kind == "swap"
                and dob.day <= 12
                and dob.day != dob.month
                and date(dob.year, dob.day, dob.month) <= self.as_of
            ):
                dob = date(dob.year, dob.day, dob.month)
            elif kind == "year_only":
                year_only = True
            else:
                kind = "day_off"
                shifted = dob + timedelta(days=rng.choice((-1, 1)))
                if shifted.year == dob.year and shifted <= self.as_of:
                    dob = shifted
            variations.append(f"dob_{kind}")
        if year_only:
            if self.profile.format == "xlsx" and rng.random() < 0.5:
                return dob.year, True
            return str(dob.year), True
        return self._date_cell(dob), False

    def _date_cell(self, dob: date, force_text: bool = False) -> object:
        if not force_text and self.profile.date_cell_share and self.rng.random() < self.profile.date_cell_share:
            return dob
        return format_date_parts(self.profile.written_date, dob.year, dob.month, dob.day)

    def _sex(self, person: Person, rule: str | None) -> object:
        if rule == "sex_unmapped":
            return self.rng.choice(self.profile.unmapped_sex)
        return self.profile.sex_labels[0 if person.sex == "M" else 1]

    def _national_id(
        self, person: Person, second: bool, rule: str | None, year_only: bool, variations: list[str]
    ) -> tuple[str, bool]:
        """The ID cell text and whether a spreadsheet may store it as a number (digits, no defect)."""
        rng, rates = self.rng, self.rates
        if rule in ("dob_in_future", "dob_before_1900"):
            # A CCCD cannot agree with a birth year typed a century off; leave the ID out so that the record
            # fails on its date alone, as the truth says.
            return "", False
        age = _age(person.dob, self.as_of)
        cmnd_rate = rates.cmnd_listed_twice if person.pid in self.listed_twice else rates.cmnd_for_older
        use_cmnd = self.profile.uses_cmnd and person.cmnd is not None and age >= 30 and rng.random() < cmnd_rate
        number = person.cmnd if use_cmnd and person.cmnd else person.cccd
        if use_cmnd:
            variations.append("id_cmnd")
        missing_rate = (
            rates.second_id_missing
            if second
            else (rates.national_id_missing_child if age < 14 else rates.national_id_missing)
        )
        if rule == "national_id_contradicts_cccd":
            return cccd_contradicting(rng, person.cccd, person.sex, person.dob.year), False
        if rule == "national_id_not_digits":
            return id_not_digits(rng, number), False
        if rule == "national_id_bad_length":
            return id_bad_length(rng, number), False
        if rng.random() < missing_rate:
            return "", False
        if not use_cmnd and rng.random() < rates.national_id_typo:
            number = cccd_with_typo(rng, number)
            variations.append("id_typo")
        if rng.random() < rates.national_id_spaced:
            spaced = " ".join(number[i : i + 3] for i in range(0, len(number), 3))
            variations.append("id_spaced")
            return spaced, False
        return number, True

    def _registration(self, member: Member, variations: list[str]) -> tuple[object, object, list[str]]:
        """Registration date and (temporary residence) end date cells, where the office's system keeps them.

        Registrations migrated from the paper household books (before 2015) often have no date; a few cells
        hold text no format reads (flagged by the pipeline, stored null).
        """
        rng, rates, profile = self.registration_rng, self.rates, self.profile
        flags: list[str] = []
        cells: list[object] = ["", ""]
        written = (
            ("registration_date", member.registered, "registration_date"),
            ("registration_end_date", member.until, "registration_end"),
        )
        for i, (field_name, value, tag) in enumerate(written):
            if value is None:
                continue
            if not self.keeps[field_name]:
                variations.append(f"{tag}_not_kept")
                continue
            if i == 1:
                blank = rates.registration_end_blank
            elif value.year < 2015:
                blank = rates.registration_date_blank_before_2015
            else:
                blank = rates.registration_date_blank
            if rng.random() < blank:
                variations.append(f"{tag}_blank")
            elif rng.random() < rates.registration_date_unparseable:
                form = rng.choice(_UNPARSEABLE_FORMS)
                cells[i] = form.format(d=value.day, m=value.month, y=value.year)
                variations.append(f"{tag}_unparseable")
                flags.append(f"{field_name}_unparseable")
            elif profile.date_cell_share and rng.random() < profile.date_cell_share:
                cells[i] = value
            else:
                cells[i] = format_date_parts(profile.written_date, value.year, value.month, value.day)
        return cells[0], cells[1], flags

    def _phone(self, person: Person, variations: list[str]) -> tuple[str, str]:
        rng, rates = self.rng, self.rates
        if person.phone is None or rng.random() < rates.phone_missing:
            return "", "missing"
        if rng.random() < rates.phone_unparseable:
            return phone_unparseable(rng, person.phone), "unparseable"
        roll = rng.random()
        if roll < rates.phone_old_eleven_digit and has_old_prefix(person.phone):
            style = "old11"
        elif roll < rates.phone_old_eleven_digit + rates.phone_plus84:
            style = "plus84" if rng.random() < 0.7 else "84"
        elif roll < rates.phone_old_eleven_digit + rates.phone_plus84 + rates.phone_spaced:
            style = "spaced" if rng.random() < 0.6 else "dotted"
        else:
            style = "plain"
        if style != "plain":
            variations.append(f"phone_{style}")
        return phone_written(rng, person.phone, style), "ok"

    def _address(self, hh: Household, variations: list[str]) -> _WrittenAddress:
        """Written group/street/alley/house (or one free-text address), and what routing will see."""
        rng, rates = self.rng, self.rates
        address = hh.address
        group: int | None = hh.group
        street_given = True
        roll = rng.random()
        if roll < rates.group_and_street_missing:
            group, street_given = None, False
            variations.append("no_group_no_street")
        elif roll < rates.group_and_street_missing + rates.group_missing:
            group = None
            variations.append("no_group")
        elif roll < rates.group_and_street_missing + rates.group_missing + rates.group_unknown:
            group = self._max_group + rng.randint(1, 20)
            variations.append("unknown_group")
        group_text = self._group_text(group) if group is not None else ""
        street_text = self._street_text(address.street) if street_given else ""
        if self.free_text:
            alley_text = self._alley_free_text(address.alley) if street_given and address.alley else ""
            text = self._free_text(address.house_text, alley_text, street_text, group_text)
            return _WrittenAddress("", "", "", "", text, group, street_given)
        alley_text = self._alley_text(address.alley) if street_given and address.alley else ""
        house_text = self._house_text(address.house_text)
        return _WrittenAddress(group_text, street_text, alley_text, house_text, "", group, street_given)

    def _free_text(self, house: str, alley: str, street: str, group: str) -> str:
        """One address string the way clerks type it; the pipeline must split it (``parse_address``)."""
        rng = self.rng
        tail = self.address_tail if self.address_tail and rng.random() < 0.5 else ""
        form = rng.random()
        if form < 0.5:
            parts = [rng.choice((f"Số {house}", f"số nhà {house}", house)), alley, street, group, tail]
            return ", ".join(p for p in parts if p)
        if form < 0.8:
            head = " ".join(p for p in (house, alley, street) if p)
            return ", ".join(p for p in (head, group, tail) if p)
        head = " ".join(p for p in (f"số {house}", alley, street) if p)
        return ", ".join(p for p in (group, head, tail) if p)

    def _alley_free_text(self, alley: str) -> str:
        number = alley.removeprefix("Ngõ ").strip()
        if not number.isdigit():
            return "ngõ " + number
        return self.rng.choice((f"ngõ {number}", f"Ngõ {number}", f"ngõ số {number}"))

    def _group_text(self, number: int) -> str:
        rng = self.rng
        if rng.random() < 0.8:
            style = self.profile.group_styles[0][0]
        else:
            style = _weighted(rng, self.profile.group_styles)
        return style.format(n=number)

    def _street_text(self, street: str) -> str:
        style = _weighted(self.rng, self.profile.street_styles)
        if self.profile.caps_marked:
            return street.upper()
        return {
            "plain": street,
            "pho": f"phố {street}",
            "Pho": f"Phố {street}",
            "duong": f"đường {street}",
            "P.": f"P. {street}",
        }[style]

    def _alley_text(self, alley: str) -> str:
        rng = self.rng
        number = alley.removeprefix("Ngõ ").strip()
        if not number.isdigit():  # a named alley keeps its keyword: the name alone is no alley
            text = alley if rng.random() < 0.7 else "ngõ " + number
        else:
            text = rng.choice((alley, alley, f"ngõ {number}", number, f"Ngõ số {number}"))
        return text.upper() if self.profile.caps_marked else text

    def _house_text(self, house: str) -> str:
        if self.rng.random() < 0.05:
            return f"Số {house}" if not self.profile.caps_marked else f"SỐ {house}"
        return house


def _replace_year(day: date, year: int) -> date:
    try:
        return day.replace(year=year)
    except ValueError:
        return day.replace(year=year, day=28)
