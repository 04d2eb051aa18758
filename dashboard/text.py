"""Document text for the Sources page: the text the store keeps for each document, highlighted and escaped.

Nothing here parses language: highlights come from the events table (sentence offsets and the time
expression as written), so a rerun never re-runs the extractor; the text comes from `Store.read_text`,
never from re-reading the document's file.
"""

from __future__ import annotations

import html
import itertools
from dataclasses import dataclass

import pandas as pd

from extract.store import Store, StoreError

MAX_TEXT_CHARS = 400_000


@dataclass(frozen=True)
class DocumentText:
    """The text of one document, or why it could not be shown."""

    text: str | None
    note: str  # how the text was obtained / why it is missing
    verified: bool = False  # the text is the one the events were extracted from


def document_text(store: Store, doc_id: str) -> DocumentText:
    """The document's stored text (the one its events' offsets index), or a note saying why there is none."""
    try:
        text = store.read_text(doc_id)
    except StoreError as err:
        return DocumentText(None, f"The stored text of this document cannot be read ({err}).")
    if text is None:
        return DocumentText(
            None,
            "The text of this document cannot be found in the store: it was extracted before texts were kept. "
            "Extract it again (or upload it again) to see it here.",
        )
    note = "The stored text, as extracted (matches the extracted text)."
    if len(text) > MAX_TEXT_CHARS:
        note += f" Showing its first {MAX_TEXT_CHARS:,} of {len(text):,} characters."
    return DocumentText(text[:MAX_TEXT_CHARS], note, True)


def highlight_spans(text: str, events: pd.DataFrame) -> tuple[list[tuple[int, int]], list[tuple[int, int]], int]:
    """Sentence spans and time-expression spans of the events in `text`; also how many sentences were not found."""
    sentences: set[tuple[int, int]] = set()
    timexes: set[tuple[int, int]] = set()
    missing = 0
    for row in events[["sentence", "char_start", "char_end", "time_expression"]].itertuples(index=False):
        sentence, start, end = str(row.sentence), int(row.char_start), int(row.char_end)
        if not sentence:
            continue
        if not (0 <= start < end <= len(text) and text[start:end] == sentence):
            found = text.find(sentence)
            if found < 0:
                missing += 1
                continue
            start, end = found, found + len(sentence)
        sentences.add((start, end))
        for expr in _parts(str(row.time_expression)):
            at = text.find(expr, start, end)
            while at >= 0:
                timexes.add((at, at + len(expr)))
                at = text.find(expr, at + len(expr), end)
    return sorted(sentences), sorted(timexes), missing


def _parts(expression: str) -> list[str]:
    """A time expression's pieces as they occur in text ("March 13, 2025 … March 19, 2025" has two)."""
    return [p.strip() for p in expression.split("…") if p.strip()]


def _merge(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def highlight_html(text: str, sentences: list[tuple[int, int]], timexes: list[tuple[int, int]]) -> str:
    """Escaped text with event sentences and time expressions wrapped in <mark>; markup in `text` never runs."""
    sentences, timexes = _merge(sentences), _merge(timexes)
    cuts = sorted({0, len(text), *[p for s in sentences for p in s], *[p for s in timexes for p in s]})
    parts: list[str] = []
    for a, b in itertools.pairwise(cuts):
        if a >= b:
            continue
        piece = html.escape(text[a:b])
        in_sentence = any(s <= a and b <= e for s, e in sentences)
        in_timex = any(s <= a and b <= e for s, e in timexes)
        if in_timex:
            piece = f'<mark class="dl-timex">{piece}</mark>'
        if in_sentence:
            piece = f'<mark class="dl-sentence">{piece}</mark>'
        parts.append(piece)
    return "".join(parts)


STYLE = """<style>
.dl-text { white-space: pre-wrap; line-height: 1.6; font-size: 0.95rem; max-height: 36rem; overflow-y: auto;
  padding: 0.75rem 1rem; border: 1px solid rgba(128,128,128,0.3); border-radius: 0.5rem; }
mark.dl-sentence { background: rgba(255, 214, 10, 0.28); color: inherit; padding: 0; }
mark.dl-timex { background: rgba(31, 119, 180, 0.35); color: inherit; font-weight: 600; padding: 0 1px;
  border-radius: 2px; }
.dl-legend mark { padding: 0 4px; border-radius: 2px; color: inherit; }
</style>"""


def sentence_html(sentence: str, time_expression: str) -> str:
    """One event sentence, escaped, with its time expression highlighted."""
    spans: list[tuple[int, int]] = []
    for expr in _parts(time_expression):
        at = sentence.find(expr)
        while at >= 0:
            spans.append((at, at + len(expr)))
            at = sentence.find(expr, at + len(expr))
    return highlight_html(sentence, [], spans)
