"""Login and roles in the dashboard (dashboard/auth.py) through AppTest's ``user`` and ``secrets``, and the
server-side check of an upload's write (a viewer cannot write even by calling the write path directly)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import streamlit as st
from streamlit.errors import StreamlitSecretNotFoundError
from streamlit.testing.v1 import AppTest

from dashboard import auth, ingest
from extract import schema
from extract.store import open_store
from extract.store.sql import SqlStore
from extract.store.team import LOCAL, Actor, PermissionDenied, Team, require
from tests.conftest import ARTICLE_A, fixture_rows
from tests.databases import database
from tests.test_dashboard import one_event_per_document  # noqa: F401  (a fixture)
from tests.test_dashboard_hostile import HOST, PAYLOAD, check_page

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
AUTH = {
    "redirect_uri": "http://localhost:8501/oauth2callback",
    "cookie_secret": "not-a-secret-only-a-test",
    "client_id": "dateline",
    "client_secret": "dateline-secret",
    "server_metadata_url": "http://127.0.0.1:9/.well-known/openid-configuration",
}
BOSS = "boss@example.org"


def _fill(url: str) -> None:
    events, documents = fixture_rows(ARTICLE_A)
    open_store(url).write(schema.events_frame(events), schema.documents_frame(documents), {"a": ARTICLE_A})


@pytest.fixture
def team_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite store holding the fixture tables, the dashboard's default store; BOSS is a configured admin."""
    with database("sqlite", tmp_path) as url:
        _fill(url)
        monkeypatch.setenv("DATELINE_DATABASE_URL", url)
        monkeypatch.setenv(auth.ADMINS_ENV, BOSS)
        yield url


def team_of(url: str) -> Team:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    return Team(store)


def app(user: dict[str, object] | None, page: str | None = None, secrets: dict[str, object] | None = None) -> AppTest:
    """The app with login configured ([auth]) as `user` (None: not logged in), on `page`."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets.update(secrets if secrets is not None else {"auth": AUTH})
    at.user = {"is_logged_in": False} if user is None else {"is_logged_in": True, **user}
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def sidebar_text(at: AppTest) -> str:
    return " ".join(str(c.value) for c in at.sidebar.caption)


def test_without_auth_the_app_is_local_and_says_so(data_folder: Path) -> None:
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    assert auth.LOCAL_MODE_TEXT in sidebar_text(at)
    assert not [b for b in at.button if b.label == "Log out"]
    at.switch_page("views/add.py").run()
    assert len(at.get("file_uploader")) == 1  # LOCAL is an admin: the uploader is there


def test_not_logged_in_shows_the_login_page_and_nothing_else(team_url: str) -> None:
    at = app(None)
    assert [b.label for b in at.button] == ["Log in"]
    assert "timeline" in at.markdown[0].value and "Log in with your organisation" in at.markdown[1].value
    assert not at.sidebar.caption and not at.sidebar.multiselect and not at.get("plotly_chart")
    assert not at.dataframe and not at.get("file_uploader")
    # the login page is the same whatever page the URL asks for
    at.switch_page("views/users.py").run()
    assert [b.label for b in at.button] == ["Log in"] and not at.dataframe


def test_named_providers_each_get_a_button(team_url: str) -> None:
    named = {"auth": {"redirect_uri": AUTH["redirect_uri"], "cookie_secret": "x", "keycloak": AUTH, "okta": AUTH}}
    at = app(None, secrets=named)
    assert [b.label for b in at.button] == ["Log in with keycloak", "Log in with okta"]


def test_a_login_that_is_not_a_user_is_told_so(team_url: str) -> None:
    at = app({"email": "stranger@example.org"})
    assert "stranger" in at.warning[0].value and "not a user of this dashboard" in at.warning[0].value
    assert [b.label for b in at.button] == ["Log out"]
    assert not at.sidebar.multiselect and not at.get("plotly_chart")


def test_viewer_sees_the_data_but_cannot_upload_or_manage_users(team_url: str) -> None:
    team_of(team_url).set_user("vera@example.org", "viewer", by=LOCAL)
    at = app({"email": "Vera@Example.org"})
    assert "vera@" in sidebar_text(at) and "viewer" in sidebar_text(at)
    assert any(b.label == "Log out" for b in at.sidebar.button)
    assert at.get("plotly_chart")  # the timeline is drawn
    at.switch_page("views/add.py").run()
    assert not at.exception
    assert not at.get("file_uploader")
    assert "needs the editor role" in at.info[0].value
    at.switch_page("views/users.py").run()
    assert "needs the admin role" in at.error[0].value
    assert not at.main.text_input and not at.dataframe


def test_editor_can_upload_but_not_manage_users(team_url: str) -> None:
    team_of(team_url).set_user("ed@example.org", "editor", by=LOCAL)
    at = app({"email": "ed@example.org"}, page="views/add.py")
    assert len(at.get("file_uploader")) == 1
    at.switch_page("views/users.py").run()
    assert "needs the admin role" in at.error[0].value


def test_configured_admin_adds_changes_and_removes_users(team_url: str) -> None:
    at = app({"email": BOSS}, page="views/users.py")  # BOSS: added at start from DATELINE_ADMINS
    assert "admin" in sidebar_text(at)
    assert list(at.dataframe[0].value["Email"]) == [BOSS]
    at.text_input(key="user_email").input("New.Person@example.org")
    at.selectbox(key="user_role").select("editor")
    at.button(key="user_save").click().run()
    assert not at.exception, at.exception
    assert "is now editor" in at.success[0].value
    team = team_of(team_url)
    assert team.actor("new.person@example.org").role == "editor"
    assert set(at.dataframe[0].value["Email"]) == {BOSS, "new.person@example.org"}

    at.text_input(key="user_email").input("not an email")
    at.button(key="user_save").click().run()
    assert "not an email address" in at.error[0].value

    assert BOSS not in at.selectbox(key="user_gone").options  # an admin cannot remove themselves
    at.selectbox(key="user_gone").select("new.person@example.org")
    at.button(key="user_remove_go").click().run()
    assert not at.exception, at.exception
    assert "was removed" in at.success[0].value
    assert team.actor("new.person@example.org").role is None
    shown = at.dataframe[0].value
    assert shown.loc[shown["Email"] == "new.person@example.org", "Status"].item() == "removed"
    history = team.history(target_kind="user", target_id="new.person@example.org")
    assert list(history["action"]) == ["remove user", "add user"] and set(history["actor"]) == {BOSS}


def test_a_removed_or_downgraded_user_loses_access_on_the_next_rerun(team_url: str) -> None:
    team = team_of(team_url)
    team.set_user("ed@example.org", "editor", by=LOCAL)
    at = app({"email": "ed@example.org"}, page="views/add.py")
    assert len(at.get("file_uploader")) == 1
    team.set_user("ed@example.org", "viewer", by=LOCAL)  # the login cookie still says who; the table says what
    at.run()
    assert not at.get("file_uploader") and "needs the editor role" in at.info[0].value
    team.remove_user("ed@example.org", by=LOCAL)
    at.run()
    assert "not a user of this dashboard" in at.warning[0].value
    assert not at.get("file_uploader") and not at.get("plotly_chart")


def test_login_with_a_files_store_is_a_clear_error(data_folder: Path) -> None:
    at = app({"email": "ed@example.org"})
    assert "team mode needs a database store" in at.error[0].value
    assert not at.get("plotly_chart")


def test_logging_out_returns_to_the_login_page(team_url: str) -> None:
    at = app({"email": BOSS})
    next(b for b in at.sidebar.button if b.label == "Log out").click().run()
    assert not at.exception, at.exception
    at.run()
    assert [b.label for b in at.button] == ["Log in"]


# --------------------------------------------------------------------------- configuration, unit


class _Secrets(dict):  # type: ignore[type-arg]
    """st.secrets stand-in: a dict, or one whose reads fail as Streamlit's do."""

    def __init__(self, values: dict[str, object], error_id: str | None = None) -> None:
        super().__init__(values)
        self.error_id = error_id

    def get(self, key: str, default: object = None) -> object:  # type: ignore[override]
        if self.error_id:
            raise StreamlitSecretNotFoundError("secrets: {why}", why=self.error_id, error_id=self.error_id)
        return super().get(key, default)


def test_a_broken_secrets_file_keeps_the_dashboard_closed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "secrets", _Secrets({}, error_id="no-secrets-found"))
    assert auth.auth_section() is None  # no file at all: the local app
    monkeypatch.setattr(st, "secrets", _Secrets({}, error_id="failed-parsing-secrets-file"))
    with pytest.raises(auth.SecretsError):  # a file that cannot be parsed: never an open local app
        auth.auth_section()


def test_first_admins_from_secrets_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(st, "secrets", _Secrets({"dateline": {"admins": ["a@x.org", " b@x.org"]}}))
    assert auth.configured_admins({auth.ADMINS_ENV: "c@x.org, a@x.org,,"}) == ["a@x.org", "b@x.org", "c@x.org"]
    monkeypatch.setattr(st, "secrets", _Secrets({"dateline": {"admins": "solo@x.org"}}))
    assert auth.configured_admins({}) == ["solo@x.org"]
    assert auth.providers({"client_id": "x", "redirect_uri": "u"}) == [None]
    assert auth.providers({"redirect_uri": "u", "google": {"client_id": "g"}}) == ["google"]


def test_first_admins_are_ensured_once_and_a_later_removal_stands(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(auth, "BAD_ADMINS", set())
    with database("sqlite", tmp_path) as url:
        team = team_of(url)
        assert auth.ensure_admins_once(team, url, [BOSS, "not an address"]) == [BOSS]
        assert sorted(auth.BAD_ADMINS) == ["not an address"]  # skipped, and the admins are told (the sidebar)
        team.remove_user(BOSS, by=LOCAL)
        assert auth.ensure_admins_once(team, url, [BOSS, "not an address"]) == []
        assert team.actor(BOSS).role is None


# --------------------------------------------------------------------------- the write path, server side


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_require_reads_the_role_from_the_store_now(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as url:
        team = team_of(url)
        vera = Actor("vera@example.org", "editor")  # what a stale session might believe
        with pytest.raises(PermissionDenied, match="not a user"):
            require(team.store, vera, "editor", "upload articles")  # nothing stored yet: no users
        team.set_user("vera@example.org", "viewer", by=LOCAL)
        with pytest.raises(PermissionDenied, match=r"is viewer: to upload articles needs the editor role"):
            require(team.store, vera, "editor", "upload articles")
        team.set_user("vera@example.org", "editor", by=LOCAL)
        require(team.store, vera, "editor", "upload articles")
        require(team.store, LOCAL, "admin", "anything")
    with pytest.raises(PermissionDenied, match="needs a database store"):
        require(open_store(tmp_path / "files"), vera, "viewer", "upload articles")


@pytest.mark.usefixtures("one_event_per_document")
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_viewer_cannot_upload_even_by_calling_the_write_path(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as url:
        _fill(url)
        team = team_of(url)
        team.set_user("vera@example.org", "viewer", by=LOCAL)
        team.set_user("ed@example.org", "editor", by=LOCAL)
        store = open_store(url)
        before = set(store.read_events()["event_id"])
        files = [("new.txt", b"Russia and Cuba met on March 3, 2025 in Havana.")]
        refused = ingest.extract_uploads(files, store, actor=team.actor("vera@example.org"))
        assert refused.error and "is viewer: to upload articles needs the editor role" in refused.error
        assert not refused.accepted and set(store.read_events()["event_id"]) == before
        assert "new" not in set(store.read_documents()["doc_id"])
        done = ingest.extract_uploads(files, store, actor=team.actor("ed@example.org"))
        assert not done.error and done.accepted == ["new.txt"]
        assert "new" in set(store.read_documents()["doc_id"])


# --------------------------------------------------------------------------- hostile emails


HOSTILE_EMAIL = f"![x](http://{HOST}/i.png)[a](https://{HOST}/l)<img/src=http://{HOST}/t.png>www.{HOST}@{HOST}"


def test_hostile_emails_are_text_on_every_auth_page(team_url: str) -> None:
    at = app({"email": f"{PAYLOAD} me@{HOST}"})  # whatever the provider says, not a user
    assert any(HOST in text for text in check_page(at))
    team = team_of(team_url)
    team.set_user(HOSTILE_EMAIL, "viewer", by=LOCAL)  # a valid address (no space, an @) full of markup
    at = app({"email": HOSTILE_EMAIL})
    assert any(HOST in text for text in check_page(at))  # the sidebar's "Logged in as"
    at.switch_page("views/users.py").run()
    check_page(at)  # refused, naming the email
    team.set_user(HOSTILE_EMAIL, "admin", by=LOCAL)
    at.run()
    check_page(at)
    at.text_input(key="user_email").input(f"x{HOSTILE_EMAIL}")
    at.button(key="user_save").click().run()
    assert any(HOST in text for text in check_page(at))  # the "is now viewer" message
    at.selectbox(key="user_gone").select(f"x{HOSTILE_EMAIL}".lower())
    at.button(key="user_remove_go").click().run()
    assert any("was removed" in text for text in check_page(at))


@pytest.mark.usefixtures("one_event_per_document")
def test_only_an_editor_s_first_visit_fills_an_empty_store_and_it_is_recorded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with database("sqlite", tmp_path) as url:  # an empty store in team mode
        monkeypatch.setenv("DATELINE_DATABASE_URL", url)
        team_of(url).set_user("vera@example.org", "viewer", by=LOCAL)
        team_of(url).set_user("ed@example.org", "editor", by=LOCAL)
        at = app({"email": "vera@example.org"})
        assert any("extracted on an editor's first visit" in i.value for i in at.info)
        assert open_store(url).is_empty()
        app({"email": "ed@example.org"})
        assert not open_store(url).is_empty()
        log = team_of(url).history(actor="ed@example.org")
        assert list(log["action"]) == ["extract"] and "seeds" in log["target_id"].iloc[0]
