"""Django glue for the InFakt client: the client built from the settings, and their check.

Everything else in this package is free of Django so it can be used and tested alone
(infakt/tests/test_django_free.py).
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core import checks

from .client import InfaktAPI


class InfaktConfig(AppConfig):
    name = "infakt"
    verbose_name = "InFakt"

    def ready(self) -> None:
        checks.register(check_infakt_settings, checks.Tags.compatibility)


def build_api() -> InfaktAPI:
    """The client the sync uses, configured by the INFAKT_* settings checked below."""
    return InfaktAPI(
        settings.INFAKT_API_KEY,
        settings.INFAKT_BASE_URL,
        timeout=settings.INFAKT_TIMEOUT,
        max_get_per_minute=settings.INFAKT_MAX_GET_PER_MINUTE,
        max_retries=settings.INFAKT_MAX_RETRIES,
    )


def check_infakt_settings(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    messages: list[checks.CheckMessage] = []
    if not settings.INFAKT_API_KEY:
        messages.append(
            checks.Warning(
                "INFAKT_API_KEY is empty: the sync cannot read InFakt.",
                hint="Set INFAKT_API_KEY to a key with the api:invoices:read scope "
                "(InFakt: Ustawienia → Inne opcje → API), or run ./run for the bundled simulator.",
                id="infakt.W001",
            )
        )
    return messages
