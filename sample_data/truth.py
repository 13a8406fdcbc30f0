"""The ground truth, written beside (never inside) the landing zone as Parquet.

``residents_truth.parquet`` has one row per record written in any landing file, keyed by the lineage the
pipeline keeps (former ward, file, row, source record id), with the disposition and rules the pipeline must
reach, the new ward the record's true address belongs to, and the true person and household, so later work
can measure routing, quarantine and record linkage without rebuilding the generator.
"""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

RESIDENTS_TRUTH = "residents_truth.parquet"
PERSONS = "persons.parquet"
HOUSEHOLDS = "households.parquet"

_STR = pa.string()
_LIST = pa.list_(pa.string())

RESIDENTS_TRUTH_SCHEMA = pa.schema(
    [
        pa.field("former_ward_code", _STR, nullable=False),
        pa.field("dataset", _STR, nullable=False),
        pa.field("source_file", _STR, nullable=False),  # relative to the landing zone, POSIX
        pa.field("source_row", pa.int64(), nullable=False),  # as the pipeline numbers rows (see README)
        pa.field("source_record_id", _STR),  # null when the source has no id column
        pa.field("expected_disposition", _STR, nullable=False),  # loaded | quarantine | review
        pa.field("expected_rules", _LIST, nullable=False),  # quarantine rules | flags | review reason
        pa.field("expected_flags", _LIST, nullable=False),  # data-quality flags of the written values
        pa.field("expected_new_ward_code", _STR),  # new ward of the record's true address
        pa.field("person_id", _STR, nullable=False),
        pa.field("household_id", _STR, nullable=False),
        pa.field("full_name", _STR, nullable=False),  # NFC, title case, as the person's legal name is spelt
        pa.field("date_of_birth", pa.date32(), nullable=False),
        pa.field("sex", _STR, nullable=False),  # M | F
        pa.field("national_id", _STR, nullable=False),  # 12-digit CCCD
        pa.field("phone", _STR),  # 10-digit mobile; null when the person has none
        pa.field("listing", _STR, nullable=False),  # first | second (the person's listing in another ward)
        pa.field("lookalike_kind", _STR),  # twin | namesake | null
        pa.field("lookalike_group", _STR),  # shared by the two look-alikes
        pa.field("variations", _LIST, nullable=False),  # how the record differs from the truth, harmlessly
        pa.field("true_residential_group", pa.int32(), nullable=False),
        pa.field("true_street", _STR, nullable=False),
        pa.field("true_alley", _STR),
        pa.field("true_house_number", _STR, nullable=False),
        pa.field("residence_type", _STR, nullable=False),  # permanent | temporary (as written)
        pa.field("registration_date", pa.date32()),  # true date the residence was registered
        pa.field("registration_end_date", pa.date32()),  # true end of a temporary registration
    ]
)

PERSONS_SCHEMA = pa.schema(
    [
        pa.field("person_id", _STR, nullable=False),
        pa.field("household_id", _STR, nullable=False),  # the household the person lives in now
        pa.field("full_name", _STR, nullable=False),
        pa.field("date_of_birth", pa.date32(), nullable=False),
        pa.field("sex", _STR, nullable=False),
        pa.field("national_id", _STR, nullable=False),
        pa.field("cmnd", _STR),
        pa.field("phone", _STR),
        pa.field("birth_province_code", _STR, nullable=False),
        pa.field("lookalike_kind", _STR),
        pa.field("lookalike_group", _STR),
        pa.field("new_ward_code", _STR, nullable=False),  # where the person lives now (= current_new_ward_code)
        # By the Law on Residence 2020 (population.residence_of): the newest valid temporary registration,
        # else the newest permanent one; permanent = the newest permanent registration (null: none listed).
        pa.field("current_new_ward_code", _STR, nullable=False),
        pa.field("current_residential_group", pa.int32(), nullable=False),
        pa.field("permanent_new_ward_code", _STR),
        pa.field("permanent_residential_group", pa.int32()),
        pa.field("listings", pa.int32(), nullable=False),  # number of landing records of this person
    ]
)

HOUSEHOLDS_SCHEMA = pa.schema(
    [
        pa.field("household_id", _STR, nullable=False),
        pa.field("listing", _STR, nullable=False),  # first | second (a moved household listed again)
        pa.field("former_ward_code", _STR, nullable=False),
        pa.field("source_household_code", _STR, nullable=False),
        pa.field("residential_group", pa.int32(), nullable=False),
        pa.field("street", _STR, nullable=False),
        pa.field("alley", _STR),
        pa.field("house_number", _STR, nullable=False),
        pa.field("new_ward_code", _STR, nullable=False),
        pa.field("members", pa.int32(), nullable=False),
    ]
)


class TruthWriter:
    """Writes the truth as it is produced, one row group per former ward, so memory stays bounded.

    Files are written under temporary names and renamed on ``close``: a failed run leaves no truth that
    looks complete.
    """

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.directory = directory
        self._buffers: dict[str, dict[str, list[object]]] = {
            RESIDENTS_TRUTH: {f.name: [] for f in RESIDENTS_TRUTH_SCHEMA},
            HOUSEHOLDS: {f.name: [] for f in HOUSEHOLDS_SCHEMA},
        }
        self._schemas = {RESIDENTS_TRUTH: RESIDENTS_TRUTH_SCHEMA, HOUSEHOLDS: HOUSEHOLDS_SCHEMA}
        self._writers = {
            name: pq.ParquetWriter(self._partial(name), schema, compression="zstd")
            for name, schema in self._schemas.items()
        }

    def _partial(self, name: str) -> Path:
        return self.directory / f".{name}.partial"

    def add_resident(self, **values: object) -> None:
        for name, column in self._buffers[RESIDENTS_TRUTH].items():
            column.append(values[name])

    def add_household(self, **values: object) -> None:
        for name, column in self._buffers[HOUSEHOLDS].items():
            column.append(values[name])

    def flush(self) -> None:
        """Write what was buffered (one former ward) as a row group."""
        for name, buffer in self._buffers.items():
            if any(buffer.values()):
                table = pa.Table.from_pydict(buffer, schema=self._schemas[name])
                self._writers[name].write_table(table)
            for column in buffer.values():
                column.clear()

    def close(self, persons: dict[str, list[object]]) -> list[Path]:
        self.flush()
        for writer in self._writers.values():
            writer.close()
        pq.write_table(pa.Table.from_pydict(persons, schema=PERSONS_SCHEMA), self._partial(PERSONS), compression="zstd")
        written = []
        for name in (RESIDENTS_TRUTH, PERSONS, HOUSEHOLDS):
            final = self.directory / name
            self._partial(name).replace(final)
            written.append(final)
        return written

    def abort(self) -> None:
        for writer in self._writers.values():
            writer.close()
        for name in (RESIDENTS_TRUTH, PERSONS, HOUSEHOLDS):
            self._partial(name).unlink(missing_ok=True)


def empty_persons() -> dict[str, list[object]]:
    return {f.name: [] for f in PERSONS_SCHEMA}


# ---- the other datasets: one file each, ``<dataset>_truth.parquet`` -------------------------------------------
# Columns every dataset's truth has (residents_truth has its own, older layout with the same key and verdict).
DATASET_TRUTH_COMMON = [
    pa.field("former_ward_code", _STR, nullable=False),
    pa.field("dataset", _STR, nullable=False),
    pa.field("source_file", _STR, nullable=False),  # relative to the landing zone, POSIX
    pa.field("source_row", pa.int64(), nullable=False),  # as the pipeline numbers rows
    pa.field("source_record_id", _STR),  # as written; null where the id is derived from key fields
    pa.field("expected_disposition", _STR, nullable=False),  # loaded | quarantine | review | set_aside
    pa.field("expected_rules", _LIST, nullable=False),  # quarantine rules | flags (loaded) | review reason
    pa.field("expected_flags", _LIST, nullable=False),  # flag rules of the written values
    pa.field("expected_row_kind", _STR, nullable=False),  # record | total | exact_copy
    pa.field("expected_new_ward_code", _STR),  # routed datasets: the new ward of the true address
    pa.field("expected_person_id", _STR),  # the person a record names (applicant, owner), null: none / outsider
]


def dataset_truth_file(dataset: str) -> str:
    return f"{dataset}_truth.parquet"


def write_dataset_truth(directory: Path, dataset: str, rows: list[dict[str, object]], extra: list[pa.Field]) -> Path:
    """Write one dataset's truth (common columns plus the dataset's own), atomically."""
    schema = pa.schema([*DATASET_TRUTH_COMMON, *extra])
    columns: dict[str, list[object]] = {f.name: [] for f in schema}
    for row in rows:
        for name, column in columns.items():
            column.append(row.get(name))
    directory.mkdir(parents=True, exist_ok=True)
    final = directory / dataset_truth_file(dataset)
    partial = directory / f".{final.name}.partial"
    pq.write_table(pa.Table.from_pydict(columns, schema=schema), partial, compression="zstd")
    partial.replace(final)
    return final
