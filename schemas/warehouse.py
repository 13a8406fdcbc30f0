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
# Where a row came from: the file (relative to the landing zone) and the row as a person finds it there, and the
# run that last changed it. raw_hash identifies the row's delivered content within its former ward and dataset
# (the text of its mapped cells, whatever its position): how a nightly sync tells unchanged rows from changed
# ones. The file's checksum is kept once per file, in `source_delivery`, not on every row (a one-cell edit must
# not rewrite every row of the file).
LINEAGE = ("source_file", "source_row")
# Columns that are not content: a sync keeps them current without counting the row as changed.
NOT_CONTENT = ("run_id", "record_hash", "valid_from", *LINEAGE)


def _lineage_columns() -> list[sa.Column]:
    return [
        sa.Column("raw_hash", sa.String, nullable=False, comment="the delivered row's content hash (change capture)"),
        sa.Column("source_file", sa.String, nullable=False),
        sa.Column("source_row", sa.Integer, nullable=False),
        sa.Column("run_id", sa.String, nullable=False, comment="the run that last changed the row"),
    ]


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
    routing: list[sa.Column] = (
        [
            sa.Column("street_key", sa.String, comment="routing key of the street (no prefix, no marks, lower case)"),
            sa.Column("house_key", sa.Integer, comment="leading integer of the house number"),
            sa.Column("new_ward_code", sa.String, nullable=False, comment="the new ward the record was placed in"),
            sa.Column(
                "route_method",
                sa.String,
                nullable=False,
                comment="group, street, street+refinement, wholesale (the former ward went whole into one new ward), "
                "or decision (a review officer's record or rule decision)",
            ),
            sa.Column("routing_decision_id", sa.BigInteger, comment="routing_decision.id that placed it, if any"),
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
        sa.Column("valid_from", sa.DateTime, nullable=False, comment="when this version of the record was loaded"),
        sa.Column("record_hash", sa.String, nullable=False),
        comment=ds.description,
    )


def _history_table(current: sa.Table) -> sa.Table:
    """Earlier versions of a record table's rows: changed (updated) or gone from a full delivery (ended)."""
    columns = [sa.Column(c.name, c.type, nullable=c.nullable, comment=c.comment) for c in current.columns]
    for column in columns:
        column.primary_key = column.name in ("former_ward_code", "dataset", "source_record_id", "valid_from")
    return sa.Table(
        f"{current.name}_history",
        metadata,
        *columns,
        sa.Column("valid_to", sa.DateTime, nullable=False, comment="when the version stopped being current"),
        sa.Column("change", sa.String, nullable=False, comment="updated (a newer version exists) or ended (gone)"),
        comment=f"Earlier versions of {current.name} rows (slowly changing, type 2).",
    )


RECORD_TABLES: Mapping[str, sa.Table] = MappingProxyType({name: _record_table(ds) for name, ds in registry().items()})
HISTORY_TABLES: Mapping[str, sa.Table] = MappingProxyType(
    {name: _history_table(table) for name, table in RECORD_TABLES.items()}
)
resident_record = RECORD_TABLES["residents"]

quarantine = sa.Table(
    "quarantine",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("raw_hash", sa.String, primary_key=True, comment="the delivered row's content hash"),
    sa.Column("source_file", sa.String, nullable=False),
    sa.Column("source_row", sa.Integer, nullable=False),
    sa.Column("source_record_id", sa.String),
    sa.Column("rule_count", sa.Integer, nullable=False, comment="how many rules the record broke (quarantine_rule)"),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
)

quarantine_rule = sa.Table(
    "quarantine_rule",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("raw_hash", sa.String, primary_key=True, comment="the quarantined row (quarantine.raw_hash)"),
    sa.Column("rule", sa.String, primary_key=True, comment="a quarantine rule (data_quality/) the record broke"),
    sa.Column("source_file", sa.String, nullable=False),
    sa.Column("source_row", sa.Integer, nullable=False),
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
    sa.Column("raw_hash", sa.String, primary_key=True, comment="the delivered row's content hash"),
    sa.Column("source_file", sa.String, nullable=False),
    sa.Column("source_row", sa.Integer, nullable=False),
    sa.Column("source_record_id", sa.String, nullable=False),
    sa.Column("reason", sa.String, nullable=False),
    # The harmonised fields an officer needs to place the record (personal data: masked in the review desk
    # unless an audited "show" asks for them).
    sa.Column("full_name", sa.String),
    sa.Column("date_of_birth", sa.Date),
    sa.Column("dob_precision", sa.String),
    sa.Column("sex", sa.String(1)),
    sa.Column("national_id", sa.String),
    sa.Column("phone", sa.String),
    sa.Column("house_number", sa.String),
    sa.Column("alley", sa.String, comment="alley key (ngõ/ngách path)"),
    sa.Column("residential_group", sa.String, comment="as normalised; null when not given"),
    sa.Column("residential_group_number", sa.Integer, comment="the group's number, for sorting"),
    sa.Column("street", sa.String),
    # Routing keys, as the router compares them (review-desk rules match on these).
    sa.Column("street_key", sa.String, comment="street without prefix and marks, lower case"),
    sa.Column("house_key", sa.Integer, comment="leading integer of the house number"),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
    # The review desk groups and filters the queue by these (GROUP BY on an index, not a table scan).
    sa.Index("ix_review_queue_group", "former_ward_code", "reason", "street_key", "residential_group"),
)

nonrecord_row = sa.Table(
    "nonrecord_row",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("raw_hash", sa.String, primary_key=True, comment="the delivered row's content hash"),
    sa.Column("source_file", sa.String, nullable=False),
    sa.Column("source_row", sa.Integer, nullable=False),
    sa.Column("kind", sa.String, nullable=False, comment="total (a report's total or subtotal row) or exact_copy"),
    sa.Column("source_record_id", sa.String, comment="an exact copy: the id of the record it repeats"),
    sa.Column("label", sa.String, comment="a total: its label as written (\"Cộng mục 1000\")"),
    sa.Column("copy_of", sa.String, comment="an exact copy: the row it repeats (\"file row N\")"),
    sa.Column("total_check", sa.String, comment="a total: balanced, unbalanced or unreadable against its records"),
    sa.Column("total_detail", sa.String, comment="JSON field -> {reported, records} for sums that do not balance"),
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
    sa.Column(
        "event",
        sa.String,
        nullable=False,
        comment="merge (from_key retired), split (from_key kept), or corrected (a record corrected at its source "
        "under a new id kept the key)",
    ),
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
    sa.Column("former_ward_code_l", sa.String, nullable=False),
    sa.Column("former_ward_code_r", sa.String, nullable=False),
    sa.Column("match_weight", sa.Double, nullable=False),
    sa.Column("match_probability", sa.Double, nullable=False),
    sa.Column("person_key_l", sa.BigInteger, nullable=False),
    sa.Column("person_key_r", sa.BigInteger, nullable=False),
    sa.Column("fields_l", sa.String, nullable=False, comment="JSON of the left record's fields, masked"),
    sa.Column("fields_r", sa.String, nullable=False),
    sa.Column(
        "comparisons",
        sa.String,
        comment="JSON: the prior and each comparison's level and match weight (no personal data)",
    ),
    sa.Column("run_id", sa.String, nullable=False),
    sa.Column("record_hash", sa.String, nullable=False),
    sa.Index("ix_match_review_weight", "match_weight"),
    sa.Index("ix_match_review_ward_l", "former_ward_code_l"),
    sa.Index("ix_match_review_ward_r", "former_ward_code_r"),
)

# Decisions are append-only: a later decision (or a revoke naming an earlier one) supersedes, nothing is
# overwritten. Ids come from a sequence (a server default, so hand-written inserts need not name them).
match_decision_id = sa.Sequence("match_decision_id_seq", metadata=metadata)
match_decision = sa.Table(
    "match_decision",
    metadata,
    sa.Column("id", sa.BigInteger, match_decision_id, server_default=match_decision_id.next_value(), primary_key=True),
    sa.Column("record_id_l", sa.String, nullable=False),
    sa.Column("record_id_r", sa.String, nullable=False),
    sa.Column(
        "decision",
        sa.String,
        nullable=False,
        comment="same, different, or revoke (cancels decision `revokes`); written by clerks, never by runs",
    ),
    sa.Column("decided_by", sa.String),
    sa.Column("decided_at", sa.DateTime),
    sa.Column("note", sa.String),
    sa.Column("revokes", sa.BigInteger, comment="id of the decision a revoke cancels"),
    sa.Index("ix_match_decision_pair", "record_id_l", "record_id_r"),
)

person_source_xref = sa.Table(
    "person_source_xref",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_record_id", sa.String, primary_key=True),
    sa.Column("person_key", sa.BigInteger, nullable=False),
    sa.Column("new_ward_code", sa.String, nullable=False),
    sa.Column("linked_hash", sa.String, nullable=False,
              comment="the record's record_hash when it was linked: a later link rescores it only if that changed"),
    *_lineage_columns(),
    sa.Column("record_hash", sa.String, nullable=False),
)  # fmt: skip

# ---- linkage state: what lets a nightly link score only the records that changed -------------------------------
linkage_model = sa.Table(
    "linkage_model",
    metadata,
    sa.Column("model_id", sa.String, primary_key=True, comment="the run that trained it"),
    sa.Column("trained_at", sa.DateTime, nullable=False),
    sa.Column("records", sa.Integer, nullable=False, comment="accepted resident records it was trained on"),
    sa.Column("model_version", sa.String, nullable=False,
              comment="digest of the model's code: a link under other code trains a new model"),
    sa.Column("model_json", sa.String, nullable=False,
              comment="Splink's settings with the trained m and u values (no personal data)"),
    sa.Column("household_m", sa.Double, nullable=False, comment="the household comparison's m"),
    sa.Column("household_u", sa.Double, nullable=False, comment="the household comparison's u"),
    comment="Every model a full link trained; the latest scores incremental links.",
)  # fmt: skip

match_pair = sa.Table(
    "match_pair",
    metadata,
    sa.Column("record_id_l", sa.String, primary_key=True, comment="former ward/dataset/source record id"),
    sa.Column("record_id_r", sa.String, primary_key=True),
    sa.Column("splink_weight", sa.Double, nullable=False, comment="Splink's match weight, before household evidence"),
    sa.Column("comparisons", sa.String,
              comment="JSON: each comparison's level and weight, for pairs the review band can reach"),
    sa.Column("run_id", sa.String, nullable=False, comment="the link that scored the pair"),
    sa.Column("record_hash", sa.String, nullable=False),
    comment="Every candidate pair the current model scored: an incremental link rescores only changed records' pairs.",
)  # fmt: skip

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

# ---- pseudonyms (integration layer: the bridge from a mart's key back to a person) ---------------------------
person_pseudonym = sa.Table(
    "person_pseudonym",
    metadata,
    sa.Column("person_key", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("pseudonym", sa.String, nullable=False, comment="HMAC-SHA256 of the person key (hex)"),
    comment="The pseudonymous key the marts carry for each current person; written by the pseudonyms asset.",
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

link_run = sa.Table(
    "link_run",
    metadata,
    sa.Column("run_id", sa.String, primary_key=True),
    sa.Column("linked_at", sa.DateTime, nullable=False),
    sa.Column("mode", sa.String, nullable=False, comment="full (a model trained) or incremental"),
    sa.Column("reason", sa.String, nullable=False, comment="why this mode"),
    sa.Column("model_id", sa.String, nullable=False, comment="linkage_model that scored the pairs"),
    sa.Column("records", sa.Integer, nullable=False),
    sa.Column("records_changed", sa.Integer, nullable=False, comment="new or changed since the previous link"),
    sa.Column("records_gone", sa.Integer, nullable=False, comment="gone since the previous link"),
    sa.Column("records_scored", sa.Integer, nullable=False, comment="records given to Splink"),
    sa.Column("candidate_pairs", sa.Integer, nullable=False),
    sa.Column("pairs_rescored", sa.Integer, nullable=False),
    sa.Column("seconds", sa.Double, nullable=False),
)

# ---- review desk: officers' decisions, accounts and audit (written by the desk, never by runs) -------------
routing_decision_id = sa.Sequence("routing_decision_id_seq", metadata=metadata)
routing_decision = sa.Table(
    "routing_decision",
    metadata,
    sa.Column(
        "id", sa.BigInteger, routing_decision_id, server_default=routing_decision_id.next_value(), primary_key=True
    ),
    sa.Column("kind", sa.String, nullable=False, comment="record, rule, or revoke (cancels decision `revokes`)"),
    sa.Column("former_ward_code", sa.String, nullable=False),
    sa.Column("dataset", sa.String, nullable=False),
    sa.Column("source_record_id", sa.String, comment="record: the record placed"),
    # rule: which records it places (every condition given must hold; refinements need a street)
    sa.Column("residential_group", sa.String, comment="rule: normalised group number"),
    sa.Column("street", sa.String, comment="rule: the street as the officer chose it"),
    sa.Column("street_key", sa.String, comment="rule: the street's routing key"),
    sa.Column("alley", sa.String, comment="rule: alley key"),
    sa.Column("house_from", sa.Integer),
    sa.Column("house_to", sa.Integer),
    sa.Column("parity", sa.String, comment="odd or even"),
    # what it decides
    sa.Column("new_ward_code", sa.String, comment="record/rule: the new ward"),
    sa.Column("set_residential_group", sa.String, comment="record/rule: residential group to record, if given"),
    sa.Column("revokes", sa.BigInteger, comment="revoke: id of the decision it cancels"),
    sa.Column("decided_by", sa.String, nullable=False),
    sa.Column("decided_at", sa.DateTime, nullable=False),
    sa.Column("note", sa.String, nullable=False),
    sa.Column("review_rows_matched", sa.Integer, comment="review_queue rows it matched when decided"),
    sa.Index("ix_routing_decision_ward", "former_ward_code"),
)

review_officer = sa.Table(
    "review_officer",
    metadata,
    sa.Column("username", sa.String, primary_key=True),
    sa.Column("display_name", sa.String),
    sa.Column("password_hash", sa.String, nullable=False, comment="scrypt$n$r$p$salt$hash (salted, never plain)"),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("password_changed_at", sa.DateTime, nullable=False),
)

review_officer_ward = sa.Table(
    "review_officer_ward",
    metadata,
    sa.Column("username", sa.String, primary_key=True),
    sa.Column("former_ward_code", sa.String, primary_key=True),
)

review_audit_id = sa.Sequence("review_audit_id_seq", metadata=metadata)
review_audit = sa.Table(
    "review_audit",
    metadata,
    sa.Column("id", sa.BigInteger, review_audit_id, server_default=review_audit_id.next_value(), primary_key=True),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("officer", sa.String, nullable=False, comment="username (as typed, for failed sign-ins)"),
    sa.Column(
        "action",
        sa.String,
        nullable=False,
        comment="sign_in, sign_in_failed, sign_in_locked, sign_out, view_unmasked, decide, undo, rerun",
    ),
    sa.Column("item", sa.String, comment="the record, pair or decision acted on (ids, no personal data)"),
    sa.Column("former_ward_code", sa.String),
    sa.Column("detail", sa.String, comment="e.g. the new ward decided; never personal data"),
    sa.Index("ix_review_audit_officer_at", "officer", "occurred_at"),
)

# ---- deliveries ---------------------------------------------------------------------------------------------
source_delivery = sa.Table(
    "source_delivery",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column("source_file", sa.String, primary_key=True, comment="relative to the landing zone"),
    sa.Column("file_sha256", sa.String, nullable=False, comment="checksum of the file as last delivered"),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("run_id", sa.String, nullable=False, comment="the run that first read this content"),
    sa.Column("record_hash", sa.String, nullable=False),
)

partition_state = sa.Table(
    "partition_state",
    metadata,
    sa.Column("former_ward_code", sa.String, primary_key=True),
    sa.Column("dataset", sa.String, primary_key=True),
    sa.Column(
        "fingerprint",
        sa.String,
        nullable=False,
        comment="what the loaded verdicts depend on besides the rows (code, rules, manifests, routing, decisions); "
        "a row delivered unchanged under the same fingerprint is carried over without being processed again",
    ),
    sa.Column("run_id", sa.String, nullable=False, comment="the run that set the fingerprint"),
    sa.Column("record_hash", sa.String, nullable=False),
)

# Tables a source record can end in (besides its dataset's record table), replaced per former ward by the load.
DISPOSITION_TABLES = (quarantine, review_queue, nonrecord_row)


def partition_tables(dataset: str) -> tuple[sa.Table, ...]:
    """The tables in which each source record of ``dataset`` is found exactly once."""
    return (RECORD_TABLES[dataset], *DISPOSITION_TABLES)
