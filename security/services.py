"""The failed-login limit: LOGIN_FAILURE_LIMIT failures for one user name, or from one IP address,
within LOGIN_FAILURE_WINDOW_MINUTES lock further attempts for that name (or address) until the
oldest of those failures leaves the window. Attempts refused by the lock are not counted, so the
lock ends on its own; a successful login clears the user name's failures.
"""

from __future__ import annotations

import ipaddress
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone

from .models import LoginFailure

log = logging.getLogger("invoicetracker.security")


def normalize_username(username: str | None) -> str:
    return (username or "").strip().casefold()[:150]


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address: from CLIENT_IP_HEADER when set (a header your proxy sets and clients
    cannot forge, e.g. X-Appengine-User-Ip on App Engine; of a list, the rightmost entry), else
    REMOTE_ADDR. None when neither is a valid IP address."""
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


def _window() -> timedelta:
    return timedelta(minutes=settings.LOGIN_FAILURE_WINDOW_MINUTES)


def login_locked_until(*, username: str | None, ip: str | None, now: datetime | None = None) -> datetime | None:
    """When the lock on this user name or address ends; None when a login may be attempted."""
    now = now or timezone.now()
    limit = settings.LOGIN_FAILURE_LIMIT
    recent = LoginFailure.objects.filter(failed_at__gt=now - _window())
    ends = []
    name = normalize_username(username)
    for scope in ({"username": name} if name else None, {"ip": ip} if ip else None):
        if scope is None:
            continue
        times = list(recent.filter(**scope).order_by("-failed_at").values_list("failed_at", flat=True)[:limit])
        if len(times) >= limit:
            ends.append(times[-1] + _window())
    return max(ends) if ends else None


def login_failure_record(*, username: str | None, ip: str | None, now: datetime | None = None) -> None:
    now = now or timezone.now()
    LoginFailure.objects.create(username=normalize_username(username), ip=ip, failed_at=now)
    # Keep only what the limit needs (the table holds IP addresses: personal data).
    LoginFailure.objects.filter(failed_at__lte=now - _window()).delete()
    until = login_locked_until(username=username, ip=ip, now=now)
    if until is not None:
        log.warning(
            "login locked until %s after repeated failures (user %r, address %s)",
            timezone.localtime(until).isoformat(timespec="seconds"),
            normalize_username(username),
            ip or "?",
        )


def login_failures_clear(*, username: str | None) -> None:
    LoginFailure.objects.filter(username=normalize_username(username)).delete()
