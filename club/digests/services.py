"""Digest rules: subscriptions, what goes into a digest, the cycle that writes digests to the outbox.

A cycle (one frequency, one scheduled moment) writes, for every subscriber due, either a digest in the
outbox or a recorded skip, under keys that make a second cycle, a second scheduler or a restart
unable to write anything twice. The outbox's drain sends them (club.core.outbox).
"""

from __future__ import annotations

from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import css_inline
from flask import current_app, has_request_context, render_template
from flask_babel import force_locale
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import and_, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from club.accounts.models import User
from club.accounts.permissions import is_active_member
from club.awards.models import AwardEdition
from club.awards.services import results_visible
from club.cases.models import (
    Bookmark,
    CaseAuthor,
    CaseStudy,
    CaseVisibility,
    Comment,
    Status,
    followed_competences,
    followed_functions,
    followed_sectors,
)
from club.core import audit, outbox
from club.core.db import insert_ignoring_duplicates
from club.core.mail import new_message_id
from club.core.models import Competence, Function, OutboxMessage, Sector
from club.core.refusal import Refused
from club.core.timeutil import utcnow
from club.core.urls import external_url
from club.digests import schedule
from club.digests.models import DigestCycle, DigestRun, Frequency, Subscriber
from club.digests.selection import Candidate, Reader
from club.digests.selection import select as select_cases
from club.events.models import EventSession, EventWeek, WeekStatus
from club.extensions import db
from club.members.models import Profile, profile_competences

CONFIRM_MAX_AGE = 7 * 24 * 3600
UPCOMING_SESSIONS_DAYS = 30
VOTE_CLOSING_SOON = timedelta(hours=72)
SUBSCRIBER_BATCH = 500


class DigestError(Refused):
    """A refusal of the digests domain."""


def normalise_email(email: str) -> str:
    return email.strip().lower()


# -- signed links ----------------------------------------------------------------------------------


def _serializer(purpose: str) -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=f"digest-{purpose}")


def subscriber_token(subscriber: Subscriber, purpose: str) -> str:
    """A link token bound to the subscription and its version (a new version retires old links)."""
    return _serializer(purpose).dumps([subscriber.id, subscriber.token_version])


def subscriber_from_token(token: str, purpose: str) -> Subscriber | None:
    try:
        subscriber_id, version = _serializer(purpose).loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    subscriber = db.session.get(Subscriber, subscriber_id) if isinstance(subscriber_id, int) else None
    if subscriber is None or subscriber.token_version != version:
        return None
    return subscriber


def confirm_token(subscriber: Subscriber) -> str:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="digest-confirm")
    return serializer.dumps([subscriber.id, subscriber.token_version])


def subscriber_from_confirm_token(token: str) -> Subscriber | None:
    serializer = URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="digest-confirm")
    try:
        subscriber_id, version = serializer.loads(token, max_age=CONFIRM_MAX_AGE)
    except (SignatureExpired, BadSignature, ValueError, TypeError):
        return None
    subscriber = db.session.get(Subscriber, subscriber_id) if isinstance(subscriber_id, int) else None
    if subscriber is None or subscriber.token_version != version:
        return None
    return subscriber


def view_token(run: DigestRun) -> str:
    return _view_token(run.subscriber_id, run.frequency, run.period_key)


def _view_token(subscriber_id: int, frequency: str, key: str) -> str:
    # Names the run by its unique key, so the link exists before the run's row has an id.
    return _serializer("view").dumps([subscriber_id, frequency, key])


def run_from_view_token(token: str) -> DigestRun | None:
    try:
        subscriber_id, frequency, key = _serializer("view").loads(token)
    except (BadSignature, ValueError, TypeError):
        return None
    return db.session.scalar(
        select(DigestRun).where(
            DigestRun.subscriber_id == subscriber_id, DigestRun.frequency == frequency, DigestRun.period_key == key
        )
    )


# -- subscriptions ---------------------------------------------------------------------------------


def subscription_of(user: User) -> Subscriber | None:
    return db.session.scalar(select(Subscriber).where(Subscriber.user_id == user.id))


def default_locale(user: User) -> str:
    return user.locale if user.locale in ("it", "en") else current_app.config["BABEL_DEFAULT_LOCALE"]


def save_member_preferences(user: User, frequency: str, locale: str) -> Subscriber:
    if frequency not in {item.value for item in Frequency}:
        raise DigestError(_l("Choose how often you want the digest."), field="frequency")
    if locale not in current_app.config["LANGUAGES"]:
        raise DigestError(_l("Choose a language."), field="locale")
    subscriber = subscription_of(user)
    if subscriber is None:
        # An address subscribed before its owner joined becomes the member's subscription.
        subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == user.email))
        if subscriber is None:
            subscriber = Subscriber(email=user.email)
            db.session.add(subscriber)
        subscriber.user_id = user.id
    subscriber.frequency = frequency
    subscriber.locale = locale
    subscriber.confirmed_at = subscriber.confirmed_at or utcnow()
    # Saving again is how a member whose digest paused after bounces resumes it (the page says so).
    subscriber.bounce_count = 0
    db.session.flush()
    return subscriber


def subscribe(email: str, frequency: str, locale: str) -> Subscriber | None:
    """A public sign-up: the address gets a confirmation link and nothing else until it is used.

    Returns None when there is nothing to send (the address is already confirmed): the page answers
    the same either way, so it does not tell who subscribes.
    """
    email = normalise_email(email)
    if frequency not in (Frequency.DAILY, Frequency.WEEKLY, Frequency.MONTHLY):
        raise DigestError(_l("Choose how often you want the digest."), field="frequency")
    subscriber = db.session.scalar(select(Subscriber).where(Subscriber.email == email))
    if subscriber is not None and subscriber.confirmed_at is not None and subscriber.frequency != Frequency.OFF:
        return None
    if subscriber is None:
        subscriber = Subscriber(email=email)
        try:
            with db.session.begin_nested():
                db.session.add(subscriber)
        except IntegrityError:
            return None
    subscriber.frequency = frequency
    subscriber.locale = locale
    if subscriber.confirmed_at is not None:
        # Subscribing again after leaving: the address was confirmed before, still ask again.
        subscriber.confirmed_at = None
        subscriber.token_version += 1
    db.session.flush()
    _enqueue_confirmation(subscriber)
    return subscriber


def _enqueue_confirmation(subscriber: Subscriber) -> None:
    url = external_url("digests.confirm", token=confirm_token(subscriber))
    with force_locale(subscriber.locale):
        subject = str(_l("Confirm your subscription to the club's digest"))
        text = render_template("email/digest_confirm.txt", subject=subject, url=url)
        html = render_template("email/digest_confirm.html", subject=subject, url=url)
    # One confirmation per address and day: asking again the same day sends nothing more (the form
    # cannot flood an inbox), and a link that expired unused is replaced on a later day.
    outbox.enqueue(
        f"digest-confirm:{subscriber.id}:{subscriber.token_version}:{utcnow():%Y-%m-%d}",
        "digest-confirm",
        subscriber.email,
        subject,
        text,
        html,
    )


def confirm(subscriber: Subscriber) -> None:
    if subscriber.confirmed_at is None:
        subscriber.confirmed_at = utcnow()
        subscriber.bounce_count = 0
        db.session.flush()


def unsubscribe(subscriber: Subscriber) -> None:
    subscriber.frequency = Frequency.OFF.value
    db.session.flush()


def resubscribe(subscriber: Subscriber, frequency: str = Frequency.WEEKLY.value) -> None:
    subscriber.frequency = frequency
    subscriber.bounce_count = 0
    db.session.flush()


def bounced(message: OutboxMessage) -> None:
    """The "mail_bounced" hook: a permanent failure counts against the address."""
    members_with_address = select(User.id).where(User.email == message.recipient)
    db.session.execute(
        update(Subscriber)
        .where(or_(Subscriber.email == message.recipient, Subscriber.user_id.in_(members_with_address)))
        .values(bounce_count=Subscriber.bounce_count + 1, last_bounce_at=utcnow())
    )


def is_bouncing(subscriber: Subscriber) -> bool:
    return subscriber.bounce_count >= current_app.config["DIGEST_BOUNCE_LIMIT"]


def ensure_member_subscriptions() -> int:
    """Give every active member without one the default subscription (weekly, in their language)."""
    missing = select(
        User.email,
        User.id,
        func.coalesce(User.locale, current_app.config["BABEL_DEFAULT_LOCALE"]),
        User.email_verified_at,
    ).where(
        User.email_verified_at.is_not(None),
        User.deleted_at.is_(None),
        User.suspended_at.is_(None),
        ~select(Subscriber.id).where(Subscriber.user_id == User.id).exists(),
        ~select(Subscriber.id).where(Subscriber.email == User.email).exists(),
    )
    statement = insert(Subscriber)
    if db.session.get_bind().dialect.name == "postgresql":
        # Two schedulers at once: the second skips the rows the first is adding instead of failing on
        # them (SQLite's single writer makes the second wait, then its NOT EXISTS sees them).
        statement = postgresql.insert(Subscriber).on_conflict_do_nothing()
    result = db.session.execute(
        statement.from_select(["email", "user_id", "locale", "confirmed_at"], missing),
        execution_options={"preserve_rowcount": True},  # without it the count is -1 on PostgreSQL
    )
    return result.rowcount or 0


# -- what goes into a digest -----------------------------------------------------------------------


@dataclass
class Period:
    frequency: str
    key: str
    start: datetime
    end: datetime


@dataclass
class DigestContent:
    picks: list = field(default_factory=list)  # (CaseStudy, selection.Pick)
    more: int = 0
    comments: list = field(default_factory=list)  # Comment, newest first
    sessions: list = field(default_factory=list)  # EventSession
    new_sessions: int = 0
    awards: list = field(default_factory=list)  # (AwardEdition, "nominations" | "vote_closing" | "results")

    @property
    def empty(self) -> bool:
        return not (self.picks or self.comments or self.new_sessions or self.awards)


class CycleData:
    """What a whole cycle shares: the period's cases, sessions and award news, read once."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.links = SiteLinks()
        self._cases: dict[tuple, list[CaseStudy]] = {}
        self._candidates: dict[int, Candidate] = {}
        self.sessions = self._upcoming_sessions()
        self._awards: dict[tuple, list] = {}
        self.terms = {
            "sector": {term.id: term for term in db.session.scalars(select(Sector))},
            "function": {term.id: term for term in db.session.scalars(select(Function))},
            "competence": {term.id: term for term in db.session.scalars(select(Competence))},
        }

    def cases(self, start: datetime, end: datetime, members: bool) -> list[CaseStudy]:
        key = (start, end, members)
        if key not in self._cases:
            statement = (
                select(CaseStudy)
                .where(
                    CaseStudy.status == Status.PUBLISHED,
                    CaseStudy.published_at >= start,
                    CaseStudy.published_at < end,
                )
                .options(
                    selectinload(CaseStudy.functions),
                    selectinload(CaseStudy.competences),
                    joinedload(CaseStudy.sector),
                )
                .order_by(CaseStudy.published_at.desc(), CaseStudy.id.desc())
            )
            if not members:
                statement = statement.where(CaseStudy.visibility == CaseVisibility.PUBLIC)
            found = list(db.session.scalars(statement).unique())
            for case in found:
                self._candidates.setdefault(
                    case.id,
                    Candidate(
                        case_id=case.id,
                        sector_id=case.sector_id,
                        function_ids=frozenset(term.id for term in case.functions),
                        competence_ids=frozenset(term.id for term in case.competences),
                        useful_count=case.useful_count,
                        published_at=case.published_at,
                    ),
                )
            self._cases[key] = found
        return self._cases[key]

    def candidates(self, cases: list[CaseStudy]) -> list[Candidate]:
        return [self._candidates[case.id] for case in cases]

    def _upcoming_sessions(self) -> list[EventSession]:
        return list(
            db.session.scalars(
                select(EventSession)
                .join(EventWeek, EventWeek.id == EventSession.week_id)
                .where(
                    EventWeek.status == WeekStatus.PUBLISHED,
                    EventSession.starts_at > self.now,
                    EventSession.starts_at < self.now + timedelta(days=UPCOMING_SESSIONS_DAYS),
                )
                .options(joinedload(EventSession.week))
                .order_by(EventSession.starts_at)
                .limit(6)
            )
        )

    def awards(self, start: datetime, end: datetime) -> list:
        key = (start, end)
        if key not in self._awards:
            editions = db.session.scalars(
                select(AwardEdition)
                .join(EventWeek, EventWeek.id == AwardEdition.week_id)
                .where(AwardEdition.published.is_(True), EventWeek.status == WeekStatus.PUBLISHED)
            ).all()
            news = []
            for edition in editions:
                if start <= edition.nominations_open_at < end and edition.nominations_close_at > end:
                    news.append((edition, "nominations"))
                if edition.vote_open_at <= end < edition.vote_close_at <= end + VOTE_CLOSING_SOON:
                    news.append((edition, "vote_closing"))
                if results_visible(edition, end) and start <= edition.results_at < end:
                    news.append((edition, "results"))
            self._awards[key] = news
        return self._awards[key]


@dataclass
class ReaderFacts:
    """What selection needs to know of member subscribers, read for a whole batch at once."""

    readers: dict[int, Reader]
    comments: dict[int, list[Comment]]


def reader_facts(user_ids: list[int], start_by_user: dict[int, datetime], end: datetime) -> ReaderFacts:
    if not user_ids:
        return ReaderFacts({}, {})
    profiles = {row.user_id: row for row in db.session.scalars(select(Profile).where(Profile.user_id.in_(user_ids)))}

    def grouped(table, column) -> dict[int, frozenset[int]]:
        found: dict[int, set[int]] = {}
        for user_id, term_id in db.session.execute(
            select(table.c.user_id, table.c[column]).where(table.c.user_id.in_(user_ids))
        ):
            found.setdefault(user_id, set()).add(term_id)
        return {user_id: frozenset(ids) for user_id, ids in found.items()}

    competences = grouped(profile_competences, "competence_id")
    sectors = grouped(followed_sectors, "sector_id")
    functions = grouped(followed_functions, "function_id")
    followed = grouped(followed_competences, "competence_id")
    readers = {}
    for user_id in user_ids:
        profile = profiles.get(user_id)
        readers[user_id] = Reader(
            sector_id=profile.sector_id if profile else None,
            function_id=profile.function_id if profile else None,
            competence_ids=competences.get(user_id, frozenset()),
            followed_sector_ids=sectors.get(user_id, frozenset()),
            followed_function_ids=functions.get(user_id, frozenset()),
            followed_competence_ids=followed.get(user_id, frozenset()),
        )
    # Comments by others on the cases each member wrote or bookmarked, since their own period began.
    earliest = min(start_by_user.values())
    interest = (
        select(CaseAuthor.user_id.label("user_id"), CaseAuthor.case_id.label("case_id"))
        .where(CaseAuthor.user_id.in_(user_ids))
        .union(select(Bookmark.user_id, Bookmark.case_id).where(Bookmark.user_id.in_(user_ids)))
        .subquery()
    )
    rows = db.session.execute(
        select(interest.c.user_id, Comment)
        .join(Comment, Comment.case_id == interest.c.case_id)
        .join(CaseStudy, CaseStudy.id == Comment.case_id)
        .where(
            Comment.created_at >= earliest,
            Comment.created_at < end,
            Comment.hidden_at.is_(None),
            Comment.author_id != interest.c.user_id,
            CaseStudy.status == Status.PUBLISHED,
        )
        .options(joinedload(Comment.author), joinedload(Comment.case))
        .order_by(Comment.created_at.desc())
    ).all()
    comments: dict[int, list[Comment]] = {}
    for user_id, comment in rows:
        if comment.created_at >= start_by_user[user_id]:
            comments.setdefault(user_id, []).append(comment)
    return ReaderFacts(readers, comments)


def build_content(subscriber: Subscriber, period: Period, data: CycleData, facts: ReaderFacts) -> DigestContent:
    member = subscriber.user is not None and is_active_member(subscriber.user)
    cases = data.cases(period.start, period.end, member)
    reader = facts.readers.get(subscriber.user_id) if member else None
    selection = select_cases(data.candidates(cases), reader, period.end, limit=current_app.config["DIGEST_MAX_CASES"])
    by_id = {case.id: case for case in cases}
    content = DigestContent(
        picks=[(by_id[pick.case_id], pick) for pick in selection.picks],
        more=selection.more,
        comments=facts.comments.get(subscriber.user_id, [])[:5] if member else [],
        awards=data.awards(period.start, period.end),
    )
    if member:
        content.sessions = data.sessions
        content.new_sessions = sum(1 for item in data.sessions if item.created_at >= period.start)
    return content


# -- rendering -------------------------------------------------------------------------------------

_INLINER = css_inline.CSSInliner(keep_style_tags=False)


def reason_text(pick, terms: dict) -> str:
    subject = None
    if pick.subject_id is not None:
        table = {
            "other_sector": "sector",
            "spread": "sector",
            "followed_sector": "sector",
            "other_function": "function",
            "followed_function": "function",
            "followed_competence": "competence",
        }.get(pick.reason)
        term = terms.get(table, {}).get(pick.subject_id) if table else None
        subject = term.name if term else None
    texts = {
        "other_sector": _l("From another sector, %(name)s: see how they solved it."),
        "other_function": _l("From another function, %(name)s: the same customers seen from elsewhere."),
        "followed_competence": _l("On %(name)s, a competence you follow."),
        "followed_sector": _l("From %(name)s, a sector you follow."),
        "followed_function": _l("For %(name)s, a function you follow."),
        "spread": _l("From the %(name)s sector."),
        "popular": _l("Members found it useful."),
        "recent": _l("Just published."),
    }
    if subject is None and pick.reason not in ("popular", "recent"):
        return str(_l("Just published."))
    return str(texts[pick.reason] % {"name": subject}) if subject else str(texts[pick.reason])


@contextmanager
def _links_context():
    """Absolute links need a request; outside one (scheduler, CLI) one stand-in serves a whole digest."""
    if has_request_context():
        yield
        return
    with current_app.test_request_context("/", base_url=current_app.config["SITE_URL"]):
        yield


def list_headers(subscriber: Subscriber) -> dict[str, str]:
    token = subscriber_token(subscriber, "unsubscribe")
    https_url = external_url("digests.unsubscribe", token=token)
    sender_domain = current_app.config["MAIL_DEFAULT_SENDER"].rpartition("@")[2].rstrip(">").strip() or "localhost"
    mailbox = current_app.config["MAIL_UNSUBSCRIBE_ADDRESS"] or f"unsubscribe@{sender_domain}"
    return {
        "Message-ID": new_message_id(),
        "List-Id": f"{current_app.config['CLUB_NAME']} digest <digest.{sender_domain}>",
        "List-Unsubscribe": f"<{https_url}>, <mailto:{mailbox}?subject=unsubscribe%20{token}>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
    }


class SiteLinks:
    """Absolute links, built once per cycle: every digest links the same cases and sessions, and
    building a URL costs more than the rest of a digest's line."""

    def __init__(self) -> None:
        self._known: dict[tuple, str] = {}

    def url(self, endpoint: str, **values) -> str:
        key = (endpoint, *sorted(values.items()))
        found = self._known.get(key)
        if found is None:
            found = self._known[key] = external_url(endpoint, **values)
        return found


def render(
    subscriber: Subscriber,
    content: DigestContent,
    period: Period,
    view_url: str | None,
    terms: dict,
    links: SiteLinks | None = None,
):
    """(subject, text, html) in the subscriber's language; the HTML with its CSS inlined."""
    links = links or SiteLinks()
    with _links_context(), force_locale(subscriber.locale):
        subject = str(
            {
                "daily": _l("Your daily digest from the club"),
                "weekly": _l("Your weekly digest from the club"),
                "monthly": _l("Your monthly digest from the club"),
            }[period.frequency]
        )
        context = {
            "subject": subject,
            "subscriber": subscriber,
            "content": content,
            "period": period,
            "reasons": [reason_text(pick, terms) for _case, pick in content.picks],
            "view_url": view_url,
            "unsubscribe_url": external_url("digests.unsubscribe", token=subscriber_token(subscriber, "unsubscribe")),
            "more_url": links.url("cases.index", sort="newest"),
            "external_url": links.url,
        }
        text = render_template("email/digest.txt", **context)
        html = _INLINER.inline(render_template("email/digest.html", **context))
    return subject, text, html


# -- the cycle -------------------------------------------------------------------------------------


@dataclass
class CycleReport:
    frequency: str
    period_key: str
    queued: int = 0
    skipped: int = 0
    already: int = 0

    def __str__(self) -> str:
        return (
            f"{self.frequency} {self.period_key}: {self.queued} queued, {self.skipped} skipped, "
            f"{self.already} done before"
        )


def due_subscribers_query(frequency: str):
    bounce_limit = current_app.config["DIGEST_BOUNCE_LIMIT"]
    return (
        select(Subscriber)
        .outerjoin(User, User.id == Subscriber.user_id)
        .where(
            Subscriber.frequency == frequency,
            Subscriber.confirmed_at.is_not(None),
            Subscriber.bounce_count < bounce_limit,
            or_(
                Subscriber.user_id.is_(None),
                and_(User.deleted_at.is_(None), User.suspended_at.is_(None)),
            ),
        )
        .options(joinedload(Subscriber.user))
        .order_by(Subscriber.id)
    )


def period_for(subscriber: Subscriber, frequency: str, moment: datetime) -> Period:
    start = subscriber.covered_until or schedule.previous_moment(frequency, moment)
    # Never more than one period back: someone who switched from monthly to daily gets a daily digest.
    start = max(start, schedule.previous_moment(frequency, moment))
    return Period(frequency, schedule.period_key(frequency, moment), min(start, moment), moment)


def run_cycle(frequency: str, moment: datetime, *, dry_run: bool = False) -> CycleReport:
    """Write every due subscriber's digest (or skip) for the period ending at `moment`. Idempotent.

    Commits per batch of subscribers, so a crash loses at most a batch, which the next run redoes.
    """
    key = schedule.period_key(frequency, moment)
    report = CycleReport(frequency, key)
    db.session.commit()
    outbox.write_transaction()
    ensure_member_subscriptions()  # in a dry run too, so it counts them; rolled back at its end
    if not dry_run:
        try:
            with db.session.begin_nested():
                db.session.add(DigestCycle(frequency=frequency, period_key=key, moment=moment))
        except IntegrityError:
            pass  # another scheduler started it, or a crash interrupted it: carry on, rows are unique
        db.session.commit()
    data = CycleData(utcnow())
    last_id = 0
    while True:
        # Each batch: read and render without holding any lock, then write in one short transaction
        # that is a writer's from its start (on SQLite, the outbox drain can run in between).
        if not dry_run:
            db.session.commit()
        batch = list(
            db.session.scalars(due_subscribers_query(frequency).where(Subscriber.id > last_id).limit(SUBSCRIBER_BATCH))
        )
        if not batch:
            break
        last_id = batch[-1].id
        done = set(
            db.session.scalars(
                select(DigestRun.subscriber_id).where(
                    DigestRun.frequency == frequency,
                    DigestRun.period_key == key,
                    DigestRun.subscriber_id.in_([item.id for item in batch]),
                )
            )
        )
        pending = [item for item in batch if item.id not in done]
        report.already += len(batch) - len(pending)
        periods = {item.id: period_for(item, frequency, moment) for item in pending}
        members = [item for item in pending if item.user_id is not None]
        facts = reader_facts(
            [item.user_id for item in members], {item.user_id: periods[item.id].start for item in members}, moment
        )
        contents = [
            (subscriber, periods[subscriber.id], build_content(subscriber, periods[subscriber.id], data, facts))
            for subscriber in pending
        ]
        if dry_run:
            report.skipped += sum(1 for _s, _p, content in contents if content.empty)
            report.queued += sum(1 for _s, _p, content in contents if not content.empty)
            continue
        prepared = [_prepare(subscriber, period, content, data) for subscriber, period, content in contents]
        db.session.commit()
        outbox.write_transaction()
        _record_batch(prepared, report)
        db.session.commit()
    if dry_run:
        db.session.rollback()
        return report
    db.session.commit()
    outbox.write_transaction()
    db.session.execute(
        update(DigestCycle)
        .where(DigestCycle.frequency == frequency, DigestCycle.period_key == key)
        .values(
            finished_at=utcnow(),
            queued=DigestCycle.queued + report.queued,
            skipped=DigestCycle.skipped + report.skipped,
        )
    )
    db.session.commit()
    return report


def _outbox_key(subscriber_id: int, period: Period) -> str:
    return f"digest:{subscriber_id}:{period.frequency}:{period.key}"


@dataclass
class PreparedDigest:
    """One subscriber's outcome for the period, as plain data: the run's row and the message, if any."""

    subscriber_id: int
    run: dict
    message: dict | None


def _prepare(subscriber: Subscriber, period: Period, content: DigestContent, data: CycleData) -> PreparedDigest:
    now = utcnow()
    run = {
        "subscriber_id": subscriber.id,
        "frequency": period.frequency,
        "period_key": period.key,
        "period_start": period.start,
        "period_end": period.end,
        "status": "skipped" if content.empty else "queued",
        "case_count": len(content.picks),
        "outbox_key": None if content.empty else _outbox_key(subscriber.id, period),
        "created_at": now,
    }
    if content.empty:
        return PreparedDigest(subscriber.id, run, None)
    view_url = data.links.url("digests.view", token=_view_token(subscriber.id, period.frequency, period.key))
    subject, text, html = render(subscriber, content, period, view_url, data.terms, data.links)
    # A member's digest goes to the account's current address, even if it changed since they subscribed.
    recipient = subscriber.user.email if subscriber.user is not None else subscriber.email
    message = {
        "key": run["outbox_key"],
        "kind": "digest",
        "recipient": recipient,
        "subject": subject[:300],
        "text_body": text,
        "html_body": html,
        "headers": list_headers(subscriber),
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": now,
        "created_at": now,
    }
    return PreparedDigest(subscriber.id, run, message)


def _record_batch(prepared: list[PreparedDigest], report: CycleReport) -> None:
    """Record a batch's runs, then write the digests of the runs this process recorded.

    The unique key of a run decides who writes a subscriber's digest for a period: rows another
    scheduler recorded first are left alone (ON CONFLICT DO NOTHING) and this process writes nothing
    for them; the outbox key is unique too, so a digest cannot be written twice either.
    """
    if not prepared:
        return
    runs = DigestRun.__table__
    recorded = set(
        db.session.scalars(
            insert_ignoring_duplicates(runs, ["subscriber_id", "frequency", "period_key"]).returning(
                runs.c.subscriber_id
            ),
            [item.run for item in prepared],
        )
    )
    report.already += len(prepared) - len(recorded)
    mine = [item for item in prepared if item.subscriber_id in recorded]
    messages = [item.message for item in mine if item.message is not None]
    report.queued += len(messages)
    report.skipped += len(mine) - len(messages)
    if messages:
        db.session.execute(insert_ignoring_duplicates(OutboxMessage.__table__, ["key"]), messages)
    if mine:
        subscribers = Subscriber.__table__
        db.session.execute(
            update(subscribers)
            .where(subscribers.c.id == bindparam("subscriber"))
            .values(covered_until=bindparam("until")),
            [{"subscriber": item.subscriber_id, "until": item.run["period_end"]} for item in mine],
        )


def run_due(frequency: str, now: datetime | None = None) -> CycleReport:
    """The scheduled job, and the catch-up after downtime: the latest due period, if not done yet."""
    return run_cycle(frequency, schedule.due_moment(frequency, now or utcnow()))


def start_cycle(frequency: str, actor: User, now: datetime | None = None) -> CycleReport:
    """An organiser starts the latest due cycle by hand (the admin page's button).

    The cycle commits per batch; the audit entry goes into the transaction after it, which the
    request commits: it says what the cycle did."""
    if not is_active_member(actor) or not actor.is_organiser:
        raise DigestError(_l("Only organisers can start a digest cycle."), status=403)
    if frequency not in schedule.FREQUENCIES:
        raise DigestError(_l("Choose a frequency."), field="frequency")
    report = run_due(frequency, now)
    audit.record(
        actor,
        "digest.cycle",
        f"digest-cycle:{frequency}",
        f"{frequency.capitalize()} digests, period {report.period_key}",
        period=report.period_key,
        queued=report.queued,
        skipped=report.skipped,
        already=report.already,
    )
    db.session.flush()
    return report


def preview(subscriber: Subscriber, now: datetime | None = None):
    """The subscriber's next digest as it would be now, without writing anything:
    (content, the one-line reasons of its cases, (subject, text, html))."""
    now = now or utcnow()
    frequency = subscriber.frequency if subscriber.frequency != Frequency.OFF else Frequency.WEEKLY.value
    period = Period(frequency, "preview", period_for(subscriber, frequency, now).start, now)
    data = CycleData(now)
    facts = (
        reader_facts([subscriber.user_id], {subscriber.user_id: period.start}, now)
        if subscriber.user_id
        else ReaderFacts({}, {})
    )
    content = build_content(subscriber, period, data, facts)
    with force_locale(subscriber.locale):
        reasons = [reason_text(pick, data.terms) for _case, pick in content.picks]
    return content, reasons, render(subscriber, content, period, None, data.terms)


def send_log(subscriber: Subscriber, limit: int = 50):
    runs = list(
        db.session.scalars(
            select(DigestRun)
            .where(DigestRun.subscriber_id == subscriber.id)
            .order_by(DigestRun.created_at.desc())
            .limit(limit)
        )
    )
    keys = [run.outbox_key for run in runs if run.outbox_key]
    messages = (
        {row.key: row for row in db.session.scalars(select(OutboxMessage).where(OutboxMessage.key.in_(keys)))}
        if keys
        else {}
    )
    return [(run, messages.get(run.outbox_key)) for run in runs]


def reach() -> dict[str, int]:
    """Counts for organisers: subscribers, bouncing addresses, digests queued/sent/skipped/failed."""
    bounce_limit = current_app.config["DIGEST_BOUNCE_LIMIT"]
    statuses = dict(
        db.session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.kind == "digest")
            .group_by(OutboxMessage.status)
        ).all()
    )
    return {
        "subscribers": db.session.scalar(
            select(func.count())
            .select_from(Subscriber)
            .where(Subscriber.frequency != Frequency.OFF, Subscriber.confirmed_at.is_not(None))
        ),
        "bouncing": db.session.scalar(
            select(func.count()).select_from(Subscriber).where(Subscriber.bounce_count >= bounce_limit)
        ),
        "skipped": db.session.scalar(select(func.count()).select_from(DigestRun).where(DigestRun.status == "skipped")),
        "pending": statuses.get("pending", 0) + statuses.get("sending", 0),
        "sent": statuses.get("sent", 0),
        "failed": statuses.get("failed", 0),
    }


# -- scheduled jobs and hooks ----------------------------------------------------------------------


def _daily():
    return str(run_due("daily"))


def _weekly():
    return str(run_due("weekly"))


def _monthly():
    return str(run_due("monthly"))


def _drain():
    report = outbox.drain()
    return f"{report.sent} sent, {report.retried} to retry, {report.failed} failed"


def catch_up():
    """At start-up: a run missed while the scheduler was down is made now, once."""
    return "; ".join(str(run_due(frequency)) for frequency in schedule.FREQUENCIES)


def scheduled_jobs():
    return [
        ("digests.daily", _daily, {"trigger": "cron", **schedule.CRON["daily"]}),
        ("digests.weekly", _weekly, {"trigger": "cron", **schedule.CRON["weekly"]}),
        ("digests.monthly", _monthly, {"trigger": "cron", **schedule.CRON["monthly"]}),
        ("digests.catch_up", catch_up, {"trigger": "date"}),
        ("outbox.drain", _drain, {"trigger": "interval", "seconds": 60}),
    ]


def nav_item():
    from flask_login import current_user

    links = [{"endpoint": "digests.settings", "label": _l("Email digest")}] if is_active_member(current_user) else []
    if is_active_member(current_user) and current_user.is_organiser:
        links.append({"endpoint": "digests.admin", "label": _l("Digest deliveries")})
    footer = [{"endpoint": "digests.subscribe", "label": _l("Receive the digest by email")}]
    settings = [
        {"endpoint": "digests.settings", "label": _l("How often you receive the email digest, and in which language")}
    ]
    return {
        "endpoint": None,
        "label": None,
        "badge": 0,
        "user_links": links,
        "footer_links": footer,
        "settings_links": settings if is_active_member(current_user) else [],
    }


def account_deleting(user: User) -> None:
    """The "account_deleting" hook: the subscription, and with it the address, goes with the account."""
    subscriber = subscription_of(user)
    if subscriber is not None:
        db.session.delete(subscriber)
        db.session.flush()


def personal_data(user: User) -> dict:
    subscriber = subscription_of(user)
    if subscriber is None:
        return {}
    return {"digest": {"frequency": subscriber.frequency, "locale": subscriber.locale, "email": subscriber.email}}
