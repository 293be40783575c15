from datetime import date

import pytest

from cases.calendar import is_business_day, stage_send_date
from cases.services import is_valid_polish_nip, normalize_nip, split_emails


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("PL 526-104-08-28", "5261040828"),
        ("526-10-40-828", "5261040828"),
        ("pl5261040828", "5261040828"),
        ("DE 123456789", "DE123456789"),
        ("", ""),
    ],
)
def test_nip_is_normalised(raw, expected):
    assert normalize_nip(raw) == expected


def test_nip_checksum():
    assert is_valid_polish_nip("5261040828")
    assert not is_valid_polish_nip("5261040829")


def test_emails_are_split_trimmed_validated_and_deduplicated():
    valid, invalid = split_emails(" biuro@firma.pl, KSIEGOWOSC@firma.pl;biuro@firma.pl  jan.kowalski(at)wp ")
    assert valid == ["biuro@firma.pl", "KSIEGOWOSC@firma.pl"]
    assert invalid == ["jan.kowalski(at)wp"]
    assert split_emails("") == ([], [])


def test_business_days_skip_weekends_and_polish_holidays():
    assert not is_business_day(date(2026, 12, 24))  # Wigilia, a holiday from 2025
    assert not is_business_day(date(2026, 11, 11))  # Independence Day
    assert not is_business_day(date(2026, 11, 28))  # Saturday
    assert is_business_day(date(2026, 11, 27))


def test_a_stage_on_a_holiday_moves_to_the_next_business_day(settings):
    settings.REMINDER_BUSINESS_DAYS = True
    # due 17.12.2026 (Thu) + 7 = 24.12 (holiday) -> 25.12, 26.12 holidays, 27 Sunday -> Monday 28.12
    assert stage_send_date(date(2026, 12, 17), 7) == date(2026, 12, 28)
    settings.REMINDER_BUSINESS_DAYS = False
    assert stage_send_date(date(2026, 12, 17), 7) == date(2026, 12, 24)


def test_the_before_due_stage_never_moves_onto_the_due_date(settings):
    settings.REMINDER_BUSINESS_DAYS = True
    # due Monday 30.11.2026; -1 = Sunday 29.11 -> back to Friday 27.11, never Monday
    assert stage_send_date(date(2026, 11, 30), -1) == date(2026, 11, 27)
