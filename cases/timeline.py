"""Timeline texts as codes with parameters, rendered in the reader's language (issue 13).

A `CaseEvent` stores a `code` and raw `params` (money in grosze with its currency, dates as ISO
strings, choices as their stored values); the text is built when someone reads it, from the
`gettext_lazy` template registered here, with money and dates formatted by `common.formatting`.
`message` keeps the Polish text as well (for the admin's search and for rows written before codes
existed, which are shown as they are).

Every writer (cases, documents, notifications, syncstatus) uses the codes below; a kind without a
code (a later action, say) may still pass a plain `message` to `case_event_add`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.utils import translation
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext_lazy, pgettext_lazy

from common.formatting import format_date, format_money

from .models import Case, CaseEvent, Invoice


@dataclass(frozen=True)
class EventText:
    """A timeline text: its template, how to show each parameter, and optional parts.

    `money`: parameters in grosze (of `params["currency"]`); `dates`: ISO dates; `labels`: a
    parameter's stored value -> its (lazy) label; `extras`: (parameter, template) appended in
    order when the parameter is present and not empty.
    """

    template: object
    money: tuple[str, ...] = ()
    dates: tuple[str, ...] = ()
    labels: Mapping[str, Mapping] = field(default_factory=dict)
    extras: tuple[tuple[str, object], ...] = ()
    prepare: Callable[[dict], dict] | None = None


REGISTRY: dict[str, EventText] = {}


def register(code: str, text: EventText) -> None:
    """Register (or replace) the text of a code; apps register their codes at import of this module's users."""
    REGISTRY[code] = text


def _template(template: object, values: dict) -> str:
    # A lazy ngettext with a named count picks its plural form from `values` (Polish has three).
    return str(template % values)


def _value(text: EventText, name: str, value, currency: str):
    if name in text.money and isinstance(value, int):
        return format_money(value, currency)
    if name in text.dates and isinstance(value, str) and value:
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    if name in text.labels:
        labels = text.labels[name]
        key = value if not isinstance(value, list) else tuple(value)
        if key in labels:
            return str(labels[key])
        if isinstance(key, str) and str(key) in labels:
            return str(labels[str(key)])
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return "" if value is None else value


def render_event_text(code: str, params: dict | None) -> str | None:
    """The text of a coded event in the active language; None when the code is not registered."""
    text = REGISTRY.get(code)
    if text is None:
        return None
    params = dict(params or {})
    if text.prepare is not None:
        params = text.prepare(params)
    currency = params.get("currency") or "PLN"
    values = {name: _value(text, name, value, currency) for name, value in params.items()}
    try:
        result = _template(text.template, values)
        for name, extra in text.extras:
            if params.get(name) not in (None, "", [], False):
                result += _template(extra, values)
    except (KeyError, TypeError, ValueError):
        # A template and its parameters out of step (an old row, a renamed parameter): say so, lose nothing.
        return f"{code}: {params}"
    return result


def render_polish(code: str, params: dict | None) -> str:
    """The Polish text, stored in `message` beside the code."""
    with translation.override("pl"):
        return render_event_text(code, params) or code


def stage_params(stage) -> dict:
    """A reminder rung as the timeline names it: its name (staff's own words) and offset."""
    return {"stage": stage.name, "offset": f"{stage.offset_days:+d}"}


# --- Labels -----------------------------------------------------------------------------------


def _choices(choices) -> dict:
    return dict(choices)


CLOSE_REASONS = _choices(Case.CloseReason.choices)
PAUSE_REASONS = _choices(Case.PauseReason.choices)
INVOICE_STATUSES = _choices(Invoice.Status.choices)

# Why a rung was passed over or a letter held (the reasons of `notifications.Notification.Reason`,
# repeated as text here so that `cases` renders them without importing a higher layer).
LETTER_REASONS = {
    "passed_over": _("etap pominięty: nadszedł wyższy"),
    "before_due_late": _("nie dotyczy po planowanym dniu (etap przed terminem)"),
    "no_email": _("brak poprawnego adresu e-mail"),
    "sync_missing": _("brak synchronizacji z tego dnia"),
    "sync_failed": _("synchronizacja nie powiodła się"),
    "sync_running": _("synchronizacja w toku"),
    "sync_stale": _("synchronizacja nieaktualna"),
    "not_refreshed": _("sprawa nie odświeżona przez synchronizację"),
    "smtp_error": _("błąd SMTP"),
    "max_attempts": _("wyczerpany limit prób"),
    "interrupted": _("przerwane przed odpowiedzią SMTP"),
    "staff_choice": _("pominięty z wyboru pracownika"),
    "first_review": _("pierwsza wysyłka czeka na zatwierdzenie"),
    "review_excluded": _("wyłączony przy zatwierdzaniu pierwszej wysyłki"),
    "staff_hold": _("wstrzymany przez pracownika"),
    "render_failed": _("nie da się złożyć treści"),
}


def _invoice_changes(params: dict) -> dict:
    """`changes`: [[field, old, new], ...] -> "termin płatności: 01.12.2026 → 15.12.2026" in the reader's language."""
    currency = params.get("currency") or "PLN"
    parts = []
    for name, old, new in params.get("changes") or []:
        try:
            label = str(Invoice._meta.get_field(name).verbose_name).removesuffix(" (gr)")
        except Exception:  # a field since removed: show its name
            label = name
        parts.append(f"{label}: {_shown(old, currency)} → {_shown(new, currency)}")
    return {**params, "changes": ", ".join(parts)}


def _shown(value, currency: str) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, int):
        return format_money(value, currency)
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return format_date(date.fromisoformat(value))
        except ValueError:
            return value
    return str(value)


# --- The codes --------------------------------------------------------------------------------

NOTE = ("note", _(" (%(note)s)"))

register("case.opened", EventText(_("Otwarto sprawę: faktura %(number)s, termin %(due)s"), dates=("due",)))
register(
    "case.reopened",
    EventText(_("Ponownie otwarto (wcześniej: %(previous)s)"), labels={"previous": CLOSE_REASONS}),
)
register(
    "case.closed",
    EventText(
        _("Zamknięto: %(reason)s"),
        money=("overpaid",),
        dates=("paid_on",),
        labels={"reason": CLOSE_REASONS},
        extras=(NOTE, ("paid_on", _(", zapłacono %(paid_on)s")), ("overpaid", _("; nadpłata %(overpaid)s"))),
    ),
)
register(
    "case.payment",
    EventText(_("Wpłata %(amount)s; pozostało do zapłaty %(left)s"), money=("amount", "left")),
)
register(
    "case.payment_reversed",
    EventText(_("Cofnięto wpłatę %(amount)s; pozostało do zapłaty %(left)s"), money=("amount", "left")),
)
register("case.changed", EventText(_("Zmiana w InFakt: %(changes)s"), prepare=_invoice_changes))
register(
    "case.paused",
    EventText(
        _("Wstrzymano do %(until)s: %(reason)s"), dates=("until",), labels={"reason": PAUSE_REASONS}, extras=(NOTE,)
    ),
)
register(
    "case.paused_review",
    EventText(_("Wstrzymano do potwierdzenia kwoty po korekcie %(number)s")),
)
register("case.resumed", EventText(_("Wznowiono przypomnienia")))
register(
    "case.handed_over",
    EventText(_("Przekazano %(on)s: %(to)s"), dates=("on",), extras=(NOTE,)),
)
register(
    "case.correction",
    EventText(
        _("Korekta %(number)s (%(status)s): %(amount)s; brutto po korektach %(total)s"),
        money=("amount", "total"),
        labels={"status": INVOICE_STATUSES},
    ),
)
register(
    "case.amount_confirmed",
    EventText(
        _("Potwierdzono kwotę do zapłaty %(left)s po korekcie (%(numbers)s; brutto po korektach %(total)s)"),
        money=("left", "total"),
        extras=(("note", _(": %(note)s")),),
    ),
)
register(
    "claim.waivers",
    EventText(
        _("Roszczenie: %(interest)s, %(compensation)s"),
        labels={
            "interest": {True: _("bez odsetek"), False: _("z odsetkami")},
            "compensation": {True: _("bez rekompensaty"), False: _("z rekompensatą")},
        },
        extras=(("reason", _(" — %(reason)s")),),
    ),
)
register(
    "claim.public_medical",
    EventText(_("Kontrahent: podmiot leczniczy (odsetki: stopa referencyjna + 8 pp)")),
)
register("claim.not_public_medical", EventText(_("Kontrahent: nie jest podmiotem leczniczym")))

# Letters (written by `notifications`).
register(
    "letter.sent",
    EventText(
        _("Wysłano przypomnienie „%(stage)s” (%(offset)s) do %(recipients)s"),
        extras=(
            ("manual", pgettext_lazy("wysłane", " (ręcznie)")),
            (
                "others",
                ngettext_lazy(
                    " w jednym e-mailu z %(others)s innym", " w jednym e-mailu z %(others)s innymi", "others"
                ),
            ),
            (
                "capped",
                ngettext_lazy(
                    " (kontrahent ma %(addresses)s adres; wysłano do pierwszych %(capped)s)",
                    " (kontrahent ma %(addresses)s adresów; wysłano do pierwszych %(capped)s)",
                    "addresses",
                ),
            ),
        ),
    ),
)
register(
    "letter.skipped",
    EventText(
        _("Pominięto etap „%(stage)s” (%(offset)s): %(why)s"),
        labels={"why": LETTER_REASONS},
        prepare=lambda p: {**p, "why": p.get("why") or p.get("note", "")},
    ),
)
register(
    "letter.held",
    EventText(
        _("Wstrzymano przypomnienie „%(stage)s” (%(offset)s): %(why)s"),
        labels={"why": LETTER_REASONS},
        extras=(("note", _(" — %(note)s")),),
    ),
)
register(
    "letter.no_email",
    EventText(
        _(
            "Nie wysłano przypomnienia „%(stage)s” (%(offset)s): kontrahent nie ma poprawnego adresu e-mail "
            "(w InFakt: %(raw)s)."
        )
    ),
)
register(
    "letter.failed",
    EventText(
        _(
            "Błąd wysyłki przypomnienia „%(stage)s” (%(offset)s), próba %(attempts)s, "
            "ponowienie przy następnej wysyłce: %(error)s"
        )
    ),
)
register(
    "letter.failed_final",
    EventText(
        _(
            "Błąd wysyłki przypomnienia „%(stage)s” (%(offset)s), próba %(attempts)s, "
            "porzucone po wyczerpaniu prób: %(error)s"
        )
    ),
)
register(
    "letter.abandoned",
    EventText(
        ngettext_lazy(
            "Porzucono przypomnienie „%(stage)s” (%(offset)s) po %(attempts)s nieudanej próbie",
            "Porzucono przypomnienie „%(stage)s” (%(offset)s) po %(attempts)s nieudanych próbach",
            "attempts",
        )
    ),
)
register(
    "letter.uncertain",
    EventText(_("Niepewne: przypomnienie „%(stage)s” (%(offset)s) mogło dotrzeć; wymaga sprawdzenia (%(error)s)")),
)
register(
    "letter.interrupted",
    EventText(_("Niepewne: wysyłka przypomnienia „%(stage)s” (%(offset)s) została przerwana; wymaga sprawdzenia")),
)
register("letter.confirmed", EventText(_("Potwierdzono wysłanie przypomnienia „%(stage)s” (%(offset)s)")))

# Documents (demands and interest notes).
register("demand.failed", EventText(_("Nie udało się przygotować wezwania do zapłaty (PDF): %(error)s")))
register(
    "interest_note.issued",
    EventText(_("Wystawiono notę odsetkową %(number)s na %(interest)s"), money=("interest",)),
)
register(
    "interest_note.sent",
    EventText(_("Nota odsetkowa %(number)s wysłana do: %(recipients)s")),
)
register(
    "interest_note.send_failed",
    EventText(_("Nota odsetkowa %(number)s: wysyłka odrzucona (%(error)s)")),
)
register(
    "interest_note.paid",
    EventText(_("Nota odsetkowa %(number)s: odsetki zapłacone %(day)s"), dates=("day",)),
)

# The clerk's actions on the case page and the worklist (issue 13).
register("case.note", EventText("%(text)s"))  # the note as staff wrote it; the row says it is a note
register(
    "case.call",
    EventText(
        _("Rozmowa telefoniczna: %(outcome)s"),
        labels={"outcome": _choices(CaseEvent.CallOutcome.choices)},
        extras=(("text", _(". %(text)s")),),
    ),
)
register(
    "case.promise",
    EventText(
        _("Obietnica zapłaty %(amount)s do %(until)s; przypomnienia wstrzymane do tego dnia"),
        money=("amount",),
        dates=("until",),
        extras=(("note", _(" (%(note)s)")),),
    ),
)
register(
    "case.promise_end",
    EventText(
        _("Obietnica zapłaty %(amount)s: %(state)s (wpłynęło %(received)s)"),
        money=("amount", "received"),
        labels={
            "state": {
                "kept": pgettext_lazy("obietnica", "dotrzymana"),
                "broken": pgettext_lazy("obietnica", "niedotrzymana"),
            }
        },
        extras=(("note", _(": %(note)s")),),
    ),
)
