"""The fan-out on Prefect: a parent flow run starts a child flow run per batch of
organizations through the child's deployment, watches them, and starts again a batch whose
run crashed.

Each child is created by ``prefect.deployments.arun_deployment`` with the idempotency key
``flows.batches.batch_key`` (child deployment, day, batch, attempt). Prefect 3 keeps one
flow run per (flow, idempotency key): asked again, the server returns the run it already
has, whoever asks and in whatever state it is. Two parents on the same day therefore start
each child once, and both watch the same runs.

A child whose worker was stopped (``KillSignal=SIGINT``) ends Crashed; one whose machine
died stops sending heartbeats and is marked Crashed by the automation ``sauro deploy``
creates (``flows.deploy``). A child that crashed or failed is started again at once under
the next run's key (the engine resumes an organization whose holder died on its machine at
once, and skips one whose holder's lease still runs), until ``SAURO_BATCH_ATTEMPTS`` runs
of the batch crashed. A child that completed with organizations still open (their leases
held by another run, or messages a dead run had in flight, which the delivery ledger keeps
for its lease) is started again once those leases ran out, and at least
``SAURO_BATCH_RETRY_SECONDS`` later, for ``SAURO_BATCH_PATIENCE_MINUTES``. The engine
resumes each organization where the delivery ledger says it stopped: nothing is sent twice.

``smtp_slot`` is what a child hands the delivery workers: one slot of the Prefect global
concurrency limit ``smtp-<host>`` held per open SMTP connection.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any
from uuid import UUID

from prefect.client.orchestration import PrefectClient, get_client
from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
from prefect.concurrency.asyncio import concurrency
from prefect.deployments import arun_deployment
from sqlalchemy import Engine

from engine.configs.settings import Settings
from engine.errors import SauroError
from engine.store.db import make_engine
from engine.store.leases import due_organizations
from flows.batches import Batch, Verdict, batch_key, judge, lease_expiry, plan_batches, scope_codes
from flows.cycle import DayOff, local_day

if TYPE_CHECKING:
    from notifications.delivery import SendSlot
    from notifications.smtp_settings import SmtpSettings

_VERDICT_WORDS = {
    Verdict.WAIT: "đang chạy",
    Verdict.DONE: "xong",
    Verdict.RETRY: "chạy lại",
    Verdict.GIVE_UP: "không xong sau số lần chạy cho phép",
    Verdict.STOPPED: "đã bị hủy",
}


async def fan_out(
    *,
    kind: str,
    settings: Settings,
    now: datetime,
    child_deployment: str,
    parameters: Callable[[Batch], dict[str, Any]],
    log: Callable[[str], None],
    org: str | None = None,
    province: str | None = None,
) -> FanOut | DayOff:
    """The parent's work on the day ``now`` falls on: nothing on a day off; otherwise the
    scope's organizations (``org``, ``province`` and those below it, or all) in batches of
    ``SAURO_BATCH_SIZE``, one child run of ``child_deployment`` each, watched to the end."""
    day, off = local_day(settings.config_dir, now)
    if off is not None:
        return off
    engine = make_engine(settings.database_url)
    try:
        batches = plan_batches(scope_codes(engine, org=org, province=province), settings.batch_size)
        watch = Watch(
            engine=engine,
            kind=kind,
            day=day,
            child_deployment=child_deployment,
            parameters=parameters,
            attempts=settings.batch_attempts,
            poll_seconds=settings.batch_poll_seconds,
            log=log,
            retry_seconds=settings.batch_retry_seconds,
            patience=timedelta(minutes=settings.batch_patience_minutes),
        )
        return await watch.run(batches)
    finally:
        engine.dispose()


def finish(outcome: FanOut | DayOff, log: Callable[[str], None]) -> dict[str, Any]:
    """Log the parent's outcome and return it as JSON; a batch given up or cancelled fails
    the parent run, so that it shows on the Prefect server."""
    log(outcome.summary())
    if isinstance(outcome, FanOut) and outcome.unfinished:
        raise SauroError(
            f"{len(outcome.unfinished)} lô không chạy xong: "
            + "; ".join(c.describe() for c in outcome.unfinished)
        )
    return outcome.to_json()


def check_restart(restart: int, attempts: int, log: Callable[[str], None]) -> None:
    """A parent run started again after its previous run crashed (``restart`` from 1, by
    the automation ``flows.deploy.restart_automation``) goes on while ``restart`` is below
    ``attempts`` (``SAURO_BATCH_ATTEMPTS``), and fails at once past it: a Failed run is not
    restarted, so a parent that keeps crashing stops there."""
    if not restart:
        return
    if restart >= attempts:
        raise SauroError(
            f"Lượt chạy cha đã bị Crashed {restart} lần trong ngày; không chạy lại nữa "
            f"(SAURO_BATCH_ATTEMPTS = {attempts}). Xem nhật ký của worker rồi chạy lại bằng tay."
        )
    log(f"Chạy lại lần {restart} sau khi lượt chạy cha trước bị Crashed.")


def smtp_limit_name(host: str) -> str:
    """The global concurrency limit of the SMTP connections to ``host``: "smtp-<host>"."""
    return f"smtp-{host.strip().lower()}"


def smtp_slot(smtp: SmtpSettings) -> SendSlot | None:
    """One slot of ``smtp-<host>`` per open SMTP connection, or None without SMTP. Not
    strict: a limit nobody created lets every connection through (with Prefect's warning)."""
    if not smtp.uses_smtp:
        return None
    name = smtp_limit_name(smtp.smtp_host)
    return lambda: concurrency(name, occupy=1, strict=False)


@dataclass
class Child:
    """A batch and its current run."""

    batch: Batch
    attempt: int = 0  # the current run, from 0: the last part of its key
    crashes: int = 0  # runs that crashed or failed
    open_since: datetime | None = None  # first run that completed leaving organizations open
    run_id: UUID | None = None
    run_name: str = ""
    state: str = ""
    verdict: Verdict = Verdict.WAIT
    not_before: datetime | None = None  # a retry waits for the leases of a dead run
    runs: list[str] = field(default_factory=list)  # "name: state", every attempt

    def describe(self) -> str:
        runs = "; ".join(self.runs)
        return f"{self.batch.describe()}: {_VERDICT_WORDS[self.verdict]} ({runs})"


@dataclass
class FanOut:
    """What a parent started and what became of it."""

    kind: str
    day: date
    child_deployment: str
    organizations: int
    due: int
    children: list[Child] = field(default_factory=list)

    @property
    def unfinished(self) -> list[Child]:
        return [c for c in self.children if c.verdict in (Verdict.GIVE_UP, Verdict.STOPPED)]

    def summary(self) -> str:
        """Vietnamese lines for the parent's log."""
        head = (
            f"Ngày {self.day:%d/%m/%Y}: {self.organizations} đơn vị, {self.due} đơn vị chưa "
            f"xong, {len(self.children)} lô chạy qua '{self.child_deployment}'"
        )
        retried = sum(1 for c in self.children if c.attempt)
        if retried:
            head += f", {retried} lô phải chạy lại"
        lines = [head + "."]
        lines += [f"- {c.describe()}" for c in self.children]
        return "\n".join(lines)

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "day": self.day.isoformat(),
            "child_deployment": self.child_deployment,
            "organizations": self.organizations,
            "due": self.due,
            "batches": [
                {
                    "batch": c.batch.index + 1,
                    "codes": list(c.batch.codes),
                    "attempts": c.attempt + 1,
                    "verdict": str(c.verdict),
                    "runs": c.runs,
                }
                for c in self.children
            ],
            "unfinished": len(self.unfinished),
            "summary": self.summary(),
        }


@dataclass
class Watch:
    """How the parent starts and watches its children."""

    engine: Engine  # the Sáu Rõ database: what is still due, the leases
    kind: str
    day: date
    child_deployment: str  # "flow-name/deployment-name"
    parameters: Callable[[Batch], dict[str, Any]]
    attempts: int
    poll_seconds: float
    log: Callable[[str], None]
    retry_seconds: float = 60.0
    patience: timedelta = timedelta(minutes=30)
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)

    async def run(self, batches: Sequence[Batch]) -> FanOut:
        """Start the batches with an organization still due on ``day``, and watch them
        until every one is done, given up or cancelled."""
        codes = [code for batch in batches for code in batch.codes]
        due = set(self._due(codes))
        result = FanOut(self.kind, self.day, self.child_deployment, len(codes), len(due))
        result.children = [Child(b) for b in batches if due.intersection(b.codes)]
        async with get_client() as client:
            for child in result.children:
                await self._start(child)
            while any(c.verdict is Verdict.WAIT for c in result.children):
                await asyncio.sleep(self.poll_seconds)
                await self._look(client, result.children)
        return result

    def _due(self, codes: Sequence[str]) -> list[str]:
        return due_organizations(self.engine, kind=self.kind, day=self.day, codes=list(codes))

    async def _start(self, child: Child) -> None:
        """Create (or find, by its key) the run of the child's current attempt."""
        key = batch_key(self.child_deployment, self.day, child.batch, child.attempt)
        run = await arun_deployment(
            name=self.child_deployment,
            parameters=self.parameters(child.batch),
            timeout=0,
            idempotency_key=key,
            tags=["sau-ro", self.kind],
        )
        child.run_id, child.run_name = run.id, run.name
        child.state = run.state.type.value if run.state else "SCHEDULED"
        child.runs.append(f"{run.name}: lần {child.attempt + 1}")
        self.log(f"{child.batch.describe()}: lượt chạy '{run.name}' (lần {child.attempt + 1}).")

    async def _look(self, client: PrefectClient, children: Sequence[Child]) -> None:
        """Read the children's states; judge the finished ones; start due retries."""
        waiting = [c for c in children if c.verdict is Verdict.WAIT and c.run_id is not None]
        ids = [c.run_id for c in waiting if c.not_before is None]
        runs = await client.read_flow_runs(
            flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=ids))
        ) if ids else []  # fmt: skip
        states = {run.id: run.state.type.value for run in runs if run.state}
        for child in waiting:
            if child.not_before is not None:
                await self._retry_when_due(child)
            elif child.run_id in states:
                self._judge(child, states[child.run_id])

    def _judge(self, child: Child, state: str) -> None:
        now = self.clock()
        child.state = state
        still_due = len(self._due(child.batch.codes)) if state == "COMPLETED" else 0
        if state in ("CRASHED", "FAILED"):
            child.crashes += 1
        if still_due and child.open_since is None:
            child.open_since = now
        patient = child.open_since is None or now - child.open_since < self.patience
        verdict = judge(
            state, still_due=still_due, crashes=child.crashes, attempts=self.attempts,
            patient=patient,
        )  # fmt: skip
        if verdict is Verdict.WAIT:
            return
        child.runs[-1] = f"{child.run_name}: {state.lower()}" + (
            f", còn {still_due} đơn vị chưa xong" if still_due else ""
        )
        if verdict is Verdict.RETRY:
            child.not_before = self._retry_time(child, now) if still_due else now
            self.log(
                f"{child.batch.describe()}: lượt '{child.run_name}' kết thúc {state}"
                + (f", còn {still_due} đơn vị chưa xong" if still_due else "")
                + f"; chạy lại lúc {child.not_before:%H:%M:%S} UTC."
            )
            return
        child.verdict = verdict
        self.log(child.describe())

    def _retry_time(self, child: Child, now: datetime) -> datetime:
        """When to run again a batch that left organizations open: once their leases ran
        out (a holder that died elsewhere), and not before ``retry_seconds``."""
        expiry = lease_expiry(self.engine, kind=self.kind, day=self.day, codes=child.batch.codes)
        soonest = now + timedelta(seconds=self.retry_seconds)
        return max(expiry, soonest) if expiry else soonest

    async def _retry_when_due(self, child: Child) -> None:
        if child.not_before is None or self.clock() < child.not_before:
            return
        child.attempt += 1
        child.not_before = None
        await self._start(child)
