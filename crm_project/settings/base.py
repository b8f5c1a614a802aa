"""Settings shared by every environment. Values come only from environment variables."""

from pathlib import Path

import environ
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").exists():
    environ.Env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "crm_project.admin_site.CRMAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_celery_beat",
    "treebeard",
    "guardian",
    "axes",
    "django_filters",
    "rest_framework",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "template_partials",
    "core",
    "accounts",
    "catalog",
    "activities",
    "contacts",
    "leads",
    "deals",
    "automation",
    "shopsync",
    "reports",
    "demo",
    "webhooks",
    "imports",
    "webforms",
    "mailboxes",
    "b24",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: it answers a locked-out login attempt
]

ROOT_URLCONF = "crm_project.urls"
WSGI_APPLICATION = "crm_project.wsgi.application"

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
                "accounts.context_processors.settings_right",
                "activities.context_processors.unread_notifications",
            ],
        },
    },
]


def database_from_env() -> dict:
    """`DATABASE_URL`, or an SQLite file under var/ when it is not set."""
    database = env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
    if database["ENGINE"] == "django.db.backends.sqlite3":
        Path(database["NAME"]).parent.mkdir(parents=True, exist_ok=True)
        # web, worker and beat share the file: WAL lets readers run beside the one writer,
        # and IMMEDIATE transactions wait for the lock instead of failing on upgrade.
        database["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
    else:
        database["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", default=60)
        database["CONN_HEALTH_CHECKS"] = True
    return database


DATABASES = {"default": database_from_env()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite (the demo) builds covering indexes such as deal_campaign_figures without their
    # INCLUDE columns, as plain partial indexes: as intended, no warning on every command
    SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses logins while an account is locked out
    "django.contrib.auth.backends.ModelBackend",
    "accounts.backends.SettingsRoleBackend",  # administrators by role manage everything
    "guardian.backends.ObjectPermissionBackend",  # one deal or contact shared with a colleague
]
ANONYMOUS_USER_NAME = None  # guardian: no stand-in user for anonymous visitors
# Login throttling (django-axes): this many failures lock the login name from that address.
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.5)  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "deals:board"
LOGOUT_REDIRECT_URL = "login"
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = env("LANGUAGE_CODE", default="ru")
LANGUAGES = [("ru", _("Russian")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", default="Europe/Moscow")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("STATIC_ROOT", default=VAR_DIR / "static")
# Front-end libraries come from npm (package.json, `make install`), served from node_modules.
NODE_MODULES = BASE_DIR / "node_modules"
STATICFILES_DIRS = [
    BASE_DIR / "static",
    ("vendor/htmx", NODE_MODULES / "htmx.org" / "dist"),
    ("vendor/sortablejs", NODE_MODULES / "sortablejs"),
    ("vendor/chartjs", NODE_MODULES / "chart.js" / "dist"),
]
MEDIA_URL = "media/"
MEDIA_ROOT = env.path("MEDIA_ROOT", default=VAR_DIR / "media")

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="crm@localhost")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# Phone numbers without a country code are read as numbers of this region.
PHONE_DEFAULT_REGION = env("PHONE_DEFAULT_REGION", default="RU")

# Automation: robots marked "only within working hours" wait for these hours (from, to) on
# these weekdays (0 = Monday), in TIME_ZONE.
AUTOMATION_WORKING_HOURS = tuple(env.list("AUTOMATION_WORKING_HOURS", cast=int, default=[9, 18]))
AUTOMATION_WORKING_DAYS = set(
    env.list("AUTOMATION_WORKING_DAYS", cast=int, default=[0, 1, 2, 3, 4])
)
# Robot runs due within this many seconds go to the queue with their time (Celery's eta);
# later ones wait in the database until the minute sweep finds them due.
AUTOMATION_EAGER_WINDOW_SECONDS = env.int("AUTOMATION_EAGER_WINDOW_SECONDS", default=600)
# A robot run that fails for a passing reason is tried again this many times, after
# base × 2, 4, 8… seconds (at most 10 minutes apart).
AUTOMATION_MAX_RETRIES = env.int("AUTOMATION_MAX_RETRIES", default=5)
AUTOMATION_RETRY_BASE_SECONDS = env.float("AUTOMATION_RETRY_BASE_SECONDS", default=1.0)
# The class that sends SMS for robots: "automation.sms.RecordingProvider" keeps them in the
# database (SmsMessage) and sends nothing.
AUTOMATION_SMS_PROVIDER = env("AUTOMATION_SMS_PROVIDER", default="automation.sms.RecordingProvider")
# Calls a client address may make to the triggers' inbound webhooks (/hooks/automation/).
AUTOMATION_HOOK_THROTTLE_RATE = env("AUTOMATION_HOOK_THROTTLE_RATE", default="60/min")
# orders a shop may push over REST (POST /api/v1/shop-orders/), per shop
SHOP_PUSH_THROTTLE_RATE = env("SHOP_PUSH_THROTTLE_RATE", default="600/min")
# submissions of the public web forms (/f/<key>/) a client address may send
WEBFORM_THROTTLE_RATE = env("WEBFORM_THROTTLE_RATE", default="10/min")
# Bitrix24-compatible REST: a leaky bucket per webhook (0: off), as Bitrix24's plans set it
B24_RATE_LIMIT_BURST = env.int("B24_RATE_LIMIT_BURST", default=0)
B24_RATE_LIMIT_PER_SECOND = env.float("B24_RATE_LIMIT_PER_SECOND", default=2.0)
# no leads: a web form's submission becomes a contact and a deal in the default pipeline
CRM_NO_LEADS_MODE = env.bool("CRM_NO_LEADS_MODE", default=False)
# a received e-mail larger than this is recorded from its headers only, never downloaded
MAILBOX_MAX_MESSAGE_BYTES = env.int("MAILBOX_MAX_MESSAGE_BYTES", default=10 * 1024 * 1024)
# the exchange endpoint of the demo CommerceML shop that `make run` starts (demo data only)
DEMO_SHOP_URL = env("DEMO_SHOP_URL", default="http://127.0.0.1:8010/bitrix/admin/1c_exchange.php")

# Celery: a broker that needs no server unless CELERY_BROKER_URL names one.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", default="filesystem://localhost//")
if CELERY_BROKER_URL.startswith("filesystem://"):
    _queue_dir = VAR_DIR / "celery"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_queue_dir / "queue"),
        "data_folder_out": str(_queue_dir / "queue"),
        "control_folder": str(_queue_dir / "control"),
    }
    for _folder in CELERY_BROKER_TRANSPORT_OPTIONS.values():
        Path(_folder).mkdir(parents=True, exist_ok=True)
else:
    # acks_late: a message whose worker died is redelivered once this many seconds pass.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "visibility_timeout": env.int("CELERY_VISIBILITY_TIMEOUT", default=3600),
    }
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_TASK_DEFAULT_QUEUE", default="crm")
CELERY_TASK_SERIALIZER = "json"
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_IGNORE_RESULT = True
CELERY_RESULT_EXPIRES = None  # no result backend, so no nightly results clean-up task
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"

LOG_LEVEL = env("LOG_LEVEL", default="INFO")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": LOG_LEVEL},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}

# REST API (/api/v1/): session (browser) or per-user tokens, one error shape, cursor pages.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api_auth.ApiTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "core.api.pagination.NewestFirstCursorPagination",
    "DEFAULT_THROTTLE_CLASSES": ["accounts.api_auth.PerTokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"api": env("API_THROTTLE_RATE", default="1200/min")},
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.errors.exception_handler",
    "ORDERING_PARAM": "ordering",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}
# How long a create's answer is kept for retries with the same Idempotency-Key.
IDEMPOTENCY_KEY_DAYS = env.int("IDEMPOTENCY_KEY_DAYS", default=7)
# The cache holds the API's throttle counters: shared by every process only when it is Redis
# (CACHE_URL=redis://…; docker-compose sets it); the default is per process.
CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
SPECTACULAR_SETTINGS = {
    "TITLE": "CRM API",
    "DESCRIPTION": "Leads, contacts, companies, deals, products and activities over HTTP. "
    "Authenticate with `Authorization: Bearer <token>` (tokens: /settings/tokens/).",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": "/api/v1",
    # choice sets that share a field name get names of their own in the schema
    "ENUM_NAME_OVERRIDES": {
        "ActivityKindEnum": "activities.models.Activity.Kind",
        "NotificationKindEnum": "activities.models.Notification.Kind",
        "TimelineEventKindEnum": "activities.models.TimelineEvent.Kind",
        "ActivityStatusEnum": "activities.models.Activity.Status",
    },
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "core.api.schema.add_error_responses",
    ],
}
