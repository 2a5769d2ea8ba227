"""Benchmark: delivery throughput to aiosmtpd (2,000 small Vietnamese messages by default).

The server runs in another process (aiosmtpd on 127.0.0.1, accepting everything). Timed,
in the same run:

  raw          aiosmtplib alone, one connection, one ``sendmail`` after another
  deliver c=1  ``deliver`` + ``SmtpTransport``, one worker, in-memory ledger
  deliver c=N  the same with N workers (N connections)
  + ledger     c=N with the ``delivery`` table in a SQLite file (or ``--url``)

Every run sends the same bytes (``email_bytes``, built inside the timed loop each time).

    .venv/bin/python tests/bench/delivery_bench.py
    .venv/bin/python tests/bench/delivery_bench.py --count 5000 --concurrency 16 \\
        --url postgresql+psycopg://postgres@127.0.0.1/bench   # an existing, empty database
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import socket
import tempfile
import time
from collections.abc import Awaitable, Callable
from multiprocessing.sharedctypes import Synchronized
from multiprocessing.synchronize import Event
from pathlib import Path
from typing import Any

import aiosmtplib

from engine.store.db import make_engine, upgrade
from notifications.addresses import Mailbox
from notifications.delivery import deliver
from notifications.ledger import DatabaseLedger, Ledger, MemoryLedger
from notifications.outgoing import OutgoingMessage, email_bytes, envelope_sender
from notifications.smtp_settings import SmtpSecurity, SmtpSettings
from notifications.transport import SmtpTransport

SENDER = "Văn phòng UBND xã <vanphong@xa.example.vn>"


TARGET = 0.9  # issue 13: keep delivery through the ledger near the raw client's speed


def _serve(port: int, ready: Event, stop: Event, received: Synchronized[int]) -> None:
    from aiosmtpd.controller import Controller

    class Counting:
        async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802
            with received.get_lock():
                received.value += 1
            return "250 OK"

    controller = Controller(Counting(), hostname="127.0.0.1", port=port)
    controller.start()
    ready.set()
    stop.wait()
    controller.stop()


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def messages(count: int, run: str) -> list[OutgoingMessage]:
    return [
        OutgoingMessage(
            to=(Mailbox(f"can-bo-{n}@xa.example.vn"),),
            subject=f"[Sáu Rõ] Nhắc việc số {n}: rà soát hồ sơ địa chính",
            text=f"Kính gửi đồng chí cán bộ số {n},\n\nNhiệm vụ đến hạn ngày 15/12/2026.\n",
            ledger_keys=(f"task:{n}|{run}|0|person|v1",),
        )
        for n in range(count)
    ]


async def raw(port: int, batch: list[OutgoingMessage]) -> None:
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=port, start_tls=False) as client:
        for message in batch:
            data = email_bytes(message, SENDER)
            await client.sendmail(envelope_sender(SENDER), message.addresses, data)


async def delivered(
    port: int, batch: list[OutgoingMessage], concurrency: int, ledger: Ledger
) -> None:
    settings = SmtpSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=SmtpSecurity.NONE,
        smtp_sender=SENDER,
    )
    transport = SmtpTransport(settings)
    try:
        report = await deliver(batch, transport, ledger=ledger, concurrency=concurrency)
    finally:
        await transport.aclose()
    if len(report.sent) != len(batch):
        raise SystemExit(f"only {len(report.sent)} of {len(batch)} sent: {report.summary()}")


def timed(label: str, count: int, job: Callable[[], Awaitable[None]]) -> float:
    started = time.perf_counter()
    asyncio.run(job())
    seconds = time.perf_counter() - started
    rate = count / seconds
    print(f"{label:<34} {seconds:7.2f} s {rate:9.0f} messages/s")
    return rate


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000)
    parser.add_argument("--concurrency", type=int, default=8)
    parser.add_argument("--url", help="database for the ledger run (default: a SQLite file)")
    args = parser.parse_args()
    count, concurrency = args.count, args.concurrency

    port = _free_port()
    ready, stop = multiprocessing.Event(), multiprocessing.Event()
    received: Synchronized[int] = multiprocessing.Value("i", 0)  # type: ignore[assignment]
    server = multiprocessing.Process(target=_serve, args=(port, ready, stop, received))
    server.start()
    ready.wait(30)
    try:
        with tempfile.TemporaryDirectory() as folder:
            url = args.url or f"sqlite:///{Path(folder) / 'bench.db'}"
            upgrade(url)
            engine = make_engine(url)
            print(f"{count} messages to aiosmtpd on 127.0.0.1:{port} (another process)")
            base = timed(
                "raw aiosmtplib, one connection", count, lambda: raw(port, messages(count, "raw"))
            )
            one = timed(
                "deliver c=1, memory ledger",
                count,
                lambda: delivered(port, messages(count, "c1"), 1, MemoryLedger()),
            )
            many = timed(
                f"deliver c={concurrency}, memory ledger",
                count,
                lambda: delivered(port, messages(count, "cn"), concurrency, MemoryLedger()),
            )
            stored = timed(
                f"deliver c={concurrency}, {engine.dialect.name} ledger",
                count,
                lambda: delivered(port, messages(count, "db"), concurrency, DatabaseLedger(engine)),
            )
            engine.dispose()
        print(
            f"vs raw: c=1 {one / base:.2f}×, c={concurrency} {many / base:.2f}×, "
            f"with the {engine.dialect.name} ledger {stored / base:.2f}×"
        )
        verdict = "PASS" if stored / base >= TARGET else "MISS"
        print(f"target: through the ledger ≥ {TARGET}× raw aiosmtplib: {verdict}")
        print(f"server received {received.value} messages")
    finally:
        stop.set()
        server.join(10)


if __name__ == "__main__":
    main()
