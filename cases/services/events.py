"""The case's timeline: a line added by any app through `case_event_add` (or `case_events_add`, one INSERT)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from .. import timeline
from ..models import Case, CaseEvent


def case_event_new(
    *,
    case: Case | None = None,
    case_id: int | None = None,
    kind: str,
    now: datetime,
    code: str = "",
    params: dict | None = None,
    message: str = "",
    user=None,
    run_id: int | None = None,
    data: dict | None = None,
) -> CaseEvent:
    """An unsaved timeline row (for `bulk_create`): a coded text (cases.timeline) or, for a kind
    without a code, a plain message. The Polish text goes into `message` too (search, older readers)."""
    params = dict(params or {})
    if code:
        if code not in timeline.REGISTRY:
            raise ValueError(f"Unknown timeline code {code!r}: register it in cases.timeline.")
        message = message or timeline.render_polish(code, params)
    if not message:
        raise ValueError("A timeline row needs a code or a message.")
    # Messages quote InFakt text (numbers, names) of any length: the column keeps the first 500 characters.
    return CaseEvent(
        case=case,
        case_id=case.pk if case is not None else case_id,
        at=now,
        kind=kind,
        code=code,
        params=params,
        message=message[:500],
        data=data or {},
        sync_run_id=run_id,
        user=user,
    )


# The arguments of `case_event_new`; `case_event_add` puts any other keyword into the row's data.
EVENT_FIELDS = frozenset({"case", "case_id", "kind", "now", "code", "params", "message", "user", "run_id"})


def case_event_add(**fields) -> CaseEvent:
    """Add a line to the case's timeline (the public way for other apps), and return it.

    Takes `case_event_new`'s arguments: `case` (or `case_id`), `kind`, `now`, a registered `code` with
    raw `params` (cases.timeline; rendered in the reader's language) or, for a kind that has no code
    yet, a plain `message`; `user`, `run_id`. Any other keyword goes into the row's `data`."""
    data = {name: fields.pop(name) for name in list(fields) if name not in EVENT_FIELDS}
    event = case_event_new(**fields, data=data)
    event.save(force_insert=True)
    return event


def case_events_add(*, cases: Iterable[Case], **fields) -> list[CaseEvent]:
    """The same timeline line on each of `cases`, in one INSERT (arguments as `case_event_add`)."""
    data = {name: fields.pop(name) for name in list(fields) if name not in EVENT_FIELDS}
    return CaseEvent.objects.bulk_create(case_event_new(case_id=case.pk, **fields, data=data) for case in cases)
