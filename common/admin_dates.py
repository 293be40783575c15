"""The admin's date hierarchy over 100,000 rows, with index-friendly SQL (used by every admin list
with a `date_hierarchy` through the admin site: the cases, the e-mail log, the runs)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db.models import Exists, F, Max, Min, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone


def _periods(first: date, last: date, kind: str) -> list[tuple[date, date]]:
    """[start, end) of every year, month or day from `first` to `last`."""
    periods = []
    if kind == "year":
        for year in range(first.year, last.year + 1):
            periods.append((date(year, 1, 1), date(year + 1, 1, 1)))
    elif kind == "month":
        year, month = first.year, first.month
        while (year, month) <= (last.year, last.month):
            nxt = (year + 1, 1) if month == 12 else (year, month + 1)
            periods.append((date(year, month, 1), date(*nxt, 1)))
            year, month = nxt
    else:
        day = first
        while day <= last:
            periods.append((day, day + timedelta(days=1)))
            day += timedelta(days=1)
    return periods


class DateHierarchyQuerySet:
    """What the admin's date hierarchy reads from `cl.queryset`, answered with index-friendly SQL.

    Django asks for MIN/MAX of the date and for the DISTINCT years (months, days) of the
    whole filtered list: two hash joins over every case. Here the bounds come from
    ORDER BY ... LIMIT 1 subqueries and the periods from one EXISTS per candidate
    period, each set in a single query, so the cost no longer grows with the rows.
    Everything else is passed through to the real queryset.
    """

    def __init__(self, queryset, field: str, *, searched: bool = False):
        self._queryset = queryset
        self._field = field
        self._bounds = None
        # A text search keeps few rows: read them (trigram indexes) rather than walk the date index
        # testing the search on every row. Then the bounds are a true MIN/MAX (COALESCE(x, x) keeps
        # PostgreSQL from turning them back into index walks) and the periods Django's own query.
        self._searched = searched

    def __getattr__(self, name):
        return getattr(self._queryset, name)

    def __iter__(self):
        return iter(self._queryset)

    def __len__(self):
        return len(self._queryset)

    def _one_row(self, **annotations) -> dict | None:
        rows = list(self._queryset.model._default_manager.order_by().annotate(**annotations).values(*annotations)[:1])
        return rows[0] if rows else None

    def bounds(self) -> dict:
        if self._bounds is None and self._searched:
            value = Coalesce(F(self._field), F(self._field))
            self._bounds = self._queryset.order_by().aggregate(first=Min(value), last=Max(value))
        if self._bounds is None:
            field = self._field
            dated = self._queryset.order_by().filter(**{f"{field}__isnull": False}).values(field)
            row = self._one_row(
                first=Subquery(dated.order_by(field)[:1]), last=Subquery(dated.order_by(f"-{field}")[:1])
            )
            self._bounds = row or {"first": None, "last": None}
        return self._bounds

    def aggregate(self, *args, **kwargs):
        if args or set(kwargs) != {"first", "last"}:
            return self._queryset.aggregate(*args, **kwargs)
        return self.bounds()

    def dates(self, field_name, kind, order="ASC"):
        if field_name != self._field or self._searched:
            return self._queryset.dates(field_name, kind, order)
        return self._periods_with_rows(kind, order, aware=False)

    def datetimes(self, field_name, kind, order="ASC", tzinfo=None):
        """The same for a DateTimeField: periods are local (Warsaw) days, months or years."""
        if field_name != self._field or kind not in {"year", "month", "day"} or self._searched:
            return self._queryset.datetimes(field_name, kind, order, tzinfo=tzinfo)
        return self._periods_with_rows(kind, order, aware=True, tzinfo=tzinfo)

    def _periods_with_rows(self, kind: str, order: str, *, aware: bool, tzinfo=None) -> list:
        bounds = self.bounds()
        if bounds["first"] is None:
            return []
        first, last = bounds["first"], bounds["last"]
        if aware:
            tzinfo = tzinfo or timezone.get_current_timezone()
            first, last = timezone.localtime(first, tzinfo).date(), timezone.localtime(last, tzinfo).date()
        periods = _periods(first, last, kind)
        if aware:
            periods = [
                (
                    timezone.make_aware(datetime.combine(start, time()), tzinfo),
                    timezone.make_aware(datetime.combine(end, time()), tzinfo),
                )
                for start, end in periods
            ]
        base = self._queryset.order_by()
        field = self._field
        row = self._one_row(
            **{
                f"p{i}": Exists(base.filter(**{f"{field}__gte": start, f"{field}__lt": end}))
                for i, (start, end) in enumerate(periods)
            }
        )
        found = [start for i, (start, _end) in enumerate(periods) if row and row[f"p{i}"]]
        return found if order == "ASC" else found[::-1]
