"""Test settings: the production module with test-only overrides."""

import os

os.environ.setdefault("INVOICETRACKER_TESTING", "true")
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/invoicetracker")

from .settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
INFAKT_API_KEY = "test-key"
INFAKT_BASE_URL = "https://infakt.test/api/v3"
DATABASES["default"]["CONN_MAX_AGE"] = 0  # noqa: F405
# The first-run review is tested on its own (notifications/tests/test_review.py) with it switched on.
REMINDER_FIRST_RUN_REVIEW = False
# No test reaches NBP: a refused port unless a test points NBP_API_URL at its `responses` fixture.
NBP_API_URL = "http://127.0.0.1:9/nbp-api"
