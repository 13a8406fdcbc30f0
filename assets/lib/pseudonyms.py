"""Pseudonymous keys for the marts: a keyed hash (HMAC-SHA256) of the person key with a deployment secret.

The same secret gives the same pseudonym run after run (person keys are stable), so analysts can follow a
voter or resident across refreshes; without the secret a pseudonym cannot be traced back to a person key, and
the person key itself never leaves the integration layer. The secret comes from ``WARDMERGE_PSEUDONYM_KEY``;
when it is unset, a random secret is generated once and kept owner-only in the data directory
(``<data_dir>/pseudonym.key``), so a development checkout works without set-up and stays stable as long as its
data directory is kept. Production sets the variable (and keeps it out of the warehouse).
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from collections.abc import Iterable, Mapping
from pathlib import Path

ENV_PSEUDONYM_KEY = "WARDMERGE_PSEUDONYM_KEY"
KEY_FILE = "pseudonym.key"
MIN_SECRET_LENGTH = 32


class PseudonymKeyError(ValueError):
    """The configured secret is unusable (too short)."""


def pseudonym_secret(data_dir: str | Path, environ: Mapping[str, str] | None = None) -> tuple[bytes, str]:
    """The secret and where it came from (``environment`` or the key file's path)."""
    environ = os.environ if environ is None else environ
    given = environ.get(ENV_PSEUDONYM_KEY, "")
    if given:
        if len(given) < MIN_SECRET_LENGTH:
            raise PseudonymKeyError(f"{ENV_PSEUDONYM_KEY} must be at least {MIN_SECRET_LENGTH} characters")
        return given.encode("utf-8"), "environment"
    path = Path(data_dir) / KEY_FILE
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(48))
    return path.read_text(encoding="ascii").strip().encode("ascii"), str(path)


def pseudonym(secret: bytes, person_key: int) -> str:
    """HMAC-SHA256 of the person key (hex): equal keys give equal pseudonyms under one secret."""
    return hmac.new(secret, f"person:{int(person_key)}".encode("ascii"), hashlib.sha256).hexdigest()


def pseudonyms(secret: bytes, person_keys: Iterable[int]) -> dict[int, str]:
    return {int(key): pseudonym(secret, key) for key in person_keys}
