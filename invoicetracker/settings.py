"""InvoiceTracker settings: one module, everything from the environment.

Every variable is documented in `.env.example` and the README. Real environment
variables win over a `.env` file. With nothing set the app runs for development
only if DEBUG is on; production values that are missing or wrong stop start-up
with an `ImproperlyConfigured` that names the variable to fix.
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlparse

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)
# On Google Cloud the secret variables come from Secret Manager: one secret holding `.env`
# lines, named here (see docs/deploy.md). Variables already set win.
SECRET_MANAGER_ENV = env.str("SECRET_MANAGER_ENV", default="").strip()
if SECRET_MANAGER_ENV:
    from .secretmanager import read_env_secret

    read_env_secret(SECRET_MANAGER_ENV)


def _fail(name: str, problem: str, fix: str) -> ImproperlyConfigured:
    return ImproperlyConfigured(f"{name} {problem}. {fix}")


def _int(name: str, default: int, *, minimum: int = 0, maximum: int | None = None) -> int:
    raw = env.str(name, default=str(default)).strip()
    try:
        value = int(raw)
    except ValueError:
        raise _fail(name, f"must be a whole number, got {raw!r}", f"Set {name} to e.g. {default}.") from None
    if value < minimum or (maximum is not None and value > maximum):
        bounds = f"between {minimum} and {maximum}" if maximum is not None else f"at least {minimum}"
        raise _fail(name, f"must be {bounds}, got {value}", f"Set {name} to e.g. {default}.")
    return value


def _bool(name: str, default: bool) -> bool:
    raw = env.str(name, default="").strip().lower()
    if raw == "":
        return default
    if raw in {"1", "true", "yes", "on"}:
        return True
    if raw in {"0", "false", "no", "off"}:
        return False
    raise _fail(name, f"must be true or false, got {raw!r}", f"Set {name}=true or {name}=false.")


def _clock(name: str, default: str) -> str:
    raw = env.str(name, default=default).strip()
    if not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", raw):
        raise _fail(name, f"must be a time of day HH:MM (Europe/Warsaw), got {raw!r}", f"Set {name} to e.g. {default}.")
    return raw


def _url(name: str, default: str, *, require_https: bool) -> str:
    raw = env.str(name, default=default).strip().rstrip("/")
    parsed = urlparse(raw)
    if parsed.scheme not in {"http", "https"} or not parsed.netloc:
        raise _fail(name, f"must be an http(s) URL, got {raw!r}", f"Set {name} to e.g. {default}.")
    if require_https and parsed.scheme != "https" and parsed.hostname not in {"127.0.0.1", "localhost"}:
        raise _fail(name, "must use https outside development", f"Set {name} to {default}.")
    return raw


# --- Core -------------------------------------------------------------------

DEBUG = _bool("DEBUG", False)
TESTING = _bool("INVOICETRACKER_TESTING", False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not (DEBUG or TESTING):
        raise _fail(
            "SECRET_KEY",
            "is not set",
            "Set SECRET_KEY to a long random string (python -c 'import secrets; print(secrets.token_urlsafe(50))'), "
            "or set DEBUG=true for local development.",
        )
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105
elif not (DEBUG or TESTING) and len(SECRET_KEY) < 50:
    raise _fail("SECRET_KEY", "is shorter than 50 characters", "Set SECRET_KEY to a long random string.")

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[]) or (["127.0.0.1", "localhost"] if (DEBUG or TESTING) else [])
if not ALLOWED_HOSTS:
    raise _fail(
        "ALLOWED_HOSTS", "is empty", "Set ALLOWED_HOSTS to the comma-separated host names the app is served on."
    )
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "invoicetracker.apps.InvoiceTrackerAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_filters",
    "django_tables2",
    "django_q",
    "infakt",
    "claims",
    "cases",
    "documents",
    "notifications",
    "worklist",
    "syncstatus",
    "panel",
    "security",
    "ops",
    "invoicetracker.apps.InvoiceTrackerConfig",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "security.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns the login attempt that reaches the failed-login limit into the lock message.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "invoicetracker.urls"
WSGI_APPLICATION = "invoicetracker.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- Database ----------------------------------------------------------------

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # SQLite serialises writers; a generous timeout lets the web process and the
    # django-q2 worker share the file in development.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    DATABASES["default"]["CONN_MAX_AGE"] = 0
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth ----------------------------------------------------------------------

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "admin:login"
# Staff start the day on the worklist (managers read it too); the admin keeps its own index.
LOGIN_REDIRECT_URL = "/cases/today/"
# Failed-login limit (security/services.py, on django-axes): this many failures from one address,
# or for one user name from one address, within the window lock that address (or pair) until the
# window has passed since the last failure. No lock per user name alone (anyone could lock anyone
# out); past LOGIN_USER_SLOWDOWN_THRESHOLD failures from all addresses together, each attempt for
# that user name waits LOGIN_USER_SLOWDOWN_SECONDS instead.
LOGIN_FAILURE_LIMIT = _int("LOGIN_FAILURE_LIMIT", 5, minimum=1, maximum=100)
LOGIN_FAILURE_WINDOW_MINUTES = _int("LOGIN_FAILURE_WINDOW_MINUTES", 15, minimum=1, maximum=24 * 60)
LOGIN_USER_SLOWDOWN_THRESHOLD = _int("LOGIN_USER_SLOWDOWN_THRESHOLD", 20, minimum=1, maximum=10000)
LOGIN_USER_SLOWDOWN_SECONDS = _int("LOGIN_USER_SLOWDOWN_SECONDS", 3, minimum=0, maximum=60)
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses locked attempts, records failures
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=LOGIN_FAILURE_WINDOW_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["ip_address", ["username", "ip_address"]]
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False  # refused attempts do not prolong a lock
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "security.services.client_ip"
AXES_USERNAME_CALLABLE = "security.services.axes_username"
AXES_LOCKOUT_CALLABLE = "security.forms.lockout_response"
# Keep only what the limit needs: no log of every login or failure (addresses are personal data).
AXES_DISABLE_ACCESS_LOG = True
AXES_ENABLE_ACCESS_FAILURE_LOG = False
AXES_VERBOSE = False
# django-axes' own admin pages (English labels, a log we do not keep): off; `manage.py unlock_login` lifts a lock.
AXES_ENABLE_ADMIN = False
# A request header carrying the client's address that clients cannot forge (set by your proxy),
# e.g. X-Appengine-User-Ip on App Engine. Empty: REMOTE_ADDR.
CLIENT_IP_HEADER = env.str("CLIENT_IP_HEADER", default="").strip()

# --- Language, time, formats -------------------------------------------------

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", _("Polish")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

# --- Static files ----------------------------------------------------------------

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}

# --- E-mail ----------------------------------------------------------------------

vars().update(env.email_url("EMAIL_URL", default="consolemail://"))
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="InvoiceTracker <windykacja@localhost>")
SERVER_EMAIL = env.str("SERVER_EMAIL", default=DEFAULT_FROM_EMAIL)

# --- InFakt --------------------------------------------------------------------

INFAKT_API_KEY = env.str("INFAKT_API_KEY", default="")
INFAKT_BASE_URL = _url("INFAKT_BASE_URL", "https://api.infakt.pl/api/v3", require_https=not (DEBUG or TESTING))
INFAKT_TIMEOUT = _int("INFAKT_TIMEOUT", 20, minimum=1, maximum=300)
# InFakt allows 300 GET per 60 s per IP; keep a margin for other tools on the same IP.
INFAKT_MAX_GET_PER_MINUTE = _int("INFAKT_MAX_GET_PER_MINUTE", 240, minimum=1, maximum=300)
INFAKT_MAX_RETRIES = _int("INFAKT_MAX_RETRIES", 5, minimum=0, maximum=20)

# --- Sync ------------------------------------------------------------------------

# Open a case this many days before the due date (offset -2 by default).
NEW_CASE_DAYS_BEFORE_DUE = _int("NEW_CASE_DAYS_BEFORE_DUE", 2, minimum=0, maximum=60)
# How far into the past the very first sync looks for unpaid invoices.
INITIAL_BACKFILL_DAYS = _int("INITIAL_BACKFILL_DAYS", 90, minimum=0, maximum=3650)
# A client record older than this is fetched again when one of its invoices is read.
CLIENT_STALE_DAYS = _int("CLIENT_STALE_DAYS", 7, minimum=0, maximum=365)
# Time of the daily sync (and the reminder run after it), Europe/Warsaw.
SYNC_TIME = _clock("SYNC_TIME", "06:00")
# Weekday (0=Monday .. 6=Sunday) of the weekly full reconciliation sync.
FULL_SYNC_WEEKDAY = _int("FULL_SYNC_WEEKDAY", 6, minimum=0, maximum=6)

# --- Background jobs (django-q2) ---------------------------------------------

Q_CLUSTER = {
    "name": "invoicetracker",
    "workers": _int("Q_WORKERS", 2, minimum=1, maximum=32),
    "timeout": 1800,
    "retry": 2400,
    "max_attempts": 1,
    "catch_up": False,
    "save_limit": 500,
    "label": _("Zadania w tle"),
    "sync": _bool("Q_SYNC", False),
    # django-q2 1.11 reads this key whenever the Q_CLUSTER_NAME environment variable names another
    # queue (KeyError without it): Q_CLUSTER_NAME gives a deployment its own queue on a shared Redis.
    "ALT_CLUSTERS": {},
}
REDIS_URL = env.str("REDIS_URL", default="")
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- Logging -------------------------------------------------------------------

LOG_LEVEL = env.str("LOG_LEVEL", default="INFO").upper()
if LOG_LEVEL not in {"DEBUG", "INFO", "WARNING", "ERROR"}:
    raise _fail("LOG_LEVEL", f"must be DEBUG, INFO, WARNING or ERROR, got {LOG_LEVEL!r}", "Set LOG_LEVEL=INFO.")
# json: one JSON object a line with `severity` (Cloud Logging on App Engine parses it); plain: one text line.
# Both carry the sync or reminder run id of the records logged inside a run (common/logs.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="plain" if (DEBUG or TESTING) else "json").strip().lower()
if LOG_FORMAT not in {"json", "plain"}:
    raise _fail("LOG_FORMAT", f"must be json or plain, got {LOG_FORMAT!r}", "Set LOG_FORMAT=json or LOG_FORMAT=plain.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"run_context": {"()": "common.logs.RunContextFilter"}},
    "formatters": {"plain": {"()": "common.logs.PlainFormatter"}, "json": {"()": "common.logs.JsonFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["run_context"]},
    },
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django-q": {"level": "WARNING"}, "axes": {"level": "WARNING"}},
}

# --- Deployment --------------------------------------------------------------------

# App Engine sets GAE_ENV=standard in its standard environment; only there is the
# X-Appengine-Cron header trusted (App Engine strips it from outside requests).
ON_APP_ENGINE = env.str("GAE_ENV", default="") == "standard"
# Shared secret for /cron/run-due/ from schedulers other than App Engine cron (header X-Cron-Secret).
CRON_SECRET = env.str("CRON_SECRET", default="").strip()
if CRON_SECRET and not (DEBUG or TESTING) and len(CRON_SECRET) < 32:
    raise _fail(
        "CRON_SECRET", "is shorter than 32 characters", "Set CRON_SECRET to a long random string, or leave it empty."
    )

# --- Production hardening ----------------------------------------------------------

# Content-Security-Policy on every response (security/middleware.py): scripts only from our origin
# (no inline script: move any into static/ and pass data in data-* attributes); inline styles
# allowed (admin and data-driven widths; CSS runs no script). The stage preview's HTML e-mail is a
# sandboxed srcdoc frame and shares this policy, so its images must be ours or data: URIs.
CONTENT_SECURITY_POLICY = {
    "default-src": "'self'",
    "script-src": "'self'",
    "style-src": "'self' 'unsafe-inline'",
    "img-src": "'self' data:",
    "font-src": "'self'",
    "connect-src": "'self'",
    "frame-src": "'self'",
    "object-src": "'none'",
    "base-uri": "'none'",
    "form-action": "'self'",
    "frame-ancestors": "'none'",
}

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = _bool("SECURE_SSL_REDIRECT", not TESTING)
    SESSION_COOKIE_SECURE = not TESTING
    CSRF_COOKIE_SECURE = not TESTING
    SECURE_HSTS_SECONDS = _int("SECURE_HSTS_SECONDS", 31536000, minimum=0)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SECURE_CONTENT_TYPE_NOSNIFF = True
    SECURE_REFERRER_POLICY = "same-origin"
    # Machine endpoints answer on plain HTTP too: App Engine's cron and uptime checkers call them from
    # inside Google's network; they carry no session (the cron one is authenticated by a header).
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^cron/"]

# --- Reminders ---------------------------------------------------------------------

# Move reminder dates that fall on a weekend or Polish public holiday to the next business day.
REMINDER_BUSINESS_DAYS = _bool("REMINDER_BUSINESS_DAYS", True)

# --- Reminder e-mails ----------------------------------------------------------------
# Owned by notifications/ (issue #4). Every variable is documented in .env.example.

# Messages sent over one SMTP connection before it is closed and a new one opened.
REMINDER_BATCH_SIZE = _int("REMINDER_BATCH_SIZE", 50, minimum=1, maximum=1000)
# Pause between two messages, in milliseconds (100 = at most 10 messages a second).
REMINDER_THROTTLE_MS = _int("REMINDER_THROTTLE_MS", 100, minimum=0, maximum=60000)
# SMTP attempts per (case, stage) before the stage is given up (a refused message is retried on later runs).
REMINDER_MAX_ATTEMPTS = _int("REMINDER_MAX_ATTEMPTS", 3, minimum=1, maximum=20)
# A claimed message with no SMTP answer for this long (a crashed run) is marked uncertain, never resent automatically.
REMINDER_CLAIM_STALE_MINUTES = _int("REMINDER_CLAIM_STALE_MINUTES", 10, minimum=1, maximum=1440)
# Send only if the day's sync finished at most this many hours ago; otherwise hold the sends.
REMINDER_SYNC_MAX_AGE_HOURS = _int("REMINDER_SYNC_MAX_AGE_HOURS", 12, minimum=1, maximum=48)
# Seconds to wait for the SMTP server before giving up on a connection or a command.
REMINDER_SMTP_TIMEOUT = _int("REMINDER_SMTP_TIMEOUT", 30, minimum=1, maximum=600)
REMINDER_FROM_EMAIL = env.str("REMINDER_FROM_EMAIL", default="") or DEFAULT_FROM_EMAIL
REMINDER_REPLY_TO = env.list("REMINDER_REPLY_TO", default=[])
REMINDER_CC = env.list("REMINDER_CC", default=[])
# The creditor as it appears in the reminders (the invoice's own bank account wins when InFakt has one).
SELLER_NAME = env.str("SELLER_NAME", default="")
SELLER_ADDRESS = env.str("SELLER_ADDRESS", default="")
SELLER_NIP = env.str("SELLER_NIP", default="")
SELLER_BANK_ACCOUNT = env.str("SELLER_BANK_ACCOUNT", default="")
REMINDER_CONTACT_EMAIL = env.str("REMINDER_CONTACT_EMAIL", default="")
REMINDER_CONTACT_PHONE = env.str("REMINDER_CONTACT_PHONE", default="")
# One e-mail per client (and recipient set) per day listing all its letters; false = one e-mail per invoice.
REMINDER_DIGEST = _bool("REMINDER_DIGEST", True)
# The formal demand's payment deadline: this many days from the sending day, moved to a business day.
REMINDER_DEMAND_DAYS = _int("REMINDER_DEMAND_DAYS", 7, minimum=1, maximum=60)
# Hold the first letters the app would ever send until staff approve them (/reminders/review/).
REMINDER_FIRST_RUN_REVIEW = _bool("REMINDER_FIRST_RUN_REVIEW", True)
# At most this many of a client's addresses receive one e-mail (a client with more is flagged).
REMINDER_MAX_RECIPIENTS = _int("REMINDER_MAX_RECIPIENTS", 10, minimum=1, maximum=100)

# Claims (issue 12): NBP exchange-rate API, interest notes, the formal demand.
NBP_API_URL = env.str("NBP_API_URL", default="https://api.nbp.pl/api").rstrip("/")
NBP_TIMEOUT = _int("NBP_TIMEOUT", 10, minimum=1, maximum=120)
INTEREST_NOTE_MIN = _int("INTEREST_NOTE_MIN", 2000, minimum=0, maximum=10**9)  # grosze
SELLER_CITY = env.str("SELLER_CITY", default="")

# --- UI ------------------------------------------------------------------------------
# Owned by cases/ (issue #5): staff and manager UI.

# Dates as 31.12.2026 in every language (admin included); see common/formats/.
FORMAT_MODULE_PATH = ["common.formats"]
DJANGO_TABLES2_TEMPLATE = "django_tables2/table.html"
# --- end UI ----------------------------------------------------------------------------

# --- Reports ---------------------------------------------------------------------------
# Owned by syncstatus/ (issue #6): status panel, health banner, daily summary e-mail.

# The health banner warns when the last successful sync finished longer ago than this.
SYNC_STALE_AFTER_HOURS = _int("SYNC_STALE_AFTER_HOURS", 26, minimum=1, maximum=24 * 14)
# The managers' daily summary e-mail with the previous day's figures; off with false.
DAILY_SUMMARY_ENABLED = _bool("DAILY_SUMMARY_ENABLED", True)
# When it goes out, HH:MM Europe/Warsaw (after the morning sync and reminders).
DAILY_SUMMARY_TIME = _clock("DAILY_SUMMARY_TIME", "07:30")
# Comma-separated recipients; empty: the e-mail addresses of the active users in the "Managers" group.
DAILY_SUMMARY_RECIPIENTS = env.list("DAILY_SUMMARY_RECIPIENTS", default=[])
# The app's public address, for links in e-mails, e.g. https://invoicetracker.example.com (empty: no links).
SITE_URL = env.str("SITE_URL", default="").strip()
if SITE_URL:
    SITE_URL = _url("SITE_URL", "https://invoicetracker.example.com", require_https=False)
# --- end Reports -----------------------------------------------------------------------
