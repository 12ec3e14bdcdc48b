"""The schemas of the OpenAPI document: the register's ``$defs``, and the service's own forms."""

from __future__ import annotations

import copy
from typing import Any

from admission_flow.store import schema as register_schema

from ._requests import MAX_ID_CHARS

__all__ = ["DAY", "ID", "ref", "schemas"]

_REF = "#/components/schemas/"


def ref(name: str) -> dict[str, str]:
    return {"$ref": _REF + name}


def _rewrite(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: (v.replace("#/$defs/", _REF) if k == "$ref" else _rewrite(v))
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_rewrite(v) for v in value]
    return value


def _object(required: list[str], properties: dict[str, Any], **more: Any) -> dict[str, Any]:
    return {
        "type": "object",
        "required": required,
        "additionalProperties": False,
        "properties": properties,
        **more,
    }


ID = {"type": "string", "minLength": 1, "maxLength": MAX_ID_CHARS, "pattern": "^[^\\s/]+$"}
DAY = {"type": "string", "format": "date", "pattern": "^[0-9]{4}-[0-9]{2}-[0-9]{2}$"}
_NULLABLE_TEXT = {"type": ["string", "null"]}


def schemas() -> dict[str, Any]:
    defs = _rewrite(register_schema()["$defs"])
    schemas: dict[str, Any] = dict(defs)
    stored = defs["stored_case"]["properties"]
    schemas["person"] = copy.deepcopy(stored["candidate"])
    schemas["unit"] = copy.deepcopy(stored["unit"])
    error = copy.deepcopy(defs["error"])
    error["properties"].update(
        {
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "lang": {"enum": ["vi", "en"]},
            "summary": {"type": "string"},
        }
    )
    error["required"] = [*error["required"], "status", "lang", "summary"]
    error["description"] = (
        "An error answer: the register's error form, with the HTTP status, the language "
        "Accept-Language chose and the title in that language."
    )
    schemas["http_error"] = error
    brief_violations = {"type": "array", "items": ref("violation")}
    schemas["option"] = _object(
        ["event", "allowed", "violations", "warnings", "needs"],
        {
            "event": {"type": "string"},
            "allowed": {"type": "boolean"},
            "violations": brief_violations,
            "warnings": brief_violations,
            "needs": {"type": "array", "items": {"type": "string"}},
        },
        description="An event the actor could fire now and, if it would be refused, why.",
    )
    schemas["options"] = _object(
        ["case", "on", "by", "version", "options"],
        {
            "case": {"type": "string"},
            "on": ref("date"),
            "by": ref("by"),
            "version": {"type": "integer", "minimum": 0},
            "options": {"type": "array", "items": ref("option")},
        },
    )
    schemas["history"] = _object(
        ["case", "state", "version", "history"],
        {
            "case": {"type": "string"},
            "state": _NULLABLE_TEXT,
            "version": {"type": "integer", "minimum": 0},
            "history": {"type": "array", "items": ref("entry")},
        },
    )
    schemas["deadline"] = _object(
        ["name", "rule", "event", "start", "due", "basis", "met_on", "pending"],
        {
            "name": {"type": "string"},
            "rule": {"type": "string"},
            "event": {"type": "string"},
            "start": ref("date"),
            "due": ref("date"),
            "basis": ref("text"),
            "met_on": {"oneOf": [ref("date"), {"type": "null"}]},
            "pending": {"type": "boolean"},
        },
    )
    schemas["deadlines"] = _object(
        ["case", "deadlines"],
        {"case": {"type": "string"}, "deadlines": {"type": "array", "items": ref("deadline")}},
    )
    schemas["case_page"] = _object(
        ["cases", "next"],
        {
            "cases": {"type": "array", "items": ref("summary")},
            "next": {
                "type": ["string", "null"],
                "description": "Give it as 'after' for the next page; null on the last page.",
            },
        },
    )
    due_summary = copy.deepcopy(defs["summary"])
    due_summary["properties"]["overdue"] = {"type": "boolean"}
    due_summary["required"] = [*due_summary["required"], "overdue"]
    schemas["due_summary"] = due_summary
    schemas["due_page"] = _object(
        ["on", "cases", "next"],
        {
            "on": ref("date"),
            "cases": {"type": "array", "items": ref("due_summary")},
            "next": {"type": ["string", "null"]},
        },
    )
    schemas["verified"] = _object(
        ["ok", "cases", "breaks"],
        {
            "ok": {"type": "boolean"},
            "cases": {"type": "integer", "minimum": 0},
            "breaks": {
                "type": "array",
                "items": _object(
                    ["case", "seq", "problem"],
                    {
                        "case": {"type": "string"},
                        "seq": {"type": "integer", "minimum": 0},
                        "problem": {"type": "string"},
                    },
                ),
            },
        },
    )
    schemas["health"] = _object(["status"], {"status": {"const": "ok"}})
    schemas["report"] = {
        "type": "object",
        "required": ["units"],
        "description": "The unit's report, as admission-flow report --json prints it.",
    }
    schemas["open_request"] = _object(
        ["candidate", "unit"],
        {
            "candidate": _request_person(),
            "unit": ID,
            "id": {**ID, "description": "The case's id; the candidate's id by default."},
            "procedure": {"type": "string", "description": "A procedure id; vn-2021 by default."},
            "on": DAY,
            "provincial_consent": {"type": "boolean"},
        },
    )
    schemas["fire_request"] = _object(
        ["event", "on"],
        {
            "event": {"type": "string", "minLength": 1},
            "on": DAY,
            "by": {
                "description": "Who acts: with a key, the key's actor (by may repeat it); "
                "required without keys.",
                "oneOf": [
                    ID,
                    _object(["role", "id"], {"role": ID, "id": ID}),
                ],
            },
            "facts": {"type": "object", "description": "The event's facts; dates YYYY-MM-DD."},
        },
    )
    return schemas


def _request_person() -> dict[str, Any]:
    return _object(
        ["id", "name", "born", "education"],
        {
            "id": ID,
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "born": DAY,
            "education": {
                "enum": [
                    "none",
                    "primary",
                    "lower_secondary",
                    "upper_secondary",
                    "college",
                    "university",
                ]
            },
            "organizations": {
                "type": "array",
                "items": {"enum": ["youth_union", "trade_union"]},
                "uniqueItems": True,
            },
            "positions": {"type": "array", "items": {"type": "string", "minLength": 1}},
            "over_60_consent": {"type": "boolean"},
        },
    )
