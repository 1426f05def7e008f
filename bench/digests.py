"""The digest pipeline against plain SMTP, on a database filled with a realistic club.

    .venv/bin/python -m bench.digests [--subscribers 10000] [--cases 2000] [--database sqlite|URL]
                                      [--profile] [--overlap] [--sink process|thread] [--seed 1] [--keep]

What it does (bench/README.md says more):

1. builds a fresh database (a temporary SQLite file, or the PostgreSQL database of --database, which
   must hold no table of ours unless --drop-existing is given) with db.create_all(), the demo taxonomy,
   the subscribers (about 70% members with profiles and follows, 30% confirmed non-members) and the
   published case studies of the last month, all inserted in bulk with SQLAlchemy core;
2. starts an SMTP sink on loopback (aiosmtpd) that counts the messages and throws them away;
3. times the digest pipeline, run_cycle("weekly", moment) then outbox.drain() (or, with --overlap,
   the drain in a thread alongside the cycle), and a plain smtplib loop that sends the same messages,
   prebuilt as bytes, over one connection; prints the figures, their ratio and whether the targets
   are met. It never asserts a timing.
"""

from __future__ import annotations

import argparse
import cProfile
import importlib
import logging
import multiprocessing
import os
import pkgutil
import pstats
import random
import shutil
import smtplib
import socket
import sys
import tempfile
import threading
import time
import traceback
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr
from pathlib import Path

TARGET_DIGESTS_PER_SECOND = 300.0
TARGET_RATIO = 0.5
MEMBER_SHARE = 0.70
PUBLIC_SHARE = 0.5
MONTH = timedelta(days=30)
WEEK = timedelta(days=7)
SENDER = "Club CX <digest@club.example.org>"


# -- the SMTP sink ---------------------------------------------------------------------------------


class CountingHandler:
    """aiosmtpd handler: counts the messages (and their bytes) and discards them."""

    def __init__(self, messages, size) -> None:
        self.messages = messages
        self.size = size

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        with self.messages.get_lock():
            self.messages.value += 1
        with self.size.get_lock():
            self.size.value += len(envelope.original_content or envelope.content or b"")
        return "250 OK: counted and discarded"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _controller(messages, size, port: int):
    from aiosmtpd.controller import Controller

    logging.getLogger("mail.log").setLevel(logging.ERROR)
    return Controller(CountingHandler(messages, size), hostname="127.0.0.1", port=port)


def _serve_sink(port: int, messages, size, ready, stop) -> None:
    """The sink's process: serve until told to stop."""
    controller = _controller(messages, size, port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


class Sink:
    """A counting SMTP sink on 127.0.0.1, in its own process (default) or in a thread of this one."""

    def __init__(self, mode: str = "process") -> None:
        self.mode = mode
        self.port = 0
        self._context = multiprocessing.get_context("spawn")
        self._messages = self._context.Value("q", 0)
        self._size = self._context.Value("q", 0)
        self._process = None
        self._stop = None
        self._controller = None

    def start(self) -> Sink:
        self.port = _free_port()
        if self.mode == "thread":
            self._controller = _controller(self._messages, self._size, self.port)
            self._controller.start()
            return self
        ready = self._context.Event()
        self._stop = self._context.Event()
        self._process = self._context.Process(
            target=_serve_sink, args=(self.port, self._messages, self._size, ready, self._stop), daemon=True
        )
        self._process.start()
        if not ready.wait(60):
            self.stop()
            raise RuntimeError("the SMTP sink did not start within 60 s")
        return self

    @property
    def messages(self) -> int:
        return self._messages.value

    @property
    def size(self) -> int:
        return self._size.value

    def stop(self) -> None:
        if self._controller is not None:
            self._controller.stop()
            self._controller = None
        if self._process is not None:
            self._stop.set()
            self._process.join(10)
            if self._process.is_alive():
                self._process.terminate()
                self._process.join(5)
            self._process = None


# -- the application and its database --------------------------------------------------------------


def bench_config(database_url: str, smtp_port: int) -> type:
    """TestingConfig (cheap argon2, no CSRF, no rate limit) sending over SMTP to the sink, with the
    production engine options (pool_pre_ping on PostgreSQL), since they cost something on every checkout."""
    from club.config import TestingConfig

    settings = {
        "SQLALCHEMY_DATABASE_URI": database_url,
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True} if database_url.startswith("postgresql") else {},
        "WTF_CSRF_ENABLED": False,
        "RATELIMIT_ENABLED": False,
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": "127.0.0.1",
        "MAIL_PORT": smtp_port,
        "MAIL_USE_TLS": False,
        "MAIL_USE_SSL": False,
        "MAIL_USERNAME": None,
        "MAIL_PASSWORD": None,
        "MAIL_DEFAULT_SENDER": SENDER,
        "SITE_URL": "https://club.example.org",
    }
    return type("BenchConfig", (TestingConfig,), settings)


def import_all_models() -> None:
    """Every domain's models, so that create_all makes the whole schema (as tests/conftest.py does)."""
    import club

    for module in pkgutil.iter_modules(club.__path__):
        if module.ispkg:
            try:
                importlib.import_module(f"club.{module.name}.models")
            except ModuleNotFoundError as error:
                if error.name != f"club.{module.name}.models":
                    raise


def build_schema(drop_existing: bool) -> None:
    from sqlalchemy import inspect

    from club.core import demo
    from club.extensions import db

    import_all_models()
    existing = set(inspect(db.engine).get_table_names()) & set(db.metadata.tables)
    if existing:
        if not drop_existing:
            raise SystemExit(
                f"the database already holds {len(existing)} of the club's tables; "
                "use an empty database, or --drop-existing to drop them first (everything in them is lost)"
            )
        db.drop_all()
    db.create_all()
    demo.load()  # the taxonomy: sectors, functions, competences
    db.session.commit()


# -- the data --------------------------------------------------------------------------------------

FIRST_NAMES = (
    "Giulia Marco Francesca Luca Chiara Alessandro Sara Matteo Elena Davide Valentina Andrea Martina "
    "Stefano Federica Paolo Silvia Giorgio Laura Simone Anna Roberto Elisa Fabio Marta Claudio"
).split()
LAST_NAMES = (
    "Rossi Russo Ferrari Esposito Bianchi Romano Colombo Ricci Marino Greco Bruno Gallo Conti De Luca "
    "Mancini Costa Giordano Rizzo Lombardi Moretti Barbieri Fontana Santoro Mariani Rinaldi Caruso"
).split()
ORGANISATIONS = (
    "Banca Adriatica",
    "Assicurazioni Tirrenia",
    "TelcoNord",
    "Energia Comune",
    "Comune di Verona",
    "SuperMercati Italia",
    "ContactPlus BPO",
    "ASL Toscana Centro",
    "Ferrovie Regionali",
    "ShopVeloce",
    "AutoItalia",
    "Radio Onda Media",
    "Hotel Riviera Group",
    "Poste e Servizi",
    "Acqua Pubblica SpA",
)
TOPICS = (
    "Il callback che ha dimezzato i reclami",
    "Un voicebot per le chiamate ripetute",
    "La voce del cliente entra nel comitato di direzione",
    "Onboarding digitale in dieci minuti",
    "Formazione continua degli operatori con il microlearning",
    "Un NPS transazionale letto ogni mattina",
    "Dal silo al customer journey condiviso",
    "Chat, telefono e negozio: una sola storia del cliente",
    "L'intelligenza artificiale al servizio degli operatori",
    "Misurare lo sforzo del cliente, non solo la soddisfazione",
    "Il reclamo come occasione di fidelizzazione",
    "Turni flessibili e motivazione nel contact center",
)
SUMMARY = (
    "Abbiamo riprogettato il percorso del cliente partendo dai dati dei reclami e dalle interviste agli "
    "operatori: in sei mesi il tempo medio di risoluzione è sceso e la soddisfazione è cresciuta, con un "
    "costo per contatto più basso."
)
BODY = (
    "## Il problema\n\nI clienti chiamavano più volte per la stessa richiesta e gli operatori non avevano "
    "una visione completa dello storico. ## Cosa abbiamo fatto\n\nUn gruppo di lavoro tra customer care, "
    "IT e marketing ha mappato il percorso, eliminato tre passaggi e introdotto un richiamo automatico. "
    "## I risultati\n\nReclami ripetuti -38%, NPS +14 punti, tempo medio di gestione -12%.\n\n"
) * 4


@dataclass
class Population:
    members: int = 0
    non_members: int = 0
    cases: int = 0
    public_cases: int = 0
    cases_in_week: int = 0
    public_cases_in_week: int = 0
    comments: int = 0
    bookmarks: int = 0
    follows: int = 0
    sessions: int = 0
    counts: dict = field(default_factory=dict)


def _insert(table, rows: list[dict]) -> None:
    # The large demo's batched core insert (club/organiser/largedemo.py), in the session's transaction.
    from club.organiser.largedemo import insert_rows

    insert_rows(table, rows)


def populate(subscribers: int, cases: int, moment: datetime, rng: random.Random) -> Population:
    """Fill the database in bulk (core inserts, ids read back in insertion order)."""
    from sqlalchemy import select

    from club.accounts import passwords
    from club.accounts.models import User
    from club.cases.models import (
        Bookmark,
        CaseAuthor,
        CaseStudy,
        Comment,
        case_competences,
        case_functions,
        followed_competences,
        followed_functions,
        followed_sectors,
    )
    from club.core.models import Competence, Function, Sector
    from club.core.timeutil import ROME, utcnow
    from club.digests.models import Subscriber
    from club.events.models import EventSession, EventWeek
    from club.extensions import db
    from club.members.models import Profile, profile_competences

    now = utcnow()
    population = Population()
    sectors = list(db.session.scalars(select(Sector.id).order_by(Sector.id)))
    functions = list(db.session.scalars(select(Function.id).order_by(Function.id)))
    competences = list(db.session.scalars(select(Competence.id).order_by(Competence.id)))
    # One real (cheap, TestingConfig) argon2 hash for everybody: nobody logs in here.
    password_hash = passwords.hash_password("bench-only-password-0123456789")

    # Users and their profiles: the members among the subscribers.
    population.members = members = max(1, round(subscribers * MEMBER_SHARE))
    population.non_members = subscribers - members
    user_rows = []
    for number in range(members):
        joined = now - timedelta(days=rng.uniform(30, 1500))
        user_rows.append(
            {
                "email": f"member{number:06d}@example.org",
                "display_name": f"{rng.choice(FIRST_NAMES)} {rng.choice(LAST_NAMES)}",
                "password_hash": password_hash,
                "role": "member",
                "locale": "en" if rng.random() < 0.2 else "it",
                "created_at": joined,
                "email_verified_at": joined,
                "session_version": 1,
            }
        )
    _insert(User.__table__, user_rows)
    user_ids = list(db.session.scalars(select(User.id).order_by(User.id)))
    profile_rows, competence_rows = [], []
    follow_rows: dict = {followed_sectors: [], followed_functions: [], followed_competences: []}
    for user_id in user_ids:
        profile_rows.append(
            {
                "user_id": user_id,
                "organisation": rng.choice(ORGANISATIONS),
                "job_title": "Responsabile customer care",
                "sector_id": rng.choice(sectors) if rng.random() < 0.92 else None,
                "function_id": rng.choice(functions) if rng.random() < 0.92 else None,
                "links": [],
            }
        )
        if rng.random() < 0.85:
            for term in rng.sample(competences, rng.randint(1, 3)):
                competence_rows.append({"user_id": user_id, "competence_id": term})
        for table, column, terms, share, most in (
            (followed_sectors, "sector_id", sectors, 0.35, 3),
            (followed_functions, "function_id", functions, 0.25, 2),
            (followed_competences, "competence_id", competences, 0.50, 3),
        ):
            if rng.random() < share:
                for term in rng.sample(terms, rng.randint(1, most)):
                    follow_rows[table].append({"user_id": user_id, column: term})
    _insert(Profile.__table__, profile_rows)
    _insert(profile_competences, competence_rows)
    for table, rows in follow_rows.items():
        _insert(table, rows)
        population.follows += len(rows)

    # Case studies published over the last month, with their terms, authors, comments of the last week.
    published = sorted(moment - timedelta(seconds=rng.uniform(60, MONTH.total_seconds())) for _ in range(cases))
    case_rows, case_meta = [], []
    for at in published:
        author = rng.choice(user_ids)
        public = rng.random() < PUBLIC_SHARE
        case_rows.append(
            {
                "title": f"{rng.choice(TOPICS)} ({rng.choice(ORGANISATIONS)})",
                "summary": SUMMARY,
                "body": BODY,
                "organisation": rng.choice(ORGANISATIONS),
                "sector_id": rng.choice(sectors) if rng.random() < 0.95 else None,
                "language": "en" if rng.random() < 0.15 else "it",
                "visibility": "public" if public else "members",
                "status": "published",
                "created_by_id": author,
                "created_at": at - timedelta(days=rng.uniform(1, 20)),
                "updated_at": at,
                "submitted_at": at - timedelta(hours=rng.uniform(2, 72)),
                "published_at": at,
                "published_year": at.astimezone(ROME).year,
                # Mostly zero, a few popular ones.
                "useful_count": min(int(rng.paretovariate(1.2)) - 1, 120),
                "comment_count": 0,
            }
        )
        case_meta.append((author, at, public))
        population.public_cases += public
        if at >= moment - WEEK:
            population.cases_in_week += 1
            population.public_cases_in_week += public
    population.cases = cases
    comment_plan = []
    if cases:
        for _ in range(cases // 2):
            index = rng.randrange(cases)
            start = max(case_meta[index][1], moment - WEEK)
            when = start + (moment - start) * rng.random()
            comment_plan.append((index, when))
            case_rows[index]["comment_count"] += 1
    _insert(CaseStudy.__table__, case_rows)
    case_ids = list(db.session.scalars(select(CaseStudy.id).order_by(CaseStudy.id)))
    function_rows, term_rows, author_rows = [], [], []
    for case_id, (author, _at, _public) in zip(case_ids, case_meta, strict=True):
        for term in rng.sample(functions, rng.randint(1, 2)):
            function_rows.append({"case_id": case_id, "function_id": term})
        for term in rng.sample(competences, rng.randint(1, 3)):
            term_rows.append({"case_id": case_id, "competence_id": term})
        author_rows.append({"case_id": case_id, "user_id": author, "position": 0})
        if rng.random() < 0.15 and len(user_ids) > 1:
            coauthor = rng.choice(user_ids)
            if coauthor != author:
                author_rows.append({"case_id": case_id, "user_id": coauthor, "position": 1})
    _insert(case_functions, function_rows)
    _insert(case_competences, term_rows)
    _insert(CaseAuthor.__table__, author_rows)
    comment_rows = [
        {
            "case_id": case_ids[index],
            "author_id": rng.choice(user_ids),
            "body": "Molto interessante: come avete coinvolto gli operatori?",
            "created_at": when,
        }
        for index, when in comment_plan
    ]
    _insert(Comment.__table__, comment_rows)
    population.comments = len(comment_rows)
    bookmark_rows = []
    for user_id in user_ids:
        if case_ids and rng.random() < 0.2:
            for case_id in rng.sample(case_ids, min(len(case_ids), rng.randint(1, 5))):
                bookmark_rows.append({"case_id": case_id, "user_id": user_id, "created_at": now})
    _insert(Bookmark.__table__, bookmark_rows)
    population.bookmarks = len(bookmark_rows)

    # An event week in the coming month, announced during the period: the digests list its sessions.
    opens = (now + timedelta(days=10)).astimezone(ROME)
    _insert(
        EventWeek.__table__,
        [
            {
                "title": "Settimana delle testimonianze",
                "themes": [],
                "description": "",
                "starts_on": opens.date(),
                "ends_on": (opens + timedelta(days=4)).date(),
                "place": "Milano",
                "online": False,
                "status": "published",
                "created_at": moment - timedelta(days=3),
            }
        ],
    )
    week_id = db.session.scalar(select(EventWeek.id))
    session_rows = []
    for day in range(4):
        starts = opens.replace(hour=10, minute=0, second=0, microsecond=0) + timedelta(days=day)
        for title in ("Testimonianze dal contact center", "Tavola rotonda sulla voce del cliente"):
            session_rows.append(
                {
                    "week_id": week_id,
                    "title": title,
                    "kind": "testimonial",
                    "description": "",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=1),
                    "capacity": 80,
                    "created_at": moment - timedelta(days=3),
                }
            )
            starts += timedelta(hours=3)
    _insert(EventSession.__table__, session_rows)
    population.sessions = len(session_rows)

    # The subscribers: every member (weekly, in their language) and the confirmed non-members.
    subscriber_rows = [
        {
            "email": row["email"],
            "user_id": user_id,
            "frequency": "weekly",
            "locale": row["locale"],
            "confirmed_at": row["email_verified_at"],
            "created_at": row["created_at"],
            "token_version": 1,
            "bounce_count": 0,
        }
        for user_id, row in zip(user_ids, user_rows, strict=True)
    ]
    for number in range(population.non_members):
        signed_up = now - timedelta(days=rng.uniform(8, 700))
        subscriber_rows.append(
            {
                "email": f"reader{number:06d}@example.net",
                "user_id": None,
                "frequency": "weekly",
                "locale": "en" if rng.random() < 0.25 else "it",
                "confirmed_at": signed_up,
                "created_at": signed_up,
                "token_version": 1,
                "bounce_count": 0,
            }
        )
    _insert(Subscriber.__table__, subscriber_rows)
    db.session.commit()
    population.counts = dict(Counter(row["locale"] for row in subscriber_rows))
    return population


# -- the measurements ------------------------------------------------------------------------------


@dataclass
class PipelineResult:
    queued: int
    skipped: int
    already: int
    sent: int
    retried: int
    failed: int
    received: int
    received_bytes: int
    cycle_seconds: float
    drain_seconds: float
    during_cycle: int = 0  # --overlap: messages the sink received before the cycle returned
    drain_errors: list = field(default_factory=list)  # --overlap: drains that failed
    stuck: int = 0  # messages left claimed ("sending") at the end: they wait for their lease to expire
    cycle_profile: cProfile.Profile | None = None
    drain_profile: cProfile.Profile | None = None

    @property
    def seconds(self) -> float:
        return self.cycle_seconds + self.drain_seconds

    @property
    def rate(self) -> float:
        return self.received / self.seconds if self.seconds else 0.0


def _timed(function, profile: bool):
    profiler = cProfile.Profile() if profile else None
    started = time.perf_counter()
    if profiler:
        profiler.enable()
    try:
        result = function()
    finally:
        if profiler:
            profiler.disable()
    return result, time.perf_counter() - started, profiler


def _drain_alongside(app, cycle_done, reports: list, errors: list) -> None:
    """--overlap: drain in a thread while the cycle runs, as the scheduler's interval job would (but
    without its 60 s pause). A drain that fails is recorded and started again, as the next run of the
    job would be."""
    from club.core import outbox
    from club.extensions import db

    with app.app_context():
        while True:
            last_round = cycle_done.is_set()
            try:
                report = outbox.drain()
            except Exception as error:  # counted and shown in the report
                where = [
                    frame.name for frame in traceback.extract_tb(error.__traceback__) if "outbox" in frame.filename
                ]
                errors.append(f"{type(error).__name__} in {' > '.join(where)}: {str(error).splitlines()[0]}")
                db.session.rollback()
                db.session.remove()
                if last_round:
                    return
                cycle_done.wait(0.5)
                continue
            db.session.remove()
            reports.append(report)
            if last_round and not report.handled:
                return
            if not report.handled:
                cycle_done.wait(0.05)


def run_pipeline(moment: datetime, sink: Sink, profile: bool, overlap: bool = False) -> PipelineResult:
    from flask import current_app
    from sqlalchemy import func, select

    from club.core import outbox
    from club.core.models import OutboxMessage
    from club.digests.services import run_cycle
    from club.extensions import db

    db.session.remove()  # start as the scheduler does: a fresh session, nothing cached
    messages_before, bytes_before = sink.messages, sink.size
    if overlap:
        cycle_done = threading.Event()
        reports: list = []
        errors: list = []
        drainer = threading.Thread(
            target=_drain_alongside,
            args=(current_app._get_current_object(), cycle_done, reports, errors),
            name="bench-drain",
        )
        drainer.start()
        try:
            report, cycle_seconds, cycle_profile = _timed(lambda: run_cycle("weekly", moment), profile)
        finally:
            cycle_done.set()
        during_cycle = sink.messages - messages_before
        db.session.remove()
        _none, drain_seconds, drain_profile = _timed(drainer.join, False)
        sent = sum(item.sent for item in reports)
        retried = sum(item.retried for item in reports)
        failed = sum(item.failed for item in reports)
    else:
        report, cycle_seconds, cycle_profile = _timed(lambda: run_cycle("weekly", moment), profile)
        db.session.remove()
        drained, drain_seconds, drain_profile = _timed(outbox.drain, profile)
        sent, retried, failed = drained.sent, drained.retried, drained.failed
        during_cycle = 0
        errors = []
    db.session.remove()
    stuck = db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("sending", "pending")))
    )
    db.session.remove()
    return PipelineResult(
        queued=report.queued,
        skipped=report.skipped,
        already=report.already,
        sent=sent,
        retried=retried,
        failed=failed,
        received=sink.messages - messages_before,
        received_bytes=sink.size - bytes_before,
        cycle_seconds=cycle_seconds,
        drain_seconds=drain_seconds,
        during_cycle=during_cycle,
        drain_errors=errors,
        stuck=stuck,
        cycle_profile=cycle_profile,
        drain_profile=drain_profile,
    )


@dataclass
class Prebuilt:
    """The digests the pipeline sent, rebuilt from their outbox rows before any timing starts."""

    wire: list[tuple[str, bytes]]  # (recipient, bytes) exactly as the drain sends them
    objects: list[EmailMessage]  # the same messages from club.core.mail.build_message
    wire_builder: str


def prebuilt_messages() -> Prebuilt:
    from sqlalchemy import select

    from club.core import mail
    from club.core.models import OutboxMessage
    from club.extensions import db

    rows = db.session.scalars(
        select(OutboxMessage)
        .where(OutboxMessage.kind == "digest", OutboxMessage.status == "sent")
        .order_by(OutboxMessage.id)
    ).all()
    objects = [
        mail.build_message(row.recipient, row.subject, row.text_body, row.html_body, row.headers) for row in rows
    ]
    build_bytes = getattr(mail, "build_bytes", None)  # the drain's own serialiser, where there is one
    if build_bytes is not None:
        wire = [
            (row.recipient, build_bytes(row.recipient, row.subject, row.text_body, row.html_body, row.headers))
            for row in rows
        ]
        builder = "club.core.mail.build_bytes"
    else:
        # CRLF line ends, as smtplib.send_message writes them (sendmail sends bytes as they are).
        wire = [
            (row.recipient, item.as_bytes(policy=item.policy.clone(linesep="\r\n")))
            for row, item in zip(rows, objects, strict=True)
        ]
        builder = "build_message().as_bytes()"
    return Prebuilt(wire, objects, builder)


def plain_smtp(port: int, sink: Sink, send) -> tuple[int, float]:
    """Messages the sink received and the seconds taken, for `send(smtp)` over one connection."""
    before = sink.messages
    started = time.perf_counter()
    smtp = smtplib.SMTP("127.0.0.1", port, timeout=30)
    try:
        send(smtp)
    finally:
        smtp.quit()
    return sink.messages - before, time.perf_counter() - started


def run_baselines(port: int, sink: Sink, prebuilt: Prebuilt) -> dict[str, tuple[int, float]]:
    """(messages received, seconds) for: prebuilt bytes through sendmail, the baseline of the ratio;
    and EmailMessage objects through send_message, which also times their serialisation."""
    sender = parseaddr(SENDER)[1]

    def send_bytes(smtp):
        for recipient, data in prebuilt.wire:
            smtp.sendmail(sender, [recipient], data)

    def send_objects(smtp):
        for message in prebuilt.objects:
            smtp.send_message(message)

    return {"bytes": plain_smtp(port, sink, send_bytes), "send_message": plain_smtp(port, sink, send_objects)}


# -- the report ------------------------------------------------------------------------------------


def _rate(count: int, seconds: float) -> float:
    return count / seconds if seconds else 0.0


def print_report(
    args, backend: str, population: Population, setup_seconds: float, pipeline, baselines, prebuilt: Prebuilt
) -> None:
    plain_rate = _rate(*baselines["bytes"])
    objects_rate = _rate(*baselines["send_message"])
    ratio = pipeline.rate / plain_rate if plain_rate else 0.0
    objects_ratio = pipeline.rate / objects_rate if objects_rate else 0.0
    wire_size = sum(len(data) for _recipient, data in prebuilt.wire) / len(prebuilt.wire) if prebuilt.wire else 0
    per_digest = pipeline.received_bytes / pipeline.received if pipeline.received else 0
    profiled = " (under cProfile: slower than a plain run)" if args.profile else ""
    rows = [
        (
            "database",
            f"{backend}, {os.cpu_count()} CPUs, sink in a {args.sink}, "
            + ("drain alongside the cycle (--overlap)" if args.overlap else "drain after the cycle"),
        ),
        ("setup (schema + data)", f"{setup_seconds:.1f} s"),
        ("subscribers", f"{args.subscribers} ({population.members} members, {population.non_members} non-members)"),
        (
            "cases",
            f"{population.cases} in the month, {population.cases_in_week} in the week "
            f"({population.public_cases_in_week} public)",
        ),
        ("queued", pipeline.queued),
        ("skipped", pipeline.skipped),
        ("sent by the drain / received", f"{pipeline.sent} / {pipeline.received} (avg {per_digest / 1024:.1f} KiB)"),
        ("cycle s", f"{pipeline.cycle_seconds:.2f} ({_rate(pipeline.queued, pipeline.cycle_seconds):.0f} digests/s)"),
        (
            (
                "drain s (after the cycle)",
                f"{pipeline.drain_seconds:.2f} ({pipeline.during_cycle} sent during the cycle)",
            )
            if args.overlap
            else (
                "drain s",
                f"{pipeline.drain_seconds:.2f} ({_rate(pipeline.sent, pipeline.drain_seconds):.0f} msgs/s)",
            )
        ),
        ("pipeline s", f"{pipeline.seconds:.2f}"),
        ("digests/s", f"{pipeline.rate:.0f}{profiled}"),
        (
            "plain SMTP msgs/s",
            f"{plain_rate:.0f} (smtplib sendmail, one connection, bytes prebuilt by {prebuilt.wire_builder}, "
            f"avg {wire_size / 1024:.1f} KiB)",
        ),
        ("  EmailMessage msgs/s", f"{objects_rate:.0f} (smtplib send_message: serialises each message as it goes)"),
        ("ratio", f"{ratio:.2f} (pipeline / plain SMTP; against send_message: {objects_ratio:.2f})"),
    ]
    width = max(len(name) for name, _value in rows)
    print()
    print("Digest pipeline: run_cycle('weekly') + outbox.drain() to a local SMTP sink")
    for name, value in rows:
        print(f"  {name:<{width}}  {value}")
    print("Targets")
    for name, met in (
        (f"digests/s >= {TARGET_DIGESTS_PER_SECOND:.0f}", pipeline.rate >= TARGET_DIGESTS_PER_SECOND),
        (f"ratio >= {TARGET_RATIO}", ratio >= TARGET_RATIO),
    ):
        print(f"  {name:<{width}}  {'met' if met else 'NOT met'}")
    if pipeline.received != pipeline.queued or pipeline.failed or pipeline.retried or pipeline.stuck:
        print(
            f"  warning: {pipeline.queued} queued but {pipeline.received} received "
            f"({pipeline.retried} retried, {pipeline.failed} failed, {pipeline.stuck} still pending or claimed)"
        )
    if pipeline.drain_errors:
        print(f"  warning: {len(pipeline.drain_errors)} drains failed during the cycle:")
        for error, count in Counter(pipeline.drain_errors).most_common():
            print(f"    {count} x {error}")


def print_profile(title: str, profiler: cProfile.Profile, sort: str, limit: int) -> None:
    print()
    print(f"== cProfile of the {title}: top {limit} by {sort} ==")
    pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(sort).print_stats(limit)


# -- the command -----------------------------------------------------------------------------------


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.digests", description=__doc__.split("\n\n")[0])
    parser.add_argument("--subscribers", type=int, default=10_000, help="due weekly subscribers (default 10000)")
    parser.add_argument("--cases", type=int, default=2_000, help="cases published over the last month (2000)")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (a temporary file, the default) or a SQLAlchemy URL, e.g. postgresql+psycopg://...",
    )
    parser.add_argument("--drop-existing", action="store_true", help="drop the club's tables found in --database")
    parser.add_argument("--profile", action="store_true", help="print cProfile's top entries for the cycle and drain")
    parser.add_argument("--profile-sort", default="cumulative", help="pstats sort key (default cumulative)")
    parser.add_argument("--profile-limit", type=int, default=25, help="entries to print (default 25)")
    parser.add_argument(
        "--sink",
        choices=("process", "thread"),
        default="process",
        help="run the SMTP sink in its own process (default, like a real server) or in a thread of this one",
    )
    parser.add_argument(
        "--overlap",
        action="store_true",
        help="drain in a thread while the cycle runs (as the scheduler's 60 s drain job may), not after it",
    )
    parser.add_argument("--seed", type=int, default=1, help="random seed of the generated data")
    parser.add_argument("--keep", action="store_true", help="keep the temporary SQLite directory")
    args = parser.parse_args(argv)
    if args.subscribers < 1 or args.cases < 0:
        parser.error("--subscribers must be at least 1 and --cases at least 0")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    rng = random.Random(args.seed)
    workdir = Path(tempfile.mkdtemp(prefix="club-bench-"))
    if args.database == "sqlite":
        database_url = "sqlite:///" + str(workdir / "bench.sqlite3")
    else:
        database_url = args.database
    sink = Sink(args.sink).start()
    try:
        from club import create_app
        from club.core.timeutil import utcnow
        from club.digests import schedule
        from club.extensions import db

        app = create_app(bench_config(database_url, sink.port), instance_path=str(workdir / "instance"))
        with app.app_context():
            backend = db.engine.dialect.name
            moment = schedule.due_moment("weekly", utcnow())
            started = time.perf_counter()
            print(f"building the database ({backend}): {args.subscribers} subscribers, {args.cases} cases...")
            build_schema(args.drop_existing)
            population = populate(args.subscribers, args.cases, moment, rng)
            setup_seconds = time.perf_counter() - started
            print(f"  done in {setup_seconds:.1f} s; running the cycle for the week ending {moment:%Y-%m-%d %H:%M} UTC")
            pipeline = run_pipeline(moment, sink, args.profile, args.overlap)
            print(f"  cycle {pipeline.cycle_seconds:.1f} s, drain {pipeline.drain_seconds:.1f} s; plain SMTP next")
            prebuilt = prebuilt_messages()
            baselines = run_baselines(sink.port, sink, prebuilt)
            print_report(args, backend, population, setup_seconds, pipeline, baselines, prebuilt)
            if args.profile:
                print_profile("cycle (run_cycle)", pipeline.cycle_profile, args.profile_sort, args.profile_limit)
                if pipeline.drain_profile is not None:  # with --overlap the drain runs in another thread
                    print_profile("drain (outbox.drain)", pipeline.drain_profile, args.profile_sort, args.profile_limit)
            db.session.remove()
            db.engine.dispose()
    finally:
        sink.stop()
        if args.keep and args.database == "sqlite":
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
