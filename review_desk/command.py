"""What `wardmerge review` and `wardmerge officer …` do (the CLI in pipelines/cli.py only parses and calls these)."""

from __future__ import annotations

import getpass
import ipaddress
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from review_desk import auth
from review_desk.app import DeskConfig, DeskDatabase, DeskError, create_app, session_secret
from review_desk.runs import Launcher
from schemas import warehouse as w


def serve(
    warehouse_url: str,
    *,
    secret: str = "",
    host: str = "127.0.0.1",
    port: int = 8080,
    dev_mode: bool = False,
    https_only: bool = False,
    routing_table: Path | None = None,
    launcher: Launcher | None = None,
    run_log_dir: Path = Path("data") / "review_runs",
    new_ward: str = "00322",
    out: TextIO | None = None,
) -> int:
    import uvicorn

    out = out or sys.stdout
    try:
        key, generated = session_secret(secret, dev_mode)
        config = DeskConfig(
            warehouse_url=warehouse_url,
            secret=key,
            dev_mode=generated,
            https_only=https_only,
            routing_table=routing_table,
            launcher=launcher,
            run_log_dir=run_log_dir,
            new_ward=new_ward,
        )
        app = create_app(config)
    except DeskError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    if generated:
        print("DEV MODE: sessions are signed with a key generated for this process (set WARDMERGE_REVIEW_SECRET "
              "for a real deployment; restarting signs everyone out).", file=out)  # fmt: skip
    if not _loopback(host) and not https_only:
        print(f"warning: serving on {host} without --https-only: put the desk behind TLS (a reverse proxy) before "
              "officers sign in over a network.", file=out)  # fmt: skip
    print(f"Review desk: http://{host}:{port}/  (warehouse {_display(warehouse_url)}; Ctrl+C stops it)", file=out)
    # Access logs are off: the desk logs method, path and status itself, never query strings or form values.
    uvicorn.run(app, host=host, port=port, access_log=False, log_level="warning", server_header=False)
    return 0


def _loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _display(url: str) -> str:
    import sqlalchemy as sa

    return sa.engine.make_url(url).render_as_string(hide_password=True)


def read_password(stdin: bool, confirm: bool = True) -> str:
    """From the terminal (asked twice) or one line of standard input; never from an argument."""
    if stdin:
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Again: ") != first:
        raise auth.OfficerError("the two passwords differ")
    return first


def officer(
    warehouse_url: str,
    action: str,
    username: str | None = None,
    wards: Sequence[str] = (),
    display_name: str | None = None,
    password_stdin: bool = False,
    out: TextIO | None = None,
) -> int:
    out = out or sys.stdout
    db = DeskDatabase(warehouse_url)
    w.metadata.create_all(db.engine, checkfirst=True)
    try:
        with db.engine.begin() as conn:
            if action == "list":
                for o in auth.list_officers(conn):
                    state = "active" if o.active else "disabled"
                    print(f"{o.username}\t{o.display_name}\t{','.join(o.wards)}\t{state}", file=out)
                return 0
            assert username is not None
            if action == "add":
                created = auth.add_officer(conn, username, read_password(password_stdin), wards, display_name)
                print(f"officer {created.username} added, former wards {', '.join(created.wards)}", file=out)
            elif action == "wards":
                auth.set_wards(conn, username, wards)
                print(f"officer {username}: former wards {', '.join(sorted(set(wards)))}", file=out)
            elif action == "password":
                auth.set_password(conn, username, read_password(password_stdin))
                print(f"officer {username}: password changed (their sessions end)", file=out)
            elif action in ("disable", "enable"):
                auth.set_active(conn, username, action == "enable")
                print(f"officer {username} {action}d", file=out)
            else:
                raise auth.OfficerError(f"unknown action {action!r}")
    except auth.OfficerError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        db.engine.dispose()
    return 0
