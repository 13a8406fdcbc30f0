"""Person linkage: Splink 5 comparisons designed for Vietnamese resident records (see docs/linkage.md).

The ``persons`` asset calls :func:`link_records` and clusters the scored pairs it returns.
"""

from assets.lib.linkage.model import MATCH_THRESHOLD, REVIEW_THRESHOLD, LinkageError, LinkageRun, link_records

__all__ = ["MATCH_THRESHOLD", "REVIEW_THRESHOLD", "LinkageError", "LinkageRun", "link_records"]
