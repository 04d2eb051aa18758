"""Key dates of a story: the days of a corpus ranked by how much it matters that something happened then.

In: the events table (plans included, as the store's `read_events` returns them), the documents table and,
when cross-source grouping has run, the groups table, as README.md's data dictionary describes them. Out:
one row per candidate day (`KEY_DATE_COLUMNS`), best first. Only day-level dates are candidates.

The score of a day, in plain words:

1. Every row with a resolved day-level date is a vote for its day, weighted by how the date was found (an
   event's own explicit date counts more than a relative one, and more than a lead dated only by its
   article's publication date) and by its modality (a scheduled event counts for half: days announced in
   advance are often the story's milestones; hypothetical ones count nothing).
2. Each document votes once per day (its strongest row counts), so one article repeating a date is one
   vote, and the votes are added up: an outlet writing several articles about a day says it mattered.
   (Damping each outlet's votes, `source_exponent` below 1, makes several outlets beat one outlet's many
   articles; it lowered Date-F1 when the development topic's three outlets were pooled, so it is off.)
3. In an event group (reports of the same event across documents), a report without a day of its own (a
   week or month, or a lead dated only by its article's publication a few days later) votes for the
   group's day when that day lies in its period. A report that gives a day of its own keeps it.
4. Articles from documents that name none of the corpus's core actors (names in at least a quarter of the
   documents) vote for less: a crawled collection holds pages about something else (listings, schedules).
5. Every article published in the three days after a day adds to it: news follows an event by a day or
   two, so the publication burst marks the days that set coverage off.
6. A day adds a tenth of its neighbours' scores (coverage is spread over a day either side of an event).
7. Days more than a month before the first article (background: birthdays, earlier history) weigh less.
8. Ties go to the earlier day.

Three more ideas were measured and are off by default, as each lowered Date-F1 on the development topics
(benchmarks/keydates.py --ablations prints them): a bonus for days mentioned long after they happened
(`retro_bonus`), week- or month-level mentions lending weight to the days in their period
(`coarse_weight`), and moving every report of a group to the group's day (`regroup_own_days`).
Every weight is in `KeyDateSettings`; `key_dates` is a pure function of its tables.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

import numpy as np
import pandas as pd

from extract.schema import KEY_DATE_COLUMNS

KEY_DATE_COLUMN_NAMES = [c.name for c in KEY_DATE_COLUMNS]
REQUIRED_EVENT_COLUMNS = ("doc_id", "date_start", "granularity", "date_basis")


def _frozen(mapping: dict[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


@dataclass(frozen=True)
class KeyDateSettings:
    """Every weight of the key-date score, in one place (tuned on T17 dev topics with general rules only).

    basis_weights: a row's vote by its `date_basis` (a basis not listed votes 0).
    modality_weights: a row's vote is multiplied by this per `modality` (empty counts as asserted).
    source_exponent: each source's summed votes for a day are raised to this power before the sources
        are added up (1: every document counts alike; below 1: more outlets beat more articles of one).
        1: damping lowered Date-F1 on the development topic whose three outlets were pooled.
    off_topic_weight, core_share: core actors are the actor and location names found in at least
        `core_share` of the documents (and in two); a document naming none of them has its votes multiplied
        by `off_topic_weight`.
    burst_weight, burst_days: each article published 1..`burst_days` days after a candidate day adds
        `burst_weight` to its score.
    smoothing: a candidate day adds this share of the scores of the day before and the day after.
    background_weight, background_days: the score of a day more than `background_days` before the first
        publication in the corpus is multiplied by `background_weight`.
    retro_bonus, retro_min_days: a row dated at least `retro_min_days` before its article's publication
        (a day the coverage looks back at) has its vote multiplied by 1 + `retro_bonus`. Off: it lowered
        Date-F1 on the development topics.
    coarse_weight, coarse_max_days: a row dated to a period of 2..`coarse_max_days` days (a week, a month)
        lends its vote times `coarse_weight` to every candidate day inside the period. Off: likewise.
    lead_days: a lead dated only by its article's publication may report any of the `lead_days` days
        before it: in an event group whose day is among them it votes for that day.
    regroup_own_days: when true, every member of an event group votes for the group's day, even one that
        gives another day of its own. Off: it lowered Date-F1 (a report's own day is usually right).
    """

    basis_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen(
            {
                "explicit": 1.0,
                "citation": 1.0,
                "relative": 0.9,
                "anaphoric": 0.7,
                "inferred": 0.5,
                "publication": 0.75,
            }
        )
    )
    modality_weights: Mapping[str, float] = field(
        default_factory=lambda: _frozen({"asserted": 1.0, "planned": 0.5, "hypothetical": 0.0})
    )
    source_exponent: float = 1.0
    off_topic_weight: float = 0.5
    core_share: float = 0.25
    burst_weight: float = 1.0
    burst_days: int = 3
    smoothing: float = 0.1
    background_weight: float = 0.3
    background_days: int = 30
    retro_bonus: float = 0.0
    retro_min_days: int = 30
    coarse_weight: float = 0.0
    coarse_max_days: int = 31
    lead_days: int = 3
    regroup_own_days: bool = False


DEFAULT_SETTINGS = KeyDateSettings()
_EPOCH = np.datetime64("1970-01-01", "D")
_FIRST_DAY = (np.datetime64("1678-01-01", "D") - _EPOCH).astype("float64")  # datetime64[ns] holds 1678..2261
_LAST_DAY = (np.datetime64("2261-12-31", "D") - _EPOCH).astype("float64")
_SUMMARY_WORDS = 12  # beyond this many words a longer summary is no clearer


def key_dates(
    events: pd.DataFrame,
    documents: pd.DataFrame | None,
    groups: pd.DataFrame | None = None,
    settings: KeyDateSettings = DEFAULT_SETTINGS,
) -> pd.DataFrame:
    """Events (plans may be included), documents and optional groups tables -> key dates, best day first.

    `event_group` is used where filled; a row without one is its own (document, day) group. `groups`, when
    given, supplies each group's consensus date (if day-level) and summary; otherwise the members' best
    day and summary are used. Rows with no date and days with no positive score are left out. Raises
    ValueError naming the columns when `events` lacks one of REQUIRED_EVENT_COLUMNS.
    """
    missing = [c for c in REQUIRED_EVENT_COLUMNS if c not in events]
    if missing:
        raise ValueError(f"key_dates: the events table has no {', '.join(missing)} column")
    events = events.reset_index(drop=True)
    published = _published_days(documents)
    rows, group_ids = _voting_rows(events, published, settings)
    rows["day"] = _candidate_days(rows, group_ids, groups, settings)
    voters = rows[rows["day"].notna()].astype({"day": "int64"})
    if voters.empty:
        return _table(pd.DataFrame({"day": [], "score": [], "n_sources": [], "n_groups": [], "summary": []}))
    retro = ((voters["pub"] - voters["day"]) >= settings.retro_min_days) & voters["own_date"]
    voters["vote"] = voters["weight"] * np.where(retro, 1.0 + settings.retro_bonus, 1.0)
    # a row without a group is its own (document, day) group: key -(doc + 1), unique within its day
    voters["gkey"] = voters["group"].where(voters["group"] >= 0, -(voters["doc"] + 1))

    per_doc = voters.groupby(["day", "source", "doc"], sort=False)["vote"].max()
    per_source = per_doc.groupby(level=["day", "source"], sort=False).sum() ** settings.source_exponent
    score = per_source.groupby(level="day").sum()
    days = score.index.to_numpy(dtype="int64")
    total = score.to_numpy(dtype="float64").copy()
    if settings.coarse_weight:
        total += settings.coarse_weight * _coarse_votes(rows, days, settings.coarse_max_days)
    if settings.burst_weight:
        total += settings.burst_weight * _published_after(published, days, settings.burst_days)
    if settings.smoothing:
        by_day = pd.Series(total, index=days)
        around = by_day.reindex(days - 1, fill_value=0.0).to_numpy() + by_day.reindex(days + 1, fill_value=0.0)
        total += settings.smoothing * np.asarray(around, dtype="float64")
    if settings.background_weight != 1.0 and len(published):
        background = days < published.min() - settings.background_days
        total = np.where(background, total * settings.background_weight, total)

    table = pd.DataFrame({"day": days, "score": total.round(6)})  # rounded first: float noise is no lead
    counts = voters.groupby("day").agg(n_sources=("source", "nunique"), n_groups=("gkey", "nunique"))
    summaries = _top_summaries(voters, events, group_ids, groups)
    table = table.join(counts, on="day").join(summaries, on="day")
    table = table[table["score"] > 0].sort_values(["score", "day"], ascending=[False, True], kind="mergesort")
    return _table(table)


def _table(table: pd.DataFrame) -> pd.DataFrame:
    """The ranked (day, score, n_sources, n_groups, summary) frame -> the key-dates table, typed."""
    days = table["day"].to_numpy(dtype="int64")
    return pd.DataFrame(
        {
            "date": (_EPOCH + days.astype("timedelta64[D]")).astype("datetime64[ns]"),
            "rank": np.arange(1, len(table) + 1, dtype="int64"),
            "score": table["score"].to_numpy(dtype="float64"),
            "n_sources": table["n_sources"].to_numpy(dtype="int64"),
            "n_groups": table["n_groups"].to_numpy(dtype="int64"),
            "summary": pd.array(table["summary"].fillna("").astype(str).to_numpy(), dtype="string"),
        },
        columns=KEY_DATE_COLUMN_NAMES,
    )


def _day_numbers(values: pd.Series) -> np.ndarray:
    """Dates (timestamps or ISO strings) -> days since 1970-01-01 as floats.

    NaN where there is no valid date, and for days the tables' datetime64[ns] cannot hold (1678..2261).
    """
    if pd.api.types.is_datetime64_any_dtype(values):
        stamps = values
    else:
        stamps = pd.to_datetime(values.astype("string"), errors="coerce", format="ISO8601")
    out = (stamps.to_numpy().astype("datetime64[D]") - _EPOCH).astype("float64")
    out[stamps.isna().to_numpy() | (out < _FIRST_DAY) | (out > _LAST_DAY)] = np.nan
    return out


def _text(frame: pd.DataFrame, name: str) -> pd.Series:
    """A column as strings, missing values and a missing column as ""."""
    if name in frame:
        return frame[name].astype("string").fillna("")
    return pd.Series("", index=frame.index, dtype="string")


def _published_days(documents: pd.DataFrame | None) -> pd.Series:
    """doc_id -> publication day number, for documents whose publication is known to the day."""
    if documents is None or documents.empty or not {"doc_id", "published"} <= set(documents):
        return pd.Series([], dtype="float64")
    granularity = _text(documents, "published_granularity")
    docs = documents[granularity.isin(["day", ""]).to_numpy()]  # a month or year of publication has no day
    days = _day_numbers(docs["published"])
    keep = ~np.isnan(days)
    out = pd.Series(days[keep], index=docs["doc_id"].astype(str).to_numpy()[keep])
    return out[~out.index.duplicated()]


def _voting_rows(
    events: pd.DataFrame, published: pd.Series, settings: KeyDateSettings
) -> tuple[pd.DataFrame, np.ndarray]:
    """The rows that vote, as integer codes: (rows, the event_group id of each group code).

    Columns: pos (row of `events`), doc, source, group (-1: none), start, end, is_day, own_date, weight,
    pub (the document's publication day, NaN when unknown). A row votes when its date is resolved and its
    basis and modality weights are positive.
    """
    basis = _text(events, "date_basis")
    modality = _text(events, "modality").replace("", "asserted")
    weight = basis.map(dict(settings.basis_weights)).astype("float64").fillna(0.0).to_numpy()
    weight = weight * modality.map(dict(settings.modality_weights)).astype("float64").fillna(0.0).to_numpy()
    doc_id = _text(events, "doc_id")
    source = _text(events, "source")
    source = source.where(source != "", doc_id)  # the schema's own fallback, for hand-made tables
    doc_codes, doc_names = pd.factorize(doc_id)
    group_codes, group_ids = pd.factorize(_text(events, "event_group"))
    empty_group = np.flatnonzero(np.asarray(group_ids) == "")
    if len(empty_group):
        group_codes = np.where(group_codes == empty_group[0], -1, group_codes)
    granularity = _text(events, "granularity")
    start = _day_numbers(events["date_start"])
    end = _day_numbers(events["date_end"]) if "date_end" in events else start.copy()
    rows = pd.DataFrame(
        {
            "pos": np.arange(len(events)),
            "doc": doc_codes,
            "source": pd.factorize(source)[0],
            "group": group_codes,
            "start": start,
            "end": np.where(np.isnan(end), start, end),
            "is_day": (granularity == "day").to_numpy(),
            "own_date": (basis != "publication").to_numpy(),
            "weight": weight,
            "pub": pd.Series(doc_names).map(published).to_numpy(dtype="float64")[doc_codes],
        }
    )
    keep = (weight > 0) & ~np.isnan(start) & (granularity != "unresolved").to_numpy()
    rows = rows[keep]
    if settings.off_topic_weight != 1.0 and len(rows):
        on_topic = _on_topic_documents(events, doc_codes, settings.core_share)
        rows["weight"] = rows["weight"].where(on_topic[rows["doc"]], rows["weight"] * settings.off_topic_weight)
    return rows, np.asarray(group_ids, dtype=object)


def _names(column: pd.Series, doc_codes: np.ndarray) -> pd.Series:
    """A list column (lists or arrays; or "; "-joined strings, as read from CSV) -> names indexed by doc."""
    cells = pd.Series(column.to_numpy(), index=doc_codes).dropna()
    if len(cells) and isinstance(cells.iloc[0], str):
        names = cells.astype(str).str.split(";").explode().str.strip()
        return names[names.notna() & (names != "")]
    return cells.explode().dropna()


def _on_topic_documents(events: pd.DataFrame, doc_codes: np.ndarray, core_share: float) -> np.ndarray:
    """Per document code: does it name a core actor or place (one named by >= core_share of the documents)?"""
    n_docs = int(doc_codes.max()) + 1 if len(doc_codes) else 0
    columns = [c for c in ("actors", "locations") if c in events]
    if not columns:
        return np.ones(n_docs, dtype=bool)  # nothing to judge by: every document counts in full
    names = pd.concat([_names(events[c], doc_codes) for c in columns])
    name_codes, uniques = pd.factorize(names.to_numpy())
    pairs = np.unique(names.index.to_numpy(dtype="int64") * max(len(uniques), 1) + name_codes)
    pair_docs, pair_names = np.divmod(pairs, max(len(uniques), 1))
    spread = np.bincount(pair_names, minlength=len(uniques))  # documents naming each name
    core = spread >= max(2.0, core_share * n_docs)
    on_topic = np.zeros(n_docs, dtype=bool)
    on_topic[pair_docs[core[pair_names]]] = True
    return on_topic


def _candidate_days(
    rows: pd.DataFrame, group_ids: np.ndarray, groups: pd.DataFrame | None, settings: KeyDateSettings
) -> np.ndarray:
    """Each row's candidate day (NaN: none).

    A row with its own day-level date keeps it (unless `regroup_own_days`); a row in a group without one
    (a week or month, or a lead dated only by its publication) takes its group's day when that day lies in
    its period, a lead's period being the `lead_days` days up to its publication.
    """
    is_day = rows["is_day"].to_numpy()
    own_day = np.where(is_day, rows["start"].to_numpy(), np.nan)
    in_group = rows["group"].to_numpy() >= 0
    consensus = _consensus_days(rows[in_group], group_ids, groups)
    group_day = np.full(len(rows), np.nan)
    group_day[in_group] = consensus[rows["group"].to_numpy()[in_group]]
    lead = ~rows["own_date"].to_numpy()
    period_start = rows["start"].to_numpy() - np.where(lead, settings.lead_days, 0)
    with np.errstate(invalid="ignore"):  # NaN group days compare False: no group day to take
        fits = (group_day >= period_start) & (group_day <= rows["end"].to_numpy())
    own = is_day & ~lead
    if settings.regroup_own_days:
        return np.where(~np.isnan(group_day) & (fits | own), group_day, own_day)
    return np.where(fits & ~own, group_day, own_day)


def _consensus_days(rows: pd.DataFrame, group_ids: np.ndarray, groups: pd.DataFrame | None) -> np.ndarray:
    """Per group code: the groups table's date when it is day-level, else the best-supported member day."""
    out = np.full(len(group_ids), np.nan)
    if groups is not None and {"event_group", "date_start", "granularity"} <= set(groups):
        day_level = groups[(_text(groups, "granularity") == "day").to_numpy()]
        table = pd.Series(_day_numbers(day_level["date_start"]), index=day_level["event_group"].astype(str))
        return table[~table.index.duplicated()].reindex(group_ids).to_numpy(dtype="float64")
    members = rows[rows["is_day"]]
    support = members.groupby(["group", "start"])["weight"].sum().reset_index()
    support = support.sort_values(["group", "weight", "start"], ascending=[True, False, True], kind="mergesort")
    best = support.drop_duplicates("group")
    out[best["group"].to_numpy(dtype="int64")] = best["start"].to_numpy()
    return out


def _coarse_votes(rows: pd.DataFrame, days: np.ndarray, max_days: int) -> np.ndarray:
    """Per candidate day: summed votes of short-period rows (one per document and period) containing it."""
    length = rows["end"] - rows["start"]
    coarse = rows[np.isnan(rows["day"]) & (length >= 1) & (length < max_days)]
    if coarse.empty:
        return np.zeros(len(days))
    periods = coarse.groupby(["doc", "start", "end"])["weight"].max().groupby(level=["start", "end"]).sum()
    starts = periods.index.get_level_values("start").to_numpy()
    ends = periods.index.get_level_values("end").to_numpy()
    weights = periods.to_numpy()
    # weight of the periods begun by a day minus that of the periods ended before it = weight covering it
    by_start, by_end = np.argsort(starts), np.argsort(ends)
    begun = np.concatenate([[0.0], np.cumsum(weights[by_start])])
    ended = np.concatenate([[0.0], np.cumsum(weights[by_end])])
    return (
        begun[np.searchsorted(starts[by_start], days, side="right")]
        - ended[np.searchsorted(ends[by_end], days, side="left")]
    )


def _published_after(published: pd.Series, days: np.ndarray, n_days: int) -> np.ndarray:
    """Per candidate day: how many articles were published 1..n_days days after it."""
    per_day = published.astype("int64").value_counts()
    out = np.zeros(len(days))
    for offset in range(1, n_days + 1):
        out += per_day.reindex(days + offset, fill_value=0).to_numpy()
    return out


def _top_summaries(
    voters: pd.DataFrame, events: pd.DataFrame, group_ids: np.ndarray, groups: pd.DataFrame | None
) -> pd.Series:
    """day -> summary of its top group: most sources, then most votes, then the wordiest summary.

    A group's votes are counted as in the score (one per document); its summary is the groups table's when
    given, else that of its strongest row.
    """
    keys = ["day", "gkey"]
    best_row = voters.sort_values("vote", ascending=False, kind="mergesort").drop_duplicates(keys)
    per_group = best_row.set_index(keys)[["pos", "group"]]
    per_group["n_sources"] = voters.groupby(keys)["source"].nunique()
    per_group["votes"] = voters.groupby([*keys, "doc"])["vote"].max().groupby(level=keys).sum()
    per_group = per_group.reset_index().sort_values(["day", "n_sources", "votes"], ascending=[True, False, False])
    leader = per_group.groupby("day")[["n_sources", "votes"]].transform("first")
    at_top = (per_group["n_sources"] == leader["n_sources"]) & np.isclose(per_group["votes"], leader["votes"])
    contenders = per_group[at_top.to_numpy()].copy()  # few rows: the text work is done on these only
    summary = _text(events, "summary").to_numpy()[contenders["pos"].to_numpy()]
    if groups is not None and {"event_group", "summary"} <= set(groups):
        table = groups.drop_duplicates("event_group")
        named = pd.Series(_text(table, "summary").to_numpy(), index=table["event_group"].astype(str).to_numpy())
        codes = contenders["group"].to_numpy()
        given = np.where(codes >= 0, named.reindex(group_ids[np.maximum(codes, 0)]).fillna("").to_numpy(), "")
        summary = np.where(given != "", given, summary)
    contenders["summary"] = summary
    words = contenders["summary"].astype(str).str.count(r"[^\W\d_]{2,}")  # "17:42" or "Help" say little
    contenders["words"] = words.clip(upper=_SUMMARY_WORDS)
    contenders = contenders.sort_values(["day", "words", "summary"], ascending=[True, False, True], kind="mergesort")
    best = contenders.drop_duplicates("day")
    return pd.Series(best["summary"].to_numpy(), index=best["day"].to_numpy(), name="summary")
