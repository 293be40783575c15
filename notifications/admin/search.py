"""The e-mail logs' search (issue 13): the Message-ID condition; the capped two-shape search itself
(`CappedSearchMixin`, `ChoicesFilter`) is common to the admin lists, in common/admin_search.py."""

from __future__ import annotations

from django.db.models import Q


def message_id_q(term: str) -> Q:
    """The e-mails with this Message-ID, with or without its angle brackets."""
    bare = term.strip().strip("<>")
    return Q(message_id__in=[bare, f"<{bare}>"])
