"""The image's entry point (deploy/entrypoint.sh), run directly as the container would run it: the store made
ready (database waited for, migrated, first admins, seeds), then the dashboard served and healthy; a database
that never answers stops it with a clear message, within the timeout."""

from __future__ import annotations

import contextlib
import itertools
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from deploy import prepare
from extract.store import migrate, open_store
from extract.store.sql import SqlStore
from extract.store.team import LOCAL, Team
from tests.databases import database

ROOT = Path(__file__).resolve().parent.parent
ENTRYPOINT = ROOT / "deploy" / "entrypoint.sh"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(**settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DATELINE_")}
    env.update(DATELINE_PYTHON=sys.executable, **settings)
    return env


@contextlib.contextmanager
def _entrypoint(tmp_path: Path, **settings: str) -> Iterator[tuple[str, Path]]:
    """The entry point on a free port; yields (base URL, its log) once /_stcore/health answers "ok"."""
    port = _free_port()
    log_path = tmp_path / "entrypoint.log"
    with log_path.open("w") as log:
        proc = subprocess.Popen(
            [str(ENTRYPOINT)],
            cwd=tmp_path,  # the script finds the project itself
            env=_env(PORT=str(port), **settings),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: the test stops the prepare step too, if need be
        )
        url = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                        if response.read() == b"ok":
                            break
                except OSError:
                    pass
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the entry point did not serve (exit {proc.poll()}): {log_path.read_text()[-3000:]}")
                time.sleep(0.3)
            yield url, log_path
        finally:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()


def _page(url: str) -> str:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        return response.read().decode("utf-8")


def _revision(url: str) -> str | None:
    engine = sa.create_engine(open_store(url).database.url, poolclass=sa.NullPool)  # type: ignore[attr-defined]
    try:
        with engine.connect() as conn:
            return migrate.current(conn)
    finally:
        engine.dispose()


def test_the_entrypoint_is_an_executable_shell_script() -> None:
    assert os.access(ENTRYPOINT, os.X_OK)
    assert ENTRYPOINT.read_text().startswith("#!/bin/sh\n")
    mode = subprocess.run(
        ["git", "ls-files", "--stage", str(ENTRYPOINT.relative_to(ROOT))], cwd=ROOT, capture_output=True, text=True
    ).stdout
    if mode:  # committed: git keeps the executable bit, so the image gets it too
        assert mode.startswith("100755"), mode


@pytest.mark.model
def test_sqlite_store_made_ready_then_served(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'store' / 'dateline.db'}"
    with _entrypoint(tmp_path, DATELINE_DATABASE_URL=url, DATELINE_ADMINS=" Boss@Example.org,ann@example.org ,") as (
        base,
        log,
    ):
        html = _page(base)
        assert '<div id="root">' in html and "<script" in html  # Streamlit's page, which then opens its websocket
        check = subprocess.run(
            [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
            env={**os.environ, "PORT": base.rsplit(":", 1)[1]},
            capture_output=True,
            text=True,
            timeout=30,
        )
        assert check.returncode == 0 and check.stdout.endswith("/_stcore/health: 'ok'\n"), check
        text = log.read_text()
    assert "schema revision none -> " in text
    assert "first admins: boss@example.org, ann@example.org" in text
    assert "serving the dashboard on 0.0.0.0:" in text
    assert "External URL" not in text and "Did not auto detect external IP" not in text  # no internet lookup
    store = open_store(url)
    assert isinstance(store, SqlStore)
    assert _revision(url) == migrate.head()
    users = Team(store).users()
    assert users.set_index("email")["role"].to_dict() == {"ann@example.org": "admin", "boss@example.org": "admin"}
    seeded = store.read_documents()
    assert len(seeded) == len(list((ROOT / "seeds").glob("*.txt")))  # the bundled seeds, extracted at start


def test_postgresql_store_in_its_own_schema_served_without_seeds(tmp_path: Path) -> None:
    with database("postgresql", tmp_path) as url:
        with _entrypoint(
            tmp_path, DATELINE_DATABASE_URL=url, DATELINE_ADMINS="ops@example.org", DATELINE_SEEDS="0"
        ) as (base, _):
            assert '<div id="root">' in _page(base)
        store = open_store(url)
        assert isinstance(store, SqlStore)
        assert _revision(url) == migrate.head()
        assert Team(store).users()["email"].tolist() == ["ops@example.org"]
        assert store.is_empty()  # DATELINE_SEEDS=0: nothing extracted


@pytest.mark.browser
def test_the_served_dashboard_works_in_a_browser(data_folder: Path, tmp_path: Path) -> None:
    """Behind the entry point's settings (XSRF protection, CORS checks, 0.0.0.0) the page opens its WebSocket
    and draws the store's events, fetching nothing from elsewhere."""
    from extract.store import FileStore, copy_store
    from tests.test_browser import _browser, _elsewhere

    url = f"sqlite:///{tmp_path / 'db' / 'dateline.db'}"
    copy_store(FileStore(data_folder), open_store(url))
    with (
        _entrypoint(tmp_path, DATELINE_DATABASE_URL=url, DATELINE_SEEDS="0") as (base, _),
        _browser() as browser,
    ):
        page = browser.new_page(viewport={"width": 1280, "height": 900})  # type: ignore[attr-defined]
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(base, wait_until="domcontentloaded")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.get_by_text("5 of 8 events match").wait_for(timeout=30_000)
        assert _elsewhere(requests, base) == []


def test_an_unreachable_database_stops_the_start_with_a_clear_message(tmp_path: Path) -> None:
    port = _free_port()  # nothing listens there
    url = f"postgresql://dateline:s3cret-pw@127.0.0.1:{port}/dateline"
    start = time.monotonic()
    done = subprocess.run(
        [str(ENTRYPOINT)],
        env=_env(DATELINE_DATABASE_URL=url, DATELINE_WAIT_S="2", PORT=str(_free_port())),
        capture_output=True,
        text=True,
        timeout=60,
    )
    elapsed = time.monotonic() - start
    assert done.returncode == 1, done.stderr
    assert f"the database postgresql+psycopg://dateline:***@127.0.0.1:{port}/dateline did not answer within 2 s" in (
        done.stderr
    )
    assert "Connection refused" in done.stderr
    assert "DATELINE_DATABASE_URL" in done.stderr  # says what to check
    assert "s3cret-pw" not in done.stderr + done.stdout
    assert "serving the dashboard" not in done.stderr  # Streamlit never started
    assert elapsed < 2 + 15, elapsed  # the timeout, plus interpreter start-up on a loaded machine


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"DATELINE_ADMINS": "boss@example.org,not-an-email"}, "DATELINE_ADMINS: not an email address: 'not-an-email'"),
        ({"DATELINE_WAIT_S": "soon"}, "DATELINE_WAIT_S='soon': give a number of seconds"),
        ({"DATELINE_DATABASE_URL": "postgresql+asyncpg://host/db"}, "driver 'postgresql+asyncpg' is not supported"),
    ],
)
def test_bad_settings_are_named_and_exit_2(
    settings: dict[str, str], message: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env = {"DATELINE_DATABASE_URL": f"sqlite:///{tmp_path / 'dateline.db'}", "DATELINE_SEEDS": "0", **settings}
    assert prepare.prepare(env) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "dateline.db").exists()  # nothing created


@pytest.mark.parametrize("kind", ["sqlite", "postgresql"])
def test_a_restart_keeps_what_admins_changed_in_the_app(kind: str, tmp_path: Path) -> None:
    with database(kind, tmp_path) as url:
        env = {"DATELINE_DATABASE_URL": url, "DATELINE_ADMINS": "boss@example.org", "DATELINE_SEEDS": "no"}
        assert prepare.prepare(env) == 0
        team = Team(open_store(url))  # type: ignore[arg-type]
        team.set_user("boss@example.org", "viewer", by=LOCAL)  # downgraded in the app
        assert prepare.prepare(env) == 0  # the container restarts
        assert team.users().set_index("email")["role"].to_dict() == {"boss@example.org": "viewer"}
        assert len(team.history(target_id="boss@example.org")) == 2  # added once by configuration, changed once


def test_admins_need_a_database_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"DATELINE_DATA": str(tmp_path / "files"), "DATELINE_ADMINS": "a@example.org", "DATELINE_SEEDS": "0"}
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "manifest.json").write_text('{"version": 1}')  # a files store written before databases
    assert prepare.prepare(env) == 2
    assert "DATELINE_ADMINS needs a database store" in capsys.readouterr().err


class FakeClock:
    """Time that moves only when slept or when an attempt takes time."""

    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds > 0
        self.now += seconds


def test_waiting_retries_until_the_database_answers() -> None:
    clock = FakeClock()
    tries: list[float] = []

    def attempt(url: str, budget: float) -> None:
        tries.append(budget)
        clock.now += 0.5  # a refused connection takes a while
        if len(tries) < 4:
            raise OSError("the database system is starting up")

    assert prepare.wait_for_database("x", 10, attempt=attempt, clock=clock, sleep=clock.sleep) is None
    assert len(tries) == 4
    assert tries[0] == 10 and all(later < earlier for earlier, later in itertools.pairwise(tries))


def test_waiting_gives_up_at_the_timeout_with_the_last_error() -> None:
    clock = FakeClock()
    errors = iter(f"refused {i}" for i in range(1000))

    def attempt(url: str, budget: float) -> None:
        assert budget >= 0
        clock.now += min(budget, 2.0)  # an attempt never runs past what is left
        raise OSError(next(errors))

    problem = prepare.wait_for_database("x", 7.5, attempt=attempt, clock=clock, sleep=clock.sleep)
    assert problem is not None and problem.startswith("refused ") and "in 7.5 s" in problem
    assert clock.now == pytest.approx(7.5)


# --------------------------------------------------------------------------- the README's backup recipes


def _fill(url: str) -> SqlStore:
    from tests.test_store_contract import run

    target = open_store(url)
    assert isinstance(target, SqlStore)
    target.write(*run("a", "b", plans=("b",)))
    Team(target).set_user("ana@example.org", "editor", by=LOCAL)
    return target


def _content(target: SqlStore) -> tuple[list[str], list[str], str | None, dict[str, str]]:
    users = Team(target).users()
    return (
        sorted(target.read_events()["event_id"]),
        sorted(target.read_documents()["doc_id"]),
        target.read_text("a"),
        dict(zip(users["email"], users["role"], strict=True)),
    )


@pytest.mark.parametrize("tool", ["sqlite3", "python"])
def test_sqlite_online_backup_restores_everything(tool: str, tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'data' / 'dateline.db'}"
    before = _content(_fill(url))
    copy = tmp_path / "backups" / "dateline.db"
    copy.parent.mkdir()
    if tool == "sqlite3":
        if not Path("/usr/bin/sqlite3").exists():
            pytest.skip("no sqlite3 tool here (apt-get install sqlite3)")
        subprocess.run(["sqlite3", str(tmp_path / "data" / "dateline.db"), f".backup '{copy}'"], check=True)
    else:  # the README's one-liner
        subprocess.run(
            [
                sys.executable,
                "-c",
                f"import sqlite3; sqlite3.connect('{tmp_path / 'data' / 'dateline.db'}').backup(sqlite3.connect('{copy}'))",
            ],
            check=True,
        )
    from extract.store import sql_engine

    copied = f"sqlite:///{copy}"
    try:
        assert _content(open_store(copied)) == before  # type: ignore[arg-type]
        assert _revision(copied) == migrate.head()
    finally:
        sql_engine.dispose(url)
        sql_engine.dispose(copied)


def test_pg_dump_and_pg_restore_of_a_store_schema_restore_everything(tmp_path: Path) -> None:
    import shutil
    import urllib.parse

    from extract.store import sql_engine
    from tests.databases import POSTGRES_URL, _admin

    if not (shutil.which("pg_dump") and shutil.which("pg_restore")):
        pytest.skip("pg_dump and pg_restore are not installed here")
    with database("postgresql", tmp_path) as url:
        before = _content(_fill(url))
        schema = urllib.parse.unquote(url.rsplit("csearch_path", 1)[1]).lstrip("=")
        server = sa.make_url(POSTGRES_URL)
        conn = ["--host", server.host or "127.0.0.1", "--port", str(server.port or 5432), "--dbname", server.database]
        conn += ["--username", server.username] if server.username else []
        dump = tmp_path / "dateline.dump"
        subprocess.run(["pg_dump", *conn, f"--schema={schema}", "--format=custom", f"--file={dump}"], check=True)
        sql_engine.dispose(url)
        with _admin().begin() as admin:
            admin.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')  # lost
        subprocess.run(["pg_restore", *conn, "--no-owner", str(dump)], check=True)
        assert _content(open_store(url)) == before  # type: ignore[arg-type]
        assert _revision(url) == migrate.head()
