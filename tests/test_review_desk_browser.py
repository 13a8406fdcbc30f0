"""The review desk in a real browser (the OS Chromium driven by Playwright) over a warehouse built by the real
pipeline: sign-in, filters, decisions one at a time and in bulk, undo, the effect after a re-run, ward scoping,
CSRF, and masking in the HTML source."""

from __future__ import annotations

import io
import os
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from review_fixture import FIXTURES, PAIR_IDS, run_pipeline, write_deployment

from review_desk.app import DeskConfig, create_app
from review_desk.command import officer
from review_desk.harness import CHROMIUM, chromium, csrf_of, serve_in_thread, sign_in
from schemas import warehouse as w

pytestmark = pytest.mark.browser
REQUIRE = os.environ.get("WARDMERGE_REQUIRE_BROWSER") == "1"
PASSWORD = "correct horse battery"
SCREENSHOTS = os.environ.get("WARDMERGE_SCREENSHOTS_DIR")


@pytest.fixture(scope="module", autouse=True)
def _needs_chromium() -> None:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing (apt-get install -y chromium)"
        if REQUIRE:
            pytest.fail(f"{message} and WARDMERGE_REQUIRE_BROWSER=1")
        pytest.skip(f"{message}; set WARDMERGE_REQUIRE_BROWSER=1 to make this a failure")


def _add_officer(url: str, username: str, wards: list[str], name: str) -> None:
    stdin = sys.stdin
    sys.stdin = io.StringIO(PASSWORD + "\n")
    try:
        assert officer(url, "add", username, wards, name, password_stdin=True, out=io.StringIO()) == 0
    finally:
        sys.stdin = stdin


@pytest.fixture(scope="module")
def desk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    base = tmp_path_factory.mktemp("desk")
    url = f"duckdb:///{base / 'warehouse.duckdb'}"
    settings = write_deployment(base, url)
    instance = run_pipeline(settings)
    _add_officer(url, "lan", ["00280", "00295"], "Nguyễn Thị Lan")
    _add_officer(url, "binh", ["00295"], "Trần Văn Bình")
    config = DeskConfig(warehouse_url=url, secret="s" * 48, routing_table=FIXTURES / "routing.csv")
    app = create_app(config)
    engine = app.state.desk.db.engine
    with serve_in_thread(app) as base_url:
        yield {"url": base_url, "warehouse": url, "settings": settings, "instance": instance, "engine": engine}


@pytest.fixture(scope="module")
def browser(desk: dict[str, Any]) -> Iterator[Any]:
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def lan(browser: Any, desk: dict[str, Any]) -> Any:
    return sign_in(browser, desk["url"], "lan", PASSWORD)


def _scalar(desk: dict[str, Any], statement: sa.Select) -> Any:
    with desk["engine"].connect() as conn:
        return conn.execute(statement).scalar_one()


def _audit(desk: dict[str, Any], action: str) -> int:
    a = w.review_audit
    return _scalar(desk, sa.select(sa.func.count()).select_from(a).where(a.c.action == action))


def _shot(page: Any, name: str) -> None:
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=False)


def test_sign_in_is_required_and_a_wrong_password_is_refused_and_audited(browser, desk):
    page = browser.new_page()
    page.goto(f"{desk['url']}/routing")
    assert "/login" in page.url
    page.fill("input[name=username]", "lan")
    page.fill("input[name=password]", "not the password")
    page.click("button[type=submit].primary")
    assert "Sai tên đăng nhập hoặc mật khẩu" in page.inner_text("main")
    assert _audit(desk, "sign_in_failed") >= 1
    page.close()


def test_groups_are_counted_and_filtered(lan, desk):
    lan.goto(f"{desk['url']}/routing")
    _shot(lan, "routing_queue")
    rows = lan.locator("#groups tbody tr")
    assert rows.count() == 4  # Giải Phóng (00280), no address (00280), Kim Đồng / tổ 9 in each ward
    first = rows.nth(0).inner_text()
    assert "Giải Phóng" in first and "6" in first  # biggest group first
    lan.select_option("select[name=reason]", "unknown_group_and_street")
    lan.click("form.filters button[type=submit]")
    assert lan.locator("#groups tbody tr").count() == 2
    lan.fill("input[name=street]", "kim dong")
    lan.select_option("select[name=ward]", "00295")
    lan.click("form.filters button[type=submit]")
    assert lan.locator("#groups tbody tr").count() == 1
    assert "00295" in lan.locator("#groups tbody tr").inner_text()


def test_personal_data_stays_masked_in_the_html_until_shown_and_showing_is_audited(lan, desk):
    lan.goto(f"{desk['url']}/routing/record?ward=00280&dataset=residents&id=GP11")
    _shot(lan, "record_masked")
    html = lan.content()
    assert "Trần Thị Hạnh" not in html and "0933000000" not in html and "01/06/1970" not in html
    assert "T*** T** H***" in html
    lan.goto(f"{desk['url']}/matches/pair?l={PAIR_IDS[0]}&r={PAIR_IDS[1]}")
    html = lan.content()
    assert "Nguyễn Văn Minh" not in html and "001085123456" not in html and "0912000001" not in html
    before = _audit(desk, "view_unmasked")
    lan.click("#show")
    assert "Nguyễn Văn Minh" in lan.inner_text("#side-by-side")
    assert _audit(desk, "view_unmasked") == before + 1


def test_the_pair_shows_each_comparisons_level_and_weight_and_can_be_decided(lan, desk):
    lan.goto(f"{desk['url']}/matches")
    assert lan.locator("#pairs tbody tr").count() == 1
    lan.click("#pairs a")
    waterfall = lan.inner_text("#waterfall")
    assert "Ngày sinh" in waterfall and "lệch 1–2 ngày" in waterfall and "Điện thoại" in waterfall
    _shot(lan, "match_pair")
    lan.check("input[name=decision][value=same]")
    lan.fill("#decide input[name=note]", "cùng CCCD trên hồ sơ giấy")
    lan.click("#decide button[type=submit]")
    assert "Đã lưu quyết định" in lan.inner_text("main")
    md = w.match_decision
    assert _scalar(desk, sa.select(md.c.decision).where(md.c.record_id_l == PAIR_IDS[0])) == "same"


def test_a_routing_item_is_decided_with_a_note_and_the_next_item_follows(lan, desk):
    lan.goto(f"{desk['url']}/routing/record?ward=00280&dataset=residents&id=NA1")
    assert "Không có quy tắc nào khớp" in lan.inner_text("main")
    lan.select_option("#decide select[name=new_ward]", "00292")
    lan.fill("#decide input[name=set_group]", "Tổ 7")
    lan.click("#decide button[type=submit]")  # no note: the browser refuses (required)
    assert "Đã lưu" not in lan.inner_text("main")
    lan.fill("#decide input[name=note]", "hồ sơ giấy: tổ 7, phường Bạch Mai")
    lan.click("#decide button[type=submit]")
    assert "Đã lưu quyết định" in lan.inner_text("main")
    assert "id=NA2" in lan.url  # the next record of the same group
    rd = w.routing_decision
    assert _scalar(desk, sa.select(rd.c.set_residential_group).where(rd.c.source_record_id == "NA1")) == "7"


def test_a_street_is_placed_in_bulk_by_a_rule(lan, desk):
    lan.goto(f"{desk['url']}/routing?reason=street_ambiguous")
    lan.click("#groups a.place-group")
    lan.fill("#rule input[name=house_from]", "1")
    lan.fill("#rule input[name=house_to]", "99")
    lan.select_option("#rule select[name=parity]", "odd")
    lan.click("#preview")
    assert "Khớp 3 hồ sơ" in lan.inner_text("#preview-counts")
    _shot(lan, "bulk_rule")
    lan.select_option("#create-rule select[name=new_ward]", "00322")
    lan.fill("#create-rule input[name=note]", "Quyết định 123/QĐ-UBND: số lẻ 1–99 về Tương Mai")
    lan.click("#create-rule button[type=submit]")
    assert re.search(r"/decisions/routing/\d+$", lan.url)
    assert "chờ lần chạy sau" in lan.inner_text("main")


def test_an_undo_is_a_new_decision(lan, desk):
    lan.goto(f"{desk['url']}/routing/record?ward=00280&dataset=residents&id=UG1-00280")
    lan.select_option("#decide select[name=new_ward]", "00322")
    lan.fill("#decide input[name=note]", "nhầm hồ sơ")
    lan.click("#decide button[type=submit]")
    rd = w.routing_decision
    decided = _scalar(desk, sa.select(rd.c.id).where(rd.c.source_record_id == "UG1-00280"))
    lan.goto(f"{desk['url']}/decisions/routing/{decided}")
    lan.fill("#undo input[name=note]", "chọn nhầm phường")
    lan.click("#undo button[type=submit]")
    assert "Đã hủy quyết định" in lan.inner_text("main")
    lan.goto(f"{desk['url']}/decisions/routing/{decided}")
    assert "đã hủy" in lan.inner_text("#status")
    assert _scalar(desk, sa.select(sa.func.count()).select_from(rd).where(rd.c.revokes == decided)) == 1


# Dagster's in-process run in a process that also runs Playwright's event loop: harmless loop-shutdown noise.
@pytest.mark.filterwarnings("ignore:coroutine 'BaseEventLoop.shutdown_asyncgens' was never awaited:RuntimeWarning")
def test_after_a_rerun_the_desk_shows_what_each_decision_changed(lan, desk):
    review_before = _scalar(desk, sa.select(sa.func.count()).select_from(w.review_queue))
    run_pipeline(desk["settings"], instance=desk["instance"])
    review_after = _scalar(desk, sa.select(sa.func.count()).select_from(w.review_queue))
    assert review_after == review_before - 4  # NA1 and the three odd numbers of Giải Phóng; UG1 was undone
    lan.goto(f"{desk['url']}/")
    _shot(lan, "overview")
    assert lan.inner_text("#total-review").strip() == str(review_after)
    for row in lan.locator("#wards tbody tr").all():
        ward = row.get_attribute("data-ward")
        rq = w.review_queue
        expected = _scalar(desk, sa.select(sa.func.count()).select_from(rq).where(rq.c.former_ward_code == ward))
        assert row.locator(".review-count").inner_text().strip() == str(expected)
    lan.goto(f"{desk['url']}/decisions")
    _shot(lan, "decisions")
    text = lan.inner_text("#routing-decisions")
    assert "đã xếp 3 hồ sơ" in text and "đã xếp 1 hồ sơ" in text
    assert "đã gộp: một người" in lan.inner_text("#match-decisions")
    rr = w.resident_record
    placed = sa.select(rr.c.new_ward_code).where(rr.c.source_record_id == "GP13")
    assert _scalar(desk, placed) == "00322"


def test_an_officer_cannot_open_another_wards_items_even_by_url(browser, desk):
    binh = sign_in(browser, desk["url"], "binh", PASSWORD)
    binh.goto(f"{desk['url']}/routing")
    assert "00280" not in binh.inner_text("#groups")
    for path in (
        "/routing/record?ward=00280&dataset=residents&id=GP20",
        "/routing/group?ward=00280&reason=street_ambiguous&skey=giai+phong&grp=-",
        "/routing/rule?ward=00280&street=Giải+Phóng",
        "/decisions/routing/1",
    ):
        response = binh.goto(f"{desk['url']}{path}")
        assert response.status == 404, path
        main = binh.inner_text("main")
        assert "Không tìm thấy" in main and "GP20" not in main and "Giải Phóng" not in main
    # A forged POST with a valid token of their own session is refused for another ward's record too.
    binh.goto(f"{desk['url']}/routing")
    form = {"csrf_token": csrf_of(binh), "ward": "00280", "dataset": "residents", "id": "GP20",
            "new_ward": "00322", "note": "guess"}  # fmt: skip
    response = binh.request.post(f"{desk['url']}/routing/record/decide", form=form)
    assert response.status == 404
    rd = w.routing_decision
    assert _scalar(desk, sa.select(sa.func.count()).select_from(rd).where(rd.c.source_record_id == "GP20")) == 0
    binh.context.close()


def test_a_form_without_the_csrf_token_is_refused(lan, desk):
    form = {"ward": "00280", "dataset": "residents", "id": "GP20", "new_ward": "00322", "note": "no token"}
    for token in (None, "forged"):
        data = dict(form, csrf_token=token) if token else form
        response = lan.request.post(f"{desk['url']}/routing/record/decide", form=data)
        assert response.status == 403
    rd = w.routing_decision
    assert _scalar(desk, sa.select(sa.func.count()).select_from(rd).where(rd.c.source_record_id == "GP20")) == 0
