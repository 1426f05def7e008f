"""The production setup: gunicorn's settings, the proxy in front, the database pool."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest
from flask import Flask

from club import _configure_pool
from club.config import Config
from tests.helpers import url

ROOT = Path(__file__).resolve().parent.parent


def _gunicorn_settings(monkeypatch, **environment) -> dict:
    for name in [name for name in __import__("os").environ if name.startswith("GUNICORN_")]:
        monkeypatch.delenv(name)
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(ROOT / "gunicorn.conf.py"))


def test_gunicorn_takes_its_workers_from_the_cpu_count(monkeypatch):
    settings = _gunicorn_settings(monkeypatch)
    rule = settings["default_workers"]
    assert [rule(cpus) for cpus in (1, 2, 4, 8, 64)] == [3, 5, 9, 12, 12]
    assert settings["workers"] == rule(__import__("multiprocessing").cpu_count())
    assert settings["bind"] == "127.0.0.1:8000" and settings["preload_app"] is False


def test_gunicorn_settings_come_from_the_environment(monkeypatch):
    settings = _gunicorn_settings(monkeypatch, GUNICORN_WORKERS="2", GUNICORN_BIND="0.0.0.0:9000", GUNICORN_THREADS="8")
    assert (settings["workers"], settings["bind"], settings["threads"]) == (2, "0.0.0.0:9000", 8)


FORWARDED = {"X-Forwarded-Proto": "https", "X-Forwarded-Host": "club.example.org", "X-Forwarded-For": "203.0.113.9"}


@pytest.mark.config(TRUSTED_PROXIES=1)
def test_behind_one_trusted_proxy_the_forwarded_scheme_and_host_count(client):
    page = client.get("/", headers=FORWARDED)
    assert "Strict-Transport-Security" in page.headers  # the request is known to be HTTPS
    feed = client.get(url("cases.feed"), headers=FORWARDED).get_data(as_text=True)
    assert "https://club.example.org/cases/" in feed  # absolute links name the public host


def test_without_a_trusted_proxy_forwarded_headers_are_ignored(client):
    page = client.get("/", headers=FORWARDED)
    assert "Strict-Transport-Security" not in page.headers
    feed = client.get(url("cases.feed"), headers=FORWARDED).get_data(as_text=True)
    assert "club.example.org" not in feed and "http://localhost/cases/" in feed


def _app_with(uri: str, testing: bool = False, **options) -> Flask:
    app = Flask("pool-check")
    app.config.from_object(Config)
    app.config.update(SQLALCHEMY_DATABASE_URI=uri, TESTING=testing, SQLALCHEMY_ENGINE_OPTIONS=dict(options))
    return app


def test_postgresql_gets_a_bounded_pool_with_pre_ping():
    app = _app_with("postgresql+psycopg://club@localhost/club")
    app.config.update(DATABASE_POOL_SIZE=7, DATABASE_MAX_OVERFLOW=3)
    _configure_pool(app)
    options = app.config["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert (options["pool_size"], options["max_overflow"]) == (7, 3)
    assert options["pool_timeout"] == Config.DATABASE_POOL_TIMEOUT and options["pool_recycle"] == 1800


def test_sqlite_and_the_tests_keep_the_default_pool():
    for app in (_app_with("sqlite:///x.sqlite3"), _app_with("postgresql+psycopg://club@localhost/club", testing=True)):
        _configure_pool(app)
        assert "pool_size" not in app.config["SQLALCHEMY_ENGINE_OPTIONS"]
        # An SQLite file cannot drop a connection: no ping before every checkout.
        assert not app.config["SQLALCHEMY_ENGINE_OPTIONS"].get("pool_pre_ping")


def test_make_serve_runs_gunicorn_with_its_configuration():
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    assert "\nserve:" in makefile and "gunicorn -c gunicorn.conf.py app:app" in makefile
    requirements = (ROOT / "requirements.txt").read_text(encoding="utf-8")
    assert "\ngunicorn==" in requirements
