"""The personas of the case tests (clients, staff, managers) for the pages at the top layer."""

from cases.tests.conftest import (  # noqa: F401 (fixtures)
    kowalski,
    manager_client,
    manager_user,
    many_cases,
    nowak,
    staff_client,
    staff_user,
    stages,
)
