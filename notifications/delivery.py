"""Deliver planned messages: claim in the ledger, send, retry, record, report.

``deliver`` runs a pool of ``concurrency`` workers over the messages. For each message a
worker claims its ledger keys (a message already sent, failed or being sent by another
run is skipped), then tries the transport with a timeout per attempt:

- sent → recorded at once (``mark_sent``);
- temporary (4xx, connection refused, timeout) → retried after an exponential backoff
  with jitter, up to ``retries`` times; still temporary → the claim is released
  (``deferred``) and the next run tries again;
- permanent (5xx) → recorded ``failed``, never retried; the report's ``failure_notice``
  is the message telling the standing office.

When a message gives up on a server problem (cannot connect, TLS, login refused), the
run stops trying the rest: they are reported deferred, unclaimed, for the next run.
``deliver`` never raises for a delivery problem: every message has an ``Outcome``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import TypeVar

from sqlalchemy.exc import SQLAlchemyError

from notifications.ledger import DeliveryStatus, Ledger
from notifications.outgoing import OutgoingMessage
from notifications.smtp_settings import SmtpSettings
from notifications.transport import SendResult, SendStatus, Transport, make_transport

log = logging.getLogger(__name__)
T = TypeVar("T")

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC)


class OutcomeStatus(StrEnum):
    SENT = "sent"
    DEFERRED = "deferred"  # still temporary after the retries, or not tried: next run
    FAILED = "failed"  # permanent: recorded, never retried automatically
    SKIPPED = "skipped"  # already sent or failed before, or being sent by another run


_LABELS = {
    OutcomeStatus.SENT: "đã gửi",
    OutcomeStatus.DEFERRED: "để lại cho lượt sau",
    OutcomeStatus.FAILED: "không gửi được",
    OutcomeStatus.SKIPPED: "bỏ qua",
}


@dataclass(frozen=True)
class Outcome:
    """What became of one message in this run; ``detail`` is Vietnamese."""

    message: OutgoingMessage
    status: OutcomeStatus
    detail: str
    attempts: int = 0
    smtp_code: int | None = None

    @property
    def message_id(self) -> str:
        return self.message.message_id


@dataclass
class DeliveryReport:
    """Every message's outcome, in the order the messages were given."""

    outcomes: list[Outcome] = field(default_factory=list)
    notice: Outcome | None = None  # the failure notice to the standing office, if sent

    def _with(self, status: OutcomeStatus) -> list[Outcome]:
        return [outcome for outcome in self.outcomes if outcome.status is status]

    @property
    def sent(self) -> list[Outcome]:
        return self._with(OutcomeStatus.SENT)

    @property
    def deferred(self) -> list[Outcome]:
        return self._with(OutcomeStatus.DEFERRED)

    @property
    def failed(self) -> list[Outcome]:
        return self._with(OutcomeStatus.FAILED)

    @property
    def skipped(self) -> list[Outcome]:
        return self._with(OutcomeStatus.SKIPPED)

    def summary(self) -> str:
        """One Vietnamese paragraph: counts, then one line per message not sent."""
        counts = (
            f"Đã gửi {len(self.sent)} thư; {len(self.deferred)} thư để lại cho lượt sau; "
            f"{len(self.failed)} thư không gửi được; {len(self.skipped)} thư bỏ qua."
        )
        problems = [
            o for o in self.outcomes if o.status in {OutcomeStatus.DEFERRED, OutcomeStatus.FAILED}
        ]
        lines = [counts, *(_line(outcome) for outcome in problems)]
        if self.notice is not None:
            label = _LABELS[self.notice.status]
            lines.append(f"Thông báo lỗi gửi Văn phòng: {label} ({self.notice.detail}).")
        return "\n".join(lines)

    def failure_notice(
        self, to: Sequence[str], *, organization: str = ""
    ) -> OutgoingMessage | None:
        """The message telling the standing office (``to``) which messages failed for good.

        None when nothing failed. Its ledger keys name the failed messages and the
        recipients, so the notice itself is delivered once per failure.
        """
        failed = self.failed
        if not failed or not to:
            return None
        where = f" ({organization})" if organization else ""
        lines = [
            f"Kính gửi Văn phòng{where},",
            "",
            f"Hệ thống Sáu Rõ không gửi được {len(failed)} thư nhắc việc sau đây. Máy chủ thư "
            "đã từ chối hẳn nên hệ thống sẽ không tự gửi lại; đề nghị kiểm tra địa chỉ "
            "thư điện tử của người nhận và báo trực tiếp cho họ.",
            "",
            *(_line(outcome) for outcome in failed),
        ]
        keys = tuple(
            f"delivery-failure:{outcome.message_id}|{address}"
            for outcome in failed
            for address in to
        )
        return OutgoingMessage(
            to=tuple(to),
            subject=f"[Sáu Rõ] {len(failed)} thư nhắc việc không gửi được",
            text="\n".join(lines) + "\n",
            ledger_keys=keys,
        )


def _line(outcome: Outcome) -> str:
    recipients = ", ".join(outcome.message.to)
    return (
        f"- {recipients}: «{outcome.message.subject}» — {_LABELS[outcome.status]}: "
        f"{outcome.detail} (số lần thử: {outcome.attempts})"
    )


@dataclass
class _Run:
    """One delivery run: the shared state of its workers."""

    transport: Transport
    ledger: Ledger
    retries: int
    backoff: float
    max_backoff: float
    attempt_timeout: float | None
    clock: Clock
    jitter: Callable[[], float]
    stop_reason: str | None = None
    # One thread for every ledger call of the run: the workers never contend for the
    # database's write lock (SQLite has one writer), and each call stays short.
    ledger_thread: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="ledger")
    )

    async def in_ledger(self, call: Callable[[], T]) -> T:
        """Run ``call`` on the run's ledger thread."""
        return await asyncio.get_running_loop().run_in_executor(self.ledger_thread, call)

    async def write_ledger(self, write: Callable[[], None], tries: int = 3) -> bool:
        """Write to the ledger, retrying a busy database: after a send this record is what
        prevents a duplicate, so it is worth a few tries."""
        for attempt in range(1, tries + 1):
            try:
                await self.in_ledger(write)
            except SQLAlchemyError:
                log.exception("ledger write failed (try %d of %d)", attempt, tries)
                if attempt < tries:
                    await asyncio.sleep(0.2 * attempt)
            else:
                return True
        return False

    async def worker(
        self, queue: Iterator[tuple[int, OutgoingMessage]], out: dict[int, Outcome]
    ) -> None:
        # The iterator is shared by all workers: ``next`` runs between awaits, so each
        # message is taken by exactly one worker.
        for index, message in queue:
            try:
                out[index] = await self.one(message)
            except Exception as error:  # the ledger is unreachable: report, keep going
                log.exception("delivery of %s failed unexpectedly", message.message_id)
                out[index] = Outcome(message, OutcomeStatus.DEFERRED, f"lỗi sổ gửi thư: {error!r}")

    async def one(self, message: OutgoingMessage) -> Outcome:
        if self.stop_reason is not None:
            return Outcome(message, OutcomeStatus.DEFERRED, f"chưa gửi: {self.stop_reason}")
        keys = message.ledger_keys
        now = self.clock()
        claimed = await self.in_ledger(
            lambda: self.ledger.claim(keys, now, message_id=message.message_id)
        )
        if not claimed:
            return await self.skipped(message)
        return await self.send_claimed(message)

    async def skipped(self, message: OutgoingMessage) -> Outcome:
        statuses = set(
            (await self.in_ledger(lambda: self.ledger.statuses(message.ledger_keys))).values()
        )
        if DeliveryStatus.SENT in statuses:
            detail = "đã gửi ở lượt trước"
        elif DeliveryStatus.FAILED in statuses:
            detail = "đã ghi nhận không gửi được ở lượt trước; không tự gửi lại"
        else:
            detail = "đang được một lượt chạy khác gửi"
        return Outcome(message, OutcomeStatus.SKIPPED, detail)

    async def send_claimed(self, message: OutgoingMessage) -> Outcome:
        attempts = 0
        while True:
            attempts += 1
            result = await self.attempt(message)
            if result.status is not SendStatus.TEMPORARY:
                break
            if attempts > self.retries or self.stop_reason is not None:
                break
            await asyncio.sleep(self.delay(attempts))
        if result.status is SendStatus.TEMPORARY and result.server_problem:
            self.stop_reason = result.detail
        return await self.record(message, result, attempts)

    async def attempt(self, message: OutgoingMessage) -> SendResult:
        try:
            return await asyncio.wait_for(self.transport.send(message), self.attempt_timeout)
        except TimeoutError:
            return SendResult.temporary(f"quá {self.attempt_timeout:g} giây mà chưa gửi xong")
        except Exception as error:  # a transport bug: the claim is still released below
            log.exception("transport failed on %s", message.message_id)
            return SendResult.temporary(f"lỗi không mong đợi khi gửi: {error!r}")

    def delay(self, attempts: int) -> float:
        return backoff_delay(
            attempts, base=self.backoff, cap=self.max_backoff, jitter=self.jitter()
        )

    async def record(self, message: OutgoingMessage, result: SendResult, attempts: int) -> Outcome:
        keys, now = message.ledger_keys, self.clock()
        write: Callable[[], None]
        if result.status is SendStatus.SENT:
            write = partial(self.ledger.mark_sent, keys, message.message_id, now, attempts=attempts)
            status = OutcomeStatus.SENT
        else:
            write = partial(
                self.ledger.mark_failed, keys, result.status, result.detail, now, attempts=attempts
            )
            permanent = result.status is SendStatus.PERMANENT
            status = OutcomeStatus.FAILED if permanent else OutcomeStatus.DEFERRED
        detail = result.detail
        if not await self.write_ledger(write):
            detail += "; không ghi được vào sổ gửi thư"
        return Outcome(message, status, detail, attempts, result.smtp_code)


def backoff_delay(attempts: int, *, base: float, cap: float, jitter: float) -> float:
    """Seconds to wait after ``attempts`` failed attempts: ``base·2^(attempts-1)``, capped
    at ``cap``, then scaled by 0.5 to 1 with ``jitter`` in [0, 1) so that messages failing
    together do not all come back at the same instant."""
    ceiling = min(cap, base * 2.0 ** (attempts - 1))
    return ceiling * (0.5 + jitter / 2)


async def deliver(
    messages: Iterable[OutgoingMessage],
    transport: Transport,
    *,
    ledger: Ledger,
    concurrency: int = 4,
    retries: int = 3,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
    attempt_timeout: float | None = 120.0,
    clock: Clock = utc_now,
    jitter: Callable[[], float] = random.random,
    failures_to: Sequence[str] = (),
    organization: str = "",
) -> DeliveryReport:
    """Deliver ``messages`` through ``transport``, each at most once per the ``ledger``.

    At most ``concurrency`` messages are in the transport at a time. A temporary failure
    is retried ``retries`` times (so ``retries + 1`` attempts) after ``backoff``,
    ``2·backoff``… seconds (capped at ``max_backoff``, jittered down to half).
    ``attempt_timeout`` bounds each attempt. ``clock`` gives the times written to the
    ledger. With ``failures_to`` (the standing office's addresses), the messages that
    failed for good are then reported to it in one notice (``report.notice``), itself
    ledgered. The caller owns the transport (and closes it).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if retries < 0:
        raise ValueError("retries cannot be negative")
    listed = list(messages)
    run = _Run(transport, ledger, retries, backoff, max_backoff, attempt_timeout, clock, jitter)
    queue = iter(enumerate(listed))
    out: dict[int, Outcome] = {}
    workers = min(concurrency, len(listed))
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(run.worker(queue, out))
        report = DeliveryReport([out[index] for index in range(len(listed))])
        notice = report.failure_notice(failures_to, organization=organization)
        if notice is not None:
            report.notice = await run.one(notice)
    finally:
        run.ledger_thread.shutdown(wait=True)
    return report


async def deliver_with_settings(
    messages: Iterable[OutgoingMessage],
    settings: SmtpSettings,
    *,
    ledger: Ledger,
    clock: Clock = utc_now,
    failures_to: Sequence[str] = (),
    organization: str = "",
) -> DeliveryReport:
    """Deliver through the transport the settings name (SMTP or ``.eml`` files), with
    their concurrency and timeout, and close it afterwards (see ``deliver``)."""
    transport = make_transport(settings)
    try:
        return await deliver(
            messages,
            transport,
            ledger=ledger,
            concurrency=settings.smtp_concurrency,
            attempt_timeout=settings.smtp_timeout * 4,
            clock=clock,
            failures_to=failures_to,
            organization=organization,
        )
    finally:
        await transport.aclose()
