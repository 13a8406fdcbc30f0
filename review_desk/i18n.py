"""Vietnamese first, English second: the desk's labels, and dates as ward offices write them (dd/mm/yyyy)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

LANGUAGES = ("vi", "en")
DEFAULT_LANGUAGE = "vi"

# key → (Vietnamese, English)
MESSAGES: dict[str, tuple[str, str]] = {
    "app_title": ("Bàn xét duyệt hồ sơ", "Review desk"),
    "ward_title": ("Phường {ward}", "Ward {ward}"),
    "sign_in": ("Đăng nhập", "Sign in"),
    "sign_out": ("Đăng xuất", "Sign out"),
    "username": ("Tên đăng nhập", "Username"),
    "password": ("Mật khẩu", "Password"),
    "sign_in_failed": ("Sai tên đăng nhập hoặc mật khẩu.", "Wrong username or password."),
    "sign_in_locked": (
        "Đăng nhập sai quá nhiều lần. Vui lòng thử lại sau {minutes} phút.",
        "Too many failed sign-ins. Try again in {minutes} minutes.",
    ),
    "signed_in_as": ("Cán bộ: {name}", "Officer: {name}"),
    "your_wards": ("Phường cũ được giao", "Former wards assigned"),
    "overview": ("Tổng quan", "Overview"),
    "routing_review": ("Hồ sơ chưa xếp phường", "Routing review"),
    "match_review": ("Cặp hồ sơ nghi trùng", "Match review"),
    "decisions": ("Quyết định", "Decisions"),
    "runs": ("Chạy lại", "Re-runs"),
    "former_ward": ("Phường cũ", "Former ward"),
    "new_ward": ("Phường mới", "New ward"),
    "reason": ("Lý do", "Reason"),
    "street": ("Đường phố", "Street"),
    "group": ("Tổ dân phố", "Residential group"),
    "alley": ("Ngõ", "Alley"),
    "house_number": ("Số nhà", "House number"),
    "house_from": ("Từ số nhà", "House number from"),
    "house_to": ("Đến số nhà", "House number to"),
    "parity": ("Chẵn/lẻ", "Odd/even"),
    "parity_any": ("Tất cả", "All"),
    "parity_odd": ("Số lẻ", "Odd numbers"),
    "parity_even": ("Số chẵn", "Even numbers"),
    "records": ("Hồ sơ", "Records"),
    "count": ("Số hồ sơ", "Records"),
    "pairs": ("Số cặp", "Pairs"),
    "all": ("Tất cả", "All"),
    "none_value": ("(không có)", "(none)"),
    "filter": ("Lọc", "Filter"),
    "clear_filter": ("Bỏ lọc", "Clear"),
    "page_of": ("Trang {page}/{pages}", "Page {page} of {pages}"),
    "previous": ("‹ Trước", "‹ Previous"),
    "next": ("Sau ›", "Next ›"),
    "open": ("Xem", "Open"),
    "place_all": ("Xếp cả nhóm…", "Place the group…"),
    "full_name": ("Họ và tên", "Full name"),
    "date_of_birth": ("Ngày sinh", "Date of birth"),
    "sex": ("Giới tính", "Sex"),
    "sex_M": ("Nam", "Male"),
    "sex_F": ("Nữ", "Female"),
    "national_id": ("Số CCCD/CMND", "National ID"),
    "phone": ("Điện thoại", "Phone"),
    "source": ("Nguồn", "Source"),
    "source_file": ("Tệp nguồn", "Source file"),
    "source_row": ("Dòng", "Row"),
    "source_record_id": ("Mã hồ sơ", "Record id"),
    "masked_note": (
        "Thông tin cá nhân đang được che. Bấm “Hiện” để xem (việc xem được ghi nhật ký).",
        "Personal data is masked. Press “Show” to see it (each showing is logged).",
    ),
    "unmasked_note": (
        "Đang hiện thông tin cá nhân — lần xem này đã được ghi vào nhật ký.",
        "Personal data shown — this view has been logged.",
    ),
    "show": ("Hiện", "Show"),
    "hide": ("Che lại", "Hide"),
    "why_review": ("Vì sao hồ sơ cần xét duyệt", "Why the record needs review"),
    "rules_matched": ("Quy tắc trong bảng phân tuyến", "Routing-table rules"),
    "no_rule_matched": ("Không có quy tắc nào khớp.", "No rule matched."),
    "rule_matches_record": ("khớp", "matches"),
    "rule_not_matching": ("không khớp", "does not match"),
    "decided_rules_matching": (
        "Quyết định đã có áp dụng cho hồ sơ này (có hiệu lực từ lần chạy sau)",
        "Decisions already covering this record (take effect at the next run)",
    ),
    "decide": ("Quyết định", "Decide"),
    "place_record": ("Xếp hồ sơ vào phường mới", "Place the record in a new ward"),
    "set_group": ("Ghi tổ dân phố (nếu biết)", "Residential group to record (if known)"),
    "note": ("Ghi chú (bắt buộc: căn cứ quyết định)", "Note (required: what the decision rests on)"),
    "note_required": ("Phải ghi chú căn cứ quyết định.", "A note is required."),
    "save_decision": ("Lưu quyết định", "Save decision"),
    "decision_saved": ("Đã lưu quyết định #{id}.", "Decision #{id} saved."),
    "decisions_saved": ("Đã lưu {n} quyết định.", "{n} decisions saved."),
    "next_item": ("Hồ sơ tiếp theo", "Next record"),
    "back_to_list": ("Về danh sách", "Back to the list"),
    "bulk_rule": ("Quy tắc xếp theo nhóm", "Bulk routing rule"),
    "bulk_rule_help": (
        "Một quy tắc áp dụng cho mọi hồ sơ của phường cũ khớp mọi điều kiện đã điền; quy tắc có nhiều điều kiện "
        "hơn được ưu tiên. Quy tắc có tổ dân phố thắng bảng phân tuyến; quy tắc chỉ theo đường phố không đổi hồ "
        "sơ đã được xếp theo tổ. Quy tắc có hiệu lực từ lần chạy sau.",
        "A rule applies to every record of the former ward that meets all the conditions given; a more specific "
        "rule wins. A rule naming a residential group beats the routing table; a street rule never moves a record "
        "placed by its group. Rules take effect at the next run.",
    ),
    "preview": ("Xem trước", "Preview"),
    "preview_counts": (
        "Khớp {review} hồ sơ đang chờ xét duyệt; {moved} hồ sơ đã xếp sẽ chuyển phường.",
        "Matches {review} records in review; {moved} records already placed would move.",
    ),
    "create_rule": ("Tạo quy tắc", "Create rule"),
    "rule_needs_condition": (
        "Quy tắc phải có đường phố hoặc tổ dân phố.",
        "A rule needs a street or a residential group.",
    ),
    "refinement_needs_street": (
        "Ngõ, số nhà và chẵn/lẻ chỉ dùng cùng đường phố.",
        "Alley, house numbers and odd/even need a street.",
    ),
    "bad_house_range": ("Khoảng số nhà không hợp lệ.", "The house number range is not valid."),
    "bad_group": ("Không đọc được tổ dân phố.", "Cannot read the residential group."),
    "bad_new_ward": (
        "Phường mới không thuộc danh sách nhận dân của phường cũ này.",
        "That new ward did not receive any part of this former ward.",
    ),
    "bad_street": ("Không đọc được tên đường phố.", "Cannot read the street."),
    "select_all": ("Chọn tất cả", "Select all"),
    "place_selected": ("Xếp các hồ sơ đã chọn", "Place the selected records"),
    "nothing_selected": ("Chưa chọn hồ sơ nào.", "No record selected."),
    "match_weight": ("Điểm khớp", "Match weight"),
    "match_probability": ("Xác suất trùng", "Match probability"),
    "band": ("Khoảng điểm", "Weight band"),
    "left_record": ("Hồ sơ A", "Record A"),
    "right_record": ("Hồ sơ B", "Record B"),
    "comparison": ("So sánh", "Comparison"),
    "level": ("Mức", "Level"),
    "weight": ("Trọng số", "Weight"),
    "prior": ("Khả năng ban đầu (hai hồ sơ bất kỳ)", "Prior (any two records)"),
    "total": ("Tổng", "Total"),
    "waterfall_missing": (
        "Lần chạy tạo cặp này chưa lưu chi tiết so sánh.",
        "The run that found this pair kept no comparison details.",
    ),
    "same_person": ("Cùng một người", "Same person"),
    "different_persons": ("Hai người khác nhau", "Different persons"),
    "decision": ("Quyết định", "Decision"),
    "decision_same": ("cùng một người", "same person"),
    "decision_different": ("khác người", "different persons"),
    "decision_revoke": ("hủy quyết định", "undo"),
    "kind": ("Loại", "Kind"),
    "kind_record": ("hồ sơ", "record"),
    "kind_rule": ("quy tắc", "rule"),
    "kind_revoke": ("hủy", "undo"),
    "kind_match": ("cặp hồ sơ", "pair"),
    "decided_by": ("Người quyết định", "Decided by"),
    "decided_at": ("Thời điểm", "Decided at"),
    "status": ("Trạng thái", "Status"),
    "status_active": ("đang hiệu lực", "in force"),
    "status_revoked": ("đã hủy (#{by})", "undone (#{by})"),
    "effect": ("Kết quả", "Effect"),
    "effect_pending": ("chờ lần chạy sau", "waiting for the next run"),
    "effect_placed": ("đã xếp {n} hồ sơ", "placed {n} records"),
    "effect_still_review": ("{n} hồ sơ còn chờ", "{n} still in review"),
    "effect_same_now": ("đã gộp: một người (mã {key})", "joined: one person (key {key})"),
    "effect_apart_now": ("hai người (mã {left}, {right})", "two persons (keys {left}, {right})"),
    "effect_none": ("không còn tác dụng", "no effect now"),
    "matched_when_decided": ("Khớp khi quyết định", "Matched when decided"),
    "undo": ("Hủy quyết định", "Undo"),
    "undo_saved": ("Đã hủy quyết định #{id} (quyết định hủy #{new}).", "Decision #{id} undone (undo #{new})."),
    "cannot_undo": ("Quyết định này không còn hiệu lực.", "That decision is no longer in force."),
    "last_run": ("Lần chạy gần nhất", "Last run"),
    "never": ("chưa chạy", "never"),
    "pending_decisions": ("Quyết định chờ chạy", "Decisions waiting for a run"),
    "rerun": ("Chạy lại các phường cũ có quyết định mới", "Re-run the former wards with new decisions"),
    "rerun_started": ("Đã bắt đầu chạy lại: {wards}.", "Re-run started: {wards}."),
    "rerun_busy": ("Đang có một lần chạy.", "A run is in progress."),
    "rerun_unavailable": (
        "Bàn xét duyệt này không được cấu hình để chạy lại; hãy chạy `wardmerge run`.",
        "This desk cannot start runs; use `wardmerge run`.",
    ),
    "rerun_nothing": ("Không có quyết định mới cần chạy.", "No new decision to run."),
    "run_running": ("đang chạy", "running"),
    "run_ok": ("xong", "finished"),
    "run_failed": ("lỗi (mã {code})", "failed (exit {code})"),
    "run_started_by": ("Bắt đầu lúc {at}, bởi {who}", "Started {at} by {who}"),
    "run_log": ("Nhật ký lần chạy", "Run log"),
    "busy_title": ("Kho dữ liệu đang bận", "The warehouse is busy"),
    "busy_text": (
        "Một lần chạy đang ghi kho dữ liệu. Trang sẽ tự tải lại khi xong.",
        "A run is writing the warehouse. This page reloads by itself.",
    ),
    "not_found": ("Không tìm thấy (hoặc không thuộc phường được giao).", "Not found (or not in your wards)."),
    "forbidden_csrf": (
        "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang và thử lại.",
        "The form expired or is not valid. Reload the page and try again.",
    ),
    "review_total": ("Chờ xếp phường", "Awaiting placement"),
    "pairs_total": ("Cặp nghi trùng", "Uncertain pairs"),
    "groups": ("Nhóm", "Groups"),
    "group_key": ("Nhóm (phường cũ, lý do, đường, tổ)", "Group (former ward, reason, street, group)"),
    "search_street": ("Tên đường", "Street name"),
    "language": ("English", "Tiếng Việt"),
    "reason_no_group_or_street": ("không có tổ và đường", "no group or street"),
    "reason_unknown_group_and_street": ("tổ và đường không có trong bảng", "group and street unknown"),
    "reason_street_ambiguous": ("đường chia cho nhiều phường", "street split between new wards"),
    "dev_mode": (
        "CHẾ ĐỘ THỬ: khóa phiên tạo tạm cho tiến trình này",
        "DEV MODE: a session key generated for this process",
    ),
    "cmp_family_name": ("Họ", "Family name"),
    "cmp_middle_name": ("Tên đệm", "Middle name"),
    "cmp_given_name": ("Tên", "Given name"),
    "cmp_date_of_birth": ("Ngày sinh", "Date of birth"),
    "cmp_sex": ("Giới tính", "Sex"),
    "cmp_national_id": ("Số CCCD/CMND", "National ID"),
    "cmp_phone": ("Điện thoại", "Phone"),
    "cmp_address": ("Địa chỉ", "Address"),
    "cmp_group_key": ("Tổ dân phố", "Residential group"),
    "to_ward": ("→ phường mới", "→ new ward"),
    "conditions": ("Điều kiện", "Conditions"),
    "what_changed": ("Quyết định đã thay đổi gì", "What the decision changed"),
    "records_now_placed": ("Hồ sơ đang được xếp theo quyết định này", "Records placed by this decision now"),
    "pair_now": ("Hiện nay", "Now"),
    "help_record_ids": ("Hồ sơ", "Records"),
}

# Level labels of the linkage model (English in the model) in Vietnamese; unknown labels show as they are.
LEVELS_VI: dict[str, str] = {
    "exact, with marks": "trùng khớp, có dấu",
    "exact without marks": "trùng khi bỏ dấu",
    "exact, one side without marks": "trùng, một bên không dấu",
    "same letters, marks differ": "cùng chữ, khác dấu",
    "one letter off (no marks)": "khác một chữ cái",
    "different": "khác nhau",
    "dob: exact": "ngày sinh: trùng",
    "dob: day and month swapped": "ngày sinh: đảo ngày và tháng",
    "dob: 1–2 days apart": "ngày sinh: lệch 1–2 ngày",
    "dob: same year and month": "ngày sinh: cùng tháng năm",
    "dob: same year": "ngày sinh: cùng năm",
    "dob: a year apart": "ngày sinh: lệch một năm",
    "sex: same": "giới tính: trùng",
    "sex: different": "giới tính: khác",
    "ID: same number": "CCCD: trùng số",
    "ID: CCCD one digit off": "CCCD: lệch một chữ số",
    "ID: different numbers": "CCCD: khác số",
    "phone: same number": "điện thoại: trùng số",
    "address: same house": "địa chỉ: cùng số nhà",
    "address: same street and alley": "địa chỉ: cùng đường và ngõ",
    "address: same street": "địa chỉ: cùng đường",
    "All other comparisons": "khác nhau",
    "ID: CMND vs CCCD that fits the other's sex and year (no evidence)": "CMND và CCCD hợp giới tính, năm sinh "
    "(không tính)",
}
NULL_LEVEL = (" is NULL", "thiếu ở một bên", "missing on one side")


def translator(lang: str) -> Callable[..., str]:
    index = 0 if lang == "vi" else 1

    def t(message: str, /, **values: object) -> str:
        pair = MESSAGES.get(message)
        text = pair[index] if pair else message
        return text.format(**values) if values else text

    return t


def level_label(label: str, lang: str) -> str:
    """A linkage level without its comparison's name, in the page's language.

    "given name: exact, with marks" → "exact, with marks" / "trùng khớp, có dấu" (the waterfall names the
    comparison in its own column). Labels the table does not know show as they are.
    """
    parts = []
    for piece in label.split(" / "):
        if piece.endswith(NULL_LEVEL[0]):  # Splink's "<column> is NULL"
            parts.append(NULL_LEVEL[1] if lang == "vi" else NULL_LEVEL[2])
            continue
        full = LEVELS_VI.get(piece) if lang == "vi" else None
        if full is not None:
            parts.append(full.split(": ", 1)[-1])
            continue
        _, sep, tail = piece.partition(": ")
        tail = tail if sep else piece
        parts.append(LEVELS_VI.get(tail, tail) if lang == "vi" else tail)
    return " / ".join(parts)


def format_date(value: dt.date | dt.datetime | str | None) -> str:
    """dd/mm/yyyy, as Vietnamese forms write dates."""
    if value is None:
        return ""
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value[:10]).strftime("%d/%m/%Y")
        except ValueError:
            return value
    return value.strftime("%d/%m/%Y")


def format_datetime(value: dt.datetime | None) -> str:
    return value.strftime("%d/%m/%Y %H:%M") if value else ""
