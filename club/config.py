"""Configuration classes. Every setting that differs between machines comes from the environment."""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def _bool(name: str, default: bool = False) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def _int(name: str, default: int) -> int:
    value = os.environ.get(name)
    return int(value) if value else default


class Config:
    CLUB_NAME = os.environ.get("CLUB_NAME", "Club Esperienza Cliente")
    SECRET_KEY = os.environ.get("SECRET_KEY")
    SQLALCHEMY_DATABASE_URI = os.environ.get("DATABASE_URL")
    # PostgreSQL's pool gets its options in club._configure_pool (pre-ping among them); an SQLite file
    # cannot drop a connection, so it pays for no ping.
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    # The pool of each web worker, on PostgreSQL (SQLite keeps SQLAlchemy's defaults): workers x
    # (size + overflow) must stay below the server's max_connections.
    DATABASE_POOL_SIZE = _int("DATABASE_POOL_SIZE", 5)
    DATABASE_MAX_OVERFLOW = _int("DATABASE_MAX_OVERFLOW", 10)
    DATABASE_POOL_TIMEOUT = _int("DATABASE_POOL_TIMEOUT", 10)
    DATABASE_POOL_RECYCLE = _int("DATABASE_POOL_RECYCLE", 1800)
    # How many reverse proxies stand in front of the app and set X-Forwarded-For/-Proto/-Host: 0
    # trusts none (a visitor could claim any address or scheme), 1 for nginx on the same host.
    TRUSTED_PROXIES = _int("TRUSTED_PROXIES", 0)
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "http")
    # Where the site lives, for links in emails sent outside a request (CLI, scheduler).
    SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:5000")
    SERVER_NAME = os.environ.get("SERVER_NAME") or None

    # Mail: "smtp" in production, "mailbox" (files in the instance folder) in development,
    # "memory" in tests.
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "smtp")
    MAIL_SERVER = os.environ.get("MAIL_SERVER", "localhost")
    MAIL_PORT = _int("MAIL_PORT", 25)
    MAIL_USE_TLS = _bool("MAIL_USE_TLS")
    MAIL_USE_SSL = _bool("MAIL_USE_SSL")
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = os.environ.get("MAIL_DEFAULT_SENDER", "Club CX <noreply@localhost>")
    MAIL_TIMEOUT = _int("MAIL_TIMEOUT", 20)
    # The mailto half of List-Unsubscribe; empty means unsubscribe@<the sender's domain>.
    MAIL_UNSUBSCRIBE_ADDRESS = os.environ.get("MAIL_UNSUBSCRIBE_ADDRESS", "")

    # The outbox: how many messages one drain claims, how long a claim lasts before another sender
    # may take the message over, and how often a temporary failure is retried (with growing pauses).
    OUTBOX_BATCH = _int("OUTBOX_BATCH", 200)
    OUTBOX_LEASE_SECONDS = _int("OUTBOX_LEASE_SECONDS", 600)
    OUTBOX_MAX_ATTEMPTS = _int("OUTBOX_MAX_ATTEMPTS", 8)
    OUTBOX_RETRY_BASE_SECONDS = _int("OUTBOX_RETRY_BASE_SECONDS", 60)

    # Digests: at most this many case studies each; after this many permanent failures an address
    # receives no more digests.
    DIGEST_MAX_CASES = 8
    DIGEST_BOUNCE_LIMIT = 3
    SUBSCRIBE_RATE_LIMIT = os.environ.get("SUBSCRIBE_RATE_LIMIT", "5 per 15 minutes;20 per day")

    BABEL_DEFAULT_LOCALE = "it"
    BABEL_DEFAULT_TIMEZONE = "Europe/Rome"
    LANGUAGES = ("it", "en")

    RATELIMIT_STORAGE_URI = os.environ.get("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    LOGIN_RATE_LIMIT = os.environ.get("LOGIN_RATE_LIMIT", "10 per minute;50 per hour")
    RESET_RATE_LIMIT = os.environ.get("RESET_RATE_LIMIT", "5 per 15 minutes;20 per day")

    # Uploaded files (avatars, covers, attachments): the instance folder, unless a bucket of
    # S3-compatible object storage is named, which several web hosts can share. The endpoint is for
    # MinIO, Ceph and the like (empty for AWS); credentials come from boto3's usual chain
    # (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, a profile or an instance role).
    STORAGE_S3_BUCKET = os.environ.get("STORAGE_S3_BUCKET") or None
    STORAGE_S3_ENDPOINT_URL = os.environ.get("STORAGE_S3_ENDPOINT_URL") or None
    STORAGE_S3_REGION = os.environ.get("STORAGE_S3_REGION") or None
    STORAGE_S3_PREFIX = os.environ.get("STORAGE_S3_PREFIX", "")

    # The whole request body; single uploads have their own, smaller limits in their forms.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 12 * 1024 * 1024)
    AVATAR_MAX_BYTES = 5 * 1024 * 1024

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 60 * 60 * 24 * 30

    WTF_CSRF_TIME_LIMIT = None  # the token lives as long as the session

    VERIFY_TOKEN_MAX_AGE = 48 * 3600
    RESET_TOKEN_MAX_AGE = 2 * 3600
    EMAIL_CHANGE_TOKEN_MAX_AGE = 48 * 3600

    # argon2id parameters (argon2-cffi defaults: RFC 9106 low-memory profile).
    ARGON2_TIME_COST = 3
    ARGON2_MEMORY_COST = 64 * 1024
    ARGON2_PARALLELISM = 4

    DEV_MAILBOX = False
    DIRECTORY_PAGE_SIZE = 24
    # Page views and visits are written after the response, in batches (club/core/deferred.py).
    DEFERRED_WRITES_DELAY = float(os.environ.get("DEFERRED_WRITES_DELAY", "5"))
    DEFERRED_WRITES_BATCH = _int("DEFERRED_WRITES_BATCH", 500)
    # Whole pages kept in each worker's memory, valid until the data or the minute changes
    # (club/core/pagecache.py); 0 turns the cache off.
    PAGE_CACHE_MAX_BYTES = _int("PAGE_CACHE_MAX_BYTES", 64 * 1024 * 1024)


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = os.environ.get("PREFERRED_URL_SCHEME", "https")

    @classmethod
    def check(cls, app) -> None:
        key = app.config.get("SECRET_KEY")
        if not key or len(key) < 32 or key.lower().startswith(("change", "dev", "secret")):
            raise RuntimeError(
                "SECRET_KEY is missing or too weak: set a random value of at least 32 characters "
                "(python -c 'import secrets; print(secrets.token_hex(32))')."
            )
        if app.config.get("RATELIMIT_STORAGE_URI", "memory://").startswith("memory://"):
            app.logger.warning(
                "RATELIMIT_STORAGE_URI is memory://: each worker process keeps its own rate-limit counters, "
                "so with N workers a limit is N times looser. Set it to a shared store (redis://...)."
            )


class DevelopmentConfig(Config):
    DEBUG = True
    TEMPLATES_AUTO_RELOAD = True
    MAIL_BACKEND = os.environ.get("MAIL_BACKEND", "mailbox")
    DEV_MAILBOX = True

    @classmethod
    def check(cls, app) -> None:
        if not app.config.get("SECRET_KEY"):
            # A per-checkout random key kept in the instance folder, so sessions survive restarts
            # and no key is ever committed.
            key_file = Path(app.instance_path) / "secret_key"
            if not key_file.exists():
                key_file.write_text(secrets.token_hex(32))
            app.config["SECRET_KEY"] = key_file.read_text().strip()


class TestingConfig(Config):
    TESTING = True
    SECRET_KEY = "testing-key-not-used-anywhere-else-0123456789"  # noqa: S105 - tests only
    MAIL_BACKEND = "memory"
    SQLALCHEMY_ENGINE_OPTIONS: dict = {}
    ARGON2_TIME_COST = 1
    ARGON2_MEMORY_COST = 8
    ARGON2_PARALLELISM = 1
    SERVER_NAME = None
    RATELIMIT_STORAGE_URI = "memory://"
    STORAGE_S3_BUCKET = None  # a bucket named in the developer's environment is not for the tests
    DEFERRED_WRITES_DELAY = 0.0  # written as each request ends, so a test reads them at once

    @classmethod
    def check(cls, app) -> None:
        return None


CONFIGS = {
    "production": ProductionConfig,
    "development": DevelopmentConfig,
    "testing": TestingConfig,
}


def config_from_env() -> type[Config]:
    name = os.environ.get("CLUB_ENV", "production").strip().lower()
    if name not in CONFIGS:
        raise RuntimeError(f"CLUB_ENV must be one of {', '.join(CONFIGS)}, not {name!r}")
    return CONFIGS[name]
