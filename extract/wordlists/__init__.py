"""Word lists and taxonomies a team may edit, kept as data files beside this module, read once per process.

Three formats, each file opening with a comment that says what it is for:

- ``NAME.txt``: one entry a line (``words``);
- ``NAME.csv``: ``alias,canonical`` rows under a header row (``mapping``; aliases are matched in lower case);
- ``NAME.toml``: named lists in a fixed order (``named_lists``; the event types).

Blank lines and lines starting with ``#`` are skipped in all three. Setting the environment variable
``DATELINE_WORDLISTS`` to a folder makes a file of the same name there replace the packaged one (a team keeps
its own lists outside the code); set it before the process starts, as the lists are read once. Results are
immutable (frozensets, read-only mappings, tuples) and cached, so threads share them safely.
"""

from __future__ import annotations

import csv
import functools
import os
import tomllib
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType

PACKAGED = Path(__file__).resolve().parent
OVERRIDE_ENV = "DATELINE_WORDLISTS"


class WordlistError(ValueError):
    """A word-list file that cannot be read: its path, the line and the problem are in the message."""


def path_of(filename: str) -> Path:
    """The file a list is read from: the override folder's copy when there is one, else the packaged file."""
    folder = os.environ.get(OVERRIDE_ENV, "").strip()
    if folder:
        if not Path(folder).expanduser().is_dir():  # a mistyped folder would silently keep the packaged lists
            raise WordlistError(f"{OVERRIDE_ENV}={folder}: no such folder")
        candidate = Path(folder).expanduser() / filename
        if candidate.is_file():
            return candidate
    return PACKAGED / filename


def words(name: str, *, lower: bool = False) -> frozenset[str]:
    """The entries of ``NAME.txt``, as written (stripped), or in lower case for lists matched without case."""
    return _words(path_of(f"{name}.txt"), lower)


def mapping(name: str) -> Mapping[str, str]:
    """``NAME.csv`` as a read-only mapping: lower-cased first column -> second column, as written."""
    return _mapping(path_of(f"{name}.csv"))


def named_lists(name: str) -> tuple[tuple[str, frozenset[str]], ...]:
    """``NAME.toml``: (list name, its entries in lower case) pairs, in the file's order."""
    return _named_lists(path_of(f"{name}.toml"))


def raw_entries(name: str) -> dict[str, list[tuple[int, str]]]:
    """Every entry of a list file of any format, duplicates kept, grouped by list (a TOML file holds several):
    list name -> (line number, entry). For checks and error messages."""
    for suffix in (".txt", ".csv", ".toml"):
        path = path_of(name + suffix)
        if not path.is_file():
            continue
        if suffix == ".txt":
            return {name: _lines(path)}
        if suffix == ".csv":
            return {name: [(number, row[0]) for number, row in _rows(path)]}
        return {key: [(0, value) for value in values] for key, values in _toml_lists(path)}
    raise WordlistError(f"no word list named {name!r} in {PACKAGED}")


def list_names() -> list[str]:
    """The names of the packaged lists (file names without their extension)."""
    return sorted(p.stem for p in PACKAGED.iterdir() if p.suffix in (".txt", ".csv", ".toml"))


@functools.cache
def _words(path: Path, lower: bool) -> frozenset[str]:
    return frozenset(entry.lower() if lower else entry for _, entry in _lines(path))


@functools.cache
def _mapping(path: Path) -> Mapping[str, str]:
    out: dict[str, str] = {}
    for number, (alias, canonical) in _rows(path):
        key = alias.lower()
        if out.get(key, canonical) != canonical:
            raise WordlistError(f"{path}: line {number}: {alias!r} is listed twice, as {out[key]!r} and {canonical!r}")
        out[key] = canonical
    return MappingProxyType(out)


@functools.cache
def _named_lists(path: Path) -> tuple[tuple[str, frozenset[str]], ...]:
    return tuple((key, frozenset(v.lower() for v in values)) for key, values in _toml_lists(path))


def _toml_lists(path: Path) -> list[tuple[str, list[str]]]:
    try:
        data = tomllib.loads(_read(path))
    except tomllib.TOMLDecodeError as error:
        raise WordlistError(f"{path}: {error}") from None
    out = []
    for key, values in data.items():
        if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
            raise WordlistError(f"{path}: {key} must be a list of words in quotes")
        out.append((key, [v.strip() for v in values]))
    return out


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise WordlistError(f"{path}: cannot be read as UTF-8 text ({error})") from None


def _lines(path: Path) -> list[tuple[int, str]]:
    """(line number, text) of the lines that are neither blank nor comments."""
    out = []
    for number, line in enumerate(_read(path).splitlines(), 1):
        text = line.strip()
        if text and not text.startswith("#"):
            out.append((number, text))
    return out


def _rows(path: Path) -> list[tuple[int, tuple[str, str]]]:
    """(line number, (first, second)) of a two-column CSV file, its header row skipped."""
    lines = _lines(path)
    out = []
    for (number, line), row in zip(lines, csv.reader(text for _, text in lines), strict=True):
        cells = [cell.strip() for cell in row]
        if len(cells) != 2 or not all(cells):
            raise WordlistError(f"{path}: line {number}: expected two values separated by a comma, got {line!r}")
        out.append((number, (cells[0], cells[1])))
    return out[1:]  # the header row names the columns
