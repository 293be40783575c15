"""SECRET_MANAGER_ENV: the secret variables come from one Secret Manager secret holding `.env` lines."""

from __future__ import annotations

import base64
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.core.exceptions import ImproperlyConfigured

from invoicetracker.secretmanager import read_env_secret, resource_name, secret_payload

TOKEN = "ya29.test-token"
PAYLOAD = "SECRET_KEY=from-secret-manager\nINFAKT_API_KEY=ik-from-secret\n# a comment\n"


class FakeGoogle(BaseHTTPRequestHandler):
    secret_status = 200
    seen: list[tuple[str, dict]] = []

    def do_GET(self):
        FakeGoogle.seen.append((self.path, dict(self.headers)))
        if self.path == "/token":
            if self.headers.get("Metadata-Flavor") != "Google":
                return self._send(403, {})
            return self._send(200, {"access_token": TOKEN, "expires_in": 3599, "token_type": "Bearer"})
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self._send(401, {})
        if FakeGoogle.secret_status != 200:
            return self._send(FakeGoogle.secret_status, {"error": {"message": "denied"}})
        return self._send(200, {"name": self.path, "payload": {"data": base64.b64encode(PAYLOAD.encode()).decode()}})

    def _send(self, status, body):
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


@pytest.fixture
def google():
    FakeGoogle.seen = []
    FakeGoogle.secret_status = 200
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeGoogle)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_address[1]}"
    yield {"token_url": f"{base}/token", "api_url": f"{base}/v1/"}
    server.shutdown()
    server.server_close()


def test_resource_names():
    assert resource_name("it-env", "proj") == "projects/proj/secrets/it-env/versions/latest"
    assert resource_name("projects/p/secrets/s", None) == "projects/p/secrets/s/versions/latest"
    assert resource_name("projects/p/secrets/s/versions/3", None) == "projects/p/secrets/s/versions/3"
    with pytest.raises(ImproperlyConfigured, match="GOOGLE_CLOUD_PROJECT"):
        resource_name("it-env", None)


def test_it_reads_the_payload_with_a_metadata_token(google):
    assert secret_payload("it-env", project="proj", **google) == PAYLOAD
    path, _headers = FakeGoogle.seen[-1]
    assert path == "/v1/projects/proj/secrets/it-env/versions/latest:access"


def test_it_puts_the_lines_into_the_environment_without_overriding(google, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "already-set")
    monkeypatch.delenv("INFAKT_API_KEY", raising=False)
    read_env_secret("it-env", project="proj", **google)
    assert os.environ["SECRET_KEY"] == "already-set"
    assert os.environ["INFAKT_API_KEY"] == "ik-from-secret"
    monkeypatch.delenv("INFAKT_API_KEY")


def test_an_unreadable_secret_stops_start_up_with_a_hint_and_no_token(google):
    FakeGoogle.secret_status = 403
    with pytest.raises(ImproperlyConfigured) as error:
        secret_payload("it-env", project="proj", **google)
    message = str(error.value)
    assert "HTTP 403" in message
    assert "secretAccessor" in message
    assert TOKEN not in message
