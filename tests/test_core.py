"""The app factory, health check, error pages, languages and the development mailbox."""

from __future__ import annotations

import pytest
from sqlalchemy.exc import OperationalError

from club import create_app
from club.config import ProductionConfig
from tests.factories import make_member
from tests.helpers import login, url


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "database": "ok"}


def test_healthz_answers_503_when_the_database_is_unreachable(client, monkeypatch):
    from club.extensions import db

    def broken(*args, **kwargs):
        raise OperationalError("SELECT 1", {}, Exception("connection refused"))

    monkeypatch.setattr(db.session, "execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.get_json()["database"] == "unreachable"


@pytest.mark.parametrize("key", [None, "", "short", "change-me-" + "x" * 40, "dev-" + "y" * 40])
def test_production_refuses_to_start_without_a_real_secret_key(monkeypatch, tmp_path, key):
    config = type(
        "Prod", (ProductionConfig,), {"SECRET_KEY": key, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"}
    )
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app(config, instance_path=str(tmp_path))


def test_production_starts_with_a_real_secret_key(tmp_path):
    config = type(
        "Prod",
        (ProductionConfig,),
        {"SECRET_KEY": "k" * 16 + "9f2c1e7a3b5d4f60", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/x.db"},
    )
    app = create_app(config, instance_path=str(tmp_path))
    assert app.config["SESSION_COOKIE_SECURE"] is True


def test_error_pages_are_localised(client):
    italian = client.get("/no-such-page")
    assert italian.status_code == 404 and "Pagina non trovata" in italian.get_data(as_text=True)
    english = client.get("/no-such-page", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Page not found" in english.get_data(as_text=True)


def test_403_page(client):
    member = make_member()
    other = make_member()
    login(client, member)
    response = client.post(url("accounts.suspend", user_id=other.id), data={"reason": "nope"})
    assert response.status_code == 403
    assert "Accesso negato" in response.get_data(as_text=True)


def test_405_and_400_pages(client):
    assert client.get(url("accounts.logout")).status_code == 405
    response = client.post(url("core.set_language"), data={"language": "fr"})
    assert response.status_code == 400
    assert "Richiesta non valida" in response.get_data(as_text=True)


def test_500_page_hides_the_error(app):
    @app.get("/boom")
    def boom():
        raise ValueError("internal detail")

    response = app.test_client().get("/boom")
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "Qualcosa è andato storto" in page and "internal detail" not in page


def test_italian_is_the_default_and_english_is_one_click_away(client):
    assert 'lang="it"' in client.get("/").get_data(as_text=True)
    response = client.post(url("core.set_language"), data={"language": "en", "next": "/account/login"})
    assert response.status_code == 302 and response.headers["Location"] == "/account/login"
    page = client.get("/account/login").get_data(as_text=True)
    assert 'lang="en"' in page and "Sign in" in page
    # A hostile next is ignored.
    response = client.post(url("core.set_language"), data={"language": "it", "next": "https://evil.example/"})
    assert response.headers["Location"] == "/"


def test_accept_language_is_the_fallback(client):
    assert 'lang="en"' in client.get("/", headers={"Accept-Language": "en-US,en;q=0.8"}).get_data(as_text=True)
    assert 'lang="it"' in client.get("/", headers={"Accept-Language": "de-DE"}).get_data(as_text=True)


def test_the_members_language_is_remembered_in_the_profile(client, app):
    member = make_member(locale="en")
    login(client, member)
    assert 'lang="en"' in client.get("/").get_data(as_text=True)
    client.post(url("core.set_language"), data={"language": "it"})
    from club.extensions import db

    db.session.refresh(member)
    assert member.locale == "it"
    other_device = app.test_client()
    login(other_device, member)
    assert 'lang="it"' in other_device.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_dates_and_numbers_follow_the_locale(app):
    from datetime import UTC, datetime

    from flask_babel import force_locale

    moment = datetime(2026, 7, 1, 10, 30, tzinfo=UTC)  # 12:30 in Rome (summer time)
    with app.test_request_context():
        with force_locale("it"):
            italian = app.jinja_env.filters["datetime"](moment, "short")
            number_it = app.jinja_env.filters["number"](12345.5)
        with force_locale("en"):
            english = app.jinja_env.filters["datetime"](moment, "short")
            number_en = app.jinja_env.filters["number"](12345.5)
    assert "12:30" in italian and "01/07/26" in italian
    assert "12:30" in english and "7/1/26" in english
    assert number_it == "12.345,5" and number_en == "12,345.5"


def test_dev_mailbox_is_only_there_in_debug(client, app):
    assert client.get("/dev/mailbox").status_code == 404


def test_dev_mailbox_shows_sent_messages(tmp_path):
    from club.config import DevelopmentConfig

    config = type(
        "Dev",
        (DevelopmentConfig,),
        {"SECRET_KEY": "x" * 40, "MAIL_BACKEND": "mailbox", "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path}/dev.db"},
    )
    app = create_app(config, instance_path=str(tmp_path))
    with app.app_context():
        from club.core.mail import build_message, send_message

        with app.test_request_context():
            send_message(build_message("someone@example.com", "Prova", "Follow https://club.example/x?a=1&b=<2>"))
    client = app.test_client()
    listing = client.get("/dev/mailbox")
    assert listing.status_code == 200 and "Prova" in listing.get_data(as_text=True)
    name = listing.get_data(as_text=True).split("/dev/mailbox/")[1].split('"')[0]
    message = client.get(f"/dev/mailbox/{name}").get_data(as_text=True)
    assert "&lt;2&gt;" in message
    assert client.get("/dev/mailbox/../../etc/passwd").status_code == 404
    assert client.get("/dev/mailbox/nothing.eml").status_code == 404


def test_csv_cells_that_look_like_formulas_are_quoted_and_numbers_are_not():
    from club.core.csvexport import safe_cell

    assert safe_cell('=HYPERLINK("http://x")') == '\'=HYPERLINK("http://x")'
    assert [safe_cell(value) for value in ("+39 02", "-1", "@SUM(A1)", "\tx")] == [
        "'+39 02",
        "'-1",
        "'@SUM(A1)",
        "'\tx",
    ]
    assert [safe_cell(value) for value in (-3, 2.5, None, "Rossi")] == ["-3", "2.5", "", "Rossi"]
