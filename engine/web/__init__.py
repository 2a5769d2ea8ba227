"""The web app of Sáu Rõ: server-rendered pages (Jinja2, Vietnamese) and a JSON API over the
same engine functions, authorized by ``engine.web.policy``. ``engine.web.app.create_app``
builds it; ``sauro serve`` runs it with uvicorn."""
