"""Reading inputs: .txt/.md/.html/.jsonl and sidecars -> Document records.

Rules (the CLI's --help repeats them for users):

* Folders are searched recursively in sorted order; hidden files and folders (name starting with ".") are
  skipped, and so are ``*.meta.json`` sidecars, which are metadata for the file of the same name.
* ``doc_id`` is the path relative to the input folder without its extension, with "/" separators; for a file
  given directly it is the file's stem; for a JSONL line it is the line's ``id`` (with ``namespace_jsonl``,
  as the dashboard's uploads use: the file's doc_id, "/", the ``id``, e.g. ``batch/1``). A doc_id seen before
  is reported and the later document skipped.
* Text is decoded as strict UTF-8. A leading byte-order mark is dropped, so event offsets index into the
  decoded text *without* the BOM. Non-UTF-8 input is refused with the offending byte and offset rather than
  decoded as cp1252: a wrong guess would silently garble the sentences and names in the events table, while
  re-saving a file as UTF-8 is easy. (HTML is the exception: a ``<meta charset>`` the page declares is
  honoured when it is one of the common web encodings, ``HTML_ENCODINGS``, since that is not a guess and
  offsets index into the extracted text anyway; a UTF-16/32 byte-order mark decides over any declaration.)
* For .txt the text is the decoded file unchanged; for .md it is the file with its front matter blanked out
  (every character but line breaks made a space), so offsets index the file in both;
  for .html it is the main text trafilatura extracts (or, when it finds none, the text outside
  script/style/nav and similar elements).
* Metadata precedence: sidecar over front matter / HTML metadata / JSONL fields.

Every problem becomes a :class:`Problem`; ``"error"`` means the input (file or JSONL line) was skipped,
``"warning"`` means it was read but something (a sidecar, a date) was ignored. Whatever goes wrong while
reading one file or line (hostile JSON, an odd encoding, a name the file system refuses) is that input's
Problem; the others are still read.
"""

from __future__ import annotations

import codecs
import html
import json
import logging
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path, PurePosixPath

from extract.published import impossible_date

MAX_BYTES = 50 * 1024 * 1024  # refuse larger files: memory, and almost surely not one news article
TEXT_SUFFIXES = (".txt",)
MARKDOWN_SUFFIXES = (".md", ".markdown")
HTML_SUFFIXES = (".html", ".htm")
JSONL_SUFFIXES = (".jsonl",)
SUPPORTED_SUFFIXES = TEXT_SUFFIXES + MARKDOWN_SUFFIXES + HTML_SUFFIXES + JSONL_SUFFIXES
SIDECAR_SUFFIX = ".meta.json"
METADATA_KEYS = ("title", "outlet", "url", "published")
# Common alternative names in front matter and JSONL, mapped to ours.
METADATA_ALIASES = {"date": "published", "source": "outlet", "site": "outlet", "sitename": "outlet", "link": "url"}

ERROR = "error"
WARNING = "warning"
MAX_ID_CHARS = 255  # a longer JSONL 'id' is refused: a doc_id names the document in tables and messages
MAX_FIELD_CHARS = 2_000  # a longer metadata value (title, outlet, url, date) is ignored with a warning
# Encodings an HTML page may declare (canonical codec names): the common web ones. Others are refused, as
# some codecs cannot decode at all ("undefined") or are no text encoding and slow on long input ("punycode").
HTML_ENCODINGS = frozenset(
    ["utf-8", "ascii", "koi8-r", "koi8-u", "shift_jis", "euc_jp", "euc_kr", "gb2312", "gbk", "gb18030", "big5"]
    + [f"iso8859-{n}" for n in (*range(1, 12), *range(13, 17))]
    + [f"cp{n}" for n in range(1250, 1259)]
)
# Byte-order marks that decide a page's encoding whatever it declares (UTF-32 first: its LE mark starts like UTF-16's).
_BOMS = (
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)


@dataclass(frozen=True)
class Document:
    doc_id: str  # path relative to the input folder without extension, or the JSONL id
    text: str  # the text events are extracted from; offsets point into it
    path: str  # file it was read from
    title: str = ""  # metadata title, else empty (the pipeline falls back to the first line)
    outlet: str = ""
    url: str = ""
    published: str = ""  # raw publication date from metadata (sidecar, front matter, JSONL), unparsed


@dataclass(frozen=True)
class Problem:
    """Something wrong with one input; ``severity`` is "error" (skipped) or "warning" (read anyway)."""

    path: str  # file, or "file.jsonl:LINE", or the doc_id for extraction failures
    reason: str
    severity: str = ERROR

    def __str__(self) -> str:
        return f"{self.path}: {self.severity}: {self.reason}"


class InputError(Exception):
    """An input that cannot be read; the message is the Problem's reason."""


# --------------------------------------------------------------------------- public entry points


def read_inputs(
    paths: Iterable[Path], max_bytes: int = MAX_BYTES, *, namespace_jsonl: bool = False
) -> tuple[list[Document], list[Problem]]:
    """Read every input file or folder; return the documents in input order and the problems met.

    ``namespace_jsonl``: a JSONL line's doc_id is ``<the file's doc_id>/<id>`` instead of the bare ``id``, so
    two files that both number their articles 1..N do not collide.
    """
    problems: list[Problem] = []
    documents = list(iter_inputs(paths, problems, max_bytes, namespace_jsonl=namespace_jsonl))
    return documents, problems


def iter_inputs(
    paths: Iterable[Path], problems: list[Problem], max_bytes: int = MAX_BYTES, *, namespace_jsonl: bool = False
) -> Iterator[Document]:
    """read_inputs one file at a time: yields the documents in input order and appends the problems met to
    ``problems`` as it goes, so at most one file's documents (at most ``max_bytes`` of it) are in memory."""
    seen: dict[str, str] = {}  # doc_id -> where it was first read from
    for raw in paths:
        path = Path(raw)
        try:
            kind = _kind(path)
        except OSError as exc:  # e.g. a name too long for the file system
            problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))
            continue
        if kind == "folder":
            found = list(_walk(path, problems))
            if not found:
                problems.append(Problem(str(path), "no input files in this folder (.txt, .md, .html, .jsonl)", WARNING))
            for file, doc_id in found:
                yield from _new(_read_file(file, doc_id, max_bytes, problems, namespace_jsonl), problems, seen)
        elif kind == "file":
            if path.name.endswith(SIDECAR_SUFFIX):
                problems.append(Problem(str(path), "a .meta.json sidecar is metadata for another file, not an input"))
                continue
            yield from _new(_read_file(path, path.stem, max_bytes, problems, namespace_jsonl), problems, seen)
        elif kind == "other":
            problems.append(Problem(str(path), "not a regular file or folder"))
        else:
            problems.append(Problem(str(path), "no such file or folder"))


def documents_from_bytes(
    name: str, data: bytes, sidecar: bytes | None = None, max_bytes: int = MAX_BYTES
) -> tuple[list[Document], list[Problem]]:
    """An uploaded file -> documents; ``name``'s extension decides the format, its stem is the doc_id.

    ``sidecar`` is the optional content of the matching ``.meta.json``. Same rules as files on disk.
    """
    problems: list[Problem] = []
    suffix = _suffix(name)
    stem = PurePosixPath(name.replace("\\", "/")).name
    doc_id = stem[: -len(suffix)] if suffix and stem.lower().endswith(suffix) else stem
    if name.endswith(SIDECAR_SUFFIX):
        return [], [Problem(name, "a .meta.json sidecar is metadata for another file, not an input")]
    meta: dict[str, str] = {}
    if sidecar is not None:
        meta = _parse_sidecar(sidecar, f"{name[: -len(suffix)] if suffix else name}{SIDECAR_SUFFIX}", problems)
    try:
        docs = _parse(name, suffix, data, doc_id, meta, max_bytes, problems)
    except InputError as exc:
        problems.append(Problem(name, str(exc)))
        docs = []
    except Exception as exc:  # a reader's own failure on odd input: this file's problem, not the batch's
        problems.append(Problem(name, _unexpected(exc)))
        docs = []
    return docs, problems


def decode_text(data: bytes) -> str:
    """Strict UTF-8 without a leading BOM; raise InputError naming the first bad byte."""
    if b"\x00" in data:
        raise InputError(_binary_reason(data))
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        bad = data[exc.start]
        raise InputError(f"not UTF-8 (byte 0x{bad:02x} at offset {exc.start}); save the file as UTF-8") from None
    text = text.removeprefix("\ufeff")
    if _mostly_control(text):
        raise InputError("binary file (mostly control characters, not text)")
    return text


_FRONT_MATTER_CHARS = re.compile(r"[^\r\n]")


def split_front_matter(text: str) -> tuple[dict[str, str], str, str | None]:
    """Markdown ``---`` front matter -> (key/value pairs, body, problem or None).

    Deliberately simple (no YAML dependency): ``key: value`` lines, values unquoted; other lines ignored.
    """
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].rstrip("\r\n").rstrip() != "---":
        return {}, text, None
    meta: dict[str, str] = {}
    consumed = len(lines[0])
    for line in lines[1:]:
        consumed += len(line)
        content = line.rstrip("\r\n")
        if content.strip() in ("---", "..."):
            return meta, text[consumed:], None
        key, sep, value = content.partition(":")
        # Indented lines belong to nested YAML values we do not interpret; "#" starts a comment.
        if sep and key.strip() and not content.startswith((" ", "\t", "#")):
            value = value.strip()
            if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
                value = value[1:-1]
            meta[key.strip().lower()] = value
    return {}, text, "front matter '---' is never closed; the whole file is read as text"


def check_date(value: str) -> str | None:
    """Why a numeric metadata date is impossible (e.g. 2025-02-30), or None when it is fine or not numeric.

    Only ISO-like numbers are checked (by the parser that reads them later); free text
    ("10 October 2025") is left for the extractor to parse.
    """
    return "impossible" if impossible_date(value) else None


# --------------------------------------------------------------------------- walking and dispatch


def _walk(root: Path, problems: list[Problem]) -> Iterable[tuple[Path, str]]:
    """(file, doc_id) for the inputs under root, sorted by relative path; hidden entries skipped."""
    found: list[tuple[tuple[str, ...], Path]] = []
    sidecars: list[Path] = []

    def onerror(exc: OSError) -> None:
        problems.append(Problem(str(exc.filename or root), f"cannot read folder: {exc.strerror}"))

    for dirpath, dirnames, filenames in os.walk(root, onerror=onerror):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in filenames:
            if name.startswith("."):
                continue
            file = Path(dirpath) / name
            if name.endswith(SIDECAR_SUFFIX):
                sidecars.append(file)
                continue
            found.append((file.relative_to(root).parts, file))
    found.sort()
    inputs = {file for _, file in found}
    for sidecar in sorted(sidecars):
        base = sidecar.name[: -len(SIDECAR_SUFFIX)]
        if not any(sidecar.parent / f"{base}{sfx}" in inputs for sfx in SUPPORTED_SUFFIXES):
            problems.append(Problem(str(sidecar), "sidecar without a matching .txt/.md/.html file; ignored", WARNING))
    for parts, file in found:
        rel = PurePosixPath(*parts)
        suffix = _suffix(file.name)
        yield file, str(rel)[: -len(suffix)] if suffix else str(rel)


def _new(docs: list[Document], problems: list[Problem], seen: dict[str, str]) -> Iterator[Document]:
    """The documents whose doc_id was not seen before; a repeated one is reported and skipped."""
    for doc in docs:
        if doc.doc_id in seen:
            problems.append(
                Problem(doc.path, f"duplicate doc_id '{doc.doc_id}' (already read from {seen[doc.doc_id]}); skipped")
            )
            continue
        seen[doc.doc_id] = doc.path
        yield doc


def _suffix(name: str) -> str:
    """The file's extension, lower-cased ('' when none)."""
    return PurePosixPath(name.replace("\\", "/")).suffix.lower()


def _kind(path: Path) -> str:
    """ "folder", "file", "other" (a device, a pipe) or "missing"; raises OSError when the path cannot be checked."""
    try:
        mode = path.stat().st_mode
    except (FileNotFoundError, NotADirectoryError):
        return "missing"
    if stat.S_ISDIR(mode):
        return "folder"
    return "file" if stat.S_ISREG(mode) else "other"


def _read_file(
    path: Path, doc_id: str, max_bytes: int, problems: list[Problem], namespace_jsonl: bool = False
) -> list[Document]:
    """One input file -> its documents; every failure becomes a Problem naming the file."""
    try:
        return _read_file_or_raise(path, doc_id, max_bytes, problems, namespace_jsonl)
    except InputError as exc:
        problems.append(Problem(str(path), str(exc)))
    except OSError as exc:
        problems.append(Problem(str(path), f"cannot read: {exc.strerror or exc}"))
    except Exception as exc:  # a reader's own failure on odd input: this file's problem, not the batch's
        problems.append(Problem(str(path), _unexpected(exc)))
    return []


def _read_file_or_raise(
    path: Path, doc_id: str, max_bytes: int, problems: list[Problem], namespace_jsonl: bool
) -> list[Document]:
    suffix = _suffix(path.name)
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(_unsupported(suffix))
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):  # a pipe or a device would block or never end
        raise InputError("not a regular file")
    if info.st_size > max_bytes:  # checked before reading so a huge file never lands in memory
        raise InputError(_too_big(info.st_size, max_bytes))
    data = path.read_bytes()
    meta: dict[str, str] = {}
    sidecar = path.with_name(path.name[: -len(suffix)] + SIDECAR_SUFFIX)
    try:
        has_sidecar = _kind(sidecar) == "file"
    except OSError:  # its name is too long for the file system, say: then there is none
        has_sidecar = False
    if has_sidecar:
        if suffix in JSONL_SUFFIXES:
            problems.append(
                Problem(
                    str(sidecar), "sidecars do not apply to JSONL (lines carry their own metadata); ignored", WARNING
                )
            )
        else:
            try:
                meta = _parse_sidecar(sidecar.read_bytes(), str(sidecar), problems)
            except OSError as exc:
                problems.append(Problem(str(sidecar), f"cannot read sidecar: {exc.strerror or exc}; ignored", WARNING))
    prefix = f"{doc_id}/" if namespace_jsonl else ""
    return _parse(str(path), suffix, data, doc_id, meta, max_bytes, problems, prefix)


def _parse(
    name: str,
    suffix: str,
    data: bytes,
    doc_id: str,
    meta: dict[str, str],
    max_bytes: int,
    problems: list[Problem],
    jsonl_prefix: str = "",
) -> list[Document]:
    """Bytes of one input in a known format -> documents; raises InputError for a file-level refusal.

    A JSONL line's doc_id is ``jsonl_prefix`` + its ``id``.
    """
    if suffix not in SUPPORTED_SUFFIXES:
        raise InputError(_unsupported(suffix))
    if len(data) > max_bytes:
        raise InputError(_too_big(len(data), max_bytes))
    if not data:
        raise InputError("empty file")
    if suffix in JSONL_SUFFIXES:
        return _parse_jsonl(name, data, problems, jsonl_prefix)
    if suffix in HTML_SUFFIXES:
        text, found = _html_text(data)
    else:
        text = decode_text(data)
        found = {}
        if suffix in MARKDOWN_SUFFIXES:
            front, body, issue = split_front_matter(text)
            if issue:
                problems.append(Problem(name, issue, WARNING))
            found = _metadata(front, name, "front matter", problems)
            # The front matter is blanked, not cut, so offsets into the text are offsets into the file.
            text = _FRONT_MATTER_CHARS.sub(" ", text[: len(text) - len(body)]) + body
    if not text.strip():
        raise InputError(
            "no text (empty or whitespace only)" if suffix not in HTML_SUFFIXES else "no text found in the HTML"
        )
    merged = {**found, **meta}  # the sidecar wins: it is what the user wrote on purpose
    return [Document(doc_id=doc_id, text=text, path=name, **merged)]


# --------------------------------------------------------------------------- metadata


def _json(text: str) -> object:
    """json.loads, with every way it fails on hostile input as an InputError saying why."""
    try:
        return json.loads(text)
    except RecursionError:
        raise InputError("malformed JSON (nested too deeply)") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"malformed JSON ({_short(exc)})") from None
    except ValueError as exc:  # Python refuses to read an integer of thousands of digits
        if "integer string conversion" in str(exc):
            raise InputError(f"malformed JSON (a number of over {sys.get_int_max_str_digits():,} digits)") from None
        raise InputError(f"malformed JSON ({_short(exc)})") from None


def _parse_sidecar(data: bytes, name: str, problems: list[Problem]) -> dict[str, str]:
    try:
        raw = _json(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        problems.append(Problem(name, f"malformed sidecar JSON ({_short(exc)}); ignored", WARNING))
        return {}
    except InputError as exc:
        problems.append(
            Problem(name, f"{str(exc).replace('malformed JSON', 'malformed sidecar JSON')}; ignored", WARNING)
        )
        return {}
    if not isinstance(raw, dict):
        problems.append(Problem(name, "malformed sidecar: expected a JSON object; ignored", WARNING))
        return {}
    return _metadata(raw, name, "sidecar", problems)


def _metadata(raw: dict, name: str, where: str, problems: list[Problem]) -> dict[str, str]:
    """Known keys (and aliases) as clean strings; bad values warned about and dropped."""
    out: dict[str, str] = {}
    for key, value in raw.items():
        field = METADATA_ALIASES.get(str(key).lower(), str(key).lower())
        if field not in METADATA_KEYS or value is None or (field in out and key != field):
            continue  # unknown keys are allowed: sidecars may carry more than we use
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            problems.append(Problem(name, f"{where} value for '{key}' is not text; ignored", WARNING))
            continue
        value = str(value).strip()
        if len(value) > MAX_FIELD_CHARS:
            problems.append(
                Problem(name, f"{where} value for '{field}' is too long ({len(value):,} characters); ignored", WARNING)
            )
            continue
        if field == "published" and value and check_date(value):
            problems.append(Problem(name, f"impossible date '{value}' in {where}; treated as missing", WARNING))
            continue
        out[field] = value
    return out


# --------------------------------------------------------------------------- JSONL


def _parse_jsonl(name: str, data: bytes, problems: list[Problem], prefix: str = "") -> list[Document]:
    """One article a line; a bad line is reported as file:line and the others are kept."""
    docs: list[Document] = []
    seen_in_file: set[str] = set()
    for number, raw in enumerate(data.split(b"\n"), start=1):
        where = f"{name}:{number}"
        if number == 1:
            raw = raw.removeprefix(b"\xef\xbb\xbf")
        if not raw.strip():
            continue  # blank lines (and the final newline) are not articles
        try:
            doc = _jsonl_document(raw, where, name, prefix, seen_in_file, problems)
        except InputError as exc:
            problems.append(Problem(where, str(exc)))
            continue
        except Exception as exc:  # a reader's own failure on an odd line: that line's problem only
            problems.append(Problem(where, _unexpected(exc)))
            continue
        docs.append(doc)
    if not docs and not any(p.path.startswith(f"{name}:") for p in problems):
        raise InputError("no articles (only blank lines)")
    return docs


def _jsonl_document(
    raw: bytes, where: str, name: str, prefix: str, seen_in_file: set[str], problems: list[Problem]
) -> Document:
    """One JSONL line -> its Document; raises InputError saying why the line is skipped."""
    obj = _json(decode_text(raw))
    if not isinstance(obj, dict):
        raise InputError("expected a JSON object with 'id' and 'text'")
    doc_id, text = obj.get("id"), obj.get("text")
    if isinstance(doc_id, bool) or not isinstance(doc_id, str | int) or not str(doc_id).strip():
        raise InputError("missing or empty 'id'")
    if not isinstance(text, str) or not text.strip():
        raise InputError("missing, empty or non-text 'text'")
    doc_id = str(doc_id).strip()
    if len(doc_id) > MAX_ID_CHARS:
        raise InputError(f"'id' too long ({len(doc_id):,} characters; at most {MAX_ID_CHARS})")
    if doc_id in seen_in_file:
        raise InputError(f"duplicate doc_id '{doc_id}' in this file; skipped")
    seen_in_file.add(doc_id)
    meta = _metadata({k: v for k, v in obj.items() if k not in ("id", "text")}, where, "JSONL", problems)
    return Document(doc_id=prefix + doc_id, text=text.removeprefix("\ufeff"), path=name, **meta)


# --------------------------------------------------------------------------- HTML

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.IGNORECASE)


def _decode_html(data: bytes) -> str:
    """A byte-order mark's encoding, else UTF-8, else the charset the page declares in a <meta> tag.

    Only the common web encodings (HTML_ENCODINGS) are honoured as declared; UTF-16/32 only with a BOM.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding).removeprefix("\ufeff")
            except UnicodeError:
                raise InputError(
                    f"not valid {encoding.upper()} (it starts with a {encoding.upper()} byte-order mark)"
                ) from None
    try:
        return decode_text(data)
    except InputError:
        declared = _CHARSET.search(data[:4096])
        if not declared or b"\x00" in data:
            raise
        name = declared.group(1).decode("ascii", "replace")
        try:
            encoding = codecs.lookup(name).name
        except LookupError:
            raise InputError(f"not UTF-8, and the declared charset '{name}' is unknown") from None
        if encoding not in HTML_ENCODINGS:
            raise InputError(
                f"not UTF-8, and the declared charset '{name}' is not supported (save the page as UTF-8)"
            ) from None
        try:
            return data.decode(encoding).removeprefix("\ufeff")
        except UnicodeError:
            raise InputError(f"not UTF-8 and not the declared charset {name}") from None


def _html_text(data: bytes) -> tuple[str, dict[str, str]]:
    """Main text and metadata of an HTML page: trafilatura, else a plain stdlib extraction."""
    markup = _decode_html(data)
    text, meta = "", {}
    try:
        import trafilatura  # imported here: slow to import, only needed for HTML

        logging.getLogger("trafilatura").setLevel(logging.ERROR)  # its own warnings duplicate ours
        text = trafilatura.extract(markup, include_comments=False, include_tables=True) or ""
        found = trafilatura.extract_metadata(markup, date_config={"extensive_search": False, "original_date": True})
        if found is not None:
            # extensive_search off: a date guessed from the body would look like metadata but be a guess.
            meta = {
                k: v
                for k, v in (
                    ("title", found.title),
                    ("outlet", found.sitename),
                    ("url", found.url),
                    ("published", found.date),
                )
                if v
            }
    except Exception:  # trafilatura/lxml choke on some markup; the fallback below still gives the text
        text = ""
    if not text.strip():
        parser = _TextParser()
        parser.feed(markup)
        parser.close()
        text = parser.text()
        if parser.title and "title" not in meta:
            meta["title"] = parser.title
    return text, {k: str(v).strip() for k, v in meta.items()}


class _TextParser(HTMLParser):
    """Visible text outside script/style/nav and other non-article elements, one block a line."""

    SKIP = frozenset(
        {"script", "style", "nav", "noscript", "template", "svg", "iframe", "head", "footer", "aside", "form", "button"}
    )
    BLOCK = frozenset(
        {
            "p",
            "div",
            "br",
            "li",
            "ul",
            "ol",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "tr",
            "table",
            "section",
            "article",
            "blockquote",
            "pre",
            "header",
            "main",
            "figcaption",
            "dd",
            "dt",
        }
    )
    VOID = frozenset(
        {"br", "img", "hr", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._skip_depth = 0
        self._in_title = False
        self._lines: list[str] = []
        self._current: list[str] = []
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "title":
            self._in_title = True
        if tag in self.SKIP and tag not in self.VOID:
            self._skip_depth += 1
        elif tag in self.BLOCK:
            self._flush()

    def handle_endtag(self, tag: str) -> None:
        if tag == "title":
            self._in_title = False
        if tag in self.SKIP and self._skip_depth:
            self._skip_depth -= 1
        elif tag in self.BLOCK:
            self._flush()

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        if not self._skip_depth:
            self._current.append(data)

    def _flush(self) -> None:
        line = " ".join("".join(self._current).split())  # HTML whitespace is not significant
        if line:
            self._lines.append(line)
        self._current = []

    def text(self) -> str:
        self._flush()
        self.title = " ".join(html.unescape(self.title).split())
        return "\n".join(self._lines)


# --------------------------------------------------------------------------- messages


def _unsupported(suffix: str) -> str:
    shown = suffix or "(none)"
    return f"unsupported file type '{shown}' (expected .txt, .md, .html, .htm or .jsonl)"


def _too_big(size: int, limit: int) -> str:
    return f"file too large ({size / 1_048_576:.1f} MB > {limit / 1_048_576:.0f} MB limit); split it into smaller files"


def _binary_reason(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "UTF-16 text is not supported (contains NUL bytes); save the file as UTF-8"
    return "binary file (contains NUL bytes), not text"


def _mostly_control(text: str) -> bool:
    """True when over 10% of the first 4096 characters are control characters other than whitespace."""
    sample = text[:4096]
    if not sample:
        return False
    control = sum(1 for ch in sample if (ord(ch) < 32 and ch not in "\t\n\r\f\v") or 0x7F <= ord(ch) < 0xA0)
    return control > len(sample) * 0.1


def _short(exc: Exception) -> str:
    return str(exc).split("\n", 1)[0][:120]


def _unexpected(exc: Exception) -> str:
    """An unforeseen failure of a reader, in words (no traceback, no server paths beyond the input's own)."""
    return f"could not be read ({type(exc).__name__}: {_short(exc)})"


__all__ = [
    "MAX_BYTES",
    "SUPPORTED_SUFFIXES",
    "Document",
    "InputError",
    "Problem",
    "check_date",
    "decode_text",
    "documents_from_bytes",
    "read_inputs",
    "split_front_matter",
]
