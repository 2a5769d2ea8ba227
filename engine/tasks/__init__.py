"""Working on one task: progress, completion, extensions and their decisions (``actions``),
edits of the six dimensions (``edits``) and the history in words (``history``).

May import ``engine.plans`` and everything below it.
"""
