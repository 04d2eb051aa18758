"""Corrections in the dashboard (AppTest, a SQLite store): the Edit form of a report and of its article, a stale
save showing the other person's change, viewers seeing no control, events added by hand, the orphan list."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from extract.corpus.steps import corpus_tables
from extract.store import open_store
from extract.store.corrections import event_locator
from extract.store.sql import SqlStore
from extract.store.sql_corrections import Corrections
from extract.store.team import LOCAL, Actor, Team
from tests.test_auth import AUTH
from tests.test_store_contract import run

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")


@pytest.fixture
def url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    """A SQLite store with one event reported by three sources, the dashboard's store."""
    found = f"sqlite:///{tmp_path / 'dateline.db'}"
    open_store(found).write(*run("a", "b", "c"), derive=corpus_tables)
    monkeypatch.setenv("DATELINE_DATA", found)
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    return found


def fixes(url: str) -> Corrections:
    found = open_store(url).corrections()
    assert found is not None
    return found


def panel(url: str, actor: Actor | None = None) -> AppTest:
    """The timeline page with the event's panel open (through its link)."""
    group = open_store(url).read_table("groups")["event_group"].iloc[0]
    at = AppTest.from_file(APP, default_timeout=30)
    if actor is not None:  # logged in through the configured login, with the role the users table gives
        store = open_store(url)
        assert isinstance(store, SqlStore)
        Team(store).set_user(actor.email, actor.role or "viewer", by=LOCAL)
        at.secrets.update({"auth": AUTH})
        at.user = {"is_logged_in": True, "email": actor.email}
    at.query_params["event"] = group
    at.run()
    assert not at.exception, at.exception
    return at


def texts(at: AppTest) -> str:
    return " ".join(m.value for m in at.markdown)


def test_an_editor_corrects_a_report_and_everyone_sees_it_marked(url: str) -> None:
    at = panel(url)
    at.text_area(key="fix-ev-a-summary").input("Signed in Havana")
    at.selectbox(key="fix-ev-a-type").select("diplomacy")
    at.button(key="FormSubmitter:fix-ev-a-Save correction").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    stored = fixes(url).list()
    assert list(stored["changes"]) == [{"summary": "Signed in Havana", "event_type": "diplomacy"}]
    again = panel(url)  # another session
    assert "Signed in Havana" in texts(again) and "corrected by local" in texts(again)
    assert any(b.label == "Undo this correction" for b in again.button)


def test_one_article_s_reports_on_one_page_each_get_an_edit_form(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two reports of one article on one page (a key date lists every event of the day): each Edit popover holds
    the article's form under a key of its own (the same key twice was a StreamlitDuplicateElementKey crash)."""
    found = f"sqlite:///{tmp_path / 'dateline.db'}"
    events, docs, texts = run("a", "b")
    events = pd.concat([events, run("a", suffix="-2")[0]], ignore_index=True)
    open_store(found).write(events, docs, texts, derive=corpus_tables)
    monkeypatch.setenv("DATELINE_DATA", found)
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.query_params["day"] = "2025-03-13"
    at.switch_page("views/key_dates.py").run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("Thu 13 Mar 2025") for s in at.subheader), [s.value for s in at.subheader]
    keys = {w.key for w in at.text_input if w.key and w.key.startswith("fix-doc-a-")}
    assert {"fix-doc-a-for-a-outlet", "fix-doc-a-for-a-2-outlet"} <= keys, keys


def test_an_article_is_corrected_from_the_panel(url: str) -> None:
    at = panel(url)
    at.text_input(key="fix-doc-b-for-b-outlet").input("Reuters")
    at.button(key="FormSubmitter:fix-doc-b-for-b-Save the article's correction").click().run()
    assert not at.exception and not at.error
    again = panel(url)
    assert "Reuters" in texts(again) and "article corrected by local" in texts(again)


def test_a_stale_save_is_refused_and_shows_the_other_persons_change(url: str) -> None:
    at = panel(url)  # this session opened the form on version 0
    store = open_store(url)
    Team(store).set_user("ana@example.org", "editor", by=Actor("local", "admin", local=True))
    ana = Team(store).actor("ana@example.org")
    events = store.read_events()
    locator = event_locator(events[events["event_id"] == "a"].iloc[0], store.read_documents())
    fixes(url).save(ana, "event", locator, {"summary": "Ana's words"}, expected_version=0, target_id="a")
    at.text_area(key="fix-ev-a-summary").input("Mine")
    at.button(key="FormSubmitter:fix-ev-a-Save correction").click().run()
    assert not at.exception
    refused = " ".join(e.value for e in at.error)
    assert "changed by ana@example.org" in refused.replace("\\", "").replace("\u200b", "")
    assert any("Ana's words" in str(j.value) for j in at.json)
    assert list(fixes(url).list()["changes"]) == [{"summary": "Ana's words"}]  # nothing overwritten
    # saving again, having seen it, goes through
    at.button(key="FormSubmitter:fix-ev-a-Save correction").click().run()
    assert not at.error and list(fixes(url).list()["changes"]) == [{"summary": "Mine"}]


def test_a_viewer_sees_the_marks_but_no_control(url: str) -> None:
    store = open_store(url)
    events = store.read_events()
    locator = event_locator(events[events["event_id"] == "a"].iloc[0], store.read_documents())
    fixes(url).save(Actor("local", "admin", local=True), "event", locator, {"summary": "Fixed"}, expected_version=0)
    at = panel(url, Actor("vi@example.org", "viewer"))
    assert "corrected by local" in texts(at)
    assert not [b for b in at.button if (b.key or "").startswith(("FormSubmitter:fix", "fix-"))]
    events_page = panel(url, Actor("vi@example.org", "viewer")).switch_page("views/events.py").run()
    assert not [e for e in events_page.expander if e.label == "Add an event by hand"]


def test_an_event_added_by_hand_shows_as_such(url: str) -> None:
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("views/events.py").run()
    at.text_input(key="fix-add-src").input("")
    at.text_area(key="fix-add-summary").input("Talks began")
    at.button(key="FormSubmitter:fix-add-Add the event").click().run()
    assert "needs its source" in " ".join(e.value for e in at.error)
    at.text_input(key="fix-add-src").input("Field notes")
    at.date_input(key="fix-add-from").set_value("2025-03-01")
    at.button(key="FormSubmitter:fix-add-Add the event").click().run()
    assert not at.exception and not at.error
    table = at.dataframe[0].value
    added = table[table["event_id"].str.startswith("manual-")]
    assert list(added["source"]) == ["Field notes"] and list(added["_fix"]) == ["added by hand by local"]


def test_orphaned_corrections_are_listed_and_can_be_dropped(url: str) -> None:
    store = open_store(url)
    events = store.read_events()
    locator = event_locator(events[events["event_id"] == "a"].iloc[0], store.read_documents())
    fixes(url).save(Actor("local", "admin", local=True), "event", locator, {"summary": "Fixed"}, expected_version=0)
    events, documents, texts_ = run("a", suffix="-v2")  # a's text changed: another sha256
    store.write(events, documents, texts_, derive=corpus_tables)
    at = AppTest.from_file(APP, default_timeout=30)
    at.run()
    at.switch_page("views/events.py").run()
    assert not at.exception
    listed = [e for e in at.expander if "no longer match" in e.label]
    assert [e.label for e in listed] == ["1 correction no longer matches an event"]
    assert "summary: Fixed" in " ".join(m.value for m in at.markdown).replace("\\", "")
    at.button(key="orphan-1-drop").click().run()
    assert not at.exception and fixes(url).list().empty
    assert not [e for e in at.expander if "no longer match" in e.label]
