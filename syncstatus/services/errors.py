"""What the sync raises: a run refused (another one holds the lock) or failed, and an endpoint's failure
that fails the whole run; ACCOUNT_ERRORS are InFakt's answers about the key or the account."""

from __future__ import annotations

from infakt.errors import InfaktAuthError, InfaktForbidden, InfaktPaymentRequired

from ..models import SyncRun


class SyncAlreadyRunning(Exception):
    pass


class SyncFailed(Exception):
    def __init__(self, run: SyncRun) -> None:
        super().__init__(run.error)
        self.run = run


# Errors about the key or the account (401, 402, 403): the whole run fails at once.
ACCOUNT_ERRORS = (InfaktAuthError, InfaktForbidden, InfaktPaymentRequired)


class EndpointFailed(Exception):
    """An endpoint failed in a way that must fail the whole run (see the package docstring)."""
