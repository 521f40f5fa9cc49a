"""Configuration read from the environment (and `.env`, loaded by the app factory).

Every variable is documented in `.env.example`. Three classes: development
(the default), testing and production; `create_app()` picks one by name.
"""

import os
from email.utils import parseaddr
from pathlib import Path
from urllib.parse import urlsplit

from dotenv import load_dotenv

BASE_DIR = Path(__file__).resolve().parent
load_dotenv(BASE_DIR / ".env")

# Public, so it signs nothing but tests' sessions (TestingConfig). Development without a
# SECRET_KEY generates its own into instance/secret_key (dashboard.keys); production needs one.
DEFAULT_SECRET_KEY = "dev-only-not-secret"
MIN_SECRET_KEY_LENGTH = 32
# Development's sender: a domain nobody's mail server will take mail from (RFC 2606);
# production must name the clinic's own.
DEFAULT_SENDER = "reception@harbourside.example.org"
DEFAULT_PAYMENT_INSTRUCTIONS = "Pay at reception by card or cash, or call us and we'll help you pay."


def _env(name: str, default: str = "") -> str:
    return os.environ.get(name, default).strip()


def _env_bool(name: str, default: bool) -> bool:
    value = _env(name)
    if not value:
        return default
    return value.lower() in {"1", "true", "yes", "on"}


def _env_int(name: str, default: int) -> int:
    value = _env(name)
    return int(value) if value else default


def normalise_database_url(url: str) -> str:
    """Point bare PostgreSQL URLs at psycopg 3, the driver we ship."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def dev_server() -> tuple[str, str]:
    """The host and port `make run` serves the web process on: HOST and PORT."""
    return _env("HOST") or "127.0.0.1", _env("PORT") or "5000"


def served_url(host: str, port: str) -> str:
    """The address a browser on this machine reaches a server bound to `host`:`port` at."""
    if host == "0.0.0.0":  # every IPv4 interface, loopback among them
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


class Config:
    # Unset: development generates one into instance/secret_key (see dashboard.keys).
    SECRET_KEY = _env("SECRET_KEY")

    # Unset: SQLite under instance/ (see dashboard.database).
    SQLALCHEMY_DATABASE_URI = normalise_database_url(_env("DATABASE_URL"))
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}

    # Unset: the embedded redis-server's socket under instance/ (see dashboard.redis_server),
    # which only `make run` (and the test session) starts; production requires it set.
    REDIS_URL = _env("REDIS_URL")

    MAIL_BACKEND = _env("MAIL_BACKEND", "outbox")  # smtp | console | outbox
    MAIL_SERVER = _env("MAIL_SERVER", "localhost")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = _env("MAIL_USERNAME") or None
    MAIL_PASSWORD = _env("MAIL_PASSWORD") or None
    # An address alone gets CLINIC_NAME as its display name; "Name <address>" keeps its own.
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", DEFAULT_SENDER)
    CLINIC_REPLY_TO = _env("CLINIC_REPLY_TO")  # where patients' replies go, if not to the sender
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    MAIL_EHLO_HOSTNAME = _env("MAIL_EHLO_HOSTNAME", "localhost")
    MAIL_MAX_ATTEMPTS = _env_int("MAIL_MAX_ATTEMPTS", 8)
    # Retry n waits about OUTBOX_RETRY_BASE * 2^(n-1) seconds (jittered), at most OUTBOX_RETRY_CAP.
    OUTBOX_RETRY_BASE = float(_env("OUTBOX_RETRY_BASE", "30"))
    OUTBOX_RETRY_CAP = float(_env("OUTBOX_RETRY_CAP", "3600"))
    # A row `sending` for longer than this was left by a killed worker and is requeued.
    OUTBOX_SENDING_TIMEOUT = _env_int("OUTBOX_SENDING_TIMEOUT", 900)
    OUTBOX_BATCH_SIZE = _env_int("OUTBOX_BATCH_SIZE", 100)
    OUTBOX_SWEEP_LIMIT = _env_int("OUTBOX_SWEEP_LIMIT", 20000)
    ADMIN_NOTIFICATION_EMAILS = _env("ADMIN_NOTIFICATION_EMAILS")

    # The address patients and staff reach the site at, for links in emails. Unset: where
    # `make run` serves (HOST, PORT), so `PORT=8000 make run` links to :8000 from web,
    # worker and cron alike (each reads the same environment).
    BASE_URL = _env("BASE_URL") or served_url(*dev_server())

    CLINIC_NAME = _env("CLINIC_NAME", "Harbourside Clinic")
    CLINIC_ADDRESS = _env("CLINIC_ADDRESS", "12 Quay Street, Auckland 1010")
    CLINIC_PHONE = _env("CLINIC_PHONE", "+64 9 555 0100")
    CLINIC_TIMEZONE = _env("CLINIC_TIMEZONE", "Pacific/Auckland")
    CLINIC_BRAND_COLOUR = _env("CLINIC_BRAND_COLOUR", "#0b6e69")
    CLINIC_CURRENCY_SYMBOL = _env("CLINIC_CURRENCY_SYMBOL", "$")
    # The logo's id (clinic_logos), set by uploading one on /admin/settings; empty: none.
    CLINIC_LOGO = ""
    # Settings the owner may not change on /admin/settings (comma-separated keys, e.g.
    # "CLINIC_TIMEZONE,MAIL_DEFAULT_SENDER"): the page shows them as "set by the server".
    SETTINGS_LOCKED = _env("SETTINGS_LOCKED")

    # Appointments. Reminders go REMINDER_HOURS ahead (comma-separated for
    # several, e.g. "24,2"); the cron scans on REMINDER_CRON (UTC crontab).
    REMINDER_HOURS = _env("REMINDER_HOURS", "24")
    REMINDER_CRON = _env("REMINDER_CRON", "5 * * * *")
    # Hold the patient's emails about a change this long, so a booking undone
    # within it sends nothing (0: send at once).
    PATIENT_EMAIL_GRACE_MINUTES = _env_int("PATIENT_EMAIL_GRACE_MINUTES", 0)

    # New availability: "everyone" (all interested patients at once, first come
    # first served) or "one_at_a_time" (each new slot held for the next person
    # in line for OFFER_HOLD_MINUTES, then passed on).
    OFFER_MODE = _env("OFFER_MODE", "everyone")
    OFFER_HOLD_MINUTES = _env_int("OFFER_HOLD_MINUTES", 120)
    # Slots that open for one practitioner within this many seconds of the first go out
    # as one fan-out at the window's end: one email per patient, not one per cancellation
    # (0: a fan-out per change, queued at once).
    OFFER_COALESCE_SECONDS = _env_int("OFFER_COALESCE_SECONDS", 60)

    # Billing. Tax is added to every invoice at CLINIC_TAX_RATE (e.g. 0.15; 0: none).
    CLINIC_TAX_RATE = _env("CLINIC_TAX_RATE", "0")
    CLINIC_TAX_LABEL = _env("CLINIC_TAX_LABEL", "Tax")
    INVOICE_DUE_DAYS = _env_int("INVOICE_DUE_DAYS", 14)
    # How to pay, on invoices and reminders. The default says only what is true of any
    # clinic; a clinic that takes bank transfers sets it to give its account.
    PAYMENT_INSTRUCTIONS = _env("PAYMENT_INSTRUCTIONS") or DEFAULT_PAYMENT_INSTRUCTIONS
    # Overdue reminders: invoices at least PAYMENT_REMINDER_DAYS overdue, once per
    # invoice every PAYMENT_REMINDER_DAYS, scanned on PAYMENT_REMINDER_CRON (UTC crontab;
    # weekly by default: Sunday 21:00 UTC is Monday morning in New Zealand).
    PAYMENT_REMINDER_DAYS = _env_int("PAYMENT_REMINDER_DAYS", 7)
    PAYMENT_REMINDER_CRON = _env("PAYMENT_REMINDER_CRON", "0 21 * * 0")
    # Quiet hours, clinic time, e.g. "20:00-08:00": optional emails (reminders, offers, payment
    # reminders) wait in the outbox until they end. Empty: no quiet hours.
    QUIET_HOURS = _env("QUIET_HOURS")

    # A front desk keeps one page open all shift: the CSRF token lives as
    # long as the session instead of Flask-WTF's default hour.
    WTF_CSRF_TIME_LIMIT = None
    # How long a login lasts; the owner may change it on /admin/settings (dashboard.sessions reads it).
    SESSION_HOURS = _env_int("SESSION_HOURS", 12)
    PERMANENT_SESSION_LIFETIME = SESSION_HOURS * 3600
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # "Keep me logged in": this many days (Flask-Login's default is a year); a logout, a password
    # change or a deactivation ends it sooner (the user's session version, in the cookie).
    # Flask-Login's REMEMBER_COOKIE_DURATION is set from it (dashboard.security).
    REMEMBER_DAYS = _env_int("REMEMBER_DAYS", 14)
    REMEMBER_COOKIE_SAMESITE = "Lax"

    # Failed-login throttling (dashboard.auth.throttle; Flask-Limiter's storage, the same Redis):
    # per username and address together, per username from anywhere, per address (a clinic's
    # desks share one). Reaching one is a lock the owner sees, and can lift, on the Users page.
    LOGIN_LIMIT_PER_ACCOUNT_ADDRESS = _env("LOGIN_LIMIT_PER_ACCOUNT_ADDRESS", "5 per 15 minutes")
    LOGIN_LIMIT_PER_ACCOUNT = _env("LOGIN_LIMIT_PER_ACCOUNT", "50 per 15 minutes")
    LOGIN_LIMIT_PER_IP = _env("LOGIN_LIMIT_PER_IP", "100 per 15 minutes")
    RATELIMIT_SWALLOW_ERRORS = True  # a Redis outage must not lock everyone out
    RATELIMIT_HEADERS_ENABLED = False
    RATELIMIT_KEY_PREFIX = "dashboard-limits"

    PASSWORD_HASH_METHOD = "scrypt"
    LOG_LEVEL = _env("LOG_LEVEL", "INFO")
    DEMO_PASSWORD = _env("DEMO_PASSWORD", "clinic-demo")


class DevelopmentConfig(Config):
    DEBUG = False  # the dev stack runs several processes; the reloader would fork more


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = DEFAULT_SECRET_KEY
    RATELIMIT_KEY_PREFIX = "dashboard-limits-test"
    PASSWORD_HASH_METHOD = "pbkdf2:sha256:1000"  # fast for tests; production keeps scrypt
    # At once, so tests of a fan-out needn't wait out a window; the coalescing tests set one.
    OFFER_COALESCE_SECONDS = _env_int("OFFER_COALESCE_SECONDS", 0)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"
    MAIL_BACKEND = _env("MAIL_BACKEND", "smtp")

    @staticmethod
    def check(config) -> None:
        """Refuse to start on settings that would be unsafe in production."""
        key = config.get("SECRET_KEY") or ""
        # ASCII: Flask-Login signs remember cookies with the key encoded as Latin-1, so a key with
        # a macron in it would fail every "keep me logged in".
        if (
            key == DEFAULT_SECRET_KEY
            or len(key) < MIN_SECRET_KEY_LENGTH
            or len(set(key)) == 1
            or not (key.isascii() and key.isprintable())
        ):
            raise RuntimeError(
                f"SECRET_KEY must be set to a long random value in production: at least "
                f"{MIN_SECRET_KEY_LENGTH} ASCII characters, not one character repeated "
                "(python -c 'import secrets; print(secrets.token_urlsafe(48))'). It signs sessions "
                "and patients' links: anyone who knows it can log in as anyone."
            )
        if not config.get("REDIS_URL"):
            raise RuntimeError(
                "REDIS_URL must be set in production (e.g. redis://redis:6379/0): the queues, the "
                "cron and the login throttles live there, and production never starts an embedded Redis."
            )
        sender = parseaddr(config.get("MAIL_DEFAULT_SENDER") or "")[1]
        domain = sender.rpartition("@")[2]
        if sender == DEFAULT_SENDER or "." not in domain or domain.endswith((".localhost", ".invalid")):
            raise RuntimeError(
                "MAIL_DEFAULT_SENDER must be the clinic's own address at its own domain in production "
                "(e.g. 'Harbourside Clinic <reception@harbourside.co.nz>'): receiving servers refuse mail "
                "from a domain that isn't the sender's, and Message-IDs are made on it."
            )
        host = urlsplit(config.get("BASE_URL") or "").hostname or ""
        if host in ("", "localhost", "::1") or host.startswith("127."):
            raise RuntimeError(
                "BASE_URL must be the clinic's public address in production "
                "(e.g. https://dashboard.harbourside.co.nz): every link in every email is made on it, "
                "and patients can't open 127.0.0.1."
            )


CONFIGS = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}
