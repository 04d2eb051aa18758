"""Uploads into a database store: who uploaded what, each content stored once, a replacement only when an editor
confirmed it, and every upload removable and every removal or replacement undoable. Also: recorded CLI runs.

Each function is ONE write transaction: ``authorize`` (editor), check against the stored set as the transaction
sees it, write (``SqlStore.write_in``), then the ``uploads`` rows and the ``audit_log`` entries; all of it
commits or none of it does.

``uploads`` rows (``status``):
- ``stored``: the upload's content was written as ``doc_id``. When it replaced another version, ``previous``
  (JSON: the document row and its events as they were) and ``replaces_sha256``/``replaces_scan_sha256`` keep
  what it replaced, and that text and scan stay stored (``kept_contents``) so "restore previous version" can
  put it back.
- ``duplicate``: the same content (SHA-256 of the text) was stored already, as ``duplicate_of``; nothing written.
- ``removed``: an editor removed the document; ``removed`` (JSON) keeps it, with its text and scan, to restore.
- ``reverted``: the previous version was restored over it.
Whether a ``stored`` upload is still what the store holds is read from ``documents`` (a later upload or a CLI
run may have replaced the document since): see ``list_uploads``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import pandas as pd
import sqlalchemy as sa

from extract.schema import DOCUMENT_COLUMNS, EVENT_COLUMNS, documents_frame, events_frame
from extract.store import sql_rows, tables_sql
from extract.store.base import Derive, StoreError, WriteSummary
from extract.store.team import Actor, authorize, record

if TYPE_CHECKING:
    from extract.store.sql import SqlStore

STATUSES = ("stored", "duplicate", "removed", "reverted")
SHOWN_EVENTS = 5  # event summaries kept in an audit entry's before/after


@dataclass
class UploadOutcome:
    """What store_uploads did with each uploaded document (by doc_id)."""

    added: list[str] = field(default_factory=list)  # new doc_ids written
    replaced: list[str] = field(default_factory=list)  # doc_ids written over a confirmed previous version
    duplicates: dict[str, str] = field(default_factory=dict)  # doc_id -> the stored doc_id holding its content
    conflicts: dict[str, str] = field(default_factory=dict)  # doc_id -> stored sha256: needs an editor's "yes"
    upload_ids: dict[str, int] = field(default_factory=dict)  # doc_id -> its uploads row
    summary: WriteSummary | None = None


def text_sha(text: str) -> str:
    """The SHA-256 a text is stored under (as Store.write computes it)."""
    return hashlib.sha256(text.encode("utf-8", errors="surrogatepass")).hexdigest()


def stored_hashes(conn: sa.Connection, store: SqlStore) -> dict[str, str]:
    """doc_id -> sha256 of every stored document, as the transaction sees it."""
    documents = tables_sql.table("documents")
    rows = conn.execute(sa.select(documents.c.doc_id, documents.c.sha256)).all()
    unescape = sql_rows.unescape if store.database.escape_nul else str
    return {unescape(doc_id): sha for doc_id, sha in rows}


def store_uploads(
    store: SqlStore,
    events: pd.DataFrame,
    documents: pd.DataFrame,
    texts: Mapping[str, str],
    *,
    actor: Actor,
    filenames: Mapping[str, str],
    scans: Mapping[str, str] | None = None,
    confirmed: Mapping[str, str] | None = None,
    derive: Derive | None = None,
) -> UploadOutcome:
    """Store uploaded, extracted documents (one transaction): a content stored already is recorded as a duplicate
    and not written; a doc_id stored with other content is written only when ``confirmed`` maps it to the
    sha256 of the version the editor saw (else it is a conflict, left out); the others are added. PermissionDenied
    unless ``actor`` is an editor now."""
    confirmed = dict(confirmed or {})
    scans = scans or {}
    outcome = UploadOutcome()
    with store.database.writing() as conn:
        authorize(conn, actor, "editor", "upload articles")
        by_id = stored_hashes(conn, store)
        by_sha: dict[str, str] = {}
        for doc_id, sha in by_id.items():
            by_sha.setdefault(sha, doc_id)
        accepted: list[str] = []
        now = dt.datetime.now(dt.UTC)
        rows: list[dict[str, Any]] = []
        for doc_id in documents["doc_id"].astype(str):
            sha = text_sha(texts.get(doc_id, ""))
            base = {
                "doc_id": doc_id,
                "sha256": sha,
                "scan_sha256": text_sha(scans[doc_id]) if doc_id in scans else "",
                "filename": filenames.get(doc_id, ""),
                "uploaded_by": actor.email,
                "uploaded_at": now,
            }
            if sha in by_sha:
                outcome.duplicates[doc_id] = by_sha[sha]
                rows.append({**base, "status": "duplicate", "duplicate_of": by_sha[sha]})
                continue
            if doc_id in by_id:
                if confirmed.get(doc_id) != by_id[doc_id]:
                    outcome.conflicts[doc_id] = by_id[doc_id]
                    continue
                previous = snapshot(conn, store, doc_id)
                document = previous["document"]
                outcome.replaced.append(doc_id)
                rows.append(
                    {
                        **base,
                        "status": "stored",
                        "replaces_sha256": document["sha256"],
                        "replaces_scan_sha256": document["scan_sha256"],
                        "previous": json.dumps(previous, ensure_ascii=False),
                    }
                )
            else:
                outcome.added.append(doc_id)
                rows.append({**base, "status": "stored"})
            accepted.append(doc_id)
            by_sha[sha] = doc_id
        uploads = tables_sql.table(tables_sql.UPLOADS)
        for row in rows:  # before the write: what they keep (replaced texts) is then kept by it
            outcome.upload_ids[row["doc_id"]] = int(
                conn.execute(sa.insert(uploads).values(**_to_db(row, store))).inserted_primary_key[0]
            )
        if accepted:
            keep = set(accepted)
            outcome.summary = store.write_in(
                conn,
                events[events["doc_id"].astype(str).isin(keep)],
                documents[documents["doc_id"].astype(str).isin(keep)],
                {k: v for k, v in texts.items() if k in keep},
                scans={k: v for k, v in scans.items() if k in keep},
                derive=derive,
            )
        for row in rows:
            doc_id = row["doc_id"]
            after = {"upload": outcome.upload_ids[doc_id], "file": row["filename"], "sha256": row["sha256"]}
            if row["status"] == "duplicate":
                record(
                    conn,
                    actor,
                    "duplicate upload",
                    "document",
                    _logged(doc_id),
                    None,
                    {**after, "duplicate_of": row["duplicate_of"]},
                )
                continue
            after.update(describe(documents, events, doc_id))
            if "previous" in row:
                before = json.loads(row["previous"])
                record(conn, actor, "replace", "document", _logged(doc_id), summary_of(before), after)
            else:
                record(conn, actor, "upload", "document", _logged(doc_id), None, after)
    return outcome


def remove_upload(store: SqlStore, upload_id: int, *, actor: Actor, derive: Derive | None = None) -> str:
    """Remove an upload's document and its events (one transaction, recorded; restorable); returns its doc_id.
    Refused (StoreError) unless the upload is what the store holds now."""
    with store.database.writing() as conn:
        authorize(conn, actor, "editor", "remove an upload")
        row = _upload(conn, store, upload_id)
        _check_current(conn, store, row, "remove it")
        removed = snapshot(conn, store, row["doc_id"])
        _set(conn, upload_id, actor, status="removed", removed=json.dumps(removed, ensure_ascii=False))
        store.write_in(conn, events_frame(), documents_frame(), {}, remove=[row["doc_id"]], derive=derive)
        record(
            conn,
            actor,
            "remove",
            "document",
            _logged(row["doc_id"]),
            {**summary_of(removed), "upload": upload_id},
            None,
        )
        return str(row["doc_id"])


def restore_upload(store: SqlStore, upload_id: int, *, actor: Actor, derive: Derive | None = None) -> str:
    """Put a removed upload's document and events back (one transaction, recorded); returns its doc_id. Refused
    when the doc_id is stored again meanwhile (remove or replace that first)."""
    with store.database.writing() as conn:
        authorize(conn, actor, "editor", "restore an upload")
        row = _upload(conn, store, upload_id)
        if row["status"] != "removed" or not row["removed"]:
            raise StoreError(f"upload {upload_id} ({row['filename']}) was not removed: nothing to restore")
        if row["doc_id"] in stored_hashes(conn, store):
            raise StoreError(f"document {row['doc_id']!r} is stored again (a later upload or run): nothing restored")
        removed = json.loads(row["removed"])
        _set(conn, upload_id, actor, status="stored", removed=None)
        _put_back(conn, store, removed, derive)
        record(
            conn,
            actor,
            "restore",
            "document",
            _logged(row["doc_id"]),
            None,
            {**summary_of(removed), "upload": upload_id},
        )
        return str(row["doc_id"])


def restore_previous(store: SqlStore, upload_id: int, *, actor: Actor, derive: Derive | None = None) -> str:
    """Undo a replacement: the version the upload replaced is stored again (one transaction, recorded); returns
    the doc_id. Refused unless the upload is what the store holds now."""
    with store.database.writing() as conn:
        authorize(conn, actor, "editor", "restore a previous version")
        row = _upload(conn, store, upload_id)
        if not row["previous"]:
            raise StoreError(f"upload {upload_id} ({row['filename']}) replaced nothing: there is no previous version")
        _check_current(conn, store, row, "restore the previous version")
        previous = json.loads(row["previous"])
        current = snapshot(conn, store, row["doc_id"])
        _set(conn, upload_id, actor, status="reverted")
        _put_back(conn, store, previous, derive)
        record(
            conn,
            actor,
            "restore previous",
            "document",
            _logged(row["doc_id"]),
            {**summary_of(current), "upload": upload_id},
            summary_of(previous),
        )
        return str(row["doc_id"])


def list_uploads(store: SqlStore, limit: int = 500) -> pd.DataFrame:
    """The uploads, newest first: id, uploaded_at, uploaded_by, filename, doc_id, status (as stored), shown (the
    status in words, against what the store holds now), and what an editor can do: can_remove,
    can_restore_previous, can_restore."""
    uploads = tables_sql.table(tables_sql.UPLOADS)
    columns = ["id", "uploaded_at", "uploaded_by", "filename", "doc_id", "status", "shown"]
    flags = ["can_remove", "can_restore_previous", "can_restore"]
    with store.database.reading() as conn:
        if conn is None:
            return pd.DataFrame(columns=columns + flags)
        current = stored_hashes(conn, store)
        query = (
            sa.select(
                uploads.c.id,
                uploads.c.uploaded_at,
                uploads.c.uploaded_by,
                uploads.c.filename,
                uploads.c.doc_id,
                uploads.c.status,
                uploads.c.sha256,
                uploads.c.duplicate_of,
                (uploads.c.previous.is_not(None)).label("has_previous"),
            )
            .order_by(uploads.c.id.desc())
            .limit(limit)
        )
        rows = [_from_db(dict(r), store) for r in conn.execute(query).mappings().all()]
    out = []
    for row in rows:
        stored = current.get(row["doc_id"])
        is_current = row["status"] == "stored" and stored == row["sha256"]
        if row["status"] == "duplicate":
            shown = f"duplicate: already stored as {row['duplicate_of']}"
        elif row["status"] == "removed":
            shown = "removed"
        elif row["status"] == "reverted":
            shown = "undone: the previous version was restored"
        elif is_current:
            shown = "stored, replacing a previous version" if row["has_previous"] else "stored"
        elif stored is None:
            shown = "no longer stored (removed by another run)"
        else:
            shown = "replaced since by another version"
        out.append(
            {
                **{k: row[k] for k in columns[:-1]},
                "shown": shown,
                "can_remove": is_current,
                "can_restore_previous": is_current and bool(row["has_previous"]),
                "can_restore": row["status"] == "removed" and stored is None,
            }
        )
    return pd.DataFrame(out, columns=columns + flags)


def recorded_write(
    store: SqlStore,
    events: pd.DataFrame,
    documents: pd.DataFrame,
    texts: Mapping[str, str],
    *,
    actor: Actor,
    action: str,
    target: str,
    scans: Mapping[str, str] | None = None,
    replace_all: bool = False,
    derive: Derive | None = None,
) -> WriteSummary:
    """Store.write in one transaction with its audit entry: how many documents were added, replaced, removed
    (what a CLI run records)."""
    with store.database.writing() as conn:
        authorize(conn, actor, "editor", "write extracted documents")
        held = set(stored_hashes(conn, store))
        run = set(documents["doc_id"].astype(str))
        summary = store.write_in(conn, events, documents, texts, scans=scans, replace_all=replace_all, derive=derive)
        after = {
            "added": len(run - held),
            "replaced": len(run & held),
            "removed": len(summary.removed),
            "removed_ids": list(summary.removed[:20]),
            "events": summary.n_events,
            "stored_documents": summary.stored_documents,
            "mode": "replace" if replace_all else "merge",
        }
        record(conn, actor, action, "run", _logged(target), None, after)
    return summary


def kept_contents(conn: sa.Connection, candidates: Iterable[str]) -> set[str]:
    """Of the texts and scans (by sha256) a write would delete, those an upload keeps for a restore: what a
    stored upload replaced, what a removed upload held."""
    shas = sorted({sha for sha in candidates if sha})
    if not shas:
        return set()
    uploads = tables_sql.table(tables_sql.UPLOADS)
    kept: set[str] = set()
    for status, columns in (
        ("stored", (uploads.c.replaces_sha256, uploads.c.replaces_scan_sha256)),
        ("removed", (uploads.c.sha256, uploads.c.scan_sha256)),
    ):
        for column in columns:
            for start in range(0, len(shas), 500):
                chunk = shas[start : start + 500]
                query = sa.select(column).where(uploads.c.status == status, column.in_(chunk))
                kept.update(conn.execute(query).scalars())
    return kept


# --------------------------------------------------------------------------- snapshots


def snapshot(conn: sa.Connection, store: SqlStore, doc_id: str) -> dict[str, Any]:
    """A stored document's row and its events (plans included) as JSON-ready dicts, in the transaction."""
    esc = store.database.escape_nul
    param = sql_rows.escape(doc_id) if esc else doc_id
    found: dict[str, pd.DataFrame] = {}
    for name, columns in (("documents", DOCUMENT_COLUMNS), ("events", EVENT_COLUMNS)):
        table = tables_sql.table(name)
        query = store._select(name, every_event=True, dates_as_text=True).where(table.c.doc_id == param)
        found[name] = sql_rows.decode_rows([tuple(r) for r in conn.execute(query).all()], columns, esc)
    if not len(found["documents"]):
        raise StoreError(f"document {doc_id!r} is not stored")
    return {"document": _records(found["documents"])[0], "events": _records(found["events"])}


def summary_of(snap: Mapping[str, Any]) -> dict[str, Any]:
    """What an audit entry says of a stored version: title, sha256, how many events, a few summaries."""
    document, events = snap["document"], snap["events"]
    return {
        "title": document.get("title", ""),
        "sha256": document.get("sha256", ""),
        "n_events": len(events),
        "events": [e.get("summary", "") for e in events[:SHOWN_EVENTS]],
    }


def describe(documents: pd.DataFrame, events: pd.DataFrame, doc_id: str) -> dict[str, Any]:
    """summary_of for a document of a run (its frames)."""
    doc = documents[documents["doc_id"].astype(str) == doc_id]
    evs = events[events["doc_id"].astype(str) == doc_id]
    return {
        "title": str(doc["title"].iloc[0]) if len(doc) else "",
        "n_events": len(evs),
        "events": [str(s) for s in evs["summary"].head(SHOWN_EVENTS)],
    }


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    out = []
    for record_ in frame.to_dict("records"):
        row: dict[str, Any] = {}
        for key, value in record_.items():
            if isinstance(value, pd.Timestamp):
                row[key] = value.strftime("%Y-%m-%d")
            elif isinstance(value, list):
                row[key] = [str(v) for v in value]
            elif value is None or (isinstance(value, float) and pd.isna(value)) or value is pd.NaT:
                row[key] = None
            elif hasattr(value, "item"):
                row[key] = value.item()
            else:
                row[key] = value
        out.append(row)
    return out


def _put_back(conn: sa.Connection, store: SqlStore, snap: Mapping[str, Any], derive: Derive | None) -> None:
    """Write a snapshot's document and events back (its text and scan are still stored, by sha256)."""
    store.write_in(conn, events_frame(snap["events"]), documents_frame([snap["document"]]), {}, derive=derive)


def _upload(conn: sa.Connection, store: SqlStore, upload_id: int) -> Mapping[str, Any]:
    uploads = tables_sql.table(tables_sql.UPLOADS)
    row = conn.execute(sa.select(uploads).where(uploads.c.id == int(upload_id))).mappings().first()
    if row is None:
        raise StoreError(f"no upload {upload_id}")
    return _from_db(dict(row), store)


_NAMES = ("doc_id", "filename", "duplicate_of")  # uploads' text columns that come from a document or a file


def _to_db(row: Mapping[str, Any], store: SqlStore) -> dict[str, Any]:
    """An uploads row as stored: on PostgreSQL, NUL in a name escaped as the store escapes its strings."""
    if not store.database.escape_nul:
        return dict(row)
    return {k: sql_rows.escape(v) if k in _NAMES and isinstance(v, str) else v for k, v in row.items()}


def _from_db(row: dict[str, Any], store: SqlStore) -> dict[str, Any]:
    if store.database.escape_nul:
        row.update({k: sql_rows.unescape(row[k]) for k in _NAMES if isinstance(row.get(k), str)})
    return row


def _logged(target_id: str) -> str:
    """A target id for the audit log (PostgreSQL's TEXT holds no NUL: shown as \\x00)."""
    return str(target_id).replace("\x00", "\\x00")


def _check_current(conn: sa.Connection, store: SqlStore, row: Mapping[str, Any], what: str) -> None:
    if row["status"] != "stored":
        raise StoreError(f"upload {row['id']} ({row['filename']}) is {row['status']}: cannot {what}")
    stored = stored_hashes(conn, store).get(row["doc_id"])
    if stored != row["sha256"]:
        state = "is no longer stored" if stored is None else "holds another version now"
        raise StoreError(f"document {row['doc_id']!r} {state} (not upload {row['id']}'s): cannot {what}")


def _set(conn: sa.Connection, upload_id: int, actor: Actor, **values: Any) -> None:
    uploads = tables_sql.table(tables_sql.UPLOADS)
    conn.execute(
        sa.update(uploads)
        .where(uploads.c.id == int(upload_id))
        .values(updated_by=actor.email, updated_at=dt.datetime.now(dt.UTC), **values)
    )
