"""Recording that a case was read, without writing in the reading request (see club/core/deferred.py)."""

from __future__ import annotations

from sqlalchemy import insert

from club.cases.models import CaseView
from club.core import deferred
from club.core.timeutil import utcnow

KIND = "case_view"


def note_view(case_id: int, viewer) -> None:
    viewer_id = viewer.id if viewer is not None and viewer.is_authenticated else None
    deferred.defer(KIND, (case_id, viewer_id, utcnow()))


def write_views(connection, items: list[tuple[int, int | None, object]]) -> None:
    # A member reloading the page, or opening it in two tabs, within one batch is one view;
    # anonymous views cannot be told apart and all count.
    seen: set[tuple[int, int]] = set()
    rows = []
    for case_id, viewer_id, viewed_at in items:
        if viewer_id is not None:
            if (case_id, viewer_id) in seen:
                continue
            seen.add((case_id, viewer_id))
        rows.append({"case_id": case_id, "viewer_id": viewer_id, "viewed_at": viewed_at})
    # A case or an account deleted meanwhile would break the whole batch on its foreign key: keep
    # only the rows whose case still exists (views of deleted accounts lose the viewer).
    case_ids = {row["case_id"] for row in rows}
    existing = _existing(connection, "case_studies", case_ids)
    viewer_ids = {row["viewer_id"] for row in rows if row["viewer_id"] is not None}
    live_viewers = _existing(connection, "users", viewer_ids)
    kept = []
    for row in rows:
        if row["case_id"] not in existing:
            continue
        if row["viewer_id"] is not None and row["viewer_id"] not in live_viewers:
            row["viewer_id"] = None
        kept.append(row)
    if kept:
        connection.execute(insert(CaseView.__table__), kept)


def _existing(connection, table_name: str, ids: set[int]) -> set[int]:
    if not ids:
        return set()
    from sqlalchemy import column, select, table

    target = table(table_name, column("id"))
    return set(connection.execute(select(target.c.id).where(target.c.id.in_(ids))).scalars())
