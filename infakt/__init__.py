"""inFakt API v3 client: Django-free, imports nothing from other project apps."""

from .client import ApiStats, InfaktAPI, PageInfo
from .errors import (
    InfaktAuthError,
    InfaktBadResponse,
    InfaktClientError,
    InfaktError,
    InfaktForbidden,
    InfaktNetworkError,
    InfaktNotFound,
    InfaktPaymentRequired,
    InfaktRateLimited,
    InfaktServerError,
    InfaktTimeout,
    InfaktUnavailable,
)
from .types import (
    RECEIVABLE_ENDPOINTS,
    ClientRecord,
    InvoiceRecord,
    RecordError,
    SkippedRecord,
    endpoint_for_kind,
    parse_client,
    parse_invoice,
)

__all__ = [
    "RECEIVABLE_ENDPOINTS",
    "ApiStats",
    "ClientRecord",
    "InfaktAPI",
    "InfaktAuthError",
    "InfaktBadResponse",
    "InfaktClientError",
    "InfaktError",
    "InfaktForbidden",
    "InfaktNetworkError",
    "InfaktNotFound",
    "InfaktPaymentRequired",
    "InfaktRateLimited",
    "InfaktServerError",
    "InfaktTimeout",
    "InfaktUnavailable",
    "InvoiceRecord",
    "PageInfo",
    "RecordError",
    "SkippedRecord",
    "endpoint_for_kind",
    "parse_client",
    "parse_invoice",
]
