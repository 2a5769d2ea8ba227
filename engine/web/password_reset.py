"""A forgotten password on the web: record the request and build its mail
(``engine.directory.password_reset``), deliver the mail through the delivery ledger after
the answer has gone (the same answer whatever the account), set the new password from the
mailed link."""

from __future__ import annotations

import logging

from sqlmodel import Session

from engine.directory.password_reset import (
    ResetPolicy,
    request_reset,
    reset_message,
    reset_password,
    valid_reset,
)
from engine.errors import SauroError
from engine.store.db import session_scope
from engine.web.deps import Web
from notifications.delivery import OutcomeStatus, deliver_with_settings
from notifications.ledger import DatabaseLedger
from notifications.outgoing import OutgoingMessage

log = logging.getLogger(__name__)


def policy(state: Web) -> ResetPolicy:
    """The throttling of requests (``SAURO_RESET_*``)."""
    s = state.settings
    return ResetPolicy(s.reset_max_per_name, s.reset_max_per_ip, s.reset_window_minutes)


def ask(state: Web, *, who: str, ip: str) -> OutgoingMessage | None:
    """Record a request for ``who`` from ``ip``; the mail to send, or None (unknown
    account, no address, throttled: the caller answers the same)."""
    with session_scope(state.engine) as session:
        mail = request_reset(session, who=who, ip=ip, policy=policy(state), now=state.clock())
    if mail is None:
        return None
    return reset_message(mail, link=state.settings.link(f"/password/reset?token={mail.token}"))


async def send(state: Web, message: OutgoingMessage) -> None:
    """Deliver one reset mail, once per the ledger; problems are logged, never raised (the
    answer has already gone)."""
    try:
        report = await deliver_with_settings(
            [message], state.smtp, ledger=DatabaseLedger(state.engine), clock=state.clock
        )
    except Exception:
        log.exception("password reset mail %s not delivered", message.message_id)
        return
    for outcome in report.outcomes:
        if outcome.status is not OutcomeStatus.SENT:
            log.warning("password reset mail %s: %s", outcome.message_id, outcome.detail)


def usable(state: Web, token: str) -> bool:
    """Whether ``token`` may still set a password (nothing is written)."""
    with Session(state.engine) as session:
        try:
            valid_reset(session, token=token, now=state.clock())
        except SauroError:
            return False
    return True


def reset(state: Web, *, token: str, new: str, again: str) -> None:
    """Set the password of the token's account (``ResetLinkError`` when the link is no
    longer valid; another ``SauroError`` for a refused password, the link still usable)."""
    with session_scope(state.engine) as session:
        reset_password(session, token=token, password=new, again=again, now=state.clock())
