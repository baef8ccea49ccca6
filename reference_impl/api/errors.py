"""The one error body of the API, the exception routes raise, and the handlers that render it.

Every 4xx answers `{"code": "<snake_case>", "message": "<sentence>", "details": [...]}`; FastAPI's
own validation and routing errors are rendered in the same shape.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from reference_impl.domain import refusal as codes
from reference_impl.domain.refusal import Refusal

__all__ = [
    "ApiError",
    "ErrorBody",
    "FieldProblem",
    "error_responses",
    "install_error_handlers",
    "invalid_request",
    "not_found",
    "refuse",
    "refused",
    "unauthenticated",
    "version_conflict",
]

log = logging.getLogger("reference_impl")

#: The HTTP status of each refusal code the domain produces.
STATUS_BY_CODE = {
    codes.FORBIDDEN: 403,
    codes.NOT_FOUND: 404,
    codes.FOUR_EYES: 403,
    codes.FORM_LOCKED: 409,
    codes.FORM_NOT_EDITABLE: 409,
    codes.FORM_NOT_LOCKED: 409,
    codes.INVALID_TRANSITION: 409,
    codes.REASON_REQUIRED: 422,
    codes.MANDATORY_MISSING: 422,
    codes.UNKNOWN_QUESTION: 422,
    codes.INVALID_ANSWER: 422,
    codes.AGE_BAND_NOT_DEFINED: 422,
    codes.ADDENDUM_EMPTY: 422,
    codes.PREPOPULATION_UNCONFIRMED: 422,
    codes.NOT_PREPOPULATED: 422,
    codes.UNKNOWN_CANDIDATE: 422,
}
_CODE_BY_HTTP_STATUS = {
    400: "bad_request",
    404: "not_found",
    405: "method_not_allowed",
    413: "body_too_large",
}


class FieldProblem(BaseModel):
    """One invalid field: where it is (`body.date_of_birth`) and what is wrong with it."""

    field: str
    problem: str


class ErrorBody(BaseModel):
    """The body of every error response."""

    code: str
    message: str
    details: list[str | FieldProblem] | None = None


class ApiError(Exception):
    """A refusal on its way to the client: HTTP status, code, sentence, optional details."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Sequence[str | FieldProblem] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.details = list(details) if details is not None else None
        self.headers = headers


def refuse(refusal: Refusal | None) -> None:
    """Raise the ApiError for a domain refusal; do nothing for None."""
    if refusal is not None:
        raise refused(refusal)


def refused(refusal: Refusal) -> ApiError:
    """Return the ApiError that carries a domain refusal to the client."""
    details: list[str | FieldProblem] | None = None
    if refusal.details:
        details = [
            FieldProblem(field=d[0], problem=d[1]) if isinstance(d, tuple) else d
            for d in refusal.details
        ]
    return ApiError(STATUS_BY_CODE[refusal.code], refusal.code, refusal.message, details)


def not_found(kind: str, ident: object) -> ApiError:
    """Return the 404 for an unknown id (or name) of a kind of resource."""
    return ApiError(404, "not_found", f"{kind} {ident} not found")


def unauthenticated(message: str) -> ApiError:
    """Return the 401 for a request without a valid bearer token."""
    return ApiError(401, "unauthenticated", message, headers={"WWW-Authenticate": "Bearer"})


def invalid_request(field: str, problem: str) -> ApiError:
    """Return the 422 for one bad field of a request that passed schema validation."""
    return ApiError(
        422, "invalid_request", f"{field}: {problem}", [FieldProblem(field=field, problem=problem)]
    )


def version_conflict(current: int, given: int | None = None) -> ApiError:
    """Return the 409 for a change made on a version that is no longer current."""
    said = f"version {given} was sent but " if given is not None else ""
    return ApiError(
        409,
        "version_conflict",
        f"the form changed meanwhile: {said}the current version is {current}; "
        "read it again and redo the change",
    )


# --- rendering --------------------------------------------------------------------------------


def _printable(value: Any) -> Any:
    # Text echoed from a request may hold lone surrogates, which UTF-8 cannot carry.
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8")
    if isinstance(value, list):
        return [_printable(v) for v in value]
    if isinstance(value, dict):
        return {k: _printable(v) for k, v in value.items()}
    return value


def error_response(
    status: int,
    code: str,
    message: str,
    details: Sequence[str | FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    """Return the JSON response for an error."""
    body = ErrorBody(code=code, message=message, details=list(details) if details else None)
    return JSONResponse(
        _printable(body.model_dump(mode="json", exclude_none=True)),
        status_code=status,
        headers=headers,
    )


async def _api_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details, exc.headers)


_PROBLEMS = {
    "missing": "is required",
    "extra_forbidden": "is not a field of this request",
    "json_invalid": "is not valid JSON",
    "string_type": "expected a string",
    "int_type": "expected an integer",
    "int_parsing": "expected an integer",
    "bool_type": "expected true or false",
    "list_type": "expected a list",
    "dict_type": "expected a JSON object",
    "model_type": "expected a JSON object",
    "model_attributes_type": "expected a JSON object",
}


def _problem(error: dict[str, Any]) -> str:
    kind = error.get("type", "")
    context = error.get("ctx") or {}
    if kind in _PROBLEMS:
        return _PROBLEMS[kind]
    if kind == "string_too_short":
        return f"must have at least {context.get('min_length')} character(s)"
    if kind == "string_too_long":
        return f"longer than {context.get('max_length')} characters"
    if kind == "too_short":
        return f"must hold at least {context.get('min_length')} item(s)"
    if kind == "too_long":
        return f"must hold at most {context.get('max_length')} item(s)"
    if kind == "literal_error":
        return f"must be {context.get('expected')}"
    message = str(error.get("msg", "is invalid"))
    message = message.removeprefix("Value error, ")
    return message[:1].lower() + message[1:]


def _field(location: Sequence[Any]) -> str:
    text = ""
    for part in location:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


async def _validation_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    problems = []
    for error in errors:
        location = error.get("loc", ())
        if error.get("type") == "json_invalid":
            location = location[:1]  # the position in the text is not a field
        problems.append(FieldProblem(field=_field(location) or "body", problem=_problem(error)))
    first = problems[0] if problems else FieldProblem(field="body", problem="is invalid")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return error_response(422, "invalid_request", f"{first.field}: {first.problem}{more}", problems)


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    code = _CODE_BY_HTTP_STATUS.get(status) or re.sub(
        r"\W+", "_", HTTPStatus(status).phrase.lower()
    )
    if status == 404:
        message = f"no such resource: {request.method} {request.url.path}"
    elif status == 405:
        message = f"{request.method} is not allowed on {request.url.path}"
    else:
        message = str(exc.detail)
    return error_response(status, code, message, headers=exc.headers)


async def _internal_error(_request: Request, exc: Exception) -> JSONResponse:
    log.error("internal error", exc_info=exc)
    return error_response(500, "internal_error", "the reference failed; see its log")


def install_error_handlers(app: FastAPI) -> None:
    """Render every error the application can raise in the one error body."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(Exception, _internal_error)


_DESCRIPTIONS = {
    400: "The body is not readable.",
    401: "No valid bearer token (code unauthenticated).",
    403: "The user's role may not do this (codes forbidden, four_eyes).",
    404: "No such resource (code not_found).",
    409: "The resource's state forbids this "
    "(codes form_locked, form_not_editable, form_not_locked, invalid_transition, "
    "version_conflict, sibling_conflict, already_linked, child_merged).",
    413: "The request body is larger than 1 MiB (code body_too_large).",
    422: "The request is invalid (codes invalid_request, unknown_question, invalid_answer, "
    "mandatory_missing, addendum_empty, reason_required, age_band_not_defined).",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """Return the OpenAPI `responses` entries for these error statuses, with the error body."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS[status]}
        for status in sorted(statuses)
    }
