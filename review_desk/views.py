"""The desk's pages and actions. Every query is scoped to the signed-in officer's former wards; an item of
another ward answers "not found", whether reached from a menu or by a guessed URL."""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from starlette.background import BackgroundTask
from starlette.responses import Response

from assets.lib.addresses import alley_key, normalise_group, street_key
from assets.lib.review_decisions import DIFFERENT, RECORD, REVOKE, RULE, SAME, DecidedRule
from assets.lib.routing import RoutingRule, RoutingTableError, load_routing_table
from review_desk import auth
from review_desk import queries as q
from review_desk.app import Ctx, csrf_token, safe_next
from review_desk.i18n import LANGUAGES
from review_desk.present import CLEAR, MASK, PREMASKED, field_values
from schemas import SHIPPED_ROUTING

DATASET = "residents"
MAX_BULK = 500


# ---------------------------------------------------------------------------------------------- helpers


def _page(ctx: Ctx) -> int:
    try:
        return max(1, min(int(ctx.q("page", "1")), 100_000))
    except ValueError:
        return 1


def _pages(total: int, size: int) -> int:
    return max(1, math.ceil(total / size))


def _ward_filter(ctx: Ctx) -> tuple[str, ...]:
    """The officer's wards, narrowed to the one asked for (a ward not theirs narrows to nothing)."""
    wanted = ctx.q("ward")
    wards = ctx.me().wards
    if wanted:
        return (wanted,) if wanted in wards else ()
    return wards


def _note(ctx: Ctx) -> str | None:
    note = ctx.f("note")
    return note if len(note) >= 3 else None


def _new_ward(ctx: Ctx, ward: str) -> str | None:
    """The submitted new ward, if it received part of ``ward`` (the crosswalk); None otherwise."""
    code = ctx.f("new_ward")
    receiving = {c for c, _ in q.receiving_wards(ctx.db(), ward)}
    return code if code in receiving else None


def _set_group(ctx: Ctx) -> tuple[str | None, bool]:
    """(normalised group to record or None, readable?)."""
    raw = ctx.f("set_group")
    if not raw:
        return None, True
    group = normalise_group(raw)
    return group, group is not None


def _group_key(ctx: Ctx) -> q.GroupKey | None:
    ward, reason = ctx.q("ward"), ctx.q("reason")
    if ward not in ctx.me().wards or reason not in q.REASONS:
        return None
    skey, grp = ctx.q("skey", q.NONE), ctx.q("grp", q.NONE)
    return q.GroupKey(ward, reason, None if skey == q.NONE else skey, None if grp == q.NONE else grp)


@lru_cache(maxsize=4)
def _routing_rules(path: str, mtime: float) -> tuple[RoutingRule, ...]:
    return tuple(load_routing_table(Path(path)))


def routing_rules(ctx: Ctx) -> tuple[RoutingRule, ...]:
    path = ctx.desk.config.routing_table or SHIPPED_ROUTING
    try:
        return _routing_rules(str(path), path.stat().st_mtime)
    except (OSError, RoutingTableError):
        return ()


def _explain(ctx: Ctx, record: dict[str, Any]) -> list[dict[str, Any]]:
    """The routing-table rules of the record's former ward for its group and street, and which match it."""
    ward = record["former_ward_code"]
    out = []
    for rule in routing_rules(ctx):
        if rule.former_ward_code != ward:
            continue
        if rule.group is not None and rule.group == record["residential_group"]:
            out.append({"rule": rule, "matches": True})
        elif rule.street is not None and rule.street == record["street_key"]:
            probe = DecidedRule(
                id=0,
                new_ward_code=rule.new_ward_code,
                street_key=rule.street,
                alley=rule.alley,
                house_from=rule.house_from,
                house_to=rule.house_to,
                parity=rule.parity,
            )
            out.append(
                {
                    "rule": rule,
                    "matches": probe.matches(None, record["street_key"], record["alley"], record["house_key"]),
                }
            )
    return out


# ------------------------------------------------------------------------------------------- sign-in


def login_form(ctx: Ctx) -> Response:
    csrf_token(ctx.session)
    return ctx.render("login.html", next=safe_next(ctx.q("next")), error=None)


def login_submit(ctx: Ctx) -> Response:
    username, password = ctx.f("username"), ctx.f("password")
    result = auth.authenticate(ctx.db(), username, password)
    target = safe_next(ctx.f("next"))
    if result.officer is None:
        error = (
            ctx.t("sign_in_locked", minutes=result.locked_minutes) if result.locked_minutes else ctx.t("sign_in_failed")
        )
        # Answered without raising, so the audit row of the failure commits with the request's transaction.
        return ctx.render("login.html", status=401, next=target, error=error)
    lang = ctx.session.get("lang")
    ctx.session.clear()  # a fresh session (and CSRF token) at each sign-in
    if lang:
        ctx.session["lang"] = lang
    ctx.session["user"] = result.officer.username
    changed = result.officer.password_changed_at
    ctx.session["pwd_at"] = changed.isoformat() if changed else ""
    csrf_token(ctx.session)
    return ctx.redirect(target)


def logout(ctx: Ctx) -> Response:
    auth.audit(ctx.db(), ctx.me().username, auth.SIGN_OUT)
    lang = ctx.session.get("lang")
    ctx.session.clear()
    if lang:
        ctx.session["lang"] = lang
    return ctx.redirect("/login")


def set_language(ctx: Ctx) -> Response:
    lang = ctx.q("to")
    if lang in LANGUAGES:
        ctx.session["lang"] = lang
    return ctx.redirect(safe_next(ctx.q("next")))


# ------------------------------------------------------------------------------------------- overview


def pending_wards(ctx: Ctx) -> dict[str, dict[str, int]]:
    """Per former ward: routing decisions made after its last load, and match decisions not yet in effect."""
    conn, wards = ctx.db(), ctx.me().wards
    loads = q.last_loads(conn, wards)
    out: dict[str, dict[str, int]] = {ward: {"routing": 0, "match": 0} for ward in wards}
    decisions = q.ward_decisions(conn, wards)
    for row in decisions.to_dict("records"):
        last = loads.get(row["former_ward_code"])
        if last is None or row["decided_at"] > last:
            out[row["former_ward_code"]]["routing"] += 1
    matches = q.match_decisions(conn, wards)
    for row in matches[matches["active"] & matches["decision"].isin([SAME, DIFFERENT])].to_dict("records"):
        if not q.match_effect(conn, row)["in_effect"]:
            for record_id in (row["record_id_l"], row["record_id_r"]):
                ward = q.split_record_id(record_id)[0]
                if ward in out:
                    out[ward]["match"] += 1
    return out


def overview(ctx: Ctx) -> Response:
    conn, wards = ctx.db(), ctx.me().wards
    queue = q.queue_counts(conn, wards)
    pairs = q.pair_counts(conn, wards)
    loads = q.last_loads(conn, wards)
    pending = pending_wards(ctx)
    rows = [
        {
            "ward": ward,
            "review": queue.get(ward, 0),
            "pairs": pairs.get(ward, 0),
            "last_load": loads.get(ward),
            "pending": pending[ward]["routing"] + pending[ward]["match"],
        }
        for ward in wards
    ]
    totals = {"review": sum(queue.values()), "pairs": q.match_pairs(conn, wards, None, 0, 0)[1]}
    return ctx.render("overview.html", rows=rows, totals=totals, runs=ctx.desk.runs)


# ------------------------------------------------------------------------------------------- routing review


def routing_page(ctx: Ctx) -> Response:
    wards = _ward_filter(ctx)
    reason = ctx.q("reason") if ctx.q("reason") in q.REASONS else None
    street_text = ctx.q("street")
    group = normalise_group(ctx.q("group")) if ctx.q("group") else None
    flt = q.QueueFilter(wards, reason, (street_key(street_text) or None) if street_text else None, group)
    size, page = ctx.desk.config.page_size, _page(ctx)
    rows, groups, records = q.routing_groups(ctx.db(), flt, size, (page - 1) * size) if wards else ([], 0, 0)
    for row in rows:
        row["key"] = q.GroupKey(row["former_ward_code"], row["reason"], row["street_key"], row["residential_group"])
    params = {"ward": ctx.q("ward"), "reason": reason or "", "street": street_text, "group": ctx.q("group")}
    return ctx.render(
        "routing.html",
        rows=rows,
        groups=groups,
        records=records,
        page=page,
        pages=_pages(groups, size),
        params=params,
        reasons=q.REASONS,
    )


def group_page(ctx: Ctx) -> Response:
    key = _group_key(ctx)
    if key is None:
        return ctx.not_found()
    conn = ctx.db()
    size, page = ctx.desk.config.page_size, _page(ctx)
    rows, total = q.group_records(conn, key, size, (page - 1) * size)
    overrides = q.overrides_for(q.ward_decisions(conn, (key.ward,)), key.ward, DATASET)
    shown = [
        {"row": row, "fields": field_values(row, MASK, ctx.t), "covered": q.covering_decision(row, overrides)}
        for row in rows
    ]
    street = rows[0]["street"] if rows else None
    return ctx.render(
        "group.html",
        key=key,
        street=street,
        rows=shown,
        total=total,
        page=page,
        pages=_pages(total, size),
        receiving=q.receiving_wards(conn, key.ward),
    )


def _record_from_query(ctx: Ctx, source: Callable[[str], str]) -> dict[str, Any] | None:
    ward, dataset, record_id = source("ward"), source("dataset") or DATASET, source("id")
    if ward not in ctx.me().wards:
        return None
    return q.review_record(ctx.db(), ward, dataset, record_id)


def _record_view(ctx: Ctx, record: dict[str, Any], mode: str, status: int = 200, error: str | None = None) -> Response:
    conn = ctx.db()
    ward = record["former_ward_code"]
    decisions = q.ward_decisions(conn, (ward,))
    overrides = q.overrides_for(decisions, ward, record["dataset"])
    return ctx.render(
        "record.html",
        status=status,
        record=record,
        fields=field_values(record, mode, ctx.t),
        unmasked=mode == CLEAR,
        rules=_explain(ctx, record),
        covered=q.covering_decision(record, overrides),
        receiving=q.receiving_wards(conn, ward),
        key=q.group_of(record),
        error=error,
        item_id=f"{ward}/{record['dataset']}/{record['source_record_id']}",
    )


def record_page(ctx: Ctx) -> Response:
    record = _record_from_query(ctx, ctx.q)
    return _record_view(ctx, record, MASK) if record else ctx.not_found()


def record_show(ctx: Ctx) -> Response:
    record = _record_from_query(ctx, ctx.f)
    if record is None:
        return ctx.not_found()
    item = f"{record['former_ward_code']}/{record['dataset']}/{record['source_record_id']}"
    auth.audit(ctx.db(), ctx.me().username, auth.VIEW_UNMASKED, item, record["former_ward_code"])
    return _record_view(ctx, record, CLEAR)


def record_decide(ctx: Ctx) -> Response:
    record = _record_from_query(ctx, ctx.f)
    if record is None:
        return ctx.not_found()
    ward = record["former_ward_code"]
    new_ward, note = _new_ward(ctx, ward), _note(ctx)
    group, group_ok = _set_group(ctx)
    error = (
        ctx.t("bad_new_ward") if new_ward is None else ctx.t("note_required") if note is None else
        ctx.t("bad_group") if not group_ok else None
    )  # fmt: skip
    if error:
        return _record_view(ctx, record, MASK, status=400, error=error)
    item = f"{ward}/{record['dataset']}/{record['source_record_id']}"
    decision_id = q.insert_routing_decision(
        ctx.db(),
        {
            "kind": RECORD,
            "former_ward_code": ward,
            "dataset": record["dataset"],
            "source_record_id": record["source_record_id"],
            "new_ward_code": new_ward,
            "set_residential_group": group,
            "decided_by": ctx.me().username,
            "decided_at": auth.now(),
            "note": note,
            "review_rows_matched": 1,
        },
    )
    auth.audit(ctx.db(), ctx.me().username, auth.DECIDE, item, ward, f"routing #{decision_id} → {new_ward}")
    ctx.flash(ctx.t("decision_saved", id=decision_id))
    nxt = q.next_in_group(
        ctx.db(), record, q.overrides_for(q.ward_decisions(ctx.db(), (ward,)), ward, record["dataset"])
    )
    if nxt is not None:
        return ctx.redirect("/routing/record", ward=ward, dataset=nxt["dataset"], id=nxt["source_record_id"])
    return ctx.redirect("/routing/group", **q.group_of(record).params())


def place_selected(ctx: Ctx) -> Response:
    """Bulk record decisions: the records ticked on a group page, all to one new ward, with one note."""
    ward = ctx.f("ward")
    if ward not in ctx.me().wards or ctx.form is None:
        return ctx.not_found()
    ids = [str(v)[:200] for v in ctx.form.getlist("ids") if isinstance(v, str)][:MAX_BULK]
    new_ward, note = _new_ward(ctx, ward), _note(ctx)
    group, group_ok = _set_group(ctx)
    back = {"ward": ward, "reason": ctx.f("reason"), "skey": ctx.f("skey"), "grp": ctx.f("grp")}
    problem = (
        ctx.t("nothing_selected") if not ids else ctx.t("bad_new_ward") if new_ward is None else
        ctx.t("note_required") if note is None else ctx.t("bad_group") if not group_ok else None
    )  # fmt: skip
    if problem:
        ctx.flash(problem, "error")
        return ctx.redirect("/routing/group", **back)
    conn = ctx.db()
    saved = 0
    for record_id in ids:
        if q.review_record(conn, ward, DATASET, record_id) is None:  # only records of this ward's queue
            continue
        decision_id = q.insert_routing_decision(
            conn,
            {
                "kind": RECORD,
                "former_ward_code": ward,
                "dataset": DATASET,
                "source_record_id": record_id,
                "new_ward_code": new_ward,
                "set_residential_group": group,
                "decided_by": ctx.me().username,
                "decided_at": auth.now(),
                "note": note,
                "review_rows_matched": 1,
            },
        )
        auth.audit(conn, ctx.me().username, auth.DECIDE, f"{ward}/{DATASET}/{record_id}", ward,
                   f"routing #{decision_id} → {new_ward}")  # fmt: skip
        saved += 1
    ctx.flash(ctx.t("decisions_saved", n=saved))
    return ctx.redirect("/routing/group", **back)


def _rule_from(ctx: Ctx, get: Callable[[str], str]) -> tuple[DecidedRule | None, dict[str, str], str | None]:
    """The rule described by the form or query fields, the raw fields, and the problem with them if any."""
    raw = {k: get(k) for k in ("ward", "street", "grp", "alley", "house_from", "house_to", "parity", "new_ward")}
    raw["set_group"] = get("set_group")
    skey = street_key(raw["street"]) if raw["street"] else None
    if raw["street"] and skey is None:
        return None, raw, ctx.t("bad_street")
    group = normalise_group(raw["grp"]) if raw["grp"] else None
    if raw["grp"] and group is None:
        return None, raw, ctx.t("bad_group")
    alley = alley_key(raw["alley"]) if raw["alley"] else None
    try:
        house_from = int(raw["house_from"]) if raw["house_from"] else None
        house_to = int(raw["house_to"]) if raw["house_to"] else None
    except ValueError:
        return None, raw, ctx.t("bad_house_range")
    parity = raw["parity"] if raw["parity"] in ("odd", "even") else None
    if skey is None and group is None:
        return None, raw, ctx.t("rule_needs_condition")
    if skey is None and (alley or house_from is not None or house_to is not None or parity):
        return None, raw, ctx.t("refinement_needs_street")
    if (house_from is not None and house_from < 0) or (
        house_from is not None and house_to is not None and house_from > house_to
    ):
        return None, raw, ctx.t("bad_house_range")
    rule = DecidedRule(
        id=0,
        new_ward_code=raw["new_ward"],
        group=group,
        street_key=skey,
        alley=alley,
        house_from=house_from,
        house_to=house_to,
        parity=parity,
    )
    return rule, raw, None


def rule_page(ctx: Ctx) -> Response:
    ward = ctx.q("ward")
    if ward not in ctx.me().wards:
        return ctx.not_found()
    rule, raw, problem = _rule_from(ctx, ctx.q)
    return _rule_view(ctx, ward, rule, raw, problem if any(raw[k] for k in ("street", "grp")) else None)


def _rule_view(
    ctx: Ctx, ward: str, rule: DecidedRule | None, raw: dict[str, str], problem: str | None, status: int = 200
) -> Response:
    conn = ctx.db()
    preview = sample = None
    if rule is not None:
        preview = q.rule_preview(conn, ward, DATASET, rule)
        rows = conn.execute(
            sa.select(*q.RECORD_COLUMNS)
            .where(*q.rule_where(q.RQ, ward, DATASET, rule))
            .order_by(q.RQ.c.source_file, q.RQ.c.source_row)
            .limit(10)
        ).mappings().all()
        sample = [{"row": dict(r), "fields": field_values(dict(r), MASK, ctx.t)} for r in rows]
    return ctx.render(
        "rule.html",
        status=status,
        ward=ward,
        raw=raw,
        rule=rule,
        preview=preview,
        sample=sample,
        problem=problem,
        receiving=q.receiving_wards(conn, ward),
    )


def rule_create(ctx: Ctx) -> Response:
    ward = ctx.f("ward")
    if ward not in ctx.me().wards:
        return ctx.not_found()
    rule, raw, problem = _rule_from(ctx, ctx.f)
    new_ward, note = _new_ward(ctx, ward), _note(ctx)
    group, group_ok = _set_group(ctx)
    problem = problem or (
        ctx.t("bad_new_ward") if new_ward is None else ctx.t("note_required") if note is None else
        ctx.t("bad_group") if not group_ok else None
    )  # fmt: skip
    if problem or rule is None:
        return _rule_view(ctx, ward, rule, raw, problem, status=400)
    conn = ctx.db()
    preview = q.rule_preview(conn, ward, DATASET, rule)
    decision_id = q.insert_routing_decision(
        conn,
        {
            "kind": RULE,
            "former_ward_code": ward,
            "dataset": DATASET,
            "residential_group": rule.group,
            "street": raw["street"] or None,
            "street_key": rule.street_key,
            "alley": rule.alley,
            "house_from": rule.house_from,
            "house_to": rule.house_to,
            "parity": rule.parity,
            "new_ward_code": new_ward,
            "set_residential_group": group,
            "decided_by": ctx.me().username,
            "decided_at": auth.now(),
            "note": note,
            "review_rows_matched": preview["review"],
        },
    )
    auth.audit(conn, ctx.me().username, auth.DECIDE, f"rule #{decision_id}", ward,
               f"routing #{decision_id} → {new_ward}; {preview['review']} in review")  # fmt: skip
    ctx.flash(ctx.t("decision_saved", id=decision_id))
    return ctx.redirect(f"/decisions/routing/{decision_id}")


# ------------------------------------------------------------------------------------------- match review


def matches_page(ctx: Ctx) -> Response:
    wards = _ward_filter(ctx)
    try:
        band = int(ctx.q("band")) if ctx.q("band") else None
    except ValueError:
        band = None
    size, page = ctx.desk.config.page_size, _page(ctx)
    conn = ctx.db()
    bands = q.match_bands(conn, wards) if wards else []
    rows, total = q.match_pairs(conn, wards, band, size, (page - 1) * size) if wards else ([], 0)
    return ctx.render(
        "matches.html",
        bands=bands,
        band=band,
        rows=rows,
        total=total,
        page=page,
        pages=_pages(total, size),
        ward=ctx.q("ward"),
    )


def _pair_from(ctx: Ctx, get: Callable[[str], str]) -> dict[str, Any] | None:
    left, right = get("l"), get("r")
    return q.match_pair(ctx.db(), ctx.me().wards, left, right)


def _pair_view(ctx: Ctx, pair: dict[str, Any], unmasked: bool, status: int = 200, error: str | None = None) -> Response:
    conn = ctx.db()
    if unmasked:
        left = q.resident(conn, pair["record_id_l"]) or {}
        right = q.resident(conn, pair["record_id_r"]) or {}
        sides = [field_values(left, CLEAR, ctx.t), field_values(right, CLEAR, ctx.t)]
    else:
        sides = [field_values(pair["left"], PREMASKED, ctx.t), field_values(pair["right"], PREMASKED, ctx.t)]
    decisions = q.match_decisions(conn, ctx.me().wards)
    mine = decisions[
        (decisions["record_id_l"] == pair["record_id_l"]) & (decisions["record_id_r"] == pair["record_id_r"])
    ] if len(decisions) else decisions  # fmt: skip
    return ctx.render(
        "pair.html",
        status=status,
        pair=pair,
        sides=sides,
        unmasked=unmasked,
        decisions=mine.to_dict("records"),
        error=error,
    )


def pair_page(ctx: Ctx) -> Response:
    pair = _pair_from(ctx, ctx.q)
    return _pair_view(ctx, pair, False) if pair else ctx.not_found()


def pair_show(ctx: Ctx) -> Response:
    pair = _pair_from(ctx, ctx.f)
    if pair is None:
        return ctx.not_found()
    item = f"{pair['record_id_l']} | {pair['record_id_r']}"
    ward = pair["former_ward_code_l"] if ctx.me().may_see(pair["former_ward_code_l"]) else pair["former_ward_code_r"]
    auth.audit(ctx.db(), ctx.me().username, auth.VIEW_UNMASKED, item, ward)
    return _pair_view(ctx, pair, True)


def pair_decide(ctx: Ctx) -> Response:
    pair = _pair_from(ctx, ctx.f)
    if pair is None:
        return ctx.not_found()
    decision, note = ctx.f("decision"), _note(ctx)
    if decision not in (SAME, DIFFERENT) or note is None:
        return _pair_view(ctx, pair, False, status=400, error=ctx.t("note_required"))
    decision_id = q.insert_match_decision(
        ctx.db(),
        {
            "record_id_l": pair["record_id_l"],
            "record_id_r": pair["record_id_r"],
            "decision": decision,
            "decided_by": ctx.me().username,
            "decided_at": auth.now(),
            "note": note,
        },
    )
    ward = pair["former_ward_code_l"] if ctx.me().may_see(pair["former_ward_code_l"]) else pair["former_ward_code_r"]
    auth.audit(ctx.db(), ctx.me().username, auth.DECIDE, f"{pair['record_id_l']} | {pair['record_id_r']}", ward,
               f"match #{decision_id} {decision}")  # fmt: skip
    ctx.flash(ctx.t("decision_saved", id=decision_id))
    return ctx.redirect("/matches/pair", l=pair["record_id_l"], r=pair["record_id_r"])


# ------------------------------------------------------------------------------------------- decisions


def decisions_page(ctx: Ctx) -> Response:
    """Routing decisions (filtered by kind and former ward, newest first, paged) and match decisions."""
    conn, wards = ctx.db(), _ward_filter(ctx)
    kind = ctx.q("kind") if ctx.q("kind") in (RECORD, RULE, REVOKE) else ""
    frame = q.ward_decisions(conn, wards) if wards else q.ward_decisions(conn, ("-",))
    if kind:
        frame = frame[frame["kind"] == kind]
    frame = frame.sort_values("id", ascending=False)
    size, page = ctx.desk.config.page_size, _page(ctx)
    routing = frame.iloc[(page - 1) * size : page * size].to_dict("records")
    matches = q.match_decisions(conn, wards).sort_values("id", ascending=False).head(size).to_dict("records")
    loads = q.last_loads(conn, wards)
    for row in routing:
        row["effect"] = q.routing_effect(conn, row) if row["kind"] != REVOKE else None
        last = loads.get(row["former_ward_code"])
        row["pending"] = last is None or row["decided_at"] > last
    for row in matches:
        row["effect"] = q.match_effect(conn, row) if row["decision"] != REVOKE else None
    return ctx.render(
        "decisions.html",
        routing=routing,
        matches=matches,
        total=len(frame),
        page=page,
        pages=_pages(len(frame), size),
        params={"ward": ctx.q("ward"), "kind": kind},
    )


def _routing_decision(ctx: Ctx) -> dict[str, Any] | None:
    decision_id = ctx.request.path_params["id"]
    frame = q.ward_decisions(ctx.db(), ctx.me().wards)
    rows = frame[frame["id"] == decision_id].to_dict("records") if len(frame) else []
    return rows[0] if rows else None


def routing_decision_page(ctx: Ctx) -> Response:
    row = _routing_decision(ctx)
    if row is None:
        return ctx.not_found()
    conn = ctx.db()
    effect = q.routing_effect(conn, row) if row["kind"] != REVOKE else None
    last = q.last_loads(conn, (row["former_ward_code"],)).get(row["former_ward_code"])
    return ctx.render("decision_routing.html", d=row, effect=effect, last_load=last)


def routing_undo(ctx: Ctx) -> Response:
    row = _routing_decision(ctx)
    if row is None:
        return ctx.not_found()
    note = _note(ctx)
    if not row["active"] or note is None:
        ctx.flash(ctx.t("cannot_undo") if not row["active"] else ctx.t("note_required"), "error")
        return ctx.redirect(f"/decisions/routing/{row['id']}")
    new_id = q.insert_routing_decision(
        ctx.db(),
        {
            "kind": REVOKE,
            "former_ward_code": row["former_ward_code"],
            "dataset": row["dataset"],
            "revokes": int(row["id"]),
            "decided_by": ctx.me().username,
            "decided_at": auth.now(),
            "note": note,
        },
    )
    auth.audit(ctx.db(), ctx.me().username, auth.UNDO, f"routing #{row['id']}", row["former_ward_code"],
               f"revoke #{new_id}")  # fmt: skip
    ctx.flash(ctx.t("undo_saved", id=row["id"], new=new_id))
    return ctx.redirect(f"/decisions/routing/{new_id}")


def _match_decision(ctx: Ctx) -> dict[str, Any] | None:
    decision_id = ctx.request.path_params["id"]
    frame = q.match_decisions(ctx.db(), ctx.me().wards)
    rows = frame[frame["id"] == decision_id].to_dict("records") if len(frame) else []
    return rows[0] if rows else None


def match_decision_page(ctx: Ctx) -> Response:
    row = _match_decision(ctx)
    if row is None:
        return ctx.not_found()
    effect = q.match_effect(ctx.db(), row) if row["decision"] != REVOKE else None
    return ctx.render("decision_match.html", d=row, effect=effect)


def match_undo(ctx: Ctx) -> Response:
    row = _match_decision(ctx)
    if row is None:
        return ctx.not_found()
    note = _note(ctx)
    if not row["active"] or note is None:
        ctx.flash(ctx.t("cannot_undo") if not row["active"] else ctx.t("note_required"), "error")
        return ctx.redirect(f"/decisions/match/{row['id']}")
    new_id = q.insert_match_decision(
        ctx.db(),
        {
            "record_id_l": row["record_id_l"],
            "record_id_r": row["record_id_r"],
            "decision": REVOKE,
            "revokes": int(row["id"]),
            "decided_by": ctx.me().username,
            "decided_at": auth.now(),
            "note": note,
        },
    )
    ward = q.split_record_id(row["record_id_l"])[0]
    auth.audit(ctx.db(), ctx.me().username, auth.UNDO, f"match #{row['id']}", ward, f"revoke #{new_id}")
    ctx.flash(ctx.t("undo_saved", id=row["id"], new=new_id))
    return ctx.redirect(f"/decisions/match/{new_id}")


# ------------------------------------------------------------------------------------------- re-runs


def runs_page(ctx: Ctx) -> Response:
    pending = pending_wards(ctx)
    return ctx.render("runs.html", pending=pending, runs=ctx.desk.runs)


def rerun(ctx: Ctx) -> Response:
    tracker = ctx.desk.runs
    if not tracker.available:
        ctx.flash(ctx.t("rerun_unavailable"), "error")
        return ctx.redirect("/runs")
    if tracker.current() is not None:
        ctx.flash(ctx.t("rerun_busy"), "error")
        return ctx.redirect("/runs")
    pending = pending_wards(ctx)
    wards = [ward for ward, n in pending.items() if n["routing"] or n["match"]]
    if not wards:
        ctx.flash(ctx.t("rerun_nothing"), "error")
        return ctx.redirect("/runs")
    auth.audit(ctx.db(), ctx.me().username, auth.RERUN, ",".join(wards))
    ctx.flash(ctx.t("rerun_started", wards=", ".join(wards)))
    response = ctx.redirect("/runs")
    # Started once the response is on its way, after this request's transaction closed: a DuckDB warehouse
    # must be free when the run opens it.
    response.background = BackgroundTask(tracker.start, wards, ctx.me().username)
    return response


# (path, view, methods, options)
ROUTES: list[tuple[str, Callable[[Ctx], Response], list[str], dict[str, bool]]] = [
    ("/", overview, ["GET"], {}),
    ("/login", login_form, ["GET"], {"signed_in": False, "uses_db": False}),
    ("/login", login_submit, ["POST"], {"signed_in": False}),
    ("/logout", logout, ["POST"], {}),
    ("/lang", set_language, ["GET"], {"signed_in": False, "uses_db": False}),
    ("/routing", routing_page, ["GET"], {}),
    ("/routing/group", group_page, ["GET"], {}),
    ("/routing/group/place", place_selected, ["POST"], {}),
    ("/routing/record", record_page, ["GET"], {}),
    ("/routing/record/show", record_show, ["POST"], {}),
    ("/routing/record/decide", record_decide, ["POST"], {}),
    ("/routing/rule", rule_page, ["GET"], {}),
    ("/routing/rule", rule_create, ["POST"], {}),
    ("/matches", matches_page, ["GET"], {}),
    ("/matches/pair", pair_page, ["GET"], {}),
    ("/matches/pair/show", pair_show, ["POST"], {}),
    ("/matches/pair/decide", pair_decide, ["POST"], {}),
    ("/decisions", decisions_page, ["GET"], {}),
    ("/decisions/routing/{id:int}", routing_decision_page, ["GET"], {}),
    ("/decisions/routing/{id:int}/undo", routing_undo, ["POST"], {}),
    ("/decisions/match/{id:int}", match_decision_page, ["GET"], {}),
    ("/decisions/match/{id:int}/undo", match_undo, ["POST"], {}),
    ("/runs", runs_page, ["GET"], {}),
    ("/runs", rerun, ["POST"], {}),
]
