"""Reading inputs: formats, metadata, doc_ids and every kind of bad input."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from extract.documents import (
    Document,
    Problem,
    check_date,
    documents_from_bytes,
    read_inputs,
    split_front_matter,
)

ARTICLE = "Russia and Cuba signed a pact on March 13, 2025.\n\n  Officials  said more.\n"


def write(path: Path, content: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8", newline="")
    return path


def reasons(problems: list[Problem]) -> str:
    return "\n".join(str(p) for p in problems)


# --------------------------------------------------------------------------- formats


def test_txt_text_is_unchanged_and_doc_id_is_relative_path(tmp_path: Path) -> None:
    write(tmp_path / "in" / "world" / "cuba.txt", ARTICLE)
    write(tmp_path / "in" / "a.txt", "First.\r\nSecond line with\ttab.\r\n")
    docs, problems = read_inputs([tmp_path / "in"])
    assert problems == []
    assert [d.doc_id for d in docs] == ["a", "world/cuba"]  # sorted by relative path, posix slashes
    assert docs[1].text == ARTICLE  # whitespace kept: offsets index into it
    assert docs[0].text == "First.\r\nSecond line with\ttab.\r\n"
    assert docs[1].path == str(tmp_path / "in" / "world" / "cuba.txt")


def test_file_given_directly_uses_its_stem(tmp_path: Path) -> None:
    path = write(tmp_path / "deep" / "story.one.txt", ARTICLE)
    docs, problems = read_inputs([path])
    assert problems == []
    assert docs[0].doc_id == "story.one"


def test_bom_is_stripped(tmp_path: Path) -> None:
    write(tmp_path / "b.txt", b"\xef\xbb\xbf" + ARTICLE.encode())
    docs, _ = read_inputs([tmp_path / "b.txt"])
    assert docs[0].text == ARTICLE
    assert docs[0].text.index("Cuba") == ARTICLE.index("Cuba")


def test_hidden_files_and_folders_are_skipped(tmp_path: Path) -> None:
    write(tmp_path / "a.txt", ARTICLE)
    write(tmp_path / ".hidden.txt", ARTICLE)
    write(tmp_path / ".git" / "x.txt", ARTICLE)
    write(tmp_path / ".events.csv.abc.tmp", "x")
    docs, problems = read_inputs([tmp_path])
    assert [d.doc_id for d in docs] == ["a"]
    assert problems == []


def test_markdown_front_matter_is_metadata_and_body_is_text(tmp_path: Path) -> None:
    body = "# Pact signed\n\nRussia and Cuba signed a pact on March 13, 2025.\n"
    front = '---\ntitle: "Pact: signed"\noutlet: TASS\ndate: 2025-10-10\ntags:\n  - a\n---\n'
    write(tmp_path / "p.md", front + body)
    docs, problems = read_inputs([tmp_path / "p.md"])
    assert problems == []
    doc = docs[0]
    # the front matter is blanked, line breaks kept, so offsets into the text are offsets into the file
    assert doc.text == "".join("\n" if ch == "\n" else " " for ch in front) + body
    assert doc.text.index("Russia") == (front + body).index("Russia")
    assert (doc.title, doc.outlet, doc.published) == ("Pact: signed", "TASS", "2025-10-10")


def test_markdown_without_front_matter_and_unclosed_front_matter() -> None:
    assert split_front_matter("Just text\n") == ({}, "Just text\n", None)
    meta, body, issue = split_front_matter("---\ntitle: x\nno end\n")
    assert meta == {}
    assert body == "---\ntitle: x\nno end\n"
    assert issue is not None and "never closed" in issue


def test_html_main_text_without_script_style_nav(tmp_path: Path) -> None:
    html = """<html><head><title>Big news - Daily Planet</title>
    <meta property="og:site_name" content="Daily Planet"><meta name="date" content="2025-03-14">
    <script>var secret = "SCRIPTTEXT";</script><style>.a { color: red }</style></head>
    <body><nav><a href="/">Home NAVTEXT</a> <a href="/w">World</a></nav>
    <article><h1>Big news</h1>
    <p>On 13 March 2025 the council ratified the agreement after a long debate in the chamber, officials said.</p>
    <p>The second paragraph says more things about the agreement and its consequences for the region.</p>
    </article><footer>FOOTERTEXT</footer></body></html>"""
    write(tmp_path / "page.html", html)
    docs, problems = read_inputs([tmp_path / "page.html"])
    assert problems == []
    doc = docs[0]
    assert "ratified the agreement" in doc.text
    for junk in ("SCRIPTTEXT", "color", "NAVTEXT", "FOOTERTEXT"):
        assert junk not in doc.text
    assert doc.outlet == "Daily Planet"
    assert doc.published == "2025-03-14"
    assert doc.title


def test_html_fallback_parser_when_trafilatura_finds_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import trafilatura

    monkeypatch.setattr(trafilatura, "extract", lambda *a, **k: None)
    html = (
        "<html><head><title>T &amp; S</title><style>p{}</style></head><body>"
        "<nav>NAVTEXT</nav><script>SCRIPTTEXT</script><p>Hello   <b>world</b>.</p><div>Second block</div></body></html>"
    )
    write(tmp_path / "x.htm", html)
    docs, problems = read_inputs([tmp_path / "x.htm"])
    assert problems == []
    assert docs[0].text == "Hello world.\nSecond block"
    assert docs[0].title == "T & S"


def test_html_sidecar_overrides_page_metadata(tmp_path: Path) -> None:
    html = "<html><head><title>Page title</title></head><body><p>" + "Some words here. " * 20 + "</p></body></html>"
    write(tmp_path / "x.html", html)
    write(tmp_path / "x.meta.json", json.dumps({"title": "Sidecar title"}))
    docs, _ = read_inputs([tmp_path])
    assert docs[0].title == "Sidecar title"


def test_jsonl_good_and_malformed_lines(tmp_path: Path) -> None:
    lines = [
        json.dumps(
            {"id": "n1", "text": "First article, 2025.", "title": "T1", "published": "2025-10-10", "outlet": "AP"}
        ),
        "{not json",
        "",
        json.dumps({"id": "n2"}),
        json.dumps(["a", "list"]),
        json.dumps({"id": 7, "text": "Numeric id is fine.", "url": "https://x"}),
        json.dumps({"id": "n1", "text": "Same id again."}),
        json.dumps({"text": "no id"}),
    ]
    write(tmp_path / "feed.jsonl", "\n".join(lines) + "\n")
    docs, problems = read_inputs([tmp_path / "feed.jsonl"])
    assert [(d.doc_id, d.text) for d in docs] == [("n1", "First article, 2025."), ("7", "Numeric id is fine.")]
    assert (docs[0].title, docs[0].outlet, docs[0].published) == ("T1", "AP", "2025-10-10")
    assert docs[1].url == "https://x"
    where = sorted(p.path for p in problems)
    feed = str(tmp_path / "feed.jsonl")
    assert where == sorted(f"{feed}:{n}" for n in (2, 4, 5, 7, 8))
    by_line = {p.path.rsplit(":", 1)[1]: p.reason for p in problems}
    assert "malformed JSON" in by_line["2"]
    assert "'text'" in by_line["4"]
    assert "duplicate" in by_line["7"]
    assert "'id'" in by_line["8"]
    assert all(p.severity == "error" for p in problems)


def test_jsonl_non_utf8_line_is_reported_and_others_kept(tmp_path: Path) -> None:
    good = json.dumps({"id": "a", "text": "Fine."}).encode()
    bad = b'{"id": "b", "text": "caf\xe9"}'
    write(tmp_path / "f.jsonl", good + b"\n" + bad + b"\n")
    docs, problems = read_inputs([tmp_path / "f.jsonl"])
    assert [d.doc_id for d in docs] == ["a"]
    assert problems[0].path.endswith("f.jsonl:2")
    assert "not UTF-8 (byte 0xe9 at offset" in problems[0].reason


def test_sidecar_metadata(tmp_path: Path) -> None:
    write(tmp_path / "s.txt", ARTICLE)
    meta = {"title": "A title", "outlet": "TASS", "url": "https://t", "published": "2025-10-10", "extra": [1]}
    write(tmp_path / "s.meta.json", json.dumps(meta))
    docs, problems = read_inputs([tmp_path])
    assert problems == []
    assert len(docs) == 1  # the sidecar is not an input of its own
    d = docs[0]
    assert (d.title, d.outlet, d.url, d.published, d.text) == ("A title", "TASS", "https://t", "2025-10-10", ARTICLE)


def test_sidecar_overrides_front_matter(tmp_path: Path) -> None:
    write(tmp_path / "m.md", "---\ntitle: Front\noutlet: FM\n---\nBody text.\n")
    write(tmp_path / "m.meta.json", json.dumps({"title": "Side"}))
    docs, _ = read_inputs([tmp_path])
    assert (docs[0].title, docs[0].outlet) == ("Side", "FM")


def test_orphan_sidecar_warns_and_sidecar_given_directly_is_refused(tmp_path: Path) -> None:
    write(tmp_path / "lonely.meta.json", "{}")
    docs, problems = read_inputs([tmp_path])
    assert docs == []
    assert any(p.severity == "warning" and "without a matching" in p.reason for p in problems)
    docs, problems = read_inputs([tmp_path / "lonely.meta.json"])
    assert docs == [] and "not an input" in problems[0].reason


# --------------------------------------------------------------------------- bad input


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"", "empty file"),
        (b"  \n\t\r\n  ", "whitespace only"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file (contains NUL bytes)"),
        (bytes(range(1, 9)) * 50, "binary file (mostly control characters"),
        (b"Caf\xe9 au lait", "not UTF-8 (byte 0xe9 at offset 3)"),
        (b"\xff\xfeh\x00i\x00", "UTF-16"),
    ],
)
def test_bad_text_files_are_reported_and_the_rest_goes_on(tmp_path: Path, content: bytes, expected: str) -> None:
    write(tmp_path / "bad.txt", content)
    write(tmp_path / "good.txt", ARTICLE)
    docs, problems = read_inputs([tmp_path])
    assert [d.doc_id for d in docs] == ["good"]
    assert len(problems) == 1
    assert problems[0].path == str(tmp_path / "bad.txt")
    assert problems[0].severity == "error"
    assert expected in problems[0].reason


def test_unsupported_extension(tmp_path: Path) -> None:
    write(tmp_path / "report.pdf", b"%PDF-1.4")
    docs, problems = read_inputs([tmp_path / "report.pdf"])
    assert docs == []
    assert "unsupported file type '.pdf'" in problems[0].reason


def test_missing_input_and_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    docs, problems = read_inputs([tmp_path / "nope.txt", tmp_path / "empty"])
    assert docs == []
    assert "no such file" in problems[0].reason
    assert "no input files" in problems[1].reason


def test_huge_file_is_refused_before_reading(tmp_path: Path) -> None:
    write(tmp_path / "big.txt", "word " * 300)
    docs, problems = read_inputs([tmp_path / "big.txt"], max_bytes=1000)
    assert docs == []
    assert "too large" in problems[0].reason
    # the same text under the limit is fine (long texts are split by the pipeline, not refused)
    docs, problems = read_inputs([tmp_path / "big.txt"], max_bytes=10_000)
    assert len(docs) == 1 and problems == []


@pytest.mark.skipif(os.name != "posix" or os.geteuid() == 0, reason="root can read unreadable files")
def test_unreadable_file(tmp_path: Path) -> None:
    path = write(tmp_path / "locked.txt", ARTICLE)
    path.chmod(0)
    try:
        docs, problems = read_inputs([path])
    finally:
        path.chmod(0o644)
    assert docs == [] and "cannot read" in problems[0].reason


def test_unreadable_file_via_oserror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path / "locked.txt", ARTICLE)

    def denied(self: Path) -> bytes:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "read_bytes", denied)
    docs, problems = read_inputs([path])
    assert docs == []
    assert problems == [Problem(str(path), "cannot read: Permission denied", "error")]


def test_malformed_sidecar_is_ignored_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "s.txt", ARTICLE)
    write(tmp_path / "s.meta.json", "{title: oops")
    docs, problems = read_inputs([tmp_path])
    assert len(docs) == 1 and docs[0].title == ""
    assert len(problems) == 1
    assert problems[0].severity == "warning"
    assert problems[0].path == str(tmp_path / "s.meta.json")
    assert "malformed sidecar JSON" in problems[0].reason


def test_impossible_date_in_sidecar_is_treated_as_missing(tmp_path: Path) -> None:
    write(tmp_path / "s.txt", ARTICLE)
    write(tmp_path / "s.meta.json", json.dumps({"published": "2025-02-30", "outlet": "AP"}))
    docs, problems = read_inputs([tmp_path])
    assert docs[0].published == ""
    assert docs[0].outlet == "AP"  # the rest of the sidecar still applies
    assert [(p.severity, p.reason) for p in problems] == [
        ("warning", "impossible date '2025-02-30' in sidecar; treated as missing")
    ]


def test_check_date() -> None:
    assert check_date("2025-02-30") == "impossible"
    assert check_date("2025-13") == "impossible"
    assert check_date("2024-02-29") is None
    assert check_date("2025-10-10T11:27:00+03:00") is None
    assert check_date("10 October 2025") is None  # free text is for the extractor to parse


def test_duplicate_doc_ids_keep_the_first(tmp_path: Path) -> None:
    write(tmp_path / "one" / "a.txt", "From txt.")
    write(tmp_path / "one" / "a.md", "From md.")
    write(tmp_path / "two" / "a.txt", "Other folder.")
    docs, problems = read_inputs([tmp_path / "one", tmp_path / "two"])
    assert [(d.doc_id, d.text) for d in docs] == [("a", "From md.")]  # a.md sorts before a.txt
    assert len(problems) == 2
    assert all("duplicate doc_id 'a'" in p.reason for p in problems)
    assert {p.path for p in problems} == {str(tmp_path / "one" / "a.txt"), str(tmp_path / "two" / "a.txt")}


# --------------------------------------------------------------------------- uploads


def test_documents_from_bytes_follows_the_same_rules() -> None:
    docs, problems = documents_from_bytes("uploads/story.txt", ARTICLE.encode())
    assert problems == []
    assert docs == [Document(doc_id="story", text=ARTICLE, path="uploads/story.txt")]

    docs, problems = documents_from_bytes("p.md", b"---\ntitle: X\n---\nBody.\n", sidecar=b'{"outlet": "AP"}')
    assert (docs[0].text.strip(), docs[0].title, docs[0].outlet) == ("Body.", "X", "AP")
    assert docs[0].text.index("Body") == len("---\ntitle: X\n---\n")

    docs, problems = documents_from_bytes("f.jsonl", b'{"id": "z", "text": "Zed."}\nnope\n')
    assert [d.doc_id for d in docs] == ["z"]
    assert problems[0].path == "f.jsonl:2"

    for name, data, expected in [
        ("x.txt", b"caf\xe9", "not UTF-8"),
        ("x.docx", b"PK\x03\x04", "unsupported"),
        ("x.txt", b"", "empty"),
        ("x.txt", b"a" * 2000, "too large"),
    ]:
        docs, problems = documents_from_bytes(name, data, max_bytes=1000)
        assert docs == []
        assert expected in problems[0].reason, name


def test_namespace_jsonl_prefixes_line_ids_with_the_file_doc_id(tmp_path: Path) -> None:
    """Two batches that both number their articles 1..N must not share doc_ids (the dashboard's uploads)."""
    (tmp_path / "sub").mkdir()
    for name in ("batch.jsonl", "other.jsonl", "sub/deep.jsonl"):
        (tmp_path / name).write_text('{"id": 1, "text": "One."}\n{"id": "2", "text": "Two."}\n', encoding="utf-8")
    plain, problems = read_inputs([tmp_path / "batch.jsonl", tmp_path / "other.jsonl"])
    assert [d.doc_id for d in plain] == ["1", "2"]  # the CLI's rule: the later file's lines are duplicates
    assert len(problems) == 2 and "duplicate doc_id '1'" in problems[0].reason
    docs, problems = read_inputs([tmp_path / "batch.jsonl", tmp_path / "other.jsonl"], namespace_jsonl=True)
    assert [d.doc_id for d in docs] == ["batch/1", "batch/2", "other/1", "other/2"] and problems == []
    docs, _ = read_inputs([tmp_path], namespace_jsonl=True)
    assert [d.doc_id for d in docs] == ["batch/1", "batch/2", "other/1", "other/2", "sub/deep/1", "sub/deep/2"]


# --------------------------------------------------------------------------- hostile input: one bad file never stops the others

GOOD_LINE = json.dumps({"id": "good-line", "text": ARTICLE})
PAGE = '<html><head><meta charset="{}"><title>T</title></head><body><p>Caf\xe9 {}</p></body></html>'
HOSTILE = {  # name -> (content, what the problem says)
    "undefined.html": (
        PAGE.format("undefined", "word " * 40).encode("latin-1"),
        "charset 'undefined' is not supported",
    ),
    "punycode.html": (PAGE.format("punycode", "word " * 40).encode("latin-1"), "charset 'punycode' is not supported"),
    "nested.jsonl": ((b"[" * 100_000 + b"]" * 100_000 + b"\n" + GOOD_LINE.encode()), "nested too deeply"),
    "long-id.jsonl": (
        b'{"id": ' + b"7" * 5_000 + b', "text": "Some text."}\n' + GOOD_LINE.encode(),
        "a number of over 4,300 digits",
    ),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_files_are_named_with_their_problem_and_the_rest_is_read(tmp_path: Path, name: str) -> None:
    content, expected = HOSTILE[name]
    write(tmp_path / name, content)
    write(tmp_path / "good.txt", ARTICLE)
    docs, problems = read_inputs([tmp_path])
    good = ["good", "good-line"] if name.endswith(".jsonl") else ["good"]
    assert sorted(d.doc_id for d in docs) == good
    assert len(problems) == 1 and expected in problems[0].reason
    assert problems[0].path.startswith(str(tmp_path / name))  # the file, or file:LINE for JSONL
    assert problems[0].severity == "error"


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_uploads_are_named_with_their_problem(name: str) -> None:
    content, expected = HOSTILE[name]
    docs, problems = documents_from_bytes(name, content)
    assert [d.doc_id for d in docs] == (["good-line"] if name.endswith(".jsonl") else [])
    assert len(problems) == 1 and expected in problems[0].reason and problems[0].path.startswith(name)


def test_declared_encodings_are_honoured_only_from_a_known_list() -> None:
    page = PAGE.format("windows-1252", "word " * 40).encode("cp1252")
    docs, problems = documents_from_bytes("west.html", page)
    assert problems == [] and "Café" in docs[0].text
    page = PAGE.format("koi8-r", "слово " * 40).replace("Caf\xe9", "Кафе").encode("koi8-r")
    docs, problems = documents_from_bytes("east.html", page)
    assert problems == [] and "Кафе" in docs[0].text
    utf16 = "\ufeff<html><body><p>Caf\xe9 and more words in a page saved as UTF-16.</p></body></html>".encode("utf-16")
    docs, problems = documents_from_bytes("wide.html", utf16)
    assert problems == [] and "Café and more words" in docs[0].text
    docs, problems = documents_from_bytes("nobom.html", PAGE.format("utf-16", "word").encode("latin-1"))
    assert docs == [] and "charset 'utf-16' is not supported" in problems[0].reason  # no BOM: not believed
    docs, problems = documents_from_bytes("what.html", PAGE.format("klingon", "word").encode("latin-1"))
    assert docs == [] and "charset 'klingon' is unknown" in problems[0].reason


def test_a_deeply_nested_sidecar_is_ignored_with_a_warning(tmp_path: Path) -> None:
    write(tmp_path / "s.txt", ARTICLE)
    write(tmp_path / "s.meta.json", b"[" * 100_000)
    docs, problems = read_inputs([tmp_path])
    assert [d.doc_id for d in docs] == ["s"]
    assert [(p.path, p.severity) for p in problems] == [(str(tmp_path / "s.meta.json"), "warning")]
    assert "malformed sidecar JSON (nested too deeply)" in problems[0].reason
    docs, problems = documents_from_bytes("s.txt", ARTICLE.encode(), sidecar=b'{"a": ' * 100_000)
    assert [d.doc_id for d in docs] == ["s"] and "nested too deeply" in problems[0].reason


def test_a_file_name_too_long_for_the_file_system_is_named(tmp_path: Path) -> None:
    good = write(tmp_path / "good.txt", ARTICLE)
    too_long = tmp_path / ("x" * 300 + ".txt")
    docs, problems = read_inputs([too_long, good])
    assert [d.doc_id for d in docs] == ["good"]
    assert problems == [Problem(str(too_long), "cannot read: File name too long")]
    # a file whose name fits, but whose sidecar's name would not: read, with no sidecar
    near = write(tmp_path / ("y" * 250 + ".txt"), ARTICLE)
    docs, problems = read_inputs([near])
    assert [d.doc_id for d in docs] == [near.stem] and problems == []
    docs, problems = documents_from_bytes("z" * 300 + ".txt", ARTICLE.encode())  # an upload's name is no path
    assert len(docs) == 1 and problems == []


def test_overlong_ids_and_metadata_values_are_named(tmp_path: Path) -> None:
    lines = [
        json.dumps({"id": "i" * 300, "text": "Text."}),
        json.dumps({"id": "ok", "text": "Text.", "title": "t" * 5_000, "outlet": "AP"}),
    ]
    write(tmp_path / "f.jsonl", "\n".join(lines))
    docs, problems = read_inputs([tmp_path / "f.jsonl"])
    assert [(d.doc_id, d.title, d.outlet) for d in docs] == [("ok", "", "AP")]
    assert [(p.path.rsplit(":", 1)[1], p.severity) for p in problems] == [("1", "error"), ("2", "warning")]
    assert "'id' too long (300 characters" in problems[0].reason
    assert "value for 'title' is too long (5,000 characters); ignored" in problems[1].reason


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no named pipes here")
def test_a_named_pipe_in_a_folder_is_not_read(tmp_path: Path) -> None:
    write(tmp_path / "good.txt", ARTICLE)
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would block for ever
    docs, problems = read_inputs([tmp_path])
    assert [d.doc_id for d in docs] == ["good"]
    assert problems == [Problem(str(tmp_path / "pipe.txt"), "not a regular file")]


def test_an_unforeseen_reader_failure_is_that_files_problem(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever a reader raises (here the HTML extractor's fallback parser) stays with that file."""
    import extract.documents as documents

    def broken(data: bytes) -> tuple[str, dict[str, str]]:
        raise MemoryError("simulated")

    monkeypatch.setattr(documents, "_html_text", broken)
    write(tmp_path / "page.html", "<p>Hello</p>")
    write(tmp_path / "good.txt", ARTICLE)
    docs, problems = read_inputs([tmp_path])
    assert [d.doc_id for d in docs] == ["good"]
    assert problems == [Problem(str(tmp_path / "page.html"), "could not be read (MemoryError: simulated)")]
    docs, problems = documents_from_bytes("page.html", b"<p>Hello</p>")
    assert docs == [] and problems == [Problem("page.html", "could not be read (MemoryError: simulated)")]


@pytest.mark.model
@pytest.mark.parametrize("name", [*sorted(HOSTILE), "too-long-name"])
def test_the_cli_names_a_hostile_file_and_extracts_the_good_one_beside_it(
    tmp_path: Path, name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    import extract.__main__ as cli
    from extract.store import open_store

    folder = tmp_path / "in"
    write(folder / "good.txt", ARTICLE)
    extra = []
    if name == "too-long-name":
        bad = tmp_path / ("x" * 300 + ".txt")
        extra, expected = [str(bad)], "cannot read: File name too long"
    else:
        content, expected = HOSTILE[name]
        bad = write(folder / name, content)
    assert cli.main([str(folder), *extra, "--out", str(tmp_path / "out"), "--quiet"]) == 0
    err = capsys.readouterr().err
    assert f"{bad}" in err and expected in err
    assert "Traceback" not in err
    docs = open_store(tmp_path / "out").read_documents()
    wanted = ["good", "good-line"] if name.endswith(".jsonl") else ["good"]
    assert sorted(docs["doc_id"]) == wanted
