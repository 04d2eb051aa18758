"""Time expressions: find them (patterns plus the model's DATE entities) and normalise them to calendar spans.

Two passes, explicit:

* `scan(text, doc)` once per document: every candidate expression, with all that needs the text or its
  parse (the verb's tense, the sentence, citation and "since" flags, the title/count/name checks). The
  result, a `Scan`, is plain data: it pickles and round-trips through JSON (`Scan.to_json`/`from_json`).
* `resolve(scan, published, published_granularity=...)` as often as needed (unanchored to infer the
  publication date, then against it; later against a date found from other documents): the mentions,
  and the expressions skipped with the reason.

And two one-call entry points that do both:

* `find_time_mentions` returns the dated expressions resolved to calendar spans (TIMEX3 DATEs, and
  TIMEs that name their day such as "9 a.m. Tuesday"), a closed range as one mention with its two
  ends in `parts`: what the events layer needs;
* `find_timexes` returns every TIMEX3 (DATE, TIME, DURATION, SET) in TimeML's conventions (closed
  ranges split into their ends), which is what the TimeML benchmark scores for all types.

Modules: `values` (TimeMention and normalised values), `lexicon` (words and regex pieces), `context`
(the resolution context), `norm_dates` / `norm_relative` / `norm_other` (normalisers by family),
`patterns` (the table, each pattern with its flags), `parse_checks` (what the scan reads from the parse),
`scanner` and `resolver` (the two passes). Names with a leading underscore are shared between these
modules only. Nothing on the extraction path keeps module-level mutable state, so documents can be
tagged in threads at once.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from extract.timex.patterns import PATTERNS, Pattern
from extract.timex.resolver import Resolution, resolve
from extract.timex.scanner import Candidate, Scan, scan
from extract.timex.values import Skipped, TimeMention

if TYPE_CHECKING:
    from spacy.tokens import Doc


def find_time_mentions(
    text: str,
    published: dt.date | None,
    *,
    published_granularity: str = "day",
    doc: Doc | None = None,
) -> list[TimeMention]:
    """Dated time expressions in `text`, resolved against the publication date, sorted by start.

    TIMEX3 DATEs, plus TIMEs that name their day ("9 a.m. Tuesday", "this morning": kind TIME, the day's
    dates, granularity "day"); a closed range is one mention with its two ends in `parts`.

    `doc`, when given, must be a spaCy parse of exactly `text` (the model is then not run);
    `published_granularity` ("day", "month" or "year") says how much of `published` is known.
    Expressions that cannot be normalised are left out (`resolve` reports them with the reason).
    """
    return resolve(scan(text, doc), published, published_granularity=published_granularity).dates()


def find_timexes(
    text: str,
    published: dt.date | None,
    *,
    published_granularity: str = "day",
    doc: Doc | None = None,
) -> list[TimeMention]:
    """Every TIMEX3 (DATE, TIME, DURATION, SET) in TimeML's conventions: closed ranges split into their ends."""
    return resolve(scan(text, doc), published, published_granularity=published_granularity).timexes()


__all__ = [
    "PATTERNS",
    "Candidate",
    "Pattern",
    "Resolution",
    "Scan",
    "Skipped",
    "TimeMention",
    "find_time_mentions",
    "find_timexes",
    "resolve",
    "scan",
]
