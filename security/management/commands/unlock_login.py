"""Lift a failed-login lock early.

manage.py unlock_login anna                 # the user name, from every address
manage.py unlock_login anna --ip 203.0.113.7
manage.py unlock_login --ip 203.0.113.7     # an address, for every user name
"""

from django.core.management.base import BaseCommand, CommandError

from security.services import login_unlock


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser):
        parser.add_argument("username", nargs="?", help="User name as typed at the login (any case).")
        parser.add_argument("--ip", help="An address whose lock to lift.")

    def handle(self, *args, username=None, ip=None, **options):
        if not username and not ip:
            raise CommandError("Name a user name, an --ip address, or both.")
        removed = login_unlock(username=username, ip=ip)
        what = " and ".join(part for part in (f"user {username!r}" if username else "", ip or "") if part)
        self.stdout.write(self.style.SUCCESS(f"Unlocked {what}: {removed} failure record(s) removed."))
