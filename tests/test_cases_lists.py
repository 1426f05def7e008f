"""The case list: filters, sorts, pagination, and a number of queries that does not grow with the data."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, update

from club.cases.models import Attachment, CaseStudy
from club.cases.views import PAGE_SIZE
from club.extensions import db
from tests.case_factories import bulk_cases, card_titles, make_case, make_comment
from tests.factories import make_competence, make_function, make_member, make_sector
from tests.helpers import login, url

_titles = card_titles


def _set(case, **values):
    db.session.execute(update(CaseStudy).where(CaseStudy.id == case.id).values(**values))
    db.session.commit()


@pytest.fixture
def catalogue():
    author = make_member()
    banking, telco = make_sector("banking"), make_sector("telco")
    care, it = make_function("customer-care"), make_function("it")
    journey, voice = make_competence("journey"), make_competence("voice")
    when = lambda year, month: datetime(year, month, 10, 9, 0, tzinfo=UTC)  # noqa: E731
    cases = {
        "A": make_case(
            author,
            title="Alfa banca",
            sector=banking,
            functions=[care],
            competences=[journey],
            published_at=when(2023, 3),
        ),
        "B": make_case(
            author,
            title="Beta telco",
            sector=telco,
            functions=[it],
            competences=[voice],
            published_at=when(2024, 5),
            language="en",
        ),
        "C": make_case(
            author,
            title="Gamma banca",
            sector=banking,
            functions=[care, it],
            competences=[voice],
            published_at=when(2024, 9),
        ),
        "D": make_case(
            author,
            title="Delta telco",
            sector=telco,
            functions=[care],
            competences=[],
            published_at=when(2025, 1),
            language="en",
        ),
    }
    _set(cases["A"], useful_count=5, comment_count=1)
    _set(cases["B"], useful_count=1, comment_count=7)
    _set(cases["C"], useful_count=9, comment_count=0)
    _set(cases["D"], useful_count=0, comment_count=3)
    terms = {"banking": banking, "telco": telco, "care": care, "it": it, "journey": journey, "voice": voice}
    return cases, terms


def test_sorts(client, catalogue):
    assert _titles(client.get(url("cases.index"))) == ["Delta telco", "Gamma banca", "Beta telco", "Alfa banca"]
    assert _titles(client.get(url("cases.index", sort="newest"))) == [
        "Delta telco",
        "Gamma banca",
        "Beta telco",
        "Alfa banca",
    ]
    assert _titles(client.get(url("cases.index", sort="useful"))) == [
        "Gamma banca",
        "Alfa banca",
        "Beta telco",
        "Delta telco",
    ]
    assert _titles(client.get(url("cases.index", sort="discussed"))) == [
        "Beta telco",
        "Delta telco",
        "Alfa banca",
        "Gamma banca",
    ]


def test_ties_are_broken_by_the_newest(client, catalogue):
    cases, _terms = catalogue
    for case in cases.values():
        _set(case, useful_count=2)
    assert _titles(client.get(url("cases.index", sort="useful"))) == [
        "Delta telco",
        "Gamma banca",
        "Beta telco",
        "Alfa banca",
    ]


def test_filters(client, catalogue):
    _cases, t = catalogue
    checks = [
        ({"sector": t["banking"].id}, {"Alfa banca", "Gamma banca"}),
        ({"sector": t["telco"].id}, {"Beta telco", "Delta telco"}),
        ({"function": t["it"].id}, {"Beta telco", "Gamma banca"}),
        ({"function": t["care"].id}, {"Alfa banca", "Gamma banca", "Delta telco"}),
        ({"competence": t["voice"].id}, {"Beta telco", "Gamma banca"}),
        ({"competence": t["journey"].id}, {"Alfa banca"}),
        ({"year": 2024}, {"Beta telco", "Gamma banca"}),
        ({"year": 2025}, {"Delta telco"}),
        ({"language": "en"}, {"Beta telco", "Delta telco"}),
        ({"language": "it"}, {"Alfa banca", "Gamma banca"}),
        ({"sector": t["banking"].id, "function": t["it"].id}, {"Gamma banca"}),
        ({"sector": t["telco"].id, "language": "en", "year": 2024, "competence": t["voice"].id}, {"Beta telco"}),
        ({"sector": t["banking"].id, "language": "en"}, set()),
        (
            {"sector": "", "function": "", "year": "", "language": "", "sort": ""},
            {"Alfa banca", "Beta telco", "Gamma banca", "Delta telco"},
        ),
    ]
    for args, expected in checks:
        assert set(_titles(client.get(url("cases.index", **args)))) == expected, args


def test_the_year_filter_offers_the_years_with_cases(client, catalogue):
    page = client.get(url("cases.index")).get_data(as_text=True)
    years = re.findall(r'<option value="(\d{4})"', page)
    assert years == ["2025", "2024", "2023"]


def test_bad_filters_answer_400(client, catalogue):
    for args in (
        {"sector": "abc"},
        {"sector": "99999"},
        {"function": "99999"},
        {"competence": "-1"},
        {"year": "1999"},
        {"year": "duemila"},
        {"language": "fr"},
        {"sort": "random"},
        {"q": "x" * 201},
    ):
        assert client.get(url("cases.index", **args)).status_code == 400, args


def test_pagination(client):
    author = make_member()
    bulk_cases(author, PAGE_SIZE * 2 + 3)
    first = client.get(url("cases.index"))
    second = client.get(url("cases.index", page=2))
    third = client.get(url("cases.index", page=3))
    assert len(_titles(first)) == PAGE_SIZE and len(_titles(second)) == PAGE_SIZE and len(_titles(third)) == 3
    seen = _titles(first) + _titles(second) + _titles(third)
    assert len(set(seen)) == PAGE_SIZE * 2 + 3
    assert seen[0] == f"Caso di massa {PAGE_SIZE * 2 + 2}" and seen[-1] == "Caso di massa 0"
    assert 'href="/cases/?page=2"' in first.get_data(as_text=True)
    assert _titles(client.get(url("cases.index", page=99))) == []
    assert client.get(url("cases.index", page="abc")).status_code in (200, 400)
    assert client.get(url("cases.index", page=-1)).status_code in (200, 400)


def test_pagination_keeps_the_filters(client):
    author = make_member()
    sector = make_sector("banking")
    bulk_cases(author, PAGE_SIZE + 1, sector=sector)
    bulk_cases(author, 5)
    first = client.get(url("cases.index", sector=sector.id, sort="newest")).get_data(as_text=True)
    assert f"sector={sector.id}" in re.search(r'href="(/cases/\?[^"]*page=2[^"]*)"', first).group(1)
    assert len(_titles(client.get(url("cases.index", sector=sector.id, page=2)))) == 1


# -- queries that do not grow -----------------------------------------------------------------------


def _count(client, count_queries, path) -> tuple[int, str]:
    client.get(path)  # warm up: first-request caches are not the page's queries
    with count_queries() as counter:
        response = client.get(path)
    assert response.status_code == 200, path
    return counter.count, str(counter)


def test_the_list_page_runs_as_many_queries_with_20_as_with_2000_cases(client, app, count_queries):
    author = make_member()
    sector, function, competence = make_sector("banking"), make_function("cx"), make_competence("voice")
    common = {"sector": sector, "functions": [function], "competences": [competence]}
    bulk_cases(author, 15, **common)  # page 2 has cards for anonymous visitors too
    bulk_cases(author, 5, visibility="members", **common)
    member = app.test_client()
    login(member, make_member())
    paths = [
        url("cases.index"),
        url("cases.index", sort="useful"),
        url("cases.index", sector=sector.id, function=function.id, competence=competence.id, language="it"),
        url("cases.index", q="assistenza reclami"),
        url("cases.index", page=2),
        url("core.home"),
        url("cases.feed"),
    ]
    small = {
        (who, path): _count(c, count_queries, path)
        for who, c in (("anon", client), ("member", member))
        for path in paths
    }
    bulk_cases(author, 985, **common)
    bulk_cases(author, 995, visibility="members", **common)
    for (who, path), (count, statements) in small.items():
        c = client if who == "anon" else member
        large, large_statements = _count(c, count_queries, path)
        assert large == count, (
            f"{who} {path}: {count} queries with 20 cases, {large} with 2000\n{statements}\n---\n{large_statements}"
        )


def test_the_case_page_runs_as_many_queries_with_20_as_with_2000_cases(client, app, count_queries):
    author, coauthor = make_member(), make_member()
    sector, function, competence = make_sector("banking"), make_function("cx"), make_competence("voice")
    case = make_case(
        author,
        coauthors=[coauthor],
        sector=sector,
        functions=[function, make_function()],
        competences=[competence],
        metrics=[("NPS", 21, 38, "punti"), ("FCR", 64, 81, "%"), ("AHT", 300, 240, "s")],
    )
    readers = [make_member() for _ in range(3)]
    for reader in readers:
        make_comment(case, reader, "Un commento con **Markdown**")
    db.session.execute(
        insert(Attachment),
        [
            {
                "case_id": case.id,
                "slot": n,
                "stored_name": f"{case.id}-{n}.pdf",
                "original_name": f"parte-{n}.pdf",
                "content_type": "application/pdf",
                "size": 1000 * n,
                "uploaded_by_id": author.id,
            }
            for n in range(1, 3)
        ],
    )
    db.session.commit()
    bulk_cases(author, 19, sector=sector, functions=[function], competences=[competence])
    member = app.test_client()
    login(member, readers[0])
    path = url("cases.detail", case_id=case.id)
    small = {"anon": _count(client, count_queries, path), "member": _count(member, count_queries, path)}
    bulk_cases(author, 1980, sector=sector, functions=[function], competences=[competence])
    for reader in (make_member() for _ in range(10)):
        make_comment(case, reader, "Altri commenti, altri autori")
    for who, c in (("anon", client), ("member", member)):
        large, statements = _count(c, count_queries, path)
        assert large == small[who][0], (
            f"{who}: {small[who][0]} queries before, {large} after\n{small[who][1]}\n---\n{statements}"
        )


def test_the_list_shows_cards_with_their_metrics_and_authors(client):
    author = make_member(display_name="Anna Autrice")
    coauthor = make_member(display_name="Carlo Coautore")
    make_case(
        author,
        coauthors=[coauthor],
        title="Con i numeri",
        metrics=[("NPS", 21, 38, "punti")],
        published_at=datetime.now(UTC) - timedelta(days=1),
    )
    page = client.get(url("cases.index")).get_data(as_text=True)
    assert "Con i numeri" in page and "Anna Autrice" in page and "Carlo Coautore" in page
    assert "NPS" in page and "38" in page
