"""Plans and their tasks: importing a plan file into tasks (``importer``, over the drafts of
``drafts``), the 6-rõ check of drafts and stored tasks (``check``), the stored verdicts
(``verdicts``) and the check as a workbook (``check_workbook``).

May import ``engine.configs`` and everything below it.
"""
