"""Event-building rules that need no model."""

import pytest

from extract.events import first_line, title_and_outlet


@pytest.mark.parametrize(
    ("text", "title", "outlet"),
    [
        ("Ports reopen after storm\n\nBody text here.", "Ports reopen after storm", ""),
        ("Summary:\n- point one\nA real heading line\n", "- point one", ""),
        (
            "Body.\nThe post Grain deal falters again appeared first on Harbour Times.\n",
            "Grain deal falters again",
            "Harbour Times",
        ),
    ],
)
def test_fallback_title_and_outlet(text, title, outlet):
    assert title_and_outlet(text) == (title, outlet)


def test_first_line_of_empty_text_is_empty():
    assert first_line("\n \n") == ""
