"""Organizations, units and people: ``directory.yaml`` and the pure name resolvers
(``schema``), the directory in the database (``store``), splitting a lead or coordinator
cell into units (``unit_cells``), and user accounts, passwords and sessions (``accounts``).

May import ``engine.calendar``, ``engine.importing`` and everything below them.
"""
