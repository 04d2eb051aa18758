"""Remake docs/screenshot.png: the Timeline at 1440 px on the seeds plus the annotated batches.

Usage: python docs/screenshot.py [--out docs/screenshot.png] [--height 1650]

Extracts seeds/ and benchmarks/annotated/*/texts into a temporary store (the real pipeline, corpus steps
included), serves the dashboard on a free local port, and photographs the page with Debian's chromium
through Playwright (as tests/test_browser.py does).
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"


def _extract(folder: Path) -> None:
    batches = sorted(str(p) for p in (ROOT / "benchmarks" / "annotated").glob("*/texts"))
    for inputs, merge in ((["seeds"], []), (batches, ["--merge"])):
        cmd = [sys.executable, "-m", "extract", *inputs, "--out", str(folder), "--quiet", *merge]
        subprocess.run(cmd, cwd=ROOT, check=True)


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshot.png")
    parser.add_argument("--height", type=int, default=1650)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "data"
        _extract(folder)
        port = _port()
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", "dashboard/app.py", f"--server.port={port}"],
            cwd=ROOT,
            env={**os.environ, "DATELINE_DATA": str(folder)},
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            for _ in range(120):
                try:
                    with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                        break
                except OSError:
                    time.sleep(0.25)
            with sync_playwright() as p:
                browser = p.chromium.launch(
                    executable_path=CHROMIUM,
                    args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
                )
                page = browser.new_page(viewport={"width": 1440, "height": args.height})
                page.goto(url, wait_until="domcontentloaded")
                page.wait_for_selector(".js-plotly-plot .main-svg", timeout=60_000)
                page.wait_for_timeout(3_000)  # both charts drawn, fonts settled
                page.screenshot(path=str(args.out))
                browser.close()
        finally:
            server.terminate()
            server.wait(timeout=10)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
