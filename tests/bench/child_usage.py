"""A child process measured as its own: exit status, wall time, CPU seconds, peak RSS.

The child is started and reaped (``os.wait4``) by a launcher, a fresh interpreter, not by
the measuring process: Linux carries the peak RSS of the memory a process had before its
exec into its ``ru_maxrss`` (``exec_mmap`` in fs/exec.c), and ``subprocess`` starts a
child in the parent's memory (vfork) until its exec. A child started straight from a
benchmark reports at least the benchmark's own peak: ``remind_bench.py``, which builds the
provinces and plans them all in its own process, read 441 MB for a 1,000-commune
``sauro remind --dry-run`` whose own peak was 123 MB. The launcher's memory, where the child
starts, is a few MB.
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

# Runs argv[2:] and waits for it with os.wait4; writes its exit status, wall time, CPU
# seconds (user + system) and peak RSS (ru_maxrss) as JSON to argv[1].
LAUNCHER = """
import json, os, subprocess, sys, time
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:])
_, status, usage = os.wait4(child.pid, 0)
wall = time.perf_counter() - start
with open(sys.argv[1], "w") as out:
    json.dump({"status": os.waitstatus_to_exitcode(status), "wall": wall,
               "cpu": usage.ru_utime + usage.ru_stime, "maxrss_kib": usage.ru_maxrss}, out)
"""


def waited(args: list[str], **popen: Any) -> dict[str, Any]:
    """Run ``args`` as a child process, started and reaped by the launcher (see the
    module docstring), and measure it: exit status, wall time, CPU seconds, peak RSS in
    KiB (``ru_maxrss``). ``popen``: ``subprocess.run``'s keywords (env, cwd, stdout…),
    which the child inherits from the launcher."""
    with tempfile.TemporaryDirectory(prefix="child-usage-") as name:
        result = Path(name) / "run.json"
        subprocess.run([sys.executable, "-c", LAUNCHER, str(result), *args], check=True, **popen)
        measured: dict[str, Any] = json.loads(result.read_text())
    return measured
