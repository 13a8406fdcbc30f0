"""Business households (hộ kinh doanh): the former ward's register, one row per registration.

Each carries the business's address, so it is routed to its new ward like a resident; its owner is linked to
``dim_person`` where identifiable (party links).
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from schemas.datasets import Dataset, Field, Kind, PersonRole

SECTORS = ("retail", "food_service", "accommodation", "services", "repair", "manufacturing", "transport", "other")
STATUSES = ("active", "suspended", "ceased")

DATASET = Dataset(
    name="business_households",
    record_table="business_household_record",
    description="Business households: registration, owner, sector, address, status.",
    fields=(
        Field("source_record_id", Kind.RECORD_ID, "the registration number (số đăng ký hộ kinh doanh)",
              required=True),
        Field("business_name", Kind.TEXT, "the business's name"),
        Field("owner_name", Kind.PERSON_NAME, "the owner (chủ hộ kinh doanh)", required=True, personal=True),
        Field("owner_id", Kind.NATIONAL_ID, "the owner's CCCD or CMND", personal=True),
        Field("owner_dob", Kind.DATE, "the owner's date of birth", personal=True, earliest=dt.date(1900, 1, 1),
              not_after_today=True),
        Field("sector", Kind.CATEGORY, "the sector of the registered trade", values=SECTORS,
              default_map=MappingProxyType({"Bán lẻ": "retail", "Ăn uống": "food_service",
                                            "Lưu trú": "accommodation", "Dịch vụ": "services",
                                            "Sửa chữa": "repair", "Sản xuất": "manufacturing",
                                            "Vận tải": "transport", "Khác": "other"})),
        Field("house_number", Kind.HOUSE_NUMBER, "house number as written", personal=True),
        Field("alley", Kind.ALLEY, "alley path or name", personal=True),
        Field("street", Kind.STREET, "street name, title case"),
        Field("residential_group", Kind.RESIDENTIAL_GROUP, "residential group (tổ dân phố) number"),
        Field("address", Kind.ADDRESS, "free-text address; fills the address parts a source lacks", personal=True,
              stored=False),
        Field("status", Kind.CATEGORY, "active, suspended (tạm ngừng) or ceased (chấm dứt)", required=True,
              values=STATUSES,
              default_map=MappingProxyType({"Đang hoạt động": "active", "Tạm ngừng kinh doanh": "suspended",
                                            "Chấm dứt hoạt động": "ceased"})),
        Field("registered_on", Kind.DATE, "the day of registration", earliest=dt.date(1990, 1, 1),
              not_after_today=True),
        Field("capital", Kind.AMOUNT, "declared business capital (vốn kinh doanh), đồng"),
    ),
    persons=(PersonRole("owner", "owner_name", "owner_id", "owner_dob"),),
)  # fmt: skip
