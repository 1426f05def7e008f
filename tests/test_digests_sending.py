"""Digests over SMTP (aiosmtpd on loopback): temporary failures retried, permanent ones counted against
the address until its digests pause, and the organiser's send log that shows all of it."""

from __future__ import annotations

import html
import re
from datetime import timedelta

import pytest

from club.core import outbox
from club.core.timeutil import utcnow
from club.digests import services
from club.extensions import db
from tests.case_factories import make_case
from tests.digest_factories import (
    cycle,
    make_author,
    make_due_now,
    make_subscriber,
    member_subscriber,
    outbox_rows,
    reload_subscriber,
    runs,
    smtp_for,
)
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

DAY = timedelta(days=1)
EN = {"Accept-Language": "en"}
BOUNCE = "550 5.1.1 <gone@example.org>: Recipient address rejected"


@pytest.fixture
def smtp(app):
    with smtp_for(app) as server:
        yield server


def _daily_digests(moments) -> None:
    """For each moment: a new case just before it, the daily cycle, and a drain."""
    author = make_author()
    for number, moment in enumerate(moments):
        make_case(author, title=f"Case of day {number}", published_at=moment - timedelta(hours=1))
        cycle("daily", moment)
        outbox.drain()


def _log_rows(response) -> list[list[str]]:
    """The send log's table rows as lists of cell texts."""
    page = response.get_data(as_text=True)
    table = page[page.index("Send log") :]
    rows = []
    for row in re.findall(r"<tr>(.*?)</tr>", table, re.S):
        cells = [
            html.unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r"<td>(.*?)</td>", row, re.S)
        ]
        if cells:
            rows.append(cells)
    return rows


def test_digests_go_out_over_one_connection(app, smtp):
    for number in range(4):
        make_subscriber(f"r{number}@example.org", locale="en")
    make_case(make_author(), title="A new case")
    assert cycle("weekly").queued == 4
    report = outbox.drain()
    assert report.sent == 4
    assert smtp.connections == 1
    assert smtp.count_by_recipient() == {f"r{number}@example.org": 1 for number in range(4)}
    message = smtp.messages_to("r0@example.org")[0]
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message.get_content_type() == "multipart/alternative"


def test_a_temporary_failure_delays_a_digest_which_then_arrives_once(app, smtp):
    make_subscriber("busy@example.org", locale="en")
    make_subscriber("fine@example.org", locale="en")
    make_case(make_author(), title="A new case")
    smtp.answer("busy@example.org", "451 4.2.1 Mailbox busy")
    cycle("weekly")
    outbox.drain()
    (row,) = outbox_rows("digest", "busy@example.org")
    assert (row.status, row.attempts) == ("pending", 1)
    assert row.next_attempt_at > utcnow() + timedelta(seconds=50)

    smtp.answer("busy@example.org", None)
    outbox.drain()
    assert smtp.count_by_recipient() == {"fine@example.org": 1}  # not due yet
    make_due_now()
    outbox.drain()
    assert smtp.count_by_recipient() == {"fine@example.org": 1, "busy@example.org": 1}
    assert {row.status for row in outbox_rows("digest")} == {"sent"}


def test_three_permanent_failures_pause_the_address(app, smtp):
    gone = make_subscriber("gone@example.org", frequency="daily", locale="en")
    fine = make_subscriber("fine@example.org", frequency="daily", locale="en")
    smtp.answer("gone@example.org", BOUNCE)
    now = utcnow()
    assert app.config["DIGEST_BOUNCE_LIMIT"] == 3

    _daily_digests([now - 3 * DAY, now - 2 * DAY])
    gone = reload_subscriber(gone)
    assert gone.bounce_count == 2 and gone.last_bounce_at is not None
    assert not services.is_bouncing(gone)

    _daily_digests([now - DAY])
    assert reload_subscriber(gone).bounce_count == 3
    assert services.is_bouncing(reload_subscriber(gone))
    assert [row.status for row in outbox_rows("digest", "gone@example.org")] == ["failed"] * 3
    assert all(row.attempts == 1 and "550" in row.last_error for row in outbox_rows("digest", "gone@example.org"))

    # The fourth day: no digest is even written for the paused address; the others go on.
    _daily_digests([now])
    assert len(runs(gone)) == 3
    assert len(runs(fine)) == 4
    assert smtp.count_by_recipient() == {"fine@example.org": 4}
    assert [address for address, _reply in smtp.refusals] == ["gone@example.org"] * 3
    assert reload_subscriber(gone).bounce_count == 3  # no fourth attempt, no fourth bounce


def test_a_bounce_of_another_address_counts_for_nobody(app, smtp):
    subscriber = make_subscriber("fine@example.org")
    outbox.enqueue("other:1", "other", "stranger@example.org", "S", "T")
    db.session.commit()
    smtp.answer("stranger@example.org", "550 5.1.1 No such user")
    outbox.drain()
    assert reload_subscriber(subscriber).bounce_count == 0


def test_a_paused_member_is_told_and_saving_the_settings_again_resumes_the_digest(app, client, smtp):
    member = make_member()
    subscriber = member_subscriber(member, "weekly", "en")
    subscriber.bounce_count = 3
    db.session.commit()
    login(client, member)
    page = client.get(url("digests.settings"), headers=EN)
    assert "the digest is paused" in page.text

    assert client.post(url("digests.settings"), data={"frequency": "weekly", "locale": "en"}).status_code == 302
    assert reload_subscriber(subscriber).bounce_count == 0
    make_case(make_author(), title="A new case")
    assert cycle("weekly").queued == 1


# -- the organiser's view --------------------------------------------------------------------------


def test_the_subscriber_page_shows_the_send_log(app, client, smtp):
    subscriber = make_subscriber("flaky@example.org", frequency="daily", locale="en")
    now = utcnow()
    author = make_author()

    make_case(author, title="Case one", published_at=now - 3 * DAY - timedelta(hours=1))
    cycle("daily", now - 3 * DAY)
    outbox.drain()  # sent
    cycle("daily", now - 2 * DAY)  # nothing new: skipped
    make_case(author, title="Case two", published_at=now - DAY - timedelta(hours=1))
    smtp.answer("flaky@example.org", "451 4.3.2 Try again later")
    cycle("daily", now - DAY)
    outbox.drain()  # waiting for a retry
    make_case(author, title="Case three", published_at=now - timedelta(hours=1))
    smtp.answer("flaky@example.org", "550 5.7.1 Message refused")
    cycle("daily", now)
    outbox.drain()  # the retry is not due yet; the new one bounces

    login(client, make_organiser())
    response = client.get(url("digests.subscriber_log", subscriber_id=subscriber.id), headers=EN)
    assert response.status_code == 200
    rows = _log_rows(response)
    keys = [run.period_key for run in reversed(runs(subscriber))]
    assert [row[0] for row in rows] == [f"Every day · {key}" for key in keys]
    newest, waiting, skipped, sent = rows
    assert newest[1:3] == ["failed", "1"] and "550" in newest[4] and "5.7.1 Message refused" in newest[4]
    assert waiting[1:3] == ["waiting", "1"] and "451" in waiting[4] and "4.3.2 Try again later" in waiting[4]
    assert skipped[1] == "skipped: nothing new" and skipped[2:] == ["", "", ""]
    assert sent[1:3] == ["sent", "0"] and sent[3] != "" and sent[4] == ""
