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

When a message gives up on a server problem (cannot connect, TLS, login refused; for
Zalo a refresh token that no longer works), the run stops trying the rest: they are
reported deferred, unclaimed, for the next run.
``deliver`` never raises for a delivery problem: every message has an ``Outcome``.

The transport is any ``notifications.channels.Channel`` and the messages anything
``Deliverable`` (``OutgoingMessage`` by e-mail, ``ZaloMessage`` by ZNS): delivery reads
only their ledger keys, message id, recipients and subject. The failure notice to the
standing office is an e-mail: it goes through the channel itself when that is e-mail,
otherwise through ``notice_channel``.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import partial
from typing import Generic, TypeVar, cast

from sqlalchemy.exc import SQLAlchemyError
from typing_extensions import TypeVar as DefaultTypeVar

from engine.store.db import database_lost
from notifications.addresses import Mailbox
from notifications.channels import EMAIL, Channel, Deliverable, channel_name
from notifications.ledger import DeliveryStatus, Ledger
from notifications.outgoing import OutgoingMessage
from notifications.smtp_settings import SmtpSettings
from notifications.transport import SendResult, SendStatus, SmtpTransport, make_transport

log = logging.getLogger(__name__)
T = TypeVar("T")
# The message type of a run; a bare ``Outcome`` or ``DeliveryReport`` is about e-mail.
M = DefaultTypeVar("M", bound=Deliverable, default=OutgoingMessage)

Clock = Callable[[], datetime]
# A shared limit on sending, entered by each sender of a run for as long as it sends (one
# open connection to the mail server each): a Prefect global concurrency limit per mail
# server, so that the workers of a province together keep to it.
SendSlot = Callable[[], AbstractAsyncContextManager[object]]
CLAIMED_ELSEWHERE = "đang được một lượt chạy khác gửi"


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
class Outcome(Generic[M]):
    """What became of one message in this run; ``detail`` is Vietnamese. ``channel``
    names the channel it went by ("email", "zalo")."""

    message: M
    status: OutcomeStatus
    detail: str
    attempts: int = 0
    smtp_code: int | None = None
    channel: str = EMAIL

    @property
    def message_id(self) -> str:
        return self.message.message_id


@dataclass
class DeliveryReport(Generic[M]):
    """Every message's outcome, in the order the messages were given."""

    outcomes: list[Outcome[M]] = field(default_factory=list)
    # the failure notice to the standing office, if sent (always an e-mail)
    notice: Outcome[OutgoingMessage] | None = None

    def _with(self, status: OutcomeStatus) -> list[Outcome[M]]:
        return [outcome for outcome in self.outcomes if outcome.status is status]

    @property
    def sent(self) -> list[Outcome[M]]:
        return self._with(OutcomeStatus.SENT)

    @property
    def deferred(self) -> list[Outcome[M]]:
        return self._with(OutcomeStatus.DEFERRED)

    @property
    def failed(self) -> list[Outcome[M]]:
        return self._with(OutcomeStatus.FAILED)

    @property
    def skipped(self) -> list[Outcome[M]]:
        return self._with(OutcomeStatus.SKIPPED)

    def problems(self) -> list[Outcome[M]]:
        """The outcomes of the messages deferred or failed, in order."""
        return [
            o for o in self.outcomes if o.status in {OutcomeStatus.DEFERRED, OutcomeStatus.FAILED}
        ]

    def summary(self) -> str:
        """One Vietnamese paragraph: counts, then one line per message not sent."""
        counts = (
            f"Đã gửi {len(self.sent)} thư; {len(self.deferred)} thư để lại cho lượt sau; "
            f"{len(self.failed)} thư không gửi được; {len(self.skipped)} thư bỏ qua."
        )
        lines = [counts, *(outcome_line(outcome) for outcome in self.problems())]
        if self.notice is not None:
            label = _LABELS[self.notice.status]
            lines.append(f"Thông báo lỗi gửi Văn phòng: {label} ({self.notice.detail}).")
        return "\n".join(lines)

    def failure_notice(
        self, to: Sequence[Mailbox], *, organization: str = "", directory_link: str = ""
    ) -> OutgoingMessage | None:
        """The message telling the standing office (``to``) which messages failed for good;
        ``directory_link`` is where the app's directory fixes an address.

        None when nothing failed. Its ledger keys name the failed messages and the
        recipients, so the notice itself is delivered once per failure.
        """
        failed = self.failed
        if not failed or not to:
            return None
        where = f" ({organization})" if organization else ""
        by_email = all(outcome.channel == EMAIL for outcome in failed)
        lines = [
            f"Kính gửi Văn phòng{where},",
            "",
            _FAILED_EMAIL.format(count=len(failed))
            if by_email
            else _FAILED_ANY.format(count=len(failed)),
            "",
            *(outcome_line(outcome) for outcome in failed),
            *(
                ["", f"Sửa địa chỉ, số điện thoại trong Danh mục: {directory_link}"]
                if directory_link
                else []
            ),
        ]
        keys = tuple(
            f"delivery-failure:{outcome.message_id}|{box.address}"
            for outcome in failed
            for box in to
        )
        noun = "thư" if by_email else "tin"
        return OutgoingMessage(
            to=tuple(to),
            subject=f"[Sáu Rõ] {len(failed)} {noun} nhắc việc không gửi được",
            text="\n".join(lines) + "\n",
            ledger_keys=keys,
        )


_FAILED_EMAIL = (
    "Hệ thống Sáu Rõ không gửi được {count} thư nhắc việc sau đây. Máy chủ thư "
    "đã từ chối hẳn nên hệ thống sẽ không tự gửi lại; đề nghị kiểm tra địa chỉ "
    "thư điện tử của người nhận và báo trực tiếp cho họ."
)
_FAILED_ANY = (
    "Hệ thống Sáu Rõ không gửi được {count} tin nhắc việc sau đây. Máy chủ thư hoặc Zalo "
    "đã từ chối hẳn nên hệ thống sẽ không tự gửi lại; đề nghị xem lý do ở từng dòng, "
    "kiểm tra địa chỉ thư điện tử hoặc số điện thoại Zalo của người nhận và báo trực "
    "tiếp cho họ."
)
_CHANNEL_LABELS = {EMAIL: "", "zalo": "Zalo "}


def outcome_line(outcome: Outcome[M]) -> str:
    """ "- Nguyễn Văn A <a@xa.gov.vn>: «subject» — không gửi được: reason (số lần thử: 3)"."""
    recipients = ", ".join(str(recipient) for recipient in outcome.message.to)
    by = _CHANNEL_LABELS.get(outcome.channel, f"{outcome.channel} ")
    return (
        f"- {by}{recipients}: «{outcome.message.subject}» — {_LABELS[outcome.status]}: "
        f"{outcome.detail} (số lần thử: {outcome.attempts})"
    )


@dataclass
class _Run(Generic[M]):
    """One delivery run: the shared state of its workers."""

    transport: Channel[M]
    ledger: Ledger
    retries: int
    backoff: float
    max_backoff: float
    attempt_timeout: float | None
    clock: Clock
    jitter: Callable[[], float]
    stop_reason: str | None = None
    database_lost: bool = False
    # One thread for every ledger call of the run: the workers never contend for the
    # database's write lock (SQLite has one writer), and each call stays short.
    ledger_thread: ThreadPoolExecutor = field(
        default_factory=lambda: ThreadPoolExecutor(1, thread_name_prefix="ledger")
    )

    def ledger_error(self, error: BaseException, doing: str) -> None:
        """Log a failed ledger call: the database lost is said once per run, in one line
        (the command that ran says what to do); anything else with its traceback."""
        if database_lost(error) is None:
            log.exception("%s: lỗi không lường trước", doing)
        elif not self.database_lost:
            self.database_lost = True
            log.warning("%s: mất kết nối cơ sở dữ liệu (%s)", doing, type(error).__name__)

    async def in_ledger(self, call: Callable[[], T]) -> T:
        """Run ``call`` on the run's ledger thread."""
        return await asyncio.get_running_loop().run_in_executor(self.ledger_thread, call)

    async def write_ledger(self, write: Callable[[], None], tries: int = 3) -> bool:
        """Write to the ledger, retrying a busy database: after a send this record is what
        prevents a duplicate, so it is worth a few tries."""
        for attempt in range(1, tries + 1):
            try:
                await self.in_ledger(write)
            except SQLAlchemyError as error:
                self.ledger_error(error, f"ghi sổ gửi thư lần {attempt}/{tries}")
                if attempt < tries:
                    await asyncio.sleep(0.2 * attempt)
            else:
                return True
        return False

    @property
    def channel(self) -> str:
        return channel_name(self.transport)

    async def worker(
        self,
        queue: Iterator[tuple[int, M]],
        out: dict[int, Outcome[M]],
        slot: SendSlot | None = None,
    ) -> None:
        async with slot() if slot is not None else nullcontext():
            await self.work(queue, out)
            if slot is not None and isinstance(self.transport, SmtpTransport):
                # A slot stands for an open connection: none stays open once it is given
                # back (idle, for the next organization), or all the workers' idle
                # connections together would outnumber the slots.
                await self.transport.close_idle()

    async def work(self, queue: Iterator[tuple[int, M]], out: dict[int, Outcome[M]]) -> None:
        # The iterator is shared by all workers: ``next`` runs between awaits, so each
        # message is taken by exactly one worker.
        for index, message in queue:
            try:
                out[index] = await self.one(message)
            except Exception as error:  # the ledger is unreachable: report, keep going
                self.ledger_error(error, f"gửi thư {message.message_id}")
                out[index] = self.outcome(
                    message, OutcomeStatus.DEFERRED, f"lỗi sổ gửi thư: {error!r}"
                )

    def outcome(
        self,
        message: M,
        status: OutcomeStatus,
        detail: str,
        attempts: int = 0,
        smtp_code: int | None = None,
    ) -> Outcome[M]:
        return Outcome(message, status, detail, attempts, smtp_code, self.channel)

    async def one(self, message: M) -> Outcome[M]:
        if self.stop_reason is not None:
            return self.outcome(message, OutcomeStatus.DEFERRED, f"chưa gửi: {self.stop_reason}")
        keys = message.ledger_keys
        now = self.clock()
        claimed = await self.in_ledger(
            lambda: self.ledger.claim(keys, now, message_id=message.message_id)
        )
        if not claimed:
            return await self.skipped(message)
        return await self.send_claimed(message)

    async def skipped(self, message: M) -> Outcome[M]:
        statuses = set(
            (await self.in_ledger(lambda: self.ledger.statuses(message.ledger_keys))).values()
        )
        if DeliveryStatus.SENT in statuses:
            detail = "đã gửi ở lượt trước"
        elif DeliveryStatus.FAILED in statuses:
            detail = "đã ghi nhận không gửi được ở lượt trước; không tự gửi lại"
        else:
            detail = CLAIMED_ELSEWHERE
        return self.outcome(message, OutcomeStatus.SKIPPED, detail)

    async def send_claimed(self, message: M) -> Outcome[M]:
        attempts = 0
        while True:
            attempts += 1
            result = await self.attempt(message)
            if result.status is not SendStatus.TEMPORARY:
                break
            if attempts > self.retries or self.stop_reason is not None:
                break
            await asyncio.sleep(self.delay(attempts))
        if result.status is not SendStatus.SENT and result.server_problem:
            self.stop_reason = result.detail
        return await self.record(message, result, attempts)

    async def attempt(self, message: M) -> SendResult:
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

    async def record(self, message: M, result: SendResult, attempts: int) -> Outcome[M]:
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
        return self.outcome(message, status, detail, attempts, result.smtp_code)


def backoff_delay(attempts: int, *, base: float, cap: float, jitter: float) -> float:
    """Seconds to wait after ``attempts`` failed attempts: ``base·2^(attempts-1)``, capped
    at ``cap``, then scaled by 0.5 to 1 with ``jitter`` in [0, 1) so that messages failing
    together do not all come back at the same instant."""
    ceiling = min(cap, base * 2.0 ** (attempts - 1))
    return ceiling * (0.5 + jitter / 2)


async def deliver(
    messages: Iterable[M],
    transport: Channel[M],
    *,
    ledger: Ledger,
    concurrency: int = 4,
    retries: int = 3,
    backoff: float = 1.0,
    max_backoff: float = 60.0,
    attempt_timeout: float | None = 120.0,
    clock: Clock = utc_now,
    jitter: Callable[[], float] = random.random,
    failures_to: Sequence[Mailbox] = (),
    organization: str = "",
    notice_channel: Channel[OutgoingMessage] | None = None,
    slot: SendSlot | None = None,
) -> DeliveryReport[M]:
    """Deliver ``messages`` through ``transport``, each at most once per the ``ledger``.

    At most ``concurrency`` messages are in the transport at a time. A temporary failure
    is retried ``retries`` times (so ``retries + 1`` attempts) after ``backoff``,
    ``2·backoff``… seconds (capped at ``max_backoff``, jittered down to half).
    ``attempt_timeout`` bounds each attempt. ``clock`` gives the times written to the
    ledger. With ``failures_to`` (the standing office's addresses), the messages that
    failed for good are then reported to it in one notice (``report.notice``), itself
    ledgered: through ``transport`` when it is e-mail, else through ``notice_channel``
    (required then). Each of the ``concurrency`` senders holds a ``slot`` while it sends,
    and closes the idle SMTP connections before giving it back: open connections never
    outnumber the slots held, whatever else holds the others.
    The caller owns the transport (and closes it).
    """
    if concurrency < 1:
        raise ValueError("concurrency must be at least 1")
    if retries < 0:
        raise ValueError("retries cannot be negative")
    if failures_to and notice_channel is None and channel_name(transport) != EMAIL:
        raise ValueError("failures_to on a channel other than e-mail needs a notice_channel")
    listed = list(messages)
    run = _Run(transport, ledger, retries, backoff, max_backoff, attempt_timeout, clock, jitter)
    queue = iter(enumerate(listed))
    out: dict[int, Outcome[M]] = {}
    workers = min(concurrency, len(listed))
    try:
        async with asyncio.TaskGroup() as group:
            for _ in range(workers):
                group.create_task(run.worker(queue, out, slot))
        report = DeliveryReport([out[index] for index in range(len(listed))])
        notice = report.failure_notice(failures_to, organization=organization)
        if notice is not None:
            report.notice = await _notice_run(run, notice_channel).one(notice)
    finally:
        run.ledger_thread.shutdown(wait=True)
    return report


def _notice_run(run: _Run[M], channel: Channel[OutgoingMessage] | None) -> _Run[OutgoingMessage]:
    """The run that sends the failure notice: this one when its channel is e-mail (so a
    mail server found down is not tried again), else one over ``channel`` sharing its
    ledger thread."""
    if channel is None:
        return cast(_Run[OutgoingMessage], run)  # checked in ``deliver``: e-mail
    return _Run(
        channel,
        run.ledger,
        run.retries,
        run.backoff,
        run.max_backoff,
        run.attempt_timeout,
        run.clock,
        run.jitter,
        ledger_thread=run.ledger_thread,
    )


async def deliver_with_settings(
    messages: Iterable[OutgoingMessage],
    settings: SmtpSettings,
    *,
    ledger: Ledger,
    clock: Clock = utc_now,
    failures_to: Sequence[Mailbox] = (),
    organization: str = "",
    slot: SendSlot | None = None,
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
            slot=slot,
        )
    finally:
        await transport.aclose()
