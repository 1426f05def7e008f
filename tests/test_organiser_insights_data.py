"""Acceptance: "the matrix is right on crafted data".

Members with known sectors and functions act on cases with known sectors and functions, through the
site itself: they open the case pages (views are recorded after the response, club/core/deferred.py),
mark cases useful, comment, and vote (ballots carry the voter's sector and function at cast). Every
cell of the sector matrix and of the function matrix is then checked, in services.sharing and on the
rendered page, with the within / across / unknown totals, the monthly crossing shares, the activity
filter, silent members and the digest's reach. The last part tests the deferred writes themselves.

The crafted club (B = Banks, T = Telecoms; MKT = Marketing, IT; "-" = not stated):

    members                        cases
    ada  B  MKT                    case1  B  [MKT]       by author1 (B MKT)
    bea  T  IT                     case2  T  [MKT, IT]   by author2 (T IT)
    cid  B  IT                     case3  -  []          by author3 (-)
    nun  -  -   (no profile)

    views    ada->case1, ada->case2, bea->case1, bea->case3, nun->case2
             (left out: author1->case1, its author; an anonymous visitor->case1)
    useful   cid->case2, bea->case2
    comments ada->case2 (left out: author2->case2, its author; bea->case1, hidden)
    votes    cid ranks case1 first, bea ranks case1 first
"""

from __future__ import annotations

import re
import time
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from sqlalchemy import event, func, select, update

from club.accounts.models import User
from club.awards.models import Ballot, VoteOrigin
from club.cases.models import CaseView, Comment, UsefulMark
from club.core import deferred
from club.core.models import OutboxMessage
from club.core.timeutil import utcnow
from club.digests.models import DigestRun
from club.events.models import Feedback, Registration
from club.extensions import db
from club.organiser import services
from tests.award_factories import make_category, make_edition, make_finalists, vote
from tests.case_factories import make_case, make_comment
from tests.digest_factories import make_subscriber
from tests.event_factories import compiled_templates_once, make_session, make_week  # noqa: F401
from tests.factories import make_function, make_member, make_organiser, make_sector
from tests.helpers import login, url
from tests.organiser_factories import (
    EN,
    console_client,
    console_login,
    hide,
    make_old_member,
    member_ids_listed,
    table_rows,
)


def _get(client, path: str) -> str:
    response = client.get(path, headers=EN)
    assert response.status_code == 200, (path, response.status_code)
    return response.get_data(as_text=True)


def _month_moment(month: str) -> datetime:
    """The 15th of a "YYYY-MM" month at noon UTC (the current month: now)."""
    year, number = (int(part) for part in month.split("-"))
    moment = datetime(year, number, 15, 12, tzinfo=UTC)
    return min(moment, utcnow())


# == the crafted club ===============================================================================


@pytest.fixture
def club(app):
    banks = make_sector("banks", "Banche", "Banks")
    telco = make_sector("telco", "Telco", "Telecoms")
    mkt = make_function("marketing", "Marketing", "Marketing")
    it = make_function("it", "Informatica", "IT")
    people = SimpleNamespace(
        ada=make_member(display_name="Ada", sector=banks, function=mkt),
        bea=make_member(display_name="Bea", sector=telco, function=it),
        cid=make_member(display_name="Cid", sector=banks, function=it),
        nun=make_member(display_name="Nun"),
        author1=make_member(display_name="Autore Uno", sector=banks, function=mkt),
        author2=make_member(display_name="Autrice Due", sector=telco, function=it),
        author3=make_member(display_name="Autore Tre"),
    )
    case1 = make_case(people.author1, title="Caso uno", sector=banks, functions=[mkt])
    case2 = make_case(people.author2, title="Caso due", sector=telco, functions=[mkt, it])
    case3 = make_case(people.author3, title="Caso tre")
    organiser = make_organiser(display_name="Olivia", locale="en")
    return SimpleNamespace(
        app=app, banks=banks, telco=telco, mkt=mkt, it=it, people=people, case1=case1, case2=case2, case3=case3,
        organiser=organiser,
    )  # fmt: skip


def _act(club) -> None:
    """The activity of the module's docstring, through the site."""
    app, people = club.app, club.people
    clients = {
        name: console_client(app, getattr(people, name)) for name in ("ada", "bea", "cid", "nun", "author1", "author2")
    }  # noqa: E501

    def view(name, case):
        client = clients[name] if name else app.test_client()
        assert client.get(url("cases.detail", case_id=case.id)).status_code == 200

    view("ada", club.case1)
    view("ada", club.case2)
    view("bea", club.case1)
    view("bea", club.case3)
    view("nun", club.case2)
    view("author1", club.case1)  # its author: left out
    view(None, club.case1)  # anonymous: left out

    for name in ("cid", "bea"):
        response = clients[name].post(url("cases.useful", case_id=club.case2.id), data={"on": "1"})
        assert response.status_code == 302

    def comment(name, case, body):
        response = clients[name].post(url("cases.add_comment", case_id=case.id), data={"body": body})
        assert response.status_code == 302

    comment("ada", club.case2, "Un commento che attraversa i silos")
    comment("author2", club.case2, "L'autrice risponde")  # its author: left out
    comment("bea", club.case1, "Un commento poi nascosto")
    hidden = db.session.scalar(select(Comment).where(Comment.body == "Un commento poi nascosto"))
    hide(hidden, club.organiser)

    edition = make_edition("voting", title="Premio in votazione")
    category = make_category(edition, "Categoria votata")
    make_finalists(category, club.case1, club.case2)
    vote(category, people.cid, club.case1, club.case2)
    vote(category, people.bea, club.case1)


SECTOR_CELLS = {
    ("banks", "banks"): 2,  # ada views case1, cid votes case1
    ("banks", "telco"): 3,  # ada views case2, cid marks case2 useful, ada comments case2
    ("telco", "banks"): 2,  # bea views case1, bea votes case1
    ("telco", "telco"): 1,  # bea marks case2 useful
    ("telco", None): 1,  # bea views case3
    (None, "telco"): 1,  # nun views case2
}
FUNCTION_CELLS = {  # an act counts under each of the case's functions
    ("marketing", "marketing"): 3,  # ada views case1 and case2, ada comments case2
    ("marketing", "it"): 2,  # ada views case2, ada comments case2
    ("it", "marketing"): 5,  # bea views case1, cid and bea mark case2, cid and bea vote case1
    ("it", "it"): 2,  # cid and bea mark case2
    ("it", None): 1,  # bea views case3 (no function)
    (None, "marketing"): 1,  # nun views case2
    (None, "it"): 1,
}


def _keyed(club, cells: dict) -> dict:
    ids = {"banks": club.banks.id, "telco": club.telco.id, "marketing": club.mkt.id, "it": club.it.id, None: None}
    return {(ids[row], ids[column]): value for (row, column), value in cells.items()}


def _matrix_from_page(html: str) -> tuple[list[str], dict[tuple[str, str], int]]:
    """The rendered matrix: its column labels and {(row label, column label): count}."""
    start = html.index('class="table matrix-table"')
    table = html[start : html.index("</table>", start)]
    header = table_rows(table, section="thead")[0]
    columns = header[1:-1]  # the corner cell and the "Total" column aside
    cells = {}
    for row in table_rows(table, section="tbody"):
        label, values = row[0], row[1:-1]
        for column, value in zip(columns, values, strict=True):
            if value:
                cells[(label, column)] = int(value)
    return columns, cells


def _share_table(html: str) -> list[list[str]]:
    start = html.index('id="share-heading"')
    return table_rows(html[start:], section="tbody")


def _reach_table(html: str) -> list[list[str]]:
    start = html.index('id="reach-heading"')
    return table_rows(html[start:], section="tbody")


def _task_figure(html: str, label: str) -> str:
    found = re.search(r'task__count">([^<]*)</span>\s*<span class="task__label">' + re.escape(label) + "<", html)
    assert found, label
    return found.group(1)


# == the matrix =====================================================================================


def test_the_activity_was_recorded(club):
    _act(club)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(CaseView)) == 7
    assert db.session.scalar(select(func.count()).select_from(CaseView).where(CaseView.viewer_id.is_(None))) == 1
    assert db.session.scalar(select(func.count()).select_from(UsefulMark)) == 2
    origins = db.session.scalars(select(VoteOrigin)).all()
    assert sorted((o.first_choice_id, o.voter_sector_id, o.voter_function_id) for o in origins) == sorted(
        [(club.case1.id, club.banks.id, club.it.id), (club.case1.id, club.telco.id, club.it.id)]
    )
    # The origins cannot be joined to the ballots: they share no key.
    ballot_keys = set(db.session.scalars(select(Ballot.voter_key)))
    assert ballot_keys and not ballot_keys & {origin.origin_key for origin in origins}


def test_the_sector_matrix_cell_by_cell(club):
    _act(club)
    months = services.recent_months(12)
    result = services.sharing(months, "sector", services.ACTIVITIES, unknown_label="Not stated")
    assert result.matrix.counts == _keyed(club, SECTOR_CELLS)
    assert [axis.key for axis in result.matrix.rows] == [club.banks.id, club.telco.id, None]
    assert (result.matrix.within, result.matrix.across, result.matrix.unknown) == (3, 5, 2)
    assert result.totals == {"view": 5, "useful": 2, "comment": 1, "vote": 2}
    assert (result.shares[-1].within, result.shares[-1].across, result.shares[-1].unknown) == (3, 5, 2)
    assert all(share.total == 0 for share in result.shares[:-1])
    assert result.overall_share == pytest.approx(5 / 8)

    html = _get(console_client(club.app, club.organiser), url("organiser.insights"))
    columns, cells = _matrix_from_page(html)
    assert columns == ["Banks", "Telecoms", "Not stated"]
    labels = {"banks": "Banks", "telco": "Telecoms", None: "Not stated"}
    assert cells == {(labels[row], labels[column]): value for (row, column), value in SECTOR_CELLS.items()}
    assert "Within a silo: 3 · across silos: 5 · silo not stated: 2" in html
    assert _task_figure(html, "Reads") == "5"
    assert _task_figure(html, "Useful marks") == "2"
    assert _task_figure(html, "Comments") == "1"
    assert _task_figure(html, "Votes (first choice)") == "2"
    assert _task_figure(html, "of the activity crossed silos in the period") == "62%"
    # The row and column totals.
    start = html.index('class="table matrix-table"')
    table = html[start : html.index("</table>", start)]
    body = {row[0]: row[-1] for row in table_rows(table, section="tbody")}
    assert body == {"Banks": "5", "Telecoms": "4", "Not stated": "1"}
    assert table_rows(table, section="tfoot")[0][1:] == ["4", "5", "1", "10"]


def test_the_function_matrix_cell_by_cell(club):
    _act(club)
    months = services.recent_months(12)
    result = services.sharing(months, "function", services.ACTIVITIES, unknown_label="Not stated")
    assert result.matrix.counts == _keyed(club, FUNCTION_CELLS)
    assert (result.matrix.within, result.matrix.across, result.matrix.unknown) == (5, 7, 3)
    # The monthly share counts each act once: crossing when the actor's function is none of the case's.
    assert (result.shares[-1].within, result.shares[-1].across, result.shares[-1].unknown) == (5, 3, 2)
    assert result.totals == {"view": 5, "useful": 2, "comment": 1, "vote": 2}

    html = _get(console_client(club.app, club.organiser), url("organiser.insights", dimension="function"))
    columns, cells = _matrix_from_page(html)
    assert columns == ["IT", "Marketing", "Not stated"]
    labels = {"marketing": "Marketing", "it": "IT", None: "Not stated"}
    assert cells == {(labels[row], labels[column]): value for (row, column), value in FUNCTION_CELLS.items()}
    assert "Within a silo: 5 · across silos: 7 · silo not stated: 3" in html
    assert "A case with several functions counts under each of them." in html


@pytest.mark.parametrize(
    ("activity", "cells"),
    [
        (
            "view",
            {
                ("banks", "banks"): 1,
                ("banks", "telco"): 1,
                ("telco", "banks"): 1,
                ("telco", None): 1,
                (None, "telco"): 1,
            },
        ),  # noqa: E501
        ("useful", {("banks", "telco"): 1, ("telco", "telco"): 1}),
        ("comment", {("banks", "telco"): 1}),
        ("vote", {("banks", "banks"): 1, ("telco", "banks"): 1}),
    ],
)
def test_the_activity_filter(club, activity, cells):
    _act(club)
    months = services.recent_months(12)
    result = services.sharing(months, "sector", (activity,), unknown_label="Not stated")
    assert result.matrix.counts == _keyed(club, cells)
    assert result.totals == {key: (sum(cells.values()) if key == activity else 0) for key in services.ACTIVITIES}
    html = _get(console_client(club.app, club.organiser), url("organiser.insights", activity=activity))
    _columns, page_cells = _matrix_from_page(html)
    labels = {"banks": "Banks", "telco": "Telecoms", None: "Not stated"}
    assert page_cells == {(labels[row], labels[column]): value for (row, column), value in cells.items()}


def test_authors_and_hidden_comments_are_left_out(club):
    _act(club)
    months = services.recent_months(12)
    comments = services.sharing(months, "sector", ("comment",), unknown_label="?")
    # Three comments were written; the author's own and the hidden one do not count.
    assert db.session.scalar(select(func.count()).select_from(Comment)) == 3
    assert comments.matrix.total == 1
    views = services.sharing(months, "sector", ("view",), unknown_label="?")
    assert views.matrix.total == 5  # of 7 views: the author's own and the anonymous one are out
    # Unhiding the comment brings it in (telco member on a banks case).
    db.session.execute(update(Comment).where(Comment.hidden_at.is_not(None)).values(hidden_at=None))
    db.session.commit()
    comments = services.sharing(months, "sector", ("comment",), unknown_label="?")
    assert comments.matrix.counts == {(club.banks.id, club.telco.id): 1, (club.telco.id, club.banks.id): 1}


def test_monthly_shares_and_the_period(club):
    _act(club)
    months = services.recent_months(12)
    ada = club.people.ada
    # ada's view of case2 (banks -> telco, across) two months ago; cid's vote (banks -> banks,
    # within) last month; one more view (telco -> banks, across) fourteen months ago.
    db.session.execute(
        update(CaseView)
        .where(CaseView.viewer_id == ada.id, CaseView.case_id == club.case2.id)
        .values(viewed_at=_month_moment(months[-3]))
    )
    db.session.execute(
        update(VoteOrigin)
        .where(VoteOrigin.voter_sector_id == club.banks.id)
        .values(month_start=_month_moment(months[-2]))
    )
    long_ago = services.recent_months(15)[0]
    db.session.add(CaseView(case_id=club.case1.id, viewer_id=club.people.bea.id, viewed_at=_month_moment(long_ago)))
    db.session.commit()

    result = services.sharing(months, "sector", services.ACTIVITIES, unknown_label="Not stated")
    by_month = {share.month: (share.within, share.across, share.unknown) for share in result.shares}
    assert by_month[months[-1]] == (2, 4, 2)
    assert by_month[months[-2]] == (1, 0, 0)
    assert by_month[months[-3]] == (0, 1, 0)
    assert all(by_month[month] == (0, 0, 0) for month in months[:-3])
    assert [share.month for share in result.shares] == months
    assert result.shares[-2].share == 0.0 and result.shares[-3].share == 1.0 and result.shares[0].share is None
    assert result.matrix.counts[(club.telco.id, club.banks.id)] == 2  # the old view is outside the period

    # 24 months take the old view in; 3 months still see the last three.
    wider = services.sharing(services.recent_months(24), "sector", services.ACTIVITIES, unknown_label="?")
    assert wider.matrix.counts[(club.telco.id, club.banks.id)] == 3
    narrow = services.sharing(services.recent_months(3), "sector", services.ACTIVITIES, unknown_label="?")
    assert narrow.matrix.total == 10

    html = _get(console_client(club.app, club.organiser), url("organiser.insights"))
    rows = _share_table(html)
    assert len(rows) == 12
    assert [row[1:4] for row in rows[-3:]] == [["0", "1", "0"], ["1", "0", "0"], ["2", "4", "2"]]
    assert rows[-1][4] == "67%" and rows[-2][4] == "0%" and rows[-3][4] == "100%" and rows[0][4] == "—"
    html = _get(console_client(club.app, club.organiser), url("organiser.insights", months="24"))
    assert len(_share_table(html)) == 24
    _columns, cells = _matrix_from_page(html)
    assert cells[("Telecoms", "Banks")] == 3


def test_months_are_the_clubs_calendar_months(club):
    from club.core.timeutil import ROME

    months = services.recent_months(12)
    year, number = (int(part) for part in months[-2].split("-"))
    just_after_midnight = datetime(year, number, 1, 0, 30, tzinfo=ROME)
    db.session.add(CaseView(case_id=club.case1.id, viewer_id=club.people.bea.id, viewed_at=just_after_midnight))
    db.session.commit()
    result = services.sharing(months, "sector", ("view",), unknown_label="?")
    by_month = {share.month: share.total for share in result.shares}
    assert by_month[months[-2]] == 1 and by_month[months[-3]] == 0


def test_an_empty_period_says_so(club):
    html = _get(console_client(club.app, club.organiser), url("organiser.insights"))
    assert "No activity in this period." in html
    assert _task_figure(html, "of the activity crossed silos in the period") == "—"


# == silent members =================================================================================


def test_silent_members(app):
    now = utcnow()
    organiser = make_organiser(display_name="Olivia", locale="en")
    week = make_week(starts_on=20)
    talk = make_session(week, 0, capacity=10)
    case = make_case(make_member(), title="Un caso da commentare")
    past_talk = make_session(make_week(starts_on=-20), 0)

    silent = make_old_member(display_name="Silvio Silente")
    long_gone = make_old_member(display_name="Lino Lontano")
    long_gone.last_seen_at = now - timedelta(days=95)
    old_comment = make_comment(case, long_gone, "Un commento di tanto tempo fa", age=timedelta(days=100))
    assert old_comment.id

    visitor = make_old_member(display_name="Vera Visitatrice")
    visitor.last_seen_at = now - timedelta(days=10)
    signed_in = make_old_member(display_name="Luca Login")
    signed_in.last_login_at = now - timedelta(days=5)
    commenter = make_old_member(display_name="Carlo Commento")
    commenter.last_seen_at = now - timedelta(days=100)
    make_comment(case, commenter, "Un commento recente", age=timedelta(days=5))
    rsvp = make_old_member(display_name="Rita Rsvp")
    db.session.add(Registration(session_id=talk.id, user_id=rsvp.id, seat=1, created_at=now - timedelta(days=5)))
    useful = make_old_member(display_name="Ugo Utile")
    db.session.add(UsefulMark(case_id=case.id, user_id=useful.id, created_at=now - timedelta(days=3)))
    feedback = make_old_member(display_name="Fede Feedback")
    db.session.add(Feedback(session_id=past_talk.id, user_id=feedback.id, rating=5, updated_at=now - timedelta(days=5)))
    author = make_old_member(display_name="Alba Autrice")
    make_case(author, title="Un caso appena scritto")
    make_old_member(display_name="Sandro Sospeso", suspended=True)
    deleted = make_old_member(display_name="Dora Dimessa")
    deleted.deleted_at = now - timedelta(days=1)
    make_member(display_name="Nina Nuova")  # joined today
    make_old_member(days=80, display_name="Quasi Novanta")  # joined 80 days ago: not yet
    db.session.commit()

    expected = {silent.id, long_gone.id}
    assert set(db.session.scalars(services.silent_members_query())) == expected
    assert services.dashboard().silent_members == 2

    console = console_client(app, organiser)
    page = _get(console, url("organiser.silent_members"))
    assert set(member_ids_listed(page)) == expected
    assert "2 members" in page
    assert set(member_ids_listed(_get(console, url("organiser.members", state="silent")))) == expected
    html = _get(console, url("organiser.insights"))
    assert re.search(r'<a href="' + re.escape(url("organiser.silent_members")) + r'">2</a>', html)


@pytest.mark.config(DEFERRED_WRITES_DELAY=3600)
def test_a_visit_ends_the_silence(app):
    silent = make_old_member(display_name="Silvio Silente")
    assert set(db.session.scalars(services.silent_members_query())) == {silent.id}
    client = app.test_client()
    login(client, silent)
    # Signing in counts (last_login_at)...
    db.session.commit()
    db.session.expire_all()
    assert set(db.session.scalars(services.silent_members_query())) == set()
    # ...and so does a visit with a session opened long ago (only last_seen_at says so).
    db.session.get(User, silent.id).last_login_at = utcnow() - timedelta(days=200)
    db.session.commit()
    assert client.get(url("core.home")).status_code == 200
    assert set(db.session.scalars(services.silent_members_query())) == {silent.id}  # not written yet
    assert deferred.flush() >= 1
    db.session.commit()
    db.session.expire_all()
    assert set(db.session.scalars(services.silent_members_query())) == set()


# == digest reach ===================================================================================


def test_digest_reach_month_by_month(app):
    months = services.recent_months(12)
    this, last, before = (_month_moment(month) for month in (months[-1], months[-2], months[-3]))

    def message(key, kind, status, *, created, sent=None):
        db.session.add(
            OutboxMessage(
                key=key, kind=kind, recipient=f"{key}@example.org", subject="Digest", text_body="...", status=status,
                created_at=created, sent_at=sent,
            )
        )  # fmt: skip

    message("d1", "digest", "sent", created=this, sent=this)
    message("d2", "digest", "sent", created=this, sent=this)
    message("d3", "digest", "sent", created=before, sent=before)
    message("d4", "digest", "sent", created=last - timedelta(days=40), sent=last)  # counted when it went out
    message("d5", "digest", "failed", created=last)
    message("d6", "digest", "pending", created=this)
    message("d7", "digest", "sending", created=this)
    message("i1", "invitation", "sent", created=this, sent=this)
    message("i2", "invitation", "failed", created=this)
    subscribers = [make_subscriber() for _ in range(4)]
    for number, (subscriber, status, moment) in enumerate(
        [
            (subscribers[0], "skipped", this),
            (subscribers[1], "skipped", this),
            (subscribers[2], "skipped", before),
            (subscribers[3], "queued", this),
        ]  # fmt: skip
    ):
        db.session.add(
            DigestRun(
                subscriber_id=subscriber.id, frequency="weekly", period_key=f"2030-W{number:02d}",
                period_start=moment, period_end=moment, status=status, created_at=moment,
            )
        )  # fmt: skip
    db.session.commit()

    reach = {item.month: (item.sent, item.skipped, item.bounced) for item in services.digest_reach(months)}
    assert reach[months[-1]] == (2, 2, 0)
    assert reach[months[-2]] == (1, 0, 1)
    assert reach[months[-3]] == (1, 1, 0)
    assert all(reach[month] == (0, 0, 0) for month in months[:-3])

    html = _get(console_client(app, make_organiser(locale="en")), url("organiser.insights"))
    rows = _reach_table(html)
    assert len(rows) == 12
    assert [row[1:] for row in rows[-3:]] == [["1", "1", "0"], ["1", "0", "1"], ["2", "2", "0"]]
    html = _get(console_client(app, make_organiser(locale="en")), url("organiser.insights", months="3"))
    assert len(_reach_table(html)) == 3


# == the deferred writes (club/core/deferred.py) ====================================================


def _views() -> int:
    db.session.commit()
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(CaseView))


@pytest.mark.config(DEFERRED_WRITES_DELAY=3600)
def test_a_view_waits_for_the_flush(app):
    case = make_case(make_member(), title="Caso letto")
    reader = make_member()
    client = app.test_client()
    console_login(client, reader)
    writer = app.extensions["club_deferred"]
    assert client.get(url("cases.detail", case_id=case.id)).status_code == 200
    assert _views() == 0
    assert writer.pending_count() == 1
    assert deferred.flush() == 1
    assert writer.pending_count() == 0
    assert _views() == 1
    row = db.session.scalars(select(CaseView)).one()
    assert (row.case_id, row.viewer_id) == (case.id, reader.id)
    assert deferred.flush() == 0


@pytest.mark.config(DEFERRED_WRITES_DELAY=3600)
def test_views_of_one_batch_by_one_member_are_one_view(app):
    case = make_case(make_member())
    client = app.test_client()
    console_login(client, make_member())
    for _ in range(3):
        assert client.get(url("cases.detail", case_id=case.id)).status_code == 200
    for _ in range(2):
        assert app.test_client().get(url("cases.detail", case_id=case.id)).status_code == 200
    assert deferred.flush() == 5
    assert _views() == 1 + 2  # the member's three reads are one view; anonymous views all count


@pytest.mark.config(DEFERRED_WRITES_DELAY=3600)
def test_a_view_of_a_case_deleted_meanwhile_is_dropped_alone(app):
    kept, doomed = make_case(make_member()), make_case(make_member())
    client = app.test_client()
    console_login(client, make_member())
    for case in (kept, doomed):
        assert client.get(url("cases.detail", case_id=case.id)).status_code == 200
    db.session.delete(doomed)
    db.session.commit()
    assert deferred.flush() == 2
    assert db.session.scalars(select(CaseView.case_id)).all() == [kept.id]


@pytest.mark.config(DEFERRED_WRITES_DELAY=0.2)
def test_the_writer_thread_writes_on_its_own(app):
    case = make_case(make_member(), title="Caso letto in fretta")
    client = app.test_client()
    console_login(client, make_member())
    assert client.get(url("cases.detail", case_id=case.id)).status_code == 200
    deadline = time.monotonic() + 30  # generous: the thread writes within the delay (plus a second)
    while _views() == 0 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert _views() == 1
    assert app.extensions["club_deferred"].pending_count() == 0


def test_a_case_page_writes_nothing_in_its_own_transaction(app, count_queries):
    """DEFERRED_WRITES_DELAY = 0 (the tests): the view is written as the request ends, yet on a
    connection of its own, never through the request's session (whose flush on GET is refused)."""
    from flask_sqlalchemy.session import Session as FlaskSession

    case = make_case(make_member(), title="Caso letto")
    reader = make_member()
    client = app.test_client()
    console_login(client, reader)
    session_connections: list = []
    writes: list = []

    def after_begin(session, transaction, connection):
        session_connections.append(connection)

    def orm_dml(state):
        if state.is_insert or state.is_update or state.is_delete:
            writes.append(("orm", str(state.statement)))

    def before_cursor_execute(conn, cursor, statement, parameters, context, executemany):
        if re.match(r"\s*(INSERT|UPDATE|DELETE)\b", statement, re.IGNORECASE):
            writes.append((conn, statement))

    event.listen(FlaskSession, "after_begin", after_begin)
    event.listen(FlaskSession, "do_orm_execute", orm_dml)
    event.listen(db.engine, "before_cursor_execute", before_cursor_execute)
    try:
        response = client.get(url("cases.detail", case_id=case.id))
    finally:
        event.remove(FlaskSession, "after_begin", after_begin)
        event.remove(FlaskSession, "do_orm_execute", orm_dml)
        event.remove(db.engine, "before_cursor_execute", before_cursor_execute)
    assert response.status_code == 200
    assert _views() == 1  # written when the request ended
    assert writes, "the view was not written at all"
    assert all(kind != "orm" for kind, _statement in writes), writes
    for conn, statement in writes:
        assert not any(conn is used for used in session_connections), f"written in a session: {statement}"
    assert all("case_views" in statement for _conn, statement in writes)


@pytest.mark.config(DEFERRED_WRITES_DELAY=3600)
def test_a_case_page_runs_no_write_at_all_during_the_request(app, count_queries):
    case = make_case(make_member(), title="Caso letto")
    client = app.test_client()
    console_login(client, make_member())
    with count_queries() as counter:
        assert client.get(url("cases.detail", case_id=case.id)).status_code == 200
        assert client.get(url("core.home")).status_code == 200
    assert not [sql for sql in counter.statements if re.match(r"(INSERT|UPDATE|DELETE)\b", sql, re.IGNORECASE)]
    assert deferred.flush() == 1  # the view, written now rather than at the end of the test session


@pytest.mark.config(DEFERRED_WRITES_DELAY=3600)
def test_last_seen_is_written_once_a_day(app):
    member = make_member()
    assert member.last_seen_at is None
    writer = app.extensions["club_deferred"]
    client = app.test_client()
    login(client, member)  # the first page of the day: noted
    for _ in range(3):
        assert client.get(url("core.home")).status_code == 200
        assert client.get(url("members.directory")).status_code == 200
    assert writer.pending_count() == 1
    assert deferred.flush() == 1
    db.session.expire_all()
    first = db.session.get(User, member.id).last_seen_at
    assert first is not None and first.date() == utcnow().date()
    # The same day, even if the database had an older date: not again (once a day per process).
    db.session.get(User, member.id).last_seen_at = first - timedelta(days=1)
    db.session.commit()
    assert client.get(url("core.home")).status_code == 200
    assert writer.pending_count() == 0
    # The next day (the process forgets the day): noted again, and written.
    app.extensions["club_seen_today"].clear()
    assert client.get(url("core.home")).status_code == 200
    assert writer.pending_count() == 1
    assert deferred.flush() == 1
    db.session.expire_all()
    assert db.session.get(User, member.id).last_seen_at > first - timedelta(days=1)
    # A refused page (4xx) is not a visit.
    app.extensions["club_seen_today"].clear()
    assert client.get(url("organiser.dashboard")).status_code == 403
    assert writer.pending_count() == 0


def test_a_visitor_is_never_noted(app):
    case = make_case(make_member())
    client = app.test_client()
    assert client.get(url("core.home")).status_code == 200
    assert client.get(url("cases.detail", case_id=case.id)).status_code == 200
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(User).where(User.last_seen_at.is_not(None))) == 0


def test_the_first_visit_of_the_day_is_written_after_signing_in(app):
    member = make_member()
    client = app.test_client()
    login(client, member)
    assert client.get(url("core.home")).status_code == 200
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, member.id).last_seen_at is not None


def test_visits_are_written_in_the_order_of_the_members_ids(app):
    """Two workers' writers may update the same members at once: both must lock the rows in one
    order, or PostgreSQL finds a deadlock (seen under the 1,000-voter load)."""
    from club.accounts.activity import write_visits

    members = [make_member() for _ in range(4)]
    now = utcnow()
    updated: list[int] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith("UPDATE USERS"):
            updated.append(
                next(
                    value
                    for value in (parameters.values() if isinstance(parameters, dict) else parameters)
                    if isinstance(value, int)
                )
            )

    db.session.commit()
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        with db.engine.begin() as connection:
            write_visits(connection, [(member.id, now) for member in reversed(members)])
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert updated == sorted(member.id for member in members)
    db.session.rollback()  # the test's own transaction began before the writer's: look again
    seen = [db.session.get(User, member.id).last_seen_at for member in members]
    assert all(seen), seen
