"""The panel's tests use the sync engine's fixtures: the InFakt simulator and the staff users."""

from syncstatus.tests.conftest import (  # noqa: F401 (fixtures)
    api,
    manager_client,
    manager_user,
    sim,
    staff_client,
    staff_user,
    stages,
    world,
)
