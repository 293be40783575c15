"""The reports page served from a snapshot that every process sees (stale-while-revalidate).

`reports_page(days=, today=)` reads the row of `panel.models.ReportSnapshot` for the period and the active
language:

- its version equals the data's (`panel.selectors.data_version()` and the day): served as it is;
- another version: served at once, marked stale with the time it was computed, and one refresh queued
  for the worker (`panel.tasks.reports_refresh`, after the commit; a lease on the row keeps it to one
  pending refresh per period and language): the visitor never waits for the computation;
- no row yet (the first visit ever), or one this code cannot read: computed here and stored.

After each sync and each sending run the worker refreshes every period in both languages
(`reports_refresh_usual`, hooked up in `panel.apps`), so the morning's first visitor sees fresh figures.

The page's dataclasses go to JSON and back exactly (`page_encode` / `page_decode`): the dates and the
tuples come back as they went in, the SVG charts as the same (safe) markup.

`settings.REPORTS_SNAPSHOTS = False` (bench/pages.py --uncached only) computes the page on every request.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import date

from django.conf import settings
from django.db import router, transaction
from django.utils import timezone, translation
from django.utils.safestring import mark_safe

from common.calendar import business_today

from .models import ReportSnapshot
from .reports import PERIODS, AgingCell, AgingRow, Chart, PaidAfterStage, reports_compute
from .selectors import data_version
from .services import report_snapshot_refresh_claim, report_snapshot_store

log = logging.getLogger("invoicetracker.reports")

# Part of every version: bump it when the page's content changes shape (a field of its dataclasses), so
# that the snapshots stored by the code before are not served as current.
SNAPSHOT_FORMAT = 1
REFRESH_TASK = "panel.tasks.reports_refresh"
REFRESH_GROUP = "reports-refresh"


def snapshot_language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def snapshot_version(*, today: date) -> str:
    """The data's version for the figures of `today` (two queries: panel.selectors.data_version)."""
    return hashlib.sha256(repr((SNAPSHOT_FORMAT, data_version(), today)).encode()).hexdigest()


def reports_page(*, days: int, today: date) -> dict:
    """The page's figures for the period ending `today`, in the active language, plus `snapshot_at`
    (when they were computed) and `snapshot_stale` (a refresh is under way)."""
    language = snapshot_language()
    if not getattr(settings, "REPORTS_SNAPSHOTS", True):
        return {**reports_compute(days=days, today=today), "snapshot_at": timezone.now(), "snapshot_stale": False}
    version = snapshot_version(today=today)
    snapshot = ReportSnapshot.objects.filter(days=days, language=language).first()
    page = None
    if snapshot is not None:
        try:
            page = page_decode(snapshot.payload)
        except (KeyError, TypeError, ValueError):  # stored by a code of another shape: as if there were none
            log.warning("reports snapshot %s days (%s) unreadable: computed again", days, language)
    if page is None:
        page = reports_compute(days=days, today=today)
        computed_at = timezone.now()
        report_snapshot_store(days=days, language=language, version=version, payload=page_encode(page), at=computed_at)
        return {**page, "snapshot_at": computed_at, "snapshot_stale": False}
    stale = snapshot.version != version
    if stale and report_snapshot_refresh_claim(snapshot):
        using = router.db_for_write(ReportSnapshot)  # after the commit of the lease's transaction
        transaction.on_commit(lambda: reports_refresh_enqueue(days=days, language=language), using=using)
    return {**page, "snapshot_at": snapshot.computed_at, "snapshot_stale": stale}


def reports_refresh_enqueue(*, days: int, language: str) -> None:
    from django_q.tasks import async_task  # django_q reads Q_CLUSTER at import

    async_task(REFRESH_TASK, days, language, group=REFRESH_GROUP, task_name=f"reports-refresh-{days}-{language}")


def reports_refresh(*, days: int, language: str, today: date | None = None) -> bool:
    """Compute and store the snapshot of (days, language) unless it is already current. True: computed."""
    today = today or business_today()
    with translation.override(language):
        version = snapshot_version(today=today)
        current = ReportSnapshot.objects.filter(days=days, language=language, version=version).exists()
        if not current:
            page = reports_compute(days=days, today=today)
            report_snapshot_store(days=days, language=language, version=version, payload=page_encode(page))
    log.info("reports snapshot %s days (%s): %s", days, language, "already current" if current else "refreshed")
    return not current


def reports_refresh_usual() -> int:
    """Refresh every period in every language (after a sync or a sending run). Returns those computed."""
    return sum(
        reports_refresh(days=days, language=language) for days in PERIODS for language, _name in settings.LANGUAGES
    )


# --- JSON and back ---------------------------------------------------------------------------


def _day(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _day_back(value: str | None) -> date | None:
    return date.fromisoformat(value) if value is not None else None


def _cell(cell: AgingCell) -> dict:
    return {
        "key": cell.key,
        "label": cell.label,
        "count": cell.count,
        "amount": cell.amount,
        "url": cell.url,
        "interest": cell.interest,
        "compensation": cell.compensation,
        "incomplete": cell.incomplete,
    }


def _cell_back(data: dict) -> AgingCell:
    return AgingCell(
        key=data["key"],
        label=data["label"],
        count=int(data["count"]),
        amount=int(data["amount"]),
        url=data["url"],
        interest=int(data["interest"]),
        compensation=int(data["compensation"]),
        incomplete=int(data["incomplete"]),
    )


def _row(row: AgingRow) -> dict:
    return {
        "currency": row.currency,
        "cells": [_cell(cell) for cell in row.cells],
        "count": row.count,
        "amount": row.amount,
        "interest": row.interest,
        "compensation": row.compensation,
        "incomplete": row.incomplete,
        "claims_as_of": _day(row.claims_as_of),
        "claims_newest": _day(row.claims_newest),
    }


def _row_back(data: dict) -> AgingRow:
    return AgingRow(
        currency=data["currency"],
        cells=[_cell_back(cell) for cell in data["cells"]],
        count=int(data["count"]),
        amount=int(data["amount"]),
        interest=int(data["interest"]),
        compensation=int(data["compensation"]),
        incomplete=int(data["incomplete"]),
        claims_as_of=_day_back(data["claims_as_of"]),
        claims_newest=_day_back(data["claims_newest"]),
    )


def _chart(chart: Chart) -> dict:
    return {"key": chart.key, "title": chart.title, "svg": str(chart.svg), "columns": chart.columns, "rows": chart.rows}


def _chart_back(data: dict) -> Chart:
    # The SVG was built by panel.charts, its texts escaped (format_html), and only panel.services writes it.
    svg = mark_safe(data["svg"])  # noqa: S308
    return Chart(data["key"], data["title"], svg, list(data["columns"]), [list(row) for row in data["rows"]])


def _paid(row: PaidAfterStage) -> dict:
    return {"offset": row.offset, "label": row.label, "count": row.count, "share": row.share}


def _paid_back(data: dict) -> PaidAfterStage:
    offset = data["offset"]
    return PaidAfterStage(
        None if offset is None else int(offset), data["label"], int(data["count"]), float(data["share"])
    )


def _each(convert):
    return lambda items: [convert(item) for item in items]


def _buckets(convert_cell, pair):
    return lambda buckets: [
        pair(label, [pair(currency, convert_cell(cell)) for currency, cell in cells]) for label, cells in buckets
    ]


# Each key of `reports_page`'s dict: (to JSON, back from JSON).
PAGE_CODEC = {
    "today": (_day, _day_back),
    "start": (_day, _day_back),
    "charts": (_each(_chart), _each(_chart_back)),
    "aging": (_each(_row), _each(_row_back)),
    "aging_charts": (_each(_chart), _each(_chart_back)),
    "aging_by_bucket": (_buckets(_cell, lambda *pair: list(pair)), _buckets(_cell_back, lambda *pair: pair)),
    "paid_after": (_each(_paid), _each(_paid_back)),
    "aging_labels": (list, list),
    "aging_claims_as_of": (_day, _day_back),
}


def page_encode(page: dict) -> dict:
    """`reports_page`'s dict as JSON-ready values."""
    return {key: encode(page[key]) for key, (encode, _decode) in PAGE_CODEC.items()}


def page_decode(data: dict) -> dict:
    """The inverse of `page_encode`: equal (==) to the dict that was encoded."""
    return {key: decode(data[key]) for key, (_encode, decode) in PAGE_CODEC.items()}
