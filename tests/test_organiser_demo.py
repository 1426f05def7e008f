"""The organiser console's share of `flask demo` (club/organiser/demo.py): a console that looks alive.

The whole command runs on an empty database, as `make run` does; a second run adds nothing.
"""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from club.accounts import demo as accounts_demo
from club.accounts.models import User
from club.accounts.passwords import policy_errors
from club.awards.models import Ballot, VoteOrigin
from club.cases.models import CaseAuthor, CaseStudy, CaseView, Comment, CommentReport, Notification
from club.core.models import AuditEntry, OutboxMessage
from club.core.timeutil import utcnow
from club.digests.models import DigestCycle, DigestRun, Subscriber
from club.extensions import db
from club.members.models import Profile
from club.organiser import demo as organiser_demo
from club.organiser import services
from club.organiser.models import Invitation
from tests.helpers import login, url

TABLES = (
    User,
    Profile,
    Subscriber,
    CaseView,
    Comment,
    CommentReport,
    Notification,
    Invitation,
    AuditEntry,
    OutboxMessage,
    DigestRun,
    DigestCycle,
)


def _counts() -> dict[str, int]:
    return {model.__name__: db.session.scalar(select(func.count()).select_from(model)) for model in TABLES}


def _snapshot() -> dict:
    """What the demo sets on rows that exist already: last visits and the ballots' insight fields."""
    return {
        "seen": sorted(db.session.execute(select(User.id, User.last_seen_at, User.last_login_at)).all()),
        "origins": sorted(
            db.session.execute(
                select(
                    VoteOrigin.origin_key,
                    VoteOrigin.first_choice_id,
                    VoteOrigin.voter_sector_id,
                    VoteOrigin.voter_function_id,
                )
            ).all()
        ),
    }


def test_the_demo_fills_the_console_once(runner, mail_outbox):
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0, first.output
    after_first, snapshot = _counts(), _snapshot()
    now = utcnow()

    # A year of reads; every ballot says who (roughly) voted for what.
    assert 4000 <= after_first["CaseView"] <= 8000
    ballots = db.session.scalars(select(Ballot)).all()
    origins = db.session.scalars(select(VoteOrigin)).all()
    assert ballots and len(origins) == len(ballots)
    assert sorted(origin.first_choice_id for origin in origins) == sorted(ballot.ranking[0] for ballot in ballots)
    assert all(origin.voter_sector_id is not None and origin.voter_function_id is not None for origin in origins)

    # Comments reported by several members, one report settled by hiding the comment.
    open_reports = db.session.scalars(select(CommentReport).where(CommentReport.resolved_at.is_(None))).all()
    reported = {report.comment_id for report in open_reports}
    assert 3 <= len(reported) <= 4
    assert len({report.reporter_id for report in open_reports}) == len(open_reports)
    assert any(report.note for report in open_reports) and any(not report.note for report in open_reports)
    assert len({report.reason for report in open_reports}) >= 3
    for report in open_reports:
        assert report.comment.hidden_at is None and report.reporter_id != report.comment.author_id
        assert report.comment.created_at < report.created_at <= now
    settled = db.session.scalars(select(CommentReport).where(CommentReport.resolution == "hidden")).all()
    assert settled and all(report.comment.hidden_at == report.resolved_at for report in settled)

    # Invitations: two waiting, one accepted by a member who is here.
    states = sorted(invitation.state for invitation in db.session.scalars(select(Invitation)))
    assert states == ["accepted", "pending", "pending"]
    accepted = db.session.scalar(select(Invitation).where(Invitation.accepted_at.is_not(None)))
    assert accepted.user is not None and accepted.user.email == accepted.email
    assert all(invitation.invited_by is not None for invitation in db.session.scalars(select(Invitation)))

    # Organiser actions of the past in the audit log.
    kinds = set(db.session.scalars(select(AuditEntry.kind)))
    assert {"case.publish", "comment.hide", "member.suspend", "member.reactivate", "sector.rename"} <= kinds
    assert {"member.invite", "member.join", "member.role"} <= kinds
    assert db.session.scalar(select(func.max(AuditEntry.created_at))) <= now

    # Silent members: active, joined long ago, not seen for 90 days; everyone else was seen lately.
    silent = db.session.scalars(services.silent_members_list_query(now)).all()
    assert 8 <= len(silent) <= 12
    assert all(user.created_at < now - timedelta(days=120) and user.is_active for user in silent)
    assert {user.email for user in silent} == {spec.email for spec in organiser_demo.QUIET_MEMBERS}
    others = db.session.scalars(select(User).where(User.id.not_in([user.id for user in silent]))).all()
    assert all(user.last_seen_at is not None and user.last_seen_at > now - timedelta(days=90) for user in others)
    assert all(user.last_login_at <= user.last_seen_at for user in others)

    # Six months of digests: sent in each month, some skipped, the bouncing address's failures.
    reach = services.digest_reach(services.recent_months(6))
    assert all(month.sent > 0 for month in reach)
    assert sum(month.skipped for month in reach) > 0 and sum(month.bounced for month in reach) >= 1
    assert not db.session.scalar(
        select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(("pending", "sending")))
    )

    second = runner.invoke(args=["demo"])
    assert second.exit_code == 0, second.output
    assert _counts() == after_first
    assert _snapshot() == snapshot
    assert mail_outbox == []


def test_reads_follow_the_rules_and_cross_silos_more_and_more(runner):
    assert runner.invoke(args=["demo"]).exit_code == 0
    now = utcnow()

    by_author = (
        select(func.count())
        .select_from(CaseView)
        .join(CaseAuthor, (CaseAuthor.case_id == CaseView.case_id) & (CaseAuthor.user_id == CaseView.viewer_id))
    )
    assert db.session.scalar(by_author) == 0
    rows = db.session.execute(
        select(CaseView.viewed_at, CaseStudy.published_at, CaseStudy.status, User.created_at, User.last_seen_at)
        .join(CaseStudy, CaseStudy.id == CaseView.case_id)
        .join(User, User.id == CaseView.viewer_id)
    ).all()
    assert all(row.status == "published" for row in rows)
    assert all(row.published_at < row.viewed_at <= now for row in rows)
    assert all(row.created_at < row.viewed_at <= row.last_seen_at for row in rows)
    assert min(row.viewed_at for row in rows) > now - timedelta(days=366)

    months = services.recent_months(12)
    views = services.sharing(months, "sector", ("view",), unknown_label="n.d.")
    shares = [month.share for month in views.shares]
    assert all(share is not None for share in shares)
    assert sum(shares[-3:]) / 3 > sum(shares[:3]) / 3 + 0.15
    # More reads lately, and most of them within a sector a year ago.
    assert sum(month.total for month in views.shares[-3:]) > sum(month.total for month in views.shares[:3])
    assert sum(shares[:3]) / 3 < 0.4


def test_the_console_pages_show_the_demo(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    everything = services.sharing(services.recent_months(12), "sector", services.ACTIVITIES, unknown_label="n.d.")
    assert everything.matrix.total > 0 and everything.matrix.across > 0
    board = services.dashboard()
    assert board.reported_comments >= 3 and board.pending_invitations == 2 and board.silent_members >= 5
    assert board.failed_messages >= 1

    login(client, accounts_demo.ADMIN_EMAIL, password=accounts_demo.DEMO_PASSWORD)
    pages = {
        "organiser.dashboard": [],
        "organiser.insights": [f"<strong>{everything.matrix.total}</strong>"],
        "organiser.invitations": [organiser_demo.PENDING_INVITATIONS[0].email],
        "organiser.silent_members": [spec.display_name for spec in organiser_demo.QUIET_MEMBERS[:3]],
    }
    for endpoint, texts in pages.items():
        response = client.get(url(endpoint))
        assert response.status_code == 200, endpoint
        page = response.get_data(as_text=True)
        for text in texts:
            assert text in page, (endpoint, text)
    hidden = client.get(url("organiser.comments", show="hidden"))
    assert hidden.status_code == 200 and "Pubblicità" in hidden.get_data(as_text=True)
    audit = client.get(url("organiser.audit_log", kind="member"))
    assert audit.status_code == 200 and "member.suspend" in audit.get_data(as_text=True)


def test_the_quiet_members_can_use_the_demo_password():
    for spec in organiser_demo.QUIET_MEMBERS:
        assert spec.email.endswith(".example")
        assert policy_errors(accounts_demo.DEMO_PASSWORD, email=spec.email, display_name=spec.display_name) == []
    assert len({spec.bio for spec in organiser_demo.QUIET_MEMBERS}) == len(organiser_demo.QUIET_MEMBERS)


def test_the_reported_comments_page_shows_the_demo_reports(runner, client):
    assert runner.invoke(args=["demo"]).exit_code == 0
    login(client, accounts_demo.ADMIN_EMAIL, password=accounts_demo.DEMO_PASSWORD)

    response = client.get(url("organiser.comments"))

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Le solite slide da consulenti" in page and "il suo cellulare" in page
