"""The README documents every column of both tables and every configuration setting."""

import re
from pathlib import Path

import pytest

from extract.schema import TABLES

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def dictionary_rows(heading: str) -> list[tuple[str, str]]:
    """(column, meaning) rows of the table under a README heading."""
    section = README.split(heading, 1)[1].split("\n#", 1)[0]
    return re.findall(r"^\| `([a-z0-9_]+)` \| [^|]+ \| (.+) \|$", section, re.M)


# The README heading of each stored table (plans share the events' section and columns).
HEADINGS = {
    "events": "### Events",
    "plans": "### Events",
    "documents": "### Documents",
    "groups": "### Event groups",
    "key_dates": "### Key dates",
}


def test_every_stored_table_has_a_section():
    assert set(HEADINGS) == set(TABLES)


@pytest.mark.parametrize("table", sorted(TABLES))
def test_readme_data_dictionary_names_every_column_in_order(table):
    assert [name for name, _ in dictionary_rows(HEADINGS[table])] == [c.name for c in TABLES[table].columns]


@pytest.mark.parametrize("table", sorted(TABLES))
def test_readme_meanings_match_the_schema(table):
    assert dict(dictionary_rows(HEADINGS[table])) == {c.name: c.doc for c in TABLES[table].columns}


def test_readme_shows_the_two_setup_commands_and_the_makefile_has_them():
    makefile = (Path(__file__).resolve().parents[1] / "Makefile").read_text(encoding="utf-8")
    for target in ("run", "test"):
        assert f"make {target}" in README
        assert re.search(rf"^{target}:", makefile, re.M)


def test_readme_documents_the_data_folder_setting():
    assert "DATELINE_DATA" in README


def test_readme_documents_the_word_list_override():
    from extract.wordlists import OVERRIDE_ENV

    assert f"`{OVERRIDE_ENV}`" in README
