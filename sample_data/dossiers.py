"""One-stop-shop dossiers of a former ward's first half of 2025, in the two vendors' portal exports, and their truth.

Vendor A (``portal_pages``): CSV pages of the provincial one-stop-shop portal, numeric status and channel
codes, ISO timestamps; each page repeats the last few rows of the page before (exact copies, set aside by
``exact_copies: set_aside``), and now and then a repeated row whose status changed between the two page
fetches (the same dossier number with other content: ``record_id_duplicate``, the first kept).
Vendor B (``excel_export``): an Excel export with Vietnamese status text, date-time cells or typed
"dd/mm/yyyy hh:mm", the applicant's date of birth, IDs sometimes as numbers.

Timeliness truth (``expected_timeliness``), as of the export's as-of day: finished (or returned) before the due
day = ``early``, on it = ``on_time``, after = ``late``; open and due before the as-of day = ``overdue``, open
otherwise = ``open``; ``refused`` and ``withdrawn`` apart. A dossier repeated across pages is one dossier.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import cast

import pyarrow as pa

from data_quality.rules import RECORD_ID_DUPLICATE
from sample_data.population import Population
from sample_data.profiles import AS_OF
from sample_data.ward_records import (
    CARRY_OVER_START,
    LOADED,
    QUARANTINE,
    SET_ASIDE,
    ManifestSpec,
    Outsiders,
    WardInput,
    pick,
    resident_party,
    write_party,
)
from sample_data.writers import write_csv_rows, write_table_xlsx
from schemas.admin_units import FormerWard

DATASET = "dossiers"
DOSSIERS_PER_RESIDENT = 0.11  # dossiers received per resident and half-year (≈ 2,500 per former ward at scale 1)


@dataclass(frozen=True)
class Procedure:
    code: str
    name: str
    field: str
    working_days: int  # 0: the same day
    weight: float
    online: float  # share submitted online


# Codes have the national procedure database's shape; names and time limits are plausible, not authoritative.
PROCEDURES = (
    Procedure("2.000815", "Chứng thực bản sao từ bản chính giấy tờ, văn bản", "Chứng thực", 0, 30, 0.05),
    Procedure("2.000884", "Chứng thực chữ ký trong các giấy tờ, văn bản", "Chứng thực", 0, 10, 0.0),
    Procedure("2.000927", "Chứng thực hợp đồng, giao dịch về động sản", "Chứng thực", 2, 5, 0.0),
    Procedure("1.001193", "Đăng ký khai sinh", "Hộ tịch", 0, 8, 0.5),
    Procedure("1.000656", "Đăng ký khai tử", "Hộ tịch", 0, 2, 0.3),
    Procedure("1.000894", "Đăng ký kết hôn", "Hộ tịch", 0, 3, 0.2),
    Procedure("1.004873", "Cấp Giấy xác nhận tình trạng hôn nhân", "Hộ tịch", 3, 6, 0.6),
    Procedure("2.000635", "Cấp bản sao trích lục hộ tịch", "Hộ tịch", 0, 5, 0.7),
    Procedure("1.001022", "Đăng ký lại khai sinh", "Hộ tịch", 5, 1, 0.3),
    Procedure("1.001612", "Đăng ký thành lập hộ kinh doanh", "Hộ kinh doanh", 3, 3, 0.6),
    Procedure("1.001266", "Đăng ký thay đổi nội dung đăng ký hộ kinh doanh", "Hộ kinh doanh", 3, 2, 0.6),
    Procedure("1.005129", "Giải quyết trợ cấp xã hội hằng tháng", "Bảo trợ xã hội", 10, 2, 0.2),
    Procedure("1.003005", "Cấp giấy phép xây dựng nhà ở riêng lẻ", "Xây dựng", 15, 1, 0.4),
)

# The two vendors' codes: (canonical → as the export writes it).
A_STATUS = {"received": "2", "refused": "3", "processing": "4", "supplement_requested": "5", "withdrawn": "7",
            "suspended": "8", "finished": "9", "returned": "10"}  # fmt: skip
A_CHANNEL = {"in_person": "1", "online": "2", "postal": "3"}
B_STATUS = {"received": "Đã tiếp nhận", "refused": "Từ chối tiếp nhận", "processing": "Đang giải quyết",
            "supplement_requested": "Chờ bổ sung hồ sơ", "withdrawn": "Công dân rút hồ sơ", "suspended": "Tạm dừng",
            "finished": "Đã giải quyết xong", "returned": "Đã trả kết quả"}  # fmt: skip
B_CHANNEL = {"in_person": "Trực tiếp", "online": "Trực tuyến", "postal": "Bưu chính công ích"}
A_STATUS_UNKNOWN, B_STATUS_UNKNOWN = ("0", "11", "99"), ("Chưa xác định", "Khác")
A_CHANNEL_UNKNOWN, B_CHANNEL_UNKNOWN = ("0", "4"), ("Khác", "Không rõ")

A_LABELS = ["MaHoSo", "MaTTHC", "TenTTHC", "LinhVuc", "ChuHoSo", "SoGiayTo", "NgayTiepNhan", "NgayHenTra",
            "NgayKetThucXuLy", "NgayTra", "KenhNop", "TrangThaiHoSo"]  # fmt: skip
A_FIELDS = ["source_record_id", "procedure_code", "procedure_name", "procedure_field", "applicant_name",
            "applicant_id", "received_at", "due_at", "finished_at", "returned_at", "channel", "status"]  # fmt: skip
B_LABELS = ["STT", "Số hồ sơ", "Mã thủ tục", "Tên thủ tục hành chính", "Lĩnh vực", "Người nộp", "Số CCCD/CMND",
            "Ngày sinh", "Ngày tiếp nhận", "Ngày hẹn trả", "Ngày hoàn thành", "Ngày trả kết quả", "Hình thức nộp",
            "Trạng thái"]  # fmt: skip
B_FIELDS = [None, "source_record_id", "procedure_code", "procedure_name", "procedure_field", "applicant_name",
            "applicant_id", "applicant_dob", "received_at", "due_at", "finished_at", "returned_at", "channel",
            "status"]  # fmt: skip
B_TITLES = 2

# Quarantine defects (one at most per dossier) and their rates; flags below.
DEFECTS = (
    ("received_at_unparseable", 0.003),
    ("due_at_impossible", 0.002),
    ("status_unmapped", 0.005),
    ("procedure_code_malformed", 0.004),
)
APPLICANT_ID_MISSING = 0.04
CHANNEL_UNKNOWN = 0.003
OUTSIDER_SHARE = 0.15
CONFLICTING_COPY = 0.1  # of the rows repeated at a page boundary: the status changed between the two fetches

TRUTH_FIELDS = [
    pa.field("procedure_code", pa.string()),
    pa.field("status", pa.string()),  # the true status on the as-of day
    pa.field("channel", pa.string()),
    pa.field("received_at", pa.timestamp("s")),
    pa.field("due_at", pa.timestamp("s")),
    pa.field("finished_at", pa.timestamp("s")),
    pa.field("expected_timeliness", pa.string()),
    pa.field("variations", pa.list_(pa.string())),
]


def vendor_of(index: int) -> str:
    return "portal_pages" if index % 2 == 0 else "excel_export"


def manifest_spec(index: int, former: FormerWard) -> ManifestSpec:
    name = former.short_name
    if vendor_of(index) == "portal_pages":
        return ManifestSpec(
            DATASET,
            f"{former.code}/ho_so/*.csv",
            {
                "description": f"Hồ sơ một cửa phường {name} — xuất từ cổng dịch vụ công theo trang (CSV)",
                "path": f"{former.code}/ho_so/*.csv",
                "format": "csv",
                "encoding": "utf-8",
                "as_of": AS_OF,
                "delimiter": ",",
                "multiple_files": True,
                "exact_copies": "set_aside",
                "columns": dict(zip(A_LABELS, A_FIELDS, strict=True)),
                "date_formats": ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d"],
                "value_maps": {"status": {v: k for k, v in A_STATUS.items()},
                               "channel": {v: k for k, v in A_CHANNEL.items()}},
            },  # fmt: skip
            "One-stop-shop dossiers (portal export, pages)",
        )
    return ManifestSpec(
        DATASET,
        f"{former.code}/ho_so/*.xlsx",
        {
            "description": f"Hồ sơ một cửa phường {name} — xuất Excel phần mềm một cửa",
            "path": f"{former.code}/ho_so/*.xlsx",
            "format": "xlsx",
            "encoding": "utf-8",
            "as_of": AS_OF,
            "sheet": "Ho so",
            "skip_rows": B_TITLES,
            "header_rows": 1,
            "columns": dict(zip(B_LABELS, B_FIELDS, strict=True)),
            "date_formats": ["%d/%m/%Y %H:%M", "%d/%m/%Y"],
            "value_maps": {"status": {v: k for k, v in B_STATUS.items()},
                           "channel": {v: k for k, v in B_CHANNEL.items()}},
        },  # fmt: skip
        "One-stop-shop dossiers (Excel export)",
    )


def _add_working_days(day: date, days: int) -> date:
    while days > 0:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days -= 1
    return day


def _working_day(rng: random.Random, start: date, end: date) -> date:
    while True:
        day = start + timedelta(days=rng.randrange((end - start).days + 1))
        if day.weekday() < 5:
            return day


@dataclass
class _Dossier:
    """The truth of one dossier on the as-of day."""

    number: str
    procedure: Procedure
    party_index: int
    channel: str
    status: str
    received: datetime
    due: datetime | None
    finished: datetime | None
    returned: datetime | None

    @property
    def timeliness(self) -> str:
        if self.status in ("refused", "withdrawn"):
            return self.status
        if self.finished is not None:
            done, due = self.finished.date(), self.due.date() if self.due else None
            if due is None:
                return "on_time"
            return "early" if done < due else "on_time" if done == due else "late"
        if self.due is not None and self.due.date() < AS_OF:
            return "overdue"
        return "open"


def _dossier(rng: random.Random, number: str, party_index: int) -> _Dossier:
    procedure = rng.choices(PROCEDURES, [p.weight for p in PROCEDURES])[0]
    channel = "online" if rng.random() < procedure.online else ("postal" if rng.random() < 0.03 else "in_person")
    day = _working_day(rng, CARRY_OVER_START, AS_OF)
    received = datetime.combine(day, time(rng.randint(7, 16), rng.randrange(60), rng.randrange(60)))
    special = pick(rng, (("normal", 0.957), ("refused", 0.015), ("withdrawn", 0.01), ("supplement_requested", 0.015),
                         ("suspended", 0.003)))  # fmt: skip
    if special == "refused":
        return _Dossier(number, procedure, party_index, channel, "refused", received, None, None, None)
    due_day = _add_working_days(day, procedure.working_days)
    if procedure.working_days == 0 and received.hour >= 15:
        due_day = _add_working_days(day, 1)  # received late in the afternoon: due the next working day
    due = datetime.combine(due_day, time(17, 0))
    if special != "normal":
        return _Dossier(number, procedure, party_index, channel, special, received, due, None, None)
    outcome = pick(rng, (("on_time", 0.92), ("late", 0.08)) if due_day == day else
                   (("early", 0.70), ("on_time", 0.22), ("late", 0.08)))  # fmt: skip
    if outcome == "early":
        done_day = day + timedelta(days=rng.randrange(max((due_day - day).days, 1)))
    elif outcome == "on_time":
        done_day = due_day
    else:
        done_day = due_day + timedelta(days=rng.randint(1, 10))
    earliest = received + timedelta(minutes=20)
    finished = max(datetime.combine(done_day, time(rng.randint(8, 16), rng.randrange(60))), earliest)
    if finished.date() > AS_OF:
        return _Dossier(number, procedure, party_index, channel, "processing", received, due, None, None)
    returned = finished + timedelta(days=rng.choice((0, 0, 0, 1, 2, 3)), minutes=rng.randint(5, 120))
    if returned.date() > AS_OF:
        return _Dossier(number, procedure, party_index, channel, "finished", received, due, finished, None)
    return _Dossier(number, procedure, party_index, channel, "returned", received, due, finished, returned)


def write_ward(landing: Path, ward: WardInput, seed: int, scale: float, population: Population
               ) -> tuple[list[Path], list[dict[str, object]]]:  # fmt: skip
    """Write one former ward's dossiers export and return (files, truth rows)."""
    rng = random.Random(f"{seed}/{DATASET}/{ward.code}")
    outsiders = Outsiders(random.Random(f"{seed}/{DATASET}/{ward.code}/outsiders"), population)
    count = max(8, round(len(ward.people) * DOSSIERS_PER_RESIDENT))
    adults = ward.adults(16)
    vendor = vendor_of(ward.index)
    parties = [resident_party(rng.choice(adults)) if rng.random() >= OUTSIDER_SHARE else outsiders.draw()
               for _ in range(count)]  # fmt: skip
    dossiers = [_dossier(rng, "", i) for i in range(count)]
    dossiers.sort(key=lambda d: d.received)
    per_day: dict[date, int] = {}
    for d in dossiers:
        seq = per_day[d.received.date()] = per_day.get(d.received.date(), 0) + 1
        if vendor == "portal_pages":
            d.number = f"000.00.{ward.code[2:]}.H26-{d.received:%y%m%d}-{seq:04d}"
        else:
            d.number = f"HS{ward.code[2:]}.{d.received:%y%m%d}.{seq:03d}"
    rows = [_render(rng, d, parties[d.party_index], vendor) for d in dossiers]
    directory = landing / ward.code / "ho_so"
    directory.mkdir(parents=True, exist_ok=True)
    if vendor == "portal_pages":
        return _write_pages(rng, directory, ward, rows)
    return _write_excel(directory, ward, rows)


@dataclass
class _Row:
    cells: dict[str, object]
    truth: dict[str, object]


def _render(rng: random.Random, d: _Dossier, party: object, vendor: str) -> _Row:
    from sample_data.ward_records import Party

    assert isinstance(party, Party)
    portal = vendor == "portal_pages"
    written = write_party(
        rng, party, caps_share=0.3 if portal else 0.0, cmnd_share=0.1, id_missing=APPLICANT_ID_MISSING
    )
    defect = None
    roll = rng.random()
    for name, rate in DEFECTS:
        if roll < rate:
            defect = name
            break
        roll -= rate
    variations = list(written.variations)

    def moment(value: datetime | None) -> object:
        if value is None:
            return ""
        if portal:
            return f"{value:%Y-%m-%d %H:%M:%S}"
        return value if rng.random() < 0.6 else f"{value:%d/%m/%Y %H:%M}"

    status_map, channel_map = (A_STATUS, A_CHANNEL) if portal else (B_STATUS, B_CHANNEL)
    cells: dict[str, object] = {
        "source_record_id": d.number,
        "procedure_code": d.procedure.code,
        "procedure_name": d.procedure.name,
        "procedure_field": d.procedure.field,
        "applicant_name": written.name,
        "applicant_id": written.national_id,
        "applicant_dob": "",
        "received_at": moment(d.received),
        "due_at": moment(d.due),
        "finished_at": moment(d.finished),
        "returned_at": moment(d.returned),
        "channel": channel_map[d.channel],
        "status": status_map[d.status],
    }
    if not portal:
        if rng.random() < 0.8:
            cells["applicant_dob"] = party.date_of_birth if rng.random() < 0.6 else f"{party.date_of_birth:%d/%m/%Y}"
        if written.national_id and rng.random() < 0.4:
            cells["applicant_id"] = int(written.national_id)  # a number cell: leading zero lost, restored
            variations.append("id_number_cell")
    flags = []
    if not written.national_id:
        flags.append("applicant_id_missing")
    if rng.random() < CHANNEL_UNKNOWN:
        cells["channel"] = rng.choice(A_CHANNEL_UNKNOWN if portal else B_CHANNEL_UNKNOWN)
        flags.append("channel_unmapped")
    if defect == "received_at_unparseable":
        cells["received_at"] = rng.choice(("không rõ", f"??/{d.received:%m/%Y}", f"{d.received:%Y-%m}-??"))
    elif defect == "due_at_impossible":
        cells["due_at"] = "2025-02-30 17:00:00" if portal else "31/04/2025 17:00"
    elif defect == "status_unmapped":
        cells["status"] = rng.choice(A_STATUS_UNKNOWN if portal else B_STATUS_UNKNOWN)
    elif defect == "procedure_code_malformed":
        code = d.procedure.code
        cells["procedure_code"] = rng.choice((code[:-1], "l" + code[1:], code.replace(".", ""), code.replace(".", ",")))
    truth: dict[str, object] = {
        "source_record_id": d.number,
        "expected_disposition": QUARANTINE if defect else LOADED,
        "expected_rules": [defect] if defect else sorted(flags),
        "expected_flags": sorted(flags),
        "expected_row_kind": "record",
        "expected_new_ward_code": None,
        "expected_person_id": party.person_id,
        "procedure_code": d.procedure.code,
        "status": d.status,
        "channel": d.channel,
        "received_at": d.received,
        "due_at": d.due,
        "finished_at": d.finished,
        "expected_timeliness": d.timeliness,
        "variations": variations,
    }
    return _Row(cells, truth)


def _write_pages(rng: random.Random, directory: Path, ward: WardInput, rows: list[_Row]
                 ) -> tuple[list[Path], list[dict[str, object]]]:  # fmt: skip
    """CSV pages; each page after the first repeats the last rows of the one before it."""
    page_size = max(20, min(500, len(rows) // 4))
    pages = [rows[i : i + page_size] for i in range(0, len(rows), page_size)]
    files, truth = [], []
    for number, page in enumerate(pages, start=1):
        written: list[tuple[dict[str, object], dict[str, object]]] = []
        if number > 1:
            previous = pages[number - 2]
            for row in previous[-rng.randint(1, 5) :]:
                cells, copy = dict(row.cells), dict(row.truth)
                clean = row.truth["expected_disposition"] == LOADED
                if clean and row.truth["status"] in ("processing", "finished") and rng.random() < CONFLICTING_COPY:
                    # Fetched a moment earlier: the dossier was still in processing on the earlier page.
                    cells["status"] = A_STATUS["processing" if row.truth["status"] == "finished" else "received"]
                    cells["finished_at"] = ""
                    copy.update(expected_disposition=QUARANTINE, expected_rules=[RECORD_ID_DUPLICATE],
                                variations=[*cast(list, row.truth["variations"]), "stale_copy"])  # fmt: skip
                else:
                    copy.update(expected_disposition=SET_ASIDE, expected_rules=[], expected_row_kind="exact_copy",
                                variations=[*cast(list, row.truth["variations"]), "page_copy"])  # fmt: skip
                written.append((cells, copy))
        written += [(row.cells, dict(row.truth)) for row in page]
        path = directory / f"hoso_2025H1_trang{number:02d}.csv"
        write_csv_rows(path, A_LABELS, [[cells[f] for f in A_FIELDS] for cells, _ in written], "utf-8", ",", "\r\n")
        relative = f"{ward.code}/ho_so/{path.name}"
        for line, (_, row_truth) in enumerate(written, start=2):
            truth.append({**row_truth, "former_ward_code": ward.code, "dataset": DATASET, "source_file": relative,
                          "source_row": line})  # fmt: skip
        files.append(path)
    return files, truth


def _write_excel(directory: Path, ward: WardInput, rows: list[_Row]) -> tuple[list[Path], list[dict[str, object]]]:
    path = directory / "ho_so_mot_cua_2025H1.xlsx"
    name = ward.former.short_name.upper()
    titles = [f"UBND PHƯỜNG {name} — BỘ PHẬN MỘT CỬA", f"DANH SÁCH HỒ SƠ TIẾP NHẬN (đến ngày {AS_OF:%d/%m/%Y})"]
    table = [[i if f is None else row.cells[f] for f in B_FIELDS] for i, row in enumerate(rows, start=1)]
    write_table_xlsx(path, "Ho so", titles, B_LABELS, table)
    relative = f"{ward.code}/ho_so/{path.name}"
    first = B_TITLES + 1 + 1
    truth = [{**row.truth, "former_ward_code": ward.code, "dataset": DATASET, "source_file": relative,
              "source_row": first + i} for i, row in enumerate(rows)]  # fmt: skip
    return [path], truth
