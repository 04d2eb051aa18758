"""The extractor's output on the seeds and the annotated batches is pinned (tests/golden/).

A refactor must leave these files identical; a change of behaviour that is intended regenerates them with
`make golden` and shows the difference in the commit.
"""

import difflib

import pytest

from tests.golden.regenerate import HERE, golden_files

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def produced() -> dict[str, str]:
    return golden_files()


@pytest.mark.parametrize(
    "name",
    [f"{corpus}_{table}.csv" for corpus in ("seeds", "annotated") for table in ("events", "documents", "mentions")],
)
def test_output_matches_the_golden_file(produced, name):
    expected = (HERE / name).read_text(encoding="utf-8")
    if produced[name] != expected:
        diff = difflib.unified_diff(
            expected.splitlines(), produced[name].splitlines(), f"golden/{name}", "now", lineterm="", n=0
        )
        pytest.fail("extraction changed; run `make golden` if intended:\n" + "\n".join(list(diff)[:60]))
