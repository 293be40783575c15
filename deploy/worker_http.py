"""The worker service's HTTP side (worker.yaml): App Engine requires every instance to answer HTTP,
and starts a manually scaled instance with GET /_ah/start. This stub answers that and 404s the
rest without loading Django: the worker serves no pages and no data; it only runs `qcluster`.
"""

from __future__ import annotations

LIFECYCLE = {"/_ah/start", "/_ah/stop", "/_ah/warmup"}


def application(environ, start_response):
    if environ.get("PATH_INFO", "") in LIFECYCLE:
        start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
        return [b"ok"]
    start_response("404 Not Found", [("Content-Type", "text/plain"), ("Content-Length", "9")])
    return [b"not found"]
