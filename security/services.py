"""The failed-login limit, on django-axes (its AccessAttempt table, so it holds across processes and
instances).

Two locks, each LOGIN_FAILURE_LIMIT failures within LOGIN_FAILURE_WINDOW_MINUTES (counted from the
most recent failure, django-axes' cool-off):

- per address: an address that fails for any mix of user names is locked;
- per user name *and* address: a user name that fails from one address is locked there only.

There is deliberately no lock per user name alone: anyone could then lock out any user (the
superuser included) from anywhere by typing a wrong password five times. Instead, once a user name
has LOGIN_USER_SLOWDOWN_THRESHOLD failures in the window from all addresses together, every attempt
for it waits LOGIN_USER_SLOWDOWN_SECONDS before the password is checked: it slows a distributed
guesser down and never refuses the real user. Attempts refused by a lock are not counted, so a lock
ends on its own; a successful login clears the failures that counted against it.
`manage.py unlock_login USER [--ip ADDRESS]` lifts a lock early.
"""

from __future__ import annotations

import ipaddress
import logging
import time
from datetime import datetime, timedelta

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest
from django.utils import timezone

log = logging.getLogger("invoicetracker.security")


def normalize_username(username: str | None) -> str:
    return (username or "").strip().casefold()[:150]


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: from CLIENT_IP_HEADER when set (a header your proxy sets and clients
    cannot forge, e.g. X-Appengine-User-Ip on App Engine; of a list, the rightmost entry), else
    REMOTE_ADDR. None when neither is a valid IP address. (Also django-axes' AXES_CLIENT_IP_CALLABLE.)"""
    if request is None:
        return None
    candidates = []
    header = settings.CLIENT_IP_HEADER
    if header:
        raw = request.headers.get(header, "")
        parts = [part.strip() for part in raw.split(",") if part.strip()]
        if parts:
            candidates.append(parts[-1])
    candidates.append(request.META.get("REMOTE_ADDR", ""))
    for candidate in candidates:
        try:
            return str(ipaddress.ip_address(candidate))
        except ValueError:
            continue
    return None


def axes_username(request: HttpRequest | None, credentials: dict | None) -> str:
    """AXES_USERNAME_CALLABLE: the user name as typed, case-folded, so `ANNA` and `anna` count together."""
    name = (credentials or {}).get("username")
    if name is None and request is not None:
        name = request.POST.get("username")
    return normalize_username(name)


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def login_locked_until(*, request: HttpRequest, username: str | None) -> datetime | None:
    """When the lock on this address, or on this user name from this address, ends; None when a
    login may be attempted."""
    AxesProxyHandler.update_request(request)
    credentials = {"username": username or ""}
    if not AxesProxyHandler.is_locked(request, credentials):
        return None
    limit = settings.LOGIN_FAILURE_LIMIT
    ends = []
    handler = AxesProxyHandler.get_implementation()
    for attempts in handler.get_user_attempts(request, credentials):
        # Each row holds its latest failure; the lock ends a window after the row that reaches the limit.
        counted = 0
        for failures, at in attempts.order_by("-attempt_time").values_list("failures_since_start", "attempt_time"):
            counted += failures
            if counted >= limit:
                ends.append(at + _window())
                break
    return max(ends) if ends else timezone.now() + _window()


def login_user_failures(*, username: str | None, now: datetime | None = None) -> int:
    """Failures for this user name within the window, from every address together."""
    now = now or timezone.now()
    total = AccessAttempt.objects.filter(
        username=normalize_username(username), attempt_time__gte=now - _window()
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return total or 0


def login_slow_down(*, username: str | None) -> float:
    """Wait before checking a password for a user name under a distributed attack; the seconds waited."""
    name = normalize_username(username)
    if not name or login_user_failures(username=name) < settings.LOGIN_USER_SLOWDOWN_THRESHOLD:
        return 0.0
    seconds = settings.LOGIN_USER_SLOWDOWN_SECONDS
    log.warning("login for user %r slowed down by %ss after repeated failures from many addresses", name, seconds)
    time.sleep(seconds)
    return float(seconds)


def login_unlock(*, username: str | None = None, ip: str | None = None) -> int:
    """Lift the locks on a user name (from every address) and/or an address; the failure rows removed."""
    removed = 0
    if username:
        removed += reset(username=normalize_username(username))
    if ip:
        removed += reset(ip=ip)
    return removed
