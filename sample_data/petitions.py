"""Each former ward's register of petitions (sổ tiếp nhận đơn thư) for the first half of 2025, and its truth.

Two registers alternate between the former wards: an Excel workbook with date cells (``register_xlsx``) and a
UTF-8 CSV with dd/mm/yyyy dates (``register_csv``). Types and handling states are written in Vietnamese.
Defects: a type or a state the value map does not know, a received date that is no date, a resolved date that
is no calendar day (31/06). The truth has each petition's type, state and dates on the as-of day.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from sample_data.population import Population
from sample_data.profiles import AS_OF
from sample_data.ward_records import (
    CARRY_OVER_START,
    LOADED,
    QUARANTINE,
    ManifestSpec,
    Outsiders,
    WardInput,
    pick,
    resident_party,
    write_party,
)
from sample_data.writers import write_csv_rows, write_table_xlsx
from schemas.admin_units import FormerWard

DATASET = "petitions"
PETITIONS_PER_RESIDENT = 0.008  # ≈ 190 per former ward and half-year at scale 1

TYPES = (("Kiến nghị", "recommendation", 45), ("Phản ánh", "recommendation", 25), ("Khiếu nại", "complaint", 22),
         ("Tố cáo", "denunciation", 8))  # fmt: skip
STATUS_TEXT = {"received": "Đã tiếp nhận", "processing": "Đang xử lý", "resolved": "Đã giải quyết",
               "transferred": "Chuyển đơn", "not_accepted": "Không thụ lý", "withdrawn": "Rút đơn"}  # fmt: skip
SUBJECTS = {
    "recommendation": ("Kiến nghị sửa chữa mặt đường ngõ", "Phản ánh tiếng ồn công trình xây dựng ban đêm",
                       "Kiến nghị lắp đặt đèn chiếu sáng ngõ", "Phản ánh rác thải tồn đọng",
                       "Kiến nghị nạo vét cống thoát nước",
                       "Phản ánh lấn chiếm vỉa hè kinh doanh"),
    "complaint": ("Khiếu nại quyết định xử phạt vi phạm hành chính", "Khiếu nại việc xác nhận nguồn gốc đất",
                  "Khiếu nại kết quả bình xét hộ nghèo"),
    "denunciation": ("Tố cáo hành vi xây dựng trái phép", "Tố cáo hành vi lấn chiếm đất công"),
}  # fmt: skip
LABELS = ["STT", "Số đơn", "Ngày nhận đơn", "Phân loại đơn", "Nội dung tóm tắt", "Họ tên người gửi", "Số CCCD",
          "Kết quả xử lý", "Ngày giải quyết"]  # fmt: skip
FIELDS = [None, "source_record_id", "received_on", "petition_type", "subject", "petitioner_name", "petitioner_id",
          "handling_status", "resolved_on"]  # fmt: skip
TITLES = 2

DEFECTS = (("received_on_unparseable", 0.004), ("resolved_on_impossible", 0.003),
           ("petition_type_unmapped", 0.005), ("handling_status_unmapped", 0.005))  # fmt: skip
ANONYMOUS = 0.10
OUTSIDER_SHARE = 0.15

TRUTH_FIELDS = [
    pa.field("petition_type", pa.string()),
    pa.field("handling_status", pa.string()),
    pa.field("received_on", pa.date32()),
    pa.field("resolved_on", pa.date32()),
    pa.field("variations", pa.list_(pa.string())),
]


def register_of(index: int) -> str:
    return "register_xlsx" if index % 2 == 0 else "register_csv"


def manifest_spec(index: int, former: FormerWard) -> ManifestSpec:
    xlsx = register_of(index) == "register_xlsx"
    data: dict[str, object] = {
        "description": f"Sổ tiếp nhận đơn thư phường {former.short_name} — {'Excel' if xlsx else 'CSV'}",
        "path": f"{former.code}/don_thu/*.{'xlsx' if xlsx else 'csv'}",
        "format": "xlsx" if xlsx else "csv",
        "encoding": "utf-8" if xlsx else "utf-8-sig",
        "as_of": AS_OF,
    }
    if xlsx:
        data.update(sheet="So don thu", skip_rows=TITLES, header_rows=1)
    else:
        data.update(delimiter=",")
    data.update(
        columns=dict(zip(LABELS, FIELDS, strict=True)),
        date_formats=["%d/%m/%Y"],
        value_maps={
            "petition_type": {text: code for text, code, _ in TYPES},
            "handling_status": {v: k for k, v in STATUS_TEXT.items()},
        },
    )
    return ManifestSpec(DATASET, str(data["path"]), data, "Register of petitions")


def _status(rng: random.Random, received: date) -> tuple[str, date | None]:
    special = pick(rng, (("normal", 0.88), ("transferred", 0.06), ("not_accepted", 0.04), ("withdrawn", 0.02)))
    if special != "normal":
        return special, None
    if (AS_OF - received).days < 3:
        return "received", None
    resolved = received + timedelta(days=rng.randint(5, 60))
    return ("resolved", resolved) if resolved <= AS_OF else ("processing", None)


def write_ward(landing: Path, ward: WardInput, seed: int, scale: float, population: Population
               ) -> tuple[list[Path], list[dict[str, object]]]:  # fmt: skip
    rng = random.Random(f"{seed}/{DATASET}/{ward.code}")
    outsiders = Outsiders(random.Random(f"{seed}/{DATASET}/{ward.code}/outsiders"), population)
    xlsx = register_of(ward.index) == "register_xlsx"
    adults = ward.adults(18)
    count = max(5, round(len(ward.people) * PETITIONS_PER_RESIDENT))
    received_days = sorted(CARRY_OVER_START + timedelta(days=rng.randrange((AS_OF - CARRY_OVER_START).days + 1))
                           for _ in range(count))  # fmt: skip
    rows: list[list[object]] = []
    truths: list[dict[str, object]] = []
    per_year: dict[int, int] = {}
    for n, received in enumerate(received_days, start=1):
        per_year[received.year] = per_year.get(received.year, 0) + 1
        number = f"{per_year[received.year]:03d}/{received.year}/ĐT"
        text, kind, _ = rng.choices(TYPES, [weight for *_, weight in TYPES])[0]
        status, resolved = _status(rng, received)
        defect = None
        roll = rng.random()
        for name, rate in DEFECTS:
            if roll < rate:
                defect = name
                break
            roll -= rate
        if defect == "resolved_on_impossible" and resolved is None:
            defect = None  # only a resolved petition has a resolved date to mistype
        party = None
        name, national_id = "", ""
        variations: list[str] = []
        if rng.random() >= ANONYMOUS:
            party = resident_party(rng.choice(adults)) if rng.random() >= OUTSIDER_SHARE else outsiders.draw()
            written = write_party(rng, party, caps_share=0.0, cmnd_share=0.05, id_missing=0.4)
            name, national_id = written.name, written.national_id
            variations += written.variations
        else:
            variations.append("anonymous")

        def day(value: date | None) -> object:
            if value is None:
                return ""
            return value if xlsx and rng.random() < 0.8 else f"{value:%d/%m/%Y}"

        cells: dict[str, object] = {
            "source_record_id": number,
            "received_on": day(received),
            "petition_type": text,
            "subject": rng.choice(SUBJECTS[kind]),
            "petitioner_name": name,
            "petitioner_id": national_id,
            "handling_status": STATUS_TEXT[status],
            "resolved_on": day(resolved),
        }
        if defect == "received_on_unparseable":
            cells["received_on"] = rng.choice(("không rõ", f"??/{received:%m/%Y}"))
        elif defect == "resolved_on_impossible":
            cells["resolved_on"] = rng.choice(("31/06/2025", "30/02/2025", "31/04/2025"))
        elif defect == "petition_type_unmapped":
            cells["petition_type"] = rng.choice(("Đơn khác", "?"))
        elif defect == "handling_status_unmapped":
            cells["handling_status"] = rng.choice(("Lưu đơn", "Chờ ý kiến"))
        rows.append([n if f is None else cells[f] for f in FIELDS])
        truths.append({
            "source_record_id": number,
            "expected_disposition": QUARANTINE if defect else LOADED,
            "expected_rules": [defect] if defect else [],
            "expected_flags": [],
            "expected_row_kind": "record",
            "expected_new_ward_code": None,
            "expected_person_id": party.person_id if party is not None else None,
            "petition_type": kind,
            "handling_status": status,
            "received_on": received,
            "resolved_on": resolved,
            "variations": variations,
        })  # fmt: skip
    directory = landing / ward.code / "don_thu"
    directory.mkdir(parents=True, exist_ok=True)
    if xlsx:
        path = directory / "so_don_thu_2025.xlsx"
        name_upper = ward.former.short_name.upper()
        titles = [f"UBND PHƯỜNG {name_upper}", "SỔ TIẾP NHẬN, XỬ LÝ ĐƠN THƯ NĂM 2025"]
        write_table_xlsx(path, "So don thu", titles, LABELS, rows)
        first = TITLES + 2
    else:
        path = directory / "so_don_thu_2025.csv"
        write_csv_rows(path, LABELS, rows, "utf-8-sig", ",", "\r\n")
        first = 2
    relative = f"{ward.code}/don_thu/{path.name}"
    truth = [{**t, "former_ward_code": ward.code, "dataset": DATASET, "source_file": relative, "source_row": first + i}
             for i, t in enumerate(truths)]  # fmt: skip
    return [path], truth
