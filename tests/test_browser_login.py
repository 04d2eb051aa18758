"""Login end to end: a real OpenID Connect provider (the PyPI package oidc-provider-mock) on 127.0.0.1, the app
started with a secrets file pointing at it, Debian's chromium pressing the real "Log in" button.

The provider's authorisation form asks for a subject (``sub``), and it makes the ID token's ``email`` claim the
same string; the app then looks the email up in its users table.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from dashboard import auth
from extract.store import open_store
from extract.store.sql import SqlStore
from extract.store.team import LOCAL, Team
from tests.test_auth import _fill
from tests.test_browser import ROOT, _browser, _free_port

pytestmark = pytest.mark.browser
ZERO_WIDTH = "\u200b"  # md_text puts one after "@" so an email is never auto-linked


@contextlib.contextmanager
def _process(argv: list[str], env: dict[str, str], log: Path, ready: str) -> Iterator[subprocess.Popen[bytes]]:
    """A subprocess, once `ready` (a URL) answers 200; stopped (by its own id) afterwards."""
    with log.open("w") as out:
        proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 40
            while True:
                try:
                    with urllib.request.urlopen(ready, timeout=2) as response:
                        if response.status == 200:
                            break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        pytest.fail(f"{argv[2]} did not start: " + log.read_text()[-2000:])
                    time.sleep(0.2)
            yield proc
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture
def team_app(tmp_path: Path) -> Iterator[str]:
    """The provider and the app (login configured, a SQLite store with the fixture tables, one editor and a
    configured first admin); yields the app's URL."""
    provider_port, app_port = _free_port(), _free_port()
    provider = f"http://127.0.0.1:{provider_port}"
    app = f"http://127.0.0.1:{app_port}"
    url = f"sqlite:///{tmp_path / 'dateline.db'}"
    _fill(url)
    store = open_store(url)
    assert isinstance(store, SqlStore)
    Team(store).set_user("ed@example.org", "editor", by=LOCAL)
    secrets = tmp_path / "secrets.toml"
    secrets.write_text(
        "[auth]\n"
        f'redirect_uri = "{app}/oauth2callback"\n'
        'cookie_secret = "a-test-cookie-secret-of-no-value"\n'
        'client_id = "dateline"\n'
        'client_secret = "dateline-secret"\n'
        f'server_metadata_url = "{provider}/.well-known/openid-configuration"\n',
        encoding="utf-8",
    )
    env = {
        **os.environ,
        "DATELINE_DATABASE_URL": url,
        auth.ADMINS_ENV: "boss@example.org",
        "NO_COLOR": "1",
    }
    with (
        _process(
            [sys.executable, "-m", "oidc_provider_mock", "--host", "127.0.0.1", "--port", str(provider_port)],
            env,
            tmp_path / "provider.log",
            f"{provider}/.well-known/openid-configuration",
        ),
        _process(
            [
                sys.executable,
                "-m",
                "streamlit",
                "run",
                "dashboard/app.py",
                "--server.headless=true",
                "--server.address=127.0.0.1",
                f"--server.port={app_port}",
                "--server.fileWatcherType=none",
                "--browser.gatherUsageStats=false",
                f"--secrets.files={secrets}",
            ],
            env,
            tmp_path / "streamlit.log",
            f"{app}/_stcore/health",
        ),
    ):
        yield app


def _log_in(browser: object, app: str, sub: str, shot: Path, width: int = 1280) -> object:
    """A fresh browser context: open the app, press "Log in", give the provider `sub`, come back."""
    context = browser.new_context(viewport={"width": width, "height": 900})  # type: ignore[attr-defined]
    page = context.new_page()
    page.goto(app, wait_until="domcontentloaded")
    button = page.get_by_role("button", name="Log in")
    button.wait_for(timeout=30_000)
    assert page.locator(".js-plotly-plot").count() == 0  # nothing of the app before logging in
    page.screenshot(path=str(shot.with_name(f"login-{shot.name}")))
    button.click()
    page.wait_for_selector("input[name=sub]", timeout=30_000)  # the provider's own page
    page.fill("input[name=sub]", sub)
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(f"{app}/**", timeout=30_000)
    return page


def _text(page: object) -> str:
    return page.locator("body").inner_text().replace(ZERO_WIDTH, "")  # type: ignore[attr-defined]


def test_log_in_with_a_real_provider_then_a_stranger_is_refused(team_app: str, tmp_path: Path) -> None:
    with _browser() as browser:
        page = _log_in(browser, team_app, "ed@example.org", tmp_path / "editor.png")
        page.get_by_text("Logged in as").wait_for(timeout=30_000)  # type: ignore[attr-defined]
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)  # type: ignore[attr-defined]
        shown = _text(page)
        assert "Logged in as ed@example.org · editor" in shown
        assert page.get_by_role("button", name="Log out").count() == 1  # type: ignore[attr-defined]
        assert page.get_by_role("link", name="Users").count() == 0  # type: ignore[attr-defined]  # admins only
        page.screenshot(path=str(tmp_path / "editor.png"), full_page=True)  # type: ignore[attr-defined]

        admin = _log_in(browser, team_app, "boss@example.org", tmp_path / "admin.png", width=1440)
        admin.get_by_text("Logged in as").wait_for(timeout=30_000)  # type: ignore[attr-defined]
        assert "Logged in as boss@example.org · admin" in _text(admin)  # the first admin, from configuration
        admin.get_by_role("link", name="Users").click()  # type: ignore[attr-defined]
        admin.get_by_text("Add a user or change a role").wait_for(timeout=30_000)  # type: ignore[attr-defined]
        admin.get_by_text("2 active users").wait_for(timeout=30_000)  # type: ignore[attr-defined]  # boss, ed
        admin.screenshot(path=str(tmp_path / "users.png"), full_page=True)  # type: ignore[attr-defined]

        stranger = _log_in(browser, team_app, "stranger@example.org", tmp_path / "stranger.png")
        stranger.get_by_text("not a user of this dashboard").wait_for(timeout=30_000)  # type: ignore[attr-defined]
        shown = _text(stranger)
        assert "stranger@example.org" in shown
        # the refusal's text and its button are drawn in turn: on a slow machine the text came first (a CI run)
        stranger.get_by_role("button", name="Log out").wait_for(timeout=30_000)  # type: ignore[attr-defined]
        assert stranger.get_by_role("button", name="Log out").count() == 1  # type: ignore[attr-defined]
        assert stranger.locator(".js-plotly-plot").count() == 0  # type: ignore[attr-defined]
        stranger.screenshot(path=str(tmp_path / "stranger.png"), full_page=True)  # type: ignore[attr-defined]
