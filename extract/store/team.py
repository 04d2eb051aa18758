"""The team tables of a database store: who may do what (``users``), and what everyone did (``audit_log``).

    team = Team(store)                                   # a SqlStore
    team.add_user("ana@example.org", "editor", by=LOCAL)
    actor = team.actor("ana@example.org")                # role looked up now, on every rerun
    with team.store.database.writing() as conn:          # one transaction: check, change, record
        authorize(conn, actor, "editor", "correct an event")
        ...
        record(conn, actor, "correct", "event", event_id, before, after)

Roles rank viewer < editor < admin. A role is always read from the database inside the write's transaction
(``authorize``), never trusted from the session: a user removed or downgraded a second ago cannot write. The
local single-user app (no login configured) and the command line act as ``LOCAL``, an admin that needs no row.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from extract.store.base import StoreError
from extract.store.tables_sql import AUDIT_LOG, ROLES, USERS, table

if TYPE_CHECKING:
    from extract.store.sql import SqlStore

_RANK = {role: rank for rank, role in enumerate(ROLES)}
MAX_EMAIL = 320


class PermissionDenied(StoreError):
    """The actor's role does not allow the write."""


@dataclass(frozen=True)
class Actor:
    """Who is acting: an email and the role found for it (None: not a user, or removed)."""

    email: str
    role: str | None
    local: bool = False

    def can(self, needed: str) -> bool:
        """Whether the role reaches ``needed`` (as last looked up; writes check again, in their transaction)."""
        return self.role is not None and _RANK[self.role] >= _RANK[needed]


LOCAL = Actor(email="local", role="admin", local=True)
CLI = Actor(email="cli", role="admin", local=True)  # python -m extract: whoever may run it may write the store


def normal_email(email: str) -> str:
    """An email as stored: trimmed and lower-cased; StoreError when it is not one."""
    text = str(email).strip().lower()
    if not text or len(text) > MAX_EMAIL or "@" not in text or any(c.isspace() or ord(c) < 32 for c in text):
        raise StoreError(f"not an email address: {text[:80]!r}")
    return text


def check_role(role: str) -> str:
    """The role, or StoreError naming the known ones."""
    if role not in _RANK:
        raise StoreError(f"unknown role {role!r}: use one of {', '.join(ROLES)}")
    return role


def role_in(conn: sa.Connection, email: str) -> str | None:
    """The active role of ``email`` as the transaction sees it (None: no such active user)."""
    users = table(USERS)
    row = conn.execute(
        sa.select(users.c.role).where(users.c.email == email.strip().lower(), users.c.active.is_(True))
    ).first()
    return None if row is None else str(row.role)


def authorize(conn: sa.Connection, actor: Actor, needed: str, what: str) -> None:
    """Refuse (PermissionDenied) unless ``actor`` holds at least ``needed`` now, inside the write's transaction."""
    if actor.local:
        return
    role = role_in(conn, actor.email)
    if role is None or _RANK[role] < _RANK[needed]:
        held = f"is {role}" if role else "is not a user of this dashboard"
        raise PermissionDenied(f"{actor.email} {held}: to {what} needs the {needed} role")


def require(store: object, actor: Actor, needed: str, what: str) -> None:
    """Refuse (PermissionDenied) unless ``actor`` holds at least ``needed`` in ``store`` now: for a write that
    runs its own transaction (an upload's ``Store.write``), checked just before it. LOCAL always may; anyone
    else needs a database store (the files store has no users)."""
    if actor.local:
        return
    database = getattr(store, "database", None)
    if database is None:
        raise PermissionDenied(f"{actor.email}: to {what} as a named user needs a database store (users need one)")
    with database.reading() as conn:
        if conn is None:
            raise PermissionDenied(f"{actor.email} is not a user of this dashboard: to {what} needs the {needed} role")
        authorize(conn, actor, needed, what)


def record(
    conn: sa.Connection,
    actor: Actor,
    action: str,
    target_kind: str,
    target_id: str,
    before: Any = None,
    after: Any = None,
) -> None:
    """Append one line to the audit log, in the write's own transaction (so it commits or rolls back with it)."""
    conn.execute(
        sa.insert(table(AUDIT_LOG)).values(
            at=dt.datetime.now(dt.UTC),
            actor=actor.email,
            action=action,
            target_kind=target_kind,
            target_id=str(target_id),
            before=_json(before),
            after=_json(after),
        )
    )


def _json(value: Any) -> str | None:
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class Team:
    """Users and the audit log of one database store."""

    def __init__(self, store: SqlStore) -> None:
        self.store = store

    def actor(self, email: str) -> Actor:
        """The actor for a logged-in email, with its role as stored now (None when not an active user)."""
        with self.store.database.reading() as conn:
            role = None if conn is None else role_in(conn, email)
        return Actor(email=email.strip().lower(), role=role)

    def users(self) -> pd.DataFrame:
        """Every user: email, name, role, active, created_at, created_by (by email)."""
        users = table(USERS)
        with self.store.database.reading() as conn:
            if conn is None:
                return pd.DataFrame(columns=[c.name for c in users.columns])
            rows = conn.execute(sa.select(users).order_by(users.c.email)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in users.columns])

    def history_choices(self) -> dict[str, list[str]]:
        """The distinct actors, actions and target kinds in the audit log (the History page's filter options)."""
        log = table(AUDIT_LOG)
        out: dict[str, list[str]] = {}
        with self.store.database.reading() as conn:
            for column in ("actor", "action", "target_kind"):
                query = sa.select(log.c[column]).distinct().order_by(log.c[column])
                out[column] = [] if conn is None else [str(v) for v in conn.execute(query).scalars()]
        return out

    def has_users(self) -> bool:
        """Whether any active user exists (none: nobody can log in but the configured first admins)."""
        users = table(USERS)
        with self.store.database.reading() as conn:
            if conn is None:
                return False
            return conn.execute(sa.select(users.c.email).where(users.c.active.is_(True)).limit(1)).first() is not None

    def set_user(self, email: str, role: str, *, by: Actor, name: str = "") -> None:
        """Add a user or change one's role (re-activating a removed one); admins only; recorded."""
        email, role = normal_email(email), check_role(role)
        users = table(USERS)
        with self.store.database.writing() as conn:
            authorize(conn, by, "admin", "manage users")
            old = conn.execute(sa.select(users).where(users.c.email == email)).mappings().first()
            before = None if old is None else {"role": old["role"], "active": bool(old["active"]), "name": old["name"]}
            after = {"role": role, "active": True, "name": name or (old["name"] if old else "")}
            if old is None:
                conn.execute(
                    sa.insert(users).values(
                        email=email, created_at=dt.datetime.now(dt.UTC), created_by=by.email, **after
                    )
                )
            else:
                conn.execute(sa.update(users).where(users.c.email == email).values(**after))
            if before != after:
                record(conn, by, "add user" if old is None else "change user", "user", email, before, after)

    def remove_user(self, email: str, *, by: Actor) -> bool:
        """Deactivate a user (kept for the audit log's sake); admins only; False when there was none."""
        email = normal_email(email)
        users = table(USERS)
        with self.store.database.writing() as conn:
            authorize(conn, by, "admin", "manage users")
            old = conn.execute(sa.select(users).where(users.c.email == email)).mappings().first()
            if old is None or not old["active"]:
                return False
            if not by.local and email == by.email:
                raise PermissionDenied(f"{email}: an admin cannot remove themselves; ask another admin")
            conn.execute(sa.update(users).where(users.c.email == email).values(active=False))
            record(conn, by, "remove user", "user", email, {"role": old["role"], "active": True}, {"active": False})
            return True

    def ensure_admins(self, emails: list[str]) -> list[str]:
        """Make each configured first admin an admin unless the database already knows them (a removal or a
        downgrade made in the app stands); returns the emails added."""
        added: list[str] = []
        users = table(USERS)
        for email in [normal_email(e) for e in emails]:
            with self.store.database.writing() as conn:
                if conn.execute(sa.select(users.c.email).where(users.c.email == email)).first() is not None:
                    continue
                conn.execute(
                    sa.insert(users).values(
                        email=email,
                        role="admin",
                        active=True,
                        name="",
                        created_at=dt.datetime.now(dt.UTC),
                        created_by="configuration",
                    )
                )
                record(
                    conn,
                    Actor("configuration", "admin", local=True),
                    "add user",
                    "user",
                    email,
                    None,
                    {"role": "admin", "active": True},
                )
                added.append(email)
        return added

    def history(
        self,
        *,
        actor: str | None = None,
        target_kind: str | None = None,
        target_id: str | None = None,
        target_ids: Sequence[str] | None = None,
        since: dt.datetime | None = None,
        until: dt.datetime | None = None,
        limit: int = 1000,
        action: str | None = None,
        target_search: str | None = None,
    ) -> pd.DataFrame:
        """The audit log, newest first, filtered: id, at, actor, action, target_kind, target_id, before, after.
        ``target_ids``: any of these targets (an event's reports, in one query).
        ``target_search``: target ids containing this text (case-insensitive)."""
        log = table(AUDIT_LOG)
        query = sa.select(log).order_by(log.c.at.desc(), log.c.id.desc()).limit(limit)
        for column, value in (
            ("actor", actor),
            ("target_kind", target_kind),
            ("target_id", target_id),
            ("action", action),
        ):
            if value:
                query = query.where(log.c[column] == value)
        if target_ids is not None:
            query = query.where(log.c.target_id.in_([str(t) for t in target_ids]))
        if target_search:
            query = query.where(log.c.target_id.icontains(target_search, autoescape=True))
        if since is not None:
            query = query.where(log.c.at >= since)
        if until is not None:
            query = query.where(log.c.at < until)
        with self.store.database.reading() as conn:
            rows = [] if conn is None else conn.execute(query).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in log.columns])
