"""A real SMTP server for the delivery tests: aiosmtpd on 127.0.0.1, scriptable.

``smtp_server(...)`` starts one (and stops it after the test) on a free port picked by
binding a socket to port 0 (aiosmtpd itself cannot take port 0). Options: ``auth``
(user, password) requires AUTH; ``tls`` is ``"starttls"`` (required) or ``"implicit"``;
``started=False`` only reserves the port, for "server down, then up". The handler
(``smtp_support.ScriptedHandler``) records every message and can be told to refuse DATA
with a reply N times, to reject a recipient, or to take its time; it counts open
connections so tests can see the concurrency and the reuse of connections from the
server's side.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from collections.abc import Iterator
from typing import Any

import pytest
from smtp_support import (
    Authenticator,
    ScriptedHandler,
    ServerFactory,
    SilentServer,
    SmtpTestServer,
    TlsFiles,
    free_port,
)

from notifications.smtp_settings import SmtpSecurity


@pytest.fixture(scope="session")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> TlsFiles:
    """A self-signed certificate for 127.0.0.1, made with ``cryptography``."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder = tmp_path_factory.mktemp("tls")
    files = TlsFiles(folder / "cert.pem", folder / "key.pem")
    files.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    files.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return files


@pytest.fixture
def smtp_server(tls_files: TlsFiles) -> Iterator[ServerFactory]:
    """Start aiosmtpd servers for a test; every one is stopped at its end."""
    servers: list[SmtpTestServer] = []

    def make(
        *,
        auth: tuple[str, str] | None = None,
        tls: str | None = None,
        started: bool = True,
        delay: float = 0.0,
        exclude_auth: list[str] | None = None,
    ) -> SmtpTestServer:
        options: dict[str, Any] = {}
        security = SmtpSecurity.NONE
        if auth is not None:
            options.update(
                authenticator=Authenticator(*auth),
                auth_required=True,
                auth_require_tls=tls is not None,
                auth_exclude_mechanism=exclude_auth or [],
            )
        if tls == "starttls":
            options.update(tls_context=tls_files.server_context(), require_starttls=True)
            security = SmtpSecurity.STARTTLS
        elif tls == "implicit":
            options["ssl_context"] = tls_files.server_context()
            security = SmtpSecurity.TLS
        server = SmtpTestServer(ScriptedHandler(delay=delay), free_port(), options, security)
        servers.append(server)
        if started:
            server.start()
        return server

    yield make
    for server in servers:
        server.stop()


@pytest.fixture
def silent_server() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()
