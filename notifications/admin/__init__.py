"""Admin for reminder e-mails, one module a seam:

- `log`: the e-mail log, read-only: `NotificationAdmin` (resend, confirm sent), `ReminderMessageAdmin`
  (the e-mails as sent) and `NotificationInline` (the case's e-mails, for the case admin);
- `runs`: the sending runs, read-only;
- `stage_form`: the reminder stage's form (its texts must parse and render, on sample letters);
- `stages`: `ReminderStageAdmin`, the ladder with its editor's live preview and test send.

Dependency order inside the package: `log`, `runs` and `stage_form` import none of the others;
`stages` imports `stage_form`.

Notifications, messages and runs are registered here (autodiscovery imports this package). The stage
admin and the inline are not: the site is assembled at the top (invoicetracker/admin.py), which registers
ReminderStage (a model of `cases`) with `ReminderStageAdmin` and adds `NotificationInline` and "send a
stage now" (notifications/admin_actions.py) to the case admin.
"""

from .log import NotificationAdmin, NotificationInline, ReminderMessageAdmin
from .runs import ReminderRunAdmin
from .stage_form import ReminderStageForm
from .stages import ReminderStageAdmin

__all__ = [
    "NotificationAdmin",
    "NotificationInline",
    "ReminderMessageAdmin",
    "ReminderRunAdmin",
    "ReminderStageAdmin",
    "ReminderStageForm",
]
