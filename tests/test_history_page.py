"""The History page and the uploads list through AppTest, on a SQLite store (the store-level rules run on
PostgreSQL too, in test_uploads.py)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from extract.store import open_store, sql_uploads
from extract.store.sql import SqlStore
from extract.store.team import LOCAL, Team
from tests.databases import sqlite_url
from tests.markdown_check import visible
from tests.test_dashboard import APP, one_event_per_document  # noqa: F401  (a fixture)
from tests.test_store_contract import run

HOSTILE = "[x](http://evil.example) <b>bold</b>"


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> SqlStore:
    url = sqlite_url(tmp_path)
    monkeypatch.setenv("DATELINE_DATABASE_URL", url)
    monkeypatch.setenv("DATELINE_DATA", str(tmp_path / "unused"))
    store = open_store(url)
    assert isinstance(store, SqlStore)
    store.write(*run("seed"))
    return store


def page(path: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page(path).run()
    assert not at.exception, at.exception
    return at


def table(at: AppTest) -> list[dict[str, str]]:
    return at.dataframe[0].value.to_dict("records")


def test_history_lists_every_write_newest_first_and_filters(db: SqlStore) -> None:
    team = Team(db)
    team.set_user("ed@example.org", "editor", by=LOCAL)
    ed = team.actor("ed@example.org")
    events, docs, texts = run(HOSTILE)
    sql_uploads.store_uploads(db, events, docs, texts, actor=ed, filenames={HOSTILE: "x.txt"})
    team.set_user("ed@example.org", "admin", by=LOCAL)
    at = page("views/history.py")
    rows = table(at)
    assert [r["Action"] for r in rows] == ["change user", "upload", "add user"]
    assert rows[0]["Changes"] == "role: editor → admin"
    assert rows[1]["Who"] == "ed@example.org" and rows[1]["Target"] == f"document: {HOSTILE}"
    assert "n events: 1" in rows[1]["Changes"] and "file: x.txt" in rows[1]["Changes"]
    at.selectbox(key="h_person").set_value("ed@example.org").run()
    assert [r["Action"] for r in table(at)] == ["upload"]
    at.selectbox(key="h_person").set_value("(anyone)").run()
    at.selectbox(key="h_action").set_value("add user").run()
    assert [r["Target"] for r in table(at)] == ["user: ed@example.org"]
    at.selectbox(key="h_action").set_value("(any action)").run()
    at.text_input(key="h_target").input("evil").run()
    assert [r["Action"] for r in table(at)] == ["upload"]
    at.text_input(key="h_target").input("").run()
    at.selectbox(key="h_kind").set_value("user").run()
    assert len(table(at)) == 2
    long_ago = (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    at.date_input(key="h_dates").set_value(long_ago).run()
    assert "No entry matches" in at.info[0].value
    assert not at.exception


def test_history_needs_a_database_store(data_folder: Path) -> None:
    at = page("views/history.py")
    assert "needs a database store" in at.info[0].value


@pytest.mark.usefixtures("one_event_per_document")
def test_uploads_list_confirm_restore_and_remove_in_the_app(db: SqlStore) -> None:
    at = page("views/add.py")
    at.file_uploader[0].set_value([("good.txt", b"Cuba and Russia met on 2 February 2024.", "text/plain")]).run()
    at.button[0].click().run()
    at.file_uploader[0].set_value([("good.txt", b"Revised: Cuba and Russia met in 2024.", "text/plain")]).run()
    at.button[0].click().run()
    assert "Nothing was replaced" in at.warning[0].value
    shown = " ".join(visible(m.value) for m in at.markdown)
    assert "Stored now: good · 1 event" in shown and "Uploaded: good · 1 event" in shown
    at.button(key="confirm_replace").click().run()
    assert db.read_text("good") == "Revised: Cuba and Russia met in 2024."
    assert "can be restored from the uploads list" in " ".join(s.value for s in at.success)
    statuses = [r["Status"] for r in table(at)]
    assert statuses == ["stored, replacing a previous version", "replaced since by another version"]
    at.selectbox(key="upload_pick").set_value(0).run()
    at.button(key="upload_Restore previous version").click().run()
    assert db.read_text("good") == "Cuba and Russia met on 2 February 2024."
    assert "Restored the previous version of good" in at.success[0].value
    at.selectbox(key="upload_pick").set_value(1).run()  # the first upload: current again
    at.button(key="upload_Remove").click().run()
    assert "good" not in set(db.read_documents()["doc_id"])
    at.button(key="upload_Restore").click().run()
    assert db.read_text("good") == "Cuba and Russia met on 2 February 2024."
    assert [a for a in Team(db).history()["action"]][:4] == ["restore", "remove", "restore previous", "replace"]
    assert not at.exception


def test_a_viewer_sees_the_uploads_but_cannot_act(db: SqlStore, monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import ingest

    events, docs, texts = run("story")
    sql_uploads.store_uploads(db, events, docs, texts, actor=LOCAL, filenames={"story": "story.txt"})
    Team(db).set_user("vi@example.org", "viewer", by=LOCAL)
    viewer = Team(db).actor("vi@example.org")
    monkeypatch.setattr(ingest, "current_actor", lambda: viewer)  # the one place the page asks who acts
    at = page("views/add.py")
    assert "needs the editor role; you are a viewer" in at.info[0].value and not at.get("file_uploader")
    assert [r["File"] for r in table(at)] == ["story.txt"]
    at.selectbox(key="upload_pick").set_value(0).run()
    assert at.button(key="upload_Remove").disabled


def test_an_entry_shows_the_fields_that_changed() -> None:
    from dashboard import audit

    before = '{"role": "editor", "active": true, "name": "Ana"}'
    after = '{"role": "admin", "active": true, "name": "Ana", "events": ["a", "b"]}'
    assert audit.changes(before, after) == [("role", "editor", "admin"), ("events", "—", "a; b")]
    assert audit.change_text(None, '{"file": "x.txt"}') == "file: x.txt"
    assert audit.change_text('{"file": "x.txt"}', None) == "file: x.txt → —"
    assert audit.change_text('{"n_events": 2}', '{"n_events": 3}') == "n events: 2 → 3"
    assert audit.change_text(float("nan"), None) == ""
    assert audit.changes('"old"', '"new"') == [("value", "old", "new")]
    assert len(audit.shown("x" * 1000)) == audit.MAX_VALUE


@pytest.mark.usefixtures("one_event_per_document")
def test_upload_path_on_a_database_records_duplicates_and_refuses_a_viewer(db: SqlStore) -> None:
    from dashboard import ingest

    files = [("good.txt", b"Cuba and Russia met on 2 February 2024.")]
    first = ingest.extract_uploads(files, db, actor=LOCAL)
    assert first.accepted == ["good.txt"] and first.recorded
    again = ingest.extract_uploads([*files, ("copy.txt", files[0][1])], db, actor=LOCAL)
    assert again.duplicates == {"good": "good", "copy": "good"} and again.documents_added == 0
    assert again.rejected == [] and again.accepted == []
    assert [r for r in sql_uploads.list_uploads(db)["shown"]][:2] == ["duplicate: already stored as good"] * 2
    Team(db).set_user("vi@example.org", "viewer", by=LOCAL)
    refused = ingest.extract_uploads(
        [("new.txt", b"Havana on 3 March 2025.")], db, actor=Team(db).actor("vi@example.org")
    )
    assert "vi@example.org is viewer: to upload articles needs the editor role" in (refused.error or "")
    assert refused.rejected == ["new.txt"] and "new" not in set(db.read_documents()["doc_id"])
