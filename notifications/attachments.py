"""The formal demand (*Przedsądowe wezwanie do zapłaty*, PDF) attached to the letters that are one.

A stage marked `attaches_demand` (the seeded +14 stage) makes its e-mail carry the demand: one PDF
for every overdue invoice of the client in that e-mail (a digest attaches one document, not one
per invoice), in the letter's language. A rate the tables do not cover yet (an interest rate, an
NBP EUR rate) does not stop the letter: the PDF states the principal and says "stawka do
uzupełnienia" / "kurs EUR do uzupełnienia" where the amount would be, never a zero or a guess
(issue 12), so the ladder keeps its dates while staff complete the rate tables. A PDF that cannot
be produced at all raises: the failure is recorded on each case's timeline
(`documents.services.demand_failure_record`) and the e-mail is held by the sending loop
(`emails.reminder_attachments` -> `AttachmentFailed`); the next run tries again.

Registered in `emails.ATTACHMENT_PROVIDERS` by `NotificationsConfig.ready()`; `documents` sits below
`notifications` and never imports it.
"""

from __future__ import annotations

from datetime import date

from documents.services import DemandError, demand_failure_record, demand_pdf_for_cases

from .emails import LetterItem, lead_item, reminder_language

PDF = "application/pdf"


def demand_filename(*, day: date, language: str) -> str:
    stem = "formal-demand" if language == "en" else "wezwanie-do-zaplaty"
    return f"{stem}-{day:%Y-%m-%d}.pdf"


def demand_cases(items: list[LetterItem], day: date) -> list:
    """The cases the demand covers: the e-mail's invoices past their due date with money left to pay.

    An invoice in the same digest that is not yet due is not demanded (nothing is owed on it yet).
    """
    return [
        item.case
        for item in items
        if item.case.invoice.due_date is not None
        and item.case.invoice.due_date < day
        and item.case.invoice.left_to_pay > 0
    ]


def demand_attachment(items: list[LetterItem], day: date) -> list[tuple[str, bytes, str]]:
    """[(filename, PDF bytes, mimetype)] when a letter in `items` is a formal demand, else []."""
    if not any(getattr(item.stage, "attaches_demand", False) for item in items):
        return []
    language = reminder_language(lead_item(items).case)
    cases = demand_cases(items, day)
    try:
        content = demand_pdf_for_cases(cases=cases, day=day, language=language, require_complete=False)
    except DemandError as exc:
        demand_failure_record(cases=cases or [item.case for item in items], error=str(exc))
        raise
    return [(demand_filename(day=day, language=language), content, PDF)]


def register() -> None:
    from . import emails

    if demand_attachment not in emails.ATTACHMENT_PROVIDERS:
        emails.ATTACHMENT_PROVIDERS.append(demand_attachment)
