"""The groups table's frame builders (its columns are declared in `extract.schema` with the other tables)."""

from __future__ import annotations

import pandas as pd

from extract.schema import GROUP_COLUMNS, typed

GROUP_COLUMN_NAMES = [c.name for c in GROUP_COLUMNS]


def groups_frame(rows: list[dict[str, object]] | None = None) -> pd.DataFrame:
    """Group rows (mappings) -> the typed groups table, columns in declaration order."""
    return typed(pd.DataFrame(rows or [], columns=GROUP_COLUMN_NAMES), "groups")


def typed_groups(frame: pd.DataFrame) -> pd.DataFrame:
    """Any frame with the group columns (e.g. read from CSV) -> the typed groups table."""
    return typed(frame, "groups")
