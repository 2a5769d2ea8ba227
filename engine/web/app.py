"""``create_app``: the FastAPI app of Sáu Rõ, built from settings (nothing at import time)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.exception_handlers import request_validation_exception_handler
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy import Engine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from engine.configs.settings import Settings
from engine.errors import NotFoundError, PermissionDeniedError, SauroError
from engine.store.db import make_engine
from engine.web import api, pages
from engine.web.deps import ConfigCache, CsrfError, LoginRequiredError, Web
from engine.web.mailer import NoticeMailer
from engine.web.routes import (
    accounts,
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
from notifications.smtp_settings import SmtpSettings
from notifications.zalo_settings import ZaloSettings

HERE = Path(__file__).parent
CSRF_MESSAGE = (
    "Yêu cầu bị từ chối: thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang rồi thử lại."
)
_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)
_NO_CSP = ("/docs", "/redoc")  # FastAPI's API pages load their own scripts


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
    app = FastAPI(
        title="Sáu Rõ",
        description="API của Sáu Rõ: nhiệm vụ, sáu rõ, tiến độ, gia hạn, bảng điều hành.",
        version="1",
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
    _handlers(app)
    app.middleware("http")(_security_headers)
    app.add_middleware(BodyLimit, max_bytes=(settings.max_upload_mb + 1) * 1024 * 1024)
    mailer = NoticeMailer(app.state.web)
    app.state.mailer = mailer
    app.router.on_shutdown.append(mailer.close)
    if owned:
        app.router.on_shutdown.append(db.dispose)
    return app


def _handlers(app: FastAPI) -> None:
    async def login_required(request: Request, _error: Exception) -> Response:
        if _is_api(request):
            return JSONResponse({"detail": "Chưa đăng nhập."}, status_code=401)
        return RedirectResponse(f"/login?next={request.url.path}", status_code=303)

    async def csrf(request: Request, _error: Exception) -> Response:
        return _error_response(request, CSRF_MESSAGE, 403)

    async def sauro(request: Request, error: Exception) -> Response:
        if _is_api(request) and isinstance(error, SauroError) and error.problems:
            # Each problem with where it is (file, row, column, field, line) for API clients.
            problems = [
                {
                    "where": str(p.location),
                    "file": p.location.file,
                    "row": p.location.row,
                    "column": p.location.column,
                    "field": p.location.field,
                    "message": p.message,
                }
                for p in error.problems
            ]
            body = {"detail": str(error), "problems": problems}
            return JSONResponse(body, status_code=_status(error))
        return _error_response(request, str(error), _status(error))

    async def invalid(request: Request, error: Exception) -> Response:
        if _is_api(request):
            return await request_validation_exception_handler(request, error)  # type: ignore[arg-type]
        fields = ", ".join(
            str(e.get("loc", ["?"])[-1]) for e in getattr(error, "errors", lambda: [])()
        )
        message = f"Dữ liệu gửi lên không hợp lệ ({fields or 'địa chỉ trang'})."
        return pages.error_page(request, message, 422)

    app.add_exception_handler(RequestValidationError, invalid)
    app.add_exception_handler(LoginRequiredError, login_required)
    app.add_exception_handler(CsrfError, csrf)
    app.add_exception_handler(SauroError, sauro)


def _status(error: Exception) -> int:
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, NotFoundError):
        return 404
    return 400


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, message: str, status: int) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return pages.error_page(request, message, status)


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if not request.url.path.startswith(_NO_CSP):
        response.headers.setdefault("Content-Security-Policy", _CSP)
    return response


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
    page = (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>Tệp quá lớn</title></head><body><p>{message}</p>"
        '<p><a href="/">Về trang chính</a></p></body></html>'
    )
    return HTMLResponse(page, status_code=413)
