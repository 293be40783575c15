"""Settings for bench/pages.py: the test settings plus one database per data-set size.

BENCH_SIZES (comma-separated) names the sizes; each gets the alias "s<size>" and the
database "<DATABASE_URL's name>_<size>". A router sends every query to the alias the
benchmark is measuring at the moment, so the sizes can be measured in alternation and
share whatever else the machine is doing.
"""

import os

from invoicetracker.settings_test import *  # noqa: F403

ALLOWED_HOSTS = [*ALLOWED_HOSTS, "testserver"]  # noqa: F405 - Django's test client

_base = DATABASES["default"]  # noqa: F405
for _size in os.environ.get("BENCH_SIZES", "1000,100000").split(","):
    DATABASES[f"s{_size}"] = {**_base, "NAME": f"{_base['NAME']}_{_size}"}  # noqa: F405
DATABASE_ROUTERS = ["bench.pages.CurrentDatabaseRouter"]

if os.environ.get("BENCH_UNCACHED") == "true":  # bench/pages.py --uncached: every request computes its page
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}}
    REPORTS_SNAPSHOTS = False  # panel.snapshots: the reports computed per request, not served from a snapshot
