"""The e-mail logs' search and filters at 300,000 rows (issue 13).

`CappedSearchMixin` searches a log in two shapes that find the same rows, chosen by how many rows the
words find: the sparse shape reads the matches through indexes and is counted first, stopping after
SEARCH_COUNT_CAP + 1 rows; past the cap the word is common (a name a tenth of the clients share) and the
list takes the dense shape, a hashed set PostgreSQL tests while walking the log in display order,
stopping after a page; the count then says "more than 1000" and the date bar walks its index too.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q

from cases.selectors import search_terms

# A searched e-mail log is counted up to this many rows: beyond it the lists say "more than".
SEARCH_COUNT_CAP = 1000


def message_id_q(term: str) -> Q:
    """The e-mails with this Message-ID, with or without its angle brackets."""
    bare = term.strip().strip("<>")
    return Q(message_id__in=[bare, f"<{bare}>"])


class CappedCountPaginator(Paginator):
    """A searched log's paginator: the count the search already took (at most SEARCH_COUNT_CAP + 1 rows),
    so a word matching a tenth of 300,000 e-mails costs the same as one matching a hundred."""

    def __init__(self, *args, found: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.capped = found > SEARCH_COUNT_CAP
        self.count = min(found, SEARCH_COUNT_CAP)  # the cached_property, set


class CappedSearchMixin:
    """`get_search_results` from the admin's `search_shapes(term) -> (sparse Q, dense Q)`."""

    def search_shapes(self, term: str) -> tuple[Q, Q]:
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        terms = search_terms(search_term)
        if not terms:
            return queryset, False
        sparse, dense = queryset, queryset
        for term in terms:
            sparse_q, dense_q = self.search_shapes(term)
            sparse, dense = sparse.filter(sparse_q), dense.filter(dense_q)
        found = sparse.order_by().values("pk")[: SEARCH_COUNT_CAP + 1].count()
        request._log_search_found = found
        return (sparse if found <= SEARCH_COUNT_CAP else dense), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        found = getattr(request, "_log_search_found", None)
        if found is None:
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return CappedCountPaginator(queryset, per_page, orphans, allow_empty_first_page, found=found)


class ChoicesFilter(admin.SimpleListFilter):
    """A filter on a text column whose values are a known set: the choices listed without the
    `SELECT DISTINCT` over the whole log that Django's filter on a plain field runs on every page
    (two sequential scans of ~200,000 e-mails, 80 ms at 100,000 cases)."""

    choices_from: type[models.TextChoices]

    def lookups(self, request, model_admin):
        return self.choices_from.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset
