"""The dependency contract: project packages import only downwards, imports inside functions included.

The order, lowest first (a package may import any package on its own level or below):

    infakt, infakt_simulator   the InFakt client and the simulator (no Django, no project imports)
    common, claims             shared helpers (calendar, formatting, log context, admin mixins);
                               rate tables and claim arithmetic
    cases                      clients, invoices, cases, the ladder's dates; claims per case
    documents                  the formal-demand PDF and interest notes
    notifications              reminder e-mails
    syncstatus                 the sync engine (runs, their services, tasks and commands)
    panel, ops, security,      the status panel, reports and health; /healthz and cron; login limits;
    worklist                   the clerk's pages
    invoicetracker             settings, URLs, the admin site, schedules

There is no exception list: the backward imports that existed when the contract was written down (nine,
issue "One direction of dependency") are all gone. Where a lower layer needs something from a higher one,
the higher layer passes it down or registers a hook at start-up (e.g. `cases.selectors.
timeline_source_register`, `notifications.selectors.reminder_sync_check_register`, the admin site
assembled in `invoicetracker/admin.py`).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

LAYERS: dict[str, int] = {
    "infakt": 0,
    "infakt_simulator": 0,
    "common": 1,
    "claims": 1,
    "cases": 2,
    "documents": 3,
    "notifications": 4,
    "syncstatus": 5,
    "panel": 6,
    "ops": 6,
    "security": 6,
    "worklist": 6,
    "invoicetracker": 7,
}


def imported_packages(source: str, path: Path) -> set[str]:
    """Top-level project packages a module imports, at module level or inside functions and classes."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
        elif isinstance(node, ast.ImportFrom) and node.level:
            # A relative import stays inside the module's own package, except one that climbs out of it.
            package = path.relative_to(ROOT).parts[:-1]
            names = [".".join(package[: max(len(package) - node.level + 1, 0)])] if node.level > len(package) else []
        else:
            continue
        found.update(name.split(".")[0] for name in names if name.split(".")[0] in LAYERS)
    return found


def backward_imports(path: Path, source: str | None = None) -> set[tuple[str, str]]:
    """(file, package) for every import of `path` (or of `source` put there) that reaches a higher layer."""
    rel = path.relative_to(ROOT)
    own = rel.parts[0]
    if source is None:
        source = path.read_text(encoding="utf-8")
    return {(rel.as_posix(), package) for package in imported_packages(source, path) if LAYERS[package] > LAYERS[own]}


def product_modules() -> list[Path]:
    """Every module of the layered packages, tests and migrations aside."""
    modules = []
    for package in LAYERS:
        for path in (ROOT / package).rglob("*.py"):
            parts = path.relative_to(ROOT).parts
            if "tests" in parts or "migrations" in parts or path.name == "conftest.py":
                continue
            modules.append(path)
    return sorted(modules)


def test_no_package_imports_a_higher_layer():
    found = set().union(*(backward_imports(path) for path in product_modules()))
    assert not found, f"imports against the layer order (see tests/test_layers.py): {sorted(found)}"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from notifications.models import Notification\n", {"notifications"}),
        ("def f():\n    from syncstatus import services\n    return services\n", {"syncstatus"}),
        ("class A:\n    def m(self):\n        import invoicetracker.settings\n", {"invoicetracker"}),
        ("from .models import Case\nfrom . import formatting\n", set()),
        ("import django\nfrom requests import Session\n", set()),
    ],
)
def test_the_checker_sees_imports_at_any_depth(source, expected):
    assert imported_packages(source, ROOT / "cases" / "sample.py") == expected


def test_the_checker_fails_a_backward_import_in_a_sample_module():
    sample = ROOT / "cases" / "_layer_sample.py"
    backward = "from . import formatting\n\n\ndef f():\n    import syncstatus.services\n"
    assert backward_imports(sample, backward) == {("cases/_layer_sample.py", "syncstatus")}
    forward = "from claims.calc import Claim\nfrom infakt.types import InvoiceRecord\n"
    assert backward_imports(sample, forward) == set()
