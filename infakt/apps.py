"""Django glue for the InFakt client: configuration checks only.

Everything else in this package is free of Django so it can be used and tested alone.
"""

from __future__ import annotations

from django.apps import AppConfig
from django.conf import settings
from django.core import checks


class InfaktConfig(AppConfig):
    name = "infakt"
    verbose_name = "InFakt"

    def ready(self) -> None:
        checks.register(check_infakt_settings, checks.Tags.compatibility)


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
