"""The database: table models, engines and sessions, column types, bulk helpers, the audit
log and the Alembic migrations (``engine/store/migrations``).

May import ``rules``, ``engine.text`` and ``engine.errors`` only: everything else builds on it.
"""
