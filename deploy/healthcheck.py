"""The container's health check: exit 0 when the dashboard's ``/_stcore/health`` answers "ok", else 1.

    python deploy/healthcheck.py        # Dockerfile HEALTHCHECK and compose.yaml's app healthcheck

Asks ``http://127.0.0.1:$PORT`` (default 8501) under ``$STREAMLIT_SERVER_BASE_URL_PATH`` (Streamlit's own setting
for serving under a path, e.g. ``dateline``), with a 4-second timeout. Standard library only.
"""

from __future__ import annotations

import os
import sys
import urllib.request
from collections.abc import Mapping

HEALTH_PATH = "/_stcore/health"
TIMEOUT_S = 4.0


def health_url(environ: Mapping[str, str]) -> str:
    """Where the health check asks, from PORT and STREAMLIT_SERVER_BASE_URL_PATH."""
    port = environ.get("PORT", "").strip() or "8501"
    base = environ.get("STREAMLIT_SERVER_BASE_URL_PATH", "").strip().strip("/")
    return f"http://127.0.0.1:{port}{'/' + base if base else ''}{HEALTH_PATH}"


def healthy(url: str, timeout_s: float = TIMEOUT_S) -> tuple[bool, str]:
    """(whether the server answered "ok", what it answered or why not)."""
    try:
        with urllib.request.urlopen(url, timeout=timeout_s) as response:
            body = response.read(64).decode("utf-8", "replace").strip()
    except OSError as exc:
        return False, f"{url}: {exc}"
    return body == "ok", f"{url}: {body!r}"


def main() -> int:
    """Check once; print the answer; the exit code."""
    ok, detail = healthy(health_url(os.environ))
    print(detail, file=sys.stdout if ok else sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
