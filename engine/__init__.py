"""Sáu Rõ's engine, grouped by capability (see ARCHITECTURE.md for the map).

Imports run one way, from the edges down: ``cli``, ``web``, ``flows`` → ``reminders`` →
``reports`` → ``tasks`` → ``plans`` → ``configs`` → ``directory`` → ``calendar``,
``importing`` → ``notifications`` → ``store`` → ``rules`` → ``text``, ``errors``. The
contract in ``pyproject.toml`` (import-linter) enforces it; this package imports nothing.
"""
