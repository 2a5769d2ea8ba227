"""What a run's report keeps of each message it planned or sent: a note (who, what about,
its ledger keys, what became of it), not its body, kept in a temporary file; and its
findings, likewise.

A run over a thousand organizations plans tens of thousands of messages: kept as Python
objects until the end, their notes would grow with the number of organizations. Written to
a file as one JSON line each, they cost nothing in memory between organizations; the report
reads them back when shown.
"""

from __future__ import annotations

import json
import tempfile
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import IO, Any

from notifications.addresses import Mailbox
from notifications.delivery import Outcome, OutcomeStatus
from notifications.outgoing import OutgoingMessage


@dataclass(frozen=True)
class MessageNote:
    """One message as a run's report shows it, and, once delivery was tried, its outcome."""

    to: tuple[Mailbox, ...]
    subject: str
    message_id: str
    ledger_keys: tuple[str, ...]
    headers: Mapping[str, str] = field(default_factory=dict)
    status: OutcomeStatus | None = None
    detail: str = ""
    attempts: int = 0

    @classmethod
    def of(
        cls, message: OutgoingMessage | MessageNote, outcome: Outcome[Any] | None = None
    ) -> MessageNote:
        if outcome is None:
            if isinstance(message, MessageNote):
                return message
            return cls(message.to, message.subject, message.message_id, message.ledger_keys,
                       message.headers)  # fmt: skip
        return cls(
            message.to, message.subject, message.message_id, message.ledger_keys,
            message.headers, outcome.status, outcome.detail, outcome.attempts,
        )  # fmt: skip

    def to_json(self) -> dict[str, Any]:
        return {
            "to": [[box.name, box.address] for box in self.to],
            "subject": self.subject,
            "message_id": self.message_id,
            "ledger_keys": list(self.ledger_keys),
            "headers": dict(self.headers),
            "status": self.status.value if self.status else None,
            "detail": self.detail,
            "attempts": self.attempts,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> MessageNote:
        return cls(
            to=tuple(Mailbox(address, name) for name, address in data["to"]),
            subject=data["subject"],
            message_id=data["message_id"],
            ledger_keys=tuple(data["ledger_keys"]),
            headers=data["headers"],
            status=OutcomeStatus(data["status"]) if data["status"] else None,
            detail=data["detail"],
            attempts=data["attempts"],
        )


class Spool:
    """Values (text, numbers, lists, dictionaries) kept in a temporary file, one JSON line
    each, in the order added; read back by iterating. The file goes when the spool is
    closed or collected."""

    def __init__(self) -> None:
        self._file: IO[bytes] | None = None
        self._count = 0

    def append(self, value: Any) -> None:
        if self._file is None:
            # Open for the spool's life (closed by ``close``), not for one block.
            self._file = tempfile.TemporaryFile(prefix="sauro-run-")  # noqa: SIM115
        self._file.seek(0, 2)
        self._file.write(json.dumps(value, ensure_ascii=False).encode() + b"\n")
        self._count += 1

    def extend(self, values: Iterable[Any]) -> None:
        for value in values:
            self.append(value)

    def __len__(self) -> int:
        return self._count

    def __iter__(self) -> Iterator[Any]:
        if self._file is None:
            return
        self._file.flush()
        self._file.seek(0)
        for line in self._file:
            yield json.loads(line)

    def close(self) -> None:
        if self._file is not None:
            self._file.close()
            self._file = None


class MessageLog:
    """The notes of a run's messages, in the order they were added, in a ``Spool``, with
    the count of each outcome."""

    def __init__(self) -> None:
        self._notes = Spool()
        self.statuses: Counter[OutcomeStatus] = Counter()

    def append(self, message: OutgoingMessage | MessageNote) -> None:
        note = MessageNote.of(message)
        self._notes.append(note.to_json())
        if note.status is not None:
            self.statuses[note.status] += 1

    def extend(self, messages: Iterable[OutgoingMessage | MessageNote]) -> None:
        for message in messages:
            self.append(message)

    def __len__(self) -> int:
        return len(self._notes)

    def __iter__(self) -> Iterator[MessageNote]:
        return (MessageNote.from_json(data) for data in self._notes)

    def count(self, status: OutcomeStatus) -> int:
        return self.statuses[status]

    def close(self) -> None:
        self._notes.close()
