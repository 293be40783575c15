"""django-tables2 tables for the case lists: every column sorts in the database.

Each ordering ends with the primary key so that pages never overlap or skip rows
when many cases share a due date.
"""

from __future__ import annotations

import functools
import inspect
import itertools

import django_tables2 as tables
from django.db.models import F
from django.urls import reverse
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _
from django_tables2.rows import BoundRow

from common import formatting
from common.calendar import business_today

from .claim_selectors import case_claims, claim_display
from .models import Case


def progress_html(record) -> str:
    """The ladder's progress as it truly is: letters actually sent of the rungs, and the last rung handled."""
    text = gettext("wysłano %(sent)s z %(total)s") % {
        "sent": record.letters_sent or 0,
        "total": record.stages_total or 0,
    }
    if record.last_stage_name:
        return format_html('{} <small class="it-stage">{}</small>', text, record.last_stage_name)
    return str(text)


def claim_cell(claim, *, currency: str, warn_class: str = "warn", missing: str | None = None) -> str:
    """A claim in a list's cell: the total, with interest and compensation in the hover text; a claim
    without a rate is marked (`warn_class`) and shows `missing` (by default the total's own text)."""
    if claim is None:
        return ""
    text = claim_display(claim, currency=currency)
    if claim.total is None:  # what is missing is in the hover text and on the case page
        return format_html(
            '<span class="{}" title="{} / {}">{}</span>',
            warn_class,
            text.interest,
            text.compensation,
            text.total if missing is None else missing,
        )
    return format_html(
        '<span title="{}: {} · {}: {}">{}</span>',
        gettext("odsetki"),
        text.interest,
        gettext("rekompensata"),
        text.compensation,
        text.total,
    )


def missing_email_mark(case, *, css: str = "warn") -> str:
    """ "✉ brak" when the case's client has no usable e-mail address (or there is no client), else ""."""
    client = case.invoice.client
    if client is None or not client.has_usable_email:
        return format_html(
            '<span class="{}" title="{}">✉ {}</span>', css, gettext("brak poprawnego e-maila"), gettext("brak")
        )
    return ""


class MoneyColumn(tables.Column):
    """Integer grosze shown as 1 234,56 zł."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("attrs", {"td": {"class": "num"}, "th": {"class": "num"}})
        super().__init__(*args, **kwargs)

    def render(self, value, record):
        return formatting.format_money(value, record.invoice.currency)


class PlainDateColumn(tables.Column):
    """Dates as 31.12.2026, whatever the UI language."""

    def render(self, value):
        return formatting.format_date(value)


@functools.lru_cache(maxsize=256)
def _choice_label(field, value, language: str) -> str:
    return str(dict(field.flatchoices).get(value, value if value is not None else ""))


def choice_label(record, name: str) -> str:
    """`record.get_<name>_display()` without its cost: Django builds the whole choices dict, translating
    every label, on each call; this looks the label up once per (field, value, language)."""
    return _choice_label(record._meta.get_field(name), getattr(record, name), get_language() or "")


_CELL_ARGUMENTS = frozenset({"value", "record", "column", "bound_column", "table"})


def _resolve(bits: tuple[str, ...], record):
    """An accessor's value as django-tables2 resolves it on a model instance: attributes along the path,
    callables called (never one that alters data), stopping at None."""
    current = record
    for bit in bits:
        current = getattr(current, bit)
        if callable(current) and not getattr(current, "do_not_call_in_templates", False):
            if getattr(current, "alters_data", False):
                raise ValueError(f"Refusing to call {bit}(): it alters data")
            current = current()
        if current is None:
            break
    return current


class _CellWriter:
    """One column's cells, as django-tables2's `BoundRow.get_cell` computes them, with what does not change
    from row to row read once: the accessor's path, whether its field has choices (its label is shown),
    the render method's arguments. `write(record)` returns None when the column needs the general path."""

    def __init__(self, table, bound_column, model):
        self.table, self.bound_column, self.column = table, bound_column, bound_column.column
        self.bits = tuple(bound_column.accessor.bits)
        field = bound_column.accessor.get_field(model)
        self.choices = bool(getattr(field, "choices", None)) and field.name == self.bits[-1]
        parameters = list(inspect.signature(bound_column.render).parameters.values())
        self.names = tuple(parameter.name for parameter in parameters)
        self.general = not set(self.names) <= _CELL_ARGUMENTS or any(
            parameter.kind in (parameter.VAR_KEYWORD, parameter.VAR_POSITIONAL) for parameter in parameters
        )
        self.empty_values, self.default = self.column.empty_values, bound_column.default

    def write(self, record):
        try:
            if self.choices:
                owner = _resolve(self.bits[:-1], record)
                value = choice_label(owner, self.bits[-1]) if owner is not None else None
            else:
                value = _resolve(self.bits, record)
        except (AttributeError, TypeError, ValueError):
            return None  # django-tables2 decides (a column without a value, a link column's text)
        if value in self.empty_values:
            return self.default
        arguments = {
            "value": value,
            "record": record,
            "column": self.column,
            "bound_column": self.bound_column,
            "table": self.table,
        }
        content = self.bound_column.render(**{name: arguments[name] for name in self.names})
        return self.bound_column.link(content, **arguments) if self.bound_column.link else content


class FastBodyTable(tables.Table):
    """A table whose body is written in Python, not through the template engine cell by cell.

    django-tables2's template renders 100 rows of 12 cells in about 120 ms here: each cell resolves its
    column's attributes, inspects its render method's signature, walks the accessor twice, builds the
    whole choices dict for a label, and goes through the template engine's variable lookups.
    `body_html` writes the same HTML in a fraction of that: the `<td>` attributes once per column (the
    tables here compute none from the row), each column's accessor, choices and render arguments once
    (`_CellWriter`), each cell a walk of its accessor and a call of its render method. A column the
    writer cannot take (a render asking for the row, a value django-tables2 resolves otherwise) goes
    through django-tables2's own `BoundRow.get_cell`. `cases/tests/test_tables.py` pins the output to
    the stock template's, so an upgrade that changes either shows.
    """

    def body_html(self) -> SafeString:
        self._counter = itertools.count()  # the first row is "even" whatever read the rows before
        columns = list(self.columns)
        openings = [format_html("<td {}>", column.attrs["td"].as_html()) for column in columns]
        records = list(self.page.object_list.data if hasattr(self, "page") else self.data)
        if not records:
            return mark_safe("")
        model = type(records[0])
        writers = [_CellWriter(self, column, model) for column in columns]
        html = []
        for record in records:
            row = BoundRow(record, table=self)
            html.append(format_html("<tr {}>", row.attrs.as_html()))
            for writer, opening in zip(writers, openings, strict=True):
                cell = None if writer.general else writer.write(record)
                if cell is None:
                    cell = row.get_cell(writer.bound_column.name)
                html += (opening, conditional_escape(cell), "</td>")
            html.append("</tr>")
        return mark_safe("".join(html))  # noqa: S308 - every part is escaped or built by format_html


# The columns the open and the closed case lists share, in order; each list then adds its own.
LEADING_COLUMNS = ("number", "kind", "client", "nip", "gross", "left_to_pay", "due_date", "days_past_due", "progress")


class CaseTable(FastBodyTable):
    number = tables.Column(
        verbose_name=_("numer faktury"),
        accessor="invoice__number",
        linkify=("cases:detail", {"pk": tables.A("pk")}),
        order_by=("invoice__number", "pk"),
    )
    kind = tables.Column(
        verbose_name=_("rodzaj"), accessor="invoice__kind", order_by=("invoice__kind", "pk"), default=""
    )
    client = tables.Column(
        verbose_name=_("kontrahent"),
        accessor="invoice__client__name",
        # The name stored on the invoice, ties by invoice: one (client_sort_name, id) index, no join to sort.
        order_by=("invoice__client_sort_name", "invoice_id"),
    )
    nip = tables.Column(
        verbose_name=_("NIP"),
        accessor="invoice__client__nip_normalized",
        order_by=("invoice__client__nip_normalized", "pk"),
    )
    gross = MoneyColumn(verbose_name=_("brutto"), accessor="invoice__gross", order_by=("invoice__gross", "pk"))
    left_to_pay = MoneyColumn(
        verbose_name=_("pozostało"), accessor="invoice__left_to_pay", order_by=("invoice__left_to_pay", "pk")
    )
    due_date = PlainDateColumn(
        verbose_name=_("termin"), accessor="invoice__due_date", order_by=("invoice__due_date", "pk")
    )
    # Computed by the database; sorted through the due date reversed (the same order, and indexable).
    days_past_due = tables.Column(
        verbose_name=_("dni po terminie"),
        order_by=("-invoice__due_date", "pk"),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    progress = tables.Column(
        verbose_name=_("przypomnienia"),
        accessor="last_stage_offset",
        order_by=("last_stage_offset", "pk"),
        empty_values=(),  # no stage yet still renders as 0/5
    )
    next_reminder_date = PlainDateColumn(
        verbose_name=_("następne przypomnienie"), order_by=("next_reminder_date", "pk")
    )
    status = tables.Column(verbose_name=_("status"), order_by=("status", "paused_until", "pk"))
    # The claim as of today (interest + compensation + left to pay), computed for the rows of the page;
    # sorted by the total stored at the last daily refresh (`case_claims_refresh`).
    claim_total = tables.Column(
        verbose_name=_("roszczenie"),
        order_by=("claim_total", "pk"),
        empty_values=(),
        attrs={"td": {"class": "num"}, "th": {"class": "num"}},
    )
    missing_email = tables.Column(
        verbose_name=_("e-mail"),
        accessor="invoice__client__has_usable_email",
        order_by=("invoice__client__has_usable_email", "pk"),
        default="",
    )

    class Meta:
        model = Case
        fields = ()
        sequence = (*LEADING_COLUMNS, "claim_total", "next_reminder_date", "status", "missing_email")
        order_by = ("-days_past_due",)
        empty_text = _("Brak spraw spełniających kryteria.")
        attrs = {"class": "it-table"}
        template_name = "cases/case_table.html"

    def get_column_class_names(self, classes_set, bound_column):
        # Each cell carries its column name, for styling and for the browser tests.
        return {*super().get_column_class_names(classes_set, bound_column), bound_column.name}

    def before_render(self, request):
        shown = hasattr(self, "page") and "claim_total" not in (self.exclude or ())
        records = [row.record for row in self.page.object_list] if shown else []
        self.claims = case_claims(cases=records, day=business_today())

    def render_claim_total(self, record):
        return claim_cell(getattr(self, "claims", {}).get(record.pk), currency=record.invoice.currency)

    def render_days_past_due(self, value):
        css = "overdue" if value > 0 else "notdue"
        return format_html('<span class="{}">{}</span>', css, value)

    def order_progress(self, queryset, is_descending):
        # Cases with no stage handled yet (NULL) come first when ascending.
        offset = F("last_stage_offset")
        order = offset.desc(nulls_last=True) if is_descending else offset.asc(nulls_first=True)
        return queryset.order_by(order, "-pk" if is_descending else "pk"), True

    def render_progress(self, record):
        return progress_html(record)

    def render_status(self, record):
        if record.status == Case.Status.ACTIVE and record.handover:
            return format_html('<span class="handover {}">{}</span>', record.handover, choice_label(record, "handover"))
        if record.status == Case.Status.CLOSED:
            return f"{choice_label(record, 'status')}: {choice_label(record, 'close_reason')}"
        if record.is_paused:
            return format_html(
                '{} <span class="paused">{} {}</span>',
                choice_label(record, "status"),
                gettext("wstrzymana do"),
                record.paused_until_display,
            )
        return choice_label(record, "status")

    def render_client(self, record):
        """The client's name links to the client page; the funnel keeps this list to the client's cases."""
        client = record.invoice.client
        if client is None:
            return "—"
        return format_html(
            '<a href="{}">{}</a> <a class="client-filter" href="?client_id={}" title="{}" aria-label="{}">▾</a>',
            reverse("clients:detail", args=[client.pk]),
            client.name or "—",
            client.pk,
            gettext("tylko sprawy tego kontrahenta"),
            gettext("tylko sprawy tego kontrahenta"),
        )

    def render_kind(self, record):
        return choice_label(record.invoice, "kind")

    def render_missing_email(self, record):
        return missing_email_mark(record)


class ClosedCaseTable(CaseTable):
    closed_at = PlainDateColumn(verbose_name=_("zamknięta"), order_by=("closed_at", "pk"))
    close_reason = tables.Column(verbose_name=_("powód zamknięcia"), order_by=("close_reason", "pk"))

    class Meta(CaseTable.Meta):
        sequence = (*LEADING_COLUMNS, "closed_at", "close_reason", "missing_email")
        exclude = ("next_reminder_date", "status", "claim_total")
        order_by = ("-closed_at",)

    def render_close_reason(self, record):
        return choice_label(record, "close_reason")
