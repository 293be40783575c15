"""One writer per model: a model's rows are written only by the app that owns it, through its services.

The case's state (Case, CaseEvent, Client, Invoice) is written through `cases` services
(case_event_add, case_events_add, case_mark_missing, case_mark_found, cases_reschedule, ...); the
e-mail log (Notification, ReminderMessage, ReminderRun) only by `notifications`; the sync's records
(SyncRun, EndpointState, SkippedRecord) only by `syncstatus`; the reports' snapshots (ReportSnapshot) only
by `panel`.

The check reads the AST of every product module (tests/test_layers.py's list) outside the owning app
and fails on a write call (save, delete, update, create, bulk_create, ...) made
- on a model's manager (`Case.objects....update(...)`), or
- on a variable named after the model (`case.save(...)`, `notification.delete()`), the project's
  convention for an instance.
What it cannot see: writes through a queryset or an instance held under another name, and the admin's
generic saves (ModelAdmin writes the model it is registered for, by Django's own code).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_layers import ROOT, product_modules

OWNED: dict[str, set[str]] = {
    "cases": {"Case", "CaseEvent", "Client", "Invoice"},
    "notifications": {"Notification", "ReminderMessage", "ReminderRun"},
    "syncstatus": {"SyncRun", "EndpointState", "SkippedRecord"},
    "panel": {"ReportSnapshot"},
}
# Variables that hold an instance of a model, by the project's naming.
INSTANCES: dict[str, str] = {
    "case": "cases",
    "client": "cases",
    "invoice": "cases",
    "notification": "notifications",
    "sync_run": "syncstatus",
}
WRITES = {"save", "delete", "update", "create", "bulk_create", "bulk_update", "get_or_create", "update_or_create"}
OWNER_OF = {model: app for app, models in OWNED.items() for model in models}


def foreign_writes(source: str, own: str) -> list[tuple[int, str]]:
    """(line, what) for each write of another app's model in `source`, a module of package `own`."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in WRITES):
            continue
        chain, receiver = [], node.func.value
        while isinstance(receiver, ast.Attribute | ast.Call):
            if isinstance(receiver, ast.Attribute):
                chain.append(receiver.attr)
                receiver = receiver.value
            else:
                receiver = receiver.func
        if not isinstance(receiver, ast.Name):
            continue
        root = receiver.id
        if "objects" in chain and OWNER_OF.get(root, own) != own:
            found.append((node.lineno, f"{root}.objects….{node.func.attr}()"))
        elif not chain and node.func.attr in {"save", "delete"} and INSTANCES.get(root, own) != own:
            found.append((node.lineno, f"{root}.{node.func.attr}()"))
    return found


def test_only_the_owning_app_writes_its_models():
    found = []
    for path in product_modules():
        own = path.relative_to(ROOT).parts[0]
        found += [f"{path.relative_to(ROOT)}:{line}: {what}" for line, what in foreign_writes(path.read_text(), own)]
    assert not found, f"writes of another app's model (call its services instead): {found}"


@pytest.mark.parametrize(
    ("source", "own", "expected"),
    [
        ("Case.objects.filter(pk=1).update(missing_since=None)\n", "syncstatus", ["Case.objects….update()"]),
        ("CaseEvent.objects.bulk_create([])\n", "documents", ["CaseEvent.objects….bulk_create()"]),
        ("def f(case):\n    case.save(update_fields=['next_stage'])\n", "notifications", ["case.save()"]),
        ("SyncRun.objects.create(kind='daily')\n", "panel", ["SyncRun.objects….create()"]),
        ("Case.objects.filter(pk=1).update(missing_since=None)\n", "cases", []),
        ("Case.objects.filter(pk=1).first()\ncounter.save()\nrow.update(x=1)\n", "documents", []),
    ],
)
def test_the_checker_sees_a_write_of_another_apps_model(source, own, expected):
    assert [what for _line, what in foreign_writes(source, own)] == expected


def test_the_checker_reads_every_product_module():
    assert Path(ROOT / "syncstatus" / "services" / "run.py") in product_modules()
