"""Rate-limit counters shared by the web workers (RATELIMIT_STORAGE_URI=redis://...).

Two gunicorn processes (the project's gunicorn.conf.py, one worker each: two web workers whose
requests we can aim at) on the test database, with a throw-away Redis server on loopback. Login
attempts spread over both are counted together with Redis; with memory:// each worker counts alone,
so N workers let N times the limit through.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LIMIT = 4
REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
STARTUP_SECONDS = 60


def worker_app():
    """The app each gunicorn process serves: the test settings passed in the environment."""
    from club import create_app
    from club.config import TestingConfig

    settings = json.loads(os.environ["CLUB_TEST_WORKER_SETTINGS"])
    return create_app(
        type("WorkerConfig", (TestingConfig,), settings), instance_path=os.environ["CLUB_TEST_WORKER_INSTANCE"]
    )


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_until(ready, process: subprocess.Popen, what: str, log: Path | None = None) -> None:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            break
        try:
            if ready():
                return
        except OSError:
            pass
        time.sleep(0.1)
    output = log.read_text(errors="replace")[-4000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not start (exit code {process.poll()}):\n{output}")


def _stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# -- a throw-away Redis server ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def redis_url(tmp_path_factory):
    if not os.access(REDIS_SERVER, os.X_OK):
        pytest.skip("redis-server is not installed (apt-get install redis-server; .ci/run installs it)")
    import redis

    port = _free_port()
    folder = tmp_path_factory.mktemp("redis")
    server = subprocess.Popen(
        [REDIS_SERVER, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        cwd=folder,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=2)
    try:
        _wait_until(client.ping, server, "redis-server")
        yield f"redis://127.0.0.1:{port}"
    finally:
        client.close()
        _stop(server)


@pytest.fixture
def redis_client(redis_url):
    import redis

    client = redis.Redis.from_url(redis_url)
    client.flushall()  # each test starts with no counters
    yield client
    client.close()


# -- two web workers -----------------------------------------------------------------------------------


class Worker:
    def __init__(self, port: int, process: subprocess.Popen, log: Path) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.process = process
        self.log = log

    def status(self, path: str, data: dict | None = None) -> int:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        try:
            with urllib.request.urlopen(self.base + path, data=body, timeout=30) as response:  # noqa: S310 - loopback
                return response.status
        except urllib.error.HTTPError as error:
            error.close()
            return error.code

    def ready(self) -> bool:
        return self.status("/account/login") == 200


@pytest.fixture
def start_workers(app, database_url, tmp_path):
    """start_workers(storage_uri) -> two running gunicorn processes sharing the test database."""
    started: list[Worker] = []

    def start(storage_uri: str, count: int = 2) -> list[Worker]:
        settings = {
            "SQLALCHEMY_DATABASE_URI": database_url,
            "WTF_CSRF_ENABLED": False,
            "RATELIMIT_ENABLED": True,
            "RATELIMIT_STORAGE_URI": storage_uri,
            "LOGIN_RATE_LIMIT": f"{LIMIT} per hour",
        }
        workers = []
        for number in range(count):
            port = _free_port()
            instance = tmp_path / f"worker-{len(started) + number}"
            instance.mkdir()
            log = instance / "gunicorn.log"
            environment = {
                key: value for key, value in os.environ.items() if not key.startswith(("GUNICORN_", "CLUB_"))
            }
            environment.update(
                PYTHONPATH=str(ROOT),
                CLUB_TEST_WORKER_SETTINGS=json.dumps(settings),
                CLUB_TEST_WORKER_INSTANCE=str(instance),
                GUNICORN_BIND=f"127.0.0.1:{port}",
                GUNICORN_WORKERS="1",
                GUNICORN_GRACEFUL_TIMEOUT="5",
            )
            with log.open("wb") as output:
                process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        str(ROOT / "gunicorn.conf.py"),
                        "tests.test_ratelimit_shared:worker_app()",
                    ],
                    cwd=ROOT,
                    env=environment,
                    stdout=output,
                    stderr=subprocess.STDOUT,
                )
            workers.append(Worker(port, process, log))
        started.extend(workers)
        for worker in workers:  # they start side by side; wait for each
            _wait_until(worker.ready, worker.process, "gunicorn", worker.log)
        return workers

    yield start
    for worker in started:
        _stop(worker.process)


def _failed_login(worker: Worker) -> int:
    return worker.status("/account/login", {"email": "nobody@example.org", "password": "not-the-password-at-all"})


# -- the tests -------------------------------------------------------------------------------------------


def test_with_redis_the_workers_count_login_attempts_together(start_workers, redis_url, redis_client):
    first, second = start_workers(redis_url)
    statuses = [_failed_login(worker) for worker in (first, second) * (LIMIT // 2)]
    assert statuses == [400] * LIMIT  # refused logins, each one counted
    assert _failed_login(first) == 429 and _failed_login(second) == 429  # the limit is for the two together
    assert redis_client.keys("LIMITS:*"), "the counters live in Redis"


def test_with_memory_each_worker_counts_alone(start_workers):
    first, second = start_workers("memory://")
    assert [_failed_login(first) for _ in range(LIMIT)] == [400] * LIMIT
    # Why shared storage matters: the other worker has seen none of these, and lets as many through.
    assert [_failed_login(second) for _ in range(LIMIT)] == [400] * LIMIT
    assert _failed_login(first) == 429 and _failed_login(second) == 429


def test_the_limiter_talks_to_redis_through_the_redis_client(app, database_url, tmp_path, redis_url, redis_client):
    import redis
    from limits.storage import RedisStorage

    from club.extensions import limiter
    from tests.conftest import _dispose_engines, build_app

    worker = build_app(database_url, tmp_path / "redis-app", RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI=redis_url)
    try:
        assert isinstance(limiter.storage, RedisStorage)
        assert isinstance(limiter.storage.storage, redis.Redis)
        assert limiter.storage.check()
    finally:
        _dispose_engines(worker)


def _production_app(database_url: str, instance: Path, storage_uri: str):
    from club import create_app
    from club.config import ProductionConfig

    settings = {
        "SECRET_KEY": "a" * 16 + "production-like-key-for-tests",
        "SQLALCHEMY_DATABASE_URI": database_url,
        "RATELIMIT_STORAGE_URI": storage_uri,
    }
    return create_app(type("Production", (ProductionConfig,), settings), instance_path=str(instance))


def test_production_warns_when_the_counters_stay_in_memory(app, database_url, tmp_path, caplog, redis_url):
    from tests.conftest import _dispose_engines

    with caplog.at_level(logging.WARNING):
        per_process = _production_app(database_url, tmp_path / "memory", "memory://")
    _dispose_engines(per_process)
    assert "RATELIMIT_STORAGE_URI is memory://" in caplog.text
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        shared = _production_app(database_url, tmp_path / "shared", redis_url)
    _dispose_engines(shared)
    assert "RATELIMIT_STORAGE_URI" not in caplog.text
