"""Benchmark of person linkage against the sample generator's truth, with two baselines.

Reads the accepted records (`resident_record`) of a warehouse that `wardmerge run` filled from generated
rosters, and the generator's truth beside them. Prints, for three methods — (a) exact national-ID matching,
(b) Splink with generic comparisons on raw names and dates, (c) the Vietnamese model of assets/lib/linkage —
pairwise precision, recall and F1 of the persons they form, and wall time; then the precision–recall table
over match-weight thresholds that the thresholds were chosen from, how many true pairs blocking keeps and
how many candidate pairs per record it makes, process peak memory, and (with a second, larger warehouse)
how linkage time grows with the data.

Pairwise metrics: every pair of records placed in one predicted person (connected components of the pairs
at or above the match threshold) against every pair of records of one true person (truth `person_id`),
over the accepted records only. Look-alikes (twins, namesakes) are in the data and counted as usual; their
wrongly merged pairs are also reported apart.

"Raw" for baseline (b) means what an off-the-shelf Splink model would be given: `full_name` as stored
(whole, not split into family/middle/given, with or without marks as the source had them, no tone folding),
`date_of_birth` as its ISO string (a year-only date is stored as 1 January of the year), `sex`,
`national_id`, `phone`; comparisons are Splink's defaults for those column types (NameComparison,
DateOfBirthComparison, ExactMatch), blocking on full name or date of birth, the same training budget, and
match probability 0.5 (match weight 0) as its threshold.

Usage:
  python bench/linkage_benchmark.py --warehouse duckdb:////tmp/linkage/s1/w.duckdb \
      --truth /tmp/linkage/s1/truth [--scale-5-warehouse duckdb:////tmp/linkage/s5/w.duckdb] [--artefacts DIR]
"""

from __future__ import annotations

import argparse
import json
import logging
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import sqlalchemy as sa
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import splink.comparison_library as cl  # noqa: E402
from splink import Linker, SettingsCreator, block_on  # noqa: E402
from splink.blocking_analysis import count_comparisons_from_blocking_rules  # noqa: E402

from assets.lib.households import households_by_record  # noqa: E402
from assets.lib.linkage import MATCH_THRESHOLD, REVIEW_THRESHOLD, link_records  # noqa: E402
from assets.lib.linkage.backend import create_backend  # noqa: E402
from assets.lib.linkage.features import build_features  # noqa: E402
from assets.lib.linkage.household_evidence import add_household_evidence  # noqa: E402
from assets.lib.linkage.model import EM_MAX_PAIRS, U_MAX_PAIRS, blocking_rules  # noqa: E402
from assets.lib.linking import cccd_numbers  # noqa: E402
from assets.lib.person_keys import connected_components as person_components  # noqa: E402
from assets.lib.warehouse import warehouse_from_url  # noqa: E402
from sample_data.evaluation import LOOKALIKE_KINDS, load_truth, pairwise  # noqa: E402
from schemas import warehouse as w  # noqa: E402

TRUTH_KEY = ["former_ward_code", "source_file", "source_row"]
PR_THRESHOLDS = (-10, -8, -6, -4, -3, -2, -1, 0, 1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20)


def peak_mb() -> float:
    """Process peak resident memory (VmHWM; ru_maxrss where /proc is missing), in MiB."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def load_records(url: str) -> pd.DataFrame:
    warehouse = warehouse_from_url(url)
    try:
        with warehouse.engine.connect() as conn:
            records = warehouse.read_frame(conn, sa.select(w.resident_record))
    finally:
        warehouse.engine.dispose()
    records["record_id"] = records["former_ward_code"] + "/" + records["dataset"] + "/" + records["source_record_id"]
    records["source_row"] = records["source_row"].astype("int64")
    return records


def attach_truth(records: pd.DataFrame, truth_dir: Path) -> pd.DataFrame:
    truth = load_truth(truth_dir)[[*TRUTH_KEY, "person_id", "lookalike_kind", "lookalike_group"]]
    out = records.merge(truth, on=TRUTH_KEY, how="left", validate="one_to_one")
    missing = int(out["person_id"].isna().sum())
    if missing:
        raise SystemExit(f"{missing} accepted records have no truth row: is --truth the right directory?")
    return out


def clusters(records: pd.DataFrame, pairs: pd.DataFrame, *, constrained: bool = True) -> np.ndarray:
    """Person label per record from the pairs given (record_id_l, record_id_r[, match_weight]).

    ``constrained``: as the pipeline forms persons (strongest edges first, never two CCCDs more than a typo
    apart nor two members of one household listing); the baselines get plain connected components.
    """
    if constrained:
        edges = pairs.rename(columns={"record_id_l": "l", "record_id_r": "r"})
        labels = person_components(
            sorted(records["record_id"]),
            edges,
            cccd=cccd_numbers(records),
            households=households_by_record(records),
        )
        return pd.factorize(records["record_id"].map(labels))[0]
    index = pd.Series(np.arange(len(records)), index=records["record_id"].to_numpy())
    left = index.reindex(pairs["record_id_l"].to_numpy()).to_numpy()
    right = index.reindex(pairs["record_id_r"].to_numpy()).to_numpy()
    n = len(records)
    graph = coo_matrix((np.ones(len(left), dtype=np.int8), (left, right)), shape=(n, n))
    return connected_components(graph, directed=False)[1]


def scores(records: pd.DataFrame, labels: np.ndarray) -> dict[str, Any]:
    precision, recall, f1 = pairwise(pd.Series(labels), records["person_id"])
    lookalikes = {}
    for kind in LOOKALIKE_KINDS:
        sel = (records["lookalike_kind"] == kind).to_numpy()
        lookalikes[kind] = pairwise(pd.Series(labels[sel]), records.loc[sel, "person_id"])[0]
    return {"precision": precision, "recall": recall, "f1": f1, "lookalikes": lookalikes}


def _lookalike_text(result: dict[str, Any]) -> str:
    return "  ".join(f"{value:.4f}" for value in result["lookalikes"].values())


# ------------------------------------------------------------------------------------------- baselines


def exact_id_baseline(records: pd.DataFrame) -> tuple[np.ndarray, float]:
    started = time.perf_counter()
    key = records["national_id"].where(records["national_id"].notna(), "rec:" + records["record_id"])
    labels = pd.factorize(key)[0]
    return labels, time.perf_counter() - started


def generic_splink_baseline(records: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, float]:
    """Splink as one would first try it: default comparisons on the raw columns (see the module doc)."""
    started = time.perf_counter()
    raw = pd.DataFrame(
        {
            "unique_id": records["record_id"].astype(str),
            "full_name": records["full_name"].astype(object),
            "dob": pd.to_datetime(records["date_of_birth"]).dt.strftime("%Y-%m-%d").astype(object),
            "sex": records["sex"].astype(object),
            "national_id": records["national_id"].astype(object),
            "phone": records["phone"].astype(object),
        }
    )
    raw = raw.where(raw.notna(), None)
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("full_name"),
            cl.DateOfBirthComparison("dob", input_is_string=True),
            cl.ExactMatch("sex"),
            cl.ExactMatch("national_id"),
            cl.ExactMatch("phone"),
        ],
        blocking_rules_to_generate_predictions=[block_on("full_name"), block_on("dob")],
        retain_matching_columns=False,
    )
    with create_backend() as backend:
        linker = Linker(backend.register(raw, "generic_raw"), settings, log_level=logging.ERROR)
        linker.training.estimate_probability_two_random_records_match(
            [block_on("national_id"), block_on("phone")], recall=0.9
        )
        linker.training.estimate_u_using_random_sampling(max_pairs=U_MAX_PAIRS, seed=seed)
        for rule in (block_on("dob"), block_on("full_name")):
            linker.training.estimate_parameters_using_expectation_maximisation(rule, max_pairs=EM_MAX_PAIRS)
        pairs = linker.inference.predict(threshold_match_weight=0, warning_mode="never").as_pandas_dataframe()
    pairs = pairs.rename(columns={"unique_id_l": "record_id_l", "unique_id_r": "record_id_r"})
    return pairs, time.perf_counter() - started


# --------------------------------------------------------------------------------- our model, in depth


def all_candidate_pairs(records: pd.DataFrame, model_json: dict[str, Any]) -> tuple[pd.DataFrame, list[Any]]:
    """Every blocked pair scored by the trained model (no threshold), and Splink's exact pair counts."""
    features = build_features(records)
    with create_backend() as backend:
        table = backend.register(features, "bench_features")
        counts = count_comparisons_from_blocking_rules(
            table,
            blocking_rules=blocking_rules(),
            link_type="dedupe_only",
            unique_id_column_name="unique_id",
            record_sample_proportion=1.0,
        )
        linker = Linker(table, model_json, log_level=logging.ERROR)
        scored = linker.inference.predict(warning_mode="never").as_pandas_dataframe()
    scored = scored.rename(columns={"unique_id_l": "record_id_l", "unique_id_r": "record_id_r"})
    # The weights the pipeline uses: Splink's plus the household evidence (assets/linkage/household_evidence.py).
    scored = scored[["record_id_l", "record_id_r", "match_weight"]]
    scored, _ = add_household_evidence(scored, households_by_record(records))
    return scored, counts


def true_pairs(records: pd.DataFrame) -> pd.DataFrame:
    dup = records[records["person_id"].duplicated(keep=False)][["record_id", "person_id"]]
    pairs = dup.merge(dup, on="person_id", suffixes=("_l", "_r"))
    pairs = pairs[pairs["record_id_l"] < pairs["record_id_r"]]
    return pairs[["record_id_l", "record_id_r"]]


def ordered(pairs: pd.DataFrame) -> pd.DataFrame:
    left = pairs[["record_id_l", "record_id_r"]].min(axis=1)
    right = pairs[["record_id_l", "record_id_r"]].max(axis=1)
    return pairs.assign(record_id_l=left, record_id_r=right)


# ---------------------------------------------------------------------------------------------- runs


def link_only(url: str, seed: int) -> dict[str, Any]:
    """Load and link one warehouse's records; the timing the scale ratio is built from."""
    records = load_records(url)
    started = time.perf_counter()
    run = link_records(records, seed=seed)
    seconds = time.perf_counter() - started
    return {"records": len(records), "seconds": seconds, "peak_mb": peak_mb(), "stats": run.stats}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", required=True, help="SQLAlchemy URL of the scale-1 warehouse")
    parser.add_argument("--truth", required=True, type=Path, help="the generator's truth directory")
    parser.add_argument("--scale-5-warehouse", help="URL of a scale-5 warehouse, for the time ratio")
    parser.add_argument("--artefacts", type=Path, help="write the trained model and its chart here")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--link-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.ERROR)

    if args.link_only:
        print(json.dumps(link_only(args.warehouse, args.seed)))
        return 0

    records = attach_truth(load_records(args.warehouse), args.truth)
    n = len(records)
    print(f"\nlinkage benchmark — {n:,} accepted records, {records['person_id'].nunique():,} true persons")

    # (c) first, so the process peak below is the model's own (the baselines run after it).
    started = time.perf_counter()
    run = link_records(records, seed=args.seed)
    ours_s = time.perf_counter() - started
    ours_peak = peak_mb()
    matched = run.pairs[run.pairs["match_weight"] >= MATCH_THRESHOLD]
    ours = scores(records, clusters(records, matched))
    with_review = scores(records, clusters(records, run.pairs))
    if args.artefacts:
        args.artefacts.mkdir(parents=True, exist_ok=True)
        (args.artefacts / "linkage_model.json").write_text(json.dumps(run.model_json, indent=2, ensure_ascii=False))
        (args.artefacts / "match_weights.html").write_text(run.chart_html, encoding="utf-8")

    id_labels, id_s = exact_id_baseline(records)
    exact = scores(records, id_labels)
    generic_pairs, generic_s = generic_splink_baseline(records, args.seed)
    generic = scores(records, clusters(records, generic_pairs, constrained=False))

    kinds = "  ".join(LOOKALIKE_KINDS)
    print(f"\n  {'method':<40} precision  recall     F1   wall s  look-alike precision: {kinds}")
    for name, result, seconds in (
        ("(a) exact national ID", exact, id_s),
        ("(b) generic Splink, raw names/dates", generic, generic_s),
        (f"(c) Vietnamese model, weight >= {MATCH_THRESHOLD:g}", ours, ours_s),
        (f"    … plus review band >= {REVIEW_THRESHOLD:g}", with_review, ours_s),
    ):
        print(
            f"  {name:<40} {result['precision']:9.4f} {result['recall']:7.4f} {result['f1']:6.4f} "
            f"{seconds:8.1f}  {_lookalike_text(result)}"
        )
    phases = {k: v for k, v in run.stats.items() if k.startswith("seconds_")}
    print(f"  (c) phases: {', '.join(f'{k[8:]} {v:.1f} s' for k, v in phases.items())}")
    print(f"  (c) EM iterations per round: {run.stats.get('em_iterations')}")
    print(
        f"  (c) household evidence: m {run.stats['household_m']:.4f}, u {run.stats['household_u']:.2e}; "
        f"support {run.stats['household_weight_support']:+.2f}, none {run.stats['household_weight_no_support']:+.2f}"
        f" ({run.stats['pairs_with_household_support']:,} candidate pairs supported)"
    )
    print(
        f"  (c) pairs kept (>= review threshold): {run.stats['pairs_kept']:,}; "
        f"matched {run.stats['pairs_matched']:,}; in the review band {run.stats['pairs_review']:,}"
    )

    # Precision–recall over thresholds, and blocking, from every candidate pair.
    scored, counts = all_candidate_pairs(records, run.model_json)
    scored = ordered(scored)
    truth_pairs = true_pairs(records)
    kept = truth_pairs.merge(scored, on=["record_id_l", "record_id_r"], how="left")
    print("\n  precision–recall over match-weight thresholds (connected components at each threshold)")
    print(f"  threshold  precision  recall      F1   pairs >= t  true pairs below t  look-alike precision: {kinds}")
    for threshold in PR_THRESHOLDS:
        result = scores(records, clusters(records, scored[scored["match_weight"] >= threshold]))
        above = int((scored["match_weight"] >= threshold).sum())
        missed = int((~(kept["match_weight"] >= threshold)).sum())
        marker = (
            "  ← match" if threshold == MATCH_THRESHOLD else ("  ← review" if threshold == REVIEW_THRESHOLD else "")
        )
        print(
            f"  {threshold:9g}  {result['precision']:9.4f} {result['recall']:7.4f} {result['f1']:7.4f} "
            f"{above:11,} {missed:12,}        {_lookalike_text(result)}{marker}"
        )

    total = counts[-1]["cumulative_comparison_count"] if counts else 0
    blocked_true = int(kept["match_weight"].notna().sum())
    print("\n  blocking (exact counts, count_comparisons_from_blocking_rules, record_sample_proportion=1.0)")
    for record in counts:
        print(f"    {record['marginal_comparison_count']:>12,}  {record['blocking_rule']}")
    print(f"    {total:>12,}  candidate pairs = {total / n:.2f} per record")
    print(
        f"    true pairs kept by blocking: {blocked_true:,} of {len(truth_pairs):,} = "
        f"{blocked_true / max(len(truth_pairs), 1):.4%}"
    )
    print(f"\n  process peak memory: {ours_peak:,.0f} MiB after the model; {peak_mb():,.0f} MiB at the end")

    if args.scale_5_warehouse:
        one = ours_s
        proc = subprocess.run(
            [
                sys.executable,
                __file__,
                "--link-only",
                "--warehouse",
                args.scale_5_warehouse,
                "--truth",
                "-",
                "--seed",
                str(args.seed),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        big = json.loads(proc.stdout.strip().splitlines()[-1])
        five = big["seconds"]
        print(
            f"\n  scale 5: {big['records']:,} records linked in {five:.1f} s (link_records wall) "
            f"vs {one:.1f} s at scale 1 = {five / one:.2f}× for "
            f"{big['records'] / n:.2f}× the records; peak {big['peak_mb']:,.0f} MiB"
        )
        big_phases = {k[8:]: v for k, v in big["stats"].items() if k.startswith("seconds_")}
        print(f"  scale 5 phases: {', '.join(f'{k} {v:.1f} s' for k, v in big_phases.items())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
