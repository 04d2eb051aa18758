"""The server process's heap, settled once per store version so that Python's cycle collector stops walking it.

A full collection (generation 2) walks every object the collector tracks: the imports, the store's summary or
loaded dataset, the caches. A rerun that allocates enough (the timeline's marks: tens of thousands of lists)
sets one or two off: measured 65 to 85 ms each at a million events. After the first page of a store version,
`settle` collects once and freezes what is alive (gc.freeze): later collections walk only what reruns made
since. On the next store version (or Reload data: `forget`) the frozen objects are given back first, so the old
version's tables are collected with it. What other sessions hold at that moment is frozen too, and kept (even
if it became garbage in a cycle) until the next settle: a bounded cost, once per version.
"""

from __future__ import annotations

import gc
import threading

_LOCK = threading.Lock()
_SETTLED: list[object] = []  # the stamp the heap was last settled at


def forget() -> None:
    """The next `settle` collects and freezes again, whatever its stamp (Reload data)."""
    with _LOCK:
        _SETTLED.clear()


def settle(stamp: object) -> bool:
    """Collect and freeze the heap unless it was settled at this ``stamp`` already (True: it was settled now)."""
    with _LOCK:
        if _SETTLED and _SETTLED[0] == stamp:
            return False
        gc.unfreeze()  # the previous version's objects: collected with the rest if they are garbage now
        gc.collect()
        gc.freeze()
        _SETTLED[:] = [stamp]
        return True
