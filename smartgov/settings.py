"""The one settings module, driven by environment variables (see the table in README.md).

With nothing set it runs on the embedded defaults: SQLite under var/, Celery tasks executed in-process.
`DATABASE_URL` and `CELERY_BROKER_URL` switch to PostgreSQL and Redis with real workers.
"""

import datetime
import importlib.util
from pathlib import Path

import environ
from csp.constants import NONCE, NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("SMARTGOV_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)
# Even with DEBUG on, users get our error pages (smartgov.error_pages), never Django's technical ones (URL patterns,
# settings, tracebacks); a developer who wants those sets DEBUG_TECHNICAL_PAGES (it does nothing with DEBUG off).
DEBUG_TECHNICAL_PAGES = env.bool("DEBUG_TECHNICAL_PAGES", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# With DEBUG off, a missing, short (Django's own rule: at least 50 characters, 5 of them different) or example key
# stops the start: sessions, password-reset links, invitation links and address hashes are signed with it.
_GENERATE_KEY = 'generate one with: python -c "import secrets; print(secrets.token_urlsafe(50))"'
_PLACEHOLDER_KEYS = {"change-me-to-a-long-random-string", "insecure-development-key-do-not-use-in-production"}
if not DEBUG:
    if not SECRET_KEY:
        raise ImproperlyConfigured(f"SECRET_KEY must be set when DEBUG is off: {_GENERATE_KEY}")
    if (len(SECRET_KEY) < 50 or len(set(SECRET_KEY)) < 5 or SECRET_KEY.startswith("django-insecure")
            or SECRET_KEY.lower() in _PLACEHOLDER_KEYS or "change-me" in SECRET_KEY.lower()):
        raise ImproperlyConfigured("SECRET_KEY is a placeholder or too weak (it needs at least 50 characters, 5 of "
                                   f"them different, and must not be an example key): {_GENERATE_KEY}")
elif not SECRET_KEY:
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - only with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Callers shown the details of /healthz and allowed to read /metrics (smartgov.internal): CIDR networks.
INTERNAL_NETWORKS = env.list("INTERNAL_NETWORKS", default=["127.0.0.0/8", "::1/128"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # `runserver` (make run) leaves static files to WhiteNoise, as in production: a missing one is our 404 page,
    # not the technical page of Django's own static view.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_prometheus",
    "axes",
    "audit",
    "outbox",
    "indicators",
    "assessments",
    "surveys",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django_prometheus.middleware.PrometheusBeforeMiddleware",
    "smartgov.requestid.RequestIdMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "csp.middleware.CSPMiddleware",
    "smartgov.middleware.NoStoreMiddleware",
    "smartgov.outages.OutageMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "smartgov.middleware.BodySizeMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "assessments.middleware.ProfileLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "smartgov.middleware.NulCharacterMiddleware",
    "smartgov.error_pages.ErrorPagesMiddleware",
    "smartgov.middleware.DomainErrorMiddleware",
    "django_prometheus.middleware.PrometheusAfterMiddleware",
]

ROOT_URLCONF = "smartgov.urls"
# Our pages for a refused CSRF check and, with DEBUG on, for what Django would show its technical 500 page.
CSRF_FAILURE_VIEW = "smartgov.error_pages.csrf_failure"
DEFAULT_EXCEPTION_REPORTER = "smartgov.error_reporter.PageExceptionReporter"
WSGI_APPLICATION = "smartgov.wsgi.application"

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
                "assessments.context_processors.notifications",
                "assessments.context_processors.campaign",
            ],
        },
    },
]

DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'smartgov.sqlite3'}")}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True  # a kept connection the server closed is replaced, not an error
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 20, "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;"}
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
# Login attempts are limited per user name and address (django-axes): 5 failures lock for 15 minutes.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_RESET_ON_SUCCESS = True
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language chosen is kept a year (not only until the browser closes), and in a signed-in person's profile.
LANGUAGE_COOKIE_AGE = 365 * 24 * 3600
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# plotly.js for the dashboards is served from our own static files (no CDN): the copy inside the installed plotly
# package, at vendor/plotly/plotly.min.js, so the JavaScript always matches the library that writes the figures.
STATICFILES_DIRS = [
    BASE_DIR / "static", ("vendor/plotly", Path(importlib.util.find_spec("plotly").origin).parent / "package_data"),
]
STATIC_ROOT = VAR_DIR / "staticfiles"
STATIC_ROOT.mkdir(exist_ok=True)
# `collectstatic` (production: DEBUG off) writes each file under a name holding a hash of its content
# (css/app.3f9c….css, the names `{% static %}` gives) with precompressed .gz and .br copies: whitenoise serves the
# smallest the browser accepts, the hashed names cached for a year as immutable (so does nginx,
# deploy/nginx/smartgov.conf). With DEBUG on (`make run`, and the test suite, which imports the settings before
# pytest-django turns DEBUG off) the files are served as they are from their folders: no collectstatic needed.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": env.str("STATICFILES_BACKEND", default=(
        "whitenoise.storage.CompressedStaticFilesStorage" if DEBUG
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"))},
}
# Uploaded evidence lives outside the web root and is only served through a permission-checking view.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(VAR_DIR / "media")))
EVIDENCE_MAX_BYTES = env.int("EVIDENCE_MAX_BYTES", default=10 * 1024 * 1024)

CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}

CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="memory://")
CELERY_TASK_ALWAYS_EAGER = env.bool("CELERY_TASK_ALWAYS_EAGER", default=CELERY_BROKER_URL == "memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Queues. Score runs and every light job (notices, webhooks, imports, beat's jobs) go to the default queue
# (`CELERY_QUEUE`); PDF builds go to the reports queue (`CELERY_REPORTS_QUEUE`), consumed by report workers of their
# own, so that a score run never waits behind a batch of 3,000 reports. Which job goes where is decided in one
# place, OUTBOX_QUEUES (by kind of outbox job; a kind not named there goes to the default queue). A worker started
# without `-Q` consumes both queues (CELERY_TASK_QUEUES): `make run`'s embedded worker does. docs/operations.md.
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="smartgov")
REPORTS_QUEUE = env.str("CELERY_REPORTS_QUEUE", default="reports")
OUTBOX_QUEUES = {"reports.build": REPORTS_QUEUE}
# Each queue with an exchange and routing key of its own (sharing the default exchange, a message for one queue
# would be delivered to both).
CELERY_TASK_QUEUES = [Queue(name, Exchange(name), routing_key=name)
                      for name in dict.fromkeys([CELERY_TASK_DEFAULT_QUEUE, *OUTBOX_QUEUES.values()])]
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_CONNECTION_TIMEOUT = 3
# Sending a message while the broker is down gives up quickly: the work is already recorded (outbox) and the
# sweeper sends it once the broker is back, so a request never hangs on the broker.
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
CELERY_BROKER_TRANSPORT_OPTIONS: dict[str, object] = {"socket_connect_timeout": 3}
if CELERY_BROKER_URL.startswith("filesystem://"):
    # The embedded default's worker (`make run`): messages are files under var/broker, so background work runs
    # in a worker process without a broker server. The message is removed when a worker takes it; a worker that
    # dies meanwhile loses only the message — the outbox lease gives the job back.
    _messages, _control = VAR_DIR / "broker" / "messages", VAR_DIR / "broker" / "control"
    for _folder in (_messages, _control):
        _folder.mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(_messages), "data_folder_out": str(_messages),
                                       "control_folder": str(_control)}
# A running task is not cancelled when the connection to the broker is lost: tasks acknowledge late and are safe
# to run twice, and the outbox lease decides whether a job lost its worker.
CELERY_WORKER_CANCEL_LONG_RUNNING_TASKS_ON_CONNECTION_LOSS = False
CELERY_TIMEZONE = TIME_ZONE
# Celery beat (the `beat` service of docker-compose, a single one): the outbox sweeper, and the campaign reminders
# whose time has come (each schedule's own times are set by its coordinator, to the hour).
CELERY_BEAT_SCHEDULE = {
    "outbox-sweep": {"task": "outbox.sweep", "schedule": env.float("OUTBOX_SWEEP_SECONDS", default=10.0),
                     "options": {"expires": 60}},
    "send-due-reminders": {"task": "assessments.tasks.send_due_reminders", "schedule": 300.0,
                           "options": {"expires": 240}},
    "expire-report-files": {"task": "reports.tasks.expire_report_files", "schedule": 3600.0,
                            "options": {"expires": 1800}},
}
# PDF report files are deleted this many days after they were built (every hour, by beat); the report stays
# listed as expired, to be built again. 0 keeps them for ever.
REPORT_FILE_DAYS = env.int("REPORT_FILE_DAYS", default=30)
# Background work (outbox): a running job's lease, renewed by its worker every quarter of it (a job whose lease
# ran out lost its worker and is taken back); the delay before a due job that was sent but not started is sent
# again (doubling with each send); the first delay before a failed job is tried again (doubling); the failures
# after which it is given up; the due jobs the sweeper sends at most in one pass.
OUTBOX_LEASE_SECONDS = env.float("OUTBOX_LEASE_SECONDS", default=60.0)
OUTBOX_RESEND_SECONDS = env.float("OUTBOX_RESEND_SECONDS", default=300.0)
OUTBOX_RETRY_SECONDS = env.float("OUTBOX_RETRY_SECONDS", default=30.0)
OUTBOX_MAX_FAILURES = env.int("OUTBOX_MAX_FAILURES", default=3)
OUTBOX_SWEEP_BATCH = env.int("OUTBOX_SWEEP_BATCH", default=1000)

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="smartgov@localhost")

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "EXCEPTION_HANDLER": "api.exceptions.exception_handler",
}
# Requests per API token (or per user of the browsable API): "1200/min", "50/s", "20000/hour"…
API_THROTTLE_RATE = env.str("API_THROTTLE_RATE", default="1200/min")
SPECTACULAR_SETTINGS = {
    "TITLE": "SmartGov API",
    "DESCRIPTION": (
        "REST API v1 of the smart-government maturity assessment platform (智慧政府成熟度评估平台) for "
        "provincial aggregators: frameworks, regions, cycles, submissions (values and workflow), score runs, "
        "published results and per-province statistics, scoped by the caller's regions. Authenticate with "
        "`Authorization: Bearer <token>`. Errors: `{code, message, fields}`. See docs/api.md."
    ),
    "VERSION": "1.0.0",
    "SERVERS": [{"url": "/", "description": "This server"}],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SERVE_INCLUDE_SCHEMA": False,
    "ENUM_NAME_OVERRIDES": {
        "SubmissionStatusEnum": "assessments.models.Submission.Status",
        "CycleStatusEnum": "assessments.models.Cycle.Status",
        "ScoreRunStatusEnum": "assessments.models.ScoreRun.Status",
        "FrameworkStatusEnum": "indicators.models.Framework.Status",
        "RegionLevelEnum": "assessments.models.Region.Level",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# HTTPS (README.md, "Production"): with DEBUG off, cookies are sent over HTTPS only, plain HTTP is redirected to
# HTTPS (except /healthz and /metrics, which the container's health check and the scraper ask over plain HTTP
# from inside) and browsers are told to use only HTTPS for a year (HSTS), subdomains included, preload allowed.
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
# Behind a reverse proxy that terminates TLS, the request header in which it says the client used HTTPS (value
# "https"), as Django names it: HTTP_X_FORWARDED_PROTO for X-Forwarded-Proto. Set it only when such a proxy is
# the only way in (it must overwrite the header a client sends): trusted otherwise, it lets anyone claim HTTPS.
_PROXY_SSL_HEADER = env.str("SECURE_PROXY_SSL_HEADER", default="").strip().upper().replace("-", "_")
if _PROXY_SSL_HEADER:
    SECURE_PROXY_SSL_HEADER = (_PROXY_SSL_HEADER if _PROXY_SSL_HEADER.startswith("HTTP_")
                               else f"HTTP_{_PROXY_SSL_HEADER}", "https")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy on every answer (django-csp): scripts and styles from our own static files only; the few
# inline <style>/<script> elements that remain carry the request's nonce (request.csp_nonce: the dashboards' empty
# <style> that plotly.js fills through the CSSOM, the Swagger UI page). No inline style attributes: widths and
# heights come from classes (static/css/site.css .pct-N) or are set by our scripts through the CSSOM. The one
# attribute allowed is the empty one (style=""), which plotly.js writes on its colour bars: its hash below.
_EMPTY_STYLE_HASH = "'sha256-47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU='"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF, NONCE],
        "style-src": [SELF, NONCE],
        "style-src-attr": ["'unsafe-hashes'", _EMPTY_STYLE_HASH],
        "img-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

# Logs go to the console (standard error), every line with the request id (and, in a Celery task, the task's name
# and id): LOG_FORMAT "text" (a readable line) or "json" (one JSON object per line, for a log collector). See
# smartgov.logs and docs/observability.md. Workers and beat log through this too (smartgov.task_context).
LOG_FORMAT = env.str("LOG_FORMAT", default="text")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured(f'LOG_FORMAT must be "text" or "json", not {LOG_FORMAT!r}.')
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "smartgov.logs.ContextFilter"}},
    "formatters": {"text": {"()": "smartgov.logs.TextFormatter"}, "json": {"()": "smartgov.logs.JsonFormatter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["context"], "formatter": LOG_FORMAT}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # Django's own loggers write through the root's handler only (not also through Django's default console
    # handler, which would print their lines twice in development, the second time unformatted).
    "loggers": {"axes": {"level": "WARNING"}, "django": {"handlers": [], "level": "INFO"}},
}
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

SMARTGOV_DEMO_PASSWORD = env.str("SMARTGOV_DEMO_PASSWORD", default="smartgov-demo")
SITE_NAME = _("Smart Government Maturity Assessment")
# The platform's address as its users reach it: the links in e-mails sent outside a request (notifications,
# reminders) start with it.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000").rstrip("/")

SCORE_DEBOUNCE_SECONDS = env.int("SCORE_DEBOUNCE_SECONDS", default=60)
# Base samples N of the score runs' sensitivity analysis where the framework declares none (N·(2k + 2) model runs).
SCORE_SENSITIVITY_SAMPLES = env.int("SCORE_SENSITIVITY_SAMPLES", default=1024)
AXES_VERBOSE = False

# Public satisfaction (公众满意度): fewer responses than this are flagged as too few; responses accepted per
# hour from one network address (kept only as a keyed hash); behind a reverse proxy, the request header holding
# the client's address (e.g. HTTP_X_REAL_IP or HTTP_X_FORWARDED_FOR, whose last entry is used).
SATISFACTION_MIN_RESPONSES = env.int("SATISFACTION_MIN_RESPONSES", default=100)
SATISFACTION_RESPONSES_PER_ADDRESS_HOUR = env.int("SATISFACTION_RESPONSES_PER_ADDRESS_HOUR", default=30)
SATISFACTION_CLIENT_ADDRESS_HEADER = env.str("SATISFACTION_CLIENT_ADDRESS_HEADER", default="")
