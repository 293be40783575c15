"""The InFakt client is free of Django: only apps.py (the settings glue: build_api and its check) imports it."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent


def django_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "django"}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and (node.module or "").split(".")[0] == "django":
            found.add(node.module)
    return found


def test_only_the_settings_glue_imports_django():
    modules = [path for path in PACKAGE.glob("*.py") if path.name != "apps.py"]
    assert modules, "the client's modules"
    assert {path.name: django_imports(path) for path in modules if django_imports(path)} == {}
    assert django_imports(PACKAGE / "apps.py")
