"""The taxonomy: reading the active terms (sorted by their name in the current language), and the
organisers' operations on it (add, rename, retire, restore, merge) that keep existing data whole."""

from __future__ import annotations

import re
import unicodedata

from flask_babel import gettext
from flask_babel import lazy_gettext as _l
from sqlalchemy import (
    Column,
    PrimaryKeyConstraint,
    Table,
    UniqueConstraint,
    and_,
    delete,
    exists,
    func,
    or_,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError, NoReferencedColumnError, NoReferencedTableError

from club.core.models import Competence, Function, Sector
from club.core.refusal import Refused
from club.core.timeutil import utcnow
from club.extensions import db

TAXONOMIES = {"sector": Sector, "function": Function, "competence": Competence}


def active_terms(model) -> list:
    terms = db.session.scalars(select(model).where(model.retired_at.is_(None))).all()
    return sorted(terms, key=lambda term: term.name.casefold())


def choices(model, *, blank: str | None = None) -> list[tuple[str, str]]:
    options = [(str(term.id), term.name) for term in active_terms(model)]
    return [("", blank), *options] if blank is not None else options


def ensure_terms(model, rows: list[tuple[str, str, str]]) -> None:
    """Create missing terms by slug; existing ones keep any renaming organisers made."""
    existing = set(db.session.scalars(select(model.slug)).all())
    for slug, name_it, name_en in rows:
        if slug not in existing:
            db.session.add(model(slug=slug, name_it=name_it, name_en=name_en))
    db.session.flush()


def choices_keeping(model, kept_ids, *, blank: str | None = None) -> list[tuple[str, str]]:
    """The active terms plus the retired ones in kept_ids (an object's current values, ids or strings),
    labelled "(retired)": what a form offers when it edits something that may carry a retired term.

    A merged term is never kept: everything that carried it now carries the term it went into.
    """
    kept = _ids(kept_ids)
    condition = model.retired_at.is_(None)
    if kept:
        condition = or_(condition, and_(model.id.in_(kept), model.merged_into_id.is_(None)))
    terms = sorted(db.session.scalars(select(model).where(condition)).all(), key=lambda term: term.name.casefold())
    options = [(str(term.id), term.name if term.retired_at is None else retired_label(term)) for term in terms]
    return [("", blank), *options] if blank is not None else options


def retired_label(term) -> str:
    return gettext("%(name)s (retired)", name=term.name)


def _ids(values) -> list[int]:
    ids = set()
    for value in values or ():
        if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
            value = int(value.strip())
        if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 2**31:
            ids.add(value)
    return sorted(ids)


def resolve_merged(term):
    """The term a merged term went into (following a chain of merges), or the term itself;
    None if the chain is broken (it never is when merges go through merge_terms)."""
    seen = set()
    while term is not None and term.merged_into_id is not None:
        if term.id in seen:
            return None
        seen.add(term.id)
        term = db.session.get(type(term), term.merged_into_id)
    return term


# -- organisers' operations ------------------------------------------------------------------------
#
# Each one flushes; the request commits. The audit entry is the caller's to write.

NAME_MAX = 120
SLUG_MAX = 60


class TaxonomyError(Refused):
    """A refusal of a taxonomy operation."""


def _clean_names(name_it, name_en) -> tuple[str, str]:
    cleaned = []
    for field, value in (("name_it", name_it), ("name_en", name_en)):
        value = " ".join((value or "").split())
        if not value:
            raise TaxonomyError(
                _l("Give the name in Italian.") if field == "name_it" else _l("Give the name in English."),
                field=field,
            )
        if len(value) > NAME_MAX:
            raise TaxonomyError(_l("At most %(count)d characters.", count=NAME_MAX), field=field)
        cleaned.append(value)
    return cleaned[0], cleaned[1]


def _refuse_taken_names(model, name_it: str, name_en: str, exclude_id: int | None = None) -> None:
    """Two terms of a taxonomy must not share a name in the same language (merged terms aside)."""
    others = db.session.scalars(select(model).where(model.merged_into_id.is_(None))).all()
    for term in others:
        if term.id == exclude_id:
            continue
        if term.name_it.casefold() == name_it.casefold():
            raise TaxonomyError(
                gettext("Another term is already called “%(name)s”.", name=term.name_it), status=409, field="name_it"
            )
        if term.name_en.casefold() == name_en.casefold():
            raise TaxonomyError(
                gettext("Another term is already called “%(name)s”.", name=term.name_en), status=409, field="name_en"
            )


def slugify(text: str, max_length: int = SLUG_MAX) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:max_length].strip("-")


def _unique_slug(model, name_en: str) -> str:
    base = slugify(name_en) or model.__tablename__.rstrip("s")
    taken = set(db.session.scalars(select(model.slug)).all())  # a taxonomy has tens of terms, not thousands
    if base not in taken:
        return base
    number = 2
    while True:
        suffix = f"-{number}"
        candidate = base[: SLUG_MAX - len(suffix)].rstrip("-") + suffix
        if candidate not in taken:
            return candidate
        number += 1


def add_term(model, name_it, name_en):
    """A new active term; its slug (for links and feeds) comes from the English name and never changes."""
    name_it, name_en = _clean_names(name_it, name_en)
    _refuse_taken_names(model, name_it, name_en)
    term = model(slug=_unique_slug(model, name_en), name_it=name_it, name_en=name_en)
    try:
        with db.session.begin_nested():
            db.session.add(term)
            db.session.flush()
    except IntegrityError as error:
        # Someone added a term with the same slug at the same moment.
        raise TaxonomyError(_l("Someone changed this list at the same moment. Try again."), status=409) from error
    return term


def rename_term(term, name_it, name_en):
    """New names in both languages; the slug stays, so links and feeds keep working."""
    if term.merged_into_id is not None:
        raise TaxonomyError(_l("This term was merged into another one: rename that one instead."), status=409)
    name_it, name_en = _clean_names(name_it, name_en)
    _refuse_taken_names(type(term), name_it, name_en, exclude_id=term.id)
    term.name_it, term.name_en = name_it, name_en
    db.session.flush()
    return term


def retire_term(term):
    """No longer offered for new choices and filters; what carries it keeps it and shows it."""
    if term.merged_into_id is not None:
        raise TaxonomyError(_l("This term was merged into another one: it is already retired."), status=409)
    if term.retired_at is not None:
        raise TaxonomyError(_l("This term is already retired."), status=409)
    term.retired_at = utcnow()
    db.session.flush()
    return term


def restore_term(term):
    """Offer a retired term again."""
    if term.merged_into_id is not None:
        raise TaxonomyError(
            _l("This term was merged into another one and nothing carries it any more: it cannot come back."),
            status=409,
        )
    if term.retired_at is None:
        raise TaxonomyError(_l("This term is not retired."), status=409)
    term.retired_at = None
    db.session.flush()
    return term


def referencing_columns(model) -> list[tuple[Table, Column]]:
    """Every (table, column) whose foreign key points at the model's table, read from the metadata:
    a domain that adds a reference tomorrow is covered without being listed here. References from the
    term table to itself are left out."""
    term_table = model.__table__
    found = []
    for table in db.metadata.sorted_tables:
        if table is term_table:
            continue
        for column in table.columns:
            for foreign_key in column.foreign_keys:
                try:
                    points_here = foreign_key.column.table is term_table
                except (NoReferencedTableError, NoReferencedColumnError):
                    points_here = False
                if points_here:
                    found.append((table, column))
    return found


def _unique_sets(table: Table, column: Column) -> list[list[Column]]:
    """The other columns of each primary key, unique constraint or unique index that holds the column."""
    keys = [
        list(constraint.columns)
        for constraint in table.constraints
        if isinstance(constraint, (PrimaryKeyConstraint, UniqueConstraint))
    ]
    keys += [list(index.columns) for index in table.indexes if index.unique]
    return [[other for other in key if other is not column] for key in keys if any(item is column for item in key)]


def _move_references(table: Table, column: Column, source_id: int, target_id: int) -> int:
    """Make the table's rows that name the source name the target; returns how many named the source.

    Where the column is part of a unique key (an association table such as case_competences), a row
    whose twin already names the target is dropped instead of moved: one statement moves the rows
    that have no twin, a second deletes the ones left. Set-based, on SQLite and PostgreSQL alike.
    """
    conditions = [column == source_id]
    for others in _unique_sets(table, column):
        twin = table.alias()
        conditions.append(
            ~exists().where(twin.c[column.name] == target_id, *[twin.c[other.name] == other for other in others])
        )
    moved = db.session.execute(update(table).where(*conditions).values({column.name: target_id})).rowcount
    dropped = db.session.execute(delete(table).where(column == source_id)).rowcount if len(conditions) > 1 else 0
    return moved + dropped


def merge_terms(source, target) -> dict[str, int]:
    """Move everything that names `source` to `target`, in the caller's transaction, then retire
    `source` and remember where it went (its old links redirect there). Returns, per referencing
    table, how many rows named the source (moved, or dropped where the row already named the target)."""
    model = type(source)
    if type(target) is not model:
        raise TaxonomyError(_l("A term can only be merged into a term of the same list."), field="target")
    if source.id == target.id:
        raise TaxonomyError(_l("A term cannot be merged into itself."), field="target")
    db.session.flush()
    # Lock both rows (PostgreSQL; SQLite writers are serialised already): a concurrent write that
    # names the source waits for this transaction, then fails on its foreign key or sees the target.
    db.session.execute(
        select(model)
        .where(model.id.in_([source.id, target.id]))
        .with_for_update()
        .execution_options(populate_existing=True)
    ).all()
    if source.merged_into_id is not None:
        raise TaxonomyError(_l("This term was already merged into another one."), status=409)
    if target.merged_into_id is not None:
        raise TaxonomyError(
            _l("That term was merged into another one: merge into that one instead."), status=409, field="target"
        )
    if target.retired_at is not None:
        raise TaxonomyError(
            _l("A term cannot be merged into a retired term: restore it first."), status=409, field="target"
        )
    moved: dict[str, int] = {}
    for table, column in referencing_columns(model):
        moved[table.name] = moved.get(table.name, 0) + _move_references(table, column, source.id, target.id)
    # Terms merged into the source earlier now point straight at the target.
    db.session.execute(update(model).where(model.merged_into_id == source.id).values(merged_into_id=target.id))
    source.retired_at = source.retired_at or utcnow()
    source.merged_into_id = target.id
    db.session.flush()
    # The statements above went around the ORM: objects loaded before (a profile's sector, a case's
    # competences) must be read again.
    db.session.expire_all()
    return moved


def usage_counts(model) -> dict[int, int]:
    """How many rows name each term, across every referencing table (terms named nowhere are absent):
    one grouped query per referencing column."""
    counts: dict[int, int] = {}
    for _table, column in referencing_columns(model):
        rows = db.session.execute(select(column, func.count()).where(column.is_not(None)).group_by(column))
        for term_id, count in rows:
            counts[term_id] = counts.get(term_id, 0) + count
    return counts
