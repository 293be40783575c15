"""Named personas for the UI tests: two clients, a staff member, a manager, cases built with plain creates."""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

import pytest
from django.contrib.auth.models import Group, User
from django.utils import timezone

from cases.models import Case, CaseEvent, Client, Invoice, ReminderStage
from common.calendar import business_today

_ids = itertools.count(1000)

DEFAULT_STAGES = [
    (-1, "Przypomnienie przed terminem"),
    (7, "Informacja o przekroczeniu terminu"),
    (14, "Wezwanie do zapłaty"),
    (21, "Zapowiedź przekazania do windykacji"),
    (30, "Przekazanie do windykacji"),
]


def ensure_stages() -> list[ReminderStage]:
    """The default ladder (seeded by migration 0002; a transactional test's flush removes it)."""
    return [
        ReminderStage.objects.get_or_create(offset_days=offset, defaults={"name": name})[0]
        for offset, name in DEFAULT_STAGES
    ]


def make_client(name: str = "Kowalski Budownictwo Sp. z o.o.", *, nip="5261040828", emails=("biuro@kowalski.pl",)):
    n = next(_ids)
    return Client.objects.create(
        infakt_id=n,
        company_name=name,
        nip=nip,
        nip_normalized=nip.replace("-", ""),
        email_raw=", ".join(emails),
        emails=list(emails),
        has_usable_email=bool(emails),
        city="Warszawa",
    )


def make_case(
    *,
    client: Client | None = None,
    number: str | None = None,
    days_past_due: int = 10,
    gross: int = 123456,
    left_to_pay: int | None = None,
    currency: str = "PLN",
    status: str = Case.Status.ACTIVE,
    last_stage_offset: int | None = None,
    paused_until: date | None = None,
    now: datetime | None = None,
) -> Case:
    n = next(_ids)
    now = now or timezone.now()
    due = business_today() - timedelta(days=days_past_due)
    invoice = Invoice.objects.create(
        infakt_id=n,
        uuid=f"uuid-{n}",
        number=number or f"FV/{n}/2026",
        status=Invoice.Status.SENT,
        issue_date=due - timedelta(days=14),
        due_date=due,
        gross=gross,
        paid=gross - (gross if left_to_pay is None else left_to_pay),
        left_to_pay=gross if left_to_pay is None else left_to_pay,
        currency=currency,
        client=client,
        client_infakt_id=client.infakt_id if client else None,
        last_seen_at=now,
    )
    closed = status == Case.Status.CLOSED
    stage = ReminderStage.objects.filter(offset_days__gt=last_stage_offset or -999).order_by("offset_days").first()
    case = Case.objects.create(
        invoice=invoice,
        status=status,
        opened_at=now - timedelta(days=days_past_due + 2),
        closed_at=now if closed else None,
        close_reason=Case.CloseReason.PAID if closed else "",
        last_stage_offset=last_stage_offset,
        paused_until=paused_until,
        pause_reason=Case.PauseReason.PROMISE_TO_PAY if paused_until else "",
        next_stage=None if closed else stage,
        next_reminder_date=None if closed or stage is None else due + timedelta(days=stage.offset_days),
        last_refreshed_at=now,
    )
    CaseEvent.objects.create(case=case, at=case.opened_at, kind=CaseEvent.Kind.OPENED, message=f"Otwarto {invoice}")
    if closed:
        CaseEvent.objects.create(case=case, at=now, kind=CaseEvent.Kind.CLOSED, message="Zamknięto: opłacona")
    return case


def make_user(username: str, *, group: str | None = None, superuser: bool = False) -> User:
    if superuser:
        return User.objects.create_superuser(username=username, password="haslo-testowe-123", email="")
    user = User.objects.create_user(username=username, password="haslo-testowe-123", is_staff=True)
    if group:
        user.groups.add(Group.objects.get(name=group))
    return user


@pytest.fixture
def stages(db):
    return ensure_stages()


@pytest.fixture
def kowalski(db):
    """A company client with a usable e-mail."""
    return make_client()


@pytest.fixture
def nowak(db):
    """A sole trader whose InFakt record has no usable e-mail."""
    return make_client("Nowak Handel Jan Nowak", nip="7740001454", emails=())


@pytest.fixture
def staff_user(db):
    return make_user("anna.staff", group="Staff")


@pytest.fixture
def manager_user(db):
    return make_user("marek.manager", group="Managers")


@pytest.fixture
def staff_client(client, staff_user):
    client.force_login(staff_user)
    return client


@pytest.fixture
def manager_client(client, manager_user):
    client.force_login(manager_user)
    return client


@pytest.fixture
def many_cases(stages, kowalski):
    """Build `n` active cases with staggered due dates (for paging and query-count checks)."""

    def build(n: int) -> list[Case]:
        return [make_case(client=kowalski, days_past_due=i % 120 - 5, gross=10000 + i) for i in range(n)]

    return build
