"""Time expressions: find them (spaCy DATE entities plus patterns) and normalise them to calendar spans.

OWNED BY THE TIMEX HELPER: this stub fixes the interface only.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True)
class TimeMention:
    start: int  # offset of the first character in the text
    end: int  # offset just past the last character
    text: str  # the expression as written
    date_start: dt.date | None  # first day of the period; None when it cannot be resolved
    date_end: dt.date | None  # last day of the period, inclusive
    granularity: str  # day, week, month, quarter, season, year, decade, range
    value: str  # TIMEX3 value: 2025-03-13, 2025-03, 2025, 2025-W41, 2025-Q1, 2025-SU, 201, XXXX-01-15 ...
    basis: str = "explicit"  # explicit, relative, anaphoric, citation, unresolved
    kind: str = "DATE"  # TIMEX3 type: DATE, TIME, DURATION, SET (find_time_mentions returns DATE only)
    open_range: bool = False  # "since 2022": runs to the as-of date of the claim


def find_time_mentions(text: str, published: dt.date | None) -> list[TimeMention]:
    """Dated time expressions in `text`, resolved against the publication date."""
    raise NotImplementedError
