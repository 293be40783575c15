"""`rates_changed`: staff edited a rate table or an exchange rate (the admin sends it).

`claims` sits below `cases` and never imports it: `cases.apps` listens and refreshes the stored
claims of the active cases once the edit is committed.
"""

from django.dispatch import Signal

rates_changed = Signal()
