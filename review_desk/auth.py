"""Officers: local accounts with salted scrypt password hashes in the warehouse, their former wards, and the audit.

Passwords are never stored, logged or passed on a command line; a hash is `scrypt$n$r$p$salt$hash` (base64),
compared in constant time. Repeated failed sign-ins lock the username for a while (counted from the audit).
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from schemas import warehouse as w

SCRYPT_N, SCRYPT_R, SCRYPT_P, SCRYPT_LEN = 2**14, 8, 1, 32
MIN_PASSWORD = 10
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")
WARD_CODE = re.compile(r"^\d{5}$")
LOCK_AFTER_FAILURES = 5
LOCK_MINUTES = 15

# Audit actions (review_audit.action).
SIGN_IN, SIGN_IN_FAILED, SIGN_IN_LOCKED, SIGN_OUT = "sign_in", "sign_in_failed", "sign_in_locked", "sign_out"
VIEW_UNMASKED, DECIDE, UNDO, RERUN = "view_unmasked", "decide", "undo", "rerun"


class OfficerError(ValueError):
    """An account operation was refused; the message says why (never containing a password)."""


@dataclass(frozen=True)
class Officer:
    username: str
    display_name: str
    wards: tuple[str, ...]
    active: bool
    password_changed_at: dt.datetime | None = None

    def may_see(self, former_ward: str | None) -> bool:
        return former_ward is not None and former_ward in self.wards


def now(precise: bool = False) -> dt.datetime:
    """UTC without zone (as the warehouse stores times); to the second unless ``precise``."""
    at = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    return at if precise else at.replace(microsecond=0)


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode("utf-8"), salt=salt, n=SCRYPT_N, r=SCRYPT_R, p=SCRYPT_P, dklen=SCRYPT_LEN)
    encode = base64.b64encode
    return f"scrypt${SCRYPT_N}${SCRYPT_R}${SCRYPT_P}${encode(salt).decode()}${encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    try:
        scheme, n, r, p, salt, digest = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = base64.b64decode(digest)
        actual = hashlib.scrypt(
            password.encode("utf-8"), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=len(expected)
        )
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(actual, expected)


# A hash to check against when the username does not exist, so a wrong name costs the same time as a wrong
# password (no account enumeration by timing).
_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise OfficerError(f"a password needs at least {MIN_PASSWORD} characters")


def check_wards(wards: Iterable[str]) -> tuple[str, ...]:
    codes = tuple(sorted({code.strip() for code in wards if code.strip()}))
    bad = [code for code in codes if not WARD_CODE.match(code)]
    if bad:
        raise OfficerError(f"former ward codes are five digits, got {bad}")
    if not codes:
        raise OfficerError("an officer needs at least one former ward")
    return codes


def load_officer(conn: Connection, username: str) -> Officer | None:
    o, ow = w.review_officer, w.review_officer_ward
    row = conn.execute(sa.select(o).where(o.c.username == username)).mappings().first()
    if row is None:
        return None
    wards: Any = conn.execute(
        sa.select(ow.c.former_ward_code).where(ow.c.username == username).order_by(ow.c.former_ward_code)
    ).scalars()
    return Officer(
        row["username"],
        row["display_name"] or row["username"],
        tuple(wards),
        bool(row["active"]),
        row["password_changed_at"],
    )


def audit(
    conn: Connection,
    officer: str,
    action: str,
    item: str | None = None,
    former_ward: str | None = None,
    detail: str | None = None,
) -> None:
    conn.execute(
        sa.insert(w.review_audit).values(
            occurred_at=now(), officer=officer, action=action, item=item, former_ward_code=former_ward, detail=detail
        )
    )


def locked_until(conn: Connection, username: str, at: dt.datetime) -> dt.datetime | None:
    """The time a username's sign-in lock ends, if too many sign-ins failed within the lock window."""
    a = w.review_audit
    since = at - dt.timedelta(minutes=LOCK_MINUTES)
    last_success: Any = conn.execute(
        sa.select(sa.func.max(a.c.occurred_at)).where(a.c.officer == username, a.c.action == SIGN_IN)
    ).scalar_one()
    start = max(since, last_success) if last_success else since
    failures: Any = conn.execute(
        sa.select(a.c.occurred_at)
        .where(a.c.officer == username, a.c.action == SIGN_IN_FAILED, a.c.occurred_at > start)
        .order_by(a.c.occurred_at.desc())
        .limit(LOCK_AFTER_FAILURES)
    ).scalars()
    recent = list(failures)
    if len(recent) < LOCK_AFTER_FAILURES:
        return None
    return recent[-1] + dt.timedelta(minutes=LOCK_MINUTES)


@dataclass(frozen=True)
class SignIn:
    officer: Officer | None
    locked_minutes: int = 0


def authenticate(conn: Connection, username: str, password: str) -> SignIn:
    """Check a sign-in and audit it (success, failure or lock); the caller commits."""
    username = username.strip().lower()[:64]
    at = now()
    until = locked_until(conn, username, at)
    if until is not None and until > at:
        audit(conn, username, SIGN_IN_LOCKED)
        return SignIn(None, locked_minutes=max(1, int((until - at).total_seconds() // 60) + 1))
    o = w.review_officer
    stored = conn.execute(sa.select(o.c.password_hash).where(o.c.username == username)).scalar_one_or_none()
    ok = verify_password(password, stored or _DUMMY_HASH) and stored is not None
    officer = load_officer(conn, username) if ok else None
    if officer is None or not officer.active:
        audit(conn, username, SIGN_IN_FAILED)
        return SignIn(None)
    audit(conn, username, SIGN_IN)
    return SignIn(officer)


# ---- account management (the `wardmerge officer` command) ------------------------------------------------------


def add_officer(
    conn: Connection, username: str, password: str, wards: Iterable[str], display_name: str | None = None
) -> Officer:
    if not USERNAME.match(username):
        raise OfficerError("a username is 2–64 characters: lower-case letters, digits, '.', '_' or '-'")
    check_password_policy(password)
    codes = check_wards(wards)
    o = w.review_officer
    if conn.execute(sa.select(o.c.username).where(o.c.username == username)).first() is not None:
        raise OfficerError(f"officer {username!r} exists already")
    at = now(precise=True)
    conn.execute(
        sa.insert(o).values(
            username=username,
            display_name=display_name or username,
            password_hash=hash_password(password),
            active=True,
            created_at=at,
            password_changed_at=at,
        )
    )
    set_wards(conn, username, codes)
    officer = load_officer(conn, username)
    assert officer is not None
    return officer


def _require(conn: Connection, username: str) -> None:
    o = w.review_officer
    if conn.execute(sa.select(o.c.username).where(o.c.username == username)).first() is None:
        raise OfficerError(f"no officer {username!r}")


def set_wards(conn: Connection, username: str, wards: Iterable[str]) -> None:
    codes = check_wards(wards)
    _require(conn, username)
    ow = w.review_officer_ward
    conn.execute(sa.delete(ow).where(ow.c.username == username))
    conn.execute(sa.insert(ow), [{"username": username, "former_ward_code": code} for code in codes])


def set_password(conn: Connection, username: str, password: str) -> None:
    check_password_policy(password)
    _require(conn, username)
    o = w.review_officer
    conn.execute(
        sa.update(o)
        .where(o.c.username == username)
        .values(password_hash=hash_password(password), password_changed_at=now(precise=True))
    )


def set_active(conn: Connection, username: str, active: bool) -> None:
    _require(conn, username)
    o = w.review_officer
    conn.execute(sa.update(o).where(o.c.username == username).values(active=active))


def list_officers(conn: Connection) -> list[Officer]:
    names: Any = conn.execute(sa.select(w.review_officer.c.username).order_by(w.review_officer.c.username)).scalars()
    return [officer for name in list(names) if (officer := load_officer(conn, name)) is not None]
