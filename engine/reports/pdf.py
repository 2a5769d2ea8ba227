"""Word to PDF through LibreOffice (``soffice --headless --convert-to pdf``), when installed.

Each conversion runs with its own LibreOffice profile in a temporary folder: two
conversions at once (parallel report workers) would otherwise fight over the user's
profile lock and one of them would silently produce nothing.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from engine.errors import SauroError

CONVERT_TIMEOUT_S = 180


def soffice() -> str | None:
    """The LibreOffice executable, or None when LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(document: Path, *, executable: str | None = None) -> Path | None:
    """Convert ``document`` to a PDF beside it and return the PDF's path; None when
    LibreOffice is not installed. Raises ``SauroError`` when the conversion fails."""
    program = executable or soffice()
    if program is None:
        return None
    target = document.with_suffix(".pdf")
    with tempfile.TemporaryDirectory(prefix="sauro-soffice-") as profile:
        command = [
            program,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(document.parent),
            str(document),
        ]
        try:
            done = subprocess.run(
                command, capture_output=True, text=True, timeout=CONVERT_TIMEOUT_S, check=False
            )
        except subprocess.TimeoutExpired:
            raise SauroError(
                f"LibreOffice không chuyển xong {document.name} sang PDF sau "
                f"{CONVERT_TIMEOUT_S} giây."
            ) from None
    if done.returncode != 0 or not target.is_file():
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SauroError(
            f"LibreOffice không chuyển được {document.name} sang PDF"
            + (f": {detail[-1]}" if detail else ".")
        )
    return target
