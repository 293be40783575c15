"""Fixtures of the worklist tests: the notifications world (clients, cases, the day's sync) and the roles."""

from __future__ import annotations

import pytest

from cases.tests.conftest import manager_client, manager_user, staff_client, staff_user  # noqa: F401 (fixtures)
from notifications.tests.conftest import reminder_settings, stages, world  # noqa: F401 (fixtures)


@pytest.fixture(autouse=True)
def every_day_a_business_day(reminder_settings):  # noqa: F811
    """The tests run on any calendar day: letters are planned whatever today is."""
    reminder_settings.REMINDER_BUSINESS_DAYS = False
    return reminder_settings
