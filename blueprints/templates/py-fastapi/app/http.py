"""Error responses shaped like `{error, message, issues}` and database error mapping."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, IntegrityError
from starlette.exceptions import HTTPException as StarletteHTTPException


class HttpError(Exception):
    def __init__(self, status: int, code: str, message: str, issues: Any = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.issues = status, code, message, issues


def not_found() -> HttpError:
    return HttpError(404, "not_found", "No such record.")


def _body(code: str, message: str, issues: Any = None) -> dict[str, Any]:
    body: dict[str, Any] = {"error": code, "message": message}
    if issues is not None:
        body["issues"] = issues
    return body


def _issues(exc: RequestValidationError) -> list[dict[str, Any]]:
    return [{"path": [str(p) for p in e.get("loc", ())[1:]], "message": str(e.get("msg", ""))}
            for e in exc.errors()]


def install(app: FastAPI) -> None:
    @app.exception_handler(HttpError)
    async def http_error(_request: Request, exc: HttpError) -> JSONResponse:
        return JSONResponse(_body(exc.code, exc.message, exc.issues), status_code=exc.status)

    @app.exception_handler(RequestValidationError)
    async def invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        places = {str(e.get("loc", ("",))[0]) for e in exc.errors()}
        kinds = {str(e.get("type", "")) for e in exc.errors()}
        if "path" in places:
            return JSONResponse(_body("not_found", "No such record."), status_code=404)
        if "json_invalid" in kinds or places == {"query"} or "model_attributes_type" in kinds:
            return JSONResponse(_body("bad_request", "Invalid request.", _issues(exc)),
                                status_code=400)
        return JSONResponse(_body("validation_failed", "Invalid input.", _issues(exc)),
                            status_code=422)

    @app.exception_handler(IntegrityError)
    async def conflict(_request: Request, exc: IntegrityError) -> JSONResponse:
        text = str(exc.orig).lower()
        if "foreign key" in text:
            return JSONResponse(_body("reference", "The record refers to, or is referred to by, "
                                      "another record."), status_code=409)
        if "unique" in text or "duplicate" in text:
            return JSONResponse(_body("conflict", "A record with this value already exists."),
                                status_code=409)
        return JSONResponse(_body("invalid", "The value does not fit the column."),
                            status_code=422)

    @app.exception_handler(DataError)
    async def data_error(_request: Request, _exc: DataError) -> JSONResponse:
        return JSONResponse(_body("invalid", "The value does not fit the column."),
                            status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def starlette_error(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = "not_found" if exc.status_code == 404 else "bad_request"
        return JSONResponse(_body(code, str(exc.detail)), status_code=exc.status_code)
