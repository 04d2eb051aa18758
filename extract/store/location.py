"""Where the store is when nobody says: the rule the dashboard and ``python -m extract`` share.

:func:`default_store_location`, first match wins:

1. ``DATELINE_DATABASE_URL`` (environment), e.g. ``postgresql://dateline@db.internal/dateline``: the team's
   shared database.
2. ``url`` under ``[connections.dateline]`` in ``.streamlit/secrets.toml`` (the working directory's, then the
   user's ``~/.streamlit/secrets.toml``), Streamlit's usual place for connection secrets.
3. The data folder, ``DATELINE_DATA`` (default ``data``; a URL there is used as it is):

   - its SQLite file ``DATA/dateline.db`` when that exists;
   - else the folder itself (the files store) when it holds a files store's tables, written before the
     database store existed; ``python -m extract import DATA`` moves them into ``DATA/dateline.db``, which
     wins from then on;
   - else ``DATA/dateline.db``, created by the first write: what a fresh ``make run`` uses, nothing to install
     or start.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping, Sequence
from pathlib import Path

from extract.store.base import StoreError
from extract.store.files import FileStore

DATABASE_URL_ENV = "DATELINE_DATABASE_URL"
DATA_ENV = "DATELINE_DATA"
DEFAULT_DATA = "data"
SQLITE_FILE = "dateline.db"
SECRETS_SECTION = ("connections", "dateline")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*://")


def secrets_files() -> tuple[Path, ...]:
    """Where Streamlit keeps secrets, the project's first: ./.streamlit/secrets.toml, ~/.streamlit/secrets.toml."""
    return (Path.cwd() / ".streamlit" / "secrets.toml", Path.home() / ".streamlit" / "secrets.toml")


def configured_database_url(
    environ: Mapping[str, str] | None = None, secrets: Sequence[Path] | None = None
) -> str | None:
    """The database named by DATELINE_DATABASE_URL, else by ``[connections.dateline] url`` in a secrets file;
    None when neither names one. StoreError for a secrets file that cannot be read or has no url there."""
    env = os.environ if environ is None else environ
    url = env.get(DATABASE_URL_ENV, "").strip()
    if url:
        return url
    for path in secrets_files() if secrets is None else secrets:
        found = _secret_url(Path(path))
        if found:
            return found
    return None


def data_folder(environ: Mapping[str, str] | None = None) -> str:
    """DATELINE_DATA, default ``data`` (relative to the working directory)."""
    env = os.environ if environ is None else environ
    return env.get(DATA_ENV, "").strip() or DEFAULT_DATA


def sqlite_location(folder: str | Path) -> str:
    """The URL of the SQLite store in a data folder: ``sqlite:///FOLDER/dateline.db``."""
    return f"sqlite:///{Path(folder) / SQLITE_FILE}"


def default_store_location(environ: Mapping[str, str] | None = None, secrets: Sequence[Path] | None = None) -> str:
    """The store to use when none is given (see the module docstring): a database URL or a folder, for
    ``open_store``. Reads the environment and the secrets files; creates nothing."""
    url = configured_database_url(environ, secrets)
    if url:
        return url
    data = data_folder(environ)
    if _URL.match(data):
        return data
    folder = Path(data)
    if (folder / SQLITE_FILE).exists():
        return sqlite_location(folder)
    if holds_files_store(folder):
        return data
    return sqlite_location(folder)


def display_location(location: str | Path) -> str:
    """A store location fit to show (in the dashboard, in messages): a database URL without its password."""
    return re.sub(r"(://[^/:@]*:)[^/@]*@", r"\1***@", str(location))


def holds_files_store(folder: str | Path) -> bool:
    """True when the folder holds a files store's tables (a manifest or a table file)."""
    return Path(folder).is_dir() and not FileStore(folder).is_empty()


def _secret_url(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            secrets = tomllib.load(fh)
    except FileNotFoundError:
        return None
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise StoreError(f"{path}: cannot read the secrets file: {exc}") from exc
    section: object = secrets
    for key in SECRETS_SECTION:
        if not isinstance(section, dict) or key not in section:
            return None
        section = section[key]
    if not isinstance(section, dict):
        return None
    url = section.get("url")
    if not isinstance(url, str) or not url.strip():
        raise StoreError(f'{path}: [{".".join(SECRETS_SECTION)}] has no url (e.g. url = "postgresql://host/db")')
    return url.strip()
