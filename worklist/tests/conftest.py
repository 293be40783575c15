"""Fixtures of the worklist tests: the notifications world (clients, cases, the day's sync) and the roles."""

from __future__ import annotations

from cases.tests.conftest import manager_client, manager_user, staff_client, staff_user  # noqa: F401 (fixtures)
from notifications.tests.conftest import reminder_settings, stages, world  # noqa: F401 (fixtures)
