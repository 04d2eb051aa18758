"""Reading inputs: .txt/.md/.html/.jsonl and sidecars -> Document records.

OWNED BY THE INGESTION HELPER: this stub fixes the interface only.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    doc_id: str  # path relative to the input folder without extension, or the JSONL id
    text: str  # the text events are extracted from; offsets point into it
    path: str  # file it was read from
    title: str = ""  # metadata title, else empty (the pipeline falls back to the first line)
    outlet: str = ""
    url: str = ""
    published: str = ""  # raw publication date from metadata (sidecar, front matter, JSONL), unparsed
