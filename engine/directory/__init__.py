"""Organizations, units and people: ``directory.yaml`` and the pure name resolvers
(``schema``), the directory in the database (``store``), splitting a lead or coordinator
cell into units (``unit_cells``), user accounts, passwords and sessions (``accounts``),
editing units and people (``editing``), the directory file exported and imported
(``exchange``), outside bodies and posts told from units (``bodies``).

May import ``engine.calendar``, ``engine.importing`` and everything below them.
"""
