"""``create_app``: the FastAPI app of Sáu Rõ, built from settings (nothing at import time)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI
from fastapi.responses import HTMLResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.configs.settings import Settings
from engine.store.db import make_engine
from engine.web import api, http_errors, pages
from engine.web.deps import ConfigCache, Web
from engine.web.http_errors import plain_page
from engine.web.mailer import NoticeMailer
from engine.web.routes import (
    accounts,
    api_docs,
    auth,
    configs,
    dashboard,
    directory,
    imports,
    notices,
    password_reset,
    plans,
    report_approval,
    report_sections,
    reports,
    rollup,
    tasks,
    unit_reports,
)
from engine.web.sessions import new_token
from notifications.smtp_settings import SmtpSettings
from notifications.zalo_settings import ZaloSettings

HERE = Path(__file__).parent
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_NO_CSP = ("/docs", "/redoc")  # FastAPI's API pages load their own scripts
_HSTS = "max-age=31536000"


def _now() -> datetime:
    return datetime.now(UTC)


def create_app(
    settings: Settings,
    *,
    engine: Engine | None = None,
    clock: Callable[[], datetime] = _now,
    smtp: SmtpSettings | None = None,
    zalo: ZaloSettings | None = None,
) -> FastAPI:
    """The web app over ``settings`` (database, configs, uploads). ``engine`` reuses an
    existing engine (else one is made and disposed of at shutdown); ``clock`` gives "now"
    (tests fix it); ``smtp`` is how reports are mailed (default: ``SAURO_SMTP_*``, read
    here once); ``zalo`` how notices go by Zalo (default: ``SAURO_ZALO_*``)."""
    owned = engine is None
    db = engine if engine is not None else make_engine(settings.database_url)
    public = settings.api_docs == "public"
    app = FastAPI(
        title="Sáu Rõ",
        description="API của Sáu Rõ: nhiệm vụ, sáu rõ, tiến độ, gia hạn, bảng điều hành.",
        version="1",
        docs_url="/docs" if public else None,
        redoc_url="/redoc" if public else None,
        openapi_url="/openapi.json" if public else None,
    )
    templates = Jinja2Templates(directory=HERE / "templates")
    pages.install_filters(templates)
    app.state.web = Web(
        settings=settings,
        engine=db,
        templates=templates,
        clock=clock,
        configs=ConfigCache(settings.config_dir),
        smtp=smtp or SmtpSettings(),
        zalo=zalo or ZaloSettings(),
        secret=settings.secret_key or new_token(),
    )
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for router in (
        auth.router,
        password_reset.router,
        tasks.router,
        imports.router,
        plans.router,
        dashboard.router,
        reports.router,
        unit_reports.router,
        configs.router,
        accounts.router,
        directory.router,
        notices.router,
        rollup.router,
        report_approval.router,
        report_sections.router,
        api.router,
    ):
        app.include_router(router)
    if settings.api_docs == "login":
        app.include_router(api_docs.router)
    http_errors.install(app)
    app.add_middleware(BodyLimit, max_bytes=(settings.max_upload_mb + 1) * 1024 * 1024)
    app.add_middleware(SecurityHeaders, https=settings.cookie_secure)  # outermost: on 413s too
    mailer = NoticeMailer(app.state.web)
    app.state.mailer = mailer
    app.router.on_shutdown.append(mailer.close)
    if owned:
        app.router.on_shutdown.append(db.dispose)
    return app


def compile_pages(app: FastAPI) -> int:
    """Compile every page template now, before the first request; how many. Jinja2
    compiles a template at its first use, and a server opened to many users at once would
    otherwise compile each page once per worker thread asking for it (the first seconds'
    answers took several seconds under load)."""
    env = app.state.web.templates.env
    names = env.list_templates(filter_func=lambda name: name.endswith(".html"))
    for name in names:
        env.get_template(name)
    return len(names)


class SecurityHeaders:
    """The headers every answer of the app carries (each unless the route set its own):
    no MIME sniffing, no framing, same-origin referrers, the content security policy (not
    on the API pages, which load their own scripts), ``no-store`` on everything but static
    files (pages and answers are someone's), and HSTS when served over HTTPS.

    Plain ASGI: it only adds headers to the start of the answer, so it streams the body
    through untouched (Starlette's ``BaseHTTPMiddleware`` costs a task and a stream per
    request)."""

    def __init__(self, app: ASGIApp, *, https: bool) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        added = _headers_for(str(scope.get("path", "")), https=self.https)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", ()))
                present = {name.lower() for name, _ in headers}
                headers += [(name, value) for name, value in added if name not in present]
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_headers)


def _headers_for(path: str, *, https: bool) -> list[tuple[bytes, bytes]]:
    headers = [
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]
    if not path.startswith(_NO_CSP):
        headers.append((b"content-security-policy", _CSP.encode()))
    if not path.startswith("/static/"):
        headers.append((b"cache-control", b"no-store"))
    if https:
        headers.append((b"strict-transport-security", _HSTS.encode()))
    return headers


class BodyLimit:
    """Refuse (413) a request body larger than ``max_bytes`` before anything parses it:
    by its Content-Length when sent, else while it streams in."""

    def __init__(self, app: ASGIApp, *, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        length = headers.get(b"content-length", b"")
        if length.isdigit() and int(length) > self.max_bytes:
            await _too_large(scope, self.max_bytes)(scope, receive, send)
            return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.max_bytes:
                raise _TooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _TooLargeError:
            await _too_large(scope, self.max_bytes)(scope, receive, send)


class _TooLargeError(Exception):
    pass


def _too_large(scope: Scope, max_bytes: int) -> ASGIApp:
    message = f"Dữ liệu gửi lên lớn quá {max_bytes // (1024 * 1024)} MB: không được nhận."
    if str(scope.get("path", "")).startswith("/api/"):
        return JSONResponse({"detail": message}, status_code=413)
    return HTMLResponse(plain_page("Tệp quá lớn", message), status_code=413)
