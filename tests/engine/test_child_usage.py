"""A benchmark's child is measured as its own (``tests/bench/child_usage.py``; issue 13,
item 7).

A child started straight from a process whose memory once peaked high reported that
peak as its own ``ru_maxrss``: the benchmark, having built and planned 1,000 communes,
read 441 MB for a ``sauro remind --dry-run`` whose own peak was 123 MB."""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests" / "bench"))
from child_usage import waited  # noqa: E402

MB = 2**20
PAGE = 4096


def _touched(megabytes: int) -> bytearray:
    block = bytearray(megabytes * MB)
    block[::PAGE] = b"x" * len(range(0, len(block), PAGE))  # resident, not only reserved
    return block


def test_a_child_is_not_charged_with_the_peak_of_the_process_measuring_it() -> None:
    block = _touched(300)
    del block  # this process's peak RSS stays ≥ 300 MB
    measured = waited([sys.executable, "-c", "pass"])
    assert measured["status"] == 0
    assert measured["maxrss_kib"] < 100 * 1024


def test_a_child_s_own_peak_is_measured() -> None:
    grow = "b = bytearray(200 * 2**20); b[::4096] = b'x' * len(b[::4096])"
    measured = waited([sys.executable, "-c", grow])
    assert measured["status"] == 0
    assert measured["maxrss_kib"] >= 200 * 1024
    assert measured["cpu"] > 0
