"""Each former ward's 2025 budget report: estimate and execution January–June, by classification, with totals.

One Excel workbook per former ward, as the ward's accounting office prints it: three title rows, a two-row header
with merged groups ("Mã số" over chương / loại-khoản / mục / tiểu mục / nguồn; "Thực hiện 6 tháng đầu năm 2025"
over the months and the year-to-date), then revenue and expenditure, each under its grand total ("TỔNG THU
NGÂN SÁCH PHƯỜNG") with a subtotal per mục above its lines. Amounts in đồng, mostly number cells, some typed as
text in either style (1.234.567 / 1,234,567), a dash for nothing. The former wards' books end on 30 June 2025
(the new ward's start on 1 July), so months 7–12 are not in these reports.

Defects: an amount that is no amount ("12,5 tr": the line is quarantined, and the totals above it no longer
balance), a malformed tiểu mục ("100l"), and now and then a subtotal typed wrong (``totals_balanced`` reports
it). The truth has every line's true amounts and every total's expected check.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import pyarrow as pa

from sample_data.population import Population
from sample_data.profiles import AS_OF
from sample_data.ward_records import LOADED, QUARANTINE, SET_ASIDE, ManifestSpec, WardInput, pick, vn_amount
from sample_data.writers import write_table_xlsx
from schemas.admin_units import FormerWard
from schemas.datasets.budget import executed_field

DATASET = "budget"
MONTHS = tuple(range(1, 7))  # the former wards' books: January to June 2025


@dataclass(frozen=True)
class Line:
    flow: str  # Thu | Chi
    chapter: str
    sector: str  # loại-khoản, "" for revenue
    item_group: str  # mục
    item: str  # tiểu mục
    source: str  # funding source, "" for revenue
    name: str
    low: int  # estimate range, đồng
    high: int


_M = 1_000_000
# Circular 324/2016/TT-BTC classification; amounts and the choice of lines are illustrative of an inner-city ward.
REVENUE = (
    Line("Thu", "757", "", "1000", "1001", "", "Thuế thu nhập cá nhân từ tiền lương, tiền công", 2000 * _M, 6000 * _M),
    Line("Thu", "757", "", "1000", "1003", "", "Thuế thu nhập cá nhân từ hoạt động sản xuất, kinh doanh của cá nhân",
         1000 * _M, 3000 * _M),
    Line("Thu", "757", "", "1600", "1601", "", "Thuế sử dụng đất phi nông nghiệp: đất ở tại nông thôn", 10 * _M,
         60 * _M),
    Line("Thu", "757", "", "1600", "1602", "", "Thuế sử dụng đất phi nông nghiệp: đất ở tại đô thị", 500 * _M,
         2000 * _M),
    Line("Thu", "757", "", "1700", "1701", "", "Thuế giá trị gia tăng hàng sản xuất, kinh doanh trong nước",
         2000 * _M, 5000 * _M),
    Line("Thu", "757", "", "2800", "2801", "", "Lệ phí trước bạ nhà, đất", 3000 * _M, 10000 * _M),
    Line("Thu", "757", "", "2860", "2862", "", "Lệ phí môn bài mức (bậc) 2", 80 * _M, 250 * _M),
    Line("Thu", "757", "", "2860", "2863", "", "Lệ phí môn bài mức (bậc) 3", 100 * _M, 300 * _M),
    Line("Thu", "805", "", "4900", "4949", "", "Các khoản thu khác", 100 * _M, 500 * _M),
)  # fmt: skip
EXPENDITURE = (
    Line("Chi", "805", "340-341", "6000", "6001", "12", "Lương theo ngạch, bậc", 3000 * _M, 5000 * _M),
    Line("Chi", "805", "340-341", "6100", "6101", "12", "Phụ cấp chức vụ", 200 * _M, 400 * _M),
    Line("Chi", "805", "340-341", "6100", "6113", "12", "Phụ cấp trách nhiệm theo nghề, theo công việc", 100 * _M,
         300 * _M),
    Line("Chi", "805", "340-341", "6300", "6301", "12", "Bảo hiểm xã hội", 500 * _M, 900 * _M),
    Line("Chi", "805", "340-341", "6300", "6302", "12", "Bảo hiểm y tế", 100 * _M, 200 * _M),
    Line("Chi", "805", "340-341", "6500", "6501", "12", "Thanh toán tiền điện", 100 * _M, 200 * _M),
    Line("Chi", "805", "340-341", "6500", "6502", "12", "Thanh toán tiền nước", 20 * _M, 50 * _M),
    Line("Chi", "805", "340-341", "6550", "6551", "12", "Văn phòng phẩm", 50 * _M, 100 * _M),
    Line("Chi", "805", "340-341", "6600", "6601", "12", "Cước phí điện thoại trong nước", 20 * _M, 50 * _M),
    Line("Chi", "805", "340-341", "6700", "6701", "12", "Tiền vé máy bay, tàu, xe", 10 * _M, 40 * _M),
    Line("Chi", "805", "340-341", "7000", "7049", "12", "Chi phí nghiệp vụ chuyên môn khác", 200 * _M, 600 * _M),
    Line("Chi", "805", "010-011", "7000", "7049", "13", "Chi quân sự địa phương", 150 * _M, 400 * _M),
    Line("Chi", "805", "040-041", "7000", "7049", "13", "Chi đảm bảo an ninh, trật tự", 150 * _M, 400 * _M),
    Line("Chi", "805", "160-161", "7000", "7049", "13", "Chi hoạt động văn hóa, thông tin", 80 * _M, 250 * _M),
    Line("Chi", "805", "280-292", "6900", "6949", "13", "Duy tu, sửa chữa công trình hạ tầng", 300 * _M, 1500 * _M),
)  # fmt: skip
GROUP_NAMES = {"1000": "Thuế thu nhập cá nhân", "1600": "Thuế sử dụng đất phi nông nghiệp",
               "1700": "Thuế giá trị gia tăng", "2800": "Lệ phí trước bạ", "2860": "Lệ phí môn bài",
               "4900": "Các khoản thu khác", "6000": "Tiền lương", "6100": "Phụ cấp lương",
               "6300": "Các khoản đóng góp", "6500": "Thanh toán dịch vụ công cộng", "6550": "Vật tư văn phòng",
               "6600": "Thông tin, tuyên truyền, liên lạc", "6700": "Công tác phí",
               "6900": "Sửa chữa, duy tu tài sản", "7000": "Chi phí nghiệp vụ chuyên môn"}  # fmt: skip
ROMAN = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

LABELS = ["STT", "Thu/Chi", "Mã số / Chương", "Mã số / Loại-Khoản", "Mã số / Mục", "Mã số / Tiểu mục",
          "Mã số / Nguồn", "Nội dung", "Dự toán năm 2025",
          *(f"Thực hiện 6 tháng đầu năm 2025 / Tháng {m}" for m in MONTHS),
          "Thực hiện 6 tháng đầu năm 2025 / Lũy kế"]  # fmt: skip
FIELDS = [None, "flow", "chapter", "sector", "item_group", "item", "funding_source", "item_name", "estimate_amount",
          *(executed_field(m) for m in MONTHS), "executed_ytd"]  # fmt: skip
FLOW_CODES = {"Thu": "revenue", "Chi": "expenditure"}
AMOUNTS = ["estimate_amount", *(executed_field(m) for m in MONTHS), "executed_ytd"]
TITLES = 3
HEADER_ROWS = 2

AMOUNT_UNPARSEABLE = 0.005  # per amount cell of a line
ITEM_MALFORMED = 0.01  # per line
SUBTOTAL_TYPO = 0.3  # per former ward: one subtotal typed wrong

TRUTH_FIELDS = [
    pa.field("flow", pa.string()),
    pa.field("chapter", pa.string()),
    pa.field("sector", pa.string()),
    pa.field("item_group", pa.string()),
    pa.field("item", pa.string()),
    pa.field("funding_source", pa.string()),
    pa.field("label", pa.string()),  # a total row's label
    *(pa.field(f, pa.int64()) for f in AMOUNTS),  # true amounts in đồng (a total: as the report states it)
    pa.field("expected_total_check", pa.string()),  # totals: balanced | unbalanced
    pa.field("variations", pa.list_(pa.string())),
]


def manifest_spec(index: int, former: FormerWard) -> ManifestSpec:
    return ManifestSpec(
        DATASET,
        f"{former.code}/ngan_sach/*.xlsx",
        {
            "description": f"Báo cáo thu, chi ngân sách phường {former.short_name} 6 tháng đầu năm 2025 — Excel",
            "path": f"{former.code}/ngan_sach/*.xlsx",
            "format": "xlsx",
            "encoding": "utf-8",
            "as_of": AS_OF,
            "sheet": "Thu chi NS",
            "skip_rows": TITLES,
            "header_rows": HEADER_ROWS,
            "columns": dict(zip(LABELS, FIELDS, strict=True)),
            "record_id_from": ["flow", "chapter", "sector", "item", "funding_source"],
            "record_id_optional": ["sector", "funding_source"],
            "decimal_mark": "none",
            "total_rows": {
                "when_empty": ["item"],
                "label_field": "item_name",
                "label_pattern": "^(tổng|cộng)",
                "scope": ["flow", "item_group"],
                "sums": AMOUNTS,
            },
            "value_maps": {"flow": {"Thu": "revenue", "Chi": "expenditure"}},
        },
        "Budget report (estimate and execution)",
    )


def _month_amounts(rng: random.Random, estimate: int, flow: str) -> list[int]:
    """Execution January–June: about half the estimate, unevenly (Tết, the first quarter's settlements)."""
    share = rng.uniform(0.40, 0.62) if flow == "Thu" else rng.uniform(0.38, 0.52)
    weights = [rng.uniform(0.6, 1.4) for _ in MONTHS]
    if rng.random() < 0.15:  # a line with nothing in some months
        weights[rng.randrange(len(weights))] = 0.0
    total = sum(weights)
    return [int(round(estimate * share * w / total, -3)) for w in weights]


def write_ward(landing: Path, ward: WardInput, seed: int, scale: float, population: Population
               ) -> tuple[list[Path], list[dict[str, object]]]:  # fmt: skip
    """Write one former ward's budget report and return (files, truth rows). The report does not scale: a ward
    has its budget lines whatever the size of the sample."""
    rng = random.Random(f"{seed}/{DATASET}/{ward.code}")
    leaves = []
    for line in (*REVENUE, *EXPENDITURE):
        estimate = rng.randrange(line.low, line.high + 1, _M)
        months = _month_amounts(rng, estimate, line.flow)
        leaves.append((line, estimate, months))
    body: list[tuple[list[object], dict[str, object]]] = []
    typo_at = None
    for flow, label in (("Thu", "TỔNG THU NGÂN SÁCH PHƯỜNG"), ("Chi", "TỔNG CHI NGÂN SÁCH PHƯỜNG")):
        lines = [leaf for leaf in leaves if leaf[0].flow == flow]
        body.append(_total_row("A" if flow == "Thu" else "B", flow, "", label, lines))
        groups = list(dict.fromkeys(leaf[0].item_group for leaf in lines))
        for g, group in enumerate(groups):
            members = [leaf for leaf in lines if leaf[0].item_group == group]
            body.append(_total_row(ROMAN[g], flow, group, GROUP_NAMES[group], members))
            for n, (line, estimate, months) in enumerate(members, start=1):
                body.append(_leaf_row(rng, n, line, estimate, months))
    if rng.random() < SUBTOTAL_TYPO:
        subtotals = [i for i, (cells, truth) in enumerate(body) if truth["expected_row_kind"] == "total" and cells[4]]
        typo_at = rng.choice(subtotals)
        cells, truth = body[typo_at]
        cells[9] = cast(int, cells[9]) + rng.choice((-1, 1)) * rng.choice((1_000, 10_000, 100_000))  # January mistyped
        truth["executed_m01"] = cells[9]
        truth["variations"] = ["subtotal_typo"]
    _expected_checks(body)
    directory = landing / ward.code / "ngan_sach"
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "bao_cao_thu_chi_ngan_sach_6T_2025.xlsx"
    name = ward.former.short_name.upper()
    titles = [f"UBND PHƯỜNG {name}", "BÁO CÁO TÌNH HÌNH THỰC HIỆN THU, CHI NGÂN SÁCH PHƯỜNG 6 THÁNG ĐẦU NĂM 2025",
              "Đơn vị tính: đồng"]  # fmt: skip
    write_table_xlsx(path, "Thu chi NS", titles, LABELS, [cells for cells, _ in body], header_rows=HEADER_ROWS)
    relative = f"{ward.code}/ngan_sach/{path.name}"
    first = TITLES + HEADER_ROWS + 1
    rows = [{**t, "former_ward_code": ward.code, "dataset": DATASET, "source_file": relative, "source_row": first + i}
            for i, (_, t) in enumerate(body)]  # fmt: skip
    return [path], rows


def _total_row(number: str, flow: str, group: str, label: str, lines: list) -> tuple[list[object], dict[str, object]]:
    estimate = sum(e for _, e, _ in lines)
    months = [sum(m[i] for _, _, m in lines) for i in range(len(MONTHS))]
    amounts = [estimate, *months, sum(months)]
    cells: list[object] = [number, flow, "", "", group, "", "", label, *amounts]
    truth: dict[str, object] = {
        "source_record_id": None, "expected_disposition": SET_ASIDE, "expected_rules": [], "expected_flags": [],
        "expected_row_kind": "total", "expected_new_ward_code": None, "expected_person_id": None,
        "flow": FLOW_CODES[flow], "chapter": None, "sector": None, "item_group": group or None, "item": None,
        "funding_source": None, "label": label, **dict(zip(AMOUNTS, amounts, strict=True)), "variations": [],
    }  # fmt: skip
    return cells, truth


def _leaf_row(rng: random.Random, n: int, line: Line, estimate: int, months: list[int]
              ) -> tuple[list[object], dict[str, object]]:  # fmt: skip
    amounts = [estimate, *months, sum(months)]
    written: list[object] = []
    rules: list[str] = []
    variations: list[str] = []
    for field, value in zip(AMOUNTS, amounts, strict=True):
        if value == 0:
            written.append(pick(rng, (("-", 2), ("", 1), ("number", 1))))
            written[-1] = 0 if written[-1] == "number" else written[-1]
            continue
        if rng.random() < AMOUNT_UNPARSEABLE:
            written.append(f"{value / _M:.1f} tr".replace(".", ","))
            rules.append(f"{field}_unparseable")
            continue
        style = pick(rng, (("number", 70), ("dots", 12), ("commas", 12), ("plain", 6)))
        if style != "number":
            variations.append(f"amount_{style}")
        written.append(vn_amount(value, style))
    item = line.item
    if rng.random() < ITEM_MALFORMED:
        item = line.item[:3] + "l"
        rules.insert(0, "item_malformed")
    cells: list[object] = [n, line.flow, line.chapter, line.sector, line.item_group, item, line.source, line.name,
                           *written]  # fmt: skip
    truth: dict[str, object] = {
        "source_record_id": None, "expected_disposition": QUARANTINE if rules else LOADED,
        "expected_rules": rules, "expected_flags": [], "expected_row_kind": "record",
        "expected_new_ward_code": None, "expected_person_id": None,
        "flow": FLOW_CODES[line.flow], "chapter": line.chapter, "sector": line.sector or None,
        "item_group": line.item_group, "item": line.item, "funding_source": line.source or None, "label": None,
        **dict(zip(AMOUNTS, amounts, strict=True)), "variations": sorted(set(variations)),
    }  # fmt: skip
    return cells, truth


def _expected_checks(body: list[tuple[list[object], dict[str, object]]]) -> None:
    """What the pipeline must conclude of each total: the sum of the lines' *readable* amounts in its scope
    (flow, and mục for a subtotal) against what the total row states."""
    leaves = [t for _, t in body if t["expected_row_kind"] == "record"]
    for cells, truth in body:
        if truth["expected_row_kind"] != "total":
            continue
        scope = [t for t in leaves if t["flow"] == truth["flow"]
                 and (truth["item_group"] is None or t["item_group"] == truth["item_group"])]  # fmt: skip
        balanced = True
        for i, field in enumerate(AMOUNTS):
            readable = sum(cast(int, t[field]) for t in scope
                           if f"{field}_unparseable" not in cast(list, t["expected_rules"]))  # fmt: skip
            if readable != cells[8 + i]:
                balanced = False
        truth["expected_total_check"] = "balanced" if balanced else "unbalanced"
