"""Preview the reminder e-mails the next day's run would send, on today's data.

    python manage.py preview_reminders                     # tomorrow (Europe/Warsaw)
    python manage.py preview_reminders --date 2026-12-01   # any day

Writes nothing. The real run still needs that day's successful sync, which may close
paid cases or change amounts before anything goes out.
"""

from __future__ import annotations

from datetime import timedelta

from django.core.management.base import BaseCommand, CommandParser

from common.calendar import business_today
from notifications.management.commands.send_reminders import parse_date, print_report
from notifications.services import reminders_preview


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", type=str, help="Day YYYY-MM-DD (default: tomorrow in Europe/Warsaw).")

    def handle(self, *args, **options) -> None:
        day = parse_date(options["date"]) if options["date"] else business_today() + timedelta(days=1)
        print_report(self, reminders_preview(day=day))
