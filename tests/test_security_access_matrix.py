"""The access-control matrix: every route of the app x every role -> the status that role must get.

The world (tests/security_fixtures.py) makes real rows for every URL; EXPECTED below is the policy,
one line per request and one column per role (anonymous, member, juror, organiser, admin):

- a visitor who is not signed in is sent to the login page from member pages (LOGIN);
- a member gets 403 on organiser pages and actions, a juror's pages are 403 to anyone off the jury;
- what a role may not see is 404 (members-only cases to visitors, another member's draft, a draft week,
  an unpublished edition, results before publication);
- every refused POST (LOGIN, 403, 404, 409) leaves every row of every table as it was;
- the role a POST is meant for gets what the call's `done` says (it is not refused).

A route that the table does not classify fails test_every_route_is_classified: add the route to
World.calls() and its line here.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

from club.extensions import db
from tests.event_factories import compiled_templates_once  # noqa: F401  (autouse fixture)
from tests.helpers import url
from tests.security_fixtures import ROLES, Call, build_world, fingerprint, send, table_counts

LOGIN = "login"  # 302 to the login page, nothing done
SIGNIN = "signin"  # 302 to the login page after the action was done (sign in again, e.g. with the new password)
REFUSED = {LOGIN, 403, 404, 409}  # a request answered so must not change the database

PUBLIC = (200, 200, 200, 200, 200)
MEMBERS = (LOGIN, 200, 200, 200, 200)
CONSOLE = (LOGIN, 403, 403, 200, 200)
VISITORS_ONLY = (200, 302, 302, 302, 302)  # the signed-in are sent home
NOT_FOUND = (404, 404, 404, 404, 404)
ORGANISERS_SEE = (404, 404, 404, 200, 200)  # drafts and unpublished things: hidden, not forbidden
JURY = (LOGIN, 403, 200, 403, 403)
ORGANISER_ACTS = (LOGIN, 403, 403, 302, 302)
MEMBER_ACTS = (LOGIN, 302, 302, 302, 302)
OWNER_ACTS = (LOGIN, 302, 404, 302, 302)  # the member's own draft: the juror cannot even see it
AUTHOR_ONLY = (LOGIN, 302, 403, 403, 403)  # the member's own nomination or comment
ANYONE_WITH_TOKEN = (200, 200, 200, 200, 200)

EXPECTED: dict[str, tuple] = {
    # core
    "GET core.home": PUBLIC,
    "GET core.healthz": PUBLIC,
    "GET core.mailbox": NOT_FOUND,  # development only (debug and DEV_MAILBOX)
    "GET core.mailbox_message": NOT_FOUND,
    "GET static": PUBLIC,
    "POST core.set_language": (302, 302, 302, 302, 302),
    "GET core.choose_language": (302, 302, 302, 302, 302),
    # accounts
    "GET accounts.signup": VISITORS_ONLY,
    "GET accounts.login": VISITORS_ONLY,
    "GET accounts.resend_verification": PUBLIC,
    "GET accounts.reset_request": PUBLIC,
    "GET accounts.settings": MEMBERS,
    "GET accounts.verify_email": ANYONE_WITH_TOKEN,
    "GET accounts.reset_password": ANYONE_WITH_TOKEN,
    "GET accounts.confirm_email_change": ANYONE_WITH_TOKEN,
    "POST accounts.signup": (200, 302, 302, 302, 302),
    "POST accounts.login": (302, 302, 302, 302, 302),
    "POST accounts.verify_email": (302, 302, 302, 302, 302),
    "POST accounts.resend_verification": PUBLIC,
    "POST accounts.reset_request": PUBLIC,
    "POST accounts.reset_password": (SIGNIN,) * 5,
    "POST accounts.confirm_email_change": (SIGNIN, 302, 302, 302, 302),
    "POST accounts.change_email": MEMBER_ACTS,
    "POST accounts.suspend": ORGANISER_ACTS,
    "POST accounts.reactivate": ORGANISER_ACTS,
    "POST accounts.logout": (302, 302, 302, 302, 302),
    "POST accounts.change_password": MEMBER_ACTS,
    # members
    "GET members.directory": MEMBERS,
    "GET members.profile [a member]": PUBLIC,  # field by field privacy, tested in test_members.py
    "GET members.profile [unverified]": ORGANISERS_SEE,
    "GET members.edit_profile": MEMBERS,
    "GET members.my_data": MEMBERS,
    "GET members.avatar": PUBLIC,
    "POST members.save_profile": MEMBER_ACTS,
    "POST members.upload_avatar": MEMBER_ACTS,
    "POST members.remove_avatar": MEMBER_ACTS,
    "POST members.export_data": (LOGIN, 200, 200, 200, 200),
    "POST members.delete_account": (LOGIN, 302, 302, 302, 409),  # the only administrator must stay
    # cases: reading
    "GET cases.index": PUBLIC,
    "GET cases.mine": MEMBERS,
    "GET cases.bookmarks": MEMBERS,
    "GET cases.moderation": CONSOLE,
    "GET cases.detail [public]": PUBLIC,
    "GET cases.detail [members-only]": (404, 200, 200, 200, 200),
    "GET cases.detail [another's draft]": ORGANISERS_SEE,
    "GET cases.detail [own draft]": (404, 200, 404, 200, 200),
    "GET cases.history [another's case]": CONSOLE,
    "GET cases.history [own draft]": (LOGIN, 200, 404, 200, 200),
    "GET cases.new": MEMBERS,
    "GET cases.edit [own draft]": (LOGIN, 200, 404, 200, 200),
    "GET cases.edit [another's draft]": (LOGIN, 404, 404, 200, 200),
    "GET cases.edit [another's published case]": CONSOLE,
    "GET cases.cover [public]": PUBLIC,
    "GET cases.cover [members-only]": (404, 200, 200, 200, 200),
    "GET cases.attachment [public]": PUBLIC,
    "GET cases.attachment [another's draft]": ORGANISERS_SEE,
    "GET cases.edit_comment [own comment]": (LOGIN, 200, 403, 403, 403),
    "GET cases.edit_comment [another's comment]": (LOGIN, 403, 403, 403, 403),
    "GET cases.following": MEMBERS,
    "GET cases.notifications": MEMBERS,
    "GET cases.feed": PUBLIC,
    "GET cases.sector_feed": PUBLIC,
    "GET cases.competence_feed": PUBLIC,
    "GET cases.feed_list": PUBLIC,
    # cases: acting
    "POST cases.new": MEMBER_ACTS,
    "POST cases.update": OWNER_ACTS,
    "POST cases.update [another's draft]": (LOGIN, 404, 404, 302, 302),
    "POST cases.upload_cover": OWNER_ACTS,
    "POST cases.remove_cover": OWNER_ACTS,
    "POST cases.upload_attachment": OWNER_ACTS,
    "POST cases.remove_attachment": OWNER_ACTS,
    "POST cases.transition [submit own draft]": (LOGIN, 302, 404, 403, 403),  # only authors submit
    "POST cases.transition [publish a submitted case]": (LOGIN, 404, 404, 302, 302),
    "POST cases.delete [own draft]": OWNER_ACTS,
    "POST cases.delete [another's draft]": (LOGIN, 404, 404, 302, 302),
    "POST cases.add_comment": MEMBER_ACTS,
    "POST cases.edit_comment": AUTHOR_ONLY,
    "POST cases.delete_comment": AUTHOR_ONLY,
    "POST cases.hide_comment": ORGANISER_ACTS,
    "POST cases.unhide_comment": ORGANISER_ACTS,
    "POST cases.report_comment": MEMBER_ACTS,
    "POST cases.dismiss_reports": ORGANISER_ACTS,
    "POST cases.useful": MEMBER_ACTS,
    "POST cases.bookmark": MEMBER_ACTS,
    "POST cases.save_following": MEMBER_ACTS,
    "POST cases.read_notifications": MEMBER_ACTS,
    # events
    "GET events.index": PUBLIC,
    "GET events.week [published]": PUBLIC,
    "GET events.week [draft]": ORGANISERS_SEE,
    "GET events.week_calendar": PUBLIC,
    "GET events.cover": PUBLIC,
    "GET events.session_detail [published]": PUBLIC,
    "GET events.session_detail [in a draft week]": ORGANISERS_SEE,
    "GET events.session_calendar": PUBLIC,
    "GET events.my_sessions": MEMBERS,
    "GET events.personal_calendar": ANYONE_WITH_TOKEN,
    "GET events.new_week": CONSOLE,
    "GET events.edit_week": CONSOLE,
    "GET events.new_session": CONSOLE,
    "GET events.edit_session": CONSOLE,
    "GET events.attendees": CONSOLE,
    "GET events.attendees_csv": CONSOLE,
    "GET events.feedback": CONSOLE,
    "POST events.register": MEMBER_ACTS,
    "POST events.cancel": MEMBER_ACTS,
    "POST events.rate": MEMBER_ACTS,
    "POST events.reset_calendar_token": MEMBER_ACTS,
    "POST events.new_week": ORGANISER_ACTS,
    "POST events.edit_week": ORGANISER_ACTS,
    "POST events.upload_week_cover": ORGANISER_ACTS,
    "POST events.new_session": ORGANISER_ACTS,
    "POST events.edit_session": ORGANISER_ACTS,
    "POST events.delete_session": ORGANISER_ACTS,
    # awards: reading
    "GET awards.index": PUBLIC,
    "GET awards.edition [nominations open]": PUBLIC,
    "GET awards.edition [unpublished]": ORGANISERS_SEE,
    "GET awards.category": PUBLIC,
    "GET awards.ballot": MEMBERS,
    "GET awards.receipt": PUBLIC,
    "GET awards.jury": JURY,
    "GET awards.score": JURY,
    "GET awards.results [published]": PUBLIC,
    "GET awards.results [not yet published]": NOT_FOUND,
    "GET awards.ballots_csv": PUBLIC,
    "GET awards.scores_csv": PUBLIC,
    "GET awards.certificate": (LOGIN, 200, 403, 200, 200),  # the authors' and the organisers'
    "GET awards.new_edition": CONSOLE,
    "GET awards.edit_edition": CONSOLE,
    "GET awards.new_category": CONSOLE,
    "GET awards.edit_category": CONSOLE,
    "GET awards.manage": CONSOLE,
    "GET awards.audit_log": CONSOLE,
    # awards: acting
    "POST awards.nominate": MEMBER_ACTS,
    "POST awards.accept": AUTHOR_ONLY,
    "POST awards.decline": AUTHOR_ONLY,
    "POST awards.withdraw": AUTHOR_ONLY,
    "POST awards.cast": MEMBER_ACTS,
    "POST awards.save_score": (LOGIN, 403, 302, 403, 403),
    "POST awards.conflict": (LOGIN, 403, 302, 403, 403),
    "POST awards.new_edition": ORGANISER_ACTS,
    "POST awards.edit_edition": ORGANISER_ACTS,
    "POST awards.new_category": ORGANISER_ACTS,
    "POST awards.edit_category": ORGANISER_ACTS,
    "POST awards.eligibility": ORGANISER_ACTS,
    "POST awards.choose_finalists": ORGANISER_ACTS,
    "POST awards.set_jurors": ORGANISER_ACTS,
    "POST awards.publish": ORGANISER_ACTS,
    # digests
    "GET digests.settings": MEMBERS,
    "GET digests.subscribe": PUBLIC,
    "GET digests.confirm": ANYONE_WITH_TOKEN,
    "GET digests.unsubscribe": ANYONE_WITH_TOKEN,
    "GET digests.view": ANYONE_WITH_TOKEN,
    "GET digests.admin": CONSOLE,
    "GET digests.subscriber_log": CONSOLE,
    "GET digests.preview": CONSOLE,
    "POST digests.settings": MEMBER_ACTS,
    "POST digests.subscribe": PUBLIC,
    "POST digests.confirm": ANYONE_WITH_TOKEN,
    "POST digests.unsubscribe_now": ANYONE_WITH_TOKEN,
    "POST digests.resubscribe": ANYONE_WITH_TOKEN,
    "POST digests.start_cycle": ORGANISER_ACTS,
    # organiser console
    "GET organiser.dashboard": CONSOLE,
    "GET organiser.comments": CONSOLE,
    "GET organiser.members": CONSOLE,
    "GET organiser.member": CONSOLE,
    "GET organiser.invitations": CONSOLE,
    "GET organiser.join": VISITORS_ONLY,
    "GET organiser.taxonomy_index": (LOGIN, 403, 403, 302, 302),  # on to the sectors
    "GET organiser.terms": CONSOLE,
    "GET organiser.term": CONSOLE,
    "GET organiser.insights": CONSOLE,
    "GET organiser.silent_members": CONSOLE,
    "GET organiser.exports_page": CONSOLE,
    "GET organiser.export": CONSOLE,
    "GET organiser.audit_log": CONSOLE,
    "POST organiser.change_role": ORGANISER_ACTS,
    "POST organiser.suspend": ORGANISER_ACTS,
    "POST organiser.reactivate": ORGANISER_ACTS,
    "POST organiser.invite": ORGANISER_ACTS,
    "POST organiser.revoke_invitation": ORGANISER_ACTS,
    "POST organiser.add_term": ORGANISER_ACTS,
    "POST organiser.rename_term": ORGANISER_ACTS,
    "POST organiser.retire_term": ORGANISER_ACTS,
    "POST organiser.restore_term": ORGANISER_ACTS,
    "POST organiser.merge_term": ORGANISER_ACTS,
    "POST organiser.join": (302, 302, 302, 302, 302),  # a visitor joins; the signed-in are sent home
}


def key(endpoint: str, call: Call) -> str:
    return f"{call.method} {endpoint}" + (f" [{call.label}]" if call.label else "")


def ordered(calls: dict[str, list[Call]]) -> list[tuple[str, Call]]:
    """Every GET first (they change nothing the POSTs rely on), then every POST in the world's order."""
    flat = [(endpoint, call) for endpoint, items in calls.items() for call in items]
    return [item for item in flat if item[1].method == "GET"] + [item for item in flat if item[1].method == "POST"]


def app_routes(app) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        found.setdefault(rule.endpoint, set()).update(rule.methods - {"HEAD", "OPTIONS"})
    return found


def outcome(response):
    """The status as the table writes it: a redirect to the login page is LOGIN."""
    if response.status_code == 302 and urlsplit(response.headers["Location"]).path == url("accounts.login"):
        return LOGIN
    return response.status_code


@pytest.fixture
def world(app):
    return build_world()


def test_every_route_is_classified(app, world):
    """A new route (any blueprint, static, development pages) without a line here fails."""
    calls = world.calls()
    routes = app_routes(app)
    assert set(routes) == set(calls), (
        f"routes the matrix does not classify: {sorted(set(routes) - set(calls))}; "
        f"classified routes that no longer exist: {sorted(set(calls) - set(routes))}"
    )
    for endpoint, methods in routes.items():
        assert {call.method for call in calls[endpoint]} == methods, endpoint
    keys = [key(endpoint, call) for endpoint, call in ordered(calls)]
    assert len(keys) == len(set(keys)), "two calls share a label"
    assert set(keys) == set(EXPECTED), (sorted(set(keys) - set(EXPECTED)), sorted(set(EXPECTED) - set(keys)))
    assert len(routes) >= 140
    # The "database unchanged" checks are worth something: one changed column changes the digest.
    before, rows = fingerprint(), table_counts()
    world.users["organiser"].display_name = "Olga Rinominata"
    db.session.commit()
    assert fingerprint() != before
    assert table_counts() == rows
    for endpoint, call in ordered(calls):
        if call.method == "POST":
            # The role a POST is meant for is allowed by the table, with the status the CSRF sweep expects.
            expected = EXPECTED[key(endpoint, call)][ROLES.index(call.actor)]
            assert (302 if expected == SIGNIN else expected) == call.done, endpoint
            assert expected not in REFUSED, endpoint


@pytest.mark.parametrize("role", ROLES)
def test_each_role_gets_what_the_policy_says(app, world, role):
    column = ROLES.index(role)
    signed_in = world.client(app, role)
    baseline = None
    wrong = []
    for endpoint, call in ordered(world.calls()):
        expected = EXPECTED[key(endpoint, call)][column]
        refused = call.method == "POST" and expected in REFUSED
        if refused and baseline is None:
            baseline = fingerprint()
        # A visitor has no session to keep; a call that ends the session gets a session of its own.
        client = world.client(app, role) if role == "anonymous" or call.fresh else signed_in
        response = send(client, call)
        got = outcome(response)
        if got == LOGIN and expected == SIGNIN:
            got = SIGNIN
        if got != expected:
            wrong.append(f"{key(endpoint, call)}: {role} got {got}, expected {expected} ({call.path})")
        if refused:
            after = fingerprint()
            if after != baseline:
                wrong.append(f"{key(endpoint, call)}: refused to {role} but the database changed")
                baseline = None
        elif call.method == "POST":
            baseline = None
    assert not wrong, "\n".join(wrong)
