"""The audit log: services call `record` for every organiser action; pages read `entries`."""

from __future__ import annotations

from sqlalchemy import select

from club.core.models import AuditEntry
from club.extensions import db


def record(actor, kind: str, scope: str, summary: str = "", **details) -> AuditEntry:
    """Add one entry in the caller's transaction: it is kept exactly when the action is."""
    entry = AuditEntry(
        actor_id=getattr(actor, "id", None), kind=kind, scope=scope, summary=summary[:300], details=details
    )
    db.session.add(entry)
    return entry


def entries(scope: str, limit: int = 200) -> list[AuditEntry]:
    return list(
        db.session.scalars(
            select(AuditEntry)
            .where(AuditEntry.scope == scope)
            .order_by(AuditEntry.created_at.desc(), AuditEntry.id.desc())
            .limit(limit)
        )
    )
