"""Measure a warehouse against the sample generator's truth: dispositions, routing, accounting, party links.

Used by the end-to-end tests and the benchmark, so both report the same numbers. Records are matched on
(former ward, source file, source row): every truth row names the file and row it was written to. One function
serves every dataset (``evaluate_dataset``): the truth of each has the same key and verdict columns.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from assets.lib.vietnamese import match_key
from assets.lib.warehouse import Warehouse
from sample_data.truth import dataset_truth_file
from schemas import warehouse as w
from schemas.canonical import split_names
from schemas.datasets import registry

TRUTH_FILE = "residents_truth.parquet"
_KEY = ["former_ward_code", "source_file", "source_row"]


@dataclass(frozen=True)
class DatasetMetrics:
    truth_rows: int
    warehouse_rows: int
    unaccounted: int  # truth rows in none of the tables
    doubled: int  # truth rows in more than one place
    quarantine_precision: float
    quarantine_recall: float
    review_precision: float
    review_recall: float
    routing_accuracy: float  # among truly routable records: placed in the right new ward
    routable: int
    # Among rows whose disposition is right: the verdict's reasons differ from the truth's.
    rule_mismatches: int  # quarantine: the set of broken rules
    flag_mismatches: int  # loaded: the set of data-quality flags
    reason_mismatches: int  # review: the reason
    disposition_mismatches: int = 0  # rows whose place differs from the truth's
    set_aside_mismatches: int = 0  # rows set apart (total, exact copy) of another kind than the truth's
    total_check_mismatches: int = 0  # totals whose check (balanced / unbalanced) differs from the truth's

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


# The residents' metrics are the generic ones (the name is kept for the benchmark and its readers).
ResidentMetrics = DatasetMetrics


def _ratio(num: int, den: int) -> float:
    return num / den if den else 1.0


def load_truth(truth_dir: Path, dataset: str = "residents", wards: Collection[str] | None = None) -> pd.DataFrame:
    """A dataset's truth (one row per written source row), optionally of some former wards only."""
    name = TRUTH_FILE if dataset == "residents" else dataset_truth_file(dataset)
    truth = pd.read_parquet(truth_dir / name)
    truth["source_row"] = truth["source_row"].astype("int64")
    if wards is not None:
        truth = truth[truth["former_ward_code"].isin(list(wards))].reset_index(drop=True)
    return truth


def warehouse_dispositions(warehouse: Warehouse, dataset: str = "residents") -> pd.DataFrame:
    """One row per warehouse placement of a source row of ``dataset``: where it went, its new ward (if loaded and
    routed), why (``reasons``: the quarantine rules, the flags of a loaded record, or the review reason), and for
    a row set apart its kind and total check."""
    spec = registry()[dataset]
    record_table = w.RECORD_TABLES[dataset]
    parts = []
    with warehouse.engine.connect() as conn:
        for disposition, table in (
            ("loaded", record_table),
            ("quarantine", w.quarantine),
            ("review", w.review_queue),
            ("set_aside", w.nonrecord_row),
        ):
            cols: list[sa.ColumnElement] = [table.c.former_ward_code, table.c.source_file, table.c.source_row]
            if table is record_table:
                cols.append(table.c.new_ward_code if spec.routed else sa.null().label("new_ward_code"))
                cols.append(table.c.dq_flags.label("reasons"))
            if table is w.review_queue:
                cols.append(table.c.reason.label("reasons"))
            if table is w.nonrecord_row:
                cols += [table.c.kind, table.c.total_check]
            statement = sa.select(*cols)
            if table is not record_table:
                statement = statement.where(table.c.dataset == dataset)
            frame = warehouse.read_frame(conn, statement)
            frame["disposition"] = disposition
            parts.append(frame)
        q = w.quarantine_rule
        rules = warehouse.read_frame(
            conn, sa.select(q.c.source_file, q.c.source_row, q.c.rule).where(q.c.dataset == dataset)
        )
    out = pd.concat(parts, ignore_index=True)
    out["source_row"] = out["source_row"].astype("int64")
    out["reasons"] = [frozenset(split_names(v)) for v in out.get("reasons", pd.Series(index=out.index))]
    rules["source_row"] = rules["source_row"].astype("int64")
    broken = rules.groupby(["source_file", "source_row"])["rule"].agg(frozenset)
    quarantined = out["disposition"] == "quarantine"
    keys = list(zip(out.loc[quarantined, "source_file"], out.loc[quarantined, "source_row"], strict=True))
    rules_of = [broken.get(k, frozenset()) for k in keys]
    out.loc[quarantined, "reasons"] = pd.Series(rules_of, index=out.index[quarantined], dtype="object")
    return out


def evaluate_dataset(
    warehouse: Warehouse, truth_dir: Path, dataset: str = "residents", wards: Collection[str] | None = None
) -> DatasetMetrics:
    """Where every source row of ``dataset`` went, and why, against the truth (of ``wards`` only, if given)."""
    truth = load_truth(truth_dir, dataset, wards)
    placed = warehouse_dispositions(warehouse, dataset)
    if wards is not None:
        placed = placed[placed["former_ward_code"].isin(list(wards))]
    counts = placed.groupby(_KEY).size().rename("placements").reset_index()
    joined = truth.merge(counts, on=_KEY, how="left")
    unaccounted = int(joined["placements"].isna().sum())
    doubled = int((joined["placements"] > 1).sum())
    merged = truth.merge(placed.drop_duplicates(_KEY), on=_KEY, how="left", suffixes=("", "_found"))

    def pr(kind: str) -> tuple[float, float]:
        predicted = merged["disposition"] == kind
        actual = merged["expected_disposition"] == kind
        return _ratio(int((predicted & actual).sum()), int(predicted.sum())), _ratio(
            int((predicted & actual).sum()), int(actual.sum())
        )

    qp, qr = pr("quarantine")
    rp, rr = pr("review")
    routable = merged[merged["expected_disposition"] == "loaded"]
    if registry()[dataset].routed:
        right = (routable["disposition"] == "loaded") & (
            routable["new_ward_code"] == routable["expected_new_ward_code"]
        )
        routing = _ratio(int(right.sum()), len(routable))
    else:
        routing = 1.0

    def mismatches(kind: str, expected: str) -> int:
        agree = merged[(merged["disposition"] == kind) & (merged["expected_disposition"] == kind)]
        return sum(frozenset(list(e)) != got for e, got in zip(agree[expected], agree["reasons"], strict=True))

    aside = merged[(merged["disposition"] == "set_aside") & (merged["expected_disposition"] == "set_aside")]
    kinds_off = int((aside["kind"] != aside["expected_row_kind"]).sum()) if len(aside) else 0
    totals_off = 0
    if "expected_total_check" in aside.columns:
        totals = aside[aside["expected_row_kind"] == "total"]
        totals_off = int((totals["total_check"] != totals["expected_total_check"]).sum())
    return DatasetMetrics(
        truth_rows=len(truth),
        warehouse_rows=len(placed),
        unaccounted=unaccounted,
        doubled=doubled,
        quarantine_precision=qp,
        quarantine_recall=qr,
        review_precision=rp,
        review_recall=rr,
        routing_accuracy=routing,
        routable=len(routable),
        rule_mismatches=mismatches("quarantine", "expected_rules"),
        flag_mismatches=mismatches("loaded", "expected_flags"),
        reason_mismatches=mismatches("review", "expected_rules"),
        disposition_mismatches=int((merged["disposition"] != merged["expected_disposition"]).sum()),
        set_aside_mismatches=kinds_off,
        total_check_mismatches=totals_off,
    )


def evaluate_residents(warehouse: Warehouse, truth_dir: Path) -> DatasetMetrics:
    return evaluate_dataset(warehouse, truth_dir, "residents")


@dataclass(frozen=True)
class LinkMetrics:
    """Party links (applicant, owner, petitioner → person) of one dataset against the truth."""

    records: int  # link rows (accepted records naming a person)
    linked: int
    correct: int  # linked to the person the truth says
    precision: float
    identifiable: int  # the truth person has an accepted resident record with the record's ID (or name + birth)
    recall: float  # among identifiable records: linked to the right person
    outsiders_linked: int  # people from outside the wards linked to someone (must be 0)

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def evaluate_party_links(
    warehouse: Warehouse, truth_dir: Path, dataset: str, wards: Collection[str] | None = None
) -> LinkMetrics:
    spec = registry()[dataset]
    role = spec.persons[0]
    table = w.RECORD_TABLES[dataset]
    link = w.record_person_link
    residents_truth = load_truth(truth_dir, "residents")[_KEY + ["person_id"]]
    truth = load_truth(truth_dir, dataset, wards)[_KEY + ["expected_person_id"]]
    name_col = spec.field(role.name).column("key")
    with warehouse.engine.connect() as conn:
        links = warehouse.read_frame(conn, sa.select(link).where(link.c.dataset == dataset))
        records = warehouse.read_frame(
            conn,
            sa.select(
                table.c.former_ward_code, table.c.source_file, table.c.source_row,
                (table.c[role.national_id] if role.national_id else sa.null()).label("written_id"),
                table.c[name_col].label("written_name"),
                (table.c[role.date_of_birth] if role.date_of_birth else sa.null()).label("written_dob"),
            ),
        )  # fmt: skip
        residents = warehouse.read_frame(
            conn,
            sa.select(
                w.person_source_xref.c.person_key, w.resident_record.c.former_ward_code,
                w.resident_record.c.source_file, w.resident_record.c.source_row, w.resident_record.c.national_id,
                w.resident_record.c.name_key, w.resident_record.c.date_of_birth, w.resident_record.c.dob_precision,
            ).join(
                w.resident_record,
                sa.and_(*(w.resident_record.c[k] == w.person_source_xref.c[k]
                          for k in ("former_ward_code", "dataset", "source_record_id"))),
            ),
        )  # fmt: skip
    for frame in (links, records, residents):
        frame["source_row"] = frame["source_row"].astype("int64")
    residents = residents.merge(residents_truth, on=_KEY, how="inner")
    # The truth person each person key stands for: the one most of its records belong to.
    owner = residents.groupby(["person_key", "person_id"]).size().rename("n").reset_index()
    owner = owner.sort_values(["person_key", "n"], ascending=[True, False]).drop_duplicates("person_key")
    person_of_key = owner.set_index("person_key")["person_id"]
    merged = links.merge(truth, on=_KEY, how="inner").merge(records, on=_KEY, how="left")
    if wards is not None:
        merged = merged[merged["former_ward_code"].isin(list(wards))]
    merged["linked_person"] = merged["person_key"].map(person_of_key)
    linked = merged["person_key"].notna()
    correct = linked & (merged["linked_person"] == merged["expected_person_id"])
    ids = set(zip(residents["person_id"], residents["national_id"], strict=True))
    names = {(p, n, d) for p, n, d, precision in zip(residents["person_id"], residents["name_key"],
             residents["date_of_birth"], residents["dob_precision"], strict=True) if precision == "day"}  # fmt: skip
    identifiable = [
        isinstance(p, str)
        and ((isinstance(i, str) and (p, i) in ids) or (d is not None and not pd.isna(d) and (p, n, d) in names))
        for p, i, n, d in zip(merged["expected_person_id"], merged["written_id"], merged["written_name"],
                              merged["written_dob"], strict=True)
    ]  # fmt: skip
    identifiable_s = pd.Series(identifiable, index=merged.index)
    return LinkMetrics(
        records=len(merged),
        linked=int(linked.sum()),
        correct=int(correct.sum()),
        precision=_ratio(int(correct.sum()), int(linked.sum())),
        identifiable=int(identifiable_s.sum()),
        recall=_ratio(int((correct & identifiable_s).sum()), int(identifiable_s.sum())),
        outsiders_linked=int((linked & merged["expected_person_id"].isna()).sum()),
    )


def disagreements(warehouse: Warehouse, truth_dir: Path, limit: int = 20) -> pd.DataFrame:
    """Rows where the warehouse and the truth disagree (for diagnosing a metric below target)."""
    truth = load_truth(truth_dir)
    merged = truth.merge(warehouse_dispositions(warehouse).drop_duplicates(_KEY), on=_KEY, how="left")
    wrong = (merged["disposition"] != merged["expected_disposition"]) | (
        (merged["expected_disposition"] == "loaded") & (merged["new_ward_code"] != merged["expected_new_ward_code"])
    )
    return merged[wrong].head(limit)


LOOKALIKE_KINDS = ("twin", "namesake", "namesake_same_day")
# Written-record variations that leave the pipeline without a residence date the truth has.
_REGISTRATION_GAPS = ("registration_date_blank", "registration_date_unparseable", "registration_date_not_kept")
_END_GAPS = ("registration_end_blank", "registration_end_unparseable", "registration_end_not_kept")


@dataclass(frozen=True)
class GoldenFigure:
    """Share of persons whose golden value equals the truth: over those whose true value is in at least one
    of their loaded records (``determinable``), and over all of them (``raw``)."""

    determinable: float
    determinable_persons: int
    raw: float
    persons: int


@dataclass(frozen=True)
class PersonMetrics:
    records: int
    persons_predicted: int
    persons_true: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    household_precision: float
    household_recall: float
    household_f1: float
    # Pairwise precision over the records of look-alike persons (twins, namesakes), per kind and over all
    # ("all"), and the number of wrongly joined record pairs among them.
    lookalike_precision: dict[str, float]
    lookalike_false_pairs: dict[str, int]
    # Where each person lives (dim_person against the truth's law-based wards), over every true person with
    # a loaded record, judged on the predicted person holding most of their records.
    current_ward_accuracy: float
    permanent_ward_accuracy: float
    # …over persons whose records fall in different new wards (where the rule decides something)
    ward_split_persons: int
    current_ward_accuracy_split: float
    permanent_ward_accuracy_split: float
    # …over persons the sources describe completely (every listing loaded with its registration date, and a
    # temporary one with its end date) and whom linkage formed exactly: there the rule must equal the law.
    residence_complete_persons: int
    residence_complete_split_persons: int  # …of whom have records in two new wards
    current_ward_accuracy_complete: float
    permanent_ward_accuracy_complete: float
    linked_persons: int  # predicted persons formed from two or more records (the true persons judged on them)
    golden_linked: dict[str, GoldenFigure]  # name (tone placement folded), date_of_birth, national_id
    golden_all: dict[str, GoldenFigure]

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def _pairs(sizes: pd.Series) -> int:
    return int((sizes * (sizes - 1) // 2).sum())


def pairwise(predicted: pd.Series, actual: pd.Series) -> tuple[float, float, float]:
    """Pairwise precision, recall and F1 of a clustering (labels per record) against the true labels."""
    both = pd.DataFrame({"p": predicted.to_numpy(), "a": actual.to_numpy()})
    tp = _pairs(both.groupby(["p", "a"]).size())
    pred = _pairs(both.groupby("p").size())
    true = _pairs(both.groupby("a").size())
    precision, recall = _ratio(tp, pred), _ratio(tp, true)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def _share(ok: pd.Series) -> float:
    return float(ok.mean()) if len(ok) else 1.0


def _figure(correct: pd.Series, determinable: pd.Series) -> GoldenFigure:
    return GoldenFigure(
        determinable=_share(correct[determinable]),
        determinable_persons=int(determinable.sum()),
        raw=_share(correct),
        persons=len(correct),
    )


def _lookalikes(merged: pd.DataFrame) -> tuple[dict[str, float], dict[str, int]]:
    """Per kind of look-alike, and over all of them ("all"): precision over the pairs of their records."""
    precision, false_pairs = {}, {}
    for kind in (*LOOKALIKE_KINDS, "all"):
        part = merged[merged["lookalike_kind"].notna() if kind == "all" else merged["lookalike_kind"] == kind]
        both = part.groupby(["person_key", "person_id"]).size()
        tp = _pairs(both)
        predicted = _pairs(part.groupby("person_key").size())
        precision[kind] = _ratio(tp, predicted)
        false_pairs[kind] = predicted - tp
    return precision, false_pairs


def _same_ward(left: pd.Series, right: pd.Series) -> pd.Series:
    """Equal, with two nulls equal (no permanent registration on either side)."""
    return (left == right) | (left.isna() & right.isna())


def evaluate_persons(warehouse: Warehouse, truth_dir: Path) -> PersonMetrics:
    """Persons and households of the warehouse against the truth, over the accepted records."""
    truth = load_truth(truth_dir)
    with warehouse.engine.connect() as conn:
        x = warehouse.read_frame(
            conn,
            sa.select(
                w.person_source_xref.c.former_ward_code,
                w.person_source_xref.c.source_file,
                w.person_source_xref.c.source_row,
                w.person_source_xref.c.person_key,
                w.resident_record.c.household_id,
                w.resident_record.c.dataset,
                w.resident_record.c.national_id,
                w.resident_record.c.full_name.label("record_name"),
                w.resident_record.c.date_of_birth.label("record_dob"),
                w.resident_record.c.dob_precision.label("record_dob_precision"),
            ).join(
                w.resident_record,
                sa.and_(
                    w.resident_record.c.former_ward_code == w.person_source_xref.c.former_ward_code,
                    w.resident_record.c.dataset == w.person_source_xref.c.dataset,
                    w.resident_record.c.source_record_id == w.person_source_xref.c.source_record_id,
                ),
            ),
        )
        households = warehouse.read_frame(conn, sa.select(w.household_source_xref))
        golden = warehouse.read_frame(
            conn,
            sa.select(
                w.dim_person.c.person_key,
                w.dim_person.c.full_name,
                w.dim_person.c.date_of_birth,
                w.dim_person.c.national_id,
                w.dim_person.c.current_new_ward_code,
                w.dim_person.c.permanent_new_ward_code,
            ).where(w.dim_person.c.is_current.is_(True)),
        )
    x["source_row"] = x["source_row"].astype("int64")
    merged = x.merge(truth, on=_KEY, how="inner", suffixes=("", "_true"))
    p_prec, p_rec, p_f1 = pairwise(merged["person_key"], merged["person_id"])
    look_precision, look_false = _lookalikes(merged)

    source = merged["former_ward_code"] + "/" + merged["dataset"] + "/" + merged["household_id"].astype(str)
    house_of = households.set_index("source_household")["household_key"]
    in_house = merged["household_id"].notna()
    predicted_house = source[in_house].map(house_of)
    h_prec, h_rec, h_f1 = pairwise(predicted_house.fillna(-1), merged.loc[in_house, "household_id_true"])

    # Each true person is judged on the predicted person holding most of their records.
    persons_true = pd.read_parquet(truth_dir / "persons.parquet").set_index("person_id")
    main = merged.groupby(["person_id", "person_key"]).size().rename("n").reset_index()
    main = main.sort_values(["person_id", "n", "person_key"], ascending=[True, False, True])
    main = main.drop_duplicates("person_id")
    every = main.merge(golden, on="person_key", suffixes=("", "_golden")).set_index("person_id").sort_index()
    true = persons_true.loc[every.index]

    correct = {
        "name": every["full_name"].map(match_key) == true["full_name"].map(match_key),
        "date_of_birth": pd.to_datetime(every["date_of_birth"]) == pd.to_datetime(true["date_of_birth"]),
        "national_id": every["national_id"] == true["national_id"],
    }
    name_ok = merged["record_name"].map(match_key) == merged["full_name"].map(match_key)
    dob_ok = (pd.to_datetime(merged["record_dob"]) == pd.to_datetime(merged["date_of_birth"])) & merged[
        "record_dob_precision"
    ].eq("day")
    id_ok = merged["national_id"] == merged["national_id_true"]
    carried = {
        "name": set(merged.loc[name_ok, "person_id"]),
        "date_of_birth": set(merged.loc[dob_ok, "person_id"]),
        "national_id": set(merged.loc[id_ok, "person_id"]),
    }
    sizes = merged.groupby("person_key").size()
    linked = every["person_key"].map(sizes) >= 2
    golden_linked, golden_all = {}, {}
    for attribute, ok in correct.items():
        determinable = every.index.to_series().isin(carried[attribute])
        golden_linked[attribute] = _figure(ok[linked], determinable[linked])
        golden_all[attribute] = _figure(ok, determinable)

    current_ok = every["current_new_ward_code"] == true["current_new_ward_code"]
    permanent_ok = _same_ward(every["permanent_new_ward_code"], true["permanent_new_ward_code"])
    all_rows = truth.groupby("person_id")
    split = all_rows["expected_new_ward_code"].nunique().reindex(every.index) > 1
    # Complete: every listing loaded with its residence dates, and linkage formed exactly this person.
    gaps = truth["variations"].map(lambda v: any(g in v for g in _REGISTRATION_GAPS)) | (
        truth["residence_type"].eq("temporary") & truth["variations"].map(lambda v: any(g in v for g in _END_GAPS))
    )
    incomplete = set(truth.loc[gaps | (truth["expected_disposition"] != "loaded"), "person_id"])
    records_of_key = merged.groupby("person_key")["person_id"].nunique()
    listings = all_rows.size().reindex(every.index)
    exact = (every["person_key"].map(records_of_key) == 1) & (every["n"] == listings)
    complete = exact & ~every.index.to_series().isin(incomplete)
    return PersonMetrics(
        records=len(merged),
        persons_predicted=int(merged["person_key"].nunique()),
        persons_true=int(merged["person_id"].nunique()),
        pair_precision=p_prec,
        pair_recall=p_rec,
        pair_f1=p_f1,
        household_precision=h_prec,
        household_recall=h_rec,
        household_f1=h_f1,
        lookalike_precision=look_precision,
        lookalike_false_pairs=look_false,
        current_ward_accuracy=_share(current_ok),
        permanent_ward_accuracy=_share(permanent_ok),
        ward_split_persons=int(split.sum()),
        current_ward_accuracy_split=_share(current_ok[split]),
        permanent_ward_accuracy_split=_share(permanent_ok[split]),
        residence_complete_persons=int(complete.sum()),
        residence_complete_split_persons=int((complete & split).sum()),
        current_ward_accuracy_complete=_share(current_ok[complete]),
        permanent_ward_accuracy_complete=_share(permanent_ok[complete]),
        linked_persons=int(linked.sum()),
        golden_linked=golden_linked,
        golden_all=golden_all,
    )


def residence_mismatches(warehouse: Warehouse, truth_dir: Path) -> pd.DataFrame:
    """Persons whose current or permanent ward differs from the truth, with their records' residence fields
    (for diagnosing; personal data: do not log)."""
    truth = load_truth(truth_dir)
    persons_true = pd.read_parquet(truth_dir / "persons.parquet")
    with warehouse.engine.connect() as conn:
        records = warehouse.read_frame(
            conn,
            sa.select(
                w.resident_record.c.former_ward_code,
                w.resident_record.c.source_file,
                w.resident_record.c.source_row,
                w.resident_record.c.residence_type,
                w.resident_record.c.registration_date,
                w.resident_record.c.registration_end_date,
                w.resident_record.c.new_ward_code,
                w.person_source_xref.c.person_key,
            ).join(
                w.person_source_xref,
                sa.and_(
                    w.resident_record.c.former_ward_code == w.person_source_xref.c.former_ward_code,
                    w.resident_record.c.dataset == w.person_source_xref.c.dataset,
                    w.resident_record.c.source_record_id == w.person_source_xref.c.source_record_id,
                ),
            ),
        )
        golden = warehouse.read_frame(
            conn,
            sa.select(
                w.dim_person.c.person_key,
                w.dim_person.c.current_new_ward_code.label("golden_current"),
                w.dim_person.c.permanent_new_ward_code.label("golden_permanent"),
            ).where(w.dim_person.c.is_current.is_(True)),
        )
    records["source_row"] = records["source_row"].astype("int64")
    merged = records.merge(truth[[*_KEY, "person_id", "variations"]], on=_KEY).merge(golden, on="person_key")
    merged = merged.merge(
        persons_true[["person_id", "current_new_ward_code", "permanent_new_ward_code"]], on="person_id"
    )
    wrong = (merged["golden_current"] != merged["current_new_ward_code"]) | ~_same_ward(
        merged["golden_permanent"], merged["permanent_new_ward_code"]
    )
    return merged[merged["person_id"].isin(set(merged.loc[wrong, "person_id"]))].sort_values("person_id")
