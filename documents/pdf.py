"""PDF rendering of a pre-court demand for payment and of an interest note, from plain data.

fpdf2 (pure Python, installs from PyPI with no system packages) with DejaVu Sans bundled in
`documents/fonts/` (Bitstream Vera licence, see LICENSE-DejaVu.txt) so Polish letters render.
The wording is Polish, or English for clients whose letters are in English (Django i18n,
switched per document). Amounts are integer minor units here too; formatted only in the PDF.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

FONTS = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"


class RenderError(Exception):
    """The PDF could not be produced (the message says why)."""


def money(amount: int | None, currency: str) -> str:
    """1234567, "PLN" -> "12 345,67 zł" (the same format as common.formatting; no upward import)."""
    if amount is None:
        return _("do uzupełnienia")
    sign = "-" if amount < 0 else ""
    whole, cents = divmod(abs(int(amount)), 100)
    text = f"{sign}{whole:,}".replace(",", " ") + f",{cents:02d}"
    return f"{text} {'zł' if currency == 'PLN' else currency}"


def day_text(value: date | None) -> str:
    return f"{value:%d.%m.%Y}" if value else "—"


@dataclass(frozen=True)
class Party:
    name: str
    address: str = ""
    nip: str = ""


@dataclass(frozen=True)
class DemandLine:
    invoice_number: str
    issue_date: date | None
    due_date: date | None
    currency: str
    principal: int  # left to pay
    interest: int | None  # None: "stawka do uzupełnienia"
    compensation: int | None  # None: "kurs EUR do uzupełnienia"; 0 for consumers
    compensation_note: str = ""  # e.g. "40 EUR × 4,2500 (30.10.2026)"
    interest_note: str = ""  # e.g. "od 21.11.2026"


@dataclass(frozen=True)
class DemandData:
    creditor: Party
    debtor: Party
    place: str
    day: date
    deadline: date
    bank_account: str
    lines: list[DemandLine]
    language: str = "pl"
    consumer: bool = False
    contact: str = ""
    totals: dict[str, int | None] = field(default_factory=dict)  # currency -> total (None: incomplete)


@dataclass(frozen=True)
class InterestNoteData:
    number: str
    creditor: Party
    debtor: Party
    place: str
    day: date
    invoice_number: str
    currency: str
    principal: int
    due_date: date
    interest_from: date
    interest_to: date
    interest: int
    bank_account: str
    deadline: date
    consumer: bool = False
    language: str = "pl"


class _Document(FPDF):
    def __init__(self):
        super().__init__(format="A4")
        try:
            self.add_font(FONT, "", str(FONTS / "DejaVuSans.ttf"))
            self.add_font(FONT, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        except (OSError, RuntimeError) as exc:
            raise RenderError(f"font not available: {exc}") from exc
        self.set_auto_page_break(auto=True, margin=18)
        self.set_margins(18, 16, 18)
        self.add_page()
        self.set_font(FONT, size=10)

    def text_line(self, text: str, *, size: float = 10, bold: bool = False, align: str = "L", gap: float = 0):
        self.set_font(FONT, "B" if bold else "", size)
        self.multi_cell(0, size * 0.5, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        if gap:
            self.ln(gap)

    def parties(self, creditor: Party, debtor: Party, creditor_label: str, debtor_label: str):
        top = self.get_y()
        half = (self.w - self.l_margin - self.r_margin) / 2
        for column, (label, party) in enumerate(((creditor_label, creditor), (debtor_label, debtor))):
            self.set_xy(self.l_margin + column * half, top)
            self.set_font(FONT, "B", 9)
            self.cell(half, 5, label, new_x=XPos.LEFT, new_y=YPos.NEXT)
            self.set_font(FONT, "", 10)
            lines = [party.name, party.address, f"NIP: {party.nip}" if party.nip else ""]
            for line in (line for line in lines if line):
                self.set_x(self.l_margin + column * half)
                self.multi_cell(half - 4, 5, line, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        self.set_y(max(self.get_y(), top + 22))
        self.ln(4)


def _sum(values) -> int | None:
    """Sum of amounts; None when any is missing ("do uzupełnienia")."""
    values = list(values)
    return None if any(value is None for value in values) else sum(values)


def _output(pdf: FPDF) -> bytes:
    try:
        return bytes(pdf.output())
    except Exception as exc:
        raise RenderError(f"{exc.__class__.__name__}: {exc}") from exc


def render_demand(data: DemandData) -> bytes:
    """*Przedsądowe wezwanie do zapłaty* (or its English version) as PDF bytes."""
    if not data.lines:
        raise RenderError("no invoices to demand")
    with translation.override(data.language):
        pdf = _Document()
        pdf.text_line(f"{data.place}, {day_text(data.day)}" if data.place else day_text(data.day), align="R", gap=4)
        pdf.parties(data.creditor, data.debtor, _("Wierzyciel"), _("Dłużnik"))
        pdf.text_line(_("PRZEDSĄDOWE WEZWANIE DO ZAPŁATY"), size=14, bold=True, align="C", gap=4)
        pdf.text_line(
            _(
                "Działając w imieniu wierzyciela, wzywam do zapłaty w terminie do %(deadline)s "
                "następujących należności wynikających z nieopłaconych faktur:"
            )
            % {"deadline": day_text(data.deadline)},
            gap=3,
        )
        headings = [_("Faktura"), _("Termin"), _("Należność główna"), _("Odsetki"), _("Rekompensata")]
        if data.consumer:
            headings = headings[:4]
        pdf.set_font(FONT, "", 9)
        widths = (34, 22, 36, 44, 38) if not data.consumer else (44, 26, 44, 60)
        with pdf.table(
            col_widths=widths,
            text_align=("LEFT", "CENTER", "RIGHT", "RIGHT", "RIGHT")[: len(widths)],
            line_height=5.5,
            first_row_as_headings=True,
        ) as table:
            row = table.row()
            for heading in headings:
                row.cell(heading)
            for line in data.lines:
                row = table.row()
                row.cell(line.invoice_number)
                row.cell(day_text(line.due_date))
                row.cell(money(line.principal, line.currency))
                interest = (
                    money(line.interest, line.currency) if line.interest is not None else _("stawka do uzupełnienia")
                )
                row.cell(interest + (f"\n{line.interest_note}" if line.interest_note else ""))
                if not data.consumer:
                    compensation = (
                        money(line.compensation, line.currency)
                        if line.compensation is not None
                        else _("kurs EUR do uzupełnienia")
                    )
                    row.cell(compensation + (f"\n{line.compensation_note}" if line.compensation_note else ""))
            currencies = {line.currency for line in data.lines}
            if len(data.lines) > 1 and len(currencies) == 1:
                currency = currencies.pop()
                row = table.row()
                row.cell(_("Razem"), colspan=2)
                row.cell(money(sum(line.principal for line in data.lines), currency))
                row.cell(money(_sum(line.interest for line in data.lines), currency))
                if not data.consumer:
                    row.cell(money(_sum(line.compensation for line in data.lines), currency))
        pdf.ln(3)
        for currency, total in sorted(data.totals.items()):
            pdf.text_line(_("Razem do zapłaty: %(total)s") % {"total": money(total, currency)}, size=11, bold=True)
        pdf.ln(2)
        if data.consumer:
            basis = _(
                "Odsetki ustawowe za opóźnienie (art. 481 Kodeksu cywilnego) liczone do dnia wezwania; "
                "należą się do dnia zapłaty."
            )
        else:
            basis = _(
                "Odsetki ustawowe za opóźnienie w transakcjach handlowych oraz rekompensata za koszty "
                "odzyskiwania należności (ustawa z dnia 8 marca 2013 r. o przeciwdziałaniu nadmiernym "
                "opóźnieniom w transakcjach handlowych). Odsetki liczone do dnia wezwania; należą się do dnia zapłaty."
            )
        pdf.text_line(basis, size=9, gap=3)
        pdf.text_line(
            _("Wpłaty prosimy dokonać na rachunek: %(account)s") % {"account": data.bank_account or "—"}, gap=2
        )
        pdf.text_line(
            _(
                "Brak zapłaty w wyznaczonym terminie spowoduje skierowanie sprawy na drogę postępowania sądowego, "
                "co narazi dłużnika na dodatkowe koszty."
            ),
            size=9,
            gap=6,
        )
        if data.contact:
            pdf.text_line(_("Kontakt: %(contact)s") % {"contact": data.contact}, size=9, gap=6)
        pdf.text_line(data.creditor.name, align="R")
        return _output(pdf)


def render_interest_note(data: InterestNoteData) -> bytes:
    """*Nota odsetkowa* (or "Interest note") as PDF bytes."""
    if data.interest <= 0:
        raise RenderError("an interest note needs interest above zero")
    with translation.override(data.language):
        pdf = _Document()
        pdf.text_line(f"{data.place}, {day_text(data.day)}" if data.place else day_text(data.day), align="R", gap=4)
        pdf.parties(data.creditor, data.debtor, _("Wystawca"), _("Odbiorca"))
        pdf.text_line(_("NOTA ODSETKOWA nr %(number)s") % {"number": data.number}, size=14, bold=True, align="C", gap=4)
        if data.consumer:
            basis = _(
                "Na podstawie art. 481 Kodeksu cywilnego obciążamy Państwa odsetkami za opóźnienie w zapłacie "
                "faktury %(invoice)s."
            )
        else:
            basis = _(
                "Na podstawie ustawy z dnia 8 marca 2013 r. o przeciwdziałaniu nadmiernym opóźnieniom w transakcjach "
                "handlowych obciążamy Państwa odsetkami za opóźnienie w zapłacie faktury %(invoice)s."
            )
        pdf.text_line(basis % {"invoice": data.invoice_number}, gap=3)
        pdf.set_font(FONT, "", 9)
        with pdf.table(
            col_widths=(34, 34, 24, 24, 24, 34),
            line_height=5.5,
            text_align=("LEFT", "RIGHT", "CENTER", "CENTER", "CENTER", "RIGHT"),
        ) as table:
            row = table.row()
            for heading in (_("Faktura"), _("Kwota"), _("Termin"), _("Odsetki od"), _("Zapłacono"), _("Odsetki")):
                row.cell(heading)
            row = table.row()
            for value in (
                data.invoice_number,
                money(data.principal, data.currency),
                day_text(data.due_date),
                day_text(data.interest_from),
                day_text(data.interest_to),
                money(data.interest, data.currency),
            ):
                row.cell(value)
        pdf.ln(3)
        pdf.text_line(_("Do zapłaty: %(total)s") % {"total": money(data.interest, data.currency)}, size=11, bold=True)
        pdf.text_line(
            _("Termin zapłaty: %(deadline)s, rachunek: %(account)s")
            % {"deadline": day_text(data.deadline), "account": data.bank_account or "—"},
            gap=8,
        )
        pdf.text_line(data.creditor.name, align="R")
        return _output(pdf)
