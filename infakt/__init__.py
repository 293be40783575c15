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
)
from .types import ClientRecord, InvoiceRecord, RecordError, SkippedRecord, parse_client, parse_invoice

__all__ = [
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
    "InvoiceRecord",
    "PageInfo",
    "RecordError",
    "SkippedRecord",
    "parse_client",
    "parse_invoice",
]
