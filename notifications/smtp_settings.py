"""How mail leaves the program: an SMTP server, or ``.eml`` files in a folder.

Read once from the environment at the entry point (CLI, flow) and passed down:

- ``SAURO_SMTP_HOST`` — the SMTP server; empty (the default) means no SMTP: every message
  is written as ``<message id>.eml`` to ``SAURO_OUTBOX_DIR`` (default ``./outbox``).
- ``SAURO_SMTP_PORT`` — default by security: 587 (starttls), 465 (tls), 25 (none).
- ``SAURO_SMTP_SECURITY`` — ``starttls`` (default), ``tls`` (implicit TLS) or ``none``.
- ``SAURO_SMTP_USERNAME`` / ``SAURO_SMTP_PASSWORD`` — AUTH (PLAIN or LOGIN, whichever the
  server offers) when a user name is given.
- ``SAURO_SMTP_SENDER`` — the From address, "Sáu Rõ <sauro@ubnd.gov.vn>"; required with SMTP.
- ``SAURO_SMTP_TIMEOUT`` — seconds per connection and per SMTP command (default 30).
- ``SAURO_SMTP_CONCURRENCY`` — simultaneous connections (default 4).
- ``SAURO_SMTP_VALIDATE_CERTS`` — check the server's TLS certificate (default true).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Self

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_SENDER = "Sáu Rõ <sauro@localhost>"


class SmtpSecurity(StrEnum):
    """How the connection to the SMTP server is protected."""

    STARTTLS = "starttls"  # plain connection upgraded by STARTTLS (port 587)
    TLS = "tls"  # TLS from the first byte (port 465)
    NONE = "none"  # no encryption: only for a relay on the same machine or network


_DEFAULT_PORTS = {SmtpSecurity.STARTTLS: 587, SmtpSecurity.TLS: 465, SmtpSecurity.NONE: 25}


class SmtpSettings(BaseSettings):
    """SMTP delivery settings from ``SAURO_*`` variables (see the module docstring)."""

    model_config = SettingsConfigDict(env_prefix="SAURO_", extra="ignore")

    smtp_host: str = ""
    smtp_port: int | None = Field(default=None, ge=1, le=65535)
    smtp_username: str = ""
    smtp_password: SecretStr = SecretStr("")
    smtp_security: SmtpSecurity = SmtpSecurity.STARTTLS
    smtp_sender: str = ""
    smtp_timeout: float = Field(default=30.0, gt=0)
    smtp_concurrency: int = Field(default=4, ge=1, le=100)
    smtp_validate_certs: bool = True
    outbox_dir: Path = Path("outbox")

    @model_validator(mode="after")
    def _sender_with_smtp(self) -> Self:
        if self.smtp_host and not self.smtp_sender:
            raise ValueError(
                "SAURO_SMTP_SENDER: cần địa chỉ người gửi khi đã đặt SAURO_SMTP_HOST "
                '(ví dụ "Sáu Rõ <sauro@ubnd.gov.vn>")'
            )
        return self

    @property
    def uses_smtp(self) -> bool:
        """True when an SMTP server is configured; otherwise mail goes to ``.eml`` files."""
        return bool(self.smtp_host)

    @property
    def port(self) -> int:
        """The port to connect to: the one given, or the usual one for the security mode."""
        return self.smtp_port or _DEFAULT_PORTS[self.smtp_security]

    @property
    def sender(self) -> str:
        """The From address (a local placeholder when mail only goes to files)."""
        return self.smtp_sender or DEFAULT_SENDER
