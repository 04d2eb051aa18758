"""Pure parts of the dashboard: filters, query strings, figures, exports, highlighting, upload checks."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from dashboard import charts, components, data, export, groups, ingest, labels, text
from dashboard.synthetic import synthetic_tables
from extract import schema
from extract.store import open_store
from extract.store.team import LOCAL
from tests.conftest import ARTICLE_A, fixture_rows


@pytest.fixture
def dataset() -> data.Dataset:
    events, documents = fixture_rows(ARTICLE_A)
    return data.build_dataset(schema.events_frame(events), schema.documents_frame(documents))


def ids(frame: pd.DataFrame) -> set[str]:
    return set(frame["event_id"])


def test_filter_events_is_pure_and_matches_the_dataset_path(dataset: data.Dataset) -> None:
    raw = schema.events_frame(fixture_rows(ARTICLE_A)[0])
    before = raw.copy()
    filters = data.Filters(actors=("Cuba",), include_hypothetical=True)
    assert ids(data.filter_events(raw, filters)) == {"e1", "e4", "e5", "e6"}
    pd.testing.assert_frame_equal(raw, before)
    masks = data.dataset_masks(dataset, filters)
    assert ids(dataset.events[data.combine(masks, len(dataset.events))]) == {"e1", "e4", "e5", "e6"}


def test_date_filter_keeps_periods_that_overlap(dataset: data.Dataset) -> None:
    # e2 covers all of 2026 (year granularity): a range inside it keeps it
    filters = data.Filters(date_from=dt.date(2026, 6, 1), date_to=dt.date(2026, 6, 30), include_hypothetical=True)
    assert ids(data.filter_events(dataset.events, filters)) == {"e2"}
    everything = data.Filters(date_from=None, date_to=None, include_hypothetical=True, include_undated=True)
    assert len(data.filter_events(dataset.events, everything)) == 8


def test_facet_counts_leave_their_own_filter_out(dataset: data.Dataset) -> None:
    counts = data.facet_counts(dataset, data.Filters(event_types=("military",)))
    assert counts["event_types"]["economy"] == 1  # counted as if the type filter were open
    assert counts["sources"] == {"TASS": 1, "Reuters": 1, "Granma": 0}
    assert counts["actors"]["Cuba"] == 2


def test_explain_empty_names_the_most_responsible_filter(dataset: data.Dataset) -> None:
    message = data.explain_empty(dataset, data.Filters(sources=("Granma",), event_types=("military",)))
    assert message.startswith("No events match: clear the")
    assert "widen the date range" in data.explain_empty(dataset, data.Filters(date_from=dt.date(2030, 1, 1)))


@pytest.mark.parametrize(
    "filters",
    [
        data.Filters(),
        data.Filters(date_from=None, date_to=dt.date(2020, 1, 1), sources=("A & B", "C=D"), text="tariffs now"),
        data.Filters(actors=("Russia",), event_types=("military", "other"), include_hypothetical=True),
        data.Filters(granularities=("day",), date_bases=("explicit",), include_undated=True, min_sources=3),
    ],
)
def test_query_params_round_trip(filters: data.Filters) -> None:
    params = data.to_query_params(filters)
    assert data.from_query_params(params) == filters
    assert data.to_query_params(data.Filters()) == {}


def test_timeline_draws_periods_as_spans_and_never_mutates(dataset: data.Dataset) -> None:
    before = dataset.events.copy()
    fig = charts.timeline_figure(dataset.events, "source", (dt.date(2018, 1, 1), dt.date(2026, 12, 31)))
    pd.testing.assert_frame_equal(dataset.events, before)
    spans = {cid: t for t in fig.data if t.type == "bar" for cid in t.customdata}
    month = spans["e3"]  # May 2024: from May 1 for 31 days, not a point on the 1st
    i = list(month.customdata).index("e3")
    assert str(month.base[i]) == "2024-05-01"
    assert month.x[i] == 31 * charts.DAY_MS
    points = {cid for t in fig.data if t.type in ("scatter", "scattergl") for cid in t.customdata}
    assert {"e1", "e4", "e6"} <= points
    assert "e7" not in points | set(spans)  # undated
    assert fig.layout.meta["undated"] == 1
    assert len(fig.to_json()) < 50_000


def test_hover_shows_the_date_as_written_summary_and_source_escaped(dataset: data.Dataset) -> None:
    fig = charts.timeline_figure(dataset.events, "source")
    hover = {c: h for t in fig.data for c, h in zip(t.customdata, t.hovertext, strict=True)}
    assert hover["e1"].startswith("<b>Thu 13 Mar 2025</b>, written “March 13, 2025”")
    assert "<i>TASS</i>" in hover["e1"]
    assert "<script>" not in json.dumps(fig.to_plotly_json(), default=str)


def test_many_points_use_webgl_and_dense_lanes_are_aggregated() -> None:
    events, documents = synthetic_tables(30_000, seed=1)
    ds = data.build_dataset(events, documents)
    fig = charts.timeline_figure(ds.events, "source")
    assert fig.layout.meta["aggregated"], "dense lanes become monthly totals"
    assert len(fig.to_json()) < 5_000_000
    sparse = charts.timeline_figure(ds.events[ds.events["source"] == "Outlet A"], "source", lane_limit=10**6)
    assert any(t.type == "scattergl" for t in sparse.data)


def test_month_histogram_and_selected_months(dataset: data.Dataset) -> None:
    fig = charts.month_histogram(dataset.events)
    total = sum(float(sum(t.y)) for t in fig.data)
    assert total == pytest.approx(int(dataset.events["_dated"].sum()), abs=0.01)  # a year's event, spread, adds up
    assert charts.selected_months([{"customdata": "2024-05"}, {"customdata": "2025-03"}]) == (
        dt.date(2024, 5, 1),
        dt.date(2025, 3, 31),
    )
    assert charts.selected_ids([{"customdata": "e1"}, {"customdata": ""}, {"customdata": ["e2"]}]) == ["e1", "e2"]


def test_sources_figures_and_agreements(dataset: data.Dataset) -> None:
    assert charts.source_year_figure(dataset.events).data[0].type == "heatmap"
    assert charts.coverage_figure(dataset.events).data
    table = data.agreements(dataset.events)
    row = table[table["actor"] == "Cuba"].iloc[0]
    assert row["n_sources"] == 2 and row["month"] == pd.Timestamp("2025-03-01")


def test_csv_is_spreadsheet_safe() -> None:
    frame = data.prepare_events(
        schema.events_frame(
            [
                {"event_id": "x", "summary": "=1+1", "sentence": "@SUM(A1)", "actors": ["-A", "B"], "confidence": -0.5},
                {"event_id": "y", "summary": "\tTab", "sentence": "\rCR", "source": "+44", "date_start": "2024-01-02"},
            ]
        )
    )
    raw = export.to_csv_bytes(frame)
    assert raw.startswith(b"\xef\xbb\xbf")
    body = raw.decode("utf-8-sig")
    assert "'=1+1" in body and "'@SUM(A1)" in body and "'-A; B" in body
    assert "'\tTab" in body and "'\rCR" in body and "'+44" in body
    assert ",-0.5," in body  # numbers are left alone
    assert "2024-01-02" in body


def test_timelinejs_precision_and_escaping(dataset: data.Dataset) -> None:
    doc = export.to_timelinejs(dataset.events)
    events = {e["unique_id"]: e for e in doc["events"]}
    assert "e7" not in events  # undated
    assert events["e2"]["start_date"] == {"year": 2026} and "end_date" not in events["e2"]
    assert "&lt;script&gt;" in events["e3"]["text"]["text"]
    assert events["e3"]["display_date"] == "May 2024"


def test_highlight_escapes_and_marks() -> None:
    article = "Intro <b>bold</b>.\nOn May 5 it rained. Later."
    events = pd.DataFrame(
        {
            "sentence": ["On May 5 it rained.", "Later."],
            "char_start": [0, 0],  # wrong offsets: found by searching
            "char_end": [0, 0],
            "time_expression": ["May 5", ""],
        }
    )
    sentences, timexes, missing = text.highlight_spans(article, events)
    assert missing == 0 and len(sentences) == 2 and len(timexes) == 1
    out = text.highlight_html(article, sentences, timexes)
    assert "&lt;b&gt;bold&lt;/b&gt;" in out and "<b>" not in out
    assert '<mark class="dl-sentence">On </mark><mark class="dl-sentence"><mark class="dl-timex">May 5</mark>' in out


def test_document_text_comes_from_the_store(data_folder: Path) -> None:
    stored = open_store(data_folder)
    good = text.document_text(stored, "a")
    assert good.verified and good.text == ARTICLE_A and "matches the extracted text" in good.note
    missing = text.document_text(stored, "b")  # stored without its text
    assert missing.text is None and "cannot be found" in missing.note
    sha = stored.read_documents().set_index("doc_id").loc["a", "sha256"]
    (data_folder / "texts" / sha[:2] / f"{sha}.txt").write_text("tampered")
    damaged = text.document_text(stored, "a")
    assert damaged.text is None and "damaged" in damaged.note


def test_load_text_is_cached_by_the_stores_version(data_folder: Path) -> None:
    ds = data.load_dataset(data_folder)
    assert data.load_text(ds, "a").text == ARTICLE_A
    stored = open_store(data_folder)
    stored.write(*fixture_frames_with_new_text(stored))
    assert data.load_text(data.load_dataset(data_folder), "a").text == "New text of a."


def fixture_frames_with_new_text(stored):  # type: ignore[no-untyped-def]
    documents = stored.read_documents()
    return stored.read_events(), documents[documents["doc_id"] == "a"], {"a": "New text of a."}


@pytest.mark.parametrize(
    ("name", "payload", "problem"),
    [
        ("a.txt", b"", "empty file"),
        ("a.txt", b"   \n", "no text"),
        ("a.md", b"abc\x00def", "binary"),
        ("a.txt", b"caf\xe9", "not UTF-8"),
        ("a.jsonl", b'["no object"]\n', "line 1 skipped: expected a JSON object"),
        ("a.pdf", b"%PDF", "unsupported file type"),
    ],
)
def test_unreadable_uploads_are_named_and_not_saved(tmp_path: Path, name: str, payload: bytes, problem: str) -> None:
    report = ingest.extract_uploads([(name, payload)], tmp_path, actor=LOCAL)
    assert report.rejected == [name] and not report.accepted
    assert problem in " ".join(report.problems[name])
    assert open_store(tmp_path).is_empty() and not any(tmp_path.iterdir())  # nothing written, nothing saved


def test_jsonl_upload_with_a_malformed_line_keeps_the_good_lines(data_folder: Path) -> None:
    """The real engine: the bad line is named by its number, the good lines are extracted and merged."""
    jsonl = (
        b'{"id": "up1", "text": "Russia and Cuba signed a trade agreement on March 13, 2025.", "outlet": "Wire"}\n'
        b'{"id": "up2", "text": "unterminated\n'
        b'{"id": "up3", "text": "China and Iran held talks in Beijing on 2 May 2024.", "outlet": "Wire"}\n'
    )
    report = ingest.extract_uploads([("batch.jsonl", jsonl)], data_folder, actor=LOCAL)
    assert report.error is None
    assert report.accepted == ["batch.jsonl"] and report.rejected == []
    assert list(report.problems) == ["batch.jsonl"]
    problems = report.problems["batch.jsonl"]
    assert len(problems) == 1  # named once, though the pipeline reads the file again
    assert problems[0].startswith("line 2 skipped: malformed JSON (Unterminated string starting at: line 1 column")
    assert report.replaced == [] and report.documents_replaced == 0
    stored = open_store(data_folder)
    documents = stored.read_documents()
    assert {"a", "b", "c", "batch/up1", "batch/up3"} == set(documents["doc_id"])
    events = stored.read_events()
    assert {f"e{i}" for i in range(1, 9)} <= set(events["event_id"])  # nothing stored before is lost
    assert set(events["doc_id"]) >= {"batch/up1", "batch/up3"} and report.lost_events == 0
    assert report.events_after == len(events) > report.events_before == 8
    assert documents.set_index("doc_id").loc["batch/up1", "path"] == "batch.jsonl"  # the upload's name
    shown = text.document_text(stored, "batch/up3")  # the Sources page's full text
    assert shown.verified and shown.text == "China and Iran held talks in Beijing on 2 May 2024."


def test_uploads_with_one_doc_id_in_a_batch_keep_the_first(tmp_path: Path) -> None:
    report = ingest.UploadReport()
    found, origin = ingest.read_uploads(
        [("x.txt", b"first text"), ("x.md", b"second text"), ("b.jsonl", b'{"id": 1, "text": "t"}\n')], report
    )
    assert [(d.doc_id, d.path) for d in found] == [("x", "x.txt"), ("b/1", "b.jsonl")]
    assert origin == {"x": "x.txt", "b/1": "b.jsonl"}
    assert report.rejected == ["x.md"] and "duplicate doc_id 'x' (already in x.txt)" in report.problems["x.md"][0]


def test_prepare_is_vectorised_and_idempotent() -> None:
    events, _documents = synthetic_tables(2_000)
    prepared = data.prepare_events(events)
    assert data.prepare_events(prepared) is prepared
    assert prepared["_text"].str.contains("talks").sum() > 0
    assert np.all(prepared.loc[prepared["_dated"], "_mi"] >= 0)


def test_reupload_of_a_corrected_file_replaces_the_document(data_folder: Path) -> None:
    first = b"Russia and Cuba signed a trade agreement on March 13, 2025.\n"
    second = b"Correction: Russia and Cuba signed a trade agreement on 2 May 2024.\n"
    report = ingest.extract_uploads([("article.txt", first)], data_folder, actor=LOCAL)
    assert report.accepted == ["article.txt"] and report.replaced == []
    report = ingest.extract_uploads([("article.txt", second)], data_folder, actor=LOCAL)
    assert report.accepted == [] and report.rejected == [] and report.error is None  # waits for a "yes"
    assert report.pending is not None and [c.doc_id for c in report.pending.changes] == ["article"]
    assert "March 13, 2025" in set(
        open_store(data_folder).read_events().query("doc_id == 'article'")["time_expression"]
    )
    report = ingest.confirm_replacements(report.pending, data_folder, actor=LOCAL)
    assert report.accepted == ["article.txt"] and report.error is None and report.pending is None
    assert report.replaced == ["article"] and report.documents_replaced == 1
    assert ingest.replaced_text(report.replaced) == "replaced 1 stored document: article"
    stored = open_store(data_folder)
    documents = stored.read_documents()
    assert sorted(documents["doc_id"]) == ["a", "article", "b", "c"]  # one article, not two
    events = stored.read_events()
    assert "March 13, 2025" not in set(events.query("doc_id == 'article'")["time_expression"])
    assert documents.set_index("doc_id").loc["article", "path"] == "article.txt"
    shown = text.document_text(stored, "article")
    assert shown.verified and shown.text == second.decode()
    texts = sorted(p.read_bytes() for p in (data_folder / "texts").rglob("*.txt"))
    assert first not in texts and second in texts  # the replaced text is gone from the store
    again = ingest.extract_uploads(
        [("article.txt", second)], data_folder, actor=LOCAL
    )  # the same file again: stored once
    assert again.duplicates == {"article": "article"} and again.replaced == [] and again.documents_added == 0
    assert again.lost_events == 0 and again.rejected == []


def test_jsonl_batches_with_the_same_ids_do_not_replace_each_other(data_folder: Path) -> None:
    def batch(word: str) -> bytes:
        return "".join(
            json.dumps({"id": i, "text": f"{word} {i}: China and Iran held talks on 2 May 2024."}) + "\n"
            for i in (1, 2)
        ).encode()

    first = ingest.extract_uploads([("monday.jsonl", batch("Monday"))], data_folder, actor=LOCAL)
    second = ingest.extract_uploads([("tuesday.jsonl", batch("Tuesday"))], data_folder, actor=LOCAL)
    assert first.replaced == [] and second.replaced == []
    ids = set(open_store(data_folder).read_documents()["doc_id"])
    assert {"monday/1", "monday/2", "tuesday/1", "tuesday/2"} <= ids
    again = ingest.extract_uploads([("monday.jsonl", batch("Monday, corrected,"))], data_folder, actor=LOCAL)
    assert again.replaced == [] and again.pending is not None  # ids do not take stored documents over silently
    assert [c.doc_id for c in again.pending.changes] == ["monday/1", "monday/2"]
    assert all(c.old_events == 1 and c.new_events >= 1 for c in again.pending.changes)
    assert "Monday, corrected, 1" in again.pending.texts["monday/1"]
    done = ingest.confirm_replacements(again.pending, data_folder, actor=LOCAL)
    assert done.replaced == ["monday/1", "monday/2"]
    assert ingest.replaced_text(done.replaced) == "replaced 2 stored documents: monday/1, monday/2"


def test_timelinejs_escapes_every_text_field() -> None:
    frame = data.prepare_events(
        schema.events_frame(
            [
                {
                    "event_id": "x",
                    "date_start": "2024-01-02",
                    "date_end": "2024-01-02",
                    "granularity": "day",
                    "source": "<script>alert(1)</script>",
                    "summary": '<img src=x onerror="alert(2)">',
                    "sentence": "<b>bold</b>",
                    "time_expression": "<img src=y onerror=alert(3)>",
                }
            ]
        )
    )
    doc = export.to_timelinejs(frame, title="<i>t</i>")
    dumped = json.dumps(doc)
    assert "<script" not in dumped and "<img" not in dumped and "<b>" not in dumped and "<i>" not in dumped
    item = doc["events"][0]
    assert item["group"] == "&lt;script&gt;alert(1)&lt;/script&gt;"
    assert item["display_date"] == "&lt;img src=y onerror=alert(3)&gt;"
    assert item["text"]["headline"] == "&lt;img src=x onerror=&quot;alert(2)&quot;&gt;"
    assert "&lt;script&gt;" in item["text"]["text"]


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://example.org/a?b=1&c=2#d", "https://example.org/a?b=1&c=2#d"),
        ("http://x/a%20b", "http://x/a%20b"),
        ("https://x/a)![i](https://evil)", "https://x/a%29!%5Bi%5D%28https://evil%29"),
        ('https://x/"><script>', "https://x/%22%3E%3Cscript%3E"),
        ("javascript:alert(1)", None),
        ("JAVASCRIPT:alert(1)", None),
        ("data:text/html,<script>", None),
        ("https://", None),
        ("https://x/a b", None),
        ("", None),
    ],
)
def test_safe_url(url: str, expected: str | None) -> None:
    assert components.safe_url(url) == expected


def test_the_browser_is_never_shown_error_details() -> None:
    """Analysts never see tracebacks with server paths: Streamlit shows a generic message instead."""
    import tomllib

    from streamlit.config import ShowErrorDetailsConfigOptions

    config = tomllib.loads((Path(__file__).resolve().parents[1] / ".streamlit" / "config.toml").read_text())
    assert config["client"]["showErrorDetails"] == ShowErrorDetailsConfigOptions.NONE.value


def test_checked_filters_bring_link_values_within_the_widgets() -> None:
    low, high = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
    crafted = data.Filters(date_from=dt.date(1, 1, 1), date_to=dt.date(9999, 12, 31), min_sources=10**6)
    filters, notes = data.checked_filters(crafted, low, high, 50)
    assert (filters.date_from, filters.date_to, filters.min_sources) == (low, high, 50)
    assert len(notes) == 3 and "0001-01-01" in notes[0] and "9999-12-31" in notes[1]
    fine = data.Filters()
    assert data.checked_filters(fine, low, high, 50) == (fine, [])


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("![x](http://evil.example/x.png)", "![x](http://evil.example/x.png)"),
        ("<b>bold</b> & co", "<b>bold</b> & co"),
        ("see www.evil.example or me@evil.example", "see www.evil.example or me@evil.example"),
        ("two\nlines\r\n# not a heading", "two lines # not a heading"),
        (":red[colour] $x$ `code` **b** _i_ ~s~ | a |", ":red[colour] $x$ `code` **b** _i_ ~s~ | a |"),
        ("1. not a list", "1. not a list"),
    ],
)
def test_md_text_shows_the_characters_and_nothing_else(raw: str, shown: str) -> None:
    from tests.markdown_check import active_markup, visible

    escaped = components.md_text(raw)
    assert visible(escaped) == shown
    assert active_markup(escaped) == [] and "<" not in escaped and "\n" not in escaped
    assert visible(f"**{escaped}**") == shown  # inside the page's own markup too


# ---- words: dates, lane names, labels


@pytest.mark.parametrize(
    ("start", "end", "granularity", "text", "key"),
    [
        ("2025-10-08", "2025-10-08", "day", "Wed 8 Oct 2025", "2025-10-08"),
        ("2025-10-06", "2025-10-12", "week", "week of Mon 6 Oct 2025", "2025-10-06 → 2025-10-12"),
        ("2025-10-01", "2025-10-31", "month", "Oct 2025", "2025-10"),
        ("2025-10-01", "2025-12-31", "quarter", "Oct–Dec 2025", "2025-10 → 2025-12"),
        ("2025-01-01", "2025-12-31", "year", "2025", "2025"),
        ("2010-01-01", "2019-12-31", "decade", "2010s", "2010-01 → 2019-12"),
        ("2025-03-13", "2025-03-19", "range", "13–19 Mar 2025", "2025-03-13 → 2025-03-19"),
        ("2025-03-28", "2025-04-03", "range", "28 Mar – 3 Apr 2025", "2025-03-28 → 2025-04-03"),
        ("2022-01-01", "2025-10-07", "range", "1 Jan 2022 – 7 Oct 2025", "2022-01-01 → 2025-10-07"),
        (None, None, "unresolved", "undated", "undated"),
    ],
)
def test_dates_read_at_their_precision(start: str, end: str, granularity: str, text: str, key: str) -> None:
    assert labels.date_text(start, end, granularity) == text
    assert labels.date_key(start, end, granularity) == key


def test_date_columns_write_every_row_as_date_text_and_date_key_do() -> None:
    """The vectorised labels (single days written all at once, the rest one distinct value at a time) are the
    per-row functions' words, for days, periods, an end before the start, a missing end and undated rows."""
    rng = np.random.default_rng(4)
    n = 400
    start = pd.Series(pd.to_datetime("2018-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D"))
    end = start + pd.to_timedelta(rng.integers(-3, 40, n), unit="D")
    start[rng.random(n) < 0.1] = pd.NaT
    end[rng.random(n) < 0.1] = pd.NaT
    grains = rng.choice(["day", "week", "month", "year", "range", "unresolved"], n)
    frame = pd.DataFrame({"date_start": start, "date_end": end, "granularity": grains})
    readable, sortable = labels.date_columns(frame)
    for i, (s, e, g) in enumerate(zip(start, end, grains, strict=True)):
        assert readable[i] == labels.date_text(s, e, g), (s, e, g)
        assert sortable[i] == labels.date_key(s, e, g), (s, e, g)


def test_reported_dates_read_as_dates_or_as_written() -> None:
    assert labels.reported_date_text("2025-10-08 (2)") == ("Wed 8 Oct 2025", 2, True)
    assert labels.reported_date_text("2025-03 (1)") == ("Mar 2025", 1, True)
    assert labels.reported_date_text("2022 (3)") == ("2022", 3, True)
    assert labels.reported_date_text("2022-01-01/2025-10-07 (1)") == ("1 Jan 2022 – 7 Oct 2025", 1, True)
    assert labels.reported_date_text("Tuesday (1)") == ("“Tuesday”", 1, False)


@pytest.mark.parametrize(
    ("title", "short"),
    [
        ("Short outlet", "Short outlet"),
        ("NEWS DESK | Evening bulletin", "News Desk"),  # a subtitle dropped, capitals made readable
        (
            "ANALYSIS: Why the harbour deal matters to both capitals",
            "Why the harbour deal matters…",
        ),  # never ends on "to"
        ("Tides and Treaties: a history of the port agreements", "Tides and Treaties"),
        ("An agreement on maritime cooperation between the two navies", "An agreement on maritime…"),
        ("", "(untitled)"),
    ],
)
def test_short_titles_keep_whole_words(title: str, short: str) -> None:
    assert labels.short_title(title) == short
    assert len(short) <= 35


def test_lane_names_never_merge_two_sources() -> None:
    sources = pd.Series(
        ["Report on the northern harbour works (part one)", "Report on the northern harbour works (part two)"]
    )
    names = labels.lane_names(sources, pd.Series([False, False]))
    assert len(set(names.values())) == 2
    assert labels.lane_names(pd.Series(["Reuters"]), pd.Series([True])) == {"Reuters": "Reuters"}


def test_mark_labels_are_cut_after_a_word() -> None:
    assert (
        labels.short_summary("the council ratified the agreement on military cooperation")
        == "The council ratified the agreement…"
    )
    assert labels.short_summary("") == ""


# ---- events as groups


def _grouped(rows: list[dict], table: list[dict]) -> data.Dataset:
    events = schema.events_frame(rows)
    documents = schema.documents_frame([{"doc_id": d} for d in sorted(set(events["doc_id"]))])
    return data.build_dataset(events, documents, group_table=schema.typed(pd.DataFrame(table), "groups"))


def _row(event_id: str, doc_id: str, source: str, day: str | None, group: str = "", **fields: object) -> dict:
    return {
        "event_id": event_id,
        "doc_id": doc_id,
        "source": source,
        "date_start": day,
        "date_end": day,
        "granularity": "day" if day else "unresolved",
        "date_basis": "explicit" if day else "unresolved",
        "summary": f"summary {event_id}",
        "modality": "asserted",
        "confidence": 0.8,
        "event_group": group,
        "event_type": "diplomacy",
        **fields,
    }


def test_groups_take_the_stored_consensus_and_the_members_spread() -> None:
    ds = _grouped(
        [
            _row("a", "d1", "Alpha", "2025-10-07", "g"),
            _row("b", "d2", "Beta", "2025-10-08", "g"),
            _row("c", "d3", "Gamma", None, "g"),
            _row("p", "d1", "Alpha", "2025-11-01", modality="planned"),  # no group: its own event
        ],
        [
            {
                "event_group": "g",
                "date_start": "2025-10-08",
                "date_end": "2025-10-08",
                "granularity": "day",
                "date_basis": "explicit",
                "summary": "the stored summary",
                "event_type": "military",
                "n_sources": 3,
                "sources": ["Alpha", "Beta", "Gamma"],
                "reported_dates": ["2025-10-07 (1)", "2025-10-08 (1)"],
                "date_agreement": "conflict",
            }
        ],
    )
    frame = ds.groups.set_index("event_group")
    assert sorted(frame.index) == ["g", f"{groups.OWN_GROUP}p"]
    g = frame.loc["g"]
    assert (g["summary"], g["event_type"], g["n_sources"], g["_n_reports"]) == ("the stored summary", "military", 3, 3)
    assert (g["_lo"], g["_hi"]) == (pd.Timestamp("2025-10-07"), pd.Timestamp("2025-10-08"))
    assert g["_spread"] == groups.CONFLICT and g["_lane"] == groups.SEVERAL
    assert list(ds.events["_n_sources"]) == [3, 3, 3, 1] and list(ds.events["_disagree"]) == [True, True, True, False]
    members = groups.members(ds.events, ds.group_of, ds.groups, "g")
    assert list(members["event_id"]) == ["a", "b", "c"]  # dated first, by date


def test_without_a_groups_table_every_event_is_its_own() -> None:
    ds = _grouped([_row("a", "d1", "Alpha", "2025-10-07", "g"), _row("b", "d2", "Beta", "2025-10-08", "g")], [])
    assert sorted(ds.groups["event_group"]) == [f"{groups.OWN_GROUP}a", f"{groups.OWN_GROUP}b"]
    assert list(ds.groups["n_sources"]) == [1, 1]


def test_left_out_names_each_filter_and_what_several_leave_out(dataset: data.Dataset) -> None:
    masks = data.dataset_masks(dataset, data.Filters())
    counts = data.left_out(dataset.events, masks)
    assert counts == {"out_of_range": 1, "modality": 1, "several": 1}  # e8 (2015); e2; e7 planned and undated
    assert data.left_out_text(counts) == (
        "Left out: 1 outside the date range, 1 hypothetical or planned, 1 by more than one filter"
    )


def test_year_events_are_spread_over_their_months_not_piled_on_january() -> None:
    rows = [_row(f"y{i}", "d", "Alpha", None) for i in range(3)]
    for row in rows:
        row.update(date_start="2024-01-01", date_end="2024-12-31", granularity="year", date_basis="explicit")
    rows.append(_row("m", "d", "Alpha", "2024-03-05"))
    ds = data.build_dataset(schema.events_frame(rows), schema.documents_frame([{"doc_id": "d"}]))
    fig = charts.month_histogram(ds.events)
    spread = next(t for t in fig.data if t.name == "known only to a longer period")
    assert list(spread.x) == [f"2024-{m:02}-01" for m in range(1, 13)]
    assert list(spread.y) == pytest.approx([0.25] * 12)  # three year events over twelve months
    fine = next(t for t in fig.data if t.name == "diplomacy")
    assert list(fine.x) == ["2024-03-01"] and list(fine.y) == [1]
    assert fine.offset == 0 and fine.width[0] == pytest.approx(31 * charts.DAY_MS * 0.92)  # a month wide
    assert fig.layout.yaxis.tickformat == ",d" and fig.layout.yaxis.dtick == 1


def test_marks_that_would_overlap_sit_on_different_rows() -> None:
    rows = [_row(f"e{i}", "d", "Alpha", "2025-10-08") for i in range(3)]
    ds = data.build_dataset(schema.events_frame(rows), schema.documents_frame([{"doc_id": "d"}]))
    fig = charts.timeline_figure(ds.events, "source")
    ys = sorted(y for t in fig.data if t.mode == "markers" and t.customdata is not None for y in t.y)
    assert len(set(ys)) == 3 and max(ys) - min(ys) == pytest.approx(0.6)


def test_upload_progress_says_the_rate_and_time_left_once_measurable() -> None:
    progress_text = components.progress_text
    assert progress_text(0, 300, "a", started=100.0, now=100.5) == "0 of 300 documents · a"
    assert (
        progress_text(12, 300, "b", started=100.0, now=105.0)
        == "12 of 300 documents · 2.4 a second · about 2 min left · b"
    )
    assert (
        progress_text(290, 300, "c", started=0.0, now=29.0) == "290 of 300 documents · 10 a second · about 1 s left · c"
    )
    done = progress_text(300, 300, "[x](http://h)", started=0.0, now=30.0)
    assert (
        done == f"300 of 300 documents · 10 a second · {components.md_text('[x](http://h)')}"
    )  # a name is text, not a link


def test_large_upload_progress_says_words_a_second_and_workers() -> None:
    text = components.progress_text(200, 400, "d", started=0.0, now=20.0, words=60_000, workers=2)
    assert text == "200 of 400 documents · 10 a second · 3,000 words a second · 2 workers · about 20 s left · d"
    assert "1 worker ·" in components.progress_text(1, 400, "d", started=0.0, now=0.5, workers=1)


def test_large_uploads_are_shared_among_workers(monkeypatch: pytest.MonkeyPatch) -> None:
    from dashboard import ingest
    from extract.documents import Document

    monkeypatch.setattr(ingest.os, "cpu_count", lambda: 8)
    assert ingest.upload_jobs(ingest.LARGE_BATCH - 1, {}) == 1
    assert ingest.upload_jobs(ingest.LARGE_BATCH, {}) == 4
    assert ingest.upload_jobs(ingest.LARGE_BATCH, {"DATELINE_UPLOAD_JOBS": "0"}) == 8
    assert ingest.upload_jobs(ingest.LARGE_BATCH, {"DATELINE_UPLOAD_JOBS": "2"}) == 2
    assert ingest.upload_jobs(ingest.LARGE_BATCH, {"DATELINE_UPLOAD_JOBS": "many"}) == 4
    seen: list[tuple] = []
    docs = [Document(doc_id=f"d{i}", text="one two three four", path="") for i in range(ingest.LARGE_BATCH)]
    tick = ingest._counting_words(lambda *args, **kw: seen.append((args, kw)), docs, 3)
    tick(10, 100, "d9")
    assert seen == [((10, 100, "d9"), {"words": 40, "workers": 3})]
    plain = lambda *args: None  # noqa: E731
    assert ingest._counting_words(plain, docs[:5], 1) is plain  # a small batch: documents only


def test_a_large_upload_extracted_by_two_workers_stores_what_one_would(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from dashboard import ingest
    from extract.store import open_store

    lines = [
        json.dumps({"id": f"n{i}", "text": f"On March {i + 1}, 2024, Russia and Cuba signed agreement number {i}."})
        for i in range(6)
    ]
    files = [("batch.jsonl", "\n".join(lines).encode())]
    monkeypatch.setattr(ingest, "LARGE_BATCH", 4)
    seen: list[dict] = []
    tables = []
    for jobs in ("1", "2"):
        monkeypatch.setenv("DATELINE_UPLOAD_JOBS", jobs)
        where = tmp_path / f"jobs{jobs}"
        report = ingest.extract_uploads(files, where, lambda *a, **kw: seen.append(kw), actor=LOCAL)
        assert report.documents_added == 6 and not report.error, report
        tables.append(open_store(where).read_events().sort_values("event_id").reset_index(drop=True))
    pd.testing.assert_frame_equal(tables[0], tables[1])
    assert len(tables[0]) >= 6
    assert {kw["workers"] for kw in seen} == {1, 2} and seen[-1]["words"] > 0


def test_a_progress_callback_of_three_arguments_still_works_for_a_large_upload() -> None:
    from dashboard import ingest
    from extract.documents import Document

    docs = [Document(doc_id=f"d{i}", text="one two", path="") for i in range(ingest.LARGE_BATCH)]
    seen: list[tuple] = []

    def plain(done: int, total: int, doc_id: str) -> None:
        seen.append((done, total, doc_id))

    tick = ingest._counting_words(plain, docs, 2)
    tick(3, 100, "d2")  # type: ignore[misc]
    assert seen == [(3, 100, "d2")]
