"""How a stage fails: one message that names where, never a value in clear.

A stage body runs inside :func:`sealed`. The project's own errors (schemas.errors.WardmergeError) carry
messages built from masked values where they were raised: they become the step's failure as they are, with
former ward and dataset in front. Any other error — a library's, whose text may echo a cell, a name or an ID —
is reported by its type and the place in this project's code where it surfaced; its message is withheld from
Dagster's event storage, the logs and the CLI. The original exception is not chained to the failure.
"""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from dagster import Failure, RetryRequested

from schemas.errors import WardmergeError

_ROOT = Path(__file__).resolve().parents[1]
_OURS = ("assets", "schemas", "data_quality", "pipelines")


def _our_place(tb: TracebackType | None) -> str:
    """The innermost frame of this project's code in a traceback ("assets/lib/loading.py:123")."""
    place = "?"
    for frame in traceback.extract_tb(tb):
        try:
            relative = Path(frame.filename).resolve().relative_to(_ROOT)
        except ValueError:
            continue
        if relative.parts and relative.parts[0] in _OURS:
            place = f"{relative.as_posix()}:{frame.lineno}"
    return place


def withheld(exc: BaseException) -> str:
    """What may be said of an error that is not ours: its type and where it surfaced, not its text."""
    place = _our_place(exc.__traceback__)
    return f"unexpected {type(exc).__name__} at {place} (its text is withheld: it may hold personal data)"


# A step that failed for one of these reasons is retried (the warehouse was briefly unreachable, a transaction
# lost a deadlock, another process held the DuckDB file); a step retried in vain fails with the last reason.
RETRIES, RETRY_WAIT_SECONDS = 2, 10
# PostgreSQL SQLSTATEs that waiting can cure: connection exceptions (class 08), the server shutting down or
# restarting, a serialization failure, a deadlock.
_TRANSIENT_SQLSTATES = ("08", "57P01", "57P02", "57P03", "40001", "40P01")


def transient(exc: BaseException) -> bool:
    """Is this a failure that waiting can cure (see above)? Data errors never are."""
    import sqlalchemy as sa

    if isinstance(exc, sa.exc.DBAPIError) and exc.connection_invalidated:
        return True
    cause = getattr(exc, "orig", None) or exc
    state = getattr(cause, "sqlstate", None)
    if isinstance(state, str) and state.startswith(_TRANSIENT_SQLSTATES):
        return True
    return type(cause).__name__ == "IOException" and "Could not set lock" in str(cause)


@contextmanager
def sealed(where: str) -> Iterator[None]:
    """Turn whatever a stage raises into a Dagster failure whose text is safe to store (see the module)."""
    try:
        yield
    except (Failure, RetryRequested):
        raise
    except Exception as exc:  # noqa: BLE001 - every error ends here, the project's own told, others withheld
        if transient(exc):
            raise RetryRequested(max_retries=RETRIES, seconds_to_wait=RETRY_WAIT_SECONDS) from None
        text = str(exc) if isinstance(exc, WardmergeError) else withheld(exc)
        raise Failure(description=f"{where}: {text}") from None
