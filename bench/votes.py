"""Vote load: many members cast their ballots at the same moment, over HTTP, against gunicorn.

    .venv/bin/python -m bench.votes [--voters 1000] [--concurrency 64] [--workers 2] [--categories 3]
                                    [--finalists 6] [--database sqlite|URL] [--drop-existing] [--seed 1]

What it does (bench/README.md, "Vote load", says more):

1. builds a fresh database (a temporary SQLite file, which the app opens in WAL mode, or the
   PostgreSQL database of --database, which must hold none of the club's tables unless
   --drop-existing is given): the schema, N verified active members sharing one precomputed argon2
   hash (bulk inserts), one author per finalist case, an organiser, an event week and a published
   award edition whose member vote is open now, with a few categories and their finalists;
2. starts gunicorn with the project's gunicorn.conf.py (--workers workers, its gthread threads) on a
   free loopback port, in production configuration (CLUB_ENV=production, DATABASE_URL, a SECRET_KEY
   of its own made for the run), without gunicorn's control socket and with the time each request
   spent in a worker added to the access log;
3. lets the members vote from `concurrency` client threads: each member GETs the ballot page of each
   category they vote in (its CSRF token), then POSTs a random, often partial, ranking through the
   page's place selects; a share of them later change one ballot (GET then POST again) and a share
   send one of their POSTs twice at the same moment, on two connections, behind a barrier;
4. checks: every status is the expected one (200, 302; of a simultaneous pair, one 409 "recorded by
   another request" is allowed), exactly one ballot row per member and category who voted (found by
   the app's own voter key), holding the member's last accepted ranking and the receipt the member was
   given (read from the flash in the signed session cookie), one vote-origin row each, and nothing else;
5. moves the edition's timeline as time passing would (every moment shifted by the same amount,
   through services.save_edition, until the results time is past), checks that a late ballot is
   refused (409), lets the scheduler's job (services.publish_due_results) publish, and compares each
   category's published tally with three recounts: club/awards/tally.py over the stored rows, over
   the rankings the clients know they cast last, and over the public anonymous ballot CSV fetched
   from gunicorn (whose fingerprints must be exactly those of the receipts handed out).

It prints a table and exits 1 on any discrepancy. It never asserts a timing.

Signing in. The login form allows 10 attempts a minute per address and hashes with argon2 at
production cost: 1,000 logins from 127.0.0.1 would be refused, and the figures would measure
password hashing, not voting. Rather than switching the limiter off (the server runs its production
configuration untouched), each member gets the session cookie that a login would have given them:
flask-login's own login_user() fills a session in a request context of an app sharing the server's
SECRET_KEY, for the client's address and User-Agent (so the "basic" session protection recognises
it), and the app's session interface signs it. The cookie is Secure (production): the client sends
it itself, since a cookie jar would keep a Secure cookie away from plain http on loopback.
"""

from __future__ import annotations

import argparse
import csv
import io
import os
import random
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
USER_AGENT = "club-bench-votes/1"
CHANGE_SHARE = 0.2
DUPLICATE_SHARE = 0.1
CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"|value="([^"]+)"[^>]*name="csrf_token"')
DAY = timedelta(days=1)
ACCESS_LOG_FORMAT = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(D)s'
VOTE_POST = re.compile(r'"POST /awards/categories/\d+/vote HTTP/[0-9.]+" \d+ \S+ "[^"]*" "[^"]*" (\d+)$')
# Days from now of the seven moments of an edition whose member vote is open (and jury closed).
VOTING = {
    "nominations_open_at": -10,
    "nominations_close_at": -8,
    "jury_open_at": -7,
    "jury_close_at": -1,
    "vote_open_at": -1,
    "vote_close_at": 1,
    "results_at": 2,
}


# -- the harness application and the data ----------------------------------------------------------


def harness_config(database_url: str, secret_key: str) -> type:
    """The production configuration on the bench's database with the server's key (voter keys and
    session cookies depend on it); mail stays in memory, though nothing here sends any."""
    from club.config import ProductionConfig

    settings = {"SQLALCHEMY_DATABASE_URI": database_url, "SECRET_KEY": secret_key, "MAIL_BACKEND": "memory"}
    return type("VoteHarnessConfig", (ProductionConfig,), settings)


@dataclass
class Election:
    edition_id: int
    organiser_id: int
    voter_ids: list[int]
    finalists: dict[int, list[int]]  # category id -> finalist case ids


def _insert_returning_ids(table, rows: list[dict], key: str, values: list) -> dict:
    """Bulk insert, then the ids by a unique column (no RETURNING needed on either backend)."""
    from sqlalchemy import insert, select

    from club.extensions import db

    for start in range(0, len(rows), 5000):
        db.session.execute(insert(table), rows[start : start + 5000])
    found = {}
    for start in range(0, len(values), 5000):
        chunk = values[start : start + 5000]
        found.update(db.session.execute(select(table.c[key], table.c.id).where(table.c[key].in_(chunk))).all())
    return found


def prepare(voters: int, categories: int, finalists: int, rng: random.Random) -> Election:
    """The members, the edition with its categories and finalists; committed. Needs an app context."""
    from sqlalchemy import insert

    from club.accounts import passwords
    from club.accounts.models import User
    from club.awards import services
    from club.awards.models import Nomination
    from club.cases.models import CaseAuthor, CaseStudy
    from club.core.timeutil import ROME, utcnow
    from club.events import services as events
    from club.extensions import db

    now = utcnow().replace(second=0, microsecond=0)
    # One real hash at the server's (production) cost, shared: nobody types a password here.
    password_hash = passwords.hash_password(secrets.token_urlsafe(24))
    joined = now - 90 * DAY

    def person(email: str, role: str = "member") -> dict:
        return {
            "email": email,
            "display_name": email.split("@")[0].replace(".", " ").title(),
            "password_hash": password_hash,
            "role": role,
            "locale": "en",
            "created_at": joined,
            "email_verified_at": joined,
            "session_version": 1,
        }

    voter_emails = [f"voter{number:06d}@bench.example" for number in range(voters)]
    author_emails = [f"author{number:04d}@bench.example" for number in range(categories * finalists)]
    rows = [person(email) for email in voter_emails + author_emails] + [person("organiser@bench.example", "organiser")]
    ids = _insert_returning_ids(User.__table__, rows, "email", [row["email"] for row in rows])
    organiser = db.session.get(User, ids["organiser@bench.example"])

    week = events.save_week(
        None,
        events.WeekInput(
            title="Settimana del voto (bench)",
            themes=["relazione"],
            description="",
            starts_on=to_date(now + 3 * DAY),
            ends_on=to_date(now + 7 * DAY),
            place="Milano",
            online=False,
            status="published",
        ),
        organiser,
    )
    moments = {name: now + offset * DAY for name, offset in VOTING.items()}
    edition = services.save_edition(
        None,
        services.EditionInput(
            week_id=week.id,
            title="Premio Esperienza Cliente (bench)",
            description="",
            published=True,
            max_entries_per_case=2,
            anonymous_judging=False,
            jury_weight=70,
            **moments,
        ),
        organiser,
    )
    today = now.astimezone(ROME).date()
    made: dict[int, list[int]] = {}
    authors = iter(author_emails)
    for number in range(categories):
        category = services.save_category(
            edition,
            None,
            services.CategoryInput(
                name=f"Categoria {number + 1}",
                description="",
                eligible_from=today - 365 * DAY,
                eligible_until=today + 30 * DAY,
                sector_ids=[],
                criteria=[("Impatto", 50), ("Innovazione", 30), ("Replicabilità", 20)],
            ),
            organiser,
        )
        case_rows = []
        for place in range(finalists):
            author = ids[next(authors)]
            published = now - rng.uniform(10, 300) * DAY
            case_rows.append(
                {
                    "title": f"Caso {number + 1}.{place + 1} del bench voti",
                    "summary": "Un caso finalista.",
                    "body": "Il racconto del caso.",
                    "organisation": f"Organizzazione {author}",
                    "language": "it",
                    "visibility": "members",
                    "status": "published",
                    "created_by_id": author,
                    "created_at": published,
                    "updated_at": published,
                    "submitted_at": published,
                    "published_at": published,
                    "published_year": published.astimezone(ROME).year,
                }
            )
        case_ids = _insert_returning_ids(CaseStudy.__table__, case_rows, "title", [row["title"] for row in case_rows])
        by_title = [case_ids[row["title"]] for row in case_rows]
        db.session.execute(
            insert(CaseAuthor.__table__),
            [
                {"case_id": case_id, "user_id": row["created_by_id"], "position": 0}
                for case_id, row in zip(by_title, case_rows, strict=True)
            ],
        )
        db.session.execute(
            insert(Nomination.__table__),
            [
                {
                    "edition_id": edition.id,
                    "category_id": category.id,
                    "case_id": case_id,
                    "nominated_by_id": row["created_by_id"],
                    "accepted_by_id": row["created_by_id"],
                    "status": "entered",
                    "slot": 0,
                    "statement": "",
                    "eligibility": "eligible",
                    "finalist": True,
                    "created_at": now - 9 * DAY,
                    "entered_at": now - 9 * DAY,
                }
                for case_id, row in zip(by_title, case_rows, strict=True)
            ],
        )
        made[category.id] = sorted(by_title)
    election = Election(edition.id, organiser.id, [ids[email] for email in voter_emails], made)
    db.session.commit()
    return election


def to_date(moment) -> date:
    from club.core.timeutil import ROME

    return moment.astimezone(ROME).date()


def session_cookies(app, user_ids: list[int]) -> dict[int, str]:
    """user id -> the signed session cookie a login from this client would have set (see the docstring)."""
    from flask import session
    from flask_login import login_user
    from sqlalchemy import select

    from club.accounts.models import User
    from club.extensions import db

    serializer = app.session_interface.get_signing_serializer(app)
    cookies = {}
    for user in db.session.scalars(select(User).where(User.id.in_(user_ids))):
        environ = {"REMOTE_ADDR": "127.0.0.1"}
        with app.test_request_context("/", environ_base=environ, headers={"User-Agent": USER_AGENT}):
            login_user(user)
            cookies[user.id] = serializer.dumps(dict(session))
    return cookies


# -- gunicorn --------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Server:
    """gunicorn -c gunicorn.conf.py app:app, in production configuration, on a free loopback port."""

    def __init__(self, database_url: str, secret_key: str, workers: int, logfile: Path) -> None:
        self.database_url = database_url
        self.secret_key = secret_key
        self.workers = workers
        self.logfile = logfile
        self.port = 0
        self.process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 90) -> Server:
        for _attempt in range(3):
            self.port = free_port()
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("GUNICORN_", "CLUB_", "DATABASE_", "MAIL_", "RATELIMIT_", "LOGIN_"))
            }
            env.update(
                CLUB_ENV="production",
                DATABASE_URL=self.database_url,
                SECRET_KEY=self.secret_key,
                GUNICORN_BIND=f"127.0.0.1:{self.port}",
                GUNICORN_WORKERS=str(self.workers),
                PYTHONUNBUFFERED="1",
            )
            with open(self.logfile, "ab") as log:
                self.process = subprocess.Popen(
                    [
                        sys.executable,
                        "-m",
                        "gunicorn",
                        "-c",
                        "gunicorn.conf.py",
                        # gunicorn's control socket has one default path per user: two servers at once
                        # (a bench beside a test run) would fight over it, and nothing here uses it.
                        "--no-control-socket",
                        # gunicorn's default access-log line plus the time spent in the worker (us), so
                        # that the server's share of a POST's time can be told from the queueing.
                        "--access-logformat",
                        ACCESS_LOG_FORMAT,
                        "app:app",
                    ],
                    cwd=ROOT,
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,  # a Ctrl-C meant for the bench reaches gunicorn through stop()
                )
            if self._wait_ready(timeout):
                return self
            self.stop()
        raise RuntimeError(f"gunicorn did not start; its log:\n{self.log_tail()}")

    def _wait_ready(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False  # e.g. the port was taken meanwhile
            try:
                if requests.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return True
            except requests.RequestException:
                pass
            time.sleep(0.1)
        return False

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            # Quick shutdown (INT): every request has been answered by now, and the graceful one (TERM)
            # costs seconds of waiting per run.
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
        self.process = None

    def log_tail(self, lines: int = 40) -> str:
        try:
            return "\n".join(self.logfile.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def vote_post_seconds(self) -> list[float]:
        """How long each ballot POST spent in a worker (from the access log), in seconds."""
        try:
            lines = self.logfile.read_text(errors="replace").splitlines()
        except OSError:
            return []
        return [int(found.group(1)) / 1e6 for line in lines if (found := VOTE_POST.search(line))]

    def logged_errors(self) -> list[str]:
        """Each traceback or worker trouble in gunicorn's log, with the lines that follow it (the
        access log lines left out)."""
        try:
            lines = self.logfile.read_text(errors="replace").splitlines()
        except OSError:
            return []
        markers = ("Traceback", "[ERROR]", "[CRITICAL]", "WORKER TIMEOUT", "Exception on ")
        found, index = [], 0
        while index < len(lines):
            if any(marker in lines[index] for marker in markers):
                block = [line for line in lines[max(0, index - 1) : index + 40] if not line.startswith("127.0.0.1 - ")]
                found.append("\n".join(block))
                index += 40
            else:
                index += 1
        return found


# -- the voters ------------------------------------------------------------------------------------


@dataclass
class Step:
    category_id: int
    ranking: list[int]
    duplicate: bool = False  # sent twice at the same moment


@dataclass
class Sent:
    """One POST of a step: its status, its time, and the receipt it handed out (when accepted)."""

    status: int | str
    seconds: float
    receipt: str | None = None


@dataclass
class Outcome:
    wall_seconds: float = 0.0
    statuses: Counter = field(default_factory=Counter)  # "GET 200", "POST 302", ...
    post_seconds: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # (voter, category) -> every step's POSTs, in order
    sent: dict[tuple[int, int], list[tuple[Step, list[Sent]]]] = field(default_factory=lambda: defaultdict(list))
    lock: threading.Lock = field(default_factory=threading.Lock)

    def fail(self, message: str) -> None:
        with self.lock:
            self.failures.append(message)


def plan(election: Election, rng: random.Random) -> dict[int, list[Step]]:
    """Each voter's steps: a random partial ranking in some categories, maybe one change, maybe one
    POST sent twice at once."""
    plans = {}
    categories = sorted(election.finalists)
    for voter in election.voter_ids:
        chosen = rng.sample(categories, rng.randint(1, len(categories)))
        steps = []
        for category_id in chosen:
            cases = election.finalists[category_id]
            steps.append(Step(category_id, rng.sample(cases, rng.randint(1, len(cases)))))
        if rng.random() < CHANGE_SHARE:
            category_id = rng.choice(chosen)
            cases = election.finalists[category_id]
            steps.append(Step(category_id, rng.sample(cases, rng.randint(1, len(cases)))))
        if rng.random() < DUPLICATE_SHARE:
            rng.choice(steps).duplicate = True
        plans[voter] = steps
    return plans


def _session_from(response, cookie: str) -> str:
    for header in response.raw.headers.getlist("Set-Cookie"):
        name, _, rest = header.partition("=")
        if name.strip() == "session":
            return rest.split(";", 1)[0]
    return cookie


class Client:
    """One member's browser: their own connection and session cookie."""

    def __init__(self, base_url: str, cookie: str, serializer) -> None:
        self.base_url = base_url
        self.cookie = cookie
        self.serializer = serializer
        self.http = requests.Session()
        self.http.headers.update({"User-Agent": USER_AGENT, "Accept-Language": "en"})

    def _headers(self) -> dict:
        return {"Cookie": f"session={self.cookie}"}

    def ballot_page(self, category_id: int) -> tuple[int | str, str | None]:
        try:
            response = self.http.get(
                f"{self.base_url}/awards/categories/{category_id}/vote", headers=self._headers(), timeout=60
            )
        except requests.RequestException as error:
            return type(error).__name__, None
        self.cookie = _session_from(response, self.cookie)
        found = CSRF_INPUT.search(response.text)
        return response.status_code, (found.group(1) or found.group(2)) if found else None

    def cast(self, step: Step, token: str, cookie: str | None = None, http=None) -> tuple[Sent, str | None]:
        places = {f"place_{case_id}": "" for case_id in step.ranking}
        places.update({f"place_{case_id}": str(place) for place, case_id in enumerate(step.ranking, start=1)})
        data = {"csrf_token": token, **places}
        started = time.perf_counter()
        try:
            response = (http or self.http).post(
                f"{self.base_url}/awards/categories/{step.category_id}/vote",
                data=data,
                headers={"Cookie": f"session={cookie or self.cookie}"},
                allow_redirects=False,
                timeout=60,
            )
        except requests.RequestException as error:
            return Sent(type(error).__name__, time.perf_counter() - started), None
        seconds = time.perf_counter() - started
        new_cookie = _session_from(response, cookie or self.cookie)
        receipt = None
        if response.status_code == 302:
            flashes = self.serializer.loads(new_cookie).get("_flashes", [])
            receipts = [message for kind, message in flashes if kind == "receipt"]
            receipt = receipts[-1] if receipts else None
        return Sent(response.status_code, seconds, receipt), new_cookie

    def close(self) -> None:
        self.http.close()


def vote(base_url: str, voter: int, steps: list[Step], cookie: str, serializer, outcome: Outcome) -> None:
    client = Client(base_url, cookie, serializer)
    try:
        for step in steps:
            status, token = client.ballot_page(step.category_id)
            with outcome.lock:
                outcome.statuses[f"GET {status}"] += 1
            if status != 200 or token is None:
                outcome.fail(f"voter {voter}: the ballot page of category {step.category_id} answered {status}")
                return
            if step.duplicate:
                sent = _cast_twice(client, step, token)
            else:
                one, new_cookie = client.cast(step, token)
                sent = [(one, new_cookie)]
            with outcome.lock:
                for one, _cookie in sent:
                    outcome.statuses[f"POST {one.status}"] += 1
                    outcome.post_seconds.append(one.seconds)
                outcome.sent[(voter, step.category_id)].append((step, [one for one, _cookie in sent]))
            statuses = sorted(str(one.status) for one, _cookie in sent)
            # Of two identical POSTs at once, the second may find the first one's row being written: 409.
            expected = (["302"],) if not step.duplicate else (["302", "302"], ["302", "409"])
            if statuses not in expected:
                outcome.fail(f"voter {voter}, category {step.category_id}: POST answered {statuses}")
                return
            if any(one.status == 302 and not one.receipt for one, _cookie in sent):
                outcome.fail(f"voter {voter}, category {step.category_id}: accepted without a receipt")
            client.cookie = next(new_cookie for one, new_cookie in sent if one.status == 302)
    finally:
        client.close()


def _cast_twice(client: Client, step: Step, token: str) -> list[tuple[Sent, str | None]]:
    """The same POST on two connections, released together by a barrier."""
    barrier = threading.Barrier(2)
    results: list = [None, None]
    other = requests.Session()
    other.headers.update(client.http.headers)

    def send(index: int, http) -> None:
        barrier.wait(timeout=30)
        results[index] = client.cast(step, token, client.cookie, http)

    twin = threading.Thread(target=send, args=(1, other))
    twin.start()
    try:
        send(0, client.http)
    finally:
        twin.join(120)
        other.close()
    return results


def run_load(base_url: str, plans: dict[int, list[Step]], cookies: dict[int, str], serializer, concurrency: int):
    outcome = Outcome()
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="voter") as pool:
        futures = [
            pool.submit(vote, base_url, voter, steps, cookies[voter], serializer, outcome)
            for voter, steps in plans.items()
        ]
        for future in futures:
            error = future.exception()
            if error is not None:
                outcome.fail(f"a client crashed: {error!r}")
    outcome.wall_seconds = time.perf_counter() - started
    return outcome


# -- the checks ------------------------------------------------------------------------------------


def expected_ballots(outcome: Outcome) -> dict[tuple[int, int], tuple[list[int], set[str]]]:
    """(voter, category) -> (the last accepted ranking, the receipts its accepted POSTs handed out)."""
    expected = {}
    for key, steps in outcome.sent.items():
        for step, sent in steps:
            receipts = {one.receipt for one in sent if one.status == 302 and one.receipt}
            if receipts:
                expected[key] = (list(step.ranking), receipts)
    return expected


def check_rows(election: Election, expected: dict) -> tuple[list[str], int]:
    """Exactly one ballot row (and one vote-origin row) per voter and category who voted, with their
    last ranking and one of the receipts of that last POST; nothing else. Returns (problems, rows)."""
    from sqlalchemy import func, select

    from club.awards import services
    from club.awards.models import Ballot, VoteOrigin
    from club.extensions import db

    problems = []
    db.session.expire_all()
    rows = {}
    for ballot in db.session.scalars(select(Ballot).where(Ballot.category_id.in_(list(election.finalists)))):
        rows.setdefault((ballot.category_id, ballot.voter_key), []).append(ballot)
    seen = set()
    for (voter, category_id), (ranking, receipts) in expected.items():
        key = (category_id, services.voter_key(category_id, voter))
        found = rows.get(key, [])
        seen.add(key)
        if len(found) != 1:
            problems.append(f"voter {voter}, category {category_id}: {len(found)} ballot rows")
            continue
        if list(found[0].ranking) != ranking:
            problems.append(f"voter {voter}, category {category_id}: stored {found[0].ranking}, last cast {ranking}")
        if found[0].receipt_hash not in {services.receipt_hash(receipt) for receipt in receipts}:
            problems.append(f"voter {voter}, category {category_id}: the stored receipt is not the last one given")
    extra = sum(len(found) for key, found in rows.items() if key not in seen)
    if extra:
        problems.append(f"{extra} ballot rows that no accepted POST explains")
    for category_id in election.finalists:
        voters = sum(1 for _voter, category in expected if category == category_id)
        origins = db.session.scalar(
            select(func.count()).select_from(VoteOrigin).where(VoteOrigin.category_id == category_id)
        )
        if origins != voters:
            problems.append(f"category {category_id}: {origins} vote-origin rows for {voters} voters")
    return problems, sum(len(found) for found in rows.values())


def close_vote(election: Election) -> None:
    """Shift every moment of the timeline back by the same amount, as if the days had passed, through
    the service an organiser's edit goes through, until the results time is behind us."""
    from club.accounts.models import User
    from club.awards import services
    from club.awards.models import AwardEdition
    from club.core.timeutil import utcnow
    from club.extensions import db

    edition = db.session.get(AwardEdition, election.edition_id)
    shift = edition.results_at - utcnow() + timedelta(minutes=1)
    fields = {name: getattr(edition, name) for name in services.EditionInput.__dataclass_fields__}
    fields.update({name: getattr(edition, name) - shift for name in VOTING})
    services.save_edition(edition, services.EditionInput(**fields), db.session.get(User, election.organiser_id))
    db.session.commit()


def recount(election: Election, expected: dict, csv_rows: dict[int, list[list[int]]], listed: dict):
    """Each published tally against the recounts; returns (problems, {category: all equal?}).

    `listed` maps the public fingerprints of the CSVs to (category, ranking)."""
    from sqlalchemy import select

    from club.awards import tally as tallying
    from club.awards.models import AwardCategory, AwardEdition, Ballot
    from club.extensions import db

    problems: list[str] = []
    equal = {}
    db.session.expire_all()
    edition = db.session.get(AwardEdition, election.edition_id)
    for category in db.session.scalars(select(AwardCategory).where(AwardCategory.edition_id == edition.id)):
        published = dict(category.tally or {})
        published.pop("scores", None)
        if not published:
            problems.append(f"category {category.id}: no published tally")
            equal[category.id] = False
            continue
        candidates = election.finalists[category.id]
        weights = {criterion.id: criterion.weight for criterion in category.criteria}

        def count(ballots, candidates=candidates, weights=weights):
            return tallying.tally(candidates, ballots, [], weights, jury_weight=edition.jury_weight / 100).as_dict()

        stored = [
            list(ranking)
            for ranking in db.session.scalars(select(Ballot.ranking).where(Ballot.category_id == category.id))
        ]
        mine = [
            ranking for (_voter, category_id), (ranking, _receipts) in expected.items() if category_id == category.id
        ]
        recounts = {
            "stored rows": count(stored),
            "clients' last ballots": count(mine),
            "public CSV": count(csv_rows[category.id]),
        }
        equal[category.id] = True
        if sorted(published["candidates"]) != candidates:
            problems.append(f"category {category.id}: published candidates {published['candidates']}")
            equal[category.id] = False
        for name, counted in recounts.items():
            if counted != published:
                problems.append(f"category {category.id}: the recount from the {name} differs from the published tally")
                equal[category.id] = False
        if published["ballot_count"] != len(mine):
            problems.append(f"category {category.id}: {published['ballot_count']} ballots counted, {len(mine)} voters")
            equal[category.id] = False
    # Every public fingerprint is one of the receipts handed out, with the ranking its voter cast last.
    given = given_fingerprints(expected)
    for fingerprint, (category_id, ranking) in listed.items():
        known = given.get(fingerprint)
        if known is None:
            problems.append(f"category {category_id}: CSV ballot {fingerprint} matches no receipt handed out")
        elif known != (category_id, ranking):
            problems.append(f"category {category_id}: CSV ballot {fingerprint} does not hold its voter's ranking")
    if len(listed) != len(expected):
        problems.append(f"the CSVs list {len(listed)} ballots for {len(expected)} voters")
    return problems, equal


def public_csv(base_url: str, category_ids: list[int]) -> tuple[dict[int, list[list[int]]], dict, list[str]]:
    """The anonymous ballot list of each category, as anyone can download it once results are out."""
    rows: dict[int, list[list[int]]] = {}
    fingerprints: dict[str, tuple[int, list[int]]] = {}
    problems = []
    for category_id in category_ids:
        response = requests.get(f"{base_url}/awards/categories/{category_id}/ballots.csv", timeout=60)
        if response.status_code != 200:
            problems.append(f"category {category_id}: ballots.csv answered {response.status_code}")
            rows[category_id] = []
            continue
        reader = csv.reader(io.StringIO(response.text))
        next(reader, None)
        rows[category_id] = []
        for fingerprint, ranking in reader:
            cast = [int(part) for part in ranking.split(" > ") if part]
            rows[category_id].append(cast)
            if fingerprint in fingerprints:
                problems.append(f"category {category_id}: ballot {fingerprint} listed twice")
            fingerprints[fingerprint] = (category_id, cast)
        page = requests.get(f"{base_url}/awards/categories/{category_id}/results", timeout=60)
        if page.status_code != 200:
            problems.append(f"category {category_id}: the results page answered {page.status_code}")
    return rows, fingerprints, problems


def given_fingerprints(expected: dict) -> dict[str, tuple[int, list[int]]]:
    """The public fingerprint of every receipt of a last accepted POST -> (category, ranking)."""
    from club.awards import services

    found = {}
    for (_voter, category_id), (ranking, receipts) in expected.items():
        for receipt in receipts:
            found[services.fingerprint(services.receipt_hash(receipt))] = (category_id, ranking)
    return found


# -- the whole run ---------------------------------------------------------------------------------


@dataclass
class Report:
    backend: str
    voters: int
    concurrency: int
    workers: int
    wall_seconds: float
    accepted: int
    statuses: Counter
    post_p50: float
    post_p99: float
    server_p50: float
    server_p99: float
    ballots_stored: int
    late_ballot_status: int | str
    recount_equal: dict[int, bool]
    problems: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


def percentile(values: list[float], share: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def run(
    database_url: str,
    *,
    voters: int,
    concurrency: int,
    workers: int = 2,
    categories: int = 3,
    finalists: int = 6,
    seed: int = 1,
    workdir: Path,
    build_schema: bool = False,
    drop_existing: bool = False,
    say=print,
) -> Report:
    """Everything but the database's creation: prepare, serve, vote, check, publish, recount."""
    from club import create_app
    from club.awards import services
    from club.extensions import db

    rng = random.Random(seed)
    secret_key = secrets.token_hex(32)
    app = create_app(harness_config(database_url, secret_key), instance_path=str(workdir / "instance"))
    server = Server(database_url, secret_key, workers, workdir / "gunicorn.log")
    try:
        with app.app_context():
            backend = db.engine.dialect.name
            if build_schema:
                from bench.digests import build_schema as build

                build(drop_existing)
            started = time.perf_counter()
            election = prepare(voters, categories, finalists, rng)
            cookies = session_cookies(app, election.voter_ids)
            plans = plan(election, rng)
            say(
                f"  {voters} members, {categories} categories of {finalists} finalists ready in "
                f"{time.perf_counter() - started:.1f} s; starting gunicorn ({workers} workers)"
            )
            db.session.remove()
            server.start()
            serializer = app.session_interface.get_signing_serializer(app)
            say(f"  gunicorn on {server.url}; {voters} members vote, {concurrency} at a time")
            outcome = run_load(server.url, plans, cookies, serializer, concurrency)
            problems = list(outcome.failures)
            expected = expected_ballots(outcome)
            row_problems, stored = check_rows(election, expected)
            problems += row_problems
            close_vote(election)
            # A ballot after the close is refused by the server, and changes nothing.
            late_voter, late_steps = next(iter(plans.items()))
            late_client = Client(server.url, cookies[late_voter], serializer)
            status, token = late_client.ballot_page(late_steps[0].category_id)
            late = late_client.cast(late_steps[0], token or "")[0].status if status == 200 else status
            late_client.close()
            if late != 409:
                problems.append(f"a ballot after the close answered {late}, not 409")
            if services.publish_due_results() != 1:
                problems.append("the scheduled job did not publish the edition")
            db.session.commit()
            csv_rows, listed, csv_problems = public_csv(server.url, sorted(election.finalists))
            problems += csv_problems
            recount_problems, equal = recount(election, expected, csv_rows, listed)
            problems += recount_problems
            after_problems, _stored_after = check_rows(election, expected)
            problems += [f"after the close: {problem}" for problem in after_problems]
            server.stop()
            in_worker = server.vote_post_seconds()
            logged = server.logged_errors()
            if logged:
                problems.append(f"{len(logged)} errors in gunicorn's log, the first:\n{logged[0]}")
            db.session.remove()
    finally:
        server.stop()
        with app.app_context():
            db.engine.dispose()
    return Report(
        backend=backend,
        voters=voters,
        concurrency=concurrency,
        workers=workers,
        wall_seconds=outcome.wall_seconds,
        accepted=outcome.statuses.get("POST 302", 0),
        statuses=outcome.statuses,
        post_p50=percentile(outcome.post_seconds, 0.50),
        post_p99=percentile(outcome.post_seconds, 0.99),
        server_p50=percentile(in_worker, 0.50),
        server_p99=percentile(in_worker, 0.99),
        ballots_stored=stored,
        late_ballot_status=late,
        recount_equal=equal,
        problems=problems,
    )


def print_report(report: Report) -> None:
    statuses = ", ".join(f"{name}: {count}" for name, count in sorted(report.statuses.items()))
    rows = [
        ("backend", report.backend),
        ("voters", f"{report.voters:,}"),
        ("concurrency (client threads)", str(report.concurrency)),
        ("gunicorn workers x threads", f"{report.workers} x gthread"),
        ("wall time of the vote", f"{report.wall_seconds:.1f} s"),
        ("ballots accepted per second", f"{report.accepted / report.wall_seconds:.0f}" if report.wall_seconds else "-"),
        ("POST p50 / p99", f"{report.post_p50 * 1000:.0f} ms / {report.post_p99 * 1000:.0f} ms"),
        ("POST in a worker p50 / p99", f"{report.server_p50 * 1000:.0f} ms / {report.server_p99 * 1000:.0f} ms"),
        ("statuses", statuses),
        ("ballots stored", f"{report.ballots_stored:,}"),
        ("late ballot (after close)", str(report.late_ballot_status)),
        ("recount equal", "yes" if report.recount_equal and all(report.recount_equal.values()) else "NO"),
    ]
    width = max(len(name) for name, _value in rows)
    print()
    for name, value in rows:
        print(f"  {name.ljust(width)}  {value}")
    print()
    if report.problems:
        print(f"FAILED: {len(report.problems)} problems")
        for problem in report.problems[:30]:
            print(f"  - {problem}")
    else:
        print("OK: no error, every ballot counted exactly once, the published tally equals every recount")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.votes", description=__doc__.split("\n\n")[0])
    parser.add_argument("--voters", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=64, help="client threads (default 64)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2)")
    parser.add_argument("--categories", type=int, default=3)
    parser.add_argument("--finalists", type=int, default=6, help="finalists per category (default 6)")
    parser.add_argument(
        "--database",
        default="sqlite",
        help="'sqlite' (a temporary file, the default) or a SQLAlchemy URL, e.g. postgresql+psycopg://...",
    )
    parser.add_argument("--drop-existing", action="store_true", help="drop the club's tables found in --database")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (database, gunicorn log)")
    return parser.parse_args(argv)


def main(argv=None) -> int:
    args = parse_args(argv)
    workdir = Path(tempfile.mkdtemp(prefix="club-votes-"))
    database_url = "sqlite:///" + str(workdir / "votes.sqlite3") if args.database == "sqlite" else args.database
    print(f"vote load: {args.voters} voters, concurrency {args.concurrency}, {args.workers} gunicorn workers")
    try:
        report = run(
            database_url,
            voters=args.voters,
            concurrency=args.concurrency,
            workers=args.workers,
            categories=args.categories,
            finalists=args.finalists,
            seed=args.seed,
            workdir=workdir,
            build_schema=True,
            drop_existing=args.drop_existing,
        )
        print_report(report)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0 if report.ok else 1


if __name__ == "__main__":
    sys.exit(main())
