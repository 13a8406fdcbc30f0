"""The layers import only downwards: schemas < data_quality < assets/lib < assets < pipelines; sample data aside."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# Package (as a path prefix) → the top-level packages its modules may import from.
ALLOWED = {
    "schemas": {"schemas"},
    "data_quality": {"schemas", "data_quality"},
    "assets/lib": {"schemas", "data_quality", "assets.lib"},
    "assets": {"schemas", "data_quality", "assets"},
    "sample_data": {"schemas", "data_quality", "assets.lib", "sample_data"},
    "pipelines": {"schemas", "data_quality", "assets", "sample_data", "pipelines"},
}
OURS = ("schemas", "data_quality", "assets", "sample_data", "pipelines")


def _imports(path: Path) -> set[str]:
    """Every module a file imports (absolute imports; the project uses no relative ones)."""
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


def _layer(path: Path) -> str:
    relative = path.relative_to(ROOT).as_posix()
    return "assets/lib" if relative.startswith("assets/lib/") else relative.split("/")[0]


@pytest.mark.parametrize("path", sorted(p for pkg in OURS for p in (ROOT / pkg).rglob("*.py")), ids=str)
def test_no_module_imports_a_higher_layer(path: Path) -> None:
    allowed = ALLOWED[_layer(path)]
    ours = [name for name in _imports(path) if name.split(".")[0] in OURS]
    wrong = [name for name in ours if not any(name == a or name.startswith(a + ".") for a in allowed)]
    assert not wrong, f"{path.relative_to(ROOT)} imports {wrong}"


def test_libraries_do_not_import_dagster() -> None:
    offenders = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "assets" / "lib").rglob("*.py")
        if any(n.split(".")[0] == "dagster" for n in _imports(p))
    ]
    assert not offenders
