"""Text labels on the timeline's marks: which marks get one, with which words, and where.

Marks are labelled in order of importance: most sources first, then most reports, then most confident, then
latest. Each in turn gets the longest label that fits beside it without covering another mark or a label
already placed: its full summary right of the mark, or left of it (near the right edge), or, for the most
important marks, in a free row just above or below its own; failing that, the summary cut to the widest free
room; for an event several sources report, at least the count. A less important label yields: it is placed
later and only where room is left.

Geometry is in pixels on the narrowest expected plot (PLOT_PX wide): on a wider screen labels only get more
room. Rows are in lane units (a lane is LANE_PX high). Nothing here knows plotly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from dashboard import labels

PLOT_PX = 600  # the narrowest plot area expected (1280 px window, sidebar open): labels are placed for it
CHAR_PX = 6.3  # average width of a label character at 11 px
LANE_PX = 46  # height of a lane
ROW = 0.3  # height of a row within a lane (of a lane): marks that would overlap sit a row apart
MAX_LABELS = 36
OFF_ROW_MARKS = 12  # the most important marks may put their label a row or two above or below the mark
TEXT_HALF_PX = 7.0  # half the height of a line of 11 px text
RIGHT_PX = 16  # a label may run this far into the right margin
LEFT_PX = -8  # ... and this far into the left one
GAP_PX = 4  # between a mark and its label
LABEL_GAP_PX = 6  # between two labels in a row
MIN_WORDS = 16  # characters: a cut shorter than this says too little; the count alone is shown instead


@dataclass(frozen=True)
class Label:
    """A placed label: mark `index` (a row position), its `text`, which side of the anchor the text lies
    (plotly's textposition), the anchor's x in pixels and the row (y) the text is centred on."""

    index: int
    text: str
    position: str
    anchor_px: float
    y: float


def label_order(n_sources: np.ndarray, n_reports: np.ndarray, conf: np.ndarray, left: np.ndarray) -> np.ndarray:
    """Mark positions, most important first: most sources, then most reports, then most confident, then
    latest."""
    return np.lexsort((-left, -conf, -n_reports, -n_sources))


def _count(n_sources: int) -> str:
    return f" · {n_sources} sources" if n_sources >= 2 else ""


def fitted_text(summary: str, n_sources: int, room_px: float) -> str:
    """The longest label for a mark that fits `room_px`: its summary's first words (with how many sources
    report it, when several do), cut after a whole word; the count alone where no useful cut fits; '' when
    nothing fits."""
    count = _count(n_sources)
    words = labels.short_summary(summary)
    full = words + count if words else ""
    if full and len(full) * CHAR_PX <= room_px:
        return full
    limit = int(room_px / CHAR_PX) - len(count) - 1  # a cut may end in '…'
    if full and limit >= MIN_WORDS:
        words = labels.short_summary(summary, limit)
        if len(words) >= MIN_WORDS and len(words + count) * CHAR_PX <= room_px:
            return words + count
    alone = f"{n_sources} sources"
    return alone if n_sources >= 2 and len(alone) * CHAR_PX <= room_px else ""


def _rooms(start: float, end: float, obstacles_left: np.ndarray, obstacles_right: np.ndarray) -> tuple[float, float]:
    """Free room (px) right of `start` and left of `end` in one row, given the obstacles' extents there."""
    blocked_right = bool(((obstacles_left <= start) & (obstacles_right > start)).any())
    after = obstacles_left[obstacles_left > start]
    room_right = 0.0 if blocked_right else min(PLOT_PX + RIGHT_PX, float(after.min()) if len(after) else np.inf) - start
    blocked_left = bool(((obstacles_right >= end) & (obstacles_left < end)).any())
    before = obstacles_right[obstacles_right < end]
    room_left = 0.0 if blocked_left else end - max(LEFT_PX, float(before.max()) if len(before) else -np.inf)
    return max(room_right, 0.0), max(room_left, 0.0)


def _rows(y: float, lane: int, off_row: bool, top_extra: float) -> list[float]:
    """Rows a mark's label may sit on: its own, then (for the most important marks) a row above, below, two
    above, two below, as long as the text stays inside the lane (the top lane may be `top_extra` taller)."""
    if not off_row:
        return [y]
    half = TEXT_HALF_PX / LANE_PX
    top = lane - 0.5 - (top_extra if lane == 0 else 0.0) + half
    bottom = lane + 0.5 - half
    steps = (0, -1, 1, -2, 2)
    return [y + k * ROW for k in steps if top - 1e-9 <= y + k * ROW <= bottom + 1e-9]


def place_labels(
    summaries: np.ndarray,
    n_sources: np.ndarray,
    n_reports: np.ndarray,
    conf: np.ndarray,
    y: np.ndarray,
    lane: np.ndarray,
    left: np.ndarray,
    right: np.ndarray,
    radius: np.ndarray,
    top_extra: float = 0.0,
) -> list[Label]:
    """Labels for marks at rows `y` in lanes `lane`, drawn from `left` to `right` px with `radius` px half
    height: at most MAX_LABELS, most important first (see the module's docstring)."""
    inside = (right >= 0) & (left <= PLOT_PX)
    order = label_order(n_sources, n_reports, conf, left)
    order = order[inside[order]][: MAX_LABELS * 8]
    lanes: dict[int, tuple[np.ndarray, ...]] = {}  # lane -> its marks: positions, y, left, right, radius
    placed: dict[int, list[tuple[float, float, float]]] = {}  # lane -> (row, start px, end px)
    out: list[Label] = []
    for rank, i in enumerate(order):
        li = int(lane[i])
        full = fitted_text(summaries[i], int(n_sources[i]), np.inf)
        if not full:
            continue
        if li not in lanes:
            at = np.flatnonzero(lane == li)
            lanes[li] = (at, y[at], left[at] - 2, right[at] + 2, radius[at] + TEXT_HALF_PX)
        at, lane_y, lane_left, lane_right, reach = lanes[li]
        start, end = float(right[i]) + GAP_PX, float(left[i]) - GAP_PX
        reach_px = len(full) * CHAR_PX + LABEL_GAP_PX  # only marks this close can be in the way
        window = (lane_left < start + reach_px) & (lane_right > end - reach_px) & (at != i)
        win_y, win_left, win_right, win_reach = lane_y[window], lane_left[window], lane_right[window], reach[window]
        spots: list[tuple[float, float, str, float]] = []  # (room, row, position, anchor)
        chosen: tuple[str, float, str, float] | None = None
        for row in _rows(float(y[i]), li, rank < OFF_ROW_MARKS, top_extra):
            near = np.abs(win_y - row) * LANE_PX < win_reach
            texts = [(a, b) for r, a, b in placed.get(li, []) if abs(r - row) * LANE_PX < 2 * TEXT_HALF_PX - 1]
            obstacles_left = np.concatenate([win_left[near], [a - LABEL_GAP_PX for a, _ in texts]])
            obstacles_right = np.concatenate([win_right[near], [b + LABEL_GAP_PX for _, b in texts]])
            room_right, room_left = _rooms(start, end, obstacles_left, obstacles_right)
            spots += [(room_right, row, "middle right", float(right[i]) + 1), (room_left, row, "middle left", end + 3)]
            fit = next((s for s in spots[-2:] if s[0] >= len(full) * CHAR_PX), None)
            if fit is not None:
                chosen = (full, fit[1], fit[2], fit[3])
                break
        if chosen is None and spots:
            room, row, position, anchor = max(spots, key=lambda s: s[0])  # the first of the widest
            text = fitted_text(summaries[i], int(n_sources[i]), room)
            if text == f"{int(n_sources[i])} sources":  # the count alone: beside its mark only
                own = [s for s in spots if s[1] == y[i]]
                room, row, position, anchor = max(own, key=lambda s: s[0])
                text = fitted_text(summaries[i], int(n_sources[i]), room)
            if text:
                chosen = (text, row, position, anchor)
        if chosen is None:
            continue
        text, row, position, anchor = chosen
        width = len(text) * CHAR_PX
        start = anchor + GAP_PX - 1 if position == "middle right" else anchor - GAP_PX + 1 - width
        placed.setdefault(li, []).append((row, start, start + width))
        out.append(Label(int(i), text, position, anchor, row))
        if len(out) >= MAX_LABELS:
            break
    return out
