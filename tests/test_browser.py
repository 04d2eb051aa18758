"""Real browsers: `streamlit run` in a subprocess, Debian's chromium driven by Playwright.

The filters change what is drawn; and with hostile text in every field (tests/test_dashboard_hostile.py's
tables), no page makes the browser fetch anything from, or link to, the hostile host.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

from extract.store import open_store
from tests.test_dashboard_hostile import (  # noqa: F401  (hostile_folder: a fixture)
    HOST,
    HOSTILE_DAY,
    HOSTILE_GROUP,
    NAME_PAYLOAD,
    PAYLOAD,
    hostile_folder,
)

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
    with _serve(data_folder, tmp_path) as url:
        yield url


@pytest.fixture
def hostile_server(hostile_folder: Path, tmp_path: Path) -> Iterator[str]:  # noqa: F811
    """The app reading tables with hostile text in every field."""
    with _serve(hostile_folder, tmp_path) as url:
        yield url


@contextlib.contextmanager
def _serve(data_folder: Path, tmp_path: Path) -> Iterator[str]:
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
    """Legend entries (event types) of the timeline, the page's first plotly chart (not the second legend,
    which explains the marks' shapes)."""
    texts = page.locator(".js-plotly-plot").first.locator("g.legend .legendtext")  # type: ignore[attr-defined]
    return sorted(texts.evaluate_all("els => els.map(e => e.textContent)"))


def _elsewhere(requests: list[str], server: str) -> list[str]:
    """Requests that went anywhere but the app itself (a font, an icon, a favicon from the internet)."""
    return [url for url in requests if not url.startswith(server) and not url.startswith("data:")]


@contextlib.contextmanager
def _browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} is missing (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            yield browser
        finally:
            browser.close()


def test_filter_changes_the_timeline(server: str, tmp_path: Path) -> None:
    with _browser() as browser:
        page = browser.new_page(viewport={"width": 1366, "height": 900})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
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
            "() => [...document.querySelectorAll('.js-plotly-plot')][0]?.querySelectorAll('g.legend .legendtext')"
            ".length === 1",
            timeout=15_000,
        )
        after = _legend(page)
        assert after == ["economy"]
        assert "q=sugar" in page.url  # the filter is in the shareable link
        shot = tmp_path / "timeline.png"
        page.screenshot(path=str(shot), full_page=True)
        assert shot.stat().st_size > 10_000
        assert page.get_by_text("Deploy", exact=True).count() == 0  # no developer toolbar for analysts
        assert not _elsewhere(requests, server), _elsewhere(requests, server)  # no font or icon from outside


# --------------------------------------------------------------------------- hostile text


def _nothing_from_the_host(page: object, requests: list[str], where: str) -> None:
    """No link goes to the hostile host, nothing loads from it, and no request went there.

    Links to the app itself may carry a hostile doc_id in their query (the "Open the source" link): what
    matters is the host a link or a load goes to.
    """
    assert page.locator(f"img[src*='{HOST}']").count() == 0, where  # type: ignore[attr-defined]
    targets = page.evaluate(  # type: ignore[attr-defined]
        "() => [...document.querySelectorAll('[href], [src], [srcset], [action], [data]')]"
        ".map(e => e.href || e.src || e.srcset || e.action || e.data || '')"
    )
    to_host = [t for t in targets if HOST in (urllib.parse.urlsplit(str(t)).hostname or "")]
    assert not to_host, (where, to_host)
    assert not [url for url in requests if HOST in (urllib.parse.urlsplit(url).hostname or "")], where
    assert page.locator("[data-testid='stException']").count() == 0, where  # type: ignore[attr-defined]


def _shown(page: object) -> str:
    return page.locator("body").inner_text()  # type: ignore[attr-defined]


def test_hostile_text_is_never_a_link_or_a_fetch(hostile_server: str, tmp_path: Path) -> None:
    requests: list[str] = []
    with _browser() as browser:
        context = browser.new_context(viewport={"width": 1366, "height": 1000})  # type: ignore[attr-defined]

        def route(handled: object) -> None:
            url = handled.request.url  # type: ignore[attr-defined]
            if url.startswith(hostile_server):
                handled.continue_()  # type: ignore[attr-defined]
            else:
                requests.append(url)  # anything else is recorded, and never leaves the machine
                handled.abort()  # type: ignore[attr-defined]

        context.route("**/*", route)
        page = context.new_page()
        page.on("request", lambda request: requests.append(request.url))

        # Timeline: the "too many events" caption and the lanes name the hostile outlet.
        page.goto(hostile_server, wait_until="domcontentloaded")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.get_by_text("Too many events to tell apart", exact=False).wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)  # let any image the page names start loading
        _nothing_from_the_host(page, requests, "timeline")
        assert f"Source 0 ![x](http://{HOST}/img.png)" in _shown(page).replace("\u200b", "")
        # The sidebar's help tooltips (sources, actors...) render markdown: open each one.
        icons = page.locator("[data-testid='stSidebar'] [data-testid='stTooltipIcon']")
        for i in range(icons.count()):
            icons.nth(i).hover()
            page.wait_for_timeout(300)
            _nothing_from_the_host(page, requests, f"sidebar tooltip {i}")
        # The sources filter's options list.
        page.locator("[data-testid='stSidebar'] [data-testid='stMultiSelect']").first.click()
        page.wait_for_timeout(500)
        assert HOST in _shown(page)
        _nothing_from_the_host(page, requests, "sources options")
        page.keyboard.press("Escape")

        # Sources: the overview, its document list, then each document.
        page.goto(f"{hostile_server}/sources", wait_until="domcontentloaded")
        page.get_by_text("Sources compared").wait_for(timeout=30_000)
        page.locator("[data-testid='stSelectbox']").first.click()
        page.wait_for_timeout(500)
        _nothing_from_the_host(page, requests, "sources overview")
        page.keyboard.press("Escape")
        for d in range(3):
            doc = urllib.parse.quote(f"doc{d} {NAME_PAYLOAD}")
            page.goto(f"{hostile_server}/sources?doc={doc}", wait_until="domcontentloaded")
            page.get_by_text("Full text").wait_for(timeout=30_000)
            page.get_by_text("The stored text, as extracted").wait_for(timeout=30_000)
            _nothing_from_the_host(page, requests, f"sources document {d}")
            assert f"Title {d} ![x](http://{HOST}" in _shown(page).replace("\u200b", "")

        # The event panel (the group's id travels in the link) and the key dates with a day open.
        page.goto(f"{hostile_server}/?event={urllib.parse.quote(HOSTILE_GROUP)}", wait_until="domcontentloaded")
        page.get_by_text("Selected event").wait_for(timeout=60_000)
        page.wait_for_timeout(1_000)
        _nothing_from_the_host(page, requests, "event panel")
        assert f"Group summary ![x](http://{HOST}" in _shown(page).replace("\u200b", "")
        page.goto(f"{hostile_server}/key-dates?day={HOSTILE_DAY}", wait_until="domcontentloaded")
        page.get_by_text("Key dates").first.wait_for(timeout=60_000)
        page.get_by_role("heading").filter(has_text="Mon 1 Jan 2018:").wait_for(timeout=60_000)
        page.wait_for_timeout(1_000)
        _nothing_from_the_host(page, requests, "key dates")

        # Events table: select the first rows to read their details.
        page.goto(f"{hostile_server}/events", wait_until="domcontentloaded")
        grid = page.locator("[data-testid='stDataFrame']").first
        grid.wait_for(timeout=30_000)
        page.wait_for_timeout(1_000)
        box = grid.bounding_box()
        for row in range(2):
            page.mouse.click(box["x"] + 20, box["y"] + 35 + 35 * row + 17)
            page.wait_for_timeout(700)
        page.get_by_text("selected row", exact=False).wait_for(timeout=30_000)
        page.get_by_text("Open the source").first.wait_for(timeout=30_000)
        assert "Summary " in _shown(page) and HOST in _shown(page)
        _nothing_from_the_host(page, requests, "event details")

        # Add articles: files whose names are hostile, one good and one empty (the real model extracts).
        page.goto(f"{hostile_server}/add", wait_until="domcontentloaded")
        page.locator("input[type='file']").wait_for(state="attached", timeout=30_000)
        page.locator("input[type='file']").set_input_files(
            [
                {"name": f"{NAME_PAYLOAD}.txt", "mimeType": "text/plain", "buffer": f"{PAYLOAD}\n".encode()},
                {"name": f"empty {NAME_PAYLOAD}.txt", "mimeType": "text/plain", "buffer": b""},
            ]
        )
        page.get_by_role("button", name="Extract 2 files and add them").click(timeout=30_000)
        page.get_by_text("Last upload").wait_for(timeout=180_000)
        page.get_by_text("was not added", exact=False).wait_for(timeout=30_000)
        assert f"empty {NAME_PAYLOAD}.txt".replace(" ", "") in _shown(page).replace("\u200b", "").replace(" ", "")
        _nothing_from_the_host(page, requests, "add articles")
        page.screenshot(path=str(tmp_path / "add.png"), full_page=True)
        context.close()


# --------------------------------------------------------------------------- the seeds, extracted for real

MARK_JS = """(group) => {
  const gd = document.querySelectorAll('.js-plotly-plot')[0];
  const marks = [];
  const spread = {};
  gd._fullData.forEach((t) => {
    const ids = Array.from(t.customdata || []);
    ids.forEach((id, i) => {
      if (id === group && t.mode === 'markers') {
        const size = t.marker.size.length === undefined ? t.marker.size : t.marker.size[i];
        marks.push({size: Number(size), x: t.x[i], hover: t.hovertext[i]});
      }
    });
    const meta = t.meta || {};
    const k = (meta.events || []).indexOf(group);
    if (k >= 0 && meta.shows === 'dates') spread.dates = [t.x[3 * k], t.x[3 * k + 1]];
    if (k >= 0 && meta.shows === 'spread') {
      spread.size = Number(t.marker.size.length === undefined ? t.marker.size : t.marker.size[k]);
    }
  });
  const xa = gd._fullLayout.xaxis;
  if (spread.dates) spread.px = spread.dates.map((x) => xa.d2p(x));
  return {marks, spread};
}"""


@pytest.fixture(scope="module")
def seeds_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The seeds extracted by the real pipeline, corpus steps included (as `make run` leaves data/)."""
    folder = tmp_path_factory.mktemp("seeds") / "data"
    done = subprocess.run(
        [sys.executable, "-m", "extract", "seeds", "--out", str(folder), "--quiet"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return folder


def _ratification(folder: Path) -> tuple[str, set[str]]:
    """The event group of the seeds' ratification (the group most of the reports mentioning a ratification
    share) and the documents that report it."""
    events = open_store(folder).read_events()
    ratified = events[events["sentence"].str.contains("ratif", case=False) & (events["event_group"] != "")]
    docs_per_group = ratified.groupby("event_group")["doc_id"].nunique().sort_values(ascending=False)
    group = str(docs_per_group.index[0])
    return group, set(events.loc[events["event_group"] == group, "doc_id"].str[:3])


def test_seeds_ratification_is_one_mark_with_four_sources_and_a_visible_spread(
    seeds_folder: Path, tmp_path: Path
) -> None:
    group, documents = _ratification(seeds_folder)
    with _serve(seeds_folder, tmp_path) as server, _browser() as browser:
        page = browser.new_page(viewport={"width": 1440, "height": 1000})
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(server, wait_until="domcontentloaded")
        page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
        page.wait_for_function("() => document.querySelectorAll('.js-plotly-plot')[0]?.data?.length > 0")
        found = page.evaluate(MARK_JS, group)
        page.screenshot(path=str(tmp_path / "seeds.png"), full_page=True)
        assert len(found["marks"]) == 1, found  # one mark for the event, however many reports
        mark, spread = found["marks"][0], found["spread"]
        assert spread["dates"][1] > spread["dates"][0], found  # a whisker over the dates the sources give
        assert spread["size"] >= mark["size"] + 8, found  # and a bar through the mark that shows at any zoom
        assert "Sources disagree" in mark["hover"] or "vaguer date" in mark["hover"], mark["hover"]
        page.goto(f"{server}/?event={urllib.parse.quote(group)}", wait_until="domcontentloaded")
        page.get_by_text("Selected event").wait_for(timeout=60_000)
        assert not _elsewhere(requests, server), _elsewhere(requests, server)
    assert documents >= {"000", "001", "002", "003"}, f"the ratification group holds documents {sorted(documents)}"
    assert "4 sources" in mark["hover"], mark["hover"]
    assert mark["size"] == 21  # four sources: 9 px and 4 more for each source after the first
