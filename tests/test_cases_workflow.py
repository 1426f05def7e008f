"""The workflow: every transition by the right actor, refusals that change nothing, history, emails, delete."""

from __future__ import annotations

import itertools

import pytest
from sqlalchemy import func, select

from club.cases import workflow
from club.cases.models import CaseStudy, Revision, SearchDocument, Status
from club.extensions import db
from tests.case_factories import make_case, reload_case
from tests.factories import make_member, make_organiser
from tests.helpers import login, url

EN = {"Accept-Language": "en"}
STATUSES = [status.value for status in Status]


def _revisions(case) -> list[Revision]:
    db.session.expire_all()
    return db.session.scalars(select(Revision).where(Revision.case_id == case.id).order_by(Revision.id)).all()


def _post(client, case, action, comment=None, **kwargs):
    data = {"comment": comment} if comment is not None else {}
    return client.post(url("cases.transition", case_id=case.id, action=action), data=data, **kwargs)


# -- the pure module --------------------------------------------------------------------------------


def test_check_gives_the_target_of_every_transition():
    for action, transition in workflow.TRANSITIONS.items():
        for source in transition.sources:
            for actor in transition.actors:
                assert workflow.check(action, source, {actor}) == transition.target


@pytest.mark.parametrize(
    ("action", "status", "roles", "reason"),
    [
        ("explode", "draft", {"author"}, "unknown"),
        ("explode", "draft", set(), "unknown"),
        ("", "draft", {"organiser"}, "unknown"),
        ("publish", "submitted", {"author"}, "forbidden"),
        ("publish", "draft", {"author"}, "forbidden"),  # who before what
        ("submit", "draft", {"organiser"}, "forbidden"),
        ("submit", "draft", set(), "forbidden"),
        ("restore", "archived", {"author"}, "forbidden"),
        ("request_changes", "submitted", {"author"}, "forbidden"),
        ("withdraw", "submitted", {"organiser"}, "forbidden"),
        ("submit", "submitted", {"author"}, "wrong_status"),
        ("publish", "draft", {"organiser"}, "wrong_status"),
        ("publish", "published", {"organiser"}, "wrong_status"),
        ("archive", "draft", {"author", "organiser"}, "wrong_status"),
        ("withdraw", "published", {"author"}, "wrong_status"),
        ("restore", "published", {"organiser"}, "wrong_status"),
        ("resubmit", "submitted", {"author"}, "wrong_status"),
    ],
)
def test_check_says_why_it_refuses(action, status, roles, reason):
    with pytest.raises(workflow.TransitionRefused) as refused:
        workflow.check(action, status, roles)
    assert refused.value.reason == reason


@pytest.mark.parametrize(
    ("status", "roles", "actions"),
    [
        ("draft", {"author"}, ["submit"]),
        ("draft", {"organiser"}, []),
        ("submitted", {"author"}, ["withdraw"]),
        ("submitted", {"organiser"}, ["request_changes", "publish"]),
        ("submitted", {"author", "organiser"}, ["withdraw", "request_changes", "publish"]),
        ("changes_requested", {"author"}, ["resubmit", "withdraw"]),
        ("changes_requested", {"organiser"}, []),
        ("published", {"author"}, ["archive"]),
        ("published", {"organiser"}, ["archive"]),
        ("archived", {"author"}, []),
        ("archived", {"organiser"}, ["restore"]),
        ("published", set(), []),
    ],
)
def test_available_lists_the_actions_in_a_stable_order(status, roles, actions):
    assert workflow.available(status, roles) == actions


def test_available_and_check_agree_everywhere():
    role_sets = [set(), {"author"}, {"organiser"}, {"author", "organiser"}]
    for status, roles, action in itertools.product(STATUSES, role_sets, [*workflow.TRANSITIONS, "nope"]):
        allowed = action in workflow.available(status, roles)
        try:
            workflow.check(action, status, roles)
        except workflow.TransitionRefused:
            assert not allowed, (status, roles, action)
        else:
            assert allowed, (status, roles, action)


def test_roles_of():
    assert workflow.roles_of(1, False, {1, 2}) == {"author"}
    assert workflow.roles_of(3, True, {1, 2}) == {"organiser"}
    assert workflow.roles_of(1, True, {1}) == {"author", "organiser"}
    assert workflow.roles_of(None, False, {1}) == set()
    assert workflow.roles_of(4, False, {1}) == set()


def test_every_status_is_reachable_and_every_target_is_a_status():
    targets = {transition.target for transition in workflow.TRANSITIONS.values()}
    sources = set().union(*(transition.sources for transition in workflow.TRANSITIONS.values()))
    assert targets | {"draft"} == set(STATUSES)
    assert sources <= set(STATUSES)


# -- through the HTTP client ------------------------------------------------------------------------


def _transition_cases():
    for action, transition in workflow.TRANSITIONS.items():
        for source in sorted(transition.sources):
            for actor in sorted(transition.actors):
                yield action, source, actor, transition.target


def test_every_transition_by_the_right_actor(client, app, mail_outbox):
    author, coauthor, organiser = make_member(), make_member(), make_organiser()
    clients = {"author": client, "organiser": app.test_client()}
    login(clients["author"], author)
    login(clients["organiser"], organiser)
    users = {"author": author, "organiser": organiser}
    for action, source, actor, target in _transition_cases():
        case = make_case(author, status=source, coauthors=[coauthor])
        mail_outbox.clear()
        _check_transition(clients[actor], users[actor], author, coauthor, case, action, source, target, mail_outbox)


def _check_transition(client, user, author, coauthor, case, action, source, target, mail_outbox):
    label = f"{action} from {source}"
    before = len(_revisions(case))
    response = _post(client, case, action, comment="Manca il dato di partenza del NPS.")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    assert response.headers["Location"].endswith(url("cases.detail", case_id=case.id))
    case = reload_case(case)
    assert case.status == target, label
    revisions = _revisions(case)
    assert len(revisions) == before + 1, label
    last = revisions[-1]
    assert last.action == action and last.user_id == user.id and last.created_at is not None, label
    assert last.changes["status"]["to"] == target and source in last.changes["status"]["from"], label
    emailed = sorted(message["To"] for message in mail_outbox)
    if action in ("publish", "request_changes"):
        assert emailed == sorted([author.email, coauthor.email])
        assert all(f"/cases/{case.id}" in message.get_body(("plain",)).get_content() for message in mail_outbox)
    else:
        assert emailed == [], label
    if action == "request_changes":
        assert case.moderation_comment == "Manca il dato di partenza del NPS.", label
        assert last.comment == "Manca il dato di partenza del NPS.", label
        assert all("Manca il dato di partenza" in m.get_body(("plain",)).get_content() for m in mail_outbox)
    if target == "published":
        assert case.published_at is not None and case.published_year == case.published_at.year, label
        assert db.session.scalar(select(SearchDocument).where(SearchDocument.case_id == case.id)) is not None, label
    else:
        assert db.session.scalar(select(SearchDocument).where(SearchDocument.case_id == case.id)) is None, label
    if action in ("submit", "resubmit"):
        assert case.submitted_at is not None, label
    if action == "archive":
        assert case.archived_at is not None, label
    if action == "restore":
        assert case.archived_at is None, label


def test_restore_keeps_the_first_publication_date(client):
    case = make_case(make_member(), status="archived")
    first = reload_case(case).published_at
    login(client, make_organiser())
    assert _post(client, case, "restore").status_code == 302
    assert reload_case(case).published_at == first


def _refusal_cases():
    # (action, status, who) that must be refused, and the status code that says why
    for action, transition in workflow.TRANSITIONS.items():
        source = sorted(transition.sources)[0]
        if "author" not in transition.actors:
            yield pytest.param(action, source, "author", 403, id=f"{action}-by-author")
        if "organiser" not in transition.actors:
            yield pytest.param(action, source, "organiser", 403, id=f"{action}-by-organiser")
        # any other member: the unpublished cases are not even visible to them
        yield pytest.param(action, source, "member", 403 if source == "published" else 404, id=f"{action}-by-member")
        wrong = next(status for status in STATUSES if status not in transition.sources)
        who = sorted(transition.actors)[0]
        yield pytest.param(action, wrong, who, 409, id=f"{action}-from-{wrong}")
    yield pytest.param("explode", "draft", "author", 400, id="unknown-action-author")
    yield pytest.param("explode", "submitted", "organiser", 400, id="unknown-action-organiser")


REFUSAL_MESSAGES = {
    400: "This action does not exist.",
    403: "You are not allowed to do this.",
    409: "This case study is not in a state that allows this action.",
}


def test_refused_transitions_change_nothing(client, app, mail_outbox):
    author = make_member()
    member, organiser = make_member(), make_organiser()
    clients = {"author": client, "member": app.test_client(), "organiser": app.test_client()}
    login(clients["author"], author)
    login(clients["member"], member)
    login(clients["organiser"], organiser)
    for param in _refusal_cases():
        action, status, who, expected = param.values
        case = make_case(author, status=status)
        before = len(_revisions(case))
        response = _post(clients[who], case, action, comment="Un commento", headers=EN)
        assert response.status_code == expected, param.id
        if expected in REFUSAL_MESSAGES:
            assert REFUSAL_MESSAGES[expected] in response.get_data(as_text=True), param.id
        assert reload_case(case).status == status, param.id
        assert len(_revisions(case)) == before, param.id
    assert mail_outbox == []


def test_request_changes_needs_a_comment(client, mail_outbox):
    case = make_case(make_member(), status="submitted")
    login(client, make_organiser())
    for comment in (None, "", "   \n  "):
        response = _post(client, case, "request_changes", comment=comment)
        assert response.status_code == 400, repr(comment)
        assert reload_case(case).status == "submitted" and reload_case(case).moderation_comment is None
        assert [r.action for r in _revisions(case)] == ["created"]
    assert mail_outbox == []


def test_a_bad_moderation_comment_is_refused(client, mail_outbox):
    case = make_case(make_member(), status="submitted")
    login(client, make_organiser())
    for comment in ("x" * 5001, "Manca \x00 qualcosa"):
        assert _post(client, case, "request_changes", comment=comment).status_code == 400
        assert reload_case(case).status == "submitted" and mail_outbox == []


def test_anonymous_visitors_cannot_act(client):
    case = make_case(make_member(), status="published")
    response = _post(client, case, "archive")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert reload_case(case).status == "published"


def test_a_whole_round_trip_is_recorded_in_the_history(client, app):
    author = make_member(display_name="Anna Autrice")
    organiser = make_organiser(display_name="Otto Organizzatore")
    case = make_case(author, status="draft")
    editor = app.test_client()
    login(client, author)
    login(editor, organiser)
    steps = [
        (client, "submit", None),
        (editor, "request_changes", "Aggiungete i numeri"),
        (client, "withdraw", None),
        (client, "submit", None),
        (editor, "request_changes", "Ancora i numeri"),
        (client, "resubmit", None),
        (editor, "publish", None),
        (client, "archive", None),
        (editor, "restore", None),
    ]
    for who, action, comment in steps:
        assert _post(who, case, action, comment=comment).status_code == 302, action
    assert [r.action for r in _revisions(case)] == ["created", *[step[1] for step in steps]]
    history = client.get(url("cases.history", case_id=case.id), headers=EN)
    assert history.status_code == 200
    page = history.get_data(as_text=True)
    assert "Anna Autrice" in page and "Otto Organizzatore" in page and "Ancora i numeri" in page
    assert page.count("<time") == len(steps) + 1


def test_the_detail_page_offers_the_available_actions(client):
    author = make_member()
    case = make_case(author, status="draft")
    login(client, author)
    page = client.get(url("cases.detail", case_id=case.id)).get_data(as_text=True)
    assert url("cases.transition", case_id=case.id, action="submit") in page
    assert url("cases.transition", case_id=case.id, action="publish") not in page


def test_the_author_sees_the_changes_requested(client):
    author = make_member()
    case = make_case(author, status="changes_requested", moderation_comment="Servono **i numeri** di partenza")
    login(client, author)
    page = client.get(url("cases.detail", case_id=case.id)).get_data(as_text=True)
    assert "<strong>i numeri</strong>" in page


def test_history_is_for_authors_and_organisers(client, app):
    author = make_member()
    case = make_case(author, status="published")
    assert client.get(url("cases.history", case_id=case.id)).status_code == 302  # sign in first
    login(client, make_member())
    assert client.get(url("cases.history", case_id=case.id)).status_code == 403
    organiser = app.test_client()
    login(organiser, make_organiser())
    assert organiser.get(url("cases.history", case_id=case.id)).status_code == 200


# -- delete -----------------------------------------------------------------------------------------


def _exists(case_id: int) -> bool:
    db.session.expire_all()
    return db.session.get(CaseStudy, case_id) is not None


DELETIONS = [
    ("draft", "author", 302),
    ("draft", "coauthor", 302),
    ("submitted", "author", 403),
    ("changes_requested", "author", 403),
    ("published", "author", 403),
    ("archived", "author", 403),
    ("draft", "member", 404),
    ("published", "member", 403),
    ("draft", "organiser", 302),
    ("submitted", "organiser", 302),
    ("published", "organiser", 302),
    ("archived", "organiser", 302),
]


def test_delete(client, app):
    author, coauthor = make_member(), make_member()
    users = {"author": author, "coauthor": coauthor, "member": make_member(), "organiser": make_organiser()}
    clients = {}
    for who, user in users.items():
        clients[who] = app.test_client()
        login(clients[who], user)
    for status, who, expected in DELETIONS:
        case_id = make_case(author, status=status, coauthors=[coauthor]).id
        revisions = db.session.scalar(select(func.count()).select_from(Revision))
        documents = db.session.scalar(select(func.count()).select_from(SearchDocument))
        response = clients[who].post(url("cases.delete", case_id=case_id))
        label = f"{status} by {who}"
        assert response.status_code == expected, label
        assert _exists(case_id) is (expected != 302), label
        if expected == 302:
            assert db.session.scalar(select(func.count()).select_from(Revision)) < revisions, label
            assert db.session.scalar(select(func.count(Revision.id)).where(Revision.case_id == case_id)) == 0
            assert (
                db.session.scalar(
                    select(func.count()).select_from(SearchDocument).where(SearchDocument.case_id == case_id)
                )
                == 0
            ), label
            assert db.session.scalar(select(func.count()).select_from(SearchDocument)) <= documents
            assert clients["organiser"].get(url("cases.detail", case_id=case_id)).status_code == 404, label
