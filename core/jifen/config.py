"""Configuration from environment variables. docs/configuration.md lists every one of them."""

from __future__ import annotations

import os
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

REPO_ROOT = Path(__file__).resolve().parents[2]  # core/jifen/config.py


def instance_path() -> Path:
    """The instance folder: JIFEN_INSTANCE_PATH, or instance/ beside core/ (the embedded default)."""
    return Path(os.environ.get("JIFEN_INSTANCE_PATH") or REPO_ROOT / "instance")


class ConfigError(RuntimeError):
    """The deployment is misconfigured; raised at start-up, never papered over with a default."""


def _default_sqlite_url(instance_path: Path) -> str:
    return f"sqlite:///{instance_path / 'jifen.db.session'}"


def load_config(instance_path: Path, overrides: dict | None = None) -> dict:
    env = os.environ
    overrides = dict(overrides or {})
    mode = overrides.get("JIFEN_ENV") or env.get("JIFEN_ENV", "development")
    if mode not in {"development", "production", "testing"}:
        raise ConfigError(f"JIFEN_ENV must be development, production or testing, not {mode!r}")

    secret = overrides.get("SECRET_KEY") or env.get("SECRET_KEY")
    if not secret:
        if mode == "production":
            raise ConfigError("SECRET_KEY is not set: it is required outside development")
        secret = "dev-only-secret-key-not-for-production"

    database_url = overrides.get("DATABASE_URL") or env.get("DATABASE_URL") or _default_sqlite_url(instance_path)
    config = {
        "JIFEN_ENV": mode,
        "SECRET_KEY": secret,
        # Key for personal data at rest (national ID numbers); derived from SECRET_KEY when unset.
        "JIFEN_DATA_KEY": env.get("JIFEN_DATA_KEY") or None,
        "DATABASE_URL": database_url,
        # Migrations run as the tables' owner; the application connects as a role that is not.
        "DATABASE_OWNER_URL": env.get("DATABASE_OWNER_URL") or database_url,
        "REDIS_URL": env.get("REDIS_URL") or None,
        "JIFEN_TENANTS_DIR": env.get("JIFEN_TENANTS_DIR") or str(REPO_ROOT / "tenants"),
        "JIFEN_MIGRATIONS_DIR": env.get("JIFEN_MIGRATIONS_DIR") or str(REPO_ROOT / "migrations"),
        # Host names served without a /<county>/ prefix lookup (the embedded default).
        "JIFEN_PLATFORM_HOSTS": [
            h.strip() for h in env.get("JIFEN_PLATFORM_HOSTS", "localhost,127.0.0.1").split(",") if h.strip()
        ],
        "MAX_CONTENT_LENGTH": int(env.get("JIFEN_MAX_CONTENT_LENGTH", 8 * 1024 * 1024)),
        # Evidence files: where they are kept (outside the web root) and how large one may be.
        "JIFEN_EVIDENCE_DIR": env.get("JIFEN_EVIDENCE_DIR") or None,
        # Which store holds them (jifen.storage): "folder" (the default) or "database", shared by every server.
        "JIFEN_STORAGE": env.get("JIFEN_STORAGE") or "folder",
        "JIFEN_MAX_UPLOAD_BYTES": int(env.get("JIFEN_MAX_UPLOAD_BYTES", 5 * 1024 * 1024)),
        "MAX_FORM_MEMORY_SIZE": 500 * 1024,  # text fields; files stream to disk
        "MAX_FORM_PARTS": 200,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_SECURE": mode == "production",
        "REMEMBER_COOKIE_HTTPONLY": True,
        "BABEL_DEFAULT_LOCALE": "zh_Hans_CN",
        "BABEL_TRANSLATION_DIRECTORIES": str(Path(__file__).resolve().parent / "translations"),
        "WTF_CSRF_TIME_LIMIT": None,
        "RATELIMIT_ENABLED": env.get("JIFEN_RATELIMIT", "on") != "off",
        "RATELIMIT_HEADERS_ENABLED": True,
        "JIFEN_LOGIN_RATE_LIMIT": env.get("JIFEN_LOGIN_RATE_LIMIT", "10 per minute"),
        # Number of reverse proxies in front of the app whose X-Forwarded-* headers are trusted.
        "JIFEN_TRUSTED_PROXIES": int(env.get("JIFEN_TRUSTED_PROXIES", "0")),
        # Who may read /metrics (jifen.http.metrics): a bearer token, or these client addresses (IPs, CIDRs).
        "JIFEN_METRICS_TOKEN": env.get("JIFEN_METRICS_TOKEN") or None,
        "JIFEN_METRICS_ALLOW": env.get("JIFEN_METRICS_ALLOW", "127.0.0.1/32,::1/128"),
        # The zone of every "today" and "now" of the scheme (jifen.clock); a county may set its own.
        "JIFEN_TIME_ZONE": env.get("JIFEN_TIME_ZONE") or "Asia/Shanghai",
    }
    # Background work (jifen.jobs): RQ workers where Redis is configured, else a thread of this
    # process; tests run a job right after the commit that asked for it.
    jobs = env.get("JIFEN_JOBS") or ("inline" if mode == "testing" else "rq" if config["REDIS_URL"] else "thread")
    config["JIFEN_JOBS"] = jobs
    config["JIFEN_QUEUE"] = env.get("JIFEN_QUEUE") or "jifen"  # the RQ queue's name
    config["JIFEN_TICK_SECONDS"] = int(env.get("JIFEN_TICK_SECONDS", "60"))
    config["JIFEN_JOB_TIMEOUT"] = int(env.get("JIFEN_JOB_TIMEOUT", "3600"))
    # A ranking run of at least this many applications writes tables of its own on PostgreSQL
    # (jifen.ranking.run_tables); tests give every run its own, so that the way is always exercised.
    config["JIFEN_RANKING_OWN_TABLES_FROM"] = int(env.get("JIFEN_RANKING_OWN_TABLES_FROM",
                                                          "0" if mode == "testing" else "10000"))
    config["RATELIMIT_STORAGE_URI"] = config["REDIS_URL"] or "memory://"
    # Redis unreachable: limits are counted in this process's memory (Flask-Limiter logs a warning) and
    # logins keep working; half a second at most is spent finding out.
    config["RATELIMIT_IN_MEMORY_FALLBACK_ENABLED"] = True
    config["RATELIMIT_STORAGE_OPTIONS"] = {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}
    config.update(overrides)
    try:
        ZoneInfo(config["JIFEN_TIME_ZONE"])
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(f"JIFEN_TIME_ZONE={config['JIFEN_TIME_ZONE']!r} is not a time zone (for example Asia/Shanghai)") from None
    if config["JIFEN_STORAGE"] not in ("folder", "database"):
        raise ConfigError(f"JIFEN_STORAGE must be folder or database, not {config['JIFEN_STORAGE']!r}")
    if config["JIFEN_JOBS"] not in ("rq", "thread", "inline"):
        raise ConfigError(f"JIFEN_JOBS must be rq, thread or inline, not {config['JIFEN_JOBS']!r}")
    if config["JIFEN_JOBS"] == "rq" and not config["REDIS_URL"]:
        raise ConfigError("JIFEN_JOBS=rq needs REDIS_URL (the queue lives in Redis)")
    if config["JIFEN_ENV"] == "testing":
        config.setdefault("TESTING", True)
    return config
