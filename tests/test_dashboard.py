"""The dashboard through streamlit.testing.v1.AppTest: every page, every filter, the URL, downloads, uploads."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import json
from pathlib import Path

import pandas as pd
import pytest
import spacy
from streamlit.runtime.memory_media_file_storage import MemoryMediaFileStorage
from streamlit.testing.v1 import AppTest

from dashboard import export
from dashboard.components import md_text
from dashboard.groups import OWN_GROUP
from extract import events as extract_events
from extract import nlp as extract_nlp
from extract import schema
from extract.store import default_store_location, open_store
from tests.conftest import ARTICLE_A
from tests.markdown_check import visible

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
DEFAULT_IDS = {"e1", "e3", "e4", "e5", "e6"}  # 2018-2026, asserted, dated


def run_app(query: dict[str, object] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes handed to st.download_button, by file name."""
    captured: dict[str, bytes] = {}
    original = MemoryMediaFileStorage.load_and_get_id

    def capture(self, path_or_data, mimetype, kind, filename=None):  # type: ignore[no-untyped-def]
        if filename and isinstance(path_or_data, bytes):
            captured[filename] = path_or_data
        return original(self, path_or_data, mimetype, kind, filename)

    monkeypatch.setattr(MemoryMediaFileStorage, "load_and_get_id", capture)
    return captured


def table_ids(at: AppTest) -> set[str]:
    """Event ids in the Events page's table."""
    return set(at.dataframe[0].value["event_id"])


def data_caption(at: AppTest) -> str:
    """The sidebar's caption naming the store and its counts."""
    return next(c.value for c in at.sidebar.caption if c.value.startswith("Data:"))


def csv_rows(data: bytes) -> list[dict[str, str]]:
    assert data.startswith(b"\xef\xbb\xbf"), "CSV must start with a UTF-8 BOM"
    return list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))


def timeline_ids(at: AppTest) -> set[str]:
    """Ids drawn on the timeline figure (customdata of every trace). In events mode these are event groups; an
    event with no group is its own ('~' + its event id), given here as its event id."""
    chart = at.get("plotly_chart")[0]
    spec = json.loads(chart.proto.spec)
    ids: set[str] = set()
    for trace in spec["data"]:
        ids.update(i.removeprefix(OWN_GROUP) for i in trace.get("customdata") or [] if i)
    return ids


# ---- pages


def test_timeline_is_home_and_draws_the_default_range(data_folder: Path) -> None:
    at = run_app()
    assert at.title[0].value == "Timeline"
    assert "**5** of 8 events match" in at.sidebar.markdown[0].value
    assert timeline_ids(at) == DEFAULT_IDS
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert spec["layout"]["xaxis"]["range"][0].startswith("2018-01-01")
    # the month span e3 (May 2024) is a bar over the whole month plus a day, not a point on the 1st
    bars = [t for t in spec["data"] if t["type"] == "bar" and t.get("orientation") == "h"]
    assert bars, "period events are drawn as spans"


def test_timeline_lanes_by_actor(data_folder: Path) -> None:
    at = run_app()
    at.segmented_control(key="tl_lanes").set_value("actor").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    marks = [i for t in spec["data"] if t.get("mode") != "text" for i in t.get("customdata") or [] if i]
    assert sorted(marks) == sorted(f"{OWN_GROUP}{e}" for e in DEFAULT_IDS)  # events: one mark each
    assert {"Russia", "Cuba", "United States"} <= set(spec["layout"]["yaxis"]["ticktext"])  # the main actors
    at.segmented_control(key="tl_mode").set_value("single reports").run()
    spec = json.loads(at.get("plotly_chart")[0].proto.spec)
    assert {"Russia", "Cuba", "United States"} <= set(spec["layout"]["yaxis"]["ticktext"])
    drawn = [i for t in spec["data"] if t.get("mode") != "text" for i in t.get("customdata") or [] if i]
    assert drawn.count("e1") == 2  # single reports: Russia and Cuba
    assert drawn.count("e5") == 2  # United States and Cuba


def test_timeline_presets_change_the_date_range(data_folder: Path) -> None:
    at = run_app()
    at.button(key="tl_p_all").click().run()
    assert at.date_input(key="f_from").value == dt.date(2015, 5, 5)
    assert "e8" in timeline_ids(at)
    at.button(key="tl_p_last").click().run()
    assert at.date_input(key="f_to").value == dt.date(2026, 12, 31)
    assert at.date_input(key="f_from").value == dt.date(2026, 1, 1)
    assert at.query_params["from"] == "2026-01-01"
    at.button(key="tl_p_default").click().run()
    assert at.date_input(key="f_from").value == dt.date(2018, 1, 1)
    assert "from" not in at.query_params


def test_sources_overview_compares_sources(data_folder: Path) -> None:
    at = run_app(page="views/sources.py")
    assert at.title[0].value == "Sources compared"
    per_source = at.dataframe[0].value
    assert dict(zip(per_source["source"], per_source["events"], strict=True)) == {"TASS": 2, "Reuters": 2, "Granma": 1}
    overlap = at.dataframe[1].value
    row = overlap[(overlap["actor"] == "Cuba") & (overlap["month"] == "2025-03")].iloc[0]
    assert row["sources"] == "Reuters, TASS"
    assert row["kinds"] == "same kind"


def test_sources_document_view_escapes_markup(data_folder: Path) -> None:
    at = run_app({"doc": "a"}, page="views/sources.py")
    assert at.title[0].value.startswith("Moscow and Havana sign a &lt;b&gt;pact")  # shown as text
    text = "".join(h.value for h in at.html)
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in text
    assert "<script>" not in text
    assert '<mark class="dl-timex">March 13, 2025</mark>' in text
    assert "matches the extracted text" in " ".join(c.value for c in at.caption)
    shown = at.dataframe[0].value
    assert list(shown["time_expression"]) == ["March 13, 2025", "May 2024"]  # e2 is hypothetical: hidden


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("javascript:alert(1)", None),
        ("https://x/a)![i](https://evil)", "https://x/a%29!%5Bi%5D%28https://evil%29"),
    ],
)
def test_sources_document_link_cannot_be_hijacked(data_folder: Path, url: str, shown: str | None) -> None:
    stored = open_store(data_folder)
    documents = stored.read_documents()
    documents.loc[documents["doc_id"] == "a", "url"] = url
    stored.write(stored.read_events(), documents, {"a": ARTICLE_A}, replace_all=True)
    at = run_app({"doc": "a"}, page="views/sources.py")
    markdown = " ".join(m.value for m in at.markdown)
    assert "evil" not in markdown and "javascript" not in markdown and "](" not in markdown
    buttons = [b for b in at.get("link_button") if b.proto.label == "Original article"]
    assert [b.proto.url for b in buttons] == ([shown] if shown else [])


def test_sources_document_without_file_shows_sentences(data_folder: Path) -> None:
    at = run_app({"doc": "b"}, page="views/sources.py")
    assert any("cannot be found" in w.value and "sentences only" in w.value for w in at.warning)
    assert any("Cuba hosted Russian ships" in h.value for h in at.html)


def test_events_page_and_downloads(data_folder: Path, downloads: dict[str, bytes]) -> None:
    at = run_app(page="views/events.py")
    assert at.title[0].value == "Events table"
    assert table_ids(at) == DEFAULT_IDS
    rows = csv_rows(downloads["dateline-events.csv"])
    assert {r["event_id"] for r in rows} == DEFAULT_IDS
    assert list(rows[0]) == schema.EVENT_COLUMN_NAMES + export.CONTEXT_COLUMN_NAMES
    by_id = {r["event_id"]: r for r in rows}
    assert by_id["e3"]["summary"] == '\'=HYPERLINK("http://evil") analysts wrote notes'
    assert by_id["e5"]["summary"] == "'+ sanctions were tightened"
    assert by_id["e5"]["actors"] == "United States; Cuba"
    assert by_id["e3"]["date_start"] == "2024-05-01" and by_id["e3"]["date_end"] == "2024-05-31"
    records = json.loads(downloads["dateline-events.json"])
    assert {r["event_id"] for r in records} == DEFAULT_IDS
    assert next(r for r in records if r["event_id"] == "e5")["actors"] == ["United States", "Cuba"]
    story = json.loads(downloads["dateline-timelinejs.json"])
    events = {e["unique_id"]: e for e in story["events"]}
    assert set(events) == DEFAULT_IDS
    assert events["e3"]["start_date"] == {"year": 2024, "month": 5}
    assert "end_date" not in events["e3"]
    assert events["e1"]["start_date"] == {"year": 2025, "month": 3, "day": 13}
    assert events["e5"]["end_date"] == {"year": 2020, "month": 3, "day": 15}
    assert events["e1"]["group"] == "TASS"


def test_add_page_renders(data_folder: Path) -> None:
    at = run_app(page="views/add.py")
    assert at.title[0].value == "Add articles"
    assert {".txt", ".md", ".html", ".jsonl"} <= set(at.file_uploader[0].allowed_type)
    assert at.file_uploader[0].proto.max_upload_size_mb == 50  # what extract.documents accepts


# ---- every filter: the rows shown on the Events page and the CSV that would be downloaded

FILTER_CASES = [
    ("date_input", "f_from", dt.date(2025, 1, 1), {"e1", "e4"}),
    ("date_input", "f_to", dt.date(2020, 12, 31), {"e5", "e6"}),
    ("multiselect", "f_sources", ["Reuters"], {"e4", "e5"}),
    ("multiselect", "f_actors", ["United States"], {"e5"}),
    ("multiselect", "f_types", ["military"], {"e1", "e4"}),
    ("multiselect", "f_gran", ["month", "range"], {"e3", "e5"}),
    ("multiselect", "f_basis", ["explicit"], DEFAULT_IDS),
    ("text_input", "f_text", "Sugar", {"e6"}),
    ("toggle", "f_hyp", True, DEFAULT_IDS | {"e2"}),
    ("checkbox", "f_undated", True, DEFAULT_IDS),  # e7 is undated but also planned
]


@pytest.mark.parametrize(("kind", "key", "value", "expected"), FILTER_CASES, ids=[c[1] for c in FILTER_CASES])
def test_each_filter(
    data_folder: Path, downloads: dict[str, bytes], kind: str, key: str, value: object, expected: set[str]
) -> None:
    at = run_app(page="views/events.py")
    getattr(at, kind)(key=key).set_value(value).run()
    assert not at.exception
    assert table_ids(at) == expected
    assert {r["event_id"] for r in csv_rows(downloads["dateline-events.csv"])} == expected
    assert f"**{len(expected)}** of 8 events match" in at.sidebar.markdown[0].value
    assert at.query_params, "the filter is in the URL"


def test_filters_combine_and_apply_to_the_timeline(data_folder: Path) -> None:
    at = run_app()
    at.toggle(key="f_hyp").set_value(True)
    at.checkbox(key="f_undated").set_value(True).run()
    at.multiselect(key="f_sources").set_value(["Granma"]).run()
    assert timeline_ids(at) == {"e6"}  # e7 is undated: not drawn, but counted
    assert "**2** of 8 events match" in at.sidebar.markdown[0].value
    assert "1 undated events are listed under *Not on the timeline*" in at.markdown[0].value


def test_min_sources_is_disabled_while_event_group_is_empty(data_folder: Path) -> None:
    at = run_app()
    widget = at.number_input(key="f_minsrc")
    assert widget.disabled
    assert "event_group is empty" in widget.help


def test_filter_counts_shown_next_to_options(data_folder: Path) -> None:
    at = run_app()
    types_ = at.multiselect(key="f_types")
    assert "military (2)" in types_.options
    assert "military: 2" in types_.help  # with the other filters
    at.multiselect(key="f_sources").set_value(["Reuters"]).run()
    assert "military: 1" in at.multiselect(key="f_types").help


def test_empty_state_names_the_filter_to_change(data_folder: Path) -> None:
    at = run_app(page="views/events.py")
    at.text_input(key="f_text").input("ceasefire").run()
    assert "No events match: clear the search text" in at.info[0].value
    at.text_input(key="f_text").input("").run()
    at.date_input(key="f_from").set_value(dt.date(2026, 6, 1)).run()
    assert "widen the date range" in at.info[0].value


def test_reset_filters(data_folder: Path) -> None:
    at = run_app({"source": "Reuters", "q": "cuba"})
    assert at.multiselect(key="f_sources").value == ["Reuters"]
    at.button(key="f_reset").click().run()
    assert at.multiselect(key="f_sources").value == []
    assert not at.query_params.get("source")


# ---- the URL


def test_query_string_round_trip(data_folder: Path) -> None:
    at = run_app()
    at.multiselect(key="f_sources").set_value(["Reuters", "TASS"])
    at.multiselect(key="f_types").set_value(["military"])
    at.date_input(key="f_from").set_value(dt.date(2024, 1, 1))
    at.text_input(key="f_text").input("cuba")
    at.toggle(key="f_hyp").set_value(True).run()
    params = dict(at.query_params)
    assert params["source"] == ["Reuters", "TASS"]
    assert params["type"] == "military"
    assert params["from"] == "2024-01-01"
    assert params["q"] == "cuba"
    assert params["hyp"] == "1"
    shared = run_app(params, page="views/events.py")  # a new session opened from the shared link
    assert shared.multiselect(key="f_sources").value == ["Reuters", "TASS"]
    assert shared.date_input(key="f_from").value == dt.date(2024, 1, 1)
    assert shared.text_input(key="f_text").value == "cuba"
    assert table_ids(shared) == {"e1", "e4"}


def test_bad_query_values_fall_back(data_folder: Path) -> None:
    at = run_app({"from": "not-a-date", "source": ["Nobody", "TASS"], "minsrc": "x"})
    assert at.date_input(key="f_from").value == dt.date(2018, 1, 1)
    assert at.multiselect(key="f_sources").value == ["TASS"]


# ---- uploads and first start: the real pipeline and store, with a stand-in extractor


@pytest.fixture
def one_event_per_document(monkeypatch: pytest.MonkeyPatch) -> None:
    """extract.pipeline as it is, but a blank spaCy model and one event (2 February 2024) per document."""

    def document_tables(document, doc):  # type: ignore[no-untyped-def]
        sentence = document.text.strip().splitlines()[0]
        start = document.text.index(sentence)
        row = {
            "doc_id": document.doc_id,
            "title": document.title or document.doc_id,
            "outlet": "Upload",
            "path": document.path,
            "sha256": hashlib.sha256(document.text.encode("utf-8")).hexdigest(),
        }
        event = {
            "event_id": f"up-{document.doc_id}",
            "doc_id": document.doc_id,
            "source": "Upload",
            "date_start": "2024-02-02",
            "date_end": "2024-02-02",
            "granularity": "day",
            "date_basis": "explicit",
            "time_expression": "2 February 2024",
            "summary": f"uploaded {document.doc_id}",
            "sentence": sentence,
            "char_start": start,
            "char_end": start + len(sentence),
            "event_type": "other",
            "modality": "asserted",
            "confidence": 1.0,
        }
        return row, [event]

    monkeypatch.setattr(extract_events, "document_tables", document_tables)
    monkeypatch.setattr(extract_nlp, "load_nlp", lambda: spacy.blank("en"))


def stored_ids(folder: Path) -> set[str]:
    return set(open_store(folder).read_events()["event_id"])


def upload(files: list[tuple[str, bytes, str]]) -> AppTest:
    """The Add articles page after uploading `files` (name, content, MIME type) and pressing the button."""
    at = run_app(page="views/add.py")
    at.file_uploader[0].set_value(files).run()
    at.button[0].click().run()
    assert not at.exception, at.exception
    return at


@pytest.mark.usefixtures("one_event_per_document")
def test_upload_reports_bad_files_and_keeps_stored_events(data_folder: Path) -> None:
    at = upload(
        [
            ("good.txt", b"Cuba and Russia met on 2 February 2024.", "text/plain"),
            ("empty.txt", b"", "text/plain"),
            ("binary.md", b"\x89PNG\r\n\x1a\n\x00\x00\x00", "text/markdown"),
            ("latin1.txt", "Caf\xe9 on Monday".encode("latin-1"), "text/plain"),
            ("broken.jsonl", b'{"id": "j1", "text": "ok then"}\n{"id": 2, "text": \n', "application/jsonl"),
        ]
    )
    errors = " | ".join(e.value for e in at.error)
    assert f"**{md_text('empty.txt')}** was not added:\n- empty file" in errors
    assert f"**{md_text('binary.md')}** was not added:\n- binary file" in errors
    assert f"**{md_text('latin1.txt')}** was not added:\n- {md_text('not UTF-8 (byte 0xe9 at offset 3)')}" in errors
    warnings = " | ".join(w.value for w in at.warning)
    assert (
        f"**{md_text('broken.jsonl')}** was added, with these problems:\n- {md_text('line 2 skipped: malformed JSON')}"
        in warnings
    )
    assert warnings.count("line 2 skipped") == 1  # reported once
    success = at.success[0].value
    assert md_text("good.txt, broken.jsonl") in success and "from 8 to 10 events" in success
    assert stored_ids(data_folder) == {f"e{i}" for i in range(1, 9)} | {"up-good", "up-broken/j1"}
    stored = open_store(data_folder)
    paths = stored.read_documents().set_index("doc_id")["path"]
    assert (paths["good"], paths["broken/j1"]) == ("good.txt", "broken.jsonl")  # the uploads' names, never saved
    assert stored.read_text("good") == "Cuba and Russia met on 2 February 2024."
    assert sorted(p.name for p in data_folder.iterdir() if not p.name.startswith(".")) == [
        "documents.csv",
        "events.csv",
        "events.parquet",
        "groups.csv",
        "groups.parquet",
        "key_dates.csv",
        "manifest.json",
        "plans.csv",
        "plans.parquet",
        "texts",
    ]  # no uploads/ folder: the uploaded texts are in texts/
    assert "10 events" in data_caption(at)  # the loader saw the store's new version


@pytest.mark.usefixtures("one_event_per_document")
def test_uploaded_text_is_shown_on_the_sources_page(data_folder: Path) -> None:
    upload([("good.txt", b"Cuba and Russia met on 2 February 2024.\n", "text/plain")])
    at = run_app({"doc": "good"}, page="views/sources.py")
    assert "matches the extracted text" in " ".join(c.value for c in at.caption)
    assert any('<mark class="dl-timex">2 February 2024</mark>' in h.value for h in at.html)


@pytest.fixture
def broken_extractor(monkeypatch: pytest.MonkeyPatch) -> None:
    """A model that cannot be loaded: that stops the whole run (not one document)."""

    def load_nlp():  # type: ignore[no-untyped-def]
        raise OSError("model exploded")

    monkeypatch.setattr(extract_nlp, "load_nlp", load_nlp)


@pytest.mark.usefixtures("one_event_per_document")
def test_extractor_failure_on_one_upload_names_it(data_folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """No special case for NotImplementedError any more: a document the extractor fails on is that file's problem."""
    working = extract_events.document_tables

    def document_tables(document, doc):  # type: ignore[no-untyped-def]
        if "unsupported" in document.text:
            raise NotImplementedError("no rule for this")
        return working(document, doc)

    monkeypatch.setattr(extract_events, "document_tables", document_tables)
    at = upload(
        [
            ("good.txt", b"Cuba and Russia met on 2 February 2024.", "text/plain"),
            ("odd.txt", b"An unsupported kind of article.", "text/plain"),
        ]
    )
    errors = " | ".join(e.value for e in at.error)
    failure = md_text("doc 'odd': extraction failed: NotImplementedError: no rule for this")
    assert f"**{md_text('odd.txt')}** was not added:\n- {failure}" in errors
    assert "good.txt" in visible(at.success[0].value)
    assert stored_ids(data_folder) == {f"e{i}" for i in range(1, 9)} | {"up-good"}


@pytest.mark.usefixtures("one_event_per_document")
def test_reupload_with_other_content_waits_for_confirmation_then_says_what_it_replaced(data_folder: Path) -> None:
    upload([("good.txt", b"Cuba and Russia met on 2 February 2024.", "text/plain")])
    at = upload([("good.txt", b"Corrected: Cuba and Russia met on 2 February 2024.", "text/plain")])
    assert "Nothing was replaced" in at.warning[0].value  # a folder of files gets the same rule
    assert open_store(data_folder).read_text("good") == "Cuba and Russia met on 2 February 2024."
    at.button(key="confirm_replace").click().run()
    assert md_text("replaced 1 stored document: good") in " ".join(i.value for i in at.info)
    assert "keeps no previous version" in " ".join(s.value for s in at.success)
    assert "history" in " ".join(c.value for c in at.caption)  # a folder keeps none, and the page says so
    assert sorted(open_store(data_folder).read_documents()["doc_id"]) == ["a", "b", "c", "good"]
    assert open_store(data_folder).read_text("good") == "Corrected: Cuba and Russia met on 2 February 2024."


@pytest.mark.usefixtures("broken_extractor")
def test_upload_failure_is_reported_and_nothing_is_lost(data_folder: Path) -> None:
    at = upload([("good.txt", b"Some article text.", "text/plain")])
    assert any("model exploded" in e.value for e in at.error)
    assert not at.success
    assert stored_ids(data_folder) == {f"e{i}" for i in range(1, 9)}


@pytest.mark.usefixtures("one_event_per_document")
def test_first_start_extracts_seeds(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "fresh"
    monkeypatch.setenv("DATELINE_DATA", str(folder))
    at = run_app()
    seeds = sorted(p.stem for p in (Path(APP).parent.parent / "seeds").glob("*.txt"))
    assert at.status[0].label == f"Seeds extracted: {len(seeds)} articles, {len(seeds)} events."
    stored = open_store(default_store_location())  # a fresh data folder: its SQLite file, nothing to start
    assert stored.location == f"sqlite:///{folder / 'dateline.db'}"
    assert sorted(stored.read_documents()["doc_id"]) == seeds
    assert stored.read_text(seeds[0]) == (Path(APP).parent.parent / "seeds" / f"{seeds[0]}.txt").read_text()
    assert "events match" in at.sidebar.markdown[0].value


@pytest.mark.usefixtures("broken_extractor")
def test_first_start_failure_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATELINE_DATA", str(tmp_path / "none"))
    at = run_app()
    assert at.status[0].label == "Extraction of seeds/ failed: model exploded"
    assert "python -m extract seeds" in at.warning[0].value
    assert "events table is empty" in at.info[0].value


def test_unreadable_table_is_reported(data_folder: Path) -> None:
    (data_folder / "events.parquet").write_bytes(b"not parquet at all")
    at = run_app()
    assert "cannot be read" in at.error[0].value and "events.parquet: cannot read" in visible(at.error[0].value)
    assert "events table is empty" in at.info[0].value


def test_a_write_through_the_store_is_seen_without_reload(data_folder: Path) -> None:
    at = run_app()
    assert "8 events" in data_caption(at)
    stored = open_store(data_folder)
    stored.write(stored.read_events().iloc[:3], stored.read_documents(), {}, replace_all=True)
    at.run()  # the cache key is the store's version: a new write is a new key
    assert "3 events" in data_caption(at)


def test_reload_control_reads_new_files(data_folder: Path) -> None:
    at = run_app()
    events = schema.typed_events(pd.read_parquet(data_folder / "events.parquet"))
    events.iloc[:3].to_parquet(data_folder / "events.parquet", index=False)
    for plans in ("plans.parquet", "plans.csv"):
        (data_folder / plans).unlink(missing_ok=True)
    at.button(key="reload").click().run()
    assert "3 events" in data_caption(at)
