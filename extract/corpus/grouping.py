"""Event groups: the rows of different documents that report the same real-world event.

In: the events table (any order; plans are left out) and the documents table. Out: the events with
`event_group` filled (`group_events`); `extract.corpus.consensus.groups_table` then describes each group.

The rule, in plain words:

1. Every asserted row gets a date window (`extract.corpus.windows`): its own period; for a lead dated only
   by its article's publication date, the `lead_days` days before that date; for a weekday-only row of an
   article without a publication day, every day with that weekday its article's dates allow.
2. Two rows of different documents are compared when their windows come within `day_slack` days of each
   other and they share a word or a name that is not common across the corpus, or when their two
   documents are alike as a whole (`context_min`). Their score adds up: the rarity-weighted overlap of
   their summaries, sentences and actor/location names and, when both articles are reports of one recent
   story ("focused": most of their dated rows fall within `focus_days` of their date, as in a news report,
   not an analysis ranging over years), the similarity of the two whole articles. Only when that much is
   shared (`min_content`) do bonuses count: the same event type; the same day, worth more the fewer
   documents give that day (less for unfocused articles), or windows that overlap, worth more the
   narrower they are; and, for focused articles that already share a clearly matching pair of rows
   (`story_min`) around the same dates, a story bonus. A row whose date cross-source dating took from the
   groups (`Windows.borrowed`) gets no date or story bonus: that date is the groups' evidence, not its own.
   Similarities are cosines of idf-weighted word sets whose norm has a floor (`norm_floor`), so a few
   words or names many documents use (two countries, say) do not make two short rows alike.
3. Rows with a date are clustered by average linkage: the two groups whose average pair score (over all
   pairs of their rows from different documents, a pair never compared counting as 0) is highest are
   joined, as long as that average reaches `threshold`, some day lies within `day_slack` days of every
   member's window, and no two rows of one document in the result report different events (`SameDocument`:
   the document writes two different days for them, or each clearly matches a different report elsewhere
   and they do not retell each other). One strong link cannot chain two otherwise unrelated groups
   together, as it would with transitive closure over weak links.
4. A weekday-only row then joins the group it matches best (average score at least `threshold`) when that
   group's day has the row's weekday (within `day_slack` days) and no other group it matches puts that
   weekday on another day; when two groups on different days fit, or its best match has another weekday,
   it stays on its own. A "yesterday" or "today" row of an article without a publication day is handled
   alike, any weekday fitting.
5. A group's id is a hash of its members' sorted event_ids, so it does not depend on row order and stays
   the same across runs as long as the members do. A row no other document reports is a group of its
   own; planned and hypothetical rows get no group.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

import numpy as np
import pandas as pd

from extract.corpus.linkage import average_linkage
from extract.corpus.similarity import (
    Bags,
    Pairs,
    RowWords,
    candidate_pairs,
    cross_pairs,
    document_bags,
    owner_similarity,
    pair_cosines,
    query_pairs,
    row_bags,
)
from extract.corpus.windows import OWN_DATE_BASES, Windows, document_focus, on_weekday, row_windows
from extract.schema import typed_documents, typed_events

ASSERTED = ("asserted", "")  # modality values that get a group (an empty one: a table from before modality)


@dataclass(frozen=True)
class GroupingSettings:
    """Every threshold and weight of the grouping (see the module doc for how they combine)."""

    threshold: float = 0.30  # a join needs an average pair score at least this high
    summary_weight: float = 0.30  # x cosine of the two summaries' words
    sentence_weight: float = 0.20  # x cosine of the two sentences' words
    names_weight: float = 0.30  # x cosine of the two rows' actor and location names
    type_weight: float = 0.10  # added when both rows have the same event type (other than "other")
    same_day_weight: float = 0.40  # x how rare the day is, when both rows give the same single day
    date_focus_floor: float = 0.30  # share of the same-day bonus two unfocused articles still get
    overlap_weight: float = 0.10  # x min(1, 31 days / the wider window), when windows overlap but not on one day
    document_weight: float = 1.00  # x cosine of the two whole articles, x their focus
    story_weight: float = 0.20  # x focus, for every pair of two articles that share a pair scoring story_min
    story_min: float = 0.40
    context_min: float = 0.05  # articles at least this alike have all their date-compatible row pairs scored
    focus_days: int = 7  # an article's rows this many days before its date or less are its recent story
    focused_share: float = 0.50  # an article with this share of its rows in its recent story is fully focused
    day_slack: int = 2  # windows this many days apart still match (two dates then conflict in the groups table)
    lead_days: int = 3  # a publication-dated lead may report something from up to this many days before
    weekday_lookback: int = 7  # "on Tuesday" lies at most this many days before its article's date
    max_window_days: int = 400  # rows with wider windows (decades, long ranges) are not clustered
    max_fanout: int = 200  # through one stem a row is paired with at most this many others, the nearest in time
    common_share: float = 0.02  # a stem in more than this share of the documents is ignored (unless most of its
    common_floor: int = 100  # uses fall in one week), once that is more than this many documents
    min_content: float = 0.05  # the type, day and story bonuses count only for pairs with this much similarity
    norm_floor: float = 0.75  # a row's summary and sentence weights are normalised by at least this x the idf of
    names_norm_floor: float = 1.1  # a word one document uses; its names by at least this (see similarity._bags)
    anchor_min: float = 0.25  # a row whose words and names match another document's row this much is anchored
    retell_min: float = 0.30  # there; two rows of one document retell one event at this similarity


DEFAULT_SETTINGS = GroupingSettings()


class WordCache:
    """The rows' words from one `group_events` call, for the next on the same rows (the corpus steps group
    twice when cross-source dating changed dates; the words stay the same)."""

    def __init__(self) -> None:
        self._key: tuple[tuple[str, ...], ...] = ()
        self._words: RowWords | None = None

    def words(self, rows: pd.DataFrame) -> RowWords:
        """The words of `rows` (ordered as cluster_rows orders them), tokenised unless the same rows came last."""
        columns = ("event_id", "summary", "sentence", "actors", "locations")
        key = tuple(tuple(map(str, rows[c])) for c in columns)
        if self._words is None or key != self._key:
            self._key, self._words = key, RowWords.of(rows)
        return self._words


def group_events(
    events: pd.DataFrame,
    documents: pd.DataFrame,
    settings: GroupingSettings = DEFAULT_SETTINGS,
    cache: WordCache | None = None,
) -> pd.DataFrame:
    """Events and documents tables -> a copy of the events with `event_group` set on every asserted row and
    empty on plans. Rows keep their order and index; the other columns are untouched. `cache`: words kept from
    an earlier call on the same rows."""
    out = events.copy()
    groups = np.full(len(events), "", dtype=object)
    if len(events):
        typed = typed_events(events)  # tolerant of CSV-shaped input; same row order as `events`
        asserted = typed["modality"].isin(ASSERTED).to_numpy()
        rows = typed[asserted].reset_index(drop=True)
        labels = cluster_rows(rows, typed_documents(documents), settings, cache)
        groups[asserted] = group_ids(rows, labels)
    out["event_group"] = pd.Series(groups, index=events.index, dtype="string")
    return out


def group_ids(rows: pd.DataFrame, labels: np.ndarray) -> np.ndarray:
    """Cluster labels -> per row 'g' + the first 16 hex digits of the SHA-1 of its group's sorted event_ids."""
    ids = rows["event_id"].astype(str)
    missing = ids == ""  # a row without an id is named by its document and sentence span instead
    ids = ids.where(~missing, rows["doc_id"].astype(str) + "@" + rows["char_start"].astype(str))
    frame = pd.DataFrame({"label": labels, "id": ids.to_numpy()})
    names = frame.groupby("label")["id"].agg(
        lambda members: "g" + hashlib.sha1("\n".join(sorted(members)).encode()).hexdigest()[:16]
    )
    return names.reindex(labels).to_numpy()


def cluster_rows(
    rows: pd.DataFrame, documents: pd.DataFrame, settings: GroupingSettings, cache: WordCache | None = None
) -> np.ndarray:
    """Asserted rows and documents (typed) -> a cluster label per row (arbitrary integers)."""
    order = np.lexsort((rows["char_start"].to_numpy(), rows["doc_id"].astype(str), rows["event_id"].astype(str)))
    rows = rows.iloc[order].reset_index(drop=True)  # one fixed order, whatever the input's, so ties break alike
    words = (cache or WordCache()).words(rows)
    win = row_windows(rows, documents, lead_days=settings.lead_days, weekday_lookback=settings.weekday_lookback)
    doc, doc_names = pd.factorize(rows["doc_id"].astype(str))
    types = rows["event_type"].astype(str)
    etype = np.where(types.isin(["", "other"]), -1, pd.factorize(types)[0])
    max_df = max(settings.common_floor, settings.common_share * len(doc_names))
    day = np.where(win.placed & (win.weekday < 0), win.lo, -1)
    floors = (settings.norm_floor, settings.norm_floor, settings.names_norm_floor)
    bag = row_bags(rows, doc, max_df, day=day, norm_floor=floors, words=words)
    lo, hi = win.lo, win.hi + settings.day_slack  # windows within day_slack days now overlap
    usable = win.placed & (win.weekday < 0) & (win.hi - win.lo <= settings.max_window_days)
    pairs = candidate_pairs(bag, lo, hi, doc, usable, max_fanout=settings.max_fanout)
    titles = documents.drop_duplicates("doc_id", keep="last").set_index("doc_id")["title"]
    doc_bag = document_bags(rows, doc, titles.reindex(doc_names).fillna("").astype(str), words)
    share = document_focus(documents, doc_names, doc, win, settings.focus_days)
    focus = np.minimum(1.0, share / settings.focused_share)[doc]
    pairs, doc_sim = with_context(pairs, doc_bag, doc, focus, lo, hi, usable, settings)
    score = pair_scores(pairs, win, etype, doc, doc_sim, focus, lo, hi, settings)
    written = win.day_level & rows["date_basis"].astype(str).isin(OWN_DATE_BASES).to_numpy()
    apart = SameDocument(bag, pairs, score, np.where(written, win.lo, -1), settings)
    labels = average_linkage(len(rows), pairs.a, pairs.b, score, doc, lo, hi, settings.threshold, apart)
    weekday_rows = np.flatnonzero(win.weekday >= 0)
    if len(weekday_rows):
        labels = attach_weekday_rows(weekday_rows, labels, bag, win, doc, etype, settings)
    out = np.empty(len(rows), dtype="int64")
    out[order] = labels
    return out


def with_context(
    pairs: Pairs,
    doc_bag: Bags,
    doc: np.ndarray,
    focus: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    usable: np.ndarray,
    settings: GroupingSettings,
) -> tuple[Pairs, np.ndarray]:
    """Candidate pairs -> the same plus every other date-compatible pair of rows of two documents at least
    `context_min` alike (rows that share no word can still report the same event), and each pair's document
    cosine. Only focused documents are compared as wholes: the document cosine counts for nothing else (see
    pair_scores)."""
    n, n_docs = len(doc), int(doc.max(initial=-1)) + 1
    da, db = np.minimum(doc[pairs.a], doc[pairs.b]), np.maximum(doc[pairs.a], doc[pairs.b])
    key = da * n_docs + db
    doc_pair = np.unique(key[(focus[pairs.a] > 0) & (focus[pairs.b] > 0)])
    cosine = pair_cosines(doc_bag, doc_pair // n_docs, doc_pair % n_docs)
    alike = doc_pair[cosine >= settings.context_min]
    ca, cb = cross_pairs(alike // n_docs, alike % n_docs, doc, lo, hi, usable)
    extra = np.setdiff1d(ca * n + cb, pairs.a * n + pairs.b)
    a, b = np.r_[pairs.a, extra // n], np.r_[pairs.b, extra % n]
    sim = np.vstack([pairs.sim, np.zeros((len(extra), pairs.sim.shape[1]))])
    key = np.minimum(doc[a], doc[b]) * n_docs + np.maximum(doc[a], doc[b])
    at = np.minimum(np.searchsorted(doc_pair, key), max(len(doc_pair) - 1, 0))
    found = doc_pair[at] == key if len(doc_pair) else np.zeros(len(key), dtype=bool)
    return Pairs(a, b, sim), np.where(found, cosine[at] if len(doc_pair) else 0.0, 0.0)


def similarity(pairs: Pairs, settings: GroupingSettings) -> np.ndarray:
    """Pairs -> the weighted sum of their summary, sentence and name cosines."""
    return pairs.sim @ np.array([settings.summary_weight, settings.sentence_weight, settings.names_weight])


def pair_scores(
    pairs: Pairs,
    win: Windows,
    etype: np.ndarray,
    doc: np.ndarray,
    doc_sim: np.ndarray,
    focus: np.ndarray,
    lo: np.ndarray,
    hi: np.ndarray,
    settings: GroupingSettings,
) -> np.ndarray:
    """Candidate pairs -> their scores (rule 2 of the module doc); lo, hi: the windows with their slack."""
    a, b = pairs.a, pairs.b
    both_focused = np.minimum(focus[a], focus[b])
    same_type = (etype[a] == etype[b]) & (etype[a] >= 0)
    same_day = win.day_level[a] & win.day_level[b] & (win.lo[a] == win.lo[b])
    overlap = (win.lo[a] <= win.hi[b]) & (win.lo[b] <= win.hi[a])
    floor = settings.date_focus_floor
    day_bonus = settings.same_day_weight * day_rarity(win, doc)[a] * (floor + (1 - floor) * both_focused)
    # overlapping windows say more the narrower they are: a lead or a month, not a whole year
    widest = np.maximum(win.hi[a] - win.lo[a], win.hi[b] - win.lo[b]) + 1
    overlap_bonus = settings.overlap_weight * np.minimum(1.0, 31 / widest)
    # a date that cross-source dating took from the groups is no evidence for grouping again: no date bonus
    own_dates = ~(win.borrowed[a] | win.borrowed[b])
    on_dates = np.where(same_day, day_bonus, np.where(overlap, overlap_bonus, 0.0)) * own_dates
    bonus = settings.type_weight * same_type + on_dates
    content = similarity(pairs, settings) + settings.document_weight * doc_sim * both_focused
    # a shared day or type says nothing about two reports that share no word, name or story: no bonus then
    shares = content >= settings.min_content
    score = content + np.where(shares, bonus, 0.0)
    story = settings.story_weight * both_focused * shared_story(pairs, score, doc, lo, hi, settings.story_min)
    return score + np.where(shares & own_dates, story, 0.0)


class SameDocument:
    """Which two rows of one document must not share a group (rule 3's `apart`).

    Two rows that the document itself dates, in its own words (a written date or a cited report's), to two
    different days report two different events. So do two rows anchored at two different rows of another
    document that do not match each other, unless they retell each other (their own similarity reaches
    `retell_min`): a row is anchored where its best match by its own words and names (no document context,
    type or dates) reaches `anchor_min`. Rows without such evidence may share a group: a local report's
    several sentences about one incident do."""

    def __init__(
        self, bag: Bags, pairs: Pairs, score: np.ndarray, written_day: np.ndarray, settings: GroupingSettings
    ) -> None:
        self.bag, self.settings, self.written_day = bag, settings, written_day
        n = len(bag.indptr) - 1
        own = similarity(pairs, settings)
        ends, others, strength = np.r_[pairs.a, pairs.b], np.r_[pairs.b, pairs.a], np.r_[own, own]
        order = np.lexsort((others, strength))  # ascending: each row's best match comes last (ties: higher id)
        keep = strength[order] >= settings.anchor_min
        self.anchor = np.full(n, -1, dtype="int64")
        self.anchor[ends[order][keep]] = others[order][keep]
        linked = score >= settings.threshold
        self._linked: set[tuple[int, int]] | None = None
        self._pairs = (pairs.a[linked], pairs.b[linked])

    def _matched(self, x: int, y: int) -> bool:
        if self._linked is None:  # built on first use: most tables never ask
            a, b = self._pairs
            self._linked = set(zip(np.minimum(a, b).tolist(), np.maximum(a, b).tolist(), strict=True))
        return (min(x, y), max(x, y)) in self._linked

    def __call__(self, x: int, y: int) -> bool:
        """Rows x and y (of one document): must they stay apart?"""
        dx, dy = int(self.written_day[x]), int(self.written_day[y])
        if dx >= 0 and dy >= 0 and dx != dy:
            return True
        ax, ay = int(self.anchor[x]), int(self.anchor[y])
        if ax < 0 or ay < 0 or ax == ay or self._matched(ax, ay):
            return False
        alike = owner_similarity(self.bag, x, y)[None, :]
        own = similarity(Pairs(np.array([x]), np.array([y]), alike), self.settings)[0]
        return bool(own < self.settings.retell_min)


def shared_story(
    pairs: Pairs, score: np.ndarray, doc: np.ndarray, lo: np.ndarray, hi: np.ndarray, minimum: float
) -> np.ndarray:
    """Per pair: do its two documents already share a clearly matching pair of rows (score >= minimum) whose
    dates its own two rows' windows also reach? Then both articles tell that story around then."""
    n_docs = int(doc.max(initial=-1)) + 1
    doc_pair = np.minimum(doc[pairs.a], doc[pairs.b]) * n_docs + np.maximum(doc[pairs.a], doc[pairs.b])
    best = pd.Series(score).groupby(doc_pair).idxmax()  # each document pair's best-matching pair of rows
    anchor = best.reindex(doc_pair).to_numpy()
    strong = score[anchor] >= minimum
    start = np.maximum(lo[pairs.a[anchor]], lo[pairs.b[anchor]])
    end = np.minimum(hi[pairs.a[anchor]], hi[pairs.b[anchor]])
    near = (lo[pairs.a] <= end) & (start <= hi[pairs.a]) & (lo[pairs.b] <= end) & (start <= hi[pairs.b])
    return strong & near


def day_rarity(win: Windows, doc: np.ndarray) -> np.ndarray:
    """Per row: log(1 + N / n) / log(1 + N) for N documents of which n give the row's single day (0 for rows
    without one). Like a word's idf: in a sparse corpus a shared day is strong evidence, on a day every
    outlet covers it is weak."""
    n_docs = int(doc.max(initial=-1)) + 1
    days = np.where(win.day_level, win.lo, -1)
    per_day = pd.Series(doc[win.day_level]).groupby(days[win.day_level]).nunique()
    n = per_day.reindex(days).fillna(n_docs).to_numpy()
    return np.where(win.day_level, np.log1p(n_docs / n) / np.log1p(max(n_docs, 1)), 0.0)


def attach_weekday_rows(
    weekday_rows: np.ndarray,
    labels: np.ndarray,
    bag: Bags,
    win: Windows,
    doc: np.ndarray,
    etype: np.ndarray,
    settings: GroupingSettings,
) -> np.ndarray:
    """Weekday-only rows -> each joins its best-matching group if only that group fits its weekday (rule 4)."""
    labels = labels.copy()
    targets = np.flatnonzero(win.placed & (win.weekday < 0))
    pairs = query_pairs(bag, weekday_rows, targets, doc, max_fanout=settings.max_fanout)
    same_type = (etype[pairs.a] == etype[pairs.b]) & (etype[pairs.a] >= 0)
    content = similarity(pairs, settings)
    score = content + np.where(content >= settings.min_content, settings.type_weight * same_type, 0.0)
    # each (row, group) pair's summed score, and each group's members, without building them for every group
    span = int(labels.max(initial=0)) + 1
    keys, inverse = np.unique(pairs.a * span + labels[pairs.b], return_inverse=True)
    totals = np.bincount(inverse, weights=score, minlength=len(keys))
    by_label = np.argsort(labels, kind="stable")
    sorted_labels = labels[by_label]

    def members(group: int) -> np.ndarray:
        return by_label[np.searchsorted(sorted_labels, group) : np.searchsorted(sorted_labels, group, side="right")]

    slack = settings.day_slack
    cut = np.flatnonzero(np.diff(keys // span)) + 1
    for found, total in zip(np.split(keys, cut), np.split(totals, cut), strict=True):
        if not len(found):
            continue
        row = int(found[0] // span)
        matches = {}
        for group, summed in zip((found % span).tolist(), total.tolist(), strict=True):
            others = int((doc[members(group)] != doc[row]).sum())
            if others and summed / others >= settings.threshold:
                matches[group] = summed / others
        fitting = {g: days for g in matches if len(days := weekday_days(row, members(g), win, slack))}
        if not fitting:
            continue
        best = max(fitting, key=lambda g: (matches[g], -g))
        # another group that puts the weekday on another day makes the date ambiguous; on the same day, the
        # row's words decide
        if matches[best] >= max(matches.values()) and all(fitting[best] & days for days in fitting.values()):
            labels[row] = best
    return labels


def weekday_days(row: int, members: np.ndarray, win: Windows, slack: int) -> set[int]:
    """The days the group could put the row on: days of the row's weekday inside its window that lie within
    `slack` days of a day the group pins (a member's single day, or windows narrowed to under a week). Empty
    when the weekday does not fit the group."""
    single = members[win.day_level[members]]
    if len(single):
        days = np.unique(win.lo[single])
    else:
        dated = members[win.placed[members] & (win.weekday[members] < 0)]
        start, end = win.lo[dated].max(initial=0), win.hi[dated].min(initial=-1)
        if start > end or end - start >= 7:
            return set()  # a month or a year has every weekday: it pins none
        days = np.arange(start, end + 1)
    near = np.unique((days[:, None] + np.arange(-slack, slack + 1)[None, :]).ravel())
    near = near[(near >= win.lo[row]) & (near <= win.hi[row])]
    return {int(d) for d in near[on_weekday(near, int(win.weekday[row]))]}
