"""Errors as HTTP answers: the register's stable codes mapped to statuses, in JSON.

Every error answer has the register's error form (``code``, ``title`` in both
languages, ``message``, ``retryable`` and the details of its kind) and three
more fields: ``status``, ``lang`` (the language ``Accept-Language`` chose:
``vi`` by default, or ``en``) and ``summary``, the title in that language.
The service's own errors (no key, a key out of scope, a body too large) have
their message in that language; the library's errors keep their message as the
library words it, with the title translated.
"""

from __future__ import annotations

from typing import Any

from admission_flow.exceptions import AdmissionFlowError, ConflictError
from admission_flow.model._values import Text

__all__ = ["STATUS", "HttpError", "error_body", "language", "status_of"]

#: The HTTP status for each code of the library's errors.
STATUS: dict[str, int] = {
    "bad_input": 422,
    "bad_argument_type": 422,
    "unknown_event": 422,
    "bad_actor": 422,
    "bad_fact": 422,
    "bad_case": 422,
    # A retry that repeats an idempotency key with another call: 422, as the IETF's
    # Idempotency-Key draft answers a key reused with a different payload.
    "request_reused": 422,
    "bad_procedure": 422,
    "conflict": 409,
    "duplicate": 409,
    "case_refused": 409,
    "unit_mismatch": 409,
    "constraint": 409,
    "unknown_case": 404,
    "unknown_unit": 404,
    "unavailable": 503,
}
#: Seconds a client waits before retrying a 503 (``Retry-After``).
RETRY_AFTER = 1


class HttpError(Exception):
    """An error of the service itself (no key, a key out of scope, a body too large...)."""

    def __init__(
        self,
        status: int,
        code: str,
        title: Text,
        message: Text,
        *,
        field: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.title = title
        self.message = message
        self.field = field
        self.headers = headers or {}
        super().__init__(message.en)

    def body(self, lang: str) -> dict[str, Any]:
        title = self.title.as_dict()
        body: dict[str, Any] = {
            "code": self.code,
            "title": title,
            "message": self.message.as_dict()[lang],
            "retryable": self.status == 503,
            "status": self.status,
            "lang": lang,
            "summary": title[lang],
        }
        if self.field is not None:
            body["field"] = self.field
        return body


def status_of(error: AdmissionFlowError, *, if_match: bool = False) -> int:
    """The status for a library error; a conflict on a call with ``If-Match`` is 412."""
    if isinstance(error, ConflictError) and if_match:
        return 412
    return STATUS.get(error.code, 500)


def error_body(error: AdmissionFlowError, status: int, lang: str) -> dict[str, Any]:
    body = error.as_json()
    body["status"] = status
    body["lang"] = lang
    body["summary"] = error.title[0 if lang == "vi" else 1]
    if status >= 500 and status != 503:
        # A server-side failure: its code and title only; the message may name internals.
        body["message"] = body["summary"]
    return body


def language(accept: str | None) -> str:
    """``en`` when ``Accept-Language`` prefers English over Vietnamese; ``vi`` otherwise."""
    best, best_q = "vi", -1.0
    for position, part in enumerate((accept or "").split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        primary = tag.strip().lower().split("-")[0]
        if primary not in ("vi", "en", "*"):
            continue
        q = 1.0
        params = params.strip()
        if params.startswith("q="):
            try:
                q = float(params[2:])
            except ValueError:
                q = 0.0
        q -= position * 1e-6  # the earlier of equal weights wins
        if q > best_q and q > 0:
            best, best_q = ("vi" if primary == "*" else primary), q
    return best
