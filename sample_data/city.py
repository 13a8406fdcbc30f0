"""A routing table for a city-wide sample: the shipped rules where they exist, made-up rules for other split units.

The shipped table (schemas/reference/routing_00322.csv) holds the real rules of Tương Mai's ten former wards. A
city-wide sample (``wardmerge sample-data --ward all-hanoi``) covers hundreds of former units more, and no
routing rules for them ship with the project. Two kinds of unit need different answers:

- a unit the official crosswalk says went whole into one new unit needs no rules at all: the pipeline routes
  every record of it there ("wholesale", assets/lib/routing.py), with or without a table;
- a unit that was divided needs real rules (which residential group and street went where), which only the
  city's implementing documents give. For the sample we make some up: its groups split into contiguous blocks,
  one block per receiving unit the crosswalk names, and one street per receiver. They are fiction that is
  consistent with the crosswalk, written to a file beside the landing zone and never shipped as reference data;
  a real deployment replaces them with the city's table.
"""

from __future__ import annotations

import csv
import random
from pathlib import Path

from sample_data.geography import STREET_POOL, WHOLESALE_GROUPS, read_routing
from schemas.admin_units import FormerWard

ROUTING_HEADER = ("former_ward_code", "residential_group", "street", "new_ward_code", "alley", "house_from",
                  "house_to", "parity")  # fmt: skip


def _split_rows(former: FormerWard, rng: random.Random) -> list[dict[str, str]]:
    """Made-up rules of a divided unit: contiguous blocks of groups and one street per receiving unit."""
    receivers = [code for code, _ in former.receiving]
    # Cut points between blocks: every receiver gets at least one group.
    cuts = sorted(rng.sample(range(1, WHOLESALE_GROUPS), len(receivers) - 1))
    bounds = [0, *cuts, WHOLESALE_GROUPS]
    rows = []
    for receiver, low, high in zip(receivers, bounds, bounds[1:], strict=False):
        rows += [
            {"former_ward_code": former.code, "residential_group": f"Tổ {g}", "new_ward_code": receiver}
            for g in range(low + 1, high + 1)
        ]
    for receiver, street in zip(receivers, rng.sample(STREET_POOL, len(receivers)), strict=True):
        rows.append({"former_ward_code": former.code, "street": street, "new_ward_code": receiver})
    return rows


def write_city_routing(path: Path, formers: list[FormerWard], shipped: Path, seed: int) -> dict[str, int]:
    """Write the routing table of a city-wide sample; returns how many former units got each kind of rules.

    Kinds: ``shipped`` (rules copied from the shipped table), ``made_up`` (a divided unit without shipped
    rules), ``wholesale`` (went whole into one new unit: no rules written).
    """
    with shipped.open(encoding="utf-8-sig", newline="") as fh:
        shipped_rows = list(csv.DictReader(fh))
    listed = set(read_routing(shipped))
    counts = {"shipped": 0, "made_up": 0, "wholesale": 0}
    rows: list[dict[str, str]] = []
    for former in formers:
        if former.code in listed:
            rows += [r for r in shipped_rows if r["former_ward_code"] == former.code]
            counts["shipped"] += 1
        elif former.in_part and len(former.receiving) > 1:
            rows += _split_rows(former, random.Random(f"{seed}/city-routing/{former.code}"))
            counts["made_up"] += 1
        else:
            counts["wholesale"] += 1
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=ROUTING_HEADER, restval="", extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return counts
