"""Extraction on Dask distributed (extract/cluster.py) against a LocalCluster of two worker processes: the
same tables as the local run (same event ids), a worker killed mid-run, an interrupted run resumed, and the
CLI's --scheduler. The cluster is started once for the module (a start costs about a second); the real model
runs on the seeds, the stand-ins of tests/fakes.py where only the runner's bookkeeping is under test."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

distributed = pytest.importorskip("distributed")

import extract.__main__ as cli  # noqa: E402
from extract import cluster, schema  # noqa: E402
from extract.documents import iter_inputs, read_inputs  # noqa: E402
from extract.pipeline import Extractor  # noqa: E402
from extract.runs import run_extraction  # noqa: E402
from extract.store import Store, open_store  # noqa: E402
from tests.databases import database  # noqa: E402
from tests.fakes import blank_nlp, fake_tables, killing_tables  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SEEDS = ROOT / "seeds"
FAKE = Extractor(model=blank_nlp, tables=fake_tables)


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    """The address of a local cluster: two worker processes, one thread each."""
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as local:
        yield local.scheduler_address


@pytest.fixture(params=["files", "sqlite", "postgresql"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def location(kind: str, tmp_path: Path) -> Iterator[str]:
    """A fresh, empty store of the kind."""
    yield from _location(kind, tmp_path / "cluster")


def _location(kind: str, folder: Path) -> Iterator[str]:
    if kind == "files":
        yield str(folder)
        return
    folder.mkdir(parents=True)
    with database(kind, folder) as url:
        yield url


def tables(store: Store) -> dict[str, pd.DataFrame]:
    """Every declared table as stored."""
    return {name: store.read_table(name) for name in schema.TABLES}


def assert_same_tables(got: Store, want: Store) -> None:
    found, expected = tables(got), tables(want)
    assert len(expected["events"]) > 10 and len(expected["groups"]) > 0  # the seeds give something to compare
    for name, frame in expected.items():
        pd.testing.assert_frame_equal(found[name], frame, obj=name)


@pytest.fixture(scope="module")
def local_runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Store]]:
    """The local run of the seeds (one process, the real model), in a store of each kind, made when asked."""
    made: dict[str, Store] = {}
    contexts = []

    def get(kind: str) -> Store:
        if kind not in made:
            gen = _location(kind, tmp_path_factory.mktemp(f"local-{kind}") / "store")
            contexts.append(gen)
            store = open_store(next(gen))
            assert run_extraction([SEEDS], store).written
            made[kind] = store
        return made[kind]

    yield get  # type: ignore[misc]
    for gen in contexts:
        gen.close()


@pytest.mark.model
def test_cluster_run_writes_the_local_runs_tables(scheduler: str, location: str, kind: str, local_runs) -> None:
    store = open_store(location)
    # one document a task and a write every two: results come back out of order and in several batches
    report = cluster.run_on_cluster([SEEDS], store, scheduler, chunk_docs=1, batch_docs=2)
    assert (report.n_documents, report.n_read, report.n_skipped, report.workers) == (5, 5, 0, 2)
    assert report.words == sum(len(p.read_text(encoding="utf-8").split()) for p in SEEDS.glob("*.txt"))
    assert report.written and not report.problems
    assert_same_tables(store, local_runs(kind))


@pytest.mark.model
def test_a_worker_killed_mid_run_loses_nothing(scheduler: str, tmp_path: Path, local_runs) -> None:
    marker = tmp_path / "killed"
    victim = sorted(p.stem for p in SEEDS.glob("*.txt"))[2]
    extractor = Extractor(tables=functools.partial(killing_tables, marker=str(marker), victim=victim))
    with distributed.Client(scheduler) as client:
        before = set(client.scheduler_info()["workers"])
    store = open_store(tmp_path / "out")
    report = cluster.run_on_cluster([SEEDS], store, scheduler, extractor=extractor, chunk_docs=1, batch_docs=2)
    assert marker.exists()  # a worker did die, in the middle of the victim's task
    with distributed.Client(scheduler) as client:
        client.wait_for_workers(2, timeout=60)  # its nanny starts a new worker process
        after = set(client.scheduler_info()["workers"])
    assert after != before
    assert report.n_documents == 5 and not report.problems
    assert_same_tables(store, local_runs("files"))


@pytest.mark.model
@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_an_interrupted_run_resumes_without_redoing_finished_documents(
    scheduler: str, location: str, kind: str, local_runs
) -> None:
    store = open_store(location)

    def interrupt(done: int, total: int, note: str) -> None:
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cluster.run_on_cluster([SEEDS], store, scheduler, progress=interrupt, chunk_docs=1, batch_docs=1)
    n_stored = len(store.read_documents())
    assert 1 <= n_stored <= 3  # the batches written before the interruption are kept
    report = cluster.run_on_cluster([SEEDS], store, scheduler, resume=True, chunk_docs=1, batch_docs=1)
    assert (report.n_skipped, report.n_documents, report.n_read) == (n_stored, 5 - n_stored, 5)
    assert_same_tables(store, local_runs(kind))
    again = cluster.run_on_cluster([SEEDS], store, scheduler, resume=True)
    assert (again.n_skipped, again.n_documents) == (5, 0)  # nothing left to do; the corpus step runs again
    assert_same_tables(store, local_runs(kind))


def write_texts(folder: Path, **texts: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, text in texts.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def test_resume_redoes_a_changed_text_and_leaves_exactly_the_inputs(scheduler: str, tmp_path: Path) -> None:
    store = open_store(tmp_path / "out")
    first = write_texts(tmp_path / "one", a="Talks in 2019.", b="Cuba in 2020.", gone="Russia in 2021.")
    assert cluster.run_on_cluster([first], store, scheduler, extractor=FAKE).n_documents == 3
    second = write_texts(tmp_path / "two", a="Talks in 2019.", b="Cuba in 2022, not 2020.", c="Met in 2023.")
    report = cluster.run_on_cluster([second], store, scheduler, extractor=FAKE, resume=True)
    assert (report.n_skipped, report.n_documents) == (1, 2)  # a unchanged; b changed; c new
    docs = store.read_documents()
    assert sorted(docs["doc_id"]) == ["a", "b", "c"]  # "gone" is not an input: dropped, as a local run would
    assert sorted(store.read_events()["date_start"].dt.year) == [2019, 2020, 2022, 2023]
    merged = write_texts(tmp_path / "three", d="Later, in 2024.")
    report = cluster.run_on_cluster([merged], store, scheduler, extractor=FAKE, resume=True, merge=True)
    assert report.n_documents == 1 and sorted(store.read_documents()["doc_id"]) == ["a", "b", "c", "d"]


def test_a_run_without_merge_replaces_the_stored_set_and_nothing_extracted_writes_nothing(
    scheduler: str, tmp_path: Path
) -> None:
    store = open_store(tmp_path / "out")
    cluster.run_on_cluster([write_texts(tmp_path / "one", old="Met in 2001.")], store, scheduler, extractor=FAKE)
    version = store.version()
    broken = write_texts(tmp_path / "bad", x="EXPLODE in 2002.")
    report = cluster.run_on_cluster([broken], store, scheduler, extractor=FAKE)
    assert not report.written and store.version() == version  # the stored tables were not replaced by nothing
    assert any("extraction failed" in str(p) for p in report.problems)
    new = write_texts(tmp_path / "two", new="Met in 2002.", bad="EXPLODE in 2003.")
    report = cluster.run_on_cluster([new], store, scheduler, extractor=FAKE)
    assert report.n_documents == 1 and list(store.read_documents()["doc_id"]) == ["new"]


def test_inputs_are_read_a_file_at_a_time_and_sent_in_a_bounded_window(
    scheduler: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    lines = [json.dumps({"id": str(i), "text": f"Article {i} from {1900 + i}."}) for i in range(120)]
    (tmp_path / "many.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    read = []  # how many documents the runner had taken from the inputs at each result

    def counting(*args: object, **kwargs: object) -> Iterator[object]:
        for document in iter_inputs(*args, **kwargs):  # type: ignore[arg-type]
            read.append(document)
            yield document

    monkeypatch.setattr(cluster, "iter_inputs", counting)
    seen: list[tuple[int, int, int]] = []
    report = cluster.run_on_cluster(
        [tmp_path / "many.jsonl"],
        open_store(tmp_path / "out"),
        scheduler,
        extractor=FAKE,
        chunk_docs=2,
        progress=lambda done, total, note: seen.append((done, total, len(read))),
    )
    assert report.n_documents == 120 and report.n_events == 120
    window = cluster.WINDOW_PER_THREAD * 2 * 2  # chunks in flight (two workers of one thread), two documents each
    assert seen[0][1] == 120  # the total is known (counted) before the first result
    assert all(taken <= done + window for done, _, taken in seen)  # never more than a window ahead
    assert seen[-1][0] == 120


def test_iter_inputs_reads_each_file_when_its_turn_comes(tmp_path: Path) -> None:
    write_texts(tmp_path / "in", a="First in 2001.", b="Second in 2002.")
    problems: list = []
    documents = iter_inputs([tmp_path / "in"], problems)
    assert next(documents).doc_id == "a"
    (tmp_path / "in" / "b.txt").unlink()  # read only now: it is missing
    assert list(documents) == [] and "cannot read" in str(problems[0])
    assert [d.doc_id for d in read_inputs([tmp_path / "in"])[0]] == ["a"]


def test_cli_scheduler_address(scheduler: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = write_texts(tmp_path / "in", a="Talks in 2019.", b="Cuba in 2020.")
    out = tmp_path / "out"
    argv = [str(inputs), "--scheduler", scheduler, "--workers", "2", "--out", str(out)]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster, "Extractor", lambda: FAKE)  # the extractor the CLI's run builds: the stand-ins
        assert cli.main(argv) == 0
        captured = capsys.readouterr()
        assert "2 workers, 6 words in" in captured.out and "2 documents, 2 events, 0 problems;" in captured.out
        assert cli.main([*argv, "--resume"]) == 0
        assert "2 skipped as stored already (--resume)" in capsys.readouterr().out
        assert sorted(open_store(out).read_documents()["doc_id"]) == ["a", "b"]
        only_c = write_texts(tmp_path / "c", c="Caracas in 2021.")
        rest = [str(only_c), "--scheduler", scheduler, "--workers", "2", "--out", str(out)]
        assert cli.main(rest) == 0  # a run merges: a and b stay
        assert sorted(open_store(out).read_documents()["doc_id"]) == ["a", "b", "c"]
        assert cli.main([*rest, "--replace"]) == 0  # the stored set becomes exactly the run's
    assert sorted(open_store(out).read_documents()["doc_id"]) == ["c"]


def test_cli_scheduler_usage_errors_and_dask_missing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    inputs = write_texts(tmp_path / "in", a="Talks in 2019.")
    for argv in (["--resume"], ["--workers", "2"], ["--scheduler", "local", "--jobs", "2"]):
        with pytest.raises(SystemExit) as exit_info:
            cli.main([str(inputs), "--out", str(tmp_path / "out"), *argv])
        assert exit_info.value.code == 2
    assert "--resume works with --scheduler only" in capsys.readouterr().err
    monkeypatch.setitem(sys.modules, "distributed", None)  # as if not installed
    assert cli.main([str(inputs), "--scheduler", "local", "--out", str(tmp_path / "out")]) == 2
    assert "pip install -r requirements-scale.txt" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()


def test_an_unreachable_scheduler_is_a_clear_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    inputs = write_texts(tmp_path / "in", a="Talks in 2019.")
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster, "CONNECT_TIMEOUT_S", 2)
        assert cli.main([str(inputs), "--scheduler", "tcp://127.0.0.1:9", "--out", str(tmp_path / "out")]) == 1
    err = capsys.readouterr().err
    assert "cannot reach the Dask scheduler at tcp://127.0.0.1:9" in err
    assert not (tmp_path / "out").exists()


def test_the_progress_total_counts_text_files_and_jsonl_lines(tmp_path: Path) -> None:
    folder = write_texts(tmp_path / "in", a="One.", b="Two.")
    (folder / "a.meta.json").write_text("{}", encoding="utf-8")  # metadata, not a document
    (folder / ".hidden.txt").write_text("Hidden.", encoding="utf-8")
    (folder / "notes.pdf").write_bytes(b"%PDF")
    (folder / "many.jsonl").write_text('{"id": 1, "text": "x"}\n\n{"id": 2, "text": "y"}\n', encoding="utf-8")
    assert cluster.count_documents([folder]) == 4
    assert cluster.count_documents([folder / "a.txt", tmp_path / "missing.txt"]) == 1


def test_without_dask_installed_a_local_run_works_as_before(tmp_path: Path) -> None:
    inputs = write_texts(tmp_path / "in", a="Talks in 2019.", b="Cuba in 2020.")
    code = (
        "import sys\n"
        "for name in ('dask', 'distributed'): sys.modules[name] = None  # as if not installed\n"
        "from extract import events, nlp\n"
        "from tests.fakes import blank_nlp, fake_tables\n"
        "nlp.load_nlp, events.document_tables = blank_nlp, fake_tables\n"
        "from extract.__main__ import main\n"
        "sys.exit(main(sys.argv[1:]))\n"
    )
    argv = [sys.executable, "-c", code, str(inputs), "--out", str(tmp_path / "out")]
    done = subprocess.run(argv, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "2 documents, 2 events, 0 problems;" in done.stdout


def test_cluster_runs_into_a_database_are_in_its_audit_log(scheduler: str, tmp_path: Path) -> None:
    from extract.store.sql import SqlStore
    from extract.store.team import Team

    inputs = write_texts(tmp_path / "in", a="Talks in 2019.", b="Cuba in 2020.")
    with database("sqlite", tmp_path) as url, pytest.MonkeyPatch.context() as patch:
        patch.setattr(cluster, "Extractor", lambda: FAKE)
        assert cli.main([str(inputs), "--scheduler", scheduler, "--db", url]) == 0
        store = open_store(url)
        assert isinstance(store, SqlStore)
        log = Team(store).history(actor="cli")
    assert list(log["action"]) == ["extract (cluster, corpus steps)", "extract (cluster batch)"]
    assert '"added": 2' in log["after"].iloc[1] and str(inputs) in log["target_id"].iloc[1]
