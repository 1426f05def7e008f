"""Factories and helpers for the case-study tests: each factory returns what it made, committed.

    alice = make_member()
    case = make_case(alice, title="Reclami in 24 ore", sector="banking", metrics=[("NPS", 21, 38, "punti")])
    draft = make_case(alice, status="draft")
    ids = bulk_cases(alice, 2000)            # fast: a few executemany INSERTs, no per-row flush
    client.post(url("cases.new"), data=case_form_data(sector, [function]))

make_case goes through club.cases.services.create_case (so a case made here is what the form would
have made: authors, metrics, the "created" revision), then moves the case to the status asked for
and puts it in the search index with club.cases.search.index_case.
"""

from __future__ import annotations

import html
import io
import re
from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from PIL import Image
from sqlalchemy import insert, select, update

from club.accounts.models import User
from club.cases import search, services
from club.cases.models import (
    CaseAuthor,
    CaseStudy,
    Comment,
    Metric,
    SearchDocument,
    Status,
    case_competences,
    case_functions,
)
from club.core import textsearch
from club.core.models import Competence, Function, Sector
from club.core.timeutil import utcnow
from club.extensions import db
from tests.factories import _next, _term, make_competence, make_function, make_sector

# Neutral words only, so that searches in the tests find what the test wrote and nothing else.
DEFAULT_BODY = (
    "## Il contesto\n\nUn gruppo di lavoro ha cambiato il modo di lavorare, "
    "con le persone di tre funzioni diverse e molta pazienza."
)


def _metric_input(metric) -> services.MetricInput:
    if isinstance(metric, services.MetricInput):
        return metric
    if isinstance(metric, dict):
        name, before, after, unit = metric["name"], metric.get("before"), metric.get("after"), metric.get("unit")
    else:
        name, before, after, unit = (*metric, None, None, None)[:4]
    return services.MetricInput(
        name=name,
        before=None if before is None else Decimal(str(before)),
        after=None if after is None else Decimal(str(after)),
        unit=unit,
    )


def make_case(
    author: User,
    status: str = "published",
    visibility: str = "public",
    *,
    title: str | None = None,
    summary: str | None = None,
    body: str | None = None,
    organisation: str = "Banca Adriatica",
    sector: Sector | str | int | None = None,
    functions: Iterable[Function | str | int] = (),
    competences: Iterable[Competence | str | int] = (),
    metrics: Iterable = (),
    language: str = "it",
    coauthors: Iterable[User] = (),
    published_at: datetime | None = None,
    moderation_comment: str | None = None,
) -> CaseStudy:
    """A case study by `author` (and `coauthors`) in `status`, committed and indexed when published.

    sector, functions and competences accept objects, ids or slugs (missing slugs are created).
    metrics are (name, before, after, unit) tuples, dicts or MetricInput.
    """
    number = _next()
    sector_term = _term(Sector, sector, make_sector)
    function_terms = [_term(Function, value, make_function) for value in functions]
    competence_terms = [_term(Competence, value, make_competence) for value in competences]
    data = services.CaseInput(
        title=title or f"Caso di studio numero {number}",
        summary=summary or f"Sintesi del caso {number}: che cosa è cambiato e che cosa ne è venuto fuori.",
        body=body or DEFAULT_BODY,
        organisation=organisation,
        sector_id=sector_term.id if sector_term else None,
        function_ids=[term.id for term in function_terms],
        competence_ids=[term.id for term in competence_terms],
        language=language,
        visibility=visibility,
        metrics=[_metric_input(metric) for metric in metrics],
        coauthor_emails=[user.email for user in coauthors],
    )
    case = services.create_case(author, data)
    now = utcnow()
    if status != Status.DRAFT:
        case.submitted_at = now
    if status in (Status.PUBLISHED, Status.ARCHIVED):
        case.published_at = published_at or now
        case.published_year = case.published_at.year
    if status == Status.ARCHIVED:
        case.archived_at = now
    if status == Status.CHANGES_REQUESTED:
        case.moderation_comment = moderation_comment or "Aggiungete i numeri, per favore."
    case.status = Status(status).value
    db.session.flush()
    search.index_case(case)
    db.session.commit()
    return case


def make_comment(case: CaseStudy, author: User, body: str = "Un commento utile.", *, age: timedelta | None = None):
    """A comment written `age` ago (now by default); the case's counter follows, as the service does."""
    comment = Comment(case_id=case.id, author_id=author.id, body=body, created_at=utcnow() - (age or timedelta()))
    db.session.add(comment)
    db.session.execute(
        update(CaseStudy).where(CaseStudy.id == case.id).values(comment_count=CaseStudy.comment_count + 1)
    )
    db.session.commit()
    return comment


def bulk_cases(
    author: User,
    count: int,
    *,
    visibility: str = "public",
    status: str = "published",
    sector: Sector | None = None,
    functions: Sequence[Function] = (),
    competences: Sequence[Competence] = (),
    language: str = "it",
    published_at: datetime | None = None,
    index: bool = True,
) -> list[int]:
    """`count` cases in a handful of executemany INSERTs (no ORM object, no per-row flush).

    Every case has one author, one metric, the given terms and, when published and `index`, its
    search document. Returns the new ids.
    """
    start = published_at or (utcnow() - timedelta(days=400))
    rows = []
    for n in range(count):
        when = start + timedelta(minutes=n)
        rows.append(
            {
                "title": f"Caso di massa {n}",
                "summary": f"Sintesi del caso di massa numero {n}, scritta per i test delle liste.",
                "body": f"Corpo del caso di massa {n}: assistenza, reclami, canali digitali.",
                "organisation": f"Organizzazione {n % 50}",
                "sector_id": sector.id if sector else None,
                "language": language,
                "visibility": visibility,
                "status": status,
                "created_by_id": author.id,
                "created_at": when,
                "updated_at": when,
                "submitted_at": when,
                "published_at": when if status == Status.PUBLISHED else None,
                "published_year": when.year if status == Status.PUBLISHED else None,
                "useful_count": 0,
                "comment_count": 0,
            }
        )
    ids = list(db.session.scalars(insert(CaseStudy).returning(CaseStudy.id, sort_by_parameter_order=True), rows))
    db.session.execute(insert(CaseAuthor), [{"case_id": i, "user_id": author.id, "position": 0} for i in ids])
    db.session.execute(
        insert(Metric),
        [{"case_id": i, "position": 0, "name": "NPS", "before": 10, "after": 20, "unit": "punti"} for i in ids],
    )
    if functions:
        db.session.execute(
            insert(case_functions), [{"case_id": i, "function_id": term.id} for i in ids for term in functions]
        )
    if competences:
        db.session.execute(
            insert(case_competences), [{"case_id": i, "competence_id": term.id} for i in ids for term in competences]
        )
    if index and status == Status.PUBLISHED:
        terms = textsearch.document_terms
        db.session.execute(
            insert(SearchDocument),
            [
                {
                    "case_id": i,
                    "title_terms": terms(row["title"]),
                    "summary_terms": terms(row["summary"]),
                    "body_terms": terms(row["body"]),
                    "organisation_terms": terms(row["organisation"]),
                    "metric_terms": terms("NPS"),
                }
                for i, row in zip(ids, rows, strict=True)
            ],
        )
    db.session.commit()
    return ids


def reload_case(case_or_id) -> CaseStudy | None:
    """The case as the database has it now (after the requests the test made)."""
    case_id = case_or_id if isinstance(case_or_id, int) else case_or_id.id
    db.session.expire_all()
    return db.session.get(CaseStudy, case_id)


def case_count() -> int:
    return len(db.session.scalars(select(CaseStudy.id)).all())


# -- form data -------------------------------------------------------------------------------------


def case_form_data(
    sector: Sector | None = None,
    functions: Iterable[Function] = (),
    competences: Iterable[Competence] = (),
    *,
    metrics: Iterable[Sequence] = (),
    **overrides,
) -> dict:
    """What the browser sends from the case form (POST /cases/new or /cases/<id>/edit).

    metrics are (name, before, after, unit) rows of strings, as typed; overrides replace any field
    (e.g. title="", or "metrics-0-name": "x").
    """
    data = {
        "title": "Reclami risolti in 24 ore",
        "summary": "Come una banca ha dimezzato i tempi di risposta ai reclami dei clienti.",
        "body": DEFAULT_BODY,
        "organisation": "Banca Adriatica",
        "sector": str(sector.id) if sector else "",
        "functions": [str(term.id) for term in functions],
        "competences": [str(term.id) for term in competences],
        "language": "it",
        "visibility": "public",
        "coauthors": "",
    }
    for index, row in enumerate(metrics):
        for key, value in zip(("name", "before", "after", "unit"), row, strict=False):
            data[f"metrics-{index}-{key}"] = value
    data.update(overrides)
    return data


# -- files -----------------------------------------------------------------------------------------


def image_bytes(fmt: str = "PNG", size=(800, 600), colour=(20, 120, 200), **save_args) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=fmt, **save_args)
    return out.getvalue()


def pdf_bytes(padding: int = 0) -> bytes:
    """A small, well-formed PDF (one empty page), optionally padded with a comment to a larger size."""
    objects = [
        b"1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n",
        b"2 0 obj << /Type /Pages /Kids [3 0 R] /Count 1 >> endobj\n",
        b"3 0 obj << /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >> endobj\n",
    ]
    body = b"%PDF-1.4\n" + (b"%" + b"x" * padding + b"\n" if padding else b"") + b"".join(objects)
    return body + b"trailer << /Root 1 0 R >>\n%%EOF\n"


# -- reading pages ---------------------------------------------------------------------------------

_CARD_TITLE = re.compile(r'class="case-card__title"><a href="/cases/(\d+)">([^<]*)</a>')


def card_titles(response) -> list[str]:
    """The titles of the case cards of a list page, in order (the text as the page escaped it)."""
    assert response.status_code == 200, response.status_code
    return [html.unescape(title) for _id, title in _CARD_TITLE.findall(response.get_data(as_text=True))]
