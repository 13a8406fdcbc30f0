"""Petitions: complaints, denunciations and recommendations (đơn thư khiếu nại, tố cáo, kiến nghị, phản ánh).

One row per petition in the former ward's register. Petitions belong to the former ward that received them
(not routed). A denouncer's identity is protected by law (Law on Denunciation 2018): the petitioner's fields
are personal data and stay in the integration layer.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from schemas.datasets import Dataset, Field, Kind, PersonRole

TYPES = ("complaint", "denunciation", "recommendation")
STATUSES = ("received", "processing", "resolved", "transferred", "not_accepted", "withdrawn")

DATASET = Dataset(
    name="petitions",
    record_table="petition_record",
    description="Petitions received by the former ward: type, handling status, resolved date.",
    fields=(
        Field("source_record_id", Kind.RECORD_ID, "the register's number of the petition", required=True),
        Field("received_on", Kind.DATE, "the day the petition was received", required=True,
              earliest=dt.date(2015, 1, 1), not_after_today=True),
        Field("petition_type", Kind.CATEGORY, "complaint (khiếu nại), denunciation (tố cáo) or recommendation "
              "(kiến nghị, phản ánh)", required=True, values=TYPES,
              default_map=MappingProxyType({"Khiếu nại": "complaint", "Tố cáo": "denunciation",
                                            "Kiến nghị": "recommendation", "Phản ánh": "recommendation",
                                            "Kiến nghị, phản ánh": "recommendation"})),
        Field("subject", Kind.TEXT, "what the petition is about, as summarised by the clerk", personal=True),
        Field("petitioner_name", Kind.PERSON_NAME, "the petitioner, where named", personal=True),
        Field("petitioner_id", Kind.NATIONAL_ID, "the petitioner's CCCD or CMND, where recorded", personal=True),
        Field("handling_status", Kind.CATEGORY, "received, processing, resolved, transferred (to the competent "
              "body), not_accepted, withdrawn", required=True, values=STATUSES,
              default_map=MappingProxyType({"Đã tiếp nhận": "received", "Đang xử lý": "processing",
                                            "Đã giải quyết": "resolved", "Chuyển đơn": "transferred",
                                            "Không thụ lý": "not_accepted", "Rút đơn": "withdrawn"})),
        Field("resolved_on", Kind.DATE, "the day it was resolved", earliest=dt.date(2015, 1, 1),
              not_after_today=True),
    ),
    persons=(PersonRole("petitioner", "petitioner_name", "petitioner_id"),),
)  # fmt: skip
