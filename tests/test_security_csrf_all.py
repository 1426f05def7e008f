"""The site-wide CSRF sweep: every POST route refuses a request without a valid token, and changes nothing.

The routes come from app.url_map; how to reach each (real ids, form data) and who may do it come
from World.calls() in tests/security_fixtures.py, so a POST route added tomorrow without a call
fails test_every_post_route_is_swept. For each POST, the person meant to do it (the author, a
juror, an organiser, or a visitor for the public forms) sends it:

1. without a token: 400, the "form has expired" page, not a row changed;
2. with a token of another session: the same;
3. with a valid token: what the action answers when it is done (so the forms are right and the
   refusals above came from the missing token, not from a broken request).

The per-domain tests (test_cases_csrf.py, test_organiser_bad_input.py...) look closer at each form.
"""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from flask_babel import force_locale

from club.core.errors import CSRF_MESSAGE
from club.digests import services as digest_services
from club.digests.models import Subscriber
from club.extensions import db
from tests.digest_factories import make_subscriber
from tests.event_factories import compiled_templates_once  # noqa: F401  (autouse fixture)
from tests.factories import DEFAULT_PASSWORD, make_member
from tests.helpers import csrf_token, url
from tests.security_fixtures import EN, build_world, fingerprint

pytestmark = pytest.mark.csrf

# POST routes that take no CSRF token, on purpose, with the reason.
EXEMPT = {
    "digests.unsubscribe_now": "RFC 8058 one-click unsubscribe: mail clients POST without a page or a session; "
    "the signed token in the URL is the proof",
}


@pytest.fixture
def world(app):
    return build_world()


def _post_routes(app) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if "POST" in rule.methods}


def _posts(world) -> list[tuple[str, object]]:
    return [(endpoint, call) for endpoint, calls in world.calls().items() for call in calls if call.method == "POST"]


def _post(client, call, token: str | None):
    data = call.form()
    if token is not None:
        data["csrf_token"] = token
    return client.post(call.path, data=data, headers=EN, content_type="multipart/form-data")


def _is_csrf_refusal(response) -> bool:
    """400 with the CSRF page (not a 400 of the form's own validation), in English or in the member's Italian."""
    page = response.get_data(as_text=True)
    return response.status_code == 400 and any(_message(language) in page for language in ("en", "it"))


def _message(language: str) -> str:
    with force_locale(language):
        return str(CSRF_MESSAGE)


def test_every_post_route_is_swept(app, world):
    """A new POST route without a call in World.calls() fails here."""
    swept = {endpoint for endpoint, _call in _posts(world)}
    routes = _post_routes(app)
    assert routes == swept, (
        f"POST routes the sweep does not know: {sorted(routes - swept)}; gone: {sorted(swept - routes)}"
    )
    assert set(EXEMPT) <= routes
    assert len(routes) >= 75


def test_every_post_needs_a_valid_token(app, world):
    signed_in: dict[str, object] = {}
    # A token that is valid, but for another session: it must not open any door either.
    foreign = csrf_token(app.test_client())
    problems = []
    for endpoint, call in _posts(world):
        if call.actor == "anonymous" or call.fresh:
            client = world.client(app, call.actor)
        else:
            if call.actor not in signed_in:
                signed_in[call.actor] = world.client(app, call.actor)
            client = signed_in[call.actor]
        before = fingerprint()
        if endpoint not in EXEMPT:
            for token in (None, foreign):
                response = _post(client, call, token)
                if not _is_csrf_refusal(response):
                    problems.append(
                        f"{endpoint} ({call.label or call.path}): {response.status_code} with token {token}"
                    )
            if fingerprint() != before:
                problems.append(f"{endpoint}: refused for its token, yet the database changed")
        response = _post(client, call, csrf_token(client))
        got = response.status_code
        if got != call.done or _is_csrf_refusal(response):
            problems.append(f"{endpoint} ({call.label or call.path}): {got} with a valid token, expected {call.done}")
    assert not problems, "\n".join(problems)


def test_the_one_click_unsubscribe_needs_no_token_but_a_genuine_link(app):
    """The exemption is RFC 8058's: the signed link does what the token would, and a forged one does nothing."""
    reader = make_subscriber("lettore@example.org")
    token = digest_services.subscriber_token(reader, "unsubscribe")
    client = app.test_client()
    before = fingerprint()
    assert client.post(url("digests.unsubscribe_now", token=token[:-2] + "xx"), headers=EN).status_code == 404
    assert fingerprint() == before
    assert client.post(url("digests.unsubscribe_now", token=token), headers=EN).status_code == 200
    db.session.expire_all()
    assert db.session.get(Subscriber, reader.id).frequency == "off"


def test_a_login_form_without_a_token_does_not_sign_in(app):
    """The login itself is protected: no session is planted by a page of another site."""
    member = make_member()
    client = app.test_client()
    response = client.post(
        url("accounts.login"), data={"email": member.email, "password": DEFAULT_PASSWORD}, headers=EN
    )
    assert _is_csrf_refusal(response)
    settings = client.get(url("accounts.settings"), headers=EN)
    assert settings.status_code == 302 and urlsplit(settings.headers["Location"]).path == url("accounts.login")
