"""Bad input for every organiser form, and CSRF on every organiser POST.

tests/test_forms_bad_input.py already posts without a CSRF token to every POST route of the site, as
a signed-in member and with made-up ids (so the organiser routes are refused there before any
permission check). Here the organiser forms get what a careless or hostile organiser could send:
empty, oversized, control characters, choices that are not offered. The answer must be a 400 page
that says what is wrong, with the database unchanged; never a 500. The GET filter forms must keep
their page up whatever their query string. And every organiser POST, with real ids and otherwise
valid data, is refused without a CSRF token and accepted with one.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from club.accounts.models import User
from club.core.models import AuditEntry, Function, OutboxMessage, Sector
from club.extensions import db
from club.organiser.models import Invitation
from tests.event_factories import compiled_templates_once  # noqa: F401  (autouse fixture)
from tests.factories import make_member, make_organiser, make_sector
from tests.helpers import csrf_token, url
from tests.organiser_factories import EN, console_client, count, field_errors, make_invitation, reload

CSRF_MESSAGE = "The form has expired or did not come from this site."
LONG = "x" * 5000


@pytest.fixture
def organiser(app):
    return make_organiser(display_name="Olivia Organizzatrice")


@pytest.fixture
def console(app, organiser):
    return console_client(app, organiser)


def _snapshot() -> dict:
    """Everything an organiser form could change."""
    db.session.commit()
    db.session.expire_all()
    return {
        "users": sorted(
            (u.id, u.email, u.display_name, u.role, u.suspended_at is not None, u.suspension_reason)
            for u in db.session.scalars(select(User))
        ),
        "invitations": sorted(
            (i.id, i.email, i.role, i.token_hash, i.revoked_at is not None)
            for i in db.session.scalars(select(Invitation))
        ),
        "sectors": sorted(
            (t.id, t.slug, t.name_it, t.name_en, t.retired_at is not None, t.merged_into_id)
            for t in db.session.scalars(select(Sector))
        ),
        "functions": count(Function),
        "audit": count(AuditEntry),
        "outbox": count(OutboxMessage),
    }


def _refused_with_a_message(response, before: dict) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 400, (response.status_code, html[:500])
    assert field_errors(html), "the page does not say what is wrong"
    assert _snapshot() == before


# == roles ========================================================================================


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"role": ""},
        {"role": "emperor"},
        {"role": "ADMIN"},
        {"role": "organiser\x00"},
        {"role": " organiser\x07"},
        {"role": LONG},
        {"role": ["member", "organiser"]},
    ],
)
def test_role_form_bad_input(console, data):
    member = make_member()
    before = _snapshot()
    response = console.post(url("organiser.change_role", user_id=member.id), data=data, headers=EN)
    if isinstance(data.get("role"), list):  # the first value counts: "member" is the member's role already
        assert response.status_code in (400, 409)
        assert _snapshot() == before
        return
    _refused_with_a_message(response, before)


# == suspend and reactivate =======================================================================

BAD_REASONS = [
    {},
    {"reason": ""},
    {"reason": "  \n\t "},
    {"reason": "ab"},
    {"reason": "x" * 501},
    {"reason": "Una ragione\x00 nascosta"},
    {"reason": "Una ragione\x1b[31m colorata"},
    {"reason": "Una ragione\x7f"},
]


@pytest.mark.parametrize("data", BAD_REASONS)
def test_suspend_form_bad_input(console, data):
    member = make_member()
    before = _snapshot()
    _refused_with_a_message(console.post(url("organiser.suspend", user_id=member.id), data=data, headers=EN), before)


@pytest.mark.parametrize("data", BAD_REASONS)
def test_reactivate_form_bad_input(console, data):
    member = make_member(suspended=True)
    before = _snapshot()
    _refused_with_a_message(console.post(url("organiser.reactivate", user_id=member.id), data=data, headers=EN), before)


def test_a_reason_with_a_newline_is_fine(console):
    member = make_member()
    response = console.post(
        url("organiser.suspend", user_id=member.id), data={"reason": "Prima riga\r\nseconda riga"}, headers=EN
    )
    assert response.status_code == 302
    assert reload(User, member.id).suspension_reason.startswith("Prima riga")


# == invitations ==================================================================================

INVITE = {
    "email": "invitata@example.org",
    "display_name": "Ivana Invitata",
    "role": "member",
    "locale": "it",
    "message": "Benvenuta",
}  # noqa: E501


@pytest.mark.parametrize(
    "fields",
    [
        {"email": ""},
        {"email": "   "},
        {"email": "invitata"},
        {"email": "invitata@"},
        {"email": "a" * 250 + "@example.org"},
        {"email": "invi\x00tata@example.org"},
        {"email": "invi\x0btata@example.org"},
        {"email": "invitata@example.org, altro@example.org"},
        {"display_name": "A"},
        {"display_name": "x" * 81},
        {"display_name": "Ivana\x00"},
        {"role": ""},
        {"role": "emperor"},
        {"role": "admin"},  # not offered to an organiser
        {"locale": ""},
        {"locale": "fr"},
        {"locale": "it\x00"},
        {"message": "x" * 1001},
        {"message": "Ciao\x08"},
    ],
)
def test_invitation_form_bad_input(console, fields):
    before = _snapshot()
    response = console.post(url("organiser.invite"), data={**INVITE, **fields}, headers=EN)
    _refused_with_a_message(response, before)


def test_the_invitation_form_with_nothing(console):
    before = _snapshot()
    _refused_with_a_message(console.post(url("organiser.invite"), data={}, headers=EN), before)


def test_the_invitation_form_accepts_what_it_should(console):
    response = console.post(
        url("organiser.invite"), data={**INVITE, "message": "Riga uno\nriga due", "display_name": ""}, headers=EN
    )  # noqa: E501
    assert response.status_code == 302
    assert count(Invitation) == 1


JOIN = {
    "display_name": "Ivana Invitata",
    "password": "a long and unusual passphrase",
    "password_confirm": "a long and unusual passphrase",
}  # noqa: E501


@pytest.mark.parametrize(
    "fields",
    [
        {"display_name": ""},
        {"display_name": "I"},
        {"display_name": "x" * 81},
        {"display_name": "Ivana\x00"},
        {"display_name": "Iva\x1fna"},
        {"password": "p" * 129, "password_confirm": "p" * 129},
        {"password": "a long and unusual\x00passphrase", "password_confirm": "a long and unusual\x00passphrase"},
        {"password": "short", "password_confirm": "short"},
        {"password_confirm": ""},
        {"password_confirm": "a long and unusual passphrasE"},
        {"password": "", "password_confirm": ""},
    ],
)
def test_join_form_bad_input(app, organiser, fields):
    _invitation, token = make_invitation(organiser, "invitata@example.org")
    before = _snapshot()
    visitor = app.test_client()
    response = visitor.post(url("organiser.join", token=token), data={**JOIN, **fields}, headers=EN)
    _refused_with_a_message(response, before)
    assert reload(Invitation, _invitation.id).state == "pending"


@pytest.mark.parametrize("token", ["x", "x" * 2000, "%00", "..%2F..%2Fetc", "\u00e8"])
def test_join_with_a_strange_token_is_404(client, token):
    assert client.get(f"/join/{token}", headers=EN).status_code == 404
    assert client.post(f"/join/{token}", data=JOIN, headers=EN).status_code == 404
    assert count(User) == 0


# == taxonomy =====================================================================================

BAD_NAMES = [
    {},
    {"name_it": "", "name_en": "Pharma"},
    {"name_it": "Farmaceutico", "name_en": ""},
    {"name_it": "   ", "name_en": "Pharma"},
    {"name_it": "Farmaceutico"},
    {"name_it": "x" * 121, "name_en": "Pharma"},
    {"name_it": "Farmaceutico", "name_en": "x" * 121},
    {"name_it": "Farma\x00ceutico", "name_en": "Pharma"},
    {"name_it": "Farmaceutico", "name_en": "Phar\x1bma"},
]


@pytest.mark.parametrize("kind", ["sector", "function", "competence"])
@pytest.mark.parametrize("data", BAD_NAMES)
def test_add_term_bad_input(console, kind, data):
    make_sector("esistente", "Esistente", "Existing")
    before = _snapshot()
    _refused_with_a_message(console.post(url("organiser.add_term", kind=kind), data=data, headers=EN), before)


@pytest.mark.parametrize("data", BAD_NAMES)
def test_rename_term_bad_input(console, data):
    term = make_sector("banche", "Banche", "Banks")
    before = _snapshot()
    response = console.post(url("organiser.rename_term", kind="sector", term_id=term.id), data=data, headers=EN)
    _refused_with_a_message(response, before)


@pytest.mark.parametrize(
    "target",
    [None, "", "abc", "99999", "-1", "1.5", "retired", "self", "other-list", "\x00", LONG],
)
def test_merge_form_bad_input(console, target):
    source = make_sector("fonte", "Fonte", "Source")
    make_sector("meta", "Meta", "Target")
    retired = make_sector("ritirato", "Ritirato", "Retired", retired=True)
    from tests.factories import make_function

    function = make_function("funzione")
    value = {"retired": str(retired.id), "self": str(source.id), "other-list": str(function.id)}.get(target, target)
    data = {"confirm": "y"}
    if value is not None:
        data["target"] = value
    before = _snapshot()
    response = console.post(url("organiser.merge_term", kind="sector", term_id=source.id), data=data, headers=EN)
    _refused_with_a_message(response, before)


def test_a_merge_without_the_confirmation_is_refused(console):
    source, target = make_sector("fonte"), make_sector("meta")
    before = _snapshot()
    for confirm in (None, "", "no"):
        data = {"target": str(target.id)}
        if confirm is not None:
            data["confirm"] = confirm
        response = console.post(url("organiser.merge_term", kind="sector", term_id=source.id), data=data, headers=EN)
        if confirm == "no":  # a checkbox sends its value when ticked, whatever it is
            assert response.status_code in (302, 400)
            return
        _refused_with_a_message(response, before)


# == the GET filter forms =========================================================================

GET_FILTERS = {
    "organiser.members": [
        {"q": LONG},
        {"q": "\x00\x01\x02"},
        {"q": "'; DROP TABLE users; --"},
        {"q": "\\%_"},
        {"role": "\x00"},
        {"state": LONG},
        {"sector": "1 OR 1=1"},
        {"function": "\u0661"},  # an Arabic-Indic digit: isdigit() but not an id
        {"page": "0"},
        {"page": "-1"},
        {"page": "1e3"},
        {"per_page": "100000"},
    ],
    "organiser.audit_log": [
        {"actor": "\x00"},
        {"kind": LONG},
        {"since": "2024-1-1"},
        {"since": "31/12/2024"},
        {"until": "\x00"},
        {"since": "2024-12-31", "until": "2024-01-01"},
        {"page": "0"},
    ],
    "organiser.insights": [
        {"months": "0"},
        {"months": "-12"},
        {"months": "1000000"},
        {"months": "abc"},
        {"dimension": "competence"},
        {"dimension": "\x00"},
        {"activity": "bogus"},
        {"activity": "view", "dimension": "function", "months": "3"},
    ],
    "organiser.comments": [{"show": "bogus"}, {"show": "\x00"}, {"page": "-5"}],
    "organiser.invitations": [{"page": "abc"}],
    "organiser.silent_members": [{"page": "-1"}],
}


@pytest.mark.parametrize(
    ("endpoint", "args"), [(endpoint, args) for endpoint, cases in GET_FILTERS.items() for args in cases]
)
def test_get_filters_never_break_the_page(console, organiser, endpoint, args):
    make_member(sector="banche")
    console.post(url("organiser.suspend", user_id=make_member().id), data={"reason": "Per il registro"})
    response = console.get(url(endpoint), query_string=args, headers=EN)
    assert response.status_code == 200, (endpoint, args, response.status_code)


@pytest.mark.parametrize("args", [{"until": "9999-12-31"}, {"since": "0001-01-01"}])
def test_extreme_audit_dates_do_not_break_the_page(console, args):
    assert console.get(url("organiser.audit_log"), query_string=args, headers=EN).status_code == 200


HUGE = "100000000000000000000"  # larger than any database integer


@pytest.mark.parametrize(
    "endpoint",
    [
        "organiser.members",
        "organiser.comments",
        "organiser.invitations",
        "organiser.audit_log",
        "organiser.silent_members",
    ],  # noqa: E501
)
def test_a_huge_page_number_does_not_break_the_list(console, endpoint):
    response = console.get(url(endpoint), query_string={"page": HUGE}, headers=EN)
    assert response.status_code in (200, 404)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/organiser/members/{HUGE}"),
        ("POST", f"/organiser/members/{HUGE}/suspend"),
        ("GET", f"/organiser/taxonomy/sector/{HUGE}"),
        ("POST", f"/organiser/taxonomy/sector/{HUGE}/retire"),
        ("POST", f"/organiser/invitations/{HUGE}/revoke"),
    ],
)
def test_a_huge_id_is_404(console, method, path):
    response = console.open(path, method=method, data={"reason": "Una ragione"}, headers=EN)
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/organiser/members/2147483647"),
        ("POST", "/organiser/members/2147483647/role"),
        ("GET", "/organiser/taxonomy/sector/2147483647"),
        ("POST", "/organiser/invitations/2147483647/revoke"),
    ],
)
def test_an_unknown_id_within_range_is_404(console, method, path):
    assert console.open(path, method=method, data={"role": "member"}, headers=EN).status_code == 404


# == CSRF ==========================================================================================


def _posts(ids) -> dict[str, tuple[str, dict]]:
    """Every organiser POST endpoint with a real target and otherwise valid data."""
    return {
        "organiser.change_role": (url("organiser.change_role", user_id=ids["member"]), {"role": "organiser"}),
        "organiser.suspend": (url("organiser.suspend", user_id=ids["member"]), {"reason": "Una ragione"}),
        "organiser.reactivate": (url("organiser.reactivate", user_id=ids["suspended"]), {"reason": "Una ragione"}),
        "organiser.invite": (url("organiser.invite"), dict(INVITE)),
        "organiser.revoke_invitation": (url("organiser.revoke_invitation", invitation_id=ids["invitation"]), {}),
        "organiser.add_term": (url("organiser.add_term", kind="sector"), {"name_it": "Nuovo", "name_en": "New"}),
        "organiser.rename_term": (
            url("organiser.rename_term", kind="sector", term_id=ids["term"]),
            {"name_it": "Rinominato", "name_en": "Renamed"},
        ),
        "organiser.retire_term": (url("organiser.retire_term", kind="sector", term_id=ids["term"]), {}),
        "organiser.restore_term": (url("organiser.restore_term", kind="sector", term_id=ids["retired"]), {}),
        "organiser.merge_term": (
            url("organiser.merge_term", kind="sector", term_id=ids["source"]),
            {"target": str(ids["target"]), "confirm": "y"},
        ),
        "organiser.join": (
            url("organiser.join", token=ids["token"]),
            dict(JOIN, password="short", password_confirm="short"),
        ),  # noqa: E501
    }


@pytest.mark.csrf
def test_every_organiser_post_needs_a_csrf_token(app):
    organiser = make_organiser()
    console = console_client(app, organiser)  # the login helper sends a token
    invitation, _token = make_invitation(organiser, "csrf@example.org")
    _other, token = make_invitation(organiser, "join@example.org")
    ids = {
        "member": make_member().id,
        "suspended": make_member(suspended=True).id,
        "invitation": invitation.id,
        "token": token,
        "term": make_sector("termine").id,
        "retired": make_sector("ritirato", retired=True).id,
        "source": make_sector("fonte").id,
        "target": make_sector("meta").id,
    }
    posts = _posts(ids)
    organiser_posts = {
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("organiser.") and "POST" in rule.methods
    }
    assert organiser_posts == set(posts), f"organiser POST routes not covered: {sorted(organiser_posts - set(posts))}"

    before = _snapshot()
    for endpoint, (path, data) in posts.items():
        client = app.test_client() if endpoint == "organiser.join" else console
        for sent in (data, {**data, "csrf_token": "forged"}, {**data, "csrf_token": ""}):
            response = client.post(path, data=sent, headers=EN)
            assert response.status_code == 400, (endpoint, response.status_code)
            assert CSRF_MESSAGE in response.get_data(as_text=True), endpoint
    assert _snapshot() == before

    # A token of another session is refused too.
    stranger = app.test_client()
    stolen = csrf_token(stranger)
    response = console.post(
        posts["organiser.add_term"][0], data={**posts["organiser.add_term"][1], "csrf_token": stolen}
    )
    assert response.status_code == 400
    assert _snapshot() == before

    # With the session's own token the same requests go through (so the token was the reason).
    for endpoint, (path, data) in posts.items():
        client = app.test_client() if endpoint == "organiser.join" else console
        response = client.post(path, data={**data, "csrf_token": csrf_token(client)}, headers=EN)
        assert CSRF_MESSAGE not in response.get_data(as_text=True), endpoint
        if endpoint == "organiser.join":
            assert response.status_code == 400  # the short password, on purpose: the form was read
        else:
            assert response.status_code == 302, (endpoint, response.status_code)
    assert count(AuditEntry) == before["audit"] + 10


@pytest.mark.csrf
def test_the_console_forms_carry_a_token(app):
    organiser = make_organiser(locale="en")
    console = console_client(app, organiser)
    member = make_member()
    term = make_sector("termine")
    invitation, token = make_invitation(organiser, "token@example.org", expires_in=timedelta(days=3))
    for path in (
        url("organiser.member", user_id=member.id),
        url("organiser.invitations"),
        url("organiser.terms", kind="sector"),
        url("organiser.term", kind="sector", term_id=term.id),
    ):
        html = console.get(path).get_data(as_text=True)
        forms = html.count('method="post"')
        assert forms, path
        assert html.count('name="csrf_token"') >= forms, path
    html = app.test_client().get(url("organiser.join", token=token)).get_data(as_text=True)
    assert 'name="csrf_token"' in html
    assert invitation.id
