"""Members report comments to the organisers; organisers settle the reports by hiding or dismissing."""

from __future__ import annotations

import re

import pytest
from flask_babel import force_locale
from sqlalchemy import func, select

from club.cases import services
from club.cases.models import Comment, CommentReport
from club.extensions import db
from tests.case_factories import make_case, make_comment, reload_case
from tests.factories import make_member, make_organiser
from tests.helpers import csrf_token, login, logout, url

EN = {"Accept-Language": "en"}


def _reports(comment_id: int | None = None) -> list[CommentReport]:
    db.session.expire_all()
    statement = select(CommentReport).order_by(CommentReport.id)
    if comment_id is not None:
        statement = statement.where(CommentReport.comment_id == comment_id)
    return list(db.session.scalars(statement))


def _report(client, comment_id: int, reason: str | None = "offensive", note: str | None = None, **kwargs):
    data = {}
    if reason is not None:
        data["reason"] = reason
    if note is not None:
        data["note"] = note
    return client.post(url("cases.report_comment", comment_id=comment_id), data=data, headers=EN, **kwargs)


@pytest.fixture
def case():
    return make_case(make_member(display_name="Anna Autrice"), title="Il caso con un commento")


@pytest.fixture
def writer():
    return make_member(display_name="Walter Scrivano")


@pytest.fixture
def comment(case, writer):
    return make_comment(case, writer, "Un commento da segnalare")


# -- members report -------------------------------------------------------------------------------


def test_a_member_reports_a_comment(client, case, comment):
    reader = make_member()
    login(client, reader)
    page = client.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    # A labelled disclosure with the form, under the comment.
    assert f'action="{url("cases.report_comment", comment_id=comment.id)}"' in page
    assert f'<label class="field__label" for="report-reason-{comment.id}">' in page
    assert f'id="report-reason-{comment.id}"' in page and "<details" in page

    response = _report(client, comment.id, "spam", "  Pubblicità di un prodotto  ")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/cases/{case.id}#comment-{comment.id}")
    (report,) = _reports()
    assert (report.comment_id, report.reporter_id, report.reason) == (comment.id, reader.id, "spam")
    assert report.note == "Pubblicità di un prodotto" and report.resolved_at is None
    page = client.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    assert "Thank you: the organisers will look at this comment." in page
    assert "You reported this comment." in page
    assert f'action="{url("cases.report_comment", comment_id=comment.id)}"' not in page


def test_a_second_report_by_the_same_member_is_refused(client, comment):
    login(client, make_member())
    assert _report(client, comment.id).status_code == 302
    again = _report(client, comment.id, "other", "Ancora")
    assert again.status_code == 409
    assert "You have already reported this comment." in again.get_data(as_text=True)
    assert len(_reports()) == 1 and _reports()[0].reason == "offensive"


def test_the_database_refuses_a_duplicate_even_without_the_check(app, comment):
    """Two reports racing past any read: the unique constraint answers, with the same message."""
    reporter = make_member()
    db.session.add(CommentReport(comment_id=comment.id, reporter_id=reporter.id, reason="spam"))
    db.session.commit()
    with pytest.raises(services.CaseError) as refused:
        services.report_comment(db.session.get(Comment, comment.id), reporter, "offensive")
    with force_locale("en"):
        assert refused.value.status == 409 and "already reported" in str(refused.value.message)
    db.session.commit()  # the transaction is still usable: only the savepoint was rolled back
    assert len(_reports()) == 1


def test_reports_by_different_members_add_up(client, app, case, comment):
    for _ in range(3):
        other = app.test_client()
        login(other, make_member())
        assert _report(other, comment.id).status_code == 302
    assert services.open_report_counts([comment.id]) == {comment.id: 3}
    organiser = app.test_client()
    login(organiser, make_organiser())
    page = organiser.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    assert "3 open reports" in page and "Dismiss reports" in page
    member_page = client.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    assert "open report" not in member_page


def test_one_cannot_report_ones_own_comment(client, case, comment, writer):
    login(client, writer)
    page = client.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    assert f'action="{url("cases.report_comment", comment_id=comment.id)}"' not in page
    response = _report(client, comment.id)
    assert response.status_code == 403
    assert "You cannot report your own comment." in response.get_data(as_text=True)
    assert _reports() == []


def test_anonymous_visitors_are_sent_to_sign_in(client, case, comment):
    page = client.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    assert f'action="{url("cases.report_comment", comment_id=comment.id)}"' not in page
    response = _report(client, comment.id)
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert _reports() == []


def test_a_hidden_comment_cannot_be_reported(client, comment):
    comment.hidden_at, comment.hidden_reason = comment.created_at, "Fuori luogo"
    db.session.commit()
    login(client, make_member())
    response = _report(client, comment.id)
    assert response.status_code == 409
    assert "This comment is already hidden." in response.get_data(as_text=True)
    assert _reports() == []


def test_a_comment_on_a_case_the_member_cannot_see_is_404(client, writer):
    draft = make_case(make_member(), status="draft")
    hidden_comment = make_comment(draft, writer)
    login(client, make_member())
    assert _report(client, hidden_comment.id).status_code == 404
    assert _report(client, 999_999).status_code == 404
    assert _reports() == []


@pytest.mark.parametrize(
    ("reason", "note"),
    [
        (None, None),
        ("", None),
        ("bogus", None),
        ("spam' OR 1=1", None),
        ("offensive", "n" * 501),
        ("offensive", "Nota con \x00 dentro"),
        ("offensive", "Un \x1b[31m colore"),
    ],
)
def test_bad_input_shows_the_case_page_with_the_message(client, case, comment, reason, note):
    login(client, make_member())
    response = _report(client, comment.id, reason, note)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'id="report-errors-{comment.id}"' in page and 'role="alert"' in page
    assert "Il caso con un commento" in page  # the case page, not an error page
    assert re.search(r'<details class="comment__report"\s+open>', page)  # the form is open again
    assert _reports() == []


# -- organisers settle them -----------------------------------------------------------------------


def test_hiding_the_comment_resolves_its_reports(app, case, comment):
    reporters = [make_member(), make_member()]
    for reporter in reporters:
        services.report_comment(db.session.get(Comment, comment.id), reporter, "offensive")
    db.session.commit()
    organiser_user = make_organiser()
    organiser = app.test_client()
    login(organiser, organiser_user)
    response = organiser.post(url("cases.hide_comment", comment_id=comment.id), data={"reason": "Offensivo"})
    assert response.status_code == 302
    reports = _reports()
    assert len(reports) == 2
    assert {(r.resolution, r.resolved_by_id) for r in reports} == {("hidden", organiser_user.id)}
    assert all(r.resolved_at is not None for r in reports)
    assert services.open_report_counts([comment.id]) == {} and services.open_report_total() == 0
    assert reload_case(case).comment_count == 0


def test_dismissing_resolves_the_reports_and_keeps_the_comment(app, case, comment):
    services.report_comment(db.session.get(Comment, comment.id), make_member(), "off_topic")
    db.session.commit()
    organiser_user = make_organiser()
    organiser = app.test_client()
    login(organiser, organiser_user)
    response = organiser.post(url("cases.dismiss_reports", comment_id=comment.id), headers=EN)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"#comment-{comment.id}")
    (report,) = _reports()
    assert (report.resolution, report.resolved_by_id) == ("dismissed", organiser_user.id)
    db.session.expire_all()
    assert db.session.get(Comment, comment.id).hidden_at is None
    # Nothing left to dismiss.
    assert organiser.post(url("cases.dismiss_reports", comment_id=comment.id)).status_code == 409
    # A member may report it again later? No: one report per member per comment, settled or not.
    page = organiser.get(url("cases.detail", case_id=case.id), headers=EN).get_data(as_text=True)
    assert "open report" not in page and "Dismiss reports" not in page


def test_members_cannot_dismiss_reports(client, comment, writer):
    services.report_comment(db.session.get(Comment, comment.id), make_member(), "spam")
    db.session.commit()
    for user in (make_member(), writer):
        login(client, user)
        assert client.post(url("cases.dismiss_reports", comment_id=comment.id)).status_code == 403
        logout(client)
    assert _reports()[0].resolved_at is None
    anonymous = client.application.test_client()
    assert anonymous.post(url("cases.dismiss_reports", comment_id=comment.id)).status_code == 302


# -- the organiser console's queries --------------------------------------------------------------


def test_open_reports_query_lists_the_most_reported_comments_first(app, case, writer, count_queries):
    first = make_comment(case, writer, "Primo")
    second = make_comment(case, writer, "Secondo")
    quiet = make_comment(case, writer, "Nessuno lo segnala")
    settled = make_comment(case, writer, "Già deciso")
    reporters = [make_member() for _ in range(3)]
    for reporter in reporters:
        services.report_comment(first, reporter, "spam")
    services.report_comment(settled, reporters[0], "spam")
    db.session.flush()
    services.dismiss_reports(settled, make_organiser())
    services.report_comment(second, reporters[1], "privacy")  # the most recent report, but only one
    db.session.commit()

    assert services.open_report_total() == 2
    with count_queries() as counter:
        page = db.paginate(services.open_reports_query(), page=1, per_page=10, error_out=False)
        counts = services.open_report_counts([item.id for item in page.items])
        names = [(item.author.display_name, item.case.title) for item in page.items]
    assert [item.id for item in page.items] == [first.id, second.id]
    assert page.total == 2 and counts == {first.id: 3, second.id: 1}
    assert names == [("Walter Scrivano", case.title)] * 2
    assert counter.count == 3, str(counter)  # the page, its total, the counts: not one per row
    assert quiet.id not in counts
    reports = services.open_reports_of([first.id, second.id, quiet.id])
    assert sorted(reports) == [first.id, second.id] and len(reports[first.id]) == 3


@pytest.mark.csrf
def test_reporting_needs_a_csrf_token(client, case, comment):
    login(client, make_member())
    without = _report(client, comment.id)
    assert without.status_code == 400
    bad = client.post(
        url("cases.report_comment", comment_id=comment.id), data={"reason": "spam", "csrf_token": "not-a-token"}
    )
    assert bad.status_code == 400
    assert _reports() == []
    assert client.post(url("cases.dismiss_reports", comment_id=comment.id)).status_code in (400, 403)
    # The same request with the token goes through.
    ok = client.post(
        url("cases.report_comment", comment_id=comment.id), data={"reason": "spam", "csrf_token": csrf_token(client)}
    )
    assert ok.status_code == 302 and len(_reports()) == 1


def test_the_report_count_on_the_case_page_does_not_grow_with_comments(app, case, writer, count_queries):
    """The case page asks for the open reports of all its comments at once."""
    organiser = app.test_client()
    login(organiser, make_organiser())
    comments = [make_comment(case, writer, f"Commento {n}") for n in range(2)]
    services.report_comment(comments[0], make_member(), "spam")
    db.session.commit()
    with count_queries() as few:
        organiser.get(url("cases.detail", case_id=case.id))
    more = [make_comment(case, writer, f"Altro {n}") for n in range(6)]
    for item in more:
        services.report_comment(item, make_member(), "spam")
    db.session.commit()
    with count_queries() as many:
        assert organiser.get(url("cases.detail", case_id=case.id)).status_code == 200
    assert many.count <= few.count + 1, f"{few}\n\n{many}"
    assert db.session.scalar(select(func.count()).select_from(CommentReport)) == 7
