"""Test messages, and a delivery run in its own process (to be killed, or run twice at once).

    python delivery_child.py <database url> <smtp port> <count> <concurrency>

delivers ``make_messages(count)`` to the SMTP server on 127.0.0.1:<port> (no TLS) with the
ledger in the database, then prints the report's counts.
"""

from __future__ import annotations

import asyncio
import sys

from engine.store.db import make_engine
from notifications.addresses import Mailbox
from notifications.delivery import deliver
from notifications.ledger import DatabaseLedger
from notifications.outgoing import OutgoingMessage
from notifications.smtp_settings import SmtpSecurity, SmtpSettings
from notifications.transport import SmtpTransport


def make_messages(count: int, *, prefix: str = "t") -> list[OutgoingMessage]:
    """``count`` one-recipient reminders with Vietnamese text and distinct ledger keys."""
    return [
        OutgoingMessage(
            to=(Mailbox(f"can-bo-{index}@xa.example.vn"),),
            subject=f"[Sáu Rõ] Nhắc việc số {index}: rà soát hồ sơ đất đai",
            text=(
                f"Kính gửi đồng chí cán bộ số {index},\n\n"
                "Nhiệm vụ «Rà soát, cập nhật hồ sơ địa chính» đến hạn ngày 15/12/2026.\n"
            ),
            ledger_keys=(f"task:{index}|{prefix}-before-3|0|person|v1",),
        )
        for index in range(count)
    ]


async def _main(url: str, port: int, count: int, concurrency: int) -> None:
    settings = SmtpSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=SmtpSecurity.NONE,
        smtp_sender="sauro@ubnd.example.vn",
        smtp_timeout=10.0,
    )
    engine = make_engine(url)
    transport = SmtpTransport(settings)
    try:
        report = await deliver(
            make_messages(count),
            transport,
            ledger=DatabaseLedger(engine),
            concurrency=concurrency,
            backoff=0.05,
        )
    finally:
        await transport.aclose()
        engine.dispose()
    print(len(report.sent), len(report.deferred), len(report.failed), len(report.skipped))


if __name__ == "__main__":
    url, port, count, concurrency = sys.argv[1:5]
    asyncio.run(_main(url, int(port), int(count), int(concurrency)))
