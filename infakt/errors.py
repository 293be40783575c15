"""Typed errors raised by the inFakt client.

Messages are built by the client from the method, the path with query, the HTTP status and
the API's own error text. They never contain the API key or any request header.
"""

from __future__ import annotations


class InfaktError(Exception):
    """Base class; `retryable` tells whether trying again later may succeed."""

    retryable: bool = False

    def __init__(self, message: str, *, status: int | None = None, retryable: bool | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
        if retryable is not None:
            self.retryable = retryable


class InfaktAuthError(InfaktError):
    """HTTP 401: missing or invalid API key."""


class InfaktPaymentRequired(InfaktError):
    """HTTP 402: the account's plan limit was exceeded."""


class InfaktForbidden(InfaktError):
    """HTTP 403: the key lacks a scope, or the source IP is blocked."""


class InfaktNotFound(InfaktError):
    """HTTP 404: the resource does not exist (e.g. a deleted invoice)."""


class InfaktClientError(InfaktError):
    """Any other HTTP 4xx (400, 406, 422, 423, ...)."""


class InfaktRateLimited(InfaktError):
    """HTTP 429; `retry_after` is the parsed Retry-After header in seconds, if usable."""

    retryable = True

    def __init__(self, message: str, *, status: int | None = 429, retry_after: float | None = None) -> None:
        super().__init__(message, status=status)
        self.retry_after = retry_after


class InfaktServerError(InfaktError):
    """HTTP 5xx."""

    retryable = True

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        retryable: bool | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message, status=status, retryable=retryable)
        self.retry_after = retry_after


class InfaktUnavailable(InfaktServerError):
    """HTTP 503: InFakt lists it, with 429, for its per-IP request limit; handled like 429."""


class InfaktTimeout(InfaktError):
    """Connecting to or reading from the API timed out."""

    retryable = True


class InfaktNetworkError(InfaktError):
    """The connection failed (DNS, refused, reset, broken stream)."""

    retryable = True


class InfaktBadResponse(InfaktError):
    """The response is not JSON, has the wrong envelope, or holds an unparseable entity."""


_BY_STATUS: dict[int, type[InfaktError]] = {
    401: InfaktAuthError,
    402: InfaktPaymentRequired,
    403: InfaktForbidden,
    404: InfaktNotFound,
}


def error_for_status(status: int, message: str, *, retry_after: float | None = None) -> InfaktError:
    """Map a non-2xx HTTP status to its typed error."""
    if status == 429:
        return InfaktRateLimited(message, retry_after=retry_after)
    if status == 503:
        return InfaktUnavailable(message, status=status, retry_after=retry_after)
    if status in _BY_STATUS:
        return _BY_STATUS[status](message, status=status)
    if 400 <= status < 500:
        return InfaktClientError(message, status=status)
    if status >= 500:
        return InfaktServerError(message, status=status)
    return InfaktBadResponse(message, status=status)
