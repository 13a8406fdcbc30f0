"""Warehouse tables (analyst-facing names, BRIEF §4), defined once for DuckDB and PostgreSQL alike.

`docs/warehouse.md` documents each table for analysts; keep the two in step.
"""

from __future__ import annotations

import sqlalchemy as sa

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
    sa.Column("latitude", sa.Float),
    sa.Column("longitude", sa.Float),
    sa.Column("area_km2", sa.Float),
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


resident_record = sa.Table(
    "resident_record",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_record_id", sa.String, primary_key=True),
    sa.Column("full_name", sa.String, nullable=False),
    sa.Column("name_key", sa.String, nullable=False, comment="lowercase, tone placement folded: for matching"),
    sa.Column("name_unmarked", sa.String, nullable=False, comment="lowercase without diacritics"),
    sa.Column("date_of_birth", sa.Date, nullable=False),
    sa.Column("dob_precision", sa.String, nullable=False, comment="day or year"),
    sa.Column("sex", sa.String(1), nullable=False),
    sa.Column("national_id", sa.String),
    sa.Column("national_id_kind", sa.String, comment="cccd or cmnd"),
    sa.Column("phone", sa.String),
    sa.Column("phone_kind", sa.String),
    sa.Column("house_number", sa.String),
    sa.Column("alley", sa.String),
    sa.Column("street", sa.String),
    sa.Column("residential_group", sa.String),
    sa.Column("household_id", sa.String),
    sa.Column("relation_to_head", sa.String),
    sa.Column("residence_type", sa.String, comment="permanent or temporary"),
    sa.Column("registration_date", sa.Date, comment="date the residence was registered; null when not kept"),
    sa.Column("registration_end_date", sa.Date, comment="end of a temporary registration's term"),
    sa.Column("new_ward_code", sa.String, nullable=False),
    sa.Column("route_method", sa.String, nullable=False, comment="group, street or street+refinement"),
    sa.Column("dq_flags", sa.String, comment="comma-separated flag rules (data_quality/rules.py)"),
    sa.Column("as_of", sa.Date, nullable=False),
    *_lineage_columns(),
    sa.Column("record_hash", sa.String, nullable=False),
)

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_file", sa.String, primary_key=True),
    sa.Column("source_row", sa.Integer, primary_key=True),
    sa.Column("source_record_id", sa.String),
    sa.Column("rules", sa.String, nullable=False, comment="comma-separated quarantine rules"),
    sa.Column("masked_values", sa.String, nullable=False, comment="JSON: field -> masked offending value"),
    sa.Column("file_sha256", sa.String, nullable=False),
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
    sa.Column("street", sa.String),
    sa.Column("file_sha256", sa.String, nullable=False),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
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
    sa.Column("new_ward_code", sa.String, nullable=False, comment="where the person lives now (= current)"),
    # Residence by the Law on Residence 2020 (docs/linkage.md, "Where each person lives").
    sa.Column("current_new_ward_code", sa.String, nullable=False, comment="newest valid temporary, else permanent"),
    sa.Column("current_residential_group", sa.String),
    sa.Column("current_residence_type", sa.String, comment="permanent or temporary"),
    sa.Column("permanent_new_ward_code", sa.String, comment="newest permanent registration; null when none"),
    sa.Column("permanent_residential_group", sa.String),
    sa.Column("source_records", sa.Integer, nullable=False),
    # Survivorship: which source record each attribute came from (former_ward/dataset/source_record_id).
    sa.Column("full_name_source", sa.String, nullable=False),
    sa.Column("date_of_birth_source", sa.String, nullable=False),
    sa.Column("national_id_source", sa.String),
    sa.Column("phone_source", sa.String),
    sa.Column("address_source", sa.String, nullable=False, comment="the current residence's record"),
    sa.Column("permanent_source", sa.String, comment="the permanent registration's record"),
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

# Tables replaced per former ward (partition) by the load stage.
PARTITION_TABLES = (resident_record, quarantine, review_queue)
