"""What the data looks like: datasets and their canonical fields, source manifests, warehouse tables, reference data.

The shipped configuration lives beside this package's modules: `sources/` (one manifest per source file family)
and `reference/` (the routing table). Their paths are named once, here.
"""

from __future__ import annotations

from pathlib import Path

SCHEMAS_DIR = Path(__file__).resolve().parent
SHIPPED_SOURCES = SCHEMAS_DIR / "sources"
SHIPPED_ROUTING = SCHEMAS_DIR / "reference" / "routing_00322.csv"
