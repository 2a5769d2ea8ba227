"""How the app answers a failure, in Vietnamese: a page for the browser, ``{"detail": …}``
for the API. Unknown addresses (404), a method an address does not take (405), a request
whose fields do not validate (422, naming the field), an unexpected error (500), no login,
a missing CSRF token and every ``SauroError``."""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import BusyError, NotFoundError, PermissionDeniedError, SauroError
from engine.web import pages
from engine.web.deps import CsrfError, LoginRequiredError

log = logging.getLogger(__name__)

CSRF_MESSAGE = (
    "Yêu cầu bị từ chối: thiếu hoặc sai mã chống giả mạo (CSRF). Hãy tải lại trang rồi thử lại."
)
NOT_LOGGED_IN = "Chưa đăng nhập."
SERVER_ERROR = (
    "Máy chủ gặp lỗi ngoài dự kiến nên chưa làm được việc này; lỗi đã được ghi lại. "
    "Hãy thử lại sau ít phút hoặc báo quản trị viên."
)
_STATUS_MESSAGES: Mapping[int, str] = {
    400: "Yêu cầu không hợp lệ.",
    401: NOT_LOGGED_IN,
    403: "Bạn không có quyền làm việc này.",
    404: "Không có trang nào ở địa chỉ này.",
    405: "Địa chỉ này không nhận yêu cầu kiểu này.",
    413: "Dữ liệu gửi lên lớn quá mức cho phép.",
    415: "Kiểu dữ liệu gửi lên không được nhận.",
}
_API_NOT_FOUND = "Không có địa chỉ này trong API."
# Starlette's refusals of a form, said in Vietnamese (the number kept).
_FORM_REFUSALS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"(?:Field|Part) exceeded maximum size of (\d+)KB"),
     "Một ô của biểu mẫu dài quá {0} KB: không được nhận."),
    (re.compile(r"Too many fields\. Maximum number of fields is (\d+)"),
     "Biểu mẫu có quá {0} ô: không được nhận."),
    (re.compile(r"Too many files\. Maximum number of files is (\d+)"),
     "Biểu mẫu có quá {0} tệp: không được nhận."),
)  # fmt: skip

# What a field's value lacks, by pydantic's error type (its ``ctx`` fills the braces).
_FIELD_PROBLEMS: Mapping[str, str] = {
    "missing": "bắt buộc, chưa có",
    "int_parsing": "cần một số nguyên",
    "int_type": "cần một số nguyên",
    "int_from_float": "cần một số nguyên",
    "float_parsing": "cần một số",
    "float_type": "cần một số",
    "bool_parsing": "cần đúng hoặc sai",
    "bool_type": "cần đúng hoặc sai",
    "string_type": "cần một chuỗi chữ",
    "string_too_long": "dài quá {max_length} ký tự",
    "string_too_short": "cần ít nhất {min_length} ký tự",
    "greater_than_equal": "phải từ {ge} trở lên",
    "greater_than": "phải lớn hơn {gt}",
    "less_than_equal": "phải không quá {le}",
    "less_than": "phải nhỏ hơn {lt}",
    "date_parsing": "cần một ngày dạng YYYY-MM-DD",
    "date_from_datetime_parsing": "cần một ngày dạng YYYY-MM-DD",
    "date_type": "cần một ngày dạng YYYY-MM-DD",
    "datetime_parsing": "cần một thời điểm dạng YYYY-MM-DDTHH:MM",
    "datetime_from_date_parsing": "cần một thời điểm dạng YYYY-MM-DDTHH:MM",
    "enum": "phải là một trong: {expected}",
    "literal_error": "phải là một trong: {expected}",
    "list_type": "cần một danh sách",
    "dict_type": "cần một đối tượng",
    "model_attributes_type": "cần một đối tượng",
    "model_type": "cần một đối tượng",
    "extra_forbidden": "không được phép có",
    "json_invalid": "không phải JSON hợp lệ",
    "too_long": "nhiều quá {max_length} phần tử",
    "too_short": "cần ít nhất {min_length} phần tử",
}
_WHERE = {"body": "thân yêu cầu", "query": "địa chỉ", "path": "địa chỉ", "header": "tiêu đề"}
# What a person calls the fields of the forms and the API (the message names the field so;
# ``problems`` keep the field's own name for API clients).
_FIELD_LABELS: Mapping[str, str] = {
    "task_id": "mã nhiệm vụ", "task_ids": "các nhiệm vụ", "plan_id": "mã kế hoạch",
    "request_id": "mã đề nghị gia hạn", "unit_id": "đơn vị", "person_id": "cán bộ",
    "person_ids": "các cán bộ", "notice_id": "thông báo", "revision_id": "phiên bản",
    "target_id": "đơn vị nhận", "lead_unit_id": "đơn vị chủ trì",
    "coordinator_ids": "đơn vị phối hợp", "version": "phiên bản biểu mẫu",
    "percent": "tỷ lệ hoàn thành", "text": "nội dung", "note": "ghi chú", "name": "tên",
    "title": "chức vụ", "email": "thư điện tử", "phone": "số điện thoại", "zalo": "số Zalo",
    "code": "mã", "kind": "loại", "who": "tên đăng nhập hoặc thư điện tử",
    "username": "tên đăng nhập", "role": "vai trò", "password": "mật khẩu",
    "again": "mật khẩu nhập lại", "active": "trạng thái", "step": "bước",
    "period": "kỳ báo cáo", "completed_on": "ngày hoàn thành", "new_due": "hạn mới",
    "issued_on": "ngày ban hành", "file": "tệp", "reason": "lý do", "result": "kết quả",
    "evidence": "minh chứng", "work": "nội dung nhiệm vụ", "product": "sản phẩm",
    "deadline_text": "thời hạn", "area": "lĩnh vực", "assigner": "người giao việc",
    "approve": "quyết định", "limit": "số dòng", "offset": "vị trí bắt đầu",
    "sections": "các mục báo cáo", "channel": "kênh nhận thông báo",
    "email_mode": "cách nhận thư",
}  # fmt: skip


def install(app: FastAPI) -> None:
    """Every handler on ``app``."""
    app.add_exception_handler(RequestValidationError, _invalid)
    app.add_exception_handler(LoginRequiredError, _login_required)
    app.add_exception_handler(CsrfError, _csrf)
    app.add_exception_handler(SauroError, _sauro)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(Exception, _unexpected)


async def _login_required(request: Request, _error: Exception) -> Response:
    if is_api(request):
        return JSONResponse({"detail": NOT_LOGGED_IN}, status_code=401)
    return RedirectResponse(f"/login?next={request.url.path}", status_code=303)


async def _csrf(request: Request, _error: Exception) -> Response:
    return error_response(request, CSRF_MESSAGE, 403)


async def _sauro(request: Request, error: Exception) -> Response:
    status = _status(error)
    if is_api(request) and isinstance(error, SauroError) and error.problems:
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
        return JSONResponse({"detail": str(error), "problems": problems}, status_code=status)
    return error_response(request, str(error), status)


async def _invalid(request: Request, error: Exception) -> Response:
    found = error.errors() if isinstance(error, RequestValidationError) else []
    problems = [_field_problem(e) for e in found]
    lines = "; ".join(f"{p['label']}: {p['message']}" for p in problems)
    message = f"Dữ liệu gửi lên không hợp lệ ({lines or 'địa chỉ trang'})."
    if is_api(request):
        return JSONResponse({"detail": message, "problems": problems}, status_code=422)
    return pages.error_page(request, message, 422)


def _field_problem(found: Mapping[str, Any]) -> dict[str, str]:
    """One pydantic error as ``{"field", "label", "where", "message"}`` in Vietnamese."""
    loc: Sequence[object] = found.get("loc") or ()
    where = _WHERE.get(str(loc[0]), "") if loc else ""
    names = [str(part) for part in (loc[1:] if where else loc)]
    field = ".".join(names) or "dữ liệu"
    label = _label(names)
    template = _FIELD_PROBLEMS.get(str(found.get("type")), "giá trị không hợp lệ")
    context = {k: _plain(v) for k, v in (found.get("ctx") or {}).items()}
    try:
        message = template.format(**context)
    except (KeyError, IndexError):
        message = template.split(" {", 1)[0]
    return {"field": field, "label": label, "where": where, "message": message}


def _label(names: Sequence[str]) -> str:
    """The field as a person calls it: its last named part ("body.task.work" → "nội dung
    nhiệm vụ"; a list index says which one)."""
    named = [n for n in names if not n.isdigit()]
    if not named:
        return "dữ liệu"
    label = _FIELD_LABELS.get(named[-1], named[-1])
    index = next((n for n in reversed(names) if n.isdigit()), None)
    return f"{label} (thứ {int(index) + 1})" if index is not None else label


def _plain(value: object) -> str:
    """A pydantic context value as the user reads it (``'a' or 'b'`` → ``a, b``)."""
    return str(value).replace("' or '", ", ").replace("'", "")


async def _http(request: Request, error: Exception) -> Response:
    status = error.status_code if isinstance(error, StarletteHTTPException) else 500
    detail = str(getattr(error, "detail", ""))
    if status == 404 and is_api(request):
        message = _API_NOT_FOUND
    else:
        message = _form_refusal(detail) or _STATUS_MESSAGES.get(
            status, "Không thực hiện được yêu cầu này."
        )
    headers = getattr(error, "headers", None)
    response = error_response(request, message, status)
    if headers:
        response.headers.update(headers)
    return response


def _form_refusal(detail: str) -> str:
    for pattern, said in _FORM_REFUSALS:
        found = pattern.search(detail)
        if found:
            return said.format(*found.groups())
    return ""


async def _unexpected(request: Request, error: Exception) -> Response:
    log.error("unexpected error on %s %s", request.method, request.url.path, exc_info=error)
    response: Response
    if is_api(request):
        response = JSONResponse({"detail": SERVER_ERROR}, status_code=500)
    else:
        try:
            response = pages.render(
                request, "error.html", None, status=500, message=SERVER_ERROR, code=500
            )
        except Exception:  # the page itself needs the configs: a plain page then
            response = HTMLResponse(plain_page("Lỗi máy chủ", SERVER_ERROR), status_code=500)
    # Answered outside the app's middleware (Starlette's last resort): not cached either.
    response.headers["Cache-Control"] = "no-store"
    return response


def _status(error: Exception) -> int:
    if isinstance(error, BusyError):
        return 409
    if isinstance(error, PermissionDeniedError):
        return 403
    if isinstance(error, NotFoundError):
        return 404
    return 400


def is_api(request: Request) -> bool:
    """Whether the request is the JSON API's (answered with JSON)."""
    return request.url.path.startswith("/api/")


def error_response(request: Request, message: str, status: int) -> Response:
    """``{"detail": message}`` for the API, else the error page."""
    if is_api(request):
        return JSONResponse({"detail": message}, status_code=status)
    return pages.error_page(request, message, status)


def plain_page(title: str, message: str) -> str:
    """A page that needs nothing but itself (no template, no database)."""
    return (
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title></head><body><p>{message}</p>"
        '<p><a href="/">Về trang chính</a></p></body></html>'
    )
