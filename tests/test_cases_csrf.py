"""Every POST route of the cases blueprint refuses a request without a CSRF token, and changes nothing."""

from __future__ import annotations

import io

import pytest
from flask import url_for
from sqlalchemy import func, select

from club.cases.models import Attachment, Bookmark, CaseStudy, Comment, Revision, UsefulMark
from club.extensions import db
from tests.case_factories import case_form_data, make_case, make_comment, pdf_bytes
from tests.factories import make_function, make_member, make_organiser, make_sector
from tests.helpers import csrf_token, login, url

pytestmark = pytest.mark.csrf


def _snapshot() -> dict:
    db.session.expire_all()
    counts = {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (CaseStudy, Revision, Comment, UsefulMark, Bookmark, Attachment)
    }
    counts["statuses"] = sorted(db.session.scalars(select(CaseStudy.status)).all())
    counts["hidden"] = db.session.scalar(
        select(func.count()).select_from(Comment).where(Comment.hidden_at.is_not(None))
    )
    return counts


@pytest.fixture
def setting(client, app):
    sector, function = make_sector("banking"), make_function("care")
    organiser = make_organiser()
    case = make_case(organiser, sector=sector, functions=[function])
    comment = make_comment(case, organiser, "Un commento")
    db.session.add(
        Attachment(
            case_id=case.id, slot=0, stored_name="x.pdf", original_name="x.pdf", content_type="application/pdf", size=3
        )
    )
    db.session.commit()
    login(client, organiser)  # the helper sends the token
    values = {
        "case_id": case.id,
        "comment_id": comment.id,
        "attachment_id": case.attachments[0].id,
        "action": "archive",
    }
    return client, values, sector, function


def _cases_posts(app, values) -> dict[str, str]:
    paths = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("cases.") and "POST" in rule.methods:
            with app.test_request_context():
                paths[rule.endpoint] = url_for(rule.endpoint, **{name: values[name] for name in rule.arguments})
    return paths


def test_every_cases_post_route_refuses_a_missing_token(app, setting):
    client, values, sector, function = setting
    paths = _cases_posts(app, values)
    assert len(paths) >= 17, sorted(paths)
    before = _snapshot()
    full_form = {
        **case_form_data(sector, [function]),
        "comment": "Perché",
        "body": "Un commento qualunque, valido in ogni modulo",
        "reason": "Un motivo",
        "on": "1",
    }
    for endpoint, path in sorted(paths.items()):
        response = client.post(path, data=full_form)
        assert response.status_code == 400, f"{endpoint} accepted a POST without a CSRF token"
        bad_token = client.post(path, data={**full_form, "csrf_token": "not-a-token"})
        assert bad_token.status_code == 400, f"{endpoint} accepted a bad CSRF token"
    for endpoint in ("cases.upload_cover", "cases.upload_attachment"):
        response = client.post(
            paths[endpoint],
            data={"file": (io.BytesIO(pdf_bytes()), "x.pdf"), "cover": (io.BytesIO(b"x"), "c.png")},
            content_type="multipart/form-data",
        )
        assert response.status_code == 400, endpoint
    assert _snapshot() == before


def test_the_same_requests_with_a_token_go_through(app, setting):
    """So the refusals above are about the token, not about anything else in the request."""
    client, values, _sector, _function = setting
    token = csrf_token(client)
    case_id = values["case_id"]
    assert client.post(url("cases.useful", case_id=case_id), data={"on": "1", "csrf_token": token}).status_code == 302
    assert client.post(url("cases.bookmark", case_id=case_id), data={"on": "1", "csrf_token": token}).status_code == 302
    response = client.post(
        url("cases.add_comment", case_id=case_id), data={"body": "Con il token", "csrf_token": token}
    )
    assert response.status_code == 302
    response = client.post(url("cases.transition", case_id=case_id, action="archive"), data={"csrf_token": token})
    assert response.status_code == 302
    after = _snapshot()
    assert after["UsefulMark"] == 1 and after["Bookmark"] == 1 and after["Comment"] == 2
    assert after["statuses"] == ["archived"]


def test_a_token_from_another_session_is_refused(app, setting):
    client, values, _sector, _function = setting
    other = app.test_client()
    login(other, make_member())
    foreign = csrf_token(other)
    response = client.post(url("cases.useful", case_id=values["case_id"]), data={"on": "1", "csrf_token": foreign})
    assert response.status_code == 400
    assert _snapshot()["UsefulMark"] == 0
