"""Errors as problem documents (RFC 9457, `application/problem+json`): {"type", "title", "status",
"detail"}, the detail being the same located message the CLI prints. Every error the API gives goes
through here, including FastAPI's own (a malformed body, an unknown path, a body over the limit)."""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from .catalogue import NotInCatalogue

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "https://interlock.dev/problems/"  # a stable name per kind of problem, not a page to fetch


class ApiProblem(Exception):
    """Raised by a route: answered as a problem document with this status and detail."""

    def __init__(self, status: int, detail: str, *, title: str | None = None, kind: str | None = None,
                 extra: dict[str, Any] | None = None, headers: dict[str, str] | None = None) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail
        self.title = title or HTTPStatus(status).phrase
        self.kind = kind or self.title.lower().replace(" ", "-")
        self.extra, self.headers = extra or {}, headers


def problem_response(status: int, detail: str, *, title: str | None = None, kind: str | None = None,
                     extra: dict[str, Any] | None = None,
                     headers: dict[str, str] | None = None) -> JSONResponse:
    title = title or HTTPStatus(status).phrase
    body = {"type": TYPE_BASE + (kind or title.lower().replace(" ", "-")), "title": title, "status": status,
            "detail": detail, **(extra or {})}
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE, headers=headers)


def _field(loc: tuple[Any, ...]) -> str:
    """A validation error's location as the user wrote it: `parameters.count`, not ('body', ...)."""
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "the request body"


def _validation_detail(exc: RequestValidationError) -> str:
    messages = []
    for error in exc.errors():
        if error.get("type") == "json_invalid":
            return f"the request body is not valid JSON: {error.get('ctx', {}).get('error', error['msg'])}"
        messages.append(f'"{_field(tuple(error.get("loc", ())))}": {error.get("msg", "invalid")}')
    return "; ".join(messages) or "the request is not valid"


async def _on_problem(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiProblem)
    return problem_response(exc.status, exc.detail, title=exc.title, kind=exc.kind, extra=exc.extra,
                            headers=exc.headers)


async def _on_validation(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    detail = _validation_detail(exc)
    if detail.startswith("the request body is not valid JSON"):
        return problem_response(400, detail, kind="bad-json")
    return problem_response(422, detail, kind="invalid-request")


async def _on_not_in_catalogue(request: Request, exc: Exception) -> JSONResponse:
    return problem_response(404, str(exc), kind="unknown-runbook")


async def _on_http(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    status = exc.status_code
    if status == 404:
        detail = f"no such address: {request.url.path}"
    elif status == 405:
        detail = f"{request.method} is not allowed on {request.url.path}"
    else:
        detail = str(exc.detail)
    return problem_response(status, detail, headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    app.add_exception_handler(ApiProblem, _on_problem)
    app.add_exception_handler(RequestValidationError, _on_validation)
    app.add_exception_handler(HTTPException, _on_http)
    app.add_exception_handler(NotInCatalogue, _on_not_in_catalogue)
