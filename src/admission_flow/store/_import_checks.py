"""Checking an export before anything of it is imported: every line, every value.

``import`` is a validator first. An export file may come from anywhere (a
backup, another register, a colleague's e-mail), so each line is read within
the limits every file has (``docs/limits.md``: a regular file only, 1 MiB a
line, 64 levels of nesting, 200,000 values a line) and each value is checked
as the register will use it later: its type, the value's own checks (a member's
status, a unit's counts, a violation's severity, dates within 1900–2199),
``person_id`` equal to the candidate's id, a unit and a procedure the case can
name, no case, unit, member or procedure twice. Every problem is collected,
each as ``file:line: message``; one problem and nothing is imported.

The checks are plain functions over the tables' columns (``_schema``), so that a
column added to a table is checked by its type without a change here.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
import stat
from collections.abc import Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from admission_flow._limits import (
    MAX_DEPTH,
    MAX_FILE_BYTES,
    MAX_NODES,
    MAX_PROBLEMS_SHOWN,
    cut,
    escape,
    in_calendar,
    quote,
)
from admission_flow.exceptions import AdmissionFlowError, StoreError
from admission_flow.model._serial import (
    deadline_from_json,
    decode,
    member_from_json,
    person_from_json,
    unit_from_json,
    violation_from_json,
)
from admission_flow.model._words import describe

from ._schema import cases, history, members, procedures, units

__all__ = [
    "MAX_LINE_BYTES",
    "ExportFileError",
    "Unreadable",
    "check_record",
    "read_export",
]

#: The longest line an export may have: the size of any other file.
MAX_LINE_BYTES = MAX_FILE_BYTES
#: Whole numbers a column holds: PostgreSQL's ``integer``.
_MAX_INTEGER = 2**31 - 1


class ExportFileError(StoreError, ValueError):
    """An export file that cannot be imported: every problem, each ``file:line: message``.

    ``problems`` holds ``(line, message)`` pairs in line order. Nothing was imported.
    """

    def __init__(self, source: str, problems: Iterable[tuple[int, str]]) -> None:
        self.source = source
        self.problems = tuple(sorted(problems, key=lambda p: p[0]))
        shown = [
            f"{escape(source)}:{line}: {escape(cut(message, 1000))}"
            for line, message in self.problems[:MAX_PROBLEMS_SHOWN]
        ]
        hidden = len(self.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            shown.append(
                f"{escape(source)}:{self.problems[MAX_PROBLEMS_SHOWN][0]}: {hidden:,} more "
                "problems from here on are not shown; fix the ones above first"
            )
        super().__init__("\n".join(shown))


class Unreadable(str):
    """A line that could not be read (too long, not UTF-8): its text is empty, its
    ``problem`` says why. ``read_export`` yields one instead of stopping, so that
    the lines after it are still checked."""

    problem: str

    def __new__(cls, problem: str) -> Unreadable:
        line = super().__new__(cls, "")
        line.problem = problem
        return line


# -- reading the file ----------------------------------------------------------------------


def read_export(path: str | Path) -> Iterator[str]:
    """The lines of an export file, split on ``\\n`` only, within the limits of every file.

    Raises:
        ExportFileError: the path is not a regular file, or cannot be opened.
    """
    name = str(path)
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer before it is refused.
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except FileNotFoundError:
        raise ExportFileError(name, [(1, "no such file")]) from None
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a valid path"
        raise ExportFileError(name, [(1, f"cannot be read: {reason}")]) from None
    with os.fdopen(fd, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if stat.S_ISDIR(mode):
            raise ExportFileError(name, [(1, "a folder, not a file")])
        if not stat.S_ISREG(mode):
            raise ExportFileError(
                name,
                [
                    (
                        1,
                        "not a regular file (a device, a pipe or a socket); give the path of an export",
                    )
                ],
            )
        while True:
            data = file.readline(MAX_LINE_BYTES + 1)
            if not data:
                return
            if len(data) > MAX_LINE_BYTES and not data.endswith(b"\n"):
                while data and not data.endswith(b"\n"):  # a regular file: this ends
                    data = file.readline(MAX_LINE_BYTES)
                yield Unreadable(
                    f"the line is longer than {MAX_LINE_BYTES:,} bytes; "
                    "an export's lines are far shorter: is this an export?"
                )
                continue
            try:
                yield data.rstrip(b"\n").decode("utf-8")
            except UnicodeDecodeError as exc:
                yield Unreadable(
                    f"not UTF-8 text (byte 0x{data[exc.start]:02x} at column "
                    f"{exc.start + 1}); an export is written in UTF-8"
                )


# -- one line -------------------------------------------------------------------------------


class _Refused(Exception):
    """A value JSON allows and the register does not (``NaN``, ``Infinity``)."""


def _constant(name: str) -> Any:
    raise _Refused(f"{name} is not a number the register keeps; write a finite number")


def parse_line(text: str) -> tuple[dict[str, Any] | None, list[str]]:
    """The JSON object of one line, or ``None`` and why not."""
    if len(text) > MAX_LINE_BYTES:  # lines handed in as strings, not read from a file
        return None, [f"the line is longer than {MAX_LINE_BYTES:,} characters"]
    try:
        value = json.loads(text, parse_constant=_constant)
    except _Refused as exc:
        return None, [str(exc)]
    except json.JSONDecodeError as exc:
        return None, [f"not a JSON line: {exc.msg} (column {exc.colno})"]
    except RecursionError:
        return None, [f"values are nested more than {MAX_DEPTH} levels deep"]
    except ValueError as exc:  # a number of more than 4,300 digits
        return None, [f"not a JSON line the register can read: {cut(str(exc), 80)}"]
    problems = _walk(value)
    if problems:
        return None, problems
    if not isinstance(value, dict) or not isinstance(value.get("kind"), str):
        return None, ["a line must be an object with a 'kind'"]
    return value, []


def _walk(value: Any) -> list[str]:
    """Depth, count, and the texts no register can keep: U+0000 and lone surrogates."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    count = 0
    while stack:
        item, depth = stack.pop()
        count += 1
        if count > MAX_NODES:
            return [f"the line holds more than {MAX_NODES:,} values"]
        if depth > MAX_DEPTH:
            return [f"values are nested more than {MAX_DEPTH} levels deep"]
        if isinstance(item, dict):
            for key, inner in item.items():
                problem = _text_problem(key)
                if problem:
                    return [problem]
                stack.append((inner, depth + 1))
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
        elif isinstance(item, str):
            problem = _text_problem(item)
            if problem:
                return [problem]
        elif isinstance(item, float) and not math.isfinite(item):
            return ["a number too large for the register; write a finite number"]
    return []


def _text_problem(text: str) -> str | None:
    if "\x00" in text:
        return f"the text {quote(escape(text))} holds U+0000, which no register can keep"
    for char in text:
        if "\ud800" <= char <= "\udfff":
            return (
                f"the text {quote(escape(text))} holds a lone surrogate (U+{ord(char):04X}), "
                "which is not a character; an export never holds one"
            )
    return None


# -- columns by their types -------------------------------------------------------------------


def _date(value: Any, field: str) -> str | None:
    if type(value) is not str:
        return f"'{field}' must be a date written YYYY-MM-DD, not {describe(value)}"
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return f"'{field}' must be a date written YYYY-MM-DD, not {quote(escape(value))}"
    if len(value) != 10 or day.isoformat() != value:
        return f"'{field}' must be a date written YYYY-MM-DD, not {quote(escape(value))}"
    if not in_calendar(day):
        return f"'{field}': the date {value} is outside the years 1900-2199"
    return None


def check_columns(
    record: Mapping[str, Any], table: sa.Table, what: str, *, optional: Iterable[str] = ()
) -> list[str]:
    """Each column of ``table`` in ``record``, of the column's type; no other key."""
    problems: list[str] = []
    names = {column.name for column in table.columns}
    extra = sorted(set(record) - names)
    if extra:
        problems.append(f"{what}: unknown field {quote(escape(extra[0]))}")
    skip = set(optional)
    missing = [
        f"'{column.name}'"
        for column in table.columns
        if column.name not in record and not column.nullable and column.name not in skip
    ]
    if missing:
        problems.append(
            f"{what}: missing field{'s' if len(missing) > 1 else ''} {', '.join(missing)}"
        )
    for column in table.columns:
        name = column.name
        if name not in record:
            continue
        value = record[name]
        if value is None:
            if not column.nullable:
                problems.append(f"{what}: '{name}' must not be null")
            continue
        python = column.type.python_type
        if python is bool:
            if type(value) is not bool:
                problems.append(f"{what}: '{name}' must be true or false, not {describe(value)}")
        elif python is int:
            if type(value) is not int:
                problems.append(f"{what}: '{name}' must be a whole number, not {describe(value)}")
            elif not 0 <= value <= _MAX_INTEGER:
                problems.append(
                    f"{what}: '{name}' must be from 0 to {_MAX_INTEGER:,}, not {cut(str(value), 20)}"
                )
        elif python is dt.date:
            problem = _date(value, name)
            if problem:
                problems.append(f"{what}: {problem}")
        elif python is str and type(value) is not str:
            problems.append(f"{what}: '{name}' must be text, not {describe(value)}")
    return problems


def _value_check(what: str, build: Any, data: Any) -> list[str]:
    """``build(data)`` as the register will run it later; its error as a problem."""
    if not isinstance(data, dict):
        return [f"{what} must be an object, not {describe(data)}"]
    try:
        built = build(data)
    except AdmissionFlowError as exc:
        return [f"{what}: {exc}"]
    except KeyError as exc:
        return [f"{what}: missing field {quote(exc.args[0])}"]
    except (TypeError, ValueError, AttributeError) as exc:
        return [f"{what}: {cut(str(exc), 120)}"]
    for attribute in ("born", "since", "start", "due", "met_on"):
        day = getattr(built, attribute, None)
        if isinstance(day, dt.date) and not in_calendar(day):
            return [f"{what}: the date {day} is outside the years 1900-2199"]
    return []


def _dates_inside(value: Any) -> list[str]:
    """Tagged dates inside facts and details: each a date of the calendar."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            if set(item) == {"$date"}:
                problem = _date(item["$date"], "$date")
                if problem:
                    return [problem]
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return []


def _json_column(name: str, value: Any) -> list[str]:
    """A step's JSON column: facts, violations, warnings, deadlines."""
    if name == "facts":
        if not isinstance(value, dict):
            return [f"'facts' must be an object, not {describe(value)}"]
        problems = _dates_inside(value)
        if not problems:
            try:
                decode(value)
            except (KeyError, TypeError, ValueError, AttributeError, AdmissionFlowError) as exc:
                problems.append(f"'facts' cannot be read: {cut(str(exc), 120)}")
        return problems
    if name in ("violations", "warnings"):
        if not isinstance(value, list):
            return [f"'{name}' must be a list, not {describe(value)}"]
        problems = []
        for index, item in enumerate(value):
            problems += _value_check(f"{name}[{index}]", violation_from_json, item)
            if isinstance(item, dict):
                problems += _dates_inside(item.get("details"))
        return problems
    if not isinstance(value, dict) or set(value) != {"set", "met"}:
        return [f"'deadlines' must be an object with 'set' and 'met', not {describe(value)}"]
    problems = []
    for part in ("set", "met"):
        items = value[part]
        if not isinstance(items, list):
            problems.append(f"'deadlines.{part}' must be a list, not {describe(items)}")
            continue
        for index, item in enumerate(items):
            problems += _value_check(f"deadlines.{part}[{index}]", deadline_from_json, item)
    return problems


STEP_JSON = ("facts", "violations", "warnings", "deadlines")


def check_record(kind: str, record: Mapping[str, Any]) -> list[str]:
    """Every problem of one line's record (its ``kind`` removed), on its own."""
    if kind == "register":
        return []
    if kind == "procedure":
        return check_columns(record, procedures, "procedure")
    if kind == "unit":
        return _check_unit(record)
    if kind == "case":
        return _check_case(record)
    if kind == "step":
        problems = check_columns(
            {k: v for k, v in record.items() if k not in STEP_JSON},
            _STEP,
            "step",
        )
        for name in STEP_JSON:
            if name not in record:
                problems.append(f"step: missing field '{name}'")
            else:
                problems += [f"step: {p}" for p in _json_column(name, record[name])]
        if type(record.get("seq")) is int and record["seq"] < 1:
            problems.append("step: 'seq' counts from 1")
        return problems
    return [
        f"unknown kind {quote(escape(kind))}; an export has register, procedure, unit, case and step lines"
    ]


def _without(table: sa.Table, names: Iterable[str]) -> sa.Table:
    """A copy of ``table`` without the columns ``names`` (checked on their own)."""
    skip = set(names)
    return sa.Table(
        table.name,
        sa.MetaData(),
        *(
            sa.Column(c.name, c.type, nullable=c.nullable)
            for c in table.columns
            if c.name not in skip
        ),
    )


_UNIT = _without(units, ())
#: A case line: its columns, the candidate and the unit as objects (checked on their own).
_CASE_PRESENT = sa.Table(
    "cases",
    sa.MetaData(),
    *(
        sa.Column(
            c.name, sa.JSON if c.name in ("candidate", "unit") else c.type, nullable=c.nullable
        )
        for c in cases.columns
    ),
)
_STEP = _without(history, STEP_JSON)


def _check_unit(record: Mapping[str, Any]) -> list[str]:
    extra = sorted(set(record) - {"unit", "members"})
    problems = [f"unit: unknown field {quote(escape(extra[0]))}"] if extra else []
    unit = record.get("unit")
    if not isinstance(unit, dict):
        return [*problems, f"unit: 'unit' must be an object, not {describe(unit)}"]
    problems += check_columns(unit, _UNIT, "unit")
    if not problems:
        problems += _value_check("unit", unit_from_json, unit)
    listed = record.get("members")
    if not isinstance(listed, list):
        return [*problems, f"unit: 'members' must be a list, not {describe(listed)}"]
    seen: set[str] = set()
    for index, member in enumerate(listed):
        what = f"unit: members[{index}]"
        if not isinstance(member, dict):
            problems.append(f"{what} must be an object, not {describe(member)}")
            continue
        found = check_columns(member, _MEMBER, what)
        problems += found or _value_check(what, member_from_json, member)
        mid = member.get("id")
        if isinstance(mid, str):
            if mid in seen:
                problems.append(f"{what}: member {quote(escape(mid))} is listed twice; keep one")
            seen.add(mid)
    return problems


_MEMBER = _without(members, ("unit_id",))


def _check_case(record: Mapping[str, Any]) -> list[str]:
    problems = check_columns(record, _CASE_PRESENT, "case", optional=("person_id",))
    candidate = record.get("candidate")
    if "candidate" in record:
        problems += _value_check("case: candidate", person_from_json, candidate)
    if "unit" in record:
        problems += _value_check("case: unit", unit_from_json, record["unit"])
    if isinstance(candidate, dict):
        cid = candidate.get("id")
        person = record.get("person_id", cid)
        if person != cid:
            problems.append(
                f"case: 'person_id' {quote(escape(str(person)))} is not the candidate's id "
                f"{quote(escape(str(cid)))}; the rules across cases find a person by it"
            )
    unit = record.get("unit")
    if isinstance(unit, dict) and unit.get("id") != record.get("unit_id"):
        problems.append(
            f"case: 'unit_id' {quote(escape(str(record.get('unit_id'))))} is not the id of the "
            f"case's unit {quote(escape(str(unit.get('id'))))}"
        )
    return problems
