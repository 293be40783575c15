"""Content-Security-Policy on every response (Django 5.2 has none built in; 6.0 will).

The policy is static, so a few lines of our own do: no nonces, no per-view changes, no dependency.
Scripts only from our own origin (no inline script anywhere: the templates load static files and
pass data in data-* attributes), no plugins, no framing, forms post only to us. Inline *styles*
are allowed: the admin and our templates carry style attributes (bar widths computed from data,
Django admin widgets), and the base templates' style blocks are shared by many changes; CSS cannot
run script, which is what the policy is for. A view may set its own header; it is left alone.
"""

from __future__ import annotations

from django.conf import settings


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.policy = "; ".join(f"{name} {value}".strip() for name, value in settings.CONTENT_SECURITY_POLICY.items())

    def __call__(self, request):
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.policy)
        return response
