"""Identity numbers and phone numbers as Vietnamese registries issue them, and as rosters mangle them.

Random values must never create a defect by accident: a generated CCCD always agrees with its holder's sex
and birth year (digits 4–6, Circular 07/2016/TT-BCA) and a generated mobile number is a valid ten-digit
number, so a record is quarantined exactly when the generator meant it to be.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from sample_data.names import WeightedPool

# fmt: off
# Province code of birth registration (0 + GSO code): Hà Nội dominates in a Hanoi ward; the rest are the
# provinces people most often move to Hanoi from.
BIRTH_PROVINCES = WeightedPool(
    (
        ("001", 66), ("036", 5), ("038", 4), ("034", 4), ("030", 3), ("040", 3), ("033", 3), ("035", 2),
        ("037", 2), ("027", 1.5), ("025", 1.5), ("026", 1), ("031", 1), ("022", 0.8), ("019", 0.8),
        ("042", 0.8), ("024", 0.8), ("017", 0.5), ("079", 0.5), ("044", 0.3), ("045", 0.3),
    )
)
# CMND prefixes follow the issuing police, not birthplace: most residents got theirs in Hanoi (01x). No police
# issued "00…" numbers; such a number typed into Excel would lose zeros beyond what can be restored.
CMND_PREFIXES = WeightedPool(
    (("01", 78), ("16", 4), ("17", 4), ("15", 4), ("14", 3), ("18", 2), ("03", 2), ("12", 2), ("13", 1))
)

# Ten-digit mobile prefixes in use (2025), weighted roughly by subscribers.
MOBILE_PREFIXES = WeightedPool(
    (
        ("096", 6), ("097", 6), ("098", 7), ("086", 3), ("032", 3), ("033", 3), ("034", 3), ("035", 3),
        ("036", 3), ("037", 3), ("038", 3), ("039", 3), ("091", 5), ("094", 4), ("088", 2), ("081", 1),
        ("082", 1), ("083", 1), ("084", 1), ("085", 1), ("090", 5), ("093", 4), ("089", 2), ("070", 1),
        ("076", 1), ("077", 1), ("078", 1), ("079", 1), ("092", 1), ("056", 0.5), ("058", 0.5),
        ("099", 0.3), ("059", 0.3),
    )
)
# The 2018 conversion (Decision 798/QĐ-BTTTT) read backwards: new 3-digit prefix → old 4-digit prefix.
OLD_PREFIX_OF = {
    "070": "0120", "079": "0121", "077": "0122", "076": "0126", "078": "0128",
    "083": "0123", "084": "0124", "085": "0125", "081": "0127", "082": "0129",
    "032": "0162", "033": "0163", "034": "0164", "035": "0165", "036": "0166", "037": "0167",
    "038": "0168", "039": "0169", "056": "0186", "058": "0188", "059": "0199",
}
# fmt: on


class UniqueNumbers:
    """Draws numbers that were never drawn before in this generation run (two people never share an ID)."""

    def __init__(self) -> None:
        self._used: set[str] = set()

    def take(self, make: Callable[[], str]) -> str:
        for _ in range(1000):
            value = make()
            if value not in self._used:
                self._used.add(value)
                return value
        raise RuntimeError("number space exhausted")  # pragma: no cover


def century_sex_digit(sex: str, birth_year: int) -> str:
    """4th CCCD digit: 0/1 for men/women born in the 1900s, 2/3 in the 2000s."""
    return str(2 * (birth_year // 100 - 19) + (1 if sex == "F" else 0))


def make_cccd(rng: random.Random, used: UniqueNumbers, province: str, sex: str, birth_year: int) -> str:
    head = province + century_sex_digit(sex, birth_year) + f"{birth_year % 100:02d}"
    return used.take(lambda: head + f"{rng.randrange(1_000_000):06d}")


def make_cmnd(rng: random.Random, used: UniqueNumbers) -> str:
    prefix = CMND_PREFIXES.draw(rng)
    return used.take(lambda: prefix + f"{rng.randrange(10_000_000):07d}")


def make_mobile(rng: random.Random, used: UniqueNumbers) -> str:
    prefix = MOBILE_PREFIXES.draw(rng)
    return used.take(lambda: prefix + f"{rng.randrange(10_000_000):07d}")


def cccd_with_typo(rng: random.Random, cccd: str) -> str:
    """One mistyped digit among the six random ones: still a valid, consistent, 12-digit number."""
    pos = rng.randrange(6, 12)
    digit = rng.choice([d for d in "0123456789" if d != cccd[pos]])
    return cccd[:pos] + digit + cccd[pos + 1 :]


def cccd_contradicting(rng: random.Random, cccd: str, sex: str, birth_year: int) -> str:
    """Digits 4–6 that disagree with the record's sex (wrong sex digit) or birth year (wrong year digits)."""
    if rng.random() < 0.5:
        digit = century_sex_digit("M" if sex == "F" else "F", birth_year)
        return cccd[:3] + digit + cccd[4:]
    shift = rng.choice((-10, -3, -2, -1, 1, 2, 3, 10))
    return cccd[:4] + f"{(birth_year + shift) % 100:02d}" + cccd[6:]


def id_not_digits(rng: random.Random, number: str) -> str:
    """A letter typed for a look-alike digit (O for 0, l/I for 1, B for 8, S for 5)."""
    lookalikes = {"0": "O", "1": "l", "8": "B", "5": "S"}
    positions = [i for i, c in enumerate(number) if c in lookalikes]
    if not positions:
        pos = rng.randrange(len(number))
        return number[:pos] + "O" + number[pos + 1 :]
    pos = rng.choice(positions)
    return number[:pos] + lookalikes[number[pos]] + number[pos + 1 :]


def id_bad_length(rng: random.Random, number: str) -> str:
    """A digit dropped or doubled, giving a length that is neither 9 (CMND) nor 12 (CCCD)."""
    pos = rng.randrange(1, len(number))
    shorter = number[:pos] + number[pos + 1 :]
    longer = number[:pos] + number[pos] + number[pos:]
    for candidate in (shorter, longer) if rng.random() < 0.6 else (longer, shorter):
        if len(candidate) not in (9, 12):
            return candidate
    return number + "0"  # pragma: no cover - 9/12-digit inputs always give 8/10/11/13 digits


def phone_written(rng: random.Random, phone: str, style: str) -> str:
    """A true ten-digit mobile number in one of the ways rosters write it (all parse back to ``phone``)."""
    if style == "plain":
        return phone
    if style == "spaced":
        return f"{phone[:4]} {phone[4:7]} {phone[7:]}"
    if style == "dotted":
        return f"{phone[:4]}.{phone[4:7]}.{phone[7:]}"
    if style == "plus84":
        return "+84" + phone[1:] if rng.random() < 0.7 else f"+84 {phone[1:4]} {phone[4:7]} {phone[7:]}"
    if style == "84":
        return "84" + phone[1:]
    if style == "old11":
        old = OLD_PREFIX_OF.get(phone[:3])
        return old + phone[3:] if old else phone
    raise ValueError(f"unknown phone style {style!r}")


def phone_unparseable(rng: random.Random, phone: str) -> str:
    """A number cut short while typing: too few digits for any Vietnamese number."""
    return phone[: rng.randint(5, 7)]


def has_old_prefix(phone: str) -> bool:
    return phone[:3] in OLD_PREFIX_OF
