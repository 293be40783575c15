"""Endpoints for machines, not people: the uptime check and the cron trigger. No login; no session."""

from __future__ import annotations

import hmac
import logging

from django.conf import settings
from django.contrib.auth.decorators import login_not_required
from django.contrib.staticfiles import finders
from django.http import FileResponse, Http404, HttpRequest, JsonResponse
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_safe

from panel.health import health_status

from .jobs import jobs_run_due

log = logging.getLogger("invoicetracker.ops")

CRON_SECRET_HEADER = "X-Cron-Secret"  # noqa: S105 - a header name


@login_not_required
@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    """200 when the database answers and the last successful sync is recent enough; 503 otherwise."""
    data = health_status()
    return JsonResponse(data, status=200 if data["status"] == "ok" else 503)


def cron_request_allowed(request: HttpRequest) -> bool:
    """App Engine's cron (its X-Appengine-Cron header, trusted only on App Engine, which strips the
    header from outside requests), or any scheduler that sends the shared CRON_SECRET."""
    if settings.ON_APP_ENGINE and request.headers.get("X-Appengine-Cron") == "true":
        return True
    secret = settings.CRON_SECRET
    given = request.headers.get(CRON_SECRET_HEADER, "")
    return bool(secret) and bool(given) and hmac.compare_digest(given.encode(), secret.encode())


@login_not_required
@csrf_exempt  # machine-to-machine; authenticated by the header above, never by a cookie
@never_cache
@require_http_methods(["GET", "POST"])
def cron_run_due(request: HttpRequest) -> JsonResponse:
    """Run the due background jobs now (App Engine cron, Cloud Scheduler, any external cron)."""
    if not cron_request_allowed(request):
        log.warning("cron: refused a request without a valid cron header")
        return JsonResponse({"error": "forbidden"}, status=403)
    report = jobs_run_due()
    return JsonResponse(report.as_dict(), status=500 if report.failed else 200)


@login_not_required
@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> FileResponse:
    """/favicon.ico, which browsers ask for on every page (pages also link static/favicon.svg):
    served here, without a login or a 404, from the static files (found before or after collectstatic)."""
    from django.conf import settings

    path = finders.find("favicon.ico") or (settings.STATIC_ROOT / "favicon.ico")
    try:
        return FileResponse(open(path, "rb"), content_type="image/x-icon")  # FileResponse closes it
    except OSError:
        raise Http404("favicon.ico") from None
