"""Settings for confnotes: one file, driven by environment variables.

Environment variables (names are stable; deployments rely on them):
- DJANGO_DEBUG: "1"/"true" turns debug on. Off by default.
- DJANGO_SECRET_KEY: required when debug is off.
- DJANGO_ALLOWED_HOSTS: comma-separated host names.
- DATABASE_URL: default is a SQLite file in the project root; postgres:// URLs work.
- CACHE_URL: default is a folder on disk that every process of this machine shares
  (beside a SQLite file, else var/cache/); redis://host:6379/0 uses Redis, for several
  app servers.
- CONFNOTES_BASE_URL: the site's public address, for absolute URLs in exports.
"""

import hashlib
from pathlib import Path

import environ
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP
from whitenoise.compress import Compressor

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()

DEBUG = env.bool("DJANGO_DEBUG", default=False)

SECRET_KEY = env.str("DJANGO_SECRET_KEY", default="")
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured("DJANGO_SECRET_KEY must be set when DJANGO_DEBUG is off.")
    # Only ever used on a developer's machine with debug on.
    SECRET_KEY = "confnotes-insecure-development-key-do-not-use-in-production"

ALLOWED_HOSTS = env.list(
    "DJANGO_ALLOWED_HOSTS",
    default=["127.0.0.1", "localhost", "[::1]"] if DEBUG else [],
)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.sitemaps",
    "taggit",
    "axes",
    # Revision history of content (django-reversion) and its admin pages.
    "reversion",
    "confnotes.history",
    "speakers",
    "talks",
]

MIDDLEWARE = [
    # First: gzip for every text response, the page cache's hits included
    # (confnotes/compression.py); the cache keeps a compressed copy of each page.
    "confnotes.compression.CompressTextMiddleware",
    # Then anonymous GETs of public pages come from the shared cache
    # (confnotes/pagecache.py), stored with the headers the others below set.
    "confnotes.pagecache.PublicPageCacheMiddleware",
    # The JSON API's limit per client address, counted in the shared cache: only the
    # requests the page cache did not answer (talks/api/throttle.py).
    "talks.api.throttle.ApiThrottleMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
    "django.middleware.http.ConditionalGetMiddleware",
    "confnotes.routers.ReplicaReadsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # The reader's language, for the pages the cache above did not answer (it keys
    # pages by the same language: confnotes/pagecache.py).
    "confnotes.i18n.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last, as django-axes asks: it answers locked-out login attempts.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "confnotes.urls"

TEMPLATES = [
    {
        # The public pages (templates/): Jinja2, compiled to Python (confnotes/jinja2.py).
        "BACKEND": "django.template.backends.jinja2.Jinja2",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": False,
        "OPTIONS": {"environment": "confnotes.jinja2.environment"},
    },
    {
        # The admin, forms and Django's own pages.
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "confnotes.wsgi.application"

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
# Read replicas (PostgreSQL streaming replicas): comma-separated URLs. Reads go
# to them, writes to the primary (confnotes/routers.py).
for _n, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    DATABASES[f"replica{_n}"] = environ.Env.db_url_config(_url)
    DATABASES[f"replica{_n}"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["confnotes.routers.PrimaryReplicaRouter"]
# Persistent connections, kept per worker for DJANGO_CONN_MAX_AGE seconds
# (a URL's own ?conn_max_age= wins). Opening one per request cost every
# uncached SQLite page 1.5-2 ms: the connection, its pragmas and a cold page
# cache (docs/benchmarks.md). A connection that went bad is replaced before use.
for _db in DATABASES.values():
    _db.setdefault("CONN_MAX_AGE", env.int("DJANGO_CONN_MAX_AGE", default=600))
    _db["CONN_HEALTH_CHECKS"] = True
    if _db["ENGINE"] == "django.db.backends.postgresql":
        # Prepared statements: a query a connection runs again and again is
        # prepared at its 5th run, and PostgreSQL may then keep one plan for it
        # instead of planning it each time. Planning the ORM's joins cost more
        # than running them (the feed's notes: 2.2 ms to plan, 0.3 ms to run;
        # docs/benchmarks.md). A pooler in front must pass prepared statements
        # (PgBouncer: max_prepared_statements); `?server_side_binding=0` in a
        # database's URL turns them off (docs/deploy.md).
        _db.setdefault("OPTIONS", {})
        _db["OPTIONS"].setdefault("server_side_binding", True)
        _db["OPTIONS"].setdefault("prepare_threshold", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers and the writer work at once; a busy timeout waits for
    # the writer instead of failing at once with "database is locked".
    DATABASES["default"].setdefault("OPTIONS", {})
    DATABASES["default"]["OPTIONS"].setdefault(
        "init_command",
        "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    )
    DATABASES["default"]["OPTIONS"].setdefault("timeout", 20)

# The cache holds what decides a page's freshness (confnotes/pagecache.py), so
# every worker must see the same one: never a process's own memory. By default
# a folder on disk (SQLite files, through diskcache), one per database, so two
# databases never share cached pages: beside a SQLite file ("db.sqlite3.cache"),
# else in var/cache/.
_database = DATABASES["default"]
if env.str("CACHE_URL", default=""):
    CACHES = {"default": env.cache_url("CACHE_URL")}
else:
    if _database["ENGINE"] == "django.db.backends.sqlite3" and _database["NAME"] != ":memory:":
        _cache_folder = f"{_database['NAME']}.cache"
    else:
        _key = hashlib.sha256(repr((_database.get("HOST"), _database.get("NAME"))).encode())
        _cache_folder = str(BASE_DIR / "var" / "cache" / _key.hexdigest()[:16])
    CACHES = {
        "default": {
            "BACKEND": "confnotes.caches.SharedDiskCache",
            "LOCATION": _cache_folder,
            "TIMEOUT": 3600,
            # Pages kept in the SQLite files, not one file each: a read is one query.
            "OPTIONS": {"size_limit": 2**30, "disk_min_file_size": 2**20},
        }
    }

# The scope of a page's path, for the page cache (confnotes/pagecache.py).
CONFNOTES_PAGE_SCOPES = "talks.freshness.page_scopes"

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# The interface's languages (confnotes/messages.py keeps their catalogs in locale/).
# A reader's language: the language cookie the switcher sets (confnotes/views.py), else
# the browser's Accept-Language, else English. Notes and talks carry their own language.
LANGUAGE_CODE = "en"
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("es", "Español")]
LOCALE_PATHS = [BASE_DIR / "locale"]
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=BASE_DIR / "staticfiles")

# Uploaded media: the local disk by default; S3-compatible object storage when
# DJANGO_MEDIA_S3_BUCKET is set, so app servers share nothing on disk.
# Credentials come from the usual AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
MEDIA_S3_BUCKET = env.str("DJANGO_MEDIA_S3_BUCKET", default="")
if MEDIA_S3_BUCKET:
    _media_storage = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": MEDIA_S3_BUCKET,
            "endpoint_url": env.str("DJANGO_MEDIA_S3_ENDPOINT_URL", default="") or None,
            "region_name": env.str("DJANGO_MEDIA_S3_REGION", default="") or None,
            "custom_domain": env.str("DJANGO_MEDIA_S3_CUSTOM_DOMAIN", default="") or None,
            "default_acl": None,
            "querystring_auth": False,
            "file_overwrite": False,
        },
    }
else:
    _media_storage = {"BACKEND": "django.core.files.storage.FileSystemStorage"}

# The fonts of static/fonts/ are read by the social cards' renderer and never sent to a
# browser: whitenoise need not compress them (Brotli, at its top quality, took a minute).
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = [*Compressor.SKIP_COMPRESS_EXTENSIONS, "ttf"]

STORAGES = {
    "default": _media_storage,
    "staticfiles": {
        # Hashed, compressed files served by whitenoise; needs `collectstatic`.
        "BACKEND": env.str(
            "DJANGO_STATICFILES_STORAGE",
            default="django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        ),
    },
}

MEDIA_URL = "media/"
MEDIA_ROOT = env.path("DJANGO_MEDIA_ROOT", default=BASE_DIR / "media")

# Uploaded images: refuse anything larger than this on disk or in pixels.
CONFNOTES_MAX_UPLOAD_BYTES = env.int("CONFNOTES_MAX_UPLOAD_BYTES", default=5 * 1024 * 1024)
CONFNOTES_MAX_IMAGE_PIXELS = env.int("CONFNOTES_MAX_IMAGE_PIXELS", default=40_000_000)
FILE_UPLOAD_MAX_MEMORY_SIZE = CONFNOTES_MAX_UPLOAD_BYTES
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024

TAGGIT_CASE_INSENSITIVE = True

# The benchmark harness (bench/run.py) sets this to add a bare view returning a
# constant string, the framework's floor its figures are compared with. Never
# set in production.
CONFNOTES_BENCH_FLOOR = env.bool("CONFNOTES_BENCH_FLOOR", default=False)

# The JSON API (/api/v1/): requests allowed per client address ("N/second|minute|hour|day"),
# and how many reverse proxies in front are trusted to name the client in
# X-Forwarded-For (0: the address is REMOTE_ADDR). README.md, "JSON API".
CONFNOTES_API_THROTTLE = env.str("CONFNOTES_API_THROTTLE", default="120/minute")
CONFNOTES_API_TRUSTED_PROXIES = env.int("CONFNOTES_API_TRUSTED_PROXIES", default=0)

# check_links refuses links (and redirects) into loopback, private and
# link-local networks; a site that archives its own intranet may allow them.
CONFNOTES_LINKCHECK_PRIVATE_HOSTS = env.bool("CONFNOTES_LINKCHECK_PRIVATE_HOSTS", default=False)

# The site's public address (https://notes.example.org), for absolute URLs written
# outside a request: schedule exports. Unset with debug off, an export asks for it.
CONFNOTES_BASE_URL = env.str("CONFNOTES_BASE_URL", default="http://127.0.0.1:8000" if DEBUG else "")

LOGIN_URL = "admin:login"
# Where a login goes when its `next` is missing or refused (another host): the admin,
# the only place that needs one, not Django's /accounts/profile/ (a 404 here).
LOGIN_REDIRECT_URL = "admin:index"

# Security. With debug off, `manage.py check --deploy --fail-level WARNING` passes.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = True
SESSION_COOKIE_SECURE = env.bool("DJANGO_SECURE_COOKIES", default=not DEBUG)
CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE
LANGUAGE_COOKIE_SECURE = SESSION_COOKIE_SECURE
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=0 if DEBUG else 31_536_000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("DJANGO_SECURE_HSTS_INCLUDE_SUBDOMAINS", default=True)
SECURE_HSTS_PRELOAD = env.bool("DJANGO_SECURE_HSTS_PRELOAD", default=True)
# Behind a reverse proxy that terminates TLS: "HTTP_X_FORWARDED_PROTO,https".
_proxy_header = env.list("DJANGO_SECURE_PROXY_SSL_HEADER", default=[])
SECURE_PROXY_SSL_HEADER = tuple(_proxy_header) if len(_proxy_header) == 2 else None
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])

# No inline script anywhere; videos come from YouTube's privacy-enhanced host.
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "https:", "data:"],
    # The video players a talk page embeds, once its reader asks (see talks/video.py).
    "frame-src": [
        "https://www.youtube-nocookie.com",
        "https://player.vimeo.com",
        "https://archive.org",
    ],
    "object-src": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
}

# Admin login is rate-limited: after 5 failures for a user name from one
# address, that pair is locked out for an hour.
AXES_FAILURE_LIMIT = env.int("CONFNOTES_LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = 1  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_VERBOSE = False

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
}
