"""``python -m extract users list|add|remove``: the team dashboard's users from the command line, as LOCAL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

import extract.__main__ as cli
from extract.store import open_store
from extract.store.sql import SqlStore
from extract.store.team import Team
from tests.databases import database


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    with database(request.param, tmp_path) as found:
        yield found


def team_of(url: str) -> Team:
    store = open_store(url)
    assert isinstance(store, SqlStore)
    return Team(store)


def test_add_change_list_and_remove(url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["users", "list", "--db", url]) == 0
    assert "no users yet" in capsys.readouterr().out
    assert cli.main(["users", "add", " Ana@Example.org", "--role", "editor", "--db", url]) == 0
    assert "ana@example.org: editor (added)" in capsys.readouterr().out
    assert cli.main(["users", "add", "ana@example.org", "--role", "admin", "--db", url]) == 0
    assert "changed from editor" in capsys.readouterr().out
    assert cli.main(["users", "add", "vic@example.org", "--db", url]) == 0  # viewer by default
    assert "vic@example.org: viewer (added)" in capsys.readouterr().out
    team = team_of(url)
    assert team.actor("ana@example.org").role == "admin" and team.actor("vic@example.org").role == "viewer"
    assert cli.main(["users", "list", "--db", url]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["email", "role", "status", "added", "by"]
    assert [line.split()[:3] for line in lines[1:]] == [
        ["ana@example.org", "admin", "active"],
        ["vic@example.org", "viewer", "active"],
    ]
    assert cli.main(["users", "remove", "vic@example.org", "--db", url]) == 0
    assert team.actor("vic@example.org").role is None
    capsys.readouterr()
    assert cli.main(["users", "list", "--db", url]) == 0
    assert "vic@" not in capsys.readouterr().out
    assert cli.main(["users", "list", "--all", "--db", url]) == 0
    assert "vic@example.org  viewer  removed" in capsys.readouterr().out
    assert cli.main(["users", "remove", "vic@example.org", "--db", url]) == 1
    assert "not an active user" in capsys.readouterr().err
    history = team.history(target_kind="user")
    assert list(history["action"]) == ["remove user", "add user", "change user", "add user"]
    assert set(history["actor"]) == {"local"}


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["add", "ana@example.org", "--role", "owner"], "unknown role 'owner': use one of viewer, editor, admin"),
        (["add", "not-an-email", "--role", "editor"], "not an email address: 'not-an-email'"),
        (["add"], "add needs an EMAIL"),
        (["remove"], "remove needs an EMAIL"),
        (["list", "ana@example.org"], "list takes no EMAIL"),
        (["rename", "ana@example.org"], "invalid choice: 'rename'"),
    ],
)
def test_usage_errors_say_what_is_wrong(
    argv: list[str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = f"sqlite:///{tmp_path / 'dateline.db'}"
    with pytest.raises(SystemExit) as exc:
        cli.main(["users", *argv, "--db", db])
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "dateline.db").exists()  # nothing was created


def test_a_files_store_has_no_users(data_folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """The default store here is the fixture's folder of files (DATELINE_DATA)."""
    with pytest.raises(SystemExit) as exc:
        cli.main(["users", "add", "ana@example.org", "--role", "editor"])
    assert exc.value.code == 2
    assert "users need a database store" in capsys.readouterr().err


def test_the_default_store_is_used_without_db(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("DATELINE_DATA", str(tmp_path / "data"))
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    monkeypatch.chdir(tmp_path)  # no .streamlit/secrets.toml here
    assert cli.main(["users", "add", "ana@example.org", "--role", "admin"]) == 0
    assert (tmp_path / "data" / "dateline.db").exists()
    assert team_of(f"sqlite:///{tmp_path / 'data' / 'dateline.db'}").actor("ana@example.org").role == "admin"
