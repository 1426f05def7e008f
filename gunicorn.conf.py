"""gunicorn settings: `gunicorn -c gunicorn.conf.py app:app` (or `make serve`).

Every value can be overridden from the environment (GUNICORN_*), so one file serves a laptop and a
server. The web workers never run the scheduler: that is its own process (`flask --app app scheduler`,
see deploy/club-scheduler.service).
"""

from __future__ import annotations

import multiprocessing
import os


def _int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    return int(value) if value else default


def default_workers(cpus: int) -> int:
    """gunicorn's rule of thumb (2 x cores + 1), capped: each worker holds a pool of database
    connections, and a small machine runs out of memory before it runs out of CPU."""
    return max(2, min(2 * cpus + 1, 12))


bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
workers = _int("GUNICORN_WORKERS", default_workers(multiprocessing.cpu_count()))
# Synchronous workers with a few threads: requests wait on the database, not on the CPU.
worker_class = "gthread"
threads = _int("GUNICORN_THREADS", 4)
timeout = _int("GUNICORN_TIMEOUT", 30)
graceful_timeout = _int("GUNICORN_GRACEFUL_TIMEOUT", 30)
keepalive = _int("GUNICORN_KEEPALIVE", 5)
# A worker is replaced after this many requests (with jitter), which bounds any slow leak.
max_requests = _int("GUNICORN_MAX_REQUESTS", 5000)
max_requests_jitter = _int("GUNICORN_MAX_REQUESTS_JITTER", 500)
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "-")
errorlog = os.environ.get("GUNICORN_ERROR_LOG", "-")
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The application is imported in each worker, after the fork: database pools and the deferred-writes
# thread (club/core/deferred.py) then belong to one process each.
preload_app = False
# The proxy in front passes X-Forwarded-*; the app trusts them through ProxyFix (TRUSTED_PROXIES).
forwarded_allow_ips = os.environ.get("GUNICORN_FORWARDED_ALLOW_IPS", "127.0.0.1")
