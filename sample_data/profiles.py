"""The export formats ward offices really have, one profile per former ward, and the manifests that read them.

Each former ward kept its roster in its own tool: an old Excel workbook saved as CSV in a TCVN3 or VNI font,
a Windows-1258 export, a formatted Excel report, a web application's JSON, a ward application's SQLite file.
Newer tools keep each residence's registration date and a temporary registration's end date; the oldest
(the TCVN3 workbook, the VNI household book in capitals) keep neither, two keep only the registration date.
Profiles are assigned to a deployment's former wards in code order, in rotation. The source manifests in
``schemas/sources/`` are configuration committed with the project; ``manifest_document`` renders what a
profile implies so a test can prove the committed manifests still describe what the generator writes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import yaml

from schemas.admin_units import FormerWard

AS_OF = date(2025, 6, 30)

# Pseudo-fields: columns that real rosters carry but the pipeline does not use (mapped to null).
ROW_NUMBER, ETHNICITY, OCCUPATION, NOTE, UPDATED, ROWID = (
    "_row",
    "_ethnicity",
    "_occupation",
    "_note",
    "_updated",
    "_rowid",
)


@dataclass(frozen=True)
class Profile:
    """How one ward office writes its roster. Labels are the manifest's column keys, exactly."""

    key: str
    format: str
    encoding: str
    extension: str
    description: str
    columns: tuple[tuple[str, str], ...]  # (source label, canonical field or pseudo-field)
    written_date: str  # strftime-like pattern the office types dates in
    date_formats: tuple[str, ...]  # what the manifest declares
    sex_labels: tuple[str | int, str | int]  # male, female
    unmapped_sex: tuple[str | int, ...]
    residence_labels: tuple[str | int, str | int]  # permanent, temporary
    group_styles: tuple[tuple[str, float], ...]
    street_styles: tuple[tuple[str, float], ...] = (("plain", 6), ("pho", 2), ("Pho", 1), ("duong", 1))
    caps_share: float = 0.0  # names typed ALL CAPS without marks (older applications)
    caps_marked: bool = False  # everything typed in capitals, marks kept
    uses_cmnd: bool = False  # older people listed with their 9-digit CMND
    numeric_share: float = 0.0  # xlsx: digit-only IDs and phones typed as numbers
    date_cell_share: float = 0.0  # xlsx: real date cells rather than text
    record_id: str | None = None  # template with {n}
    household_code: str = "HK{n:05d}"
    options: dict[str, object] = field(default_factory=dict)
    nfd: bool = False
    line_end: str = "\r\n"

    @property
    def labels(self) -> list[str]:
        return [label for label, _ in self.columns]

    def label_of(self, canonical: str) -> str | None:
        return next((label for label, fld in self.columns if fld == canonical), None)


# fmt: off
_COMMON_GROUP_FORMS = (("Tổ {n}", 1), ("TDP {n}", 0.3), ("Tổ dân phố {n}", 0.3), ("{n:02d}", 0.2))

PROFILES: tuple[Profile, ...] = (
    Profile(
        key="tcvn3_csv",
        format="csv",
        encoding="tcvn3",
        extension="csv",
        description="Sổ nhân khẩu phường {name} — CSV lưu từ Excel cũ, phông TCVN3 (.VnTime)",
        columns=(
            ("STT", ROW_NUMBER), ("Mã NK", "source_record_id"), ("Họ và tên", "full_name"),
            ("Ngày sinh", "date_of_birth"), ("Giới tính", "sex"), ("Số CMND/CCCD", "national_id"),
            ("Điện thoại", "phone"), ("Số nhà", "house_number"), ("Ngõ", "alley"), ("Đường phố", "street"),
            ("Tổ dân phố", "residential_group"), ("Mã hộ", "household_id"),
            ("Quan hệ với chủ hộ", "relation_to_head"), ("Loại cư trú", "residence_type"), ("Dân tộc", ETHNICITY),
        ),
        written_date="%d/%m/%Y",
        date_formats=("%d/%m/%Y", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("?", "Không rõ"),
        residence_labels=("Thường trú", "Tạm trú"),
        group_styles=(("Tổ {n}", 8), *_COMMON_GROUP_FORMS),
        uses_cmnd=True,
        record_id="DT{n:06d}",
        household_code="DT-HK{n:05d}",
        options={"delimiter": ","},
    ),
    Profile(
        key="vni_csv",
        format="csv",
        encoding="vni",
        extension="csv",
        description="Danh sách nhân khẩu phường {name} — CSV phông VNI-Times (VNI-Windows)",
        columns=(
            ("TT", ROW_NUMBER), ("Mã số", "source_record_id"), ("Họ tên", "full_name"),
            ("Ngày tháng năm sinh", "date_of_birth"), ("Giới", "sex"), ("CCCD", "national_id"), ("SĐT", "phone"),
            ("Số nhà", "house_number"), ("Ngõ/ngách", "alley"), ("Phố", "street"), ("TDP", "residential_group"),
            ("Số hộ khẩu", "household_id"), ("Quan hệ", "relation_to_head"),
            ("Tình trạng cư trú", "residence_type"), ("Ngày đăng ký", "registration_date"),
            ("Nghề nghiệp", OCCUPATION),
        ),
        written_date="%d.%m.%Y",
        date_formats=("%d.%m.%Y", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("?", "K.rõ"),
        residence_labels=("Thường trú", "Tạm trú"),
        group_styles=(("TDP số {n:02d}", 8), *_COMMON_GROUP_FORMS),
        street_styles=(("plain", 3), ("pho", 5), ("P.", 1)),
        record_id="MK-2019-{n:05d}",
        household_code="MK{n:05d}",
        options={"delimiter": ","},
    ),
    Profile(
        key="cp1258_csv",
        format="csv",
        encoding="cp1258",
        extension="csv",
        description="Sổ quản lý nhân khẩu phường {name} — CSV Windows-1258, dấu chấm phẩy",
        columns=(
            ("STT", ROW_NUMBER), ("Mã nhân khẩu", "source_record_id"), ("Họ và tên khai sinh", "full_name"),
            ("Ngày sinh", "date_of_birth"), ("Giới tính", "sex"), ("Số định danh/CMND", "national_id"),
            ("Số điện thoại", "phone"), ("Địa chỉ: số nhà", "house_number"), ("Địa chỉ: ngõ", "alley"),
            ("Địa chỉ: đường", "street"), ("Tổ dân phố", "residential_group"), ("Mã số hộ", "household_id"),
            ("Quan hệ với chủ hộ", "relation_to_head"), ("Hình thức cư trú", "residence_type"),
            ("Ngày đăng ký cư trú", "registration_date"), ("Tạm trú đến ngày", "registration_end_date"),
            ("Ghi chú", NOTE),
        ),
        written_date="%d/%m/%Y",
        date_formats=("%d/%m/%Y", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("?", "Không rõ"),
        residence_labels=("Thường trú", "Tạm trú"),
        group_styles=(("tổ dân phố {n}", 6), ("Tổ {n:02d}", 2), *_COMMON_GROUP_FORMS),
        uses_cmnd=True,
        record_id="TD{n:05d}",
        household_code="TĐ-{n:05d}",
        options={"delimiter": ";"},
    ),
    Profile(
        key="xlsx_report",
        format="xlsx",
        encoding="utf-8",
        extension="xlsx",
        description="Báo cáo nhân khẩu phường {name} — Excel có dòng tiêu đề, tiêu đề hai dòng, dòng tổng cộng",
        columns=(
            ("STT", ROW_NUMBER), ("Mã nhân khẩu", "source_record_id"), ("Họ và tên", "full_name"),
            ("Ngày sinh", "date_of_birth"), ("Giới tính", "sex"), ("Số CCCD/CMND", "national_id"),
            ("Điện thoại", "phone"), ("Địa chỉ / Số nhà", "house_number"), ("Địa chỉ / Ngõ", "alley"),
            ("Địa chỉ / Đường phố", "street"), ("Địa chỉ / Tổ dân phố", "residential_group"),
            ("Hộ gia đình / Mã hộ", "household_id"), ("Hộ gia đình / Quan hệ với chủ hộ", "relation_to_head"),
            ("Cư trú / Loại", "residence_type"), ("Cư trú / Ngày đăng ký", "registration_date"),
            ("Cư trú / Thời hạn tạm trú", "registration_end_date"), ("Ghi chú", NOTE),
        ),
        written_date="%d/%m/%Y",
        date_formats=("%d/%m/%Y", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("?", "Không rõ"),
        residence_labels=("Thường trú", "Tạm trú"),
        group_styles=(("{n}", 10), ("Tổ {n}", 1)),
        numeric_share=1.0,
        date_cell_share=0.7,
        record_id="{n}",
        household_code="{n}",
        options={"sheet": "DS nhan khau", "skip_rows": 3, "header_rows": 2, "footer_rows": 1},
    ),
    Profile(
        key="json_nfd",
        format="json",
        encoding="utf-8",
        extension="json",
        description="Xuất dữ liệu nhân khẩu phường {name} từ cổng dịch vụ — JSON (NFD), địa chỉ một trường",
        columns=(
            ("id", "source_record_id"), ("ho_ten", "full_name"), ("ngay_sinh", "date_of_birth"),
            ("gioi_tinh", "sex"), ("so_dinh_danh", "national_id"), ("so_dien_thoai", "phone"),
            ("dia_chi", "address"), ("ma_ho", "household_id"), ("quan_he_chu_ho", "relation_to_head"),
            ("loai_cu_tru", "residence_type"), ("ngay_dang_ky_cu_tru", "registration_date"),
            ("tam_tru_den_ngay", "registration_end_date"), ("dan_toc", ETHNICITY),
        ),
        written_date="%Y-%m-%d",
        date_formats=("%Y-%m-%d", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("Khác", "?"),
        residence_labels=("Thường trú", "Tạm trú"),
        group_styles=(("tổ {n}", 5), ("Tổ dân phố {n}", 2), ("TDP {n:02d}", 1)),
        street_styles=(("plain", 5), ("pho", 3), ("duong", 1)),
        record_id="{hex}",
        household_code="HO-{n:06d}",
        options={"record_path": "data.nhan_khau"},
        nfd=True,
        line_end="\n",
    ),
    Profile(
        key="sqlite_app",
        format="sqlite",
        encoding="utf-8",
        extension="sqlite",
        description="Phần mềm quản lý nhân khẩu phường {name} — tệp SQLite, giới tính mã 1/0",
        columns=(
            ("id", ROWID), ("ma_nk", "source_record_id"), ("ho_ten", "full_name"), ("ngay_sinh", "date_of_birth"),
            ("gioi_tinh", "sex"), ("so_cmnd_cccd", "national_id"), ("dien_thoai", "phone"),
            ("so_nha", "house_number"), ("ngo", "alley"), ("duong_pho", "street"),
            ("to_dan_pho", "residential_group"), ("ma_ho", "household_id"),
            ("quan_he_chu_ho", "relation_to_head"), ("loai_cu_tru", "residence_type"),
            ("ngay_dang_ky", "registration_date"), ("han_tam_tru", "registration_end_date"),
            ("ngay_cap_nhat", UPDATED),
        ),
        written_date="%Y-%m-%d",
        date_formats=("%Y-%m-%d", "%Y"),
        sex_labels=(1, 0),
        unmapped_sex=(2, 9),
        residence_labels=(1, 2),
        group_styles=(("{n}", 1),),
        caps_share=0.6,
        uses_cmnd=True,
        record_id="NK{n:07d}",
        household_code="HK{n:06d}",
        options={"table": "tbl_nhankhau"},
        line_end="\n",
    ),
    Profile(
        key="utf8_bom_mdy",
        format="csv",
        encoding="utf-8-sig",
        extension="csv",
        description="Danh sách nhân khẩu phường {name} — CSV UTF-8 có BOM, ngày dạng tháng/ngày/năm",
        columns=(
            ("STT", ROW_NUMBER), ("ID", "source_record_id"), ("Họ và tên", "full_name"),
            ("Ngày sinh (tháng/ngày/năm)", "date_of_birth"), ("Giới tính", "sex"), ("CCCD", "national_id"),
            ("Số ĐT", "phone"), ("Số nhà", "house_number"), ("Ngõ", "alley"), ("Tên đường", "street"),
            ("Tổ", "residential_group"), ("Mã hộ GĐ", "household_id"), ("QH với chủ hộ", "relation_to_head"),
            ("Thường trú/Tạm trú", "residence_type"), ("Ngày đăng ký (tháng/ngày/năm)", "registration_date"),
            ("Tạm trú đến (tháng/ngày/năm)", "registration_end_date"),
        ),
        written_date="%m/%d/%Y",
        date_formats=("%m/%d/%Y", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("?", "Không rõ"),
        residence_labels=("Thường trú", "Tạm trú"),
        group_styles=(("{n}", 5), ("{n:02d}", 2), ("Tổ {n}", 2)),
        record_id="TM/{n:05d}",
        household_code="TM-H{n:05d}",
        options={"delimiter": ","},
    ),
    Profile(
        key="csv_no_id",
        format="csv",
        encoding="utf-8",
        extension="csv",
        description="Danh sách nhân khẩu phường {name} — CSV UTF-8 không có cột mã nhân khẩu",
        columns=(
            ("STT", ROW_NUMBER), ("Họ và tên", "full_name"), ("Ngày sinh", "date_of_birth"), ("Giới tính", "sex"),
            ("Số CCCD", "national_id"), ("Điện thoại liên hệ", "phone"), ("Số nhà", "house_number"),
            ("Ngõ", "alley"), ("Đường", "street"), ("Tổ DP", "residential_group"), ("Mã hộ", "household_id"),
            ("Quan hệ với CH", "relation_to_head"), ("Cư trú", "residence_type"),
            ("Ngày ĐK cư trú", "registration_date"), ("Hạn tạm trú", "registration_end_date"),
            ("Dân tộc", ETHNICITY),
        ),
        written_date="%d/%m/%Y",
        date_formats=("%d/%m/%Y", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("?", "Không rõ"),
        residence_labels=("Thường trú", "Tạm trú"),
        group_styles=(("Tổ {n}", 4), ("Tổ {n:02d}", 2), *_COMMON_GROUP_FORMS),
        record_id=None,
        household_code="HVT{n:05d}",
        options={"delimiter": ","},
        line_end="\n",
    ),
    Profile(
        key="xlsx_simple",
        format="xlsx",
        encoding="utf-8",
        extension="xlsx",
        description="Danh sách nhân khẩu phường {name} — Excel một dòng tiêu đề, số CCCD lẫn kiểu số và chữ",
        columns=(
            ("TT", ROW_NUMBER), ("Mã NK", "source_record_id"), ("HỌ VÀ TÊN", "full_name"),
            ("NGÀY SINH", "date_of_birth"), ("GT", "sex"), ("CMND/CCCD", "national_id"), ("ĐIỆN THOẠI", "phone"),
            ("SỐ NHÀ", "house_number"), ("NGÕ", "alley"), ("ĐƯỜNG", "street"), ("TỔ", "residential_group"),
            ("MÃ HỘ", "household_id"), ("QUAN HỆ", "relation_to_head"), ("CƯ TRÚ", "residence_type"),
            ("NGÀY ĐĂNG KÝ", "registration_date"),
        ),
        written_date="%d/%m/%Y",
        date_formats=("%d/%m/%Y", "%Y"),
        sex_labels=("Nam", "Nữ"),
        unmapped_sex=("?", "x"),
        residence_labels=("TT", "KT"),
        group_styles=(("Tổ {n}", 4), ("{n}", 2), *_COMMON_GROUP_FORMS),
        caps_share=0.3,
        uses_cmnd=True,
        numeric_share=0.4,
        date_cell_share=0.2,
        record_id="GB{n:05d}",
        household_code="GB-HK-{n:04d}",
        options={"sheet": "Sheet1", "skip_rows": 1, "header_rows": 1},
    ),
    Profile(
        key="vni_caps_csv",
        format="csv",
        encoding="vni",
        extension="csv",
        description="Sổ hộ khẩu phường {name} — CSV phông VNI, chữ in hoa, dấu chấm phẩy",
        columns=(
            ("STT", ROW_NUMBER), ("MÃ NHÂN KHẨU", "source_record_id"), ("HỌ TÊN", "full_name"),
            ("NGÀY SINH", "date_of_birth"), ("GIỚI TÍNH", "sex"), ("SỐ ĐỊNH DANH", "national_id"),
            ("ĐIỆN THOẠI", "phone"), ("SỐ NHÀ", "house_number"), ("NGÕ", "alley"), ("ĐƯỜNG/PHỐ", "street"),
            ("TỔ DÂN PHỐ", "residential_group"), ("MÃ HỘ", "household_id"), ("QUAN HỆ CHỦ HỘ", "relation_to_head"),
            ("LOẠI CƯ TRÚ", "residence_type"),
        ),
        written_date="%d/%m/%Y",
        date_formats=("%d/%m/%Y", "%Y"),
        sex_labels=("NAM", "NỮ"),
        unmapped_sex=("?", "KHÔNG RÕ"),
        residence_labels=("THƯỜNG TRÚ", "TẠM TRÚ"),
        group_styles=(("TỔ {n}", 5), ("TDP {n:02d}", 2), ("{n}", 1)),
        street_styles=(("plain", 5), ("pho", 2)),
        caps_marked=True,
        record_id="PL-{n:05d}",
        household_code="PL-HK{n:05d}",
        options={"delimiter": ";"},
    ),
)

# fmt: on

PROFILE_BY_KEY = {p.key: p for p in PROFILES}


def profile_for(index: int) -> Profile:
    """Profiles rotate over a deployment's former wards taken in code order."""
    return PROFILES[index % len(PROFILES)]


def file_name(profile: Profile) -> str:
    return f"nhan_khau_{AS_OF:%Y-%m}.{profile.extension}"


def manifest_filename(former: FormerWard) -> str:
    return f"{former.code}_residents.yaml"


def manifest_data(profile: Profile, former: FormerWard) -> dict[str, object]:
    """The manifest (as plain data) that reads what the generator writes for ``former`` with ``profile``."""
    columns: dict[str, str | None] = {label: (None if fld.startswith("_") else fld) for label, fld in profile.columns}
    data: dict[str, object] = {
        "dataset": "residents",
        "former_ward": former.code,
        "description": profile.description.format(name=former.short_name),
        "path": f"{former.code}/*.{profile.extension}",
        "format": profile.format,
        "encoding": profile.encoding,
        "as_of": AS_OF,
        **profile.options,
        "columns": columns,
    }
    if profile.record_id is None:
        data["record_id_from"] = ["full_name", "date_of_birth", "household_id"]
    data["date_formats"] = list(profile.date_formats)
    male, female = profile.sex_labels
    permanent, temporary = profile.residence_labels
    data["value_maps"] = {
        "sex": {str(male): "M", str(female): "F"},
        "residence_type": {str(permanent): "permanent", str(temporary): "temporary"},
    }
    return data


def manifest_document(profile: Profile, former: FormerWard) -> str:
    """YAML text of the committed manifest, with a header saying where it comes from."""
    header = (
        f"# Residents roster of the former Phường {former.short_name} ({former.code}), as the sample-data\n"
        f"# generator writes it (profile {profile.key}). Edit to match a real delivery; keys: docs/manifests.md.\n"
    )
    body = yaml.safe_dump(
        manifest_data(profile, former), allow_unicode=True, sort_keys=False, default_flow_style=False, width=110
    )
    return header + body
