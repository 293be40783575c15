"""Staff admin for the dunning domain, one module a seam:

- `case`: `CaseAdmin` (its list, page and actions) and the timeline inline; `case_columns` what it shows;
- `actions`: how its actions run (parameter page, per-case run, report), shared with the higher layers';
- `filters`, `changelist`: the case list's filters and its ChangeList;
- `client`, `invoice`: the InFakt mirrors, read-only.

Clients and invoices are registered here (autodiscovery imports this package). Cases are not: the site
is assembled at the top (invoicetracker/admin.py), which registers `CaseAdmin` with the higher layers'
inline and actions, and ReminderStage with its admin from `notifications`.
"""

from .case import CaseAdmin, CaseEventInline
from .client import ClientAdmin
from .invoice import InvoiceAdmin

__all__ = ["CaseAdmin", "CaseEventInline", "ClientAdmin", "InvoiceAdmin"]
