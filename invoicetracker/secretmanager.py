"""Read the production secrets from Google Secret Manager at start-up (App Engine).

One secret holds the secret variables as `.env` lines (SECRET_KEY=..., DATABASE_URL=...,
EMAIL_URL=..., INFAKT_API_KEY=...). SECRET_MANAGER_ENV names it: a short secret name
(the project comes from GOOGLE_CLOUD_PROJECT, which App Engine sets) or a full
`projects/<p>/secrets/<s>/versions/<v>` resource name. Values already in the environment
win, as with `.env`.

Standard library only: an access token from the instance's metadata server (the service
account of the App Engine app needs roles/secretmanager.secretAccessor on the secret),
then the Secret Manager REST API.
"""

from __future__ import annotations

import base64
import io
import json
import os
import urllib.error
import urllib.request

import environ
from django.core.exceptions import ImproperlyConfigured

METADATA_TOKEN_URL = "http://metadata.google.internal/computeMetadata/v1/instance/service-accounts/default/token"  # noqa: S105
SECRET_MANAGER_API = "https://secretmanager.googleapis.com/v1/"  # noqa: S105 - URLs, not passwords


def resource_name(name: str, project: str | None) -> str:
    name = name.strip()
    if name.startswith("projects/"):
        return name if "/versions/" in name else f"{name}/versions/latest"
    if not project:
        raise ImproperlyConfigured(
            "SECRET_MANAGER_ENV is a short secret name but GOOGLE_CLOUD_PROJECT is not set. "
            "Set SECRET_MANAGER_ENV=projects/<project>/secrets/<name>/versions/latest."
        )
    return f"projects/{project}/secrets/{name}/versions/latest"


def _get_json(url: str, headers: dict[str, str], timeout: float) -> dict:
    request = urllib.request.Request(url, headers=headers)  # noqa: S310 - fixed Google endpoints (or a test server)
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310
        return json.loads(response.read())


def secret_payload(
    name: str,
    *,
    project: str | None = None,
    timeout: float = 10,
    token_url: str = METADATA_TOKEN_URL,
    api_url: str = SECRET_MANAGER_API,
) -> str:
    resource = resource_name(name, project)
    try:
        token = _get_json(token_url, {"Metadata-Flavor": "Google"}, timeout)["access_token"]
        body = _get_json(f"{api_url}{resource}:access", {"Authorization": f"Bearer {token}"}, timeout)
        return base64.b64decode(body["payload"]["data"]).decode("utf-8")
    except (OSError, urllib.error.URLError, KeyError, ValueError) as exc:
        # Never echo a token or the payload: the type and the HTTP status are enough to act on.
        status = getattr(exc, "code", None)
        detail = f"HTTP {status}" if status else type(exc).__name__
        raise ImproperlyConfigured(
            f"SECRET_MANAGER_ENV: could not read the secret {resource} ({detail}). Check that the secret "
            "exists and that the App Engine service account has roles/secretmanager.secretAccessor on it."
        ) from None


def read_env_secret(name: str, **kwargs) -> None:
    """Put the secret's `.env` lines into os.environ (variables already set win)."""
    payload = secret_payload(name, project=kwargs.pop("project", os.environ.get("GOOGLE_CLOUD_PROJECT")), **kwargs)
    environ.Env.read_env(io.StringIO(payload), overwrite=False)
