"""The person-linkage model: Splink 5 comparisons designed for Vietnamese resident records.

Splink scores pairs of records; clustering them into persons and keeping person keys stable is the
``persons`` asset's job. This module decides *which* pairs are compared (blocking), *how* they are compared
(comparisons), learns the weights from the data itself (u by random sampling, m by EM) and scores the
candidate pairs. ``docs/linkage.md`` explains the design and how the thresholds were chosen.

Every SQL condition is written in DuckDB's dialect and handed to Splink with ``base_dialect_str``, so Splink
(through sqlglot) renders it for whichever backend :mod:`assets.lib.linkage.backend` created; only equality,
``levenshtein`` on ASCII text and integer arithmetic are used.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import splink.comparison_level_library as cll
import splink.comparison_library as cl
from splink import Linker, SettingsCreator, block_on
from splink.blocking_rule_library import CustomRule
from splink.internals.exceptions import EMTrainingException

from assets.lib.households import households_by_record
from assets.lib.linkage.backend import DEFAULT_MEMORY_LIMIT, LinkageBackend, create_backend
from assets.lib.linkage.features import build_features
from assets.lib.linkage.household_evidence import HOUSEHOLD_WEIGHT, add_household_evidence
from schemas.errors import WardmergeError

__all__ = [
    "BLOCKING_KEYS",
    "CANDIDATE_COLUMNS",
    "MATCH_THRESHOLD",
    "REVIEW_THRESHOLD",
    "LinkageError",
    "LinkageRun",
    "blocking_rules",
    "comparisons",
    "explain_pairs",
    "link_records",
    "model_version",
    "neighbourhood",
    "relink",
    "rescore",
    "settings",
    "training_blocking_rules",
]

#: Match weight (log2 Bayes factor, prior included, household evidence added) at or above which two records are
#: the same person: a match probability of 0.8. Chosen from the precision–recall curve on the generator's truth
#: (bench/linkage_benchmark.py; docs/linkage.md has the table): at scale 1, P 0.9998 and R 0.9983, where weight
#: 0 gives P 0.9992 and R 0.9992. The two points above 0 cost 0.1 point of recall and keep apart the look-alikes
#: that nothing but name and birth date describes (two children born the same day with one name, neither with
#: an ID or a phone): joining two people is the worse error, and a missed pair waits in the review band.
MATCH_THRESHOLD: float = 2.0
#: Pairs in [REVIEW_THRESHOLD, MATCH_THRESHOLD) are uncertain and go to clerical review; lower pairs are
#: dropped from the output. At -6 the band holds every true pair the match threshold misses at scale 1 (75
#: pairs to review, 15 of them true); lower thresholds add pairs to review and no true ones.
REVIEW_THRESHOLD: float = -6.0

#: Smallest m probability any level keeps after training: no disagreement is treated as impossible, since
#: about one record in a thousand carries a data-entry error in any field. EM on clean training blocks drives
#: the m of never-seen-in-a-match levels towards zero (-100 or worse as a weight), which would make one typo
#: veto a link and which Splink 5 refuses below 1e-300.
M_FLOOR = 1e-4
#: m of "given names wholly different" (fixed; the twin guard). Within a family the given name (tên) is what
#: tells people apart: twins share the birth date, the house, the family and often the middle name, and
#: differ only there. Between two rosters one person's given name changes by a typo or a lost mark (levels
#: of their own), not wholesale; EM agrees and drives this m to zero. Fixed at 1e-6 (weight about -20), a
#: different given name outweighs a shared birth date (+14) plus family and middle name however small the
#: ward (a small ward has a higher prior, so twins there need the stronger guard).
GIVEN_NAME_GUARD_M = 1e-6
#: m of "two valid CCCDs more than a typo apart" (fixed). A CCCD is issued once for life; one person's two
#: records differ in it by a typo (its own level) or not at all. At 1e-5 (weight about -16.6) two CCCDs that
#: disagree outweigh a shared full name and birth date (namesakes born the same day, twins).
TWO_CCCDS_M = 1e-5
#: Share of true pairs that "same ID number or same phone" is assumed to find when estimating the prior.
LAMBDA_RULES_RECALL = 0.9
#: The prior assumes at least this share of records listed twice (it only matters in a roster where no ID
#: number or phone appears twice; the generated scale-1 ward estimates 4 times more).
LAMBDA_FLOOR_SHARE = 0.01
#: Random-pair budget for u estimation, and blocked-pair budget per EM round (Splink samples records by a
#: deterministic hash when a block is larger). Fixed, so training time does not grow with the data.
U_MAX_PAIRS = 5e6
EM_MAX_PAIRS = 1e6
#: EM iteration limits tried in turn (see :func:`train`); the first that completes is used.
EM_ITERATIONS = (20, 8, 4, 2)
_SQL = "duckdb"  # the dialect the conditions below are written in


#: Columns of LinkageRun.candidates.
CANDIDATE_COLUMNS = ("record_id_l", "record_id_r", "splink_weight", "comparisons")


class LinkageError(WardmergeError, RuntimeError):
    """Linkage could not run on the records given (no records, or Splink failed)."""


@dataclass
class LinkageRun:
    """Scored candidate pairs and the trained model that scored them."""

    pairs: pd.DataFrame
    """One row per candidate pair with match_weight >= REVIEW_THRESHOLD: record_id_l, record_id_r,
    match_weight, match_probability (record_id_l < record_id_r)."""
    model_json: dict[str, Any]
    """Splink's settings with the trained m and u values (load with ``Linker(df, model_json)``)."""
    chart_html: str
    """Match-weights chart as a self-contained HTML page (Vega libraries inlined; no network to view)."""
    stats: dict[str, Any] = field(default_factory=dict)
    """Records, comparisons scored, pairs kept, seconds per phase (for Dagster metadata; no personal data)."""
    waterfalls: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["record_id_l", "record_id_r", "comparisons"])
    )
    """For the pairs in the review band: record_id_l, record_id_r and ``comparisons``, a JSON text of the
    prior and each comparison's level and match weight (what a reviewer reads, like Splink's waterfall chart;
    levels and weights only, no field values)."""
    candidates: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=list(CANDIDATE_COLUMNS)))
    """Every scored candidate pair, as Splink scored it (``splink_weight``, before the household evidence), with
    the Splink part of its explanation where it may fall in the review band: what an incremental link keeps."""
    model_version: str = ""
    """The model code's version (:func:`model_version`): a link under other code trains again."""


def _level(sql: str, label: str) -> cll.CustomLevel:
    return cll.CustomLevel(sql, label_for_charts=label, base_dialect_str=_SQL)


def _name_part(part: str, title: str) -> cl.CustomComparison:
    """Family or middle name: marked agreement > unmarked agreement > one letter off > different.

    Agreement on the marked form only counts when both records carry marks; a record from an unmarked
    system agrees on the unmarked form, which is weaker (Hùng, Hưng and Hừng all read "hung").
    Term-frequency adjustments make agreement on a common value (Nguyễn, Thị) weigh less.
    """
    key, u = f"{part}_key", f"{part}_u"
    levels: list[Any] = [
        cll.NullLevel(u),
        _level(
            f'"{key}_l" = "{key}_r" AND "name_marked_l" AND "name_marked_r"', f"{title}: exact, with marks"
        ).configure(tf_adjustment_column=key, disable_tf_exact_match_detection=True),
        _level(f'"{u}_l" = "{u}_r"', f"{title}: exact without marks").configure(
            tf_adjustment_column=u, disable_tf_exact_match_detection=True
        ),
        cll.LevenshteinLevel(u, 1).configure(label_for_charts=f"{title}: one letter off (no marks)"),
        cll.ElseLevel().configure(label_for_charts=f"{title}: different"),
    ]
    return cl.CustomComparison(levels, output_column_name=f"{part}_name", comparison_description=title)


def _given_name() -> cl.CustomComparison:
    """The given name (tên), compared on its own: it is what tells family members apart.

    Levels: marked and equal > one side unmarked, letters equal (a system that lost the marks) > both marked,
    only the tone mark differs (one keystroke: Hương/Hường) > both marked, other marks differ (Hùng/Hưng,
    Thu/Thư: usually another name) > different. There is no "one letter off" level: among Vietnamese given
    names one letter is nearly always another name (Hạnh/Anh, Lan/Loan, Khang/Khanh, Thanh/Thang), and
    twins are often named so. A different given name is the twin guard (:data:`GIVEN_NAME_GUARD_M`).
    """
    unmarked_equal = '"given_u_l" = "given_u_r"'
    both_marked = '"name_marked_l" AND "name_marked_r"'
    return cl.CustomComparison(
        [
            cll.NullLevel("given_u"),
            _level(f'"given_key_l" = "given_key_r" AND {both_marked}', "given name: exact, with marks").configure(
                tf_adjustment_column="given_key", disable_tf_exact_match_detection=True
            ),
            _level(f"{unmarked_equal} AND NOT ({both_marked})", "given name: exact, one side without marks").configure(
                tf_adjustment_column="given_u", disable_tf_exact_match_detection=True
            ),
            _level('"given_t_l" = "given_t_r"', "given name: only the tone mark differs"),
            _level(unmarked_equal, "given name: same letters, vowel marks differ"),
            cll.ElseLevel().configure(
                label_for_charts="given name: different",
                m_probability=GIVEN_NAME_GUARD_M,
                fix_m_probability=True,
            ),
        ],
        output_column_name="given_name",
        comparison_description="given name",
    )


def _date_of_birth() -> cl.CustomComparison:
    """Exact > year-only vs same year > day/month swapped > 1–2 days apart > same month > same year."""
    both_year = '"dob_year_l" = "dob_year_r"'
    return cl.CustomComparison(
        [
            cll.NullLevel("dob_year"),
            _level('"dob_l" = "dob_r"', "dob: exact"),
            _level(f'("dob_year_only_l" OR "dob_year_only_r") AND {both_year}', "dob: year only, same year"),
            _level(
                f'{both_year} AND "dob_month_l" = "dob_day_r" AND "dob_day_l" = "dob_month_r"',
                "dob: day and month swapped",
            ),
            _level('abs("dob_days_l" - "dob_days_r") <= 2', "dob: 1–2 days apart"),
            _level(f'{both_year} AND "dob_month_l" = "dob_month_r"', "dob: same year and month"),
            _level(both_year, "dob: same year"),
            _level('abs("dob_year_l" - "dob_year_r") <= 1', "dob: a year apart"),
            cll.ElseLevel(),
        ],
        output_column_name="date_of_birth",
        comparison_description="Date of birth",
    )


# A typo (one digit, or two neighbours swapped) leaves the first six or the last six digits alone, or — a swap
# of digits 6 and 7 — the first five and the last five: a cheap test that spares the edit distance on the
# millions of random pairs u is estimated from.
_TYPO_PREFILTER = (
    '(substr("national_id_l", 1, 6) = substr("national_id_r", 1, 6) '
    'OR substr("national_id_l", 7, 6) = substr("national_id_r", 7, 6) '
    'OR (substr("national_id_l", 1, 5) = substr("national_id_r", 1, 5) '
    'AND substr("national_id_l", 8, 5) = substr("national_id_r", 8, 5)))'
)


def _national_id() -> cl.CustomComparison:
    """Same number > a typo's worth apart (both CCCD) > CMND vs CCCD that fits (no evidence) > two CCCDs
    that differ by more than a typo (very strong evidence of two people) > other different numbers.

    A CCCD is a lifetime number. Two valid CCCDs one digit or one swap of neighbouring digits apart are one
    person with a mistyped number (Damerau–Levenshtein distance 1 on twelve digits: one substitution or one
    transposition); further apart they are two people, so that level's m is fixed at
    :data:`TWO_CCCDS_M` rather than learned (no true pair in the training blocks shows it; a twin pair or
    two namesakes born the same day do). Validation already quarantined every CCCD that contradicts its
    record's sex or birth year, so both numbers here are valid.

    A person who had a CMND (9 digits, numbered by the issuing police) and later a CCCD (12 digits, by birth
    province) is one person under two numbers, so such a pair is a null level — weight 0, not a
    disagreement — provided the CCCD's digits 4–6 (century-and-sex, birth year) fit the *other* record's
    sex and birth year; if they do not, the numbers belong to different people and the pair falls to
    "different numbers". It is deliberately not a positive level: among accepted records "fits" is the same
    fact as "same sex and birth year", which the sex and date-of-birth comparisons count; counting it again
    broke Splink's independence assumption (EM on same-birth-date pairs converged to a spurious "match"
    class made of CMND/CCCD pairs).
    """
    both_cccd = "\"id_kind_l\" = 'cccd' AND \"id_kind_r\" = 'cccd'"
    fits = (
        '"id_kind_l" <> "id_kind_r" AND (("id_code_l" IS NOT NULL AND "id_code_l" = "own_code_r") '
        'OR ("id_code_r" IS NOT NULL AND "id_code_r" = "own_code_l"))'
    )
    return cl.CustomComparison(
        [
            cll.NullLevel("national_id"),
            _level('"national_id_l" = "national_id_r"', "ID: same number"),
            _level(
                f'{both_cccd} AND {_TYPO_PREFILTER} AND damerau_levenshtein("national_id_l", "national_id_r") <= 1',
                "ID: CCCD one digit or one swap off",
            ),
            _level(fits, "ID: CMND vs CCCD that fits the other's sex and year (no evidence)").configure(
                is_null_level=True
            ),
            _level(both_cccd, "ID: two CCCDs, more than a typo apart").configure(
                m_probability=TWO_CCCDS_M, fix_m_probability=True
            ),
            cll.ElseLevel().configure(label_for_charts="ID: different numbers (a CMND involved)"),
        ],
        output_column_name="national_id",
        comparison_description="National ID (CCCD / CMND)",
    )


def _phone() -> cl.CustomComparison:
    return cl.CustomComparison(
        [
            cll.NullLevel("phone"),
            cll.ExactMatchLevel("phone").configure(label_for_charts="phone: same number"),
            cll.ElseLevel(),
        ],
        output_column_name="phone",
        comparison_description="Phone (10-digit form)",
    )


def _address() -> cl.CustomComparison:
    same_street = '"street_key_l" = "street_key_r"'
    same_alley = "coalesce(\"alley_key_l\", '') = coalesce(\"alley_key_r\", '')"
    return cl.CustomComparison(
        [
            cll.NullLevel("street_key"),
            _level(f'{same_street} AND {same_alley} AND "house_key_l" = "house_key_r"', "address: same house"),
            _level(f"{same_street} AND {same_alley}", "address: same street and alley"),
            _level(same_street, "address: same street"),
            cll.ElseLevel(),
        ],
        output_column_name="address",
        comparison_description="Address (street, alley, house number)",
    )


def _residence() -> cl.CustomComparison:
    """Registration types. A person has one permanent residence and may be registered temporarily elsewhere
    (Law on Residence 2020), so one person listed by two former wards is typically permanent in one and
    temporary in the other (a lodger, a household staying away), while most residents are permanent: two
    strangers with the same name and birth date are typically both permanent. Two permanent registrations of
    one person exist (a ward that never struck off a household that moved), so "both permanent" is weak
    evidence against, not a guard; EM learns how weak."""
    return cl.CustomComparison(
        [
            cll.NullLevel("residence"),
            _level('"residence_l" <> "residence_r"', "residence: one permanent, one temporary"),
            _level("\"residence_l\" = 'temporary'", "residence: both temporary"),
            cll.ElseLevel().configure(label_for_charts="residence: both permanent"),
        ],
        output_column_name="residence",
        comparison_description="Residence registration types",
    )


def _sex() -> cl.CustomComparison:
    """A guard: records of one person almost never differ in sex, and namesakes of the other sex are common
    ("Anh", "Linh", "Ngọc" are given to both). The m of "different" is fixed at :data:`M_FLOOR`, because
    EM drives it towards zero (no true pair in the training blocks differs), which Splink 5 rejects."""
    return cl.CustomComparison(
        [
            cll.NullLevel("sex"),
            cll.ExactMatchLevel("sex").configure(label_for_charts="sex: same"),
            cll.ElseLevel().configure(label_for_charts="sex: different", m_probability=M_FLOOR, fix_m_probability=True),
        ],
        output_column_name="sex",
        comparison_description="Sex (guard)",
    )


def comparisons() -> list[cl.CustomComparison | Any]:
    """The comparisons of the Vietnamese person model (see the module and docs/linkage.md)."""
    return [
        _name_part("family", "family name"),
        _name_part("middle", "middle name"),
        _given_name(),
        _date_of_birth(),
        _sex(),
        _national_id(),
        _phone(),
        _residence(),
        _address(),
        cl.ExactMatch("group_key").configure(term_frequency_adjustments=False),
    ]


#: Candidate pairs agree on every column of one of these keys (and on the key's extra condition, where it has
#: one); :func:`blocking_rules` writes them as Splink rules and :func:`neighbourhood` uses the same keys to find
#: the records a changed record can be paired with.
BLOCKING_KEYS: tuple[tuple[tuple[str, ...], str | None], ...] = (
    (("national_id",), None),
    (("phone",), None),
    (("dob", "given_u"), None),
    (("dob", "family_u", "middle_u"), None),  # a given name mistyped
    (("family_u", "middle_u", "given_u", "dob_year"), None),  # a changed, swapped or year-only date
    # a middle name left out on one listing, with a changed date
    (("family_u", "given_u", "dob_year"), 'l."middle_u" IS NULL OR r."middle_u" IS NULL'),
    (("name_tokens_u", "dob_year"), None),  # name written in another order
)


def blocking_rules() -> list[Any]:
    """Candidate pairs: the union of :data:`BLOCKING_KEYS`' rules.

    A person listed twice shares an ID number or a phone, or their name and birth date agree closely enough
    for one of the name-and-date rules. Every rule joins on a full date or on a whole name *and* a birth
    year, so blocks stay small as the population grows (a bare birth-date rule would pair 1 in 36,500 of all
    records with each other, and grow with the square of the population). Measured on the generator's truth
    at scale 1: all true pairs kept with 0.6 candidate pairs per record (bench/linkage_benchmark.py).
    """
    rules: list[Any] = []
    for columns, extra in BLOCKING_KEYS:
        if extra is None:
            rules.append(block_on(*columns))
        else:
            equal = " AND ".join(f'l."{c}" = r."{c}"' for c in columns)
            rules.append(CustomRule(f"{equal} AND ({extra})", sql_dialect=_SQL))
    return rules


def neighbourhood(features: pd.DataFrame, focus: pd.Series) -> pd.Series:
    """The records that share some blocking key with a ``focus`` record (the focus records included).

    Every candidate pair that involves a focus record lies within this set, so scoring the set finds all of
    them. Keys are compared by a 64-bit hash of their values: a collision only adds a record to the set.
    """
    chosen = focus.to_numpy(dtype=bool)
    near = chosen.copy()
    for columns, _ in BLOCKING_KEYS:
        values = features[list(columns)]
        complete = values.notna().all(axis=1).to_numpy()
        if not complete.any():
            continue
        keys = pd.util.hash_pandas_object(values[complete], index=False).to_numpy()
        wanted = np.unique(keys[chosen[complete]])
        hit = np.zeros(len(features), dtype=bool)
        hit[np.flatnonzero(complete)] = np.isin(keys, wanted)
        near |= hit
    return pd.Series(near, index=features.index)


def training_blocking_rules() -> list[Any]:
    """EM rounds, in increasing purity (see :func:`train`). Splink leaves out of a round every comparison
    that uses its blocking columns, so the two rounds together train every comparison.

    Same birth date trains names, sex, ID, phone and address on a block that holds matches and many
    non-matches (namesakes, twins, strangers born the same day). Same ID number trains the date of birth
    (and again names, sex, phone, address) on pairs that are nearly all matches: m is the spread of values
    among true matches, which is what such a block shows directly.
    """
    return [block_on("dob"), block_on("national_id")]


def settings() -> SettingsCreator:
    return SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="unique_id",
        comparisons=comparisons(),
        blocking_rules_to_generate_predictions=blocking_rules(),
        retain_matching_columns=False,
        retain_intermediate_calculation_columns=False,
        max_iterations=EM_ITERATIONS[0],
        em_convergence=0.0001,
    )


def _m_values(model: dict[str, Any]) -> dict[str, list[Any]]:
    return {
        c["output_column_name"]: [lv.get("m_probability") for lv in c["comparison_levels"]]
        for c in model["comparisons"]
    }


def _em_round(table: Any, start: dict[str, Any], rule: Any, stats: dict[str, Any]) -> dict[str, Any] | None:
    """One EM round from ``start``; the model it ends with, or None when the block cannot train anything.

    EM maximises the likelihood by driving the m of a level that no true pair in the block shows (say, a
    short given name one letter off another) geometrically towards zero, and Splink 5 raises once an m
    falls below 1e-300. The round is then rerun from the same start with fewer iterations
    (:data:`EM_ITERATIONS`): the parameters that matter settle in the first few, and :func:`apply_m_floor`
    lifts the vanishing ones afterwards.

    A round is skipped (named in ``stats["em_rounds_skipped"]``) when its block is empty — no ID number
    appears twice — or so small that EM takes every pair for a match (or none) at once: a handful of pairs
    born the same day in a tiny ward. The other round, or Splink's starting m, then stands for it.
    """
    failure: Exception | None = None
    for iterations in EM_ITERATIONS:
        trainee = Linker(table, {**start, "max_iterations": iterations}, log_level=logging.ERROR)
        try:
            trainee.training.estimate_parameters_using_expectation_maximisation(
                rule, estimate_without_term_frequencies=True, max_pairs=EM_MAX_PAIRS
            )
        except EMTrainingException:  # the block is empty (e.g. no ID number appears twice)
            stats.setdefault("em_rounds_skipped", []).append(_rule_sql(rule))
            return None
        except ValueError as exc:
            if "math domain error" in str(exc):  # the block's share of matches reached 0 or 1
                stats.setdefault("em_rounds_skipped", []).append(_rule_sql(rule))
                return None
            failure = exc  # "m_probability value … is below the minimum allowed value of 1e-300"
            continue
        stats.setdefault("em_iterations", []).append(iterations)
        return trainee.misc.save_model_to_json()
    raise LinkageError(f"EM on {_rule_sql(rule)} failed even with {EM_ITERATIONS[-1]} iterations: {failure}")


def _rule_sql(rule: Any) -> str:
    return rule.get_blocking_rule(_SQL).blocking_rule_sql


def train(linker: Linker, table: Any, *, seed: int, stats: dict[str, Any]) -> dict[str, Any]:
    """λ from near-certain rules, u from random pairs (fixed budget, seeded), m by EM on two blockings.

    Each EM round starts from the same model (λ and u estimated, m at Splink's defaults). A comparison's m
    comes from the purest round that trained it: the same-ID-number round, whose pairs are nearly all one
    person, so its m is the spread of values among true matches; the same-birth-date round (which mixes in
    namesakes and twins born that day, and lets EM count some of them as matches) only for what the ID
    round cannot train — the national ID itself. Without an ID round (no number appears twice) every m
    comes from the birth-date round. Returns the trained model as a dict.
    """
    started = time.perf_counter()
    linker.training.estimate_probability_two_random_records_match(
        [block_on("national_id"), block_on("phone")], recall=LAMBDA_RULES_RECALL
    )
    stats["seconds_lambda"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
    stats["seconds_u"] = round(time.perf_counter() - started, 2)
    started = time.perf_counter()
    records = int(stats.get("records") or 0)
    sampled = min(U_MAX_PAIRS, records * (records - 1) / 2) or 1.0
    start = fill_unseen_u(linker.misc.save_model_to_json(), sampled)
    # Without a single shared ID number or phone (a tiny roster) the estimate is 0, and a prior of 0 makes
    # every weight minus infinity; assume at least LAMBDA_FLOOR_SHARE of the records are listed twice.
    floor = LAMBDA_FLOOR_SHARE * records / max(records * (records - 1) / 2, 1)
    prior = start.get("probability_two_random_records_match") or 0.0
    start["probability_two_random_records_match"] = min(max(prior, floor), 0.5)
    before = _m_values(start)
    trained_by: dict[str, list[Any]] = {}  # comparison -> m values of the purest round that trained it
    for rule in training_blocking_rules():  # later rounds are purer and overwrite
        trained = _em_round(table, start, rule, stats)
        if trained is None:
            continue
        for name, values in _m_values(trained).items():
            if values != before[name]:  # Splink leaves out comparisons that use the block's columns
                trained_by[name] = values
    model = copy.deepcopy(start)
    for comparison in model["comparisons"]:
        trained_values = trained_by.get(comparison["output_column_name"])
        if not trained_values:
            continue
        for level, m in zip(comparison["comparison_levels"], trained_values, strict=True):
            if not level.get("fix_m_probability"):
                # None: the round saw no true pair at this level (the floor gives it its m).
                level["m_probability"] = m if isinstance(m, int | float) else None
    stats["seconds_em"] = round(time.perf_counter() - started, 2)
    return model


def fill_unseen_u(model: dict[str, Any], sampled_pairs: float) -> dict[str, Any]:
    """``model`` with a u for every level the random sample never showed: 1 / the number of pairs sampled.

    Agreement on an identifier (same phone, same ID number, a CCCD one typo off) is so rare among random pairs
    that 5 million sampled pairs hold none, one or a few: whether Splink estimated a u at all was luck, and a
    level without u adds no weight — two records with the same phone then counted as nothing. Zero in n is
    read as "at most about one in n".
    """
    model = copy.deepcopy(model)
    for comparison in model["comparisons"]:
        for level in comparison["comparison_levels"]:
            if level.get("is_null_level"):
                continue
            u = level.get("u_probability")
            if not isinstance(u, int | float) or u <= 0:
                level["u_probability"] = 1.0 / sampled_pairs
    return model


def apply_m_floor(model: dict[str, Any], floor: float = M_FLOOR) -> dict[str, Any]:
    """The trained model with every trained level's m at least ``floor`` (each comparison's m summing to 1).

    Levels EM never saw in a match (m missing or "level not observed") get the floor too, so the model is
    complete and its chart readable.
    """
    model = copy.deepcopy(model)
    for comparison in model["comparisons"]:
        levels = [lv for lv in comparison["comparison_levels"] if not lv.get("is_null_level")]
        trained = [lv for lv in levels if not lv.get("fix_m_probability")]
        for level in trained:
            m = level.get("m_probability")
            level["m_probability"] = max(m, floor) if isinstance(m, int | float) else floor
        fixed = sum(lv["m_probability"] for lv in levels if lv.get("fix_m_probability"))
        total = sum(level["m_probability"] for level in trained)
        for level in trained:  # fixed levels keep their value; the trained ones share the rest
            level["m_probability"] = level["m_probability"] / total * (1 - fixed)
    return model


def _explaining(model_json: dict[str, Any]) -> dict[str, Any]:
    """The model with each comparison's level (gamma_*) and weight (mw_*) kept in the predictions, so that a pair
    can be explained."""
    return {**model_json, "retain_matching_columns": True, "retain_intermediate_calculation_columns": True}


def _scores(linker: Linker, predictions: Any) -> pd.DataFrame:
    scored = linker.misc.query_sql(
        f"SELECT unique_id_l, unique_id_r, match_weight FROM {predictions.physical_name}", output_type="pandas"
    )
    return scored.set_axis(["record_id_l", "record_id_r", "splink_weight"], axis=1)


def link_records(
    records: pd.DataFrame,
    *,
    seed: int = 42,
    backend: LinkageBackend | None = None,
    backend_name: str = "duckdb",
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
) -> LinkageRun:
    """Train the model on ``records`` (resident_record rows plus a unique ``record_id``) and score every candidate
    pair: a full link.

    Returns pairs with match_weight >= REVIEW_THRESHOLD, the trained model and its chart. Training is
    deterministic for a given ``seed`` and input.
    """
    if records.empty:
        raise LinkageError("no records to link")
    stats: dict[str, Any] = {"mode": "full", "records": len(records), "records_scored": len(records)}
    started = time.perf_counter()
    features = build_features(records)
    stats["seconds_features"] = round(time.perf_counter() - started, 2)
    own_backend = backend is None
    backend = backend or create_backend(backend_name, memory_limit=memory_limit)
    try:
        table = backend.register(features, "wardmerge_person_features")
        trained = train(Linker(table, settings(), log_level=logging.ERROR), table, seed=seed, stats=stats)
        model_json = apply_m_floor(trained)
        linker = Linker(table, _explaining(model_json), log_level=logging.ERROR)
        started = time.perf_counter()
        predictions = linker.inference.predict(warning_mode="never")
        scored = _scores(linker, predictions)
        stats["seconds_predict"] = round(time.perf_counter() - started, 2)
        # The household comparison's m and u are estimated on every scored pair, like Splink's on the records.
        _, household = add_household_evidence(
            scored.rename(columns={"splink_weight": "match_weight"}), households_by_record(records)
        )
        estimates = (household["household_m"], household["household_u"])
        # Explained: every pair the household evidence could bring into the review band (kept for later links).
        started = time.perf_counter()
        wide = scored[in_reach(scored["splink_weight"], estimates)]
        explained = explain_pairs(linker, predictions.physical_name, model_json, wide, backend)
        stats["seconds_explain"] = round(time.perf_counter() - started, 2)
        chart_html = linker.visualisations.match_weights_chart().to_html(inline=True)
    finally:
        if own_backend:
            backend.close()
    candidates = scored.merge(explained, on=["record_id_l", "record_id_r"], how="left")
    return finish(records, candidates, model_json=model_json, estimates=estimates, chart_html=chart_html, stats=stats)


def rescore(
    records: pd.DataFrame,
    model_json: dict[str, Any],
    estimates: tuple[float, float],
    focus: pd.Index,
    *,
    backend: LinkageBackend | None = None,
    backend_name: str = "duckdb",
    memory_limit: str = DEFAULT_MEMORY_LIMIT,
    stats: dict[str, Any] | None = None,
) -> pd.DataFrame:
    """Every candidate pair that involves a ``focus`` record (by record_id), scored with a trained model: what
    an incremental link computes instead of scoring all pairs again.

    Only the focus records and their :func:`neighbourhood` are given to Splink; term frequencies come from all
    ``records`` (the same lookups a full link computes), so a pair scores as it would in a full link under the
    same model. Returns the pairs as :data:`CANDIDATE_COLUMNS`.
    """
    stats = stats if stats is not None else {}
    started = time.perf_counter()
    features = build_features(records)
    near = neighbourhood(features, features["unique_id"].isin(focus))
    reduced = features[near].reset_index(drop=True)
    stats["records_scored"] = len(reduced)
    stats["seconds_features"] = round(time.perf_counter() - started, 2)
    if reduced.empty:
        return pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    own_backend = backend is None
    backend = backend or create_backend(backend_name, memory_limit=memory_limit)
    try:
        started = time.perf_counter()
        table = backend.register(reduced, "wardmerge_person_features")
        linker = Linker(table, _explaining(model_json), log_level=logging.ERROR)
        for column in tf_columns(model_json):
            lookup = term_frequencies(features, column)
            registered = backend.register(lookup, f"wardmerge_tf_{column}")
            linker.table_management.register_term_frequency_lookup(registered, column)
        predictions = linker.inference.predict(warning_mode="never")
        scored = _scores(linker, predictions)
        scored = scored[scored["record_id_l"].isin(focus) | scored["record_id_r"].isin(focus)]
        stats["seconds_predict"] = round(time.perf_counter() - started, 2)
        started = time.perf_counter()
        wide = scored[in_reach(scored["splink_weight"], estimates)]
        explained = explain_pairs(linker, predictions.physical_name, model_json, wide, backend)
        stats["seconds_explain"] = round(time.perf_counter() - started, 2)
    finally:
        if own_backend:
            backend.close()
    return _ordered(scored.merge(explained, on=["record_id_l", "record_id_r"], how="left"))


def tf_columns(model_json: dict[str, Any]) -> list[str]:
    """The columns whose term frequencies adjust the model's weights."""
    found = {
        level["tf_adjustment_column"]
        for comparison in model_json["comparisons"]
        for level in comparison["comparison_levels"]
        if level.get("tf_adjustment_column")
    }
    return sorted(found)


def term_frequencies(features: pd.DataFrame, column: str) -> pd.DataFrame:
    """Splink's term-frequency lookup of ``column``: each value's share of the records that have one."""
    values = features[column].dropna()
    shares = values.value_counts() / max(len(values), 1)
    return pd.DataFrame({column: shares.index, f"tf_{column}": shares.to_numpy(dtype=float)})


def finish(
    records: pd.DataFrame,
    candidates: pd.DataFrame,
    *,
    model_json: dict[str, Any],
    estimates: tuple[float, float],
    chart_html: str,
    stats: dict[str, Any],
) -> LinkageRun:
    """A link's result from its scored candidate pairs (:data:`CANDIDATE_COLUMNS`), full or incremental alike:
    the household comparison added (with the model's m and u), the pairs kept, the review band explained."""
    types = {"record_id_l": object, "record_id_r": object, "splink_weight": float, "comparisons": object}
    candidates = _ordered(candidates[list(CANDIDATE_COLUMNS)].astype(types))
    started = time.perf_counter()
    scored, household = add_household_evidence(
        candidates[["record_id_l", "record_id_r", "splink_weight"]].rename(columns={"splink_weight": "match_weight"}),
        households_by_record(records),
        estimates,
    )
    stats.update(household)
    stats["seconds_households"] = round(time.perf_counter() - started, 2)
    explained = candidates.loc[candidates["comparisons"].notna(), ["record_id_l", "record_id_r", "comparisons"]]
    waterfalls = review_waterfalls(scored, explained)
    pairs = scored[scored["match_weight"] >= REVIEW_THRESHOLD].copy()
    pairs["match_probability"] = 1.0 / (1.0 + np.exp2(-pairs["match_weight"].to_numpy(dtype=float)))
    pairs = pairs[["record_id_l", "record_id_r", "match_weight", "match_probability"]].reset_index(drop=True)
    stats["candidate_pairs"] = len(candidates)
    stats["candidate_pairs_per_record"] = round(len(candidates) / max(len(records), 1), 3)
    stats["pairs_kept"] = len(pairs)
    stats["pairs_matched"] = int((pairs["match_weight"] >= MATCH_THRESHOLD).sum())
    stats["pairs_review"] = stats["pairs_kept"] - stats["pairs_matched"]
    stats["seconds_total"] = round(sum(v for k, v in stats.items() if k.startswith("seconds_")), 2)
    return LinkageRun(
        pairs=pairs,
        model_json=model_json,
        chart_html=chart_html,
        stats=stats,
        waterfalls=waterfalls,
        candidates=candidates,
        model_version=model_version(),
    )


def relink(
    records: pd.DataFrame,
    model_json: dict[str, Any],
    estimates: tuple[float, float],
    kept: pd.DataFrame,
    focus: pd.Index,
    **options: Any,
) -> LinkageRun:
    """An incremental link: the ``kept`` candidate pairs of earlier links (none involving a focus record or a
    record gone since) plus the focus records' pairs scored now (:func:`rescore`), under the trained model."""
    stats: dict[str, Any] = {"mode": "incremental", "records": len(records), "records_changed": len(focus)}
    fresh = (
        rescore(records, model_json, estimates, focus, stats=stats, **options)
        if len(focus)
        else pd.DataFrame(columns=list(CANDIDATE_COLUMNS))
    )
    stats["pairs_rescored"] = len(fresh)
    candidates = pd.concat([kept[list(CANDIDATE_COLUMNS)], fresh], ignore_index=True)
    return finish(records, candidates, model_json=model_json, estimates=estimates, chart_html="", stats=stats)


def _level_labels(comparison: dict[str, Any]) -> dict[int, str]:
    """Comparison-vector value → level label, numbered as Splink does (null levels -1, others n-1 … 0)."""
    levels = comparison["comparison_levels"]
    counter = sum(not lv.get("is_null_level") for lv in levels) - 1
    labels: dict[int, list[str]] = {}
    for level in levels:
        if level.get("is_null_level"):
            value = -1
        else:
            value, counter = counter, counter - 1
        labels.setdefault(value, []).append(str(level.get("label_for_charts") or level.get("sql_condition", "")))
    return {value: " / ".join(names) for value, names in labels.items()}


def explain_pairs(
    linker: Linker, table_name: str, model_json: dict[str, Any], band: pd.DataFrame, backend: LinkageBackend
) -> pd.DataFrame:
    """Per pair of ``band`` (record_id_l, record_id_r as Splink scored them): the prior and each comparison's
    level and weight, as a JSON text (``comparisons``); the household comparison is added where a review row
    is made (:func:`with_household`).

    Reads the predictions table of a linker whose settings retained matching and intermediate columns. The
    weights add up to Splink's match weight (prior + Σ comparison weights, term-frequency adjustments included).
    """
    columns_out = ["record_id_l", "record_id_r", "comparisons"]
    if band.empty:
        return pd.DataFrame(columns=columns_out)
    available = set(linker.misc.query_sql(f"SELECT * FROM {table_name} LIMIT 0", output_type="pandas").columns)
    comparisons = []
    for comparison in model_json["comparisons"]:
        name = str(comparison["output_column_name"]).replace(" ", "_")
        if f"gamma_{name}" not in available or f"mw_{name}" not in available:
            raise LinkageError(f"predictions lack gamma_{name}/mw_{name}: intermediate columns were not retained")
        tf = f"mw_tf_adj_{name}" if f"mw_tf_adj_{name}" in available else None
        comparisons.append((name, _level_labels(comparison), tf))
    columns = ["p.unique_id_l", "p.unique_id_r"]
    for name, _, tf in comparisons:
        columns += [f"p.gamma_{name}", f"p.mw_{name}"] + ([f"p.{tf}"] if tf else [])
    wanted = backend.register(
        band[["record_id_l", "record_id_r"]].set_axis(["unique_id_l", "unique_id_r"], axis=1),
        "wardmerge_explained_pairs",
    )
    rows = linker.misc.query_sql(
        f"SELECT {', '.join(columns)} FROM {table_name} p JOIN {wanted.physical_name} b "
        "ON p.unique_id_l = b.unique_id_l AND p.unique_id_r = b.unique_id_r",
        output_type="pandas",
    )
    prior_p = float(model_json["probability_two_random_records_match"])
    prior = round(math.log2(prior_p / (1 - prior_p)), 4)
    texts = []
    for row in rows.to_dict("records"):
        parts = []
        for name, labels, tf in comparisons:
            gamma = int(row[f"gamma_{name}"])
            weight = float(row[f"mw_{name}"]) + (float(row[tf]) if tf and pd.notna(row[tf]) else 0.0)
            level = labels.get(gamma, str(gamma))
            parts.append({"comparison": name, "gamma": gamma, "level": level, "weight": round(weight, 4)})
        texts.append(json.dumps({"prior": prior, "comparisons": parts}, ensure_ascii=False, sort_keys=True))
    return pd.DataFrame(
        {"record_id_l": rows["unique_id_l"].astype(str), "record_id_r": rows["unique_id_r"].astype(str),
         "comparisons": texts}
    )  # fmt: skip


def in_reach(splink_weight: pd.Series, estimates: tuple[float, float]) -> pd.Series:
    """Pairs the household evidence (either level) could put in the review band: the ones worth explaining."""
    m, u = estimates
    agree, disagree = math.log2(m / u), math.log2((1 - m) / (1 - u))
    low, high = min(0.0, agree, disagree), max(0.0, agree, disagree)
    return (splink_weight + high >= REVIEW_THRESHOLD) & (splink_weight + low < MATCH_THRESHOLD)


def with_household(comparisons: str, household_weight: float) -> str:
    """A pair's explanation with the household comparison added (its weight as this link computed it)."""
    explained = json.loads(comparisons)
    level = (
        "housemates are the same people"
        if household_weight > 0
        else ("housemates differ" if household_weight < 0 else "no household to compare")
    )
    gamma = 1 if household_weight > 0 else (0 if household_weight < 0 else -1)
    explained["comparisons"].append(
        {"comparison": "household", "gamma": gamma, "level": level, "weight": round(float(household_weight), 4)}
    )
    return json.dumps(explained, ensure_ascii=False, sort_keys=True)


def review_waterfalls(scored: pd.DataFrame, explained: pd.DataFrame) -> pd.DataFrame:
    """The explanations of the pairs in the review band, on their final weights, household evidence included."""
    band = scored[(scored["match_weight"] >= REVIEW_THRESHOLD) & (scored["match_weight"] < MATCH_THRESHOLD)]
    band = band.merge(explained, on=["record_id_l", "record_id_r"], how="inner")
    out = pd.DataFrame(
        {
            "record_id_l": band["record_id_l"].astype(str),
            "record_id_r": band["record_id_r"].astype(str),
            "comparisons": [
                with_household(text, weight)
                for text, weight in zip(band["comparisons"], band[HOUSEHOLD_WEIGHT], strict=True)
            ],
        }
    )
    return _ordered(out)


def _ordered(pairs: pd.DataFrame) -> pd.DataFrame:
    """Pairs with record_id_l < record_id_r, sorted (how pairs are stored and compared)."""
    out = pairs.copy()
    swap = out["record_id_l"] > out["record_id_r"]
    out.loc[swap, ["record_id_l", "record_id_r"]] = out.loc[swap, ["record_id_r", "record_id_l"]].to_numpy()
    return out.sort_values(["record_id_l", "record_id_r"], ignore_index=True)


@functools.cache
def model_version() -> str:
    """A digest of the code that defines the model (comparisons, blocking, features, household evidence)."""
    digest = hashlib.sha256()
    for path in sorted(Path(__file__).resolve().parent.glob("*.py")):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]
