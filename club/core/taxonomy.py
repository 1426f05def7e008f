"""Reading the taxonomy: the active terms, sorted by their name in the current language."""

from __future__ import annotations

from sqlalchemy import select

from club.core.models import Competence, Function, Sector
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
