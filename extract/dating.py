"""An event's date from its time mentions, and the record that lets a document be dated again later.

Both without a parse: `span_of` turns the mentions an event was built from into its period; a `DatingRecord`
(the document's time-expression scan plus, for each event, the offsets of the mentions it was built from) is
stored with the document, so that when other sources fix the date the document was published, its events can
be re-dated by resolving the scan against that date (`redate`), without parsing the text again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from extract.timex import Scan, TimeMention, resolve

RECORD_VERSION = 1


def within(inner: TimeMention, outer: TimeMention) -> bool:
    """Whether inner's period lies inside outer's (both resolved)."""
    if not (inner.date_start and outer.date_start and inner.date_end and outer.date_end):
        return False
    return outer.date_start <= inner.date_start and inner.date_end <= outer.date_end


def span_of(mentions: Sequence[TimeMention]) -> tuple[dt.date | None, dt.date | None, str, str]:
    """Dates, granularity and basis of an event from its mentions (several make a range)."""
    dated = [m for m in mentions if m.date_start and m.date_end]
    if not dated:
        return None, None, "unresolved", "unresolved"
    # "In 2025 ... on March 13": a period that contains another only frames it; the innermost is the date
    dated = [m for m in dated if not any(o is not m and within(o, m) and not within(m, o) for o in dated)]
    if len(dated) == 1:
        m = dated[0]
        return m.date_start, m.date_end, m.granularity, m.basis
    start = min(m.date_start for m in dated)  # type: ignore[type-var]
    end = max(m.date_end for m in dated)  # type: ignore[type-var]
    kinds = {m.granularity for m in dated}
    granularity = kinds.pop() if len(kinds) == 1 and start == end else "range"
    return start, end, granularity, dated[0].basis


@dataclass(frozen=True)
class DatingRecord:
    """A document's scan; per event_id, the (start, end) offsets of the mentions that date the event (an
    empty list: the event is a lead dated by the publication date); and the publication date its own text
    and metadata give (ISO date or "", granularity, basis), to start from again when other sources change."""

    scan: Scan
    anchors: Mapping[str, tuple[tuple[int, int], ...]] = field(default_factory=dict)
    published: tuple[str, str, str] = ("", "", "unknown")

    def to_json(self) -> str:
        """The record as JSON (what the store keeps as the document's scan)."""
        data = {
            "version": RECORD_VERSION,
            "scan": self.scan.to_dict(),
            "anchors": self.anchors,
            "published": list(self.published),
        }
        return json.dumps(data, ensure_ascii=False, separators=(",", ":"))

    @property
    def own_date(self) -> dt.date | None:
        """The publication date the document's own text and metadata give (None when they give none)."""
        return dt.date.fromisoformat(self.published[0]) if self.published[0] else None

    @classmethod
    def from_json(cls, text: str) -> DatingRecord:
        """A record from `to_json`'s string; ValueError naming the problem when it is not one."""
        try:
            data: Any = json.loads(text)
        except (json.JSONDecodeError, RecursionError) as exc:
            raise ValueError(f"stored dating record is not JSON: {exc}") from None
        if not isinstance(data, dict) or data.get("version") != RECORD_VERSION:
            raise ValueError(f"not a dating record of version {RECORD_VERSION}")
        try:
            anchors = {
                str(event_id): tuple((int(s), int(e)) for s, e in spans) for event_id, spans in data["anchors"].items()
            }
            day, granularity, basis = (str(v) for v in data["published"])
            if day:
                dt.date.fromisoformat(day)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise ValueError(f"malformed dating record: {type(exc).__name__}: {exc}") from None
        return cls(Scan.from_dict(data["scan"]), anchors, (day, granularity, basis))


@dataclass(frozen=True)
class Redated:
    """An event's period after the document was dated again."""

    date_start: dt.date | None
    date_end: dt.date | None
    granularity: str
    date_basis: str


def redate(
    record: DatingRecord, published: dt.date | None, granularity: str, end: dt.date | None = None
) -> dict[str, Redated]:
    """Every event of the record, re-dated against a publication date (``end``: its period's last day; None:
    no publication date, so relative expressions stay unresolved).

    Each event gets the period its mentions resolve to; a lead (no mentions) gets the publication period
    with basis "publication". An event whose mentions cannot all be found again (a footnote citation, a scan
    from other rules) is left out: it keeps its stored dates.
    """
    resolution = resolve(record.scan, published, published_granularity=granularity or "day")
    mentions = {(m.start, m.end): m for m in resolution.dates()}
    out: dict[str, Redated] = {}
    for event_id, spans in record.anchors.items():
        if not spans:
            if published is not None:
                out[event_id] = Redated(published, end or published, granularity, "publication")
            continue
        found = [mentions.get(span) for span in spans]
        if any(m is None for m in found):
            continue
        out[event_id] = Redated(*span_of(found))  # type: ignore[arg-type]
    return out


__all__ = ["DatingRecord", "Redated", "redate", "span_of", "within"]
