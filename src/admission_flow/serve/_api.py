"""What each endpoint does, as plain calls on the register: no HTTP here but its answers.

Each method takes the caller's key and the request's values, checks the key's
scope before it reads or writes anything of a case, and returns the status, the
JSON body and the headers. Everything that can be wrong raises: the library's
typed errors, or an ``HttpError`` of the service's own.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

import admission_flow as af
from admission_flow.exceptions import ConflictError
from admission_flow.model._serial import actor_to_by, deadline_to_json, violation_to_json
from admission_flow.plugins._loading import load_procedure
from admission_flow.store import (
    Register,
    StoredCase,
    Summary,
    entry_to_json,
    fired_to_json,
    stored_to_json,
)
from admission_flow.units import UnitTree

from . import _requests as rq
from ._errors import HttpError
from ._keys import ALL_UNITS, Key

__all__ = ["Answer", "Service"]

#: What an endpoint returns: the status, the JSON body, extra headers.
Answer = tuple[int, Any, dict[str, str]]
#: How many times a fire without ``If-Match`` is judged again after losing a race.
FIRE_ATTEMPTS = 3
#: The page size when a list request gives no ``limit``; and the largest it may ask.
DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
#: Names ``Register.fire`` keeps for itself: a fact cannot be called so.
RESERVED_FACTS = ("request_id", "expected_version")

_FORBIDDEN = af.Text("Khóa không được phép", "The key may not do this")


def forbidden(vi: str, en: str) -> HttpError:
    return HttpError(403, "forbidden", _FORBIDDEN, af.Text(vi, en))


def _etag(version: int) -> dict[str, str]:
    return {"ETag": f'"{version}"'}


class Service:
    """The endpoints over one register."""

    def __init__(
        self,
        register: Register,
        *,
        units: UnitTree | None,
        today: Callable[[], dt.date],
        procedures: Mapping[str, af.Procedure],
    ) -> None:
        self.register = register
        self.units = units
        self.today = today
        self._procedures: dict[str, af.Procedure] = dict(procedures)

    # -- scope -------------------------------------------------------------------------

    def may_read(self, key: Key, unit: str) -> None:
        if not key.may_read(unit):
            raise forbidden(
                f"khóa '{key.name}' không được xem hồ sơ của đơn vị '{unit}'",
                f"key '{key.name}' may not read the cases of unit '{unit}'",
            )

    def may_act(self, key: Key, unit: str) -> None:
        if not key.may_act(unit):
            raise forbidden(
                f"khóa '{key.name}' không được thao tác trên hồ sơ của đơn vị '{unit}'",
                f"key '{key.name}' may not act on the cases of unit '{unit}'",
            )

    def may_fire(self, key: Key, procedure: af.Procedure, event: str) -> None:
        spec = procedure.events.get(event)
        if key.role == "*" or spec is None or key.role in spec.roles:
            return  # an unknown event is the register's to name (422)
        roles = ", ".join(spec.roles)
        raise forbidden(
            f"khóa '{key.name}' là vai trò '{key.role}'; sự kiện '{event}' do {roles} thực hiện",
            f"key '{key.name}' acts as '{key.role}'; '{event}' is fired by {roles}",
        )

    def actor(self, key: Key, given: Any) -> af.Actor:
        """Who acts: the key's actor; ``by`` may repeat it, and must be given without a key."""
        if key.role == "*":
            if given is None:
                raise rq.bad("by", "thiếu 'by': ai thực hiện", "missing 'by': who acts")
            return rq.by(given)
        mine = af.Actor(key.role, key.actor)
        if given is not None and rq.by(given) != mine:
            raise forbidden(
                f"khóa '{key.name}' chỉ thực hiện với tư cách '{mine}'",
                f"key '{key.name}' acts only as '{mine}'",
            )
        return mine

    def _load(self, key: Key, case_id: str, *, act: bool = False) -> StoredCase:
        stored = self.register.load(rq.identifier(case_id, "case"))
        unit = stored.case.unit.id
        if act:
            self.may_act(key, unit)
        else:
            self.may_read(key, unit)
        return stored

    def procedure(self, name: Any) -> af.Procedure:
        """A procedure by id: a bundled one, or one the service was started with."""
        if type(name) is str and name in self._procedures:
            return self._procedures[name]
        bundled = self.register.plugins.procedures()
        if type(name) is not str or name not in bundled:
            known = ", ".join(sorted({*bundled, *self._procedures}))
            raise rq.bad(
                "procedure",
                f"không có quy trình này; các quy trình: {known}",
                f"no such procedure; the procedures are: {known}",
            )
        loaded = self._procedures[name] = load_procedure(name, plugins=self.register.plugins)
        return loaded

    # -- cases -------------------------------------------------------------------------

    def open_case(self, key: Key, body: dict[str, Any]) -> Answer:
        rq.keys(body, ("candidate", "unit"), ("id", "procedure", "on", "provincial_consent"))
        unit = rq.identifier(body["unit"], "unit")
        self.may_act(key, unit)
        procedure = self.procedure(body.get("procedure", "vn-2021"))
        openers = {r for e in procedure.events.values() if e.opens_case for r in e.roles}
        if key.role != "*" and key.role not in openers:
            raise forbidden(
                f"khóa '{key.name}' là vai trò '{key.role}'; chỉ {', '.join(sorted(openers))} mở hồ sơ",
                f"key '{key.name}' acts as '{key.role}'; only {', '.join(sorted(openers))} open cases",
            )
        candidate = rq.person(body["candidate"])
        case_id = rq.identifier(body.get("id", candidate.id), "id")
        on = rq.date_text(body["on"], "on") if "on" in body else None
        consent = rq.boolean(body.get("provincial_consent", False), "provincial_consent")
        stored = self.register.open(
            case_id, candidate, unit=unit, procedure=procedure, on=on, provincial_consent=consent
        )
        headers = _etag(stored.version) | {"Location": f"/v1/cases/{case_id}"}
        return 201, stored_to_json(stored), headers

    def case(self, key: Key, case_id: str) -> Answer:
        stored = self._load(key, case_id)
        return 200, stored_to_json(stored), _etag(stored.version)

    def history(self, key: Key, case_id: str) -> Answer:
        stored = self._load(key, case_id)
        entries = self.register.history(stored.case.id)
        body = {
            "case": stored.case.id,
            "state": stored.case.state,
            "version": len(entries),
            "history": [entry_to_json(e) for e in entries],
        }
        return 200, body, _etag(len(entries))

    def deadlines(self, key: Key, case_id: str) -> Answer:
        stored = self._load(key, case_id)
        engine = self.register.engine(stored)
        pending = {(d.name, d.due) for d in engine.pending(stored.case)}
        body = {
            "case": stored.case.id,
            "deadlines": [
                deadline_to_json(d) | {"pending": (d.name, d.due) in pending}
                for d in engine.deadlines(stored.case)
            ],
        }
        return 200, body, _etag(stored.version)

    def available(self, key: Key, case_id: str, on: str | None, by: str | None) -> Answer:
        stored = self._load(key, case_id)
        day = rq.date_text(on, "on") if on is not None else self.today()
        given = None if by is None else _by_text(by)
        actor = self.actor(key, given)
        engine = self.register.engine(stored)
        options = engine.available(stored.case, actor, day)
        body = {
            "case": stored.case.id,
            "on": day.isoformat(),
            "by": actor_to_by(actor),
            "version": stored.version,
            "options": [
                {
                    "event": o.event,
                    "allowed": o.allowed,
                    "violations": [_violation(v) for v in o.violations],
                    "warnings": [_violation(v) for v in o.warnings],
                    "needs": list(o.needs),
                }
                for o in options
            ],
        }
        return 200, body, _etag(stored.version)

    def fire(
        self,
        key: Key,
        case_id: str,
        body: dict[str, Any],
        *,
        idempotency_key: str | None,
        if_match: str | None,
    ) -> Answer:
        rq.keys(body, ("event", "on"), ("by", "facts"))
        event = rq.text(body, "event")
        on = rq.date_text(body["on"], "on")
        actor = self.actor(key, body.get("by"))
        given = body.get("facts", {})
        if not isinstance(given, dict):
            raise rq.bad("facts", "'facts' là một đối tượng JSON", "'facts' is a JSON object")
        for name in RESERVED_FACTS:
            if name in given:
                raise rq.bad(name, f"không có dữ kiện tên '{name}'", f"no fact is named '{name}'")
        request_id = rq.request_id(idempotency_key)
        expected = rq.if_match(if_match)
        for attempt in range(1, FIRE_ATTEMPTS + 1):
            stored = self._load(key, case_id, act=True)
            engine = self.register.engine(stored)
            self.may_fire(key, engine.procedure, event)
            facts = engine.facts_from_json(event, given)
            try:
                fired = self.register.fire(
                    stored if expected is None else stored.case.id,
                    event,
                    actor,
                    on,
                    request_id=request_id,
                    expected_version=expected,
                    **facts,
                )
            except ConflictError:
                # Without If-Match the caller asked for the case as it is: judge it again.
                if expected is not None or attempt == FIRE_ATTEMPTS:
                    raise
                continue
            return 200, fired_to_json(fired), _etag(fired.stored.version)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- lists ---------------------------------------------------------------------------

    def find(self, key: Key, limit: str | None, after: str | None, **filters: Any) -> list[Summary]:
        """One page of summaries in id order, within the key's units; ``limit + 1`` read."""
        size = _limit(limit)
        start = None if after is None else rq.identifier(after, "after")
        unit = filters.pop("unit", None)
        if unit is not None:
            unit = rq.identifier(unit, "unit")
            self.may_read(key, unit)
            units: list[str | None] = [unit]
        else:
            readable = key.readable()
            units = [None] if readable is None else [u for u in readable if u != ALL_UNITS]
        found: list[Summary] = []
        for one in units:
            found.extend(self.register.find(unit=one, limit=size + 1, after=start, **filters))
        found.sort(key=lambda s: s.id)
        return found[: size + 1]

    def cases(self, key: Key, query: Mapping[str, str]) -> Answer:
        rq.only(
            query,
            ("unit", "state", "open", "procedure", "due_before", "overdue_on", "limit", "after"),
        )
        filters: dict[str, Any] = {
            "unit": query.get("unit"),
            "state": query.get("state"),
            "open": rq.flag(query.get("open"), "open"),
            "procedure": query.get("procedure"),
        }
        for name in ("due_before", "overdue_on"):
            if name in query:
                filters[name] = rq.date_text(query[name], name)
        page = self.find(key, query.get("limit"), query.get("after"), **filters)
        return 200, _page(page, _limit(query.get("limit"))), {}

    def due(self, key: Key, query: Mapping[str, str]) -> Answer:
        rq.only(query, ("on", "unit", "limit", "after"))
        day = rq.date_text(query["on"], "on") if "on" in query else self.today()
        if day >= dt.date.max:
            raise rq.bad("on", "ngày quá xa", "the date is too far ahead")
        page = self.find(
            key,
            query.get("limit"),
            query.get("after"),
            unit=query.get("unit"),
            open=True,
            due_before=day + dt.timedelta(days=1),
        )
        body = _page(page, _limit(query.get("limit")))
        body["on"] = day.isoformat()
        for summary in body["cases"]:
            summary["overdue"] = (
                summary["next_due"] is not None and summary["next_due"] < day.isoformat()
            )
        return 200, body, {}

    # -- the register as a whole -----------------------------------------------------------

    def verify(self, key: Key) -> Answer:
        if not key.every_unit:
            raise forbidden(
                f"khóa '{key.name}' không phụ trách mọi đơn vị; kiểm tra toàn sổ cần units: ['*']",
                f"key '{key.name}' does not cover every unit; verifying the register needs units: ['*']",
            )
        broken = self.register.verify()
        count = len(self.register.case_ids())
        body = {
            "ok": not broken,
            "cases": count,
            "breaks": [{"case": b.case, "seq": b.seq, "problem": b.problem} for b in broken],
        }
        return 200, body, {}

    def health(self) -> Answer:
        self.register.find(limit=1)  # raises UnavailableError when the database is away
        return 200, {"status": "ok"}, {}


def _by_text(text: str) -> str | dict[str, str]:
    role, _, member = text.partition(":")
    return {"role": role, "id": member} if member else role


def _violation(violation: af.Violation) -> dict[str, Any]:
    full = violation_to_json(violation)
    return {"rule": full["rule"], "message": full["message"], "source": full["source"]}


def _limit(text: str | None) -> int:
    if text is None:
        return DEFAULT_LIMIT
    if text.isascii() and text.isdigit() and 0 < int(text) <= MAX_LIMIT:
        return int(text)
    raise rq.bad(
        "limit",
        f"'limit' là số nguyên từ 1 đến {MAX_LIMIT}",
        f"'limit' is a whole number from 1 to {MAX_LIMIT}",
    )


def _page(found: list[Summary], size: int) -> dict[str, Any]:
    more = len(found) > size
    page = found[:size]
    return {
        "cases": [s.as_json() for s in page],
        "next": page[-1].id if more and page else None,
    }
