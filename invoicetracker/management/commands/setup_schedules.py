"""Apply the django-q2 schedules declared in invoicetracker/schedules.py (idempotent).

    python manage.py setup_schedules

Run it at every deploy, after `migrate`.
"""

from django.core.management.base import BaseCommand

from invoicetracker.schedules import ensure_schedules


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        for line in ensure_schedules():
            self.stdout.write(line)
        self.stdout.write(self.style.SUCCESS("Schedules are up to date."))
