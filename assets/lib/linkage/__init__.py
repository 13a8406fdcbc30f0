"""Person linkage: Splink 5 comparisons designed for Vietnamese resident records (see docs/linkage.md).

The ``persons`` asset calls :func:`link_records` (a full link: train, score every candidate pair) or
:func:`relink` (an incremental link: score only the pairs of new and changed records under the trained model)
and clusters the scored pairs they return.
"""

from assets.lib.linkage.model import (
    CANDIDATE_COLUMNS,
    MATCH_THRESHOLD,
    REVIEW_THRESHOLD,
    LinkageError,
    LinkageRun,
    link_records,
    model_version,
    relink,
)

__all__ = [
    "CANDIDATE_COLUMNS",
    "MATCH_THRESHOLD",
    "REVIEW_THRESHOLD",
    "LinkageError",
    "LinkageRun",
    "link_records",
    "model_version",
    "relink",
]
