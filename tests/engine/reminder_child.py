"""One reminder cycle in its own process, so that a test can kill it during delivery.

    python reminder_child.py <database url> <config dir> <instant> <smtp port>

runs ``engine.reminders.cycle.run_cycle`` for Xuân Dương as of <instant> (ISO 8601 with its
offset), delivering over plain SMTP to 127.0.0.1:<port> one message at a time (so the
message in flight is one message), then prints the report's summary.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import datetime
from pathlib import Path

from engine.reminders.cycle import run_cycle
from notifications.smtp_settings import SmtpSecurity, SmtpSettings


async def _main(url: str, config_dir: Path, now: datetime, port: int) -> None:
    settings = SmtpSettings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security=SmtpSecurity.NONE,
        smtp_sender="Văn phòng UBND <vanphong@ubnd.example.vn>",
        smtp_timeout=10.0,
        smtp_concurrency=1,
    )
    report = await run_cycle(
        database_url=url, config_dir=config_dir, org_code="xuan-duong", now=now, smtp=settings
    )
    print(report.summary())


if __name__ == "__main__":
    url, config_dir, instant, port = sys.argv[1:5]
    asyncio.run(_main(url, Path(config_dir), datetime.fromisoformat(instant), int(port)))
