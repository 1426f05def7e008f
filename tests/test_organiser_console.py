"""The organiser console through the browser's eyes: the dashboard's counts, the members list and its
filters, roles, suspensions, invitations, the taxonomy, the comments queue, the audit log, the CSV
exports and the backup command. Every test drives the pages with the test client and checks both
what the page says and what the database holds."""

from __future__ import annotations

import csv
import io
import re
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import func, select

from club.accounts.models import User
from club.awards import services as award_services
from club.cases.models import CaseStudy, Comment
from club.core.models import OutboxMessage, Sector
from club.core.timeutil import ROME, utcnow
from club.events.models import Feedback
from club.extensions import db
from club.members.models import Profile
from club.organiser import services
from club.organiser.models import Invitation
from tests.award_factories import (
    add_jurors,
    enter,
    make_category,
    make_edition,
    make_finalists,
    move_to,
    publish,
    score,
    vote,
)
from tests.case_factories import make_case, make_comment
from tests.digest_factories import drain_to_memory, make_subscriber, outbox_rows, path_of, text_of
from tests.event_factories import compiled_templates_once, make_session, make_week, seat  # noqa: F401
from tests.factories import make_admin, make_function, make_member, make_organiser, make_sector
from tests.helpers import login, url
from tests.organiser_factories import (
    EN,
    audit_rows,
    console_client,
    console_login,
    count,
    field_errors,
    hide,
    invitations,
    make_invitation,
    make_old_member,
    member_ids_listed,
    reload,
    report,
    table_rows,
)


@pytest.fixture
def organiser(app):
    return make_organiser(display_name="Olivia Organizzatrice", email="olivia@example.com")


@pytest.fixture
def console(app, organiser):
    """The organiser's signed-in client."""
    return console_client(app, organiser)


def _get(client, path: str, **kwargs):
    response = client.get(path, headers=EN, **kwargs)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _post(client, path: str, data: dict | None = None):
    return client.post(path, data=data or {}, headers=EN)


# == the dashboard =================================================================================


def _task_count(html: str, label: str) -> int:
    found = re.search(r'task__count">(\d+)</span>\s*<span class="task__label">' + re.escape(label) + "<", html)
    assert found, f"no task labelled {label!r} in the dashboard"
    return int(found.group(1))


def _club_figure(html: str, term: str) -> int:
    found = re.search(r"<dt>" + re.escape(term) + r"</dt><dd>(?:<a [^>]*>)?(\d+)", html)
    assert found, f"no figure {term!r} in the dashboard"
    return int(found.group(1))


def _crafted_club(organiser):
    author = make_member(display_name="Anna Autrice")
    # Cases: one waiting for moderation; a draft and a published case do not wait.
    make_case(author, status="submitted", title="In attesa di moderazione")
    make_case(author, status="draft")
    published = make_case(author, title="Pubblicato")

    # Nominations: two unchecked entries in an open edition, one already checked eligible.
    open_edition = make_edition("nominations", title="Premio aperto")
    category = make_category(open_edition, "Categoria da controllare")
    enter(category, make_case(make_member()), eligible=False)
    enter(category, make_case(make_member()), eligible=False)
    enter(category, make_case(make_member()), eligible=True)

    # A jury at work: two finalists, two jurors, one of them recused from a finalist of their own
    # organisation. Expected scores: 2 (Giulio) + 1 (Bianca) = 3; done: 2.
    judging = make_edition("judging", title="Premio in giuria")
    jury_category = make_category(judging, "Categoria in giuria")
    same_org = make_case(make_member(), organisation="Banca Adriatica", title="Finalista della banca")
    other_org = make_case(make_member(), organisation="Telco Uno", title="Finalista della telco")
    first, second = make_finalists(jury_category, same_org, other_org)
    giulio = make_member(display_name="Giulio Giurato", organisation="Altra Azienda")
    bianca = make_member(display_name="Bianca di Banca", organisation="Banca Adriatica")
    add_jurors(jury_category, giulio, bianca)
    score(first, giulio, 7, 8, 9)
    score(second, bianca, 6, 6, 6)
    # A jury whose window has closed is not at work.
    closed = make_edition("counting", title="Premio chiuso")
    closed_category = make_category(closed, "Categoria chiusa")
    make_finalists(closed_category, make_case(make_member()))
    add_jurors(closed_category, make_member())

    # Digests: one subscriber bouncing, one fine; a message refused recently, one long ago.
    make_subscriber("bounce@example.org", bounce_count=2)
    make_subscriber("fine@example.org")
    now = utcnow()
    for age in (timedelta(days=1), timedelta(days=40)):
        db.session.add(
            OutboxMessage(
                key=f"failed-{age.days}",
                kind="digest",
                recipient="x@example.org",
                subject="s",
                text_body="t",
                status="failed",
                created_at=now - age,
            )
        )
    db.session.commit()

    # Comments: one with two open reports, one whose only report was dismissed; one hidden
    # yesterday and one hidden 40 days ago (the dashboard counts the last 30 days).
    writer = make_member(display_name="Walter Scrivano")
    reported = make_comment(published, writer, "Commento segnalato")
    report(reported, make_member(), "offensive")
    report(reported, make_member(), "spam")
    report(make_comment(published, writer, "Commento assolto"), make_member(), "spam", resolved=True)
    hide(make_comment(published, writer, "Nascosto ieri"), organiser, age=timedelta(days=1))
    hide(make_comment(published, writer, "Nascosto tempo fa"), organiser, age=timedelta(days=40))

    # Invitations: one pending, one expired, one withdrawn, one accepted.
    make_invitation(organiser, "pending@example.org")
    make_invitation(organiser, "expired@example.org", expires_in=timedelta(days=-1))
    make_invitation(organiser, "revoked@example.org", revoked=True)
    make_invitation(organiser, "accepted@example.org", accepted=True)

    # Members: one silent for months, one suspended, one deleted, one who joined long ago but visits.
    make_old_member(display_name="Silvio Silente")
    make_member(display_name="Susanna Sospesa", suspended=True)
    gone = make_member(display_name="Davide Dimesso")
    gone.deleted_at = utcnow()
    visitor = make_old_member(display_name="Vera Visitatrice")
    visitor.last_seen_at = utcnow() - timedelta(days=3)
    db.session.commit()


def test_the_dashboard_counts_what_waits(console, organiser):
    _crafted_club(organiser)
    users = count(User)
    suspended = count(User, User.suspended_at.is_not(None))
    deleted = count(User, User.deleted_at.is_not(None))
    old = count(User, User.created_at < utcnow() - timedelta(days=30))

    board = services.dashboard()
    assert board.cases_to_moderate == 1
    assert [(item.category_name, item.count) for item in board.nominations] == [("Categoria da controllare", 2)]
    assert board.nominations_total == 2
    assert [(item.category.name, item.done, item.expected) for item in board.juries] == [("Categoria in giuria", 2, 3)]
    assert board.bouncing_addresses == 1
    assert board.failed_messages == 1
    assert board.reported_comments == 1
    assert board.hidden_comments == 1
    assert board.pending_invitations == 1
    assert board.members == users - suspended - deleted
    assert board.new_members == users - suspended - deleted - old
    assert board.silent_members == 1

    html = _get(console, url("organiser.dashboard"))
    assert _task_count(html, "case study to moderate") == 1
    assert _task_count(html, "nominations to check") == 2
    assert _task_count(html, "reported comment") == 1
    assert _task_count(html, "bouncing address") == 1
    assert "1 comment hidden in the last 30 days" in html
    assert "1 message refused in the last 30 days" in html
    assert "Categoria da controllare" in html and "2 waiting" in html
    assert "Categoria in giuria" in html and "2 of 3 scores" in html
    assert "Categoria chiusa" not in html
    assert _club_figure(html, "Active members") == users - suspended - deleted
    assert _club_figure(html, "Silent for 90 days") == 1
    assert _club_figure(html, "Invitations waiting") == 1


def test_a_quiet_dashboard(console):
    html = _get(console, url("organiser.dashboard"))
    assert _task_count(html, "case studies to moderate") == 0
    assert _task_count(html, "nominations to check") == 0
    assert "Every nomination has been checked." in html
    assert "No jury is at work right now." in html
    assert _club_figure(html, "Invitations waiting") == 0


# == the members list ==============================================================================


@pytest.fixture
def people(app, organiser):
    banche, telco = make_sector("banche", "Banche", "Banks"), make_sector("telco", "Telco", "Telecoms")
    marketing, it = make_function("marketing", "Marketing", "Marketing"), make_function("it", "Informatica", "IT")
    gone = make_member(display_name="Elena Eliminata", email="elena@example.com", sector=banche)
    gone.deleted_at = utcnow()
    db.session.commit()
    return {
        "banche": banche,
        "telco": telco,
        "marketing": marketing,
        "it": it,
        "anna": make_member(
            display_name="Anna Rossi",
            email="anna@example.com",
            sector=banche,
            function=marketing,
            organisation="Banca Adriatica",
        ),
        "bruno": make_organiser(
            display_name="Bruno Bianchi",
            email="bruno@telco.example",
            sector=telco,
            function=it,
            organisation="Telco Uno",
        ),
        "carla": make_member(
            display_name="Carla Verdi", email="carla@example.com", verified=False, sector=banche, function=it
        ),
        "dario": make_member(display_name="Dario Neri", email="dario@example.com", suspended=True, sector=telco),
        "elena": gone,
        "fabio": make_old_member(
            display_name="Fabio Fermo", email="fabio@example.com", sector=telco, function=marketing
        ),
        "gina": make_admin(display_name="Gina Grandi", email="gina@example.com"),
        "olivia": organiser,
    }


def _listed(console, **filters) -> set[int]:
    return set(member_ids_listed(_get(console, url("organiser.members", **filters))))


def _ids(people, *names) -> set[int]:
    return {people[name].id for name in names}


def test_members_filters_one_at_a_time(console, people):
    everyone = _ids(people, "anna", "bruno", "carla", "dario", "elena", "fabio", "gina", "olivia")
    assert _listed(console) == everyone
    assert _listed(console, q="ROSSI") == _ids(people, "anna")
    assert _listed(console, q="telco.example") == _ids(people, "bruno")
    assert _listed(console, q="banca adriatica") == _ids(people, "anna")
    assert _listed(console, q="nobody-like-this") == set()
    assert _listed(console, q="%") == set()  # LIKE wildcards are searched literally
    assert _listed(console, role="organiser") == _ids(people, "bruno", "olivia")
    assert _listed(console, role="admin") == _ids(people, "gina")
    assert _listed(console, role="member") == _ids(people, "anna", "carla", "dario", "elena", "fabio")
    assert _listed(console, state="active") == _ids(people, "anna", "bruno", "fabio", "gina", "olivia")
    assert _listed(console, state="unverified") == _ids(people, "carla")
    assert _listed(console, state="suspended") == _ids(people, "dario")
    assert _listed(console, state="deleted") == _ids(people, "elena")
    assert _listed(console, state="silent") == _ids(people, "fabio")
    assert _listed(console, sector=people["banche"].id) == _ids(people, "anna", "carla", "elena")
    assert _listed(console, sector=people["telco"].id) == _ids(people, "bruno", "dario", "fabio")
    assert _listed(console, function=people["it"].id) == _ids(people, "bruno", "carla")
    assert _listed(console, function=people["marketing"].id) == _ids(people, "anna", "fabio")


def test_members_filters_combined(console, people):
    assert _listed(console, sector=people["banche"].id, function=people["it"].id) == _ids(people, "carla")
    assert _listed(console, sector=people["telco"].id, state="active") == _ids(people, "bruno", "fabio")
    assert _listed(console, role="member", state="active", function=people["marketing"].id) == _ids(
        people, "anna", "fabio"
    )
    assert _listed(console, q="example.com", sector=people["telco"].id) == _ids(people, "dario", "fabio")
    assert _listed(console, q="Rossi", role="organiser") == set()


def test_members_page_shows_the_count_and_the_state(console, people):
    html = _get(console, url("organiser.members", sector=people["telco"].id))
    assert "3 members" in html
    row = next(row for row in table_rows(html) if row[0] == "Dario Neri")
    assert row[1] == "dario@example.com"
    assert "Suspended" in row[3]
    assert "Telecoms" in row[4]


@pytest.mark.parametrize(
    "bad",
    [
        {"role": "emperor"},
        {"state": "asleep"},
        {"sector": "abc"},
        {"sector": "999999"},
        {"function": "-1"},
        {"q": "x" * 500},
        {"q": "a\x00b"},
        {"page": "abc"},
        {"page": "-3"},
        {"page": "999"},
        {"state": ["active", "deleted"]},
    ],
)
def test_members_bad_filter_values_do_not_break_the_page(console, people, bad):
    response = console.get(url("organiser.members"), query_string=bad, headers=EN)
    assert response.status_code == 200, bad


def test_members_pagination_keeps_the_filters(console, people):
    for number in range(35):
        make_member(display_name=f"Zeta Paginata {number:02d}", sector=people["banche"])
    first = _get(console, url("organiser.members", sector=people["banche"].id))
    second = _get(console, url("organiser.members", sector=people["banche"].id, page=2))
    first_ids, second_ids = member_ids_listed(first), member_ids_listed(second)
    assert len(first_ids) == 30
    assert len(second_ids) == 35 + 3 - 30
    assert not set(first_ids) & set(second_ids)
    assert "38 members" in first
    # The link to the next page keeps the sector filter.
    assert re.search(r'href="[^"]*page=2[^"]*"', first)
    next_link = re.search(r'href="([^"]*page=2[^"]*)"', first).group(1).replace("&amp;", "&")
    assert f"sector={people['banche'].id}" in next_link


# == roles ========================================================================================


def _role_change(client, user, role: str):
    return _post(client, url("organiser.change_role", user_id=user.id), {"role": role})


def test_an_organiser_makes_a_member_an_organiser(app, console, organiser):
    member = make_member(display_name="Mara Promossa")
    member_client = console_client(app, member)
    assert member_client.get(url("organiser.dashboard")).status_code == 403
    response = _role_change(console, member, "organiser")
    assert response.status_code == 302
    assert reload(User, member.id).role == "organiser"
    [entry] = audit_rows("member.role")
    assert entry.actor_id == organiser.id
    assert entry.scope == f"user:{member.id}"
    assert entry.details == {"previous": "member", "role": "organiser"}
    # The new organiser's own session now opens the console.
    assert member_client.get(url("organiser.dashboard")).status_code == 200
    # And the change shows in the member's history.
    assert "member.role" in _get(console, url("organiser.member", user_id=member.id))
    # Back to member.
    assert _role_change(console, member, "member").status_code == 302
    assert reload(User, member.id).role == "member"
    assert member_client.get(url("organiser.dashboard")).status_code == 403


def test_an_organiser_can_neither_grant_nor_remove_the_admin_role(console):
    member = make_member()
    admin = make_admin()
    response = _role_change(console, member, "admin")
    assert response.status_code == 403
    # Refusals about the member rather than the input are shown on top of the page.
    assert "Only an administrator can grant or remove the administrator role." in response.get_data(as_text=True)
    assert _role_change(console, admin, "member").status_code == 403
    assert _role_change(console, admin, "organiser").status_code == 403
    assert reload(User, member.id).role == "member"
    assert reload(User, admin.id).role == "admin"
    assert audit_rows("member.role") == []
    # The form offers the organiser only what they may hand out.
    html = _get(console, url("organiser.member", user_id=member.id))
    assert 'value="organiser"' in html and 'value="admin"' not in html


def test_an_administrator_grants_and_removes_the_admin_role(app):
    admin = make_admin(display_name="Ada Admin")
    admin_client = console_client(app, admin)
    member, other_admin = make_member(), make_admin()
    assert _role_change(admin_client, member, "admin").status_code == 302
    assert _role_change(admin_client, other_admin, "organiser").status_code == 302
    assert reload(User, member.id).role == "admin"
    assert reload(User, other_admin.id).role == "organiser"
    assert [(entry.details["previous"], entry.details["role"]) for entry in audit_rows("member.role")] == [
        ("member", "admin"),
        ("admin", "organiser"),
    ]
    html = _get(admin_client, url("organiser.member", user_id=member.id))
    assert 'value="admin"' in html


@pytest.mark.parametrize("maker", [make_organiser, make_admin])
def test_nobody_changes_their_own_role(app, maker):
    me = maker()
    client = console_client(app, me)
    for role in ("member", "organiser", "admin"):
        response = _role_change(client, me, role)
        assert response.status_code in (403, 409), role
    assert reload(User, me.id).role == me.role
    assert audit_rows("member.role") == []


def test_the_same_role_again_is_refused_without_an_audit_entry(console):
    member = make_member()
    assert _role_change(console, member, "member").status_code == 409
    assert audit_rows() == []


# == suspensions ==================================================================================


@pytest.mark.parametrize("reason", [None, "", "   ", "ab"])
def test_a_suspension_needs_a_reason(console, reason):
    member = make_member()
    data = {} if reason is None else {"reason": reason}
    response = _post(console, url("organiser.suspend", user_id=member.id), data)
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True))
    assert reload(User, member.id).suspended_at is None
    assert audit_rows() == []


def test_suspending_ends_the_members_session_and_is_audited(app, console, organiser):
    member = make_member(display_name="Sergio Sospeso")
    member_client = console_client(app, member)
    assert member_client.get(url("accounts.settings")).status_code == 200
    response = _post(console, url("organiser.suspend", user_id=member.id), {"reason": "Messaggi offensivi"})
    assert response.status_code == 302
    suspended = reload(User, member.id)
    assert suspended.suspended_at is not None
    assert suspended.suspension_reason == "Messaggi offensivi"
    [entry] = audit_rows("member.suspend")
    assert (entry.actor_id, entry.scope, entry.details["reason"]) == (
        organiser.id,
        f"user:{member.id}",
        "Messaggi offensivi",
    )
    # The member's open session has ended: a page for members sends them to the login page.
    response = member_client.get(url("accounts.settings"))
    assert response.status_code == 302 and "/account/login" in response.headers["Location"]
    # The console shows the suspension and offers the reactivation.
    html = _get(console, url("organiser.member", user_id=member.id))
    assert "Messaggi offensivi" in html
    assert url("organiser.reactivate", user_id=member.id) in html


@pytest.mark.parametrize("reason", [None, "", "ab"])
def test_a_reactivation_needs_a_reason(console, reason):
    member = make_member(suspended=True)
    data = {} if reason is None else {"reason": reason}
    response = _post(console, url("organiser.reactivate", user_id=member.id), data)
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True))
    assert reload(User, member.id).suspended_at is not None
    assert audit_rows() == []


def test_a_reactivation_is_audited_and_lets_the_member_back_in(app, console, organiser):
    member = make_member(suspended=True)
    response = _post(console, url("organiser.reactivate", user_id=member.id), {"reason": "Chiarito tutto"})
    assert response.status_code == 302
    active = reload(User, member.id)
    assert active.suspended_at is None and active.suspension_reason is None
    [entry] = audit_rows("member.reactivate")
    assert entry.actor_id == organiser.id
    assert entry.details["reason"] == "Chiarito tutto"
    assert entry.details["suspension_reason"] == "Suspended by a test"
    console_login(app.test_client(), member)
    # Reactivating an active member is refused.
    assert _post(console, url("organiser.reactivate", user_id=member.id), {"reason": "Ancora"}).status_code == 409


def test_an_organiser_cannot_suspend_an_administrator_nor_themselves(console, organiser):
    admin = make_admin()
    assert _post(console, url("organiser.suspend", user_id=admin.id), {"reason": "Prova"}).status_code == 403
    assert _post(console, url("organiser.suspend", user_id=organiser.id), {"reason": "Prova"}).status_code == 409
    assert reload(User, admin.id).suspended_at is None
    assert reload(User, organiser.id).suspended_at is None


def test_an_unknown_member_is_404(console):
    assert console.get(url("organiser.member", user_id=4242)).status_code == 404
    assert _post(console, url("organiser.suspend", user_id=4242), {"reason": "Nessuno"}).status_code == 404


# == invitations ==================================================================================

INVITE = {
    "email": "Nuovo.Arrivato@Example.org",
    "display_name": "Nuovo Arrivato",
    "role": "member",
    "locale": "en",
    "message": "Ti aspettiamo!",
}
PASSPHRASE = "a long and unusual passphrase"
JOIN = {"display_name": "Nino Nuovo", "password": PASSPHRASE, "password_confirm": PASSPHRASE}


def _invite(client, **overrides):
    return _post(client, url("organiser.invite"), {**INVITE, **overrides})


def _join_link(app, address: str) -> str:
    mails = drain_to_memory(app)
    message = mails[address]
    found = re.search(r"https?://\S+/join/\S+", text_of(message))
    assert found, text_of(message)
    return path_of(found.group(0))


def test_an_invitation_opens_a_verified_account_with_the_role(app, console, organiser):
    response = _invite(console, role="organiser")
    assert response.status_code == 302
    [invitation] = invitations()
    assert (invitation.email, invitation.role, invitation.state) == (
        "nuovo.arrivato@example.org",
        "organiser",
        "pending",
    )
    [row] = outbox_rows(kind="invitation")
    assert row.recipient == "nuovo.arrivato@example.org"
    [entry] = audit_rows("member.invite")
    assert entry.actor_id == organiser.id and entry.details == {"role": "organiser"}

    link = _join_link(app, "nuovo.arrivato@example.org")
    assert link.startswith("/join/")
    invitee = app.test_client()
    page = _get(invitee, link)
    assert "nuovo.arrivato@example.org" in page
    assert "Ti aspettiamo!" in page
    assert 'value="Nuovo Arrivato"' in page  # the name the organiser gave, ready to change

    response = invitee.post(link, data=JOIN, headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url("members.edit_profile"))
    user = db.session.scalar(select(User).where(User.email == "nuovo.arrivato@example.org"))
    assert user is not None
    assert user.display_name == "Nino Nuovo"
    assert user.role == "organiser"
    assert user.email_verified_at is not None
    accepted = reload(Invitation, invitation.id)
    assert accepted.state == "accepted" and accepted.user_id == user.id
    [joined] = audit_rows("member.join")
    assert joined.actor_id == user.id
    # Signed in at once, and an organiser.
    assert invitee.get(url("organiser.dashboard")).status_code == 200
    # The password works.
    login(app.test_client(), user, JOIN["password"])
    # The link is single-use.
    again = app.test_client()
    assert again.get(link, headers=EN).status_code == 409
    assert again.post(link, data={**JOIN, "display_name": "Altro"}, headers=EN).status_code == 409
    assert count(User, User.email == "nuovo.arrivato@example.org") == 1
    # The invitations page tells.
    assert "joined on" in _get(console, url("organiser.invitations"))


def test_an_expired_link_answers_410(app, console):
    assert _invite(console).status_code == 302
    link = _join_link(app, "nuovo.arrivato@example.org")
    [invitation] = invitations()
    invitation.expires_at = utcnow() - timedelta(minutes=1)
    db.session.commit()
    visitor = app.test_client()
    assert visitor.get(link, headers=EN).status_code == 410
    assert visitor.post(link, data=JOIN, headers=EN).status_code == 410
    assert count(User, User.email == "nuovo.arrivato@example.org") == 0
    assert services.dashboard().pending_invitations == 0
    assert "expired" in _get(console, url("organiser.invitations"))


def test_a_withdrawn_link_answers_404(app, console, organiser):
    assert _invite(console).status_code == 302
    link = _join_link(app, "nuovo.arrivato@example.org")
    [invitation] = invitations()
    assert _post(console, url("organiser.revoke_invitation", invitation_id=invitation.id)).status_code == 302
    assert reload(Invitation, invitation.id).state == "revoked"
    [entry] = audit_rows("member.invite_revoke")
    assert entry.actor_id == organiser.id
    visitor = app.test_client()
    assert visitor.get(link, headers=EN).status_code == 404
    assert visitor.post(link, data=JOIN, headers=EN).status_code == 404
    assert count(User, User.email == "nuovo.arrivato@example.org") == 0
    # Withdrawing twice is refused; an unknown invitation is 404.
    assert _post(console, url("organiser.revoke_invitation", invitation_id=invitation.id)).status_code == 409
    assert _post(console, url("organiser.revoke_invitation", invitation_id=9999)).status_code == 404


def test_inviting_again_voids_the_old_link(app, console):
    assert _invite(console).status_code == 302
    old_link = _join_link(app, "nuovo.arrivato@example.org")
    assert _invite(console, role="organiser").status_code == 302
    new_link = _join_link(app, "nuovo.arrivato@example.org")
    assert old_link != new_link
    [invitation] = invitations()  # still one row per address
    assert invitation.role == "organiser"
    assert len(outbox_rows(kind="invitation")) == 2
    visitor = app.test_client()
    assert visitor.get(old_link, headers=EN).status_code == 404
    assert visitor.get(new_link, headers=EN).status_code == 200
    # Re-inviting a withdrawn invitation makes it pending again.
    assert _post(console, url("organiser.revoke_invitation", invitation_id=invitation.id)).status_code == 302
    assert _invite(console).status_code == 302
    assert invitations()[0].state == "pending"


def test_inviting_an_existing_account_is_refused(console):
    make_member(email="gia.socio@example.org")
    response = _invite(console, email="Gia.Socio@example.org")
    assert response.status_code == 409
    assert "This address already has an account." in field_errors(response.get_data(as_text=True))
    assert invitations() == []
    assert outbox_rows(kind="invitation") == []
    assert audit_rows() == []


def test_an_organiser_cannot_invite_an_administrator(console):
    response = _invite(console, role="admin")
    assert response.status_code in (400, 403)
    assert field_errors(response.get_data(as_text=True))
    assert invitations() == []
    assert outbox_rows(kind="invitation") == []


def test_an_administrator_invites_an_administrator(app):
    admin_client = console_client(app, make_admin())
    assert _invite(admin_client, role="admin").status_code == 302
    assert invitations()[0].role == "admin"


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 250 + "@example.org"])
def test_a_bad_invitation_address_is_400(console, email):
    response = _invite(console, email=email)
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True))
    assert invitations() == []
    assert outbox_rows(kind="invitation") == []


@pytest.mark.parametrize(
    "fields",
    [
        {"password": "short", "password_confirm": "short"},
        {"password": "nuovo.arrivato@example.org", "password_confirm": "nuovo.arrivato@example.org"},
        {"password_confirm": "something else entirely"},
        {"display_name": ""},
        {"password": "", "password_confirm": ""},
    ],
)
def test_a_weak_or_incomplete_join_form_is_400_and_creates_nobody(app, console, fields):
    assert _invite(console).status_code == 302
    link = _join_link(app, "nuovo.arrivato@example.org")
    visitor = app.test_client()
    response = visitor.post(link, data={**JOIN, **fields}, headers=EN)
    assert response.status_code == 400
    assert field_errors(response.get_data(as_text=True))
    assert count(User, User.email == "nuovo.arrivato@example.org") == 0
    assert invitations()[0].state == "pending"
    # The link still works afterwards.
    assert visitor.get(link, headers=EN).status_code == 200


def test_a_signed_in_member_following_a_link_is_sent_home(app, console):
    assert _invite(console).status_code == 302
    link = _join_link(app, "nuovo.arrivato@example.org")
    response = console.get(link)
    assert response.status_code == 302
    assert invitations()[0].state == "pending"


def test_an_unknown_token_is_404(client):
    assert client.get("/join/not-a-token", headers=EN).status_code == 404
    assert client.post("/join/not-a-token", data=JOIN, headers=EN).status_code == 404


# == taxonomy ======================================================================================


def _sector_named(name_it: str) -> Sector | None:
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(Sector).where(Sector.name_it == name_it))


def test_adding_a_term_and_refusing_a_duplicate(console, organiser):
    response = _post(
        console, url("organiser.add_term", kind="sector"), {"name_it": "Farmaceutico", "name_en": "Pharma"}
    )
    assert response.status_code == 302
    term = _sector_named("Farmaceutico")
    assert term is not None and term.name_en == "Pharma" and term.slug == "pharma"
    [entry] = audit_rows("sector.add")
    assert entry.actor_id == organiser.id
    assert "Farmaceutico" in _get(console, url("organiser.terms", kind="sector"))
    # The same name again (whatever the case) is refused with a message, in either language.
    for names in ({"name_it": "FARMACEUTICO", "name_en": "Drugs"}, {"name_it": "Farmaci", "name_en": "pharma"}):
        response = _post(console, url("organiser.add_term", kind="sector"), names)
        assert response.status_code == 409
        assert any("already called" in message for message in field_errors(response.get_data(as_text=True)))
    assert count(Sector) == 1
    assert len(audit_rows("sector.add")) == 1
    # Another list may use the same name.
    assert (
        _post(
            console, url("organiser.add_term", kind="function"), {"name_it": "Farmaceutico", "name_en": "Pharma"}
        ).status_code
        == 302
    )  # noqa: E501


def test_renaming_keeps_the_slug(console, organiser):
    term = make_sector("banking", "Banche", "Banks")
    make_sector("telco", "Telco", "Telecoms")
    response = _post(
        console,
        url("organiser.rename_term", kind="sector", term_id=term.id),
        {"name_it": "Credito", "name_en": "Credit"},
    )
    assert response.status_code == 302
    renamed = reload(Sector, term.id)
    assert (renamed.name_it, renamed.name_en, renamed.slug) == ("Credito", "Credit", "banking")
    [entry] = audit_rows("sector.rename")
    assert entry.details["before"] == {"name_it": "Banche", "name_en": "Banks"}
    # Renaming onto another term's name is refused.
    response = _post(
        console, url("organiser.rename_term", kind="sector", term_id=term.id), {"name_it": "Telco", "name_en": "X"}
    )
    assert response.status_code == 409
    assert reload(Sector, term.id).name_it == "Credito"


def _directory_offers(client, term_id: int) -> bool:
    html = _get(client, url("members.directory"))
    select_html = re.search(r'<select[^>]*name="sector"[^>]*>(.*?)</select>', html, flags=re.S).group(1)
    return f'value="{term_id}"' in select_html


def test_retiring_hides_a_term_from_new_choices_but_profiles_keep_it(app, console, organiser):
    term = make_sector("insurance", "Assicurazioni", "Insurance")
    member = make_member(display_name="Ivo Assicurato", sector=term)
    reader = console_client(app, make_member())
    assert _directory_offers(reader, term.id)
    assert _post(console, url("organiser.retire_term", kind="sector", term_id=term.id)).status_code == 302
    assert reload(Sector, term.id).retired_at is not None
    assert audit_rows("sector.retire")
    assert not _directory_offers(reader, term.id)
    assert not _directory_offers(console, term.id)
    # The member's profile keeps it and shows it.
    assert reload(Profile, member.id).sector_id == term.id
    assert "Insurance" in _get(reader, url("members.profile", user_id=member.id))
    # Retiring twice is refused; restoring offers it again.
    assert _post(console, url("organiser.retire_term", kind="sector", term_id=term.id)).status_code == 409
    assert _post(console, url("organiser.restore_term", kind="sector", term_id=term.id)).status_code == 302
    assert reload(Sector, term.id).retired_at is None
    assert audit_rows("sector.restore")
    assert _directory_offers(reader, term.id)
    assert _post(console, url("organiser.restore_term", kind="sector", term_id=term.id)).status_code == 409


def test_merging_moves_profiles_and_cases(console, organiser):
    source = make_sector("utilities", "Utility", "Utilities")
    target = make_sector("energy", "Energia", "Energy")
    member = make_member(sector=source)
    case = make_case(member, sector=source, title="Il caso dell'energia")
    page = _get(console, url("organiser.term", kind="sector", term_id=source.id))
    assert f'<option value="{target.id}"' in page or f'value="{target.id}"' in page
    response = _post(
        console,
        url("organiser.merge_term", kind="sector", term_id=source.id),
        {"target": str(target.id), "confirm": "y"},
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(url("organiser.term", kind="sector", term_id=target.id))
    assert reload(Profile, member.id).sector_id == target.id
    assert reload(CaseStudy, case.id).sector_id == target.id
    merged = reload(Sector, source.id)
    assert merged.merged_into_id == target.id and merged.retired_at is not None
    [entry] = audit_rows("sector.merge")
    assert entry.details["into"] == target.id
    assert entry.details["moved"]["profiles"] == 1 and entry.details["moved"]["case_studies"] == 1
    # The source's page says where it went, and the list too.
    html = _get(console, url("organiser.term", kind="sector", term_id=source.id))
    assert "Merged into" in html
    assert f'href="{url("organiser.term", kind="sector", term_id=target.id)}"' in html
    assert "merged into Energy" in _get(console, url("organiser.terms", kind="sector"))
    # A merged term can be neither renamed nor merged again.
    assert (
        _post(
            console, url("organiser.rename_term", kind="sector", term_id=source.id), {"name_it": "A", "name_en": "B"}
        ).status_code
        == 409
    )


def test_a_merge_into_a_retired_term_or_itself_is_refused(console):
    source = make_sector("a-source")
    retired = make_sector("a-retired", retired=True)
    for target in (retired.id, source.id, 99999):
        response = _post(
            console,
            url("organiser.merge_term", kind="sector", term_id=source.id),
            {"target": str(target), "confirm": "y"},
        )
        assert response.status_code == 400, target
    assert reload(Sector, source.id).merged_into_id is None
    assert audit_rows() == []


def test_an_unknown_list_or_term_is_404(console):
    term = make_sector("known")
    assert console.get("/organiser/taxonomy/bogus").status_code == 404
    assert _post(console, "/organiser/taxonomy/bogus", {"name_it": "A", "name_en": "B"}).status_code == 404
    assert console.get(f"/organiser/taxonomy/bogus/{term.id}").status_code == 404
    for action in ("rename", "retire", "restore", "merge"):
        assert (
            _post(
                console, f"/organiser/taxonomy/bogus/{term.id}/{action}", {"name_it": "A", "name_en": "B"}
            ).status_code
            == 404
        )  # noqa: E501
    # A sector's id under the function list is not found either.
    assert console.get(url("organiser.term", kind="function", term_id=term.id)).status_code == 404
    assert count(Sector) == 1


# == the comments queue ===========================================================================


def test_reported_comments_show_their_reasons(console, organiser):
    author = make_member()
    case = make_case(author, title="Caso discusso")
    writer = make_member(display_name="Walter Scrivano")
    much = make_comment(case, writer, "Il commento più segnalato")
    once = make_comment(case, writer, "Il commento segnalato una volta")
    quiet = make_comment(case, writer, "Il commento tranquillo")
    report(much, make_member(display_name="Primo Lettore"), "offensive", "Parole pesanti")
    report(much, make_member(display_name="Secondo Lettore"), "privacy")
    report(once, make_member(display_name="Terzo Lettore"), "spam")
    report(quiet, make_member(), "other", resolved=True)

    html = _get(console, url("organiser.comments"))
    assert html.index("Il commento più segnalato") < html.index("Il commento segnalato una volta")
    assert "Il commento tranquillo" not in html
    assert "2 open reports" in html and "1 open report" in html
    assert "Offensive" in html and "Parole pesanti" in html and "Primo Lettore" in html
    assert "Reveals private information" in html
    assert "Spam or advertising" in html
    assert url("cases.hide_comment", comment_id=much.id) in html
    assert url("cases.dismiss_reports", comment_id=much.id) in html


def test_hidden_comments_are_listed_with_their_reason(console, organiser):
    case = make_case(make_member(), title="Caso moderato")
    writer = make_member()
    hidden = hide(make_comment(case, writer, "Un commento nascosto"), organiser, "Pubblicità")
    make_comment(case, writer, "Un commento visibile")
    html = _get(console, url("organiser.comments", show="hidden"))
    assert "Un commento nascosto" in html and "Pubblicità" in html
    assert "Un commento visibile" not in html
    assert url("cases.unhide_comment", comment_id=hidden.id) in html
    assert "No reported comment." in _get(console, url("organiser.comments"))


# == the audit log ================================================================================


def _audit_kinds(html: str) -> list[str]:
    return re.findall(r"<td><code>([^<]+)</code></td>", html)


def test_the_audit_log_filters(app, console, organiser):
    other = make_organiser(display_name="Otto Altro")
    other_client = console_client(app, other)
    member = make_member(display_name="Maria Membro")
    assert _post(console, url("organiser.suspend", user_id=member.id), {"reason": "Prima ragione"}).status_code == 302
    assert (
        _post(console, url("organiser.reactivate", user_id=member.id), {"reason": "Seconda ragione"}).status_code == 302
    )
    assert (
        _post(other_client, url("organiser.change_role", user_id=member.id), {"role": "organiser"}).status_code == 302
    )
    assert (
        _post(
            other_client, url("organiser.add_term", kind="sector"), {"name_it": "Nuovo", "name_en": "New"}
        ).status_code
        == 302
    )  # noqa: E501
    # One entry of long ago.
    old = audit_rows("member.suspend")[0]
    old.created_at = utcnow() - timedelta(days=60)
    db.session.commit()

    def kinds(**filters) -> list[str]:
        return _audit_kinds(_get(console, url("organiser.audit_log", **filters)))

    assert sorted(kinds()) == ["member.reactivate", "member.role", "member.suspend", "sector.add"]
    assert sorted(kinds(actor=organiser.id)) == ["member.reactivate", "member.suspend"]
    assert sorted(kinds(actor=other.id)) == ["member.role", "sector.add"]
    assert sorted(kinds(kind="member")) == ["member.reactivate", "member.role", "member.suspend"]
    assert kinds(kind="member.suspend") == ["member.suspend"]
    assert kinds(kind="sector") == ["sector.add"]
    today = utcnow().astimezone(ROME).date()
    assert sorted(kinds(since=(today - timedelta(days=1)).isoformat())) == [
        "member.reactivate",
        "member.role",
        "sector.add",
    ]  # noqa: E501
    assert kinds(until=(today - timedelta(days=30)).isoformat()) == ["member.suspend"]
    assert kinds(
        since=(today - timedelta(days=61)).isoformat(), until=(today - timedelta(days=59)).isoformat(), kind="member"
    ) == ["member.suspend"]
    assert kinds(actor=other.id, kind="member.suspend") == []
    # The newest first.
    assert kinds()[0] == "sector.add"
    # The filters offer the people who acted and the kinds that exist.
    html = _get(console, url("organiser.audit_log"))
    assert f'<option value="{other.id}">Otto Altro</option>' in html
    assert '<option value="member">' in html and '<option value="member.role">' in html


@pytest.mark.parametrize(
    "bad",
    [
        {"since": "yesterday"},
        {"until": "2024-02-30"},
        {"since": "2030-01-01", "until": "2020-01-01"},
        {"actor": "abc"},
        {"actor": "99999"},
        {"kind": "no.such.kind"},
        {"kind": "%"},
        {"page": "xyz"},
    ],
)
def test_bad_audit_filters_do_not_break_the_page(console, organiser, bad):
    member = make_member()
    _post(console, url("organiser.suspend", user_id=member.id), {"reason": "Una ragione"})
    response = console.get(url("organiser.audit_log"), query_string=bad, headers=EN)
    assert response.status_code == 200


# == exports ======================================================================================


def _csv(client, name: str) -> list[list[str]]:
    response = client.get(url("organiser.export", name=name), headers=EN)
    assert response.status_code == 200, name
    assert response.mimetype == "text/csv"
    assert f'filename="{name}-' in response.headers["Content-Disposition"]
    assert "no-store" in response.headers.get("Cache-Control", "")
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


MEMBERS_HEADER = [
    "id", "name", "role", "state", "joined_at", "sector", "function", "competences",
    "organisation", "job_title", "email", "links",
]  # fmt: skip


def test_the_members_export_respects_what_members_show(console, organiser):
    secretive = make_member(
        display_name="Sara Segreta", email="sara@example.org", sector="banche", function="marketing",
        competences=["analytics"], organisation="Segreta SpA", job_title="Direttrice",
        links=["https://example.org/sara"], organisation_visibility="private", job_title_visibility="private",
        email_visibility="private", links_visibility="private",
    )  # fmt: skip
    open_member = make_member(
        display_name="Omar Aperto", email="omar@example.org", organisation="Aperta Srl", job_title="Analista",
        links=["https://example.org/omar"], organisation_visibility="members", job_title_visibility="public",
        email_visibility="members", links_visibility="members",
    )  # fmt: skip
    no_profile = make_member(display_name="Nadia Senzaprofilo", email="nadia@example.org", verified=False)
    gone = make_member(display_name="Gino Andato", email="gino@example.org")
    gone.deleted_at = utcnow()
    db.session.commit()

    rows = _csv(console, "members")
    assert rows[0] == MEMBERS_HEADER
    by_id = {int(row[0]): dict(zip(MEMBERS_HEADER, row, strict=True)) for row in rows[1:]}
    assert set(by_id) == {organiser.id, secretive.id, open_member.id, no_profile.id}
    sara = by_id[secretive.id]
    assert sara["name"] == "Sara Segreta" and sara["role"] == "member" and sara["state"] == "active"
    assert sara["sector"] and sara["function"] and sara["competences"]
    assert (sara["organisation"], sara["job_title"], sara["email"], sara["links"]) == ("", "", "", "")
    omar = by_id[open_member.id]
    assert (omar["organisation"], omar["job_title"], omar["email"], omar["links"]) == (
        "Aperta Srl",
        "Analista",
        "omar@example.org",
        "https://example.org/omar",
    )
    assert by_id[no_profile.id]["state"] == "unverified" and by_id[no_profile.id]["email"] == ""
    text = "\n".join(",".join(row) for row in rows)
    assert "Segreta SpA" not in text and "sara@example.org" not in text and "gino@example.org" not in text


def test_the_exports_read_in_chunks_without_losing_or_repeating_rows(console, organiser, monkeypatch):
    from club.organiser import exports

    monkeypatch.setattr(exports, "CHUNK", 2)
    people = [
        make_member(display_name=f"Socio {n}", sector="banche", competences=["analytics", "crm"]) for n in range(5)
    ]
    for person in people[:3]:
        make_case(person, title=f"Caso di {person.display_name}", functions=["it", "marketing"])
    members = _csv(console, "members")
    assert sorted(int(row[0]) for row in members[1:]) == sorted([organiser.id, *(person.id for person in people)])
    assert all(row[7] for row in members[1:] if row[1].startswith("Socio"))  # competences of every chunk
    cases = _csv(console, "cases")
    assert len(cases) == 1 + 3 and len({row[0] for row in cases[1:]}) == 3
    assert all(row[7] for row in cases[1:])


def test_cells_that_look_like_formulas_are_neutralised(console):
    make_member(
        display_name='=HYPERLINK("http://evil.example","x")',
        organisation="+39 02 1234",
        organisation_visibility="members",
    )  # noqa: E501
    make_member(display_name="@SUM(A1:A2)")
    rows = _csv(console, "members")
    names = {row[1] for row in rows[1:]}
    assert '\'=HYPERLINK("http://evil.example","x")' in names
    assert "'@SUM(A1:A2)" in names
    assert "'+39 02 1234" in {row[8] for row in rows[1:]}
    assert not any(cell.startswith(("=", "+", "@")) for row in rows for cell in row)


def test_the_cases_export(console):
    author = make_member(display_name="Anna Autrice")
    case = make_case(
        author, title="=Caso con formula", sector="banche", functions=["it"], organisation="Banca Adriatica"
    )
    make_case(author, status="draft", title="Bozza")
    rows = _csv(console, "cases")
    assert rows[0] == [
        "id", "title", "status", "visibility", "published_at", "organisation", "sector", "functions",
        "competences", "authors", "useful", "comments", "views", "url",
    ]  # fmt: skip
    assert len(rows) == 3
    row = next(row for row in rows[1:] if row[0] == str(case.id))
    assert row[1] == "'=Caso con formula"
    assert row[2] == "published" and row[9] == "Anna Autrice"
    assert row[13].endswith(url("cases.detail", case_id=case.id))


def test_the_rsvps_export(console):
    week = make_week("Settimana della prova", starts_on=30)
    talk = make_session(week, 0, title="Sessione piena", capacity=1)
    first, second = make_member(display_name="Primo Iscritto"), make_member(display_name="Secondo In Attesa")
    seat(talk, first, second)
    rows = _csv(console, "rsvps")
    assert rows[0] == ["week", "session_id", "session", "starts_at", "member", "status", "seat", "registered_at"]
    assert [(row[0], row[2], row[4], row[5], row[6]) for row in rows[1:]] == [
        ("Settimana della prova", "Sessione piena", "Primo Iscritto", "registered", "1"),
        ("Settimana della prova", "Sessione piena", "Secondo In Attesa", "waitlist", ""),
    ]


def test_the_feedback_export_has_no_names(console):
    week = make_week("Settimana passata", starts_on=-20)
    talk = make_session(week, 0, title="Sessione valutata")
    critic = make_member(display_name="Critico Anonimo", email="critico@example.org")
    db.session.add(Feedback(session_id=talk.id, user_id=critic.id, rating=4, comment="Molto utile"))
    db.session.commit()
    rows = _csv(console, "feedback")
    assert rows[0] == ["week", "session_id", "session", "rating", "comment", "given_at"]
    assert [(row[0], row[2], row[3], row[4]) for row in rows[1:]] == [
        ("Settimana passata", "Sessione valutata", "4", "Molto utile")
    ]
    text = "\n".join(",".join(row) for row in rows)
    assert "Critico" not in text and "critico@example.org" not in text and str(critic.id) not in rows[1][:1]


def _contest(title: str, *, published: bool, phase: str = "closed", by_scheduler: bool = False):
    edition = make_edition("judging_voting", title=title)
    category = make_category(edition, f"Categoria di {title}")
    cases = [make_case(make_member(), title=f"{title}: caso {n}") for n in (1, 2)]
    finalists = make_finalists(category, *cases)
    juror = make_member()
    add_jurors(category, juror)
    score(finalists[0], juror, 9, 9, 9)
    score(finalists[1], juror, 4, 4, 4)
    vote(category, make_member(), cases[0], cases[1])
    move_to(edition, phase)
    if published and by_scheduler:
        # Frozen, but visible only at the planned time (an organiser publishing early makes it now).
        award_services.publish_results(edition, None)
        db.session.commit()
    elif published:
        publish(edition)
    return edition, cases


def test_the_award_results_export_has_published_editions_only(console):
    _published, cases = _contest("Premio pubblicato", published=True)
    _contest("Premio non pubblicato", published=False)
    _contest("Premio congelato ma non ancora annunciato", published=True, phase="counting", by_scheduler=True)
    rows = _csv(console, "award-results")
    assert rows[0] == ["edition", "category", "rank", "case_id", "case", "points", "winner"]
    assert {row[0] for row in rows[1:]} == {"Premio pubblicato"}
    assert [(row[2], row[3], row[6]) for row in rows[1:]] == [
        ("1", str(cases[0].id), "yes"),
        ("2", str(cases[1].id), "no"),
    ]


def test_empty_exports_have_their_header(console):
    for name in ("members", "cases", "rsvps", "feedback", "award-results"):
        rows = _csv(console, name)
        assert rows and rows[0], name
    assert console.get("/organiser/exports/secrets.csv").status_code == 404
    html = _get(console, url("organiser.exports_page"))
    for name in ("members", "cases", "rsvps", "feedback", "award-results"):
        assert url("organiser.export", name=name) in html


# == backup ========================================================================================


def _row_counts_in_session() -> dict[str, int]:
    db.session.commit()
    return {
        table.name: db.session.scalar(select(func.count()).select_from(table)) for table in db.metadata.sorted_tables
    }


def test_backup_copies_the_sqlite_database(app, runner, database_backend, tmp_path, organiser):
    if database_backend != "sqlite":
        pytest.skip("the copy is for SQLite; on PostgreSQL the command refuses (tested below)")
    author = make_member(sector="banche")
    make_case(author, title="Da salvare")
    make_invitation(organiser, "copia@example.org")
    expected = _row_counts_in_session()
    target = tmp_path / "copies" / "club-backup.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code == 0, result.output
    assert "integrity ok" in result.output
    assert target.exists()
    assert not list(target.parent.glob("*.partial"))
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        found = {name: copy.execute(f'SELECT count(*) FROM "{name}"').fetchone()[0] for name in expected}  # noqa: S608
        assert copy.execute("SELECT email FROM invitations").fetchall() == [("copia@example.org",)]
    assert found == expected
    assert expected["users"] == 2 and expected["case_studies"] == 1


def test_backup_refuses_to_overwrite_without_force(app, runner, database_backend, tmp_path):
    if database_backend != "sqlite":
        pytest.skip("SQLite only")
    target = tmp_path / "existing.sqlite3"
    target.write_bytes(b"precious")
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "exists" in result.output and "--force" in result.output
    assert target.read_bytes() == b"precious"
    result = runner.invoke(args=["backup", "--force", str(target)])
    assert result.exit_code == 0, result.output
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # Nor onto the database itself.
    database = Path(db.engine.url.database)
    result = runner.invoke(args=["backup", "--force", str(database)])
    assert result.exit_code != 0 and "database itself" in result.output


def test_backup_refuses_on_postgresql_with_a_message(app, runner, database_backend, tmp_path):
    if database_backend == "sqlite":
        pytest.skip("PostgreSQL only (on SQLite the command copies, tested above)")
    target = tmp_path / "copy.sqlite3"
    result = runner.invoke(args=["backup", str(target)])
    assert result.exit_code != 0
    assert "pg_dump" in result.output
    assert not target.exists()


def test_the_exports_page_names_the_backup_command(console):
    assert "backup PATH" in _get(console, url("organiser.exports_page"))


# == pages that only read ==========================================================================


def test_the_member_page_shows_activity(console):
    member = make_member(display_name="Attiva Molto")
    case = make_case(member, title="Il suo caso")
    make_comment(case, make_member(), "Un commento altrui")
    make_comment(make_case(make_member()), member, "Un suo commento")
    html = _get(console, url("organiser.member", user_id=member.id))
    figures = dict(re.findall(r"<dt>([^<]+)</dt><dd>([^<]*)</dd>", html))
    assert figures["Case studies"] == "1"
    assert figures["Comments"] == "1"
    assert figures["Useful marks"] == "0"
    assert figures["Session registrations"] == "0"


def test_the_invitations_page_lists_every_state(console, organiser):
    make_invitation(organiser, "pending@example.org")
    make_invitation(organiser, "expired@example.org", expires_in=timedelta(days=-1))
    make_invitation(organiser, "revoked@example.org", revoked=True)
    html = _get(console, url("organiser.invitations"))
    rows = {row[0]: row for row in table_rows(html)}
    assert "waiting until" in rows["pending@example.org"][4]
    assert rows["expired@example.org"][4] == "expired"
    assert rows["revoked@example.org"][4] == "withdrawn"
    assert rows["pending@example.org"][2] == "Olivia Organizzatrice"
    assert html.count(">Withdraw</button>") == 1


def test_moderating_from_the_console_comes_back_to_it(console, organiser):
    case = make_case(make_member(), title="Caso segnalato")
    comment = make_comment(case, make_member(), "Da nascondere")
    other = make_comment(case, make_member(), "Da lasciare")
    report(comment, make_member(), "spam")
    report(other, make_member(), "spam")
    back = url("organiser.comments")
    response = console.post(
        url("cases.hide_comment", comment_id=comment.id), data={"reason": "Pubblicità", "next": back}
    )
    assert response.status_code == 302 and response.headers["Location"] == back
    response = console.post(url("cases.dismiss_reports", comment_id=other.id), data={"next": back})
    assert response.status_code == 302 and response.headers["Location"] == back
    assert reload(Comment, comment.id).hidden_at is not None
    # Another host is never a destination: the case page instead.
    response = console.post(url("cases.unhide_comment", comment_id=comment.id), data={"next": "//evil.example/"})
    assert response.status_code == 302
    assert response.headers["Location"].startswith(url("cases.detail", case_id=case.id))
