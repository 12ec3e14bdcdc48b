"""The ASGI application: routes, keys, errors as JSON, the register's calls off the event loop.

``create_app`` builds a Starlette application over one register. Every route but
``/openapi.json`` needs a key (``Authorization: Bearer KEY``; the clerk's pages
also take HTTP Basic with the key as the password, so that a browser asks for it
without JavaScript), unless the application was built with ``no_auth=True``.
Every answer that is not a success is JSON with the register's stable code
(``_errors``); an unexpected exception is logged (its type and the route, no
header, no body) and answered 500 with no detail, never a traceback.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import logging
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

import admission_flow as af
from admission_flow.exceptions import AdmissionFlowError
from admission_flow.store import Register
from admission_flow.units import UnitTree

from . import _pages, _reports
from . import _requests as rq
from ._api import Answer, Service
from ._errors import RETRY_AFTER, HttpError, error_body, language, status_of
from ._keys import OPEN, Key, Keys
from ._openapi import openapi

__all__ = ["create_app"]

log = logging.getLogger("admission_flow.serve")

Handler = Callable[[Request, Key, str], Awaitable[Response]]


class _Json(JSONResponse):
    def render(self, content: Any) -> bytes:
        import json

        return json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _unauthorized(page: bool) -> HttpError:
    challenge = 'Basic realm="admission_flow", charset="UTF-8"' if page else "Bearer"
    return HttpError(
        401,
        "unauthorized",
        af.Text("Cần khóa truy cập", "A key is needed"),
        af.Text(
            "gửi khóa trong tiêu đề Authorization: Bearer KHÓA",
            "send a key in the Authorization header: Bearer KEY",
        ),
        headers={"WWW-Authenticate": challenge},
    )


def _presented(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header is None:
        return None
    scheme, _, value = header.strip().partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return None
        password = decoded.partition(":")[2]
        return password or None
    return None


def error_response(
    exc: BaseException, lang: str, *, if_match: bool = False, page: bool = False
) -> Response:
    """The JSON answer for an exception, never its traceback."""
    headers: dict[str, str] = {"Content-Language": lang}
    if isinstance(exc, HttpError):
        body = exc.body(lang)
        status = exc.status
        headers.update(exc.headers)
    elif isinstance(exc, AdmissionFlowError):
        status = status_of(exc, if_match=if_match)
        body = error_body(exc, status, lang)
    else:
        status = 500
        title = af.Text("Lỗi máy chủ", "Internal server error")
        body = {
            "code": "internal",
            "title": title.as_dict(),
            "message": title.as_dict()[lang],
            "retryable": False,
            "status": 500,
            "lang": lang,
            "summary": title.as_dict()[lang],
        }
    if status == 503:
        headers["Retry-After"] = str(RETRY_AFTER)
    if page and status != 401:
        return HTMLResponse(_pages.error_page(body), status_code=status, headers=headers)
    return _Json(body, status_code=status, headers=headers)


class _App:
    """The routes' shared state: the service, the keys, how requests are authorised."""

    def __init__(self, service: Service, keys: Keys | None) -> None:
        self.service = service
        self.keys = keys

    def key(self, request: Request, *, page: bool) -> Key:
        if self.keys is None:
            return OPEN
        presented = _presented(request)
        found = self.keys.find(presented) if presented is not None else None
        if found is None:
            raise _unauthorized(page)
        return found

    def route(
        self, path: str, handler: Handler, methods: Iterable[str] = ("GET",), *, page: bool = False
    ) -> Route:
        async def endpoint(request: Request) -> Response:
            lang = language(request.headers.get("accept-language"))
            try:
                key = self.key(request, page=page)
                response = await handler(request, key, lang)
            except Exception as exc:
                if not isinstance(exc, AdmissionFlowError | HttpError):
                    log.error(
                        "%s %s failed: %s", request.method, request.url.path, type(exc).__name__
                    )
                if_match = request.headers.get("if-match") is not None
                return error_response(exc, lang, if_match=if_match, page=page)
            response.headers.setdefault("Content-Language", lang)
            return response

        return Route(path, endpoint, methods=list(methods))


def _json(answer: Answer) -> Response:
    status, body, headers = answer
    return _Json(body, status_code=status, headers=headers)


def create_app(
    register: Register,
    *,
    keys: Keys | None = None,
    no_auth: bool = False,
    units: UnitTree | None = None,
    today: Callable[[], dt.date] | None = None,
    procedures: Iterable[af.Procedure] = (),
) -> Starlette:
    """The HTTP API and the clerk's pages over ``register``, as an ASGI application.

    Args:
        keys: who may call, and on which units (``load_keys``). Required unless
            ``no_auth``.
        no_auth: serve without keys: every caller may do everything. Only for a
            server on the loopback address (``admission-flow serve`` refuses it
            elsewhere).
        units: the unit file, for the units' reports.
        today: the date a request means when it gives none (``due``,
            ``available``, a report); the wall clock's by default.
        procedures: procedures besides the bundled ones that a case may be opened with.
    """
    if keys is not None and no_auth:
        raise af.InputError("create_app takes keys or no_auth=True, not both", field="no_auth")
    if keys is None and not no_auth:
        raise af.InputError(
            "create_app needs keys=load_keys(FILE), or no_auth=True for a server on the "
            "loopback address only",
            field="keys",
        )
    service = Service(
        register,
        units=units,
        today=today if today is not None else dt.date.today,
        procedures={p.id: p for p in procedures},
    )
    app = _App(service, None if no_auth else keys)
    document = openapi()

    async def schema(request: Request) -> Response:
        return _Json(document)

    async def health(request: Request, key: Key, lang: str) -> Response:
        return _json(await run_in_threadpool(service.health))

    async def open_case(request: Request, key: Key, lang: str) -> Response:
        body = await rq.read_json(request)
        return _json(await run_in_threadpool(service.open_case, key, body))

    async def list_cases(request: Request, key: Key, lang: str) -> Response:
        return _json(await run_in_threadpool(service.cases, key, dict(request.query_params)))

    async def case(request: Request, key: Key, lang: str) -> Response:
        case_id = request.path_params["case_id"]
        return _json(await run_in_threadpool(service.case, key, case_id))

    async def history(request: Request, key: Key, lang: str) -> Response:
        case_id = request.path_params["case_id"]
        return _json(await run_in_threadpool(service.history, key, case_id))

    async def deadlines(request: Request, key: Key, lang: str) -> Response:
        case_id = request.path_params["case_id"]
        return _json(await run_in_threadpool(service.deadlines, key, case_id))

    async def available(request: Request, key: Key, lang: str) -> Response:
        query = dict(request.query_params)
        rq.only(query, ("on", "by"))
        case_id = request.path_params["case_id"]
        answer = await run_in_threadpool(
            service.available, key, case_id, query.get("on"), query.get("by")
        )
        return _json(answer)

    async def fire(request: Request, key: Key, lang: str) -> Response:
        body = await rq.read_json(request)
        answer = await run_in_threadpool(
            lambda: service.fire(
                key,
                request.path_params["case_id"],
                body,
                idempotency_key=request.headers.get("idempotency-key"),
                if_match=request.headers.get("if-match"),
            )
        )
        return _json(answer)

    async def due(request: Request, key: Key, lang: str) -> Response:
        return _json(await run_in_threadpool(service.due, key, dict(request.query_params)))

    async def verify(request: Request, key: Key, lang: str) -> Response:
        return _json(await run_in_threadpool(service.verify, key))

    async def report(request: Request, key: Key, lang: str) -> Response:
        query = dict(request.query_params)
        rq.only(query, ("as_of",))
        unit = request.path_params["unit_id"]
        made = await run_in_threadpool(_reports.report, service, key, unit, query.get("as_of"))
        return _Json(_reports.as_json(made))

    async def report_html(request: Request, key: Key, lang: str) -> Response:
        query = dict(request.query_params)
        rq.only(query, ("as_of",))
        unit = request.path_params["unit_id"]
        made = await run_in_threadpool(_reports.report, service, key, unit, query.get("as_of"))
        return HTMLResponse(_reports.as_html(made))

    async def home_page(request: Request, key: Key, lang: str) -> Response:
        return HTMLResponse(await run_in_threadpool(_pages.home, service, key))

    async def unit_page(request: Request, key: Key, lang: str) -> Response:
        unit = request.path_params["unit_id"]
        query = dict(request.query_params)
        return HTMLResponse(await run_in_threadpool(_pages.unit, service, key, unit, query))

    async def case_page(request: Request, key: Key, lang: str) -> Response:
        case_id = request.path_params["case_id"]
        query = dict(request.query_params)
        return HTMLResponse(await run_in_threadpool(_pages.case, service, key, case_id, query))

    routes = [
        Route("/openapi.json", schema, methods=["GET"]),
        app.route("/v1/health", health),
        app.route("/v1/cases", open_case, ["POST"]),
        app.route("/v1/cases", list_cases),
        app.route("/v1/cases/{case_id}", case),
        app.route("/v1/cases/{case_id}/history", history),
        app.route("/v1/cases/{case_id}/deadlines", deadlines),
        app.route("/v1/cases/{case_id}/available", available),
        app.route("/v1/cases/{case_id}/events", fire, ["POST"]),
        app.route("/v1/due", due),
        app.route("/v1/verify", verify),
        app.route("/v1/units/{unit_id}/report", report),
        app.route("/v1/units/{unit_id}/report.html", report_html),
        app.route("/ui", home_page, page=True),
        app.route("/ui/units/{unit_id}", unit_page, page=True),
        app.route("/ui/cases/{case_id}", case_page, page=True),
    ]

    async def not_found(request: Request, exc: Exception) -> Response:
        lang = language(request.headers.get("accept-language"))
        status = exc.status_code if isinstance(exc, HTTPException) else 404
        if status == 405:
            error = HttpError(
                405,
                "method_not_allowed",
                af.Text("Phương thức không được phép", "Method not allowed"),
                af.Text(
                    f"{request.method} không dùng được ở {request.url.path}",
                    f"{request.method} is not allowed on {request.url.path}",
                ),
            )
        else:
            error = HttpError(
                404,
                "not_found",
                af.Text("Không có đường dẫn này", "No such path"),
                af.Text(
                    "không có đường dẫn này; xem /openapi.json",
                    "no such path; see /openapi.json",
                ),
            )
        return error_response(error, lang)

    async def internal(request: Request, exc: Exception) -> Response:
        lang = language(request.headers.get("accept-language"))
        log.error("%s %s failed: %s", request.method, request.url.path, type(exc).__name__)
        return error_response(exc, lang)

    return Starlette(
        routes=routes,
        exception_handlers={HTTPException: not_found, Exception: internal},
    )
