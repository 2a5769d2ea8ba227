"""Event notices: who hears of what happened to a task or a report (``record``: the kinds,
the recipients, one notice per event and person), and the inbox that lists them
(``inbox``). Sending them by e-mail or Zalo is ``engine.reminders.notices``.

May import ``engine.plans`` and everything below it.
"""
