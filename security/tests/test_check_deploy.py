"""`manage.py check --deploy` is clean with production settings (nothing silenced)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def production_env(**extra: str) -> dict[str, str]:
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("DJANGO_", "INVOICETRACKER_", "SECURE_", "LOG_", "GAE_"))
        and k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "CSRF_TRUSTED_ORIGINS", "INFAKT_API_KEY", "CRON_SECRET"}
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "invoicetracker.settings",
        "DEBUG": "false",
        "SECRET_KEY": secrets.token_urlsafe(60)[:60],
        "ALLOWED_HOSTS": "invoicetracker.example.com",
        "CSRF_TRUSTED_ORIGINS": "https://invoicetracker.example.com",
        "DATABASE_URL": "sqlite:////tmp/invoicetracker-check-deploy.sqlite3",
        "INFAKT_API_KEY": "check-deploy-placeholder-key",
        "SELLER_NAME": "Firma Sp. z o.o.",
        "SELLER_NIP": "5261040828",
        "SELLER_BANK_ACCOUNT": "PL61 1090 1014 0000 0712 1981 2874",
        "EMAIL_URL": "smtp+tls://mailer:placeholder@smtp.example.com:587",
    }
    return env | extra


def test_check_deploy_is_clean_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_settings_harden_cookies_hsts_and_https():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_HSTS_INCLUDE_SUBDOMAINS, s.SECURE_PROXY_SSL_HEADER, "
        "s.CSRF_TRUSTED_ORIGINS, s.ALLOWED_HOSTS, s.DEBUG, s.LOG_FORMAT]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=production_env(), capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == (
        '[true, true, true, 31536000, true, ["HTTP_X_FORWARDED_PROTO", "https"], '
        '["https://invoicetracker.example.com"], ["invoicetracker.example.com"], false, "json"]'
    )


def test_check_deploy_refuses_to_go_live_without_the_creditor_in_the_reminders():
    env = production_env()
    env["SELLER_NAME"] = ""
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode != 0
    assert "notifications.W001" in result.stderr + result.stdout
    assert "SELLER_NAME" in result.stderr + result.stdout
