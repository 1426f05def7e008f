"""Accounts through the HTTP client: sign-up, verification, login, reset, email and password changes."""

from __future__ import annotations

import re
import time

import pytest
from sqlalchemy import func, select

from club.accounts import tokens
from club.accounts.models import User
from club.extensions import db
from tests.factories import DEFAULT_PASSWORD, make_member, make_organiser
from tests.helpers import login, logout, url

NEW_PASSWORD = "the river flows past old mills"


def _link(message, path_part: str) -> str:
    """The site-relative path of the link in a message's plain-text part."""
    body = message.get_body(preferencelist=("plain",)).get_content()
    found = re.search(r"https?://[^/\s]+(\S*" + re.escape(path_part) + r"\S*)", body)
    assert found, f"no link with {path_part!r} in:\n{body}"
    return found.group(1)


def _signup(client, email="giulia@example.com", name="Giulia Neri", password=DEFAULT_PASSWORD, confirm=None):
    return client.post(
        url("accounts.signup"),
        data={
            "email": email,
            "display_name": name,
            "password": password,
            "password_confirm": password if confirm is None else confirm,
        },
    )


def _user_count() -> int:
    return db.session.scalar(select(func.count()).select_from(User))


# -- sign-up and verification ----------------------------------------------------------------------


def test_signup_sends_a_verification_link_that_verifies_once(client, mail_outbox):
    response = _signup(client, email="  Giulia@Example.com ")
    assert response.status_code == 200
    user = db.session.scalar(select(User).where(User.email == "giulia@example.com"))
    assert user is not None and not user.is_verified
    assert user.password_hash.startswith("$argon2id$")
    assert len(mail_outbox) == 1 and mail_outbox[0]["To"] == "giulia@example.com"
    link = _link(mail_outbox[0], "/account/verify/")

    # Opening the link changes nothing (mail scanners open links); the button does.
    assert client.get(link).status_code == 200
    db.session.refresh(user)
    assert not user.is_verified
    response = client.post(link)
    assert response.status_code == 302
    db.session.refresh(user)
    assert user.is_verified
    welcome = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Giulia Neri" in welcome and "flash--success" in welcome
    # Signed in by the verification; the link is now used up.
    assert client.get(url("accounts.settings")).status_code == 200
    again = client.post(link)
    assert again.status_code == 400
    assert "già stato usato" in again.get_data(as_text=True)


def test_verification_link_expires_after_48_hours(client, mail_outbox, monkeypatch):
    _signup(client)
    link = _link(mail_outbox[0], "/account/verify/")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 48 * 3600 + 60)
    response = client.post(link)
    assert response.status_code == 400
    assert "scaduto" in response.get_data(as_text=True)
    monkeypatch.setattr(time, "time", real_time)
    assert not db.session.scalar(select(User)).is_verified


def test_tampered_verification_link_is_refused(client, mail_outbox):
    _signup(client)
    link = _link(mail_outbox[0], "/account/verify/")
    response = client.post(link[:-3] + "abc")
    assert response.status_code == 400
    assert "non è valido" in response.get_data(as_text=True)
    assert client.get(url("accounts.verify_email", token="garbage")).status_code == 400


def test_signup_with_an_existing_address_answers_the_same_and_warns_the_owner(client, mail_outbox):
    make_member(email="taken@example.com")
    before = _user_count()
    response = _signup(client, email="TAKEN@example.com")
    assert response.status_code == 200
    assert "Controlla la tua casella" in response.get_data(as_text=True)
    assert _user_count() == before
    assert len(mail_outbox) == 1 and "/account/reset" in mail_outbox[0].get_body(("plain",)).get_content()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": ""}, "obbligatorio"),
        ({"email": "not-an-email"}, "indirizzo email valido"),
        ({"email": "a" * 250 + "@example.com"}, "254"),
        ({"display_name": ""}, "obbligatorio"),
        ({"display_name": "x" * 81}, "80"),
        ({"password": "short pass", "password_confirm": "short pass"}, "almeno 12"),
        ({"password": "p" * 129 + "Q1", "password_confirm": "p" * 129 + "Q1"}, "128"),
        ({"password": "Password2024!", "password_confirm": "Password2024!"}, "troppo comune"),
        ({"password_confirm": "something else entirely"}, "non coincidono"),
    ],
)
def test_signup_bad_input_is_refused_with_a_message(client, mail_outbox, fields, message):
    data = {
        "email": "ok@example.com",
        "display_name": "Ok Name",
        "password": DEFAULT_PASSWORD,
        "password_confirm": DEFAULT_PASSWORD,
        **fields,
    }
    response = client.post(url("accounts.signup"), data=data)
    assert response.status_code == 400
    assert message in response.get_data(as_text=True)
    assert _user_count() == 0
    assert mail_outbox == []


def test_resend_verification_answers_the_same_for_unknown_addresses(client, mail_outbox):
    make_member(email="waiting@example.com", verified=False)
    known = client.post(url("accounts.resend_verification"), data={"email": "waiting@example.com"})
    unknown = client.post(url("accounts.resend_verification"), data={"email": "nobody@example.com"})
    assert known.status_code == unknown.status_code == 200
    assert len(mail_outbox) == 1 and mail_outbox[0]["To"] == "waiting@example.com"


# -- login -----------------------------------------------------------------------------------------


def test_login_and_logout(client):
    member = make_member(email="mario@example.com")
    assert client.get(url("accounts.settings")).status_code == 302
    login(client, "MARIO@example.com")
    assert client.get(url("accounts.settings")).status_code == 200
    db.session.refresh(member)
    assert member.last_login_at is not None
    logout(client)
    assert client.get(url("accounts.settings")).status_code == 302


@pytest.mark.parametrize(
    ("email", "password"),
    [
        ("mario@example.com", "wrong password here"),
        ("nobody@example.com", DEFAULT_PASSWORD),
        ("", ""),
        ("not-an-email", DEFAULT_PASSWORD),
    ],
)
def test_login_refuses_wrong_credentials(client, email, password):
    make_member(email="mario@example.com")
    response = client.post(url("accounts.login"), data={"email": email, "password": password})
    assert response.status_code == 400
    assert client.get(url("accounts.settings")).status_code == 302


def test_unverified_member_cannot_login_and_is_offered_a_new_link(client):
    make_member(email="new@example.com", verified=False)
    response = client.post(url("accounts.login"), data={"email": "new@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert url("accounts.resend_verification") in response.get_data(as_text=True)


def test_remember_me_sets_a_lasting_httponly_cookie(client):
    make_member(email="mario@example.com")
    response = login(client, "mario@example.com", remember=True)
    cookies = response.headers.getlist("Set-Cookie")
    remember = [c for c in cookies if c.startswith("remember_token=")]
    assert remember and "HttpOnly" in remember[0] and "Expires=" in remember[0]
    without = client.application.test_client()
    response = login(without, "mario@example.com")
    assert not [c for c in response.headers.getlist("Set-Cookie") if c.startswith("remember_token=")]


def test_session_is_renewed_at_login(client):
    make_member(email="mario@example.com")
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    login(client, "mario@example.com")
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session.get("_user_id")


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/members/", "/members/"),
        ("https://evil.example/", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
    ],
)
def test_login_next_only_redirects_to_same_site_paths(client, target, expected):
    make_member(email="mario@example.com")
    response = login(client, "mario@example.com", next=target)
    assert response.headers["Location"] == expected


def test_suspended_member_cannot_login_and_sees_why(client):
    member = make_member(email="sus@example.com", suspended=True)
    member.suspension_reason = "Spam <script>alert(1)</script>"
    db.session.commit()
    response = client.post(url("accounts.login"), data={"email": "sus@example.com", "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    assert "sospeso" in response.get_data(as_text=True)
    assert "Spam &lt;script&gt;alert(1)&lt;/script&gt;" in response.get_data(as_text=True)


# -- password reset --------------------------------------------------------------------------------


def test_reset_answers_the_same_whether_or_not_the_address_exists(client, mail_outbox):
    make_member(email="mario@example.com")
    known = client.post(url("accounts.reset_request"), data={"email": "mario@example.com"})
    unknown = client.post(url("accounts.reset_request"), data={"email": "ghost@example.com"})
    assert known.status_code == unknown.status_code == 200
    strip = lambda r: r.get_data(as_text=True).replace("mario@example.com", "X").replace("ghost@example.com", "X")  # noqa: E731
    assert strip(known) == strip(unknown)
    assert [m["To"] for m in mail_outbox] == ["mario@example.com"]


def test_reset_link_sets_a_new_password_once(client, mail_outbox):
    member = make_member(email="mario@example.com")
    client.post(url("accounts.reset_request"), data={"email": "mario@example.com"})
    link = _link(mail_outbox[0], "/account/reset/")
    assert client.get(link).status_code == 200
    weak = client.post(link, data={"password": "qwertyuiop123", "password_confirm": "qwertyuiop123"})
    assert weak.status_code == 400
    response = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 302
    login(client, member, NEW_PASSWORD)
    reused = client.post(
        link, data={"password": "another long passphrase", "password_confirm": "another long passphrase"}
    )
    assert reused.status_code == 400
    assert "già stato usato" in reused.get_data(as_text=True)


def test_reset_link_expires(client, mail_outbox, monkeypatch):
    make_member(email="mario@example.com")
    client.post(url("accounts.reset_request"), data={"email": "mario@example.com"})
    link = _link(mail_outbox[0], "/account/reset/")
    real_time = time.time
    monkeypatch.setattr(time, "time", lambda: real_time() + 3 * 3600)
    response = client.post(link, data={"password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD})
    assert response.status_code == 400
    assert "scaduto" in response.get_data(as_text=True)


# -- password and email changes --------------------------------------------------------------------


def test_change_password_needs_the_current_one_and_ends_other_sessions(client, app, mail_outbox):
    member = make_member(email="mario@example.com")
    login(client, member)
    other_device = app.test_client()
    login(other_device, member, remember=True)

    wrong = client.post(
        url("accounts.change_password"),
        data={"current_password": "not my password at all", "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert wrong.status_code == 400
    assert "password attuale non è corretta" in wrong.get_data(as_text=True)

    response = client.post(
        url("accounts.change_password"),
        data={"current_password": DEFAULT_PASSWORD, "password": NEW_PASSWORD, "password_confirm": NEW_PASSWORD},
    )
    assert response.status_code == 302
    assert client.get(url("accounts.settings")).status_code == 200  # this session goes on
    assert other_device.get(url("accounts.settings")).status_code == 302  # the other one has ended
    assert mail_outbox[-1]["To"] == "mario@example.com"


@pytest.mark.parametrize(
    ("fields", "status"),
    [
        ({"new_email": "bad"}, 400),
        ({"new_email": ""}, 400),
        ({"current_password": ""}, 400),
        ({"current_password": "wrong password here"}, 400),
        ({"new_email": "mario@example.com"}, 400),
    ],
)
def test_change_email_bad_input(client, mail_outbox, fields, status):
    member = make_member(email="mario@example.com")
    login(client, member)
    data = {"new_email": "new@example.com", "current_password": DEFAULT_PASSWORD, **fields}
    assert client.post(url("accounts.change_email"), data=data).status_code == status
    assert mail_outbox == []


def test_change_email_is_confirmed_by_the_new_address_and_the_old_one_is_told(client, mail_outbox):
    member = make_member(email="mario@example.com")
    login(client, member)
    response = client.post(
        url("accounts.change_email"), data={"new_email": "Mario.New@example.com", "current_password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302
    assert [m["To"] for m in mail_outbox] == ["mario.new@example.com", "mario@example.com"]
    db.session.refresh(member)
    assert member.email == "mario@example.com"  # not before the confirmation
    link = _link(mail_outbox[0], "/account/email/confirm/")
    assert client.post(link).status_code == 302
    db.session.refresh(member)
    assert member.email == "mario.new@example.com"
    assert mail_outbox[-1]["To"] == "mario@example.com"  # told that it changed
    assert client.post(link).status_code == 400  # single use


def test_change_email_to_an_address_taken_meanwhile_is_refused(client, mail_outbox):
    member = make_member(email="mario@example.com")
    login(client, member)
    client.post(
        url("accounts.change_email"), data={"new_email": "new@example.com", "current_password": DEFAULT_PASSWORD}
    )
    link = _link(mail_outbox[0], "/account/email/confirm/")
    make_member(email="new@example.com")
    assert client.post(link).status_code == 409
    db.session.refresh(member)
    assert member.email == "mario@example.com"


# -- suspension ------------------------------------------------------------------------------------


def test_organiser_suspends_and_reactivates_a_member(client, app):
    organiser = make_organiser()
    member = make_member(email="target@example.com")
    member_client = app.test_client()
    login(member_client, member)
    login(client, organiser)

    assert client.post(url("accounts.suspend", user_id=member.id), data={"reason": ""}).status_code == 302
    db.session.refresh(member)
    assert member.suspended_at is None  # no reason, no suspension

    response = client.post(url("accounts.suspend", user_id=member.id), data={"reason": "Spam in the comments"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.suspended_at is not None
    assert member_client.get(url("accounts.settings")).status_code == 302  # signed out at once
    refused = member_client.post(
        url("accounts.login"), data={"email": "target@example.com", "password": DEFAULT_PASSWORD}
    )
    assert "Spam in the comments" in refused.get_data(as_text=True)

    assert client.post(url("accounts.suspend", user_id=member.id), data={"reason": "again"}).status_code == 409
    # Reactivating needs a reason too (for the audit log): without one, nothing changes.
    for reason in ("", "  ", "ok", "x" * 501):
        assert client.post(url("accounts.reactivate", user_id=member.id), data={"reason": reason}).status_code == 302
        db.session.refresh(member)
        assert member.suspended_at is not None, reason
    response = client.post(url("accounts.reactivate", user_id=member.id), data={"reason": "Apologised, spam removed"})
    assert response.status_code == 302
    db.session.refresh(member)
    assert member.suspended_at is None and member.suspension_reason is None
    assert client.post(url("accounts.reactivate", user_id=member.id), data={"reason": "Once more"}).status_code == 409
    login(member_client, member)


def test_members_cannot_suspend(client):
    member = make_member()
    other = make_member()
    login(client, member)
    assert client.post(url("accounts.suspend", user_id=other.id), data={"reason": "no"}).status_code == 403
    assert client.post(url("accounts.reactivate", user_id=other.id), data={"reason": "Because"}).status_code == 403
    db.session.refresh(other)
    assert other.suspended_at is None


def test_organiser_cannot_suspend_themselves_or_an_admin(client):
    from tests.factories import make_admin

    organiser = make_organiser()
    admin = make_admin()
    login(client, organiser)
    assert client.post(url("accounts.suspend", user_id=organiser.id), data={"reason": "test"}).status_code == 409
    assert client.post(url("accounts.suspend", user_id=admin.id), data={"reason": "test"}).status_code == 403
    assert client.post(url("accounts.suspend", user_id=99999), data={"reason": "test"}).status_code == 404


def test_tokens_are_bound_to_their_purpose(app):
    token = tokens.make_token("verify-email", {"u": 1})
    with pytest.raises(tokens.TokenInvalid):
        tokens.read_token("reset-password", token, 3600)
