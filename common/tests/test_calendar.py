from datetime import date

from common.calendar import is_business_day, stage_send_date


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
