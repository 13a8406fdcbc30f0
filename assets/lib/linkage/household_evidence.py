"""Household evidence: a pair whose housemates are also the same people is much more likely one person.

A household that moved and was listed by two former wards brings all its members twice. Its adults link on
their ID numbers and phones; its children often carry neither, and then their two records agree only on
name and birth date — exactly like two children born the same day to different families with the same
family name. What separates them is the household: when *other* members of the two source households are
near-certainly the same people, so (very likely) is this pair.

This is one more Fellegi–Sunter comparison, added after Splink has scored the pairs because it needs the
scored pairs themselves: for a pair of records in two different source households (``former ward/household
code``), *support* is the number of other near-certain pairs (weight ≥ :data:`ANCHOR_WEIGHT`) between the same
two households. Its two levels — support, no support — get weights log2(m/u) estimated from the same run:
m from the near-certain pairs themselves (how often a true pair has housemates that are pairs too), u from the
clearly different pairs (weight < :data:`DIFFERENT_WEIGHT`). Pairs without a household on either side, or
inside one household, get no adjustment.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ANCHOR_WEIGHT", "DIFFERENT_WEIGHT", "HOUSEHOLD_WEIGHT", "add_household_evidence"]

#: Column of the pairs frame holding the household comparison's weight (0 where it does not apply).
HOUSEHOLD_WEIGHT = "household_weight"

#: Pairs at or above this weight are near-certain matches (about 1 in 1,000 wrong): they give support and
#: estimate m.
ANCHOR_WEIGHT = 10.0
#: Pairs below this weight are clearly different people: they estimate u.
DIFFERENT_WEIGHT = -10.0


def _pair_keys(left: pd.Series, right: pd.Series) -> np.ndarray:
    # As text first: with no household at all the mapped columns come out as floats (all NaN).
    a = left.astype("object").fillna("").to_numpy(dtype=object)
    b = right.astype("object").fillna("").to_numpy(dtype=object)
    return np.where(a < b, a + "|" + b, b + "|" + a)


def add_household_evidence(
    pairs: pd.DataFrame, households: pd.Series, estimates: tuple[float, float] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``pairs`` (record_id_l, record_id_r, match_weight; every scored candidate pair) with the household
    comparison added to ``match_weight`` (and its weight in ``HOUSEHOLD_WEIGHT``), and what was estimated (for the
    run's statistics).

    ``households`` maps record_id → source household (None when the record names none). ``estimates`` (m, u)
    reuses a trained model's values (an incremental link) instead of estimating them from these pairs.
    """
    out = pairs.copy()
    left = out["record_id_l"].map(households)
    right = out["record_id_r"].map(households)
    comparable = (left.notna() & right.notna() & (left != right)).to_numpy()
    keys = _pair_keys(left, right)
    anchor = (out["match_weight"] >= ANCHOR_WEIGHT).to_numpy() & comparable
    anchors_between = pd.Series(keys[anchor]).value_counts()
    support = pd.Series(keys).map(anchors_between).fillna(0).to_numpy() - anchor.astype(int)
    supported = comparable & (support > 0)

    different = (out["match_weight"] < DIFFERENT_WEIGHT).to_numpy() & comparable
    if estimates is not None:
        m, u = estimates
    else:  # add-one smoothing: a level never seen still gets a finite weight
        m = (int((supported & anchor).sum()) + 1) / (int(anchor.sum()) + 2)
        u = (int((supported & different).sum()) + 1) / (int(different.sum()) + 2)
    agree, disagree = math.log2(m / u), math.log2((1 - m) / (1 - u))
    adjustment = np.where(supported, agree, np.where(comparable, disagree, 0.0))
    out["match_weight"] = out["match_weight"] + adjustment
    out[HOUSEHOLD_WEIGHT] = adjustment
    stats = {
        "household_m": m,  # exact: an incremental link reuses them
        "household_u": u,
        "household_weight_support": round(agree, 3),
        "household_weight_no_support": round(disagree, 3),
        "pairs_with_household_support": int(supported.sum()),
    }
    return out, stats
