"""The dashboard's event-first views through AppTest, on a store with event groups and key dates.

The fixture: the shared tables (tests/conftest.py) plus an article with no outlet and no publication date
whose undated report of the 13 March signing is grouped with TASS's (13 March) and Reuters' (14 March): one
event, three sources, dates in conflict. The groups and key dates tables are written by hand, through the
store, as a corpus step would write them.
"""

from __future__ import annotations

import base64
import csv
import io
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from dashboard import export, groups
from dashboard.groups import OWN_GROUP
from extract import schema
from extract.store import CorpusTables, open_store
from tests.conftest import ARTICLE_A, fixture_rows
from tests.markdown_check import visible
from tests.test_dashboard import downloads  # noqa: F401  (fixture: the bytes of each download)

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
TITLE_D = "EXPLAINER: Parliament seals the defence pact with Havana | Long read"
SENTENCE_D = "The upper house ratified the pact on Thursday."


def grouped_tables() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, pd.DataFrame]]:
    events, documents = fixture_rows(ARTICLE_A)
    groups_of = {"e1": "g1", "e4": "g1", "e3": "g3", "e5": "g5", "e6": "g6", "e8": "g8"}
    for row in events:
        row["event_group"] = groups_of.get(str(row["event_id"]), "")
    events.append(
        {
            "event_id": "e9",
            "doc_id": "d",
            "source": TITLE_D,
            "date_start": None,
            "date_end": None,
            "granularity": "unresolved",
            "date_basis": "unresolved",
            "time_expression": "Thursday",
            "summary": "The upper house ratified the pact",
            "sentence": SENTENCE_D,
            "char_start": 0,
            "char_end": len(SENTENCE_D),
            "actors": ["Russia"],
            "event_type": "military",
            "modality": "asserted",
            "confidence": 0.4,
            "event_group": "g1",
        }
    )
    documents.append(
        {
            "doc_id": "d",
            "title": TITLE_D,
            "outlet": "",
            "url": "",
            "published": None,
            "published_granularity": "",
            "published_basis": "unknown",
            "path": "d.txt",
            "sha256": "",
            "n_events": 1,
        }
    )

    def group(gid: str, start: str, end: str, granularity: str, summary: str, **fields: object) -> dict:
        return {
            "event_group": gid,
            "date_start": start,
            "date_end": end,
            "granularity": granularity,
            "date_basis": "explicit",
            "summary": summary,
            "n_documents": fields.get("n_sources", 1),
            "n_reports": fields.get("n_sources", 1),
            "date_agreement": "single",
            **fields,
        }

    groups = [
        group(
            "g1",
            "2025-03-13",
            "2025-03-13",
            "day",
            "Russia and Cuba signed a military agreement",
            actors=["Russia", "Cuba"],
            event_type="military",
            n_sources=3,
            n_reports=3,
            sources=["TASS", "Reuters", TITLE_D],
            reported_dates=["2025-03-13 (1)", "2025-03-14 (1)", "Thursday (1)"],
            date_agreement="conflict",
        ),
        group("g3", "2024-05-01", "2024-05-31", "month", "analysts wrote notes", event_type="statement"),
        group("g5", "2020-02-01", "2020-03-15", "range", "sanctions were tightened", event_type="sanctions"),
        group("g6", "2019-06-10", "2019-06-10", "day", "Cuba reported record sugar exports", event_type="economy"),
        group("g8", "2015-05-05", "2015-05-05", "day", "Cuba and the United States held talks", event_type="diplomacy"),
    ]
    for row in groups:
        row.setdefault("sources", ["TASS"])
        row.setdefault("reported_dates", [f"{row['date_start']} (1)"])
    key_dates = [
        {"date": "2025-03-13", "rank": 1, "score": 4.5, "n_sources": 3, "n_groups": 1, "summary": groups[0]["summary"]},
        {"date": "2019-06-10", "rank": 2, "score": 1.0, "n_sources": 1, "n_groups": 1, "summary": groups[3]["summary"]},
        {"date": "2015-05-05", "rank": 3, "score": 0.5, "n_sources": 1, "n_groups": 1, "summary": groups[4]["summary"]},
    ]
    tables = {
        "groups": schema.typed(pd.DataFrame(groups), "groups"),
        "key_dates": schema.typed(pd.DataFrame(key_dates), "key_dates"),
    }
    return schema.events_frame(events), schema.documents_frame(documents), tables


@pytest.fixture
def grouped_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    events, documents, tables = grouped_tables()
    result = CorpusTables(events, documents, tables)
    open_store(folder).write(events, documents, {"a": ARTICLE_A}, replace_all=True, derive=lambda corpus: result)
    monkeypatch.setenv("DATELINE_DATA", str(folder))
    return folder


def run_app(query: dict[str, object] | None = None, page: str | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=30)
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def spec(at: AppTest, n: int = 0) -> dict:
    """A chart's figure as plotly.js gets it, numeric arrays decoded into lists."""
    return decoded(json.loads(at.get("plotly_chart")[n].proto.spec))


def decoded(node: object) -> object:
    """Plotly's JSON writes numpy arrays as {"dtype", "bdata"} (base64): back to lists."""
    if isinstance(node, dict):
        if set(node) >= {"dtype", "bdata"}:
            values = np.frombuffer(base64.b64decode(node["bdata"]), dtype=node["dtype"])
            return values.reshape(node["shape"]).tolist() if "shape" in node else values.tolist()
        return {k: decoded(v) for k, v in node.items()}
    if isinstance(node, list):
        return [decoded(v) for v in node]
    return node


def marks(figure: dict) -> list[str]:
    """Ids of the marks drawn (markers and bars, not labels, whiskers or legend entries)."""
    return [
        i
        for t in figure["data"]
        if t.get("mode") != "text" and t.get("hovertemplate")
        for i in t.get("customdata") or []
        if i
    ]


def table(at: AppTest, first_column: str) -> pd.DataFrame:
    """The page's table whose first column is this one."""
    return next(d.value for d in at.dataframe if list(d.value.columns)[:1] == [first_column])


# --------------------------------------------------------------------------- the timeline


def test_one_mark_per_event_sized_labelled_and_spread(grouped_folder: Path) -> None:
    at = run_app()
    figure = spec(at)
    assert sorted(marks(figure)) == ["g1", "g3", "g5", "g6"]  # g8 is 2015: outside 2018-2026; e9 is in g1
    traces = [t for t in figure["data"] if "g1" in (t.get("customdata") or []) and t.get("mode") == "markers"]
    (mark,) = traces
    i = mark["customdata"].index("g1")
    sizes = mark["marker"]["size"]
    assert sizes[i] == 17  # three sources: bigger than a single source's 9 px
    hover = mark["hovertext"][i]
    assert "3 sources" in hover and "Sources disagree" in hover
    assert "Thu 13 Mar 2025" in hover and "Fri 14 Mar 2025" in hover and "“Thursday”" in hover
    spread = {t["meta"]["shows"]: t for t in figure["data"] if "g1" in ((t.get("meta") or {}).get("events") or [])}
    dates, bar = spread["dates"], spread["spread"]  # a whisker over the dates; a bar through the mark
    assert dates["line"]["color"] == bar["marker"]["color"] == "#b2182b"  # red: the sources disagree
    assert dates["x"][:2] == ["2025-03-13", "2025-03-15"]  # 13 to 14 March, inclusive
    assert bar["marker"]["symbol"] == "line-ew-open" and bar["marker"]["size"][0] == 17 + 14  # wider than the mark
    labels = [t for t in figure["data"] if t.get("mode") == "text"]
    assert any("· 3 sources" in text for t in labels for text in t["text"])
    assert figure["layout"]["yaxis"]["ticktext"][0] == "Several sources"
    legend = {t["name"] for t in figure["data"] if t.get("legend") == "legend2"}
    assert {"bigger: more sources", "sources disagree on the date"} <= legend
    headline = at.markdown[0].value
    assert headline.startswith("**4 events** from 5 dated reports by 3 sources")


def test_single_reports_switch_draws_reports(grouped_folder: Path) -> None:
    at = run_app()
    at.segmented_control(key="tl_mode").set_value("single reports").run()
    assert sorted(marks(spec(at))) == ["e1", "e3", "e4", "e5", "e6"]
    assert at.markdown[0].value.startswith("**5 reports** by 3 sources")


def test_lane_names_are_outlets_or_short_titles(grouped_folder: Path) -> None:
    at = run_app()
    at.segmented_control(key="tl_mode").set_value("single reports").run()
    at.checkbox(key="f_undated").set_value(True).run()
    ticks = spec(at)["layout"]["yaxis"]["ticktext"]
    assert {"TASS", "Reuters", "Granma"} <= set(ticks)  # outlets as they are
    # the undated report has no lane: the page says so, naming its source
    assert any("No lane of their own" in c.value and "only undated events" in c.value for c in at.caption)


def test_low_confidence_and_publication_dates_look_different(grouped_folder: Path) -> None:
    stored = open_store(grouped_folder)
    events = stored.read_events()
    events.loc[events["event_id"] == "e6", ["date_basis", "time_expression"]] = ["publication", ""]
    events.loc[events["event_id"] == "e5", "confidence"] = 0.2
    stored.write(events, stored.read_documents(), {}, replace_all=True)  # no groups table now: own groups
    at = run_app()
    at.segmented_control(key="tl_mode").set_value("single reports").run()
    figure = spec(at)
    styles = {}
    for t in figure["data"]:
        for j, cid in enumerate(t.get("customdata") or []):
            if t.get("mode") == "markers":
                styles[cid] = (t["marker"]["symbol"][j], t["marker"]["opacity"][j])
            elif t.get("type") == "bar" and cid:
                styles[cid] = ("bar", t["marker"]["opacity"][j])
    assert styles["e6"][0] == "circle-open" and styles["e1"][0] == "circle"  # hollow: no date written
    assert styles["e5"][1] < styles["e3"][1]  # faded: confidence under 50%
    legend = {t["name"] for t in figure["data"] if t.get("legend") == "legend2"}
    assert any(name.startswith("hollow") for name in legend) and any(name.startswith("faded") for name in legend)


# --------------------------------------------------------------------------- filters


def test_reported_by_at_least_n_sources_works(grouped_folder: Path) -> None:
    at = run_app()
    widget = at.number_input(key="f_minsrc")
    assert not widget.disabled and "the most: 3" in widget.help
    widget.set_value(2).run()
    assert sorted(marks(spec(at))) == ["g1"]
    assert at.query_params["minsrc"] == "2"
    at.switch_page("views/events.py").run()
    assert set(at.dataframe[0].value["event_id"]) == {"e1", "e4"}
    widget = at.number_input(key="f_minsrc").set_value(4).run()
    assert "lower the minimum number of sources" in at.info[0].value


def test_sources_disagree_filter(grouped_folder: Path) -> None:
    at = run_app(page="views/events.py")
    toggle = at.toggle(key="f_disagree")
    assert not toggle.disabled and "(1)" in toggle.label
    toggle.set_value(True).run()
    assert set(at.dataframe[0].value["event_id"]) == {"e1", "e4"}
    assert at.query_params["disagree"] == "1"
    shared = run_app({"disagree": "1"})  # the link keeps it
    assert sorted(marks(spec(shared))) == ["g1"]


def test_counts_say_what_they_leave_out(grouped_folder: Path) -> None:
    at = run_app()
    sidebar = at.sidebar.markdown[0].value
    assert "**5** of 9 events match" in sidebar
    assert "1 undated, 1 outside the date range, 1 hypothetical or planned" in sidebar
    assert "1 by more than one filter" in sidebar  # e7: planned and undated
    headline = at.markdown[0].value
    assert "the filters leave out events: 1 outside the date range" in headline


# --------------------------------------------------------------------------- the event panel, chronology, undated


def test_event_panel_shows_every_report_side_by_side(grouped_folder: Path) -> None:
    at = run_app({"event": "g1"})
    assert any(s.value == "Selected event" for s in at.subheader)
    shown = " ".join(m.value for m in at.markdown)
    assert "Russia and Cuba signed a military agreement" in shown
    assert "3 sources" in shown and ":red-badge[sources disagree on the date]" in shown
    assert "**TASS**" in shown and "**Reuters**" in shown
    assert "“March 13, 2025” → **Thu 13 Mar 2025**" in shown
    assert "“Friday” → **Fri 14 Mar 2025**" in shown
    assert "“Thursday” → **undated**" in shown
    captions = " ".join(visible(c.value) for c in at.caption)
    assert "Undated: the article has no publication date to count from" in captions
    assert "publication date unknown" in captions
    assert "dates the sources give: Thu 13 Mar 2025 (1 source) · Fri 14 Mar 2025 (1 source)" in captions
    html = "".join(h.value for h in at.html)
    assert '<mark class="dl-timex">March 13, 2025</mark>' in html and '<mark class="dl-timex">Thursday</mark>' in html
    links = [p for p in at.get("page_link") if p.proto.label == "Open the source"]
    assert len(links) == 3
    assert at.query_params["event"] == "g1"


def test_an_unknown_event_in_the_link_is_said(grouped_folder: Path) -> None:
    at = run_app({"event": "no-such-group"})
    assert not any(s.value == "Selected event" for s in at.subheader)
    assert "not in the store" in at.info[0].value  # said, not silently dropped


def test_chronology_lists_events_newest_or_oldest_first(grouped_folder: Path) -> None:
    at = run_app()
    chronology = table(at, "when")
    assert list(chronology["when"]) == ["Thu 13 Mar 2025", "May 2024", "1 Feb – 15 Mar 2020", "Mon 10 Jun 2019"]
    first = chronology.iloc[0]
    assert (first["sources"], first["agreement"]) == (3, "sources disagree")
    at.segmented_control(key="tl_order").set_value("oldest first").run()
    assert table(at, "when")["when"].iloc[0] == "Mon 10 Jun 2019"


def test_undated_events_and_articles_are_listed_with_the_reason(grouped_folder: Path) -> None:
    at = run_app()
    articles = table(at, "title")
    assert list(articles["title"]) == [TITLE_D]
    assert articles.iloc[0]["why"].startswith("no metadata, no dateline")
    at.toggle(key="f_hyp").set_value(True).run()  # the planned, undated e7 now matches every other filter
    undated = table(at, "what")
    row = undated[undated["what"] == "a ceremony will be held"].iloc[0]
    assert (row["written"], row["why"]) == ("some day", "could not be placed on the calendar")
    assert any("1 undated events are listed under *Not on the timeline*" in m.value for m in at.markdown)


def test_month_bars_spread_long_periods_and_share_the_timeline_axis(grouped_folder: Path) -> None:
    at = run_app()
    timeline, histogram = spec(at, 0), spec(at, 1)
    assert histogram["layout"]["xaxis"]["range"] == timeline["layout"]["xaxis"]["range"]
    assert histogram["layout"]["margin"]["l"] == timeline["layout"]["margin"]["l"]
    assert histogram["layout"]["yaxis"]["tickformat"] == ",d" and histogram["layout"]["yaxis"]["dtick"] >= 1
    spread = next(t for t in histogram["data"] if t["name"] == "known only to a longer period")
    assert len(spread["x"]) == 2 and sum(spread["y"]) == pytest.approx(1.0)  # 1 Feb - 15 Mar 2020: two months


# --------------------------------------------------------------------------- key dates


def test_key_dates_page_ranks_days_and_opens_one(grouped_folder: Path) -> None:
    at = run_app(page="views/key_dates.py")
    assert at.title[0].value == "Key dates"
    days = at.dataframe[0].value
    assert list(days["when"]) == ["Thu 13 Mar 2025", "Mon 10 Jun 2019"]  # 2015 is outside the date range
    assert list(days["rank"]) == [1, 2] and list(days["n_sources"]) == [3, 1]
    assert any("1 outside it are left out" in c.value for c in at.caption)
    at.segmented_control(key="kd_order").set_value("by date").run()
    assert list(at.dataframe[0].value["when"]) == ["Mon 10 Jun 2019", "Thu 13 Mar 2025"]
    day = run_app({"day": "2025-03-13"}, page="views/key_dates.py")
    assert any(s.value == "Thu 13 Mar 2025: 1 event" for s in day.subheader)
    assert any("Russia and Cuba signed a military agreement" in m.value for m in day.markdown)


def test_key_dates_page_without_key_dates(data_folder: Path) -> None:
    at = run_app(page="views/key_dates.py")
    assert "No key dates are stored yet" in at.info[0].value


# --------------------------------------------------------------------------- events table and downloads


def test_events_table_puts_what_happened_first_and_says_undated(
    grouped_folder: Path,
    downloads: dict[str, bytes],  # noqa: F811  (the imported fixture)
) -> None:
    at = run_app(page="views/events.py")
    at.checkbox(key="f_undated").set_value(True).run()
    shown = at.dataframe[0].value
    assert list(shown.columns[:3]) == ["summary", "_when_key", "source"]
    by_id = shown.set_index("event_id")
    assert by_id.loc["e9", "_when_key"] == "undated" and by_id.loc["e1", "_when_key"] == "2025-03-13"
    assert (by_id.loc["e1", "_n_sources"], by_id.loc["e1", "_agreement"]) == (3, "sources disagree")
    rows = list(csv.DictReader(io.StringIO(downloads["dateline-events.csv"].decode("utf-8-sig"))))
    assert list(rows[0])[-len(export.CONTEXT_COLUMN_NAMES) :] == export.CONTEXT_COLUMN_NAMES
    e1 = next(r for r in rows if r["event_id"] == "e1")
    assert (e1["event_group"], e1["group_sources"], e1["group_agreement"]) == ("g1", "3", "conflict")
    assert (e1["group_date_start"], e1["published"], e1["url"]) == ("2025-03-13", "2025-10-10", "https://example.org/a")
    assert e1["title"] == "Moscow and Havana sign a <b>pact</b>"
    e9 = next(r for r in rows if r["event_id"] == "e9")
    assert (e9["date_start"], e9["published"], e9["title"]) == ("", "", TITLE_D)
    e6 = next(r for r in rows if r["event_id"] == "e6")
    assert (e6["event_group"], e6["group_sources"], e6["group_agreement"]) == ("g6", "1", "single")
    records = json.loads(downloads["dateline-events.json"])
    assert next(r for r in records if r["event_id"] == "e1")["group_sources"] == 3


def test_ungrouped_events_are_their_own_events(data_folder: Path) -> None:
    """A store without a groups table (written before grouping): every event is drawn once, on its own."""
    at = run_app()
    assert sorted(marks(spec(at))) == sorted(f"{OWN_GROUP}e{i}" for i in (1, 3, 4, 5, 6))
    assert at.number_input(key="f_minsrc").disabled
    assert at.toggle(key="f_disagree").disabled


def test_hover_texts_of_missing_values_are_empty() -> None:
    # pandas 3 keeps a missing value missing through astype(str): a hover would then fail on it
    values = pd.Series(["Moscow & <Havana>", None, np.nan, 2.5], dtype=object)
    assert groups._texts(values) == ["Moscow & <Havana>", "", "", "2.5"]
