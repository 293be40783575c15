"""Wrong settings stop start-up with a message that says what to fix."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def start(**env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "INVOICETRACKER_TESTING"}
    }
    clean |= {"DJANGO_SETTINGS_MODULE": "invoicetracker.settings", "DATABASE_URL": "sqlite:////tmp/x.sqlite3"}
    clean |= env
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup()"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


GOOD = {"SECRET_KEY": "x" * 60, "ALLOWED_HOSTS": "it.example.com", "DEBUG": "false"}


def test_it_starts_with_complete_production_settings():
    result = start(**GOOD)
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"SECRET_KEY": ""}, "SECRET_KEY is not set"),
        ({"SECRET_KEY": "short"}, "SECRET_KEY is shorter than 50 characters"),
        ({"ALLOWED_HOSTS": ""}, "ALLOWED_HOSTS is empty"),
        ({"DEBUG": "maybe"}, "DEBUG must be true or false"),
        ({"INFAKT_BASE_URL": "ftp://api.infakt.pl"}, "INFAKT_BASE_URL must be an http(s) URL"),
        ({"INFAKT_BASE_URL": "http://api.infakt.pl/api/v3"}, "INFAKT_BASE_URL must use https"),
        ({"INFAKT_MAX_GET_PER_MINUTE": "1000"}, "INFAKT_MAX_GET_PER_MINUTE must be between 1 and 300"),
        ({"NEW_CASE_DAYS_BEFORE_DUE": "two"}, "NEW_CASE_DAYS_BEFORE_DUE must be a whole number"),
        ({"SYNC_TIME": "25:00"}, "SYNC_TIME must be a time of day HH:MM"),
        ({"LOG_LEVEL": "LOUD"}, "LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR"),
    ],
)
def test_it_refuses_to_start_with_a_wrong_value_and_names_it(env, message):
    result = start(**(GOOD | env))
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_development_runs_with_nothing_configured():
    result = start(DEBUG="true", SECRET_KEY="", ALLOWED_HOSTS="")
    assert result.returncode == 0, result.stderr
