"""Browser tests: Playwright drives Debian's Chromium against the app served on a loopback port.

Every test here is skipped, with the reason in the -ra summary, where no Chromium exists (set
$CHROMIUM to use another binary). The app is the `app` fixture of tests/conftest.py (same test
database, emptied before each test) with CSRF protection on, served by werkzeug in a thread; the
mail it sends is kept in memory (`live_server.outbox`). Screenshots go to $E2E_ARTIFACTS
(default tests/e2e/artifacts/).
"""

from __future__ import annotations

import os
import re
import shutil
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import WSGIRequestHandler, make_server

from club.extensions import db
from tests.e2e.browser import CHROMIUM_ARGS, WIDTHS

E2E_DIR = Path(__file__).parent


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM", "").strip()
    if candidate:
        return candidate if Path(candidate).is_file() else shutil.which(candidate)
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser"):
        found = name if Path(name).is_file() else shutil.which(name)
        if found:
            return found
    return None


def _skip_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "browser tests skipped: the playwright package is not installed"
    if chromium_path() is None:
        return "browser tests skipped: no Chromium found (apt-get install chromium, or set $CHROMIUM)"
    return None


def pytest_collection_modifyitems(config, items):
    reason = _skip_reason()
    if reason is None:
        return
    marker = pytest.mark.skip(reason=reason)
    for item in items:
        if E2E_DIR in Path(str(item.fspath)).parents:
            item.add_marker(marker)


# -- the browser --------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=chromium_path(), headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    folder = Path(os.environ.get("E2E_ARTIFACTS") or E2E_DIR / "artifacts")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def shoot(page, folder: Path, name: str) -> None:
    """Full-page screenshots of what `page` shows, at desktop and phone widths; the size is restored."""
    size = page.viewport_size
    for label, (width, height) in WIDTHS.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(folder / f"{name}-{label}.png"), full_page=True)
    page.set_viewport_size(size)


# -- the live server ----------------------------------------------------------------------------------


@dataclass
class LiveServer:
    app: object
    url: str

    @property
    def outbox(self) -> list:
        return self.app.extensions["club_mail"].outbox

    def mail_to(self, address: str, subject_contains: str = "") -> list:
        return [
            message
            for message in self.outbox
            if address.lower() in str(message["To"]).lower() and subject_contains in str(message["Subject"])
        ]

    def link_in(self, message, path_part: str) -> str:
        """The first link of `message` (text part first) whose path contains path_part, made relative to us."""
        kinds = ("text/plain", "text/html")
        parts = [part.get_content() for part in message.walk() if part.get_content_type() in kinds]
        for body in parts:
            for link in re.findall(r"https?://[^\s<>\"']+", body):
                if path_part in link:
                    path = re.sub(r"^https?://[^/]+", "", link).replace("&amp;", "&")
                    return self.url + path
        raise AssertionError(f"no link containing {path_part!r} in {message['Subject']!r}")


class _QuietHandler(WSGIRequestHandler):
    """No access log: a failing test's captured output keeps what matters."""

    def log_request(self, *args, **kwargs) -> None:
        pass


@pytest.fixture
def live_server(app):
    """The test's app with CSRF on, served on a free loopback port for the length of the test.

    Rate limits stay off: one test signs in many times from the same address.
    """
    app.config["WTF_CSRF_ENABLED"] = True
    # What the test set up must be visible to the server's own connections before the first request.
    db.session.commit()
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=_QuietHandler)
    thread = threading.Thread(target=server.serve_forever, name="e2e-live-server", daemon=True)
    thread.start()
    try:
        yield LiveServer(app=app, url=f"http://127.0.0.1:{server.server_port}")
    finally:
        server.shutdown()
        thread.join(timeout=30)
        server.server_close()
        db.session.remove()


@pytest.fixture
def new_context(browser):
    """new_context(locale=...) -> a fresh browser context (own cookies), closed after the test."""
    contexts = []

    def factory(locale: str = "it-IT", width: int = 1280, height: int = 900, **options):
        context = browser.new_context(viewport={"width": width, "height": height}, locale=locale, **options)
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context

    yield factory
    for context in contexts:
        context.close()
