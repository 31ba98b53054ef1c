"""Settings for Paracrine Atlas, driven by the environment.

SQLite in the project directory unless DATABASE_URL is set. Development defaults apply only
while DJANGO_DEBUG is on; with debug off a secret key and allowed hosts must be given.
"""

import os
import tempfile
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DJANGO_DEBUG", default=True)

_DEV_SECRET = "django-insecure-dev-only-key-not-for-production"
SECRET_KEY = env.str("DJANGO_SECRET_KEY", default=_DEV_SECRET if DEBUG else "")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off."
    )

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "testserver"] if DEBUG else [],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django.contrib.postgres",
    "django_filters",
    "django_tables2",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "import_export",
    "csp",
    "evidence",
    "trials",
    "secretome",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Conditional GET on every page and endpoint: an ETag from the response body (or
    # the view's own ETag / Last-Modified), 304 when the client's copy is current.
    "django.middleware.http.ConditionalGetMiddleware",
    # Oversized bodies are refused before any view parses them.
    "evidence.middleware.RequestSizeLimitMiddleware",
    "csp.middleware.CSPMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, so that its process_exception sees a view's database errors first.
    "evidence.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "evidence.urls"
# Every list's table: django-tables2's, with cell attributes rendered once per column.
DJANGO_TABLES2_TEMPLATE = "includes/data_table.html"
CSRF_FAILURE_VIEW = "evidence.middleware.csrf_failure"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "evidence.context_processors.navigation",
            ],
        },
    },
]

WSGI_APPLICATION = "evidence.wsgi.application"

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["CONN_MAX_AGE"] = env.int("DJANGO_CONN_MAX_AGE", default=0)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Large databases: read through a memory map and a 32 MB page cache per connection
    # (the default cache is 2 MB); halves the time of filtered lists at 100k trials.
    options = DATABASES["default"].setdefault("OPTIONS", {})
    #
    # Write-ahead logging (DJANGO_SQLITE_JOURNAL_MODE, default WAL; the mode stays in the
    # file): readers go on while a writer commits, instead of waiting for its exclusive
    # lock, and a commit appends to the log instead of rewriting a rollback journal.
    # Measured at 100k trials, gunicorn with 2 workers and 8 connections: the API's
    # trial list 31 -> 69 requests/s, a trial 82 -> 202, search 20 -> 50 (with the API's
    # one-statement throttle count, evidence.base.api.throttling, in both). Durability
    # is unchanged (synchronous stays FULL). Backups are taken with SQLite's backup API
    # and written as one self-contained file (evidence.dataset.backups).
    options["init_command"] = (
        "PRAGMA mmap_size=268435456; PRAGMA cache_size=-32768; "
        f"PRAGMA journal_mode={env.str('DJANGO_SQLITE_JOURNAL_MODE', default='WAL')};"
    )
    # Writers queue instead of failing: every transaction takes the write lock when it
    # begins (BEGIN IMMEDIATE), so a read-then-write (the version check of
    # evidence.base.writes) cannot interleave with another writer, and a busy database is
    # waited for up to 20 s instead of answering "database is locked".
    options["transaction_mode"] = "IMMEDIATE"
    options["timeout"] = env.int("DJANGO_SQLITE_TIMEOUT", default=20)
    # The test database is a file, not SQLite's shared-cache memory database: there,
    # two connections fail at once with "table is locked" instead of waiting, so the
    # concurrency tests (threads, live servers) could not run real parallel writes.
    # One file per process, so that parallel test runs do not share it.
    DATABASES["default"].setdefault("TEST", {}).setdefault(
        "NAME",
        env(
            "DJANGO_SQLITE_TEST_NAME",
            default=str(
                Path(tempfile.gettempdir()) / f"atlas-test-{os.getpid()}.sqlite3"
            ),
        ),
    )
if DATABASES["default"]["ENGINE"].startswith("django.db.backends.postgresql"):
    # Measured at 100k trials on 2 cores: no JIT compilation (the facet statement is
    # costed high enough to be compiled, and compiling took longer than running it: a
    # search's facets 3.0 s with JIT, 1.7 s without; DJANGO_PG_JIT=1 turns it on), and
    # DJANGO_PG_PARALLEL_WORKERS parallel workers per query (default 0: starting them
    # doubled the short searched lists, /trials/?q=keloid's facets 644 -> 163 ms
    # without; an unfiltered list's facets, computed once per data version, are the
    # ones that would gain).
    options = DATABASES["default"].setdefault("OPTIONS", {})
    settings_flags = [
        f"-c max_parallel_workers_per_gather="
        f"{env.int('DJANGO_PG_PARALLEL_WORKERS', default=0)}"
    ]
    if not env.bool("DJANGO_PG_JIT", default=False):
        settings_flags.append("-c jit=off")
    options["options"] = " ".join([options.get("options", ""), *settings_flags]).strip()
# No ATOMIC_REQUESTS: every write path has its own transaction (admin saves, API writes
# in AtlasViewSet._save/perform_destroy, imports, releases), and reads need none.

# Admin login failures live here, so every server process must see
# the same cache. With debug off the default is the database cache (the table
# `atlas_cache`, made by `manage.py createcachetable`, which `make serve` runs): shared
# by all gunicorn workers and hosts. Development and tests keep local memory (one
# process). DJANGO_CACHE_URL overrides both (rediscache://..., or locmemcache:// only
# for a single-process server).
CACHES = {
    "default": env.cache_url(
        "DJANGO_CACHE_URL",
        default="locmemcache://" if DEBUG else "dbcache://atlas_cache",
    )
}
# Django's database cache with culls that cannot deadlock a curator's write
# (evidence/base/dbcache.py).
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    CACHES["default"]["BACKEND"] = "evidence.base.dbcache.DatabaseCache"

# Request bodies (other than file uploads) above this many bytes are refused with 413.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int(
    "DJANGO_DATA_UPLOAD_MAX_MEMORY_SIZE", default=2 * 1024 * 1024
)
# How long clients are told to wait (Retry-After) when the database is unavailable.
DATABASE_UNAVAILABLE_RETRY_AFTER = env.int("DJANGO_DB_RETRY_AFTER", default=30)

# Admin login: this many failed attempts per client address and user name within the
# window lock that pair out for the rest of the window (HTTP 429).
ADMIN_LOGIN_MAX_FAILURES = env.int("DJANGO_ADMIN_LOGIN_MAX_FAILURES", default=5)
ADMIN_LOGIN_WINDOW_SECONDS = env.int("DJANGO_ADMIN_LOGIN_WINDOW_SECONDS", default=300)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    # Hashed, compressed files need `collectstatic`: production only (see below).
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# Content Security Policy on every response: no inline scripts or styles anywhere.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

BACKUP_DIR = env.path("DJANGO_BACKUP_DIR", default=BASE_DIR / "backups")

FIXTURES_DIR = BASE_DIR / "fixtures"

REST_FRAMEWORK = {
    "DEFAULT_SCHEMA_CLASS": "evidence.base.api.schema.AtlasAutoSchema",
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "evidence.base.api.filters.StrictOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "evidence.base.api.pagination.StandardPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_RENDERER_CLASSES": [
        "rest_framework.renderers.JSONRenderer",
        "evidence.base.api.renderers.CSVRenderer",
    ],
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Reads are public; writes need the model's add/change/delete permission.
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.DjangoModelPermissionsOrAnonReadOnly",
    ],
    # Rates are per client IP (anonymous) or per user, counted in the database (one
    # statement per request, shared by every server process; evidence.base.api.throttling).
    "DEFAULT_THROTTLE_CLASSES": [
        "evidence.base.api.throttling.ClientRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("DJANGO_API_ANON_RATE", default="600/min"),
        "user": env.str("DJANGO_API_USER_RATE", default="3000/min"),
    },
}

# Anonymous downloads of more than FULL_EXPORT_ROWS rows: at most FULL_EXPORT_RATE per
# client address, then 429 pointing to the release files (evidence/base/download_limits).
FULL_EXPORT_ROWS = env.int("DJANGO_FULL_EXPORT_ROWS", default=10_000)
FULL_EXPORT_RATE = env.str("DJANGO_FULL_EXPORT_RATE", default="10/hour")

SPECTACULAR_SETTINGS = {
    "TITLE": "Paracrine Atlas API",
    "DESCRIPTION": (
        "Curated evidence on stem-cell vs cell-free (secretome) therapies, from Foo et al. "
        "2021 and Smolinská et al. 2023. Anonymous reads; token-authenticated writes."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    # Related records are written as slugs and read as nested objects.
    "COMPONENT_SPLIT_REQUEST": True,
    # Choice sets shared by several fields get one stable name in the schema.
    "ENUM_NAME_OVERRIDES": {
        "PublicationKindEnum": "evidence.choices.PublicationKind",
        "ComponentKindEnum": "secretome.choices.ComponentKind",
        "EvidenceLevelEnum": "evidence.choices.EvidenceLevel",
    },
    "SWAGGER_UI_DIST": "SIDECAR",
    # No deep links: Swagger UI puts them as links inside each operation's toggle
    # button (a control inside a control: axe nested-interactive, 86 on /api/docs/).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("DJANGO_LOG_LEVEL", "WARNING")},
}

# Production hardening: on whenever debug is off, tunable by environment.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = env.int("DJANGO_HSTS_SECONDS", default=31536000)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env.bool("DJANGO_HSTS_PRELOAD", default=True)
    SECURE_REFERRER_POLICY = "same-origin"
    SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
    CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
    # whitenoise serves the collected, hashed and compressed files (`collectstatic`),
    # before anything that touches the session or the database. Development and tests
    # keep Django's own static serving and need no collectstatic.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
        "whitenoise.middleware.WhiteNoiseMiddleware",
    )
    STORAGES["staticfiles"]["BACKEND"] = (
        "whitenoise.storage.CompressedManifestStaticFilesStorage"
    )
