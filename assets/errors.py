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


@contextmanager
def sealed(where: str) -> Iterator[None]:
    """Turn whatever a stage raises into a Dagster failure whose text is safe to store (see the module)."""
    try:
        yield
    except (Failure, RetryRequested):
        raise
    except WardmergeError as exc:
        raise Failure(description=f"{where}: {exc}") from None
    except Exception as exc:  # noqa: BLE001 - every other error is reported without its text
        raise Failure(description=f"{where}: {withheld(exc)}") from None
