"""Demo data of the organiser console: a year of club life for its insights, queues and history.

What the other domains' demos leave out, and the console reads:

- members who went quiet: ten members who joined months ago, looked around for a while and have not
  come back for more than 90 days (the other demo members all have recent RSVPs, comments or useful
  marks, so none of them can be silent); they receive the digest like everyone else;
- when each demo account was last seen and last signed in: most in the last weeks, never before their
  latest recorded activity;
- about a year of case reads by members, more in recent months, mostly within the reader's own sector
  but with a share of reads across sectors that grows month by month (the console's crossing chart);
  never by an author of the case, never before it was published or the reader joined, never after the
  reader was last seen;
- the voter's sector and function, and the first choice, on the award ballots that lack them (ballots
  name no member, so a random member who existed when the ballot was cast stands for the voter);
- four comments with open reports from different members, and one report, on a comment the
  organisers already hid, resolved by hiding it;
- two pending invitations and one that a member accepted;
- organiser actions in the audit log, dated in the past: publications, a hidden comment, a member
  suspended and then reactivated, renamed taxonomy terms, roles, invitations;
- six months of digest deliveries: sent, skipped when there was nothing new, and the bounces of the
  address that stopped receiving them (outbox keys start with "demo-history:"; the due period is left
  to the scheduler).

Everything is deterministic for a given database and day (random.Random with fixed seeds), except
the invitation tokens, which are secrets. Every part finds what it would add by a natural key and
adds nothing the second time: accounts by email, reads when the table already has some, last seen
where it is not set, ballots where the fields are empty, comments by their text, reports by (comment,
reporter), invitations by email, audit entries by (kind, object), deliveries by their outbox key.
Nothing sends email.

Load the demo of every lower domain first (`flask demo` does).
"""

from __future__ import annotations

import hashlib
import math
import random
import secrets
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, insert, select
from sqlalchemy.orm import joinedload

from club.accounts import demo as accounts_demo
from club.accounts.models import Role, User
from club.awards.models import Ballot, VoteOrigin
from club.cases.models import (
    CaseAuthor,
    CaseStudy,
    CaseView,
    Comment,
    CommentReport,
    Notification,
    ReportReason,
    Revision,
    Status,
    UsefulMark,
    case_functions,
)
from club.core.models import AuditEntry, Competence, Function, OutboxMessage, Sector
from club.core.timeutil import ROME, as_utc, to_rome, utcnow
from club.digests import schedule
from club.digests.models import DigestCycle, DigestRun, Frequency, Subscriber
from club.digests.services import ensure_member_subscriptions
from club.events.models import Feedback, Registration
from club.extensions import db
from club.members import demo as members_demo
from club.members.models import Profile
from club.organiser import insights
from club.organiser.models import Invitation

SEED = 2026
VIEW_COUNT = 6000
VIEW_MONTHS = 12
# The crossing share of reads: from about one in five a year ago to more than one in two today.
CROSSING_FROM, CROSSING_TO = 0.2, 0.55
HISTORY_MONTHS = 6  # of digests: this month and the five before
HISTORY_PREFIX = "demo-history:"
QUIET_AT_LEAST = 100  # days since a quiet member was last seen (the console's threshold is 90)
INVITATION_DAYS = 14

ADMIN = accounts_demo.ADMIN_EMAIL
PAOLA, STEFANO, ELENA = accounts_demo.ORGANISER_EMAILS


def _rng(part: str) -> random.Random:
    return random.Random(f"{SEED}:organiser:{part}")  # noqa: S311 - reproducible demo data, not a secret


# -- members who went quiet --------------------------------------------------------------------------


@dataclass(frozen=True)
class QuietMember:
    first: str
    last: str
    sector: str
    organisation: int  # index in members_demo.ORGANISATIONS[sector]
    function: str
    job_title: str
    competences: tuple[str, ...]
    bio: str
    days_ago: float  # joined
    seen_for: float  # days between joining and the last visit

    @property
    def display_name(self) -> str:
        return f"{self.first} {self.last}"

    @property
    def email(self) -> str:
        domain = members_demo.ORGANISATIONS[self.sector][self.organisation][1]
        return f"{members_demo.slugify(self.first)}.{members_demo.slugify(self.last)}@{domain}"

    @property
    def organisation_name(self) -> str:
        return members_demo.ORGANISATIONS[self.sector][self.organisation][0]


# (first name, surname, sector, organisation: index in members_demo.ORGANISATIONS[sector], function, job title,
#  competence areas, joined days ago, days between joining and the last visit), then the bio.
_QUIET_ROWS = [
    ("Ornella", "Bassi", "insurance", 1, "customer-care", "Responsabile Servizio Clienti",
     ("omnichannel",), 540, 35),
    ("Gianluca", "Ferretti", "banking", 1, "information-technology", "IT Manager",
     ("artificial-intelligence",), 410, 12),
    ("Rossella", "Sartori", "retail", 0, "marketing", "CRM Manager",
     ("customer-journey",), 300, 60),
    ("Diego", "Pagano", "public-administration", 1, "customer-care", "Responsabile URP",
     ("customer-journey",), 250, 0.02),
    ("Nadia", "Fiore", "healthcare", 1, "operations", "Responsabile Back Office",
     ("omnichannel",), 480, 90),
    ("Mirko", "Negri", "telecommunications", 2, "sales", "Sales Manager",
     ("customer-journey", "omnichannel"), 200, 20),
    ("Loredana", "Guerra", "energy-utilities", 1, "quality-compliance", "Responsabile Reclami",
     ("measurement-voice-of-customer", "customer-experience"), 365, 140),
    ("Alberto", "Riva", "transport", 1, "customer-experience", "Customer Experience Manager",
     ("customer-experience",), 160, 0.01),
    ("Carla", "Donati", "outsourcing", 0, "human-resources", "Responsabile Formazione",
     ("people-training-motivation",), 620, 200),
    ("Walter", "Bernardi", "media", 1, "general-management", "Direttore Generale",
     ("customer-experience", "artificial-intelligence"), 135, 8),
]  # fmt: skip
_QUIET_BIOS = [
    "Coordino il servizio clienti di Mutua Serena: sinistri, rinnovi e reclami. Mi sono iscritta per capire come "
    "lavorano gli altri settori.",
    "Seguo le piattaforme del contact center del Credito Appenninico, dal centralino al CRM.",
    "Mi occupo del programma fedeltà dei Supermercati Girasole e della comunicazione con i titolari della carta.",
    "Dirigo l'Ufficio relazioni con il pubblico del Comune di Portoverde: sportelli, telefono e PEC.",
    "Organizzo il back office delle prenotazioni di Aurelia Cura: agende, disdette e liste d'attesa.",
    "Guido le vendite telefoniche di OndaMobile: mi interessa capire dove finisce la vendita e comincia l'assistenza.",
    "Gestisco i reclami e le conciliazioni di Luce e Gas Padana, con un occhio alle delibere dell'autorità.",
    "Lavoro sull'esperienza dei passeggeri di Mobilità Urbana Portoverde, tra app, biglietterie e fermate.",
    "Formo gli operatori di Voce Amica, dall'inserimento al coaching dei team leader.",
    "Dirigo Palinsesto TV; nel club cerco idee per il rapporto con gli abbonati digitali.",
]
QUIET_MEMBERS = [
    QuietMember(first, last, sector, org, function, job, competences, bio, days_ago, seen_for)
    for (first, last, sector, org, function, job, competences, days_ago, seen_for), bio in zip(
        _QUIET_ROWS, _QUIET_BIOS, strict=True
    )
]


def _quiet_members() -> None:
    """The quiet members' accounts and profiles (found by email), and their digest subscriptions."""
    sectors = {term.slug: term for term in db.session.scalars(select(Sector))}
    functions = {term.slug: term for term in db.session.scalars(select(Function))}
    competences = {term.slug: term for term in db.session.scalars(select(Competence))}
    existing = accounts_demo.existing_users([spec.email for spec in QUIET_MEMBERS])
    users = []
    for spec in QUIET_MEMBERS:
        user, _ = accounts_demo.ensure_user(spec.email, spec.display_name, days_ago=spec.days_ago, existing=existing)
        users.append((user, spec))
    db.session.flush()
    with_profile = set(
        db.session.scalars(select(Profile.user_id).where(Profile.user_id.in_([user.id for user, _ in users])))
    )
    for user, spec in users:
        if user.id in with_profile:
            continue
        db.session.add(
            Profile(
                user=user,
                organisation=spec.organisation_name,
                job_title=spec.job_title,
                bio=spec.bio,
                links=[],
                sector=sectors.get(spec.sector),
                function=functions.get(spec.function),
                competences=[competences[slug] for slug in spec.competences if slug in competences],
            )
        )
    db.session.flush()
    # The digests demo subscribed the members it saw; these came later.
    ensure_member_subscriptions()
    db.session.flush()


# -- when the demo accounts were last seen -----------------------------------------------------------


def _demo_emails() -> list[str]:
    emails = [ADMIN, *accounts_demo.ORGANISER_EMAILS]
    emails += [spec.email for spec in members_demo.member_specs()]
    emails += [spec.email for spec in QUIET_MEMBERS]
    return emails


def _latest_activity(now: datetime) -> dict[int, datetime]:
    """Each member's latest recorded act (comment, report, useful mark, RSVP, feedback, case written), up to now."""
    latest: dict[int, datetime] = {}
    queries = [
        select(Comment.author_id, func.max(Comment.created_at)).group_by(Comment.author_id),
        select(UsefulMark.user_id, func.max(UsefulMark.created_at)).group_by(UsefulMark.user_id),
        select(Registration.user_id, func.max(Registration.created_at)).group_by(Registration.user_id),
        select(Feedback.user_id, func.max(Feedback.updated_at)).group_by(Feedback.user_id),
        select(CommentReport.reporter_id, func.max(CommentReport.created_at)).group_by(CommentReport.reporter_id),
        select(CaseAuthor.user_id, func.max(CaseStudy.updated_at))
        .join(CaseStudy, CaseStudy.id == CaseAuthor.case_id)
        .group_by(CaseAuthor.user_id),
    ]
    for query in queries:
        for user_id, moment in db.session.execute(query):
            if moment is None:
                continue
            if moment.tzinfo is None:
                moment = moment.replace(tzinfo=UTC)
            moment = min(moment, now)
            if user_id not in latest or moment > latest[user_id]:
                latest[user_id] = moment
    return latest


def _presence(now: datetime) -> None:
    """last_seen_at and last_login_at of the demo accounts that have none yet."""
    rng = _rng("presence")
    users = db.session.scalars(
        select(User)
        .where(User.email.in_(_demo_emails()), User.last_seen_at.is_(None), User.deleted_at.is_(None))
        .order_by(User.email)
    ).all()
    if not users:
        return
    latest = _latest_activity(now)
    quiet = {spec.email: spec for spec in QUIET_MEMBERS}
    staff = {ADMIN, *accounts_demo.ORGANISER_EMAILS, members_demo.DEMO_MEMBER_EMAIL}
    for user in users:
        joined = user.created_at
        spec = quiet.get(user.email)
        if spec is not None:
            seen = min(joined + timedelta(days=spec.seen_for), now - timedelta(days=QUIET_AT_LEAST))
            seen = max(seen, joined + timedelta(minutes=10))
            login = max(joined + timedelta(minutes=7), seen - timedelta(days=rng.uniform(0, 2)))
        else:
            draw = rng.random()
            if user.email in staff:
                days = rng.uniform(0, 2)
            elif draw < 0.7:
                days = rng.uniform(0, 10)
            elif draw < 0.9:
                days = rng.uniform(10, 40)
            else:
                days = rng.uniform(40, 80)
            seen = now - timedelta(days=days)
            seen = max(seen, latest.get(user.id, seen), joined + timedelta(minutes=10))
            seen = min(seen, now)
            login = max(joined + timedelta(minutes=7), seen - timedelta(days=rng.uniform(0, 12)))
        user.last_seen_at = seen.replace(microsecond=0)
        if user.last_login_at is None:
            user.last_login_at = min(login, seen).replace(microsecond=0)
    db.session.flush()


# -- a year of reads -----------------------------------------------------------------------------------


@dataclass
class _Reader:
    id: int
    joined: datetime
    seen: datetime
    sector_id: int | None
    function_id: int | None


def _window_start(now: datetime) -> datetime:
    first = insights.last_months(now.date(), VIEW_MONTHS)[0]
    day = insights.month_bounds(first)[0]
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _running_max(values: list[float]) -> list[float]:
    result, peak = [], 0.0
    for value in values:
        peak = max(peak, value)
        result.append(peak)
    return result


def _case_views(now: datetime) -> None:
    """VIEW_COUNT reads of published cases by members over the last twelve months (once: when there are none)."""
    if db.session.scalar(select(CaseView.id).limit(1)) is not None:
        return
    rng = _rng("views")
    cases = db.session.execute(
        select(CaseStudy.id, CaseStudy.sector_id, CaseStudy.published_at)
        .where(CaseStudy.status == Status.PUBLISHED, CaseStudy.published_at.is_not(None))
        .order_by(CaseStudy.published_at, CaseStudy.id)
    ).all()
    readers = [
        _Reader(row.id, row.created_at, row.last_seen_at, row.sector_id, row.function_id)
        for row in db.session.execute(
            select(User.id, User.created_at, User.last_seen_at, User.role, Profile.sector_id, Profile.function_id)
            .join(Profile, Profile.user_id == User.id)
            .where(
                User.deleted_at.is_(None),
                User.suspended_at.is_(None),
                User.email_verified_at.is_not(None),
                User.last_seen_at.is_not(None),
                User.role != Role.ADMIN.value,
            )
            .order_by(User.id)
        )
    ]
    if not cases or not readers:
        return
    authors: dict[int, set[int]] = defaultdict(set)
    for case_id, user_id in db.session.execute(select(CaseAuthor.case_id, CaseAuthor.user_id)):
        authors[case_id].add(user_id)
    case_function_ids: dict[int, set[int]] = defaultdict(set)
    for case_id, function_id in db.session.execute(select(case_functions.c.case_id, case_functions.c.function_id)):
        case_function_ids[case_id].add(function_id)

    published = [row.published_at for row in cases]
    by_sector: dict[int | None, list] = defaultdict(list)
    for row in cases:
        by_sector[row.sector_id].append(row)
    sector_published = {sector: [row.published_at for row in rows] for sector, rows in by_sector.items()}
    # Some cases are read far more than others; readers differ as much.
    popularity = {row.id: rng.lognormvariate(0, 0.6) for row in cases}
    # The most popular case among the first n of a list (for sampling by rejection within a prefix).
    peaks = {None: _running_max([popularity[row.id] for row in cases])}
    peaks.update({sector: _running_max([popularity[row.id] for row in rows]) for sector, rows in by_sector.items()})
    weights = [rng.uniform(0.2, 1.0) ** 2 for _ in readers]
    cumulative = []
    total = 0.0
    for weight in weights:
        total += weight
        cumulative.append(total)

    start = _window_start(now)
    span = (now - start).total_seconds()
    rows = []
    attempts = 0
    while len(rows) < VIEW_COUNT and attempts < VIEW_COUNT * 40:
        attempts += 1
        # Busier recently: half of the reads spread evenly, half leaning towards today.
        x = rng.random() if rng.random() < 0.5 else math.sqrt(rng.random())
        moment = start + timedelta(seconds=span * x)
        local = moment.astimezone(ROME)
        if local.weekday() >= 5 and rng.random() < 0.6:
            continue  # fewer reads at weekends
        if not 7 <= local.hour < 23:
            local = local.replace(hour=rng.randint(8, 21))
            moment = local.astimezone(UTC)
        if moment >= now:
            continue
        reader = rng.choices(readers, cum_weights=cumulative)[0]
        if not reader.joined + timedelta(hours=1) < moment <= reader.seen:
            continue
        crossing = reader.sector_id is None or rng.random() < CROSSING_FROM + (CROSSING_TO - CROSSING_FROM) * x
        pool, pool_key = cases, None
        count = bisect_left(published, moment - timedelta(hours=1))
        if not crossing:
            own = by_sector.get(reader.sector_id, [])
            own_count = bisect_left(sector_published.get(reader.sector_id, []), moment - timedelta(hours=1))
            if not (own_count and any(reader.id not in authors[row.id] for row in own[:own_count])):
                continue  # nothing of their own sector to read yet but what they wrote
            pool, pool_key, count = own, reader.sector_id, own_count
        if not count:
            continue
        # A case of the pool, in proportion to its weight (by rejection: the weight is at most 4.5 x the peak).
        peak = peaks[pool_key][count - 1] * 3 * 1.5
        chosen = None
        for _ in range(400):
            row = pool[rng.randrange(count)]
            if reader.id in authors[row.id]:
                continue
            if crossing and reader.sector_id is not None and row.sector_id == reader.sector_id:
                continue
            weight = popularity[row.id]
            if moment - row.published_at < timedelta(days=45):
                weight *= 3  # new cases are read more
            if reader.function_id in case_function_ids[row.id]:
                weight *= 1.5  # and so are those of one's own function
            if rng.random() * peak < weight:
                chosen = row
                break
        if chosen is None:
            continue
        rows.append({"case_id": chosen.id, "viewer_id": reader.id, "viewed_at": moment.replace(microsecond=0)})
    rows.sort(key=lambda row: (row["viewed_at"], row["case_id"], row["viewer_id"]))
    if rows:
        db.session.execute(insert(CaseView), rows)


# -- award ballots -----------------------------------------------------------------------------------------


def _ballots() -> None:
    """A vote origin (club.awards.models.VoteOrigin) for each demo ballot of a category that has none:
    its first choice, and the sector and function of a plausible voter (the demo ballots were cast
    by no member in particular). Keys are random: they stand for members nobody can name."""
    done = set(db.session.scalars(select(VoteOrigin.category_id).distinct()))
    ballots = [
        ballot
        for ballot in db.session.scalars(select(Ballot).order_by(Ballot.id))
        if ballot.category_id not in done and ballot.ranking
    ]
    if not ballots:
        return
    rng = _rng("ballots")
    case_ids = set(db.session.scalars(select(CaseStudy.id)))
    voters = db.session.execute(
        select(User.created_at, Profile.sector_id, Profile.function_id)
        .join(Profile, Profile.user_id == User.id)
        .where(User.role == Role.MEMBER.value, User.deleted_at.is_(None))
        .order_by(User.id)
    ).all()
    rows = []
    for ballot in ballots:
        first = ballot.ranking[0]
        if not (isinstance(first, int) and first in case_ids) or not voters:
            continue
        voter = rng.choice([voter for voter in voters if voter.created_at < ballot.cast_at] or voters)
        cast = to_rome(ballot.cast_at)
        rows.append(
            {
                "category_id": ballot.category_id,
                "origin_key": f"{rng.getrandbits(256):064x}",
                "first_choice_id": first,
                "voter_sector_id": voter.sector_id,
                "voter_function_id": voter.function_id,
                "month_start": as_utc(datetime(cast.year, cast.month, 1, tzinfo=ROME)),
            }
        )
    if rows:
        db.session.execute(insert(VoteOrigin), rows)


# -- reported comments -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ReportSpec:
    reason: str
    note: str | None
    hours_after: float


@dataclass(frozen=True)
class TroublesomeComment:
    body: str
    days_ago: float
    reports: tuple[ReportSpec, ...]
    author_sector: str | None = None  # who writes it, when it matters


TROUBLESOME_COMMENTS = [
    TroublesomeComment(
        "Complimenti per i risultati. Per chi volesse replicarli senza investire in tecnologia: gestiamo il primo "
        "livello per diversi committenti, con listini riservati ai soci del club. Scrivetemi in privato per un "
        "preventivo.",
        2.4,
        (
            ReportSpec(
                ReportReason.SPAM.value, "Sembra più un'offerta commerciale che un contributo alla discussione.", 3
            ),
            ReportSpec(ReportReason.SPAM.value, None, 20),
        ),
        author_sector="outsourcing",
    ),
    TroublesomeComment(
        "Il progetto l'ha seguito di persona Marta, la responsabile del back office: se volete chiederle i dettagli "
        "il suo cellulare è 347 555 0192, risponde anche la sera.",
        4.5,
        (
            ReportSpec(
                ReportReason.PRIVACY.value,
                "Ha pubblicato il numero personale di una collega senza il suo consenso.",
                1.5,
            ),
        ),
    ),
    TroublesomeComment(
        "Le solite slide da consulenti: chi ha scritto questo caso un contact center vero non l'ha mai visto. "
        "Numeri gonfiati e zero autocritica.",
        6.2,
        (
            ReportSpec(ReportReason.OFFENSIVE.value, "Critica legittima, ma il tono è offensivo verso gli autori.", 2),
            ReportSpec(ReportReason.OFFENSIVE.value, None, 9),
            ReportSpec(
                ReportReason.OTHER.value,
                "Non lo definirei offensivo, ma così la discussione non va da nessuna parte.",
                30,
            ),
        ),
    ),
    TroublesomeComment(
        "Fuori tema, ma qualcuno sa se quest'anno c'è un parcheggio convenzionato vicino alla sede della Settimana? "
        "L'anno scorso ho girato mezz'ora.",
        9.0,
        (ReportSpec(ReportReason.OFF_TOPIC.value, None, 26),),
    ),
]
HIDDEN_REPORT = ReportSpec(ReportReason.SPAM.value, "Pubblicità di un fornitore, non c'entra con il caso.", -5)


def _sector_slug(user: User) -> str | None:
    profile = user.profile
    return profile.sector.slug if profile is not None and profile.sector is not None else None


def _everyday_members(now: datetime) -> list[User]:
    """Members who take part (not the staff, the demo login or the quiet ones), by email."""
    left_out = {ADMIN, *accounts_demo.ORGANISER_EMAILS, members_demo.DEMO_MEMBER_EMAIL}
    left_out |= {spec.email for spec in QUIET_MEMBERS}
    members = db.session.scalars(
        select(User)
        .where(
            User.role == Role.MEMBER.value,
            User.deleted_at.is_(None),
            User.suspended_at.is_(None),
            User.email_verified_at.is_not(None),
        )
        .options(joinedload(User.profile).joinedload(Profile.sector))
        .order_by(User.email)
    ).all()
    return [user for user in members if user.email not in left_out and user.created_at < now - timedelta(days=30)]


def _reports(now: datetime) -> None:
    rng = _rng("reports")
    members = _everyday_members(now)
    if len(members) < 6:
        return
    organisers = accounts_demo.existing_users(accounts_demo.ORGANISER_EMAILS)
    bodies = [spec.body for spec in TROUBLESOME_COMMENTS]
    existing = set(db.session.scalars(select(Comment.body).where(Comment.body.in_(bodies))))
    cases = (
        db.session.scalars(
            select(CaseStudy)
            .where(
                CaseStudy.status == Status.PUBLISHED,
                CaseStudy.language == "it",
                CaseStudy.published_at < now - timedelta(days=40),
            )
            .options(joinedload(CaseStudy.authors))
            .order_by(CaseStudy.id)
        )
        .unique()
        .all()
    )
    made = []
    for spec in TROUBLESOME_COMMENTS:
        if spec.body in existing or not cases:
            continue
        candidates = [user for user in members if spec.author_sector in (None, _sector_slug(user))] or members
        author = rng.choice(candidates)
        readable = [case for case in cases if author.id not in {item.user_id for item in case.authors}]
        case = rng.choice(readable)
        moment = (now - timedelta(days=spec.days_ago)).replace(microsecond=0)
        comment = Comment(case_id=case.id, author_id=author.id, body=spec.body, created_at=moment)
        db.session.add(comment)
        case.comment_count += 1
        reporters = rng.sample([user for user in members if user.id != author.id], k=len(spec.reports))
        made.append((comment, case, author, spec, reporters))
    db.session.flush()
    for comment, case, author, spec, reporters in made:
        # As services.add_comment: the case's authors hear of it.
        for item in case.authors:
            if item.user_id != author.id:
                db.session.add(
                    Notification(
                        user_id=item.user_id,
                        kind="comment",
                        case_id=case.id,
                        comment_id=comment.id,
                        actor_id=author.id,
                        created_at=comment.created_at,
                        read_at=comment.created_at + timedelta(hours=8) if spec.days_ago > 5 else None,
                    )
                )
        for reporter, report in zip(reporters, spec.reports, strict=True):
            db.session.add(
                CommentReport(
                    comment_id=comment.id,
                    reporter_id=reporter.id,
                    reason=report.reason,
                    note=report.note,
                    created_at=min(comment.created_at + timedelta(hours=report.hours_after), now),
                )
            )
    _hidden_report(rng, members, organisers)
    db.session.flush()


def _hidden_report(rng: random.Random, members: list[User], organisers: dict[str, User]) -> None:
    """A member had reported the first comment the organisers hid: the report was settled by hiding it."""
    comment = db.session.scalar(
        select(Comment).where(Comment.hidden_at.is_not(None)).order_by(Comment.hidden_at, Comment.id).limit(1)
    )
    if comment is None:
        return
    if db.session.scalar(select(CommentReport.id).where(CommentReport.comment_id == comment.id).limit(1)):
        return
    hider = comment.hidden_by_id or (organisers[STEFANO].id if STEFANO in organisers else None)
    reporters = [
        user for user in members if user.id not in (comment.author_id, hider) and user.created_at < comment.created_at
    ]
    if not reporters:
        return
    reporter = rng.choice(reporters)
    reported = max(
        comment.created_at + timedelta(minutes=30), comment.hidden_at + timedelta(hours=HIDDEN_REPORT.hours_after)
    )
    db.session.add(
        CommentReport(
            comment_id=comment.id,
            reporter_id=reporter.id,
            reason=HIDDEN_REPORT.reason,
            note=HIDDEN_REPORT.note,
            created_at=min(reported, comment.hidden_at),
            resolved_at=comment.hidden_at,
            resolved_by_id=hider,
            resolution="hidden",
        )
    )


# -- invitations -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class InvitationSpec:
    email: str
    display_name: str
    inviter: str
    days_ago: float
    message: str | None
    role: str = Role.MEMBER.value
    locale: str = "it"


PENDING_INVITATIONS = [
    InvitationSpec(
        "marco.valli@assicurazioni-levante.example",
        "Marco Valli",
        PAOLA,
        3.2,
        "Ciao Marco, come ci siamo detti al convegno di Milano: il club fa per te. Ti aspettiamo alla prossima "
        "Settimana!",
    ),
    InvitationSpec("chiara.benetti@trasporti-lagunari.example", "Chiara Benetti", ADMIN, 9.1, None),
]


def _accepted_member() -> members_demo.MemberSpec | None:
    """A generated member who joined a few weeks ago: the one who came through an invitation."""
    recent = [spec for spec in members_demo.member_specs()[len(members_demo.FEATURED) :] if 6 < spec.days_ago < 45]
    return max(recent, key=lambda spec: (spec.days_ago, spec.email)) if recent else None


def _audit(actor_id: int | None, kind: str, scope: str, summary: str, moment: datetime, **details) -> dict:
    return {
        "actor_id": actor_id,
        "kind": kind,
        "scope": scope,
        "summary": summary[:300],
        "details": details,
        "created_at": moment.replace(microsecond=0),
    }


def _token_hash() -> str:
    return hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()


def _invitations(now: datetime, audit_rows: list[dict]) -> None:
    staff = accounts_demo.existing_users([ADMIN, *accounts_demo.ORGANISER_EMAILS])
    accepted = _accepted_member()
    emails = [spec.email for spec in PENDING_INVITATIONS] + ([accepted.email] if accepted else [])
    existing = set(db.session.scalars(select(Invitation.email).where(Invitation.email.in_(emails))))
    taken = set(accounts_demo.existing_users([spec.email for spec in PENDING_INVITATIONS]))
    made = []
    for spec in PENDING_INVITATIONS:
        if spec.email in existing or spec.email in taken:
            continue
        created = (now - timedelta(days=spec.days_ago)).replace(microsecond=0)
        inviter = staff.get(spec.inviter)
        invitation = Invitation(
            email=spec.email,
            display_name=spec.display_name,
            role=spec.role,
            message=spec.message,
            locale=spec.locale,
            token_hash=_token_hash(),
            invited_by_id=inviter.id if inviter else None,
            created_at=created,
            expires_at=created + timedelta(days=INVITATION_DAYS),
        )
        db.session.add(invitation)
        made.append((invitation, None))
    member = accounts_demo.existing_users([accepted.email]).get(accepted.email) if accepted else None
    if member is not None and accepted.email not in existing:
        inviter = staff.get(ADMIN)
        created = member.created_at - timedelta(days=2, hours=3)
        invitation = Invitation(
            email=member.email,
            display_name=member.display_name,
            role=Role.MEMBER.value,
            message="Benvenuto nel club! Qui trovi i casi di studio dei soci e il programma della Settimana.",
            locale=member.locale or "it",
            token_hash=_token_hash(),
            invited_by_id=inviter.id if inviter else None,
            created_at=created,
            expires_at=created + timedelta(days=INVITATION_DAYS),
            accepted_at=member.created_at,
            user_id=member.id,
        )
        db.session.add(invitation)
        made.append((invitation, member))
    if not made:
        return
    db.session.flush()
    for invitation, member in made:
        scope = f"invitation:{invitation.id}"
        audit_rows.append(
            _audit(
                invitation.invited_by_id,
                "member.invite",
                scope,
                invitation.email,
                invitation.created_at,
                role=invitation.role,
            )
        )
        if member is not None:
            audit_rows.append(
                _audit(member.id, "member.join", scope, invitation.email, invitation.accepted_at, user_id=member.id)
            )


# -- the audit log ------------------------------------------------------------------------------------------


PUBLISHED = {"from": Status.SUBMITTED.value, "to": Status.PUBLISHED.value}


def _past_actions(now: datetime, audit_rows: list[dict]) -> None:
    """Organiser actions of the past that the other demos did not log."""
    rng = _rng("audit")
    staff = accounts_demo.existing_users([ADMIN, *accounts_demo.ORGANISER_EMAILS])

    def actor(email: str) -> int | None:
        return staff[email].id if email in staff else None

    # The founders made the organisers.
    for email in accounts_demo.ORGANISER_EMAILS:
        if email in staff:
            user = staff[email]
            audit_rows.append(
                _audit(
                    actor(ADMIN),
                    "member.role",
                    f"user:{user.id}",
                    user.display_name,
                    user.created_at + timedelta(hours=2),
                    previous=Role.MEMBER.value,
                    role=Role.ORGANISER.value,
                )
            )

    # Terms renamed once the club saw how members named them.
    renames = [
        (Sector, "sector", "outsourcing", PAOLA, 240, {"name_it": "Outsourcing e BPO", "name_en": "BPO outsourcing"}),
        (Function, "function", "information-technology", STEFANO, 400, {"name_it": "IT", "name_en": "IT"}),
    ]
    for model, kind, slug, email, days_ago, before in renames:
        term = db.session.scalar(select(model).where(model.slug == slug))
        if term is not None:
            audit_rows.append(
                _audit(
                    actor(email),
                    f"{kind}.rename",
                    f"{kind}:{term.id}",
                    term.name_it,
                    now - timedelta(days=days_ago, hours=3.5),
                    before=before,
                    name_it=term.name_it,
                    name_en=term.name_en,
                )
            )

    # A member suspended for a few days, then reactivated (one of the generated members who joined long ago).
    generated = members_demo.member_specs()[len(members_demo.FEATURED) :]
    spec = rng.choice(sorted((spec for spec in generated if spec.days_ago > 300), key=lambda spec: spec.email))
    user = accounts_demo.existing_users([spec.email]).get(spec.email)
    if user is not None:
        suspended = now - timedelta(days=150, hours=6)
        reason = "Messaggi promozionali ripetuti ad altri soci, dopo un primo avviso."
        audit_rows.append(
            _audit(actor(ADMIN), "member.suspend", f"user:{user.id}", user.display_name, suspended, reason=reason)
        )
        audit_rows.append(
            _audit(
                actor(ELENA),
                "member.reactivate",
                f"user:{user.id}",
                user.display_name,
                suspended + timedelta(days=9, hours=2),
                reason="Ci ha scritto scusandosi: ha chiarito e rispetterà le regole del club.",
                suspension_reason=reason,
            )
        )

    # The latest publications, as the organisers who published them (their revisions say who and when).
    revisions = db.session.execute(
        select(Revision.case_id, Revision.user_id, Revision.created_at, CaseStudy.title)
        .join(CaseStudy, CaseStudy.id == Revision.case_id)
        .where(Revision.action == "publish", CaseStudy.status == Status.PUBLISHED, Revision.user_id.is_not(None))
        .order_by(Revision.created_at.desc(), Revision.id.desc())
        .limit(6)
    ).all()
    for case_id, user_id, moment, title in revisions:
        audit_rows.append(_audit(user_id, "case.publish", f"case:{case_id}", title, moment, **PUBLISHED))

    # The comments the organisers hid.
    hidden = db.session.scalars(
        select(Comment)
        .where(Comment.hidden_at.is_not(None))
        .options(joinedload(Comment.author), joinedload(Comment.case))
        .order_by(Comment.hidden_at, Comment.id)
    ).all()
    resolved = dict(
        db.session.execute(
            select(CommentReport.comment_id, func.count())
            .where(CommentReport.resolution == "hidden")
            .group_by(CommentReport.comment_id)
        ).all()
    )
    for comment in hidden:
        audit_rows.append(
            _audit(
                comment.hidden_by_id,
                "comment.hide",
                f"comment:{comment.id}",
                f"Comment by {comment.author.display_name} on “{comment.case.title}”",
                comment.hidden_at,
                case_id=comment.case_id,
                reason=comment.hidden_reason or "",
                reports_resolved=resolved.get(comment.id, 0),
            )
        )


def _write_audit(audit_rows: list[dict]) -> None:
    """Add the entries whose (kind, object) the log does not have yet."""
    if not audit_rows:
        return
    kinds = {row["kind"] for row in audit_rows}
    logged = set(db.session.execute(select(AuditEntry.kind, AuditEntry.scope).where(AuditEntry.kind.in_(kinds))).all())
    rows, seen = [], set()
    for row in sorted(audit_rows, key=lambda item: item["created_at"]):
        key = (row["kind"], row["scope"])
        if key in logged or key in seen:
            continue
        seen.add(key)
        rows.append(row)
    if rows:
        db.session.execute(insert(AuditEntry), rows)


# -- six months of digests ------------------------------------------------------------------------------

SUBJECTS = {
    "it": {
        "daily": "Il tuo notiziario quotidiano del club",
        "weekly": "Il tuo notiziario settimanale del club",
        "monthly": "Il tuo notiziario mensile del club",
    },
    "en": {
        "daily": "Your daily digest from the club",
        "weekly": "Your weekly digest from the club",
        "monthly": "Your monthly digest from the club",
    },
}
BODIES = {
    "it": "{subject}\n\nEcco che cosa hanno condiviso i colleghi di altri settori e funzioni:\n\n{items}\n\n"
    "Buona lettura,\nla segreteria del club\n",
    "en": "{subject}\n\nWhat colleagues from other sectors and functions shared:\n\n{items}\n\n"
    "Enjoy the reading,\nthe club's office\n",
}
SKIP_CHANCE = {"daily": 0.55, "weekly": 0.18, "monthly": 0.02}
BOUNCE_ERROR = "550 5.1.1 <{email}>: Recipient address rejected: User unknown in virtual mailbox table"


def _moments(frequency: str, now: datetime) -> list[datetime]:
    """The scheduled moments since the start of the month HISTORY_MONTHS - 1 months ago, oldest first,
    without the latest due one (the scheduler's to run)."""
    first = insights.last_months(now.date(), HISTORY_MONTHS)[0]
    day = insights.month_bounds(first)[0]
    since = datetime(day.year, day.month, day.day, tzinfo=UTC)
    moment = schedule.previous_moment(frequency, schedule.due_moment(frequency, now))
    moments = []
    while moment >= since:
        moments.append(moment)
        moment = schedule.previous_moment(frequency, moment)
    return moments[::-1]


def _digest_history(now: datetime) -> None:
    if db.session.scalar(select(OutboxMessage.id).where(OutboxMessage.key.like(f"{HISTORY_PREFIX}%")).limit(1)):
        return
    rng = _rng("digests")
    subscribers = db.session.scalars(
        select(Subscriber)
        .where(Subscriber.frequency != Frequency.OFF.value, Subscriber.confirmed_at.is_not(None))
        .options(joinedload(Subscriber.user))
        .order_by(Subscriber.id)
    ).all()
    sectors = dict(db.session.execute(select(Profile.user_id, Profile.sector_id)).all())
    cases = db.session.execute(
        select(CaseStudy.title, CaseStudy.sector_id, CaseStudy.published_at)
        .where(CaseStudy.status == Status.PUBLISHED, CaseStudy.published_at.is_not(None))
        .order_by(CaseStudy.published_at, CaseStudy.id)
    ).all()
    published = [row.published_at for row in cases]
    done_runs = set(
        db.session.execute(select(DigestRun.subscriber_id, DigestRun.frequency, DigestRun.period_key)).all()
    )
    done_cycles = set(db.session.execute(select(DigestCycle.frequency, DigestCycle.period_key)).all())

    runs, messages = [], []
    cycles: dict[tuple[str, str], dict] = {}
    for frequency in schedule.FREQUENCIES:
        moments = _moments(frequency, now)
        for subscriber in subscribers:
            if subscriber.frequency != frequency:
                continue
            user = subscriber.user
            if user is not None and (user.deleted_at is not None or user.suspended_at is not None):
                continue
            joined = user.created_at if user is not None else subscriber.confirmed_at
            mine = [moment for moment in moments if moment > joined]
            failing = set(mine[-subscriber.bounce_count :]) if subscriber.bounce_count else set()
            recipient = user.email if user is not None else subscriber.email
            locale = subscriber.locale if subscriber.locale in SUBJECTS else "it"
            own_sector = sectors.get(user.id) if user is not None else None
            for moment in mine:
                key = schedule.period_key(frequency, moment)
                if (subscriber.id, frequency, key) in done_runs:
                    continue
                cycle = cycles.setdefault((frequency, key), {"moment": moment, "queued": 0, "skipped": 0})
                written = moment + timedelta(seconds=rng.uniform(2, 90))
                run = {
                    "subscriber_id": subscriber.id,
                    "frequency": frequency,
                    "period_key": key,
                    "period_start": schedule.previous_moment(frequency, moment),
                    "period_end": moment,
                    "status": "skipped",
                    "outbox_key": None,
                    "case_count": 0,
                    "created_at": written.replace(microsecond=0),
                }
                runs.append(run)
                if moment not in failing and rng.random() < SKIP_CHANCE[frequency]:
                    cycle["skipped"] += 1
                    continue
                until = bisect_left(published, moment)
                recent = cases[max(0, until - 25) : until]
                others = [row for row in recent if row.sector_id != own_sector] or recent
                picks = rng.sample(others, k=min(len(others), rng.randint(2, 4)))
                subject = SUBJECTS[locale][frequency]
                outbox_key = f"{HISTORY_PREFIX}digest:{subscriber.id}:{frequency}:{key}"
                run.update(status="queued", outbox_key=outbox_key, case_count=len(picks))
                cycle["queued"] += 1
                failed = moment in failing
                messages.append(
                    {
                        "key": outbox_key,
                        "kind": "digest",
                        "recipient": recipient,
                        "subject": subject,
                        "text_body": BODIES[locale].format(
                            subject=subject, items="\n".join(f"- {row.title}" for row in picks)
                        ),
                        "html_body": None,
                        "headers": {},
                        "status": "failed" if failed else "sent",
                        "attempts": 1,
                        "next_attempt_at": run["created_at"],
                        "claimed_by": None,
                        "claimed_at": None,
                        "sent_at": None if failed else run["created_at"] + timedelta(seconds=rng.randint(5, 600)),
                        "last_error": BOUNCE_ERROR.format(email=recipient) if failed else None,
                        "created_at": run["created_at"],
                    }
                )
    cycle_rows = [
        {
            "frequency": frequency,
            "period_key": key,
            "moment": data["moment"],
            "started_at": data["moment"],
            "finished_at": data["moment"] + timedelta(seconds=30 + data["queued"] + data["skipped"]),
            "queued": data["queued"],
            "skipped": data["skipped"],
        }
        for (frequency, key), data in sorted(cycles.items(), key=lambda item: item[1]["moment"])
        if (frequency, key) not in done_cycles
    ]
    for model, rows in ((DigestCycle, cycle_rows), (DigestRun, runs), (OutboxMessage, messages)):
        if rows:
            db.session.execute(insert(model), rows)


# -- loading --------------------------------------------------------------------------------------------


def load() -> None:
    now = utcnow()
    _quiet_members()
    _reports(now)
    _presence(now)
    _case_views(now)
    _ballots()
    audit_rows: list[dict] = []
    _invitations(now, audit_rows)
    _past_actions(now, audit_rows)
    _write_audit(audit_rows)
    _digest_history(now)
    db.session.flush()


def counts() -> tuple[int, int, int, int]:
    """Case reads, comments with open reports, pending invitations and digests sent (for the command's summary)."""
    now = utcnow()
    return (
        db.session.scalar(select(func.count()).select_from(CaseView)),
        db.session.scalar(
            select(func.count(func.distinct(CommentReport.comment_id))).where(CommentReport.resolved_at.is_(None))
        ),
        db.session.scalar(
            select(func.count())
            .select_from(Invitation)
            .where(Invitation.accepted_at.is_(None), Invitation.revoked_at.is_(None), Invitation.expires_at > now)
        ),
        db.session.scalar(
            select(func.count())
            .select_from(OutboxMessage)
            .where(OutboxMessage.kind == "digest", OutboxMessage.status == "sent")
        ),
    )
