"""Residents: the former wards' population rosters (sổ hộ khẩu / nhân khẩu), one row per person and listing."""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from schemas.datasets import Dataset, Field, Kind

EARLIEST_BIRTH = dt.date(1900, 1, 1)

RESIDENCE_TYPES = ("permanent", "temporary")

DATASET = Dataset(
    name="residents",
    record_table="resident_record",
    description="Resident rosters: who lives where, with identity, household and residence.",
    fields=(
        Field("source_record_id", Kind.RECORD_ID, "the roster's own id of the row (or one derived from key fields)",
              required=True),
        Field("full_name", Kind.PERSON_NAME, "full name as the source spelled it (NFC, title case)", required=True,
              personal=True, columns={"key": "name_key", "unmarked": "name_unmarked"}),
        Field("date_of_birth", Kind.DATE, "date of birth; precision day, or year when only the year is known",
              required=True, personal=True, earliest=EARLIEST_BIRTH, not_after_today=True,
              columns={"precision": "dob_precision"}),
        Field("sex", Kind.SEX, "M or F", required=True),
        Field("national_id", Kind.NATIONAL_ID, "CCCD (12 digits) or CMND (9 digits)", personal=True),
        Field("phone", Kind.PHONE, "10-digit mobile or 11-digit landline", personal=True),
        Field("house_number", Kind.HOUSE_NUMBER, "house number as written (\"12A\", \"25/14\")", personal=True),
        Field("alley", Kind.ALLEY, "alley path (\"123/45\") or name", personal=True),
        Field("street", Kind.STREET, "street name, title case"),
        Field("residential_group", Kind.RESIDENTIAL_GROUP, "residential group (tổ dân phố) number, \"5\" or \"5A\""),
        Field("address", Kind.ADDRESS, "free-text address; fills the address parts a source lacks", personal=True,
              stored=False),
        Field("household_id", Kind.CODE, "the roster's household code"),
        Field("relation_to_head", Kind.TEXT, "relation to the head of household (\"Chủ hộ\", \"Con\")",
              case="sentence"),
        Field("residence_type", Kind.CATEGORY, "permanent (thường trú) or temporary (tạm trú) residence",
              values=RESIDENCE_TYPES,
              default_map=MappingProxyType({"Thường trú": "permanent", "Tạm trú": "temporary",
                                            "permanent": "permanent", "temporary": "temporary"})),
        # The residence's registration (Law on Residence 2020): when it was registered and, for a temporary one,
        # when its term ends (at most two years). Many old systems keep neither.
        Field("registration_date", Kind.DATE, "the date the residence was registered", earliest=EARLIEST_BIRTH,
              not_after_today=True, day_only=True),
        Field("registration_end_date", Kind.DATE, "the end of a temporary registration's term (may be ahead)",
              earliest=EARLIEST_BIRTH, day_only=True),
    ),
)  # fmt: skip
