"""The API's description (``/openapi.json``) and its pages (``/docs``, ``/redoc``) for
signed-in users only (``SAURO_API_DOCS=login``, the default): they list every endpoint and
field, which is nobody else's business."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse, JSONResponse

from engine.web.deps import User, current_user

router = APIRouter(include_in_schema=False)
Viewer = Annotated[User, Depends(current_user)]
_SCHEMA = "/openapi.json"


@router.get(_SCHEMA)
def schema(request: Request, _user: Viewer) -> JSONResponse:
    return JSONResponse(request.app.openapi())


@router.get("/docs")
def swagger(request: Request, _user: Viewer) -> HTMLResponse:
    return get_swagger_ui_html(openapi_url=_SCHEMA, title=f"{request.app.title} · API")


@router.get("/redoc")
def redoc(request: Request, _user: Viewer) -> HTMLResponse:
    return get_redoc_html(openapi_url=_SCHEMA, title=f"{request.app.title} · API")
