"""The test fixtures themselves: database, app, client, factories, helpers."""

from __future__ import annotations

import pytest
from flask import g
from sqlalchemy import func, select

from club.accounts.models import User
from club.core.models import Sector
from club.extensions import db
from club.members.models import Profile
from tests.factories import DEFAULT_PASSWORD, make_admin, make_member, make_organiser, make_sector
from tests.helpers import csrf_token, login, logout, url


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_app_uses_the_test_database(app, database_url, database_backend, tmp_path):
    assert app.testing
    assert db.engine.dialect.name == database_backend
    assert app.config["SQLALCHEMY_DATABASE_URI"] == database_url
    assert app.instance_path == str(tmp_path / "instance")
    assert app.config["WTF_CSRF_ENABLED"] is False
    assert app.config["RATELIMIT_ENABLED"] is False


# The two tests below run in this order: the second proves the first one's commit did not survive.
def test_tables_are_empty_at_the_start_1(app):
    assert _count(User) == 0
    make_member(email="leftover@example.com")
    make_sector("leftover")
    assert _count(User) == 1


def test_tables_are_empty_at_the_start_2(app):
    assert _count(User) == 0
    assert _count(Sector) == 0
    # Identities restart too (PostgreSQL: RESTART IDENTITY; SQLite reuses rowids of empty tables).
    assert make_sector("first").id == 1


def test_factories(app):
    member = make_member(
        sector="banking",
        function="contact-centre",
        competences=["analytics", "coaching"],
        organisation="Banca Esempio",
        job_title="Head of CX",
    )
    assert member.id is not None
    assert member.role == "member" and member.is_verified and member.is_active
    assert member.profile.sector.slug == "banking"
    assert member.profile.function.slug == "contact-centre"
    assert [c.slug for c in member.profile.competences] == ["analytics", "coaching"]
    assert member.profile.organisation == "Banca Esempio"
    assert member.profile.job_title == "Head of CX"

    # Existing slugs are reused, not duplicated.
    colleague = make_member(sector="banking")
    assert colleague.profile.sector_id == member.profile.sector_id
    assert _count(Sector) == 1

    assert make_member().profile is None
    assert make_member(profile=True).profile is not None
    assert make_organiser().is_organiser and not make_organiser().is_admin
    assert make_admin().is_admin
    assert not make_member(verified=False).is_verified
    assert not make_member(suspended=True).is_active
    assert _count(Profile) == 3


def test_factories_commit(app):
    make_member(email="Visible@Example.com")
    db.session.rollback()  # nothing pending: the factory committed
    assert db.session.scalar(select(User.email)) == "visible@example.com"


def test_count_queries(app, client, count_queries):
    make_member()
    with count_queries() as counter:
        db.session.scalars(select(User)).all()
        db.session.scalars(select(Sector)).all()
    assert counter.count == 2, counter
    with count_queries() as counter:
        client.get("/healthz")
    assert counter.count == 1, counter


def test_login_and_logout(app, client):
    member = make_member()
    login(client, member)
    with client.session_transaction() as session:
        assert session["_user_id"] == member.get_id()
    logout(client)
    with client.session_transaction() as session:
        assert "_user_id" not in session


def test_login_with_a_wrong_password_fails(app, client):
    member = make_member()
    with pytest.raises(AssertionError, match="login as .* failed with 400"):
        login(client, member, password=DEFAULT_PASSWORD + "!")


def test_requests_do_not_share_the_tests_context(app, client):
    # The login request sets Flask-Login's user in its own `g`, not in the test's.
    member = make_member()
    login(client, member)
    assert "_login_user" not in g
    other = app.test_client()
    with other.session_transaction() as session:
        assert "_user_id" not in session


def test_a_page_sees_what_the_test_wrote_and_the_test_sees_what_the_page_wrote(app, client):
    member = make_member(display_name="Before")
    member.display_name = "Pending in the test"  # not committed by the test: the client commits it
    login(client, member)
    assert db.session.get(User, member.id).display_name == "Pending in the test"
    # last_login_at was written by the login request, in its own session.
    assert member.last_login_at is not None


def test_mail_outbox_starts_empty(mail_outbox):
    assert mail_outbox == []


@pytest.mark.csrf
def test_csrf_marker(app, client):
    assert app.config["WTF_CSRF_ENABLED"] is True
    member = make_member()
    response = client.post(url("accounts.login"), data={"email": member.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 400
    login(client, member)  # the helper adds a valid token


def test_csrf_client(csrf_client):
    response = csrf_client.post(url("accounts.logout"))
    assert response.status_code == 400
    response = csrf_client.post(url("accounts.logout"), data={"csrf_token": csrf_token(csrf_client)})
    assert response.status_code == 302


@pytest.mark.ratelimit
@pytest.mark.config(LOGIN_RATE_LIMIT="2 per minute")
def test_ratelimit_marker(app, client):
    assert app.config["RATELIMIT_ENABLED"] is True
    data = {"email": "nobody@example.com", "password": "wrong wrong wrong"}
    statuses = [client.post(url("accounts.login"), data=data).status_code for _ in range(3)]
    assert statuses == [400, 400, 429]


def test_ratelimit_is_off_by_default(app, client):
    data = {"email": "nobody@example.com", "password": "wrong wrong wrong"}
    statuses = {client.post(url("accounts.login"), data=data).status_code for _ in range(15)}
    assert statuses == {400}
