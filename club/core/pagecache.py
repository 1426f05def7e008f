"""Whole-page caching for the pages everyone reads, never stale and never someone else's.

A page is cached only when its view says so (`@cacheable`), for GET, when it answered 200, and when
the visitor had no flashed message waiting. An entry is keyed by who asks (the member's id, or
nobody), the language, the host and the full path with its query, and it is valid only for one
*generation* of the data and one minute of the clock:

- Every transaction that writes anything through the application's sessions also adds one to a
  counter row (`page_cache_generation`), in the same transaction: the engine marks a connection that
  ran an INSERT, UPDATE or DELETE, and the session bumps the counter just before it commits. Each
  cached request reads the counter (one primary-key SELECT), so a change made by any worker, any
  host, the scheduler or the command line is seen at once. Writes that bypass the sessions (page
  reads recorded by club/core/deferred.py, the outbox) show on no cached page.
- Pages speak of time to the minute (award phases open and close on minutes, "today" changes at a
  minute), so an entry dies with its minute.

The CSRF token of the forms on a page (the language switch, logging out) belongs to one session:
it is stored as a placeholder and each answer carries the token of its own session. A view that
must still do something when its page comes from the cache (counting a case's readers) passes
`on_hit`. Answers carry a weak ETag for the same key, so a browser that already has the page gets
304 without any rendering.

Each worker process keeps its own entries (at most PAGE_CACHE_MAX_BYTES); PAGE_CACHE_MAX_BYTES = 0
turns the cache off.
"""

from __future__ import annotations

import hashlib
import hmac
import threading
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, g, request, session
from flask_login import current_user
from flask_sqlalchemy.session import Session as FlaskSession
from flask_wtf.csrf import generate_csrf
from sqlalchemy import event, select, update
from sqlalchemy.engine import Engine

from club.core.timeutil import utcnow
from club.extensions import db

_WRITE_VERBS = ("INSERT", "UPDATE", "DELETE", "REPLACE")
# How long a request waits for another thread rendering the same page before rendering it itself.
RENDER_WAIT_SECONDS = 5
_WROTE = "club_page_cache_wrote"
_TOKEN_PLACEHOLDER = b"\x00club-csrf-token\x00"


def cacheable(on_hit: Callable[..., None] | None = None):
    """Mark a GET view whose page may be served from the cache; on_hit(viewer, **view_args) runs on a
    hit, viewer being the signed-in user or None."""

    def mark(view):
        view.club_page_cache = on_hit or _nothing
        return view

    return mark


def _nothing(viewer, **view_args) -> None:
    return None


@dataclass(frozen=True)
class _Entry:
    body: bytes
    content_type: str
    has_token: bool


class PageCache:
    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._epoch: tuple[int, int] | None = None
        self._entries: dict[str, _Entry] = {}
        self._size = 0
        self._rendering: dict[tuple[tuple[int, int], str], threading.Event] = {}

    def claim(self, epoch: tuple[int, int], key: str) -> threading.Event | None:
        """Whoever claims a missing page renders it; the others get the claimant's event to wait on
        (when a minute turns, every thread of a busy worker would otherwise render the same page)."""
        with self._lock:
            running = self._rendering.get((epoch, key))
            if running is not None:
                return running
            self._rendering[(epoch, key)] = threading.Event()
            return None

    def release(self, epoch: tuple[int, int], key: str) -> None:
        with self._lock:
            done = self._rendering.pop((epoch, key), None)
        if done is not None:
            done.set()

    def get(self, epoch: tuple[int, int], key: str) -> _Entry | None:
        with self._lock:
            if epoch != self._epoch:
                return None
            return self._entries.get(key)

    def put(self, epoch: tuple[int, int], key: str, entry: _Entry) -> None:
        with self._lock:
            if self._epoch is None or epoch > self._epoch:
                # A new generation or a new minute: every older entry is dead, drop them all.
                self._epoch, self._entries, self._size = epoch, {}, 0
            elif epoch < self._epoch:
                return  # rendered before a change another request has already seen
            if key in self._entries or self._size + len(entry.body) > self.max_bytes:
                return
            self._entries[key] = entry
            self._size += len(entry.body)


# -- the generation counter ---------------------------------------------------------------------------


def _generation_table():
    from club.core.models import PageCacheGeneration

    return PageCacheGeneration.__table__


def _minute() -> int:
    return int(utcnow().timestamp()) // 60


def current_generation() -> int:
    # On a connection of its own, not the request's session: a cached answer then opens no session
    # at all. A page rendered afterwards reads data at least as new as this value, never older.
    table = _generation_table()
    with db.engine.connect() as connection:
        return connection.execute(select(table.c.value).where(table.c.id == 1)).scalar() or 0


def _note_write(conn, cursor, statement, parameters, context, executemany) -> None:
    if statement.lstrip()[:7].upper().startswith(_WRITE_VERBS):
        conn.info[_WROTE] = True


def _forget_write(conn) -> None:
    conn.info.pop(_WROTE, None)


def _bump_before_commit(session) -> None:
    if not session.in_transaction():
        return
    # commit() flushes after this hook: flush now, so pending objects count as writes too.
    session.flush()
    connection = session.connection()
    if not connection.info.pop(_WROTE, False):
        return
    table = _generation_table()
    bumped = connection.execute(update(table).where(table.c.id == 1).values(value=table.c.value + 1)).rowcount
    if not bumped:
        # The row is made by the migration; a database built otherwise (tests) gets it on first use.
        from club.core.db import insert_ignoring_duplicates

        connection.execute(insert_ignoring_duplicates(table, ["id"]).values(id=1, value=1))


def watch_engine(engine: Engine) -> None:
    if not event.contains(engine, "before_cursor_execute", _note_write):
        event.listen(engine, "before_cursor_execute", _note_write)
        event.listen(engine, "commit", _forget_write)
        event.listen(engine, "rollback", _forget_write)


event.listen(FlaskSession, "before_commit", _bump_before_commit)


# -- requests -------------------------------------------------------------------------------------------


def page_key(user_id: str, locale: str, scheme: str, host: str, full_path: str) -> str:
    return hashlib.sha256("\x1f".join((user_id, locale, scheme, host, full_path)).encode()).hexdigest()


def _key() -> str:
    from flask_babel import get_locale

    user = current_user.get_id() if current_user.is_authenticated else "-"
    return page_key(user, str(get_locale()), request.scheme, request.host, request.full_path)


def page_tag(secret_key: str, epoch: tuple[int, int], key: str, csrf_secret: str) -> str:
    # The session's own CSRF secret is part of it (a page kept by another session's browser carries a
    # token this session would refuse), and it is keyed with the app's secret, so a visitor cannot
    # forge the tag of a page they were never given.
    message = f"{epoch}|{key}|{csrf_secret}".encode()
    return hmac.new(secret_key.encode(), message, hashlib.sha256).hexdigest()[:32]


def _etag(epoch: tuple[int, int], key: str) -> str:
    return page_tag(current_app.secret_key, epoch, key, session.get("csrf_token", ""))


def _viewer():
    return current_user._get_current_object() if current_user.is_authenticated else None


def _serve_cached() -> object | None:
    view = current_app.view_functions.get(request.endpoint or "")
    on_hit = getattr(view, "club_page_cache", None)
    cache: PageCache = current_app.extensions["club_page_cache"]
    if on_hit is None or cache.max_bytes <= 0 or request.method != "GET" or "_flashes" in session:
        return None
    epoch = (current_generation(), _minute())
    key = _key()
    g._club_page_cache = (epoch, key)
    etag = _etag(epoch, key)
    if request.if_none_match.contains_weak(etag):
        on_hit(_viewer(), **(request.view_args or {}))
        response = current_app.response_class(status=304)
        response.set_etag(etag, weak=True)
        response.headers["Cache-Control"] = "private, no-cache"
        response.vary.update(("Cookie", "Accept-Language"))
        g._club_page_cache = None
        return response
    entry = cache.get(epoch, key)
    if entry is None:
        running = cache.claim(epoch, key)
        if running is None:
            g._club_page_cache_claim = (epoch, key)
            return None
        running.wait(RENDER_WAIT_SECONDS)
        entry = cache.get(epoch, key)
        if entry is None:  # the other rendering failed, or was not cacheable: render our own
            return None
    on_hit(_viewer(), **(request.view_args or {}))
    body = entry.body.replace(_TOKEN_PLACEHOLDER, generate_csrf().encode()) if entry.has_token else entry.body
    response = current_app.response_class(body, content_type=entry.content_type)
    g._club_page_cache = None
    return _conditional(response, etag)


def _conditional(response, etag: str):
    response.set_etag(etag, weak=True)
    response.headers["Cache-Control"] = "private, no-cache"
    response.vary.update(("Cookie", "Accept-Language"))
    return response


def _store_rendered(response):
    marked = g.pop("_club_page_cache", None)
    if not marked or response.status_code != 200 or response.direct_passthrough or response.is_streamed:
        return response
    epoch, key = marked
    body = response.get_data()
    token = g.get("csrf_token")
    has_token = bool(token) and token.encode() in body
    if has_token:
        body = body.replace(token.encode(), _TOKEN_PLACEHOLDER)
    current_app.extensions["club_page_cache"].put(epoch, key, _Entry(body, response.content_type, has_token))
    return _conditional(response, _etag(epoch, key))


class VisitorFastPath:
    """WSGI middleware: a visitor's page that is in the cache is answered before Flask runs.

    A visitor here is a request with no remember-me cookie and a session (if any) that names no
    user and holds no flashed message. Their pages carry nothing of their own (the language switch
    is a link for them), so the entry the application stored for "nobody" in their language is the
    whole answer: the same key, the same generation and minute, the same tag and headers. Anything
    else, and every miss, goes on to the application, which renders, stores and answers as usual.
    """

    def __init__(self, app: Flask, wsgi_app) -> None:
        self.app = app
        self.wsgi_app = wsgi_app
        self.remember_cookie = app.config.get("REMEMBER_COOKIE_NAME", "remember_token")

    def __call__(self, environ, start_response):
        answer = None
        if environ.get("REQUEST_METHOD") == "GET" and self.app.extensions["club_page_cache"].max_bytes > 0:
            # The session's serializer and the deferred writes want an application context.
            with self.app.app_context():
                answer = self._cached(environ)
        if answer is None:
            return self.wsgi_app(environ, start_response)
        status, headers, body = answer
        start_response(status, headers)
        return [body]

    def _cached(self, environ):
        app = self.app
        cache: PageCache = app.extensions["club_page_cache"]
        request_ = app.request_class(environ)
        if self.remember_cookie in request_.cookies:
            return None
        visitor_session = app.session_interface.open_session(app, request_)
        if visitor_session is None or "_user_id" in visitor_session or "_flashes" in visitor_session:
            return None
        try:
            endpoint, view_args = app.url_map.bind_to_environ(environ).match()
        except Exception:  # noqa: BLE001 - 404, 405, redirects...: the application answers them
            return None
        on_hit = getattr(app.view_functions.get(endpoint), "club_page_cache", None)
        if on_hit is None:
            return None
        from club.core.i18n import visitor_locale

        locale = visitor_locale(request_, app.config["LANGUAGES"], app.config["BABEL_DEFAULT_LOCALE"])
        key = page_key("-", locale, request_.scheme, request_.host, request_.full_path)
        epoch = (current_generation(), _minute())
        entry = cache.get(epoch, key)
        if entry is None or entry.has_token:
            return None
        tag = page_tag(app.secret_key, epoch, key, visitor_session.get("csrf_token", ""))
        on_hit(None, **view_args)
        deferred_writes = app.extensions.get("club_deferred")
        if deferred_writes is not None and deferred_writes.delay <= 0:
            deferred_writes.flush()  # tests: written at once, as at the end of a request
        headers = [
            ("ETag", f'W/"{tag}"'),
            ("Cache-Control", "private, no-cache"),
            ("Vary", "Cookie, Accept-Language"),
        ]
        from club.core.security import security_headers

        headers += security_headers(request_.is_secure)
        if request_.if_none_match.contains_weak(tag):
            return "304 NOT MODIFIED", headers, b""
        headers += [("Content-Type", entry.content_type), ("Content-Length", str(len(entry.body)))]
        return "200 OK", headers, entry.body


def _release_claim(error=None) -> None:
    claim = g.pop("_club_page_cache_claim", None)
    if claim is not None:
        current_app.extensions["club_page_cache"].release(*claim)


def init_app(app: Flask) -> None:
    app.extensions["club_page_cache"] = PageCache(app.config.get("PAGE_CACHE_MAX_BYTES", 0))
    with app.app_context():
        watch_engine(db.engine)
    if app.config.get("PAGE_CACHE_MAX_BYTES", 0) > 0:
        app.before_request(_serve_cached)
        app.after_request(_store_rendered)
        # After the response is stored, whatever happened (an error page too): the waiters go on.
        app.teardown_request(_release_claim)
        # Inside any proxy fix-up applied later, so it sees the visitor's real scheme and host.
        app.wsgi_app = VisitorFastPath(app, app.wsgi_app)
