"""Reading requests: a bounded JSON body, dates, actors and the fields of each call.

Every mistake is an ``HttpError`` naming its field, worded in both languages,
raised before anything is written: a body over ``MAX_BODY_BYTES`` (413), one
that is not JSON (400), a field of the wrong type or an unknown one (422).
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping
from typing import Any

from starlette.requests import Request

from admission_flow.model._values import Actor, Person, Text

from ._errors import HttpError

__all__ = [
    "MAX_BODY_BYTES",
    "MAX_ID_CHARS",
    "HttpError",
    "bad",
    "boolean",
    "by",
    "date_text",
    "flag",
    "identifier",
    "if_match",
    "keys",
    "only",
    "person",
    "read_json",
    "request_id",
    "text",
]

#: The largest request body the service reads (64 KiB): a fire or an opening is a
#: few hundred bytes; anything larger is refused with 413 before it is parsed.
MAX_BODY_BYTES = 64 * 1024
#: The longest id (a case's, a unit's, a request's) a request may give.
MAX_ID_CHARS = 200
_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
#: An id: printable, no spaces or control characters, at most ``MAX_ID_CHARS``.
_ID = re.compile(r"^[^\s\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]{1,200}$")

_BAD_INPUT = Text("Dữ liệu đầu vào không hợp lệ", "Bad input")


def bad(field: str, vi: str, en: str) -> HttpError:
    """A 422 for one field, worded in both languages."""
    return HttpError(422, "bad_input", _BAD_INPUT, Text(vi, en), field=field)


def _too_large() -> HttpError:
    kib = MAX_BODY_BYTES // 1024
    return HttpError(
        413,
        "too_large",
        Text("Nội dung yêu cầu quá lớn", "The request body is too large"),
        Text(
            f"nội dung yêu cầu dài quá {kib} KiB; không có gì được ghi",
            f"the request body is over {kib} KiB; nothing was written",
        ),
        field="body",
    )


def _not_json(vi: str, en: str) -> HttpError:
    return HttpError(
        400,
        "bad_body",
        Text("Nội dung yêu cầu không phải JSON hợp lệ", "The request body is not valid JSON"),
        Text(vi, en),
        field="body",
    )


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise ValueError(f"the key '{key[:40]}' appears twice")
        result[key] = value
    return result


async def read_json(request: Request) -> dict[str, Any]:
    """The body as a JSON object, read up to ``MAX_BODY_BYTES``."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise _too_large()
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        raise HttpError(
            415,
            "unsupported_media_type",
            Text("Kiểu nội dung không được hỗ trợ", "Unsupported media type"),
            Text(
                "gửi nội dung JSON với Content-Type: application/json",
                "send a JSON body with Content-Type: application/json",
            ),
            field="Content-Type",
        )
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise _too_large()
        chunks.append(chunk)
    raw = b"".join(chunks)
    try:
        value = json.loads(
            raw.decode("utf-8"),
            parse_constant=_no_constant,
            object_pairs_hook=_no_duplicates,
        )
    except UnicodeDecodeError:
        raise _not_json("nội dung không phải UTF-8", "the body is not UTF-8 text") from None
    except (ValueError, RecursionError) as exc:
        reason = str(exc)[:120] if isinstance(exc, ValueError) else "nested too deeply"
        raise _not_json(
            f"nội dung không đọc được như JSON ({reason})",
            f"the body cannot be read as JSON ({reason})",
        ) from None
    if not isinstance(value, dict):
        raise bad(
            "body",
            "nội dung phải là một đối tượng JSON ({...})",
            "the body must be a JSON object ({...})",
        )
    return value


def keys(body: Mapping[str, Any], required: tuple[str, ...], optional: tuple[str, ...]) -> None:
    """Every key of ``body`` is known, every required one is there."""
    for name in body:
        if name not in required and name not in optional:
            known = ", ".join((*required, *optional))
            raise bad(
                str(name)[:80],
                f"trường '{str(name)[:80]}' không có trong yêu cầu này (các trường: {known})",
                f"unknown field '{str(name)[:80]}' (the fields are: {known})",
            )
    for name in required:
        if name not in body:
            raise bad(name, f"thiếu trường '{name}'", f"missing field '{name}'")


def only(query: Mapping[str, str], allowed: tuple[str, ...]) -> None:
    """Every query parameter is one of ``allowed``."""
    for name in query:
        if name not in allowed:
            raise bad(
                name[:80],
                f"tham số '{name[:80]}' không có ở đây (các tham số: {', '.join(allowed)})",
                f"unknown parameter '{name[:80]}' (the parameters are: {', '.join(allowed)})",
            )


def text(body: Mapping[str, Any], name: str) -> str:
    value = body[name]
    if type(value) is not str or not value.strip():
        raise bad(name, f"'{name}' phải là chuỗi không rỗng", f"'{name}' must be non-empty text")
    return value


def identifier(value: Any, field: str) -> str:
    """An id from a path, a query or a body: printable text of at most ``MAX_ID_CHARS``."""
    if type(value) is not str or not _ID.match(value):
        raise bad(
            field,
            f"'{field}' phải là mã in được, không khoảng trắng, tối đa {MAX_ID_CHARS} ký tự",
            f"'{field}' must be a printable id without spaces, at most {MAX_ID_CHARS} characters",
        )
    return value


def date_text(value: Any, field: str) -> dt.date:
    """A date written ``YYYY-MM-DD``, and only so."""
    if type(value) is str and _DATE.match(value):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    shown = json.dumps(value, ensure_ascii=False)[:40] if value is not None else "null"
    raise bad(
        field,
        f"'{field}' phải là ngày dạng YYYY-MM-DD, không phải {shown}",
        f"'{field}' must be a date written YYYY-MM-DD, not {shown}",
    )


def boolean(value: Any, field: str) -> bool:
    if type(value) is not bool:
        raise bad(field, f"'{field}' phải là true hoặc false", f"'{field}' must be true or false")
    return value


def flag(value: str | None, field: str) -> bool | None:
    """A query flag: ``true`` or ``false``; ``None`` when absent."""
    if value is None:
        return None
    if value in ("true", "false"):
        return value == "true"
    raise bad(field, f"'{field}' là true hoặc false", f"'{field}' is true or false")


def by(value: Any) -> Actor:
    """``by``: a role's name, or ``{"role": ..., "id": ...}`` for a member acting in person."""
    if type(value) is str and value.strip():
        return Actor(identifier(value, "by"))
    if isinstance(value, dict) and set(value) == {"role", "id"}:
        return Actor(identifier(value["role"], "by"), identifier(value["id"], "by"))
    raise bad(
        "by",
        '\'by\' là tên một vai trò, hoặc {"role": ..., "id": ...} cho một đảng viên',
        '\'by\' is a role\'s name, or {"role": ..., "id": ...} for one member',
    )


def request_id(header: str | None) -> str | None:
    """The ``Idempotency-Key`` header, as the register's request id."""
    if header is None:
        return None
    return identifier(header, "Idempotency-Key")


def if_match(header: str | None) -> int | None:
    """The version an ``If-Match`` header names (``"3"``, ``3`` or ``W/"3"``); ``*`` is none."""
    if header is None or header.strip() == "*":
        return None
    tag = header.strip().removeprefix("W/").strip('"')
    if tag.isascii() and tag.isdigit() and len(tag) <= 12:
        return int(tag)
    raise bad(
        "If-Match",
        'If-Match là phiên bản của hồ sơ, như ETag trả về: "3"',
        'If-Match is the case\'s version, as its ETag gives it: "3"',
    )


def person(value: Any) -> Person:
    """The candidate of an opening: the register's person form (``schemas/register.json``)."""
    if not isinstance(value, dict):
        raise bad("candidate", "'candidate' phải là một đối tượng", "'candidate' must be an object")
    keys(
        value,
        ("id", "name", "born", "education"),
        ("organizations", "positions", "over_60_consent"),
    )
    for name in ("organizations", "positions"):
        items = value.get(name, [])
        if not isinstance(items, list) or not all(type(i) is str for i in items):
            raise bad(name, f"'{name}' là danh sách chuỗi", f"'{name}' is a list of texts")
    return Person(
        id=identifier(value["id"], "candidate.id"),
        name=text(value, "name"),
        born=date_text(value["born"], "born"),
        education=value["education"],
        organizations=value.get("organizations", ()),
        positions=value.get("positions", ()),
        over_60_consent=boolean(value.get("over_60_consent", False), "over_60_consent"),
    )
