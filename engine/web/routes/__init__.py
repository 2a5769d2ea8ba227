"""The page routes, one module per area: thin, every decision in ``engine.web.policy``
and the engine's own functions."""
