"""Review desk without a browser: password hashing and sign-in lock, officer accounts by CLI, the session key,
an older warehouse refused, sessions ending when a password changes, and request logs without query strings."""

from __future__ import annotations

import io
import logging
import re
import sys

import pytest
import sqlalchemy as sa
from starlette.testclient import TestClient

from assets.lib.warehouse import warehouse_from_url
from pipelines import cli
from review_desk import auth
from review_desk.app import ENV_SECRET, DeskConfig, DeskDatabase, DeskError, create_app, session_secret
from schemas import warehouse as w

PASSWORD = "a long enough password"


@pytest.fixture
def url(tmp_path) -> str:
    wh = warehouse_from_url(f"duckdb:///{tmp_path / 'w.duckdb'}")
    wh.create_tables()
    wh.engine.dispose()
    return f"duckdb:///{tmp_path / 'w.duckdb'}"


def _officer_cli(monkeypatch, url: str, *argv: str, stdin: str = "") -> int:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    return cli.main(["officer", *argv, "--warehouse", url])


def test_passwords_are_salted_scrypt_hashes_checked_in_constant_time():
    first, second = auth.hash_password(PASSWORD), auth.hash_password(PASSWORD)
    assert first != second and first.startswith("scrypt$") and PASSWORD not in first
    assert auth.verify_password(PASSWORD, first) and auth.verify_password(PASSWORD, second)
    assert not auth.verify_password("a long enough passwore", first)
    assert not auth.verify_password(PASSWORD, "plain-text")


def test_officer_accounts_by_cli_with_the_password_never_an_argument(monkeypatch, url, capsys):
    assert _officer_cli(monkeypatch, url, "add", "lan", "--wards", "00280,00295", "--password-stdin",
                        stdin=PASSWORD + "\n") == 0  # fmt: skip
    with pytest.raises(SystemExit):  # there is no option that takes a password
        cli.main(["officer", "add", "mai", "--wards", "00280", "--password", PASSWORD, "--warehouse", url])
    assert _officer_cli(monkeypatch, url, "add", "mai", "--wards", "0028", "--password-stdin", stdin=PASSWORD) == 2
    assert _officer_cli(monkeypatch, url, "add", "mai", "--wards", "00280", "--password-stdin", stdin="short") == 2
    assert _officer_cli(monkeypatch, url, "wards", "lan", "--wards", "00313") == 0
    assert _officer_cli(monkeypatch, url, "list") == 0
    out = capsys.readouterr().out
    assert "lan\tlan\t00313\tactive" in out and PASSWORD not in out
    engine = DeskDatabase(url).engine
    with engine.begin() as conn:
        assert auth.authenticate(conn, "lan", PASSWORD).officer is not None
    assert _officer_cli(monkeypatch, url, "disable", "lan") == 0
    with engine.begin() as conn:
        assert auth.authenticate(conn, "lan", PASSWORD).officer is None
        stored = conn.execute(sa.select(w.review_officer.c.password_hash)).scalar_one()
    assert stored.startswith("scrypt$")


def test_five_failed_sign_ins_lock_the_username(url):
    engine = DeskDatabase(url).engine
    with engine.begin() as conn:
        auth.add_officer(conn, "lan", PASSWORD, ["00280"])
        for _ in range(auth.LOCK_AFTER_FAILURES):
            assert auth.authenticate(conn, "lan", "wrong password").officer is None
        locked = auth.authenticate(conn, "lan", PASSWORD)  # even the right password, for a while
        assert locked.officer is None and locked.locked_minutes > 0
        actions = conn.execute(sa.select(w.review_audit.c.action).order_by(w.review_audit.c.id)).scalars().all()
    assert actions == ["sign_in_failed"] * auth.LOCK_AFTER_FAILURES + ["sign_in_locked"]


def test_the_desk_needs_a_session_key_except_in_dev_mode():
    with pytest.raises(DeskError, match=ENV_SECRET):
        session_secret("", dev_mode=False)
    secret, generated = session_secret("", dev_mode=True)
    assert generated and len(secret) >= 32
    with pytest.raises(DeskError, match="at least"):
        session_secret("short", dev_mode=False)
    assert session_secret("k" * 40, dev_mode=False) == ("k" * 40, False)


def test_a_warehouse_of_an_older_layout_is_refused_with_what_to_do(tmp_path):
    url = f"duckdb:///{tmp_path / 'old.duckdb'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("create table review_queue (former_ward_code varchar, reason varchar)"))
    engine.dispose()
    with pytest.raises(DeskError, match="review_queue lacks"):
        create_app(DeskConfig(warehouse_url=url, secret="s" * 40))


def _sign_in(client: TestClient, password: str = PASSWORD):
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/login").text).group(1)
    return client.post("/login", data={"username": "lan", "password": password, "csrf_token": token, "next": "/"})


def test_a_password_change_ends_existing_sessions(url):
    app = create_app(DeskConfig(warehouse_url=url, secret="s" * 40))
    engine = app.state.desk.db.engine
    with engine.begin() as conn:
        auth.add_officer(conn, "lan", PASSWORD, ["00280"])
    client = TestClient(app)
    assert _sign_in(client).status_code == 200 and client.get("/routing").url.path == "/routing"
    with engine.begin() as conn:
        auth.set_password(conn, "lan", "another long password")
    assert client.get("/routing").url.path == "/login"


def test_request_logs_name_the_path_never_the_query_string(url, caplog):
    app = create_app(DeskConfig(warehouse_url=url, secret="s" * 40))
    with app.state.desk.db.engine.begin() as conn:
        auth.add_officer(conn, "lan", PASSWORD, ["00280"])
    client = TestClient(app)
    _sign_in(client)
    with caplog.at_level(logging.INFO, logger="review_desk"):
        client.get("/routing?street=Nguy%E1%BB%85n+Th%E1%BB%8B+Th%E1%BB%A7y&group=5")
    lines = [r.getMessage() for r in caplog.records if r.name == "review_desk"]
    assert lines and all("/routing" in line and "Thủy" not in line and "street" not in line for line in lines)
    response = client.get("/routing")
    assert "default-src 'none'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"


def test_every_page_answers_on_both_backends(tmp_path, warehouse_url):
    """The desk's SQL (window counts, floor bands, mod parity, substr ward scopes) on DuckDB and PostgreSQL."""
    from review_fixture import FIXTURES, PAIR_IDS, run_pipeline, write_deployment

    run_pipeline(write_deployment(tmp_path, warehouse_url))
    app = create_app(DeskConfig(warehouse_url=warehouse_url, secret="s" * 40, routing_table=FIXTURES / "routing.csv"))
    with app.state.desk.db.engine.begin() as conn:
        auth.add_officer(conn, "lan", PASSWORD, ["00280", "00295"])
    client = TestClient(app)
    _sign_in(client)
    token = re.search(r'name="csrf_token" value="([^"]+)"', client.get("/").text).group(1)
    rule = {"csrf_token": token, "ward": "00280", "street": "Giải Phóng", "house_from": "1", "house_to": "99",
            "parity": "odd", "new_ward": "00322", "note": "quyết định của phường"}  # fmt: skip
    preview = client.get("/routing/rule", params={k: v for k, v in rule.items() if k not in ("csrf_token", "note")})
    assert "Khớp 3 hồ sơ" in preview.text
    assert client.post("/routing/rule", data=rule).url.path.startswith("/decisions/routing/")
    pair = {"csrf_token": token, "l": PAIR_IDS[0], "r": PAIR_IDS[1], "decision": "different", "note": "hai người"}
    assert "Đã lưu quyết định" in client.post("/matches/pair/decide", data=pair).text
    pages = [
        "/",
        "/routing",
        "/routing?page=2",
        "/routing?ward=00280&reason=street_ambiguous&street=giai",
        "/routing/group?ward=00280&reason=street_ambiguous&skey=giai+phong&grp=-",
        "/routing/record?ward=00280&dataset=residents&id=GP20",
        "/matches",
        "/matches?band=-5",
        f"/matches/pair?l={PAIR_IDS[0]}&r={PAIR_IDS[1]}",
        "/decisions",
        "/decisions?kind=rule",
        "/decisions/routing/1",
        "/decisions/match/1",
        "/runs",
    ]
    for path in pages:
        response = client.get(path)
        assert response.status_code == 200, path
    assert "GP13" in client.get("/routing/group?ward=00280&reason=street_ambiguous&skey=giai+phong&grp=-").text
    assert "#1" in client.get("/routing/record?ward=00280&dataset=residents&id=GP13").text  # covered by the rule
    app.state.desk.db.engine.dispose()
