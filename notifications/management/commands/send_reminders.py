"""Send the reminder e-mails due today.

    python manage.py send_reminders                     # today (Europe/Warsaw)
    python manage.py send_reminders --date 2026-11-30   # the reminders due on that day
    python manage.py send_reminders --dry-run           # list what would go to whom; send and write nothing
    python manage.py send_reminders --batch-size 20     # messages per SMTP connection

Sends only on the strength of that day's successful InFakt sync; otherwise the sends
are held and the reason recorded. Safe to rerun: a stage never goes to a case twice.
"""

from __future__ import annotations

from datetime import date

from django.core.management.base import BaseCommand, CommandError, CommandParser

from common.calendar import business_today
from notifications.services import PlannedSend, SendReport, reminders_send_due

ACTIONS = {
    "send": "WYŚLIJ",
    "skip": "POMIŃ",
    "held": "WSTRZYMAJ",
    "no_email": "BRAK E-MAILA",
    "gave_up": "PORZUĆ",
}


def parse_date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--date must be YYYY-MM-DD, got {value!r}") from None


def describe(item: PlannedSend) -> str:
    stage = f"{item.stage_name} ({item.stage_offset:+d})" if item.stage_offset is not None else "—"
    passed = f"; pominięte {', '.join(f'{o:+d}' for o in item.passed_over)}" if item.passed_over else ""
    to = ", ".join(item.recipients) or "—"
    line = f"{ACTIONS.get(item.action, item.action):>12}  {item.invoice_number} · {item.client_name} · {stage} → {to}"
    if item.email is not None:
        line += f" · e-mail {item.email}"
    if item.subject:
        line += f" · „{item.subject}”"
    if item.note:
        line += f" [{item.note}]"
    return line + passed


def print_report(command: BaseCommand, report: SendReport) -> None:
    for item in report.planned:
        command.stdout.write(describe(item))
    style = command.style.WARNING if (report.held_reason or report.failed or report.uncertain) else None
    style = style or command.style.SUCCESS
    command.stdout.write(style(report.summary()))


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=str, help="Day YYYY-MM-DD (default: today in Europe/Warsaw).")
        parser.add_argument("--dry-run", action="store_true", help="List what would be sent, to whom; send nothing.")
        parser.add_argument("--batch-size", type=int, help="Messages per SMTP connection (REMINDER_BATCH_SIZE).")

    def handle(self, *args, **options) -> None:
        day = parse_date(options["date"]) if options["date"] else business_today()
        if options["batch_size"] is not None and options["batch_size"] < 1:
            raise CommandError("--batch-size must be at least 1")
        report = reminders_send_due(day=day, dry_run=options["dry_run"], batch_size=options["batch_size"])
        print_report(self, report)
