"""The one unit of work of a web write that changes tasks (an edit, an action, an import,
a directory change, a unit's form, a withdrawn plan).

Pages and the API only read the stored 6-rõ verdicts (``task.unclear``,
``task.unclear_since``): a GET never writes. So every write that can change a verdict
refreshes them (``engine.plans.verdicts.refresh_verdicts``) in its own transaction, just
before it commits: what the next page shows is current (the figures this process keeps
for a few seconds, ``engine.web.recent``, are forgotten), and a failed write changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlmodel import Session

from engine.calendar.status import local_date
from engine.plans.verdicts import refresh_verdicts
from engine.store.db import session_scope
from engine.web.deps import User, Web


@contextmanager
def task_change(state: Web, user: User, *, every_org: bool = False) -> Iterator[Session]:
    """``session_scope`` whose work is followed, before the commit, by the refresh of the
    stored verdicts of the user's organization (of every organization with ``every_org``:
    a change of ``rules.yaml`` judges every task again)."""
    with session_scope(state.engine) as session:
        yield session
        refresh_after_change(session, state, None if every_org else user.org_code)
    state.recent.forget(None if every_org else user.principal.organization_id)


def refresh_after_change(session: Session, state: Web, org_code: str | None) -> None:
    """The stored verdicts of ``org_code`` (None: all) refreshed in the session's
    transaction, its pending changes flushed first."""
    session.flush()
    refresh_verdicts(
        session.connection(),
        rules=state.configs.get().rules,
        org_code=org_code,
        today=local_date(state.clock()),
    )
