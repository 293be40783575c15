"""What the case admin shows: the list's columns and the case page's fields (read-only, formatted)."""

from __future__ import annotations

from django.contrib import admin
from django.db.models import F
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from common import formatting
from common.calendar import business_today

from ..claim_selectors import case_claim_context
from ..models import Case, Invoice
from ..selectors import case_dunning_state
from ..tables import choice_label, claim_cell, missing_email_mark, progress_html


class CaseColumns:
    """The display methods of `CaseAdmin` (list_display, fieldsets and readonly_fields name them)."""

    @admin.display(description=_("numer faktury"), ordering="invoice__number")
    def invoice_number(self, obj):
        """The number, and under it the document's kind when it is not a plain VAT invoice."""
        if obj.invoice.kind == Invoice.Kind.VAT:
            return obj.invoice.number
        return format_html(
            '{}<br><small class="it-kind">{}</small>', obj.invoice.number, choice_label(obj.invoice, "kind")
        )

    @admin.display(description=_("rodzaj"), ordering="invoice__kind")
    def kind(self, obj):
        return choice_label(obj.invoice, "kind")

    @admin.display(description=_("kontrahent"), ordering="invoice__client_sort_name")
    def client_name(self, obj):
        client = obj.invoice.client
        if client is None:
            return "—"
        return format_html('<a href="{}">{}</a>', reverse("clients:detail", args=[client.pk]), client.name or "—")

    @admin.display(description=_("kontrahent"))
    def client_link(self, obj):
        client = obj.invoice.client
        if client is None:
            return "—"
        url = reverse("admin:cases_client_change", args=[client.pk])
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a>',
            url,
            client.name,
            reverse("clients:detail", args=[client.pk]),
            gettext("strona kontrahenta"),
        )

    @admin.display(description=_("NIP"), ordering="invoice__client__nip_normalized")
    def client_nip(self, obj):
        client = obj.invoice.client
        return client.nip_normalized if client else ""

    @admin.display(description=_("e-mail"))
    def client_emails(self, obj):
        client = obj.invoice.client
        if client is None or not client.has_usable_email:
            return format_html('<span class="it-warn">{}</span>', gettext("brak poprawnego e-maila"))
        return ", ".join(client.emails)

    @admin.display(description=_("brutto"), ordering="invoice__gross")
    def gross(self, obj):
        return formatting.format_money(obj.invoice.gross, obj.invoice.currency)

    @admin.display(description=_("zapłacono"))
    def paid(self, obj):
        return formatting.format_money(obj.invoice.paid, obj.invoice.currency)

    @admin.display(description=_("pozostało"), ordering="invoice__left_to_pay")
    def left_to_pay(self, obj):
        return formatting.format_money(obj.invoice.left_to_pay, obj.invoice.currency)

    @admin.display(description=_("wystawiona"))
    def issue_date(self, obj):
        return formatting.format_date(obj.invoice.issue_date)

    @admin.display(description=_("termin"), ordering="invoice__due_date")
    def due_date(self, obj):
        return formatting.format_date(obj.invoice.due_date)

    # Sorted through the due date (reversed): the same order as the computed days, and indexable.
    @admin.display(description=_("dni po terminie"), ordering="-invoice__due_date")
    def days_past_due(self, obj):
        days = obj.days_past_due
        if days is None:
            return "—"
        css = "it-overdue" if days > 0 else "it-notdue"
        if obj.invoice.due_date is None:
            return format_html('<span class="{}">{}</span>', css, days)
        return format_html(
            '<span class="{}">{}</span><br><small title="{}">{}</small>',
            css,
            days,
            gettext("termin"),
            formatting.format_date(obj.invoice.due_date),
        )

    @admin.display(description=_("przypomnienia"), ordering="next_reminder_date")
    def reminders(self, obj):
        """Letters actually sent of the rungs (and the last rung handled), then the next reminder's date."""
        progress = progress_html(obj)
        if obj.next_reminder_date is None:
            return progress
        return format_html(
            "{}<br><small>{} {}</small>",
            progress,
            gettext("następne"),
            formatting.format_date(obj.next_reminder_date),
        )

    @admin.display(description=_("przypomnienia"), ordering=F("last_stage_offset").asc(nulls_first=True))
    def progress(self, obj):
        return progress_html(obj)

    @admin.display(description=_("drabina wezwań"))
    def dunning_state(self, obj):
        labels = {
            "sent": gettext("wysłany"),
            "uncertain": gettext("niepewny (do sprawdzenia)"),
            "skipped": gettext("pominięty"),
            "next": gettext("następny"),
            "later": gettext("jeszcze nie"),
        }
        rows = format_html_join(
            "",
            '<tr class="rung {}"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>',
            (
                (
                    rung.state,
                    rung.name,
                    f"{rung.offset:+d}",
                    labels[rung.state],
                    formatting.format_date(rung.day) if rung.day else rung.note,
                )
                for rung in case_dunning_state(case=obj)
            ),
        )
        handover = ""
        if obj.handover == Case.Handover.TO_HAND_OVER:
            handover = format_html(
                '<p class="handover to_hand_over"><strong>{}</strong></p>', gettext("Do przekazania")
            )
        elif obj.handover == Case.Handover.HANDED_OVER:
            handover = format_html(
                '<p class="handover handed_over"><strong>{}</strong> {} · {}{}</p>',
                gettext("Przekazana"),
                formatting.format_date(obj.handed_over_on),
                obj.handed_over_to,
                f" · {obj.handover_note}" if obj.handover_note else "",
            )
        return format_html('<table class="it-ladder">{}</table>{}', rows, handover)

    @admin.display(description=_("następne przypomnienie"), ordering="next_reminder_date")
    def next_reminder(self, obj):
        if obj.next_reminder_date is None:
            return "—"
        if obj.next_stage is not None:
            return format_html(
                "{} <small>{}</small>", formatting.format_date(obj.next_reminder_date), obj.next_stage.name
            )
        return formatting.format_date(obj.next_reminder_date)

    @admin.display(description=_("status"), ordering="status")
    def status_display(self, obj):
        label = choice_label(obj, "status")
        if obj.status == Case.Status.CLOSED:
            return format_html('<span class="it-closed">{}: {}</span>', label, choice_label(obj, "close_reason"))
        if obj.is_paused:
            label = format_html(
                '{} <span class="it-paused">{} {}</span>',
                label,
                gettext("wstrzymana do"),
                obj.paused_until_display,
            )
        if obj.handover:
            label = format_html('{} <span class="it-handover">{}</span>', label, choice_label(obj, "handover"))
        mark = self.email_mark(obj)
        return format_html("{}<br>{}", label, mark) if mark else label

    @admin.display(description=_("e-mail"), ordering="invoice__client__has_usable_email")
    def email_mark(self, obj):
        return missing_email_mark(obj, css="it-warn")

    @admin.display(description=_("otwarta"))
    def opened(self, obj):
        return formatting.format_datetime(obj.opened_at)

    @admin.display(description=_("wstrzymanie"))
    def pause(self, obj):
        if obj.paused_until is None and not obj.awaits_amount_review:
            return "—"
        text = f"{obj.paused_until_display}: {choice_label(obj, 'pause_reason')}"
        return f"{text} ({obj.pause_note})" if obj.pause_note else text

    @admin.display(description=_("zamknięcie"))
    def closed(self, obj):
        if obj.closed_at is None:
            return "—"
        by = f", {obj.closed_by}" if obj.closed_by_id else ""
        return f"{formatting.format_datetime(obj.closed_at)}: {choice_label(obj, 'close_reason')}{by}"

    @admin.display(description=_("ostatnio odświeżona"))
    def last_refreshed(self, obj):
        return formatting.format_datetime(obj.last_refreshed_at) or "—"

    @admin.display(description=_("strona sprawy"))
    def public_link(self, obj):
        return format_html('<a href="{}">{}</a>', reverse("cases:detail", args=[obj.pk]), gettext("oś czasu sprawy"))

    # The claim computed for today; sorted by the total stored at the last daily refresh.
    @admin.display(description=_("roszczenie"), ordering="claim_total")
    def claim_column(self, obj):
        return claim_cell(
            getattr(obj, "claim_today", None),
            currency=obj.invoice.currency,
            warn_class="it-warn",
            missing=gettext("brak stawki"),
        )

    @admin.display(description=_("roszczenie na dziś"))
    def claim_summary(self, obj):
        context = case_claim_context(obj, day=business_today())
        text, claim = context["claim_text"], context["claim"]
        rows = [
            (gettext("należność główna"), formatting.format_money(claim.left_to_pay, obj.invoice.currency)),
            (gettext("odsetki"), text.interest),
        ]
        if not context["claim_consumer"]:
            detail = f" ({text.compensation_detail})" if text.compensation_detail else ""
            rows.append((gettext("rekompensata"), f"{text.compensation}{detail}"))
        rows.append((gettext("razem"), text.total))
        if obj.waiver_reason:
            rows.append((gettext("powód rezygnacji"), obj.waiver_reason))
        return format_html_join(mark_safe("<br>"), "{}: {}", rows)
