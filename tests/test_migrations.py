"""Schema migrations (Alembic) on SQLite and PostgreSQL: empty -> head -> base, head matching the tables built
from schema.TABLES, a new column needing only a migration, a database newer than the code refused."""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

import extract.__main__ as cli
from extract import schema
from extract.store import (
    Corpus,
    CorpusTables,
    StoreError,
    migrate,
    open_store,
    sql_engine,
    tables_sql,
    upgrade_store,
)
from extract.store.sql import SqlStore
from tests.databases import database
from tests.test_store_contract import run

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


def engine(url: str) -> sa.Engine:
    return sql_engine.Database(url).engine()


def table_names(url: str) -> set[str]:
    with engine(url).connect() as conn:
        return set(sa.inspect(conn).get_table_names())


def differences(url: str) -> list[object]:
    """What autogenerate would write to bring the database to the tables tables_sql builds now."""
    with engine(url).connect() as conn:
        return compare_metadata(MigrationContext.configure(conn), tables_sql.metadata())


def test_empty_to_head_matches_the_declared_tables_and_back_to_base(url: str) -> None:
    database_ = sql_engine.Database(url)
    assert database_.migrate() == (None, migrate.head())
    assert set(tables_sql.metadata().tables) <= table_names(url)
    assert differences(url) == []  # a column in schema.py that no migration adds would show here
    assert database_.migrate("base", down=True) == (migrate.head(), None)
    assert table_names(url) <= {"alembic_version"}
    database_.migrate()  # and up again
    store = open_store(url)
    store.write(*run("a"))
    assert list(store.read_documents()["doc_id"]) == ["a"]


def test_the_cli_migrates_up_and_down(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["migrate", "--db", url]) == 0
    assert f"revision none -> {migrate.head()}" in capsys.readouterr().out
    assert cli.main(["migrate", "--db", url]) == 0  # at head already: says so, changes nothing
    assert f"revision {migrate.head()} -> {migrate.head()}" in capsys.readouterr().out
    assert cli.main(["migrate", "--db", url, "--downgrade", "base"]) == 0
    assert f"revision {migrate.head()} -> none" in capsys.readouterr().out
    assert table_names(url) <= {"alembic_version"}


def test_alembics_own_command_line_finds_the_scripts(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    config = ROOT / "extract" / "store" / "migrations" / "alembic.ini"
    done = subprocess.run(
        [sys.executable, "-m", "alembic", "-c", str(config), "-x", f"url={url}", "upgrade", "head"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert differences(url) == []
    sql_engine.dispose(url)


def test_a_database_newer_than_the_code_is_refused(url: str) -> None:
    store = open_store(url)
    store.write(*run("a"))
    with engine(url).begin() as conn:
        conn.exec_driver_sql("UPDATE alembic_version SET version_num = 'from_the_future'")
    sql_engine.dispose(url)  # a new process: nothing remembered about the schema
    for action in (lambda s: s.write(*run("b")), lambda s: s.read_events(), lambda s: s.version()):
        with pytest.raises(StoreError, match=r"revision from_the_future.*newer than this Dateline's"):
            action(open_store(url))
    assert cli.main(["migrate", "--db", url]) == 1


NEW_COLUMN_MIGRATION = '''"""key dates get a note

Revision ID: 0099_test
Revises: {head}
"""

import sqlalchemy as sa
from alembic import op

revision = "0099_test"
down_revision = "{head}"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("key_dates") as batch:
        batch.add_column(sa.Column("note", sa.Text(), nullable=False, server_default=""))


def downgrade() -> None:
    with op.batch_alter_table("key_dates") as batch:
        batch.drop_column("note")
'''


def test_a_new_column_needs_one_declaration_and_one_migration(
    url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    store.write(*run("a"))  # a database at today's head, holding a document
    sql_engine.dispose(url)

    # the code gains a column: its declaration in schema.py ...
    key_dates = schema.TABLES["key_dates"]
    note = schema.Column("note", "string", "A note on the day.")
    monkeypatch.setitem(schema.TABLES, "key_dates", dataclasses.replace(key_dates, columns=(*key_dates.columns, note)))
    assert [d[0] for d in differences(url)] == ["add_column"]  # ... which the migration test would catch
    # ... and its migration
    scripts = tmp_path / "migrations"
    shutil.copytree(migrate.MIGRATIONS, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    (scripts / "versions" / "0099_test.py").write_text(NEW_COLUMN_MIGRATION.format(head=migrate.head()))
    monkeypatch.setattr(migrate, "MIGRATIONS", scripts)
    migrate.scripts.cache_clear()
    try:
        assert migrate.head() == "0099_test"
        with pytest.raises(StoreError, match=r"older than this Dateline's.*python -m extract migrate"):
            open_store(url).read_table("key_dates")
        assert open_store(url).version() > 0  # the dashboard's cache key still reads, before the upgrade

        def derive(corpus: Corpus) -> CorpusTables:
            table = pd.DataFrame({"date": ["2025-03-13"], "rank": [1], "note": ["the day"]})
            return CorpusTables(corpus.events, corpus.documents, {"key_dates": table})

        upgrade_store(open_store(url))  # what the dashboard does at start (a write would do it too)
        assert differences(url) == []
        open_store(url).write(*run("b"), derive=derive)
        assert differences(url) == []
        assert list(open_store(url).read_table("key_dates")["note"]) == ["the day"]
        assert sorted(open_store(url).read_documents()["doc_id"]) == ["a", "b"]  # nothing lost on the way
        assert sql_engine.Database(url).migrate("0001", down=True) == ("0099_test", "0001")
    finally:
        migrate.scripts.cache_clear()
        sql_engine.dispose(url)


def test_the_initial_migration_never_reads_schema_py() -> None:
    """A migration is a snapshot: were it built from schema.py, a column added there would appear in a database
    built from scratch and then be added again by its own migration."""
    for path in (migrate.MIGRATIONS / "versions").glob("*.py"):
        text = path.read_text(encoding="utf-8")
        assert "extract.schema" not in text and "tables_sql" not in text, path.name
