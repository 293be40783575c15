"""`./run` ends its start-up with the address, the demo login and its password; the demo user has
an e-mail address (the stage editor's test send goes to it)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.django_db


def test_the_demo_user_has_an_email_and_the_password_file_works(tmp_path, capsys):
    secret = tmp_path / ".demo-login"
    call_command("create_demo_user", password_file=secret)
    user = get_user_model().objects.get(username="demo")
    assert user.email == "demo@example.com"
    assert user.is_superuser
    username, password = secret.read_text().splitlines()
    assert username == "demo"
    assert user.check_password(password)
    assert stat.S_IMODE(secret.stat().st_mode) == 0o600
    # A second start-up keeps the password that works.
    call_command("create_demo_user", password_file=secret)
    assert secret.read_text().splitlines()[1] == password


def test_a_lost_password_file_resets_the_password_so_the_printed_one_works(tmp_path):
    get_user_model().objects.create_superuser("demo", email="", password="stare-haslo-123")
    secret = tmp_path / ".demo-login"
    call_command("create_demo_user", password_file=secret)
    user = get_user_model().objects.get(username="demo")
    assert user.email == "demo@example.com"  # an older demo user gets an address
    assert user.check_password(secret.read_text().splitlines()[1])


def test_run_ends_with_the_address_and_the_login():
    script = (ROOT / "run").read_text()
    tail = script[script.rindex("runserver") :]
    assert "--password-file" in script
    for needle in ("http://127.0.0.1:$PORT/", "Login", "Hasło", "wait"):
        assert needle in tail, needle
    assert ".demo-login" in (ROOT / ".gitignore").read_text()
