"""Events: time mentions in sentences -> event rows. (Owned by the lead; stub for now.)"""

from __future__ import annotations

from spacy.tokens import Doc

from extract.documents import Document


def document_tables(document: Document, doc: Doc) -> tuple[dict, list[dict]]:
    """One parsed document -> its documents-table row (without n_events) and its event rows."""
    raise NotImplementedError
