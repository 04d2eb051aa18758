"""The default store location (extract/store/location.py): what the dashboard and the CLI use when told nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from extract.store import StoreError, default_store_location, open_store
from extract.store.files import FileStore
from extract.store.sql import SqlStore
from tests.test_store_contract import run

SECRETS = '[connections.dateline]\nurl = "postgresql://team:pw@db.example/dateline"\n'


def test_the_environment_names_the_database_first(tmp_path: Path) -> None:
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(SECRETS)
    environ = {"DATELINE_DATABASE_URL": "postgresql://env@h/db", "DATELINE_DATA": str(tmp_path)}
    assert default_store_location(environ, [secrets]) == "postgresql://env@h/db"


def test_then_the_streamlit_secrets_project_before_user(tmp_path: Path) -> None:
    project, user = tmp_path / "project.toml", tmp_path / "user.toml"
    user.write_text('[connections.dateline]\nurl = "sqlite:///user.db"\n')
    assert default_store_location({}, [project, user]) == "sqlite:///user.db"  # no project file: the user's
    project.write_text(SECRETS)
    assert default_store_location({}, [project, user]) == "postgresql://team:pw@db.example/dateline"


def test_secrets_without_the_section_are_ignored_and_broken_ones_named(tmp_path: Path) -> None:
    other = tmp_path / "other.toml"
    other.write_text('[connections.elsewhere]\nurl = "postgresql://x/y"\n')
    data = tmp_path / "data"
    assert default_store_location({"DATELINE_DATA": str(data)}, [other]) == f"sqlite:///{data}/dateline.db"
    broken = tmp_path / "broken.toml"
    broken.write_text("[connections.dateline\nurl = ")
    with pytest.raises(StoreError, match=r"broken\.toml: cannot read the secrets file"):
        default_store_location({}, [broken])
    empty = tmp_path / "empty.toml"
    empty.write_text("[connections.dateline]\n")
    with pytest.raises(StoreError, match=r"empty.toml: \[connections.dateline\] has no url"):
        default_store_location({}, [empty])


def test_the_data_folder_a_fresh_one_gets_a_sqlite_file(tmp_path: Path) -> None:
    data = tmp_path / "data"
    location = default_store_location({"DATELINE_DATA": str(data)}, [])
    assert location == f"sqlite:///{data}/dateline.db"
    assert isinstance(open_store(location), SqlStore) and not data.exists()  # nothing made by asking


def test_the_default_data_folder_is_data_in_the_working_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert default_store_location({}, []) == "sqlite:///data/dateline.db"
    monkeypatch.setenv("DATELINE_DATA", "")
    monkeypatch.delenv("DATELINE_DATABASE_URL", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))  # no user secrets either
    assert default_store_location() == "sqlite:///data/dateline.db"


def test_a_folder_of_files_is_used_until_it_is_imported(tmp_path: Path) -> None:
    data = tmp_path / "data"
    FileStore(data).write(*run("a"))
    environ = {"DATELINE_DATA": str(data)}
    assert default_store_location(environ, []) == str(data)  # written before the database store: still read
    open_store(f"sqlite:///{data}/dateline.db").write(*run("a"))  # what `python -m extract import` makes
    assert default_store_location(environ, []) == f"sqlite:///{data}/dateline.db"


def test_a_url_in_dateline_data_is_used_as_it_is() -> None:
    assert default_store_location({"DATELINE_DATA": "sqlite:///elsewhere.db"}, []) == "sqlite:///elsewhere.db"


def test_a_location_shown_never_shows_a_password() -> None:
    from extract.store import display_location

    assert display_location("postgresql://team:s3cret@db/dateline") == "postgresql://team:***@db/dateline"
    assert display_location("sqlite:///data/dateline.db") == "sqlite:///data/dateline.db"
    assert display_location(Path("data")) == "data"
