"""Structured logs: which sync or reminder run a record belongs to, and a JSON formatter.

`log_context(sync_run_id=...)` binds ids for the duration of a block (a contextvar, so
threads and the django-q2 worker processes each see their own); `RunContextFilter` copies
them onto every record passing a handler (`record.sync_run_id`, `record.reminder_run_id`,
None outside a run); `JsonFormatter` writes one JSON object a line in the shape Cloud
Logging parses on App Engine (`severity`, `message`, `time`, extra fields as labels of
the entry's jsonPayload). Selected with LOG_FORMAT=json|plain.

Kept free of Django imports: settings' LOGGING refers to these classes.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

CONTEXT_FIELDS = ("sync_run_id", "reminder_run_id")

_context: dict[str, ContextVar[int | None]] = {name: ContextVar(name, default=None) for name in CONTEXT_FIELDS}


@contextmanager
def log_context(**ids: int | None) -> Iterator[None]:
    """Bind run ids (`sync_run_id`, `reminder_run_id`) to every log record made inside the block."""
    unknown = set(ids) - set(CONTEXT_FIELDS)
    if unknown:
        raise TypeError(f"unknown log context field(s): {', '.join(sorted(unknown))}")
    tokens = [(_context[name], _context[name].set(value)) for name, value in ids.items()]
    try:
        yield
    finally:
        for var, token in reversed(tokens):
            var.reset(token)


def current_context() -> dict[str, int | None]:
    return {name: var.get() for name, var in _context.items()}


class RunContextFilter(logging.Filter):
    """Adds `sync_run_id` and `reminder_run_id` to each record (never drops a record)."""

    def filter(self, record: logging.LogRecord) -> bool:
        for name, var in _context.items():
            if getattr(record, name, None) is None:
                setattr(record, name, var.get())
        return True


# Python level -> Cloud Logging severity (https://cloud.google.com/logging/docs/reference/v2/rest/v2/LogEntry).
SEVERITY = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "WARNING", "ERROR": "ERROR", "CRITICAL": "CRITICAL"}


class JsonFormatter(logging.Formatter):
    """One JSON object a line: severity, time, logger, message (with the traceback), run ids."""

    def format(self, record: logging.LogRecord) -> str:
        message = record.getMessage()
        if record.exc_info:
            # Error Reporting groups errors whose message carries the Python traceback.
            message = f"{message}\n{self.formatException(record.exc_info)}"
        elif record.exc_text:
            message = f"{message}\n{record.exc_text}"
        if record.stack_info:
            message = f"{message}\n{self.formatStack(record.stack_info)}"
        entry: dict[str, object] = {
            "severity": SEVERITY.get(record.levelname, "DEFAULT"),
            "time": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "logger": record.name,
            "message": message,
        }
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is None:
                value = _context[name].get()
            if value is not None:
                entry[name] = value
        return json.dumps(entry, ensure_ascii=False, default=str)


class PlainFormatter(logging.Formatter):
    """The classic one-line format, tagged `[sync_run=12]` / `[reminder_run=7]` inside a run."""

    def __init__(self, fmt: str = "%(asctime)s %(levelname)s %(name)s %(run_tags)s%(message)s", **kwargs) -> None:
        super().__init__(fmt, **kwargs)

    def format(self, record: logging.LogRecord) -> str:
        tags = []
        for name in CONTEXT_FIELDS:
            value = getattr(record, name, None)
            if value is None:
                value = _context[name].get()
            if value is not None:
                tags.append(f"{name.removesuffix('_id')}={value}")
        record.run_tags = f"[{' '.join(tags)}] " if tags else ""
        return super().format(record)
