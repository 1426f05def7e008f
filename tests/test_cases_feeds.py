"""Atom feeds (RFC 4287), parsed with a real feed parser: entries, links, dates, and only public cases."""

from __future__ import annotations

import calendar
from datetime import UTC, datetime, timedelta
from xml.etree import ElementTree as ET  # noqa: S405 - our own feed, in a test

import feedparser
import pytest
from sqlalchemy import update

from club.cases.models import CaseStudy
from club.cases.views import FEED_SIZE
from club.extensions import db
from tests.case_factories import bulk_cases, make_case
from tests.factories import make_competence, make_member, make_sector
from tests.helpers import url

ATOM = "{http://www.w3.org/2005/Atom}"


def _parse(client, path):
    response = client.get(path)
    assert response.status_code == 200, path
    assert response.mimetype == "application/atom+xml"
    parsed = feedparser.parse(response.data)
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.version == "atom10"
    return parsed, response


def _when(struct_time) -> datetime:
    return datetime.fromtimestamp(calendar.timegm(struct_time), UTC)


@pytest.fixture
def published():
    author = make_member(display_name="Anna Autrice")
    coauthor = make_member(display_name="Carlo Coautore")
    banking, telco = make_sector("banking", name_it="Banche"), make_sector("telco")
    journey = make_competence("journey")
    base = datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    cases = [
        make_case(
            author,
            title="Primo caso bancario",
            sector=banking,
            competences=[journey],
            published_at=base,
            coauthors=[coauthor],
            summary="La sintesi del primo caso, in chiaro.",
        ),
        make_case(
            author,
            title="Secondo caso telco",
            sector=telco,
            published_at=base + timedelta(days=10),
            body="## Corpo\n\nCon **grassetto** e [un link](https://example.com/pagina).",
        ),
        make_case(author, title="Terzo caso bancario", sector=banking, published_at=base + timedelta(days=20)),
        make_case(author, title="Riservato ai soci", sector=banking, competences=[journey], visibility="members"),
        make_case(author, title="Bozza bancaria", sector=banking, competences=[journey], status="draft"),
        make_case(author, title="Archiviato bancario", sector=banking, competences=[journey], status="archived"),
    ]
    return cases, {"banking": banking, "telco": telco, "journey": journey}


def test_the_main_feed(client, published):
    cases, _terms = published
    parsed, response = _parse(client, url("cases.feed"))
    assert parsed.feed.title and parsed.feed.id == "http://localhost/cases/feed.atom"
    links = {link.rel: link.href for link in parsed.feed.links}
    assert links["self"] == "http://localhost/cases/feed.atom" and links["alternate"] == "http://localhost/cases/"
    assert [entry.title for entry in parsed.entries] == [
        "Terzo caso bancario",
        "Secondo caso telco",
        "Primo caso bancario",
    ]
    by_title = {entry.title: entry for entry in parsed.entries}
    for case in cases[:3]:
        entry = by_title[case.title]
        expected_link = f"http://localhost/cases/{case.id}"
        assert entry.link == expected_link and entry.id == expected_link
        assert client.get(entry.link.removeprefix("http://localhost")).status_code == 200
        assert _when(entry.published_parsed) == case.published_at.replace(microsecond=0)
        assert _when(entry.updated_parsed) >= _when(entry.published_parsed)
        assert "Anna Autrice" in [author.name for author in entry.authors]
    first = by_title["Primo caso bancario"]
    assert [author.name for author in first.authors] == ["Anna Autrice", "Carlo Coautore"]
    assert first.summary == "La sintesi del primo caso, in chiaro."
    assert first.tags[0].term == "banking"
    second = by_title["Secondo caso telco"]
    assert second.content[0].type == "text/html"
    assert "<strong>grassetto</strong>" in second.content[0].value
    assert 'href="https://example.com/pagina"' in second.content[0].value
    assert _when(parsed.feed.updated_parsed) >= max(_when(e.updated_parsed) for e in parsed.entries)
    assert "max-age" in response.headers["Cache-Control"]


def test_the_feed_is_well_formed_atom(client, published):
    """The elements RFC 4287 requires: feed id/title/updated, entry id/title/updated/author."""
    response = client.get(url("cases.feed"))
    root = ET.fromstring(response.data)  # noqa: S314 - our own output
    assert root.tag == f"{ATOM}feed"
    for name in ("id", "title", "updated"):
        assert root.find(f"{ATOM}{name}") is not None, name
    entries = root.findall(f"{ATOM}entry")
    assert len(entries) == 3
    for entry in entries:
        for name in ("id", "title", "updated", "published", "author/" + ATOM + "name", "link", "summary", "content"):
            assert entry.find(f"{ATOM}{name}") is not None, name
        assert entry.find(f"{ATOM}content").get("type") == "html"
        for stamp in ("updated", "published"):
            datetime.fromisoformat(entry.find(f"{ATOM}{stamp}").text)  # RFC 3339


def test_the_sector_feed(client, published):
    _cases, terms = published
    parsed, _response = _parse(client, url("cases.sector_feed", slug="banking"))
    assert [entry.title for entry in parsed.entries] == ["Terzo caso bancario", "Primo caso bancario"]
    assert "Banche" in parsed.feed.title or "banking" in parsed.feed.title.lower()
    assert parsed.feed.id == "http://localhost/cases/feed/sector/banking.atom"
    telco, _response = _parse(client, url("cases.sector_feed", slug="telco"))
    assert [entry.title for entry in telco.entries] == ["Secondo caso telco"]


def test_the_competence_feed(client, published):
    parsed, _response = _parse(client, url("cases.competence_feed", slug="journey"))
    assert [entry.title for entry in parsed.entries] == ["Primo caso bancario"]
    assert parsed.entries[0].link.startswith("http://localhost/cases/")


def test_unknown_slugs_are_404(client, published):
    assert client.get(url("cases.sector_feed", slug="nessuno")).status_code == 404
    assert client.get(url("cases.competence_feed", slug="nessuna")).status_code == 404
    assert client.get("/cases/feed/sector/.atom").status_code == 404


def test_an_empty_feed_is_still_valid(client):
    make_sector("banking")
    parsed, _response = _parse(client, url("cases.sector_feed", slug="banking"))
    assert parsed.entries == [] and parsed.feed.updated_parsed is not None


def test_the_feed_keeps_the_newest(client):
    author = make_member()
    bulk_cases(author, FEED_SIZE + 5)
    parsed, _response = _parse(client, url("cases.feed"))
    assert len(parsed.entries) == FEED_SIZE
    assert parsed.entries[0].title == f"Caso di massa {FEED_SIZE + 4}"
    dates = [_when(entry.published_parsed) for entry in parsed.entries]
    assert dates == sorted(dates, reverse=True)


def test_an_edit_moves_the_updated_date(client, published):
    cases, _terms = published
    later = datetime(2025, 1, 2, 3, 4, 5, tzinfo=UTC)
    db.session.execute(update(CaseStudy).where(CaseStudy.id == cases[0].id).values(updated_at=later))
    db.session.commit()
    parsed, _response = _parse(client, url("cases.feed"))
    entry = next(entry for entry in parsed.entries if entry.title == "Primo caso bancario")
    assert _when(entry.updated_parsed) == later
    assert _when(entry.published_parsed) == datetime(2024, 3, 1, 10, 30, tzinfo=UTC)
    assert _when(parsed.feed.updated_parsed) >= later


def test_the_feed_updated_date_moves_when_a_case_is_published(client):
    # A case edited long ago and published now: the feed changed now, and says so.
    author = make_member()
    case = make_case(author, title="Scritto tempo fa, pubblicato oggi")
    written = datetime(2020, 5, 5, 5, 5, 5, tzinfo=UTC)
    now = datetime.now(UTC).replace(microsecond=0)
    db.session.execute(update(CaseStudy).where(CaseStudy.id == case.id).values(updated_at=written, published_at=now))
    db.session.commit()
    parsed, _response = _parse(client, url("cases.feed"))
    (entry,) = parsed.entries
    assert _when(entry.updated_parsed) == now
    assert _when(parsed.feed.updated_parsed) >= now


def test_the_feeds_page_links_every_feed(client, published):
    page = client.get(url("cases.feed_list")).get_data(as_text=True)
    for path in (
        url("cases.feed"),
        url("cases.sector_feed", slug="banking"),
        url("cases.competence_feed", slug="journey"),
    ):
        assert path in page


def test_control_characters_do_not_break_the_feed(client):
    # The form accepts them (pasted from other programs); XML 1.0 does not.
    author = make_member()
    make_case(
        author,
        title="Titolo\x0bcon\x01controllo",
        summary="Sintesi\x0c con un salto pagina e altro.",
        body="Corpo \x02 con un carattere di controllo, abbastanza lungo da essere un corpo.",
    )
    parsed, _response = _parse(client, url("cases.feed"))
    assert parsed.entries[0].title == "Titolocon" + "controllo"
