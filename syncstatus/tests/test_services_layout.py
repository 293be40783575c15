"""The sync engine's modules import one another in the order `syncstatus/services/__init__.py` writes down."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import syncstatus.services

PACKAGE = Path(syncstatus.services.__file__).parent


def documented_order() -> list[str]:
    """The module names of the docstring's map, top first (a line of four spaces, then the name)."""
    return re.findall(r"^    (\w+) ", syncstatus.services.__doc__, flags=re.MULTILINE)


def sibling_imports(path: Path) -> set[str]:
    """The modules of the package that `path` imports (`from .x import ...`)."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module:
            found.add(node.module.split(".")[0])
    return found


def test_the_map_names_every_module_once():
    order = documented_order()
    assert sorted(order) == sorted(p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__")


def test_a_module_imports_only_the_ones_above_it():
    order = documented_order()
    upward = {
        (name, imported)
        for name in order
        for imported in sibling_imports(PACKAGE / f"{name}.py")
        if order.index(imported) >= order.index(name)
    }
    assert not upward, f"imports against the order in syncstatus/services/__init__.py: {sorted(upward)}"
