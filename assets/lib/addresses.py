"""Residential groups, streets, alleys and house numbers as ward offices write them, parsed for routing.

The routing table places a record by its residential group (tổ dân phố), else by its street,
refined by alley or house-number range. Sources spell each part a dozen ways ("Tổ 5", "TDP số 05", "T.5",
"TO 5"), so every part gets a comparison key here, and free-text addresses are split into parts. The parser
never guesses: a part it cannot place by the grammar below comes back None and the record goes to review.

Grammar of :func:`parse_address` (Vietnamese addresses run from the smallest unit to the largest):

    address   := segment ("," | ";" | "(" | ")" | " - " | newline) segment ...
    segment   := component*
    component := house | alley | group | street | admin | other | bare-number | bare-name
    house     := ("số nhà" | "nhà số" | "số" | "SN" | "nhà") NUMBER          e.g. "Số 12", "số nhà 8", "12A"
    alley     := ("ngõ" | "ngách" | "hẻm" | "kiệt") ["số"] NUMBER ("/" NUMBER)*  or a marked keyword + name
    group     := ("tổ dân phố" | "tổ DP" | "TDP" | "tổ" | "T.") ["số"] NUMBER[letter]
    street    := ("phố" | "đường" | "đg" | "P." | "Đ.") name
    admin     := ("phường" | "quận" | "huyện" | "xã" | "thị xã" | "thị trấn" | "thành phố" | "TP" | "tỉnh"
                  | "Q." | "Hà Nội" | "HN" | "Việt Nam") name                  → dropped
    other     := ("phòng" | "tầng" | "lô" | "căn hộ" | "P203" | "khu tập thể" | "KTT" | "khu đô thị" | "KĐT"
                  | "chung cư" | "tòa (nhà)" | "khu phố" | "khu" | "dãy" | "xóm" | "thôn" | "cụm" | "ấp")
                  name                                                          → dropped
    name      := words up to the next keyword, the end of the segment or (for a bare name) a number

Decisions that keep it from guessing:
- A bare name (no keyword) is the street only in the street's slot: first thing in the address, or right
  after a house number or alley, while no street, group or administrative unit has been read. After a group
  it is the ward ("tổ 3 Giáp Bát": group 3, no street), after the street it is an administrative unit.
- "P." is phố in the street's slot ("P. Mai Động") and phường after it ("12 Tân Mai, P. Tương Mai").
- A bare number opening the address (or a segment, before any street) is the house number, kept as
  written: "25/14 Kim Đồng" gives house number "25/14" (Hà Nội reads it house 25 in ngõ 14, Hồ Chí Minh
  City house 14 in hẻm 25), house_number_key 25, no alley.
- Keywords that take a name must be spelled with their marks ("phố", "ngõ") or wholly without them
  ("pho", "ngo"): "Dương Văn Bé", "Giải Phóng" and "Lò Đúc" hold no keyword. Unmarked words that are also
  names ("PHUONG", "QUAN", "XA", …) count as keywords only after the street's slot ("SO 5 QUAN THANH" is
  Quán Thánh street; "12 TAN MAI QUAN HOANG MAI" ends the street at QUAN). Words after a marked "ngõ"
  without a number are a named alley ("ngõ Gốc Đề"), keyed mark-stripped.
- Alleys combine outermost first (ngõ, then ngách, then hẻm): "ngách 12/3 ngõ 91" → "91/12/3",
  "ngõ 123 ngách 45" → "123/45", "ngách 91/12 ngõ 91" → "91/12".
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache

from assets.lib.vietnamese import nfc, strip_marks

# ------------------------------------------------------------------------------------------------ text


_ZERO_WIDTH = re.compile("[\u200b\u200c\u200d\u2060\ufeff]")
_WS = re.compile(r"\s+")
_SEGMENT_BREAK = re.compile(r"[,;()\[\]{}|\n\r\t]|\s[-\u2010-\u2015]\s|[\u2013\u2014]")
_TRIM = " .,:;-/'\"\u2010\u2011\u2012\u2013\u2014\u2015"


@lru_cache(maxsize=2048)
def _fold_char(ch: str) -> str:
    """One character, lower case and without marks; exactly one character out, so spans line up."""
    folded = strip_marks(ch).lower()
    if len(folded) == 1:
        return folded
    lowered = ch.lower()
    return lowered if len(lowered) == 1 else ch


def _fold(text: str) -> str:
    return "".join(map(_fold_char, text))


def _prepare(text: str) -> str:
    """NFC (web exports are NFD), no zero-width characters; whitespace is collapsed per segment later."""
    return _ZERO_WIDTH.sub("", nfc(text))


def _squash(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _clean_span(text: str) -> str | None:
    cleaned = _squash(text).strip(_TRIM)
    return cleaned or None


# --------------------------------------------------------------------------------------------- numbers

_GROUP_NUM = r"\d{1,3}[a-z]?(?![a-z0-9])"
_ALLEY_NUM = r"\d+[a-z]?(?:/\d+[a-z]?)*(?![a-z0-9])"
_HOUSE_NUM = r"\d+(?:[a-z]{1,2}\d*)?(?:/\d+(?:[a-z]{1,2}\d*)?)*(?:-\d+(?:[a-z]{1,2}\d*)?)?(?![a-z0-9])"
_NUM_PART = re.compile(r"0*(\d+)([a-z]?)")

_GROUP_KW = r"to\s*dan\s*pho|to\s*dp|tdp|to|t\."
_ALLEY_KW = r"ngo|ngach|hem|kiet"
_HOUSE_KW = r"so\s*nha|nha\s*so|so|sn|nha"
_ALLEY_RANK = {"ngo": 0, "kiet": 0, "ngach": 1, "hem": 2}

_GROUP_RE = re.compile(rf"(?P<kw>{_GROUP_KW})\s*(?:so\s*)?[.:]?\s*(?P<num>{_GROUP_NUM})")
_ALLEY_RE = re.compile(rf"(?P<kw>{_ALLEY_KW})\s*(?:so\s*)?[.:]?\s*(?P<num>{_ALLEY_NUM})")
_HOUSE_RE = re.compile(rf"(?P<kw>{_HOUSE_KW})\s*[.:]?\s*(?P<num>{_HOUSE_NUM})")
_ROOM_RE = re.compile(r"(?P<kw>phong|tang|lo|can\s*ho|can|p)\s*\.?\s*(?P<num>[a-z]?\d+[a-z0-9./-]*)")
_ADMIN_RE = re.compile(
    r"(?P<kw>(?:tp|tx|q)\.|(?:thanh\s*pho|thi\s*xa|thi\s*tran|tp|tx|phuong|quan|huyen|xa|tinh|ha\s*noi|hn"
    r"|viet\s*nam|vn)(?![a-z0-9]))"
)
_STREET_RE = re.compile(r"(?P<kw>(?:p|d)\.|(?:pho|duong|dg)(?![a-z0-9]))")
_NAMED_ALLEY_RE = re.compile(rf"(?P<kw>{_ALLEY_KW})(?![a-z0-9])")
_OTHER_RE = re.compile(
    r"(?P<kw>(?:khu\s*tap\s*the|khu\s*do\s*thi|khu\s*dan\s*cu|khu\s*pho|to\s*dan\s*pho|tdp|tap\s*the"
    r"|chung\s*cu|toa\s*nha|khu|ktt|kdt|cc|toa|day|xom|thon|cum|ap)(?![a-z0-9])|nha(?=\s*[a-z]+\d))"
)
_BARE_NUMBER = re.compile(_HOUSE_NUM)
_WORD = re.compile(r"\S+")
_SPACE = re.compile(r"[\s.:'\"/\-\u2010-\u2015]*")

# Marked spellings a keyword may have (casefolded, spaces removed); an all-ASCII spelling is also accepted.
_MARKED: dict[str, frozenset[str]] = {
    k: frozenset(v)
    for k, v in {
        "phong": {"phòng"}, "tang": {"tầng"}, "lo": {"lô"}, "canho": {"cănhộ"}, "can": {"căn"},
        "thanhpho": {"thànhphố"}, "thixa": {"thịxã"}, "thitran": {"thịtrấn"}, "phuong": {"phường"},
        "quan": {"quận"}, "huyen": {"huyện"}, "xa": {"xã"}, "tinh": {"tỉnh"}, "hanoi": {"hànội"},
        "vietnam": {"việtnam"}, "pho": {"phố"}, "duong": {"đường"}, "dg": {"đg"}, "d.": {"đ."},
        "ngo": {"ngõ"}, "ngach": {"ngách"}, "hem": {"hẻm"}, "kiet": {"kiệt"},
        "khutapthe": {"khutậpthể"}, "khudothi": {"khuđôthị"}, "khudancu": {"khudâncư"}, "khupho": {"khuphố"},
        "todanpho": {"tổdânphố"}, "tapthe": {"tậpthể"}, "chungcu": {"chungcư"},
        "toanha": {"tòanhà", "toànhà"}, "kdt": {"kđt"}, "toa": {"tòa", "toà"}, "day": {"dãy"},
        "xom": {"xóm"}, "thon": {"thôn"}, "cum": {"cụm"}, "ap": {"ấp"}, "nha": {"nhà"},
    }.items()
}  # fmt: skip
# Unmarked spellings that are also (parts of) street names: keywords only outside the street's slot.
_AMBIGUOUS_ADMIN = frozenset({"phuong", "quan", "huyen", "xa", "tinh"})
# "Other" keywords in unmarked spelling are read only at a segment's start ("KHU A, …", "CC Tan Mai, …").
_ANYWHERE_OTHER = frozenset({"ktt", "kdt"})
_NOISE_RUNS = frozenset({"cu", "moi", "so cu", "so moi"})


def _kw_key(folded_kw: str) -> str:
    return _WS.sub("", folded_kw)


def _spelled_as_keyword(original_kw: str, key: str) -> bool:
    """Is the source's spelling of a keyword the keyword, not a name that folds to the same letters?"""
    compact = _WS.sub("", original_kw).casefold()
    return compact.isascii() or compact in _MARKED.get(key, frozenset())


def _canonical_number_path(raw: str) -> list[str]:
    """Split an alley number path, leading zeros dropped and letter suffixes upper case (05/012a → 5, 12A)."""
    parts = []
    for piece in raw.split("/"):
        match = _NUM_PART.fullmatch(piece)
        if match is None:
            parts.append(piece.upper())
        else:
            parts.append(match.group(1) + match.group(2).upper())
    return parts


def _canonical_group(raw: str) -> str | None:
    match = _NUM_PART.fullmatch(raw)
    if match is None or int(match.group(1)) == 0:
        return None
    return match.group(1) + match.group(2).upper()


def _combine_alleys(alleys: list[tuple[int, list[str]]]) -> str | None:
    """Outermost first; a level already written with its parent's number ("ngách 91/12") is not doubled."""
    path: list[str] = []
    for _, parts in sorted(alleys, key=lambda item: item[0]):
        if path and parts[: len(path)] == path:
            path = list(parts)
        elif len(parts) > 1 and parts[:1] == path[-1:]:  # "hẻm 12/3" under "ngách 12" of "ngõ 91" → 91/12/3
            path.extend(parts[1:])
        else:
            path.extend(parts)
    return "/".join(path) or None


# ------------------------------------------------------------------------------------------ field keys

_GROUP_ANYWHERE = re.compile(rf"(?<![a-z0-9])(?:{_GROUP_KW})\s*(?:so\s*)?[.:]?\s*(?P<num>{_GROUP_NUM})")
_GROUP_BARE = re.compile(rf"(?:so\s*)?(?P<num>{_GROUP_NUM})(?:\.0+)?(?:\s*\(?\s*(?:cu|moi)\s*\)?)?")
_ALLEY_ANYWHERE = re.compile(rf"(?<![a-z0-9])(?P<kw>{_ALLEY_KW})\s*(?:so\s*)?[.:]?\s*(?P<num>{_ALLEY_NUM})")
_ALLEY_BARE = re.compile(rf"(?:so\s*)?(?P<num>{_ALLEY_NUM})")
_NAMED_ALLEY_FIELD = re.compile(rf"(?P<kw>{_ALLEY_KW})\s+(?P<name>\D+)")
_HOUSE_PREFIX = re.compile(rf"(?:{_HOUSE_KW})\s*[.:]?\s*")
_LEADING_INT = re.compile(r"0*(\d+)")
_STREET_PREFIX = re.compile(r"(?:(?:p|d)\.|(?:pho|duong|dg)(?![a-z0-9])\.?)\s*")
_NOT_KEY_CHAR = re.compile(r"[^\w/]+")


def normalise_group(value: str | None) -> str | None:
    """Canonical residential-group number: "Tổ 5", "TDP số 05", "T.5", "To 5", "05" → "5"; "tổ 5A" → "5A".

    Trailing words ("Tổ 5 cũ") are ignored; a bare number is a group only when nothing but "cũ"/"mới"
    follows it. Anything else (a street, "tổ" without a number, group 0) is None.
    """
    if value is None:
        return None
    folded = _squash(_fold(_prepare(value)))
    if not folded:
        return None
    match = _GROUP_ANYWHERE.search(folded) or _GROUP_BARE.fullmatch(folded)
    return _canonical_group(match.group("num")) if match else None


def street_key(value: str | None) -> str | None:
    """Comparison key of a street: no leading "Phố"/"Đường"/"P."/"Đ.", no marks, lower case, single spaces.

    "Phố Tân Mai", "TAN MAI" and "đường Tân Mai" all give "tan mai". Digits and "/" stay ("Phố 8/3" → "8/3").
    The prefix is dropped on the folded text, so "Dương Văn Bé" and "DUONG VAN BE" share the key "van be":
    lossy, but the same on both sides of a comparison, which is what a key is for.
    """
    if value is None:
        return None
    folded = _squash(_fold(_prepare(value)))
    match = _STREET_PREFIX.match(folded)
    if match and match.end() < len(folded):
        folded = folded[match.end() :]
    elif match:
        return None
    key = _squash(_NOT_KEY_CHAR.sub(" ", folded).replace("_", " ")).strip("/ ")
    return key or None


def alley_key(value: str | None) -> str | None:
    """Canonical alley: "Ngõ 123" → "123", "ngõ 123 ngách 45" / "ngõ 123/45" → "123/45", "hẻm 5" → "5".

    A bare number path ("123", "123/45") is taken as the alley itself (the field says it is one); a named
    alley ("ngõ Gốc Đề", or "Gốc Đề" in an alley column) gives its mark-stripped name ("goc de"), so the
    key of a key is the key. Text with digits that is no alley path gives None.
    """
    if value is None:
        return None
    text = _squash(_prepare(value))
    folded = _fold(text)
    if not folded:
        return None
    alleys = [
        (_ALLEY_RANK[m.group("kw")], _canonical_number_path(m.group("num"))) for m in _ALLEY_ANYWHERE.finditer(folded)
    ]
    if alleys:
        return _combine_alleys(alleys)
    bare = _ALLEY_BARE.fullmatch(folded)
    if bare:
        return "/".join(_canonical_number_path(bare.group("num")))
    named = _NAMED_ALLEY_FIELD.fullmatch(folded)
    if named and _spelled_as_keyword(text[: named.end("kw")], named.group("kw")):
        folded = named.group("name")
    if any(ch.isdigit() for ch in folded):
        return None  # a number that is no alley path ("Số 12", "12 Tân Mai")
    return _clean_span(folded)


def house_number_key(value: str | None) -> int | None:
    """Leading integer of a house number ("12", "12A", "Số 12", "12B", "25/14" → 12, 12, 12, 12, 25)."""
    if value is None:
        return None
    folded = _squash(_fold(_prepare(value)))
    prefix = _HOUSE_PREFIX.match(folded)
    if prefix and prefix.end() < len(folded) and folded[prefix.end()].isdigit():
        folded = folded[prefix.end() :]
    match = _LEADING_INT.match(folded)
    return int(match.group(1)) if match else None


# ------------------------------------------------------------------------------------------ free text


@dataclass(frozen=True, slots=True)
class Address:
    """Parts of a free-text address; a part the grammar cannot place is None."""

    house_number: str | None = None
    alley: str | None = None
    street: str | None = None
    residential_group: str | None = None


@dataclass(slots=True)
class _State:
    house: str | None = None
    alleys: list[tuple[int, list[str]]] = field(default_factory=list)
    street: str | None = None
    group: str | None = None
    slot_open: bool = True  # a bare name here would be the street
    found_any: bool = False


@dataclass(frozen=True, slots=True)
class _Hit:
    kind: str  # group | alley | house | room | admin | street | named_alley | other
    key: str
    num: tuple[int, int] | None  # span of the number, if the keyword takes one
    end: int


def _match_keyword(text: str, folded: str, pos: int, state: _State, *, mid_run: bool, seg_start: bool) -> _Hit | None:
    """The keyword starting at ``pos``, if the source's spelling and the context make it one."""
    for kind, pattern in (("group", _GROUP_RE), ("alley", _ALLEY_RE), ("house", _HOUSE_RE)):
        m = pattern.match(folded, pos)
        if m:
            return _Hit(kind, _kw_key(m.group("kw")), m.span("num"), m.end())
    m = _ROOM_RE.match(folded, pos)
    if m and _spelled_as_keyword(text[m.start("kw") : m.end("kw")], _kw_key(m.group("kw"))):
        return _Hit("room", _kw_key(m.group("kw")), m.span("num"), m.end())
    m = _ADMIN_RE.match(folded, pos)
    if m:
        key = _kw_key(m.group("kw"))
        original = text[m.start("kw") : m.end("kw")]
        ambiguous = original.isascii() and key in _AMBIGUOUS_ADMIN
        in_street_slot = not mid_run and state.slot_open and state.street is None
        if _spelled_as_keyword(original, key) and not (ambiguous and in_street_slot):
            return _Hit("admin", key, None, m.end())
    m = _STREET_RE.match(folded, pos)
    if m:
        key = _kw_key(m.group("kw"))
        if _spelled_as_keyword(text[m.start("kw") : m.end("kw")], key):
            if key == "p." and (mid_run or not state.slot_open or state.street is not None):
                return _Hit("admin", key, None, m.end())  # after the street's slot, "P." is phường
            return _Hit("street", key, None, m.end())
    m = _NAMED_ALLEY_RE.match(folded, pos)
    if m:
        original = text[m.start("kw") : m.end("kw")]
        if not original.isascii() and _spelled_as_keyword(original, m.group("kw")):
            return _Hit("named_alley", m.group("kw"), None, m.end())
    m = _OTHER_RE.match(folded, pos)
    if m:
        key = _kw_key(m.group("kw"))
        original = text[m.start("kw") : m.end("kw")]
        if _spelled_as_keyword(original, key) and (not original.isascii() or seg_start or key in _ANYWHERE_OTHER):
            return _Hit("other", key, None, m.end())
    return None


def _skip_space(folded: str, pos: int) -> int:
    return _SPACE.match(folded, pos).end()  # type: ignore[union-attr]


def _read_run(text: str, folded: str, pos: int, state: _State, *, explicit: bool) -> int:
    """End of a name starting at ``pos``: up to the next keyword, or (bare names only) the next number."""
    end = pos
    cursor = pos
    first = True
    while True:
        cursor = _skip_space(folded, cursor)
        if cursor >= len(folded):
            break
        if not first or explicit:
            # The first word after a keyword is judged as a run's start: "DUONG PHUONG LIET" is a street.
            if _match_keyword(text, folded, cursor, state, mid_run=not first, seg_start=False):
                break
            if not explicit and _BARE_NUMBER.match(folded, cursor):
                break
        word = _WORD.match(folded, cursor)
        if word is None:
            break
        end = cursor = word.end()
        first = False
    return end


def _scan_segment(text: str, state: _State) -> None:
    folded = _fold(text)
    pos = _skip_space(folded, 0)
    seg_first = pos
    while pos < len(folded):
        at_start = pos == seg_first
        hit = _match_keyword(text, folded, pos, state, mid_run=False, seg_start=at_start)
        if hit is not None:
            pos = _apply(hit, text, folded, state)
        else:
            number = _BARE_NUMBER.match(folded, pos)
            if number:
                if state.house is None and state.street is None and (not state.found_any or at_start):
                    state.house = text[number.start() : number.end()]
                    state.slot_open = True
                    state.found_any = True
                pos = number.end()  # a stray number elsewhere is noise
            else:
                end = _read_run(text, folded, pos, state, explicit=False)
                name = _clean_span(text[pos:end])
                if name and _squash(folded[pos:end]).strip(_TRIM) not in _NOISE_RUNS:
                    if state.slot_open and state.street is None:
                        state.street = name
                    state.slot_open = False
                    state.found_any = True
                pos = end
        pos = _skip_space(folded, pos)


def _apply(hit: _Hit, text: str, folded: str, state: _State) -> int:
    """Record what a keyword introduces; return where scanning goes on."""
    state.found_any = True
    if hit.kind == "group":
        assert hit.num is not None
        if state.group is None:
            state.group = _canonical_group(folded[hit.num[0] : hit.num[1]])
        state.slot_open = False
        return hit.end
    if hit.kind == "alley":
        assert hit.num is not None
        state.alleys.append((_ALLEY_RANK[hit.key], _canonical_number_path(folded[hit.num[0] : hit.num[1]])))
        state.slot_open = state.street is None
        return hit.end
    if hit.kind == "house":
        assert hit.num is not None
        if state.house is None:
            state.house = text[hit.num[0] : hit.num[1]]
        state.slot_open = state.street is None
        return hit.end
    if hit.kind == "room":
        state.slot_open = False
        return hit.end
    start = _skip_space(folded, hit.end)
    end = _read_run(text, folded, start, state, explicit=True)
    if hit.kind == "street":
        name = _clean_span(text[start:end])
        if name and state.street is None:
            state.street = name
        state.slot_open = False
    elif hit.kind == "named_alley":
        name = _clean_span(folded[start:end])
        if name:
            state.alleys.append((_ALLEY_RANK[hit.key], [name]))
        state.slot_open = state.street is None
    else:  # admin, other: dropped
        state.slot_open = False
    return max(end, hit.end)


@lru_cache(maxsize=65536)
def parse_address(text: str | None) -> Address:
    """Split a free-text Vietnamese address into house number, alley, street and residential group.

    See the module docstring for the grammar. Components come back in NFC; the street as the source spelled
    it (keyword removed), the alley canonical as :func:`alley_key` gives it, the group as
    :func:`normalise_group` gives it. Administrative parts (phường, quận, thành phố, Hà Nội) are dropped.
    """
    if text is None:
        return Address()
    prepared = _prepare(text)
    state = _State()
    for segment in _SEGMENT_BREAK.split(prepared):
        segment = _squash(segment)
        if segment:
            _scan_segment(segment, state)
    return Address(
        house_number=state.house,
        alley=_combine_alleys(state.alleys) if state.alleys else None,
        street=state.street,
        residential_group=state.group,
    )
