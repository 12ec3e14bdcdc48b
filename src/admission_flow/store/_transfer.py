"""Export and import: a register as JSON lines, whole or pseudonymised.

One JSON object per line, each with a ``kind``:

- ``register``: the first line: ``schema`` (the schema revision), ``format``
  (1), ``pseudonymised``;
- ``procedure``: ``fingerprint``, ``id``, ``version``, ``origin``;
- ``unit``: ``unit`` (its fields) and ``members`` (``id``, ``status``, ``since``);
- ``case``: a ``cases`` row, ``candidate`` and ``unit`` as JSON objects;
- ``step``: a ``history`` row, its JSON columns as JSON values; each follows its case.

Rows keep their hashes, so an imported register verifies as the exported one
did. A pseudonymised export replaces every name, id, birth date and identity
number across the whole export, free text included (``_pseudonyms``: learnt
from the whole register before the first line is written), by keyed hashes
whose key is thrown away, and seals the chains anew over what it wrote: it
verifies, but it is a new record, not the original.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping
from typing import Any, TextIO

import sqlalchemy as sa

from admission_flow._limits import ESCAPED, cut, escape, quote
from admission_flow.exceptions import DuplicateError, StoreError
from admission_flow.model._canonical import canonical_json
from admission_flow.model._serial import person_from_json, unit_from_json

from ._chain import opening_hash, row_hash
from ._database import HEAD, describe_url, snapshot
from ._fold import verify_command
from ._import_checks import ExportFileError, Unreadable, check_record, parse_line
from ._procedures import text_problem
from ._pseudonyms import Pseudonyms
from ._rows import UNREADABLE, step_of_row
from ._schema import cases, history, members, procedures, units
from ._verify import _check, _grouped

__all__ = ["export_register", "import_register"]

FORMAT = 1
_JSON_COLUMNS = ("facts", "violations", "warnings", "deadlines")


#: What an export writes as ``\\uXXXX`` besides what ``json`` escapes itself: DEL, C1
#: controls (NEL), U+2028 and U+2029 (which cut a line for many readers, Python's
#: ``str.splitlines`` among them), bidi controls, zero-width characters. They can
#: only stand inside a JSON string, so the escaped line holds the same values.
_LINE_SAFE = {code: f"\\u{code:04x}" for code in ESCAPED if code >= 0x7F}


def _line(out: TextIO, value: Mapping[str, Any]) -> None:
    out.write(json.dumps(value, ensure_ascii=False, sort_keys=True).translate(_LINE_SAFE) + "\n")


def _plain(row: Mapping[Any, Any]) -> dict[str, Any]:
    return {
        str(key): value.isoformat() if isinstance(value, dt.date) else value
        for key, value in row.items()
    }


def export_register(db: sa.Engine, out: TextIO, *, pseudonymise: bool = False) -> int:
    """Write the register at ``db`` to ``out`` as JSON lines; the number of lines."""
    fake = _learnt(db) if pseudonymise else None
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
                f"run {verify_command(describe_url(db.url))}; nothing more was exported"
            )
        _readable(head)
        for stored in rows:
            step_of_row(stored)  # a value that does not decode: StoreError naming case and row
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


def _readable(head: Mapping[Any, Any]) -> dict[str, Any]:
    """The candidate of a case's opening record, or StoreError naming the case."""
    try:
        candidate = json.loads(head["candidate"])
        person_from_json(candidate)
        unit_from_json(json.loads(head["unit"]))
    except UNREADABLE as exc:
        raise StoreError(
            f"case {quote(escape(str(head['id'])))}, its opening record: a stored value cannot "
            f"be read ({escape(cut(f'{type(exc).__name__}: {exc}', 120))}); "
            "run admission-flow verify; nothing more was exported"
        ) from None
    assert isinstance(candidate, dict)
    return candidate


def _learnt(db: sa.Engine) -> Pseudonyms:
    """Pseudonyms for every case, candidate, member and actor: learnt before any line is written."""
    fake = Pseudonyms()
    with snapshot(db) as connection:
        fake.learn(
            (
                (row.id, _readable(row._mapping))
                for row in connection.execute(
                    sa.select(cases.c.id, cases.c.candidate, cases.c.unit).order_by(cases.c.id)
                )
            ),
            connection.execute(sa.select(members.c.id).distinct()).scalars(),
            connection.execute(
                sa.select(history.c.actor_id).where(history.c.actor_id.is_not(None)).distinct()
            ).scalars(),
        )
    return fake


def _pseudonymise(
    fake: Pseudonyms, case: dict[str, Any], steps: list[dict[str, Any]]
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """The case and its rows with names, ids and birth dates replaced, chains sealed anew."""
    candidate = case["candidate"]
    new_id = fake.identity(case["id"], "c")
    born = fake.born(candidate["born"])
    candidate = fake.text(candidate) | {
        "id": fake.identity(candidate["id"], "c"),
        "name": fake.name(candidate["name"]),
        "born": born,
    }
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


class _Batches:
    """What the lines of an export add, checked line by line and across lines."""

    def __init__(self, source: str) -> None:
        self.source = source
        self.problems: list[tuple[int, str]] = []
        self.rows: dict[str, list[dict[str, Any]]] = {
            "procedure": [],
            "unit": [],
            "member": [],
            "case": [],
        }
        self.steps: dict[str, list[dict[str, Any]]] = {}
        self.lines: dict[tuple[str, str], int] = {}  # (kind, id) -> the line that first gave it
        self.case_lines: dict[str, int] = {}
        self.header = False
        self.count = 0
        #: References to check against the register: (line, kind, key).
        self.unknown: list[tuple[int, str, str]] = []
        self.spoiled: set[str] = set()

    def add(self, number: int, message: str) -> None:
        self.problems.append((number, message))

    def first(self, number: int, kind: str, key: str, what: str) -> bool:
        """Whether ``key`` is new for ``kind``; a problem naming the first line if not."""
        seen = self.lines.setdefault((kind, key), number)
        if seen != number:
            self.add(number, f"{what} {quote(escape(key))} is also on line {seen}; keep one")
            return False
        return True

    def read(self, number: int, text: str) -> None:
        if isinstance(text, Unreadable):
            self.add(number, text.problem)
            return
        if not text.strip():
            return
        self.count += 1
        record, problems = parse_line(text)
        if record is None:
            for problem in problems:
                self.add(number, problem)
            return
        kind = record.pop("kind")
        if kind == "register":
            if self.count != 1:
                self.add(number, "a second 'register' line; an export has one, on its first line")
            elif record.get("format") != FORMAT or record.get("schema") != HEAD:
                self.add(
                    number,
                    f"an export of schema {quote(escape(str(record.get('schema'))))}, format "
                    f"{escape(cut(str(record.get('format')), 20))}; this admission-flow reads "
                    f"schema '{HEAD}', format {FORMAT}",
                )
            self.header = True
            return
        if not self.header:
            self.add(number, "the first line must be the 'register' line of an export")
            self.header = True  # said once
        problems = check_record(kind, record)
        for problem in problems:
            self.add(number, problem)
        if problems:
            key = record.get("case_id" if kind == "step" else "id")
            if kind in ("case", "step") and isinstance(key, str):
                self.spoiled.add(key)  # its chain cannot be checked, its steps have no case
            return
        if (
            kind == "step"
            and record["case_id"] in self.spoiled
            and record["case_id"] not in self.steps
        ):
            return
        getattr(self, f"_{kind}")(number, record)

    def _procedure(self, number: int, record: dict[str, Any]) -> None:
        problem = text_problem(str(record["fingerprint"]), record.get("text"))
        if problem is not None:
            fingerprint = str(record["fingerprint"])[:12]
            self.add(number, f"procedure '{record['id']}' ({fingerprint}): {problem}")
            return
        if self.first(number, "procedure", record["fingerprint"], "procedure"):
            self.rows["procedure"].append(record)

    def _unit(self, number: int, record: dict[str, Any]) -> None:
        unit = record["unit"]
        if not self.first(number, "unit", unit["id"], "unit"):
            return
        self.rows["unit"].append(unit)
        for member in record["members"]:
            self.rows["member"].append(
                {"unit_id": unit["id"], **member, "since": dt.date.fromisoformat(member["since"])}
            )

    def _case(self, number: int, record: dict[str, Any]) -> None:
        if not self.first(number, "case", record["id"], "case"):
            return
        record.setdefault("person_id", record["candidate"]["id"])
        due = record.get("next_due")
        record["next_due"] = None if due is None else dt.date.fromisoformat(due)
        record.setdefault("next_due_event", None)
        for key, kind in (("unit_id", "unit"), ("procedure_fingerprint", "procedure")):
            if (kind, record[key]) not in self.lines:
                self.unknown.append((number, kind, record[key]))
        record["candidate"] = canonical_json(record["candidate"])
        record["unit"] = canonical_json(record["unit"])
        self.rows["case"].append(record)
        self.steps[record["id"]] = []
        self.case_lines[record["id"]] = number

    def _step(self, number: int, record: dict[str, Any]) -> None:
        if record["case_id"] not in self.steps:
            self.add(
                number,
                f"a step of case {quote(escape(record['case_id']))} before its case line "
                "(or of a case the file does not hold)",
            )
            return
        if ("procedure", record["procedure_fingerprint"]) not in self.lines:
            self.unknown.append((number, "procedure", record["procedure_fingerprint"]))
        for column in _JSON_COLUMNS:
            record[column] = canonical_json(record[column])
        record["on_date"] = dt.date.fromisoformat(record["on_date"])
        self.steps[record["case_id"]].append(record)

    def fail(self) -> None:
        if self.problems:
            raise ExportFileError(self.source, self.problems)


def import_register(db: sa.Engine, lines: Iterable[str], *, source: str) -> dict[str, int]:
    """Add what an export holds to the register at ``db``, all or nothing.

    Every line is checked first (``_import_checks``): its JSON, the limits of
    every file, each value as the register will use it, and across lines (a
    case, unit, member or procedure given twice, a unit or procedure no line
    and no stored row gives, a case whose chain does not verify).

    Raises:
        ExportFileError: a ``StoreError`` listing every problem as
            ``file:line: message``. Nothing is written.
        StoreError: a case already in the register. Nothing is written.
    """
    batches = _Batches(source)
    number = 0
    for number, text in enumerate(lines, start=1):
        batches.read(number, text)
    if batches.count == 0:
        batches.add(
            max(number, 1),
            "the file holds no lines; an export starts with its 'register' line",
        )
    for case in batches.rows["case"]:
        if case["id"] in batches.spoiled:
            continue
        broken = _check(case, batches.steps[case["id"]], case["id"])
        if broken is not None:
            batches.add(batches.case_lines[case["id"]], str(broken))
    with db.begin() as connection:
        known = {
            "unit": set(connection.execute(sa.select(units.c.id)).scalars()),
            "procedure": set(connection.execute(sa.select(procedures.c.fingerprint)).scalars()),
        }
        told: set[tuple[str, str]] = set()
        for line, kind, key in batches.unknown:
            if key not in known[kind] and (kind, key) not in told:
                told.add((kind, key))  # once, at the first line that names it
                batches.add(
                    line,
                    f"unknown {kind} {quote(escape(key))}: neither a line of the file nor the "
                    "register gives it",
                )
        open_people: dict[str, str] = {
            row.person_id: row.id
            for row in connection.execute(
                sa.select(cases.c.person_id, cases.c.id).where(cases.c.open)
            )
        }
        for case in batches.rows["case"]:
            if case["open"]:
                other = open_people.setdefault(case["person_id"], case["id"])
                if other != case["id"]:
                    batches.add(
                        batches.case_lines[case["id"]],
                        f"case {quote(escape(case['id']))} is open, and so is case "
                        f"{quote(escape(other))} of the same person; a person has one open case",
                    )
        batches.fail()
        existing = set(connection.execute(sa.select(cases.c.id)).scalars())
        clash = sorted(existing & set(batches.steps))
        if clash:
            raise DuplicateError(
                f"{escape(source)}: case {quote(escape(clash[0]))} is already in the register; "
                "nothing was imported"
            )
        for table, kind, key in ((procedures, "procedure", "fingerprint"), (units, "unit", "id")):
            fresh = [row for row in batches.rows[kind] if row[key] not in known[kind]]
            if fresh:
                connection.execute(table.insert(), fresh)
        known_members = {
            (row.unit_id, row.id)
            for row in connection.execute(sa.select(members.c.unit_id, members.c.id))
        }
        fresh = [m for m in batches.rows["member"] if (m["unit_id"], m["id"]) not in known_members]
        if fresh:
            connection.execute(members.insert(), fresh)
        if batches.rows["case"]:
            connection.execute(cases.insert(), batches.rows["case"])
        rows = [row for case_rows in batches.steps.values() for row in case_rows]
        for start in range(0, len(rows), 1000):
            connection.execute(history.insert(), rows[start : start + 1000])
    return {
        "cases": len(batches.rows["case"]),
        "steps": sum(len(r) for r in batches.steps.values()),
    }
