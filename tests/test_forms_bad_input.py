"""Bad input for the forms not covered elsewhere, and CSRF on every POST route of the site."""

from __future__ import annotations

import io
import time

import pytest

from club.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_member
from tests.helpers import login, url

LONG_PASSWORD = "p" * 129


# RFC 8058 one-click unsubscribe: mail clients POST without a session or a token; the signed token in
# the URL is the proof (tests/test_digests_rendering.py checks it with CSRF on).
CSRF_EXEMPT = {"digests.unsubscribe_now"}


@pytest.mark.csrf
def test_every_post_route_refuses_a_missing_csrf_token(client, app):
    member = make_member()
    login(client, member)  # the helper adds the token
    posts = [rule for rule in app.url_map.iter_rules() if "POST" in rule.methods and rule.endpoint not in CSRF_EXEMPT]
    assert len(posts) >= 15
    for rule in posts:
        values = {name: 1 for name in rule.arguments}
        if "token" in rule.arguments:
            values["token"] = "x"
        with app.test_request_context():
            from flask import url_for

            path = url_for(rule.endpoint, **values)
        response = client.post(path, data={"email": "a@example.com"})
        assert response.status_code == 400, f"{rule.endpoint} accepted a POST without a CSRF token"


@pytest.mark.parametrize(
    "data",
    [
        {},
        {"email": "mario@example.com"},
        {"password": DEFAULT_PASSWORD},
        {"email": "mario@example.com", "password": LONG_PASSWORD},
        {"email": "x" * 300, "password": DEFAULT_PASSWORD},
    ],
)
def test_login_bad_input(client, data):
    make_member(email="mario@example.com")
    assert client.post(url("accounts.login"), data=data).status_code == 400


@pytest.mark.parametrize("endpoint", ["accounts.reset_request", "accounts.resend_verification"])
@pytest.mark.parametrize("email", ["", "no-at-sign", "a@" + "b" * 260 + ".example"])
def test_email_only_forms_bad_input(client, mail_outbox, endpoint, email):
    response = client.post(url(endpoint), data={"email": email})
    assert response.status_code == 400
    assert mail_outbox == []


@pytest.mark.parametrize(
    "fields",
    [
        {"current_password": ""},
        {"password": ""},
        {"password_confirm": "does not match at all"},
        {"password": LONG_PASSWORD, "password_confirm": LONG_PASSWORD},
        {"password": "short", "password_confirm": "short"},
        {"current_password": LONG_PASSWORD},
    ],
)
def test_change_password_bad_input_keeps_the_old_password(client, fields):
    member = make_member()
    login(client, member)
    before = member.password_hash
    data = {
        "current_password": DEFAULT_PASSWORD,
        "password": "a brand new passphrase",
        "password_confirm": "a brand new passphrase",
        **fields,
    }
    assert client.post(url("accounts.change_password"), data=data).status_code == 400
    db.session.refresh(member)
    assert member.password_hash == before


def test_reset_form_bad_input(client, mail_outbox):
    make_member(email="mario@example.com")
    client.post(url("accounts.reset_request"), data={"email": "mario@example.com"})
    body = mail_outbox[0].get_body(("plain",)).get_content()
    link = "/account/reset/" + body.split("/account/reset/")[1].split()[0]
    for data in (
        {},
        {"password": "a fine long passphrase"},
        {"password": LONG_PASSWORD, "password_confirm": LONG_PASSWORD},
        {"password": "a fine long passphrase", "password_confirm": "another one"},
    ):
        assert client.post(link, data=data).status_code == 400
    # The link still works after the refusals.
    assert (
        client.post(
            link, data={"password": "a fine long passphrase", "password_confirm": "a fine long passphrase"}
        ).status_code
        == 302
    )


def test_email_change_link_expires(client, mail_outbox, monkeypatch):
    member = make_member(email="mario@example.com")
    login(client, member)
    client.post(
        url("accounts.change_email"), data={"new_email": "new@example.com", "current_password": DEFAULT_PASSWORD}
    )
    body = mail_outbox[0].get_body(("plain",)).get_content()
    link = "/account/email/confirm/" + body.split("/account/email/confirm/")[1].split()[0]
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 49 * 3600)
    assert client.post(link).status_code == 400
    assert client.get(link).status_code == 400
    db.session.refresh(member)
    assert member.email == "mario@example.com"


def test_avatar_form_without_a_file(client):
    login(client, make_member())
    response = client.post(url("members.upload_avatar"), data={}, content_type="multipart/form-data")
    assert response.status_code == 400
    response = client.post(
        url("members.upload_avatar"), data={"avatar": (io.BytesIO(b""), "")}, content_type="multipart/form-data"
    )
    assert response.status_code == 400


@pytest.mark.parametrize("reason", ["", "ab", "x" * 501])
def test_suspend_reason_bad_input(client, reason):
    from tests.factories import make_organiser

    target = make_member()
    login(client, make_organiser())
    client.post(url("accounts.suspend", user_id=target.id), data={"reason": reason})
    db.session.refresh(target)
    assert target.suspended_at is None


@pytest.mark.parametrize("password", ["", LONG_PASSWORD])
def test_data_forms_bad_input(client, password):
    member = make_member()
    login(client, member)
    assert client.post(url("members.export_data"), data={"export-password": password}).status_code == 400
    assert client.post(url("members.delete_account"), data={"delete-password": password}).status_code == 400
    db.session.refresh(member)
    assert member.deleted_at is None


@pytest.mark.parametrize("language", ["", "fr", "x" * 50])
def test_language_switch_bad_input(client, language):
    assert client.post(url("core.set_language"), data={"language": language}).status_code == 400
