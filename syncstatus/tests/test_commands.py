"""The operator command sync_invoices, through the real simulator (setup_schedules: invoicetracker/tests)."""

from __future__ import annotations

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cases.models import Case
from syncstatus.models import SyncRun

pytestmark = pytest.mark.django_db


@pytest.fixture
def configured(settings, sim):
    settings.INFAKT_API_KEY = sim.api_key
    settings.INFAKT_BASE_URL = sim.base_url
    return sim


def test_sync_invoices_prints_each_phase_and_a_summary(configured, world, capsys):
    call_command("sync_invoices", "--date", world.today.isoformat())
    out = capsys.readouterr().out
    run = SyncRun.objects.get()
    assert "· Faktury nieopłacone" in out
    assert "· Kontrahenci" in out
    assert f"Synchronizacja #{run.pk} (dzienna, {world.today:%Y-%m-%d}): sukces — otwarte {run.cases_opened}" in out
    assert run.trigger == SyncRun.Trigger.COMMAND
    assert Case.objects.count() == run.cases_opened > 0


def test_sync_invoices_dry_run_changes_nothing(configured, world, capsys):
    call_command("sync_invoices", "--date", world.today.isoformat(), "--dry-run")
    assert "[PRÓBA]" in capsys.readouterr().out
    assert not Case.objects.exists()


def test_sync_invoices_exits_non_zero_with_the_reason(configured, settings, world):
    settings.INFAKT_API_KEY = "wrong-key"
    with pytest.raises(CommandError, match="InfaktAuthError") as error:
        call_command("sync_invoices", "--date", world.today.isoformat())
    assert "wrong-key" not in str(error.value)
    assert SyncRun.objects.get().status == SyncRun.Status.FAILED


def test_sync_invoices_rejects_a_malformed_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("sync_invoices", "--date", "25.11.2026")
