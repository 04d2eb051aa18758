"""Corrections in a database store (extract/store/sql_corrections.py), on SQLite and PostgreSQL: every field
applied at read time, surviving a re-extraction, orphaned when the text changes, optimistic locking, roles
checked by the store, an audit line for every kind of write."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

import extract.__main__ as cli
from extract import events as extract_events
from extract import nlp
from extract.corpus.steps import corpus_tables
from extract.store import StoreError, open_store
from extract.store.corrections import SPLIT, CorrectionError, document_locator, event_locator
from extract.store.sql import SqlStore
from extract.store.sql_corrections import Corrections, StaleCorrection
from extract.store.team import LOCAL, PermissionDenied, Team
from tests.databases import database
from tests.fakes import blank_nlp, fake_tables
from tests.test_store_contract import run


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


@pytest.fixture
def fixes(url: str) -> Corrections:
    """Three documents reporting one event (one group of three sources), in a fresh database."""
    store = open_store(url)
    store.write(*run("a", "b", "c"), derive=corpus_tables)
    found = store.corrections()
    assert isinstance(found, Corrections)
    return found


def row(fixes: Corrections, event_id: str) -> pd.Series:
    events = fixes.read().corrected.events
    return events[events["event_id"] == event_id].iloc[0]


def locate(fixes: Corrections, event_id: str) -> dict[str, str]:
    store = fixes.store
    events = store.read_events()
    return event_locator(events[events["event_id"] == event_id].iloc[0], store.read_documents())


def editor(fixes: Corrections, email: str = "ed@example.org", role: str = "editor"):
    team = Team(fixes.store)
    team.set_user(email, role, by=LOCAL)
    return team.actor(email)


def test_every_event_field_is_applied_and_marked(fixes: Corrections) -> None:
    ed = editor(fixes)
    before = fixes.store.version()
    changes = {
        "date_start": "2025-03-10",
        "date_end": "2025-03-12",
        "granularity": "range",
        "summary": "Signed the accord",
        "event_type": "diplomacy",
        "actors": ["Cuba", "Vietnam"],
    }
    assert fixes.save(ed, "event", locate(fixes, "a"), changes, expected_version=0, target_id="a") == 1
    assert fixes.store.version() > before  # every session's cache key moves
    got = row(fixes, "a")
    assert (got["date_start"], got["date_end"]) == (pd.Timestamp("2025-03-10"), pd.Timestamp("2025-03-12"))
    assert (got["granularity"], got["summary"], got["event_type"]) == ("range", "Signed the accord", "diplomacy")
    assert list(got["actors"]) == ["Cuba", "Vietnam"] and got["_corrected_by"] == "ed@example.org"
    assert row(fixes, "b")["summary"] == "summary of b" and row(fixes, "b")["_corrected_by"] == ""
    # the stored rows are untouched: corrections are applied when reading
    assert set(fixes.store.read_events()["summary"]) == {"summary of a", "summary of b", "summary of c"}
    assert list(fixes.store.read_table("groups")["date_agreement"]) == ["agree"]
    groups = fixes.read().corrected.groups  # the group recomputed: a's range leaves out the others' day
    assert list(groups["n_sources"]) == [3] and list(groups["date_agreement"]) == ["conflict"]
    assert groups["date_start"].iloc[0] == pd.Timestamp("2025-03-13")  # two sources of three still say so


def test_reject_hides_the_row_and_its_group_is_recomputed(fixes: Corrections) -> None:
    fixes.save(LOCAL, "event", locate(fixes, "b"), {"rejected": True}, expected_version=0, target_id="b")
    got = fixes.read().corrected
    assert "b" not in set(got.events["event_id"]) and list(got.rejected["event_id"]) == ["b"]
    assert list(got.groups["n_reports"]) == [2] and list(got.groups["n_sources"]) == [2]


def test_split_out_and_move_back_into_a_group_whose_id_changed(fixes: Corrections) -> None:
    fixes.save(LOCAL, "event", locate(fixes, "c"), {"group": SPLIT}, expected_version=0, target_id="c")
    got = fixes.read().corrected
    assert len(got.groups) == 2 and sorted(got.groups["n_sources"]) == [1, 2]
    own = row(fixes, "c")["event_group"]
    assert own != row(fixes, "a")["event_group"]
    # move b into c's group: found again through a member (group_with), whatever the group's id is by then
    fixes.save(
        LOCAL,
        "event",
        locate(fixes, "b"),
        {"group": "g-gone-by-now", "group_with": "c"},
        expected_version=0,
        target_id="b",
    )
    got = fixes.read().corrected
    assert row(fixes, "b")["event_group"] == own
    assert sorted(got.groups["n_sources"]) == [1, 2] and got.orphans.empty


def test_document_fields_are_applied_and_the_source_follows_the_outlet(fixes: Corrections) -> None:
    doc = fixes.store.read_documents().set_index("doc_id", drop=False).loc["a"]
    changes = {"published": "2025-03-20", "title": "New title", "outlet": "Reuters", "url": "https://example.org/a"}
    fixes.save(LOCAL, "document", document_locator(doc), changes, expected_version=0, target_id="a")
    got = fixes.read().corrected
    fixed = got.documents.set_index("doc_id").loc["a"]
    assert fixed["published"] == pd.Timestamp("2025-03-20") and fixed["published_granularity"] == "day"
    assert (fixed["title"], fixed["outlet"], fixed["url"]) == ("New title", "Reuters", "https://example.org/a")
    assert fixed["_corrected_by"] == "local"
    assert row(fixes, "a")["source"] == "Reuters"  # was "Outlet a", the document's outlet
    assert "Reuters" in got.groups["sources"].iloc[0]


def test_events_added_by_hand_join_the_events_and_can_be_edited_and_deleted(fixes: Corrections) -> None:
    with pytest.raises(CorrectionError, match="needs its source"):
        fixes.add_event(LOCAL, {"summary": "x", "date_start": "2025-01-01"})
    eid = fixes.add_event(
        LOCAL, {"source": "Field notes", "summary": "Talks began", "date_start": "2025-01-02", "actors": ["Cuba"]}
    )
    got = row(fixes, eid)
    assert got["_manual"] and got["source"] == "Field notes" and got["date_start"] == pd.Timestamp("2025-01-02")
    assert eid in set(fixes.read().corrected.events["event_id"]) and len(fixes.read().corrected.groups) == 2
    assert fixes.edit_event(LOCAL, eid, {"summary": "Talks began in Havana"}, expected_version=1) == 2
    assert row(fixes, eid)["summary"] == "Talks began in Havana"
    with pytest.raises(StaleCorrection, match="changed by local"):
        fixes.edit_event(LOCAL, eid, {"summary": "stale"}, expected_version=1)
    fixes.delete_event(LOCAL, eid, expected_version=2)
    assert eid not in set(fixes.read().corrected.events["event_id"])
    assert fixes.manual_events()["deleted"].tolist() == [True]  # kept for the audit log's sake


def test_two_sessions_saving_the_same_event_the_second_is_refused_with_the_first_change(fixes: Corrections) -> None:
    ana, ben = editor(fixes, "ana@example.org"), editor(fixes, "ben@example.org")
    other = Corrections(open_store(fixes.store.location))  # another session's handle
    seen = fixes.find("event", locate(fixes, "a"))
    assert seen is None  # both sessions opened the form on version 0
    fixes.save(ana, "event", locate(fixes, "a"), {"summary": "Ana's"}, expected_version=0, target_id="a")
    with pytest.raises(StaleCorrection, match=r"changed by ana@example\.org") as refused:
        other.save(ben, "event", locate(fixes, "a"), {"summary": "Ben's"}, expected_version=0, target_id="a")
    assert refused.value.changes == {"summary": "Ana's"} and refused.value.by == "ana@example.org"
    assert row(fixes, "a")["summary"] == "Ana's"
    # Ben looks at Ana's change and saves against her version: accepted
    assert other.save(ben, "event", locate(fixes, "a"), {"summary": "Ben's"}, expected_version=1) == 2
    # undoing against a stale version is refused as well
    cid = int(fixes.find("event", locate(fixes, "a"))["id"])
    with pytest.raises(StaleCorrection, match=r"changed by ben@example\.org"):
        fixes.remove(ana, cid, expected_version=1)


def test_a_viewer_cannot_write_even_through_the_store(fixes: Corrections) -> None:
    viewer = editor(fixes, "vi@example.org", "viewer")
    stranger = Team(fixes.store).actor("nobody@example.org")
    for who in (viewer, stranger):
        with pytest.raises(PermissionDenied, match="needs the editor role"):
            fixes.save(who, "event", locate(fixes, "a"), {"summary": "x"}, expected_version=0)
        with pytest.raises(PermissionDenied):
            fixes.add_event(who, {"source": "S", "summary": "x"})
    assert fixes.list().empty and fixes.manual_events().empty
    assert Team(fixes.store).history().query("actor == 'vi@example.org'").empty


def test_every_kind_of_write_is_in_the_audit_log(fixes: Corrections) -> None:
    ed = editor(fixes)
    fixes.save(ed, "event", locate(fixes, "a"), {"summary": "one"}, expected_version=0, target_id="a")
    fixes.save(ed, "event", locate(fixes, "a"), {"summary": "two"}, expected_version=1, target_id="a")
    doc = fixes.store.read_documents().set_index("doc_id", drop=False).loc["b"]
    fixes.save(ed, "document", document_locator(doc), {"title": "T"}, expected_version=0, target_id="b")
    cid = int(fixes.find("event", locate(fixes, "a"))["id"])
    fixes.reattach(ed, cid, locate(fixes, "c"), expected_version=2, target_id="c")
    fixes.remove(ed, cid, expected_version=3)
    eid = fixes.add_event(ed, {"source": "S", "summary": "by hand"})
    fixes.edit_event(ed, eid, {"summary": "by hand, edited"}, expected_version=1)
    fixes.delete_event(ed, eid, expected_version=2)
    log = Team(fixes.store).history(actor="ed@example.org").iloc[::-1]
    assert list(zip(log["action"], log["target_kind"], log["target_id"], strict=True)) == [
        ("correct", "event", "a"),
        ("correct", "event", "a"),
        ("correct", "document", "b"),
        ("reattach correction", "event", "c"),
        ("undo correction", "event", "c"),
        ("add event", "event", eid),
        ("edit event", "event", eid),
        ("delete event", "event", eid),
    ]
    assert '"summary": "one"' in log["before"].iloc[1] and '"summary": "two"' in log["after"].iloc[1]
    assert Team(fixes.store).history(target_kind="event", target_ids=["a", "c"]).shape[0] == 4


@pytest.fixture
def fake_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(nlp, "load_nlp", blank_nlp)
    monkeypatch.setattr(extract_events, "document_tables", fake_tables)


def test_a_correction_survives_a_re_extraction_and_is_orphaned_when_the_text_changes(
    url: str, tmp_path: Path, fake_engine: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "a.txt").write_text("Russia and Cuba met in 2024. Then in 2025 again.", encoding="utf-8")
    (folder / "b.txt").write_text("Cuba said so in 2019.", encoding="utf-8")
    assert cli.main([str(folder), "--db", url, "--quiet"]) == 0
    store = open_store(url)
    assert isinstance(store, SqlStore)
    fixes = Corrections(store)
    events = store.read_events()
    target = events[events["time_expression"] == "2025"].iloc[0]
    fixes.save(
        LOCAL,
        "event",
        event_locator(target, store.read_documents()),
        {"summary": "Met again"},
        expected_version=0,
        target_id=str(target["event_id"]),
    )

    def other_rules(document, doc):  # the rules changed: other ids and offsets, same sentences and expressions
        row, rows = fake_tables(document, doc)
        return row, [{**r, "event_id": "new-" + r["event_id"], "char_start": 0, "confidence": 0.9} for r in rows]

    monkeypatch.setattr(extract_events, "document_tables", other_rules)
    assert cli.main([str(folder), "--db", url, "--quiet"]) == 0
    got = fixes.read().corrected
    assert len(got.events) == 3 and all(e.startswith("new-") for e in got.events["event_id"])
    again = got.events[got.events["time_expression"] == "2025"].iloc[0]
    assert again["summary"] == "Met again" and again["_corrected_by"] == "local" and got.orphans.empty

    (folder / "a.txt").write_text("Russia and Cuba met in 2024. They met once more in 2025.", encoding="utf-8")
    assert cli.main([str(folder), "--db", url, "--quiet"]) == 0
    got = fixes.read().corrected
    assert "Met again" not in set(got.events["summary"])
    assert list(got.orphans["changes"]) == [{"summary": "Met again"}]
    assert "no extracted event" in got.orphans["reason"].iloc[0]
    assert got.orphans["sentence"].iloc[0] == "Then in 2025 again."
    # re-attached to the row it now means, it applies again
    now = store.read_events()
    moved = now[now["time_expression"] == "2025"].iloc[0]
    fixes.reattach(
        LOCAL,
        int(got.orphans["id"].iloc[0]),
        event_locator(moved, store.read_documents()),
        expected_version=1,
        target_id=str(moved["event_id"]),
    )
    got = fixes.read().corrected
    assert got.orphans.empty and "Met again" in set(got.events["summary"])


def test_a_folder_keeps_no_corrections(tmp_path: Path) -> None:
    store = open_store(tmp_path / "data")
    assert store.corrections() is None
    with pytest.raises(StoreError, match="corrections need a database store"):
        Corrections(store)
