from __future__ import annotations

import pytest

from infakt.errors import (
    InfaktAuthError,
    InfaktBadResponse,
    InfaktClientError,
    InfaktError,
    InfaktForbidden,
    InfaktNotFound,
    InfaktPaymentRequired,
    InfaktRateLimited,
    InfaktServerError,
    InfaktUnavailable,
    error_for_status,
)


@pytest.mark.parametrize(
    ("status", "error_class", "retryable"),
    [
        (400, InfaktClientError, False),
        (401, InfaktAuthError, False),
        (402, InfaktPaymentRequired, False),
        (403, InfaktForbidden, False),
        (404, InfaktNotFound, False),
        (422, InfaktClientError, False),
        (429, InfaktRateLimited, True),
        (500, InfaktServerError, True),
        (503, InfaktUnavailable, True),
        (302, InfaktBadResponse, False),
    ],
)
def test_it_maps_each_status_to_a_typed_error(status: int, error_class: type[InfaktError], retryable: bool) -> None:
    error = error_for_status(status, f"GET /x.json -> HTTP {status}")

    assert type(error) is error_class
    assert isinstance(error, InfaktError)
    assert (error.status, error.retryable) == (status, retryable)
    assert str(error) == f"GET /x.json -> HTTP {status}"


def test_a_rate_limit_error_carries_retry_after() -> None:
    error = error_for_status(429, "GET /x.json -> HTTP 429", retry_after=7.0)

    assert isinstance(error, InfaktRateLimited)
    assert error.retry_after == 7.0
