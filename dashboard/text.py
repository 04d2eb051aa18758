"""Document text for the Sources page: read it back from the document's file and highlight it, escaped.

Nothing here parses language: highlights come from the events table (sentence offsets and the time
expression as written), so a rerun never re-runs the extractor.
"""

from __future__ import annotations

import hashlib
import html
import itertools
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from dashboard.data import PROJECT_ROOT
from extract.documents import documents_from_bytes

MAX_TEXT_CHARS = 400_000


@dataclass(frozen=True)
class DocumentText:
    """The text of one document, or why it could not be shown."""

    text: str | None
    note: str  # how the text was obtained / why it is missing
    verified: bool = False  # sha256 of the text matches the documents table


def resolve_path(path: str, data_folder: Path | None = None) -> Path | None:
    """Find a document's file: absolute, else relative to the working directory, the project or the data folder."""
    if not path:
        return None
    candidate = Path(path)
    bases = [Path.cwd(), PROJECT_ROOT]
    if data_folder is not None:
        bases += [data_folder, data_folder.parent]
    options = [candidate] if candidate.is_absolute() else [base / candidate for base in bases]
    return next((p for p in options if p.is_file()), None)


def _text_from_ingestion(name: str, data: bytes, doc_id: str) -> str | None:
    """The text the extractor saw: the file read again by extract.documents (None when it yields none)."""
    try:
        docs, _problems = documents_from_bytes(name, data)
    except Exception:  # a file changed into something unreadable: the caller says the text is missing
        return None
    for doc in docs:
        if doc.doc_id == doc_id or doc_id.endswith(f"/{doc.doc_id}"):
            return doc.text
    return docs[0].text if len(docs) == 1 else None


def read_document_text(path: str, doc_id: str, sha256: str, data_folder: Path | None = None) -> DocumentText:
    """The document's text from its file, checked against the sha256 in the documents table."""
    file = resolve_path(path, data_folder)
    if file is None:
        return DocumentText(None, f"The file {path or '(none recorded)'} cannot be found here.")
    try:
        data = file.read_bytes()
    except OSError as err:
        return DocumentText(None, f"The file {file} cannot be read ({err.strerror}).")
    text = _text_from_ingestion(file.name, data, doc_id)
    if text is None:
        return DocumentText(None, f"No text for {doc_id} can be read from {file.name} any more.")
    if sha256 and hashlib.sha256(text.encode("utf-8")).hexdigest() == sha256:
        return DocumentText(text[:MAX_TEXT_CHARS], f"Text read from {file.name} (matches the extracted text).", True)
    return DocumentText(
        text[:MAX_TEXT_CHARS],
        f"Text read from {file.name}; it differs from the text the events were extracted from "
        "(the file changed since), so highlights are placed by finding each sentence.",
    )


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
