"""The layout keeps its promises: who may import what, and no module grows past 800 lines.

Imports are read from the source (every `import`, also inside functions), followed through the project's
own modules, so a lazy import deep in a helper counts as much as one at the top. A package's `__init__` counts
only with what it imports when it is loaded: its functions' lazy imports run only when those are called.
Imports under `if TYPE_CHECKING:` never run and do not count.
"""

from __future__ import annotations

import ast
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
MAX_LINES = 800

# The per-document engine: documents -> time mentions -> publication date -> events (and the runner).
PER_DOCUMENT = (
    "extract.documents",
    "extract.timex",
    "extract.published",
    "extract.events",
    "extract.actors",
    "extract.pipeline",
)
NEVER_IN_ENGINE = ("streamlit", "dashboard", "extract.store", "extract.runs", "sqlalchemy", "psycopg", "duckdb")
# Corpus-level steps work on tables, never on spaCy docs.
CORPUS = ("extract.corpus",)
NEVER_IN_CORPUS = ("spacy", "streamlit", "dashboard", "extract.nlp", "extract.pipeline", "extract.events")


def _module_file(name: str) -> Path | None:
    base = ROOT.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def _submodules(name: str) -> list[str]:
    """A package's modules (itself included), or the module alone."""
    base = ROOT.joinpath(*name.split("."))
    if not base.is_dir():
        return [name]
    return [".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__") for p in base.rglob("*.py")]


@cache
def _direct_imports(name: str, lazy: bool = True) -> frozenset[str]:
    path = _module_file(name)
    if path is None:
        return frozenset()
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in _import_nodes(ast.parse(path.read_text(encoding="utf-8")), lazy=lazy and path.name != "__init__.py"):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names if _module_file(f"{module}.{alias.name}"))
    return frozenset(found)


def _import_nodes(tree: ast.AST, lazy: bool) -> list[ast.AST]:
    """Import statements of a module; without `lazy`, not those inside function bodies."""
    out: list[ast.AST] = []
    todo = [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Import | ast.ImportFrom):
            out.append(node)
        elif _type_checking(node):
            continue  # read by type checkers only, never run
        elif lazy or not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            todo.extend(ast.iter_child_nodes(node))
    return out


def _type_checking(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and ast.unparse(node.test) in ("TYPE_CHECKING", "typing.TYPE_CHECKING")


def imports_of(roots: tuple[str, ...], *, lazy_beyond: bool = True) -> dict[str, str]:
    """Every module the roots import, directly or through project modules -> the project module importing it.

    Without ``lazy_beyond``, modules outside the roots count only with what they import when loaded (their
    functions' lazy imports run only when the roots call those functions, which the roots' own imports show).
    """
    seen: dict[str, str] = {}
    inside = {m for root in roots for m in _submodules(root)}
    todo = list(inside)
    done: set[str] = set()
    while todo:
        module = todo.pop()
        if module in done:
            continue
        done.add(module)
        for imported in _direct_imports(module, lazy_beyond or module in inside):
            seen.setdefault(imported, module)
            if _module_file(imported) is not None:
                todo.append(imported)
    return seen


def _offenders(imported: dict[str, str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(
        f"{by} imports {name}"
        for name, by in imported.items()
        if any(name == f or name.startswith(f + ".") for f in forbidden)
    )


def test_the_per_document_engine_never_imports_the_store_the_dashboard_or_sql() -> None:
    assert _offenders(imports_of(PER_DOCUMENT), NEVER_IN_ENGINE) == []


def test_corpus_steps_never_import_spacy_or_the_parser() -> None:
    # They may resolve a stored scan (extract.timex.resolve, pure), whose package also holds the scanner; what
    # counts is that nothing they load or call loads spaCy.
    assert _offenders(imports_of(CORPUS, lazy_beyond=False), NEVER_IN_CORPUS) == []


def test_the_import_check_sees_lazy_and_relative_imports(tmp_path: Path) -> None:
    # The checker must see an import inside a function of a module two steps away, or the rules above pass
    # vacuously: the dashboard imports streamlit lazily through dashboard.data.
    assert "streamlit" in imports_of(("dashboard.data",))
    assert "extract.store" in imports_of(("dashboard.ingest",))


@pytest.mark.parametrize("folder", ["extract", "dashboard"])
def test_no_module_over_800_lines(folder: str) -> None:
    long = {
        str(p.relative_to(ROOT)): n
        for p in (ROOT / folder).rglob("*.py")
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert long == {}


def test_running_the_corpus_steps_loads_no_parser() -> None:
    """The static check above, confirmed at run time: the whole corpus step over a small set loads no spaCy."""
    import subprocess
    import sys

    code = (
        "import sys\n"
        "from extract import schema\n"
        "from extract.corpus.steps import corpus_tables\n"
        "from extract.store.base import Corpus\n"
        "events = schema.events_frame([{'event_id': 'e', 'doc_id': 'a', 'source': 'A', 'date_start': '2025-01-02',"
        " 'date_end': '2025-01-02', 'granularity': 'day', 'date_basis': 'explicit', 'summary': 'x', 'modality': 'asserted'}])\n"
        "documents = schema.documents_frame([{'doc_id': 'a', 'published': '2025-01-03', 'published_granularity': 'day'}])\n"
        "result = corpus_tables(Corpus(events, documents, lambda doc_id: None))\n"
        "assert len(result.tables['groups']) == 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('spacy', 'thinc')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
