"""Reading a plan's task table from a file, before anything is stored: the tables of a
``.docx``/``.xlsx``/``.csv`` (``tables``), the header aliases of ``import.yaml``
(``columns``), the rows with their section and area headings (``rows``) and the CCHC areas of
``areas.yaml`` (``areas``). No database.

May import what ``engine.calendar`` may (it sits beside it), not ``engine.calendar`` itself.
"""
