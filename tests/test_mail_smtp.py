"""The SMTP transport against a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller

from club.core import mail


class _Collector:
    def __init__(self):
        self.envelopes = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's hook name
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    collector = _Collector()
    controller = Controller(collector, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        yield controller, collector
    finally:
        controller.stop()


def test_templated_mail_travels_over_smtp_and_parses_back(app, smtp_server):
    controller, collector = smtp_server
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port, MAIL_USE_TLS=False)
    app.extensions["club_mail"] = mail.SMTPTransport(app.config)

    class Person:
        display_name = "Giulia Neri"

    with app.test_request_context():
        sent = mail.send_template(
            "giulia@example.com",
            "verify_email",
            "Conferma il tuo indirizzo",
            "it",
            user=Person(),
            url="https://club.example/account/verify/abc",
            hours=48,
        )
    assert sent is True
    assert len(collector.envelopes) == 1
    envelope = collector.envelopes[0]
    assert envelope.rcpt_tos == ["giulia@example.com"]
    message = email.message_from_bytes(envelope.content, policy=email.policy.default)
    assert message["Subject"] == "Conferma il tuo indirizzo"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "https://club.example/account/verify/abc" in text and "Giulia Neri" in text
    assert 'href="https://club.example/account/verify/abc"' in html


def test_an_unreachable_smtp_server_is_logged_not_raised(app, caplog):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=_free_port(), MAIL_TIMEOUT=2)
    app.extensions["club_mail"] = mail.SMTPTransport(app.config)
    with app.test_request_context():
        assert mail.send_message(mail.build_message("x@example.com", "Hi", "Body")) is False
    assert "could not send mail" in caplog.text
