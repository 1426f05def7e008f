"""Full-text search of published case studies: one interface, two engines.

The source of the index is the `case_search_documents` table (normalised, stemmed text, written by
`index_case`). Each engine indexes it its own way:

- SQLite: an FTS5 table with external content, kept in step by triggers, ranked by bm25;
- PostgreSQL: a GIN index on a weighted tsvector expression, ranked by ts_rank.

Objects whose names start with "fts_" or "ix_fts_" are made here and in the migrations, not by the
models; Alembic's comparison leaves them alone (migrations/env.py).
"""

from __future__ import annotations

from sqlalchemy import DDL, Float, column, event, func, literal_column, select, table
from sqlalchemy.sql import Select

from club.cases.models import CaseStudy, SearchDocument, Status
from club.core import textsearch
from club.extensions import db

FTS_TABLE = "fts_case_search"
PG_INDEX = "ix_fts_case_search"

# Title counts most; organisation, metrics and summary next; the body least.
_PG_VECTOR = (
    "setweight(to_tsvector('simple', title_terms), 'A') || "
    "setweight(to_tsvector('simple', organisation_terms || ' ' || metric_terms), 'B') || "
    "setweight(to_tsvector('simple', summary_terms), 'B') || "
    "setweight(to_tsvector('simple', body_terms), 'C')"
)

SQLITE_DDL = [
    f"CREATE VIRTUAL TABLE IF NOT EXISTS {FTS_TABLE} USING fts5("
    "title_terms, summary_terms, body_terms, organisation_terms, metric_terms, "
    "content='case_search_documents', content_rowid='id', tokenize='unicode61 remove_diacritics 2')",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ai AFTER INSERT ON case_search_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}(rowid, title_terms, summary_terms, body_terms, organisation_terms, metric_terms) "
    "VALUES (new.id, new.title_terms, new.summary_terms, new.body_terms, new.organisation_terms, "
    "new.metric_terms); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_ad AFTER DELETE ON case_search_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_terms, summary_terms, body_terms, organisation_terms, "
    "metric_terms) VALUES ('delete', old.id, old.title_terms, old.summary_terms, old.body_terms, "
    "old.organisation_terms, old.metric_terms); END",
    f"CREATE TRIGGER IF NOT EXISTS {FTS_TABLE}_au AFTER UPDATE ON case_search_documents BEGIN "
    f"INSERT INTO {FTS_TABLE}({FTS_TABLE}, rowid, title_terms, summary_terms, body_terms, organisation_terms, "
    "metric_terms) VALUES ('delete', old.id, old.title_terms, old.summary_terms, old.body_terms, "
    "old.organisation_terms, old.metric_terms); "
    f"INSERT INTO {FTS_TABLE}(rowid, title_terms, summary_terms, body_terms, organisation_terms, metric_terms) "
    "VALUES (new.id, new.title_terms, new.summary_terms, new.body_terms, new.organisation_terms, "
    "new.metric_terms); END",
]
SQLITE_DROP = [f"DROP TABLE IF EXISTS {FTS_TABLE}"]
POSTGRES_DDL = [f"CREATE INDEX IF NOT EXISTS {PG_INDEX} ON case_search_documents USING gin (({_PG_VECTOR}))"]
POSTGRES_DROP = [f"DROP INDEX IF EXISTS {PG_INDEX}"]


def create_engine_objects(connection) -> None:
    """Make the engine's index objects (used by the migration; create_all gets them by the events)."""
    statements = SQLITE_DDL if connection.dialect.name == "sqlite" else POSTGRES_DDL
    for statement in statements:
        connection.exec_driver_sql(statement)


def drop_engine_objects(connection) -> None:
    statements = SQLITE_DROP if connection.dialect.name == "sqlite" else POSTGRES_DROP
    for statement in statements:
        connection.exec_driver_sql(statement)


for _statement in SQLITE_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="sqlite"))
for _statement in POSTGRES_DDL:
    event.listen(SearchDocument.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql"))
event.listen(SearchDocument.__table__, "before_drop", DDL(SQLITE_DROP[0]).execute_if(dialect="sqlite"))


# -- keeping the index in step ---------------------------------------------------------------------


def index_case(case: CaseStudy) -> None:
    """Put a published case in the index, or take any other out of it. Call after every change."""
    document = db.session.scalar(select(SearchDocument).where(SearchDocument.case_id == case.id))
    if case.status != Status.PUBLISHED:
        if document is not None:
            db.session.delete(document)
            db.session.flush()
        return
    if document is None:
        document = SearchDocument(case_id=case.id)
        db.session.add(document)
    document.title_terms = textsearch.document_terms(case.title)
    document.summary_terms = textsearch.document_terms(case.summary)
    document.body_terms = textsearch.document_terms(case.body)
    document.organisation_terms = textsearch.document_terms(case.organisation)
    document.metric_terms = textsearch.document_terms(" ".join(metric.name for metric in case.metrics))
    db.session.flush()


def remove_case(case_id: int) -> None:
    db.session.execute(SearchDocument.__table__.delete().where(SearchDocument.case_id == case_id))


# -- querying --------------------------------------------------------------------------------------


def _fts5_query(terms: list[frozenset[str]]) -> str:
    groups = []
    for alternatives in terms:
        quoted = " OR ".join(f'"{stem}"' for stem in sorted(alternatives))
        groups.append(f"({quoted})")
    return " AND ".join(groups)


def _tsquery(terms: list[frozenset[str]]) -> str:
    return " & ".join("(" + " | ".join(sorted(alternatives)) + ")" for alternatives in terms)


def matches(query: str) -> Select | None:
    """A select of (case_id, rank) for the cases matching the query, best first by ascending rank.

    None when the query has no word to search for. The caller joins it to its own filters.
    """
    terms = textsearch.query_terms(query)
    if not terms:
        return None
    if db.engine.dialect.name == "sqlite":
        fts = table(FTS_TABLE, column("rowid"))
        fts_name = literal_column(FTS_TABLE)
        rank = func.bm25(fts_name, 10.0, 4.0, 1.0, 5.0, 5.0)
        return (
            select(SearchDocument.case_id.label("case_id"), rank.label("rank"))
            .select_from(SearchDocument)
            .join(fts, fts.c.rowid == SearchDocument.id)
            .where(fts_name.op("MATCH")(_fts5_query(terms)))
        )
    vector = literal_column(f"({_PG_VECTOR})")
    tsquery = func.to_tsquery(literal_column("'simple'::regconfig"), _tsquery(terms))
    rank = -func.ts_rank(vector, tsquery, type_=Float)
    return select(SearchDocument.case_id.label("case_id"), rank.label("rank")).where(vector.op("@@")(tsquery))
