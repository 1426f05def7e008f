"""Security baseline: CSRF, headers, cookies, body limit, redirects, Markdown, rate limits."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

from club.core.markdown import render_markdown
from club.core.urls import safe_next
from tests.factories import DEFAULT_PASSWORD, make_member
from tests.helpers import extract_csrf_token, login, url


@pytest.mark.csrf
@pytest.mark.parametrize(
    "endpoint",
    [
        "accounts.login",
        "accounts.signup",
        "accounts.reset_request",
        "accounts.resend_verification",
        "core.set_language",
    ],
)
def test_post_without_csrf_token_is_refused(client, endpoint):
    response = client.post(
        url(endpoint), data={"email": "a@example.com", "password": DEFAULT_PASSWORD, "language": "en"}
    )
    assert response.status_code == 400
    assert "Richiesta non valida" in response.get_data(as_text=True)


@pytest.mark.csrf
def test_post_with_the_page_token_works_and_a_forged_one_does_not(client):
    make_member(email="mario@example.com")
    page = client.get(url("accounts.login"))
    token = extract_csrf_token(page.data)
    forged = client.post(
        url("accounts.login"),
        data={"email": "mario@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token[:-4] + "AAAA"},
    )
    assert forged.status_code == 400
    response = client.post(
        url("accounts.login"), data={"email": "mario@example.com", "password": DEFAULT_PASSWORD, "csrf_token": token}
    )
    assert response.status_code == 302


@pytest.mark.csrf
def test_logged_in_forms_need_csrf(client):
    member = make_member()
    login(client, member)
    assert client.post(url("accounts.logout")).status_code == 400
    assert client.post(url("members.save_profile"), data={"display_name": "Hacked"}).status_code == 400
    assert client.post(url("members.delete_account"), data={"delete-password": DEFAULT_PASSWORD}).status_code == 400
    assert client.get(url("accounts.settings")).status_code == 200  # still signed in


def test_security_headers_on_every_response(client):
    for path in ["/", "/account/login", "/does-not-exist", "/healthz"]:
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
        assert "'unsafe-inline'" not in script_src
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"]
        assert "Strict-Transport-Security" not in headers


def test_hsts_only_over_https(client):
    response = client.get("/", base_url="https://club.example")
    assert "max-age=" in response.headers["Strict-Transport-Security"]


def test_session_cookies_are_httponly_and_lax(client):
    make_member(email="mario@example.com")
    response = login(client, "mario@example.com", remember=True)
    for cookie in response.headers.getlist("Set-Cookie"):
        if cookie.startswith(("session=", "remember_token=")):
            assert "HttpOnly" in cookie
            assert "SameSite=Lax" in cookie


def test_production_cookies_are_secure(monkeypatch):
    from club.config import ProductionConfig

    assert ProductionConfig.SESSION_COOKIE_SECURE and ProductionConfig.REMEMBER_COOKIE_SECURE


@pytest.mark.config(MAX_CONTENT_LENGTH=1024)
def test_request_body_limit_answers_413_with_a_page(client):
    response = client.post(url("accounts.login"), data={"email": "x" * 5000})
    assert response.status_code == 413
    assert "File troppo grande" in response.get_data(as_text=True)


@pytest.mark.ratelimit
@pytest.mark.config(LOGIN_RATE_LIMIT="3 per minute")
def test_login_is_rate_limited(client):
    for _ in range(3):
        assert (
            client.post(
                url("accounts.login"), data={"email": "a@example.com", "password": "wrong password x"}
            ).status_code
            == 400
        )
    response = client.post(url("accounts.login"), data={"email": "a@example.com", "password": "wrong password x"})
    assert response.status_code == 429
    assert "Troppi tentativi" in response.get_data(as_text=True)
    assert client.get(url("accounts.login")).status_code == 200  # reading the page is not limited


@pytest.mark.ratelimit
@pytest.mark.config(RESET_RATE_LIMIT="2 per minute")
def test_reset_is_rate_limited(client, mail_outbox):
    make_member(email="mario@example.com")
    for _ in range(2):
        assert client.post(url("accounts.reset_request"), data={"email": "mario@example.com"}).status_code == 200
    assert client.post(url("accounts.reset_request"), data={"email": "mario@example.com"}).status_code == 429
    assert len(mail_outbox) == 2


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        ("/members/?q=a", "/members/?q=a"),
        ("/", "/"),
        (None, "/home"),
        ("", "/home"),
        ("https://evil.example", "/home"),
        ("//evil.example", "/home"),
        ("/\\evil.example", "/home"),
        ("/\tevil", "/home"),
        ("http:/evil", "/home"),
        ("members", "/home"),
    ],
)
def test_safe_next(target, expected):
    assert safe_next(target, "/home") == expected


class _TagCollector(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags: list[tuple[str, dict]] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))


@pytest.mark.parametrize(
    "source",
    [
        "<script>alert(1)</script>",
        "[x](javascript:alert(1))",
        "<img src=x onerror=alert(1)>",
        '<a href="#" onclick="x()">a</a>',
        "![i](http://evil.example/pixel.png)",
        "<iframe src=//evil></iframe>",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<p style="position:fixed">x</p>',
        "[a](vbscript:msgbox)",
    ],
)
def test_markdown_is_sanitised(source):
    collector = _TagCollector()
    collector.feed(str(render_markdown(source)))
    for tag, attrs in collector.tags:
        assert tag not in {"script", "img", "iframe", "style", "object"}
        assert not [name for name in attrs if name.startswith("on") or name == "style"]
        assert not (attrs.get("href") or "").lower().startswith(("javascript:", "data:", "vbscript:"))


def test_markdown_keeps_formatting_and_marks_links():
    html = str(render_markdown("# Title\n\n**bold** and [link](https://example.com)\n\n- one\n- two"))
    assert "<strong>bold</strong>" in html and "<li>one</li>" in html
    assert 'href="https://example.com"' in html and 'rel="nofollow noopener noreferrer ugc"' in html
    assert "<h1>" not in html and "<h3>Title</h3>" in html


def test_no_database_write_is_possible_on_get(app):
    from club.accounts.models import User
    from club.extensions import db

    @app.get("/test-write-on-get")
    def _write_on_get():
        db.session.add(User(email="x@example.com", display_name="X", password_hash="!"))
        db.session.flush()
        return "wrote"

    response = app.test_client().get("/test-write-on-get")
    assert response.status_code == 500
    assert db.session.scalar(db.select(User).where(User.email == "x@example.com")) is None
