"""The migrations build the schema the models describe (what `flask db check` verifies)."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from club.core.db import include_name
from club.extensions import db


def _fresh_database(database_url: str, tmp_path) -> str:
    url = make_url(database_url)
    if url.get_backend_name() == "sqlite":
        return f"sqlite:///{tmp_path}/migrations.sqlite3"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text("DROP DATABASE IF EXISTS club_migrations"))
        connection.execute(text("CREATE DATABASE club_migrations"))
    admin.dispose()
    return url.set(database="club_migrations").render_as_string(hide_password=False)


def test_upgrade_matches_the_models_and_downgrade_empties(database_url, tmp_path):
    from tests.conftest import build_app

    fresh = _fresh_database(database_url, tmp_path)
    app = build_app(fresh, tmp_path / "instance")
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True, "include_name": include_name})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences
        downgrade(revision="base")
        with db.engine.connect() as connection:
            assert set(inspect(connection).get_table_names()) <= {"alembic_version"}
        db.engine.dispose()
