"""Application configuration, read from environment variables.

With no ``DATABASE_URL`` the app uses an embedded SQLite file under ``instance/``;
with no ``REDIS_URL`` background jobs run in-process (see ``jobs/__init__.py``).
"""

import os
from datetime import timedelta

from jobs import redis_options

BASE_DIR = os.path.abspath(os.path.dirname(__file__))


def _sqlite_default() -> str:
    """Return the embedded default database URL (SQLite in ``instance/``)."""
    instance = os.path.join(BASE_DIR, "instance")
    os.makedirs(instance, exist_ok=True)
    return "sqlite:///" + os.path.join(instance, "cbccvc.db")


def database_url(url: str) -> str:
    """Pin PostgreSQL URLs to psycopg2 (SQLAlchemy 2.1 picks psycopg 3 for a bare ``postgresql://``)."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg2://" + url[len(prefix):]
    return url


class Config:
    """Runtime configuration. Every value can be overridden from the environment."""

    APP_NAME = "CSDL CBCCVC"
    APP_ICON = None
    SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-secret-key-change-me-0123456789abcdef")
    SQLALCHEMY_DATABASE_URI = database_url(os.environ.get("DATABASE_URL") or _sqlite_default())
    SQLALCHEMY_TRACK_MODIFICATIONS = False
    #: A connection the server dropped (restart, failover, pg_terminate_backend) is replaced before use
    #: instead of failing one request per pooled connection.
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    # PostgreSQL's price of a random page read for the app's connections (empty: the server's own setting): SSDs.
    DB_RANDOM_PAGE_COST = os.environ.get("DB_RANDOM_PAGE_COST", "1.1")
    REDIS_URL = os.environ.get("REDIS_URL") or None
    CITY_PROFILE = os.environ.get("CITY_PROFILE", "hanoi")
    #: A bulk approval queued longer than this without a worker is failed and its signing passphrase blanked.
    BULK_PASSPHRASE_TTL_MINUTES = int(os.environ.get("BULK_PASSPHRASE_TTL_MINUTES", "60"))
    # Background jobs (jobs/leases.py, jobs/reconcile.py): a running row without a heartbeat for this long has lost
    # its worker (re-queued, or failed after JOB_MAX_ATTEMPTS runs); a queued row untouched for
    # JOB_QUEUE_GRACE_SECONDS with no job in Redis is queued again; finished export files are deleted after
    # EXPORT_RETENTION_HOURS. REDIS_SOCKET_TIMEOUT (seconds) bounds how long a page waits for Redis.
    JOB_HEARTBEAT_TIMEOUT_SECONDS = int(os.environ.get("JOB_HEARTBEAT_TIMEOUT_SECONDS", "180"))
    JOB_QUEUE_GRACE_SECONDS = int(os.environ.get("JOB_QUEUE_GRACE_SECONDS", "120"))
    JOB_MAX_ATTEMPTS = int(os.environ.get("JOB_MAX_ATTEMPTS", "3"))
    EXPORT_RETENTION_HOURS = int(os.environ.get("EXPORT_RETENTION_HOURS", "72"))
    REDIS_SOCKET_TIMEOUT = float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2"))
    # Issue 20: /readyz bounds its database check (ms) and calls a verified backup older than
    # READYZ_BACKUP_MAX_AGE_DAYS "degraded"; a maintenance notice shows MAINTENANCE_NOTICE_LEAD_HOURS before its
    # start, each process re-reading the notices at most every MAINTENANCE_NOTICE_CACHE_SECONDS.
    READYZ_DB_TIMEOUT_MS = int(os.environ.get("READYZ_DB_TIMEOUT_MS", "2000"))
    READYZ_BACKUP_MAX_AGE_DAYS = float(os.environ.get("READYZ_BACKUP_MAX_AGE_DAYS", "35"))
    MAINTENANCE_NOTICE_LEAD_HOURS = float(os.environ.get("MAINTENANCE_NOTICE_LEAD_HOURS", "72"))
    MAINTENANCE_NOTICE_CACHE_SECONDS = float(os.environ.get("MAINTENANCE_NOTICE_CACHE_SECONDS", "60"))
    EXPORT_FOLDER = os.environ.get("EXPORT_FOLDER") or None
    # Issue 19: uploads of the bulk import and their error reports (default <UPLOAD_FOLDER>/imports), and the
    # largest upload accepted (bytes; below MAX_CONTENT_LENGTH).
    IMPORT_FOLDER = os.environ.get("IMPORT_FOLDER") or None
    IMPORT_MAX_BYTES = int(os.environ.get("IMPORT_MAX_BYTES", str(30 * 1024 * 1024)))
    #: Fault tests only: seconds a job sleeps per item, so that a worker can be killed mid-job. Keep 0.
    JOB_ITEM_DELAY_SECONDS = float(os.environ.get("JOB_ITEM_DELAY_SECONDS", "0"))
    # People an import's commit writes per transaction (issue 19: 50,000 people in minutes, not one round trip
    # per row); a crash loses at most one batch's work, which the re-run does again.
    IMPORT_COMMIT_BATCH = int(os.environ.get("IMPORT_COMMIT_BATCH", "250"))
    # Uploads with at least this many people are read by a second process while the dry run checks (two cores
    # busy instead of one); smaller ones are read in the job's own process.
    IMPORT_PARALLEL_MIN_ROWS = int(os.environ.get("IMPORT_PARALLEL_MIN_ROWS", "2000"))
    # Processes that write a large import's commit (each its share of the rows, its own transactions): the
    # commit is Python-bound, so two keep two cores busy.
    IMPORT_COMMIT_PROCESSES = int(os.environ.get("IMPORT_COMMIT_PROCESSES", str(min(2, os.cpu_count() or 1))))
    # Seconds the data-quality figures of a scope are kept before they are worked out again (0: never kept); the
    # page shows when they were worked out (issue 20: the month-end peak).
    QUALITY_CACHE_SECONDS = int(os.environ.get("QUALITY_CACHE_SECONDS", "300"))
    # Hours the figures a page read are kept warm by the periodic refresh (jobs.reports.refresh_kept_figures, every
    # 5 minutes), so that their next reader finds them ready.
    QUALITY_KEEP_WARM_HOURS = float(os.environ.get("QUALITY_KEEP_WARM_HOURS", "24"))
    # Seconds one refresh run may work for (the most recently read first); what is left waits for its next reader.
    QUALITY_REFRESH_BUDGET_SECONDS = float(os.environ.get("QUALITY_REFRESH_BUDGET_SECONDS", "120"))
    # Issue 18, the national sync's send job: records per request (at most 500), the wait before the first retry of
    # a batch the national side could not take (doubled each time, at most NATIONAL_SYNC_RETRY_MAX_SECONDS) and the
    # retries before the batch fails.
    NATIONAL_SYNC_CHUNK = int(os.environ.get("NATIONAL_SYNC_CHUNK", "500"))
    NATIONAL_SYNC_RETRY_SECONDS = float(os.environ.get("NATIONAL_SYNC_RETRY_SECONDS", "60"))
    NATIONAL_SYNC_RETRY_MAX_SECONDS = float(os.environ.get("NATIONAL_SYNC_RETRY_MAX_SECONDS", "3600"))
    NATIONAL_SYNC_MAX_RETRIES = int(os.environ.get("NATIONAL_SYNC_MAX_RETRIES", "8"))

    # Flask-AppBuilder: tables come only from Alembic; permissions only from `flask sync-roles`.
    FAB_CREATE_DB = False
    FAB_UPDATE_PERMS = False
    FAB_SECURITY_MANAGER_CLASS = "app.security.manager.SecurityManager"
    FAB_ADD_SECURITY_VIEWS = True
    AUTH_TYPE = 1  # AUTH_DB
    AUTH_ROLE_ADMIN = "Quản trị Sở Nội vụ"
    AUTH_ROLE_PUBLIC = "Public"
    FAB_INDEX_VIEW = "views.home.HomeView"
    FAB_BASE_TEMPLATE = "cbccvc_baselayout.html"

    # Vietnamese first, English second.
    BABEL_DEFAULT_LOCALE = "vi"
    BABEL_DEFAULT_TIMEZONE = "Asia/Ho_Chi_Minh"
    BABEL_TRANSLATION_DIRECTORIES = os.path.join(BASE_DIR, "translations")
    LANGUAGES = {
        "vi": {"flag": "vn", "name": "Tiếng Việt"},
        "en": {"flag": "gb", "name": "English"},
    }

    # Login security (HN-6.2, HCM-15.4): lockout, rate limit, idle timeout, password policy.
    AUTH_MAX_FAILED_LOGINS = int(os.environ.get("AUTH_MAX_FAILED_LOGINS", "5"))
    AUTH_RATE_LIMITED = True
    RATELIMIT_ENABLED = True
    AUTH_RATE_LIMIT = os.environ.get("AUTH_RATE_LIMIT", "10 per 20 second")
    RATELIMIT_STORAGE_URI = os.environ.get("REDIS_URL") or "memory://"
    # Redis is not on a page's critical path: with the limiter's storage unreachable, Flask-Limiter falls back to
    # a per-process in-memory limiter (logged: "Rate limit storage unreachable - falling back to in-memory
    # storage") and checks the storage again with a back-off; short socket timeouts keep a login from hanging.
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_SWALLOW_ERRORS = True
    RATELIMIT_STORAGE_OPTIONS = redis_options(float(os.environ.get("REDIS_SOCKET_TIMEOUT", "2")))
    SESSION_TIMEOUT_MINUTES = int(os.environ.get("SESSION_TIMEOUT_MINUTES", "30"))
    PERMANENT_SESSION_LIFETIME = timedelta(minutes=SESSION_TIMEOUT_MINUTES)
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # Security headers, CSRF and body caps (app/security/headers.py, app/security/csrf.py). The session cookie is
    # Secure by default whenever DATABASE_URL is set (a real deployment behind HTTPS), off in the embedded default;
    # FORCE_HTTPS=1 adds the HTTPS redirect and HSTS. MAX_CONTENT_LENGTH caps every body (the largest upload is a
    # SIGN_VERIFY_MAX_BYTES PDF); anonymous requests (login, lost password) get ANONYMOUS_MAX_CONTENT_LENGTH.
    SESSION_COOKIE_SECURE = os.environ.get("SESSION_COOKIE_SECURE",
                                           "1" if os.environ.get("DATABASE_URL") else "0") == "1"
    FORCE_HTTPS = os.environ.get("FORCE_HTTPS", "0") == "1"
    REFERRER_POLICY = os.environ.get("REFERRER_POLICY", "strict-origin-when-cross-origin")
    MAX_CONTENT_LENGTH = int(os.environ.get("MAX_CONTENT_LENGTH", str(32 * 1024 * 1024)))
    ANONYMOUS_MAX_CONTENT_LENGTH = int(os.environ.get("ANONYMOUS_MAX_CONTENT_LENGTH", str(64 * 1024)))
    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session (which expires after SESSION_TIMEOUT)
    PASSWORD_MIN_LENGTH = 10
    FAB_PASSWORD_COMPLEXITY_ENABLED = True

    UPLOAD_FOLDER = os.environ.get("UPLOAD_FOLDER") or os.path.join(BASE_DIR, "instance", "uploads")
    # Issue 20 item 3 (app/storage.py): where attachments, export results and kept import uploads live.
    # "local" (default): the folders UPLOAD_FOLDER / EXPORT_FOLDER / IMPORT_FOLDER; "s3": one S3-compatible
    # bucket shared by every web node and worker (keys <S3_PREFIX><area>/...). STORAGE_SCRATCH_DIR: the local
    # folder where files are built before they go to the bucket (default: the system temp folder).
    STORAGE_BACKEND = os.environ.get("STORAGE_BACKEND", "local")
    S3_ENDPOINT_URL = os.environ.get("S3_ENDPOINT_URL") or None
    S3_BUCKET = os.environ.get("S3_BUCKET") or None
    S3_ACCESS_KEY = os.environ.get("S3_ACCESS_KEY") or None
    S3_SECRET_KEY = os.environ.get("S3_SECRET_KEY") or None
    S3_REGION = os.environ.get("S3_REGION") or "us-east-1"
    S3_PREFIX = os.environ.get("S3_PREFIX", "")
    STORAGE_SCRATCH_DIR = os.environ.get("STORAGE_SCRATCH_DIR") or None

    PAGE_SIZE = 25
    # Maximum number of rows any picker / search endpoint returns.
    PICKER_LIMIT = 20

    # Field-level encryption (app/crypto.py). ENCRYPTION_KEYS = "kid1:base64,kid2:base64" (32-byte keys),
    # ENCRYPTION_ACTIVE_KEY = the kid for new values (default: the last listed), BLIND_INDEX_KEY = base64.
    # Without ENCRYPTION_KEYS, the embedded default (no DATABASE_URL) uses ENCRYPTION_KEYS_FILE, created on first
    # use with random keys and mode 0600; with DATABASE_URL set the keys are required.
    ENCRYPTION_KEYS = os.environ.get("ENCRYPTION_KEYS")
    ENCRYPTION_ACTIVE_KEY = os.environ.get("ENCRYPTION_ACTIVE_KEY")
    BLIND_INDEX_KEY = os.environ.get("BLIND_INDEX_KEY")
    ENCRYPTION_KEYS_FILE = None if os.environ.get("DATABASE_URL") else os.path.join(BASE_DIR, "instance", "keys.json")

    # Digital signatures (app/signing, app/pki.py). PKI_DIR holds the development CA made by `flask pki init-dev`
    # (root, TSA, CRL; dev-only keys) and the cached stamp font. PKI_TRUST_ROOTS / PKI_CRLS: os.pathsep-separated
    # PEM/DER files of the production CAs' roots and their CRLs (the dev root and dev CRL are added when present).
    # TSA_URL: RFC 3161 timestamp service; without it the dev TSA in PKI_DIR stamps offline (B-T for demo/tests).
    # PKCS11_PIN_ENV names the environment variable holding a server HSM's PIN (tokens of users get it typed).
    # PKI_DEV_ALLOWED: `flask pki init-dev` refuses to run unless true (default: only without DATABASE_URL).
    PKI_DIR = os.environ.get("PKI_DIR") or os.path.join(BASE_DIR, "instance", "pki")
    PKI_TRUST_ROOTS = [p for p in os.environ.get("PKI_TRUST_ROOTS", "").split(os.pathsep) if p]
    PKI_CRLS = [p for p in os.environ.get("PKI_CRLS", "").split(os.pathsep) if p]
    PKI_DEV_ALLOWED = os.environ.get("PKI_DEV_ALLOWED", "0" if os.environ.get("DATABASE_URL") else "1") == "1"
    TSA_URL = os.environ.get("TSA_URL") or None
    PKCS11_PIN_ENV = os.environ.get("PKCS11_PIN_ENV", "PKCS11_PIN")
    SIGN_STAMP_FONT = os.environ.get("SIGN_STAMP_FONT",
                                     "/usr/share/fonts/truetype/liberation2/LiberationSerif-Regular.ttf")
    SIGN_VERIFY_MAX_BYTES = int(os.environ.get("SIGN_VERIFY_MAX_BYTES", str(30 * 1024 * 1024)))
    SIGN_SIGNER_CACHE_SECONDS = int(os.environ.get("SIGN_SIGNER_CACHE_SECONDS", "300"))

    # Backups (issue 20, app/services/backups; HN-11, HCM-10). BACKUP_KEY: base64 of 32 random bytes (`flask backup
    # new-key`), never one of the field-encryption keys; BACKUP_OLD_KEYS: comma-separated earlier backup keys, to read
    # archives made before a key change. Archives go to BACKUP_STORAGE: "local" (the folder BACKUP_DIR) or "s3" (the
    # bucket BACKUP_S3_BUCKET, default S3_BUCKET, keys <S3_PREFIX>backups/..., through the S3_* endpoint settings);
    # unset, it follows STORAGE_BACKEND. Retention keeps every archive until a newer one
    # is BACKUP_RETENTION_MONTHS months old, and always the newest verified one. PG_BIN_DIR: the pg_dump/pg_restore
    # of the server's version (default: /usr/lib/postgresql/<server major>/bin when present, else PATH).
    # BACKUP_VERIFY_URL: the server where `flask backup verify` makes its scratch database (default: the app's
    # database server; the role needs CREATEDB). BACKUP_VERIFY_SAMPLE: encrypted values decrypted per column.
    BACKUP_KEY = os.environ.get("BACKUP_KEY") or None
    BACKUP_OLD_KEYS = os.environ.get("BACKUP_OLD_KEYS") or None
    BACKUP_DIR = os.environ.get("BACKUP_DIR") or os.path.join(BASE_DIR, "instance", "backups")
    BACKUP_STORAGE = os.environ.get("BACKUP_STORAGE") or None
    BACKUP_S3_BUCKET = os.environ.get("BACKUP_S3_BUCKET") or None
    BACKUP_RETENTION_MONTHS = int(os.environ.get("BACKUP_RETENTION_MONTHS", "3"))
    BACKUP_VERIFY_URL = os.environ.get("BACKUP_VERIFY_URL") or None
    BACKUP_VERIFY_SAMPLE = int(os.environ.get("BACKUP_VERIFY_SAMPLE", "20"))
    PG_BIN_DIR = os.environ.get("PG_BIN_DIR") or None

    # Reminders and e-mail (jobs/reminders.py, app/mail.py). No MAIL_SERVER: e-mail is skipped (and logged), the
    # bell still works. MAIL_USE_TLS = STARTTLS on MAIL_PORT. APP_BASE_URL prefixes the links in e-mails.
    # REMINDER_HORIZON_WORKDAYS: remind of deadlines this many working days ahead (and of overdue ones);
    # MAIL_RETRY_DAYS: notifications not e-mailed yet (no server, a failure) are retried this many days.
    MAIL_SERVER = os.environ.get("MAIL_SERVER") or None
    MAIL_PORT = int(os.environ.get("MAIL_PORT", "25"))
    MAIL_FROM = os.environ.get("MAIL_FROM", "CSDL CBCCVC <no-reply@cbccvc.local>")
    MAIL_USE_TLS = os.environ.get("MAIL_USE_TLS", "0") == "1"
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME") or None
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD") or None
    MAIL_TIMEOUT = int(os.environ.get("MAIL_TIMEOUT", "20"))
    MAIL_RETRY_DAYS = int(os.environ.get("MAIL_RETRY_DAYS", "7"))
    APP_BASE_URL = os.environ.get("APP_BASE_URL", "http://127.0.0.1:5000")
    REMINDER_HORIZON_WORKDAYS = int(os.environ.get("REMINDER_HORIZON_WORKDAYS", "2"))
    # Compliance per unit (HN-21.3): a file counts as complete from this completeness (0–100).
    COMPLETENESS_THRESHOLD = int(os.environ.get("COMPLETENESS_THRESHOLD", "100"))

    # The national CBCCVC database (issue 18, docs/national-api.md; app/national/client.py reads these).
    #: Base URL of the national API, without "/v1" (e.g. the city's LGSP gateway). Unset: nothing is sent.
    NATIONAL_API_URL = os.environ.get("NATIONAL_API_URL") or None
    #: The connection key Bộ Nội vụ issued to the city (HN-13), sent as the X-API-Key header. Keep it secret.
    NATIONAL_API_KEY = os.environ.get("NATIONAL_API_KEY") or None
    #: Mutual TLS where the national side requires it: PEM file of the city's client certificate (with its key,
    #: or the key in NATIONAL_API_CLIENT_KEY).
    NATIONAL_API_CLIENT_CERT = os.environ.get("NATIONAL_API_CLIENT_CERT") or None
    #: PEM file of the client certificate's private key, when it is not inside NATIONAL_API_CLIENT_CERT.
    NATIONAL_API_CLIENT_KEY = os.environ.get("NATIONAL_API_CLIENT_KEY") or None
    #: PEM bundle of the CA(s) that sign the national server's certificate (default: the system's trust store).
    NATIONAL_API_CA = os.environ.get("NATIONAL_API_CA") or None
    #: Seconds each network step (connect, send, each read) may take before the call counts as unavailable.
    NATIONAL_API_TIMEOUT = float(os.environ.get("NATIONAL_API_TIMEOUT", "30"))
    #: Retries of one call on retriable errors (timeout, drop, 5xx, 429, an untrustworthy answer).
    NATIONAL_API_RETRIES = int(os.environ.get("NATIONAL_API_RETRIES", "2"))
    #: First wait between retries in seconds (doubled each time; a Retry-After up to 30 s wins).
    NATIONAL_API_BACKOFF = float(os.environ.get("NATIONAL_API_BACKOFF", "0.5"))
    #: Largest answer body accepted from the national side (bytes, after decompression); more is refused.
    NATIONAL_API_MAX_BODY_BYTES = int(os.environ.get("NATIONAL_API_MAX_BODY_BYTES", str(50 * 1024 * 1024)))


class TestConfig(Config):
    """Configuration for the test suite: PostgreSQL and Redis, never SQLite."""

    TESTING = True
    WTF_CSRF_ENABLED = False
    SESSION_COOKIE_SECURE = False
    FORCE_HTTPS = False
    SQLALCHEMY_DATABASE_URI = database_url(
        os.environ.get("TEST_DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/cbccvc_test")
    )
    REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    # Many logins from 127.0.0.1 in a row: the limit itself is tested with a stricter app.
    AUTH_RATE_LIMIT = "1000 per minute"
    RATELIMIT_STORAGE_URI = "memory://"
    # Fixed test keys (never use outside tests): two kids, "t1" active; tests make "t2" active to rotate.
    ENCRYPTION_KEYS = (
        "t1:GMdZElsFaNn/Wb8KZYtgP/9kYyhZr+LBitd2MJEBiug=,"
        "t2:fp1nJGNd044GBw4wGh09tBeua0caKttHt1tOQdcTo3k="
    )
    ENCRYPTION_ACTIVE_KEY = "t1"
    BLIND_INDEX_KEY = "ujpCHZrrK2Wquopy82B7IQ8QasrXduLDILGhHX6oipo="
    ENCRYPTION_KEYS_FILE = None
    # Tests see the figures of the moment (the cache itself is tested with it turned on).
    QUALITY_CACHE_SECONDS = 0
    # Fixed test backup key (never use outside tests); the backup tests point BACKUP_DIR at a temporary folder.
    BACKUP_KEY = "q0n3Xb8mJ2kY1S9vW4cR7tZ5pL6hG0fD3aE8uI2oN1M="
    # The signing tests make their own dev CA in a temporary PKI_DIR.
    PKI_DEV_ALLOWED = True
