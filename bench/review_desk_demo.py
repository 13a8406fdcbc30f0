"""Scale-1 demonstration of the review desk, driven in the browser as an officer would (Playwright + OS Chromium).

Usage (after `make run` on the scale-1 sample):
    .venv/bin/python bench/review_desk_demo.py [--warehouse duckdb:///data/warehouse.duckdb] [--groups 20]
        [--truth data/truth] [--screenshots docs/review_desk]

1. An officer of all ten former wards signs in and clears the biggest routing review groups: a group with a
   street or a residential group by one bulk rule (clicked through the rule page: preview, new ward, note); a
   group without either by ticking its records on the group page. The new ward an officer would read from the
   paper files is taken from the generator's truth (the group's majority ward), and how many placed records
   agree with the truth is reported.
2. The desk's "re-run" button runs `wardmerge run --former-wards …` in a child process; the script waits for it.
3. The review queue before and after, the records placed per decision, and the desk's overview numbers against
   the warehouse's own counts are printed. Screenshots of the main pages (1366×768) go to ``--screenshots``.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from pipelines import resources
from pipelines.cli import _run_launcher
from review_desk import auth
from review_desk import queries as q
from review_desk.app import DeskConfig, create_app
from review_desk.harness import chromium, serve_in_thread, sign_in
from schemas import warehouse as w

OFFICER, PASSWORD = "demo.officer", "demo password for the review desk"
WARDS = ["00280", "00295", "00298", "00304", "00310", "00313", "00319", "00322", "00325", "00358"]


def ensure_officer(engine: sa.Engine) -> None:
    with engine.begin() as conn:
        if auth.load_officer(conn, OFFICER) is None:
            auth.add_officer(conn, OFFICER, PASSWORD, WARDS, "Cán bộ thử nghiệm")


def counts(engine: sa.Engine) -> dict[str, int]:
    rq = w.review_queue
    with engine.connect() as conn:
        rows = conn.execute(sa.select(rq.c.former_ward_code, sa.func.count()).group_by(rq.c.former_ward_code))
        return {ward: int(n) for ward, n in rows}


def group_truth(engine: sa.Engine, truth: pd.DataFrame, key: q.GroupKey) -> pd.Series:
    """The true new ward of each record of a review group (what the paper files say)."""
    with engine.connect() as conn:
        rows = pd.DataFrame(
            conn.execute(
                sa.select(q.RQ.c.source_file, q.RQ.c.source_row, q.RQ.c.source_record_id).where(
                    *q.group_where(q.RQ, key)
                )
            ).all(),
            columns=["source_file", "source_row", "source_record_id"],
        )
    merged = rows.merge(truth, on=["source_file", "source_row"], how="left")
    return merged.set_index("source_record_id")["expected_new_ward_code"]


def place_group_by_rule(page: Any, base: str, row: dict[str, Any], ward: str) -> None:
    params = {"ward": row["ward"], "street": row["street"] or "", "grp": row["group"] or ""}
    page.goto(f"{base}/routing/rule?" + "&".join(f"{k}={v}" for k, v in params.items()))
    page.click("#preview")
    page.select_option("#create-rule select[name=new_ward]", ward)
    page.fill("#create-rule input[name=note]", "Theo hồ sơ giấy của phường cũ (bản đồ tổ dân phố)")
    page.click("#create-rule button[type=submit]")
    page.wait_for_url(re.compile(r"/decisions/routing/\d+$"))


def place_group_by_ticks(page: Any, base: str, key: q.GroupKey, truth: pd.Series, wards: list[str]) -> int:
    """Tick, page by page, the group's records whose paper file says one of ``wards``, and place them together
    (one submission per page and ward). Decided records stay listed (without a box) until the next run."""
    placed = 0
    params = "&".join(f"{k}={v}" for k, v in key.params().items())
    pages = 1
    number = 1
    while number <= pages:
        for ward in wards:
            page.goto(f"{base}/routing/group?{params}&page={number}")
            match = re.search(r"(\d+)/(\d+)", page.inner_text(".pager") if page.locator(".pager").count() else "1/1")
            pages = int(match.group(2)) if match else 1
            wanted = {rid for rid, true_ward in truth.items() if true_ward == ward}
            boxes = page.locator("#records input[name=ids]")
            ticked = 0
            for i in range(boxes.count()):
                box = boxes.nth(i)
                if box.get_attribute("value") in wanted:
                    box.check()
                    ticked += 1
            if ticked:
                page.select_option("#bulk select[name=new_ward]", ward)
                page.fill("#bulk input[name=note]", "Theo hồ sơ giấy: địa chỉ thường trú")
                page.click("#bulk button[type=submit]")
                page.wait_for_load_state()
                placed += ticked
        number += 1
    return placed


def take_screenshots(page: Any, base: str, engine: sa.Engine, shots: Path) -> None:
    """The main pages at 1366×768 (personal data masked), for docs/review_desk.md and the README."""
    page.goto(f"{base}/")
    page.screenshot(path=str(shots / "overview.png"))
    with engine.connect() as conn:
        record = conn.execute(
            sa.select(q.RQ.c.former_ward_code, q.RQ.c.source_record_id, q.RQ.c.street, q.RQ.c.residential_group)
            .where(q.RQ.c.street.is_not(None))
            .order_by((q.RQ.c.reason == "street_ambiguous").desc(), q.RQ.c.source_file, q.RQ.c.source_row)
            .limit(1)
        ).first()
        pair = conn.execute(
            sa.select(q.MR.c.record_id_l, q.MR.c.record_id_r).order_by(q.MR.c.match_weight.desc()).limit(1)
        ).first()
    if record is not None:
        ward, record_id, street, group = record
        page.goto(f"{base}/routing/record?ward={ward}&dataset=residents&id={record_id}")
        page.screenshot(path=str(shots / "record_masked.png"))
        page.goto(f"{base}/routing/rule?ward={ward}&street={street}&grp={group or ''}&house_from=1&house_to=99")
        page.screenshot(path=str(shots / "bulk_rule.png"))
    if pair is not None:
        page.goto(f"{base}/matches/pair?l={pair[0]}&r={pair[1]}")
        page.screenshot(path=str(shots / "match_pair.png"), full_page=True)
    page.goto(f"{base}/decisions?kind=rule")
    page.screenshot(path=str(shots / "decisions.png"))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warehouse", default=resources.settings_from_env()["warehouse_url"])
    parser.add_argument("--truth", default="data/truth")
    parser.add_argument("--groups", type=int, default=20)
    parser.add_argument("--screenshots", default="docs/review_desk")
    parser.add_argument("--screenshots-only", action="store_true", help="only take the screenshots, decide nothing")
    args = parser.parse_args()
    shots = Path(args.screenshots)
    shots.mkdir(parents=True, exist_ok=True)
    truth = pd.read_parquet(Path(args.truth) / "residents_truth.parquet")
    truth = truth[["source_file", "source_row", "expected_new_ward_code"]]

    config = DeskConfig(
        warehouse_url=args.warehouse,
        secret="d" * 48,
        routing_table=Path(resources.settings_from_env()["routing_table"]),
        launcher=_run_launcher(args.warehouse),
        run_log_dir=Path("data") / "review_runs",
    )
    app = create_app(config)
    engine = app.state.desk.db.engine
    ensure_officer(engine)
    before = counts(engine)
    print(f"review_queue before: {sum(before.values()):,} rows")

    with serve_in_thread(app) as base, chromium() as browser:
        page = sign_in(browser, base, OFFICER, PASSWORD)
        if args.screenshots_only:
            take_screenshots(page, base, engine, shots)
            return 0
        page.goto(f"{base}/routing")
        page.screenshot(path=str(shots / "routing_queue.png"))
        with engine.connect() as conn:
            groups, _, _ = q.routing_groups(conn, q.QueueFilter(tuple(WARDS)), args.groups, 0)
        started = time.perf_counter()
        plan = []
        for g in groups:
            key = q.GroupKey(g["former_ward_code"], g["reason"], g["street_key"], g["residential_group"])
            true = group_truth(engine, truth, key)
            majority = true.value_counts().idxmax()
            row = {"ward": key.ward, "street": g["street"], "group": key.group, "size": int(g["n"]), "key": key}
            others = sorted(set(true.dropna()) - {majority})
            if key.street_key or key.group:
                # The records the paper files put elsewhere first (a record decision beats a rule), then one
                # bulk rule for the rest of the group.
                ticked = place_group_by_ticks(page, base, key, true, others) if others else 0
                place_group_by_rule(page, base, row, majority)
                row.update(how=f"rule (+{ticked} ticked)", ward_to=majority)
            else:  # no street and no group: nothing a rule could name
                ticked = place_group_by_ticks(page, base, key, true, [majority, *others])
                row.update(how=f"ticked {ticked}", ward_to="per record")
            plan.append(row)
        clicking = time.perf_counter() - started
        print(f"{len(plan)} groups decided in the browser in {clicking:.0f} s")

        # The desk's re-run button: a child `wardmerge run --former-wards …`.
        page.goto(f"{base}/runs")
        page.click("#rerun")
        run_started = time.perf_counter()
        while app.state.desk.runs.current() is not None:
            time.sleep(2)
        run = app.state.desk.runs.recent(1)[0]
        print(f"re-run of {', '.join(run.wards)}: exit {run.returncode} in {time.perf_counter() - run_started:.0f} s")
        if run.returncode != 0:
            print(run.log_tail(), file=sys.stderr)
            return 1

        after = counts(engine)
        page.goto(f"{base}/")
        page.screenshot(path=str(shots / "overview.png"))
        shown_total = int(page.inner_text("#total-review").replace(".", ""))
        shown = {
            row.get_attribute("data-ward"): int(row.locator(".review-count").inner_text().replace(".", ""))
            for row in page.locator("#wards tbody tr").all()
        }
        take_screenshots(page, base, engine, shots)

    rr = w.resident_record
    with engine.connect() as conn:
        decided = pd.DataFrame(
            conn.execute(
                sa.select(rr.c.source_file, rr.c.source_row, rr.c.new_ward_code, rr.c.routing_decision_id).where(
                    rr.c.routing_decision_id.is_not(None)
                )
            ).all(),
            columns=["source_file", "source_row", "new_ward_code", "routing_decision_id"],
        )
        remaining = [sa.select(sa.func.count()).select_from(q.RQ).where(*q.group_where(q.RQ, r["key"])) for r in plan]
        left = sum(conn.execute(statement).scalar_one() for statement in remaining)
    decided = decided.merge(truth, on=["source_file", "source_row"], how="left")
    agree = int((decided["new_ward_code"] == decided["expected_new_ward_code"]).sum())
    cleared = sum(r["size"] for r in plan)
    print(f"\n{'former ward':<8} {'street':<28} {'group':<6} {'records':>8}  how -> new ward")
    for r in plan:
        print(f"{r['ward']:<8} {str(r['street'] or '—')[:28]:<28} {str(r['group'] or '—'):<6} {r['size']:>8}  "
              f"{r['how']} -> {r['ward_to']}")  # fmt: skip
    total_before, total_after = sum(before.values()), sum(after.values())
    print(f"\nreview_queue: {total_before:,} -> {total_after:,} rows ({total_before - total_after:,} placed; "
          f"the {len(plan)} groups held {cleared:,})")  # fmt: skip
    print(f"records of those groups still in review after the run: {left:,}")
    print(f"records placed by decisions after the run: {len(decided):,} by "
          f"{decided['routing_decision_id'].nunique():,} decisions (a street rule also places records of that "
          "street with an unknown group)")  # fmt: skip
    print(f"placed records agreeing with the generator's truth: {agree:,} of {len(decided):,} "
          f"({agree / max(len(decided), 1):.1%})")  # fmt: skip
    same = shown == {k: v for k, v in after.items() if k in shown} and shown_total == sum(after.values())
    print(f"desk overview equals the warehouse: {same} (desk {shown_total:,}, warehouse {sum(after.values()):,})")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
