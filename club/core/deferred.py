"""Writes that a reading request asks for, made later, in batches, outside its transaction.

A GET must not write (DESIGN.md), yet the insights need to know that a case was read and that a
member came back. A page hands such facts to `defer(kind, item)`: they wait in this process's
memory and a writer thread stores them in one short transaction of its own, at the latest
DEFERRED_WRITES_DELAY seconds later or as soon as DEFERRED_WRITES_BATCH of them are waiting. The
request pays an append to a list; a crash loses at most those few seconds of page views, which the
statistics can afford (nothing here is a record anyone relies on).

Each domain registers a writer per kind: `writer(connection, items)` runs SQL on a SQLAlchemy Core
connection and must be idempotent enough to survive being given the same fact twice.

With DEFERRED_WRITES_DELAY = 0 (the tests) the facts are written when the request ends, after its
response is built, in the same thread, so a test reads them right after its request.
"""

from __future__ import annotations

import atexit
import logging
import threading
import time
from collections import defaultdict
from collections.abc import Callable

from flask import current_app, has_app_context

from club.extensions import db

log = logging.getLogger(__name__)

Writer = Callable[[object, list], None]


class DeferredWrites:
    def __init__(self, app) -> None:
        self.app = app
        self.delay = float(app.config.get("DEFERRED_WRITES_DELAY", 5))
        self.batch = int(app.config.get("DEFERRED_WRITES_BATCH", 500))
        self.writers: dict[str, Writer] = {}
        self._pending: list[tuple[str, object]] = []
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._thread_pid: int | None = None
        self._flush_at_exit = False
        app.teardown_request(self._request_ended)

    def register(self, kind: str, writer: Writer) -> None:
        self.writers[kind] = writer

    def add(self, kind: str, item) -> None:
        if kind not in self.writers:
            raise KeyError(f"no writer registered for deferred {kind!r}")
        with self._lock:
            self._pending.append((kind, item))
            waiting = len(self._pending)
        if self.delay <= 0:
            return  # written when the request ends (_request_ended)
        self._ensure_thread()
        if waiting >= self.batch:
            self._wake.set()

    def pending_count(self) -> int:
        with self._lock:
            return len(self._pending)

    def flush(self) -> int:
        """Write everything waiting now; returns how many facts were written (0 when it failed)."""
        with self._lock:
            taken, self._pending = self._pending, []
        if not taken:
            return 0
        by_kind: dict[str, list] = defaultdict(list)
        for kind, item in taken:
            by_kind[kind].append(item)
        try:
            with self.app.app_context():
                # Tagged so that tests counting a page's queries can tell these apart.
                engine = db.engine.execution_options(club_deferred=True)
                with engine.begin() as connection:
                    for kind, items in by_kind.items():
                        self.writers[kind](connection, items)
        except Exception:  # noqa: BLE001 - statistics must never take a page or the thread down
            log.exception("could not write %d deferred facts; they are dropped", len(taken))
            return 0
        return len(taken)

    def _request_ended(self, error=None) -> None:
        if self.delay <= 0 and self._pending:
            # The request is over: end its transaction first, or on SQLite a write lock it may still
            # hold would make this writer wait for it.
            db.session.close()
            self.flush()

    def _ensure_thread(self) -> None:
        # Started on first use and again after a fork (gunicorn forks its workers after importing
        # the app; a thread does not survive into the child).
        import os

        if self._thread is not None and self._thread.is_alive() and self._thread_pid == os.getpid():
            return
        with self._lock:
            if self._thread is not None and self._thread.is_alive() and self._thread_pid == os.getpid():
                return
            self._thread_pid = os.getpid()
            self._thread = threading.Thread(target=self._run, name="club-deferred-writes", daemon=True)
            self._thread.start()
            if not self._flush_at_exit:
                atexit.register(self.flush)  # what the last few seconds left waiting
                self._flush_at_exit = True

    def _run(self) -> None:
        while True:
            self._wake.wait(self.delay)
            self._wake.clear()
            started = time.monotonic()
            self.flush()
            # Never write more than once a second, however busy: batching is the point.
            time.sleep(max(0.0, 1.0 - (time.monotonic() - started)))


def init_app(app) -> DeferredWrites:
    deferred = DeferredWrites(app)
    app.extensions["club_deferred"] = deferred
    return deferred


def register(app, kind: str, writer: Writer) -> None:
    app.extensions["club_deferred"].register(kind, writer)


def defer(kind: str, item) -> None:
    if has_app_context():
        current_app.extensions["club_deferred"].add(kind, item)


def flush() -> int:
    return current_app.extensions["club_deferred"].flush()
