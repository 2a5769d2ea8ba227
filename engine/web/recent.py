"""Figures computed a moment ago, kept for a few seconds: a dashboard read by many at once
is counted once per organization and period, not once per request.

What a write of this process changes is never shown stale: ``engine.web.changes`` forgets
the organization's figures as it commits. A change made elsewhere (the reminder cycle,
the command line, another web process) shows within ``RECENT_SECONDS``.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from threading import Lock
from typing import Any, TypeVar

T = TypeVar("T")
RECENT_SECONDS = 5.0
_MAX_ENTRIES = 2048


class Recent:
    """A small time-limited memo, keyed by organization and what was computed."""

    def __init__(self, seconds: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._lock = Lock()
        self._kept: dict[tuple[int, Hashable], tuple[float, tuple[int, int], Any]] = {}
        self._generation: dict[int, int] = {}
        self._epoch = 0  # bumped when every organization is forgotten
        self._computing: dict[tuple[int, Hashable], Lock] = {}

    def get(self, org_id: int, key: Hashable, compute: Callable[[], T]) -> T:
        """The value kept for (``org_id``, ``key``) if fresh, else ``compute()`` kept; the
        requests that want it meanwhile wait for that one computation."""
        fresh = self._fresh(org_id, key)
        if fresh is not None:
            return fresh[0]  # type: ignore[no-any-return]
        with self._lock:
            lock = self._computing.setdefault((org_id, key), Lock())
        with lock:
            fresh = self._fresh(org_id, key)
            if fresh is not None:
                return fresh[0]  # type: ignore[no-any-return]
            return self._compute(org_id, key, compute)

    def _fresh(self, org_id: int, key: Hashable) -> tuple[Any] | None:
        now = self._clock()
        with self._lock:
            generation = (self._epoch, self._generation.get(org_id, 0))
            kept = self._kept.get((org_id, key))
        if kept is not None and kept[1] == generation and now - kept[0] < self.seconds:
            return (kept[2],)
        return None

    def _compute(self, org_id: int, key: Hashable, compute: Callable[[], T]) -> T:
        now = self._clock()
        with self._lock:
            generation = (self._epoch, self._generation.get(org_id, 0))
        value = compute()
        with self._lock:
            if len(self._kept) >= _MAX_ENTRIES:
                self._kept.clear()
                self._computing.clear()
            self._kept[(org_id, key)] = (now, generation, value)
        return value

    def forget(self, org_id: int | None) -> None:
        """Drop what is kept of ``org_id`` (None: of every organization)."""
        with self._lock:
            if org_id is None:
                self._kept.clear()
                self._epoch += 1
                return
            self._generation[org_id] = self._generation.get(org_id, 0) + 1
