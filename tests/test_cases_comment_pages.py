"""A long discussion is read a page at a time, and every action comes back to the right page."""

from __future__ import annotations

import re
from datetime import timedelta

from sqlalchemy import insert

from club.cases.models import Comment
from club.cases.services import COMMENTS_PER_PAGE
from club.core.timeutil import utcnow
from club.extensions import db
from tests.case_factories import make_case
from tests.factories import make_member, make_organiser
from tests.helpers import login, url, with_csrf


def _discussion(case, author, count: int) -> None:
    start = utcnow() - timedelta(days=10)
    db.session.execute(
        insert(Comment),
        [
            {
                "case_id": case.id,
                "author_id": author.id,
                "body": f"Commento numero {n:04d}",
                "created_at": start + timedelta(minutes=n),
            }
            for n in range(count)
        ],
    )
    case.comment_count = count
    db.session.commit()


def _numbers(response) -> list[int]:
    return [int(n) for n in re.findall(r"Commento numero (\d{4})", response.get_data(as_text=True))]


def test_the_first_page_shows_the_oldest_comments_and_links_to_the_others(client):
    case = make_case(make_member())
    _discussion(case, make_member(), COMMENTS_PER_PAGE * 2 + 7)
    first = client.get(url("cases.detail", case_id=case.id))
    assert _numbers(first) == list(range(COMMENTS_PER_PAGE))
    html = first.get_data(as_text=True)
    assert f'href="/cases/{case.id}?page=3#comments"' in html
    assert 'rel="next"' in html
    last = client.get(url("cases.detail", case_id=case.id, page=3))
    assert _numbers(last) == list(range(COMMENTS_PER_PAGE * 2, COMMENTS_PER_PAGE * 2 + 7))
    assert f'start="{COMMENTS_PER_PAGE * 2 + 1}"' in last.get_data(as_text=True)


def test_a_page_beyond_the_discussion_says_so(client):
    case = make_case(make_member())
    _discussion(case, make_member(), 3)
    response = client.get(url("cases.detail", case_id=case.id, page=9))
    assert response.status_code == 200
    assert _numbers(response) == []
    assert f'href="/cases/{case.id}#comments"' in response.get_data(as_text=True)


def test_a_new_comment_leads_to_the_last_page(client):
    case = make_case(make_member())
    _discussion(case, make_member(), COMMENTS_PER_PAGE + 5)
    login(client, make_member())
    response = client.post(
        url("cases.add_comment", case_id=case.id), data=with_csrf(client, {"body": "Ultimo arrivato"})
    )
    assert response.status_code == 302
    assert re.search(rf"/cases/{case.id}\?page=2#comment-\d+$", response.headers["Location"])
    assert "Ultimo arrivato" in client.get(response.headers["Location"]).get_data(as_text=True)


def test_moderating_a_comment_comes_back_to_its_page(client):
    case = make_case(make_member())
    _discussion(case, make_member(), COMMENTS_PER_PAGE + 5)
    late = db.session.scalars(
        db.select(Comment).where(Comment.case_id == case.id).order_by(Comment.id.desc()).limit(1)
    ).one()
    login(client, make_organiser())
    response = client.post(
        url("cases.hide_comment", comment_id=late.id), data=with_csrf(client, {"reason": "Fuori tema"})
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}?page=2#comment-{late.id}")


def test_the_case_page_costs_the_same_with_a_long_discussion(client, app, count_queries):
    member = make_member()
    case = make_case(make_member())
    other = make_case(make_member())
    _discussion(case, member, 12)
    _discussion(other, member, COMMENTS_PER_PAGE * 8)
    reader = app.test_client()
    login(reader, make_member())

    def statements(path: str) -> int:
        reader.get(path)
        with count_queries() as counter:
            assert reader.get(path).status_code == 200
        return counter.count

    assert statements(url("cases.detail", case_id=case.id)) == statements(url("cases.detail", case_id=other.id))
    assert len(_numbers(reader.get(url("cases.detail", case_id=other.id)))) == COMMENTS_PER_PAGE
