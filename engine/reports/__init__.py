"""Reporting periods at work: each unit's form and its return (``unit_forms``,
``unit_reports``, ``form_requests``), the figures of a period (``data``), the NĐ 30 document
(``document``), its charts (``charts``) and annex workbook (``annex``), the PDF (``pdf``),
the whole report written and sent (``assembly``) into a folder replaced whole by
each run (``output``) and one day of the reporting calendar
(``cycle``).

May import ``engine.tasks`` and everything below it.
"""
