"""Corrections over the extracted rows, applied when reading (pure pandas: no SQL, no Streamlit).

An editor's correction is kept apart from the extracted rows, keyed by a LOCATOR that survives re-extraction:

- an event: the document's ``doc_id`` and content hash (``documents.sha256``), the ``sentence`` and the
  ``time_expression`` as written. Not row order, offsets or ``event_id`` (kept only as a hint): the same text
  re-extracted with other rules finds the same row again as long as the sentence and the expression are still
  found; every row the locator matches (a sentence repeated word for word) takes the correction.
- a document: its ``doc_id`` and content hash (a new text under the same doc_id is another article).

``changes`` says what the editor set. Events: ``date_start``/``date_end`` (ISO days, None: undated),
``granularity``, ``summary``, ``event_type``, ``actors`` (list), ``rejected`` (True: hidden from the timeline,
listed as rejected), ``group`` (an event group id to move the report into, with ``group_with``, the event_id of
one of its members, which finds the group again when its id changed; or ``SPLIT``: a group of its own).
Documents: ``published`` (ISO day or None), ``published_granularity``, ``title``, ``outlet``, ``url``.

``apply_corrections`` also joins the events added by hand (``manual_events``) to the events, recomputes only the
groups a correction touches (``extract.corpus.groups_table`` on their members), and returns the ORPHANS: the
corrections whose locator matches no row any more, each with why, for review (never dropped silently).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from extract.schema import (
    DOCUMENT_COLUMN_NAMES,
    EVENT_COLUMN_NAMES,
    EVENT_TYPES,
    GRANULARITIES,
    typed_documents,
    typed_events,
)

EVENT = "event"
DOCUMENT = "document"
SPLIT = "split"  # the value of a ``group`` change that splits the report out into a group of its own
EVENT_FIELDS = ("date_start", "date_end", "granularity", "summary", "event_type", "actors", "rejected", "group")
DOCUMENT_FIELDS = ("published", "published_granularity", "title", "outlet", "url")
PUBLISHED_GRANULARITIES = ("day", "month", "year")
MANUAL_PREFIX = "manual-"  # event_id of an event added by hand: MANUAL_PREFIX + its manual_events id
LOCATOR = ("doc_sha256", "doc_id", "sentence", "time_expression")
CORRECTION_COLUMNS = (
    "id",
    "target_kind",
    *LOCATOR,
    "event_id",
    "changes",
    "version",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)
MANUAL_COLUMNS = (
    "id",
    "doc_id",
    "source",
    "url",
    "date_start",
    "date_end",
    "granularity",
    "summary",
    "event_type",
    "actors",
    "locations",
    "sentence",
    "event_group",
    "deleted",
    "version",
    "created_by",
    "created_at",
    "updated_by",
    "updated_at",
)
# Columns apply_corrections adds to the events and documents (the dashboard's marks and forms read them).
MARKS = ("_corrected_by", "_correction_id", "_correction_version")
MANUAL_MARKS = ("_manual", "_manual_url")


class CorrectionError(ValueError):
    """A correction that cannot be stored as given (unknown field, bad date, unknown type)."""


@dataclass(frozen=True)
class Corrected:
    """The tables as corrected, and what the corrections could not be applied to."""

    events: pd.DataFrame  # rejected rows left out; manual events appended; MARKS and MANUAL_MARKS added
    documents: pd.DataFrame  # MARKS added
    groups: pd.DataFrame  # the groups the corrections touched recomputed from their members
    rejected: pd.DataFrame = field(default_factory=pd.DataFrame)  # rejected rows (as corrected), with MARKS
    orphans: pd.DataFrame = field(default_factory=pd.DataFrame)  # corrections that found no row, with `reason`
    # each row of ``events``: the position of the extracted row it comes from in the events given (-1: added by
    # hand); a row whose doc_id no correction names is that extracted row as given (plus the MARKS' defaults)
    origin: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))


# --------------------------------------------------------------------------- checking what an editor sends


def check_changes(kind: str, changes: Mapping[str, Any]) -> dict[str, Any]:
    """The changes in their stored form (ISO dates, lists of strings); CorrectionError for anything else."""
    if kind not in (EVENT, DOCUMENT):
        raise CorrectionError(f"unknown correction target {kind!r}: use {EVENT!r} or {DOCUMENT!r}")
    allowed = (*EVENT_FIELDS, "group_with") if kind == EVENT else DOCUMENT_FIELDS
    unknown = sorted(set(changes) - set(allowed))
    if unknown:
        raise CorrectionError(f"a {kind} correction cannot change {', '.join(unknown)}: use {', '.join(allowed)}")
    out: dict[str, Any] = {}
    for name, value in changes.items():
        if name in ("date_start", "date_end", "published"):
            out[name] = iso_day(value, name)
        elif name == "actors":
            items = [value] if isinstance(value, str) else list(value or [])
            out[name] = [str(a).strip() for a in items if str(a).strip()]
        elif name == "rejected":
            out[name] = bool(value)
        elif name == "granularity" and value not in GRANULARITIES:
            raise CorrectionError(f"granularity {value!r}: use one of {', '.join(GRANULARITIES)}")
        elif name == "published_granularity" and value not in PUBLISHED_GRANULARITIES:
            raise CorrectionError(f"published_granularity {value!r}: use one of {', '.join(PUBLISHED_GRANULARITIES)}")
        elif name == "event_type" and value not in EVENT_TYPES:
            raise CorrectionError(f"event type {value!r}: use one of {', '.join(EVENT_TYPES)}")
        else:
            out[name] = "" if value is None else str(value).replace("\x00", "").strip()  # no NUL in a database
    if out.get("date_start") and out.get("date_end") and out["date_end"] < out["date_start"]:
        raise CorrectionError(f"the end {out['date_end']} is before the start {out['date_start']}")
    return out


def iso_day(value: object, name: str = "date") -> str | None:
    """A day as YYYY-MM-DD (None stays None: unknown); CorrectionError for what is not a day."""
    if value is None or value == "" or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[arg-type]
        return None
    try:
        day = pd.Timestamp(value)  # type: ignore[arg-type]
    except (ValueError, TypeError) as exc:
        raise CorrectionError(f"{name}: {str(value)[:40]!r} is not a date") from exc
    if pd.isna(day):
        return None
    return day.strftime("%Y-%m-%d")


def split_group_id(event_id: str) -> str:
    """The group of its own a report split out of its group gets."""
    return "g" + hashlib.sha1(f"split:{event_id}".encode()).hexdigest()[:16]


def manual_group_id(manual_id: str) -> str:
    """The group of its own an event added by hand gets (unless it names one)."""
    return "g" + hashlib.sha1(f"manual:{manual_id}".encode()).hexdigest()[:16]


def event_locator(row: Mapping[str, Any], documents: pd.DataFrame) -> dict[str, str]:
    """The locator of an extracted event row (its document's content hash from ``documents``)."""
    doc_id = str(row["doc_id"])
    shas = documents.loc[documents["doc_id"].astype(str) == doc_id, "sha256"]
    return {
        "doc_sha256": str(shas.iloc[-1]) if len(shas) else "",
        "doc_id": doc_id,
        "sentence": str(row["sentence"]),
        "time_expression": str(row["time_expression"]),
    }


def document_locator(row: Mapping[str, Any]) -> dict[str, str]:
    """The locator of a document row."""
    return {"doc_sha256": str(row["sha256"]), "doc_id": str(row["doc_id"]), "sentence": "", "time_expression": ""}


# --------------------------------------------------------------------------- applying


def apply_corrections(
    events: pd.DataFrame,
    documents: pd.DataFrame,
    groups: pd.DataFrame,
    corrections: pd.DataFrame,
    manual: pd.DataFrame | None = None,
    *,
    sort_groups: bool = True,
) -> Corrected:
    """Extracted tables + corrections (CORRECTION_COLUMNS, ``changes`` a dict) + events added by hand
    (MANUAL_COLUMNS, deleted ones ignored) -> the corrected tables and the orphaned corrections.

    Costs a few lookups over the events (by doc_id) plus the consensus of the touched groups only. The groups
    come back sorted by date (``sort_groups``; False: the untouched ones in their order, then the touched)."""
    events = _typed(events, EVENT_COLUMN_NAMES, typed_events)
    documents = _typed(documents, DOCUMENT_COLUMN_NAMES, typed_documents)
    corrections = _corrections_frame(corrections)
    for frame in (events, documents):
        frame["_corrected_by"] = pd.Series("", index=frame.index, dtype=object)
        frame["_correction_id"] = np.zeros(len(frame), dtype=np.int64)
        frame["_correction_version"] = np.zeros(len(frame), dtype=np.int64)
    events["_manual"] = np.zeros(len(events), dtype=bool)
    events["_manual_url"] = pd.Series("", index=events.index, dtype=object)
    events["_origin"] = np.arange(len(events), dtype=np.int64)  # popped before returning
    orphans: list[dict[str, Any]] = []
    touched_groups: set[str] = set()

    docs = corrections[corrections["target_kind"] == DOCUMENT]
    doc_hits = _match(documents, docs, ("doc_id", "sha256"), ("doc_id", "doc_sha256"))
    old_sources = _sources(documents)
    updates: dict[str, dict[int, Any]] = {}
    for cid, rows in doc_hits.items():
        _set_fields(updates, rows, docs.loc[cid], _document_values)
    _assign(documents, updates)
    for cid in docs.index.difference(list(doc_hits)):
        orphans.append(_orphan(docs.loc[cid], "its document is gone or its text changed"))
    if doc_hits:
        touched_groups |= _follow_sources(events, documents, old_sources)

    evs = corrections[corrections["target_kind"] == EVENT]
    near = np.flatnonzero(events["doc_id"].astype(str).isin(set(evs["doc_id"])).to_numpy()) if len(evs) else []
    keyed = events.iloc[near][["doc_id", "sentence", "time_expression"]]  # the rows of the documents named
    keyed = keyed.assign(doc_sha256=keyed["doc_id"].astype(str).map(_sha_of(documents)).fillna("").astype(str))
    hits = {cid: np.asarray(near)[rows] for cid, rows in _match(keyed, evs, LOCATOR, LOCATOR).items()}
    moves: dict[str, dict[str, Any]] = {}
    updates = {}
    group_column = events["event_group"].to_numpy(dtype=object)
    for cid, rows in hits.items():
        row = evs.loc[cid]
        touched_groups.update(str(g) for g in group_column[rows])
        _set_fields(updates, rows, row, _event_values)
        if "group" in row["changes"]:
            moves[cid] = {"rows": rows, "changes": row["changes"], "row": row}
    for cid in evs.index.difference(list(hits)):
        orphans.append(_orphan(evs.loc[cid], "no extracted event has this sentence and time expression any more"))

    _assign(events, updates)
    group_of = events["event_group"].to_numpy(dtype=object, copy=True)  # moves, in order: one may follow another
    event_ids = events["event_id"].to_numpy(dtype=object)
    for move in moves.values():
        target = _move_target(event_ids, group_of, groups, move["changes"], move["rows"])
        if target is None:
            orphans.append(_orphan(move["row"], "the group it was moved into is gone (its reports changed)"))
            continue
        group_of[move["rows"]] = target
        touched_groups.add(target)
    if moves:
        events["event_group"] = pd.Series(group_of, index=events.index).astype(events["event_group"].dtype)

    events = _with_manual(events, manual, touched_groups)
    rejected_mask = events["_rejected"].to_numpy(dtype=bool) if "_rejected" in events else np.zeros(len(events), bool)
    rejected = events[rejected_mask].drop(columns=["_rejected"], errors="ignore").reset_index(drop=True)
    if rejected_mask.any():  # else no row is copied
        events = events[~rejected_mask]
    events = events.drop(columns=["_rejected"], errors="ignore").reset_index(drop=True)
    groups = _regroup(events, documents, groups, touched_groups - {""}, sort_groups)
    origin = events["_origin"].to_numpy(dtype=np.int64)
    events = events.drop(columns=["_redated", "_origin"], errors="ignore")
    rejected = rejected.drop(columns=["_redated", "_origin"], errors="ignore")
    orphan_frame = pd.DataFrame(orphans, columns=[*CORRECTION_COLUMNS, "reason"])
    return Corrected(events, documents, groups, rejected, orphan_frame, origin)


def _corrections_frame(corrections: pd.DataFrame | None) -> pd.DataFrame:
    frame = pd.DataFrame(corrections if corrections is not None else [], columns=list(CORRECTION_COLUMNS))
    frame = frame.copy()
    for name in ("target_kind", *LOCATOR, "event_id", "created_by", "updated_by"):
        frame[name] = frame[name].astype(object).where(frame[name].notna(), "").astype(str)
    frame["changes"] = [c if isinstance(c, Mapping) else {} for c in frame["changes"]]
    frame["version"] = pd.to_numeric(frame["version"], errors="coerce").fillna(0).astype("int64")
    frame["id"] = pd.to_numeric(frame["id"], errors="coerce").fillna(0).astype("int64")
    return frame.reset_index(drop=True)


def _sha_of(documents: pd.DataFrame) -> pd.Series:
    by_id = documents.drop_duplicates("doc_id", keep="last")
    return pd.Series(by_id["sha256"].astype(str).to_numpy(), index=by_id["doc_id"].astype(str).to_numpy())


def _match(
    rows: pd.DataFrame, corrections: pd.DataFrame, row_keys: Iterable[str], corr_keys: Iterable[str]
) -> dict[int, np.ndarray]:
    """Correction index -> the positions of the rows its locator matches (only those that match some row)."""
    row_keys, corr_keys = list(row_keys), list(corr_keys)
    if not len(corrections) or not len(rows):
        return {}
    near = rows["doc_id"].astype(str).isin(set(corrections["doc_id"])).to_numpy()  # a hash lookup over all rows
    if not near.any():
        return {}
    candidates = rows.loc[near, row_keys].astype(str)
    candidates.columns = corr_keys
    candidates = candidates.assign(_pos=np.flatnonzero(near))
    wanted = corrections[corr_keys].astype(str).assign(_cid=corrections.index.to_numpy())
    joined = wanted.merge(candidates, on=corr_keys, how="inner")  # in the corrections' order
    cids, positions = joined["_cid"].to_numpy(dtype=np.int64), joined["_pos"].to_numpy(dtype=np.int64)
    if not len(cids):
        return {}
    order = np.argsort(cids, kind="stable")  # (already in order: the merge keeps the left's)
    cids, positions = cids[order], positions[order]
    cut = np.flatnonzero(np.diff(cids)) + 1
    return {int(part[0]): rows for part, rows in zip(np.split(cids, cut), np.split(positions, cut), strict=True)}


def _orphan(row: pd.Series, reason: str) -> dict[str, Any]:
    return {**{name: row[name] for name in CORRECTION_COLUMNS}, "reason": reason}


def _set_fields(updates: dict[str, dict[int, Any]], rows: np.ndarray, correction: pd.Series, values: Any) -> None:
    """Collect one correction's values for the matched rows (column -> row position -> value), and its marks."""
    found = dict(values(correction["changes"]))
    found["_corrected_by"] = correction["updated_by"] or correction["created_by"]
    found["_correction_id"] = int(correction["id"])
    found["_correction_version"] = int(correction["version"])
    for column, value in found.items():
        into = updates.setdefault(column, {})
        for pos in rows.tolist():
            into[pos] = list(value) if isinstance(value, list) else value


def _assign(frame: pd.DataFrame, updates: Mapping[str, Mapping[int, Any]]) -> None:
    """Write the collected values, one column at a time (a few array writes, whatever the number of rows)."""
    for column, values in updates.items():
        if not values:
            continue
        positions = np.fromiter(values, dtype=np.int64, count=len(values))
        if column not in frame:
            frame[column] = np.zeros(len(frame), dtype=bool) if column in ("_rejected", "_redated") else None
        current = frame[column]
        if pd.api.types.is_datetime64_any_dtype(current):
            array = current.to_numpy(dtype="datetime64[ns]", copy=True)
            array[positions] = [np.datetime64("NaT") if pd.isna(v) else np.datetime64(v, "ns") for v in values.values()]
            frame[column] = array
        elif current.dtype == bool or current.dtype.kind in "if":
            array = current.to_numpy(copy=True)
            array[positions] = list(values.values())
            frame[column] = array
        elif isinstance(current.dtype, pd.StringDtype) and all(isinstance(v, str) for v in values.values()):
            array = current.array.copy()  # a few cells set in the string array, not the column converted
            array[positions] = list(values.values())
            frame[column] = array
        else:
            array = current.to_numpy(dtype=object, copy=True)
            array[positions] = _object_array(list(values.values()))
            frame[column] = pd.Series(array, index=frame.index).astype(current.dtype)


def _object_array(values: list[Any]) -> np.ndarray:
    out = np.empty(len(values), dtype=object)
    for i, value in enumerate(values):  # one by one: a list stays one cell
        out[i] = value
    return out


def _typed(frame: pd.DataFrame, names: list[str], typer: Any) -> pd.DataFrame:
    """A copy of a table (typed when its columns are not the schema's yet: a store's reads are typed already)."""
    if list(frame.columns) == names:
        return frame.reset_index(drop=True)  # a new frame: copy-on-write keeps the caller's unchanged
    return typer(frame).reset_index(drop=True)


def _day(value: object) -> pd.Timestamp:
    return pd.NaT if value is None else pd.Timestamp(str(value))


def _event_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if "date_start" in changes or "date_end" in changes:
        start = _day(changes.get("date_start"))
        end = _day(changes.get("date_end", changes.get("date_start")))
        out["date_start"], out["date_end"] = start, end if pd.isna(start) or not pd.isna(end) else start
        # an editor's date: it outranks the extractor's in the group's consensus
        out["date_basis"] = "explicit" if not pd.isna(start) else "unresolved"
        out["confidence"] = 1.0
        out["_redated"] = True
        if pd.isna(start):
            out["granularity"] = "unresolved"
    for name in ("granularity", "summary", "event_type"):
        if name in changes and changes[name] != "":
            out[name] = changes[name]
    if "actors" in changes:
        out["actors"] = list(changes["actors"])
    if changes.get("rejected"):
        out["_rejected"] = True
    return out


def _document_values(changes: Mapping[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {name: changes[name] for name in ("title", "outlet", "url") if name in changes}
    if "published" in changes:
        day = _day(changes["published"])
        out["published"] = day
        out["published_granularity"] = changes.get("published_granularity") or ("" if pd.isna(day) else "day")
        out["published_basis"] = "unknown" if pd.isna(day) else "metadata"
    elif "published_granularity" in changes:
        out["published_granularity"] = changes["published_granularity"]
    return out


def _sources(documents: pd.DataFrame) -> pd.Series:
    """Each document's source name (the outlet, else the title, else the doc_id), by doc_id."""
    name = documents["outlet"].where(documents["outlet"] != "", documents["title"])
    name = name.where(name != "", documents["doc_id"])
    return pd.Series(name.astype(str).to_numpy(), index=documents["doc_id"].astype(str).to_numpy())


def _follow_sources(events: pd.DataFrame, documents: pd.DataFrame, before: pd.Series) -> set[str]:
    """Events whose source was their document's outlet (or title) take the corrected one; returns their groups."""
    after = _sources(documents)
    changed = after[before.reindex(after.index).to_numpy() != after.to_numpy()]
    if not len(changed):
        return set()
    doc_ids = events["doc_id"].astype(str)
    rows = doc_ids.isin(set(changed.index)).to_numpy().copy()
    rows &= (events["source"].astype(str).to_numpy() == doc_ids.map(before).fillna("").to_numpy()).astype(bool)
    if not rows.any():
        return set()
    events.loc[rows, "source"] = doc_ids[rows].map(changed).to_numpy()
    return set(events.loc[rows, "event_group"].astype(str))


def _move_target(
    event_ids: np.ndarray, group_of: np.ndarray, groups: pd.DataFrame, changes: Mapping[str, Any], rows: np.ndarray
) -> str | None:
    """The group a ``group`` change moves its rows into (None: the group is gone)."""
    wanted = str(changes.get("group") or "")
    if wanted == SPLIT:
        return split_group_id(str(event_ids[rows[0]]))
    member = str(changes.get("group_with") or "")
    if member:
        found = [str(g) for g in group_of[event_ids == member] if g]
        if found:
            return found[0]
    known = set(groups["event_group"].astype(str)) | set(group_of.tolist())
    return wanted if wanted and wanted in known else None


def _with_manual(events: pd.DataFrame, manual: pd.DataFrame | None, touched: set[str]) -> pd.DataFrame:
    """The events plus one row per event added by hand (not deleted), marked ``_manual``."""
    if manual is None or not len(manual):
        return events
    manual = manual[~manual["deleted"].astype(bool)] if "deleted" in manual else manual
    if not len(manual):
        return events
    rows = []
    for item in manual.to_dict("records"):
        mid = str(item["id"])
        group = str(item.get("event_group") or "") or manual_group_id(mid)
        start = _day(iso_day(item.get("date_start")))
        end = _day(iso_day(item.get("date_end"))) if iso_day(item.get("date_end")) else start
        rows.append(
            {
                "event_id": MANUAL_PREFIX + mid,
                "doc_id": str(item.get("doc_id") or ""),
                "source": str(item.get("source") or ""),
                "date_start": start,
                "date_end": end,
                "granularity": str(item.get("granularity") or ("unresolved" if pd.isna(start) else "day")),
                "date_basis": "unresolved" if pd.isna(start) else "explicit",
                "time_expression": "",
                "summary": str(item.get("summary") or ""),
                "sentence": str(item.get("sentence") or item.get("summary") or ""),
                "actors": _list(item.get("actors")),
                "locations": _list(item.get("locations")),
                "event_type": str(item.get("event_type") or "other"),
                "modality": "asserted",
                "confidence": 1.0,
                "event_group": group,
            }
        )
        touched.add(group)
    added = typed_events(pd.DataFrame(rows, columns=EVENT_COLUMN_NAMES))
    added["_corrected_by"] = [str(i.get("updated_by") or i.get("created_by") or "") for i in manual.to_dict("records")]
    added["_correction_id"] = np.zeros(len(added), dtype=np.int64)
    added["_correction_version"] = manual["version"].astype("int64").to_numpy()
    added["_manual"] = True
    added["_manual_url"] = manual["url"].fillna("").astype(str).to_numpy()
    added["_origin"] = np.full(len(added), -1, dtype=np.int64)
    if "_rejected" in events:
        added["_rejected"] = False
    return pd.concat([events, added], ignore_index=True)


def _list(value: object) -> list[str]:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return []
    if isinstance(value, str):
        return [part.strip() for part in value.split(";") if part.strip()]
    return [str(v) for v in value]  # type: ignore[union-attr]


def _regroup(
    events: pd.DataFrame, documents: pd.DataFrame, groups: pd.DataFrame, touched: set[str], sort: bool = True
) -> pd.DataFrame:
    """The groups table with the touched groups recomputed from their members (a group left empty is gone)."""
    from extract.corpus import groups_table  # the corpus steps import the store: import them when needed

    if not touched:
        return groups.reset_index(drop=True)
    members = events[events["event_group"].astype(str).isin(touched).to_numpy()]
    if "_redated" in members:  # an editor's date is a claim of its own, whatever weekday its expression names
        redated = members["_redated"].fillna(False).astype(bool)
        members = members.assign(time_expression=members["time_expression"].where(~redated, ""))
    # the members' documents are all it reads (none stored, as for events added by hand: the table as given)
    their_docs = documents[documents["doc_id"].astype(str).isin(set(members["doc_id"].astype(str))).to_numpy()]
    fresh = groups_table(members[EVENT_COLUMN_NAMES], their_docs if len(their_docs) else documents)
    kept = groups[~groups["event_group"].astype(str).isin(touched).to_numpy()]
    both = pd.concat([frame for frame in (kept, fresh) if len(frame)] or [groups.iloc[:0]], ignore_index=True)
    if not sort:
        return both
    return both.sort_values(["date_start", "event_group"], na_position="last", kind="stable").reset_index(drop=True)
