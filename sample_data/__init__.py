"""Realistic, deterministic sample data: one roster per former ward, in the formats ward offices really have.

``generate`` writes the landing zone (what the pipeline reads) and, beside it, the ground truth (what the
pipeline must conclude about every record). See README.md in this folder for profiles, rates and schemas.
"""

from __future__ import annotations

from sample_data.defects import DefectRateError, DefectRates
from sample_data.generate import (
    PERSONS_PER_GROUP,
    GenerationReport,
    SampleDataError,
    generate,
)

__all__ = [
    "PERSONS_PER_GROUP",
    "DefectRateError",
    "DefectRates",
    "GenerationReport",
    "SampleDataError",
    "generate",
]
