"""Comments, moderation, "useful" marks, bookmarks, notifications, following and the "for you" list."""

from __future__ import annotations

from datetime import timedelta

import pytest
from markupsafe import escape
from sqlalchemy import func, select

from club.cases import services
from club.cases.models import (
    Bookmark,
    CasePreferences,
    Comment,
    Notification,
    UsefulMark,
    followed_competences,
    followed_functions,
    followed_sectors,
)
from club.extensions import db
from tests.case_factories import make_case, make_comment, reload_case
from tests.factories import make_competence, make_function, make_member, make_organiser, make_sector
from tests.helpers import login, logout, url

EN = {"Accept-Language": "en"}


def _comments(case) -> list[Comment]:
    db.session.expire_all()
    return db.session.scalars(select(Comment).where(Comment.case_id == case.id).order_by(Comment.id)).all()


def _count(model, **where) -> int:
    db.session.expire_all()
    statement = select(func.count()).select_from(model)
    for name, value in where.items():
        statement = statement.where(getattr(model, name) == value)
    return db.session.scalar(statement)


@pytest.fixture
def author():
    return make_member(display_name="Anna Autrice")


@pytest.fixture
def case(author):
    return make_case(author, title="Il caso da discutere")


# -- comments ---------------------------------------------------------------------------------------


def test_member_comments_in_sanitised_markdown(client, case):
    reader = make_member(display_name="Luca Lettore")
    login(client, reader)
    body = "Ottimo **lavoro**! <script>alert(1)</script> [link](javascript:alert(1))"
    response = client.post(url("cases.add_comment", case_id=case.id), data={"body": body})
    assert response.status_code == 302
    (comment,) = _comments(case)
    assert response.headers["Location"].endswith(f"#comment-{comment.id}")
    assert comment.body == body and comment.author_id == reader.id
    assert reload_case(case).comment_count == 1
    page = client.get(url("cases.detail", case_id=case.id)).get_data(as_text=True)
    assert "<strong>lavoro</strong>" in page and "Luca Lettore" in page
    assert "<script>alert(1)" not in page and 'href="javascript' not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page  # shown as text


def test_bad_comments_are_refused(client, case, mail_outbox):
    login(client, make_member())
    for body in ("", " ", "x", "x" * 5001, None, "Un commento con \x00 dentro", "Un \x1b[31m commento"):
        data = {} if body is None else {"body": body}
        response = client.post(url("cases.add_comment", case_id=case.id), data=data, headers=EN)
        assert response.status_code == 400, body
        assert _comments(case) == [] and reload_case(case).comment_count == 0, body
        page = response.get_data(as_text=True)
        assert 'id="body-errors"' in page, body  # the reason, beside the field
        if body and body.strip() and "\x00" not in body:
            assert escape(body[:50]) in page, body  # what was typed is still there
    assert _count(Notification) == 0 and mail_outbox == []


def test_author_edits_and_deletes_within_15_minutes(client, case):
    reader = make_member()
    login(client, reader)
    comment = make_comment(case, reader, "Prima versione", age=timedelta(minutes=14))
    comment_id = comment.id
    assert client.get(url("cases.edit_comment", comment_id=comment_id)).status_code == 200
    response = client.post(url("cases.edit_comment", comment_id=comment_id), data={"body": "Seconda versione"})
    assert response.status_code == 302
    (comment,) = _comments(case)
    assert comment.body == "Seconda versione" and comment.edited_at is not None
    bad = client.post(url("cases.edit_comment", comment_id=comment_id), data={"body": "x"})
    assert bad.status_code == 400 and _comments(case)[0].body == "Seconda versione"
    assert client.post(url("cases.delete_comment", comment_id=comment_id)).status_code == 302
    assert _comments(case) == [] and reload_case(case).comment_count == 0


def test_after_15_minutes_the_comment_is_frozen(client, case):
    reader = make_member()
    login(client, reader)
    comment_id = make_comment(case, reader, "Scritto tempo fa", age=timedelta(minutes=16)).id
    assert client.get(url("cases.edit_comment", comment_id=comment_id)).status_code == 403
    edit = client.post(url("cases.edit_comment", comment_id=comment_id), data={"body": "Riscritto"})
    assert edit.status_code == 403
    assert client.post(url("cases.delete_comment", comment_id=comment_id)).status_code == 403
    (comment,) = _comments(case)
    assert comment.body == "Scritto tempo fa" and comment.edited_at is None
    assert reload_case(case).comment_count == 1


def test_the_window_follows_the_clock(client, case, monkeypatch):
    reader = make_member()
    login(client, reader)
    client.post(url("cases.add_comment", case_id=case.id), data={"body": "Appena scritto"})
    (comment,) = _comments(case)
    later = comment.created_at + timedelta(minutes=15, seconds=1)
    monkeypatch.setattr(services, "utcnow", lambda: later)
    response = client.post(url("cases.edit_comment", comment_id=comment.id), data={"body": "Troppo tardi"})
    assert response.status_code == 403
    assert _comments(case)[0].body == "Appena scritto"


def test_others_cannot_edit_or_delete_a_comment(client, case, app):
    writer = make_member()
    comment_id = make_comment(case, writer, "Il mio commento").id
    for user in (make_member(), make_organiser()):
        other = app.test_client()
        login(other, user)
        assert other.get(url("cases.edit_comment", comment_id=comment_id)).status_code == 403
        assert other.post(url("cases.edit_comment", comment_id=comment_id), data={"body": "Vandalo"}).status_code == 403
        assert other.post(url("cases.delete_comment", comment_id=comment_id)).status_code == 403
    assert _comments(case)[0].body == "Il mio commento"
    assert client.post(url("cases.delete_comment", comment_id=comment_id)).status_code == 302  # to sign in
    assert len(_comments(case)) == 1


def test_organiser_hides_with_a_reason_and_unhides(client, case, app):
    writer = make_member()
    comment_id = make_comment(case, writer, "Testo offensivo da nascondere").id
    organiser = app.test_client()
    login(organiser, make_organiser())
    response = organiser.post(url("cases.hide_comment", comment_id=comment_id), data={"reason": "Linguaggio offensivo"})
    assert response.status_code == 302
    (comment,) = _comments(case)
    assert comment.hidden_at is not None and comment.hidden_reason == "Linguaggio offensivo"
    assert (
        organiser.post(url("cases.hide_comment", comment_id=comment_id), data={"reason": "Di nuovo"}).status_code == 409
    )

    login(client, make_member())
    member_page = client.get(url("cases.detail", case_id=case.id)).get_data(as_text=True)
    assert "Linguaggio offensivo" in member_page and "Testo offensivo da nascondere" not in member_page
    anonymous_page = app.test_client().get(url("cases.detail", case_id=case.id)).get_data(as_text=True)
    assert "Testo offensivo da nascondere" not in anonymous_page
    organiser_page = organiser.get(url("cases.detail", case_id=case.id)).get_data(as_text=True)
    assert "Linguaggio offensivo" in organiser_page and "Testo offensivo da nascondere" in organiser_page

    # the writer can no longer edit a hidden comment, even within the window
    writer_client = app.test_client()
    login(writer_client, writer)
    assert (
        writer_client.post(url("cases.edit_comment", comment_id=comment_id), data={"body": "ok ok"}).status_code == 403
    )

    assert organiser.post(url("cases.unhide_comment", comment_id=comment_id)).status_code == 302
    (comment,) = _comments(case)
    assert comment.hidden_at is None and comment.hidden_reason is None
    assert "Testo offensivo da nascondere" in client.get(url("cases.detail", case_id=case.id)).get_data(as_text=True)
    assert organiser.post(url("cases.unhide_comment", comment_id=comment_id)).status_code == 409


def test_hiding_needs_a_reason(client, case):
    comment_id = make_comment(case, make_member()).id
    login(client, make_organiser())
    for reason in ("", "  ", "ab", "r" * 301, "Motivo \x00"):
        response = client.post(url("cases.hide_comment", comment_id=comment_id), data={"reason": reason})
        assert response.status_code in (302, 400), reason
        assert _comments(case)[0].hidden_at is None, reason


def test_only_organisers_hide(client, case, author):
    comment_id = make_comment(case, make_member(), "Resta visibile").id
    for user in (make_member(), author):
        login(client, user)
        assert (
            client.post(url("cases.hide_comment", comment_id=comment_id), data={"reason": "Non mi piace"}).status_code
            == 403
        )
        logout(client)
    hidden = make_comment(case, make_member(), "Nascosto")
    hidden.hidden_at, hidden.hidden_reason = hidden.created_at, "Motivo"
    db.session.commit()
    login(client, make_member())
    assert client.post(url("cases.unhide_comment", comment_id=hidden.id)).status_code == 403
    assert [c.hidden_at is None for c in _comments(case)] == [True, False]


def test_comments_on_an_invisible_case_are_404(client, author):
    draft = make_case(author, status="draft")
    comment = make_comment(draft, author, "Commento su una bozza")  # e.g. left from before it was withdrawn
    login(client, make_member())
    assert client.get(url("cases.edit_comment", comment_id=comment.id)).status_code == 404
    assert client.post(url("cases.delete_comment", comment_id=comment.id)).status_code == 404
    assert client.get(url("cases.edit_comment", comment_id=999_999)).status_code == 404


# -- useful and bookmarks ---------------------------------------------------------------------------


def test_useful_once_and_undoable(client, case, app):
    login(client, make_member())
    path = url("cases.useful", case_id=case.id)
    assert client.post(path, data={"on": "1"}).status_code == 302
    assert client.post(path, data={"on": "1"}).status_code == 302
    assert reload_case(case).useful_count == 1 and _count(UsefulMark) == 1
    other = app.test_client()
    login(other, make_member())
    other.post(path, data={"on": "1"})
    assert reload_case(case).useful_count == 2
    page = client.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    assert 'aria-pressed="true"' in page and "2 members found it useful" in page
    assert client.post(path, data={"on": "0"}).status_code == 302
    assert client.post(path, data={"on": "0"}).status_code == 302
    assert reload_case(case).useful_count == 1 and _count(UsefulMark) == 1
    other.post(path, data={"on": "0"})
    assert reload_case(case).useful_count == 0 and _count(UsefulMark) == 0


def test_useful_needs_a_member(client, case):
    response = client.post(url("cases.useful", case_id=case.id), data={"on": "1"})
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert reload_case(case).useful_count == 0


def test_bookmarks_page(client, case, author):
    other = make_case(author, title="Un altro caso")
    reader = make_member()
    login(client, reader)
    path = url("cases.bookmark", case_id=case.id)
    assert client.post(path, data={"on": "1"}).status_code == 302
    assert client.post(path, data={"on": "1"}).status_code == 302
    assert _count(Bookmark, user_id=reader.id) == 1
    page = client.get(url("cases.bookmarks")).get_data(as_text=True)
    assert "Il caso da discutere" in page and "Un altro caso" not in page
    assert reload_case(case).useful_count == 0  # a bookmark is not a useful mark
    client.post(path, data={"on": "0"})
    assert "Il caso da discutere" not in client.get(url("cases.bookmarks")).get_data(as_text=True)
    assert _count(Bookmark) == 0
    client.post(url("cases.bookmark", case_id=other.id), data={"on": "1"})
    other_case = reload_case(other)
    other_case.status = "archived"
    db.session.commit()
    assert "Un altro caso" not in client.get(url("cases.bookmarks")).get_data(as_text=True)
    assert client.get(url("cases.bookmarks"), follow_redirects=False).status_code == 200


# -- notifications ------------------------------------------------------------------------------------


def test_authors_are_notified_of_comments(client, mail_outbox, author, app):
    coauthor = make_member(display_name="Carla Coautrice")
    case = make_case(author, title="Caso a quattro mani", coauthors=[coauthor])
    commenter = make_member(display_name="Luca Lettore")
    login(client, commenter)
    client.post(url("cases.add_comment", case_id=case.id), data={"body": "Domanda sui numeri"})
    notified = db.session.scalars(select(Notification.user_id).order_by(Notification.user_id)).all()
    assert notified == sorted([author.id, coauthor.id])
    assert sorted(message["To"] for message in mail_outbox) == sorted([author.email, coauthor.email])
    text = mail_outbox[0].get_body(("plain",)).get_content()
    assert "Domanda sui numeri" in text and f"/cases/{case.id}#comment-" in text

    reader = app.test_client()
    login(reader, author)
    page = reader.get(url("cases.notifications")).get_data(as_text=True)
    assert "Luca Lettore" in page and "Caso a quattro mani" in page
    assert services.unread_count(db.session.get(type(author), author.id)) == 1
    assert reader.post(url("cases.read_notifications")).status_code == 302
    assert _count(Notification, user_id=author.id) == 1
    db.session.expire_all()
    assert db.session.scalar(select(Notification).where(Notification.user_id == author.id)).read_at is not None
    assert db.session.scalar(select(Notification).where(Notification.user_id == coauthor.id)).read_at is None


def test_email_preference_off_keeps_the_in_app_notification(client, mail_outbox, author, app):
    coauthor = make_member()
    case = make_case(author, coauthors=[coauthor])
    settings = app.test_client()
    login(settings, coauthor)
    assert settings.post(url("cases.following"), data={}).status_code == 302  # email_on_comment unticked
    assert db.session.get(CasePreferences, coauthor.id).email_on_comment is False
    login(client, make_member())
    client.post(url("cases.add_comment", case_id=case.id), data={"body": "Un commento"})
    assert [message["To"] for message in mail_outbox] == [author.email]
    assert _count(Notification, user_id=coauthor.id) == 1
    page = settings.get(url("cases.following")).get_data(as_text=True)
    assert 'name="email_on_comment"' in page and "checked" not in page.split('name="email_on_comment"')[0][-200:]


def test_the_commenter_is_not_notified_of_their_own_comment(client, mail_outbox, author):
    coauthor = make_member()
    case = make_case(author, coauthors=[coauthor])
    login(client, coauthor)
    client.post(url("cases.add_comment", case_id=case.id), data={"body": "Rispondo io"})
    assert db.session.scalars(select(Notification.user_id)).all() == [author.id]
    assert [message["To"] for message in mail_outbox] == [author.email]
    mail_outbox.clear()
    logout(client)
    login(client, author)
    solo = make_case(author)
    client.post(url("cases.add_comment", case_id=solo.id), data={"body": "Parlo da solo"})
    assert _count(Notification, case_id=solo.id) == 0 and mail_outbox == []


def test_deleting_a_comment_removes_its_notifications(client, author, case):
    login(client, make_member())
    client.post(url("cases.add_comment", case_id=case.id), data={"body": "Ci ripenso"})
    (comment,) = _comments(case)
    assert _count(Notification) == 1
    client.post(url("cases.delete_comment", comment_id=comment.id))
    assert _count(Notification) == 0


# -- following and "for you" ------------------------------------------------------------------------


def test_following_is_saved(client):
    banking, telco = make_sector("banking"), make_sector("telco")
    care = make_function("customer-care")
    journey = make_competence("journey")
    member = make_member()
    login(client, member)
    data = {
        "sectors": [str(banking.id), str(telco.id)],
        "functions": [str(care.id)],
        "competences": [str(journey.id)],
        "email_on_comment": "y",
    }
    assert client.post(url("cases.following"), data=data).status_code == 302
    assert services.follows(member) == {
        "sector": {banking.id, telco.id},
        "function": {care.id},
        "competence": {journey.id},
    }
    assert db.session.get(CasePreferences, member.id).email_on_comment is True
    page = client.get(url("cases.following")).get_data(as_text=True)
    assert page.count("checked") >= 5
    assert client.post(url("cases.following"), data={"sectors": [str(telco.id)]}).status_code == 302
    assert services.follows(member) == {"sector": {telco.id}, "function": set(), "competence": set()}


def test_following_bad_input_changes_nothing(client):
    telco = make_sector("telco")
    retired = make_sector("old", retired=True)
    member = make_member()
    login(client, member)
    client.post(url("cases.following"), data={"sectors": [str(telco.id)], "email_on_comment": "y"})
    for data in (
        {"sectors": ["99999"]},
        {"functions": ["abc"]},
        {"competences": ["99999"]},
        {"sectors": [str(retired.id)]},
        {"sectors": [str(telco.id), "-1"]},
    ):
        response = client.post(url("cases.following"), data=data)
        assert response.status_code == 400, data
        assert services.follows(member)["sector"] == {telco.id}, data
        assert db.session.get(CasePreferences, member.id).email_on_comment is True, data


def test_for_you_shows_matching_published_cases_only(client, author):
    banking, telco = make_sector("banking"), make_sector("telco")
    care, hr = make_function("customer-care"), make_function("hr")
    journey, voice = make_competence("journey"), make_competence("voice")
    make_case(author, title="Banca per te", sector=banking)
    make_case(author, title="Telco risorse umane", sector=telco, functions=[hr])
    make_case(author, title="Telco ascolto", sector=telco, competences=[voice])
    make_case(author, title="Telco percorsi riservati", sector=telco, competences=[journey], visibility="members")
    make_case(author, title="Telco assistenza", sector=telco, functions=[care])
    make_case(author, title="Banca in bozza", sector=banking, status="draft")
    make_case(author, title="Banca archiviata", sector=banking, status="archived")
    member = make_member()
    login(client, member)
    before = client.get(url("core.home"), headers=EN).get_data(as_text=True)
    assert "Latest case studies" in before and "For you" not in before
    data = {"sectors": [str(banking.id)], "functions": [str(care.id)], "competences": [str(journey.id)]}
    client.post(url("cases.following"), data=data)
    page = client.get(url("core.home"), headers=EN).get_data(as_text=True)
    assert "For you" in page
    shown = {title for title in ("Banca per te", "Telco percorsi riservati", "Telco assistenza") if title in page}
    assert shown == {"Banca per te", "Telco percorsi riservati", "Telco assistenza"}
    for absent in ("Telco risorse umane", "Telco ascolto", "Banca in bozza", "Banca archiviata"):
        assert absent not in page, absent
    assert [case.title for case in services.for_you(member)] == [
        "Telco assistenza",
        "Telco percorsi riservati",
        "Banca per te",
    ]


def test_follow_rows_go_with_their_terms_and_users(client):
    # following is stored in three tables, one per kind of term
    member = make_member()
    login(client, member)
    sector, function, competence = make_sector(), make_function(), make_competence()
    data = {"sectors": [str(sector.id)], "functions": [str(function.id)], "competences": [str(competence.id)]}
    client.post(url("cases.following"), data=data)
    for table in (followed_sectors, followed_functions, followed_competences):
        assert db.session.scalar(select(func.count()).select_from(table)) == 1
