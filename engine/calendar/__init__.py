"""Time as the Vietnamese state counts it: working days (``workdays``), deadline phrases
(``deadlines``), reporting periods (``periods``) and task statuses (``status``). Pure
functions over dates with ``now`` passed in.

May import ``notifications``, ``store``, ``rules``, ``engine.text`` and ``engine.errors``; in
practice it needs only the last three.
"""
