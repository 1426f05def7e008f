"""Full-text search: stemming and accents, ranking, snippets, filters, visibility and an index that follows.

The same tests run on SQLite (FTS5) and on PostgreSQL (tsvector); `database_backend` says which.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from markupsafe import Markup
from sqlalchemy import func, select, text

from club.cases import search
from club.cases.models import CaseStudy, SearchDocument
from club.core import textsearch
from club.extensions import db
from tests.case_factories import card_titles, case_form_data, make_case, reload_case
from tests.factories import make_function, make_member, make_organiser, make_sector
from tests.helpers import login, url


def _found(client, q, **args) -> list[str]:
    return card_titles(client.get(url("cases.index", q=q, **args)))


def _published(year: int, month: int = 6) -> datetime:
    return datetime(year, month, 1, 12, 0, tzinfo=UTC)


# -- the pure module --------------------------------------------------------------------------------


def test_fold_lowercases_and_strips_accents():
    assert textsearch.fold("Qualità PERCHÉ Città") == "qualita perche citta"
    assert textsearch.words("L'assistenza, 24/7: qualità!") == ["l", "assistenza", "24", "7", "qualita"]


def test_italian_and_english_words_share_their_stems():
    assert textsearch.stems("clienti") & textsearch.stems("cliente")
    assert textsearch.stems("reclami") & textsearch.stems("reclamo")
    assert textsearch.stems("customers") & textsearch.stems("customer")
    assert textsearch.stems("journeys") & textsearch.stems("journey")
    assert textsearch.stems("qualita") == textsearch.stems(textsearch.fold("qualità"))


def test_document_and_query_terms():
    assert textsearch.document_terms("") == "" and textsearch.document_terms(None) == ""
    assert "client" in textsearch.document_terms("I clienti").split()
    assert textsearch.query_terms("clienti Clienti CLIENTI") == [textsearch.stems("clienti")]
    assert textsearch.query_terms("") == [] and textsearch.query_terms('*** " ( ) :') == []
    many = " ".join(f"parola{n}" for n in range(50))
    assert len(textsearch.query_terms(many)) == textsearch.MAX_QUERY_WORDS


def test_snippet_marks_the_matches_and_escapes_the_rest():
    terms = textsearch.query_terms("reclami")
    snippet = textsearch.snippet("Gestione dei <b>reclamo</b> & dei Reclami in 24 ore", terms)
    assert isinstance(snippet, Markup)
    assert "<mark>reclamo</mark>" in snippet and "<mark>Reclami</mark>" in snippet
    assert "&lt;b&gt;" in snippet and "&amp;" in snippet and "<b>" not in snippet
    assert textsearch.snippet("", terms) == ""
    assert "<mark>" not in textsearch.snippet("Nessuna corrispondenza qui", terms)


def test_snippet_is_a_window_around_the_first_match():
    text_ = " ".join(f"parola{n}" for n in range(100)) + " qualità " + " ".join(f"fine{n}" for n in range(100))
    snippet = str(textsearch.snippet(text_, textsearch.query_terms("qualita"), width=10))
    assert snippet.startswith("… ") and snippet.endswith(" …")
    assert "<mark>qualità</mark>" in snippet and len(snippet.split()) <= 14


# -- through the pages ------------------------------------------------------------------------------


@pytest.fixture
def author():
    return make_member()


def test_plural_finds_singular_and_accents_are_ignored(client, author):
    make_case(author, title="Il cliente al centro del servizio")
    make_case(author, title="La qualità del servizio clienti", summary="Misurare la qualità percepita, ogni giorno.")
    make_case(author, title="Customer journey in a utility", language="en")
    make_case(author, title="Un caso che non c'entra nulla")
    assert set(_found(client, "clienti")) == {"Il cliente al centro del servizio", "La qualità del servizio clienti"}
    assert _found(client, "qualita") == ["La qualità del servizio clienti"]
    assert _found(client, "QUALITÀ") == ["La qualità del servizio clienti"]
    assert _found(client, "customers") == ["Customer journey in a utility"]
    assert _found(client, "journeys") == ["Customer journey in a utility"]


def test_every_word_must_match(client, author):
    make_case(author, title="Reclami e chatbot")
    make_case(author, title="Reclami allo sportello")
    assert _found(client, "reclami chatbot") == ["Reclami e chatbot"]
    assert _found(client, "reclami inesistentissimo") == []


def test_organisation_summary_body_and_metric_names_are_searched(client, author):
    make_case(author, title="Primo", organisation="Acquedotto Pugliese")
    make_case(author, title="Secondo", summary="Una sintesi che parla di ornitorinchi e di altro ancora.")
    make_case(author, title="Terzo", body="Un corpo lungo che parla di cammelli, " + "e di altro. " * 10)
    make_case(author, title="Quarto", metrics=[("Tasso di abbandono", 12, 8, "%")])
    assert _found(client, "acquedotto") == ["Primo"]
    assert _found(client, "ornitorinco") == ["Secondo"]
    assert _found(client, "cammello") == ["Terzo"]
    assert _found(client, "abbandono") == ["Quarto"]


def test_a_title_match_ranks_above_a_body_only_match(client, author):
    make_case(author, title="Il chatbot che risponde", body="Un corpo qualunque, " * 5, published_at=_published(2022))
    make_case(
        author,
        title="Un progetto più recente",
        body="Abbiamo parlato di molte cose, anche di un chatbot, " + "e di altro ancora. " * 20,
        published_at=_published(2025),
    )
    make_case(
        author,
        title="Il chatbot ovunque",
        summary="Il chatbot, il chatbot, sempre il chatbot nei canali.",
        body="Il chatbot nel corpo. " * 5,
        published_at=_published(2020),
    )
    found = _found(client, "chatbot")
    assert found[-1] == "Un progetto più recente"
    assert set(found[:2]) == {"Il chatbot che risponde", "Il chatbot ovunque"}
    # with an explicit sort the search filters and the sort orders
    assert _found(client, "chatbot", sort="newest") == [
        "Un progetto più recente",
        "Il chatbot che risponde",
        "Il chatbot ovunque",
    ]


def test_results_carry_a_highlighted_snippet(client, author):
    make_case(author, title="Sintesi", summary="Abbiamo ridotto i reclami <b>del 40%</b> in sei mesi.")
    make_case(
        author,
        title="Corpo",
        summary="Una sintesi senza la parola.",
        body="## Titolo\n\nNel corpo parliamo di **fatturazione** elettronica e dei clienti.",
    )
    page = client.get(url("cases.index", q="reclamo")).get_data(as_text=True)
    assert "<mark>reclami</mark>" in page and "&lt;b&gt;del 40%&lt;/b&gt;" in page
    body_page = client.get(url("cases.index", q="fatturazione")).get_data(as_text=True)
    assert "<mark>fatturazione</mark>" in body_page
    assert "**" not in body_page.split("<mark>fatturazione</mark>")[0][-40:]  # Markdown became plain text


def test_search_combines_with_the_filters(client, author):
    banking, telco = make_sector("banking"), make_sector("telco")
    make_case(author, title="Reclami in banca", sector=banking, published_at=_published(2024))
    make_case(author, title="Reclami in telco", sector=telco, published_at=_published(2024), language="en")
    make_case(author, title="Reclami di una volta", sector=banking, published_at=_published(2021))
    make_case(author, title="Fatture in banca", sector=banking, published_at=_published(2024))
    assert set(_found(client, "reclami", sector=banking.id)) == {"Reclami in banca", "Reclami di una volta"}
    assert _found(client, "reclami", sector=banking.id, year=2024) == ["Reclami in banca"]
    assert _found(client, "reclami", language="en") == ["Reclami in telco"]
    assert _found(client, "fatture", sector=telco.id) == []


def test_members_only_cases_are_found_by_members_only(client, app, author):
    make_case(author, title="Segreto dei soci", visibility="members")
    make_case(author, title="Segreto pubblico")
    make_case(author, title="Segreto in bozza", status="draft")
    assert _found(client, "segreto") == ["Segreto pubblico"]
    member = app.test_client()
    login(member, make_member())
    assert set(_found(member, "segreto")) == {"Segreto dei soci", "Segreto pubblico"}
    organiser = app.test_client()
    login(organiser, make_organiser())
    assert "Segreto in bozza" not in _found(organiser, "segreto")


def test_the_index_follows_create_edit_archive_restore_and_delete(client, app, author):
    sector, function = make_sector("utilities"), make_function("customer-care")
    writer, moderator = app.test_client(), app.test_client()
    login(writer, author)
    login(moderator, make_organiser())
    data = case_form_data(sector, [function], title="Il caso dell'ornitorinco")
    assert writer.post(url("cases.new"), data=data).status_code == 302
    case_id = _newest_case_id()
    assert _found(client, "ornitorinco") == []  # a draft is not in the index
    assert writer.post(url("cases.transition", case_id=case_id, action="submit")).status_code == 302
    assert _found(client, "ornitorinco") == []
    assert moderator.post(url("cases.transition", case_id=case_id, action="publish")).status_code == 302
    assert _found(client, "ornitorinco") == ["Il caso dell'ornitorinco"]

    data["title"] = "Il caso dell'ippopotamo"
    assert writer.post(url("cases.update", case_id=case_id), data=data).status_code == 302
    assert _found(client, "ornitorinco") == []
    assert _found(client, "ippopotamo") == ["Il caso dell'ippopotamo"]

    assert writer.post(url("cases.transition", case_id=case_id, action="archive")).status_code == 302
    assert _found(client, "ippopotamo") == []
    assert moderator.post(url("cases.transition", case_id=case_id, action="restore")).status_code == 302
    assert _found(client, "ippopotamo") == ["Il caso dell'ippopotamo"]

    assert moderator.post(url("cases.delete", case_id=case_id)).status_code == 302
    assert _found(client, "ippopotamo") == []
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 0


def _newest_case_id() -> int:
    return db.session.scalar(select(CaseStudy.id).order_by(CaseStudy.id.desc()).limit(1))


def test_the_index_follows_withdraw_and_changes_requested(client, app, author):
    case = make_case(author, status="submitted", title="Il caso del fenicottero")
    moderator = app.test_client()
    login(moderator, make_organiser())
    moderator.post(url("cases.transition", case_id=case.id, action="request_changes"), data={"comment": "Numeri"})
    assert _found(client, "fenicottero") == []
    assert reload_case(case).status == "changes_requested"


ODD_QUERIES = [
    "",
    " ",
    "***",
    '"',
    '""',
    "'",
    "OR",
    "AND",
    "NOT",
    "NEAR(a b)",
    "a OR b",
    "title_terms:x",
    "(",
    ")",
    "-",
    "^",
    "*a*",
    "a & b | !c",
    "<->",
    ":*",
    "\\",
    "%_%",
    "😀",
    "ß İ ǅ",
    "a" * 200,
    "a" * 500,
    "x\x00y",
    "<script>alert(1)</script>",
]


def test_odd_queries_never_fail(client, author):
    make_case(author, title="Un caso qualunque con la lettera a")
    for q in ODD_QUERIES:
        response = client.get(url("cases.index", q=q))
        assert response.status_code in (200, 400), (q, response.status_code)
        if len(q) <= 200 and "\x00" not in q:
            assert response.status_code == 200, q
        assert "<script>alert(1)</script>" not in response.get_data(as_text=True), q


def test_matches_says_none_when_there_is_nothing_to_search(app):
    assert search.matches("") is None
    assert search.matches("*** ( )") is None
    assert search.matches("cliente") is not None


def test_the_engine_objects_exist(app, database_backend):
    with db.engine.connect() as connection:
        if database_backend == "sqlite":
            names = connection.execute(text("SELECT name FROM sqlite_master")).scalars().all()
            assert search.FTS_TABLE in names
            assert {f"{search.FTS_TABLE}_ai", f"{search.FTS_TABLE}_ad", f"{search.FTS_TABLE}_au"} <= set(names)
        else:
            assert database_backend == "postgresql"
            indexes = connection.execute(text("SELECT indexname FROM pg_indexes")).scalars().all()
            assert search.PG_INDEX in indexes


def test_the_postgresql_query_uses_its_index(app, author, database_backend):
    if database_backend != "postgresql":
        pytest.skip("PostgreSQL only: the GIN index on the weighted tsvector")
    make_case(author, title="Il cliente")
    statement = search.matches("cliente")
    with db.engine.connect() as connection:
        connection.execute(text("SET enable_seqscan = off"))
        compiled = statement.compile(connection, compile_kwargs={"literal_binds": True})
        plan = "\n".join(connection.execute(text(f"EXPLAIN {compiled}")).scalars())
    assert search.PG_INDEX in plan, plan


def test_index_case_is_idempotent_and_follows_the_status(app, author):
    case = make_case(author, title="Il pellicano")
    search.index_case(case)
    search.index_case(case)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 1
    case.status = "archived"
    search.index_case(case)
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(SearchDocument)) == 0
    assert db.session.scalars(search.matches("pellicano")).all() == []
