"""send_reminders and preview_reminders, called as an operator would."""

from __future__ import annotations

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from notifications.models import Notification, ReminderRun

from .conftest import at


def run(*args) -> str:
    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_send_reminders_dry_run_lists_who_would_get_what_and_sends_nothing(world, smtp_server, time_machine):
    time_machine.move_to(at(date(2026, 11, 18), 7))
    case = world.case(due=date(2026, 11, 2))
    world.sync(date(2026, 11, 18))

    out = run("send_reminders", "--date", "2026-11-18", "--dry-run")

    assert "WYŚLIJ" in out
    assert case.invoice.number in out
    assert case.invoice.client.emails[0] in out
    assert "Minął termin płatności" in out  # the first overdue rung, never a jump to the demand
    assert "pominięte -1" in out
    assert "[PRÓBA]" in out
    assert Notification.objects.count() == 0
    assert smtp_server.messages == []


def test_send_reminders_sends_and_prints_a_summary(world, smtp_server, time_machine):
    time_machine.move_to(at(date(2026, 11, 16), 7))
    world.case(due=date(2026, 11, 9), last_stage_offset=-1)
    world.sync(date(2026, 11, 16))

    out = run("send_reminders", "--date", "2026-11-16", "--batch-size", "10")

    assert "wysłane 1" in out
    assert len(smtp_server.messages) == 1
    assert ReminderRun.objects.get().sent == 1


def test_send_reminders_says_why_it_held_the_sends(world, smtp_server, time_machine):
    time_machine.move_to(at(date(2026, 11, 16), 7))
    world.case(due=date(2026, 11, 9), last_stage_offset=-1)

    out = run("send_reminders", "--date", "2026-11-16")

    assert "WSTRZYMANE: Brak synchronizacji" in out
    assert smtp_server.messages == []


def test_send_reminders_refuses_a_bad_date(db):
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        run("send_reminders", "--date", "16.11.2026")


def test_preview_reminders_shows_tomorrows_sends_on_todays_data(world, time_machine):
    time_machine.move_to(at(date(2026, 11, 13), 12))
    case = world.case(due=date(2026, 11, 9), last_stage_offset=-1)  # +7 on Monday 16.11
    world.case(due=date(2026, 11, 9), last_stage_offset=-1, client=world.client(emails=[]))

    saturday = run("preview_reminders")
    monday = run("preview_reminders", "--date", "2026-11-16")

    assert "nie jest dniem roboczym" in saturday
    assert case.invoice.number in monday
    assert "BRAK E-MAILA" in monday
    assert "do wysłania 1" in monday
    assert Notification.objects.count() == 0


def test_a_dry_run_says_which_letters_travel_in_one_email(world, smtp_server, time_machine):
    time_machine.move_to(at(date(2026, 11, 16), 7))
    client = world.client()
    first = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    second = world.case(due=date(2026, 11, 9), client=client, last_stage_offset=-1)
    world.sync(date(2026, 11, 16))

    out = run("send_reminders", "--date", "2026-11-16", "--dry-run")

    lines = [line for line in out.splitlines() if "WYŚLIJ" in line]
    assert len(lines) == 2
    assert all("· e-mail 1 ·" in line for line in lines)
    assert first.invoice.number in out
    assert second.invoice.number in out
    assert "do wysłania 2 (e-maile 1)" in out
    assert smtp_server.messages == []
