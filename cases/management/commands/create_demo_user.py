"""Create the local demo login (a superuser with an e-mail address, so the stage editor's test send
has somewhere to go) and keep its password where `./run` can show it again.

    python manage.py create_demo_user [--username demo] [--email demo@example.com] [--password-file .demo-login]

Without --password-file: creates the user once and prints the password once. With it: the file
(mode 600, gitignored) holds "username\\npassword"; when the user exists but the file is missing or
no longer matches, the password is reset and the file rewritten, so the password `./run` prints
always works. An existing demo user without an e-mail address gets one.
"""

import os
import secrets
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandParser


class Command(BaseCommand):
    help = __doc__

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--username", default="demo")
        parser.add_argument("--email", default="demo@example.com")
        parser.add_argument("--password-file", type=Path, default=None)

    def handle(self, *args, username: str, email: str, password_file: Path | None, **options) -> None:
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email=email, password=password)
            self._remember(password_file, username, password)
            self.stdout.write(self.style.SUCCESS(f"Demo login created: {username} / {password}"))
            return
        if not user.email:
            user.email = email
            user.save(update_fields=["email"])
        if password_file is None:
            self.stdout.write(f"Login: {username} (exists; password as printed when it was created)")
            return
        known = self._read(password_file, username)
        if known is not None and user.check_password(known):
            self.stdout.write(f"Login: {username} (password in {password_file})")
            return
        password = secrets.token_urlsafe(12)
        user.set_password(password)
        user.save(update_fields=["password"])
        self._remember(password_file, username, password)
        self.stdout.write(self.style.WARNING(f"Demo password reset: {username} / {password}"))

    @staticmethod
    def _read(path: Path, username: str) -> str | None:
        try:
            lines = path.read_text().splitlines()
        except OSError:
            return None
        return lines[1] if len(lines) >= 2 and lines[0] == username else None

    @staticmethod
    def _remember(path: Path | None, username: str, password: str) -> None:
        if path is None:
            return
        path.write_text(f"{username}\n{password}\n")
        os.chmod(path, 0o600)
