"""Who the debtor is: a consumer or a business. One rule, used by the letters and the claims alike.

1. InFakt's `client_business_activity_kind` on the invoice (its snapshot of the buyer) decides:
   `private_person` = consumer, any other value (`self_employed`, `other_business`) = business;
2. without it, the client's own `business_activity_kind`, read the same way;
3. without either, a NIP (the client's, or the `client_tax_code` on the invoice) means a business,
   no NIP a consumer.

`buyer_is_consumer` applies it to plain values (lists and exports read them with `.values()`);
`Invoice.buyer_is_consumer` and `cases.claim_selectors.row_is_consumer` call it.
"""

from __future__ import annotations

CONSUMER_KIND = "private_person"


def _text(value) -> str:
    return value.strip() if isinstance(value, str) else ""


def buyer_is_consumer(*, invoice_kind="", client_kind="", nips=()) -> bool:
    """True for a consumer debtor. `nips`: every NIP known for the buyer (any non-empty one counts)."""
    kind = _text(invoice_kind) or _text(client_kind)
    if kind:
        return kind == CONSUMER_KIND
    return not any(_text(nip) for nip in nips)
