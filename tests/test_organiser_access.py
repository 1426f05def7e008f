"""Acceptance: every organiser page and action answers 403 to a member.

The test walks app.url_map: every rule of the organiser blueprint (but the public /join/<token>) must
have an entry in ROUTES, which says how to build its URL with real ids and what to send. A route
added tomorrow without an entry fails test_every_organiser_route_is_covered, so it cannot slip
through unchecked. For each request:

- a visitor who is not signed in is sent to the login page;
- a signed-in member gets 403 and the database does not change;
- an organiser who has been suspended is no longer signed in: sent to the login page too;
- an organiser gets the page, or the action is done (never 403).
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from club.accounts.models import User
from club.core.models import AuditEntry, Sector
from club.core.timeutil import utcnow
from club.extensions import db
from club.organiser.models import Invitation
from tests.case_factories import make_case
from tests.event_factories import compiled_templates_once  # noqa: F401  (autouse fixture)
from tests.factories import make_member, make_organiser, make_sector
from tests.helpers import url
from tests.organiser_factories import EN, console_client, count, make_invitation

REASON = {"reason": "Una ragione sufficiente"}


@dataclass
class Ids:
    target: int  # the member whose role changes
    to_suspend: int
    suspended: int
    invitation: int
    term: int  # renamed
    to_retire: int
    retired: int
    merge_source: int
    merge_target: int


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    data: dict | None = None
    organiser_status: int = 200  # what an organiser gets


def _routes(ids: Ids) -> dict[str, list[Call]]:
    """Every organiser endpoint (but organiser.join), with the requests that exercise it."""
    return {
        "organiser.dashboard": [Call("GET", url("organiser.dashboard"))],
        "organiser.comments": [
            Call("GET", url("organiser.comments")),
            Call("GET", url("organiser.comments", show="hidden")),
        ],
        "organiser.members": [
            Call("GET", url("organiser.members")),
            Call("GET", url("organiser.members", state="active", role="member")),
        ],
        "organiser.member": [Call("GET", url("organiser.member", user_id=ids.target))],
        "organiser.change_role": [
            Call("POST", url("organiser.change_role", user_id=ids.target), {"role": "organiser"}, 302)
        ],
        "organiser.suspend": [Call("POST", url("organiser.suspend", user_id=ids.to_suspend), REASON, 302)],
        "organiser.reactivate": [Call("POST", url("organiser.reactivate", user_id=ids.suspended), REASON, 302)],
        "organiser.invitations": [Call("GET", url("organiser.invitations"))],
        "organiser.invite": [
            Call(
                "POST",
                url("organiser.invite"),
                {"email": "nuova@example.org", "role": "member", "locale": "it", "display_name": "", "message": ""},
                302,
            )
        ],
        "organiser.revoke_invitation": [
            Call("POST", url("organiser.revoke_invitation", invitation_id=ids.invitation), {}, 302)
        ],
        "organiser.taxonomy_index": [Call("GET", url("organiser.taxonomy_index"), organiser_status=302)],
        "organiser.terms": [
            Call("GET", url("organiser.terms", kind=kind)) for kind in ("sector", "function", "competence")
        ],
        "organiser.add_term": [
            Call(
                "POST", url("organiser.add_term", kind="sector"), {"name_it": "Farmaceutico", "name_en": "Pharma"}, 302
            )
        ],
        "organiser.term": [Call("GET", url("organiser.term", kind="sector", term_id=ids.term))],
        "organiser.rename_term": [
            Call(
                "POST",
                url("organiser.rename_term", kind="sector", term_id=ids.term),
                {"name_it": "Banche e credito", "name_en": "Banks and credit"},
                302,
            )
        ],
        "organiser.retire_term": [
            Call("POST", url("organiser.retire_term", kind="sector", term_id=ids.to_retire), {}, 302)
        ],
        "organiser.restore_term": [
            Call("POST", url("organiser.restore_term", kind="sector", term_id=ids.retired), {}, 302)
        ],
        "organiser.merge_term": [
            Call(
                "POST",
                url("organiser.merge_term", kind="sector", term_id=ids.merge_source),
                {"target": str(ids.merge_target), "confirm": "y"},
                302,
            )
        ],
        "organiser.insights": [
            Call("GET", url("organiser.insights")),
            Call("GET", url("organiser.insights", months="3", dimension="function", activity="view")),
        ],
        "organiser.silent_members": [Call("GET", url("organiser.silent_members"))],
        "organiser.exports_page": [Call("GET", url("organiser.exports_page"))],
        "organiser.export": [
            Call("GET", url("organiser.export", name=name))
            for name in ("members", "cases", "rsvps", "feedback", "award-results")
        ],
        "organiser.audit_log": [
            Call("GET", url("organiser.audit_log")),
            Call("GET", url("organiser.audit_log", kind="member", since="2020-01-01")),
        ],
    }


PUBLIC = {"organiser.join"}  # the invitation link: for people who have no account yet


def _organiser_endpoints(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("organiser.") and rule.endpoint not in PUBLIC:
            found.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


@pytest.fixture
def ids(app) -> Ids:
    owner = make_organiser(display_name="Chi invita")
    invitation, _token = make_invitation(owner, "invitata@example.org")
    return Ids(
        target=make_member(display_name="Tina Target").id,
        to_suspend=make_member(display_name="Sara Sospesa").id,
        suspended=make_member(display_name="Rita Riattivata", suspended=True).id,
        invitation=invitation.id,
        term=make_sector("banche").id,
        to_retire=make_sector("telco").id,
        retired=make_sector("vecchio", retired=True).id,
        merge_source=make_sector("utility").id,
        merge_target=make_sector("energia").id,
    )


def _send(client, call: Call):
    if call.method == "GET":
        return client.get(call.path, headers=EN)
    return client.post(call.path, data=call.data or {}, headers=EN)


def _to_login(response) -> bool:
    return response.status_code == 302 and urlsplit(response.headers["Location"]).path == url("accounts.login")


def _state() -> dict:
    """What an organiser action would change: roles, suspensions, invitations, terms, the audit log."""
    db.session.commit()
    db.session.expire_all()
    return {
        "users": sorted(
            (user.id, user.role, user.suspended_at is not None) for user in db.session.scalars(select(User))
        ),
        "invitations": sorted(
            (item.id, item.email, item.revoked_at is not None) for item in db.session.scalars(select(Invitation))
        ),
        "sectors": sorted(
            (term.id, term.name_it, term.retired_at is not None, term.merged_into_id)
            for term in db.session.scalars(select(Sector))
        ),
        "audit": count(AuditEntry),
    }


def test_every_organiser_route_is_covered(app, ids):
    """A new organiser route without an entry in ROUTES fails here (add it there, with real ids)."""
    routes = _routes(ids)
    endpoints = _organiser_endpoints(app)
    assert set(endpoints) == set(routes), (
        f"organiser routes not covered by this test: {sorted(set(endpoints) - set(routes))}; "
        f"entries for routes that no longer exist: {sorted(set(routes) - set(endpoints))}"
    )
    for endpoint, methods in endpoints.items():
        assert {call.method for call in routes[endpoint]} == methods, endpoint
    assert len(endpoints) >= 23


def test_a_visitor_is_sent_to_the_login_page(app, client, ids):
    before = _state()
    for endpoint, calls in _routes(ids).items():
        for call in calls:
            response = _send(client, call)
            assert _to_login(response), (endpoint, call.method, call.path, response.status_code)
    assert _state() == before


def test_a_member_gets_403_everywhere_and_changes_nothing(app, ids):
    member_client = console_client(app, make_member(display_name="Mario Membro"))
    before = _state()
    for endpoint, calls in _routes(ids).items():
        for call in calls:
            response = _send(member_client, call)
            assert response.status_code == 403, (endpoint, call.method, call.path, response.status_code)
    assert _state() == before


def test_a_suspended_organiser_cannot_get_in(app, ids):
    organiser = make_organiser(display_name="Olga Sospesa")
    organiser_client = console_client(app, organiser)
    assert organiser_client.get(url("organiser.dashboard")).status_code == 200
    # Suspended behind the session's back (no new session version): the next request is anonymous.
    organiser.suspended_at = utcnow()
    organiser.suspension_reason = "Sospesa da un test"
    db.session.commit()
    before = _state()
    for endpoint, calls in _routes(ids).items():
        for call in calls:
            response = _send(organiser_client, call)
            assert response.status_code in (302, 403), (endpoint, call.path, response.status_code)
            if response.status_code == 302:
                assert _to_login(response), (endpoint, call.path, response.headers["Location"])
    assert _state() == before


def test_an_organiser_suspended_through_the_console_loses_the_console(app, ids):
    victim = make_organiser(display_name="Ugo Organizzatore")
    victim_client = console_client(app, victim)
    boss = console_client(app, make_organiser(display_name="Capo"))
    assert victim_client.get(url("organiser.dashboard")).status_code == 200
    assert boss.post(url("organiser.suspend", user_id=victim.id), data=REASON).status_code == 302
    for calls in _routes(ids).values():
        for call in calls:
            if call.method == "GET":
                assert _to_login(_send(victim_client, call)), call.path


def test_an_organiser_gets_every_page_and_action(app, ids):
    organiser_client = console_client(app, make_organiser(display_name="Olivia Organizzatrice"))
    for endpoint, calls in _routes(ids).items():
        for call in calls:
            response = _send(organiser_client, call)
            assert response.status_code == call.organiser_status, (endpoint, call.path, response.status_code)
            if response.status_code == 302:
                assert not _to_login(response), (endpoint, call.path)
    # The actions were done.
    assert db.session.get(User, ids.target).role == "organiser"
    assert db.session.get(User, ids.to_suspend).suspended_at is not None
    assert db.session.get(User, ids.suspended).suspended_at is None
    assert db.session.get(Invitation, ids.invitation).revoked_at is not None
    assert db.session.get(Sector, ids.merge_source).merged_into_id == ids.merge_target
    assert count(AuditEntry) >= 9


def test_an_administrator_is_an_organiser_too(app, ids):
    admin_client = console_client(app, make_member(display_name="Ada Admin", role="admin"))
    for calls in _routes(ids).values():
        for call in calls:
            if call.method == "GET":
                assert _send(admin_client, call).status_code == call.organiser_status, call.path


# -- the links ---------------------------------------------------------------------------------------


def _member_pages(member, case) -> list[str]:
    return [
        url("core.home"),
        url("members.directory"),
        url("members.profile", user_id=member.id),
        url("cases.index"),
        url("cases.detail", case_id=case.id),
        url("events.index"),
        url("awards.index"),
        url("accounts.settings"),
    ]


def test_console_links_are_absent_from_a_members_pages(app, client):
    member = make_member(display_name="Mario Membro", sector="banche")
    case = make_case(member, title="Un caso qualunque")
    member_client = console_client(app, member)
    for path in _member_pages(member, case) + [url("organiser.dashboard")]:
        response = member_client.get(path, headers=EN)
        page = response.get_data(as_text=True)
        assert response.status_code in (200, 403), path
        assert 'href="/organiser' not in page, path
        assert ">Console<" not in page, path
    # Nor for a visitor.
    for path in (url("core.home"), url("cases.index"), url("cases.detail", case_id=case.id)):
        assert 'href="/organiser' not in client.get(path, headers=EN).get_data(as_text=True), path


def test_console_link_is_in_an_organisers_navigation(app):
    organiser = make_organiser(display_name="Olivia Organizzatrice")
    organiser_client = console_client(app, organiser)
    page = organiser_client.get(url("core.home"), headers=EN).get_data(as_text=True)
    assert f'href="{url("organiser.dashboard")}"' in page
    assert ">Console<" in page
    # And it goes once the organiser becomes a member again.
    organiser.role = "member"
    db.session.commit()
    page = organiser_client.get(url("core.home"), headers=EN).get_data(as_text=True)
    assert 'href="/organiser' not in page
