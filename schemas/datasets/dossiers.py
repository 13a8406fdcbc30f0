"""Dossiers: the one-stop shop's administrative procedures (hồ sơ thủ tục hành chính), one row per dossier.

Fields follow the national public-service portal's sync (MaHoSo, MaTTHC, TenTTHC, MaLinhVuc, ChuHoSo,
NgayTiepNhan, NgayHenTra, NgayKetThucXuLy, NgayTra, TrangThaiHoSo, kênh). A dossier belongs to the former ward
that received it (it is not routed by the applicant's address); its applicant is linked to ``dim_person`` where
identifiable (party links). Timeliness is read from the dates and the status, see docs/warehouse.md.
"""

from __future__ import annotations

import datetime as dt
from types import MappingProxyType

from schemas.datasets import Dataset, Field, Kind, PersonRole

# The portal's dossier states, as canonical codes.
STATUSES = (
    "registered",  # submitted online, not yet received (Mới đăng ký)
    "received",  # received, not yet in processing (Đã tiếp nhận)
    "processing",  # in processing (Đang xử lý)
    "supplement_requested",  # the applicant must complete the file (Yêu cầu bổ sung)
    "suspended",  # processing stopped (Dừng xử lý)
    "refused",  # not received / refused (Không được tiếp nhận, Từ chối): excluded from timeliness
    "withdrawn",  # the applicant withdrew it (Rút hồ sơ): counted apart
    "finished",  # processed, result not yet returned (Đã xử lý xong)
    "returned",  # result returned to the applicant (Đã trả kết quả)
)
OPEN_STATUSES = ("registered", "received", "processing", "supplement_requested", "suspended")
DONE_STATUSES = ("finished", "returned")
CHANNELS = ("in_person", "online", "postal")
EARLIEST_DOSSIER = dt.date(2015, 1, 1)
PROCEDURE_CODE = r"^[0-9]\.[0-9]{6}$"  # 1.005129: the national database of procedures' code

DATASET = Dataset(
    name="dossiers",
    record_table="dossier_record",
    description="One-stop-shop dossiers: procedure, applicant, received / due / finished / returned, channel, "
    "status.",
    fields=(
        Field("source_record_id", Kind.RECORD_ID, "the dossier number as the one-stop shop's system wrote it",
              required=True),
        Field("procedure_code", Kind.CODE, "the procedure's code in the national database (1.005129)",
              required=True, pattern=PROCEDURE_CODE),
        Field("procedure_name", Kind.TEXT, "the procedure's name as the system wrote it"),
        Field("procedure_field", Kind.TEXT, "the procedure's field (lĩnh vực: Hộ tịch, Chứng thực, …)"),
        Field("applicant_name", Kind.PERSON_NAME, "the applicant (chủ hồ sơ) as written", personal=True),
        Field("applicant_id", Kind.NATIONAL_ID, "the applicant's CCCD or CMND", personal=True),
        Field("applicant_dob", Kind.DATE, "the applicant's date of birth, where the system has it", personal=True,
              earliest=dt.date(1900, 1, 1), not_after_today=True),
        Field("received_at", Kind.DATETIME, "when the dossier was received (NgayTiepNhan)", required=True,
              earliest=EARLIEST_DOSSIER, not_after_today=True),
        Field("due_at", Kind.DATETIME, "when the result is due (NgayHenTra); may lie after the day of the run",
              earliest=EARLIEST_DOSSIER),
        Field("finished_at", Kind.DATETIME, "when processing finished (NgayKetThucXuLy)",
              earliest=EARLIEST_DOSSIER, not_after_today=True),
        Field("returned_at", Kind.DATETIME, "when the result was returned (NgayTra)",
              earliest=EARLIEST_DOSSIER, not_after_today=True),
        Field("channel", Kind.CATEGORY, "in_person, online or postal", values=CHANNELS,
              default_map=MappingProxyType({"Trực tiếp": "in_person", "Trực tuyến": "online",
                                            "Bưu chính": "postal", "Qua bưu chính công ích": "postal"})),
        Field("status", Kind.CATEGORY, "the dossier's state (see STATUSES)", required=True, values=STATUSES,
              default_map=MappingProxyType({s: s for s in STATUSES})),
    ),
    persons=(PersonRole("applicant", "applicant_name", "applicant_id", "applicant_dob"),),
)  # fmt: skip
