"""Corrections in the dashboard: the "Edit" forms of a report and its article, events added by hand, the
corrections that no longer match an event, the rejected reports, and an event's history.

Editors of a database store see the controls (``can_edit``); viewers see the marks ("corrected by ...") and the
lists, never a control. Every write goes through the store's ``Corrections`` (extract/store/sql_corrections.py),
which checks the role again inside its transaction, so hiding a control is a convenience, not the check. A save
that lost the race (someone saved the same record first) shows the other person's change and saves nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd
import streamlit as st

from dashboard import auth, data
from dashboard.components import md_text
from dashboard.labels import counted
from extract.schema import EVENT_TYPES, GRANULARITIES
from extract.store import StoreError
from extract.store.corrections import (
    DOCUMENT,
    EVENT,
    PUBLISHED_GRANULARITIES,
    SPLIT,
    CorrectionError,
    document_locator,
    event_locator,
)
from extract.store.sql_corrections import Corrections, StaleCorrection
from extract.store.team import Actor, Team

DONE = "_editing_done"  # session key: what the last write did (shown once, after the rerun that shows it)
KEEP, SPLIT_OUT, MOVE = "Keep it in this event", "Split it out into an event of its own", "Move it into another event"
MAX_MOVE_CHOICES = 40
MAX_LISTED = 50
FIELD_WORDS = {
    "date_start": "date",
    "granularity": "precision",
    "summary": "what happened",
    "event_type": "type",
    "actors": "actors",
    "rejected": "rejected",
    "group": "its event",
}


def current_actor() -> Actor:
    """Who is acting in this session (dashboard/auth.py resolves it on every rerun)."""
    return auth.current_actor()


def can_edit(ds: data.Dataset) -> bool:
    """Whether this session may correct: a database store and an editor (the store checks again on write)."""
    return ds.editable and current_actor().can("editor")


def _corrections(ds: data.Dataset) -> Corrections:
    fixes = data.open_data_store(ds.location).corrections()
    if fixes is None:
        raise StoreError("corrections need a database store")
    return fixes


def _write(action: Callable[[], object], done: str, key: str) -> None:
    """Run one write; on success rerun (the new version is read), else say why here."""
    try:
        action()
    except StaleCorrection as err:
        st.session_state.pop(f"{key}-seen", None)  # the next save goes against the version stored now
        st.error(md_text(err), icon=":material/sync_problem:")
        if err.changes:
            st.caption("Their change:")
            st.json(err.changes, expanded=True)
        return
    except (StoreError, CorrectionError) as err:
        st.error(md_text(err), icon=":material/error:")
        return
    st.session_state[DONE] = done
    st.session_state.pop(f"{key}-seen", None)
    st.rerun()


def _seen(ds: data.Dataset, key: str, row: Mapping[str, Any], correction_id: int, version: int) -> dict[str, Any]:
    """What the editor saw when the form was first drawn (the row, its correction's id, version and changes),
    kept until a save lands or is refused: a rerun that read someone else's save meanwhile must not make their
    version the one this form saves against (that would overwrite their change silently)."""
    snapshot = {
        "row": dict(row),
        "id": correction_id,
        "version": version,
        "changes": _stored_changes(ds, correction_id),
    }
    return st.session_state.setdefault(f"{key}-seen", snapshot)


def show_done() -> None:
    """The last write's confirmation, once."""
    done = st.session_state.pop(DONE, None)
    if done:
        st.toast(md_text(done), icon=":material/check:")


def mark(row: Mapping[str, Any]) -> str:
    """'corrected by X' / 'added by hand by X' / '' for an event or document row (markdown-safe)."""
    by = str(row.get("_corrected_by") or "")
    if bool(row.get("_manual", False)):
        return f":violet-badge[added by hand by {md_text(by or 'someone')}]"
    return f":orange-badge[corrected by {md_text(by)}]" if by else ""


def mark_words(events: pd.DataFrame) -> list[str]:
    """The events table's "Corrected" column: who corrected each row, or who added it by hand; '' for the rest."""
    if "_corrected_by" not in events or not len(events):
        return [""] * len(events)
    manual = events["_manual"].to_numpy(dtype=bool) if "_manual" in events else [False] * len(events)
    return [
        (f"added by hand by {by}" if hand else f"corrected by {by}") if by or hand else ""
        for by, hand in zip(events["_corrected_by"].astype(str), manual, strict=True)
    ]


# --------------------------------------------------------------------------- what a form changed


def _day(value: object) -> dt.date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()  # type: ignore[arg-type]


def _actors(text: str) -> list[str]:
    return [part.strip() for part in str(text).split(";") if part.strip()]


def event_changes(
    shown: Mapping[str, Any], before: Mapping[str, Any], form: Mapping[str, Any], group_choice: tuple[str, str]
) -> dict[str, Any]:
    """The changes to store for an event: the stored ones (``before``) updated with each field of the form that
    differs from what was shown (``shown``: the row as corrected). ``group_choice``: (KEEP/SPLIT_OUT/MOVE, group)."""
    out = dict(before)
    start, end = form["date_start"], form["date_end"] or form["date_start"]
    if start != _day(shown["date_start"]) or end != _day(shown["date_end"]):
        out["date_start"] = None if start is None else start.isoformat()
        out["date_end"] = None if end is None else end.isoformat()
    for name in ("granularity", "summary", "event_type"):
        if str(form[name]).strip() != str(shown[name]):
            out[name] = str(form[name]).strip()
    if _actors(form["actors"]) != list(shown["actors"]):
        out["actors"] = _actors(form["actors"])
    if bool(form["rejected"]):
        out["rejected"] = True
    else:
        out.pop("rejected", None)
    choice, group = group_choice
    if choice == SPLIT_OUT:
        out["group"] = SPLIT
        out.pop("group_with", None)
    elif choice == MOVE and group:
        out["group"] = group
        out.pop("group_with", None)
    return out


def document_changes(shown: Mapping[str, Any], before: Mapping[str, Any], form: Mapping[str, Any]) -> dict[str, Any]:
    """The changes to store for a document, as event_changes does for an event."""
    out = dict(before)
    published = form["published"]
    if published != _day(shown["published"]) or form["published_granularity"] != str(shown["published_granularity"]):
        out["published"] = None if published is None else published.isoformat()
        if published is not None:
            out["published_granularity"] = form["published_granularity"]
    for name in ("title", "outlet", "url"):
        if str(form[name]).strip() != str(shown[name]):
            out[name] = str(form[name]).strip()
    return out


def _stored_changes(ds: data.Dataset, correction_id: int) -> dict[str, Any]:
    if not correction_id or not len(ds.corrections):
        return {}
    found = ds.corrections[ds.corrections["id"] == int(correction_id)]
    return dict(found["changes"].iloc[0]) if len(found) else {}


# --------------------------------------------------------------------------- the panel's forms


def report_tools(ds: data.Dataset, report: pd.Series, doc: pd.Series | None) -> None:
    """Under a report in the event panel: its mark, and for editors the "Edit" popover (the report, its article;
    an event added by hand: its own form)."""
    note = mark(report)
    if doc is not None and (by := str(doc.get("_corrected_by") or "")):
        note += f" :orange-badge[article corrected by {md_text(by)}]"
    if note:
        st.markdown(note)
    changes = _stored_changes(ds, int(report.get("_correction_id", 0) or 0))
    if changes:
        what = ", ".join(FIELD_WORDS.get(name, name) for name in changes if name in FIELD_WORDS)
        said = f" · now: “{changes['summary']}”" if changes.get("summary") else ""
        st.caption(md_text(f"Corrected: {what}{said}"))
    if not can_edit(ds):
        return
    with st.popover("Edit", icon=":material/edit:"):
        if bool(report.get("_manual", False)):
            manual_form(ds, report)
            return
        event_form(ds, report)
        if doc is not None:
            document_form(ds, doc, for_event=str(report["event_id"]))


def correct_rows(ds: data.Dataset, rows: pd.DataFrame) -> None:
    """The events table's way to correct: the Edit form of each selected row (the first few)."""
    if not can_edit(ds) or not len(rows):
        return
    by_doc = ds.documents.drop_duplicates("doc_id", keep="last").set_index("doc_id")
    st.subheader("Correct the selected rows")
    for _, report in rows.head(3).iterrows():
        with st.container(border=True):
            st.markdown(f"**{md_text(report['summary'] or '(no summary)')}** · {md_text(report['source'])}")
            doc_id = str(report["doc_id"])
            report_tools(ds, report, by_doc.loc[doc_id] if doc_id in by_doc.index else None)
    if len(rows) > 3:
        st.caption("Select fewer rows to correct the others.")


def event_form(ds: data.Dataset, report: pd.Series) -> None:
    """Correct one extracted report: date, granularity, summary, type, actors, reject, its event group."""
    eid = str(report["event_id"])
    key = f"fix-ev-{eid}"
    seen = _seen(ds, key, report.to_dict(), int(report["_correction_id"]), int(report["_correction_version"]))
    correction_id, version = seen["id"], seen["version"]
    with st.form(key, border=False):
        st.markdown("**This report**")
        left, right = st.columns(2)
        start = left.date_input("From", value=_day(report["date_start"]), key=f"{key}-from", format="YYYY-MM-DD")
        end = right.date_input("To", value=_day(report["date_end"]), key=f"{key}-to", format="YYYY-MM-DD")
        granularity = left.selectbox(
            "Precision", GRANULARITIES, index=_index(GRANULARITIES, report["granularity"]), key=f"{key}-gran"
        )
        kind = right.selectbox("Type", EVENT_TYPES, index=_index(EVENT_TYPES, report["event_type"]), key=f"{key}-type")
        summary = st.text_area("What happened", value=str(report["summary"]), key=f"{key}-summary", height=80)
        actors = st.text_input("Actors (separated by ;)", value="; ".join(report["actors"]), key=f"{key}-actors")
        rejected = st.checkbox("Reject: not an event (hidden from the timeline)", key=f"{key}-reject")
        choice = st.radio("Its event", (KEEP, SPLIT_OUT, MOVE), key=f"{key}-group")
        options = _move_choices(ds, report)
        target = st.selectbox(
            "Event to move it into",
            list(options),
            help=f"Used only with '{MOVE}'.",
            format_func=lambda g: options.get(g, g),
            index=None,
            key=f"{key}-into",
            placeholder="Events dated near this one",
        )
        saved = st.form_submit_button("Save correction", type="primary")
    if saved:
        form = {
            "date_start": start,
            "date_end": end,
            "granularity": granularity,
            "summary": summary,
            "event_type": kind,
            "actors": actors,
            "rejected": rejected,
        }
        changes = event_changes(seen["row"], seen["changes"], form, (choice, target or ""))
        if choice == MOVE and target:
            members = ds.events.loc[ds.events["event_group"].astype(str) == target, "event_id"]
            changes["group_with"] = str(members.iloc[0]) if len(members) else ""
        locator = event_locator(report, ds.documents)
        _write(
            lambda: _corrections(ds).save(
                current_actor(), EVENT, locator, changes, expected_version=version, target_id=eid
            ),
            "Correction saved: every session shows it now.",
            key,
        )
    if correction_id and st.button("Undo this correction", key=f"{key}-undo", icon=":material/undo:"):
        _write(
            lambda: _corrections(ds).remove(current_actor(), correction_id, expected_version=version),
            "Correction undone: the extracted values show again.",
            key,
        )


def document_form(ds: data.Dataset, doc: pd.Series, for_event: str = "") -> None:
    """Correct a report's article: publication date, title, outlet, URL. ``for_event``: the report whose Edit
    popover holds the form, in its key (one article's reports can share a page: a panel, a key date's events)."""
    doc_id = str(doc.name if doc.name is not None else doc["doc_id"])
    row = {**doc.to_dict(), "doc_id": doc_id}
    key = f"fix-doc-{doc_id}" + (f"-for-{for_event}" if for_event else "")
    seen = _seen(ds, key, row, int(row.get("_correction_id", 0)), int(row.get("_correction_version", 0)))
    correction_id, version = seen["id"], seen["version"]
    with st.form(key, border=False):
        st.markdown("**Its article**")
        left, right = st.columns(2)
        published = left.date_input("Published", value=_day(row["published"]), key=f"{key}-pub", format="YYYY-MM-DD")
        gran = right.selectbox(
            "Known to the",
            PUBLISHED_GRANULARITIES,
            index=_index(PUBLISHED_GRANULARITIES, row["published_granularity"] or "day"),
            key=f"{key}-gran",
        )
        title = st.text_input("Title", value=str(row["title"]), key=f"{key}-title")
        outlet = st.text_input("Outlet", value=str(row["outlet"]), key=f"{key}-outlet")
        url = st.text_input("URL", value=str(row["url"]), key=f"{key}-url")
        saved = st.form_submit_button("Save the article's correction")
    if saved:
        form = {"published": published, "published_granularity": gran, "title": title, "outlet": outlet, "url": url}
        changes = document_changes(seen["row"], seen["changes"], form)
        _write(
            lambda: _corrections(ds).save(
                current_actor(), DOCUMENT, document_locator(row), changes, expected_version=version, target_id=doc_id
            ),
            "The article's correction is saved.",
            key,
        )
    if correction_id and st.button("Undo the article's correction", key=f"{key}-undo", icon=":material/undo:"):
        _write(
            lambda: _corrections(ds).remove(current_actor(), correction_id, expected_version=version),
            "The article's correction is undone.",
            key,
        )


def manual_form(ds: data.Dataset, report: pd.Series) -> None:
    """Change or delete an event added by hand."""
    eid = str(report["event_id"])
    key = f"fix-man-{eid}"
    version = _seen(ds, key, {}, 0, int(report["_correction_version"]))["version"]
    with st.form(key, border=False):
        fields = _event_fields(key, report)
        saved = st.form_submit_button("Save", type="primary")
    if saved:
        _write(
            lambda: _corrections(ds).edit_event(current_actor(), eid, fields, expected_version=version),
            "The event is saved.",
            key,
        )
    if st.button("Delete this event", key=f"{key}-delete", icon=":material/delete:"):
        _write(
            lambda: _corrections(ds).delete_event(current_actor(), eid, expected_version=version),
            "The event is deleted.",
            key,
        )


def _event_fields(key: str, row: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The fields of an event added by hand, as widgets (inside a form)."""
    row = row or {}
    source = st.text_input("Source (required: who reports it)", value=str(row.get("source", "")), key=f"{key}-src")
    url = st.text_input("Its address (URL)", value=str(row.get("_manual_url", "")), key=f"{key}-url")
    left, right = st.columns(2)
    start = left.date_input("From", value=_day(row.get("date_start")), key=f"{key}-from", format="YYYY-MM-DD")
    end = right.date_input(
        "To", value=_day(row.get("date_end")), key=f"{key}-to", format="YYYY-MM-DD", help="Empty: the same day."
    )
    gran = left.selectbox(
        "Precision", GRANULARITIES, index=_index(GRANULARITIES, row.get("granularity") or "day"), key=f"{key}-gran"
    )
    kind = right.selectbox(
        "Type", EVENT_TYPES, index=_index(EVENT_TYPES, row.get("event_type") or "other"), key=f"{key}-type"
    )
    summary = st.text_area("What happened", value=str(row.get("summary", "")), key=f"{key}-summary", height=80)
    actors = st.text_input("Actors (separated by ;)", value="; ".join(row.get("actors", [])), key=f"{key}-actors")
    return {
        "source": source,
        "url": url,
        "date_start": start.isoformat() if start else None,
        "date_end": end.isoformat() if end else None,
        "granularity": gran,
        "event_type": kind,
        "summary": summary,
        "actors": _actors(actors),
    }


def add_event_form(ds: data.Dataset) -> None:
    """'Add an event by hand' (editors): an event the extractor missed, with its source."""
    if not can_edit(ds):
        return
    with st.expander("Add an event by hand", icon=":material/add:"):
        st.caption(
            "An event the articles report but the extractor missed. It is kept apart from the extracted events, so "
            "a new extraction never removes it; the History page records who added it."
        )
        key = "fix-add"
        with st.form(key, clear_on_submit=False):
            fields = _event_fields(key)
            saved = st.form_submit_button("Add the event", type="primary")
        if saved:
            _write(lambda: _corrections(ds).add_event(current_actor(), fields), "The event is added.", key)


def _index(options: tuple[str, ...], value: object) -> int:
    return options.index(str(value)) if str(value) in options else 0


def _move_choices(ds: data.Dataset, report: pd.Series) -> dict[str, str]:
    """Event groups dated near the report (other than its own), nearest first: group id -> label."""
    table = ds.groups
    if not len(table) or "event_group" not in table:
        return {}
    own = str(report["event_group"])
    day = report["date_start"]
    dated = table[(table["event_group"].astype(str) != own) & (table["event_group"].astype(str) != "")]
    dated = dated[~dated["event_group"].astype(str).str.startswith("~")]
    if pd.notna(day) and len(dated):
        distance = (pd.to_datetime(dated["date_start"]) - pd.Timestamp(day)).abs()
        dated = dated.assign(_d=distance).sort_values("_d", na_position="last", kind="stable")
    out = {}
    for row in dated.head(MAX_MOVE_CHOICES).to_dict("records"):
        when = "undated" if pd.isna(row["date_start"]) else pd.Timestamp(row["date_start"]).date().isoformat()
        out[str(row["event_group"])] = (
            f"{when} · {str(row['summary'])[:70]} ({counted(int(row['n_sources']), 'source')})"
        )
    return out


# --------------------------------------------------------------------------- lists and history


def orphan_list(ds: data.Dataset) -> None:
    """'N corrections no longer match an event': what each said, why, and (editors) drop or re-attach it."""
    orphans = ds.orphans
    if not len(orphans):
        return
    n = len(orphans)
    title = f"{n:,} correction{'s' if n != 1 else ''} no longer match{'es' if n == 1 else ''} an event"
    with st.expander(title, icon=":material/link_off:", expanded=False):
        st.caption(
            "After a re-extraction (changed rules, or a changed text) these corrections find no row. They are kept "
            "until someone drops them or re-attaches them to a row of the same article."
        )
        for row in orphans.head(MAX_LISTED).to_dict("records"):
            with st.container(border=True):
                _orphan(ds, row)


def _orphan(ds: data.Dataset, row: Mapping[str, Any]) -> None:
    kind = str(row["target_kind"])
    said = "; ".join(f"{k}: {v}" for k, v in dict(row["changes"]).items())
    where = f"article {row['doc_id']}" + (f" · sentence “{row['sentence']}”" if kind == EVENT else "")
    written = f" · written “{row['time_expression']}”" if row["time_expression"] else ""
    st.markdown(f"**{md_text(said or '(no change)')}**  \n{md_text(where + written)}")
    st.caption(md_text(f"{row['reason']} · by {row['updated_by']} · version {row['version']}"))
    if not can_edit(ds):
        return
    cid, version, key = int(row["id"]), int(row["version"]), f"orphan-{row['id']}"
    left, right = st.columns([3, 1])
    choices = _reattach_choices(ds, kind, str(row["doc_id"]))
    picked = left.selectbox(
        "Re-attach to",
        list(choices),
        format_func=lambda k: choices[k],
        index=None,
        key=f"{key}-to",
        placeholder="a row of the same article" if choices else "the article has no row now",
    )
    if right.button("Re-attach", key=f"{key}-go", disabled=picked is None):
        locator, target = _locator_of(ds, kind, picked)
        _write(
            lambda: _corrections(ds).reattach(
                current_actor(), cid, locator, expected_version=version, target_id=target
            ),
            "The correction is re-attached.",
            key,
        )
    if right.button("Drop", key=f"{key}-drop", icon=":material/delete:"):
        _write(
            lambda: _corrections(ds).remove(current_actor(), cid, expected_version=version),
            "The correction is dropped.",
            key,
        )


def _reattach_choices(ds: data.Dataset, kind: str, doc_id: str) -> dict[str, str]:
    if kind == DOCUMENT:
        docs = ds.documents[ds.documents["doc_id"].astype(str) == doc_id]
        return {str(d): f"{d} (its current text)" for d in docs["doc_id"]}
    rows = ds.events[(ds.events["doc_id"].astype(str) == doc_id) & (ds.events["_correction_id"] == 0)]
    return {str(r["event_id"]): f"“{r['time_expression']}” · {str(r['sentence'])[:90]}" for _, r in rows.iterrows()}


def _locator_of(ds: data.Dataset, kind: str, key: str | None) -> tuple[dict[str, str], str]:
    if kind == DOCUMENT:
        doc = ds.documents[ds.documents["doc_id"].astype(str) == str(key)].iloc[-1]
        return document_locator(doc), str(key)
    row = ds.events[ds.events["event_id"].astype(str) == str(key)].iloc[0]
    return event_locator(row, ds.documents), str(key)


def rejected_list(ds: data.Dataset) -> None:
    """'N rejected reports': each with who rejected it and (editors) a way to restore it."""
    rejected = ds.rejected
    if not len(rejected):
        return
    n = len(rejected)
    with st.expander(f"{n:,} rejected report{'s' if n != 1 else ''}", icon=":material/block:"):
        for row in rejected.head(MAX_LISTED).to_dict("records"):
            with st.container(border=True):
                st.markdown(f"**{md_text(row['summary'])}** · {md_text(row['source'])}  \n{mark(row)}")
                st.caption(md_text(row["sentence"]))
                if can_edit(ds):
                    cid, version = int(row["_correction_id"]), int(row["_correction_version"])
                    changes = {k: v for k, v in _stored_changes(ds, cid).items() if k != "rejected"}
                    key = f"restore-{row['event_id']}"
                    if st.button("Restore", key=key, icon=":material/restore:"):
                        locator = event_locator(row, ds.documents)
                        _write(
                            lambda locator=locator, changes=changes, cid=cid, version=version, row=row: _corrections(
                                ds
                            ).save(
                                current_actor(),
                                EVENT,
                                locator,
                                changes,
                                expected_version=version,
                                target_id=str(row["event_id"]),
                            ),
                            "The report is restored.",
                            key,
                        )


def history(ds: data.Dataset, event_ids: list[str], doc_ids: list[str]) -> None:
    """The event's own history: every audit line about its reports and their articles, newest first."""
    if not ds.editable:
        return
    try:
        team = Team(data.open_data_store(ds.location))  # type: ignore[arg-type]
        parts = [team.history(target_kind=EVENT, target_ids=event_ids, limit=200)]
        if doc_ids:
            parts.append(team.history(target_kind=DOCUMENT, target_ids=doc_ids, limit=200))
    except StoreError as err:
        st.caption(md_text(f"Its history cannot be read: {err}"))
        return
    found = [p for p in parts if len(p)]
    if not found:
        return
    log = pd.concat(found, ignore_index=True).drop_duplicates("id").sort_values("at", ascending=False)
    with st.expander(f"History ({len(log)} change{'s' if len(log) != 1 else ''})", icon=":material/history:"):
        st.dataframe(
            log[["at", "actor", "action", "target_kind", "target_id", "before", "after"]],
            hide_index=True,
            width="stretch",
        )
