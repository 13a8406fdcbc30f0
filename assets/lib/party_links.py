"""Party links: the person a record names (a dossier's applicant, a business household's owner, a petitioner),
found in ``dim_person`` where the record identifies them unambiguously.

Generic over datasets: a dataset declares its person roles (``schemas.datasets.PersonRole``: which fields hold the
name, the national ID and the date of birth), and every accepted record of it gets one row per role in
``record_person_link``. Matching is exact and explainable, in this order:

1. ``national_id``: the record's CCCD or CMND (normalised as in every roster: zeros of numeric cells restored)
   equals the ID of the accepted resident records of exactly one current person;
2. ``name_and_birth_date``: when the ID is absent or matches nobody, the folded name (tone placement and case
   folded, marks kept) and the full date of birth match the resident records of exactly one person — not counting
   a person whose records carry another CCCD than the record's (two different CCCDs are two people);
3. otherwise ``ambiguous`` (several persons match), ``no_match`` (identifiers given, nobody matches) or
   ``no_identifier`` (neither an ID nor a name with a full date of birth).

A person key is never guessed: an ambiguous record stays unlinked, with the number of candidates.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from assets.lib.warehouse import Warehouse
from schemas import warehouse as w
from schemas.datasets import Dataset, PersonRole

NATIONAL_ID, NAME_AND_BIRTH_DATE = "national_id", "name_and_birth_date"
AMBIGUOUS, NO_MATCH, NO_IDENTIFIER = "ambiguous", "no_match", "no_identifier"
METHODS = (NATIONAL_ID, NAME_AND_BIRTH_DATE, AMBIGUOUS, NO_MATCH, NO_IDENTIFIER)
CCCD_LENGTH = 12


class PersonIndex:
    """Current persons by the identifiers their accepted resident records carry."""

    def __init__(self, residents: pd.DataFrame) -> None:
        """``residents``: person_key, national_id, name_key, date_of_birth, dob_precision per resident record."""
        self.by_id: dict[str, set[int]] = defaultdict(set)
        self.by_name_dob: dict[tuple[str, object], set[int]] = defaultdict(set)
        self.cccds: dict[int, set[str]] = defaultdict(set)  # each person's 12-digit IDs
        for key, nid, name, born, precision in residents[
            ["person_key", "national_id", "name_key", "date_of_birth", "dob_precision"]
        ].itertuples(index=False, name=None):
            if isinstance(nid, str) and nid:
                self.by_id[nid].add(int(key))
                if len(nid) == CCCD_LENGTH:
                    self.cccds[int(key)].add(nid)
            if isinstance(name, str) and name and born is not None and precision == "day":
                self.by_name_dob[(name, born)].add(int(key))

    def find(
        self, national_id: object, name_key: object, born: object, precision: object
    ) -> tuple[int | None, str, int]:
        """(person key or None, method, candidates) for one record's identifiers."""
        has_id = isinstance(national_id, str) and bool(national_id)
        if isinstance(national_id, str) and national_id:
            found = self.by_id.get(national_id, set())
            if len(found) == 1:
                return next(iter(found)), NATIONAL_ID, 1
            if len(found) > 1:
                return None, AMBIGUOUS, len(found)
        has_name_dob = isinstance(name_key, str) and bool(name_key) and born is not None and precision == "day"
        if isinstance(name_key, str) and has_name_dob:
            found = self.by_name_dob.get((name_key, born), set())
            if isinstance(national_id, str) and len(national_id) == CCCD_LENGTH:
                # A CCCD on the record that is not the person's CCCD says it is someone else of that name and birth.
                found = {k for k in found if not self.cccds.get(k) or national_id in self.cccds[k]}
            if len(found) == 1:
                return next(iter(found)), NAME_AND_BIRTH_DATE, 1
            if len(found) > 1:
                return None, AMBIGUOUS, len(found)
        if has_id or has_name_dob:
            return None, NO_MATCH, 0
        return None, NO_IDENTIFIER, 0


def read_person_index(conn: Connection, warehouse: Warehouse) -> PersonIndex:
    r, x = w.resident_record, w.person_source_xref
    same = [r.c[k] == x.c[k] for k in ("former_ward_code", "dataset", "source_record_id")]
    residents = warehouse.read_frame(
        conn,
        sa.select(x.c.person_key, r.c.national_id, r.c.name_key, r.c.date_of_birth, r.c.dob_precision).join(
            x, sa.and_(*same)
        ),
    )
    return PersonIndex(residents)


def role_columns(dataset: Dataset, role: PersonRole) -> dict[str, str | None]:
    """The record table's columns that identify the role's person: ID, folded name, birth date and precision."""
    name = dataset.field(role.name)
    born = dataset.field(role.date_of_birth) if role.date_of_birth else None
    return {
        "national_id": role.national_id,
        "name_key": name.column("key"),
        "date_of_birth": born.name if born else None,
        "dob_precision": born.column("precision") if born else None,
    }


def link_frame(records: pd.DataFrame, dataset: Dataset, index: PersonIndex) -> pd.DataFrame:
    """One link row per (accepted record, person role) of ``dataset``; ``records`` is its record table."""
    rows: list[dict[str, object]] = []
    for role in dataset.persons:
        columns = role_columns(dataset, role)

        def values(column: str | None) -> Iterable[object]:
            return records[column] if column is not None else [None] * len(records)

        for record, nid, name, born, precision in zip(
            records[["former_ward_code", "source_record_id", "source_file", "source_row", "raw_hash"]].itertuples(
                index=False, name=None
            ),
            values(columns["national_id"]),
            values(columns["name_key"]),
            values(columns["date_of_birth"]),
            values(columns["dob_precision"]),
            strict=True,
        ):
            ward, record_id, file, row, raw_hash = record
            key, method, candidates = index.find(nid, name, born if pd.notna(born) else None, precision)
            rows.append({
                "former_ward_code": ward, "dataset": dataset.name, "source_record_id": record_id,
                "role": role.role, "person_key": key, "match_method": method, "candidates": candidates,
                "source_file": file, "source_row": row, "raw_hash": raw_hash,
            })  # fmt: skip
    names = [c.name for c in w.record_person_link.columns if c.name not in ("run_id", "record_hash")]
    frame = pd.DataFrame(rows, columns=names)
    frame["person_key"] = frame["person_key"].astype("Int64")
    return frame
