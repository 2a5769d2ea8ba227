"""Channels: the ways a message reaches a person (e-mail, Zalo ZNS), as delivery sees them.

Delivery (``notifications.delivery``) needs very little from a message and a channel:

- a message (``Deliverable``) has ``ledger_keys`` and a ``message_id`` (the ledger's
  business), and ``to`` and ``subject`` that name it in report lines ("who, about what");
  ``OutgoingMessage`` (e-mail) and ``ZaloMessage`` (ZNS) both fit;
- a channel (``Channel``) tries once to ``send`` a message and returns a ``SendResult``,
  never raising for a delivery problem. The e-mail ``Transport``\\s fit as they are. A
  channel may carry a ``name`` ("email", "zalo"); one without is e-mail
  (``channel_name``).

The same ledger serves every channel, so a message is sent once per channel and
recipient: a message's keys on a channel other than e-mail are prefixed with the
channel's name (``channel_key``), e-mail keys stay as they always were.

``channels_for`` turns a person's preference (``person.channel``: e-mail, Zalo or both)
and the addresses known for them into the channels to use. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol, TypeVar

from notifications.notice_config import Channel as Choice
from notifications.transport import SendResult

EMAIL = "email"
ZALO = "zalo"


class Deliverable(Protocol):
    """What delivery reads from a message."""

    @property
    def ledger_keys(self) -> tuple[str, ...]: ...

    @property
    def message_id(self) -> str: ...

    @property
    def to(self) -> tuple[object, ...]:
        """The recipients, each printed (``str``) as a report names it: "Nguyễn Văn A
        <a@xa.gov.vn>", a phone number."""
        ...

    @property
    def subject(self) -> str:
        """What the message is about, in a few Vietnamese words, for report lines."""
        ...


M = TypeVar("M", bound=Deliverable)
M_contra = TypeVar("M_contra", bound=Deliverable, contravariant=True)


class Channel(Protocol[M_contra]):
    """Puts one message somewhere. ``send`` may be called concurrently."""

    async def send(self, message: M_contra, /) -> SendResult:
        """Try once to send ``message``; never raises for a delivery problem."""
        ...


def channel_name(channel: object) -> str:
    """The channel's ``name``, or "email" for a channel without one (the transports)."""
    name = getattr(channel, "name", EMAIL)
    return name if isinstance(name, str) and name else EMAIL


def channel_key(key: str, channel: str) -> str:
    """The ledger key of ``key`` delivered on ``channel``: e-mail keys are unchanged (the
    ledger already holds them), others are prefixed ("zalo:task:12|…")."""
    return key if channel == EMAIL else f"{channel}:{key}"


def channel_keys(keys: Iterable[str], channel: str) -> tuple[str, ...]:
    """``channel_key`` of every key, in order."""
    return tuple(channel_key(key, channel) for key in keys)


def channels_for(
    choice: str, *, email: str, phone: str, default: str = Choice.EMAIL
) -> tuple[str, ...]:
    """The channels to reach a person by: their choice (``default`` when empty) among those
    they can be reached on.

    Zalo needs a phone number, e-mail an address. A person who chose Zalo but has no
    number is reached by e-mail rather than not at all; one with neither gets nothing.
    An unknown choice raises ``ValueError``.
    """
    wanted = Choice(choice or default)
    by_zalo = wanted in {Choice.ZALO, Choice.BOTH} and bool(phone)
    by_email = bool(email) and (wanted is not Choice.ZALO or not by_zalo)
    return tuple(name for name, chosen in ((EMAIL, by_email), (ZALO, by_zalo)) if chosen)
