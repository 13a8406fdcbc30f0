"""Vietnamese personal names from frequency tables, and the ways ward rosters spell them.

Faker's ``vi_VN`` names come with honorifics, Western order and tiny pools, so linkage tests on them would be
too easy; these tables follow the published shares of family names and the habits of naming by generation
(``Thị``/``Văn`` middle names for older people, two-word middle names for younger ones).
"""

from __future__ import annotations

import random
import unicodedata
from bisect import bisect_right
from functools import lru_cache
from itertools import accumulate

from assets.lib.vietnamese import strip_marks


class WeightedPool:
    """Draws from a fixed weighted list with a caller-owned ``random.Random`` (deterministic per seed)."""

    def __init__(self, items: tuple[tuple[str, float], ...]) -> None:
        self.values = [value for value, _ in items]
        self._cumulative = list(accumulate(weight for _, weight in items))
        self._total = self._cumulative[-1]

    def draw(self, rng: random.Random) -> str:
        return self.values[bisect_right(self._cumulative, rng.random() * self._total)]


# fmt: off
# Shares of family names in Vietnam (per cent, rounded; the long tail shares the rest).
FAMILY_NAMES = WeightedPool(
    (
        ("Nguyễn", 38.4), ("Trần", 11.0), ("Lê", 9.5), ("Phạm", 7.0), ("Hoàng", 4.0), ("Huỳnh", 0.8),
        ("Phan", 3.0), ("Vũ", 3.4), ("Võ", 0.8), ("Đặng", 2.1), ("Bùi", 2.0), ("Đỗ", 1.6), ("Hồ", 1.1),
        ("Ngô", 1.3), ("Dương", 1.0), ("Lý", 0.5), ("Đào", 0.8), ("Đoàn", 0.6), ("Vương", 0.3),
        ("Trịnh", 0.7), ("Đinh", 0.7), ("Lâm", 0.3), ("Phùng", 0.4), ("Mai", 0.4), ("Tô", 0.3),
        ("Trương", 0.5), ("Hà", 0.6), ("Lương", 0.4), ("Chu", 0.3), ("Tạ", 0.3), ("Cao", 0.4),
        ("Kiều", 0.2), ("Lại", 0.2), ("Khúc", 0.1), ("Nghiêm", 0.1), ("Quách", 0.1), ("Lưu", 0.3),
        ("Thái", 0.1), ("Triệu", 0.2), ("Doãn", 0.1), ("Giang", 0.1), ("Khổng", 0.05), ("Mạc", 0.1),
        ("Phí", 0.1), ("Âu", 0.05), ("Ứng", 0.03), ("Kim", 0.05), ("Nhữ", 0.03), ("Văn", 0.1),
        ("Tăng", 0.05), ("Hứa", 0.05), ("Lã", 0.05), ("Đàm", 0.1), ("Nông", 0.05), ("Thân", 0.05),
    )
)

# Middle names apart from the generational Văn / Thị, which are drawn by birth year (see ``middle_name``).
MALE_MIDDLE = WeightedPool(
    (
        ("Đức", 8), ("Minh", 9), ("Quang", 6), ("Hữu", 5), ("Xuân", 4), ("Thanh", 5), ("Ngọc", 3),
        ("Công", 4), ("Tuấn", 3), ("Mạnh", 3), ("Trung", 3), ("Hoàng", 4), ("Gia", 4), ("Đình", 5),
        ("Bảo", 3), ("Duy", 4), ("Anh", 3), ("Quốc", 4), ("Việt", 3), ("Tiến", 2), ("Thế", 3),
        ("Trọng", 3), ("Khánh", 2), ("Hải", 2), ("Nhật", 2), ("Đăng", 2), ("Huy", 2),
        ("Chí", 2), ("Phúc", 1), ("Thành", 2), ("Hồng", 1), ("Kim", 1), ("Tất", 1), ("Bá", 2),
    )
)
FEMALE_MIDDLE = WeightedPool(
    (
        ("Ngọc", 8), ("Thu", 6), ("Thanh", 6), ("Minh", 5), ("Phương", 5), ("Thùy", 4), ("Hồng", 5),
        ("Bảo", 3), ("Khánh", 4), ("Mai", 3), ("Lan", 2), ("Kim", 4), ("Diệu", 2), ("Hải", 2),
        ("Hoài", 2), ("Quỳnh", 3), ("Tuyết", 2), ("Bích", 3), ("Như", 2), ("Hà", 2), ("Thảo", 2),
        ("Vân", 2), ("Ánh", 2), ("Gia", 2), ("Hương", 2), ("Thúy", 2), ("Huyền", 1), ("Cẩm", 1),
        ("Mỹ", 2), ("Thiên", 1), ("Tường", 1), ("Yến", 1), ("Hoàng", 1), ("Trà", 1),
    )
)

MALE_GIVEN = WeightedPool(
    (
        ("An", 3), ("Anh", 8), ("Bách", 1), ("Bảo", 3), ("Bình", 4), ("Chiến", 3), ("Công", 2),
        ("Cường", 5), ("Dũng", 7), ("Duy", 4), ("Dương", 3), ("Đại", 2), ("Đạt", 5), ("Định", 2),
        ("Đông", 2), ("Đức", 6), ("Giang", 2), ("Hải", 6), ("Hào", 2), ("Hậu", 2), ("Hiếu", 4),
        ("Hiển", 2), ("Hiệp", 3), ("Hòa", 4), ("Hoàng", 4), ("Hùng", 8), ("Huy", 6), ("Hưng", 6),
        ("Khang", 2), ("Khải", 2), ("Khánh", 3), ("Khoa", 3), ("Khôi", 2), ("Kiên", 3), ("Lâm", 2),
        ("Linh", 1), ("Long", 6), ("Lộc", 2), ("Lợi", 2), ("Luân", 1), ("Mạnh", 4), ("Minh", 8),
        ("Nam", 7), ("Nghĩa", 4), ("Ngọc", 2), ("Nhân", 2), ("Nhật", 2), ("Phong", 4), ("Phú", 2),
        ("Phúc", 3), ("Phương", 2), ("Quân", 5), ("Quang", 5), ("Quốc", 2), ("Quý", 2), ("Quyết", 2),
        ("Sơn", 6), ("Tài", 3), ("Tâm", 3), ("Tân", 2), ("Thái", 2), ("Thắng", 6), ("Thành", 7),
        ("Thanh", 3), ("Thiện", 2), ("Thịnh", 3), ("Thọ", 2), ("Thông", 2), ("Thuận", 3), ("Thủy", 1),
        ("Thụy", 1), ("Tiến", 4), ("Toàn", 4), ("Trí", 2), ("Trung", 6), ("Trường", 3), ("Tú", 3),
        ("Tuấn", 8), ("Tùng", 5), ("Việt", 4), ("Vinh", 4), ("Vũ", 3), ("Vượng", 1), ("Xuân", 2),
        ("Hoàn", 2), ("Đăng", 1), ("Kiệt", 2), ("Lực", 1), ("Nguyên", 3), ("Sang", 1), ("Tuệ", 1),
        ("Triều", 1), ("Văn", 1), ("Hưởng", 1), ("Hợp", 1), ("Hoan", 1), ("Khoát", 1), ("Thuần", 1),
    )
)
FEMALE_GIVEN = WeightedPool(
    (
        ("Anh", 8), ("Ánh", 3), ("Bích", 2), ("Chi", 5), ("Diệp", 1), ("Dung", 5), ("Duyên", 3),
        ("Giang", 4), ("Hà", 6), ("Hạnh", 5), ("Hằng", 6), ("Hiền", 5), ("Hoa", 6), ("Hòa", 3),
        ("Hoài", 2), ("Hồng", 4), ("Huệ", 3), ("Hương", 8), ("Hường", 2), ("Huyền", 5), ("Khánh", 2),
        ("Lan", 6), ("Liên", 3), ("Liễu", 1), ("Linh", 9), ("Loan", 3), ("Ly", 3), ("Mai", 6),
        ("My", 3), ("Nga", 5), ("Ngân", 4), ("Ngọc", 4), ("Nguyệt", 2), ("Nhung", 4), ("Nhàn", 2),
        ("Nhi", 4), ("Oanh", 3), ("Phương", 6), ("Phượng", 2), ("Quyên", 2), ("Quỳnh", 4),
        ("Tâm", 3), ("Thảo", 7), ("Thắm", 2), ("Thanh", 4), ("Thơ", 2), ("Thu", 5), ("Thủy", 5),
        ("Thúy", 4), ("Thùy", 2), ("Thư", 4), ("Trang", 8), ("Trâm", 2), ("Tuyết", 3), ("Uyên", 3),
        ("Vân", 5), ("Vy", 3), ("Xuân", 3), ("Yến", 5), ("Hậu", 2), ("Lệ", 2), ("Khuê", 1),
        ("Diệu", 1), ("Hảo", 2), ("Thoa", 2), ("Sen", 1), ("Đào", 1), ("Na", 1), ("Châu", 2),
        ("Trinh", 2), ("Vi", 1), ("Hân", 2), ("Mến", 1), ("Quế", 1), ("Thụy", 1), ("Tú", 1),
    )
)
# Names given mostly before 1960; older residents draw from these a third of the time.
FEMALE_GIVEN_OLD = WeightedPool(
    (("Lành", 2), ("Tươi", 2), ("Gấm", 1), ("Nhài", 1), ("Thơm", 2), ("Lụa", 1), ("Hợi", 1),
     ("Tý", 1), ("Nụ", 1), ("Xoan", 1), ("Cúc", 2), ("Đào", 1), ("Mận", 1), ("Hòe", 1))
)
MALE_GIVEN_OLD = WeightedPool(
    (("Sửu", 1), ("Tý", 1), ("Dần", 1), ("Bảy", 1), ("Tám", 1), ("Chín", 1), ("Thoại", 1),
     ("Lạc", 1), ("Khoái", 1), ("Thụy", 1), ("Tụy", 1), ("Hòe", 1), ("Quế", 1), ("Cừ", 1))
)

# Residents from the Central Highlands (students, workers) have names of another shape, some with an
# apostrophe that ward computers retype as a curly one.
HIGHLAND_FEMALE_GIVEN = ("H'Hen", "H'Linh", "H'Nơ", "H'Yim", "H'Bia", "H'Xíu", "H'Lan")
HIGHLAND_MALE_GIVEN = ("Y Moan", "Y Bih", "Y Kông", "Y Ngọc", "Y Thông")
HIGHLAND_FAMILY = ("Niê", "Êban", "Mlô", "Ksơr", "Byă", "Adrơng", "Buôn Yă")
# fmt: on

_TONES = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_MOVABLE = ("oa", "oe", "uy")


def middle_name(rng: random.Random, sex: str, birth_year: int) -> str:
    """Thị and Văn dominate older generations; younger people get varied, sometimes two-word, middles."""
    if sex == "F":
        generational = 0.85 if birth_year < 1960 else 0.6 if birth_year < 1980 else 0.3 if birth_year < 2000 else 0.08
        if rng.random() < generational:
            return "Thị"
        pool = FEMALE_MIDDLE
    else:
        generational = 0.6 if birth_year < 1960 else 0.45 if birth_year < 1980 else 0.25 if birth_year < 2000 else 0.08
        if rng.random() < generational:
            return "Văn"
        pool = MALE_MIDDLE
    first = pool.draw(rng)
    if birth_year >= 1995 and rng.random() < 0.1:
        second = pool.draw(rng)
        if second != first:
            return f"{first} {second}"
    return first


def given_name(rng: random.Random, sex: str, birth_year: int, avoid: str | None = None) -> str:
    """A given name; ``avoid`` keeps twins from receiving the same one."""
    for _ in range(20):
        if birth_year < 1960 and rng.random() < 0.33:
            name = (FEMALE_GIVEN_OLD if sex == "F" else MALE_GIVEN_OLD).draw(rng)
        else:
            name = (FEMALE_GIVEN if sex == "F" else MALE_GIVEN).draw(rng)
        if name != avoid:
            return name
    raise RuntimeError("name pools cannot supply a different given name")  # pragma: no cover


def highland_name(rng: random.Random, sex: str) -> str:
    given = rng.choice(HIGHLAND_FEMALE_GIVEN if sex == "F" else HIGHLAND_MALE_GIVEN)
    return f"{given} {rng.choice(HIGHLAND_FAMILY)}"


def restyle_tones(text: str, style: str) -> str:
    """Move tone marks in open oa/oe/uy syllables: ``old`` (hòa, thủy) or ``new`` (hoà, thuỷ) style.

    Both styles are accepted spellings of the same legal name; qu-/gi- words (quý) never move.
    """
    if style not in ("old", "new"):
        raise ValueError(f"tone style must be 'old' or 'new', got {style!r}")
    return " ".join(_restyle_word(word, style) for word in text.split(" "))


@lru_cache(maxsize=8192)
def _restyle_word(word: str, style: str) -> str:
    decomposed = unicodedata.normalize("NFD", word)
    tones = [c for c in decomposed if c in _TONES]
    if len(tones) != 1:
        return word
    base = "".join(c for c in decomposed if c not in _TONES)
    lower = base.lower()
    if len(lower) < 2 or lower[-2:] not in _MOVABLE or lower.startswith(("qu", "gi")):
        return word
    # The two letters of the cluster must be bare vowels (no circumflex/horn) for the rule to apply.
    if any(unicodedata.combining(c) for c in base[-2:]):
        return word
    pos = len(base) - 2 if style == "old" else len(base) - 1
    return unicodedata.normalize("NFC", base[: pos + 1] + tones[0] + base[pos + 1 :])


def has_movable_tone(text: str) -> bool:
    """Whether the two tone-placement styles spell ``text`` differently (hòa/hoà, thủy/thuỷ)."""
    return any(_restyle_word(w, "old") != _restyle_word(w, "new") for w in text.split(" "))


def caps_without_marks(text: str) -> str:
    """How older ward applications hold names: upper case, no diacritics (Đ becomes D)."""
    return strip_marks(text).upper()


def title_case(text: str) -> str:
    """Each syllable capitalised; apostrophes inside highland names do not start a new word."""
    return " ".join(word[:1].upper() + word[1:].lower() for word in text.split(" ") if word)


def _one_edit_apart(a: str, b: str) -> bool:
    """Exactly one letter inserted, dropped or replaced (Levenshtein distance 1)."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    return any(long_[:i] + long_[i + 1 :] == short for i in range(len(long_)))


@lru_cache(maxsize=4)
def _lookalike_pool(sex: str) -> tuple[str, ...]:
    pool = FEMALE_GIVEN if sex == "F" else MALE_GIVEN
    return tuple(pool.values)


def lookalike_given_name(rng: random.Random, sex: str, given: str) -> str | None:
    """A given name that looks like ``given`` but is another name: one letter apart without marks
    (Hạnh/Ánh, Lan/Loan, Khang/Khánh) or the same letters with other marks (Anh/Ánh, Hùng/Hưng, Thu/Thư).
    Parents often name twins so; None when the pool has no such name."""
    folded = strip_marks(given).lower()
    candidates = [
        name
        for name in _lookalike_pool(sex)
        if name != given
        and (strip_marks(name).lower() == folded or _one_edit_apart(strip_marks(name).lower(), folded))
    ]
    return rng.choice(candidates) if candidates else None
