"""SQL injection through search boxes and list filters: every attempt is an ordinary (and fruitless) search.

Each list page of the site gets every string of the SQL corpus in its search box and a cut of it in
every other query parameter it reads. The answer is a page (200) or a refusal (400), never a server
error; a search for `' OR 1=1 --` finds none of the rows a real query would not find; and the tables
are all there, with all their rows, afterwards.
"""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from club.accounts.models import User
from club.cases.models import CaseStudy, Comment
from club.core.models import AuditEntry
from club.digests.models import Subscriber
from club.events.models import EventSession, EventWeek
from club.extensions import db
from tests.award_factories import make_category, make_edition, publish
from tests.case_factories import make_case, make_comment
from tests.digest_factories import make_subscriber
from tests.event_factories import make_session, make_week
from tests.factories import make_member, make_organiser
from tests.helpers import login, url
from tests.security_payloads import SQL_INJECTION

# The words that name the world's rows: a page that shows one of them after a hostile search has
# been widened (no row contains any of the payloads).
SECRET_WORDS = ("Velluto", "Ginepro", "Corbezzolo")
FILTER_CUT = ["' OR 1=1 --", "'; DROP TABLE users; --", "%", "x\x00y", "99999999999999999999999", "-1"]


@pytest.fixture
def world(app):
    organiser = make_organiser(display_name="Orsola Velluto", organisation="Ginepro SpA")
    members = [
        make_member(display_name=f"Membro {word}", organisation=f"{word} Srl", sector="banking", function="care")
        for word in SECRET_WORDS
    ]
    for number, word in enumerate(SECRET_WORDS):
        case = make_case(
            members[number],
            title=f"Il caso {word} del servizio clienti",
            summary=f"Sintesi {word} abbastanza lunga da passare.",
            organisation=f"{word} Banca",
            sector="banking",
            functions=["care"],
        )
        make_comment(case, members[(number + 1) % len(members)], f"Commento {word}")
        make_subscriber(f"{word.lower()}@example.org")
    week = make_week(f"Settimana {SECRET_WORDS[0]}", themes=("ascolto", "relazione"))
    make_session(week, title=f"Sessione {SECRET_WORDS[1]}", theme="ascolto")
    make_category(make_edition("voting", week=week), f"Categoria {SECRET_WORDS[2]}")
    closed = make_edition("closed", week=make_week(), title="Premio chiuso")
    make_category(closed, "Categoria chiusa")
    publish(closed)
    staff = app.test_client()
    login(staff, organiser)
    member = app.test_client()
    login(member, members[0])
    for client in (staff, member):
        client.get(url("core.home"))  # shows (and so clears) the welcome message, which names the person
    return {"organiser": staff, "member": member, "anonymous": app.test_client(), "week": week, "edition": closed}


def _row_counts() -> dict[str, int]:
    db.session.expire_all()
    return {
        model.__tablename__: db.session.scalar(select(func.count()).select_from(model))
        for model in (User, CaseStudy, Comment, Subscriber, EventWeek, EventSession, AuditEntry)
    }


def _get(client, path: str, params: dict, allowed=(200, 400)):
    response = client.get(path, query_string=params)
    assert response.status_code in allowed, f"{path} {params!r}: {response.status_code}"
    return response.get_data(as_text=True)


# (who, endpoint, values, the search parameter or None, the other parameters it reads)
def _lists(world) -> list[tuple[str, str, dict, str | None, tuple[str, ...]]]:
    week_id = world["week"].id
    return [
        (
            "anonymous",
            "cases.index",
            {},
            "q",
            ("sector", "function", "competence", "year", "language", "sort", "awarded", "page"),
        ),
        ("member", "members.directory", {}, "q", ("sector", "function", "competence", "page")),
        ("member", "cases.mine", {}, None, ("page",)),
        ("member", "cases.bookmarks", {}, None, ("page",)),
        ("anonymous", "events.index", {}, None, ("page", "week")),
        ("anonymous", "events.week", {"week_id": week_id}, None, ("theme", "kind")),
        ("anonymous", "awards.index", {}, None, ("page", "year")),
        ("member", "awards.receipt", {"edition_id": world["edition"].id}, "receipt", ()),
        ("organiser", "organiser.members", {}, "q", ("role", "state", "sector", "function", "page")),
        ("organiser", "organiser.audit_log", {}, None, ("actor", "kind", "since", "until", "page")),
        ("organiser", "organiser.comments", {}, None, ("show", "page")),
        ("organiser", "organiser.insights", {}, None, ("months", "dimension", "activity")),
        ("organiser", "organiser.invitations", {}, None, ("page", "state")),
        ("organiser", "organiser.silent_members", {}, None, ("page", "days")),
        ("organiser", "organiser.exports_page", {}, None, ("name",)),
        ("organiser", "organiser.export", {"name": "members"}, None, ("since", "until")),
        ("organiser", "cases.moderation", {}, None, ("page",)),
        ("organiser", "digests.admin", {}, "q", ("page",)),
    ]


def test_search_boxes_treat_injection_as_words_and_find_nothing_extra(world):
    before = _row_counts()
    for who, endpoint, values, search, _others in _lists(world):
        if search is None:
            continue
        client = world[who]
        path = url(endpoint, **values)
        for payload in SQL_INJECTION:
            # a receipt that matches no ballot is a 404 by design ("no such receipt")
            page = _get(client, path, {search: payload}, (200, 400, 404) if search == "receipt" else (200, 400))
            if "\x00" in payload:
                continue  # refused as a whole or searched without the NUL: either way no widening to check
            for word in SECRET_WORDS:
                # the organiser's own name shows in the page chrome; the rows are what matters
                if endpoint.startswith(("organiser.", "digests.")) and word == "Velluto":
                    continue
                assert word not in _results_of(page), f"{endpoint} q={payload!r} shows {word}"
    assert _row_counts() == before


def _results_of(page: str) -> str:
    """The page without its header and navigation (which name the signed-in person)."""
    start = page.find("<main")
    return page[start:] if start >= 0 else page


def test_every_filter_parameter_shrugs_off_injection(world):
    before = _row_counts()
    for who, endpoint, values, search, others in _lists(world):
        client = world[who]
        path = url(endpoint, **values)
        for name in others:
            for payload in FILTER_CUT:
                # a page number past the end of any list is a 404 by design
                _get(client, path, {name: payload}, (200, 400, 404) if name == "page" else (200, 400))
        if search is not None:
            # and all at once, combined with a search
            combined = {search: SQL_INJECTION[0], **{name: SQL_INJECTION[1] for name in others}}
            _get(client, path, combined, (200, 400, 404))
    assert _row_counts() == before


def test_csv_exports_and_feeds_ignore_injected_parameters(world):
    before = _row_counts()
    client = world["organiser"]
    for name in ("members", "cases", "rsvps", "feedback", "award-results"):
        for payload in FILTER_CUT[:5]:
            response = client.get(url("organiser.export", name=name), query_string={"q": payload, "since": payload})
            assert response.status_code in (200, 400), (name, payload, response.status_code)
    for payload in FILTER_CUT:
        for path in (
            url("cases.feed"),
            url("cases.sector_feed", slug=payload),
            url("cases.competence_feed", slug=payload),
        ):
            response = world["anonymous"].get(path, query_string={"q": payload})
            assert response.status_code in (200, 400, 404), (path, payload, response.status_code)
    assert _row_counts() == before


def test_a_real_search_still_finds_its_row(world):
    """The control: the searches above found nothing because of the payloads, not because search is broken."""
    for who, endpoint, values, search in (
        ("anonymous", "cases.index", {}, "q"),
        ("member", "members.directory", {}, "q"),
        ("organiser", "organiser.members", {}, "q"),
        ("organiser", "digests.admin", {}, "q"),
    ):
        page = _get(world[who], url(endpoint, **values), {search: "ginepro"})
        assert "inepro" in _results_of(page), endpoint
        assert "Corbezzolo" not in _results_of(page), endpoint
