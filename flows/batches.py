"""The organizations of a scope cut into batches, and what a parent does with a batch's run.

Free of Prefect, like ``flows.cycle``: the batches, their idempotency keys and the verdict on
a child run's state are pure functions, tested directly; ``flows.fanout`` applies them
through a Prefect client.

The batches are cut from every organization of the scope in code order, not only from those
still due: a parent started again later the same day (a second trigger, a catch-up, a
re-run after its own crash) then cuts the same batches, computes the same keys and finds
the children already started instead of starting overlapping ones. A batch whose
organizations are all done that day is not started at all.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import Engine, select
from sqlmodel import col

from engine.reports.rollup import children_of
from engine.store.models import CycleRun, Organization

# Prefect's state types, by value: this module does not import Prefect.
FINAL_OK = "COMPLETED"
RETRIED = ("CRASHED", "FAILED")
STOPPED = ("CANCELLED", "CANCELLING")


@dataclass(frozen=True)
class Batch:
    """Organizations run by one child flow run; ``index`` counts from 0."""

    index: int
    codes: tuple[str, ...]

    @property
    def label(self) -> str:
        """The batch in keys, "lo-003-1a2b3c4d": its number, then a digest of its codes, so
        that a batch whose organizations changed (one added) never shares a key with the old."""
        digest = hashlib.sha256("\n".join(self.codes).encode()).hexdigest()[:8]
        return f"lo-{self.index + 1:03d}-{digest}"

    def describe(self) -> str:
        """The batch in words: "lô 3 (xa-0101 … xa-0150, 50 đơn vị)"."""
        span = self.codes[0] if len(self.codes) == 1 else f"{self.codes[0]} … {self.codes[-1]}"
        return f"lô {self.index + 1} ({span}, {len(self.codes)} đơn vị)"


def plan_batches(codes: Sequence[str], size: int) -> list[Batch]:
    """``codes`` in order, ``size`` at a time."""
    if size < 1:
        raise ValueError("batch size must be at least 1")
    return [
        Batch(index, tuple(codes[start : start + size]))
        for index, start in enumerate(range(0, len(codes), size))
    ]


def batch_key(child_deployment: str, day: date, batch: Batch, attempt: int) -> str:
    """The idempotency key of a batch's ``attempt`` (from 0) on ``day``: Prefect creates one
    flow run per (flow, key), and returns that run to anyone asking again with the key."""
    return f"{child_deployment}|{day.isoformat()}|{batch.label}|lan-{attempt + 1}"


class Verdict(StrEnum):
    """What the parent does about a batch after looking at its current run."""

    WAIT = "wait"  # not finished yet
    DONE = "done"  # finished, its organizations done for the day
    RETRY = "retry"  # start the next run
    GIVE_UP = "give-up"  # no run left
    STOPPED = "stopped"  # cancelled by a person: not started again


def judge(
    state_type: str, *, still_due: int, crashes: int, attempts: int, patient: bool
) -> Verdict:
    """The verdict on a batch whose current run is in ``state_type``, ``still_due`` of its
    organizations not done for the day. ``crashes`` counts the batch's runs that crashed
    or failed, this one included: at most ``attempts`` of them. A run that completed with
    organizations left open (another live run held them, or a run that died left messages
    in flight, which the delivery ledger keeps for its lease) is followed by another while
    the parent is still ``patient``."""
    if state_type in STOPPED:
        return Verdict.STOPPED
    if state_type == FINAL_OK:
        if not still_due:
            return Verdict.DONE
        return Verdict.RETRY if patient else Verdict.GIVE_UP
    if state_type in RETRIED:
        return Verdict.RETRY if crashes < attempts else Verdict.GIVE_UP
    return Verdict.WAIT


def scope_codes(
    engine: Engine, *, org: str | None = None, province: str | None = None
) -> list[str]:
    """The codes of the scope's organizations, in order: ``org`` alone, ``province`` with
    every organization below it (``parent_code``), or all."""
    with engine.connect() as connection:
        if org:
            return [org]
        if not province:
            query = select(col(Organization.code)).order_by(col(Organization.code))
            return list(connection.execute(query).scalars())
        found, todo = [province], [province]
        while todo:
            below = [code for code, _ in children_of(connection, todo.pop())]
            found += below
            todo += below
    return sorted(set(found))


def lease_expiry(engine: Engine, *, kind: str, day: date, codes: Sequence[str]) -> datetime | None:
    """When the last unfinished lease among ``codes`` runs out (a run that died holds it
    until then; a new run would only skip those organizations before), or None."""
    c = CycleRun.__table__.c  # type: ignore[attr-defined]
    o = Organization.__table__.c  # type: ignore[attr-defined]
    # The column itself, not max(): its type turns SQLite's text back into an aware time.
    query = (
        select(c.expires_at)
        .join_from(CycleRun, Organization, o.id == c.organization_id)
        .where(c.day == day, c.kind == kind, c.finished_at.is_(None), o.code.in_(list(codes)))
        .order_by(c.expires_at.desc())
        .limit(1)
    )
    with engine.connect() as connection:
        expiry: datetime | None = connection.execute(query).scalar_one_or_none()
    return expiry
