"""Each former ward's register of business households (hộ kinh doanh), and its truth.

About 1.5% of residents own one, at home: the business's address is the owner's household's, so it is routed
like the household (group first, then street) and its truth new ward is the household's. Two registers
alternate between the former wards: a CSV with the address in parts (``register_parts``) and an Excel workbook
with one free-text address and the owner's date of birth (``register_free_text``). Capital is written in both
styles (5.000.000 / 5,000,000), as a number cell, or plainly.

Defects: an empty owner name, a status the value map does not know (quarantine); no owner ID, a trade outside
the value map, a capital that is no amount (flags); no residential group, or one the routing table does not know
(placed by street where the street decides, else review).
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import pyarrow as pa

from sample_data.geography import Address
from sample_data.population import Household, Population
from sample_data.profiles import AS_OF
from sample_data.ward_records import (
    LOADED,
    QUARANTINE,
    REVIEW,
    ManifestSpec,
    WardInput,
    pick,
    resident_party,
    vn_amount,
    write_party,
)
from sample_data.writers import write_csv_rows, write_table_xlsx
from schemas.admin_units import FormerWard

DATASET = "business_households"
OWNERS_PER_RESIDENT = 0.015

SECTORS = (("Bán lẻ", "retail", 40), ("Ăn uống", "food_service", 25), ("Dịch vụ", "services", 15),
           ("Sửa chữa", "repair", 7), ("Lưu trú", "accommodation", 3), ("Sản xuất", "manufacturing", 4),
           ("Vận tải", "transport", 3), ("Khác", "other", 3))  # fmt: skip
SECTOR_UNKNOWN = ("Kinh doanh tổng hợp", "Thương mại")
STATUS_TEXT = {"active": "Đang hoạt động", "suspended": "Tạm ngừng kinh doanh", "ceased": "Chấm dứt hoạt động"}
STATUS_UNKNOWN = ("Đang xác minh", "Không rõ")
NAMES = {"retail": ("Cửa hàng tạp hóa", "Cửa hàng điện thoại", "Cửa hàng quần áo", "Cửa hàng văn phòng phẩm"),
         "food_service": ("Quán phở", "Quán cà phê", "Quán bún chả", "Quán cơm"),
         "services": ("Tiệm cắt tóc", "Dịch vụ photocopy", "Tiệm giặt là"),
         "repair": ("Sửa chữa xe máy", "Sửa chữa điện tử"), "accommodation": ("Nhà nghỉ",),
         "manufacturing": ("Xưởng may", "Cơ sở làm bánh"), "transport": ("Dịch vụ vận chuyển",),
         "other": ("Cơ sở kinh doanh",)}  # fmt: skip

PARTS_LABELS = ["STT", "Số GCN ĐKHKD", "Tên hộ kinh doanh", "Chủ hộ", "Số CCCD chủ hộ", "Ngành nghề", "Số nhà",
                "Ngõ", "Đường phố", "Tổ dân phố", "Tình trạng", "Ngày cấp", "Vốn kinh doanh (đồng)"]  # fmt: skip
PARTS_FIELDS = [None, "source_record_id", "business_name", "owner_name", "owner_id", "sector", "house_number",
                "alley", "street", "residential_group", "status", "registered_on", "capital"]  # fmt: skip
FREE_LABELS = ["STT", "Mã số hộ kinh doanh", "Tên hộ kinh doanh", "Họ tên chủ hộ", "Ngày sinh",
               "CCCD/CMND", "Ngành nghề kinh doanh", "Địa điểm kinh doanh", "Trạng thái", "Ngày đăng ký",
               "Vốn kinh doanh"]  # fmt: skip
FREE_FIELDS = [None, "source_record_id", "business_name", "owner_name", "owner_dob", "owner_id", "sector", "address",
               "status", "registered_on", "capital"]  # fmt: skip
TITLES = 1

DEFECTS = (("owner_name_missing", 0.002), ("status_unmapped", 0.005))
OWNER_ID_MISSING = 0.05
SECTOR_UNMAPPED = 0.01
CAPITAL_UNPARSEABLE = 0.005
GROUP_MISSING, GROUP_UNKNOWN = 0.04, 0.005

TRUTH_FIELDS = [
    pa.field("status", pa.string()),
    pa.field("sector", pa.string()),
    pa.field("capital", pa.int64()),
    pa.field("true_residential_group", pa.int32()),
    pa.field("true_street", pa.string()),
    pa.field("variations", pa.list_(pa.string())),
]


def register_of(index: int) -> str:
    return "register_parts" if index % 2 == 0 else "register_free_text"


def manifest_spec(index: int, former: FormerWard) -> ManifestSpec:
    parts = register_of(index) == "register_parts"
    data: dict[str, object] = {
        "description": f"Sổ đăng ký hộ kinh doanh phường {former.short_name} — "
        + ("CSV, địa chỉ tách cột" if parts else "Excel, địa điểm kinh doanh một cột"),
        "path": f"{former.code}/ho_kinh_doanh/*.{'csv' if parts else 'xlsx'}",
        "format": "csv" if parts else "xlsx",
        "encoding": "utf-8",
        "as_of": AS_OF,
    }
    if parts:
        data.update(delimiter=",")
    else:
        data.update(sheet="HKD", skip_rows=TITLES, header_rows=1)
    data.update(
        columns=dict(zip(PARTS_LABELS, PARTS_FIELDS, strict=True) if parts else zip(FREE_LABELS, FREE_FIELDS,
                                                                                   strict=True)),
        date_formats=["%d/%m/%Y"],
        decimal_mark="none",
        value_maps={
            "sector": {text: code for text, code, _ in SECTORS},
            "status": {v: k for k, v in STATUS_TEXT.items()},
        },
    )  # fmt: skip
    return ManifestSpec(DATASET, str(data["path"]), data, "Register of business households")


def write_ward(landing: Path, ward: WardInput, seed: int, scale: float, population: Population
               ) -> tuple[list[Path], list[dict[str, object]]]:  # fmt: skip
    rng = random.Random(f"{seed}/{DATASET}/{ward.code}")
    geo = ward.geography
    parts = register_of(ward.index) == "register_parts"
    home: dict[int, Household] = {}
    for hh in ward.households:
        for member in hh.members:
            home.setdefault(member.person.pid, hh)
    candidates = [p for p in ward.adults(22, 75) if p.pid in home]
    count = min(len(candidates), max(3, round(len(ward.people) * OWNERS_PER_RESIDENT)))
    owners = sorted(rng.sample(candidates, count), key=lambda p: (home[p.pid].group, p.pid))
    letter = {"Hai Bà Trưng": "B", "Hoàng Mai": "M", "Thanh Xuân": "X"}.get(
        (ward.former.district_name or "").removeprefix("Quận "), "H"
    )
    max_group = max(geo.group_ward)
    rows: list[list[object]] = []
    truths: list[dict[str, object]] = []
    seq = rng.randint(1000, 4000)
    for n, owner in enumerate(owners, start=1):
        seq += rng.randint(1, 4)
        number = f"01{letter}8{int(ward.code):03d}{seq:05d}"
        hh = home[owner.pid]
        label, sector, _ = rng.choices(SECTORS, [weight for *_, weight in SECTORS])[0]
        status = pick(rng, (("active", 85), ("suspended", 7), ("ceased", 8)))
        capital = rng.randrange(20, 2000) * 1_000_000
        registered = date(2008, 1, 1) + timedelta(days=rng.randrange((AS_OF - date(2008, 1, 1)).days))
        written_party = write_party(rng, resident_party(owner), caps_share=0.0, cmnd_share=0.05,
                                    id_missing=OWNER_ID_MISSING)  # fmt: skip
        variations = list(written_party.variations)
        defect = None
        roll = rng.random()
        for name, rate in DEFECTS:
            if roll < rate:
                defect = name
                break
            roll -= rate
        flags = []
        if not written_party.national_id:
            flags.append("owner_id_missing")
        sector_text = label
        if rng.random() < SECTOR_UNMAPPED:
            sector_text = rng.choice(SECTOR_UNKNOWN)
            flags.append("sector_unmapped")
        capital_cell: object = vn_amount(capital, pick(rng, (("number", 3), ("dots", 3), ("commas", 2), ("plain", 2)))
                                         if not parts else pick(rng, (("dots", 4), ("commas", 3), ("plain", 3))))
        if rng.random() < CAPITAL_UNPARSEABLE:
            capital_cell = f"{capital // 1_000_000} triệu"
            flags.append("capital_unparseable")
        group: int | None = hh.group
        roll = rng.random()
        if roll < GROUP_MISSING:
            group = None
            variations.append("no_group")
        elif roll < GROUP_MISSING + GROUP_UNKNOWN:
            group = max_group + rng.randint(1, 20)
            variations.append("unknown_group")
        address = hh.address
        placement = geo.place(group, address.street, address.alley, address.house)
        cells: dict[str, object] = {
            "source_record_id": number,
            "business_name": f"{rng.choice(NAMES[sector])} {owner.given}",
            "owner_name": "" if defect == "owner_name_missing" else written_party.name,
            "owner_id": written_party.national_id,
            "owner_dob": owner.dob if rng.random() < 0.7 else f"{owner.dob:%d/%m/%Y}",
            "sector": sector_text,
            "status": rng.choice(STATUS_UNKNOWN) if defect == "status_unmapped" else STATUS_TEXT[status],
            "registered_on": f"{registered:%d/%m/%Y}" if parts or rng.random() < 0.3 else registered,
            "capital": capital_cell,
            **_address_cells(rng, address, group, parts),
        }
        if defect is not None:
            disposition, rules = QUARANTINE, [defect]
        elif placement.new_ward_code is None:
            disposition, rules = REVIEW, [placement.reason or ""]
        else:
            disposition, rules = LOADED, sorted(flags)
        fields = PARTS_FIELDS if parts else FREE_FIELDS
        rows.append([n if f is None else cells[f] for f in fields])
        truths.append({
            "source_record_id": number,
            "expected_disposition": disposition,
            "expected_rules": rules,
            "expected_flags": sorted(flags),
            "expected_row_kind": "record",
            "expected_new_ward_code": hh.new_ward,
            "expected_person_id": owner.person_id,
            "status": status,
            "sector": sector,
            "capital": capital,
            "true_residential_group": hh.group,
            "true_street": address.street,
            "variations": variations,
        })  # fmt: skip
    directory = landing / ward.code / "ho_kinh_doanh"
    directory.mkdir(parents=True, exist_ok=True)
    if parts:
        path = directory / "so_dang_ky_hkd.csv"
        write_csv_rows(path, PARTS_LABELS, rows, "utf-8", ",", "\r\n")
        first = 2
    else:
        path = directory / "so_dang_ky_hkd.xlsx"
        titles = [f"DANH SÁCH HỘ KINH DOANH PHƯỜNG {ward.former.short_name.upper()} (đến {AS_OF:%d/%m/%Y})"]
        write_table_xlsx(path, "HKD", titles, FREE_LABELS, rows)
        first = TITLES + 2
    relative = f"{ward.code}/ho_kinh_doanh/{path.name}"
    truth = [{**t, "former_ward_code": ward.code, "dataset": DATASET, "source_file": relative, "source_row": first + i}
             for i, t in enumerate(truths)]  # fmt: skip
    return [path], truth


def _address_cells(rng: random.Random, address: Address, group: int | None, parts: bool) -> dict[str, object]:
    street = rng.choice((address.street, address.street, f"phố {address.street}"))
    group_text = rng.choice((f"Tổ {group}", f"TDP {group:02d}", f"tổ dân phố {group}")) if group is not None else ""
    number = (address.alley or "").removeprefix("Ngõ ").strip()
    if parts:
        alley = (address.alley if rng.random() < 0.7 else f"ngõ {number}") if address.alley else ""
        return {"house_number": address.house_text, "alley": alley, "street": street,
                "residential_group": group_text, "address": ""}  # fmt: skip
    alley = f"ngõ {number}" if address.alley else ""
    pieces = [f"Số {address.house_text}", alley, street, f"tổ {group}" if group is not None else ""]
    return {"house_number": "", "alley": "", "street": "", "residential_group": "",
            "address": ", ".join(p for p in pieces if p)}  # fmt: skip
