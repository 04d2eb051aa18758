"""Replacing a set of files in one folder as one atomic step, and the folder's inter-process lock.

A commit: every new file is first written to a temporary name in the folder (``.NAME.RANDOM.tmp``: same
file system, so a rename is atomic) and fsynced; then a journal listing the renames (temp -> final name) is
written to ``.journal.json.tmp``, fsynced and renamed to ``.journal.json`` (so a journal is either complete or
absent); then the renames are done in order, the folder is fsynced, and the journal is removed.

Recovery (:func:`recover`, run under the exclusive lock by whoever opens the folder next, reader or writer):
an unfinished journal is rolled forward (a temp it names that still exists is renamed into place; one that is
gone was renamed already), so a process killed between two renames leaves the new set, complete, to the next
reader, never old and new files side by side. Temporary files no journal names (a writer killed while
writing them) are removed. Before the journal exists nothing has changed: the old set stays whole.

The lock (:func:`lock`) is an advisory ``fcntl.flock`` on ``.dateline.lock``: exclusive for writers (held
around read-merge-write, so two writers never lose each other's documents), shared for readers. It works
between processes and between threads (each call opens its own descriptor). Where ``fcntl`` is missing
(Windows) it does nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows: no advisory locks, writers are not serialised
    fcntl = None  # type: ignore[assignment]

LOCK_FILE = ".dateline.lock"
JOURNAL = ".journal.json"
TMP_SUFFIX = ".tmp"


class JournalError(Exception):
    """An unfinished write that cannot be completed (unreadable journal, read-only folder)."""


@contextlib.contextmanager
def lock(folder: Path, shared: bool = False) -> Iterator[None]:
    """Hold the folder's lock (exclusive for writers, shared for readers) until the block ends; blocks meanwhile.

    Writers create the folder and the lock file. A reader that cannot create the lock file (read-only folder,
    where nobody can write anyway) or a folder that does not exist yet reads without it.
    """
    folder = Path(folder)
    if fcntl is None:
        yield
        return
    if not shared:
        folder.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(folder / LOCK_FILE, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        if not shared:
            raise
        yield
        return
    try:
        fcntl.flock(fd, fcntl.LOCK_SH if shared else fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)  # closing the descriptor releases the lock


def is_temp(path: Path) -> bool:
    """Whether a file is one of ours in the making (``.NAME.RANDOM.tmp``)."""
    return path.name.startswith(".") and path.name.endswith(TMP_SUFFIX)


def write_temp(
    folder: Path, name: str, write: Callable[[Path], None], mode: int | None = None, *, sync: bool = True
) -> Path:
    """A new file for ``folder/name``, written by ``write(path)`` under a temporary name and fsynced (unless
    ``sync`` is False: the caller flushes many at once with :func:`flush`).

    The file gets ``mode``, else the mode of the file it will replace, else 0644 (mkstemp's 0600 would hide
    the tables from a dashboard running as another user). On failure the temporary file is removed.
    """
    fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=TMP_SUFFIX, dir=folder)
    os.close(fd)
    path = Path(tmp)
    try:
        target = folder / name
        if mode is None:
            mode = stat.S_IMODE(target.stat().st_mode) if target.exists() else 0o644
        os.chmod(path, mode)
        write(path)
        if sync:
            fsync_file(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise
    return path


def commit(folder: Path, renames: list[tuple[Path, str]]) -> None:
    """Move each temp onto its name in ``folder`` as one step (see the module docstring); caller holds the lock.

    ``renames``: (temp file in folder, final name), applied in order. Once the journal is written the commit
    has happened: a rename that fails here (or an interrupt) leaves the journal for the next opener to finish.
    """
    entries = [{"tmp": tmp.name, "name": name} for tmp, name in renames]
    body = json.dumps({"renames": entries}).encode("utf-8")
    journal_tmp = write_temp(folder, JOURNAL, lambda p: p.write_bytes(body))
    os.replace(journal_tmp, folder / JOURNAL)
    fsync_dir(folder)
    try:
        _roll_forward(folder, entries)
    except KeyboardInterrupt:
        _roll_forward(folder, entries)  # a few renames from done: finish them, then let the interrupt through
        raise


def recover(folder: Path) -> bool:
    """Finish an unfinished commit and remove stray temporaries; caller holds the exclusive lock.

    Returns True when a journal was rolled forward. Raises JournalError when it cannot be.
    """
    journal = folder / JOURNAL
    rolled = False
    if journal.exists():
        try:
            entries = json.loads(journal.read_bytes())["renames"]
            pairs = [(str(e["tmp"]), str(e["name"])) for e in entries]
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise JournalError(f"{JOURNAL} is unreadable ({exc}); an interrupted write cannot be finished") from exc
        if any("/" in t or "/" in n or "\\" in t or "\\" in n for t, n in pairs):
            raise JournalError(f"{JOURNAL} names files outside the folder; refusing to roll it forward")
        try:
            _roll_forward(folder, [{"tmp": t, "name": n} for t, n in pairs])
        except OSError as exc:
            raise JournalError(f"an interrupted write cannot be finished: {exc}") from exc
        rolled = True
    remove_temps(folder)
    return rolled


def pending(folder: Path) -> bool:
    """Whether an unfinished commit waits for recovery."""
    return (folder / JOURNAL).exists()


def remove_temps(folder: Path, *, recursive: bool = False) -> int:
    """Delete our temporaries in ``folder`` (and below it when ``recursive``); returns how many."""
    if not folder.is_dir():
        return 0
    removed = 0
    pattern = f".*{TMP_SUFFIX}"
    for path in folder.rglob(pattern) if recursive else folder.glob(pattern):
        if path.is_file() and is_temp(path):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                removed += 1
    return removed


def flush(files: list[Path], folders: list[Path]) -> None:
    """Make many written files (and renames in folders) durable: one ``os.sync`` where there are more than a
    few (an fsync costs milliseconds each; syncing the file systems once costs about as much as one), else
    an fsync each."""
    if len(files) + len(folders) > 4 and hasattr(os, "sync"):
        os.sync()
        return
    for path in files:
        fsync_file(path)
    for folder in folders:
        fsync_dir(folder)


def fsync_file(path: Path) -> None:
    """Flush a file's contents to disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def fsync_dir(path: Path) -> None:
    """Make renames in a folder durable (not possible on some platforms, e.g. Windows: skipped)."""
    with contextlib.suppress(OSError):
        fd = os.open(path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _roll_forward(folder: Path, entries: list[dict]) -> None:
    for entry in entries:
        tmp = folder / entry["tmp"]
        if tmp.exists():  # else renamed before the interruption
            os.replace(tmp, folder / entry["name"])
    fsync_dir(folder)
    (folder / JOURNAL).unlink(missing_ok=True)
    fsync_dir(folder)
