"""The team-editable word lists: every packaged list loads cleanly, and an override folder replaces a file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from extract import wordlists
from extract.wordlists import OVERRIDE_ENV, WordlistError

LISTS = wordlists.list_names()


def test_the_packaged_lists_are_found():
    assert {"speech_verbs", "stative_verbs", "event_types", "country_aliases", "metonyms", "demonyms"} <= set(LISTS)


@pytest.mark.parametrize("name", LISTS)
def test_every_list_loads_non_empty_without_duplicates_or_case_variants(name, monkeypatch):
    monkeypatch.delenv(OVERRIDE_ENV, raising=False)
    groups = wordlists.raw_entries(name)
    assert groups
    for group, entries in groups.items():
        assert entries, f"{name}: {group} is empty"
        seen: dict[str, int] = {}
        for line, entry in entries:
            assert entry == entry.strip() and entry, f"{name}: line {line}: blank or padded entry {entry!r}"
            key = entry.casefold()
            assert key not in seen, f"{name}: {group}: {entry!r} (line {line}) repeats line {seen[key]}"
            seen[key] = line


def test_each_file_opens_with_a_comment_saying_what_it_is_for():
    for path in sorted(wordlists.PACKAGED.iterdir()):
        if path.suffix in (".txt", ".csv", ".toml"):
            assert path.read_text(encoding="utf-8").startswith("# "), path.name


def test_loaded_lists_are_immutable_and_mappings_are_keyed_in_lower_case(monkeypatch):
    monkeypatch.delenv(OVERRIDE_ENV, raising=False)
    aliases = wordlists.mapping("country_aliases")
    assert aliases["u.s."] == "United States"
    assert all(key == key.lower() for key in aliases)
    with pytest.raises(TypeError):
        aliases["x"] = "y"  # type: ignore[index]
    assert isinstance(wordlists.words("speech_verbs"), frozenset)
    assert wordlists.named_lists("event_types")[0][0] == "sanctions"


def test_an_override_folder_replaces_only_the_files_it_holds(tmp_path, monkeypatch):
    (tmp_path / "speech_verbs.txt").write_text("# ours\nSay\nmutter\n", encoding="utf-8")
    (tmp_path / "demonyms.csv").write_text("# ours\ndemonym,country\nFreedonian,Freedonia\n", encoding="utf-8")
    monkeypatch.setenv(OVERRIDE_ENV, str(tmp_path))
    assert wordlists.words("speech_verbs") == {"Say", "mutter"}
    assert wordlists.words("speech_verbs", lower=True) == {"say", "mutter"}
    assert dict(wordlists.mapping("demonyms")) == {"freedonian": "Freedonia"}
    assert "remain" in wordlists.words("stative_verbs")  # not overridden: the packaged file
    monkeypatch.delenv(OVERRIDE_ENV)
    assert "mutter" not in wordlists.words("speech_verbs")


def test_an_override_folder_that_does_not_exist_is_named(tmp_path, monkeypatch):
    monkeypatch.setenv(OVERRIDE_ENV, str(tmp_path / "missing"))
    with pytest.raises(WordlistError, match="missing: no such folder"):
        wordlists.words("speech_verbs")


@pytest.mark.parametrize(
    ("filename", "text", "message"),
    [
        ("demonyms.csv", "demonym,country\nfreedonian\n", "line 2: expected two values"),
        ("demonyms.csv", "demonym,country\nfreedonian,Freedonia\nFREEDONIAN,Sylvania\n", "listed twice"),
        ("event_types.toml", "sanctions = [\n", "event_types.toml"),
        ("event_types.toml", 'sanctions = "embargo"\n', "must be a list of words"),
        ("speech_verbs.txt", b"say\n\xff\xfe\n", "cannot be read as UTF-8"),
    ],
)
def test_a_malformed_override_is_reported_with_its_file_and_problem(tmp_path, monkeypatch, filename, text, message):
    path = tmp_path / filename
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    monkeypatch.setenv(OVERRIDE_ENV, str(tmp_path))
    name = filename.rsplit(".", 1)[0]
    loader = {"csv": wordlists.mapping, "toml": wordlists.named_lists, "txt": wordlists.words}[filename.rsplit(".")[-1]]
    with pytest.raises(WordlistError) as error:
        loader(name)
    assert str(path) in str(error.value)
    assert message in str(error.value)


def test_the_extractor_reads_the_override_at_start_up(tmp_path):
    # a fresh process, as a CLI run or a spawned worker would be: the lists are read once, when first imported
    (tmp_path / "speech_verbs.txt").write_text("# ours\nmutter\n", encoding="utf-8")
    env = {**os.environ, OVERRIDE_ENV: str(tmp_path)}
    code = (
        "from extract.events import SPEECH_VERBS, STATIVE_VERBS; print(sorted(SPEECH_VERBS), 'remain' in STATIVE_VERBS)"
    )
    root = Path(__file__).resolve().parents[1]
    out = subprocess.run([sys.executable, "-c", code], env=env, cwd=root, capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["['mutter']", "True"]
