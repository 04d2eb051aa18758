"""Corrections and events added by hand in a database store: saved with optimistic locking, audited, and applied
over the extracted rows when reading (extract/store/corrections.py does the applying).

    fixes = Corrections(store)                                  # a SqlStore (a folder: StoreError)
    seen = fixes.find("event", locator)                         # None: not corrected yet (version 0)
    fixes.save(actor, "event", locator, {"summary": "..."}, expected_version=0, target_id=event_id)
    tables = fixes.read()                                       # corrected events, documents, groups, orphans

Every write is one transaction of the store (its lock held): the actor's role is checked in it (editor),
the change and its audit line (before, after) are written in it, and the store's version grows, so every
dashboard session reads the corrected tables on its next rerun. A save against a version other than the
stored one is refused with StaleCorrection, which carries the other person's change (who, when, what).

Audit log targets: ``event`` + the corrected row's event_id (an event added by hand: ``manual-<id>``, its
event_id), ``document`` + the doc_id. Actions: ``correct``, ``undo correction``, ``reattach correction``,
``add event``, ``edit event``, ``delete event``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from extract.store import sql_rows, tables_sql
from extract.store.base import StoreError
from extract.store.corrections import (
    CORRECTION_COLUMNS,
    DOCUMENT,
    EVENT,
    LOCATOR,
    MANUAL_COLUMNS,
    MANUAL_PREFIX,
    Corrected,
    CorrectionError,
    apply_corrections,
    check_changes,
    iso_day,
)
from extract.store.team import Actor, authorize, record

if TYPE_CHECKING:
    from extract.store import Store
    from extract.store.sql import SqlStore

# What an editor sets on an event added by hand: its columns but the bookkeeping ones.
MANUAL_FIELDS = tuple(
    c
    for c in MANUAL_COLUMNS
    if c not in ("id", "deleted", "version", "created_by", "created_at", "updated_by", "updated_at")
)


class StaleCorrection(StoreError):
    """A save against a version that is not the stored one: someone else changed it first."""

    def __init__(self, what: str, *, by: str, at: object, changes: Any, version: int) -> None:
        when = pd.Timestamp(at).strftime("%Y-%m-%d %H:%M UTC") if at is not None and not pd.isna(at) else "?"
        super().__init__(
            f"{what} was changed by {by or 'someone'} at {when} (now version {version}) since you opened it: "
            "your change was not saved; look at theirs and save again"
        )
        self.by, self.at, self.changes, self.version = by, at, changes, version


@dataclass(frozen=True)
class CorrectedTables:
    """What the dashboard reads: the corrected tables from one write of the store, and what is still raw."""

    corrected: Corrected
    key_dates: pd.DataFrame
    corrections: pd.DataFrame  # every correction (CORRECTION_COLUMNS, ``changes`` a dict)
    manual: pd.DataFrame  # every event added by hand (MANUAL_COLUMNS), deleted ones included
    version: int


def corrections_of(store: Store) -> Corrections | None:
    """The corrections of a database store, None for a folder (corrections need a database)."""
    found = getattr(store, "corrections", None)
    return None if found is None else found()


class Corrections:
    """Corrections and events added by hand of one database store (see the module docstring)."""

    def __init__(self, store: Store) -> None:
        from extract.store.sql import SqlStore

        if not isinstance(store, SqlStore):
            raise StoreError(
                f"corrections need a database store (SQLite or PostgreSQL), not the folder {store.location}: "
                "import it with python -m extract import FOLDER --db URL"
            )
        self.store: SqlStore = store
        self._db = store.database

    # ------------------------------------------------------------------ reading

    def list(self) -> pd.DataFrame:
        """Every correction, oldest first: CORRECTION_COLUMNS, ``changes`` a dict."""
        with self._db.reading() as conn:
            return self._list(conn)

    def _list(self, conn: sa.Connection | None) -> pd.DataFrame:
        table = tables_sql.table(tables_sql.CORRECTIONS)
        rows = [] if conn is None else conn.execute(sa.select(table).order_by(table.c.id)).mappings().all()
        out = [{**dict(r), "changes": json.loads(r["changes"] or "{}")} for r in rows]
        for item in out:
            for name in LOCATOR:
                item[name] = self._out(item[name])
        return pd.DataFrame(out, columns=list(CORRECTION_COLUMNS))

    def manual_events(self) -> pd.DataFrame:
        """Every event added by hand (deleted ones too, ``deleted`` True), oldest first; ``actors`` lists."""
        with self._db.reading() as conn:
            return self._manual(conn)

    def _manual(self, conn: sa.Connection | None) -> pd.DataFrame:
        table = tables_sql.table(tables_sql.MANUAL_EVENTS)
        query = sa.select(table).order_by(table.c.created_at, table.c.id)
        rows = [] if conn is None else conn.execute(query).mappings().all()
        out = []
        for r in rows:
            item = dict(r)
            item["actors"], item["locations"] = json.loads(r["actors"] or "[]"), json.loads(r["locations"] or "[]")
            out.append(item)
        return pd.DataFrame(out, columns=list(MANUAL_COLUMNS))

    def read_fixes(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(every correction, every event added by hand) from one snapshot: two small queries, no events read."""
        with self._db.reading() as conn:
            return self._list(conn), self._manual(conn)

    def find(self, kind: str, locator: Mapping[str, str]) -> dict[str, Any] | None:
        """The stored correction at a locator (a dict of CORRECTION_COLUMNS), None when there is none."""
        with self._db.reading() as conn:
            row = None if conn is None else self._row(conn, kind, locator)
        return None if row is None else {**row, "changes": json.loads(row["changes"] or "{}")}

    def read(self, attempts: int = 5) -> CorrectedTables:
        """The corrected tables, all from one write (read again when a write landed in between)."""
        store = self.store
        for _ in range(attempts):
            before = store.version()
            events, documents = store.read_events(), store.read_documents()
            groups, key_dates = store.read_table("groups"), store.read_table("key_dates")
            with self._db.reading() as conn:
                corrections, manual = self._list(conn), self._manual(conn)
            after = store.version()
            if after == before:
                break
        corrected = apply_corrections(events, documents, groups, corrections, manual)
        return CorrectedTables(corrected, key_dates, corrections, manual, after)

    # ------------------------------------------------------------------ corrections

    def save(
        self,
        actor: Actor,
        kind: str,
        locator: Mapping[str, str],
        changes: Mapping[str, Any],
        *,
        expected_version: int,
        target_id: str = "",
    ) -> int:
        """Set the correction at a locator to ``changes`` (all of them: what is not named is not corrected) and
        return its new version; no changes: the correction is removed (0). ``expected_version``: the version
        the editor saw (0: none). StaleCorrection when it is not the stored one; PermissionDenied below editor.
        ``target_id``: the audit log's target (the event_id, or the doc_id)."""
        changes = check_changes(kind, changes)
        table = tables_sql.table(tables_sql.CORRECTIONS)
        where = self._where(kind, locator)
        target = target_id or (locator.get("doc_id", "") if kind == DOCUMENT else "")
        with self._db.writing() as conn:
            authorize(conn, actor, "editor", f"correct {'an event' if kind == EVENT else 'a document'}")
            old = self._row(conn, kind, locator)
            self._check_version(conn, old, expected_version, kind, target)
            before = None if old is None else json.loads(old["changes"])
            now = dt.datetime.now(dt.UTC)
            if not changes:
                if old is None:
                    return 0
                conn.execute(table.delete().where(table.c.id == old["id"]))
                record(conn, actor, "undo correction", kind, target or old["event_id"], before, None)
                self.store._bump(conn, corrections=True)
                return 0
            text = json.dumps(changes, ensure_ascii=False, sort_keys=True)
            if old is None:
                version = 1
                conn.execute(
                    table.insert().values(
                        target_kind=kind,
                        **{name: self._in(str(locator.get(name, ""))) for name in LOCATOR},
                        event_id=target if kind == EVENT else "",
                        changes=text,
                        version=version,
                        created_by=actor.email,
                        created_at=now,
                        updated_by=actor.email,
                        updated_at=now,
                    )
                )
            else:
                version = int(old["version"]) + 1
                conn.execute(
                    table.update()
                    .where(where)
                    .values(changes=text, version=version, updated_by=actor.email, updated_at=now)
                )
            if before != changes:
                record(conn, actor, "correct", kind, target or (old or {}).get("event_id", ""), before, changes)
            self.store._bump(conn, corrections=True)
        return version

    def remove(self, actor: Actor, correction_id: int, *, expected_version: int) -> None:
        """Undo a correction (the extracted values show again); StaleCorrection if it changed meanwhile."""
        table = tables_sql.table(tables_sql.CORRECTIONS)
        with self._db.writing() as conn:
            authorize(conn, actor, "editor", "undo a correction")
            old = conn.execute(sa.select(table).where(table.c.id == int(correction_id))).mappings().first()
            kind, target = self._target(old)
            self._check_version(conn, old, expected_version, kind, target)
            if old is None:
                return
            conn.execute(table.delete().where(table.c.id == old["id"]))
            record(conn, actor, "undo correction", kind, target, json.loads(old["changes"]), None)
            self.store._bump(conn, corrections=True)

    def reattach(
        self, actor: Actor, correction_id: int, locator: Mapping[str, str], *, expected_version: int, target_id: str
    ) -> int:
        """Point an orphaned correction at another row (its new locator); returns its new version."""
        table = tables_sql.table(tables_sql.CORRECTIONS)
        with self._db.writing() as conn:
            authorize(conn, actor, "editor", "re-attach a correction")
            old = conn.execute(sa.select(table).where(table.c.id == int(correction_id))).mappings().first()
            kind, target = self._target(old)
            self._check_version(conn, old, expected_version, kind, target)
            if old is None:
                raise StoreError(f"correction {correction_id} is gone")
            if self._row(conn, str(old["target_kind"]), locator) is not None:
                raise StoreError("that row has a correction of its own already: undo one of them first")
            version = int(old["version"]) + 1
            values = {name: self._in(str(locator.get(name, ""))) for name in LOCATOR}
            conn.execute(
                table.update()
                .where(table.c.id == old["id"])
                .values(
                    **values,
                    event_id=target_id if kind == EVENT else "",
                    version=version,
                    updated_by=actor.email,
                    updated_at=dt.datetime.now(dt.UTC),
                )
            )
            before = {name: self._out(old[name]) for name in LOCATOR}
            record(conn, actor, "reattach correction", kind, target_id or target, before, dict(locator))
            self.store._bump(conn, corrections=True)
        return version

    # ------------------------------------------------------------------ events added by hand

    def add_event(self, actor: Actor, fields: Mapping[str, Any]) -> str:
        """Add an event by hand (``source`` required); returns its event_id (``manual-<id>``)."""
        values = _manual_values(fields)
        table = tables_sql.table(tables_sql.MANUAL_EVENTS)
        mid = uuid.uuid4().hex[:12]
        now = dt.datetime.now(dt.UTC)
        with self._db.writing() as conn:
            authorize(conn, actor, "editor", "add an event")
            conn.execute(
                table.insert().values(
                    id=mid,
                    **_stored(values),
                    deleted=False,
                    version=1,
                    created_by=actor.email,
                    created_at=now,
                    updated_by=actor.email,
                    updated_at=now,
                )
            )
            record(conn, actor, "add event", EVENT, MANUAL_PREFIX + mid, None, values)
            self.store._bump(conn, corrections=True)
        return MANUAL_PREFIX + mid

    def edit_event(self, actor: Actor, event_id: str, fields: Mapping[str, Any], *, expected_version: int) -> int:
        """Change an event added by hand (every field given replaces the stored one); returns its new version."""
        return self._change_manual(actor, event_id, fields, expected_version, delete=False)

    def delete_event(self, actor: Actor, event_id: str, *, expected_version: int) -> None:
        """Delete an event added by hand (kept, marked deleted, for the audit log's sake)."""
        self._change_manual(actor, event_id, {}, expected_version, delete=True)

    def _change_manual(
        self, actor: Actor, event_id: str, fields: Mapping[str, Any], expected: int, *, delete: bool
    ) -> int:
        table = tables_sql.table(tables_sql.MANUAL_EVENTS)
        mid = str(event_id).removeprefix(MANUAL_PREFIX)
        with self._db.writing() as conn:
            authorize(conn, actor, "editor", "delete an event" if delete else "edit an event")
            old = conn.execute(sa.select(table).where(table.c.id == mid)).mappings().first()
            if old is None or old["deleted"]:
                raise StoreError(f"event {event_id} is not an event added by hand (or it was deleted)")
            if int(old["version"]) != int(expected):
                raise StaleCorrection(
                    f"event {event_id}",
                    by=old["updated_by"],
                    at=old["updated_at"],
                    changes=_public(old),
                    version=int(old["version"]),
                )
            before = _public(old)
            after = before if delete else _manual_values({**before, **fields})
            version = int(old["version"]) + 1
            now = dt.datetime.now(dt.UTC)
            extra = {"deleted": True} if delete else _stored(after)
            conn.execute(
                table.update()
                .where(table.c.id == mid)
                .values(**extra, version=version, updated_by=actor.email, updated_at=now)
            )
            record(
                conn,
                actor,
                "delete event" if delete else "edit event",
                EVENT,
                MANUAL_PREFIX + mid,
                before,
                None if delete else after,
            )
            self.store._bump(conn, corrections=True)
        return version

    # ------------------------------------------------------------------ helpers

    def _in(self, value: str) -> str:
        return sql_rows.escape(value) if self._db.escape_nul else value

    def _out(self, value: object) -> str:
        text = "" if value is None else str(value)
        return sql_rows.unescape(text) if self._db.escape_nul else text

    def _where(self, kind: str, locator: Mapping[str, str]) -> sa.ColumnElement[bool]:
        table = tables_sql.table(tables_sql.CORRECTIONS)
        missing = [name for name in ("doc_id",) if not locator.get(name)]
        if missing:
            raise CorrectionError(f"a {kind} locator needs {', '.join(missing)}")
        clauses = [table.c.target_kind == kind]
        clauses += [table.c[name] == self._in(str(locator.get(name, ""))) for name in LOCATOR]
        return sa.and_(*clauses)

    def _row(self, conn: sa.Connection, kind: str, locator: Mapping[str, str]) -> dict[str, Any] | None:
        table = tables_sql.table(tables_sql.CORRECTIONS)
        found = conn.execute(sa.select(table).where(self._where(kind, locator))).mappings().first()
        return None if found is None else dict(found)

    @staticmethod
    def _target(old: Mapping[str, Any] | None) -> tuple[str, str]:
        if old is None:
            return EVENT, ""
        kind = str(old["target_kind"])
        return kind, str(old["event_id"] if kind == EVENT else old["doc_id"])

    def _check_version(
        self, conn: sa.Connection, old: Mapping[str, Any] | None, expected: int, kind: str, target: str
    ) -> None:
        """StaleCorrection unless the stored version (0: none) is the one the editor saw."""
        stored = 0 if old is None else int(old["version"])
        if stored == int(expected):
            return
        what = f"the correction of this {kind}"
        if old is not None:
            raise StaleCorrection(
                what, by=old["updated_by"], at=old["updated_at"], changes=json.loads(old["changes"]), version=stored
            )
        log = tables_sql.table(tables_sql.AUDIT_LOG)  # removed meanwhile: the log says by whom
        query = sa.select(log).where(log.c.action == "undo correction").order_by(log.c.id.desc()).limit(1)
        if target:
            query = query.where(log.c.target_kind == kind, log.c.target_id == target)
        last = conn.execute(query).mappings().first()
        raise StaleCorrection(
            what + " (since removed)",
            by=last["actor"] if last else "",
            at=last["at"] if last else None,
            changes=None,
            version=0,
        )


def _manual_values(fields: Mapping[str, Any]) -> dict[str, Any]:
    """An event added by hand, checked: a source, a summary, known type and granularity, days as ISO."""
    unknown = sorted(set(fields) - set(MANUAL_FIELDS))
    if unknown:
        raise CorrectionError(f"an event added by hand has no field {', '.join(unknown)}")
    source = str(fields.get("source") or "").strip()
    if not source:
        raise CorrectionError("an event added by hand needs its source (who reports it)")
    if not str(fields.get("summary") or "").strip():
        raise CorrectionError("an event added by hand needs a summary (what happened)")
    checked = check_changes(
        EVENT,
        {
            name: fields[name]
            for name in ("date_start", "date_end", "granularity", "summary", "event_type", "actors")
            if name in fields and fields[name] not in (None, "")
        },
    )
    out: dict[str, Any] = {name: str(fields.get(name) or "").strip() for name in MANUAL_FIELDS}
    out.update(checked)
    out["source"] = source
    out["date_start"] = iso_day(fields.get("date_start"), "date_start")
    out["date_end"] = iso_day(fields.get("date_end"), "date_end") or out["date_start"]
    out["actors"] = checked.get("actors", [])
    out["locations"] = [str(x).strip() for x in (fields.get("locations") or []) if str(x).strip()]
    out["event_type"] = out["event_type"] or "other"
    out["granularity"] = out["granularity"] or ("day" if out["date_start"] else "unresolved")
    return out


def _stored(values: Mapping[str, Any]) -> dict[str, Any]:
    """Manual event values as the table holds them (dates as dates, lists as JSON)."""
    out = dict(values)
    for name in ("date_start", "date_end"):
        out[name] = None if not out.get(name) else dt.date.fromisoformat(str(out[name]))
    for name in ("actors", "locations"):
        out[name] = json.dumps(list(out.get(name) or []), ensure_ascii=False)
    return out


def _public(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored manual event's fields (MANUAL_FIELDS) as the audit log and a form show them."""
    out = {name: row[name] for name in MANUAL_FIELDS}
    for name in ("date_start", "date_end"):
        out[name] = None if out[name] is None else str(out[name])[:10]
    for name in ("actors", "locations"):
        out[name] = json.loads(out[name] or "[]")
    return out
