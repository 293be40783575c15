"""Structured logs: records made inside a sync or reminder run carry its id; LOG_FORMAT picks the format."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine

from common.logs import JsonFormatter, PlainFormatter, RunContextFilter, current_context, log_context
from infakt.client import InfaktAPI
from infakt_simulator.demo import build_demo_world
from infakt_simulator.testing import running_simulator
from notifications.models import ReminderRun
from notifications.services import reminders_send_due
from syncstatus.models import SyncRun
from syncstatus.services import sync_run
from syncstatus.tests.conftest import START, morning

ROOT = Path(__file__).resolve().parents[2]


class Collect(logging.Handler):
    """A handler like the console one: the run-context filter, then a formatter."""

    def __init__(self, formatter: logging.Formatter) -> None:
        super().__init__(logging.DEBUG)
        self.addFilter(RunContextFilter())
        self.setFormatter(formatter)
        self.records: list[logging.LogRecord] = []
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def collect():
    handlers = []

    def attach(formatter: logging.Formatter) -> Collect:
        handler = Collect(formatter)
        logging.getLogger().addHandler(handler)
        handlers.append(handler)
        return handler

    yield attach
    for handler in handlers:
        logging.getLogger().removeHandler(handler)


def record(message: str = "hello %s", *args, level=logging.INFO, exc_info=None) -> logging.LogRecord:
    args = args or (("world",) if "%s" in message else ())
    return logging.LogRecord("invoicetracker.sync", level, __file__, 1, message, args, exc_info)


def test_log_context_binds_and_restores_the_ids():
    assert current_context() == {"sync_run_id": None, "reminder_run_id": None}
    with log_context(sync_run_id=7):
        with log_context(reminder_run_id=3):
            assert current_context() == {"sync_run_id": 7, "reminder_run_id": 3}
        assert current_context() == {"sync_run_id": 7, "reminder_run_id": None}
    assert current_context() == {"sync_run_id": None, "reminder_run_id": None}
    with pytest.raises(TypeError), log_context(user_id=1):
        pass


def test_the_filter_adds_the_ids_to_every_record():
    rec = record()
    with log_context(sync_run_id=12):
        assert RunContextFilter().filter(rec) is True
    assert rec.sync_run_id == 12
    assert rec.reminder_run_id is None


def test_the_json_formatter_writes_one_cloud_logging_object_a_line():
    with log_context(sync_run_id=12, reminder_run_id=4):
        rec = record("zażółć %s", "gęślą", level=logging.WARNING)
        RunContextFilter().filter(rec)
        line = JsonFormatter().format(rec)
    assert "\n" not in line
    entry = json.loads(line)
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "zażółć gęślą"
    assert entry["logger"] == "invoicetracker.sync"
    assert entry["sync_run_id"] == 12
    assert entry["reminder_run_id"] == 4
    assert entry["time"].endswith("+00:00")


def test_the_json_formatter_puts_the_traceback_into_the_message():
    try:
        raise ValueError("boom")
    except ValueError:
        rec = record("failed", exc_info=sys.exc_info())
    entry = json.loads(JsonFormatter().format(rec))
    assert entry["severity"] == "INFO"
    assert entry["message"].startswith("failed\nTraceback")
    assert "ValueError: boom" in entry["message"]
    assert "sync_run_id" not in entry


def test_the_plain_formatter_tags_records_inside_a_run():
    assert " invoicetracker.sync hello world" in PlainFormatter().format(record())
    with log_context(sync_run_id=5):
        assert " invoicetracker.sync [sync_run=5] hello world" in PlainFormatter().format(record())


@pytest.mark.e2e
@pytest.mark.django_db
def test_every_record_of_a_sync_run_carries_its_id(collect, caplog):
    caplog.set_level(logging.DEBUG, logger="urllib3")
    handler = collect(JsonFormatter())
    world = build_demo_world(seed=7, today=START, clients=15, invoices=80)
    with running_simulator(world) as sim:
        api = InfaktAPI(sim.api_key, sim.base_url, sleep=lambda seconds: None)
        with time_machine.travel(morning(world.today), tick=True):
            run = sync_run(target_date=world.today, api=api)
    assert run.status == SyncRun.Status.SUCCESS
    mine = [json.loads(line) for line in handler.lines if '"logger": "invoicetracker.sync"' in line]
    assert mine, "the sync logs its summary"
    assert all(entry["sync_run_id"] == run.pk for entry in mine)
    # HTTP client records made during the run carry it too.
    urllib3 = [json.loads(line) for line in handler.lines if '"logger": "urllib3' in line]
    assert urllib3
    assert all(entry.get("sync_run_id") == run.pk for entry in urllib3)
    # Outside the run: nothing bound.
    assert current_context()["sync_run_id"] is None


@pytest.mark.django_db
def test_records_of_a_reminder_run_carry_its_id(collect):
    handler = collect(PlainFormatter())
    report = reminders_send_due(day=START, trigger=ReminderRun.Trigger.COMMAND)
    assert report.run_id is not None
    tagged = [r for r in handler.records if r.name == "invoicetracker.reminders"]
    assert tagged
    assert all(r.reminder_run_id == report.run_id for r in tagged)
    assert any(f"[reminder_run={report.run_id}]" in line for line in handler.lines)


def start(code: str, **env: str) -> subprocess.CompletedProcess:
    clean = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "INVOICETRACKER_TESTING", "LOG_FORMAT"}
    }
    clean |= {
        "DJANGO_SETTINGS_MODULE": "invoicetracker.settings",
        "DATABASE_URL": "sqlite:////tmp/invoicetracker-logs.sqlite3",
        "SECRET_KEY": "x" * 60,
        "ALLOWED_HOSTS": "it.example.com",
        "DEBUG": "false",
    } | env
    return subprocess.run(
        [sys.executable, "-c", f"import django, logging\ndjango.setup()\n{code}"],
        cwd=ROOT,
        env=clean,
        capture_output=True,
        text=True,
        timeout=60,
    )


LOG_A_LINE = (
    "from common.logs import log_context\n"
    "with log_context(sync_run_id=42): logging.getLogger('invoicetracker.sync').warning('uwaga %s', 1)"
)


def test_production_logs_json_by_default():
    result = start(LOG_A_LINE)
    assert result.returncode == 0, result.stderr
    entry = json.loads(result.stderr.strip().splitlines()[-1])
    assert entry["severity"] == "WARNING"
    assert entry["message"] == "uwaga 1"
    assert entry["sync_run_id"] == 42


def test_log_format_plain_writes_text_lines():
    result = start(LOG_A_LINE, LOG_FORMAT="plain")
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip().endswith("WARNING invoicetracker.sync [sync_run=42] uwaga 1")


def test_a_wrong_log_format_stops_start_up():
    result = start("pass", LOG_FORMAT="xml")
    assert result.returncode != 0
    assert "LOG_FORMAT must be json or plain" in result.stderr
