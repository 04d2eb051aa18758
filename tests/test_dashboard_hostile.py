"""Nothing from an article is markup: hostile text in every field, on every page (AppTest), and crafted links.

Every string that comes from a document (title, outlet, url, doc_id, source, summary, sentence, actors,
locations, time_expression, date basis, event type) and every uploaded file name carries markdown, HTML, bare
URLs and an e-mail address pointing at evil.example. Each page is run, every place that renders markdown
(markdown, captions, titles, alerts, labels, help tooltips, status labels, progress text) is rendered as a
browser would, and nothing may come out as a link, an image or a tag; every st.html body may hold only the
dashboard's own tags; figures carry no tags. tests/test_browser.py checks the same in a real browser.
"""

from __future__ import annotations

import hashlib
import html.parser
import json
import re
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from google.protobuf.json_format import MessageToDict
from streamlit.testing.v1 import AppTest

from dashboard.components import md_text
from extract import schema
from extract.store import CorpusTables, open_store
from tests.markdown_check import active_markup, visible
from tests.test_dashboard import one_event_per_document  # noqa: F401  (fixture: a stand-in extractor)

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
HOST = "evil.example"
PAYLOAD = (
    f"![x](http://{HOST}/img.png) <img src=http://{HOST}/tag.png> [click](https://{HOST}/link) "
    f"www.{HOST} http://{HOST}/bare <a href=http://{HOST}/a>a</a> me@{HOST} :red[red] $x^2$ `code` **bold** _em_"
)
NAME_PAYLOAD = f"![x](http:{HOST}) <img src=x> www.{HOST} me@{HOST} [a](https:{HOST})"  # no "/": a file name
BIG_LANE = 1_600  # events from one outlet: more than a lane draws one by one (the "too many events" caption)
MARKDOWN_FIELDS = {"body", "label", "help", "placeholder", "text"}
OWN_HTML_TAGS = {"div", "mark", "style", "span", "br"}


def hostile(field: str) -> str:
    return f"{field} {PAYLOAD}"


def hostile_tables() -> tuple[list[dict], list[dict], dict[str, str]]:
    """Documents, events and texts with the payload in every text field."""
    docs, events, texts = [], [], {}
    for d in range(3):
        doc_id = f"doc{d} {NAME_PAYLOAD}"
        sentence = hostile(f"Sentence {d}: Russia and Cuba signed on March 13, 2025.")
        text = f"{hostile('Headline')}\n\n{sentence}\n\n{hostile('More text')}\n"
        texts[doc_id] = text
        start = text.index(sentence)
        docs.append(
            {
                "doc_id": doc_id,
                "title": hostile(f"Title {d}"),
                "outlet": hostile(f"Outlet {d}"),
                "url": hostile("url"),  # not an http(s) URL: no link button either
                "published": "2025-10-10",
                "published_granularity": "day",
                "published_basis": hostile("basis"),
                "path": hostile("path"),
                "sha256": hashlib.sha256(text.encode()).hexdigest(),
                "n_events": 1,
            }
        )
        n = BIG_LANE if d == 0 else 2
        for i in range(n):
            events.append(
                {
                    "event_id": f"ev{d}-{i}",
                    "doc_id": doc_id,
                    "source": hostile(f"Source {d}"),
                    "date_start": f"{2018 + i % 8}-{1 + i % 12:02}-{1 + i % 28:02}",
                    "date_end": f"{2018 + i % 8}-{1 + i % 12:02}-{1 + i % 28:02}",
                    "granularity": "day",
                    "date_basis": hostile("explicit") if i == 1 else "explicit",
                    "time_expression": hostile("March 13, 2025"),
                    "summary": hostile(f"Summary {d}-{i}"),
                    "sentence": sentence,
                    "char_start": start,
                    "char_end": start + len(sentence),
                    "actors": [hostile("Actor A"), hostile("Actor B")],
                    "locations": [hostile("Place")],
                    "event_type": hostile("type") if i == 1 else "military",
                    "modality": "asserted",
                    "confidence": 0.5,
                }
            )
    return docs, events, texts


HOSTILE_GROUP = f"g {NAME_PAYLOAD}"  # an event group id: it travels in the Timeline's `event` link
HOSTILE_DAY = "2018-01-01"  # the grouped events' day, a key date


def hostile_corpus_tables() -> tuple[pd.DataFrame, pd.DataFrame, dict[str, str], dict[str, pd.DataFrame]]:
    """The hostile tables, the first event of each document grouped as one event (sources in conflict), with a
    groups table and key dates whose every text field carries the payload."""
    docs, events, texts = hostile_tables()
    for row in events:
        if row["event_id"].endswith("-0"):
            row["event_group"] = HOSTILE_GROUP
    group = {
        "event_group": HOSTILE_GROUP,
        "date_start": HOSTILE_DAY,
        "date_end": HOSTILE_DAY,
        "granularity": "day",
        "date_basis": hostile("explicit"),
        "summary": hostile("Group summary"),
        "actors": [hostile("Actor A")],
        "locations": [hostile("Place")],
        "event_type": hostile("type"),
        "n_sources": 3,
        "n_documents": 3,
        "n_reports": 3,
        "sources": [hostile(f"Source {d}") for d in range(3)],
        "first_reported": "2025-10-10",
        "reported_dates": [f"{HOSTILE_DAY} (2)", f"{PAYLOAD} (1)"],
        "date_agreement": "conflict",
    }
    key_day = {"date": HOSTILE_DAY, "rank": 1, "score": 3.0, "n_sources": 3, "n_groups": 1}
    tables = {
        "groups": schema.typed(pd.DataFrame([group]), "groups"),
        "key_dates": schema.typed(pd.DataFrame([{**key_day, "summary": hostile("Key day")}]), "key_dates"),
    }
    return schema.events_frame(events), schema.documents_frame(docs), texts, tables


@pytest.fixture
def hostile_folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    folder = tmp_path / "data"
    events, docs, texts, tables = hostile_corpus_tables()
    result = CorpusTables(events, docs, tables)
    open_store(folder).write(events, docs, texts, replace_all=True, derive=lambda corpus: result)
    monkeypatch.setenv("DATELINE_DATA", str(folder))
    return folder


# --------------------------------------------------------------------------- walking what a page shows


def nodes(node: object) -> Iterator[object]:
    yield node
    for child in getattr(node, "children", {}).values():
        yield from nodes(child)


def strings(message: dict, keys: set[str]) -> Iterator[str]:
    for key, value in message.items():
        if isinstance(value, dict):
            yield from strings(value, keys)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict):
                    yield from strings(item, keys)
        elif key in keys and isinstance(value, str):
            yield value


class _Tags(html.parser.HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        self.tags.append(tag)


def check_page(at: AppTest) -> list[str]:
    """Assert nothing on the page is an active link, image or tag; returns the visible markdown texts."""
    assert not at.exception, [e.value for e in at.exception]
    shown: list[str] = []
    for node in nodes(at._tree):
        proto = getattr(node, "proto", None)
        if proto is None:
            continue
        kind = getattr(node, "type", "")
        message = MessageToDict(proto, preserving_proto_field_name=True)
        if kind == "html":
            parser = _Tags()
            parser.feed(message.get("body", ""))
            assert set(parser.tags) <= OWN_HTML_TAGS, parser.tags
            continue
        if kind == "plotly_chart":
            spec = json.dumps(message).lower()
            assert "<a " not in spec and "<img" not in spec and "javascript:" not in spec
            continue
        if kind in ("arrow_data_frame", "arrow_table", "code", "json"):
            continue  # shown as plain cells / code, never rendered as markdown
        for text in strings(message, MARKDOWN_FIELDS):
            assert active_markup(text) == [], (kind, text)
            shown.append(visible(text))
    return shown


def mentions_host(shown: list[str]) -> bool:
    return any(HOST in text for text in shown)


def run_page(page: str | None = None, query: dict[str, object] | None = None) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    if query:
        at.query_params.update(query)
    at.run()
    if page:
        at.switch_page(page).run()
    return at


# --------------------------------------------------------------------------- every page


def test_timeline_page_with_hostile_names(hostile_folder: Path) -> None:
    at = run_page()
    shown = check_page(at)
    caption = next(text for text in shown if "Too many events to tell apart" in text)
    assert f"Source 0 ![x](http://{HOST}/img.png)" in caption  # the outlet's name, as text
    assert mentions_host([visible(m.help or "") for m in at.multiselect])  # help tooltips name sources and actors
    at.segmented_control(key="tl_lanes").set_value("actor").run()
    check_page(at)


def test_timeline_event_panel_single_reports_and_lists_with_hostile_text(hostile_folder: Path) -> None:
    at = run_page(None, {"event": HOSTILE_GROUP})
    shown = check_page(at)
    assert any(s.value == "Selected event" for s in at.subheader)
    assert any(text.startswith(f"Group summary ![x](http://{HOST}") for text in shown)  # the panel's title, as text
    assert any(f"Source 1 ![x](http://{HOST}" in text for text in shown)  # a report's source
    assert any(PAYLOAD.split(" ")[0] in text and "not a calendar date" in text for text in shown)  # reported dates
    body = "".join(h.value for h in at.html)
    assert f"&lt;img src=http://{HOST}/tag.png&gt;" in body  # the sentences, escaped
    at.segmented_control(key="tl_mode").set_value("single reports").run()
    check_page(at)
    at.toggle(key="f_disagree").set_value(True).run()
    assert mentions_host(check_page(at))
    at.checkbox(key="f_undated").set_value(True)
    at.segmented_control(key="tl_lanes").set_value("actor").run()
    check_page(at)


def test_key_dates_page_with_hostile_text(hostile_folder: Path) -> None:
    at = run_page("views/key_dates.py")
    check_page(at)
    assert at.dataframe[0].value["summary"].iloc[0] == hostile("Key day")  # a table cell, plain text
    spec = json.dumps(MessageToDict(at.get("plotly_chart")[0].proto)).lower()
    assert "&lt;img" in spec and "<img" not in spec
    at = run_page("views/key_dates.py", {"day": HOSTILE_DAY})
    shown = check_page(at)
    assert any(text.startswith(f"Group summary ![x](http://{HOST}") for text in shown)


def test_sidebar_with_hostile_values_selected(hostile_folder: Path) -> None:
    at = run_page()
    at.multiselect(key="f_sources").set_value([hostile("Source 1")]).run()
    at.multiselect(key="f_actors").set_value([hostile("Actor A")]).run()
    at.multiselect(key="f_types").set_value([hostile("type")]).run()
    at.multiselect(key="f_basis").set_value([hostile("explicit")]).run()
    shown = check_page(at)
    assert mentions_host(shown)
    assert at.query_params["source"] == hostile("Source 1")  # the URL carries the value, as a value


def test_sources_overview_and_each_document(hostile_folder: Path) -> None:
    at = run_page("views/sources.py")
    check_page(at)
    per_source = at.dataframe[0].value  # the overview names sources in table cells (plain text, not markdown)
    assert set(per_source["source"]) == {hostile(f"Source {d}") for d in range(3)}
    for d in range(3):
        doc_id = f"doc{d} {NAME_PAYLOAD}"
        at = run_page("views/sources.py", {"doc": doc_id})
        shown = check_page(at)
        assert any(text.startswith(f"Title {d} ![x](http://{HOST}") for text in shown)  # the title, as text
        assert any(f"Outlet {d} " in text and HOST in text for text in shown)
        assert not [b for b in at.get("link_button") if b.proto.label == "Original article"]
        body = "".join(h.value for h in at.html)
        assert f"&lt;img src=http://{HOST}/tag.png&gt;" in body  # the stored text, escaped


def test_events_page(hostile_folder: Path) -> None:
    at = run_page("views/events.py")
    check_page(at)
    at.toggle(key="f_hyp").set_value(True)
    at.text_input(key="f_text").input(PAYLOAD).run()
    assert mentions_host(check_page(at))  # the search text, echoed in the sidebar's state


def test_event_details_of_hostile_events(hostile_folder: Path) -> None:
    """What the Timeline, Sources and Events pages show for selected events (a selection AppTest cannot click)."""

    def script() -> None:
        from pathlib import Path

        import streamlit as st

        from dashboard import components, data

        views = Path(components.__file__).parent / "views"  # page links need the app's pages registered
        sources = st.Page(views / "sources.py", url_path="sources")
        st.navigation([st.Page(views / "timeline.py", default=True), sources])
        components.SOURCES_PAGE = sources  # this script is not beside views/: link to the page object
        ds = data.load_dataset()
        picked = ds.events.groupby("doc_id").head(2)
        components.event_details(picked, ds.documents, data.Filters())

    at = AppTest.from_function(script, default_timeout=60)
    at.run()
    shown = check_page(at)
    assert any(text.startswith(f"Summary 0-0 ![x](http://{HOST}") for text in shown)
    assert any("Actor A" in text and "Place" in text and "Source 0" in text and HOST in text for text in shown)
    assert any(f"written “March 13, 2025 ![x](http://{HOST}" in text for text in shown)
    assert any(f"basis: explicit ![x](http://{HOST}" in text for text in shown)


@pytest.mark.usefixtures("one_event_per_document")
def test_uploads_with_hostile_names_and_ids(hostile_folder: Path) -> None:
    files = [
        (f"{NAME_PAYLOAD}.txt", f"{PAYLOAD} on 2 February 2024.".encode(), "text/plain"),
        (f"empty {NAME_PAYLOAD}.txt", b"", "text/plain"),
        (
            f"batch {NAME_PAYLOAD}.jsonl",
            json.dumps({"id": PAYLOAD, "text": PAYLOAD, "outlet": PAYLOAD}).encode() + b"\n{broken\n",
            "application/jsonl",
        ),
    ]
    at = run_page("views/add.py")
    at.file_uploader[0].set_value(files).run()
    at.button[0].click().run()
    shown = check_page(at)
    assert any(text.startswith(f"empty {NAME_PAYLOAD}.txt was not added") for text in shown)
    assert any(f"Extracted 2 files: {NAME_PAYLOAD}.txt, batch {NAME_PAYLOAD}.jsonl" in text for text in shown)
    assert any(text.startswith(f"batch {NAME_PAYLOAD}.jsonl was added, with these problems") for text in shown)
    at = run_page("views/add.py")
    at.file_uploader[0].set_value(files[:1]).run()  # the same file again: stored once
    at.button[0].click().run()
    shown = check_page(at)
    assert any(f"{NAME_PAYLOAD}: already stored as {NAME_PAYLOAD} (the same text)" in text for text in shown)
    changed = [(files[0][0], f"{PAYLOAD} changed on 2 February 2024.".encode(), "text/plain")]
    at = run_page("views/add.py")
    at.file_uploader[0].set_value(changed).run()  # other content under a stored name: shown, then confirmed
    at.button[0].click().run()
    shown = check_page(at)
    assert any(text.startswith(f"{NAME_PAYLOAD} · from {NAME_PAYLOAD}.txt") for text in shown)
    assert any(f"uploaded {NAME_PAYLOAD}" in text and "Uploaded" in text for text in shown)
    at.button(key="confirm_replace").click().run()
    shown = check_page(at)
    assert any(text == f"replaced 1 stored document: {NAME_PAYLOAD}" for text in shown)
    stored = open_store(hostile_folder).read_documents()
    assert f"batch {NAME_PAYLOAD}/{PAYLOAD}" in set(stored["doc_id"])  # stored as given, shown as text


def test_md_text_output_is_inert_for_every_payload() -> None:
    for payload in (PAYLOAD, NAME_PAYLOAD, "line\nbreak # heading\n- item", "javascript:alert(1)", "a\\]b"):
        escaped = md_text(payload)
        assert active_markup(escaped) == [] and "\n" not in escaped
        assert visible(escaped) == re.sub(r"\s*\n\s*", " ", payload)  # the same characters, on one line


# --------------------------------------------------------------------------- crafted share links

GARBAGE = [
    "0001-01-01",
    "9999-12-31",
    "2025-02-30",
    "-1",
    "NaN",
    "../../etc/passwd",
    "<script>alert(1)</script>",
    PAYLOAD,
    "9" * 5_000,
    "",
    "\u0000",
]
PAGES = [None, "views/key_dates.py", "views/sources.py", "views/events.py", "views/add.py", "views/history.py"]


QUERY_KEYS = [
    *("from", "to", "source", "actor", "type", "gran", "basis", "q", "hyp", "undated", "minsrc", "disagree"),
    *("doc", "event", "day"),
]


@pytest.mark.parametrize("value", [*GARBAGE, GARBAGE], ids=[*(repr(g)[:20] for g in GARBAGE), "all at once"])
def test_garbage_in_every_query_key_shows_a_message_not_a_traceback(data_folder: Path, value: object) -> None:
    # Every page draws the sidebar from the link; the Timeline reads `event`, Key dates `day` and Sources `doc`
    # too. All values: every page.
    for page in PAGES if isinstance(value, list) else PAGES[:3]:
        at = run_page(page, dict.fromkeys(QUERY_KEYS, value))
        check_page(at)  # no exception, nothing active
        assert at.title, "the page was drawn"


@pytest.mark.parametrize(
    ("query", "corrected", "message"),
    [
        ({"from": "0001-01-01"}, ("f_from", "1900-01-01"), "start date 0001-01-01 is outside"),
        ({"to": "9999-12-31"}, ("f_to", "2100-12-31"), "end date 9999-12-31 is outside"),
        ({"from": "0001-01-01", "to": "9999-12-31"}, ("f_to", "2100-12-31"), "start date 0001-01-01"),
        ({"minsrc": "100000"}, ("f_minsrc", 50), "reported by 100,000 sources"),
    ],
)
def test_crafted_link_values_are_corrected_and_said(
    data_folder: Path, query: dict[str, str], corrected: tuple[str, object], message: str
) -> None:
    at = run_page(None, query)
    check_page(at)
    warnings = " ".join(visible(w.value) for w in at.sidebar.warning)
    assert message in warnings
    key, value = corrected
    widget = at.date_input(key=key) if key != "f_minsrc" else at.number_input(key=key)
    assert str(widget.value) == str(value)
    at.run()  # the message was for the link: the next rerun does not repeat it
    assert not at.sidebar.warning
