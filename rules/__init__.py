"""The pure rules: the 6-rõ check (``six_clear``) over plain task facts (``facts``), the
escalation ladder (``ladder``), and the schemas of the config files that drive them
(``schema`` for ``rules.yaml``, ``escalation`` for ``escalation.yaml``, read through
``config_text``). No database, no clock, no network.

May import ``engine.text`` and ``engine.errors`` only.
"""
