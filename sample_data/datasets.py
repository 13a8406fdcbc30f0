"""The other datasets' generators, run after the residents' rosters: every former ward gets its dossiers, budget
report, petitions register and business-household register, and each dataset its truth file.

A dataset here is a module with ``DATASET``, ``write_ward``, ``manifest_spec`` and ``TRUTH_FIELDS``; the
committed manifests (``schemas/sources/<ward>_<dataset>.yaml``) are what :func:`manifest_documents` renders.
"""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

from sample_data import budget, business, dossiers, petitions
from sample_data.geography import WardGeography
from sample_data.population import Population
from sample_data.truth import write_dataset_truth
from sample_data.ward_records import manifest_text, ward_inputs
from schemas.admin_units import FormerWard

GENERATORS: tuple[ModuleType, ...] = (dossiers, budget, petitions, business)


def write_other_datasets(
    out: Path,
    truth_dir: Path,
    formers: list[FormerWard],
    population: Population,
    geographies: dict[str, WardGeography],
    *,
    seed: int,
    scale: float,
    datasets: tuple[str, ...] | None = None,
) -> tuple[dict[str, dict[str, int]], list[Path], list[Path]]:
    """Write every dataset (or those named) for every former ward; returns (rows per dataset and ward, files,
    truth files)."""
    known = {m.DATASET for m in GENERATORS}
    unknown = sorted(set(datasets or ()) - known - {"residents"})
    if unknown:
        raise ValueError(f"no generator for dataset(s) {unknown}; expected some of {sorted(known)}")
    wards = ward_inputs(formers, population, geographies)
    rows: dict[str, dict[str, int]] = {}
    files: list[Path] = []
    truth_files: list[Path] = []
    for module in GENERATORS:
        if datasets is not None and module.DATASET not in datasets:
            continue
        truth: list[dict[str, object]] = []
        per_ward: dict[str, int] = {}
        for ward in wards:
            written, ward_truth = module.write_ward(out, ward, seed, scale, population)
            files += written
            truth += ward_truth
            per_ward[ward.code] = len(ward_truth)
        rows[module.DATASET] = per_ward
        truth_files.append(write_dataset_truth(truth_dir, module.DATASET, truth, module.TRUTH_FIELDS))
    return rows, files, truth_files


def manifest_filename(former: FormerWard, dataset: str) -> str:
    return f"{former.code}_{dataset}.yaml"


def manifest_documents(formers: list[FormerWard]) -> dict[str, str]:
    """File name → YAML text of every committed manifest of the other datasets, for ``formers`` in code order."""
    out = {}
    for index, former in enumerate(formers):
        for module in GENERATORS:
            spec = module.manifest_spec(index, former)
            out[manifest_filename(former, module.DATASET)] = manifest_text(spec, former)
    return out
