"""Extraction from the dashboard: seeds at first start, uploaded files later (merged into the data folder)."""

from __future__ import annotations

import hashlib
import importlib
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from dashboard.data import PROJECT_ROOT, read_tables

UPLOAD_TYPES = ["txt", "md", "html", "jsonl"]
SEEDS = PROJECT_ROOT / "seeds"
Progress = Callable[[int, int, str], None]


def pipeline_error() -> str | None:
    """Why extraction cannot run here (None when `extract.pipeline.run_extraction` is available)."""
    try:
        module = importlib.import_module("extract.pipeline")
    except Exception as err:  # a missing module or a broken import: both mean no extraction
        return f"the extraction engine (extract.pipeline) cannot be imported: {err}"
    if not callable(getattr(module, "run_extraction", None)):
        return "extract.pipeline has no run_extraction yet"
    return None


def run_extraction(inputs: list[Path], out_dir: Path, progress: Progress | None = None, merge: bool = False) -> object:
    """Call the pipeline's run_extraction (imported lazily so the dashboard starts without it)."""
    module = importlib.import_module("extract.pipeline")
    return module.run_extraction(inputs, out_dir, jobs=1, progress=progress, merge=merge)


def check_upload(name: str, data: bytes) -> str | None:
    """A plain-words problem with an uploaded file (empty, binary, not UTF-8, malformed JSONL), else None."""
    suffix = Path(name).suffix.lower().lstrip(".")
    if suffix not in UPLOAD_TYPES:
        return f"unsupported file type .{suffix or '?'} (use {', '.join('.' + t for t in UPLOAD_TYPES)})"
    if not data.strip():
        return "the file is empty"
    if b"\x00" in data[:65536]:
        return "the file is binary, not text"
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        return f"the file is not UTF-8 text (byte 0x{data[err.start]:02x} at position {err.start:,})"
    if suffix == "jsonl":
        good = 0
        for number, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as err:
                return f"malformed JSONL: line {number} is not valid JSON ({err.msg})"
            if not isinstance(obj, dict) or not isinstance(obj.get("text"), str):
                return f"malformed JSONL: line {number} is not an object with a 'text' field"
            good += 1
        if not good:
            return "malformed JSONL: no records"
    return None


def ingestion_problems(name: str, data: bytes) -> tuple[int | None, list[str]]:
    """(documents found, problems) from extract.documents.documents_from_bytes; (None, []) when it is not available."""
    try:
        module = importlib.import_module("extract.documents")
        documents, problems = module.documents_from_bytes(name, data)
    except (ImportError, AttributeError, NotImplementedError):
        return None, []
    except Exception as err:
        return 0, [f"could not be read ({type(err).__name__}: {err})"]
    return len(documents), [str(p) for p in problems]


def safe_name(name: str) -> str:
    """A file name without folders or odd characters."""
    base = Path(name.replace("\\", "/")).name
    base = re.sub(r"[^\w.\- ]+", "_", base).strip(" .") or "upload"
    return base


@dataclass
class UploadReport:
    """What happened to a batch of uploaded files."""

    accepted: list[str] = field(default_factory=list)
    problems: dict[str, str] = field(default_factory=dict)
    events_before: int = 0
    events_after: int = 0
    lost_events: int = 0
    error: str | None = None
    run_report: str = ""


def store_uploads(files: list[tuple[str, bytes]], folder: Path) -> tuple[list[Path], dict[str, str]]:
    """Check each upload and save the good ones under folder/uploads; returns (saved paths, problems by name)."""
    saved: list[Path] = []
    problems: dict[str, str] = {}
    target = folder / "uploads"
    for name, data in files:
        problem = check_upload(name, data)
        if problem is None:
            found, issues = ingestion_problems(name, data)
            if found == 0:
                problem = "; ".join(issues) or "no document could be read from it"
            elif issues:
                problems[name] = "partly read: " + "; ".join(issues)
        if problem is not None:
            problems[name] = problem
            continue
        target.mkdir(parents=True, exist_ok=True)
        path = target / safe_name(name)
        if path.exists() and path.read_bytes() != data:
            digest = hashlib.sha256(data).hexdigest()[:8]
            path = path.with_name(f"{path.stem}-{digest}{path.suffix}")
        path.write_bytes(data)
        saved.append(path)
    return saved, problems


def extract_uploads(files: list[tuple[str, bytes]], folder: Path, progress: Progress | None = None) -> UploadReport:
    """Extract uploaded files and merge their events into the folder's tables; bad files are reported, not fatal."""
    report = UploadReport()
    before, _ = read_tables(folder)
    report.events_before = len(before)
    saved, report.problems = store_uploads(files, folder)
    report.accepted = [p.name for p in saved]
    if not saved:
        report.events_after = report.events_before
        return report
    try:
        result = run_extraction(saved, folder, progress=progress, merge=True)
        report.run_report = _describe(result)
    except Exception as err:
        report.error = f"{type(err).__name__}: {err}"
    after, _ = read_tables(folder)
    report.events_after = len(after)
    lost = set(before["event_id"]) - set(after["event_id"])
    report.lost_events = len(lost)
    return report


def _describe(result: object) -> str:
    """The pipeline's RunReport in one line: counts, then each problem it met."""
    if result is None:
        return ""
    parts = []
    for name, label in (("n_read", "documents read"), ("n_documents", "extracted"), ("n_events", "events")):
        if isinstance(getattr(result, name, None), int):
            parts.append(f"{getattr(result, name):,} {label}")
    problems = [str(p) for p in getattr(result, "problems", []) or []]
    text = ", ".join(parts) or str(result)
    return text + (" · problems: " + "; ".join(problems) if problems else "")
