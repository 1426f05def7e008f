"""The club's taxonomy: sectors, functions and competence areas, named in Italian and English."""

from __future__ import annotations

from datetime import datetime

from flask_babel import get_locale
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from club.core.timeutil import UTCDateTime
from club.extensions import db


class _TaxonomyTerm:
    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name_it: Mapped[str] = mapped_column(String(120))
    name_en: Mapped[str] = mapped_column(String(120))
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    @property
    def name(self) -> str:
        locale = get_locale()
        return self.name_en if locale is not None and locale.language == "en" else self.name_it

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.slug}>"


class Sector(_TaxonomyTerm, db.Model):
    __tablename__ = "sectors"


class Function(_TaxonomyTerm, db.Model):
    __tablename__ = "functions"


class Competence(_TaxonomyTerm, db.Model):
    __tablename__ = "competences"
