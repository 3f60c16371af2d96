"""The one settings module, driven by environment variables (see the table in README.md).

With nothing set it runs on the embedded defaults: SQLite under var/, Celery tasks executed in-process.
`DATABASE_URL` and `CELERY_BROKER_URL` switch to PostgreSQL and Redis with real workers.
"""

import datetime
import importlib.util
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

env = environ.Env()

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(env.str("SMARTGOV_VAR_DIR", default=str(BASE_DIR / "var")))
VAR_DIR.mkdir(parents=True, exist_ok=True)

DEBUG = env.bool("DEBUG", default=True)
SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "insecure-development-key-do-not-use-in-production"  # noqa: S105 - only with DEBUG on

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "axes",
    "audit",
    "indicators",
    "assessments",
    "surveys",
    "reports",
    "api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
    "smartgov.middleware.NulCharacterMiddleware",
    "smartgov.middleware.DomainErrorMiddleware",
]

ROOT_URLCONF = "smartgov.urls"
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
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
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
CELERY_TASK_DEFAULT_QUEUE = env.str("CELERY_QUEUE", default="smartgov")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
# Celery beat (the `beat` service of docker-compose): every five minutes, the campaign reminders whose time has come
# (each schedule's own times are set by its coordinator, to the hour).
CELERY_BEAT_SCHEDULE = {
    "send-due-reminders": {"task": "assessments.tasks.send_due_reminders", "schedule": 300.0,
                           "options": {"expires": 240}},
}

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

if not DEBUG:
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}

SMARTGOV_DEMO_PASSWORD = env.str("SMARTGOV_DEMO_PASSWORD", default="smartgov-demo")
SITE_NAME = _("Smart Government Maturity Assessment")

SCORE_DEBOUNCE_SECONDS = env.int("SCORE_DEBOUNCE_SECONDS", default=60)
SCORE_UNCERTAINTY_DRAWS = env.int("SCORE_UNCERTAINTY_DRAWS", default=1000)
AXES_VERBOSE = False

# Public satisfaction (公众满意度): fewer responses than this are flagged as too few; responses accepted per
# hour from one network address (kept only as a keyed hash); behind a reverse proxy, the request header holding
# the client's address (e.g. HTTP_X_REAL_IP or HTTP_X_FORWARDED_FOR, whose last entry is used).
SATISFACTION_MIN_RESPONSES = env.int("SATISFACTION_MIN_RESPONSES", default=100)
SATISFACTION_RESPONSES_PER_ADDRESS_HOUR = env.int("SATISFACTION_RESPONSES_PER_ADDRESS_HOUR", default=30)
SATISFACTION_CLIENT_ADDRESS_HEADER = env.str("SATISFACTION_CLIENT_ADDRESS_HEADER", default="")
