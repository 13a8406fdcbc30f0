"""Vietnamese text forms used for storing and comparing names, streets and groups.

Names are stored as the source spelled them (NFC); comparisons use folded forms, because the same legal
name arrives with different tone placement, without marks, or in ALL CAPS.

The module also knows what a Vietnamese syllable looks like. That is how a wrongly declared encoding is
caught: text decoded with the right table is almost entirely valid syllables, while the same bytes read
with the wrong legacy table produce impossible vowel clusters, two tone marks in one word or symbols in
the middle of words.

Canonical tone placement for comparison keys is the *old style* ("hòa", "thủy", "khỏe"): it is what most
keyboards (Unikey, VNI, the ABC driver) produce by default and how most legal names are registered.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache
from itertools import product

__all__ = [
    "LOWER_LETTERS",
    "TONE_MARKS",
    "UPPER_LETTERS",
    "VIETNAMESE_LETTERS",
    "fold_tone_placement",
    "is_vietnamese_syllable",
    "looks_vietnamese",
    "match_key",
    "nfc",
    "normalise_punctuation",
    "strip_marks",
    "title_case_name",
    "vietnamese_share",
]

_D_MAP = str.maketrans({"đ": "d", "Đ": "D"})

# Tone marks in the order the legacy tables list them: sắc, huyền, hỏi, ngã, nặng.
TONE_MARKS = ("\u0301", "\u0300", "\u0309", "\u0303", "\u0323")
# Vowels as they are written before a tone is added (quality marks included).
VOWELS = "aăâeêioôơuưy"


def _build_letters() -> tuple[str, ...]:
    letters: list[str] = []
    for vowel in VOWELS:
        if not vowel.isascii():
            letters.append(vowel)
        letters.extend(unicodedata.normalize("NFC", vowel + mark) for mark in TONE_MARKS)
    letters.append("đ")
    return tuple(letters)


#: The 67 lowercase Vietnamese letters that are not ASCII (ă â ê ô ơ ư đ and the 60 toned vowels).
LOWER_LETTERS: tuple[str, ...] = _build_letters()
#: Their 67 capitals, in the same order.
UPPER_LETTERS: tuple[str, ...] = tuple(letter.upper() for letter in LOWER_LETTERS)
#: All 134 non-ASCII Vietnamese letters.
VIETNAMESE_LETTERS: tuple[str, ...] = LOWER_LETTERS + UPPER_LETTERS

# toned letter (either case) -> (untoned letter, tone index); plain vowels map to tone index -1.
_TONE_OF: dict[str, tuple[str, int]] = {}
# (untoned letter, tone index) -> toned letter
_WITH_TONE: dict[tuple[str, int], str] = {}
for _vowel in VOWELS + VOWELS.upper():
    _TONE_OF[_vowel] = (_vowel, -1)
    _WITH_TONE[(_vowel, -1)] = _vowel
    for _index, _mark in enumerate(TONE_MARKS):
        _toned = unicodedata.normalize("NFC", _vowel + _mark)
        _TONE_OF[_toned] = (_vowel, _index)
        _WITH_TONE[(_vowel, _index)] = _toned

_PUNCTUATION_MAP = str.maketrans(
    {
        **dict.fromkeys("\u2018\u2019\u201a\u201b\u2032\u02bc\u00b4`", "'"),
        **dict.fromkeys("\u201c\u201d\u201e\u201f\u2033\u00ab\u00bb", '"'),
        **dict.fromkeys("\u2010\u2011\u2012\u2013\u2014\u2212", "-"),
        "\u2026": "...",
        # invisible characters that break equality without being whitespace
        **dict.fromkeys("\u200b\u200c\u200d\u2060\ufeff\u00ad", ""),
    }
)

# Open syllables whose tone may sit on either vowel: oa, oe, uy, not after q (in "quý" the u belongs to
# the initial "qu"). New style puts the tone on the second vowel; folded to the first (old style).
_TONED_AE = "".join(_WITH_TONE[(v, t)] for v in "aeAE" for t in range(len(TONE_MARKS)))
_TONED_Y = "".join(_WITH_TONE[(v, t)] for v in "yY" for t in range(len(TONE_MARKS)))
_NEW_STYLE_TONE = re.compile(rf"(?<![qQ])([oO])([{_TONED_AE}])(?!\w)|(?<![qQ])([uU])([{_TONED_Y}])(?!\w)")

# Separators for syllable tokens: whitespace, ASCII digits and punctuation, typographic quotes and dashes.
# Anything else (Latin-1 symbols, soft hyphens, replacement characters) stays inside the token, because
# that is what a wrong legacy decoding leaves in the middle of a word.
_TOKEN_SPLIT = re.compile(r"[\s0-9!-/:-@\[-`{-~\u2010-\u201f\u2026\u00ab\u00bb]+")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC (Windows-1258 and web exports arrive decomposed)."""
    return unicodedata.normalize("NFC", text)


def strip_marks(text: str) -> str:
    """Remove every diacritic, including the stroke of đ/Đ (which Unicode does not decompose)."""
    decomposed = unicodedata.normalize("NFD", text.translate(_D_MAP))
    return unicodedata.normalize("NFC", "".join(c for c in decomposed if not unicodedata.combining(c)))


def normalise_punctuation(text: str) -> str:
    """Turn curly apostrophes, quotes and dashes into ASCII and collapse whitespace.

    Sources typed in Word or on phones carry "O’Brien" and "Tổ 5 – Tương Mai"; without this, values that
    a person reads as equal compare unequal. Invisible characters (zero-width space, BOM, soft hyphen) are
    removed; any run of whitespace, including non-breaking spaces, becomes one space.
    """
    return " ".join(text.translate(_PUNCTUATION_MAP).split())


def _to_old_style(match: re.Match[str]) -> str:
    first, second = (match.group(1), match.group(2)) if match.group(1) else (match.group(3), match.group(4))
    base, tone = _TONE_OF[second]
    return _WITH_TONE[(first, tone)] + base


def fold_tone_placement(text: str) -> str:
    """Fold new-style tone placement ("hoà", "thuỷ", "khoẻ") to old style ("hòa", "thủy", "khỏe").

    Only open syllables ending in oa, oe or uy have two accepted placements; closed syllables ("hoàng",
    "thuyết") and qu-/gi- words ("quý", "quỳnh", "giá", "giày") have one, so they are left alone. Meant
    for comparison keys only: a stored legal name keeps the placement its source used.
    """
    return _NEW_STYLE_TONE.sub(_to_old_style, nfc(text))


def match_key(text: str) -> str:
    """Key for comparing names and streets that keep their marks: lowercase, NFC, tidy, tone-folded.

    Two spellings of the same legal name ("Nguyễn Thị Hoà", "NGUYỄN THỊ HÒA ") get the same key; names
    that differ in marks ("Hòa" vs "Hoa") do not. Strip marks from the key to compare with unmarked
    sources.
    """
    return fold_tone_placement(normalise_punctuation(nfc(text)).lower())


def _title_word(word: str) -> str:
    if any(c.isdigit() for c in word):
        return word  # house numbers and codes ("12A", "B5") keep their case
    out: list[str] = []
    start = True
    letters_in_segment = 0
    for char in word:
        if char.isalpha():
            out.append(char.upper() if start else char.lower())
            start = False
            letters_in_segment += 1
        else:
            out.append(char)
            if char == "-" or (char in "'\u2019" and letters_in_segment == 1):
                start = True  # "Bà Rịa-Vũng Tàu", "O'Brien", "K'Bông"
                letters_in_segment = 0
    return "".join(out)


def title_case_name(text: str) -> str:
    """Vietnamese title case for a personal or place name: every syllable capitalised.

    ``str.title`` is wrong on decomposed text (it capitalises the letter after a combining mark) and on
    names typed in a caps font. Tone placement is kept as given, because a legal name is not respelled;
    words containing digits are left as they are. Whitespace is collapsed.
    """
    return " ".join(_title_word(word) for word in nfc(text).split())


# ---------------------------------------------------------------------------------------------------------
# Syllable structure
# ---------------------------------------------------------------------------------------------------------

_INITIALS = (
    "", "b", "c", "ch", "d", "đ", "g", "gh", "gi", "h", "k", "kh", "l", "m", "n", "ng", "ngh", "nh",
    "p", "ph", "qu", "r", "s", "t", "th", "tr", "v", "x",
)  # fmt: skip
_FINALS = ("", "c", "ch", "m", "n", "ng", "nh", "p", "t")
# Nuclei (vowel plus glides) by which finals they take.
_OPEN_ONLY = (
    "ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iu", "oi", "ôi", "ơi", "ui", "ưi", "ưu", "ua",
    "ưa", "iêu", "yêu", "uôi", "ươi", "ươu", "oai", "oay", "oeo", "uây", "uya", "uyu", "uơ",
)  # fmt: skip
_CLOSED_ONLY = ("ă", "â", "iê", "yê", "uô", "ươ", "uyê", "oă", "uâ", "oo")
_OPEN_OR_CLOSED = ("a", "e", "ê", "i", "o", "ô", "ơ", "u", "ư", "y", "oa", "oe", "uê", "uy")
_PALATAL_FINALS = ("ch", "nh")
_TAKES_PALATAL = ("a", "ê", "i", "y", "oa", "uê", "uy")
_STOP_FINALS = ("c", "ch", "p", "t")
_FRONT = ("i", "e", "ê", "y")
# Nuclei whose tone sits on the second vowel ("người", "ngoài", "tiếng", "thuở"); others take it on the
# first, except uyê (third: "nguyễn") and the open oa/oe/uy, which accept both styles.
_TONE_ON_SECOND = frozenset(
    ("iêu", "yêu", "uôi", "ươi", "ươu", "oai", "oay", "oeo", "uây", "uya", "uyu",
     "iê", "yê", "uô", "ươ", "oă", "uâ", "uê", "uơ")
)  # fmt: skip


def _initial_allows(initial: str, nucleus: str) -> bool:
    first = nucleus[0]
    if initial == "k":
        return first in _FRONT
    if initial in ("gh", "ngh"):
        return first in ("i", "e", "ê")
    if initial in ("c", "ng"):
        return first not in _FRONT
    if initial == "g":
        return first not in _FRONT or nucleus == "i"  # "gì", "gìn" are g + i
    if initial == "qu":
        return first not in ("u", "ư", "o")
    if initial == "gi":
        return first != "i"
    return True


def _final_allows(nucleus: str, final: str) -> bool:
    if final in _PALATAL_FINALS:
        return nucleus in _TAKES_PALATAL
    if final in ("c", "ng"):
        return nucleus not in ("ê", "i", "y", "uy", "uê")
    return True


def _tone_positions(nucleus: str, final: str) -> tuple[int, ...]:
    if nucleus == "uyê":
        return (2,)
    if nucleus in ("oa", "oe", "uy"):
        return (1,) if final else (0, 1)
    if nucleus == "oo":
        return (0, 1)
    return (1,) if nucleus in _TONE_ON_SECOND else (0,)


def _build_syllables() -> tuple[dict[str, frozenset[int]], frozenset[str]]:
    """Every toneless syllable the grammar allows -> where its tone may sit; and the unmarked forms."""
    marked: dict[str, set[int]] = {}
    for initial, final in product(_INITIALS, _FINALS):
        nuclei = _OPEN_ONLY + _OPEN_OR_CLOSED if not final else _CLOSED_ONLY + _OPEN_OR_CLOSED
        for nucleus in nuclei:
            if not _final_allows(nucleus, final):
                continue
            positions = [len(initial) + p for p in _tone_positions(nucleus, final)]
            if initial == "gi" and nucleus.startswith("iê"):  # "giếng", "giết": gi + iê, the i written once
                marked.setdefault("gi" + nucleus[1:] + final, set()).update(p - 1 for p in positions)
            elif _initial_allows(initial, nucleus):
                marked.setdefault(initial + nucleus + final, set()).update(positions)
    return (
        {syllable: frozenset(positions) for syllable, positions in marked.items()},
        frozenset(strip_marks(s) for s in marked),
    )


_SYLLABLES, _ASCII_SYLLABLES = _build_syllables()
_ASCII_VOWELS = frozenset("aeiouyAEIOUY")


@lru_cache(maxsize=65536)
def is_vietnamese_syllable(word: str) -> bool:
    """Whether ``word`` is one well-formed Vietnamese syllable (any case, with or without marks).

    Structure: optional initial consonant, vowel nucleus, optional final c ch m n ng nh p t, at most one
    tone mark, on a vowel that can carry it (either style for open oa, oe, uy; never on a closing glide,
    so "phơì" is rejected); syllables ending in a stop (c ch p t) take only sắc or nặng. A word without
    any mark is valid when it is a valid syllable with its marks stripped ("NGUYEN", "Thuy").
    """
    text = nfc(word).lower()
    if not text:
        return False
    if text.isascii():
        return text in _ASCII_SYLLABLES
    tone = -1
    tone_at = -1
    chars: list[str] = []
    for index, char in enumerate(text):
        entry = _TONE_OF.get(char)
        if entry is None:
            chars.append(char)
            continue
        base, char_tone = entry
        if char_tone >= 0:
            if tone >= 0:
                return False  # two tone marks
            tone, tone_at = char_tone, index
        chars.append(base)
    toneless = "".join(chars)
    positions = _SYLLABLES.get(toneless)
    if positions is None:
        return False
    if toneless.endswith(_STOP_FINALS) and tone not in (0, 4):
        return False  # a syllable ending in a stop takes only sắc or nặng
    return tone < 0 or tone_at in positions


def _counted_tokens(text: str) -> list[str]:
    tokens = []
    for token in _TOKEN_SPLIT.split(nfc(text)):
        if not any(c.isalpha() for c in token):
            continue
        if token.isascii() and _ASCII_VOWELS.isdisjoint(token):
            continue  # abbreviations (P., TP, TDP, HN) look the same in every encoding
        tokens.append(token)
    return tokens


def vietnamese_share(text: str) -> float:
    """Share of the word tokens in ``text`` that are valid Vietnamese syllables.

    Tokens are split at whitespace, digits and punctuation; tokens without a letter and all-ASCII
    abbreviations without a vowel (P, TP, TDP) are not counted. Text with nothing to count returns 1.0:
    there is no evidence against it.
    """
    tokens = _counted_tokens(text)
    if not tokens:
        return 1.0
    return sum(1 for token in tokens if is_vietnamese_syllable(token)) / len(tokens)


def looks_vietnamese(text: str, threshold: float = 0.8) -> bool:
    """Whether ``text`` reads as Vietnamese; False is the sign of a wrongly declared encoding."""
    return vietnamese_share(text) >= threshold
