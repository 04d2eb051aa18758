"""Users, roles and the audit log of a database store (extract.store.team), on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from extract.store import StoreError, open_store
from extract.store.sql import SqlStore
from extract.store.team import LOCAL, Actor, PermissionDenied, Team, authorize
from tests.databases import database


@pytest.fixture(params=["sqlite", "postgresql"])
def team(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Team]:
    with database(request.param, tmp_path) as url:
        store = open_store(url)
        assert isinstance(store, SqlStore)
        yield Team(store)


def test_a_role_is_read_from_the_database_each_time(team: Team) -> None:
    team.set_user("Ana@Example.org ", "editor", by=LOCAL)
    ana = team.actor("ana@example.org")
    assert ana.role == "editor" and ana.can("viewer") and ana.can("editor") and not ana.can("admin")
    team.set_user("ana@example.org", "viewer", by=LOCAL)
    # the session still holds the old Actor, but a write checks the role in its own transaction
    refused = r"ana@example\.org is viewer: to correct an event needs the editor"
    with pytest.raises(PermissionDenied, match=refused), team.store.database.writing() as conn:
        authorize(conn, ana, "editor", "correct an event")
    assert team.remove_user("ana@example.org", by=LOCAL)
    assert team.actor("ana@example.org").role is None
    assert not team.remove_user("ana@example.org", by=LOCAL)


def test_only_admins_manage_users_and_never_remove_themselves(team: Team) -> None:
    team.set_user("root@example.org", "admin", by=LOCAL)
    team.set_user("ed@example.org", "editor", by=LOCAL)
    ed = team.actor("ed@example.org")
    with pytest.raises(PermissionDenied, match="needs the admin role"):
        team.set_user("ed@example.org", "admin", by=ed)
    assert team.actor("ed@example.org").role == "editor"
    root = team.actor("root@example.org")
    with pytest.raises(PermissionDenied, match="cannot remove themselves"):
        team.remove_user("root@example.org", by=root)
    with pytest.raises(StoreError, match="unknown role 'owner'"):
        team.set_user("x@example.org", "owner", by=root)
    with pytest.raises(StoreError, match="not an email address"):
        team.set_user("no at sign", "viewer", by=root)


def test_every_change_is_in_the_history_with_before_and_after(team: Team) -> None:
    team.set_user("ana@example.org", "editor", by=LOCAL)
    team.set_user("ana@example.org", "editor", by=LOCAL)  # no change: nothing recorded
    team.set_user("ana@example.org", "admin", by=LOCAL)
    history = team.history(target_kind="user", target_id="ana@example.org")
    assert list(history["action"]) == ["change user", "add user"]
    assert '"role": "editor"' in history["before"].iloc[0] and '"role": "admin"' in history["after"].iloc[0]
    assert pd.isna(history["before"].iloc[1])
    assert team.history(actor="nobody@example.org").empty


def test_configured_admins_are_added_once_and_a_later_downgrade_stands(team: Team) -> None:
    assert team.ensure_admins(["Boss@Example.org"]) == ["boss@example.org"]
    assert team.actor("boss@example.org").role == "admin"
    team.set_user("boss@example.org", "viewer", by=LOCAL)
    assert team.ensure_admins(["boss@example.org"]) == []
    assert team.actor("boss@example.org").role == "viewer"
    assert team.has_users()
    assert list(team.users()["email"]) == ["boss@example.org"]


def test_an_actor_that_is_not_a_user_can_do_nothing(team: Team) -> None:
    stranger = Actor("stranger@example.org", None)
    assert not stranger.can("viewer")
    with pytest.raises(PermissionDenied, match="is not a user of this dashboard"):
        team.set_user("x@example.org", "viewer", by=stranger)
