"""The OpenAPI 3.1 document: the register's own JSON Schema, and the routes around it.

OpenAPI 3.1 schemas are JSON Schema 2020-12, the dialect of the register's
``store/schemas/register.json``: its ``$defs`` become ``components.schemas``
as they are (only the ``$ref`` prefix changes), so the answers of the API and
of the library are described once. The service's own forms (a page of
summaries, the options for an actor, an error's status and language) are
added here.
"""

from __future__ import annotations

import copy
from functools import cache
from typing import Any

from admission_flow._version import __version__

from ._openapi_schemas import DAY, ID, ref, schemas
from ._requests import MAX_BODY_BYTES

__all__ = ["openapi"]

_ERRORS = {
    "400": "The body is not JSON (code bad_body).",
    "401": "No key, or an unknown one (code unauthorized).",
    "403": "The key may not read or act on this unit, or fire this event (code forbidden).",
    "404": "No such case, unit or path (unknown_case, unknown_unit, not_found).",
    "409": "Another writer moved the case on (conflict), a case of that id exists "
    "(duplicate), or the person's other cases forbid a new one (case_refused).",
    "412": "If-Match named a version the case is no longer at (conflict).",
    "413": f"The body is over {MAX_BODY_BYTES // 1024} KiB (too_large).",
    "415": "The body is not sent as application/json (unsupported_media_type).",
    "422": "A field is wrong (bad_input, unknown_event, bad_fact, bad_actor...); "
    "'field' names it. Nothing was written.",
    "503": "The database is unavailable for now (unavailable): retry after Retry-After seconds.",
}


def _json_response(description: str, schema: dict[str, Any], **headers: Any) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": schema}},
    }
    if headers:
        response["headers"] = headers
    return response


_ETAG = {"ETag": {"description": "The case's version, for If-Match.", "schema": {"type": "string"}}}


def _errors(*statuses: str, page: bool = False) -> dict[str, Any]:
    """The error answers of an operation; a page's are HTML but for 401 (the browser asks)."""
    chosen = ("401", "403", "422", "503", *statuses)
    found = {}
    for status in sorted(set(chosen)):
        response = (
            _html(_ERRORS[status])
            if page and status != "401"
            else _json_response(_ERRORS[status], ref("http_error"))
        )
        if status == "503":
            response["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "required": True,
                    "schema": {"type": "string"},
                }
            }
        found[status] = response
    return found


def _query(name: str, description: str, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": False,
        "description": description,
        "schema": schema or {"type": "string"},
    }


_CASE = {"name": "case_id", "in": "path", "required": True, "schema": ID, "example": "c-oanh"}
_UNIT = {"name": "unit_id", "in": "path", "required": True, "schema": ID, "example": "kdc-14"}
_LANGUAGE = {
    "name": "Accept-Language",
    "in": "header",
    "required": False,
    "description": "vi (the default) or en: the language of messages and summaries.",
    "schema": {"type": "string"},
}
_PAGING = [
    _query(
        "limit",
        "At most this many cases (1-1000; 100 by default).",
        {"type": "string", "pattern": "^[0-9]{1,4}$"},
    ),
    _query("after", "The 'next' of the page before.", ID),
]


def _get(
    summary: str, ok: dict[str, Any], parameters: list[Any], *errors: str, page: bool = False
) -> dict[str, Any]:
    return {
        "get": {
            "summary": summary,
            "parameters": [*parameters, _LANGUAGE],
            "responses": {"200": ok, **_errors(*errors, page=page)},
        }
    }


def _html(description: str) -> dict[str, Any]:
    return {"description": description, "content": {"text/html": {"schema": {"type": "string"}}}}


@cache
def _document() -> dict[str, Any]:
    paths: dict[str, Any] = {
        "/v1/health": _get(
            "Whether the service reaches its database.", _json_response("Up.", ref("health")), []
        ),
        "/v1/cases": {
            "post": {
                "summary": "Open a case in a unit the register keeps.",
                "parameters": [_LANGUAGE],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("open_request")}},
                },
                "responses": {
                    "201": _json_response("Opened.", ref("stored_case"), **_ETAG),
                    **_errors("400", "404", "409", "413", "415"),
                },
            },
            **_get(
                "The cases within the key's units, by the register's filters, a page at a time.",
                _json_response("A page of summaries, in id order.", ref("case_page")),
                [
                    _query("unit", "Only this unit's.", ID),
                    _query("state", "Only those in this state."),
                    _query(
                        "open", "true: open only; false: closed only.", {"enum": ["true", "false"]}
                    ),
                    _query("procedure", "Only those following this procedure id."),
                    _query("due_before", "Next deadline before this date.", DAY),
                    _query("overdue_on", "Open, next deadline passed before this date.", DAY),
                    *_PAGING,
                ],
            ),
        },
        "/v1/cases/{case_id}": _get(
            "A case: candidate, unit, procedure, state, version, kept steps.",
            _json_response("The case.", ref("stored_case"), **_ETAG),
            [_CASE],
            "404",
        ),
        "/v1/cases/{case_id}/history": _get(
            "Every attempt recorded on a case, refused ones included, with their seals.",
            _json_response("The history.", ref("history"), **_ETAG),
            [_CASE],
            "404",
        ),
        "/v1/cases/{case_id}/deadlines": _get(
            "A case's deadlines: when each is due, how it was counted, whether it is met.",
            _json_response("The deadlines.", ref("deadlines"), **_ETAG),
            [_CASE],
            "404",
        ),
        "/v1/cases/{case_id}/available": _get(
            "What the key's actor (or 'by', without keys) may fire now, and why not.",
            _json_response("The options.", ref("options"), **_ETAG),
            [
                _CASE,
                _query("on", "The date to judge on; today by default.", DAY),
                _query("by", "ROLE or ROLE:MEMBER_ID; the key's actor by default."),
            ],
            "404",
        ),
        "/v1/cases/{case_id}/events": {
            "post": {
                "summary": "Fire an event on a case. A refused step is a 200 with its violations.",
                "parameters": [
                    _CASE,
                    _LANGUAGE,
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "description": "The request's id, unique per case: a retry with the same "
                        "key and call returns the recorded step (replayed: true) and writes nothing.",
                        "schema": ID,
                    },
                    {
                        "name": "If-Match",
                        "in": "header",
                        "required": False,
                        "description": "The version (ETag) the case must be at; 412 otherwise.",
                        "schema": {"type": "string"},
                    },
                ],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": ref("fire_request")}},
                },
                "responses": {
                    "200": _json_response(
                        "The step, accepted or refused, and the case now.", ref("fired"), **_ETAG
                    ),
                    **_errors("400", "404", "409", "412", "413", "415"),
                },
            }
        },
        "/v1/due": _get(
            "Open cases with a deadline on or before a date, flagged when overdue.",
            _json_response("A page of due cases.", ref("due_page")),
            [
                _query("on", "The day to look from; today by default.", DAY),
                _query("unit", "Only this unit's.", ID),
                *_PAGING,
            ],
        ),
        "/v1/verify": _get(
            "Check every case's hash chain (a key with units ['*']).",
            _json_response("The first broken link of each broken chain.", ref("verified")),
            [],
        ),
        "/v1/units/{unit_id}/report": _get(
            "The unit's targets and progress (the server's unit file).",
            _json_response("The report.", ref("report")),
            [_UNIT, _query("as_of", "The date of the report; today by default.", DAY)],
            "404",
        ),
        "/v1/units/{unit_id}/report.html": _get(
            "The same report as an HTML page with charts.",
            _html("The page."),
            [_UNIT, _query("as_of", "The date of the report; today by default.", DAY)],
            "404",
        ),
        "/ui": _get("The clerk's start page: the key's units.", _html("The page."), [], page=True),
        "/ui/units/{unit_id}": _get(
            "The clerk's list of a unit's cases, with filters.",
            _html("The page."),
            [
                _UNIT,
                _query("state", "Only those in this state."),
                _query("open", "Open, closed or all.", {"enum": ["true", "false", "all"]}),
                _query(
                    "overdue_on",
                    "Only those overdue on this date; empty (as a form sends it) for no filter.",
                    {"type": "string", "pattern": "^([0-9]{4}-[0-9]{2}-[0-9]{2})?$"},
                ),
            ],
            "404",
            page=True,
        ),
        "/ui/cases/{case_id}": _get(
            "The clerk's page of a case: history, deadlines, violations, what the key may do next.",
            _html("The page."),
            [_CASE, _query("on", "The date to judge on; today by default.", DAY)],
            "404",
            page=True,
        ),
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "admission_flow",
            "version": __version__,
            "description": "Party-membership admission cases over HTTP: open, fire, list, "
            "what is due. See docs/embedding-over-http.md.",
        },
        "paths": paths,
        "components": {
            "schemas": schemas(),
            "securitySchemes": {
                "key": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "A key of the keys file.",
                },
                "page": {
                    "type": "http",
                    "scheme": "basic",
                    "description": "The key as the password (the clerk's pages).",
                },
            },
        },
        "security": [{"key": []}, {"page": []}],
    }


def openapi() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the service (a fresh copy)."""
    return copy.deepcopy(_document())
