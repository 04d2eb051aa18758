"""What the image's entry point does before the dashboard starts: ``python -m deploy.prepare``.

1. Wait for the store's database (``DATELINE_DATABASE_URL``, else the default store, see
   extract/store/location.py) to answer, for at most ``DATELINE_WAIT_S`` seconds (default 60), retrying; then
   stop with a message naming the database (password hidden) and the last error, exit code 1.
2. ``python -m extract migrate``: the schema brought to this version's (a database store only).
3. The first admins, ``DATELINE_ADMINS`` (comma-separated emails), made admins unless the ``users`` table
   already knows them (extract.store.team.Team.ensure_admins: a removal or downgrade made in the app stands).
4. Unless ``DATELINE_SEEDS=0``: ``python -m extract seeds --if-empty`` (the bundled articles into an empty store).

Exit codes: 0 ready; 1 the database did not answer in time, or a step failed (its message says which); 2 bad
configuration (an unusable URL, an invalid email in DATELINE_ADMINS, an unreadable setting).
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
WAIT_ENV = "DATELINE_WAIT_S"
ADMINS_ENV = "DATELINE_ADMINS"
SEEDS_ENV = "DATELINE_SEEDS"
DEFAULT_WAIT_S = 60.0
RETRY_S = 1.0
SEEDS = ROOT / "seeds"
FALSE = ("0", "false", "no", "off")


class ConfigError(Exception):
    """A setting the start-up cannot use (exit code 2)."""


def say(message: str) -> None:
    """One line of the start-up's log (stderr, flushed: a container's log shows it at once)."""
    print(f"dateline start: {message}", file=sys.stderr, flush=True)


def wait_seconds(environ: Mapping[str, str]) -> float:
    """DATELINE_WAIT_S as seconds (default 60); ConfigError when it is not a number >= 0."""
    text = environ.get(WAIT_ENV, "").strip()
    if not text:
        return DEFAULT_WAIT_S
    try:
        seconds = float(text)
    except ValueError:
        raise ConfigError(f"{WAIT_ENV}={text!r}: give a number of seconds") from None
    if not seconds >= 0:
        raise ConfigError(f"{WAIT_ENV}={text!r}: give a number of seconds, 0 or more")
    return seconds


def admin_emails(environ: Mapping[str, str]) -> list[str]:
    """DATELINE_ADMINS split on commas, blanks dropped, each a valid email (ConfigError naming a bad one)."""
    from extract.store import StoreError
    from extract.store.team import normal_email

    emails = []
    for part in environ.get(ADMINS_ENV, "").split(","):
        if not part.strip():
            continue
        try:
            emails.append(normal_email(part))
        except StoreError as exc:
            raise ConfigError(f"{ADMINS_ENV}: {exc}") from None
    return emails


def seeds_wanted(environ: Mapping[str, str]) -> bool:
    """Whether to extract the bundled seeds into an empty store (DATELINE_SEEDS, default on)."""
    return environ.get(SEEDS_ENV, "1").strip().lower() not in FALSE


def probe(url: str, timeout_s: float) -> None:
    """Connect once and run ``SELECT 1``; raises the driver's error. A SQLite file is opened (its folder made)."""
    from extract.store.sql_engine import Database

    database = Database(url)
    connect_args: dict[str, object] = {}
    if database.kind == "postgresql":
        connect_args["connect_timeout"] = max(1, int(timeout_s))  # libpq: whole seconds, at least 1
    else:
        database._make_folder()
    engine = sa.create_engine(database.url, poolclass=sa.NullPool, connect_args=connect_args)
    try:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
    finally:
        engine.dispose()


def wait_for_database(
    url: str,
    timeout_s: float,
    *,
    attempt: Callable[[str, float], None] = probe,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
) -> str | None:
    """Try ``attempt`` until it succeeds or ``timeout_s`` has passed; None when the database answered, else the
    last error (first line). Never waits longer than the timeout, a connection attempt included."""
    deadline = clock() + timeout_s
    last = "no attempt made"
    tries = 0
    while True:
        remaining = deadline - clock()
        tries += 1
        try:
            attempt(url, max(remaining, 0.0))
            return None
        except Exception as exc:  # any driver or OS error: the database is not there yet
            last = _first_line(exc)
        remaining = deadline - clock()
        if remaining <= 0:
            return f"{last} (after {tries} attempt{'s' if tries != 1 else ''} in {timeout_s:g} s)"
        if tries == 1:
            say(f"waiting up to {timeout_s:g} s for the database to answer ({last})")
        sleep(min(RETRY_S, remaining))


def _first_line(exc: BaseException) -> str:
    orig = getattr(exc, "orig", None)
    text = str(orig if orig is not None else exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def run_cli(args: Sequence[str]) -> int:
    """``python -m extract ARGS`` in this process; its exit code."""
    from extract.__main__ import main as extract_main

    try:
        return extract_main(list(args))
    except SystemExit as exc:  # argparse's usage errors
        return exc.code if isinstance(exc.code, int) else 2


def prepare(environ: Mapping[str, str] | None = None) -> int:
    """Steps 1-4 of the module docstring; the exit code."""
    from extract.store import StoreError, default_store_location, display_location, open_store
    from extract.store.sql import SqlStore
    from extract.store.team import Team

    env = os.environ if environ is None else environ
    try:
        timeout = wait_seconds(env)
        admins = admin_emails(env)
        location = default_store_location(env)
        store = open_store(location)
    except (ConfigError, StoreError) as exc:
        say(f"error: {exc}")
        return 2
    shown = display_location(location)
    if not isinstance(store, SqlStore):
        say(f"the store is a folder of files ({shown}): no database to wait for or migrate")
        if admins:
            say(f"error: {ADMINS_ENV} needs a database store (users live in its users table); {shown} is a folder")
            return 2
    else:
        problem = wait_for_database(store.database.url, timeout)
        if problem is not None:
            say(f"error: the database {store.display} did not answer within {timeout:g} s: {problem}")
            say(f"check DATELINE_DATABASE_URL and that the server is running; {WAIT_ENV} sets how long to wait")
            return 1
        say(f"the database {store.display} answers; migrating")
        if run_cli(["migrate", "--db", location]) != 0:
            say("error: the migration failed (see above)")
            return 1
        if admins:
            try:
                added = Team(store).ensure_admins(admins)
            except StoreError as exc:
                say(f"error: could not make the first admins: {exc}")
                return 1
            kept = [e for e in admins if e not in added]
            say(
                f"first admins: {', '.join(added) or 'none added'}"
                + (f"; already users, left as they are: {', '.join(kept)}" if kept else "")
            )
    if seeds_wanted(env):
        if not SEEDS.is_dir():
            say(f"no seeds folder at {SEEDS}; nothing extracted")
        else:
            code = run_cli([str(SEEDS), "--db" if isinstance(store, SqlStore) else "--out", location, "--if-empty"])
            if code != 0:
                say(f"error: extracting the seeds failed (exit code {code})")
                return 1
    return 0


def main() -> None:
    """Entry point: ``python -m deploy.prepare``."""
    sys.exit(prepare())


if __name__ == "__main__":
    main()
