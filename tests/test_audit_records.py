"""Every organiser action on other people's things leaves exactly one audit entry, written by the
service in the request's transaction; members' own actions and refused actions leave none."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from club.cases import services as case_services
from club.cases.models import Comment
from club.core.models import AuditEntry
from club.extensions import db
from tests.case_factories import image_bytes, make_case, make_comment
from tests.digest_factories import make_subscriber
from tests.event_factories import (
    compiled_templates_once,  # noqa: F401  (autouse fixture)
    make_session,
    make_week,
    session_form_data,
    week_form_data,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url


def _last_id() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.coalesce(func.max(AuditEntry.id), 0)))


def _entries_since(last_id: int) -> list[AuditEntry]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEntry).where(AuditEntry.id > last_id).order_by(AuditEntry.id)))


def _one_entry(last_id: int, actor, kind: str, scope: str) -> AuditEntry:
    entries = _entries_since(last_id)
    assert [(e.actor_id, e.kind, e.scope) for e in entries] == [(actor.id, kind, scope)]
    return entries[0]


def _none_since(last_id: int) -> None:
    assert [(e.kind, e.scope) for e in _entries_since(last_id)] == []


@pytest.fixture
def organiser():
    return make_organiser(display_name="Olga Organizzatrice")


@pytest.fixture
def organiser_client(app, organiser):
    client = app.test_client()
    login(client, organiser)
    return client


@pytest.fixture
def author():
    return make_member(display_name="Anna Autrice")


@pytest.fixture
def author_client(app, author):
    client = app.test_client()
    login(client, author)
    return client


# -- case studies -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "action", "data", "kind"),
    [
        ("submitted", "publish", {}, "case.publish"),
        ("submitted", "request_changes", {"comment": "Aggiungete i numeri."}, "case.request-changes"),
        ("published", "archive", {}, "case.archive"),
        ("archived", "restore", {}, "case.restore"),
    ],
)
def test_organisers_workflow_steps_are_audited(organiser_client, organiser, author, status, action, data, kind):
    case = make_case(author, status=status, title="Reclami in 24 ore")
    since = _last_id()
    response = organiser_client.post(url("cases.transition", case_id=case.id, action=action), data=data)
    assert response.status_code == 302
    entry = _one_entry(since, organiser, kind, f"case:{case.id}")
    assert entry.summary == "Reclami in 24 ore"
    assert entry.details["to"] != entry.details["from"]
    if action == "request_changes":
        assert entry.details["comment"] == "Aggiungete i numeri."


def test_authors_own_workflow_steps_are_not_audited(author_client, author):
    draft = make_case(author, status="draft")
    published = make_case(author, status="published")
    since = _last_id()
    assert author_client.post(url("cases.transition", case_id=draft.id, action="submit")).status_code == 302
    assert author_client.post(url("cases.transition", case_id=published.id, action="archive")).status_code == 302
    _none_since(since)


def test_an_organiser_archiving_their_own_case_acts_as_author(organiser_client, organiser):
    own = make_case(organiser, status="published")
    since = _last_id()
    assert organiser_client.post(url("cases.transition", case_id=own.id, action="archive")).status_code == 302
    _none_since(since)


def test_refused_workflow_steps_leave_no_entry(organiser_client, author_client, author):
    case = make_case(author, status="published")
    since = _last_id()
    assert organiser_client.post(url("cases.transition", case_id=case.id, action="publish")).status_code == 409
    submitted = make_case(author, status="submitted")
    since = _last_id()
    # request_changes without a message, and a member trying to publish
    assert (
        organiser_client.post(url("cases.transition", case_id=submitted.id, action="request_changes")).status_code
        == 400
    )
    assert author_client.post(url("cases.transition", case_id=submitted.id, action="publish")).status_code == 403
    _none_since(since)


def test_an_organiser_deleting_someone_elses_case_is_audited(organiser_client, organiser, author):
    case = make_case(author, status="published", title="Un caso da togliere")
    case_id = case.id
    since = _last_id()
    assert organiser_client.post(url("cases.delete", case_id=case_id)).status_code == 302
    entry = _one_entry(since, organiser, "case.delete", f"case:{case_id}")
    assert entry.summary == "Un caso da togliere" and entry.details["authors"] == [author.id]


def test_deleting_ones_own_draft_is_not_audited(author_client, organiser_client, author, organiser):
    draft, own = make_case(author, status="draft"), make_case(organiser, status="draft")
    since = _last_id()
    assert author_client.post(url("cases.delete", case_id=draft.id)).status_code == 302
    assert organiser_client.post(url("cases.delete", case_id=own.id)).status_code == 302
    # An author may not delete a published case: refused, nothing written.
    published = make_case(author, status="published")
    since_refusal = _last_id()
    assert author_client.post(url("cases.delete", case_id=published.id)).status_code == 403
    _none_since(since)
    _none_since(since_refusal)


# -- comments ---------------------------------------------------------------------------------------


@pytest.fixture
def comment(author):
    case = make_case(author, title="Il caso discusso")
    return make_comment(case, make_member(display_name="Walter Scrivano"), "Un commento")


def test_hiding_and_showing_a_comment_are_audited(organiser_client, organiser, comment):
    since = _last_id()
    response = organiser_client.post(url("cases.hide_comment", comment_id=comment.id), data={"reason": "Offensivo"})
    assert response.status_code == 302
    entry = _one_entry(since, organiser, "comment.hide", f"comment:{comment.id}")
    assert "Walter Scrivano" in entry.summary and "Il caso discusso" in entry.summary
    assert entry.details["reason"] == "Offensivo" and entry.details["case_id"] == comment.case_id

    since = _last_id()
    assert organiser_client.post(url("cases.unhide_comment", comment_id=comment.id)).status_code == 302
    _one_entry(since, organiser, "comment.unhide", f"comment:{comment.id}")

    since = _last_id()
    assert organiser_client.post(url("cases.unhide_comment", comment_id=comment.id)).status_code == 409
    _none_since(since)


def test_dismissing_reports_is_audited_and_reporting_is_not(app, organiser_client, organiser, comment):
    reporter = app.test_client()
    login(reporter, make_member())
    since = _last_id()
    response = reporter.post(url("cases.report_comment", comment_id=comment.id), data={"reason": "spam"})
    assert response.status_code == 302
    _none_since(since)  # a member's own action

    assert organiser_client.post(url("cases.dismiss_reports", comment_id=comment.id)).status_code == 302
    entry = _one_entry(since, organiser, "comment.dismiss-reports", f"comment:{comment.id}")
    assert entry.details["reports"] == 1

    since = _last_id()
    assert organiser_client.post(url("cases.dismiss_reports", comment_id=comment.id)).status_code == 409
    _none_since(since)


def test_hiding_a_reported_comment_says_how_many_reports_it_settled(organiser_client, organiser, comment):
    for _ in range(2):
        case_services.report_comment(db.session.get(Comment, comment.id), make_member(), "offensive")
    db.session.commit()
    since = _last_id()
    organiser_client.post(url("cases.hide_comment", comment_id=comment.id), data={"reason": "Offensivo"})
    entry = _one_entry(since, organiser, "comment.hide", f"comment:{comment.id}")
    assert entry.details["reports_resolved"] == 2


# -- members ----------------------------------------------------------------------------------------


def test_suspending_and_reactivating_are_audited_with_the_reason(organiser_client, organiser):
    member = make_member(display_name="Mario Spam")
    since = _last_id()
    response = organiser_client.post(url("accounts.suspend", user_id=member.id), data={"reason": "Spam ripetuto"})
    assert response.status_code == 302
    entry = _one_entry(since, organiser, "member.suspend", f"user:{member.id}")
    assert entry.summary == "Mario Spam" and entry.details == {"reason": "Spam ripetuto"}

    # The profile offers the reactivation with a labelled, required reason.
    page = organiser_client.get(url("members.profile", user_id=member.id)).get_data(as_text=True)
    assert '<label class="field__label" for="reactivate-reason">' in page
    assert '<textarea id="reactivate-reason" name="reason"' in page

    since = _last_id()
    response = organiser_client.post(url("accounts.reactivate", user_id=member.id), data={"reason": "Ha chiarito"})
    assert response.status_code == 302
    entry = _one_entry(since, organiser, "member.reactivate", f"user:{member.id}")
    assert entry.details["reason"] == "Ha chiarito" and entry.details["suspension_reason"] == "Spam ripetuto"


def test_refused_suspensions_leave_no_entry(app, organiser_client, organiser):
    suspended = make_member(suspended=True)
    active = make_member()
    since = _last_id()
    assert (
        organiser_client.post(url("accounts.suspend", user_id=organiser.id), data={"reason": "Per prova"}).status_code
        == 409
    )
    assert (
        organiser_client.post(url("accounts.suspend", user_id=suspended.id), data={"reason": "Di nuovo"}).status_code
        == 409
    )
    # Without a reason: sent back to the profile with a message, still suspended.
    assert (
        organiser_client.post(url("accounts.reactivate", user_id=suspended.id), data={"reason": ""}).status_code == 302
    )
    assert (
        organiser_client.post(url("accounts.reactivate", user_id=active.id), data={"reason": "Perché sì"}).status_code
        == 409
    )
    member_client = app.test_client()
    login(member_client, make_member())
    assert member_client.post(url("accounts.suspend", user_id=active.id), data={"reason": "No"}).status_code == 403
    db.session.expire_all()
    assert db.session.get(type(suspended), suspended.id).suspended_at is not None
    _none_since(since)


# -- event weeks and sessions -----------------------------------------------------------------------


def _week_id_since(since: int) -> int:
    (entry,) = _entries_since(since)
    return int(entry.scope.split(":")[1])


def test_creating_and_editing_a_week_are_audited(organiser_client, organiser):
    since = _last_id()
    assert organiser_client.post(url("events.new_week"), data=week_form_data(title="Settimana uno")).status_code == 302
    week_id = _week_id_since(since)
    entry = _one_entry(since, organiser, "event-week.create", f"event-week:{week_id}")
    assert entry.summary == "Settimana uno"

    since = _last_id()
    response = organiser_client.post(
        url("events.edit_week", week_id=week_id), data=week_form_data(title="Settimana uno, rivista")
    )
    assert response.status_code == 302
    entry = _one_entry(since, organiser, "event-week.edit", f"event-week:{week_id}")
    assert entry.details["changes"] == {"title": ["Settimana uno", "Settimana uno, rivista"]}


def test_a_refused_week_leaves_no_entry(organiser_client):
    since = _last_id()
    bad = week_form_data(starts_on="2031-06-13", ends_on="2031-06-09")
    assert organiser_client.post(url("events.new_week"), data=bad).status_code == 400
    week = make_week()
    since = _last_id()
    assert organiser_client.post(url("events.edit_week", week_id=week.id), data=bad).status_code == 400
    _none_since(since)


def test_a_week_cover_is_audited(organiser_client, organiser):
    week = make_week(title="Settimana con copertina")
    since = _last_id()
    response = organiser_client.post(
        url("events.upload_week_cover", week_id=week.id),
        data={"cover": (io.BytesIO(image_bytes("JPEG", (1600, 900))), "cover.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302
    _one_entry(since, organiser, "event-week.cover", f"event-week:{week.id}")
    since = _last_id()
    response = organiser_client.post(
        url("events.upload_week_cover", week_id=week.id),
        data={"cover": (io.BytesIO(b"not an image"), "cover.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    _none_since(since)


def test_sessions_created_edited_and_deleted_are_audited(organiser_client, organiser):
    week = make_week()
    since = _last_id()
    response = organiser_client.post(
        url("events.new_session", week_id=week.id), data=session_form_data(week, title="Il cliente al centro")
    )
    assert response.status_code == 302
    (entry,) = _entries_since(since)
    session_id = int(entry.scope.split(":")[1])
    entry = _one_entry(since, organiser, "event-session.create", f"event-session:{session_id}")
    assert entry.summary == "Il cliente al centro" and entry.details["week_id"] == week.id

    since = _last_id()
    response = organiser_client.post(
        url("events.edit_session", session_id=session_id), data=session_form_data(week, title="Il cliente, davvero")
    )
    assert response.status_code == 302
    entry = _one_entry(since, organiser, "event-session.edit", f"event-session:{session_id}")
    assert entry.details["changes"]["title"] == ["Il cliente al centro", "Il cliente, davvero"]

    since = _last_id()
    assert organiser_client.post(url("events.delete_session", session_id=session_id)).status_code == 302
    entry = _one_entry(since, organiser, "event-session.delete", f"event-session:{session_id}")
    assert entry.summary == "Il cliente, davvero"


def test_a_refused_session_leaves_no_entry(organiser_client):
    week = make_week()
    taken = make_session(week, 0, "10:00", "11:00", room="Sala Verdi")
    since = _last_id()
    clash = session_form_data(week, room="Sala Verdi", start="10:30", end="11:30")
    assert organiser_client.post(url("events.new_session", week_id=week.id), data=clash).status_code == 409
    response = organiser_client.post(
        url("events.edit_session", session_id=taken.id), data=session_form_data(week, start="12:00", end="11:00")
    )
    assert response.status_code == 400
    _none_since(since)


def test_members_cannot_touch_the_programme_nor_write_entries(app):
    week = make_week()
    member_client = app.test_client()
    login(member_client, make_member())
    since = _last_id()
    assert member_client.post(url("events.new_week"), data=week_form_data()).status_code == 403
    response = member_client.post(url("events.new_session", week_id=week.id), data=session_form_data(week))
    assert response.status_code == 403
    _none_since(since)


# -- digests ----------------------------------------------------------------------------------------


def test_starting_a_digest_cycle_is_audited(organiser_client, organiser):
    make_subscriber("lettore@example.org", frequency="daily", locale="en")
    since = _last_id()
    assert organiser_client.post(url("digests.start_cycle"), data={"frequency": "daily"}).status_code == 302
    entry = _one_entry(since, organiser, "digest.cycle", "digest-cycle:daily")
    assert set(entry.details) == {"period", "queued", "skipped", "already"}
    assert entry.details["queued"] + entry.details["skipped"] == 1

    since = _last_id()
    assert organiser_client.post(url("digests.start_cycle"), data={"frequency": "hourly"}).status_code == 400
    _none_since(since)
