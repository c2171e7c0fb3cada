"""Pausing Python's cyclic garbage collector around work that allocates many short-lived,
never-cyclic objects (parsing YAML, rendering feeds).

With a large catalogue loaded, each full collection walks millions of live objects; a burst of
allocations triggers several of them for nothing. Reference counting still frees everything
as usual while paused. Pauses nest and may overlap across threads (the feed server renders in
request threads): the collector is switched off by the first pause and back on by the last
one to end, and only if it was on to begin with.
"""

from __future__ import annotations

import gc
import threading
from collections.abc import Iterator
from contextlib import contextmanager

_lock = threading.Lock()
_depth = 0
_was_enabled = False


@contextmanager
def paused() -> Iterator[None]:
    global _depth, _was_enabled
    with _lock:
        if _depth == 0:
            _was_enabled = gc.isenabled()
            gc.disable()
        _depth += 1
    try:
        yield
    finally:
        with _lock:
            _depth -= 1
            if _depth == 0 and _was_enabled:
                gc.enable()
