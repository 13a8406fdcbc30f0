"""Dates of birth (and other dates) as former wards wrote them, judged against the field's plausible bounds.

Rosters mix hand-typed text in the manifest's formats, year-only entries, real spreadsheet date cells
(the readers turn those into ISO text) and date cells that Excel stores as serial numbers. A reject must say
*why*: a value with a date's shape that is no calendar date (31/02/1990) is "impossible", garbage is
"unparseable"; the quarantine rules differ, so the parser tells them apart by matching the format's shape
first and validating the calendar second, instead of reading meaning into a strptime failure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from decimal import Decimal, InvalidOperation
from functools import lru_cache
from typing import Literal

from schemas.errors import WardmergeError

Precision = Literal["day", "year"]
DateError = Literal["missing", "unparseable", "impossible", "too_late", "too_early"]

# Nobody alive was born before 1900; a field declares its own earliest day (see schemas/datasets/).
DEFAULT_EARLIEST = date(1900, 1, 1)

# Excel's 1900 date system: serial 1 is 1900-01-01 and serial 60 is the 29 February 1900 that never was
# (Lotus 1-2-3's bug, kept by Excel). Serials from 61 on are counted from 1899-12-30.
_EXCEL_EPOCH_BEFORE_BUG = date(1899, 12, 31)
_EXCEL_EPOCH = date(1899, 12, 30)
_EXCEL_PHANTOM_LEAP_DAY = 60
_EXCEL_MAX_SERIAL = (date.max - _EXCEL_EPOCH).days

_ISO = re.compile(
    r"(?P<Y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})"
    r"(?:[T ](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:\.\d+)?)?)?"
    r"(?:Z|[+-]\d{2}:?\d{2})?"
)
_NUMBER = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")
# Time of day some systems append to a date typed as text; accepted after any day-precision format.
_TIME_SUFFIX = r"(?:\s+(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2}))?)?"

_DIRECTIVES = {"d", "m", "Y", "y", "H", "M", "S"}
_WIDTHS = {"d": (1, 2), "m": (1, 2), "Y": (4, 4), "y": (2, 2), "H": (1, 2), "M": (2, 2), "S": (2, 2)}


class DateFormatError(WardmergeError, ValueError):
    """A manifest's date format cannot be used; the message names the format, never a value."""


class DateArgumentError(ValueError):
    """A caller passed inconsistent arguments (e.g. a numeric mask of the wrong length)."""


@dataclass(frozen=True, slots=True)
class DateResult:
    """A parsed date: ``value`` is set exactly when ``error`` is None."""

    value: date | None
    precision: Precision | None
    error: DateError | None
    # The time of day where the value had one (portal timestamps, date-time cells); a date field ignores it.
    time: time | None = field(default=None, compare=False)

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True, slots=True)
class _Bounds:
    """The day of the run (for two-digit years and "not after today") and the field's plausible range."""

    today: date
    earliest: date | None
    not_after_today: bool


@dataclass(frozen=True, slots=True)
class _CompiledFormat:
    source: str
    pattern: re.Pattern[str]
    year_only: bool
    compact_numeric: bool  # no literal characters: an integer cell can be read with it ("%Y", "%Y%m%d")


_MISSING = DateResult(None, None, "missing")
_UNPARSEABLE = DateResult(None, None, "unparseable")
_IMPOSSIBLE = DateResult(None, None, "impossible")


def check_formats(formats: Sequence[str]) -> None:
    """Raise :class:`DateFormatError` if any format is unusable, so a manifest fails when it is loaded."""
    _compile_formats(tuple(formats))


@lru_cache(maxsize=256)
def _compile_formats(formats: tuple[str, ...]) -> tuple[_CompiledFormat, ...]:
    if not formats:
        raise DateFormatError("no date formats given; expected at least one strftime-like format such as '%d/%m/%Y'")
    return tuple(_compile_format(f) for f in formats)


def _compile_format(fmt: str) -> _CompiledFormat:
    """Turn a strftime-like format into a regex of its *shape* (digits of plausible widths, the literals)."""
    tokens: list[tuple[str, str]] = []  # ("dir", letter) or ("lit", text)
    i = 0
    while i < len(fmt):
        ch = fmt[i]
        if ch == "%":
            if i + 1 >= len(fmt):
                raise DateFormatError(f"date format {fmt!r} ends with a lone '%'")
            letter = fmt[i + 1]
            if letter == "-" and i + 2 < len(fmt):  # glibc's no-padding flag: %-d means the same shape here
                letter = fmt[i + 2]
                i += 1
            if letter == "%":
                tokens.append(("lit", "%"))
            elif letter in _DIRECTIVES:
                tokens.append(("dir", letter))
            else:
                raise DateFormatError(f"date format {fmt!r} uses %{letter}; expected only %d %m %Y %y (and %H %M %S)")
            i += 2
        else:
            tokens.append(("lit", ch))
            i += 1
    letters = [t for kind, t in tokens if kind == "dir"]
    if len(set(letters)) != len(letters):
        raise DateFormatError(f"date format {fmt!r} repeats a directive")
    has_year = "Y" in letters or "y" in letters
    if "Y" in letters and "y" in letters:
        raise DateFormatError(f"date format {fmt!r} has both %Y and %y")
    date_letters = {x for x in letters if x in {"d", "m", "Y", "y"}}
    year_only = date_letters in ({"Y"}, {"y"})
    if not has_year or not (year_only or {"d", "m"} <= date_letters):
        raise DateFormatError(f"date format {fmt!r} must contain day, month and year (%d %m %Y) or the year alone (%Y)")
    if year_only and any(x in letters for x in ("H", "M", "S")):
        raise DateFormatError(f"date format {fmt!r} combines a year-only date with a time")

    parts: list[str] = []
    for idx, (kind, val) in enumerate(tokens):
        if kind == "lit":
            if val.isspace():
                if not (parts and parts[-1] == r"\s+"):
                    parts.append(r"\s+")
            else:
                parts.append(r"\s*" + re.escape(val) + r"\s*")
            continue
        low, high = _WIDTHS[val]
        # A directive glued to another ("%d%m%Y") must have its full width, or the split is ambiguous.
        glued = any(0 <= j < len(tokens) and tokens[j][0] == "dir" for j in (idx - 1, idx + 1))
        if glued:
            low = high
        parts.append(f"(?P<{val}>\\d{{{low},{high}}})")
    suffix = "" if year_only or any(x in letters for x in ("H", "M", "S")) else _TIME_SUFFIX
    pattern = re.compile("".join(parts) + suffix)
    compact = all(kind == "dir" for kind, _ in tokens)
    return _CompiledFormat(fmt, pattern, year_only, compact)


def _century_pivot(two_digit: int, today: date) -> int:
    """%y: years up to this year's two digits are 20xx, later ones 19xx (nobody alive was born in 2087)."""
    return 2000 + two_digit if two_digit <= today.year % 100 else 1900 + two_digit


def _from_groups(groups: dict[str, str | None], year_only: bool, bounds: _Bounds) -> DateResult:
    """Validate the captured fields of a shape match; a shape match that is no calendar date is impossible."""
    if groups.get("Y") is not None:
        year = int(groups["Y"])  # type: ignore[arg-type]
    else:
        year = _century_pivot(int(groups["y"]), bounds.today)  # type: ignore[arg-type]
    if year_only:
        if year < 1:
            return _IMPOSSIBLE
        return _judge(date(year, 1, 1), "year", bounds)
    for key, top in (("H", 23), ("M", 59), ("S", 59)):
        raw = groups.get(key)
        if raw is not None and int(raw) > top:
            return _IMPOSSIBLE
    try:
        value = date(year, int(groups["m"]), int(groups["d"]))  # type: ignore[arg-type]
    except ValueError:
        return _IMPOSSIBLE
    result = _judge(value, "day", bounds)
    if result.ok and groups.get("H") is not None:
        at = time(int(groups["H"]), int(groups.get("M") or 0), int(groups.get("S") or 0))  # type: ignore[arg-type]
        result = replace(result, time=at)
    return result


def _judge(value: date, precision: Precision, bounds: _Bounds) -> DateResult:
    if bounds.earliest is not None and (
        value.year < bounds.earliest.year if precision == "year" else value < bounds.earliest
    ):
        return DateResult(None, None, "too_early")
    today = bounds.today
    if bounds.not_after_today and ((value.year > today.year) if precision == "year" else (value > today)):
        return DateResult(None, None, "too_late")
    return DateResult(value, precision, None)


def _from_serial(number: Decimal, bounds: _Bounds) -> DateResult:
    serial = int(number.to_integral_value(rounding="ROUND_FLOOR"))  # the fraction is the time of day
    if serial < 1 or serial == _EXCEL_PHANTOM_LEAP_DAY or serial > _EXCEL_MAX_SERIAL:
        return _IMPOSSIBLE
    base = _EXCEL_EPOCH_BEFORE_BUG if serial < _EXCEL_PHANTOM_LEAP_DAY else _EXCEL_EPOCH
    result = _judge(base + timedelta(days=serial), "day", bounds)
    fraction = number - serial
    if result.ok and fraction:  # the fraction of a day is the time of a date-time cell
        seconds = min(int((fraction * 86400).to_integral_value()), 86399)
        result = replace(result, time=time(seconds // 3600, seconds // 60 % 60, seconds % 60))
    return result


def _parse_number(text: str) -> Decimal | None:
    if not _NUMBER.fullmatch(text):
        return None
    try:
        number = Decimal(text)
    except InvalidOperation:
        return None
    if not number.is_finite() or number.adjusted() > 12:  # far beyond any serial; avoid huge ints
        return None
    return number


def parse_date(
    value: str | None,
    formats: Sequence[str],
    *,
    numeric: bool = False,
    today: date | None = None,
    earliest: date | None = DEFAULT_EARLIEST,
    not_after_today: bool = True,
) -> DateResult:
    """Parse one date cell.

    Order of attempts: (1) a cell stored as a number (``numeric``) is an Excel serial date, unless its integer
    text has the shape of a literal-free format such as ``%Y`` (a year typed as a number) or ``%Y%m%d``;
    (2) the manifest's ``formats`` in order, matched by shape and then validated; (3) ISO ``YYYY-MM-DD``
    with an optional time, which is how the readers render real date cells. The first valid reading wins;
    if none is valid but some format matched the shape, the value is ``impossible``, else ``unparseable``.
    Day-precision formats also accept a trailing time of day (``05/07/1990 00:00``), which is ignored.
    A valid date before ``earliest`` is ``too_early``; after ``today`` (when ``not_after_today``) ``too_late``;
    a year-only value is judged by its year.
    """
    if value is None:
        return _MISSING
    text = value.strip()
    if not text:
        return _MISSING
    compiled = _compile_formats(tuple(formats))
    bounds = _Bounds(today or date.today(), earliest, not_after_today)
    saw_shape = False

    if numeric:
        number = _parse_number(text)
        if number is not None:
            integral = number == number.to_integral_value()
            digits = str(int(number)) if integral and number >= 0 else None
            for fmt in compiled:
                if digits is not None and fmt.compact_numeric:
                    match = fmt.pattern.fullmatch(digits)
                    if match:
                        result = _from_groups(match.groupdict(), fmt.year_only, bounds)
                        if result.error != "impossible":
                            return result
                        saw_shape = True
            result = _from_serial(number, bounds)
            if result.error == "impossible" and saw_shape:
                return _IMPOSSIBLE
            return result

    for fmt in compiled:
        match = fmt.pattern.fullmatch(text)
        if match is None:
            continue
        result = _from_groups(match.groupdict(), fmt.year_only, bounds)
        if result.error != "impossible":
            return result
        saw_shape = True

    match = _ISO.fullmatch(text)
    if match is not None:
        result = _from_groups(match.groupdict(), False, bounds)
        if result.error != "impossible":
            return result
        saw_shape = True

    return _IMPOSSIBLE if saw_shape else _UNPARSEABLE


def parse_dates(
    values: Sequence[str | None],
    formats: Sequence[str],
    *,
    numeric_mask: Sequence[bool] | None = None,
    today: date | None = None,
    earliest: date | None = DEFAULT_EARLIEST,
    not_after_today: bool = True,
) -> list[DateResult]:
    """Parse a column; rosters repeat dates (and blanks), so each distinct (value, numeric) is parsed once."""
    if numeric_mask is not None and len(numeric_mask) != len(values):
        raise DateArgumentError(f"numeric_mask has {len(numeric_mask)} entries; expected one per value ({len(values)})")
    fmts = tuple(formats)
    _compile_formats(fmts)  # fail on a bad format even when every value is blank
    today = today or date.today()
    cache: dict[tuple[str | None, bool], DateResult] = {}
    flags = numeric_mask if numeric_mask is not None else [False] * len(values)
    out: list[DateResult] = []
    for value, flag in zip(values, flags, strict=True):
        key = (value, bool(flag))
        result = cache.get(key)
        if result is None:
            result = parse_date(
                value, fmts, numeric=bool(flag), today=today, earliest=earliest, not_after_today=not_after_today
            )
            cache[key] = result
        out.append(result)
    return out
