"""The project's own errors: their messages are safe to show, log and store.

Every message of a :class:`WardmergeError` is built where it is raised from masked values only (never a name,
ID, date of birth, phone or address in clear) and names what a person needs to find the problem: former ward,
file, row and column. Anything else that escapes a stage (a library's error, whose text may echo a value) is
reported by its type and place only (see assets/errors.py).
"""

from __future__ import annotations


class WardmergeError(Exception):
    """Base of the project's own errors (see the module docstring)."""
