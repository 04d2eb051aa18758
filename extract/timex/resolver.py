"""The second pass: a `Scan` resolved against a publication date, in text order, each expression read in
the context the earlier ones set (the time last narrated, the quarter a results story reports on, a
report cited in the same sentence). Needs neither the text nor its parse, so a stored scan can be
resolved again when a publication date is found later."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from typing import NamedTuple

from extract.calendar import GRANULARITY_RANK
from extract.timex.context import Groups, _Ctx
from extract.timex.lexicon import _ANAPHORIC_YEAR, _DAY, _DAY_PARTS, _I, _MONTH, _WEEKDAY, _YEAR
from extract.timex.norm_other import _resolve_ent
from extract.timex.scanner import Candidate, Scan
from extract.timex.values import Skipped, TimeMention, _Res, skip_reason

_ANCHOR_GRANULARITIES = ("day", "week", "month", "quarter", "season", "year")
_NAMES_DAY_RX = re.compile(_I.format(rf"{_WEEKDAY}|{_DAY_PARTS}"))
_PART_RX = re.compile(rf"(?:{_MONTH})(?:\s+{_DAY})?(?:,?\s+{_YEAR})?|{_DAY}(?:\s+{_MONTH})?(?:,?\s+{_YEAR})?|{_YEAR}")


class Resolution(NamedTuple):
    """A resolved scan: every TIMEX3 found (a closed range as one mention), and the expressions skipped."""

    mentions: list[TimeMention]
    skipped: list[Skipped]

    def dates(self) -> list[TimeMention]:
        """What `find_time_mentions` returns: DATEs, and TIMEs that name their day ("9 a.m. Tuesday")."""
        return [
            m
            for m in self.mentions
            if m.kind == "DATE" or (m.kind == "TIME" and m.granularity == "day" and _NAMES_DAY_RX.search(m.text))
        ]

    def timexes(self) -> list[TimeMention]:
        """What `find_timexes` returns: every TIMEX3, closed ranges split into their two ends."""
        return [part for m in self.mentions for part in (m.parts or (m,))]


def resolve(scan: Scan, published: dt.date | None, *, published_granularity: str = "day") -> Resolution:
    """The scan's expressions resolved against the publication date, in text order, and those skipped.

    An expression whose normaliser fails is skipped and reported in `Resolution.skipped` with the
    reason; the others are resolved as if it were not there.

    `published_granularity` ("day", "month" or "year") says how much of `published` is known; with no
    publication date, relative expressions stay unresolved.
    """
    ctx = _Ctx(published, published_granularity, "past", None, {})
    out: list[TimeMention] = []
    skipped = list(scan.skipped)
    sentences: list[int] = []  # the sentence of each mention in `out`
    for c in scan.candidates:
        ctx.pos = c.start
        ctx.sentence = c.sentence
        ctx.since = c.since
        p = c.spec
        if c.cited:
            ctx.tense = "cite"  # a source is dated on or before the publication
        elif p is not None and p.tensed:
            ctx.tense = c.tense or "past"
        else:
            ctx.tense = "past"
        try:
            res = _resolve_ent(c.text, ctx) if p is None else p.norm(c.groups, ctx)
        except Exception as exc:  # one expression that cannot be normalised never costs the document the rest
            skipped.append(Skipped(c.start, c.end, c.text, skip_reason(exc)))
            continue
        if res is None:
            continue
        basis = res.basis
        if (
            res.date_start is not None
            and _anaphoric_year_word(c.groups)
            and ctx.last_gran_anchor.get("year") is not None
        ):
            basis = "anaphoric"  # "in November that year"
        open_range = False
        if res.kind == "DATE":
            if c.cited:
                basis = "accessed" if c.accessed else "citation"
            elif res.date_start is not None and c.since:
                open_range = True
        if basis == "citation" and res.date_start is not None and res.granularity == "day":
            ctx.cited = (res, ctx.sentence, c.start)
        parts = _range_parts(c.start, c.text, res.ends, basis) if res.ends is not None else ()
        out.append(
            TimeMention(
                c.start,
                c.end,
                c.text,
                res.date_start,
                res.date_end,
                res.granularity,
                res.value,
                basis,
                res.kind,
                open_range,
                parts,
            )
        )
        sentences.append(c.sentence)
        _note_period(ctx, c, res, basis, published)
        if _anchors(c, res, basis):
            _note_anchor(ctx, c, res)
    # Open ranges run to the as-of date of the claim: a cited report in the same sentence, else publication.
    for i, m in enumerate(out):
        if m.open_range:
            end = _as_of(out, sentences, sentences[i], published)
            if end is not None and m.date_start is not None and end >= m.date_start:
                out[i] = replace(m, date_end=end, granularity="range")
            else:
                out[i] = replace(m, date_end=None, granularity="range", basis="unresolved")
    return Resolution(out, sorted(skipped, key=lambda s: s.start))


def _note_period(ctx: _Ctx, c: Candidate, res: _Res, basis: str, published: dt.date | None) -> None:
    """The quarter a results story reports on: named quarters, "the latest quarter" (not "year-ago" ones)."""
    p = c.spec
    if not (
        res.granularity == "quarter"
        and res.date_start is not None
        and basis != "unresolved"
        and p is not None
        and p.reports_period
    ):
        return
    rel = c.groups["rel"]
    current = ctx.reported_quarter()
    if (
        not (rel and rel.lower().startswith("the year"))
        # a story reports its latest completed quarter: earlier ones are comparisons ("after a flat second
        # quarter"), later ones outlooks
        and (current is None or current.date_start is None or res.date_start >= current.date_start)
        and (
            published is None
            or res.date_end <= published  # type: ignore[operator]
            or c.ended  # a fiscal quarter: "the fourth quarter ended Sept. 30"
            or (res.date_start <= published and c.tense == "past")  # "fourth-quarter net fell"
        )
    ):
        ctx.period, ctx.period_pos = res, c.start
    elif current is not None and res.value == current.value:
        ctx.period_pos = c.start  # named again: still the subject


def _anchors(c: Candidate, res: _Res, basis: str) -> bool:
    """Anaphora anchors: narrative dates only (not citations, not references like "now", not offsets)."""
    p = c.spec
    return (
        res.kind == "DATE"
        and basis not in ("citation", "accessed", "unresolved")
        and res.date_start is not None
        and res.granularity in _ANCHOR_GRANULARITIES
        and not res.value.endswith("_REF")
        and (p is None or p.anchors)
    )


def _note_anchor(ctx: _Ctx, c: Candidate, res: _Res) -> None:
    """`res` is now the time last narrated, for its granularity and every coarser one."""
    ctx.anchor = res
    ctx.anchor_pos = c.start
    ctx.anchor_sentence = ctx.sentence
    rank = GRANULARITY_RANK[res.granularity]
    for g, r in GRANULARITY_RANK.items():
        if r >= rank and g in _ANCHOR_GRANULARITIES:
            ctx.last_gran_anchor[g] = res
    if res.granularity != "quarter" and rank < 3:
        ctx.last_gran_anchor.pop("quarter", None)


def _anaphoric_year_word(groups: Groups) -> bool:
    """The match names its year as "that year", "the following year" ..."""
    return any(g and re.sub(r"\s+", " ", g.lower()) in _ANAPHORIC_YEAR for g in (groups["ry"], groups["ry2"]))


def _as_of(
    mentions: list[TimeMention], sentences: list[int], sentence: int, published: dt.date | None
) -> dt.date | None:
    """The date a claim in `sentence` is made as of: a report cited in the same sentence, else publication."""
    for m, s in zip(mentions, sentences, strict=True):
        if m.basis == "citation" and m.date_end is not None and s == sentence:
            return m.date_end
    return published


def _range_parts(start: int, span: str, ends: tuple[_Res, _Res], basis: str) -> tuple[TimeMention, ...]:
    """The two ends of a closed range, located in its text: "from [March 13] to [19]", "between [1994] and [1997]"."""
    found = [p for p in _PART_RX.finditer(span) if p.group(0).strip()]
    if len(found) < 2:
        return ()
    return tuple(
        TimeMention(
            start + p.start(), start + p.end(), p.group(0), r.date_start, r.date_end, r.granularity, r.value, basis
        )
        for p, r in ((found[0], ends[0]), (found[-1], ends[1]))
    )
