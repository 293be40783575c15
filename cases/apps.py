from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "cases"
    verbose_name = _("Windykacja")

    def ready(self) -> None:
        from claims.signals import rates_changed

        rates_changed.connect(_refresh_claims_after_rate_edit, dispatch_uid="cases.refresh_claims_after_rate_edit")


def _refresh_claims_after_rate_edit(sender, **kwargs) -> None:
    """A rate edited in the admin changes every claim that uses it: store them again once committed."""
    from django.db import transaction

    from .services.claims import case_claims_refresh

    transaction.on_commit(lambda: case_claims_refresh())
