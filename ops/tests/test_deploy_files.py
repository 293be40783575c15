"""The App Engine files agree with the app: services, entrypoints, static files, cron URL, settings."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import environ
import pytest
from django.conf import settings
from django.urls import resolve

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "deploy"))
from run_with_env import through_proxy, yaml_env_variables  # noqa: E402

from tests.waiting import wait_until  # noqa: E402


def read(name: str) -> str:
    return (ROOT / name).read_text(encoding="utf-8")


def test_the_web_service_runs_gunicorn_on_python311_and_serves_collected_static_files():
    app = read("app.yaml")
    assert "runtime: python311" in app
    assert "entrypoint: gunicorn -b :$PORT" in app
    assert "invoicetracker.wsgi:application" in app
    assert "static_dir: staticfiles" in app
    assert settings.STATIC_ROOT == ROOT / "staticfiles"
    assert "service:" not in app  # the default service


def test_the_worker_is_a_resident_manually_scaled_service_running_qcluster():
    worker = read("worker.yaml")
    assert "service: worker" in worker
    assert "manual_scaling:\n  instances: 1" in worker
    assert "entrypoint: bash deploy/worker-entrypoint.sh" in worker
    assert "manage.py qcluster" in read("deploy/worker-entrypoint.sh")


def test_both_services_get_the_same_settings_and_no_secrets():
    web, worker = yaml_env_variables(ROOT / "app.yaml"), yaml_env_variables(ROOT / "worker.yaml")
    assert web["DEBUG"] == "false"
    assert web["SECRET_MANAGER_ENV"] == "invoicetracker-env"
    assert {k: v for k, v in worker.items() if k != "Q_WORKERS"} == web
    for name in ["SECRET_KEY", "DATABASE_URL", "EMAIL_URL", "INFAKT_API_KEY", "CRON_SECRET"]:
        assert name not in web
        assert name not in worker


def test_cron_calls_the_run_due_endpoint():
    cron = read("cron.yaml")
    url = next(line.split("url:")[1].strip() for line in cron.splitlines() if "url:" in line)
    assert resolve(url).view_name == "ops:cron_run_due"
    assert "target: default" in cron


def test_static_files_are_uploaded():
    ignored = read(".gcloudignore").splitlines()
    assert "staticfiles/" not in ignored
    assert ".env" in ignored


def test_the_deploy_database_url_reaches_cloud_sql_through_the_socket_and_the_proxy():
    url = "postgres://invoicetracker:p%40ss@/invoicetracker?host=/cloudsql/proj:europe-central2:it-db"
    config = environ.Env.db_url_config(url)
    assert config["OPTIONS"] == {"host": "/cloudsql/proj:europe-central2:it-db"}
    assert config["NAME"] == "invoicetracker"
    local = environ.Env.db_url_config(through_proxy(url, 5433))
    assert (local["HOST"], local["PORT"]) == ("127.0.0.1", 5433)
    assert (local["USER"], local["PASSWORD"]) == ("invoicetracker", "p@ss")
    assert "host" not in local.get("OPTIONS", {})
    assert through_proxy("postgres://u:p@db.example:5432/x", 5433) == "postgres://u:p@db.example:5432/x"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.mark.e2e
@pytest.mark.django_db
def test_the_worker_entrypoint_answers_app_engine_runs_the_cluster_and_stops_on_sigterm():
    db = settings.DATABASES["default"]
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "INVOICETRACKER_"))}
    env |= {
        "DEBUG": "true",
        "PORT": str(port),
        "LOG_FORMAT": "plain",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "PATH": f"{Path(sys.executable).parent}:{env.get('PATH', '')}",
    }
    process = subprocess.Popen(
        ["bash", "deploy/worker-entrypoint.sh"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    try:
        wait_until(lambda: answers(port, "/_ah/start") == 200, what="an answer on /_ah/start", proc=process)
        assert answers(port, "/admin/") == 404  # the worker serves no pages
        # The cluster is up once qcluster has started its own processes (sentinel, workers, monitor).
        cluster = wait_until(
            lambda: [pid for pid, cmd in children(process.pid) if "manage.py qcluster" in cmd],
            what="the qcluster process",
            proc=process,
        )
        wait_until(lambda: children(cluster[0]), what="the cluster's processes", proc=process)
        assert process.poll() is None
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
    assert process.returncode == 0, output
    assert "Shutting down: Master" in output


def answers(port: int, path: str) -> int | None:
    """The HTTP status of a GET of `path` on 127.0.0.1:`port`, or None while nothing listens there."""
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code
    except OSError:
        return None


def children(pid: int) -> list[tuple[int, str]]:
    """(pid, command line) of the direct children of `pid` (Linux /proc)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            if int(fields[1]) == pid:
                command = (stat.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
                found.append((int(stat.parent.name), command))
        except (OSError, IndexError, ValueError):
            continue
    return found
