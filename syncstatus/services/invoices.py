"""/invoices.json: the new-case window, the due cases to refresh, and the lists that read them (the
unpaid window by planned due-date ranges, the weekly full sweep, paid since, issued late)."""

from __future__ import annotations

from datetime import date, timedelta

from django.conf import settings
from django.db.models import Count, Q

from cases.models import Case, Invoice, case_paused_q
from common.calendar import stage_send_date

from .planning import plan_ranges
from .records import INVOICE_FIELDS, RecordReader


class InvoiceLists(RecordReader):
    """The phases "unpaid" (or the full sweep), "paid" and "late" on /invoices.json."""

    def window(self) -> tuple[date, date]:
        """Due dates (start, end] that get new cases today.

        Normally D + NEW_CASE_DAYS_BEFORE_DUE. When the first stage is before the
        due date and moves back off a weekend or holiday (an invoice due on
        Monday is reminded on Friday), the window reaches far enough that its
        case is open on the day that reminder goes out.
        """
        end = self.day + timedelta(days=settings.NEW_CASE_DAYS_BEFORE_DUE)
        first = self.stages[0].offset_days if self.stages else 0
        if first < 0:
            while stage_send_date(end + timedelta(days=1), first) <= self.day:
                end += timedelta(days=1)
        if self.previous is None:
            start = end - timedelta(days=settings.INITIAL_BACKFILL_DAYS + settings.NEW_CASE_DAYS_BEFORE_DUE + 1)
        else:
            start = min(self.previous.window_end, end)
        return start, end

    def due_cases(self) -> list[Case]:
        """Active cases this run must refresh: the next reminder is due by D, or an operator asked."""
        active = Case.objects.filter(status=Case.Status.ACTIVE).select_related("invoice")
        if self.case_ids is not None:
            return list(active.filter(pk__in=self.case_ids))
        due = Q(next_reminder_date__lte=self.day) & ~case_paused_q(self.day)
        return list(active.filter(due | Q(refresh_requested_at__isnull=False)))

    def unpaid_window(self, due: list[Case], start: date, end: date, *, include_window: bool) -> None:
        needed = {c.invoice.due_date for c in due if c.invoice.due_date}
        if include_window:
            needed.update(start + timedelta(days=i) for i in range(1, (end - start).days + 1))
        estimate = dict(
            Case.objects.filter(status=Case.Status.ACTIVE, invoice__due_date__isnull=False)
            .values_list("invoice__due_date")
            .annotate(n=Count("id"))
            .values_list("invoice__due_date", "n")
        )
        for low, high in plan_ranges(needed, estimate):
            filters = {"payment_date_gteq": low, "payment_date_lteq": high, "paid_date_null": True}
            self.read_invoices(
                self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
                window_end=end,
            )

    def full_sweep(self, end: date) -> None:
        oldest = (
            Case.objects.filter(status=Case.Status.ACTIVE)
            .order_by("invoice__due_date")
            .values_list("invoice__due_date", flat=True)
            .first()
        )
        floor = self.day - timedelta(days=settings.INITIAL_BACKFILL_DAYS)
        low = min(oldest, floor) if oldest else floor
        for status in (Invoice.Status.SENT, Invoice.Status.PRINTED):
            filters = {"status_eq": status.value, "payment_date_gteq": low, "payment_date_lteq": end}
            self.read_invoices(
                self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
                window_end=end,
            )

    def paid_since(self, window_end: date) -> None:
        if self.previous is None:
            return
        since = self.previous.target_date - timedelta(days=1)
        filters = {"paid_date_gteq": since}
        self.read_invoices(
            self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
            window_end=window_end,
        )

    def issued_late(self, window_start: date, window_end: date) -> None:
        if self.previous is None:
            return
        filters = {
            "invoice_date_gteq": self.previous.target_date - timedelta(days=1),
            "payment_date_lteq": window_start,
            "paid_date_null": True,
        }
        self.read_invoices(
            self.api.iter_invoices(filters=filters, order="id asc", fields=INVOICE_FIELDS, on_page=self.on_page),
            window_end=window_end,
        )
