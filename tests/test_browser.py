"""One real browser: `streamlit run` in a subprocess, Debian's chromium driven by Playwright."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parent.parent
pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def server(data_folder: Path, tmp_path: Path) -> Iterator[str]:
    """The app on a free localhost port, headless, reading the fixture data folder."""
    port = _free_port()
    log = (tmp_path / "streamlit.log").open("w")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            "dashboard/app.py",
            "--server.headless=true",
            "--server.address=127.0.0.1",
            f"--server.port={port}",
            "--server.fileWatcherType=none",
            "--browser.gatherUsageStats=false",
        ],
        cwd=ROOT,
        env={**os.environ, "DATELINE_DATA": str(data_folder)},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                    if response.status == 200:
                        break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail("streamlit did not start: " + (tmp_path / "streamlit.log").read_text()[-2000:])
                time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def _legend(page: object) -> list[str]:
    """Legend entries (event types) of the timeline, the page's first plotly chart."""
    texts = page.locator(".js-plotly-plot").first.locator(".legendtext")  # type: ignore[attr-defined]
    return sorted(texts.evaluate_all("els => els.map(e => e.textContent)"))


def test_filter_changes_the_timeline(server: str, tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1366, "height": 900})
            page.goto(server, wait_until="domcontentloaded")
            page.wait_for_selector(".js-plotly-plot .main-svg", timeout=30_000)
            page.get_by_text("5 of 8 events match").wait_for(timeout=15_000)
            legend = page.locator(".js-plotly-plot .legendtext").first
            legend.wait_for(timeout=15_000)
            before = _legend(page)
            assert "military" in before and "economy" in before

            # Search for "sugar": only Granma's economy event stays on the timeline.
            search = page.get_by_label("Search summary and sentence", exact=True).and_(page.locator("input"))
            search.fill("sugar")
            search.press("Enter")
            page.get_by_text("1 of 8 events match").wait_for(timeout=15_000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('.js-plotly-plot')][0]"
                "?.querySelectorAll('.legendtext').length === 1",
                timeout=15_000,
            )
            after = _legend(page)
            assert after == ["economy"]
            assert "q=sugar" in page.url  # the filter is in the shareable link
            shot = tmp_path / "timeline.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
        finally:
            browser.close()
