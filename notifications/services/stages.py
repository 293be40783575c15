"""What a stage edit in the admin means for the cases' schedules."""

from __future__ import annotations

from collections.abc import Iterable

from .claims import reminder_stages_reschedule

# A stage's offset and whether it is active decide every case's next reminder; its texts decide nothing.
SCHEDULE_FIELDS = frozenset({"offset_days", "is_active"})


def reminder_stage_saved(*, created: bool, changed: Iterable[str]) -> int | None:
    """After a stage was added, or its offset or activity changed: reschedule the cases' next reminders and
    return how many moved; None when the edit moves nothing (only texts changed)."""
    if not created and not SCHEDULE_FIELDS & set(changed):
        return None
    return reminder_stages_reschedule()
