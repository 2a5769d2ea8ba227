"""Mailing the notices due at once, just after the request that recorded them commits.

``notify`` marks its unit of work (``engine.notices.record.PENDING``); when such a session
commits on an engine the app owns, ``NoticeMailer.kick`` queues one background run of
``engine.reminders.cycle.send_notices`` (a single worker thread: runs never overlap, and
kicks while one is queued fold into it). The request never waits for SMTP; the ledger keeps
a notice from being mailed twice, and the daily cycle sends whatever an outage held back.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from weakref import WeakKeyDictionary

from sqlalchemy import Engine, event
from sqlalchemy.orm import Session

from engine.notices.record import PENDING
from engine.reminders.cycle import send_notices
from engine.web.deps import Web

log = logging.getLogger(__name__)
_MAILERS: WeakKeyDictionary[Engine, NoticeMailer] = WeakKeyDictionary()


class NoticeMailer:
    """One app's background sender of notices due at once."""

    def __init__(self, state: Web) -> None:
        self.state = state
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sauro-notices")
        self._lock = threading.Lock()
        self._queued: Future[None] | None = None
        _MAILERS[state.engine] = self

    def kick(self) -> None:
        """Queue a run unless one is already waiting to start."""
        with self._lock:
            waiting = self._queued
            if waiting is not None and not waiting.running() and not waiting.done():
                return
            self._queued = self._pool.submit(self._run)

    def drain(self, timeout: float = 30.0) -> None:
        """Wait for the queued run (tests, shutdown)."""
        with self._lock:
            queued = self._queued
        if queued is not None:
            queued.result(timeout=timeout)

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        _MAILERS.pop(self.state.engine, None)

    def _run(self) -> None:
        state = self.state
        try:
            reports = asyncio.run(
                send_notices(
                    engine=state.engine,
                    config_dir=state.settings.config_dir,
                    org_code=None,
                    now=state.clock(),
                    base_url=state.settings.base_url,
                    smtp=state.smtp,
                    zalo=state.zalo,
                )
            )
        except Exception:  # a background thread: say it, the daily cycle catches up
            log.exception("gửi thông báo ngay không thành công; lượt nhắc hằng ngày sẽ gửi bù")
            return
        for report in reports:
            if report.outcomes:
                log.info("thông báo gửi ngay: %s", report.summary().splitlines()[0])


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    if not session.info.pop(PENDING, False):
        return
    bind = session.get_bind()
    mailer = _MAILERS.get(bind if isinstance(bind, Engine) else bind.engine)
    if mailer is not None:
        mailer.kick()
