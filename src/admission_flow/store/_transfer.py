"""Export and import: a register as JSON lines, whole or pseudonymised.

One JSON object per line, each with a ``kind``:

- ``register``: the first line: ``schema`` (the schema revision), ``format``
  (1), ``pseudonymised``;
- ``procedure``: ``fingerprint``, ``id``, ``version``, ``origin``;
- ``unit``: ``unit`` (its fields) and ``members`` (``id``, ``status``, ``since``);
- ``case``: a ``cases`` row, ``candidate`` and ``unit`` as JSON objects;
- ``step``: a ``history`` row, its JSON columns as JSON values; each follows its case.

Rows keep their hashes, so an imported register verifies as the exported one
did. A pseudonymised export replaces names, birth dates (the first of the same
month: ages in whole months barely move) and identity numbers (case, candidate
and member ids, wherever they appear, messages included) consistently within
the export, by keyed hashes whose key is thrown away, and seals the chains
anew over what it wrote: it verifies, but it is a new record, not the original.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Iterable, Iterator, Mapping
from typing import Any, TextIO

import sqlalchemy as sa

from admission_flow.exceptions import DuplicateError, StoreError
from admission_flow.model._canonical import canonical_json

from ._chain import opening_hash, row_hash
from ._database import HEAD, snapshot
from ._schema import cases, history, members, procedures, units
from ._verify import _check, _grouped

__all__ = ["export_register", "import_register"]

FORMAT = 1
_JSON_COLUMNS = ("facts", "violations", "warnings", "deadlines")


def _line(out: TextIO, value: Mapping[str, Any]) -> None:
    out.write(json.dumps(value, ensure_ascii=False, sort_keys=True) + "\n")


def _plain(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        str(key): value.isoformat() if isinstance(value, dt.date) else value
        for key, value in row.items()
    }


class _Pseudonyms:
    """Consistent stand-ins for names, ids and birth dates, by a key that is never kept."""

    def __init__(self) -> None:
        self.key = secrets.token_bytes(32)
        self.names: dict[str, str] = {}
        self.replacements: dict[str, str] = {}
        self._pattern: re.Pattern[str] | None = None

    def _token(self, value: str) -> str:
        return hmac.new(self.key, value.encode("utf-8"), hashlib.sha256).hexdigest()[:12]

    def identity(self, value: str, prefix: str) -> str:
        if value not in self.replacements:
            self.replacements[value] = f"{prefix}-{self._token(value)}"
            self._pattern = None
        return self.replacements[value]

    def name(self, value: str) -> str:
        if value not in self.names:
            self.names[value] = f"Người {len(self.names) + 1}"
            self.replacements[value] = self.names[value]
            self._pattern = None
        return self.names[value]

    def text(self, value: Any) -> Any:
        """Every known name and id inside ``value`` replaced, however deep."""
        if isinstance(value, str):
            if not self.replacements:
                return value
            if self._pattern is None:
                words = sorted(self.replacements, key=len, reverse=True)
                self._pattern = re.compile(
                    "|".join(rf"(?<![\w-]){re.escape(w)}(?![\w-])" for w in words)
                )
            return self._pattern.sub(lambda m: self.replacements[m.group(0)], value)
        if isinstance(value, list):
            return [self.text(item) for item in value]
        if isinstance(value, dict):
            return {key: self.text(item) for key, item in value.items()}
        return value


def export_register(db: sa.Engine, out: TextIO, *, pseudonymise: bool = False) -> int:
    """Write the register at ``db`` to ``out`` as JSON lines; the number of lines."""
    fake = _Pseudonyms() if pseudonymise else None
    written = 0

    def write(value: Mapping[str, Any]) -> None:
        nonlocal written
        _line(out, value)
        written += 1

    write({"kind": "register", "schema": HEAD, "format": FORMAT, "pseudonymised": pseudonymise})
    with snapshot(db) as connection:
        for row in connection.execute(sa.select(procedures).order_by(procedures.c.fingerprint)):
            write({"kind": "procedure", **_plain(row._mapping)})
        for row in connection.execute(sa.select(units).order_by(units.c.id)):
            unit_members = [
                _plain(m._mapping)
                for m in connection.execute(
                    sa.select(members.c.id, members.c.status, members.c.since)
                    .where(members.c.unit_id == row.id)
                    .order_by(members.c.id)
                )
            ]
            if fake is not None:
                for member in unit_members:
                    member["id"] = fake.identity(member["id"], "m")
            write({"kind": "unit", "unit": _plain(row._mapping), "members": unit_members})
    for case_id, head, rows in _grouped(db):
        if head is None:
            raise StoreError(
                f"case '{case_id}': history rows of a case the register does not list; "
                "run admission-flow verify, nothing more was exported"
            )
        case = _plain(head)
        case["candidate"] = json.loads(case["candidate"])
        case["unit"] = json.loads(case["unit"])
        steps = [_plain(row) for row in rows]
        if fake is not None:
            case, steps = _pseudonymise(fake, case, steps)
        write({"kind": "case", **case})
        for step in steps:
            for column in _JSON_COLUMNS:
                step[column] = json.loads(step[column])
            write({"kind": "step", **step})
    return written


def _pseudonymise(
    fake: _Pseudonyms, case: dict[str, Any], steps: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case and its rows with names, ids and birth dates replaced, chains sealed anew."""
    candidate = case["candidate"]
    new_id = fake.identity(case["id"], "c")
    if candidate["id"] != case["id"]:
        fake.identity(candidate["id"], "c")
    fake.name(candidate["name"])
    born = dt.date.fromisoformat(candidate["born"])
    candidate = fake.text(candidate) | {"born": born.replace(day=1).isoformat()}
    case = case | {"id": new_id, "candidate": candidate, "person_id": candidate["id"]}
    # Ids in facts and messages: member ids are known from the units written before.
    sealed: dict[str, Any] = {
        **case,
        "candidate": canonical_json(case["candidate"]),
        "unit": canonical_json(case["unit"]),
    }
    case["opening_hash"] = opening_hash(sealed)
    previous = case["opening_hash"]
    out = []
    for step in steps:
        step = step | {"case_id": new_id}
        if step["actor_id"] is not None:
            step["actor_id"] = fake.text(step["actor_id"])
        for column in _JSON_COLUMNS:
            step[column] = canonical_json(fake.text(json.loads(step[column])))
        step["previous"] = previous
        step["hash"] = previous = row_hash(step)
        out.append(step)
    case["head"] = previous
    return case, out


# -- import -----------------------------------------------------------------------------------


def _records(lines: Iterable[str], source: str) -> Iterator[tuple[int, dict[str, Any]]]:
    for number, text in enumerate(lines, start=1):
        if not text.strip():
            continue
        try:
            value = json.loads(text)
        except json.JSONDecodeError as exc:
            raise StoreError(
                f"{source}:{number}: not a JSON line: {exc.msg}; nothing was imported"
            ) from None
        if not isinstance(value, dict) or "kind" not in value:
            raise StoreError(
                f"{source}:{number}: a line must be an object with a 'kind'; nothing was imported"
            )
        yield number, value


def import_register(db: sa.Engine, lines: Iterable[str], *, source: str) -> dict[str, int]:
    """Add what an export holds to the register at ``db``, all or nothing.

    Raises:
        StoreError: a malformed line, an export of another schema or format, a
            case already in the register, or a chain that does not verify;
            each names the file and line or the case and step. Nothing is written.
    """
    batches: dict[str, list[dict[str, Any]]] = {
        "procedure": [],
        "unit": [],
        "member": [],
        "case": [],
    }
    steps: dict[str, list[dict[str, Any]]] = {}
    seen_header = False
    try:
        for number, record in _records(lines, source):
            kind = record.pop("kind")
            where = f"{source}:{number}"
            if kind == "register":
                if record.get("format") != FORMAT or record.get("schema") != HEAD:
                    raise StoreError(
                        f"{where}: an export of schema '{record.get('schema')}', format "
                        f"{record.get('format')}; this admission-flow reads schema '{HEAD}', "
                        f"format {FORMAT}; nothing was imported"
                    )
                seen_header = True
            elif not seen_header:
                raise StoreError(
                    f"{where}: the first line must be the 'register' line of an export; nothing was imported"
                )
            elif kind == "procedure":
                batches["procedure"].append(record)
            elif kind == "unit":
                batches["unit"].append(record["unit"])
                for member in record["members"]:
                    batches["member"].append(
                        {
                            "unit_id": record["unit"]["id"],
                            **member,
                            "since": dt.date.fromisoformat(member["since"]),
                        }
                    )
            elif kind == "case":
                record.setdefault("person_id", record["candidate"]["id"])
                record["candidate"] = canonical_json(record["candidate"])
                record["unit"] = canonical_json(record["unit"])
                due = record.get("next_due")
                record["next_due"] = None if due is None else dt.date.fromisoformat(due)
                record.setdefault("next_due_event", None)
                batches["case"].append(record)
                steps[record["id"]] = []
            elif kind == "step":
                for column in _JSON_COLUMNS:
                    record[column] = canonical_json(record[column])
                record["on_date"] = dt.date.fromisoformat(record["on_date"])
                if record["case_id"] not in steps:
                    raise StoreError(
                        f"{where}: a step of case '{record['case_id']}' before its case line; nothing was imported"
                    )
                steps[record["case_id"]].append(record)
            else:
                raise StoreError(f"{where}: unknown kind '{kind}'; nothing was imported")
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, StoreError):
            raise
        raise StoreError(
            f"{source}: a line lacks or mistypes {exc}; nothing was imported"
        ) from None
    for case in batches["case"]:
        broken = _check(case, steps[case["id"]], case["id"])
        if broken is not None:
            raise StoreError(f"{source}: {broken}; nothing was imported")
    with db.begin() as connection:
        for table, key, batch in (
            (procedures, "fingerprint", batches["procedure"]),
            (units, "id", batches["unit"]),
        ):
            known = set(connection.execute(sa.select(table.c[key])).scalars())
            fresh = [row for row in batch if row[key] not in known]
            if fresh:
                connection.execute(table.insert(), fresh)
        known_members = {
            (row.unit_id, row.id)
            for row in connection.execute(sa.select(members.c.unit_id, members.c.id))
        }
        fresh = [m for m in batches["member"] if (m["unit_id"], m["id"]) not in known_members]
        if fresh:
            connection.execute(members.insert(), fresh)
        existing = set(connection.execute(sa.select(cases.c.id)).scalars())
        clash = sorted(existing & set(steps))
        if clash:
            raise DuplicateError(
                f"{source}: case '{clash[0]}' is already in the register; nothing was imported"
            )
        if batches["case"]:
            connection.execute(cases.insert(), batches["case"])
        rows = [row for case_rows in steps.values() for row in case_rows]
        for start in range(0, len(rows), 1000):
            connection.execute(history.insert(), rows[start : start + 1000])
    return {"cases": len(batches["case"]), "steps": sum(len(r) for r in steps.values())}
