"""Warehouse tables (analyst-facing names), defined once for DuckDB and PostgreSQL alike.

Each dataset's record table (``resident_record``, …) is derived from its declaration in schemas/datasets/, so a
new dataset gets its table without a line here. `docs/warehouse.md` documents each table for analysts; keep
the two in step.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

import sqlalchemy as sa

from schemas.datasets import Dataset, Kind, registry

metadata = sa.MetaData()

# ---- reference ---------------------------------------------------------------------------------------------
dim_admin_unit = sa.Table(
    "dim_admin_unit",
    metadata,
    sa.Column("unit_key", sa.String, primary_key=True, comment="era:code, e.g. old:00322 / new:00322"),
    sa.Column("code", sa.String, nullable=False),
    sa.Column("era", sa.String, nullable=False, comment="old (before 1 July 2025) or new"),
    sa.Column("unit_level", sa.String, nullable=False, comment="commune, or district for island districts"),
    sa.Column("name", sa.String, nullable=False),
    sa.Column("short_name", sa.String),
    sa.Column("unit_type", sa.String),
    sa.Column("district_code", sa.String),
    sa.Column("district_name", sa.String),
    sa.Column("province_code", sa.String),
    sa.Column("province_name", sa.String),
    sa.Column("latitude", sa.Double),
    sa.Column("longitude", sa.Double),
    sa.Column("area_km2", sa.Double),
    sa.Column("valid_from", sa.Date),
    sa.Column("valid_to", sa.Date),
    sa.Column("record_hash", sa.String, nullable=False),
)

admin_unit_crosswalk = sa.Table(
    "admin_unit_crosswalk",
    metadata,
    sa.Column("old_unit_key", sa.String, primary_key=True),
    sa.Column("new_unit_key", sa.String, primary_key=True),
    sa.Column("old_code", sa.String, nullable=False),
    sa.Column("new_code", sa.String, nullable=False),
    sa.Column("old_name", sa.String, nullable=False),
    sa.Column("new_name", sa.String, nullable=False),
    sa.Column("in_part", sa.Boolean, nullable=False, comment="the old unit was split among several new units"),
    sa.Column("record_hash", sa.String, nullable=False),
)

# ---- residents: integration layer (personal data; not for analysts' role) -----------------------------------
_lineage = (
    ("source_file", sa.String, False),
    ("source_row", sa.Integer, False),
    ("file_sha256", sa.String, False),
    ("run_id", sa.String, False),
)


def _lineage_columns() -> list[sa.Column]:
    return [sa.Column(name, type_, nullable=nullable) for name, type_, nullable in _lineage]


# Warehouse type of a field's value by kind (text otherwise); derived columns are text but a group's number.
_VALUE_TYPES: dict[Kind, sa.types.TypeEngine] = {
    Kind.DATE: sa.Date(),
    Kind.DATETIME: sa.DateTime(),
    Kind.SEX: sa.String(1),
    Kind.AMOUNT: sa.Numeric(24, 4),
}
_DERIVED_TYPES: dict[str, sa.types.TypeEngine] = {"number": sa.Integer()}


def _field_columns(ds: Dataset) -> list[sa.Column]:
    columns = []
    for f in ds.fields:
        if f.kind is Kind.RECORD_ID or not f.stored:
            continue
        columns.append(
            sa.Column(f.name, _VALUE_TYPES.get(f.kind, sa.String()), nullable=not f.required, comment=f.description)
        )
        for part in f.derived_parts:
            nullable = not f.required or part == "number"
            columns.append(sa.Column(f.column(part), _DERIVED_TYPES.get(part, sa.String()), nullable=nullable))
    return columns


def _record_table(ds: Dataset) -> sa.Table:
    """A dataset's table of accepted records: key, its fields' stored columns, routing, flags, lineage."""
    routing = (
        [
            sa.Column("new_ward_code", sa.String, nullable=False, comment="the new ward the record was placed in"),
            sa.Column("route_method", sa.String, nullable=False, comment="group, street, street+refinement, decision"),
        ]
        if ds.routed
        else []
    )
    return sa.Table(
        ds.record_table,
        metadata,
        sa.Column("former_ward_code", sa.String, primary_key=True),
        sa.Column("dataset", sa.String, primary_key=True),
        sa.Column("source_record_id", sa.String, primary_key=True),
        *_field_columns(ds),
        *routing,
        sa.Column("dq_flags", sa.String, comment="comma-separated flag rules (data_quality/)"),
        sa.Column("as_of", sa.Date, nullable=False, comment="the date the export is as of (its manifest's as_of)"),
        *_lineage_columns(),
        sa.Column("record_hash", sa.String, nullable=False),
        comment=ds.description,
    )


RECORD_TABLES: Mapping[str, sa.Table] = MappingProxyType({name: _record_table(ds) for name, ds in registry().items()})
resident_record = RECORD_TABLES["residents"]

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_file", sa.String, primary_key=True),
    sa.Column("source_row", sa.Integer, primary_key=True),
    sa.Column("source_record_id", sa.String),
    sa.Column("rule_count", sa.Integer, nullable=False, comment="how many rules the record broke (quarantine_rule)"),
    sa.Column("file_sha256", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

quarantine_rule = sa.Table(
    "quarantine_rule",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_file", sa.String, primary_key=True),
    sa.Column("source_row", sa.Integer, primary_key=True),
    sa.Column("rule", sa.String, primary_key=True, comment="a quarantine rule (data_quality/) the record broke"),
    sa.Column("field", sa.String, comment="the canonical field it judges"),
    sa.Column("masked_value", sa.String, comment="the offending value, masked (JSON field -> value for several)"),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

review_queue = sa.Table(
    "review_queue",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_file", sa.String, primary_key=True),
    sa.Column("source_row", sa.Integer, primary_key=True),
    sa.Column("source_record_id", sa.String, nullable=False),
    sa.Column("reason", sa.String, nullable=False),
    sa.Column("residential_group", sa.String, comment="as normalised; null when not given"),
    sa.Column("residential_group_number", sa.Integer, comment="the group's number, for sorting"),
    sa.Column("street", sa.String),
    sa.Column("file_sha256", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

nonrecord_row = sa.Table(
    "nonrecord_row",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_file", sa.String, primary_key=True),
    sa.Column("source_row", sa.Integer, primary_key=True),
    sa.Column("kind", sa.String, nullable=False, comment="total (a report's total or subtotal row) or exact_copy"),
    sa.Column("source_record_id", sa.String, comment="an exact copy: the id of the record it repeats"),
    sa.Column("label", sa.String, comment="a total: its label as written (\"Cộng mục 1000\")"),
    sa.Column("copy_of", sa.String, comment="an exact copy: the row it repeats (\"file row N\")"),
    sa.Column("total_check", sa.String, comment="a total: balanced, unbalanced or unreadable against its records"),
    sa.Column("total_detail", sa.String, comment="JSON field -> {reported, records} for sums that do not balance"),
    sa.Column("file_sha256", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
    comment="Source rows that are not records, set apart so that nothing is dropped: totals and exact copies.",
)

# ---- persons ----------------------------------------------------------------------------------------------
dim_person = sa.Table(
    "dim_person",
    metadata,
    sa.Column("person_key", sa.BigInteger, primary_key=True),
    sa.Column("valid_from", sa.DateTime, primary_key=True),
    sa.Column("valid_to", sa.DateTime, comment="null while current"),
    sa.Column("is_current", sa.Boolean, nullable=False),
    sa.Column("full_name", sa.String, nullable=False),
    sa.Column("date_of_birth", sa.Date, nullable=False),
    sa.Column("dob_precision", sa.String, nullable=False),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("national_id", sa.String),
    sa.Column("national_id_kind", sa.String),
    sa.Column("phone", sa.String),
    sa.Column("house_number", sa.String),
    sa.Column("alley", sa.String),
    sa.Column("street", sa.String),
    sa.Column("residential_group", sa.String),
    sa.Column("new_ward_code", sa.String, nullable=False, comment="where the person lives now"),
    sa.Column("source_records", sa.Integer, nullable=False),
    # Survivorship: which source record each attribute came from (former_ward/dataset/source_record_id).
    sa.Column("full_name_source", sa.String, nullable=False),
    sa.Column("date_of_birth_source", sa.String, nullable=False),
    sa.Column("national_id_source", sa.String),
    sa.Column("phone_source", sa.String),
    sa.Column("address_source", sa.String, nullable=False),
    sa.Column("attributes_hash", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
)

person_key_map = sa.Table(
    "person_key_map",
    metadata,
    sa.Column("person_key", sa.BigInteger, primary_key=True, autoincrement=False, comment="every key ever issued"),
    sa.Column("current_person_key", sa.BigInteger, nullable=False, comment="the person it resolves to now"),
    sa.Column("status", sa.String, nullable=False, comment="current or retired"),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

person_key_event = sa.Table(
    "person_key_event",
    metadata,
    sa.Column("run_id", sa.String, primary_key=True),
    sa.Column("kind", sa.String, primary_key=True, comment="person or household"),
    sa.Column("from_key", sa.BigInteger, primary_key=True),
    sa.Column("to_key", sa.BigInteger, primary_key=True),
    sa.Column("event", sa.String, nullable=False, comment="merge (from_key retired) or split (from_key kept)"),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("event_at", sa.DateTime, nullable=False),
)

# ---- households ---------------------------------------------------------------------------------------------
dim_household = sa.Table(
    "dim_household",
    metadata,
    sa.Column("household_key", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("new_ward_code", sa.String, nullable=False),
    sa.Column("house_number", sa.String),
    sa.Column("alley", sa.String),
    sa.Column("street", sa.String),
    sa.Column("residential_group", sa.String),
    sa.Column("members", sa.Integer, nullable=False),
    sa.Column("source_households", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

household_member = sa.Table(
    "household_member",
    metadata,
    sa.Column("household_key", sa.BigInteger, primary_key=True),
    sa.Column("person_key", sa.BigInteger, primary_key=True),
    sa.Column("relation_to_head", sa.String),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

household_source_xref = sa.Table(
    "household_source_xref",
    metadata,
    sa.Column("source_household", sa.String, primary_key=True, comment="former_ward/dataset/household_id"),
    sa.Column("household_key", sa.BigInteger, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

# ---- clerical review of uncertain matches ----------------------------------------------------------------------
match_review = sa.Table(
    "match_review",
    metadata,
    sa.Column("record_id_l", sa.String, primary_key=True),
    sa.Column("record_id_r", sa.String, primary_key=True),
    sa.Column("match_weight", sa.Float, nullable=False),
    sa.Column("match_probability", sa.Float, nullable=False),
    sa.Column("person_key_l", sa.BigInteger, nullable=False),
    sa.Column("person_key_r", sa.BigInteger, nullable=False),
    sa.Column("fields_l", sa.String, nullable=False, comment="JSON of the left record's fields, masked"),
    sa.Column("fields_r", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

match_decision = sa.Table(
    "match_decision",
    metadata,
    sa.Column("record_id_l", sa.String, primary_key=True),
    sa.Column("record_id_r", sa.String, primary_key=True),
    sa.Column("decision", sa.String, nullable=False, comment="same or different; written by clerks, never by runs"),
    sa.Column("decided_by", sa.String),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("note", sa.String),
)

person_source_xref = sa.Table(
    "person_source_xref",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_record_id", sa.String, primary_key=True),
    sa.Column("person_key", sa.BigInteger, nullable=False),
    sa.Column("new_ward_code", sa.String, nullable=False),
    *_lineage_columns(),
    sa.Column("record_hash", sa.String, nullable=False),
)

# ---- persons named by other records, and apportioning -----------------------------------------------------------
record_person_link = sa.Table(
    "record_person_link",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_record_id", sa.String, primary_key=True),
    sa.Column("role", sa.String, primary_key=True, comment="applicant, owner, petitioner (the dataset's person role)"),
    sa.Column("person_key", sa.BigInteger, comment="the person in dim_person; null when not identifiable"),
    sa.Column("match_method", sa.String, nullable=False,
              comment="national_id, name_and_birth_date, ambiguous, no_match or no_identifier"),
    sa.Column("candidates", sa.Integer, nullable=False, comment="persons the identifiers matched (1 when linked)"),
    *_lineage_columns(),
    sa.Column("record_hash", sa.String, nullable=False),
    comment="Each record that names a person (dossier applicant, business owner, petitioner) and who they are.",
)  # fmt: skip

crosswalk_weights = sa.Table(
    "crosswalk_weights",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("basis", sa.String, primary_key=True,
              comment="population, households, business_households or budget"),
    sa.Column("new_ward_code", sa.String, primary_key=True),
    sa.Column("weight", sa.Double, nullable=False, comment="share of the former ward's aggregate; a set sums to 1"),
    sa.Column("numerator", sa.Integer, nullable=False, comment="records of the basis routed to this new ward"),
    sa.Column("denominator", sa.Integer, nullable=False, comment="records of the basis in the former ward"),
    sa.Column("method", sa.String, nullable=False, comment="how the weight was computed (docs/warehouse.md)"),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
    comment="Weights that apportion a former ward's aggregates to the new wards it went to.",
)  # fmt: skip

# ---- audit ------------------------------------------------------------------------------------------------
load_audit = sa.Table(
    "load_audit",
    metadata,
    sa.Column("run_id", sa.String, primary_key=True),
    sa.Column("stage", sa.String, primary_key=True),
    sa.Column("partition_key", sa.String, primary_key=True),
    sa.Column("rows_read", sa.Integer),
    sa.Column("rows_loaded", sa.Integer),
    sa.Column("rows_quarantined", sa.Integer),
    sa.Column("rows_review", sa.Integer),
    sa.Column("rows_inserted", sa.Integer),
    sa.Column("rows_updated", sa.Integer),
    sa.Column("rows_deleted", sa.Integer),
    sa.Column("finished_at", sa.DateTime, nullable=False),
)

# Tables a source record can end in (besides its dataset's record table), replaced per former ward by the load.
DISPOSITION_TABLES = (quarantine, review_queue, nonrecord_row)


def partition_tables(dataset: str) -> tuple[sa.Table, ...]:
    """The tables in which each source record of ``dataset`` is found exactly once."""
    return (RECORD_TABLES[dataset], *DISPOSITION_TABLES)
