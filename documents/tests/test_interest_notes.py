"""Interest notes: which cases need one, numbering without gaps (also under concurrent issuers), the PDF,
sending exactly once to a real SMTP server on loopback, roles and the totals managers see."""

from __future__ import annotations

import io
import threading
from datetime import date

import pytest
from django.db import connection
from django.urls import reverse
from pypdf import PdfReader

from cases.models import CaseEvent
from documents.models import InterestNote, InterestNoteCounter
from documents.services import (
    InterestNoteError,
    interest_note_candidates,
    interest_note_issue,
    interest_note_pdf,
    interest_note_send,
)

from .conftest import TODAY, paid_late_case


def pdf_text(content: bytes) -> str:
    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages).split())


def test_candidates_are_cases_paid_late_with_interest_above_the_threshold(fixed_today, zolw, settings):
    # 10 000,00 due Wed 30.09.2026, paid 30.10: the 30 days 1.10–30.10 fall in 2026 H2, which no seeded row
    # covers -> "stawka do uzupełnienia": not listed until staff enter the rate.
    late = paid_late_case(zolw)
    assert interest_note_candidates(day=TODAY) == []
    from claims.models import CommercialRate

    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    paid_late_case(zolw, number="FV/ONTIME", due=date(2026, 9, 30), paid=date(2026, 9, 30))
    # 100,00 paid 30 days late: 100,00 × 13,75 % × 30 / 365 = 1,13 — below 20 zł
    paid_late_case(zolw, number="FV/SMALL", gross=10_000)
    found = interest_note_candidates(day=TODAY)
    assert [(case.pk, claim.interest) for case, claim in found] == [(late.pk, 11_301)]  # 10 000,00 × 13,75 % × 30 / 365
    settings.INTEREST_NOTE_MIN = 11_301
    assert interest_note_candidates(day=TODAY) == []  # "above" the threshold: strictly


@pytest.fixture
def rate_h2(db):
    from claims.models import CommercialRate

    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )


def test_numbers_run_per_year_without_gaps_and_the_pdf_says_it_all(fixed_today, rate_h2, zolw, staff_user):
    cases = [paid_late_case(zolw, number=f"FV/{n}/2026") for n in range(3)]
    notes = [interest_note_issue(case=case, user=staff_user, day=TODAY) for case in cases]
    assert [note.number for note in notes] == ["NO/1/2026", "NO/2/2026", "NO/3/2026"]
    with pytest.raises(InterestNoteError, match="already"):
        interest_note_issue(case=cases[0], user=staff_user, day=TODAY)
    assert InterestNoteCounter.objects.get(year=2026).last_number == 3  # a refused issue takes no number
    next_year = paid_late_case(zolw, number="FV/NEXT")
    assert interest_note_issue(case=next_year, day=date(2027, 1, 4)).number == "NO/1/2027"
    text = pdf_text(interest_note_pdf(notes[0]))
    for expected in (
        "NOTA ODSETKOWA nr NO/1/2026",
        "Przedsiębiorstwo „Żółw” Grzegorz Brzęczyszczykiewicz",
        "FV/0/2026",
        "10 000,00 zł",
        "01.10.2026",
        "30.10.2026",
        "Do zapłaty: 113,01 zł",
        "07.12.2026",
        "w zapłacie faktury FV/0/2026.",
    ):
        assert expected in text, expected
    assert "%(" not in text
    assert CaseEvent.objects.filter(case=cases[0], message__contains="NO/1/2026").exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_issuers_never_share_or_skip_a_number(fixed_today, zolw):
    from claims.models import CommercialRate

    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    cases = [paid_late_case(zolw, number=f"FV/C{n}/2026") for n in range(8)]
    barrier = threading.Barrier(len(cases))
    errors = []

    def issue(case):
        try:
            barrier.wait(timeout=10)
            interest_note_issue(case=case, day=TODAY)
        except Exception as exc:
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(case,)) for case in cases]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert sorted(InterestNote.objects.values_list("sequence", flat=True)) == list(range(1, 9))


@pytest.mark.django_db(transaction=True)
def test_a_note_is_e_mailed_once_with_its_pdf(fixed_today, zolw, smtp_server, django_user_model):
    staff_user = django_user_model.objects.create_user("anna.staff", is_staff=True)
    from claims.models import CommercialRate

    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    note = interest_note_issue(case=paid_late_case(zolw), user=staff_user, day=TODAY)
    smtp_server.refuse = "451 4.3.0 try again later"
    assert interest_note_send(note=note, user=staff_user) is False
    note.refresh_from_db()
    assert note.send_status == InterestNote.SendStatus.FAILED
    assert smtp_server.messages == []
    smtp_server.refuse = ""
    assert interest_note_send(note=note, user=staff_user) is True
    with pytest.raises(InterestNoteError, match="already been sent"):
        interest_note_send(note=note, user=staff_user)
    assert len(smtp_server.messages) == 1
    recipients, message = smtp_server.messages[0]
    assert recipients == ["biuro@zolw.test"]
    assert message["Subject"] == "Nota odsetkowa NO/1/2026"
    assert message["X-InvoiceTracker-Interest-Note"] == "NO/1/2026"
    attachment = next(message.iter_attachments())
    assert attachment.get_filename() == "NO-1-2026.pdf"
    assert "Do zapłaty: 113,01 zł" in pdf_text(attachment.get_content())
    note.refresh_from_db()
    assert (note.send_status, note.sent_to, note.send_attempts) == ("sent", ["biuro@zolw.test"], 2)
    assert CaseEvent.objects.filter(case=note.case, message__contains="wysłana do: biuro@zolw.test").exists()


@pytest.mark.django_db(transaction=True)
def test_an_interrupted_send_is_never_repeated(fixed_today, zolw, smtp_server):
    from claims.models import CommercialRate

    CommercialRate.objects.create(
        valid_from=date(2026, 7, 1), valid_to=date(2026, 12, 31), rate_bp=1375, medical_rate_bp=1175, source="test"
    )
    note = interest_note_issue(case=paid_late_case(zolw), day=TODAY)
    InterestNote.objects.filter(pk=note.pk).update(send_status=InterestNote.SendStatus.SENDING)  # crashed mid-send
    with pytest.raises(InterestNoteError):
        interest_note_send(note=note)
    assert smtp_server.messages == []


def test_the_page_lists_candidates_staff_issue_managers_read(
    client, fixed_today, rate_h2, zolw, staff_user, manager_user
):
    case = paid_late_case(zolw)
    url = reverse("documents:interest_notes")
    client.force_login(manager_user)
    html = client.get(url).content.decode()
    assert "Noty odsetkowe do wystawienia" in html
    assert "113,01 zł" in html
    assert "Wystaw notę" not in html
    assert client.post(reverse("documents:interest_note_issue", args=[case.pk])).status_code == 403
    assert not InterestNote.objects.exists()
    client.force_login(staff_user)
    client.post(reverse("documents:interest_note_issue", args=[case.pk]))
    note = InterestNote.objects.get()
    client.post(reverse("documents:interest_note_paid", args=[note.pk]))
    client.force_login(manager_user)
    html = client.get(url).content.decode()
    assert "NO/1/2026" in html
    response = client.get(reverse("documents:interest_note_pdf", args=[note.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert "Odsetki zapłacone" in html
