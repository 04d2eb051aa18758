"""Applying corrections over extracted rows (extract/store/corrections.py), pure: no database."""

from __future__ import annotations

import pandas as pd
import pytest

from extract import schema
from extract.corpus import groups_table
from extract.store.corrections import (
    CorrectionError,
    apply_corrections,
    check_changes,
    document_locator,
    event_locator,
)
from tests.test_store_contract import document, event


def tables() -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Two documents: a reports twice the same sentence (two rows), b once; a and b in one group."""
    rows = [
        event("a1", "a", event_group="g1", sentence="Talks began on March 13, 2025."),
        event("a2", "a", event_group="g1", sentence="Talks began on March 13, 2025.", char_start=40),
        event("b1", "b", event_group="g1"),
        event("b2", "b", event_group="g2", sentence="Other.", time_expression="March 20, 2025"),
    ]
    events = schema.events_frame(rows)
    documents = schema.documents_frame([document("a", sha256="sha-a"), document("b", sha256="sha-b")])
    return events, documents, groups_table(events, documents)


def correction(cid: int, kind: str, locator: dict[str, str], changes: dict, by: str = "ed@example.org") -> dict:
    return {"id": cid, "target_kind": kind, **locator, "changes": changes, "version": 1, "updated_by": by}


def test_the_locator_is_text_not_position_and_takes_every_row_it_matches() -> None:
    events, documents, groups = tables()
    fix = correction(1, "event", event_locator(events.iloc[0], documents), {"event_type": "diplomacy"})
    got = apply_corrections(events, documents, groups, pd.DataFrame([fix]))
    typed = dict(zip(got.events["event_id"], got.events["event_type"], strict=True))
    assert typed == {"a1": "diplomacy", "a2": "diplomacy", "b1": "military", "b2": "military"}
    assert list(got.events["_corrected_by"]) == ["ed@example.org", "ed@example.org", "", ""]
    # the same correction over the rows in another order, with other ids and offsets: found all the same
    shuffled = events.iloc[::-1].assign(event_id=lambda f: "x" + f["event_id"], char_start=7)
    again = apply_corrections(shuffled, documents, groups, pd.DataFrame([fix]))
    assert sorted(again.events.loc[again.events["event_type"] == "diplomacy", "event_id"]) == ["xa1", "xa2"]


def test_a_changed_text_orphans_event_and_document_corrections() -> None:
    events, documents, groups = tables()
    fixes = pd.DataFrame(
        [
            correction(1, "event", event_locator(events.iloc[2], documents), {"summary": "fixed"}),
            correction(2, "document", document_locator(documents.iloc[1]), {"title": "Fixed title"}),
        ]
    )
    changed = documents.assign(sha256=["sha-a", "sha-b-v2"])  # b re-extracted from another text
    got = apply_corrections(events, changed, groups, fixes)
    assert "fixed" not in set(got.events["summary"]) and "Fixed title" not in set(got.documents["title"])
    assert dict(zip(got.orphans["id"], got.orphans["reason"], strict=True)) == {
        1: "no extracted event has this sentence and time expression any more",
        2: "its document is gone or its text changed",
    }


def test_a_move_into_a_group_that_is_gone_is_listed_not_applied() -> None:
    events, documents, groups = tables()
    fix = correction(1, "event", event_locator(events.iloc[3], documents), {"group": "g-unknown"})
    got = apply_corrections(events, documents, groups, pd.DataFrame([fix]))
    assert got.events.loc[got.events["event_id"] == "b2", "event_group"].item() == "g2"
    assert "group it was moved into is gone" in got.orphans["reason"].item()
    moved = correction(1, "event", event_locator(events.iloc[3], documents), {"group": "g1"})
    got = apply_corrections(events, documents, groups, pd.DataFrame([moved]))
    assert list(got.groups["n_reports"]) == [4] and got.orphans.empty  # g2 emptied: gone; g1 recomputed


def test_an_undated_correction_and_a_manual_event_in_an_existing_group() -> None:
    events, documents, groups = tables()
    fix = correction(1, "event", event_locator(events.iloc[2], documents), {"date_start": None, "date_end": None})
    manual = pd.DataFrame(
        [
            {
                "id": "m1",
                "source": "Notes",
                "summary": "Seen",
                "date_start": "2025-03-13",
                "event_group": "g2",
                "deleted": False,
                "version": 1,
                "url": "https://example.org",
                "created_by": "ana@example.org",
            }
        ]
    )
    got = apply_corrections(events, documents, groups, pd.DataFrame([fix]), manual)
    b1 = got.events[got.events["event_id"] == "b1"].iloc[0]
    assert pd.isna(b1["date_start"]) and b1["granularity"] == "unresolved"
    added = got.events[got.events["_manual"]].iloc[0]
    assert (added["event_id"], added["source"], added["_manual_url"]) == ("manual-m1", "Notes", "https://example.org")
    assert got.groups.set_index("event_group").loc["g2", "n_sources"] == 2


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"colour": "red"}, "cannot change colour"),
        ({"date_start": "not a day"}, "is not a date"),
        ({"date_start": "2025-03-02", "date_end": "2025-03-01"}, "before the start"),
        ({"event_type": "party"}, "event type 'party'"),
        ({"granularity": "fortnight"}, "granularity 'fortnight'"),
    ],
)
def test_what_cannot_be_stored_is_refused_with_why(changes: dict, message: str) -> None:
    with pytest.raises(CorrectionError, match=message):
        check_changes("event", changes)


@pytest.mark.parametrize(
    ("table", "heading"), [("corrections", "### Corrections"), ("manual_events", "### Events added")]
)
def test_the_readme_documents_every_column_of_the_correction_tables(table: str, heading: str) -> None:
    from extract.store import tables_sql
    from tests.test_docs import dictionary_rows

    columns = [c.name for c in tables_sql.metadata().tables[table].columns]
    assert [name for name, _ in dictionary_rows(heading)] == columns
