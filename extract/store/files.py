"""The files store: a folder of Parquet/CSV tables, the documents' texts and a manifest.

Layout (``DIR`` is the data folder)::

    DIR/events.parquet, DIR/events.csv      what happened (one file per format declared in schema.TABLES)
    DIR/plans.parquet, DIR/plans.csv        planned and hypothetical events, same columns
    DIR/documents.csv                       one row per document (its sha256 names its text)
    DIR/texts/ab/abcdef....txt              each document's text, UTF-8, named by its SHA-256 (content-addressed)
    DIR/scans/ab/abcdef....json             each document's time-expression scan (JSON), named by its SHA-256
    DIR/manifest.json                       {"format": 1, "version": N, "tables": {name: rows}, ...}
    DIR/.dateline.lock                      the folder's lock (see journal.lock)
    DIR/.journal.json                       only while a write is being committed (see journal)

A write (under the exclusive lock): finish any unfinished commit; read the stored tables and merge the run into
them; run the corpus steps (``derive``) on the merged set; write the texts and scans the run brings (each to a
temporary name, fsynced, then renamed: content-addressed, so the same name is the same bytes whoever writes it,
and this needs no journal); write every table file and the manifest to temporary names; commit them together
through the journal; then delete the texts and scans no document names any more. A reader takes the
shared lock, after rolling forward an unfinished commit under the exclusive one, so it sees either the old set
or the new set, never a mix. Parquet is read when present, else the CSV copy.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import re
import time
import uuid
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pandas as pd

from extract.schema import TABLES, typed, typed_documents, typed_events
from extract.store import journal
from extract.store.base import (
    Corpus,
    Derive,
    MergeError,
    StoreError,
    WriteSummary,
    concat,
    merge_typed,
    replaced_paths,
    split_tables,
    with_hashes,
)
from extract.store.formats import READERS, WRITERS, FormatError

MANIFEST = "manifest.json"
TEXTS = "texts"
SCANS = "scans"
FORMAT = 1
_SHA256 = re.compile(r"[0-9a-f]{64}")
_BLOB_NAME = re.compile(r"[0-9a-f]{64}\.(?:txt|json)")


class FileStore:
    """The Store interface over a data folder (see the module docstring for the layout)."""

    def __init__(self, root: str | Path, location: str | None = None) -> None:
        self.root = Path(root)
        self._location = location if location is not None else str(root)
        # (version, doc_id -> (text sha256, scan sha256)) for read_text and read_scan
        self._shas: tuple[int, dict[str, tuple[str, str]]] | None = None

    def __repr__(self) -> str:
        return f"FileStore({self._location!r})"

    @property
    def location(self) -> str:
        """The folder as given to open_store."""
        return self._location

    # ------------------------------------------------------------------ reading

    def read_events(self) -> pd.DataFrame:
        """Every stored event: the events table, then the plans table (typed; empty when none)."""
        with self._reading():
            return self._read_events()

    def read_documents(self) -> pd.DataFrame:
        """The documents table (typed; empty when none)."""
        with self._reading():
            return self._read_documents()

    def read_tables(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """(events, documents) read under one lock, so both come from the same write."""
        with self._reading():
            return self._read_events(), self._read_documents()

    def read_table(self, name: str) -> pd.DataFrame:
        """A table declared in schema.TABLES, typed (empty when not stored)."""
        if name not in TABLES:
            raise StoreError(f"no table {name!r} is declared in extract.schema.TABLES")
        with self._reading():
            found = self._read(name)
        return typed(found if found is not None else pd.DataFrame(), name)

    def read_text(self, doc_id: str) -> str | None:
        """The stored text of a document (checked against its SHA-256), or None when none is stored."""
        return self._read_blob(doc_id, 0, TEXTS, ".txt")

    def read_scan(self, doc_id: str) -> str | None:
        """The stored time-expression scan of a document (JSON, checked against its SHA-256), or None."""
        return self._read_blob(doc_id, 1, SCANS, ".json")

    def _read_blob(self, doc_id: str, which: int, folder: str, suffix: str) -> str | None:
        version = self.version()
        if self._shas is None or self._shas[0] != version:
            with self._reading():
                docs = self._read_documents()
            pairs = zip(docs["sha256"].astype(str), docs["scan_sha256"].astype(str), strict=True)
            self._shas = (version, dict(zip(docs["doc_id"].astype(str), pairs, strict=True)))
        sha = self._shas[1].get(str(doc_id), ("", ""))[which]
        if not _SHA256.fullmatch(sha):  # also keeps a crafted documents.csv from naming a path
            return None
        try:
            data = self._blob_path(folder, sha, suffix).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise StoreError(f"the stored {folder[:-1]} of {doc_id!r} cannot be read: {exc.strerror or exc}") from exc
        if hashlib.sha256(data).hexdigest() != sha:
            raise StoreError(f"the stored {folder[:-1]} of {doc_id!r} is damaged (its SHA-256 does not match)")
        return data.decode("utf-8", errors="surrogatepass")

    def version(self) -> int:
        """The manifest's version: grows with every write; 0 before the first."""
        return int(self._manifest().get("version", 0))

    def is_empty(self) -> bool:
        """True when the folder holds no manifest and no table file."""
        if (self.root / MANIFEST).exists():
            return False
        return not any(self._file(name, fmt).exists() for name, table in TABLES.items() for fmt in table.formats)

    def corrections(self) -> None:
        """None: corrections need a database store (extract.store.sql_corrections)."""
        return None

    # ------------------------------------------------------------------ writing

    def write(
        self,
        events: pd.DataFrame,
        documents: pd.DataFrame,
        texts: Mapping[str, str],
        *,
        scans: Mapping[str, str] | None = None,
        replace_all: bool = False,
        derive: Derive | None = None,
    ) -> WriteSummary:
        """Store one run (see Store.write), all tables at once through the journal."""
        events, documents = typed_events(events), typed_documents(documents)
        documents, run_texts = with_hashes(documents, texts, "sha256")
        documents, run_scans = with_hashes(documents, scans or {}, "scan_sha256")
        with journal.lock(self.root):
            self._recover()
            replaced: dict[str, tuple[str, str]] = {}
            removed: tuple[str, ...] = ()
            if replace_all:
                all_events, all_docs = events, documents
                old_ids = set(self._stored_doc_ids())
                removed = tuple(sorted(old_ids - set(documents["doc_id"])))
            else:
                old_events, old_docs = self._stored_for_merge()
                replaced = replaced_paths(old_docs, documents)
                all_events, all_docs = merge_typed(old_events, old_docs, events, documents)
            derived: Mapping[str, pd.DataFrame] = {}
            if derive is not None:
                result = derive(Corpus(all_events, all_docs, self._scan_reader(all_docs, run_scans)))
                all_events, all_docs, derived = (
                    typed_events(result.events),
                    typed_documents(result.documents),
                    result.tables,
                )
            tables = split_tables(all_events, all_docs, derived)
            self._write_blobs(TEXTS, ".txt", run_texts)
            self._write_blobs(SCANS, ".json", run_scans)
            try:
                previous = self.version()
            except StoreError:  # an unreadable manifest is replaced like any table
                previous = 0
            version = max(previous + 1, time.time_ns() // 1000)  # grows, and differs across re-created folders
            outputs = self._commit(tables, version)
            self._collect(TEXTS, set(all_docs["sha256"].astype(str)))
            self._collect(SCANS, set(all_docs["scan_sha256"].astype(str)))
        return WriteSummary(
            version=version,
            n_documents=len(documents),
            n_events=len(events),
            stored_documents=len(all_docs),
            stored_events=len(all_events),
            replaced=replaced,
            removed=removed,
            outputs=tuple(str(p) for p in outputs),
        )

    # ------------------------------------------------------------------ internals

    def _file(self, name: str, fmt: str) -> Path:
        return self.root / f"{name}.{fmt}"

    def _blob_path(self, folder: str, sha: str, suffix: str) -> Path:
        return self.root / folder / sha[:2] / f"{sha}{suffix}"

    def _scan_reader(self, documents: pd.DataFrame, run_scans: Mapping[str, str]) -> Callable[[str], str | None]:
        """read_scan over the set a write is making: this run's scans (not stored yet), else the stored files."""
        shas = dict(zip(documents["doc_id"].astype(str), documents["scan_sha256"].astype(str), strict=True))

        def read(doc_id: str) -> str | None:
            sha = shas.get(str(doc_id), "")
            if sha in run_scans:
                return run_scans[sha]
            if not _SHA256.fullmatch(sha):
                return None
            try:
                return self._blob_path(SCANS, sha, ".json").read_text(encoding="utf-8")
            except OSError:
                return None  # a scan lost from the folder: the document is not re-dated

        return read

    def _manifest(self) -> dict:
        path = self.root / MANIFEST
        try:
            manifest = json.loads(path.read_bytes())
        except FileNotFoundError:
            return {}
        except (OSError, ValueError) as exc:
            raise StoreError(f"{MANIFEST}: cannot read: {exc}") from exc
        if not isinstance(manifest, dict) or not isinstance(manifest.get("version", 0), int):
            raise StoreError(f"{MANIFEST}: not a Dateline manifest")
        return manifest

    @contextlib.contextmanager
    def _reading(self) -> Iterator[None]:
        """The shared lock, after any unfinished commit has been rolled forward."""
        for _ in range(20):
            if journal.pending(self.root):
                try:
                    with journal.lock(self.root):
                        self._recover()
                except OSError as exc:  # e.g. a read-only folder: the lock file cannot even be opened for it
                    raise StoreError(
                        f"{self._location}: an interrupted write must be finished first, which needs write access "
                        f"({exc.strerror or exc})"
                    ) from exc
            with journal.lock(self.root, shared=True):
                if journal.pending(self.root):  # a writer died between our two locks: finish its commit first
                    continue
                yield
                return
        raise StoreError(f"{self._location}: writes keep being interrupted; try again")

    def _recover(self) -> None:
        """Roll an unfinished commit forward and clear stray temporaries (caller holds the exclusive lock)."""
        if not self.root.is_dir():
            return
        try:
            journal.recover(self.root)
            journal.remove_temps(self.root / TEXTS, recursive=True)
            journal.remove_temps(self.root / SCANS, recursive=True)
        except journal.JournalError as exc:
            raise StoreError(f"{self._location}: {exc}") from exc
        except OSError as exc:
            raise StoreError(f"{self._location}: an interrupted write cannot be finished: {exc}") from exc

    def _read(self, name: str) -> pd.DataFrame | None:
        """The table's first present format, untyped; None when no file of it exists."""
        for fmt in TABLES[name].formats:
            path = self._file(name, fmt)
            if path.is_file():
                try:
                    return READERS[fmt](path)
                except FormatError as exc:
                    raise StoreError(str(exc)) from exc
        return None

    def _read_events(self) -> pd.DataFrame:
        events, plans = self._read("events"), self._read("plans")
        frames = [typed_events(f) for f in (events, plans) if f is not None]
        if not frames:
            return typed_events(pd.DataFrame())
        return frames[0] if len(frames) == 1 else concat(*frames)  # both typed: no second pass

    def _read_documents(self) -> pd.DataFrame:
        found = self._read("documents")
        return typed_documents(found if found is not None else pd.DataFrame())

    def _has(self, name: str) -> bool:
        return any(self._file(name, fmt).is_file() for fmt in TABLES[name].formats)

    def _stored_doc_ids(self) -> list[str]:
        """The stored doc_ids, for reporting only: an unreadable table (being replaced whole) counts as none."""
        try:
            return list(self._read_documents()["doc_id"].astype(str))
        except StoreError:
            return []

    def _stored_for_merge(self) -> tuple[pd.DataFrame, pd.DataFrame]:
        """The stored events and documents, refusing a set with one of the two missing."""
        has_events, has_docs = self._has("events"), self._has("documents")
        if has_events != has_docs:
            present = "events.parquet/events.csv" if has_events else "documents.csv"
            missing = "documents.csv" if has_events else "events.parquet (or events.csv)"
            raise MergeError(
                f"cannot merge into {self._location}: it has {present} but no {missing}; restore the missing file, "
                "or move the folder away and extract everything again"
            )
        return self._read_events(), self._read_documents()

    def _write_blobs(self, kind: str, suffix: str, blobs: dict[str, str]) -> None:
        """Store the texts (or scans) not stored yet: all to temporaries, flushed to disk, renamed, the renames
        flushed.

        Content-addressed, so a file already there is the same bytes, and this needs no journal: the tables
        naming the files are committed only after this returns. (Plain os calls: thousands per run.)
        """
        base = os.path.join(self.root, kind)
        token = uuid.uuid4().hex[:12]
        made: set[str] = set()
        moves: list[tuple[str, str]] = []
        try:
            for sha, text in blobs.items():
                folder = os.path.join(base, sha[:2])
                final = os.path.join(folder, f"{sha}{suffix}")
                if os.path.isfile(final):
                    continue
                if folder not in made:
                    os.makedirs(folder, exist_ok=True)
                    made.add(folder)
                tmp = os.path.join(folder, f".{sha}{suffix}.{token}{journal.TMP_SUFFIX}")
                fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
                moves.append((tmp, final))
                with os.fdopen(fd, "wb") as fh:
                    os.fchmod(fh.fileno(), 0o644)  # readable by a dashboard running as another user, whatever umask
                    fh.write(text.encode("utf-8", errors="surrogatepass"))
            if not moves:
                return
            journal.flush([Path(tmp) for tmp, _ in moves], [])
            for tmp, final in moves:
                os.replace(tmp, final)
        except BaseException:
            for tmp, _ in moves:
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(tmp)
            raise
        journal.flush([], [Path(folder) for folder in sorted(made)] + [Path(base), self.root])

    def _commit(self, tables: dict[str, pd.DataFrame], version: int) -> list[Path]:
        """Every table file and the manifest to temporaries, then one journal commit; returns the table files."""
        renames: list[tuple[Path, str]] = []
        try:
            for name, frame in tables.items():
                table = TABLES[name]
                for fmt in table.formats:
                    target = f"{name}.{fmt}"
                    write = WRITERS[fmt]
                    renames.append(
                        (
                            journal.write_temp(
                                self.root, target, lambda p, w=write, f=frame, t=table: w(f, t.columns, p)
                            ),
                            target,
                        )
                    )
            manifest = {
                "format": FORMAT,
                "version": version,
                "written": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                "tables": {name: len(frame) for name, frame in tables.items()},
            }
            body = json.dumps(manifest, indent=1).encode("utf-8")
            renames.append((journal.write_temp(self.root, MANIFEST, lambda p: p.write_bytes(body)), MANIFEST))
        except BaseException:
            for tmp, _ in renames:
                tmp.unlink(missing_ok=True)
            raise
        journal.commit(self.root, renames)
        return [self.root / name for _, name in renames if name != MANIFEST]

    def _collect(self, kind: str, referenced: set[str]) -> None:
        """Delete stored texts (or scans) that no document names (replaced or removed documents)."""
        folder = self.root / kind
        if not folder.is_dir():
            return
        for sub in folder.iterdir():
            if not sub.is_dir():
                continue
            for path in sub.iterdir():
                if _BLOB_NAME.fullmatch(path.name) and path.name.split(".", 1)[0] not in referenced:
                    path.unlink(missing_ok=True)
            with contextlib.suppress(OSError):
                sub.rmdir()  # only when empty
