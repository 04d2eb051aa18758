"""Uploads into a database store (extract.store.sql_uploads), on SQLite and PostgreSQL: stored once, replacements
only when confirmed, recorded and undoable, removal and restore, roles checked in the write's transaction."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa

from extract.store import StoreError, open_store, sql_uploads, tables_sql
from extract.store.sql import SqlStore
from extract.store.team import LOCAL, Actor, PermissionDenied, Team
from tests.databases import database
from tests.test_store_contract import run

ED = "ed@example.org"


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[SqlStore]:
    with database(request.param, tmp_path) as url:
        found = open_store(url)
        assert isinstance(found, SqlStore)
        found.write(*run("seed"))  # a document the CLI stored: no upload row
        Team(found).set_user(ED, "editor", by=LOCAL)
        yield found


def editor(store: SqlStore) -> Actor:
    return Team(store).actor(ED)


def upload(store: SqlStore, doc_id: str, suffix: str = "", confirmed: dict[str, str] | None = None, **kw: object):
    events, docs, texts = run(doc_id, suffix=suffix)
    actor = kw.pop("actor", None) or editor(store)
    return sql_uploads.store_uploads(
        store, events, docs, texts, actor=actor, filenames={doc_id: f"{doc_id}.txt"}, confirmed=confirmed, **kw
    )


def stored_text_shas(store: SqlStore) -> set[str]:
    texts = tables_sql.table(tables_sql.TEXTS)
    with store.database.reading() as conn:
        return set(conn.execute(sa.select(texts.c.sha256)).scalars())


def actions(store: SqlStore, doc_id: str) -> list[str]:
    return list(Team(store).history(target_kind="document", target_id=doc_id)["action"])[::-1]  # oldest first


def test_the_same_content_uploaded_twice_is_stored_once(store: SqlStore) -> None:
    first = upload(store, "story")
    assert first.added == ["story"] and not first.duplicates
    version = store.version()
    again = upload(store, "story")
    assert again.duplicates == {"story": "story"} and not again.added and again.summary is None
    assert store.version() == version  # nothing written, nothing re-derived
    renamed = run("copy")  # the same text under another name: already stored as "story"
    events, docs, _ = renamed
    texts = {"copy": run("story")[2]["story"]}
    out = sql_uploads.store_uploads(store, events, docs, texts, actor=editor(store), filenames={"copy": "copy.txt"})
    assert out.duplicates == {"copy": "story"}
    assert sorted(store.read_documents()["doc_id"]) == ["seed", "story"]
    listed = sql_uploads.list_uploads(store)
    assert list(listed["shown"]) == [
        "duplicate: already stored as story",
        "duplicate: already stored as story",
        "stored",
    ]
    assert set(listed["uploaded_by"]) == {ED}
    assert actions(store, "story") == ["upload", "duplicate upload"]
    assert actions(store, "copy") == ["duplicate upload"]


def test_a_replacement_needs_confirmation_shows_the_change_is_recorded_and_restorable(store: SqlStore) -> None:
    old_text = run("seed")[2]["seed"]
    old_sha = sql_uploads.text_sha(old_text)
    waiting = upload(store, "seed", suffix="-v2")  # a stored doc_id (a CLI run's document), other content
    assert waiting.conflicts == {"seed": old_sha} and not waiting.replaced and waiting.summary is None
    assert store.read_text("seed") == old_text and actions(store, "seed") == []
    stale = upload(store, "seed", suffix="-v2", confirmed={"seed": "0" * 64})  # confirmed another version
    assert stale.conflicts == {"seed": old_sha} and store.read_text("seed") == old_text
    done = upload(store, "seed", suffix="-v2", confirmed={"seed": old_sha})
    assert done.replaced == ["seed"] and not done.conflicts
    assert list(store.read_events()["event_id"]) == ["seed-v2"]
    assert old_sha in stored_text_shas(store)  # kept while the upload can restore it
    entry = Team(store).history(action="replace").iloc[0]
    before, after = json.loads(entry["before"]), json.loads(entry["after"])
    assert entry["actor"] == ED and entry["target_id"] == "seed"
    assert (before["sha256"], before["n_events"], before["events"]) == (old_sha, 1, ["summary of seed"])
    assert (after["n_events"], after["events"], after["file"]) == (1, ["summary of seed-v2"], "seed.txt")

    row = sql_uploads.list_uploads(store).iloc[0]
    assert row["shown"] == "stored, replacing a previous version" and row["can_restore_previous"]
    assert sql_uploads.restore_previous(store, int(row["id"]), actor=editor(store)) == "seed"
    assert list(store.read_events()["event_id"]) == ["seed"] and store.read_text("seed") == old_text
    assert store.read_documents()["title"].tolist() == ["Title seed"]
    assert actions(store, "seed") == ["replace", "restore previous"]
    assert sql_uploads.list_uploads(store).iloc[0]["shown"] == "undone: the previous version was restored"
    assert sql_uploads.text_sha(run("seed", suffix="-v2")[2]["seed"]) not in stored_text_shas(store)
    with pytest.raises(StoreError, match="is reverted"):
        sql_uploads.restore_previous(store, int(row["id"]), actor=editor(store))


def test_removal_and_restore(store: SqlStore) -> None:
    upload(store, "story")
    text = store.read_text("story")
    upload_id = int(sql_uploads.list_uploads(store).iloc[0]["id"])
    assert sql_uploads.remove_upload(store, upload_id, actor=editor(store)) == "story"
    assert sorted(store.read_documents()["doc_id"]) == ["seed"]
    assert "story" not in set(store.read_events()["doc_id"])
    assert sql_uploads.text_sha(text) in stored_text_shas(store)  # kept for the restore
    listed = sql_uploads.list_uploads(store).iloc[0]
    assert listed["shown"] == "removed" and listed["can_restore"] and not listed["can_remove"]
    with pytest.raises(StoreError, match="is removed: cannot remove it"):
        sql_uploads.remove_upload(store, upload_id, actor=editor(store))
    assert sql_uploads.restore_upload(store, upload_id, actor=editor(store)) == "story"
    assert sorted(store.read_documents()["doc_id"]) == ["seed", "story"]
    assert store.read_text("story") == text
    assert list(store.read_events().query("doc_id == 'story'")["summary"]) == ["summary of story"]
    assert actions(store, "story") == ["upload", "remove", "restore"]
    removal = Team(store).history(action="remove").iloc[0]
    assert json.loads(removal["before"])["events"] == ["summary of story"]
    with pytest.raises(StoreError, match="was not removed"):
        sql_uploads.restore_upload(store, upload_id, actor=editor(store))


def test_an_upload_replaced_since_cannot_be_removed_in_its_name(store: SqlStore) -> None:
    upload(store, "story")
    first = int(sql_uploads.list_uploads(store).iloc[0]["id"])
    store.write(*run("story", suffix="-cli"))  # a CLI run re-extracted it with other content
    assert sql_uploads.list_uploads(store).iloc[0]["shown"] == "replaced since by another version"
    with pytest.raises(StoreError, match="holds another version now"):
        sql_uploads.remove_upload(store, first, actor=editor(store))
    assert list(store.read_events().query("doc_id == 'story'")["event_id"]) == ["story-cli"]


def test_a_viewer_is_refused_at_the_store_level(store: SqlStore) -> None:
    upload(store, "story")
    upload_id = int(sql_uploads.list_uploads(store).iloc[0]["id"])
    Team(store).set_user("vi@example.org", "viewer", by=LOCAL)
    viewer = Team(store).actor("vi@example.org")
    version = store.version()
    with pytest.raises(PermissionDenied, match="needs the editor role"):
        upload(store, "other", actor=viewer)
    for action in (sql_uploads.remove_upload, sql_uploads.restore_previous, sql_uploads.restore_upload):
        with pytest.raises(PermissionDenied, match="is viewer"):
            action(store, upload_id, actor=viewer)
    # a downgraded editor whose session still says "editor": the role is read in the transaction
    stale = editor(store)
    Team(store).set_user(ED, "viewer", by=LOCAL)
    with pytest.raises(PermissionDenied):
        upload(store, "late", actor=stale)
    assert store.version() == version
    assert sorted(store.read_documents()["doc_id"]) == ["seed", "story"]
    assert len(sql_uploads.list_uploads(store)) == 1  # refused uploads leave no row either
    assert Team(store).history(action="upload").shape[0] == 1


def test_recorded_write_counts_what_a_run_added_replaced_and_removed(store: SqlStore) -> None:
    from extract.store.team import CLI

    events, docs, texts = run("seed", "fresh", suffix="-2")
    sql_uploads.recorded_write(store, events, docs, texts, actor=CLI, action="extract", target="in/")
    events, docs, texts = run("fresh")
    sql_uploads.recorded_write(store, events, docs, texts, actor=CLI, action="extract", target="in/", replace_all=True)
    log = Team(store).history(actor="cli")
    assert list(log["action"]) == ["extract", "extract"]
    merged, replaced = (json.loads(a) for a in log["after"].iloc[::-1])
    assert (merged["added"], merged["replaced"], merged["removed"], merged["mode"]) == (1, 1, 0, "merge")
    assert (replaced["added"], replaced["replaced"], replaced["removed"]) == (0, 1, 1)
    assert replaced["removed_ids"] == ["seed"] and replaced["mode"] == "replace"


def test_history_filters_by_person_action_target_and_dates(store: SqlStore) -> None:
    upload(store, "story")
    upload(store, "story")  # duplicate
    team = Team(store)
    assert set(team.history(actor=ED)["action"]) == {"upload", "duplicate upload"}
    assert list(team.history(action="duplicate upload")["target_id"]) == ["story"]
    assert set(team.history(target_search="STO")["target_id"]) == {"story"}
    assert team.history(target_search="%").empty  # LIKE wildcards are text here
    now = pd.Timestamp.now(tz="UTC").to_pydatetime()
    assert team.history(until=now - pd.Timedelta(days=1)).empty
    assert len(team.history(since=now - pd.Timedelta(hours=1))) == len(team.history())
    choices = team.history_choices()
    assert {"upload", "duplicate upload", "add user"} <= set(choices["action"])
    assert ED in choices["actor"] and "document" in choices["target_kind"]


def test_names_with_nul_and_markup_round_trip(store: SqlStore) -> None:
    name = "batch/a\x00b <b>[x](http://e.example)</b>"
    upload(store, name)
    listed = sql_uploads.list_uploads(store)
    assert listed.iloc[0]["doc_id"] == name and listed.iloc[0]["filename"] == f"{name}.txt"
    upload_id = int(listed.iloc[0]["id"])
    assert sql_uploads.remove_upload(store, upload_id, actor=editor(store)) == name
    assert sql_uploads.restore_upload(store, upload_id, actor=editor(store)) == name
    assert name in set(store.read_documents()["doc_id"])
    assert set(Team(store).history(target_kind="document")["target_id"]) == {name.replace("\x00", "\\x00")}
