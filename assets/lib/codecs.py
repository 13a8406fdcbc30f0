"""Decoders and encoders for the encodings former wards' files arrive in.

Python knows UTF-8 and Windows-1258 but not the two font encodings most Vietnamese offices used before
Unicode, and no maintained package decodes them correctly, so the project owns them:

TCVN3 (TCVN 5712:1993 "ABC", VN3, the ``.VnTime`` fonts)
    One byte per letter. The font table uses 0xA1–0xFE for letters: the seven untoned capitals
    Ă Â Ê Ô Ơ Ư Đ (0xA1–0xA7) and every lowercase letter. Capitals with tones were typed with a separate
    caps font (``.VnTimeH``) on the lowercase codes, so they decode lowercase and the caller restores case
    (names are title case). Byte 0xAD is "ư", not a soft hyphen. Decisions:

    * 0x00–0x7F decode as ASCII. glibc's ``TCVN5712-1`` (the full VN1 table) maps a few control bytes
      (0x01, 0x02, 0x04–0x06, 0x11–0x17) to toned capitals; the ABC font table does not, and reading a
      tab or newline as "Ừ" would corrupt every file.
    * 0xA0–0xFE decode exactly as glibc does. That includes slots the ABC fonts leave empty but VN1 fills
      (toned capitals at 0xAF, 0xBA, 0xBF–0xC5, 0xCD, 0xD9–0xDB, 0xE0, 0xF0 and the combining tones
      0xB0–0xB4, which compose with the preceding letter); accepting them costs nothing.
    * 0x80–0x9F and 0xFF are VN1-only capitals that ABC text never contains; they are undefined and raise
      :class:`EncodingError`. They are also UTF-8's continuation bytes, so a UTF-8 file declared as
      TCVN3 usually fails at once instead of loading as garbage.
    * Encoding writes toned capitals as their lowercase letter (lossy, like the real fonts) and uses only
      the ABC slots.

VNI-Windows (``VNI-Times``)
    A base letter followed by mark characters, saved as cp1252 bytes: "Nguyeãn" = Nguyễn, "Ñaëng" = Đặng,
    "Höng" = Hưng. Some letters are a single character (ơ = "ô", ư = "ö", đ = "ñ", the i forms
    í ì æ ó ò, and ỵ = "î"), and ẳ is "aú", not "aû" (that is ả). Decoding reads base + mark pairs
    before single characters. The case of a pair follows its base letter, so "Aù" (a case-changed cell)
    decodes to Á like the standard "AÙ". Characters that are not part of a Vietnamese letter (punctuation,
    a stray mark) decode as their cp1252 character; only bytes cp1252 leaves undefined raise.

Windows-1258
    Python's codec yields a base letter plus a combining tone; decoding returns NFC. Encoding writes the
    Windows form: precomposed base letters (â ê ô ơ ư ă đ) followed by combining tones, even where cp1258
    also has a precomposed toned letter (à, é, ...), because that is what Windows' Vietnamese keyboard
    wrote.

Every decoder returns NFC text.
"""

from __future__ import annotations

import codecs
import re
import unicodedata
from typing import Literal

from assets.lib.vietnamese import LOWER_LETTERS, TONE_MARKS, VIETNAMESE_LETTERS, nfc
from schemas.errors import WardmergeError

__all__ = [
    "SUPPORTED_ENCODINGS",
    "EncodingError",
    "decode_bytes",
    "encode_text",
    "repair_text",
]

SUPPORTED_ENCODINGS = ("utf-8", "utf-8-sig", "cp1258", "tcvn3", "vni")
LEGACY_FONT_ENCODINGS = ("tcvn3", "vni")


class EncodingError(WardmergeError, ValueError):
    """Bytes or text that the declared encoding cannot represent; names the offset and the encoding."""


def _check_encoding(encoding: str) -> str:
    name = encoding.strip().lower()
    if name not in SUPPORTED_ENCODINGS:
        raise EncodingError(f"unknown encoding {encoding!r}: expected one of {', '.join(SUPPORTED_ENCODINGS)}")
    return name


# ---------------------------------------------------------------------------------------------------------
# TCVN3
# ---------------------------------------------------------------------------------------------------------

# The ABC (VN3) font letters: 0xA1–0xA7 untoned capitals, then the 67 lowercase letters.
_TCVN3_LETTERS = {
    0xA1: "Ă", 0xA2: "Â", 0xA3: "Ê", 0xA4: "Ô", 0xA5: "Ơ", 0xA6: "Ư", 0xA7: "Đ",
    0xA8: "ă", 0xA9: "â", 0xAA: "ê", 0xAB: "ô", 0xAC: "ơ", 0xAD: "ư", 0xAE: "đ",
    0xB5: "à", 0xB6: "ả", 0xB7: "ã", 0xB8: "á", 0xB9: "ạ",
    0xBB: "ằ", 0xBC: "ẳ", 0xBD: "ẵ", 0xBE: "ắ", 0xC6: "ặ",
    0xC7: "ầ", 0xC8: "ẩ", 0xC9: "ẫ", 0xCA: "ấ", 0xCB: "ậ",
    0xCC: "è", 0xCE: "ẻ", 0xCF: "ẽ", 0xD0: "é", 0xD1: "ẹ",
    0xD2: "ề", 0xD3: "ể", 0xD4: "ễ", 0xD5: "ế", 0xD6: "ệ",
    0xD7: "ì", 0xD8: "ỉ", 0xDC: "ĩ", 0xDD: "í", 0xDE: "ị",
    0xDF: "ò", 0xE1: "ỏ", 0xE2: "õ", 0xE3: "ó", 0xE4: "ọ",
    0xE5: "ồ", 0xE6: "ổ", 0xE7: "ỗ", 0xE8: "ố", 0xE9: "ộ",
    0xEA: "ờ", 0xEB: "ở", 0xEC: "ỡ", 0xED: "ớ", 0xEE: "ợ",
    0xEF: "ù", 0xF1: "ủ", 0xF2: "ũ", 0xF3: "ú", 0xF4: "ụ",
    0xF5: "ừ", 0xF6: "ử", 0xF7: "ữ", 0xF8: "ứ", 0xF9: "ự",
    0xFA: "ỳ", 0xFB: "ỷ", 0xFC: "ỹ", 0xFD: "ý", 0xFE: "ỵ",
}  # fmt: skip
# Slots of 0xA0–0xFE that glibc's TCVN5712-1 (VN1) fills and the ABC fonts leave empty; decoded, never
# written.
_TCVN3_DECODE_ONLY = {
    0xA0: "\u00a0",
    0xAF: "Ằ", 0xB0: "\u0300", 0xB1: "\u0309", 0xB2: "\u0303", 0xB3: "\u0301", 0xB4: "\u0323",
    0xBA: "Ẳ", 0xBF: "Ẵ", 0xC0: "Ắ", 0xC1: "Ầ", 0xC2: "Ẩ", 0xC3: "Ẫ", 0xC4: "Ấ", 0xC5: "Ề",
    0xCD: "Ể", 0xD9: "Ễ", 0xDA: "Ế", 0xDB: "Ồ", 0xE0: "Ổ", 0xF0: "Ỗ",
}  # fmt: skip
_UNDEFINED = "\ufffe"  # marks an undefined slot in a charmap table


def _charmap(entries: dict[int, str]) -> str:
    table = [chr(b) for b in range(0x80)] + [_UNDEFINED] * 0x80
    for byte, char in entries.items():
        table[byte] = char
    return "".join(table)


_TCVN3_DECODING_TABLE = _charmap({**_TCVN3_LETTERS, **_TCVN3_DECODE_ONLY})
_TCVN3_ENCODING_MAP = codecs.charmap_build(_charmap({**_TCVN3_LETTERS, 0xA0: "\u00a0"}))
# Toned capitals have no TCVN3 code: they are written on the lowercase code, as the caps fonts did.
_TCVN3_CAPITALS_TO_LOWER = str.maketrans(
    {upper: lower for lower in LOWER_LETTERS if (upper := lower.upper()) not in _TCVN3_LETTERS.values()}
)


def _decode_tcvn3(data: bytes, errors: str) -> str:
    try:
        text, _ = codecs.charmap_decode(data, errors, _TCVN3_DECODING_TABLE)  # type: ignore[arg-type,unused-ignore]
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"byte 0x{data[exc.start]:02X} at offset {exc.start} is not defined in tcvn3 "
            "(the ABC table uses ASCII and 0xA0–0xFE)"
        ) from None
    return text


def _encode_tcvn3(text: str) -> bytes:
    try:
        data, _ = codecs.charmap_encode(text.translate(_TCVN3_CAPITALS_TO_LOWER), "strict", _TCVN3_ENCODING_MAP)
    except UnicodeEncodeError as exc:
        raise _unencodable(text, exc.start, "tcvn3") from None
    return data


# ---------------------------------------------------------------------------------------------------------
# VNI-Windows
# ---------------------------------------------------------------------------------------------------------

# Mark characters by tone (sắc, huyền, hỏi, ngã, nặng), as in TONE_MARKS.
_VNI_TONE = ("ù", "ø", "û", "õ", "ï")  # on a e o u y ơ ư
_VNI_CIRCUMFLEX = ("â", ("á", "à", "å", "ã", "ä"))  # â ê ô: quality mark, then quality + tone
_VNI_BREVE = ("ê", ("é", "è", "ú", "ü", "ë"))  # ă
_VNI_I = ("í", "ì", "æ", "ó", "ò")  # i is written as one character per tone


def _build_vni() -> dict[str, str]:
    """Every non-ASCII Vietnamese letter -> its VNI-Windows spelling (as cp1252 characters)."""
    lower: dict[str, str] = {"đ": "ñ", "ă": "a" + _VNI_BREVE[0], "ơ": "ô", "ư": "ö"}
    for vowel in "aeouy":
        for mark, vni in zip(TONE_MARKS, _VNI_TONE, strict=True):
            lower[nfc(vowel + mark)] = vowel + vni
    lower["ỵ"] = "î"  # not "yï"
    for vowel, base in (("â", "a"), ("ê", "e"), ("ô", "o")):
        lower[vowel] = base + _VNI_CIRCUMFLEX[0]
        for mark, vni in zip(TONE_MARKS, _VNI_CIRCUMFLEX[1], strict=True):
            lower[nfc(vowel + mark)] = base + vni
    for mark, vni in zip(TONE_MARKS, _VNI_BREVE[1], strict=True):
        lower[nfc("ă" + mark)] = "a" + vni
    for vowel, single in (("ơ", "ô"), ("ư", "ö")):
        for mark, vni in zip(TONE_MARKS, _VNI_TONE, strict=True):
            lower[nfc(vowel + mark)] = single + vni
    for mark, vni in zip(TONE_MARKS, _VNI_I, strict=True):
        lower[nfc("i" + mark)] = vni
    return {**lower, **{letter.upper(): spelling.upper() for letter, spelling in lower.items()}}


_VNI_ENCODE_LETTERS = _build_vni()
# Characters that spell Vietnamese letters in VNI; as plain text they would not survive a round trip.
_VNI_RESERVED = frozenset(c for spelling in _VNI_ENCODE_LETTERS.values() for c in spelling if not c.isascii())
_VNI_MARKS = frozenset(s[1] for s in _VNI_ENCODE_LETTERS.values() if len(s) == 2)
_VNI_BASES = frozenset(s[0] for s in _VNI_ENCODE_LETTERS.values() if len(s) == 2)
_VNI_SINGLES = {s: letter for letter, s in _VNI_ENCODE_LETTERS.items() if len(s) == 1}
# Pairs in either mark case; the letter's case follows the base.
_VNI_PAIRS = {
    s[0] + mark: letter
    for letter, s in _VNI_ENCODE_LETTERS.items()
    if len(s) == 2
    for mark in (s[1].lower(), s[1].upper())
}
_VNI_DECODE = re.compile(
    "[" + "".join(sorted(_VNI_BASES)) + "][" + "".join(sorted(_VNI_MARKS)) + "]|[" + "".join(sorted(_VNI_SINGLES)) + "]"
)


def _cp1252_chars() -> dict[str, str]:
    chars: dict[str, str] = {}
    for byte in range(0x100):
        try:
            char = bytes([byte]).decode("cp1252")
        except UnicodeDecodeError:
            continue
        if char not in _VNI_RESERVED:
            chars[char] = char
    return chars


# Every character the VNI encoder can write: plain cp1252 characters that round-trip, and the letters.
_VNI_ENCODE = {**_cp1252_chars(), **_VNI_ENCODE_LETTERS}


def _vni_letter(match: re.Match[str]) -> str:
    found = match.group()
    letter = _VNI_PAIRS.get(found)
    if letter is not None:
        return letter
    # a base that is also a letter on its own ("ô" = ơ) followed by a mark that does not combine with it
    return _VNI_SINGLES.get(found[0], found[0]) + found[1:]


def _decode_vni(data: bytes, errors: str) -> str:
    try:
        text = data.decode("cp1252", errors)
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"byte 0x{data[exc.start]:02X} at offset {exc.start} is not defined in vni "
            "(VNI-Windows text is stored as cp1252 bytes)"
        ) from None
    return _VNI_DECODE.sub(_vni_letter, text)


def _encode_vni(text: str) -> bytes:
    parts = [_VNI_ENCODE.get(char) for char in text]
    for offset, part in enumerate(parts):
        if part is None:
            raise _unencodable(text, offset, "vni")
    return "".join(parts).encode("cp1252")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------------------------------------
# Windows-1258
# ---------------------------------------------------------------------------------------------------------


def _windows_form(letter: str) -> str:
    decomposed = unicodedata.normalize("NFD", letter)
    tones = [c for c in decomposed if c in TONE_MARKS]
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in TONE_MARKS))
    return base + "".join(tones)


_CP1258_FORMS = str.maketrans({letter: _windows_form(letter) for letter in VIETNAMESE_LETTERS})


def _encode_cp1258(text: str) -> bytes:
    try:
        return text.translate(_CP1258_FORMS).encode("cp1258")
    except UnicodeEncodeError:
        pass
    for offset, char in enumerate(text):  # slow path only to name the offending character
        try:
            char.translate(_CP1258_FORMS).encode("cp1258")
        except UnicodeEncodeError:
            raise _unencodable(text, offset, "cp1258") from None
    raise AssertionError("unreachable: cp1258 failed on the whole text but on no character")


# ---------------------------------------------------------------------------------------------------------
# Public API
# ---------------------------------------------------------------------------------------------------------


def _unencodable(text: str, offset: int, encoding: str) -> EncodingError:
    return EncodingError(f"character U+{ord(text[offset]):04X} at offset {offset} cannot be encoded in {encoding}")


def decode_bytes(data: bytes, encoding: str, errors: Literal["strict", "replace"] = "strict") -> str:
    """Decode a former ward's file content to NFC text.

    ``encoding`` is one of :data:`SUPPORTED_ENCODINGS` (as a source manifest declares it). Bytes the
    encoding does not define raise :class:`EncodingError` with their offset; ``errors="replace"`` turns
    them into U+FFFD instead, for sniffing a sample whose declared encoding is in doubt.
    """
    name = _check_encoding(encoding)
    if errors not in ("strict", "replace"):
        raise EncodingError(f"unknown errors mode {errors!r}: expected 'strict' or 'replace'")
    if name == "tcvn3":
        return nfc(_decode_tcvn3(data, errors))
    if name == "vni":
        return nfc(_decode_vni(data, errors))
    try:
        return nfc(data.decode(name, errors))
    except UnicodeDecodeError as exc:
        raise EncodingError(
            f"byte 0x{data[exc.start]:02X} at offset {exc.start} is not valid {name}: {exc.reason}"
        ) from None


def encode_text(text: str, encoding: str) -> bytes:
    """Encode text the way a legacy system wrote it (the sample-data generator writes realistic files).

    TCVN3 writes toned capitals as lowercase, like the fonts; cp1258 writes base letter + combining tone.
    A character the encoding cannot represent raises :class:`EncodingError` with its offset in the NFC
    form of ``text``.
    """
    name = _check_encoding(encoding)
    text = nfc(text)
    if name == "tcvn3":
        return _encode_tcvn3(text)
    if name == "vni":
        return _encode_vni(text)
    if name == "cp1258":
        return _encode_cp1258(text)
    return text.encode(name)


def repair_text(text: str, encoding: str) -> str:
    """Decode a string whose characters are legacy font codes, as read from an xlsx, JSON or SQLite cell.

    A cell typed in a VNI or TCVN3 font holds "Nguyeãn" or "NguyÔn" as Unicode characters; their cp1252
    (or, on Vietnamese-locale Windows, cp1258) code points are the legacy bytes. For utf-8, utf-8-sig and
    cp1258 the cell is already Unicode and is only normalised to NFC. A character with no single-byte code
    means the cell is not legacy text and raises :class:`EncodingError`.
    """
    name = _check_encoding(encoding)
    if name not in LEGACY_FONT_ENCODINGS:
        return nfc(text)
    try:
        data = text.encode("cp1252")
    except UnicodeEncodeError:
        try:
            data = text.encode("cp1258")
        except UnicodeEncodeError as exc:
            raise EncodingError(
                f"character U+{ord(text[exc.start]):04X} at offset {exc.start} is not a {name} font code: "
                "the cell is not legacy text"
            ) from None
    return decode_bytes(data, name)
