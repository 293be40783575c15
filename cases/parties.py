"""Who the debtor is: a consumer or a business (the rule the letters and the claims share).

InFakt's `client_business_activity_kind` on the invoice decides (`private_person` = consumer,
`self_employed` / `other_business` = business); without it, the client's own
`business_activity_kind`; without either, a NIP means a business, no NIP a consumer.
"""

from __future__ import annotations

from .models import Client

CONSUMER_KIND = "private_person"


def client_is_consumer(client: Client | None, *, invoice_kind: str = "") -> bool:
    """True for a consumer debtor. `invoice_kind`: the invoice's `client_business_activity_kind`."""
    if invoice_kind:
        return invoice_kind == CONSUMER_KIND
    if client is None:
        return True
    if client.business_activity_kind:
        return client.business_activity_kind == CONSUMER_KIND
    return not (client.nip_normalized or client.nip)
