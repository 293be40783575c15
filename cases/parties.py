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
    if client is None:
        return kinds_say_consumer(invoice_kind=invoice_kind, has_client=False)
    return kinds_say_consumer(
        invoice_kind=invoice_kind,
        client_kind=client.business_activity_kind,
        nip=client.nip_normalized or client.nip,
    )


def kinds_say_consumer(
    *, invoice_kind: str = "", client_kind: str = "", nip: str = "", has_client: bool = True
) -> bool:
    """The same rule on plain values (lists and exports read them with `.values()`)."""
    if invoice_kind:
        return invoice_kind == CONSUMER_KIND
    if not has_client:
        return True
    if client_kind:
        return client_kind == CONSUMER_KIND
    return not nip
