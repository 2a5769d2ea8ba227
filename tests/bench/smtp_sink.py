"""A counting SMTP server for benchmarks: aiosmtpd on 127.0.0.1, accepting every message.

Run it as its own process, so that the benchmark's sender and the server share no event
loop and no interpreter lock::

    .venv/bin/python tests/bench/smtp_sink.py --port 8025

It prints ``ready`` once it listens, then serves until its standard input closes (or it
gets SIGTERM); it then prints one JSON line, ``{"messages": …, "recipients": …, "bytes":
…}``, and exits. ``SinkProcess`` does all of that from another script.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any


@dataclass
class Counts:
    """What the server accepted: messages (one per DATA), envelope recipients, bytes."""

    messages: int = 0
    recipients: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def to_json(self) -> dict[str, int]:
        return {"messages": self.messages, "recipients": self.recipients, "bytes": self.bytes}


class CountingHandler:
    """An aiosmtpd handler that counts and drops every message."""

    def __init__(self, counts: Counts) -> None:
        self.counts = counts

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        with self.counts.lock:
            self.counts.messages += 1
            self.counts.recipients += len(envelope.rcpt_tos)
            self.counts.bytes += len(envelope.content or b"")
        return "250 OK"


def serve(port: int, out: IO[str]) -> None:
    """Listen on 127.0.0.1:``port`` until standard input closes or SIGTERM; print counts."""
    from aiosmtpd.controller import Controller

    counts = Counts()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    threading.Thread(target=_until_eof, args=(stop,), daemon=True).start()
    controller = Controller(CountingHandler(counts), hostname="127.0.0.1", port=port)
    controller.start()
    print("ready", file=out, flush=True)
    try:
        stop.wait()
    finally:
        controller.stop()
    print(json.dumps(counts.to_json()), file=out, flush=True)


def _until_eof(stop: threading.Event) -> None:
    sys.stdin.read()
    stop.set()


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (aiosmtpd cannot take port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class SinkProcess:
    """This script run as a child process: ``with SinkProcess() as sink: … sink.port``;
    ``sink.stop()`` (or leaving the block) returns what it counted."""

    def __init__(self, python: str = sys.executable) -> None:
        self.port = free_port()
        self.counts: dict[str, int] | None = None
        self._process = subprocess.Popen(
            [python, str(Path(__file__).resolve()), "--port", str(self.port)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        stdout = self._process.stdout
        if stdout is None or stdout.readline().strip() != "ready":
            self._process.kill()
            raise RuntimeError("smtp_sink did not start")

    def stop(self) -> dict[str, int]:
        """Close the server and return its counts (once; later calls return the same)."""
        if self.counts is None:
            output, _ = self._process.communicate(timeout=60)
            self.counts = json.loads(output.strip().splitlines()[-1])
        return self.counts

    def __enter__(self) -> SinkProcess:
        return self

    def __exit__(self, *_: object) -> None:
        if self.counts is None:
            self.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--port", type=int, default=8025)
    serve(parser.parse_args().port, sys.stdout)


if __name__ == "__main__":
    main()
