"""Run the InFakt sync now.

    python manage.py sync_invoices                     # daily sync for today (Europe/Warsaw)
    python manage.py sync_invoices --date 2026-11-30   # as if it were that day
    python manage.py sync_invoices --full              # weekly reconciliation of every active case
    python manage.py sync_invoices --dry-run           # read InFakt, report, change nothing

Prints each phase and a one-line summary; exits non-zero with the reason on failure.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from syncstatus.models import SyncRun
from syncstatus.services.errors import SyncAlreadyRunning, SyncFailed
from syncstatus.services.run import sync_run


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from None


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=str, help="Target date YYYY-MM-DD (default: today in Europe/Warsaw).")
        parser.add_argument("--dry-run", action="store_true", help="Read InFakt and report without writing.")
        parser.add_argument("--full", action="store_true", help="Full reconciliation instead of the daily sync.")

    def handle(self, *args, **options) -> None:
        target = parse_date(options["date"]) if options["date"] else None
        kind = SyncRun.Kind.FULL if options["full"] else SyncRun.Kind.DAILY
        try:
            run = sync_run(
                target_date=target,
                kind=kind,
                trigger=SyncRun.Trigger.COMMAND,
                dry_run=options["dry_run"],
                progress=lambda message: self.stdout.write(f"· {message}"),
            )
        except SyncAlreadyRunning as exc:
            raise CommandError(str(exc)) from exc
        except SyncFailed as exc:
            raise CommandError(f"Synchronizacja #{exc.run.pk} nie powiodła się: {exc.run.error}") from exc
        style = self.style.SUCCESS if run.status == SyncRun.Status.SUCCESS else self.style.WARNING
        self.stdout.write(style(summary_line(run)))


def summary_line(run: SyncRun) -> str:
    seconds = run.duration.total_seconds() if run.duration else 0
    prefix = "[PRÓBA] " if run.dry_run else ""
    return (
        f"{prefix}Synchronizacja #{run.pk} ({run.get_kind_display()}, {run.target_date:%Y-%m-%d}): "
        f"{run.get_status_display()} — otwarte {run.cases_opened}, odświeżone {run.cases_refreshed}, "
        f"zmienione {run.cases_updated}, zamknięte {run.cases_closed}, kontrahenci {run.clients_fetched}, "
        f"pominięte {run.records_skipped}, zapytania API {run.api_requests} (429: {run.api_rate_limited}), "
        f"{seconds:.1f} s"
    )
