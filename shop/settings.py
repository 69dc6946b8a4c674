"""Settings for Jingmeng Market (京蒙优选).

Everything that differs between machines comes from environment variables (DESIGN §5), read with
django-environ. Defaults give a zero-setup demo: SQLite under var/, eager Celery, console email.
Production must set SECRET_KEY and FIELD_ENCRYPTION_KEY; they have no default unless DEBUG is on.
"""

from datetime import timedelta
from pathlib import Path

import environ
from celery.schedules import crontab
from csp import constants as csp_constants
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _
from oscar.defaults import *  # noqa: F403  (Oscar's settings, overridden below)
from oscar.defaults import OSCAR_DASHBOARD_NAVIGATION

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

env = environ.Env()

DEBUG = env.bool("DEBUG", default=False)

# Demo defaults so that `manage.py check`, tests and the demo work with nothing set. Production
# must set both: `check --deploy` fails on them (shop/checks.py) and so does the WSGI/ASGI entry.
INSECURE_SECRET_KEY = "django-insecure-jingmeng-demo-secret-key-never-use-in-production"
INSECURE_FIELD_ENCRYPTION_KEY = "django-insecure-jingmeng-demo-field-key"
SECRET_KEY = env("SECRET_KEY", default=INSECURE_SECRET_KEY)
FIELD_ENCRYPTION_KEY = env("FIELD_ENCRYPTION_KEY", default=INSECURE_FIELD_ENCRYPTION_KEY)
FIELD_HASH_KEY = env("FIELD_HASH_KEY", default="")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]", "testserver"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# --- Applications -------------------------------------------------------------------------------

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.sites",
    "django.contrib.flatpages",
    "django.contrib.humanize",
    # Oscar, with catalogue, order, checkout and address forked into this project
    "oscar.config.Shop",
    "oscar.apps.analytics.apps.AnalyticsConfig",
    "orders.checkout.apps.CheckoutConfig",
    "orders.address.apps.AddressConfig",
    "oscar.apps.shipping.apps.ShippingConfig",
    "catalog.apps.CatalogueConfig",
    "oscar.apps.catalogue.reviews.apps.CatalogueReviewsConfig",
    "oscar.apps.communication.apps.CommunicationConfig",
    "oscar.apps.partner.apps.PartnerConfig",
    "oscar.apps.basket.apps.BasketConfig",
    "oscar.apps.payment.apps.PaymentConfig",
    "oscar.apps.offer.apps.OfferConfig",
    "orders.apps.OrderConfig",
    "orders.reviews.apps.OrderReviewsConfig",
    "oscar.apps.customer.apps.CustomerConfig",
    "oscar.apps.search.apps.SearchConfig",
    "oscar.apps.voucher.apps.VoucherConfig",
    "oscar.apps.wishlists.apps.WishlistsConfig",
    "dashboard.apps.DashboardConfig",
    "oscar.apps.dashboard.reports.apps.ReportsDashboardConfig",
    "oscar.apps.dashboard.users.apps.UsersDashboardConfig",
    "dashboard.orders.apps.OrdersDashboardConfig",
    "dashboard.catalogue.apps.CatalogueDashboardConfig",
    "oscar.apps.dashboard.offers.apps.OffersDashboardConfig",
    "oscar.apps.dashboard.partners.apps.PartnersDashboardConfig",
    "oscar.apps.dashboard.pages.apps.PagesDashboardConfig",
    "oscar.apps.dashboard.ranges.apps.RangesDashboardConfig",
    "dashboard.reviews.apps.ReviewsDashboardConfig",
    "oscar.apps.dashboard.vouchers.apps.VouchersDashboardConfig",
    "oscar.apps.dashboard.communications.apps.CommunicationsDashboardConfig",
    "oscar.apps.dashboard.shipping.apps.ShippingDashboardConfig",
    "dashboard.cooperatives.apps.CooperativesDashboardConfig",
    "dashboard.search.apps.SearchDashboardConfig",
    "dashboard.organisations.apps.OrganisationsDashboardConfig",
    "dashboard.transfers.apps.TransfersDashboardConfig",
    "dashboard.invoices.apps.InvoicesDashboardConfig",
    "widget_tweaks",
    "haystack",
    "treebeard",
    "sorl.thumbnail",
    "django_tables2",
    # Security: login throttling, two-factor login, Content-Security-Policy
    "axes",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "csp",
    # Jingmeng Market
    "shop",
    "cooperatives.apps.CooperativesConfig",
    "orders.payments.apps.PaymentsConfig",
    "impact.apps.ImpactConfig",
    "organisations.apps.OrganisationsConfig",
    "invoices.apps.InvoicesConfig",
    "livestream.apps.LivestreamConfig",
]

MIDDLEWARE = [
    "shop.logs.RequestIdMiddleware",
    "shop.security.ClientAddressMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "shop.security.ContentSecurityPolicyMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "shop.middleware.ChineseFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "shop.security.TwoFactorRequiredMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "shop.basket.BasketMiddleware",
    "django.contrib.flatpages.middleware.FlatpageFallbackMiddleware",
    "livestream.middleware.LiveAttributionMiddleware",
    "axes.middleware.AxesMiddleware",
    "shop.pagecache.AnonymousPageCacheMiddleware",
]

# Prometheus metrics at /metrics (django-prometheus) and /readyz answer only peers on
# MONITORING_NETWORKS (nginx does not serve either).
# With several gunicorn workers set PROMETHEUS_MULTIPROC_DIR to a shared empty folder (README).
PROMETHEUS_METRICS = env.bool("PROMETHEUS_METRICS", default=False)
MONITORING_NETWORKS = env.list(
    "MONITORING_NETWORKS",
    default=["127.0.0.0/8", "::1/128", "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"],
)
if PROMETHEUS_METRICS:
    INSTALLED_APPS.append("django_prometheus")
    MIDDLEWARE = [
        "django_prometheus.middleware.PrometheusBeforeMiddleware",
        *MIDDLEWARE,
        "django_prometheus.middleware.PrometheusAfterMiddleware",
    ]

ROOT_URLCONF = "shop.urls"
WSGI_APPLICATION = "shop.wsgi.application"
ASGI_APPLICATION = "shop.asgi.application"
SITE_ID = 1
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"  # what Oscar's models use

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "shop.context_processors.search_form",
                "oscar.apps.checkout.context_processors.checkout",
                "shop.context_processors.notifications",
                "shop.context_processors.nav_roles",
                "oscar.core.context_processors.metadata",
                "shop.context_processors.site",
            ],
        },
    },
]

AUTHENTICATION_BACKENDS = [
    "shop.security.LoginThrottleBackend",  # django-axes: refuses locked-out logins first
    "shop.phone_login.PhoneCodeBackend",  # mobile number + text-message code
    "oscar.apps.customer.auth_backends.EmailBackend",
    "django.contrib.auth.backends.ModelBackend",
]
LOGIN_URL = reverse_lazy("customer:login")
LOGIN_REDIRECT_URL = "/"

# --- Data -------------------------------------------------------------------------------------

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = True
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
# Server-side binding: psycopg prepares a statement once a connection has run it five times, so
# PostgreSQL stops parsing and planning the same queries over and over (connections persist,
# above). Behind PgBouncer in transaction mode turn it off, unless PgBouncer is 1.22 or later with
# max_prepared_statements set (psycopg sends DEALLOCATE ALL after a rollback).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and env.bool(
    "DATABASE_PREPARED_STATEMENTS", default=True
):
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        server_side_binding=True, prepare_threshold=5
    )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets the demo's web server and a worker read while one writes.
    DATABASES["default"].setdefault("OPTIONS", {})["init_command"] = "PRAGMA journal_mode=WAL;"
    DATABASES["default"]["CONN_MAX_AGE"] = 0

REDIS_URL = env("REDIS_URL", default="")
# After Redis (the cache) or the Celery broker failed to answer, nothing more is asked of it for
# this many seconds: pages are served uncached and tasks kept in the database meanwhile.
OUTAGE_RETRY_SECONDS = env.float("OUTAGE_RETRY_SECONDS", default=5.0)
if REDIS_URL:
    CACHES = {
        "default": {
            # Django's, keeping its client, and an empty cache while Redis is down (shop/cache.py)
            "BACKEND": "shop.cache.RedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env("CACHE_KEY_PREFIX", default="jingmeng"),
            "OPTIONS": {
                # a Redis that does not answer costs this much, once per OUTAGE_RETRY_SECONDS
                "socket_connect_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.5),
                "socket_timeout": env.float("CACHE_SOCKET_TIMEOUT", default=0.5),
                "retry_seconds": OUTAGE_RETRY_SECONDS,
            },
        }
    }
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

# Sessions are read on every request: from the cache, written through to the database.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
# A font with Chinese glyphs, for the demo's product pictures and the packing slips' PDF: the first
# of these found (scripts/system-deps.sh installs fonts-wqy-microhei); None when there is none.
CJK_FONT_PATH = next(
    (
        path
        for path in (
            env("JINGMENG_CJK_FONT", default=""),
            "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
            "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
            "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
            "/usr/share/fonts/truetype/arphic/uming.ttc",
        )
        if path and Path(path).is_file()
    ),
    None,
)

# Whole pages for anonymous visitors with an empty basket (shop/pagecache.py); 0 turns it off.
PAGE_CACHE_SECONDS = env.int("PAGE_CACHE_SECONDS", default=15)
# The version in every cached page's key (shop/pagecache.py moves it on at catalogue, offer and
# live edits); answers cached elsewhere under it (orders/checkout/express.py) read it by this key.
PAGE_CACHE_VERSION_KEY = "pagecache:version"

# --- Celery (cookiecutter-django's wiring; eager when no broker is configured) -----------------

CELERY_BROKER_URL = env("CELERY_BROKER_URL", default=REDIS_URL or "memory://localhost/")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", default=REDIS_URL or None)
CELERY_TASK_ALWAYS_EAGER = CELERY_BROKER_URL.startswith("memory://")
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = "Asia/Shanghai"
CELERY_TASK_DEFAULT_QUEUE = env("CELERY_QUEUE", default="celery")
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Workers keep their database connections across tasks like the web workers (CONN_MAX_AGE, with
# health checks): shop.celery closes old ones around each task. Celery's fixup would otherwise
# close every connection around every task; with this it does so only every this many tasks.
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=1000)
# A broker that does not answer: a task queued after a commit gives up after one short retry and
# is kept in the database (shop.models.UnsentTask) to be sent by beat once the broker is back;
# for OUTAGE_RETRY_SECONDS after a failure nothing more is tried (shop/celery.py).
CELERY_BROKER_TIMEOUT = env.float("CELERY_BROKER_TIMEOUT", default=1.0)
CELERY_BROKER_CONNECTION_TIMEOUT = CELERY_BROKER_TIMEOUT
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 1,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.2,
}
if CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Without a socket timeout a Redis that accepts and never answers hangs a publish for
    # ever. The worker's blocking read (BRPOP) waits 1 s, so reads get at least 2 s.
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "socket_connect_timeout": CELERY_BROKER_TIMEOUT,
        "socket_timeout": max(2.0, 2 * CELERY_BROKER_TIMEOUT),
    }
elif CELERY_BROKER_URL.startswith(("amqp://", "amqps://", "pyamqp://")):
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "read_timeout": max(2.0, 2 * CELERY_BROKER_TIMEOUT),
        "write_timeout": max(2.0, 2 * CELERY_BROKER_TIMEOUT),
    }
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
# Nothing reads task results (tasks record what they did in the database): not storing them
# saves a Redis write per task, e.g. per order email in a flash sale.
CELERY_TASK_IGNORE_RESULT = env.bool("CELERY_TASK_IGNORE_RESULT", default=True)
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_BEAT_SCHEDULE = {
    # Orders unpaid past PAYMENT_TIMEOUT_MINUTES are cancelled and their stock released. A beat
    # sweep, not a countdown per order: Redis re-delivers long countdowns after its visibility
    # timeout.
    "cancel-abandoned-orders": {
        "task": "orders.payments.tasks.cancel_abandoned_orders",
        "schedule": 60.0,
    },
    "complete-shipped-orders": {
        "task": "orders.tasks.complete_shipped_orders",
        "schedule": 60.0 * 60,
    },
    # After-sales requests left undecided past AFTER_SALES_DECISION_HOURS go to staff.
    "escalate-after-sales": {
        "task": "orders.tasks.escalate_after_sales",
        "schedule": 60.0 * 10,
    },
    # Tasks a broker outage kept in the database (shop/celery.py), sent once it answers again.
    "send-unsent-tasks": {
        "task": "shop.tasks.send_unsent_tasks",
        "schedule": 60.0,
    },
    # Sign-in codes older than a day (with their numbers and client addresses) are forgotten.
    "purge-sms-codes": {
        "task": "shop.tasks.purge_sms_codes",
        "schedule": 60.0 * 60,
    },
    "send-live-reminders": {
        "task": "livestream.tasks.send_live_reminders",
        "schedule": 60.0,
    },
    "end-overdue-live-sessions": {
        "task": "livestream.tasks.end_overdue_sessions",
        "schedule": 60.0 * 10,
    },
    # Search ranks by sales and stock, which orders change without touching the documents.
    "refresh-search-figures": {
        "task": "orders.tasks.refresh_search_figures",
        "schedule": 60.0 * 5,
    },
    # Certifications lapse and words are added: every document rebuilt once a night.
    "rebuild-search-documents": {
        "task": "catalog.tasks.rebuild_search_documents",
        "schedule": crontab(hour=3, minute=30),
    },
}

# --- Payments (Stripe; localstripe in the demo and the tests) ----------------------------------

STRIPE_API_BASE = env("STRIPE_API_BASE", default="https://api.stripe.com").rstrip("/")
# Demo keys only work against localstripe; shop/checks.py refuses them in production.
STRIPE_SECRET_KEY = env("STRIPE_SECRET_KEY", default="sk_test_localstripe_demo")
STRIPE_PUBLISHABLE_KEY = env("STRIPE_PUBLISHABLE_KEY", default="pk_test_localstripe_demo")
STRIPE_WEBHOOK_SECRET = env("STRIPE_WEBHOOK_SECRET", default="whsec_localstripe_demo")
STRIPE_WEBHOOK_TOLERANCE = env.int("STRIPE_WEBHOOK_TOLERANCE", default=300)  # seconds
# Alipay and WeChat Pay need a Stripe account outside mainland China (README).
STRIPE_PAYMENT_METHOD_TYPES = env.list(
    "STRIPE_PAYMENT_METHOD_TYPES", default=["card", "alipay", "wechat_pay"]
)
STRIPE_JS_URL = (
    "https://js.stripe.com/v3/"
    if STRIPE_API_BASE == "https://api.stripe.com"
    else f"{STRIPE_API_BASE}/js.stripe.com/v3/"  # localstripe serves its own Stripe.js
)
PAYMENT_TIMEOUT_MINUTES = env.int("PAYMENT_TIMEOUT_MINUTES", default=30)
AUTO_COMPLETE_DAYS = env.int("AUTO_COMPLETE_DAYS", default=10)  # shipped → completed
# A cooperative agrees to or refuses an after-sales request within this; then staff decide.
AFTER_SALES_DECISION_HOURS = env.int("AFTER_SALES_DECISION_HOURS", default=48)
# A completed order takes after-sales requests for this many days after its completion.
AFTER_SALES_DAYS = env.int("AFTER_SALES_DAYS", default=15)

# 对公转账 (bank transfers, issue 26; docs/payments.md): the account buyers pay into, how long a
# transfer may take before the order (or purchase batch) is cancelled, and when the buyer is
# reminded. The account defaults are the demo's (made up).
TRANSFER_PAYEE_NAME = env("TRANSFER_PAYEE_NAME", default="京蒙优选（北京）电子商务有限公司")
TRANSFER_PAYEE_BANK = env("TRANSFER_PAYEE_BANK", default="中国工商银行北京房山支行")
TRANSFER_PAYEE_ACCOUNT = env("TRANSFER_PAYEE_ACCOUNT", default="0200 0045 0920 0088 888")
TRANSFER_DAYS = env.int("TRANSFER_DAYS", default=7)
TRANSFER_REMIND_DAYS = env.int("TRANSFER_REMIND_DAYS", default=2)
CELERY_BEAT_SCHEDULE["transfer-reminders-and-cancellations"] = {
    "task": "orders.payments.tasks.sweep_transfers",
    "schedule": 60.0 * 60,
}

# --- Purchase batches (organisations: gift sheets, docs/purchase-batches.md) -------------------
# The most recipients (orders) one batch's sheet may hold.
BATCH_MAX_RECIPIENTS = env.int("BATCH_MAX_RECIPIENTS", default=5000)
# Mainland provinces the store does not deliver to (full names, comma list, e.g. "西藏自治区");
# anything outside mainland China's divisions (香港, 澳门, 台湾) is outside the area anyway. Used by
# the batch sheets and the checkout's address form.
DELIVERY_EXCLUDED_PROVINCES = env.list("DELIVERY_EXCLUDED_PROVINCES", default=[])

# --- Livestreams ----------------------------------------------------------------------------------

# Stream and replay addresses must be https on one of these hosts, which the CSP lets browsers
# load from (".example.com": its subdomains). Add the playback domain you set up with your cloud's
# live service (or a bucket's own host name); a wildcard of a cloud's shared domain
# (".aliyuncs.com": anyone's bucket) is refused (livestream/hosts.py). The default: the demo's.
LIVESTREAM_ALLOWED_HOSTS = env.list("LIVESTREAM_ALLOWED_HOSTS", default=["live.jingmeng.example"])
LIVESTREAM_STATS_POLL_SECONDS = env.int("LIVESTREAM_STATS_POLL_SECONDS", default=5)

# --- Internationalisation: Chinese first ------------------------------------------------------

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
# Ours first, then our translations of strings Oscar's zh_Hans catalogue lacks.
LOCALE_PATHS = [BASE_DIR / "locale", BASE_DIR / "locale" / "oscar"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

# --- Static and media -------------------------------------------------------------------------

STATIC_URL = "/static/"
# Where collectstatic (deploy/bin/release) puts static files; nginx may serve them from there.
STATIC_ROOT = Path(env("STATIC_ROOT", default=str(VAR_DIR / "static")))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", default=str(VAR_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG or env.bool("TESTING", default=False)
            else "shop.storage.MemoizedManifestStaticFilesStorage"  # WhiteNoise's
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o644
# Media on S3-compatible object storage (AWS S3, Aliyun OSS, Tencent COS, MinIO) when a bucket is
# configured, so that every web and worker host sees the same files. Credentials come from the
# environment (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, read by boto3) or the host's role.
# Objects are private and served through signed, expiring URLs.
AWS_STORAGE_BUCKET_NAME = env("AWS_STORAGE_BUCKET_NAME", default="")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {
        "BACKEND": "storages.backends.s3.S3Storage",
        "OPTIONS": {
            "bucket_name": AWS_STORAGE_BUCKET_NAME,
            "endpoint_url": env("AWS_S3_ENDPOINT_URL", default="") or None,
            "region_name": env("AWS_S3_REGION_NAME", default="") or None,
            "custom_domain": env("AWS_S3_CUSTOM_DOMAIN", default="") or None,
            "default_acl": "private",
            "querystring_auth": True,
            "querystring_expire": env.int("AWS_QUERYSTRING_EXPIRE", default=3600),
            "file_overwrite": False,
        },
    }
# Where media pictures are loaded from, for the Content-Security-Policy's img-src: the CDN
# domain, else the endpoint and its bucket subdomains (virtual-hosted URLs), else AWS's.
MEDIA_ORIGINS = []
if AWS_STORAGE_BUCKET_NAME:
    _s3 = STORAGES["default"]["OPTIONS"]
    if _s3["custom_domain"]:
        MEDIA_ORIGINS = [f"https://{_s3['custom_domain']}"]
    elif _s3["endpoint_url"]:
        _host = _s3["endpoint_url"].split("://", 1)[-1].rstrip("/")
        MEDIA_ORIGINS = [_s3["endpoint_url"].rstrip("/"), f"https://*.{_host}"]
    else:
        _region = f".{_s3['region_name']}" if _s3["region_name"] else ""
        MEDIA_ORIGINS = [f"https://{AWS_STORAGE_BUCKET_NAME}.s3{_region}.amazonaws.com"]
MEDIA_ORIGINS = env.list("MEDIA_ORIGINS", default=MEDIA_ORIGINS)
# Uploaded household lists hold personal data in clear: kept outside MEDIA_ROOT (never served),
# only until their import has run.
PRIVATE_STORAGE_ROOT = Path(env("PRIVATE_STORAGE_ROOT", default=str(VAR_DIR / "private")))
# After-sales photos (a parcel's label shows a name and phone): kept outside MEDIA_ROOT, never
# served by nginx or whitenoise, read only through orders.views.AfterSalesPhotoView.
# Default: the same folder as PRIVATE_STORAGE_ROOT (var/private; the files go in after-sales/).
PRIVATE_MEDIA_ROOT = Path(env("PRIVATE_MEDIA_ROOT", default=str(PRIVATE_STORAGE_ROOT)))
HOUSEHOLD_IMPORT_SYNC_MAX_BYTES = env.int("HOUSEHOLD_IMPORT_SYNC_MAX_BYTES", default=256 * 1024)
IMPACT_CACHE_SECONDS = env.int("IMPACT_CACHE_SECONDS", default=300)  # officials' report figures
DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024
UPLOAD_IMAGE_MAX_BYTES = env.int("UPLOAD_IMAGE_MAX_BYTES", default=5 * 1024 * 1024)
UPLOAD_DOCUMENT_MAX_BYTES = env.int("UPLOAD_DOCUMENT_MAX_BYTES", default=8 * 1024 * 1024)
# Invoices (issue 26, docs/invoices.md): the largest electronic invoice (PDF or OFD) a seller may
# upload, in MB; the files are kept under PRIVATE_MEDIA_ROOT (invoices/), served by a checking view.
INVOICE_MAX_UPLOAD_MB = env.int("INVOICE_MAX_UPLOAD_MB", default=10)

# --- Email ------------------------------------------------------------------------------------

EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
DEFAULT_FROM_EMAIL = env("DEFAULT_FROM_EMAIL", default="京蒙优选 <noreply@jingmeng.example>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

# --- Security ---------------------------------------------------------------------------------

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$"]  # probes speak plain HTTP
    SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=True)
    CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=True)
    SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

# Login throttling (django-axes) on every login form (shop, dashboard, /admin/): after
# LOGIN_FAILURE_LIMIT wrong passwords for one account from one address, that pair is locked for
# LOGIN_LOCKOUT_MINUTES (429 with a Chinese page). By account *and* address: many Beijing phones
# share a carrier's address, and an attacker must not be able to lock a real customer out.
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "shop.security.login_username"
AXES_LOCKOUT_CALLABLE = "shop.security.locked_out"
AXES_VERBOSE = False  # its log lines name the account and address: personal data
AXES_SENSITIVE_PARAMETERS = [
    "password",
    "login-password",
    "registration-password1",
    "phone-number",  # sign-in by text-message code (shop/phone_login.py)
    "phone-code",
    "code",  # the authenticator's (shop/two_factor.py)
]
# Behind nginx (deploy/nginx) the client's address is the X-Forwarded-For entry the nearest
# trusted proxy appended: TRUSTED_PROXY_COUNT is how many proxies append to it (nginx alone: 1);
# 0 trusts no header (a client could otherwise name a fresh address for every guess). IPv6
# clients count by their /64 (shop.security.client_ip).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
AXES_CLIENT_IP_CALLABLE = "shop.security.axes_client_ip"

# Two-factor login (django-otp, TOTP) for staff, officials and cooperative managers
# (shop/security.py). On in production; off in the demo (DEBUG) so its role users can look
# around without an authenticator app, and in unit tests (its own tests turn it on).
# `check --deploy` warns when production turns it off.
TWO_FACTOR_REQUIRED = env.bool("TWO_FACTOR_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "京蒙优选"
OFFICIALS_GROUP = "帮扶干部"

# Sign-in by mobile number and text-message code (shop/sms.py, shop/phone_login.py). SMS_BACKEND:
# "console" (logs the code, keeps it in memory: make run, tests), "aliyun" (Alibaba Cloud SMS), or
# "none" (off: production's default until SMS is configured). Codes are 6 digits, valid
# SMS_CODE_MINUTES, used once, stored as an HMAC; each number and each client address gets at
# most one a minute and a few an hour; wrong codes count as wrong passwords (django-axes).
SMS_BACKEND = env("SMS_BACKEND", default="console" if DEBUG else "none")
ALIYUN_SMS_ACCESS_KEY_ID = env("ALIYUN_SMS_ACCESS_KEY_ID", default="")
ALIYUN_SMS_ACCESS_KEY_SECRET = env("ALIYUN_SMS_ACCESS_KEY_SECRET", default="")
ALIYUN_SMS_SIGN_NAME = env("ALIYUN_SMS_SIGN_NAME", default="")
ALIYUN_SMS_TEMPLATE_CODE = env("ALIYUN_SMS_TEMPLATE_CODE", default="")
# Order texts to buyers with no email (shop/order_texts.py): each event's approved notification
# template (empty: that text is not sent by Aliyun).
ALIYUN_SMS_TEMPLATE_ORDER_PLACED = env("ALIYUN_SMS_TEMPLATE_ORDER_PLACED", default="")
ALIYUN_SMS_TEMPLATE_ORDER_PAID = env("ALIYUN_SMS_TEMPLATE_ORDER_PAID", default="")
ALIYUN_SMS_TEMPLATE_ORDER_SHIPPED = env("ALIYUN_SMS_TEMPLATE_ORDER_SHIPPED", default="")
ALIYUN_SMS_TEMPLATE_AFTER_SALES = env("ALIYUN_SMS_TEMPLATE_AFTER_SALES", default="")
ALIYUN_SMS_ENDPOINT = env("ALIYUN_SMS_ENDPOINT", default="dysmsapi.aliyuncs.com")
SMS_TIMEOUT_SECONDS = env.float("SMS_TIMEOUT_SECONDS", default=5.0)
SMS_CODE_MINUTES = env.int("SMS_CODE_MINUTES", default=5)
SMS_CODE_MAX_ATTEMPTS = env.int("SMS_CODE_MAX_ATTEMPTS", default=5)  # wrong tries burn a code
SMS_CODES_PER_MINUTE = env.int("SMS_CODES_PER_MINUTE", default=1)  # per number
SMS_CODES_PER_HOUR = env.int("SMS_CODES_PER_HOUR", default=5)  # per number
# Per client address, looser: many Beijing phones share a carrier's address (CGNAT), and the
# limit is there to stop one client texting many numbers, not to make strangers wait.
SMS_CODES_PER_ADDRESS_MINUTE = env.int("SMS_CODES_PER_ADDRESS_MINUTE", default=3)
SMS_CODES_PER_ADDRESS_HOUR = env.int("SMS_CODES_PER_ADDRESS_HOUR", default=20)

# Content-Security-Policy (django-csp): scripts from this site only, inline ones by nonce; Stripe
# and the livestream hosts are added per response from the settings (shop/security.py).
CONTENT_SECURITY_POLICY = {
    "EXCLUDE_URL_PREFIXES": [],
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'", csp_constants.NONCE],
        # Oscar's templates and widgets (Bootstrap, select2) and the dashboard's rich-text editor
        # (Jodit) set inline styles. No 'unsafe-eval': nothing needs it (docs/security.md).
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'", "data:", "blob:"],
        "font-src": ["'self'", "data:"],
        "media-src": ["'self'", "blob:"],
        "connect-src": ["'self'"],
        "frame-src": ["'self'"],
        "frame-ancestors": ["'none'"],
        "object-src": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
        **({"upgrade-insecure-requests": True} if not DEBUG else {}),
    },
}

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Logs on stdout: JSON lines in production (LOG_FORMAT=json), readable text in the demo; every
# record carries its request id and has phone/ID/email numbers masked (shop/logs.py).
LOG_FORMAT = env("LOG_FORMAT", default="plain" if DEBUG else "json")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "shop.logs.RequestIdFilter"}},
    "formatters": {
        "plain": {
            "()": "shop.logs.RedactingFormatter",
            "format": "%(asctime)s %(levelname)s [%(request_id)s] %(name)s %(message)s",
        },
        "json": {
            "()": "shop.logs.RedactingJsonFormatter",
            "format": "%(asctime)s %(levelname)s %(name)s %(request_id)s %(message)s",
            "rename_fields": {"asctime": "time", "levelname": "level", "name": "logger"},
            "json_ensure_ascii": False,
        },
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "formatter": LOG_FORMAT,
            "filters": ["request_id"],
        }
    },
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", default="INFO")},
    "loggers": {
        "django.db.backends": {"level": "WARNING"},
        "oscar": {"level": "WARNING"},
        "celery.app.trace": {"level": "WARNING"},
        "axes": {"level": "ERROR"},  # its warnings name the account and the address
    },
}

# --- Oscar ------------------------------------------------------------------------------------

OSCAR_SHOP_NAME = _("Jingmeng Market")
OSCAR_SHOP_TAGLINE = _("Produce from Inner Mongolia cooperatives, to Beijing")
OSCAR_HOMEPAGE = reverse_lazy("home")
OSCAR_DEFAULT_CURRENCY = "CNY"
# "¥12.50" in every language (Babel writes "CN¥" for English).
OSCAR_CURRENCY_FORMAT = {"CNY": {"format": "¥#,##0.00", "currency_digits": True}}
OSCAR_FROM_EMAIL = DEFAULT_FROM_EMAIL
OSCAR_ALLOW_ANON_CHECKOUT = True
OSCAR_ALLOW_GUEST_CHECKOUT_WITH_ACCOUNT = True
OSCAR_PRODUCTS_PER_PAGE = 24
OSCAR_SLUG_FUNCTION = "shop.text.pinyin_slugify"
OSCAR_MISSING_IMAGE_URL = "image_not_found.jpg"
# Chinese addresses: 收货人 (first_name), 省 (state), 市 (line4), 区/县 (line3), 详细地址 (line1).
OSCAR_REQUIRED_ADDRESS_FIELDS = ("first_name", "state", "line4", "line3", "line1", "country")
OSCAR_HIDDEN_FEATURES = []
# Order statuses in Chinese (orders/statuses.py): 待付款 → 已付款 → 已发货 → 已完成, 已取消, 已退款.
OSCAR_INITIAL_ORDER_STATUS = "待付款"
OSCAR_INITIAL_LINE_STATUS = "待付款"
OSCAR_ORDER_STATUS_PIPELINE = {
    "待付款": ("已付款", "已取消"),
    "已付款": ("部分发货", "已发货", "已退款"),  # a paid order is cancelled by refunding it
    "部分发货": ("已发货", "已退款"),
    "已发货": ("已完成", "已退款"),
    "已完成": ("已退款",),
    "已取消": (),
    "已退款": (),
}
OSCAR_LINE_STATUS_PIPELINE = {
    "待付款": ("已付款", "已取消"),
    "已付款": ("已发货", "已退款"),
    "已发货": ("已完成", "已退款"),
    "已完成": ("已退款",),
    "已取消": (),
    "已退款": (),
}
OSCAR_ORDER_STATUS_CASCADE = {"已付款": "已付款", "已取消": "已取消", "已退款": "已退款"}
OSCAR_SEND_REGISTRATION_EMAIL = False
# Reviews from buyers whose order line has shipped, one per line (orders/reviews), shown once
# staff or the product's cooperative manager approve them (dashboard → reviews): no anonymous
# one-star reviews, nothing published unread.
OSCAR_ALLOW_ANON_REVIEWS = False
OSCAR_MODERATE_REVIEWS = True

OSCAR_DASHBOARD_NAVIGATION = [
    *OSCAR_DASHBOARD_NAVIGATION,
    {
        "label": _("Cooperatives"),
        "icon": "fas fa-seedling",
        "children": [
            {"label": _("Cooperatives"), "url_name": "dashboard:cooperative-list"},
            {"label": _("Sales"), "url_name": "dashboard:cooperative-sales"},
            {"label": _("Orders to ship"), "url_name": "dashboard:fulfilment"},
            {"label": _("After-sales"), "url_name": "dashboard:order-after-sales"},
            {"label": _("Invoices"), "url_name": "dashboard:invoice-list"},
            {"label": _("Packing list"), "url_name": "dashboard:packing-list"},
            {"label": _("Cooperative profile"), "url_name": "dashboard:cooperative-profile"},
            {"label": _("Certification reviews"), "url_name": "dashboard:certification-review"},
            {"label": _("Member households"), "url_name": "dashboard:household-list"},
            {"label": _("Import households"), "url_name": "dashboard:household-import"},
        ],
    },
    {
        "label": _("Organisation buyers"),
        "icon": "fas fa-building",
        "children": [
            {"label": _("Organisations"), "url_name": "dashboard:organisation-list"},
            {"label": _("Bank transfers"), "url_name": "dashboard:transfer-list"},
        ],
    },
    {
        "label": _("Search"),
        "icon": "fas fa-search",
        "children": [
            {"label": _("Search synonyms"), "url_name": "dashboard:search-synonym-list"},
            {"label": _("Search queries"), "url_name": "dashboard:search-report"},
        ],
    },
]

# Oscar needs Haystack installed, but listings and search are served from the database (see
# catalog/selectors.py): Haystack's SimpleEngine lists no products (django-oscar #4366).
HAYSTACK_CONNECTIONS = {"default": {"ENGINE": "haystack.backends.simple_backend.SimpleEngine"}}
HAYSTACK_SIGNAL_PROCESSOR = "haystack.signals.BaseSignalProcessor"

THUMBNAIL_KVSTORE = "sorl.thumbnail.kvstores.cached_db_kvstore.KVStore"
THUMBNAIL_CACHE = "default"
THUMBNAIL_PRESERVE_FORMAT = True
THUMBNAIL_QUALITY = 85

# --- Error reporting: Sentry when SENTRY_DSN is set ---------------------------------------------

SENTRY_DSN = env("SENTRY_DSN", default="")
if SENTRY_DSN:
    import sentry_sdk
    from sentry_sdk.integrations.celery import CeleryIntegration
    from sentry_sdk.integrations.django import DjangoIntegration

    from shop.logs import redact_event

    sentry_sdk.init(
        dsn=SENTRY_DSN,
        environment=env("SENTRY_ENVIRONMENT", default="production"),
        release=env("SENTRY_RELEASE", default=None),
        integrations=[DjangoIntegration(), CeleryIntegration()],
        send_default_pii=False,  # no user names, emails, addresses or cookies to a third party
        max_request_body_size="never",  # forms hold addresses and phone numbers
        include_local_variables=False,  # a frame's variables may hold a household's record
        before_send=redact_event,
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

READYZ_CELERY_PING_SECONDS = env.float("READYZ_CELERY_PING_SECONDS", default=1.0)
