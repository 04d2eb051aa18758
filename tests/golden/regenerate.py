"""The pinned extraction: the seeds' (and the annotated batches') tables and time mentions as CSV.

    python tests/golden/regenerate.py          # rewrite the golden files (make golden)

`tests/test_golden.py` extracts the same texts and compares with these files byte for byte, so a change
that moves any event, date, actor or summary shows up as a diff; regenerate only when it is intended.
"""

from __future__ import annotations

import csv
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

HERE = Path(__file__).resolve().parent
CORPORA = {
    "seeds": [ROOT / "seeds"],
    "annotated": sorted((ROOT / "benchmarks" / "annotated").glob("batch*/texts")),
}
MENTION_FIELDS = ("doc_id", "start", "end", "text", "date_start", "date_end", "granularity", "value", "basis", "kind")


def golden_files() -> dict[str, str]:
    """File name -> the CSV text the current extractor produces for it."""
    from extract import schema, store
    from extract.documents import read_inputs
    from extract.pipeline import extract_documents

    out: dict[str, str] = {}
    for name, folders in CORPORA.items():
        documents, problems = read_inputs(folders)
        assert not problems, problems
        documents = [
            d.__class__(**{**d.__dict__, "path": Path(d.path).relative_to(ROOT).as_posix()}) for d in documents
        ]
        events, docs, problems, *_ = extract_documents(documents)
        assert not problems, problems
        out[f"{name}_events.csv"] = _csv(store.csv_frame(events, schema.EVENT_COLUMNS))
        out[f"{name}_documents.csv"] = _csv(store.csv_frame(docs, schema.DOCUMENT_COLUMNS))
        out[f"{name}_mentions.csv"] = _mentions_csv(documents, docs)
    return out


def _mentions_csv(documents, docs) -> str:
    """Every time mention of every document, resolved against its stored publication date."""
    from extract import find_time_mentions
    from extract.nlp import load_nlp
    from extract.pipeline import parse_document

    published = {row.doc_id: row for row in docs.itertuples(index=False)}
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(MENTION_FIELDS)
    for document in documents:
        row = published[document.doc_id]
        day = None if row.published is None or str(row.published) == "NaT" else row.published.date()
        granularity = row.published_granularity or "day"
        doc = parse_document(load_nlp(), document.text)
        for m in find_time_mentions(document.text, day, published_granularity=granularity, doc=doc):
            writer.writerow(
                [
                    document.doc_id,
                    m.start,
                    m.end,
                    m.text,
                    m.date_start,
                    m.date_end,
                    m.granularity,
                    m.value,
                    m.basis,
                    m.kind,
                ]
            )
    return buffer.getvalue()


def _csv(frame) -> str:
    return frame.to_csv(index=False, lineterminator="\n")


def main() -> int:
    for name, text in golden_files().items():
        (HERE / name).write_text(text, encoding="utf-8")
        print(f"wrote tests/golden/{name} ({text.count(chr(10)) - 1} rows)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
