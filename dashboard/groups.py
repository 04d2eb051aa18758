"""Events as the analyst reads them: one row per real-world event (an event group), built once per store version.

In: the prepared events (`data.prepare_events`, plus the `_lane` names) and the store's groups table (README,
"Event groups"). Out: `build_groups` -> the group frame (the stored consensus fields plus the columns the
timeline, the chronology and the hover read) and each event's row in it. An event without a group (a plan, a
table from before grouping, a group the table does not list) is a group of its own, so every event is shown
exactly once. Pure pandas/numpy: no Streamlit, nothing here reads the store.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from dashboard import labels
from extract import schema

OWN_GROUP = "~"  # an event with no stored group is its own group: "~" + event_id
SEVERAL = "Several sources"  # the lane of an event that more than one source reports
WEAK_BASES = ("publication", "inferred")  # no date written for the event itself: drawn hollow
LOW_CONFIDENCE = 0.5  # below this, drawn faded
HOVER_CHARS = 140
NO_SPREAD, REFINES, CONFLICT = 0, 1, 2


def plotly_escape(values: pd.Series | np.ndarray) -> pd.Series:
    """Plotly reads a few HTML tags in hover text and labels: show data as text."""
    text = pd.Series(values, dtype=object).astype(str)
    return text.str.replace("&", "&amp;").str.replace("<", "&lt;").str.replace(">", "&gt;")


def _cut_hover(values: pd.Series) -> pd.Series:
    values = values.astype(str)
    return values.where(values.str.len() <= HOVER_CHARS, values.str.slice(0, HOVER_CHARS - 1) + "…")


def style_columns(frame: pd.DataFrame, basis: pd.Series, confidence: pd.Series) -> pd.DataFrame:
    """`_hollow` (a date not written for the event: taken from the publication date, or inferred) and `_faded`
    (confidence under LOW_CONFIDENCE) for a frame of marks."""
    return frame.assign(
        _hollow=basis.astype(str).isin(WEAK_BASES).to_numpy(),
        _faded=(confidence.astype(float).fillna(0.0) < LOW_CONFIDENCE).to_numpy(),
    )


def report_hover(rows: pd.DataFrame, lane: pd.Series | None = None) -> pd.Series:
    """Hover text of single reports: the resolved date and how it was written, the summary, the source."""
    written = _texts(rows["time_expression"])
    basis = _texts(rows["date_basis"])
    confidence = rows["confidence"].astype(float).fillna(0.0).to_numpy()
    percent = np.round(confidence * 100)  # half to even, as pandas rounds
    when, summary = _texts(rows["_when"]), _texts(rows["summary"])
    source = _texts(rows["source"] if lane is None else lane)
    out = []
    for i, said in enumerate(written):
        how = f", written “{_escape(said)}”" if said else ""
        if not said and basis[i] == "publication":
            how = ", the article's publication date (no date written)"
        if not (basis[i] in WEAK_BASES or basis[i] == "unresolved"):
            how += " · " + basis[i]
        low = f"<br>low confidence ({int(percent[i])}%)" if confidence[i] < LOW_CONFIDENCE else ""
        out.append(f"<b>{_escape(when[i])}</b>{how}<br>{_escape(_cut(summary[i]))}<br><i>{_escape(source[i])}</i>{low}")
    return pd.Series(out, index=rows.index, dtype=object)


def _texts(values: pd.Series) -> list[str]:
    """A column's values as text, as ``astype(str)`` gives them (one Python string each; a missing one: '')."""
    return pd.Series(values, dtype=object).astype(str).fillna("").to_numpy(dtype=object).tolist()


def _escape(text: str) -> str:
    """plotly_escape of one text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _cut(text: str) -> str:
    """_cut_hover of one text."""
    return text if len(text) <= HOVER_CHARS else text[: HOVER_CHARS - 1] + "…"


def _spread_text(reported: object) -> str:
    items = [
        labels.reported_date_text(item)
        for item in (reported if isinstance(reported, (list, tuple, np.ndarray)) else [])
    ]
    return ", ".join(f"{text} ({n})" for text, n, _ in items)


def build_groups(events: pd.DataFrame, table: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
    """(group frame, each event's row in it) from prepared events and the stored groups table (may be empty).

    The group frame holds the stored consensus (date, summary, type, sources, reported dates, agreement) or,
    for an event of its own, that event's own fields; plus `_n_reports`, `_conf` (the best member's
    confidence), `_lo`/`_hi` (the spread of the members' dates), `_spread` (NO_SPREAD, REFINES, CONFLICT),
    the mark's style, label and hover, and its lanes (`_lane`, `_actor`).

    A table that carries its groups' report facts (`dl_n`, `dl_conf`, `dl_lo`, `dl_hi`: a store's ready groups
    table, extract/store/query_ready.py) is taken at its word for them: `events` then need hold only each
    group's best report.
    """
    n = len(events)
    stored = table.drop_duplicates("event_group").set_index("event_group") if len(table) else None
    codes, keys = group_codes(events, stored.index if stored is not None else None)
    n_groups = len(keys)
    of_event = codes.astype(np.int64)

    # The best member of each group stands for it where the table says nothing: dated first, most confident.
    conf = events["confidence"].astype(float).fillna(0.0).to_numpy()
    dated = events["_dated"].to_numpy(dtype=bool)
    order = np.lexsort((-conf, ~dated, of_event))
    first = np.ones(n, dtype=bool)
    first[1:] = of_event[order][1:] != of_event[order][:-1]
    best = order[first]  # one event row per group, in group order
    rows = events.iloc[best]

    start_ns = events["date_start"].to_numpy(dtype="datetime64[ns]")
    end_ns = events["date_end"].to_numpy(dtype="datetime64[ns]")
    big, small = np.datetime64("2262-01-01", "ns"), np.datetime64("1678-01-01", "ns")
    lo = np.full(n_groups, big)
    hi = np.full(n_groups, small)
    np.minimum.at(lo, of_event[dated], start_ns[dated])
    np.maximum.at(hi, of_event[dated], end_ns[dated])
    has_dated = np.bincount(of_event[dated], minlength=n_groups) > 0
    max_conf = np.zeros(n_groups)
    np.maximum.at(max_conf, of_event, conf)
    n_reports = np.bincount(of_event, minlength=n_groups)
    if stored is not None and "dl_n" in stored.columns:
        _told_facts(stored, keys, n_reports, max_conf, lo, hi, has_dated)
    pairs = pd.DataFrame({"g": of_event, "s": events["source"].astype(str).to_numpy(dtype=object)}).drop_duplicates()
    member_sources = np.bincount(pairs["g"].to_numpy(), minlength=n_groups)

    frame = pd.DataFrame(
        {
            "event_group": keys.astype(object),
            "date_start": rows["date_start"].to_numpy(dtype="datetime64[ns]"),
            "date_end": rows["date_end"].to_numpy(dtype="datetime64[ns]"),
            "granularity": rows["granularity"].astype(str).to_numpy(dtype=object),
            "date_basis": rows["date_basis"].astype(str).to_numpy(dtype=object),
            "summary": rows["summary"].astype(str).to_numpy(dtype=object),
            "actors": rows["actors"].to_numpy(dtype=object),
            "event_type": rows["event_type"].astype(str).to_numpy(dtype=object),
            "n_sources": member_sources.astype(np.int64),
            "sources": [[s] for s in rows["source"].astype(str).tolist()],
            "reported_dates": [[] for _ in range(n_groups)],
            "date_agreement": np.full(n_groups, "single", dtype=object),
            "_single_lane": rows["_lane"].astype(str).to_numpy(dtype=object),
            "_best": best,
        }
    )
    if stored is not None:
        in_table = stored.index.get_indexer(keys) >= 0
        picked = stored.reindex(keys[in_table])
        for column in ("date_start", "date_end"):
            values = frame[column].to_numpy(copy=True)
            values[in_table] = picked[column].to_numpy(dtype="datetime64[ns]")
            frame[column] = values
        for column in ("granularity", "date_basis", "summary", "event_type", "date_agreement"):
            values = frame[column].to_numpy(copy=True)
            values[in_table] = picked[column].astype(str).to_numpy(dtype=object)
            frame[column] = values
        for column in ("actors", "sources", "reported_dates"):
            values = frame[column].to_numpy(copy=True)
            for at, value in zip(np.flatnonzero(in_table), picked[column], strict=True):
                values[at] = list(value) if value is not None else []  # one list per cell, not a 2-D array
            frame[column] = values
        counts = frame["n_sources"].to_numpy(copy=True)
        counts[in_table] = np.maximum(picked["n_sources"].fillna(1).astype(np.int64).to_numpy(), 1)
        frame["n_sources"] = counts

    start = frame["date_start"]
    end = frame["date_end"].where(frame["date_end"].notna() & (frame["date_end"] >= start), start)
    frame["date_end"] = end
    frame["_dated"] = start.notna().to_numpy()
    frame["_n_reports"] = n_reports
    frame["_conf"] = max_conf
    frame["_lo"] = np.where(has_dated, lo, np.datetime64("NaT"))
    frame["_hi"] = np.where(has_dated, hi, np.datetime64("NaT"))
    agreement = frame["date_agreement"].astype(str)
    spread = np.where(agreement == "conflict", CONFLICT, np.where(agreement == "refines", REFINES, NO_SPREAD))
    wider = has_dated & ((frame["_lo"] < start) | (frame["_hi"] > end)).to_numpy()
    frame["_spread"] = np.where(wider | (spread == CONFLICT), spread, NO_SPREAD).astype(np.int8)
    frame = add_mark_columns(frame, frame["event_group"])
    frame = style_columns(frame, frame["date_basis"], frame["_conf"])
    frame["_when"], frame["_when_key"] = labels.date_columns(frame)
    several = frame["n_sources"].to_numpy() >= 2
    frame["_lane"] = np.where(several, SEVERAL, frame["_single_lane"].to_numpy(dtype=object))
    frame["_actor"] = [a[0] if len(a) else "(no actor)" for a in frame["actors"]]
    frame["_hover"] = _group_hover(frame, events, best).to_numpy(dtype=object)
    frame["_order"] = np.argsort(frame["date_start"].to_numpy(dtype="datetime64[ns]"), kind="stable")
    return frame.drop(columns=["_single_lane"]), of_event


def _told_facts(
    stored: pd.DataFrame,
    keys: np.ndarray,
    n_reports: np.ndarray,
    max_conf: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    has_dated: np.ndarray,
) -> None:
    """The groups' report facts as the table tells them, written over those counted from `events` (in place)."""
    at = stored.index.get_indexer(keys)
    facts = stored.iloc[at[at >= 0]]
    told = facts["dl_n"].notna().to_numpy()
    where, facts = np.flatnonzero(at >= 0)[told], facts[told]
    n_reports[where] = facts["dl_n"].astype(np.int64).to_numpy()
    max_conf[where] = facts["dl_conf"].astype(float).fillna(0.0).to_numpy()
    first = pd.to_datetime(facts["dl_lo"]).to_numpy(dtype="datetime64[ns]")
    last = pd.to_datetime(facts["dl_hi"]).to_numpy(dtype="datetime64[ns]")
    dated = ~np.isnat(first)
    has_dated[where] = dated
    lo[where] = np.where(dated, first, lo[where])
    hi[where] = np.where(dated, last, hi[where])


def group_codes(events: pd.DataFrame, stored: pd.Index | None) -> tuple[np.ndarray, np.ndarray]:
    """(each event's group number, the group keys in order of first appearance), as `pd.factorize` would number
    the keys: an event's `event_group` when the stored groups (`stored`: their ids) list it, else OWN_GROUP + its
    event_id (an event of its own). Factorized as numbers, not as 100,000 joined strings."""
    if not len(events):
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)
    group_no, ids = pd.factorize(events["event_group"].astype(str))  # each distinct group looked up once
    id_no, event_ids = pd.factorize(events["event_id"].astype(str))
    # pandas hash lookups: numpy's isin on object arrays compares every pair
    known = (stored.get_indexer(ids) >= 0)[group_no] if stored is not None else np.zeros(len(events), dtype=bool)
    codes, numbers = pd.factorize(np.where(known, group_no, len(ids) + id_no).astype(np.int64))
    own = numbers >= len(ids)
    keys = np.empty(len(numbers), dtype=object)
    keys[~own] = ids.to_numpy(dtype=object)[numbers[~own]]
    keys[own] = OWN_GROUP + event_ids.to_numpy(dtype=object)[numbers[own] - len(ids)]
    return codes.astype(np.int64), keys


def add_mark_columns(frame: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    """The columns every timeline mark needs, from date_start, date_end and event_type: `_end_excl`, `_span`,
    `_mi` and `_mi_end` (months since 1970-01 of the period's ends, -1 when undated), `_jitter`, `_type_code`."""
    start = frame["date_start"]
    end = frame["date_end"]
    dated = start.notna().to_numpy()
    frame = frame.assign(_end_excl=end + pd.Timedelta(days=1), _span=dated & (end > start).to_numpy())
    months = start.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    last = end.to_numpy(dtype="datetime64[ns]").astype("datetime64[M]").astype(np.int64)
    frame["_mi"] = np.where(dated, months, -1)
    frame["_mi_end"] = np.where(dated, last, -1)
    hashed = pd.util.hash_pandas_object(ids.astype(str), index=False).to_numpy()
    frame["_jitter"] = ((hashed % 1009) / 1008.0 - 0.5) * 0.56
    type_codes = {kind: i for i, kind in enumerate(schema.EVENT_TYPES)}
    frame["_type_code"] = frame["event_type"].astype(object).map(type_codes).fillna(-1).astype(np.int8).to_numpy()
    return frame


_SAID = {"conflict": "<br><b>Sources disagree</b> on the date: ", "refines": "<br>Some sources give a vaguer date: "}


def _group_hover(frame: pd.DataFrame, events: pd.DataFrame, best: np.ndarray) -> pd.Series:
    """A single report's own hover; for several: consensus date, summary, who reports it, the dates they give."""
    own = events["_hover"].to_numpy(dtype=object)[best]
    many = frame["_n_reports"].to_numpy() > 1
    out = pd.Series(own, dtype=object)
    if not many.any():
        return out
    part = frame[many]
    texts = []
    for sources, n_sources, n_reports, agreement, reported, basis, when, summary in zip(
        part["sources"].tolist(),
        part["n_sources"].astype(int).tolist(),
        part["_n_reports"].astype(int).tolist(),
        _texts(part["date_agreement"]),
        part["reported_dates"].tolist(),
        _texts(part["date_basis"]),
        _texts(part["_when"]),
        _texts(part["summary"]),
        strict=True,
    ):
        names = ", ".join(sources[:4]) + (f" and {len(sources) - 4} more" if len(sources) > 4 else "")
        who = f"{n_sources} sources" if n_sources >= 2 else "1 source"
        dates = _spread_text(reported)
        said = ""
        if dates:
            said = _SAID.get(agreement, "<br>Dates given: ") + _escape(dates)
        weak = "<br>date from the articles' publication dates, not written" if basis in WEAK_BASES else ""
        texts.append(
            f"<b>{_escape(when)}</b> · {who} ({n_reports} reports)<br>{_escape(_cut(summary))}<br>"
            f"<i>{_escape(names)}</i>{said}{weak}<br>click to compare the reports"
        )
    out[many] = np.asarray(texts, dtype=object)
    return out


# --------------------------------------------------------------------------------------------------- per rerun


def visible(of_event: np.ndarray, keep: np.ndarray, n_groups: int) -> np.ndarray:
    """Which groups have at least one event that passes the filters (a boolean per group)."""
    return np.bincount(of_event[keep], minlength=n_groups) > 0


def chronology(groups: pd.DataFrame, shown: np.ndarray, newest_first: bool, limit: int) -> pd.DataFrame:
    """The dated visible groups in date order (at most `limit`), as the chronology table shows them."""
    order = groups["_order"].to_numpy()
    pick = order[shown[order] & groups["_dated"].to_numpy()[order]]
    if newest_first:
        pick = pick[::-1]
    rows = groups.iloc[pick[:limit]]
    agreement = rows["date_agreement"].astype(str).map(AGREEMENT_WORDS).fillna("")
    return pd.DataFrame(
        {
            "when": rows["_when"].to_numpy(),
            "what": rows["summary"].to_numpy(),
            "sources": rows["n_sources"].to_numpy(),
            "agreement": agreement.to_numpy(),
            "type": rows["event_type"].to_numpy(),
            "event_group": rows["event_group"].to_numpy(),
        }
    )


AGREEMENT_WORDS = {
    "single": "",
    "agree": "sources agree",
    "refines": "one source is vaguer",
    "conflict": "sources disagree",
}


def members(events: pd.DataFrame, of_event: np.ndarray, groups: pd.DataFrame, key: str) -> pd.DataFrame:
    """The events (reports) of one group, dated ones first by date, then by source."""
    where = np.flatnonzero(groups["event_group"].to_numpy(dtype=object) == key)
    if not len(where):
        return events.iloc[0:0]
    rows = events[of_event == where[0]]
    return rows.sort_values(["_dated", "date_start", "source"], ascending=[False, True, True], kind="stable")


def row_of(groups: pd.DataFrame, key: str) -> int | None:
    """The group frame's row for a group key, or None."""
    where = np.flatnonzero(groups["event_group"].to_numpy(dtype=object) == key)
    return int(where[0]) if len(where) else None
