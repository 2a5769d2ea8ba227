"""The daily cycle: plan the ladder's reminders and escalations, render the digests and
deliver them through the ledger (``cycle``), messages held for the next run
(``held_messages``), and what a config change would send today (``impact``).

May import ``engine.reports`` and everything below it; only the edges import it.
"""
