"""The review desk's web application: app factory, sessions, CSRF, security headers, and the view plumbing.

Each view is a plain function of a :class:`Ctx` run in a worker thread, inside one warehouse transaction
(a decision and its audit row commit together). The officer is re-read from the warehouse on every request,
so a disabled account or a changed password or ward assignment takes effect at once.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
import sqlalchemy as sa
from sqlalchemy.engine import Connection
from sqlalchemy.pool import NullPool
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from assets.lib.warehouse import warehouse_from_url
from review_desk import ENV_SECRET, auth
from review_desk.i18n import DEFAULT_LANGUAGE, LANGUAGES, format_date, format_datetime, level_label, translator
from review_desk.present import local_time
from review_desk.runs import Launcher, RunTracker
from schemas import warehouse as w

HERE = Path(__file__).resolve().parent
MIN_SECRET = 32
SESSION_COOKIE = "wardmerge_review"
log = logging.getLogger("review_desk")

# Tables the desk reads or writes, with the columns it relies on (checked at start-up).
DESK_TABLES = (
    w.review_queue,
    w.match_review,
    w.match_decision,
    w.routing_decision,
    w.review_officer,
    w.review_officer_ward,
    w.review_audit,
    w.resident_record,
)


class DeskError(RuntimeError):
    """The desk cannot start (no secret, or a warehouse of an older layout); the message says what to do."""


def session_secret(secret: str, dev_mode: bool) -> tuple[str, bool]:
    """The session key: the deployment's WARDMERGE_REVIEW_SECRET (read by pipelines/settings.py and passed in),
    or in dev mode one generated for this process.

    Returns (secret, generated). A generated key signs everyone out when the process restarts.
    """
    if secret:
        if len(secret) < MIN_SECRET:
            raise DeskError(f"{ENV_SECRET} must have at least {MIN_SECRET} characters")
        return secret, False
    if not dev_mode:
        raise DeskError(
            f"{ENV_SECRET} is not set: the desk signs sessions with it. Set it (e.g. "
            "`export WARDMERGE_REVIEW_SECRET=$(python -c 'import secrets; print(secrets.token_urlsafe(48))')`) "
            "or start with --dev for a key generated for this process only"
        )
    return secrets.token_urlsafe(48), True


@dataclass
class DeskConfig:
    warehouse_url: str
    secret: str
    dev_mode: bool = False
    https_only: bool = False
    page_size: int = 50
    session_hours: int = 8
    routing_table: Path | None = None
    launcher: Launcher | None = None
    run_log_dir: Path = field(default_factory=lambda: Path("data") / "review_runs")
    new_ward: str = "00322"


class DeskDatabase:
    """The warehouse as the desk uses it. A DuckDB file is opened per request and closed after it (NullPool),
    so a `wardmerge run` in another process can take the file between requests."""

    def __init__(self, url: str) -> None:
        warehouse = warehouse_from_url(url)
        self.dialect = warehouse.dialect
        if self.dialect == "duckdb":
            self.engine = sa.create_engine(warehouse.engine.url, poolclass=NullPool)
            warehouse.engine.dispose()
        else:
            self.engine = warehouse.engine

    def prepare(self) -> None:
        """Create the desk's tables if missing; refuse a warehouse whose tables lack columns the desk reads."""
        w.metadata.create_all(self.engine, checkfirst=True)
        problems = []
        with self.engine.connect() as conn:
            for table in DESK_TABLES:
                # The columns a SELECT * returns (the inspector's catalogue queries do not all run on DuckDB).
                present = set(conn.execute(sa.select(sa.text("*")).select_from(sa.table(table.name)).limit(0)).keys())
                missing = [c.name for c in table.columns if c.name not in present]
                if missing:
                    problems.append(f"{table.name} lacks {missing}")
        if problems:
            raise DeskError(
                "the warehouse was built by an older wardmerge (" + "; ".join(problems) + "): rebuild it with this "
                "version (remove the DuckDB file or drop the tables, then `wardmerge run`)"
            )


def is_busy(exc: BaseException) -> bool:
    """A DuckDB file held by another process (a run writing it)."""
    return isinstance(exc, sa.exc.OperationalError) and "lock" in str(exc).lower()


class SecurityHeaders:
    """Headers on every response, and one log line per request without its query string or any form value."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = {"code": 0}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                headers = list(message.get("headers", []))
                headers += [
                    (b"content-security-policy", CSP),
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"DENY"),
                    (b"referrer-policy", b"no-referrer"),
                ]
                if not scope["path"].startswith("/static/"):
                    headers.append((b"cache-control", b"no-store"))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            log.info(
                "%s %s %s %.0fms", scope["method"], scope["path"], status["code"], (time.perf_counter() - started) * 1e3
            )


CSP = (
    b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'"
)


@dataclass
class Desk:
    """What every view needs: configuration, the warehouse, templates and the run tracker."""

    config: DeskConfig
    db: DeskDatabase
    templates: jinja2.Environment
    runs: RunTracker


@dataclass
class Ctx:
    desk: Desk
    request: Request
    form: FormData | None
    conn: Connection | None
    officer: auth.Officer | None
    lang: str

    @property
    def t(self) -> Callable[..., str]:
        return translator(self.lang)

    @property
    def session(self) -> dict[str, Any]:
        return self.request.session

    def q(self, name: str, default: str = "") -> str:
        """A query parameter, stripped and bounded."""
        return (self.request.query_params.get(name) or default).strip()[:200]

    def f(self, name: str, default: str = "") -> str:
        """A form field, stripped and bounded."""
        value = self.form.get(name) if self.form is not None else None
        return (value if isinstance(value, str) else default).strip()[:2000]

    def db(self) -> Connection:
        assert self.conn is not None, "this view was declared without the warehouse"
        return self.conn

    def me(self) -> auth.Officer:
        assert self.officer is not None, "this view was declared without sign-in"
        return self.officer

    def flash(self, text: str, kind: str = "ok") -> None:
        self.session.setdefault("flash", []).append([kind, text])

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        flashes = self.session.pop("flash", [])
        page = self.desk.templates.get_template(template).render(
            t=self.t,
            lang=self.lang,
            officer=self.officer,
            csrf=csrf_token(self.session),
            flashes=flashes,
            path=self.request.url.path,
            current_url=_local_url(self.request),
            dev_mode=self.desk.config.dev_mode,
            new_ward=self.desk.config.new_ward,
            **values,
        )
        return HTMLResponse(page, status_code=status)

    def redirect(self, path: str, **params: Any) -> RedirectResponse:
        query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
        return RedirectResponse(path + (f"?{query}" if query else ""), status_code=303)

    def not_found(self) -> HTMLResponse:
        return self.render("message.html", status=404, title=self.t("not_found"), text="")


def _local_url(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def csrf_token(session: dict[str, Any]) -> str:
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: Mapping[str, Any], submitted: object) -> bool:
    expected = session.get("csrf")
    if not isinstance(expected, str) or not expected or not isinstance(submitted, str):
        return False
    return hmac.compare_digest(expected.encode(), submitted.encode())


def safe_next(value: str | None) -> str:
    """Only a path on this site (never //host or a scheme) may be a redirect target."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/"


View = Callable[[Ctx], Response]


def view(desk_ref: list[Desk], fn: View, *, signed_in: bool = True, uses_db: bool = True) -> Callable:
    """Make an endpoint of ``fn``: read the form (POST), check CSRF, open the warehouse, load the officer."""

    async def endpoint(request: Request) -> Response:
        form = await request.form(max_files=0, max_fields=2000) if request.method == "POST" else None
        return await run_in_threadpool(_serve, desk_ref[0], fn, request, form, signed_in, uses_db)

    endpoint.__name__ = fn.__name__
    return endpoint


def _serve(desk: Desk, fn: View, request: Request, form: FormData | None, signed_in: bool, uses_db: bool) -> Response:
    lang = request.session.get("lang", DEFAULT_LANGUAGE)
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    ctx = Ctx(desk, request, form, None, None, lang)
    if form is not None and not csrf_ok(request.session, form.get("csrf_token")):
        return ctx.render("message.html", status=403, title=ctx.t("forbidden_csrf"), text="")
    if not uses_db:
        return fn(ctx)
    if desk.db.dialect == "duckdb" and desk.runs.current() is not None:
        return ctx.render("busy.html", status=503)
    try:
        opener = desk.db.engine.begin if request.method == "POST" else desk.db.engine.connect
        with opener() as conn:
            ctx.conn = conn
            if signed_in:
                officer = _signed_in_officer(conn, request.session)
                if officer is None:
                    request.session.pop("user", None)
                    return ctx.redirect("/login", next=_local_url(request))
                ctx.officer = officer
            return fn(ctx)
    except sa.exc.OperationalError as exc:
        if is_busy(exc):
            return ctx.render("busy.html", status=503)
        raise


def _signed_in_officer(conn: Connection, session: dict[str, Any]) -> auth.Officer | None:
    username = session.get("user")
    if not username:
        return None
    officer = auth.load_officer(conn, username)
    if officer is None or not officer.active:
        return None
    changed = officer.password_changed_at.isoformat() if officer.password_changed_at else ""
    if session.get("pwd_at") != changed:  # the password changed since this session signed in
        return None
    return officer


def templates() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["date"] = format_date
    env.filters["datetime"] = lambda v: format_datetime(local_time(v))
    env.filters["level"] = level_label
    env.filters["number"] = lambda v: f"{int(v):,}".replace(",", ".") if v is not None else ""
    env.filters["weight"] = lambda v: f"{float(v):+.2f}" if v is not None else ""
    env.globals["urlencode"] = urlencode
    return env


def create_app(config: DeskConfig, *, prepare: bool = True) -> Starlette:
    """The review desk for one warehouse. ``prepare`` creates the desk's tables and checks the layout."""
    from review_desk import views  # the views import this module's helpers

    db = DeskDatabase(config.warehouse_url)
    if prepare:
        db.prepare()
    desk = Desk(config, db, templates(), RunTracker(config.launcher, config.run_log_dir))
    ref = [desk]
    routes: list[Route | Mount] = [
        Route(path, view(ref, fn, **opts), methods=methods) for path, fn, methods, opts in views.ROUTES
    ]
    routes.append(Mount("/static", app=StaticFiles(directory=str(HERE / "static")), name="static"))
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(SecurityHeaders),
            Middleware(
                SessionMiddleware,
                secret_key=config.secret,
                session_cookie=SESSION_COOKIE,
                max_age=config.session_hours * 3600,
                same_site="strict",
                https_only=config.https_only,
            ),
        ],
    )
    app.state.desk = desk
    return app
