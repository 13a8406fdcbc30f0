"""Comparison columns for person linkage, derived from accepted resident records.

Splink compares columns, so everything a Vietnamese comparison needs is computed here once, in pandas, and
the model's SQL only tests equality, small edit distances and simple arithmetic — SQL that reads the same on
DuckDB and Spark. Why each column exists:

- Names are split into family (first word), middle (the words between) and given (last word), because their
  evidence differs: about 38% of people are Nguyễn, so a family-name match means little, while a rare given
  name means much (term-frequency adjustments, per part). A name written in Western order ("Huy Nguyễn Minh"
  → given first) is put back in Vietnamese order when its last word is a common family name and its first is
  not.
- Each part comes in two forms: ``*_key`` — lower case, NFC, tone placement folded ("hoà" = "hòa"), so two
  spellings of one legal name agree; and ``*_u`` — without any marks, because older systems store names in
  unmarked capitals. The given name has a third, ``given_t``: without its tone mark but with its vowel
  marks ("hường" → "hương", "ánh" → "anh", "hưng" stays "hưng"), so a slipped tone mark (one keystroke) can
  be told apart from another name spelt with the same letters (Hùng/Hưng, Thu/Thư). ``name_marked`` says
  whether the record's name has marks at all: a record without marks can only agree on the unmarked form,
  and that agreement is weaker evidence than a marked one.
  Edit distances are taken on the unmarked (ASCII) form, where a byte, a code point and a letter are the same
  thing, so the distance means "letters" on every backend (DuckDB's ``levenshtein`` on NFD text, or on
  engines that count bytes, would count a tone mark as one or two edits).
- ``name_tokens_u`` is the unmarked name with its words sorted: equal for swapped order.
- Date of birth is split into year/month/day with the precision, so that a day/month swap and a year-only
  value ("1950", accepted with a flag) can be partial agreement instead of disagreement.
- National IDs are kept by kind: a CMND (9 digits, issuing police) and a CCCD (12 digits, birth province)
  of one person are different numbers, which is no disagreement as long as the CCCD fits the other
  record: ``id_code`` is digits 4–6 of a CCCD (century-and-sex digit, two-digit birth year) and
  ``own_code`` the same three digits computed from the record's own sex and birth year.
- ``residence`` is the registration type (permanent / temporary): by the Law on Residence a person has one
  permanent residence and may register temporarily elsewhere, so one person's two listings are typically
  one of each, two strangers typically both permanent.
- Phone is the harmonised 10-digit form; addresses are comparison keys (street without "Phố"/"Đường",
  alley path, leading house number, residential group).
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable
from functools import lru_cache
from typing import Any

import pandas as pd

from assets.lib.addresses import alley_key, house_number_key, normalise_group, street_key
from assets.lib.vietnamese import TONE_MARKS, match_key, strip_marks
from schemas.errors import WardmergeError

__all__ = [
    "FAMILY_NAMES",
    "FEATURE_COLUMNS",
    "FeatureError",
    "REQUIRED_COLUMNS",
    "build_features",
    "split_name",
]


class FeatureError(WardmergeError, ValueError):
    """The records given to linkage lack a column the comparisons need."""


#: Columns of ``resident_record`` (plus ``record_id``) that the features are built from.
REQUIRED_COLUMNS = (
    "record_id",
    "full_name",
    "date_of_birth",
    "dob_precision",
    "sex",
    "national_id",
    "national_id_kind",
    "phone",
    "house_number",
    "alley",
    "street",
    "residential_group",
    "household_id",
    "residence_type",
    "former_ward_code",
)

#: Columns produced by :func:`build_features`, in order (``unique_id`` is the record id).
FEATURE_COLUMNS = (
    "unique_id",
    "family_key",
    "middle_key",
    "given_key",
    "family_u",
    "middle_u",
    "given_u",
    "given_t",
    "name_marked",
    "name_tokens_u",
    "dob",
    "dob_days",
    "dob_year",
    "dob_month",
    "dob_day",
    "dob_year_only",
    "sex",
    "national_id",
    "id_kind",
    "id_code",
    "own_code",
    "phone",
    "residence",
    "street_key",
    "alley_key",
    "house_key",
    "group_key",
)

#: Common Vietnamese family names (unmarked, lower case) that are rarely given names: a name whose last word
#: is one of these and whose first word is not was written in Western order. Family names that are also common
#: given names (Hoàng, Vũ, Dương, Mai, Hà, Lâm, Giang, Kim, Ly, Trinh…) are left out on purpose: the decision
#: is taken on unmarked words, so that both spellings of one name rotate alike, and "Khúc Thị Mai" must not
#: turn into "Mai Khúc Thị".
FAMILY_NAMES = frozenset(
    {
        "nguyen", "tran", "le", "pham", "huynh", "phan", "vo", "dang", "bui", "do", "ho", "ngo", "dinh",
        "doan", "truong", "luong", "quach", "luu", "vuong", "khuat", "nong", "trieu", "tong", "hua", "mac",
        "phung", "khong", "ton", "tang", "nghiem", "khuc", "tiet",
    }
)  # fmt: skip


@lru_cache(maxsize=1 << 16)
def _unmarked_word(word: str) -> str:
    """One syllable without marks; syllables are few (a few thousand), names are many."""
    return strip_marks(word)


_TONES = frozenset(TONE_MARKS)


@lru_cache(maxsize=1 << 16)
def toneless(word: str) -> str:
    """A syllable without its tone mark, vowel marks kept: "hường" → "hương", "Ánh" → "Anh", "đức" → "đưc"."""
    decomposed = unicodedata.normalize("NFD", word)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if ch not in _TONES))


def _split_words(words: list[str], unmarked: list[str]) -> tuple[list[str], list[str]]:
    """Rotate a name written in Western order (given name first, family name last) back."""
    if len(words) > 1 and unmarked[-1] in FAMILY_NAMES and unmarked[0] not in FAMILY_NAMES:
        return [words[-1], *words[:-1]], [unmarked[-1], *unmarked[:-1]]
    return words, unmarked


def _parts(words: list[str]) -> tuple[str | None, str | None, str | None]:
    if not words:
        return None, None, None
    if len(words) == 1:
        return None, None, words[0]
    return words[0], " ".join(words[1:-1]) or None, words[-1]


def split_name(name_key: str) -> tuple[str | None, str | None, str | None]:
    """(family, middle, given) of a lower-case name key; middle is None for two-word names.

    A single word is taken as the given name (family unknown). When the last word is a common family name
    and the first is not, the name was written in Western order and is rotated back.
    """
    words = name_key.split()
    words, _ = _split_words(words, [_unmarked_word(w) for w in words])
    return _parts(words)


def _name_parts(full_name: str) -> tuple[Any, ...]:
    words = match_key(full_name).split()
    unmarked = [_unmarked_word(w) for w in words]
    words, unmarked = _split_words(words, unmarked)
    marked = words != unmarked
    given = _parts(words)[2]
    return (*_parts(words), *_parts(unmarked), toneless(given) if given else None, marked, " ".join(sorted(unmarked)))


def _cached_map(values: pd.Series, fn: Callable[[Any], Any]) -> list[Any]:
    """Apply ``fn`` once per distinct value: names and addresses repeat a lot (most of the speed)."""
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    mapped = [fn(value) for value in uniques]
    return [mapped[code] if code >= 0 else None for code in codes.tolist()]


def _own_code(sex: Any, year: Any) -> str | None:
    """Digits 4–6 a CCCD must carry for this sex and birth year (Circular 07/2016/TT-BCA)."""
    if sex not in ("M", "F") or pd.isna(year):
        return None
    year = int(year)
    century = year // 100
    if not 19 <= century <= 23:
        return None
    return f"{2 * (century - 19) + (1 if sex == 'F' else 0)}{year % 100:02d}"


def _column(records: pd.DataFrame, name: str) -> pd.Series:
    return records[name].astype("object").where(records[name].notna(), None)


def build_features(records: pd.DataFrame) -> pd.DataFrame:
    """One row per record with the comparison columns of :data:`FEATURE_COLUMNS` (and no other data).

    Raises :class:`FeatureError` naming the missing columns when ``records`` is not shaped like
    ``resident_record`` plus ``record_id``.
    """
    missing = [c for c in REQUIRED_COLUMNS if c not in records.columns]
    if missing:
        raise FeatureError(f"records for linkage lack column(s) {missing}; expected resident_record + record_id")
    if records["record_id"].duplicated().any():
        raise FeatureError("records for linkage must have a unique record_id")

    parts = pd.DataFrame(
        _cached_map(_column(records, "full_name"), _name_parts),
        columns=[
            "family_key", "middle_key", "given_key", "family_u", "middle_u", "given_u", "given_t", "name_marked",
            "name_tokens_u",
        ],
        index=records.index,
    )  # fmt: skip
    out = pd.DataFrame(index=records.index)
    out["unique_id"] = records["record_id"].astype(str)
    for col in parts.columns:
        out[col] = parts[col]
    out["name_marked"] = out["name_marked"].fillna(False).astype(bool)

    dob = pd.to_datetime(records["date_of_birth"], errors="coerce")
    year_only = records["dob_precision"].eq("year")
    out["dob"] = dob.dt.strftime("%Y-%m-%d").where(dob.notna() & ~year_only, None).astype("object")
    # Days since 1970 as a plain integer: "a day or two apart" is then arithmetic on every backend.
    days = (dob - pd.Timestamp("1970-01-01")).dt.days.astype("Int64")
    out["dob_days"] = days.where(~year_only)
    out["dob_year"] = dob.dt.year.astype("Int64")
    out["dob_month"] = dob.dt.month.astype("Int64").where(~year_only)
    out["dob_day"] = dob.dt.day.astype("Int64").where(~year_only)
    out["dob_year_only"] = year_only.astype(bool)
    out["sex"] = _column(records, "sex")

    national_id = _column(records, "national_id")
    kind = _column(records, "national_id_kind")
    out["national_id"] = national_id.where(kind.notna(), None)
    out["id_kind"] = kind.where(national_id.notna(), None)
    is_cccd = out["id_kind"].eq("cccd") & out["national_id"].str.len().eq(12)
    out["id_code"] = out["national_id"].str.slice(3, 6).where(is_cccd, None).astype("object")
    out["own_code"] = [_own_code(s, y) for s, y in zip(out["sex"], out["dob_year"], strict=True)]

    out["phone"] = _column(records, "phone")
    residence = _column(records, "residence_type")
    out["residence"] = residence.where(residence.isin(["permanent", "temporary"]), None)
    out["street_key"] = _cached_map(_column(records, "street"), street_key)
    out["alley_key"] = _cached_map(_column(records, "alley"), alley_key)
    house = _cached_map(_column(records, "house_number"), house_number_key)
    out["house_key"] = pd.array([str(h) if h is not None else None for h in house], dtype="object")
    groups = _cached_map(_column(records, "residential_group"), normalise_group)
    # Group numbers repeat in every former ward ("Tổ 5" exists in all ten): only the pair means a place.
    out["group_key"] = [
        f"{ward}/{g}" if g is not None else None
        for ward, g in zip(records["former_ward_code"].tolist(), groups, strict=True)
    ]
    for col in FEATURE_COLUMNS:
        if out[col].dtype == "str" or out[col].dtype == "string":
            out[col] = out[col].astype("object")
    return out.reset_index(drop=True)[list(FEATURE_COLUMNS)]
