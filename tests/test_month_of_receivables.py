"""A month of mornings with every receivable kind and corrections: the sync against the simulator over HTTP,
then the reminders to a real SMTP server (aiosmtpd on loopback).

Checked on what customers would notice — the e-mails delivered — and on the cases staff see:
every expected case opens (VAT, final, advance, margin, OSS, a positive correction as its own case);
drafts and proformas never do; the invoice corrected to zero closes as *corrected* and receives
nothing after the correction; the partially credited one is paused for review and receives nothing
until a person confirms the amount, and is dunned again afterwards.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import timedelta

import pytest
import time_machine

from cases.models import Case, CaseEvent
from cases.services import case_confirm_amount
from cases.tests.conftest import make_user
from infakt_simulator.demo import build_demo_world
from notifications.services import reminders_send_due
from notifications.tests.conftest import example_rates, reminder_settings, smtp_server  # noqa: F401
from syncstatus.models import SyncRun
from syncstatus.services import sync_run
from syncstatus.tests.conftest import START, api, morning, sim, world  # noqa: F401

# The rates a staff member enters where the seeded tables stop: the +14 letter's demand PDF needs them.
pytestmark = [pytest.mark.e2e, pytest.mark.django_db, pytest.mark.usefixtures("example_rates")]
DAYS = 35
CORRECT_TO_ZERO_ON = 12  # day numbers of the month
CREDIT_ON = 6
CONFIRM_ON = 20


def test_a_month_of_every_receivable_kind_with_corrections(api, world, smtp_server):  # noqa: F811
    world.reset_from(build_demo_world(seed=7, today=START, clients=6, invoices=12))
    buyer = world.add_client(
        company_name="Hurtownia Zbożowa Ziarenko sp. z o.o.", nip="5213618478", email="faktury@ziarenko.pl",
        payer_profile="never",
    )  # fmt: skip
    consumer = world.add_client(
        company_name=None, first_name="Halina", last_name="Pietrzak", business_activity_kind="private_person",
        nip=None, email="halina.pietrzak@wp.pl", payer_profile="never",
    )  # fmt: skip

    def add(client, due_in: int, **fields):
        due = START + timedelta(days=due_in)
        return world.add_invoice(client["id"], invoice_date=due - timedelta(days=14), payment_date=due, **fields)

    to_zero = add(buyer, 10, net_price=100_000)
    credited = add(buyer, 3, net_price=250_000, status="printed")
    expected = {
        "vat to zero": to_zero,
        "vat credited": credited,
        "final": add(buyer, 5, net_price=450_000, kind="final"),
        "advance": add(buyer, 4, net_price=80_000, kind="advance"),
        "margin": add(consumer, 8, net_price=150_000, kind="margin"),
        "oss": add(consumer, 12, net_price=20_000, kind="oss", currency="EUR"),
    }
    raised = add(buyer, 2, net_price=40_000)
    expected["raised vat"] = raised
    never = [add(buyer, 6, kind="proforma"), add(consumer, 7, kind="margin", status="draft")]
    # An account that issues corrections: a recent one (the paid quirk of the official examples) keeps
    # /corrective_invoices.json read daily. (A quiet one is read weekly: see the README's request plan.)
    old = add(buyer, -20, status="paid")
    never.append(world.add_correction(old["uuid"], gross_change=12_300, status="paid", paid_price=0))
    staff = make_user("anna.staff", group="Staff")

    delivered: dict[int, list[int]] = defaultdict(list)  # InFakt id -> day numbers of e-mails
    positive = None
    for day_no in range(DAYS):
        if day_no:
            world.advance(1)
        today = world.today
        if day_no == 1:
            positive = world.add_correction(raised["uuid"], gross_change=24_600, payment_date=today + timedelta(days=9))
            expected["positive correction"] = positive
        if day_no == CREDIT_ON:
            world.add_correction(credited["uuid"], gross_change=-61_500)
        if day_no == CORRECT_TO_ZERO_ON:
            world.add_correction(to_zero["uuid"], gross_change=-to_zero["gross_price"])
        with time_machine.travel(morning(today), tick=True):
            run = sync_run(target_date=today, api=api)
            assert run.status == SyncRun.Status.SUCCESS, run.error
            if day_no == CONFIRM_ON:
                case = Case.objects.get(invoice__infakt_id=credited["id"])
                assert case.awaits_amount_review
                assert case_confirm_amount(case=case, user=staff)
            before = len(smtp_server.messages)
            reminders_send_due(day=today)
        for message in smtp_server.messages[before:]:
            # Every reminder names its invoices (one, or a client's digest) as "<id>:<offset>, ...".
            for item in message["X-InvoiceTracker-Items"].split(","):
                delivered[int(item.strip().split(":")[0])].append(day_no)

    # Every expected case opened, with its kind; drafts and proformas never.
    kinds = {}
    for name, doc in expected.items():
        case = Case.objects.select_related("invoice").filter(invoice__infakt_id=doc["id"]).first()
        assert case is not None, name
        kinds[name] = case.invoice.kind
    assert kinds == {
        "vat to zero": "vat", "vat credited": "vat", "final": "final", "advance": "advance", "margin": "margin",
        "oss": "oss", "raised vat": "vat", "positive correction": "correction",
    }  # fmt: skip
    assert not Case.objects.filter(invoice__infakt_id__in=[doc["id"] for doc in never]).exists()
    for name in ("final", "advance", "margin", "oss", "positive correction"):
        assert delivered[expected[name]["id"]], f"{name} was never reminded"

    # Corrected to zero: closed as corrected, nothing after the correction (it had been reminded before).
    zero_case = Case.objects.get(invoice__infakt_id=to_zero["id"])
    assert (zero_case.status, zero_case.close_reason) == (Case.Status.CLOSED, Case.CloseReason.CORRECTED)
    assert delivered[to_zero["id"]]
    assert max(delivered[to_zero["id"]]) < CORRECT_TO_ZERO_ON

    # Partially credited: nothing from the correction until a person confirmed the amount, then dunned again.
    credited_days = delivered[credited["id"]]
    assert not [day for day in credited_days if CREDIT_ON <= day < CONFIRM_ON], credited_days
    assert [day for day in credited_days if day < CREDIT_ON]
    assert [day for day in credited_days if day >= CONFIRM_ON]
    credited_case = Case.objects.get(invoice__infakt_id=credited["id"])
    kinds_on_timeline = list(credited_case.events.values_list("kind", flat=True))
    assert CaseEvent.Kind.CORRECTION in kinds_on_timeline
    confirmed = credited_case.events.get(kind=CaseEvent.Kind.CONFIRMED)
    assert confirmed.user == staff

    # The original raised by a positive correction waits for a review too, and got nothing meanwhile.
    raised_case = Case.objects.get(invoice__infakt_id=raised["id"])
    assert raised_case.awaits_amount_review
    assert not [day for day in delivered[raised["id"]] if day >= 1]
