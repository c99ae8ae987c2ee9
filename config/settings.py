"""Settings for the 创先争优 application, all read from the environment.

Defaults give the embedded set-up (SQLite under var/, a Celery broker on a SQLite file, the
cache in a database table, DEBUG on); production sets DATABASE_URL, CELERY_BROKER_URL, CACHE_URL,
SECRET_KEY, DEBUG=0, ALLOWED_HOSTS and, behind a TLS proxy, HTTPS=1. Every variable is documented
in .env.example.
"""

import contextlib
import os
import secrets
from pathlib import Path

import dj_database_url
from celery.schedules import crontab
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("VAR_DIR", BASE_DIR / "var"))
VAR_DIR.mkdir(parents=True, exist_ok=True)


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def kept_secret_key(path: Path) -> str:
    """The key stored at `path`, made once when missing.

    Written to a private file and hard-linked into place, so that processes starting together
    (web, worker, beat) all read one complete key and sessions survive restarts.
    """
    with contextlib.suppress(FileNotFoundError):
        return path.read_text().strip()
    draft = path.with_name(f"{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(secrets.token_urlsafe(50))
    try:
        os.link(draft, path)
    except FileExistsError:
        pass  # another process was first: use its key
    finally:
        draft.unlink()
    return path.read_text().strip()


DEBUG = env_bool("DEBUG", True)
# Set SECRET_KEY in production (the same on every machine that serves the site); unset, one
# machine keeps a generated key under VAR_DIR, so `make run` needs no set-up with DEBUG off.
SECRET_KEY = os.environ.get("SECRET_KEY") or kept_secret_key(VAR_DIR / "secret_key")

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "config.apps.AdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_filters",
    "treebeard",
    "axes",
    "django_ratelimit",
    # The project's apps, in their layers from the bottom up (docs/ARCHITECTURE.md): each imports
    # only from those listed before it.
    "core",
    "orgs",
    "campaign",
    "pledges",
    "accounts",
    "reviews",
    "oversight",
]

# No LocaleMiddleware: the site speaks one language (LANGUAGE_CODE), which Django uses when nothing
# else is activated; the middleware would only parse Accept-Language on every request and add
# "Vary: Accept-Language", which keeps proxies from sharing the public board.
MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy and Permissions-Policy on every answer, static files included.
    "csp.middleware.CSPMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The generation each request keeps its copies of users, roles, organisations and
    # campaigns under (core/generations.py).
    "core.generations.middleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

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
                "oversight.context_processors.navigation",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------------------
# Connections are kept between requests (one per gunicorn thread) and checked before reuse, so a
# restarted PostgreSQL costs one failed check, not a failed request.
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{VAR_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the web server read while the Celery worker writes; IMMEDIATE transactions take the
    # write lock up front so two writers queue on busy_timeout instead of failing with "locked".
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["OPTIONS"] = {
        "init_command": (
            "PRAGMA journal_mode=WAL;"
            "PRAGMA synchronous=NORMAL;"
            "PRAGMA foreign_keys=ON;"
            "PRAGMA cache_size=-64000;"
            # Deleted rows are overwritten with zeros, not left in free pages: a copy of the
            # file keeps no spent 评议码 or answer as first written (reviews.models.Answer).
            "PRAGMA secure_delete=ON;"
        ),
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    # Tests use a file too (not Django's default in-memory database), so concurrent writers queue
    # on the lock as in production instead of failing with "table is locked".
    DATABASES["default"]["TEST"] = {"NAME": str(VAR_DIR / "test-db.sqlite3")}
# A read replica (PostgreSQL streaming replication) for the read-only heavy work: dashboards,
# rankings, export jobs (core/replica.py). Tests read it as the default database (MIRROR).
if os.environ.get("DATABASE_REPLICA_URL"):
    DATABASES["replica"] = dj_database_url.parse(
        os.environ["DATABASE_REPLICA_URL"],
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "600")),
        conn_health_checks=True,
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["core.replica.ReplicaRouter"]
# Behind pgbouncer in transaction pooling (DATABASE_POOLING=transaction), a server-side cursor
# (what .iterator() opens on PostgreSQL: exports, imports, sweeps) would outlive the transaction
# that owns its server connection: Django then fetches in chunks from a client-side cursor.
if os.environ.get("DATABASE_POOLING", "") == "transaction":
    for alias in DATABASES:
        DATABASES[alias]["DISABLE_SERVER_SIDE_CURSORS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache ----------------------------------------------------------------------------------------
# One cache shared by every web and worker process (rendered fragments, rate limits): Redis in
# production; on the embedded default a table in the database (`manage.py createcachetable`, which
# `make run` and the test database run). Never per-process memory, which workers cannot share.
CACHE_URL = os.environ.get("CACHE_URL", "")
if CACHE_URL.startswith(("redis://", "rediss://", "unix://")):
    CACHES = {
        "default": {
            "BACKEND": "core.cache.RedisCache",  # Django's, sharing its Redis clients
            "LOCATION": CACHE_URL,
            "KEY_PREFIX": "ccz",
        }
    }
    # Signed-in pages read the session from Redis; the database keeps it across a cache flush,
    # and serves it alone while Redis is unreachable (core/sessions.py).
    SESSION_ENGINE = "core.sessions"
elif CACHE_URL in ("", "db://"):
    CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.db.DatabaseCache",
            "LOCATION": "django_cache",
            # Rendered fragments of a whole district (a board per organisation) must fit; past
            # this, a third of the entries is dropped at once (Django's culling).
            "OPTIONS": {"MAX_ENTRIES": 20000},
        }
    }
else:
    raise ImproperlyConfigured(f"CACHE_URL must be redis://… or unset, not {CACHE_URL!r}")

# --- Auth -----------------------------------------------------------------------------------------
AUTHENTICATION_BACKENDS = [
    # django-axes first, so a locked-out username is refused before the password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading the signed-in user from the web process's copy while
    # nothing about users has changed (core.generations). Sessions name their backend: a session
    # made under another one signs in again.
    "core.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# The client's address (core.clientip.client_ip, for the lockout, rate limits and logs) is read
# from X-Forwarded-For only as far as this many reverse proxies of our own appended to it: 1 for
# nginx in front of gunicorn. 0 (direct clients, `make run`) ignores the header, which a client
# can write at will. AXES_PROXY_COUNT is the older name.
TRUSTED_PROXY_COUNT = int(
    os.environ.get("TRUSTED_PROXY_COUNT") or os.environ.get("AXES_PROXY_COUNT") or "0"
)

# Lockout after repeated failures of one username from one client address: counted whether or
# not the user exists, so the answer never tells an attacker which accounts are real. Locking by
# username alone would let anyone lock a colleague out; by address alone, behind a shared proxy
# or office NAT, one mistyping user would lock out everybody. A locked-out user can still sign
# in from another address.
AXES_FAILURE_LIMIT = int(os.environ.get("AXES_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = float(os.environ.get("AXES_COOLOFF_HOURS", "0.5"))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_CLIENT_IP_CALLABLE = "core.clientip.client_ip"
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"
AXES_VERBOSE = False

# Failed sign-ins per client address across all usernames (django-ratelimit, "count/period"
# with s, m, h or d), against a password spray that stays under each username's lockout. Counted
# in the shared cache; while it is unreachable, sign-ins are not counted (the lockout, in the
# database, still holds).
LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "30/10m")
# For the HTTP load test alone (core/loadtest.py sets it on its own server): requests from the
# loopback address are not rate-limited. Off by default; `check --deploy` refuses it (core.E003).
RATE_LIMIT_EXEMPT_LOOPBACK = env_bool("RATE_LIMIT_EXEMPT_LOOPBACK", False)
# Failed openings of members' draft links (unknown, withdrawn or expired token) per client address
# before the link pages answer 429 (pledges/views_links.py): far above a member's mistyping, far
# below what guessing would need.
DRAFT_LINK_RATE_LIMIT = os.environ.get("DRAFT_LINK_RATE_LIMIT", "20/10m")
# Failed 群众评议 codes per client address (reviews/views_ballot.py): successes are not counted,
# so a meeting room behind one address answers freely; 50-bit codes make guessing hopeless.
BALLOT_CODE_RATE_LIMIT = os.environ.get("BALLOT_CODE_RATE_LIMIT", "20/10m")
# Suggestions left in a board's online 意见箱 per client address.
SUGGESTION_RATE_LIMIT = os.environ.get("SUGGESTION_RATE_LIMIT", "5/h")
# Every request per client address to the public pages (core.ratelimits.limit): the board, its
# PDF poster (costly to draw) and the ballot with its code entry. A village meeting scanning the
# board's QR code behind one NAT address stays far below; a scraper or a flood does not.
BOARD_RATE_LIMIT = os.environ.get("BOARD_RATE_LIMIT", "600/10m")
POSTER_RATE_LIMIT = os.environ.get("POSTER_RATE_LIMIT", "30/10m")
BALLOT_RATE_LIMIT = os.environ.get("BALLOT_RATE_LIMIT", "600/10m")
# One-time codes (accounts): an activation code from a provisioning slip or a grant lasts this
# many days, a manager's reset code fewer; wrong codes per client address before the activation
# page answers 429, as the login's limit does for passwords.
ACTIVATION_CODE_DAYS = int(os.environ.get("ACTIVATION_CODE_DAYS", "30"))
RESET_CODE_DAYS = int(os.environ.get("RESET_CODE_DAYS", "3"))
CODE_RATE_LIMIT = os.environ.get("CODE_RATE_LIMIT", "10/10m")
RATELIMIT_USE_CACHE = "default"
RATELIMIT_FAIL_OPEN = True
# django-ratelimit's checks know only memcached and django-redis. Django's own Redis backend
# increments with Redis' INCR, atomically (W001 does not apply). The database cache is shared by
# every process too, but increments by a read and a write, so attempts at the same instant may
# count once: on the embedded default the limit is approximate (E003), never per process.
SILENCED_SYSTEM_CHECKS = ["django_ratelimit.W001"]
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.db.DatabaseCache":
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003"]
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # pledge_campaign_deadline includes the pledge's owners for PostgreSQL's index-only scans;
    # SQLite keeps the same index without them (W040 says so), which is all it needs.
    SILENCED_SYSTEM_CHECKS += ["models.W040"]

# --- Internationalisation -------------------------------------------------------------------------
LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and uploaded files --------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", VAR_DIR / "static"))
# WhiteNoise warns about a missing folder; a read-only one is filled by collectstatic, not here.
with contextlib.suppress(OSError):
    STATIC_ROOT.mkdir(parents=True, exist_ok=True)
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", VAR_DIR / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}
# Roster and tree imports: larger files are refused before they are read; files over the
# background size are imported by a worker while the page shows the progress.
IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_MB", "20")) * 1024 * 1024
IMPORT_BACKGROUND_BYTES = int(float(os.environ.get("IMPORT_BACKGROUND_MB", "1")) * 1024 * 1024)
# Rows below the header a roster or tree file may have: a larger file is refused before its
# rows are checked (orgs/importing/reading.py), in the request or on the worker.
IMPORT_MAX_ROWS = int(os.environ.get("IMPORT_MAX_ROWS", "200000"))
# Exports (core/exports.py): a list up to this many rows is sent at once, a longer one is written
# by a job; a job's file is kept this many hours.
EXPORT_INLINE_ROWS = int(os.environ.get("EXPORT_INLINE_ROWS", "10000"))
EXPORT_KEEP_HOURS = int(os.environ.get("EXPORT_KEEP_HOURS", "24"))
# Evidence attached to a pledge's progress (images, PDF).
PLEDGE_ATTACHMENT_MAX_BYTES = int(os.environ.get("PLEDGE_ATTACHMENT_MAX_MB", "5")) * 1024 * 1024
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024

# Backups of the embedded default (core/backup.py, `manage.py backup` / `restore`): the nightly
# task writes an archive here and keeps the newest BACKUP_KEEP. Copy them off the machine too.
BACKUP_DIR = Path(os.environ.get("BACKUP_DIR", VAR_DIR / "backups"))
BACKUP_KEEP = int(os.environ.get("BACKUP_KEEP", "14"))
# Members who left keep their record, but their phone (and ID number) is erased this many days
# after the day they left (orgs/retention.py): three years by default.
PERSONAL_DATA_RETENTION_DAYS = int(os.environ.get("PERSONAL_DATA_RETENTION_DAYS", "1095"))

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# --- Email ----------------------------------------------------------------------------------------
# SMTP when a mail server is named; else the console (the embedded default, an intranet without
# mail): notification emails then go to the worker's log instead of failing and retrying.
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend"
    if os.environ.get("EMAIL_HOST")
    else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
# Self-service password reset by email (Django's views, accounts) is offered only where mail is
# set up: EMAIL_HOST or EMAIL_BACKEND given, or EMAIL_RESET=1. On an intranet without mail the
# level above resets a password with a one-time code instead.
EMAIL_RESET = env_bool(
    "EMAIL_RESET", bool(os.environ.get("EMAIL_HOST") or os.environ.get("EMAIL_BACKEND"))
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "创先争优活动办公室 <noreply@localhost>")
SERVER_EMAIL = os.environ.get("SERVER_EMAIL", DEFAULT_FROM_EMAIL)
# The site's address as its users reach it, for the links in notification emails.
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
ADMINS = [("管理员", addr) for addr in env_list("ADMINS")]

# --- Celery ---------------------------------------------------------------------------------------
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL") or (
    f"sqla+sqlite:///{VAR_DIR / 'celery-broker.sqlite3'}"
)
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE_FILENAME = str(VAR_DIR / "celerybeat-schedule")
# Long jobs (imports, exports: tasks named *_job_task) have a queue of their own, so that a worker
# busy with a large import never holds up the short tasks (reminders) of the default queue.
CELERY_TASK_ROUTES = {"*_job_task": {"queue": "jobs"}}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis hands a task that is not acknowledged within this time to another worker (acks_late):
    # well above the longest job, so that a running import is never started a second time.
    CELERY_BROKER_TRANSPORT_OPTIONS = {"visibility_timeout": 4 * 3600}
# Periodic jobs, one entry each with why it runs when it does. Reminders join in later issues.
CELERY_BEAT_SCHEDULE = {
    # Clears expired sessions nightly so the session table does not grow without bound.
    "clear-expired-sessions": {
        "task": "core.tasks.clear_sessions_task",
        "schedule": crontab(hour=3, minute=17),
    },
    # Export files past EXPORT_KEEP_HOURS are deleted (their records stay).
    "remove-expired-exports": {
        "task": "core.tasks.remove_expired_exports_task",
        "schedule": crontab(minute=47),
    },
    # The embedded broker keeps every delivered message; hourly, the spent ones go.
    "purge-broker-messages": {
        "task": "core.tasks.purge_broker_messages_task",
        "schedule": crontab(minute=41),
    },
    # Recounts the rollups at night, when few write, and logs any drift (core/rollups.py).
    "verify-rollups": {
        "task": "core.tasks.verify_rollups_task",
        "schedule": crontab(hour=2, minute=43),
    },
    # Backs up the embedded SQLite database and uploads at night, when few write, keeping the
    # newest BACKUP_KEEP; on PostgreSQL it only logs that pg_dump does it (README).
    "backup": {
        "task": "core.tasks.backup_task",
        "schedule": crontab(hour=1, minute=37),
    },
    # Erases the phone (and ID number) of members who left over PERSONAL_DATA_RETENTION_DAYS
    # ago; nightly, so none is kept a day longer than the rule says.
    "erase-departed-personal-data": {
        "task": "orgs.tasks.erase_departed_personal_data_task",
        "schedule": crontab(hour=3, minute=53),
    },
    # Rewrites the 群众评议 tables (PostgreSQL's VACUUM FULL) at night, when nobody answers, so
    # that what closing a round deleted is in no page of the database's files by the morning.
    "compact-ballot-tables": {
        "task": "reviews.tasks.compact_ballot_tables_task",
        "schedule": crontab(hour=4, minute=23),
    },
    # The calendar's reminders (oversight/sweeps.py), in the morning of an office's day
    # (CELERY_TIMEZONE is Asia/Shanghai): deadlines ahead, daily.
    "deadline-reminders": {
        "task": "oversight.tasks.deadline_sweep_task",
        "schedule": crontab(hour=8, minute=5),
    },
    # Reviews owed and evaluations not held: the first day of each quarter, and of each month
    # of the last quarter, when the year's work must be finished.
    "quarterly-reminders": {
        "task": "oversight.tasks.quarterly_sweep_task",
        "schedule": crontab(hour=8, minute=15, day_of_month=1, month_of_year="1,4,7,10,11,12"),
    },
    # Overdue pledges and rectifications to their owners, and after N days to the level above.
    "overdue-reminders": {
        "task": "oversight.tasks.overdue_sweep_task",
        "schedule": crontab(hour=8, minute=25),
    },
    # The notifications' outbox: every 10 minutes, mails what was not mailed yet (the task
    # enqueued when they were saved may have met a broker that was down).
    "send-notification-email": {
        "task": "campaign.tasks.send_pending_task",
        "schedule": crontab(minute="*/10"),
    },
}

# --- Security -------------------------------------------------------------------------------------
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(8 * 3600)))
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# What a page may load and run (django-csp): everything from the site itself, no inline script
# or style (templates use static/js/app.js and classes of static/css/app.css; htmx's indicator
# styles are in app.css), images also as data: URIs (Bootstrap's CSS draws its checkboxes,
# select arrows and close buttons with them). The admin gets the same policy: Django 5.2's admin
# needs no inline script, and its one inline <style> (a change list without actions) is
# cosmetic. Not set on DEBUG's own 404 and 500 pages, which are inline.
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
    }
}
# Browser features the site never uses, refused to its pages and to anything they might embed
# (django-permissions-policy; an empty list is "()", none). Only features Chromium knows: it
# reports an unknown one (e.g. bluetooth) on every page's console.
PERMISSIONS_POLICY = {
    feature: []
    for feature in (
        "accelerometer",
        "autoplay",
        "browsing-topics",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "hid",
        "idle-detection",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "publickey-credentials-get",
        "screen-wake-lock",
        "serial",
        "usb",
        "xr-spatial-tracking",
    )
}
# HTTPS=1: the site is reached over https through a TLS-terminating proxy, which sets
# X-Forwarded-Proto (and must be the only way in). It follows its own setting, not DEBUG, so that
# `make run` (DEBUG off) serves plain http on 127.0.0.1. BEHIND_TLS_PROXY=1 is the older name.
HTTPS = env_bool("HTTPS", env_bool("BEHIND_TLS_PROXY", False))
if HTTPS:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {"axes": {"level": "WARNING"}},
}
