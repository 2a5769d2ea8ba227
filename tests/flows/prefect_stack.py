"""A real Prefect stack for tests and benchmarks: ``prefect server start`` with its own
PREFECT_HOME (SQLite, or PostgreSQL through asyncpg), process workers, and SMTP servers on
127.0.0.1 that record what they receive.

Used by the Prefect tests of this folder and ``tests/bench/prefect_bench.py`` (which
puts this folder on ``sys.path``). Every process here is started by us and stopped by its
own pid (a worker with the flow runs it started).
"""

from __future__ import annotations

import asyncio
import contextlib
import email
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.header import decode_header, make_header
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from prefect.client.schemas.objects import FlowRun

VENV_BIN = Path(sys.executable).parent
PREFECT = str(VENV_BIN / "prefect")
SAURO = str(VENV_BIN / "sauro")
REPO = Path(__file__).resolve().parents[2]


# -- flow runs, through the API of the server PREFECT_API_URL names -------------------------


async def run_all(
    deployment: str, parameter_sets: list[dict[str, Any]], wait: float
) -> list[FlowRun]:
    """One run of ``deployment`` per entry of ``parameter_sets``, all created at once; the
    runs once every one has ended (AssertionError after ``wait`` seconds)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId

    async with get_client() as client:
        found = await client.read_deployment_by_name(deployment)
        ids = [
            (await client.create_flow_run_from_deployment(found.id, parameters=parameters)).id
            for parameters in parameter_sets
        ]
        start = time.monotonic()
        while time.monotonic() - start < wait:
            runs = await client.read_flow_runs(
                flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids))
            )
            if all(run.state and run.state.is_final() for run in runs):
                return runs
            await asyncio.sleep(1)
    raise AssertionError(f"the runs of {deployment} did not end in {wait:.0f} s")


async def runs_of(flow: str, deployment: str | None = None) -> list[FlowRun]:
    """Every run of the flow ``flow`` (of its deployment ``deployment`` only, if given)."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowFilter,
        FlowFilterName,
    )

    names = None if deployment is None else DeploymentFilterName(any_=[deployment])
    async with get_client() as client:
        return await client.read_flow_runs(
            flow_filter=FlowFilter(name=FlowFilterName(any_=[flow])),
            deployment_filter=None if names is None else DeploymentFilter(name=names),
        )


def state_of(run: FlowRun) -> str:
    """ "COMPLETED", "CRASHED"…; "" before the run has a state."""
    return run.state_type.value if run.state_type else ""


def free_port() -> int:
    """A TCP port free on 127.0.0.1 now (aiosmtpd cannot take port 0)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def prefect_env(home: Path, api_url: str | None = None) -> dict[str, str]:
    """The environment of every Prefect process of one stack: its own home, no telemetry."""
    env = {
        **os.environ,
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_UI_ENABLED": "false",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    if api_url:
        env["PREFECT_API_URL"] = api_url
    return env


def sauro_env(database_url: str, tmp: Path, smtp_port: int, **more: str) -> dict[str, str]:
    """The Sáu Rõ settings of ``sauro deploy`` and of the workers: the database, the repo's
    configuration, mail to 127.0.0.1:``smtp_port``; ``more`` adds ``SAURO_<NAME>``."""
    return {
        "SAURO_DATABASE_URL": database_url,
        "SAURO_CONFIG_DIR": str(REPO / "config"),
        "SAURO_REPORTS_DIR": str(tmp / "bao-cao"),
        "SAURO_OUTBOX_DIR": str(tmp / "outbox"),
        "SAURO_SMTP_HOST": "127.0.0.1",
        "SAURO_SMTP_PORT": str(smtp_port),
        "SAURO_SMTP_SECURITY": "none",
        "SAURO_SMTP_SENDER": "Sáu Rõ <sauro@example.vn>",
        **{f"SAURO_{name.upper()}": value for name, value in more.items()},
    }


class Server:
    """``prefect server start`` on a free port; ``database_url`` (postgresql+asyncpg://…)
    instead of the SQLite file in its home. Not scheduling: the tests start runs by hand."""

    def __init__(self, home: Path, *, database_url: str | None = None) -> None:
        home.mkdir(parents=True, exist_ok=True)
        self.home = home
        self.port = free_port()
        self.api_url = f"http://127.0.0.1:{self.port}/api"
        env = prefect_env(home)
        env["PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED"] = "false"
        if database_url:
            env["PREFECT_API_DATABASE_CONNECTION_URL"] = database_url
        self.log_path = home / "server.log"
        self._log = self.log_path.open("w")
        self.process = subprocess.Popen(
            [PREFECT, "server", "start", "--host", "127.0.0.1", "--port", str(self.port)],
            env=env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_healthy(self, timeout: float = 90) -> float:
        """Seconds until ``/api/health`` answered; RuntimeError if it never did."""
        start = time.monotonic()
        while time.monotonic() - start < timeout:
            if self.process.poll() is not None:
                break
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.api_url}/health", timeout=2).status_code == 200:
                    return time.monotonic() - start
            time.sleep(0.25)
        raise RuntimeError(f"prefect server did not start:\n{self.log_path.read_text()[-3000:]}")

    def env(self) -> dict[str, str]:
        return prefect_env(self.home, self.api_url)

    def stop(self) -> None:
        stop_process(self.process)
        self._log.close()

    def deploy(self, pool: str, env: Mapping[str, str]) -> str:
        """``sauro deploy`` on this server with the Sáu Rõ settings ``env``; its output."""
        done = subprocess.run(
            [SAURO, "deploy", "--api-url", self.api_url, "--pool", pool],
            env={**self.env(), **env},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        if done.returncode:
            raise RuntimeError(f"sauro deploy failed:\n{done.stdout}{done.stderr}")
        return done.stdout


class Worker:
    """``prefect worker start`` (process type) polling ``pool`` every second, in its own
    session; ``env`` adds the Sáu Rõ settings its flow runs read; ``limit`` caps the flow
    runs it runs at once."""

    def __init__(
        self,
        server: Server,
        pool: str,
        name: str,
        env: Mapping[str, str],
        limit: int | None = None,
    ) -> None:
        self.name = name
        self.log_path = server.home / f"worker-{name}.log"
        self._log = self.log_path.open("w")
        full = {**server.env(), **env, "PREFECT_WORKER_QUERY_SECONDS": "1"}
        args = [PREFECT, "worker", "start", "--pool", pool, "--name", name, "--type", "process"]
        self.process = subprocess.Popen(
            args + (["--limit", str(limit)] if limit is not None else []),
            env=full,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def kill_everything(self) -> list[int]:
        """SIGKILL the worker and every flow run process it started, as a machine that
        dies would leave them (the flow runs live in sessions of their own)."""
        pids = [self.process.pid, *descendants(self.process.pid)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=30)
        return pids

    def stop(self) -> None:
        children = descendants(self.process.pid)
        stop_process(self.process, signal.SIGINT)
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self._log.close()


def descendants(pid: int) -> list[int]:
    """The pids of ``pid``'s children, their children, and so on (from ``ps``)."""
    found: list[int] = []
    todo = [pid]
    while todo:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(todo.pop())],
            capture_output=True,
            text=True,
            check=False,
        ).stdout
        children = [int(line) for line in out.split()]
        found += children
        todo += children
    return found


def stop_process(process: subprocess.Popen[Any], first: int = signal.SIGTERM) -> None:
    """Signal ``process`` (``first``, then SIGKILL after 15 s) and reap it."""
    if process.poll() is not None:
        return
    with contextlib.suppress(ProcessLookupError):
        process.send_signal(first)
    try:
        process.wait(timeout=15)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=15)


# ---------------------------------------------------------------------------------------------
# SMTP servers that record every message: in a thread (tests) or in a process (benchmarks)


@dataclass
class Received:
    """The messages an SMTP server accepted, each as (recipients, subject), and its
    connections: how many were opened, and the most open at once (from every client)."""

    messages: list[tuple[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)
    open: set[int] = field(default_factory=set)
    connections: int = 0
    max_open: int = 0

    def opened(self, connection: int) -> None:
        with self.lock:
            self.open.add(connection)
            self.connections += 1
            self.max_open = max(self.max_open, len(self.open))

    def closed(self, connection: int) -> None:
        with self.lock:
            self.open.discard(connection)

    def forget_probe(self) -> None:
        """Forget the controller's own start-up connection, once it has closed."""
        deadline = time.monotonic() + 2.0
        while self.open and time.monotonic() < deadline:
            time.sleep(0.005)
        with self.lock:
            self.connections = self.max_open = len(self.open)

    def duplicates(self) -> dict[str, int]:
        """Messages received more than once (same recipients, same subject), with counts."""
        counts = Counter(f"{to} | {subject}" for to, subject in self.messages)
        return {key: n for key, n in counts.items() if n > 1}

    def recipients(self) -> set[str]:
        return {to for to, _ in self.messages}

    def to_json(self) -> dict[str, Any]:
        return {
            "messages": len(self.messages),
            "distinct": len(set(self.messages)),
            "duplicates": self.duplicates(),
            "recipients": sorted(self.recipients()),
            "connections": self.connections,
            "max_open": self.max_open,
        }


class RecordingHandler:
    """An aiosmtpd handler that records who got what, ``delay`` seconds per message (so
    that connections from several senders overlap, as over a slow mail server)."""

    def __init__(self, received: Received, delay: float = 0.0) -> None:
        self.received = received
        self.delay = delay

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
        message = email.message_from_bytes(envelope.content)
        subject = str(make_header(decode_header(message.get("Subject", ""))))
        with self.received.lock:
            self.received.messages.append((",".join(sorted(envelope.rcpt_tos)), subject))
        if self.delay:
            await asyncio.sleep(self.delay)
        return "250 OK"


def _controller(received: Received, port: int, delay: float) -> Any:
    """An aiosmtpd controller on 127.0.0.1:``port`` whose connections ``received`` counts."""
    from aiosmtpd.controller import Controller
    from aiosmtpd.smtp import SMTP

    class CountingSMTP(SMTP):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            received.opened(id(self))
            super().connection_made(transport)

        def connection_lost(self, error: Exception | None) -> None:
            received.closed(id(self))
            super().connection_lost(error)

    class CountingController(Controller):
        def factory(self) -> SMTP:
            return CountingSMTP(self.handler, **self.SMTP_kwargs)

    handler = RecordingHandler(received, delay)
    return CountingController(handler, hostname="127.0.0.1", port=port)


@contextlib.contextmanager
def smtp_server(delay: float = 0.0) -> Iterator[tuple[int, Received]]:
    """aiosmtpd on 127.0.0.1 in a thread of this process: (port, what it received)."""
    received = Received()
    port = free_port()
    controller = _controller(received, port, delay)
    controller.start()
    received.forget_probe()
    try:
        yield port, received
    finally:
        controller.stop()


class SmtpProcess:
    """This module run as an SMTP server in a process of its own (``--smtp PORT``):
    ``stop()`` returns ``Received.to_json()``."""

    def __init__(self, delay: float = 0.0) -> None:
        self.port = free_port()
        self.process = subprocess.Popen(
            [sys.executable, str(Path(__file__).resolve()), "--smtp", str(self.port), str(delay)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        stdout = self.process.stdout
        if stdout is None or stdout.readline().strip() != "ready":
            self.process.kill()
            raise RuntimeError("the SMTP server did not start")

    def stop(self) -> dict[str, Any]:
        output, _ = self.process.communicate(timeout=60)
        result: dict[str, Any] = json.loads(output.strip().splitlines()[-1])
        return result


def _serve(port: int, delay: float, out: IO[str]) -> None:
    received = Received()
    controller = _controller(received, port, delay)
    controller.start()
    received.forget_probe()
    print("ready", file=out, flush=True)
    sys.stdin.read()  # until the parent closes our standard input
    controller.stop()
    print(json.dumps(received.to_json()), file=out, flush=True)


if __name__ == "__main__" and sys.argv[1:2] == ["--smtp"]:
    _serve(int(sys.argv[2]), float(sys.argv[3]), sys.stdout)
