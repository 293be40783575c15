"""An admin list's text search at 100,000 rows, counted up to a cap (issue 13): the case list and the e-mail logs.

`CappedSearchMixin` searches a list in two shapes that find the same rows, chosen by how many rows the
words find: the sparse shape reads the matches through indexes and is counted first, stopping after
SEARCH_COUNT_CAP + 1 rows; past the cap the word is common (a name a tenth of the clients share) and the
list takes the dense shape, a hashed set PostgreSQL tests while walking the list in display order,
stopping after a page; the count then says "more than 1000" (templates/admin/pagination.html and
search_form.html) and the date bar walks its index too (invoicetracker/admin_site.py).
"""

from __future__ import annotations

from django.contrib import admin
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Q
from django.utils.text import smart_split, unescape_string_literal

# A searched list is counted up to this many rows: beyond it the lists say "more than".
SEARCH_COUNT_CAP = 1000


def django_search_words(search_term: str) -> list[str]:
    """The search box's words as Django's admin splits them (a quoted phrase is one word)."""
    words = []
    for word in smart_split(search_term):
        if word[:1] in {'"', "'"} and word[-1:] == word[:1]:
            word = unescape_string_literal(word)
        if word.strip():
            words.append(word)
    return words


class CappedCountPaginator(Paginator):
    """A searched list's paginator: the count the search already took (at most SEARCH_COUNT_CAP + 1 rows),
    so a word matching a tenth of 300,000 rows costs the same as one matching a hundred."""

    def __init__(self, *args, found: int, **kwargs):
        super().__init__(*args, **kwargs)
        self.capped = found > SEARCH_COUNT_CAP
        self.count = min(found, SEARCH_COUNT_CAP)  # the cached_property, set


class CappedSearchMixin:
    """`get_search_results` from the admin's `search_shapes(word) -> (sparse Q, dense Q)`, each word
    as `search_words` splits the box (an admin may set its own, e.g. a NIP typed with spaces as one)."""

    search_words = staticmethod(django_search_words)

    def search_shapes(self, term: str) -> tuple[Q, Q]:
        raise NotImplementedError

    def get_search_results(self, request, queryset, search_term):
        terms = self.search_words(search_term)
        if not terms:
            return queryset, False
        sparse, dense = queryset, queryset
        for term in terms:
            sparse_q, dense_q = self.search_shapes(term)
            sparse, dense = sparse.filter(sparse_q), dense.filter(dense_q)
        found = sparse.order_by().values("pk")[: SEARCH_COUNT_CAP + 1].count()
        request._capped_search_found = found
        return (sparse if found <= SEARCH_COUNT_CAP else dense), False

    def get_paginator(self, request, queryset, per_page, orphans=0, allow_empty_first_page=True):
        found = getattr(request, "_capped_search_found", None)
        if found is None:
            return super().get_paginator(request, queryset, per_page, orphans, allow_empty_first_page)
        return CappedCountPaginator(queryset, per_page, orphans, allow_empty_first_page, found=found)


class ChoicesFilter(admin.SimpleListFilter):
    """A filter on a text column whose values are a known set: the choices listed without the
    `SELECT DISTINCT` over the whole list that Django's filter on a plain field runs on every page
    (two sequential scans of ~200,000 e-mails, 80 ms at 100,000 cases)."""

    choices_from: type[models.TextChoices]

    def lookups(self, request, model_admin):
        return self.choices_from.choices

    def queryset(self, request, queryset):
        value = self.value()
        return queryset.filter(**{self.parameter_name: value}) if value else queryset
