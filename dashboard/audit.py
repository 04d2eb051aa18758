"""The audit log made readable: before/after JSON as the fields that changed (pure functions, no Streamlit)."""

from __future__ import annotations

import json
from typing import Any

MAX_VALUE = 200  # characters of one value shown in a diff


def parsed(value: object) -> Any:
    """An audit entry's before/after (JSON text, or None/NaN) as Python data (a non-JSON text as it is)."""
    if value is None or (isinstance(value, float) and value != value):
        return None
    try:
        return json.loads(str(value))
    except ValueError:
        return str(value)


def shown(value: Any) -> str:
    """One value in words: lists joined, None as '—', long texts cut."""
    if value is None:
        text = "—"
    elif isinstance(value, list):
        text = "; ".join(shown(v) for v in value) or "(none)"
    elif isinstance(value, dict):
        text = ", ".join(f"{k}: {shown(v)}" for k, v in value.items())
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[: MAX_VALUE - 1] + "…"


def changes(before: object, after: object) -> list[tuple[str, str, str]]:
    """(field, before, after) for each field that differs; the whole value when neither side is an object."""
    old, new = parsed(before), parsed(after)
    if isinstance(old, dict) or isinstance(new, dict):
        old_d = old if isinstance(old, dict) else {}
        new_d = new if isinstance(new, dict) else {}
        keys = list(dict.fromkeys([*old_d, *new_d]))
        return [(k, shown(old_d.get(k)), shown(new_d.get(k))) for k in keys if old_d.get(k) != new_d.get(k)]
    if old == new:
        return []
    return [("value", shown(old), shown(new))]


def change_text(before: object, after: object) -> str:
    """The changes on one line, shortest first (a count or a role before lists of summaries and hashes), field
    names in words, a value set where there was none without the empty before: 'role: editor → admin; n
    events: 1'."""
    found = sorted(changes(before, after), key=lambda c: len(c[1]) + len(c[2]))
    return "; ".join(
        f"{field.replace('_', ' ')}: {new}" if old == "—" else f"{field.replace('_', ' ')}: {old} → {new}"
        for field, old, new in found
    )
