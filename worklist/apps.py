from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class WorklistConfig(AppConfig):
    """The clerk's morning (issue 13): /cases/today/ and the case page's "send the next letter now".

    It sits above `notifications` (infakt -> cases -> notifications -> worklist -> syncstatus ->
    invoicetracker): it reads and acts through `cases` and `notifications` services; nothing below
    imports it.
    """

    name = "worklist"
    verbose_name = _("Lista na dziś")
