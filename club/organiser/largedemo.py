"""The demo at club scale: `flask demo --scale large` adds a big club on top of the normal demo.

What it adds (the sizes are parameters, `LARGE` by default; tests run it tiny):

- members with profiles (sector, function, job, organisation, bio, competences, privacy choices),
  spread over the demo's organisations, most of them verified, sharing ONE precomputed argon2 hash of
  the demo password (so any of them can sign in to the benchmark);
- case studies composed by the cases demo's own text generator (Markdown bodies of realistic length,
  metrics, functions, competences), mostly published and public, some members-only, a few drafts,
  submitted, changes requested and archived, each published one in the search index exactly as
  `cases.search.index_case` would write it;
- comments, useful marks, bookmarks and case reads spread in a skewed way (a few popular cases, a
  long tail), with `comment_count` and `useful_count` equal to the rows they count;
- follows of sectors, functions and competence areas;
- a past event week with its programme (sessions, speakers, linked cases, RSVPs within capacity and a
  waitlist) and an award edition whose results were published through `awards.services.publish_results`
  from the stored ballots and jury scores, so the frozen tally is the recount of what is stored;
- digest subscribers: members' subscriptions and confirmed non-members.

Everything is written with SQLAlchemy core bulk inserts in the caller's transaction (the command
commits once at the end: a failure leaves nothing behind), deterministically from `seed`. It runs on
SQLite and PostgreSQL alike: ids come back with INSERT ... RETURNING in parameter order.

The week's title is the natural key: a database that has it already holds the large data, and
`load` refuses to add it twice (LargeDemoExists).
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock

from sqlalchemy import func, insert, select

from club.accounts import demo as accounts_demo
from club.accounts import passwords
from club.accounts.models import User
from club.awards import demo as awards_demo
from club.awards import services as awards_services
from club.awards.models import (
    AwardCategory,
    AwardEdition,
    Ballot,
    Eligibility,
    Juror,
    Nomination,
    NominationStatus,
    Review,
    Score,
    VoteOrigin,
)
from club.cases import demo as cases_demo
from club.cases.models import (
    Bookmark,
    CaseAuthor,
    CaseStudy,
    CaseView,
    Comment,
    Metric,
    SearchDocument,
    Status,
    UsefulMark,
    case_competences,
    case_functions,
    followed_competences,
    followed_functions,
    followed_sectors,
)
from club.core import textsearch
from club.core.models import Competence, Function, Sector
from club.core.timeutil import ROME, utcnow
from club.digests import schedule
from club.digests.models import Subscriber
from club.events.models import EventSession, EventWeek, Registration, Speaker, WeekStatus, session_cases
from club.extensions import db
from club.members import demo as members_demo
from club.members.models import Profile, profile_competences

WEEK_TITLE = "Settimana aperta del club {year}"
EDITION_TITLE = "Premio dei soci {year}"
VENUE = "Bologna, Fiera Congressi"
MEMBER_DOMAIN_TAG = "soci"  # generated members' addresses: name.surname.N@soci.<organisation domain>
READER_DOMAIN = "lettori.example"  # non-member digest subscribers
BATCH = 5_000


@dataclass(frozen=True)
class Sizes:
    members: int = 10_000
    cases: int = 10_000
    comments: int = 100_000
    marks: int = 100_000
    ballots: int = 5_000
    subscribers: int = 20_000
    reads: int = 200_000
    seed: int = 2026


LARGE = Sizes()


class LargeDemoExists(RuntimeError):
    """The database already holds the large demo data."""


@dataclass
class Report:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    week_id: int | None = None
    edition_id: int | None = None


# -- bulk writing (shared with the bench scripts) ---------------------------------------------------


def insert_rows(table, rows: list[dict], batch: int = BATCH) -> int:
    """INSERT the rows in batches on the session's connection (inside its transaction)."""
    table = getattr(table, "__table__", table)
    for start in range(0, len(rows), batch):
        db.session.execute(insert(table), rows[start : start + batch])
    return len(rows)


def insert_returning_ids(table, rows: list[dict], batch: int = BATCH) -> list[int]:
    """INSERT the rows and return their new ids in the order of the rows (both SQLite and PostgreSQL)."""
    table = getattr(table, "__table__", table)
    ids: list[int] = []
    statement = insert(table).returning(table.c.id, sort_by_parameter_order=True)
    for start in range(0, len(rows), batch):
        ids.extend(db.session.scalars(statement, rows[start : start + batch]).all())
    return ids


class Skewed:
    """Draws items with a long-tailed popularity: weight 1/rank^exponent times a per-item factor."""

    def __init__(self, rng: random.Random, items: list, exponent: float = 0.8, factors: list[float] | None = None):
        order = list(range(len(items)))
        rng.shuffle(order)
        weights = [0.0] * len(items)
        for rank, index in enumerate(order, start=1):
            weights[index] = rank**-exponent * (factors[index] if factors else 1.0)
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.rng = rng

    def draw(self):
        point = self.rng.random() * self.cumulative[-1]
        return self.items[min(bisect.bisect_right(self.cumulative, point), len(self.items) - 1)]


def _weighted(rng: random.Random, options: dict[str, float]) -> str:
    return rng.choices(list(options), weights=list(options.values()))[0]


def _theme_weight(functions: list[str], function: str | None) -> float:
    # As the cases demo does: authors mostly write about their own function's themes.
    return 4.0 if functions[0] == function else 2.5 if function in functions else 0.4


def _rome(day: date, at: clock) -> datetime:
    return datetime.combine(day, at, tzinfo=ROME).astimezone(UTC)


# -- the generator ------------------------------------------------------------------------------------


@dataclass
class _Member:
    id: int
    joined: datetime
    sector: str | None
    function: str | None
    organisation: str
    first_name: str
    locale: str
    email: str
    verified: bool


@dataclass
class _Case:
    index: int
    author: _Member
    coauthor: _Member | None
    status: str
    sector: str
    language: str
    visibility: str
    published_at: datetime | None
    theme: str
    metric: str
    row: dict
    metrics: list[tuple]
    functions: list[str]
    competences: list[str]
    id: int = 0
    useful: int = 0
    comments: int = 0


def exists() -> bool:
    return (
        db.session.scalar(select(EventWeek.id).where(EventWeek.title.like(WEEK_TITLE.format(year="%"))).limit(1))
        is not None
    )


def load(sizes: Sizes = LARGE, now: datetime | None = None) -> Report:
    """Add the large data in the session's transaction (the caller commits). Load the demo first."""
    if exists():
        raise LargeDemoExists("The database already holds the large demo data: it was not loaded again.")
    started = time.perf_counter()
    generator = _Generator(sizes, now or utcnow())
    report = generator.run()
    report.seconds = time.perf_counter() - started
    return report


class _Generator:
    def __init__(self, sizes: Sizes, now: datetime) -> None:
        self.sizes = sizes
        self.now = now.replace(microsecond=0)
        self.rng = random.Random(sizes.seed)  # noqa: S311 - reproducible demo data, not a secret
        self.counts: dict[str, int] = {}
        self.sectors = self._terms(Sector)
        self.functions = self._terms(Function)
        self.competences = self._terms(Competence)
        self.members: list[_Member] = []
        self.cases: list[_Case] = []
        self.jurors: dict[int, set[int]] = {}

    @staticmethod
    def _terms(model) -> dict[str, int]:
        terms = dict(db.session.execute(select(model.slug, model.id).where(model.retired_at.is_(None))).all())
        if not terms:
            raise RuntimeError(f"No {model.__tablename__}: load the demo (club.core.demo) first.")
        return terms

    def run(self) -> Report:
        self._members()
        self._follows()
        self._cases()
        published = [case for case in self.cases if case.status == Status.PUBLISHED]
        self._activity(published)
        self._insert_cases()
        self._activity_rows(published)
        week_id = self._week(published)
        edition_id = self._edition(week_id, published)
        self._subscribers()
        db.session.flush()
        return Report(counts=dict(self.counts), week_id=week_id, edition_id=edition_id)

    # -- members -------------------------------------------------------------------------------

    def _members(self) -> None:
        rng, now = self.rng, self.now
        # One real hash of the demo password for everybody: hashing 10,000 times would take minutes.
        password_hash = passwords.hash_password(accounts_demo.DEMO_PASSWORD)
        names = {True: members_demo.FEMALE_NAMES, False: members_demo.MALE_NAMES}
        user_rows, profile_rows, competence_rows = [], [], []
        for number in range(1, self.sizes.members + 1):
            female = rng.random() < 0.5
            first, last = rng.choice(names[female]), rng.choice(members_demo.SURNAMES)
            sector = _weighted(rng, members_demo.SECTOR_WEIGHTS)
            function = _weighted(rng, members_demo.FUNCTION_WEIGHTS)
            organisation, domain = rng.choice(members_demo.ORGANISATIONS[sector])
            email = f"{members_demo.slugify(first)}.{members_demo.slugify(last)}.{number}@{MEMBER_DOMAIN_TAG}.{domain}"
            # Joined over the last three years, more of them recently; 2% never confirmed their address.
            joined = now - timedelta(days=1095 * rng.random() ** 1.3, seconds=rng.randint(0, 86_399))
            verified = rng.random() >= 0.02
            locale = "en" if rng.random() < 0.08 else "it"
            seen = joined + (now - joined) * rng.random() ** 0.3 if verified and rng.random() < 0.85 else None
            user_rows.append(
                {
                    "email": email,
                    "display_name": f"{first} {last}",
                    "password_hash": password_hash,
                    "role": "member",
                    "locale": locale,
                    "created_at": joined,
                    "email_verified_at": joined + timedelta(minutes=rng.randint(2, 600)) if verified else None,
                    "last_login_at": seen,
                    "last_seen_at": seen,
                    "session_version": 1,
                }
            )
            complete = rng.random() < 0.93
            titles = members_demo.SECTOR_JOB_TITLES.get((sector, function)) or members_demo.JOB_TITLES[function]
            job = members_demo._gendered(rng.choice(titles), female)
            leaning = members_demo.FUNCTION_COMPETENCES[function]
            competences = rng.sample(leaning, k=min(len(leaning), rng.choice((1, 1, 2))))
            if rng.random() < 0.4:
                competences += rng.sample(
                    [slug for slug in members_demo.COMPETENCE_PHRASES if slug not in competences], 1
                )
            competences = [slug for slug in competences if slug in self.competences]
            bio = None
            if complete and rng.random() < 0.7:
                bio = members_demo._bio(
                    rng,
                    female=female,
                    job=job,
                    org=organisation,
                    sector=sector,
                    function=function,
                    competences=competences or list(leaning),
                )
            visibility = members_demo._visibility(rng)
            profile_rows.append(
                {
                    "organisation": organisation,
                    "job_title": job if complete else None,
                    "sector_id": self.sectors.get(sector) if complete else None,
                    "function_id": self.functions.get(function) if complete else None,
                    "bio": bio,
                    "links": [f"https://www.{domain}"] if rng.random() < 0.2 else [],
                    **{f"{name}_visibility": value for name, value in visibility.items()},
                }
            )
            competence_rows.append(competences if complete else [])
            self.members.append(
                _Member(
                    0,
                    joined,
                    sector if complete else None,
                    function if complete else None,
                    organisation,
                    first,
                    locale,
                    email,
                    verified,
                )
            )
        ids = insert_returning_ids(User, user_rows)
        for member, user_id, profile in zip(self.members, ids, profile_rows, strict=True):
            member.id = user_id
            profile["user_id"] = user_id
        insert_rows(Profile, profile_rows)
        insert_rows(
            profile_competences,
            [
                {"user_id": user_id, "competence_id": self.competences[slug]}
                for user_id, slugs in zip(ids, competence_rows, strict=True)
                for slug in slugs
            ],
        )
        self.counts["members"] = len(ids)
        self.active = [member for member in self.members if member.verified]

    def _follows(self) -> None:
        rng = self.rng
        rows: dict = {followed_sectors: [], followed_functions: [], followed_competences: []}
        for member in self.active:
            for table, column, terms, share, most in (
                (followed_sectors, "sector_id", list(self.sectors.values()), 0.35, 3),
                (followed_functions, "function_id", list(self.functions.values()), 0.25, 2),
                (followed_competences, "competence_id", list(self.competences.values()), 0.5, 3),
            ):
                if rng.random() < share:
                    for term in rng.sample(terms, min(len(terms), rng.randint(1, most))):
                        rows[table].append({"user_id": member.id, column: term})
        self.counts["follows"] = sum(insert_rows(table, table_rows) for table, table_rows in rows.items())

    # -- cases ---------------------------------------------------------------------------------

    def _cases(self) -> None:
        rng, now = self.rng, self.now
        statuses = {
            Status.PUBLISHED: 0.93,
            Status.DRAFT: 0.03,
            Status.SUBMITTED: 0.02,
            Status.CHANGES_REQUESTED: 0.01,
            Status.ARCHIVED: 0.01,
        }
        # A few members write many cases, most write none or one.
        writers = Skewed(rng, self.active, exponent=0.7)
        colleagues: dict[str, list[_Member]] = {}
        for member in self.active:
            colleagues.setdefault(member.organisation, []).append(member)
        titles: set[str] = set()
        for index in range(self.sizes.cases):
            author = writers.draw()
            sector = author.sector or _weighted(rng, cases_demo.CASE_SECTOR_WEIGHTS)
            status = _weighted(rng, statuses) if index else Status.PUBLISHED
            language = "en" if sector in cases_demo.SECTORS_EN and rng.random() < 0.1 else "it"
            themes = cases_demo._themes_for(sector, language)
            function = author.function
            weights = [_theme_weight(cases_demo.THEMES[key].functions, function) for key in themes]
            theme = rng.choices(themes, weights=weights)[0]
            months = rng.choice((6, 9, 12, 12, 18))
            values = cases_demo._values(rng, sector, author.organisation, language, months)
            values["sector"] = sector
            title = cases_demo._title(rng, theme, language, values, titles) or cases_demo._title(
                rng, theme, language, values, set()
            )
            metrics = cases_demo._metrics(rng, theme, sector, language)
            if language == "en":
                body = cases_demo._body_en(rng, cases_demo.THEMES_EN[theme], values, metrics)
            else:
                body = cases_demo._body_it(rng, theme, values, metrics)
            summary = cases_demo._summary(rng, theme, language, values, metrics)
            # Written after the author joined; published ones spread over three years, more of them lately.
            earliest = max(author.joined + timedelta(days=2), now - timedelta(days=1095))
            if status in (Status.PUBLISHED, Status.ARCHIVED) and earliest < now - timedelta(hours=6):
                published = earliest + (now - timedelta(hours=3) - earliest) * rng.random() ** 0.6
                created = published - timedelta(days=rng.uniform(1, 25))
                submitted = published - timedelta(hours=rng.uniform(4, 96))
            else:
                if status in (Status.PUBLISHED, Status.ARCHIVED):
                    status = Status.SUBMITTED
                published = None
                created = max(author.joined + timedelta(hours=1), now - timedelta(days=rng.uniform(0.5, 40)))
                submitted = None if status == Status.DRAFT else created + (now - created) * rng.uniform(0.2, 0.9)
            created = max(created, author.joined + timedelta(minutes=30))
            if submitted is not None:
                submitted = max(submitted, created + timedelta(minutes=10))
            public = rng.random() < 0.75
            theme_spec = cases_demo.THEMES[theme]
            functions = [function] if function in theme_spec.functions else [function, theme_spec.functions[0]]
            others = [slug for slug in theme_spec.functions if slug not in functions]
            if others and len(functions) < 3 and rng.random() < 0.4:
                functions.append(rng.choice(others))
            competences = rng.sample(theme_spec.competences, k=rng.randint(1, len(theme_spec.competences)))
            coauthors = [m for m in colleagues.get(author.organisation, []) if m is not author and m.joined < created]
            coauthor = rng.choice(coauthors) if coauthors and rng.random() < 0.12 else None
            self.cases.append(
                _Case(
                    index=index,
                    author=author,
                    coauthor=coauthor,
                    status=status,
                    sector=sector,
                    language=language,
                    visibility="public" if public else "members",
                    published_at=published,
                    theme=theme,
                    metric=metrics[0][0],
                    metrics=metrics,
                    functions=[slug for slug in dict.fromkeys(functions) if slug in self.functions],
                    competences=[slug for slug in dict.fromkeys(competences) if slug in self.competences],
                    row={
                        "title": title[:200],
                        "summary": summary[:500],
                        "body": body,
                        "organisation": author.organisation,
                        "sector_id": self.sectors.get(sector),
                        "language": language,
                        "visibility": "public" if public else "members",
                        "status": status,
                        "created_by_id": author.id,
                        "created_at": created,
                        "updated_at": published or submitted or created,
                        "submitted_at": submitted,
                        "published_at": published,
                        "published_year": published.astimezone(ROME).year if published else None,
                        "archived_at": (published + (now - published) * rng.uniform(0.3, 0.9))
                        if status == Status.ARCHIVED
                        else None,
                    },
                )
            )
            titles.add(title)

    def _insert_cases(self) -> None:
        for case in self.cases:
            case.row["useful_count"] = case.useful
            case.row["comment_count"] = case.comments
        ids = insert_returning_ids(CaseStudy, [case.row for case in self.cases])
        authors, function_rows, competence_rows, metric_rows, documents = [], [], [], [], []
        for case, case_id in zip(self.cases, ids, strict=True):
            case.id = case_id
            authors.append({"case_id": case_id, "user_id": case.author.id, "position": 0})
            if case.coauthor is not None:
                authors.append({"case_id": case_id, "user_id": case.coauthor.id, "position": 1})
            function_rows += [{"case_id": case_id, "function_id": self.functions[slug]} for slug in case.functions]
            competence_rows += [
                {"case_id": case_id, "competence_id": self.competences[slug]} for slug in case.competences
            ]
            metric_rows += [
                {"case_id": case_id, "position": position, "name": name, "before": before, "after": after, "unit": unit}
                for position, (name, before, after, unit, _digits) in enumerate(case.metrics)
            ]
            if case.status == Status.PUBLISHED:
                # What cases.search.index_case stores; SQLite's triggers and PostgreSQL's index follow.
                row = case.row
                documents.append(
                    {
                        "case_id": case_id,
                        "title_terms": textsearch.document_terms(row["title"]),
                        "summary_terms": textsearch.document_terms(row["summary"]),
                        "body_terms": textsearch.document_terms(row["body"]),
                        "organisation_terms": textsearch.document_terms(row["organisation"]),
                        "metric_terms": textsearch.document_terms(" ".join(metric[0] for metric in case.metrics)),
                    }
                )
        insert_rows(CaseAuthor, authors)
        insert_rows(case_functions, function_rows)
        insert_rows(case_competences, competence_rows)
        insert_rows(Metric, metric_rows)
        insert_rows(SearchDocument, documents, batch=1_000)
        self.counts["cases"] = len(ids)
        self.counts["published cases"] = len(documents)
        self.counts["public cases"] = sum(
            1 for case in self.cases if case.status == Status.PUBLISHED and case.visibility == "public"
        )

    # -- what members do with the cases ----------------------------------------------------------

    def _when_after(self, start: datetime, member: _Member, shape: float) -> datetime | None:
        """A moment after both the start and the member's arrival, early on more often than late."""
        start = max(start, member.joined + timedelta(hours=1))
        if start >= self.now:
            return None
        return start + (self.now - start) * self.rng.random() ** shape

    def _activity(self, published: list[_Case]) -> None:
        """Plan comments and marks (the counters need them before the cases are written)."""
        rng = self.rng
        self.comment_plan: list[tuple[_Case, _Member, datetime, str, bool]] = []
        self.mark_plan: dict[tuple[int, int], tuple[_Case, _Member, datetime]] = {}
        if not published or not self.active:
            return
        # Recent cases are read more; a few cases of any age are everybody's reference. The exponent keeps
        # the most discussed case in the hundreds of comments (0.8 gave it about 4,700 of 100,000).
        recency = [0.6 + 0.6 / (1 + (self.now - case.published_at).days / 120) for case in published]
        popular = Skewed(rng, published, exponent=0.5, factors=recency)
        questions = {"it": cases_demo.QUESTIONS_IT, "en": cases_demo.QUESTIONS_EN}
        remarks = {"it": cases_demo.REMARKS_IT, "en": cases_demo.REMARKS_EN}
        attempts = 0
        while len(self.comment_plan) < self.sizes.comments and attempts < 5 * self.sizes.comments:
            attempts += 1
            case, member = popular.draw(), rng.choice(self.active)
            authors = [case.author] + ([case.coauthor] if case.coauthor else [])
            answer = None
            if member in authors:
                continue
            at = self._when_after(case.published_at, member, 2.5)
            if at is None:
                continue
            values = {
                "asker": member.first_name,
                "metric": case.metric,
                "my_org": member.organisation,
                "my_at_org": cases_demo._at(member.organisation),
                "My_at_org": cases_demo._cap(cases_demo._at(member.organisation)),
            }
            if rng.random() < 0.6:
                question, answer = rng.choice(questions[case.language])
                text = question.format(**values)
            else:
                text = rng.choice(remarks[case.language]).format(**values)
            hidden = rng.random() < 0.003
            self.comment_plan.append((case, member, at, text, hidden))
            case.comments += 0 if hidden else 1
            if answer and len(self.comment_plan) < self.sizes.comments and rng.random() < 0.6:
                replier = rng.choice(authors)
                reply_at = at + timedelta(hours=rng.uniform(1, 72))
                if reply_at < self.now:
                    self.comment_plan.append((case, replier, reply_at, answer.format(**values), False))
                    case.comments += 1
        attempts = 0
        while len(self.mark_plan) < self.sizes.marks and attempts < 20 * self.sizes.marks:
            attempts += 1
            case, member = popular.draw(), rng.choice(self.active)
            if member is case.author or member is case.coauthor or (case.index, member.id) in self.mark_plan:
                continue
            at = self._when_after(case.published_at, member, 2.0)
            if at is not None:
                self.mark_plan[(case.index, member.id)] = (case, member, at)
                case.useful += 1
        self.popular = popular

    def _activity_rows(self, published: list[_Case]) -> None:
        rng = self.rng
        organiser = db.session.scalar(select(User.id).where(User.email == accounts_demo.ORGANISER_EMAILS[0]))
        comment_rows = []
        for case, member, at, text, hidden in self.comment_plan:
            row = {"case_id": case.id, "author_id": member.id, "body": text, "created_at": at}
            if hidden:
                row.update(
                    hidden_at=at + timedelta(hours=rng.uniform(1, 48)),
                    hidden_by_id=organiser,
                    hidden_reason="Fuori tema rispetto al caso.",
                )
            comment_rows.append(row)
        self.counts["comments"] = insert_rows(Comment, comment_rows)
        self.counts["useful marks"] = insert_rows(
            UsefulMark,
            [{"case_id": case.id, "user_id": m.id, "created_at": at} for case, m, at in self.mark_plan.values()],
        )
        bookmarks: dict[tuple[int, int], datetime] = {}
        views = []
        if published:
            for member in self.active:
                if rng.random() < 0.3:
                    for _ in range(rng.randint(1, 8)):
                        case = self.popular.draw()
                        at = self._when_after(case.published_at, member, 1.5)
                        if at is not None:
                            bookmarks[(case.id, member.id)] = at
            for _ in range(self.sizes.reads):
                case = self.popular.draw()
                member = rng.choice(self.active) if rng.random() < 0.7 else None
                if member is None:
                    at = case.published_at + (self.now - case.published_at) * rng.random() ** 1.5
                else:
                    at = self._when_after(case.published_at, member, 1.5)
                if at is not None:
                    views.append({"case_id": case.id, "viewer_id": member.id if member else None, "viewed_at": at})
        self.counts["bookmarks"] = insert_rows(
            Bookmark, [{"case_id": c, "user_id": u, "created_at": at} for (c, u), at in bookmarks.items()]
        )
        self.counts["case reads"] = insert_rows(CaseView, views, batch=20_000)

    # -- the event week ------------------------------------------------------------------------

    def _week(self, published: list[_Case]) -> int:
        rng = self.rng
        today = self.now.astimezone(ROME).date()
        starts_on = today - timedelta(days=17 + today.weekday())  # a Monday two to three weeks ago
        ends_on = starts_on + timedelta(days=4)
        week_id = insert_returning_ids(
            EventWeek,
            [
                {
                    "title": WEEK_TITLE.format(year=starts_on.year),
                    "themes": ["Ascolto", "Dati", "Persone"],
                    "description": (
                        "Cinque giorni di testimonianze, tavole rotonde e laboratori tra soci di settori e "
                        "funzioni diversi, chiusi dalla cerimonia del Premio dei soci.\n\n"
                        "Il programma è pensato per **rompere i silos**: ogni sessione mette allo stesso tavolo "
                        "chi lavora nel contact center, nel marketing, nell'IT e nelle risorse umane."
                    ),
                    "starts_on": starts_on,
                    "ends_on": ends_on,
                    "place": VENUE,
                    "online": True,
                    "status": WeekStatus.PUBLISHED.value,
                    "created_at": self.now - timedelta(days=90),
                }
            ],
        )[0]
        slots = [(clock(9, 30), clock(10, 30)), (clock(11, 0), clock(12, 15)), (clock(14, 0), clock(15, 0))]
        slots += [(clock(15, 30), clock(16, 45)), (clock(17, 0), clock(18, 0))]
        kinds = ["testimonial", "panel", "testimonial", "workshop", "testimonial"]
        rooms = ["Sala Maggiore", "Sala Nettuno", "Sala Archiginnasio", "Aula laboratori"]
        themes = ["Ascolto", "Dati", "Persone"]
        showcase = (
            sorted((case for case in published if case.visibility == "public"), key=lambda case: -case.useful)[:40]
            or published[:40]
        )
        session_rows, linked, speakers = [], [], []
        for day in range((ends_on - starts_on).days + 1):
            for number, ((start, end), kind) in enumerate(zip(slots, kinds, strict=True)):
                if day == 4 and number == 4:
                    kind = "award_ceremony"
                case = showcase[(day * len(slots) + number) % len(showcase)] if showcase else None
                if kind == "testimonial" and case is not None:
                    title = f"Testimonianza: {case.row['title']}"
                    linked.append((len(session_rows), case))
                elif kind == "award_ceremony":
                    title = "Cerimonia del Premio dei soci"
                elif kind == "panel":
                    title = f"Tavola rotonda: {rng.choice(themes).lower()} oltre i silos"
                else:
                    title = f"Laboratorio: {rng.choice(themes).lower()} in pratica"
                session_rows.append(
                    {
                        "week_id": week_id,
                        "title": title[:200],
                        "kind": kind,
                        "theme": rng.choice(themes),
                        "description": (
                            "Un'ora per raccontare che cosa è cambiato, con i numeri prima e dopo, e per le "
                            "domande della sala. Porta le tue: le migliori finiscono nel resoconto."
                        ),
                        "starts_at": _rome(starts_on + timedelta(days=day), start),
                        "ends_at": _rome(starts_on + timedelta(days=day), end),
                        "room": rooms[number % len(rooms)] if kind != "award_ceremony" else "Sala Maggiore",
                        "online_url": "https://live.clubcx.example/settimana-aperta" if number % 2 == 0 else None,
                        "capacity": 400 if kind == "award_ceremony" else rng.choice((40, 60, 80, 120, 150)),
                        "created_at": self.now - timedelta(days=rng.uniform(40, 85)),
                    }
                )
        session_ids = insert_returning_ids(EventSession, session_rows)
        insert_rows(
            session_cases, [{"session_id": session_ids[position], "case_id": case.id} for position, case in linked]
        )
        for position, case in linked:
            speakers.append({"session_id": session_ids[position], "user_id": case.author.id, "position": 0})
        for position, row in enumerate(session_rows):
            if row["kind"] in ("panel", "workshop"):
                for place, member in enumerate(rng.sample(self.active, k=min(3, len(self.active)))):
                    speakers.append({"session_id": session_ids[position], "user_id": member.id, "position": place})
        unique_speakers = {(row["session_id"], row["user_id"]): row for row in speakers}
        insert_rows(Speaker, list(unique_speakers.values()))
        registrations = []
        audience = [member for member in self.active if member.joined < self.now - timedelta(days=30)]
        for session_id, row in zip(session_ids, session_rows, strict=True):
            wanted = min(len(audience), int(row["capacity"] * rng.uniform(0.5, 1.25)))
            for seat, member in enumerate(rng.sample(audience, k=wanted), start=1):
                registrations.append(
                    {
                        "session_id": session_id,
                        "user_id": member.id,
                        # Beyond capacity: the waitlist (no seat).
                        "seat": seat if seat <= row["capacity"] else None,
                        "created_at": row["starts_at"] - timedelta(days=rng.uniform(1, 30)),
                    }
                )
        self.counts["sessions"] = len(session_ids)
        self.counts["registrations"] = insert_rows(Registration, registrations)
        self.week = (starts_on, ends_on)
        return week_id

    # -- the award edition ---------------------------------------------------------------------

    def _edition(self, week_id: int, published: list[_Case]) -> int:
        rng = self.rng
        starts_on, ends_on = self.week
        moments = awards_demo.past_timeline(starts_on, ends_on)
        organiser = db.session.scalar(select(User).where(User.email == accounts_demo.ORGANISER_EMAILS[0]))
        edition = awards_services.save_edition(
            None,
            awards_services.EditionInput(
                week_id=week_id,
                title=EDITION_TITLE.format(year=starts_on.year),
                description=awards_demo.PAST_DESCRIPTION,
                published=True,
                max_entries_per_case=awards_demo.MAX_ENTRIES_PER_CASE,
                anonymous_judging=False,
                jury_weight=awards_demo.JURY_WEIGHT,
                **moments,
            ),
            organiser,
        )
        until = moments["nominations_close_at"].astimezone(ROME).date()
        eligible = (until - timedelta(days=364), until)
        categories = [
            awards_services.save_category(
                edition,
                None,
                awards_services.CategoryInput(
                    name=spec.name,
                    description=spec.description,
                    eligible_from=eligible[0],
                    eligible_until=eligible[1],
                    sector_ids=[],
                    criteria=list(spec.criteria),
                ),
                organiser,
            )
            for spec in awards_demo.PAST_CATEGORIES
        ]
        closes = moments["nominations_close_at"]
        pool = [
            case
            for case in published
            if eligible[0] <= case.published_at.astimezone(ROME).date() <= eligible[1]
            and case.published_at < closes - timedelta(days=2)
        ]
        pool.sort(key=lambda case: -(case.useful + 2 * case.comments + rng.random()))
        entries: dict[int, list[tuple[Nomination, _Case, float]]] = {}
        taken = 0
        for category in categories:
            chosen = pool[taken : taken + 12]
            taken += len(chosen)
            entries[category.id] = []
            for position, case in enumerate(chosen):
                at = moments["nominations_open_at"] + (closes - moments["nominations_open_at"]) * rng.uniform(0.2, 0.95)
                nomination = Nomination(
                    edition_id=edition.id,
                    category_id=category.id,
                    case_id=case.id,
                    nominated_by_id=case.author.id,
                    accepted_by_id=case.author.id,
                    status=NominationStatus.ENTERED.value,
                    slot=0,
                    statement=rng.choice(awards_demo.AUTHOR_STATEMENTS),
                    eligibility=Eligibility.ELIGIBLE.value,
                    finalist=position < 6,
                    created_at=at,
                    entered_at=at,
                )
                db.session.add(nomination)
                entries[category.id].append((nomination, case, rng.gauss(7, 1.2)))
        db.session.flush()
        self._jury(categories, entries, moments)
        ballots = self._ballots(categories, entries, moments)
        self.counts["award categories"] = len(categories)
        self.counts["ballots"] = ballots
        # Frozen by the real service, from the rows just written: the published tally is their recount.
        awards_services.publish_results(edition, organiser, now=moments["results_at"])
        db.session.flush()
        return edition.id

    def _jury(self, categories, entries, moments) -> None:
        rng = self.rng
        taken: set[int] = set()
        for category in categories:
            finalists = [(nomination, case, quality) for nomination, case, quality in entries[category.id][:6]]
            organisations = {
                member.organisation for _, case, _ in finalists for member in (case.author, case.coauthor) if member
            }
            pool = [
                member
                for member in self.active
                if member.id not in taken
                and member.organisation not in organisations
                and member.joined < moments["nominations_open_at"]
            ]
            jurors = rng.sample(pool, k=min(4, len(pool)))
            taken |= {member.id for member in jurors}
            for member in jurors:
                db.session.add(Juror(category_id=category.id, user_id=member.id, assigned_at=moments["jury_open_at"]))
                bias = rng.gauss(0, 0.5)
                for nomination, _case, quality in finalists:
                    review = Review(
                        nomination_id=nomination.id,
                        juror_id=member.id,
                        comment=rng.choice(awards_demo.REVIEW_CLOSINGS),
                        updated_at=moments["jury_open_at"] + timedelta(days=rng.uniform(1, 12)),
                    )
                    review.scores = [
                        Score(
                            criterion_id=criterion.id, value=max(1, min(10, round(quality + bias + rng.gauss(0, 0.9))))
                        )
                        for criterion in category.criteria
                    ]
                    db.session.add(review)
            self.jurors[category.id] = {member.id for member in jurors}
        db.session.flush()

    def _ballots(self, categories, entries, moments) -> int:
        """Members rank the finalists (never their own case), following the finalists' appeal."""
        rng = self.rng
        opens, closes = moments["vote_open_at"], moments["vote_close_at"]
        voters = [member for member in self.active if member.joined < closes - timedelta(days=2)]
        shares = [0.4, 0.33, 0.27][: len(categories)]
        ballots, origins, receipts = [], [], set()
        remaining = self.sizes.ballots
        for number, category in enumerate(categories):
            wanted = remaining if number == len(categories) - 1 else round(self.sizes.ballots * shares[number])
            remaining -= wanted
            finalists = [case for _, case, _ in entries[category.id][:6]]
            if not finalists:
                continue
            appeal = {case.id: math.exp(0.9 * quality) for _, case, quality in entries[category.id][:6]}
            jurors = self.jurors.get(category.id, set())
            eligible = [member for member in voters if member.id not in jurors]
            for voter in rng.sample(eligible, k=min(wanted, len(eligible))):
                options = [case for case in finalists if voter not in (case.author, case.coauthor)]
                if not options:
                    continue
                weights = [appeal[case.id] * (1.8 if case.sector == voter.sector else 1.0) for case in options]
                length = min(len(options), rng.choices([1, 2, 3, len(options)], weights=[2, 3, 3, 3])[0])
                ranking: list[int] = []
                while len(ranking) < length:
                    case = rng.choices(options, weights=weights)[0]
                    if case.id not in ranking:
                        ranking.append(case.id)
                start = max(opens, voter.joined + timedelta(days=1))
                cast_at = start + (closes - timedelta(hours=1) - start) * rng.betavariate(1.1, 1.6)
                receipt = awards_demo._receipt(rng)
                while receipt in receipts:
                    receipt = awards_demo._receipt(rng)
                receipts.add(receipt)
                ballots.append(
                    {
                        "category_id": category.id,
                        "voter_key": awards_services.voter_key(category.id, voter.id),
                        "ranking": ranking,
                        "receipt_hash": awards_services.receipt_hash(receipt),
                        "cast_at": cast_at,
                    }
                )
                month = cast_at.astimezone(ROME)
                origins.append(
                    {
                        "category_id": category.id,
                        "origin_key": awards_services.origin_key(category.id, voter.id),
                        "first_choice_id": ranking[0],
                        "voter_sector_id": self.sectors.get(voter.sector) if voter.sector else None,
                        "voter_function_id": self.functions.get(voter.function) if voter.function else None,
                        "month_start": datetime(month.year, month.month, 1, tzinfo=ROME).astimezone(UTC),
                    }
                )
        insert_rows(Ballot, ballots)
        insert_rows(VoteOrigin, origins)
        return len(ballots)

    # -- digest subscribers --------------------------------------------------------------------

    def _subscribers(self) -> None:
        rng, now = self.rng, self.now
        taken = set(db.session.scalars(select(Subscriber.user_id).where(Subscriber.user_id.is_not(None))))
        frequencies = {"weekly": 0.7, "monthly": 0.2, "daily": 0.1}
        # As if the last cycle of each frequency had run: the scheduler does not start with 20,000 digests.
        covered = {name: schedule.due_moment(name, now) for name in frequencies}
        member_share = min(len(self.active), round(self.sizes.subscribers * 0.35), self.sizes.subscribers)
        rows = []
        for member in rng.sample(self.active, k=member_share):
            if member.id in taken:
                continue
            frequency = _weighted(rng, frequencies)
            signed_up = member.joined + (now - member.joined) * rng.random()
            rows.append(
                {
                    "email": member.email,
                    "user_id": member.id,
                    "frequency": frequency,
                    "locale": member.locale,
                    "confirmed_at": signed_up,
                    "created_at": signed_up,
                    "token_version": 1,
                    "bounce_count": 0,
                    "covered_until": covered[frequency],
                }
            )
        members = len(rows)
        for number in range(1, self.sizes.subscribers - members + 1):
            frequency = _weighted(rng, frequencies)
            signed_up = now - timedelta(days=900 * rng.random() ** 1.2 + 1)
            first = rng.choice(members_demo.FEMALE_NAMES + members_demo.MALE_NAMES)
            last = rng.choice(members_demo.SURNAMES)
            rows.append(
                {
                    "email": f"{members_demo.slugify(first)}.{members_demo.slugify(last)}.{number}@{READER_DOMAIN}",
                    "user_id": None,
                    "frequency": frequency,
                    "locale": "en" if rng.random() < 0.15 else "it",
                    "confirmed_at": signed_up + timedelta(minutes=rng.randint(1, 2_000)),
                    "created_at": signed_up,
                    "token_version": 1,
                    "bounce_count": 0,
                    "covered_until": covered[frequency],
                }
            )
        insert_rows(Subscriber, rows)
        self.counts["subscribers"] = len(rows)
        self.counts["member subscribers"] = members


def row_counts() -> dict[str, int]:
    """Rows of the tables the large data fills, whoever wrote them (for the command's summary)."""
    tables = {
        "users": User,
        "profiles": Profile,
        "case studies": CaseStudy,
        "search documents": SearchDocument,
        "comments": Comment,
        "useful marks": UsefulMark,
        "bookmarks": Bookmark,
        "case reads": CaseView,
        "event sessions": EventSession,
        "registrations": Registration,
        "award editions": AwardEdition,
        "award categories": AwardCategory,
        "ballots": Ballot,
        "digest subscribers": Subscriber,
    }
    return {
        name: db.session.scalar(select(func.count()).select_from(getattr(model, "__table__", model)))
        for name, model in tables.items()
    }


def describe(report: Report) -> str:
    parts = ", ".join(f"{count:,} {name}" for name, count in report.counts.items())
    return f"Large demo data added in {report.seconds:.1f} s: {parts}."
