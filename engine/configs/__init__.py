"""The administrator's config files as one validated bundle (``files``), editing them
with history and rollback (``editor``), and the environment settings read at the entry
points (``settings``).

May import ``engine.directory`` and everything below it. The impact preview of a config
change plans a reminder cycle, so it lives in ``engine.reminders.impact``.
"""
