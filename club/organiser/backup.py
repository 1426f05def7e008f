"""`flask --app app backup PATH`: a consistent copy of the SQLite database while the site runs.

SQLite's online backup API copies the pages inside one read transaction, so the copy is the
database as it was at one moment, whatever the web workers and the scheduler write meanwhile (in
WAL mode they are not blocked). The copy is written next to PATH and renamed into place only once
it passed an integrity check, so PATH is never a half-written file. PostgreSQL has its own tools
(pg_dump); the README says how.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
import time
from pathlib import Path

import click
from flask.cli import with_appcontext

from club.extensions import db


def backup_sqlite(source: str, target: Path) -> dict:
    """Copy the database file `source` to `target` atomically; returns figures about the copy."""
    started = time.monotonic()
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".partial", dir=target.parent)
    os.close(handle)
    try:
        with sqlite3.connect(f"file:{source}?mode=ro", uri=True) as origin, sqlite3.connect(temporary) as copy:
            # pages=-1: all pages in one step, i.e. one read transaction, i.e. one consistent moment.
            origin.backup(copy, pages=-1)
            check = copy.execute("PRAGMA integrity_check").fetchone()[0]
            tables = copy.execute("SELECT count(*) FROM sqlite_master WHERE type = 'table'").fetchone()[0]
            # A standalone file: no -wal companion needed to read it.
            copy.execute("PRAGMA journal_mode = DELETE")
        if check != "ok":
            raise click.ClickException(f"the copy failed its integrity check: {check}")
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return {"tables": tables, "bytes": target.stat().st_size, "seconds": time.monotonic() - started}


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True, help="Replace PATH if it already exists.")
@with_appcontext
def backup_command(path: Path, force: bool) -> None:
    """Copy the SQLite database to PATH while the site keeps running."""
    url = db.engine.url
    if url.get_backend_name() != "sqlite":
        raise click.ClickException(
            "This command copies SQLite databases. On PostgreSQL use pg_dump (see the README's backup section)."
        )
    source = url.database
    if not source or source == ":memory:":
        raise click.ClickException("The database is in memory: there is no file to copy.")
    if path.exists() and not force:
        raise click.ClickException(f"{path} exists; add --force to replace it.")
    if path.resolve() == Path(source).resolve():
        raise click.ClickException("PATH is the database itself.")
    figures = backup_sqlite(source, path)
    click.echo(
        f"Copied {source} to {path}: {figures['tables']} tables, {figures['bytes']:,} bytes, "
        f"{figures['seconds']:.2f} s, integrity ok."
    )
