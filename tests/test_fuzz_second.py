"""Fuzzing the surfaces of the second round (issue #19): import lines, unit files and
reports, and the register's commands on a register with forged rows.

The same harness and contract as ``tests/test_fuzz.py`` (docs/limits.md): no traceback,
exit statuses within 0-4 as each command documents them, every line on standard error
one problem (``file:line: message`` for an export, ``file:line:col: message`` for a
YAML file, or ``admission-flow: message``), no raw control character, bounded time and
memory. The default budget is small; ``HYPOTHESIS_PROFILE=fuzz`` runs many more cases.
With ``FUZZ_SUMMARY=path``, the summary of this module goes to ``path`` with
``-second`` before its suffix.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.store import Register
from admission_flow.store._chain import opening_hash, row_hash
from test_fuzz import FUZZ, HOSTILE, TEXT, Stats, mutate, operation, run_case

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples" / "scenarios"
UNIT_SEEDS = [
    *sorted((ROOT / "tests" / "data" / "units").glob("*.yaml")),
    *sorted(ROOT.glob("examples/**/units.yaml")),
]
ERROR_LINE = re.compile(r"(?:.+?:\d+(?::\d+)?: .+|admission-flow: .+)")

#: Values worth trying in a JSON line: each was a traceback or a register it could not use.
JSON_HOSTILE = [
    "NaN",
    "Infinity",
    "-Infinity",
    '"\\ud800"',
    '"\\u0000"',
    '"a\\u0000b"',
    "1e999",
    "9" * 5000,
    "-1",
    "2147483648",
    "[" * 5000 + "]" * 5000,
    '{"$date": "2023-02-30"}',
    '"2023-03-10 forged"',
    '"9999-12-31"',
    '"yes"',
    '"x"',
    "null",
    "true",
    "{}",
    "[]",
    '"pope"',
    '"error"',
    '"many"',
    '"\\u2028\\u001b[2J\\u202e"',
    '"[/]"',
]


@pytest.fixture(scope="module")
def stats() -> Iterator[Stats]:
    found = Stats()
    yield found
    summary = os.environ.get("FUZZ_SUMMARY")
    if summary:
        path = Path(summary)
        path.with_name(f"{path.stem}-second{path.suffix}").write_text(
            json.dumps(found.as_dict(), indent=2) + "\n", encoding="utf-8"
        )


def _replay(register: Register, name: str) -> None:
    scenario = af.load_scenario(EXAMPLES / f"{name}.yaml", plugins=register.plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    stored = register.add_case(
        scenario.engine.open(scenario.candidate.id, scenario.candidate, scenario.unit),
        scenario.procedure,
    )
    for event in scenario.events[:-2]:  # the case stays open: fire and recheck have work
        stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A register of three cases, and its export."""
    root = tmp_path_factory.mktemp("fuzz2")
    db = root / "source.db"
    with Register.create(str(db), plugins=af.Plugins(entry_points=False)) as register:
        for name in ("happy-standard", "refused-too-young", "refused-probationary-introducer"):
            _replay(register, name)
        out = io.StringIO()
        register.export(out)
    export = root / "export.jsonl"
    export.write_text(out.getvalue(), encoding="utf-8")
    return db, export


# -- import ---------------------------------------------------------------------------------------

json_operation = st.one_of(
    operation,
    st.tuples(st.just("value"), st.integers(0, 10_000), st.sampled_from(JSON_HOSTILE)),
    st.tuples(
        st.just("insert"),
        st.integers(0, 10_000),
        st.integers(0, 400),
        st.sampled_from(JSON_HOSTILE),
    ),
)


@FUZZ
@given(
    operations=st.lists(json_operation, max_size=4),
    into_source=st.booleans(),
    field=st.integers(0, 40),
    value=st.sampled_from(JSON_HOSTILE),
)
def test_mutated_exports_keep_the_contract(
    tmp_path: Path,
    source: tuple[Path, Path],
    stats: Stats,
    operations: list[tuple[Any, ...]],
    into_source: bool,
    field: int,
    value: str,
) -> None:
    """import of a mutated export: 0 or 2, each problem `file:line: message`; on 2 nothing
    was imported; on 0 the register verifies."""
    db, export = source
    lines = export.read_text(encoding="utf-8").split("\n")
    # one JSON value replaced in place: "key": value -> "key": hostile
    index = field % max(len(lines) - 1, 1)
    keys = list(re.finditer(r'": ', lines[index]))
    if keys:
        at = keys[field % len(keys)].end()
        end = re.search(r"[,}\]]", lines[index][at:])
        stop = at + (end.start() if end else 0)
        lines[index] = lines[index][:at] + value + lines[index][stop:]
    path = tmp_path / "export.jsonl"
    path.write_bytes(mutate("\n".join(lines).encode("utf-8"), operations))
    target = tmp_path / "copy.db"
    if into_source:
        shutil.copy(db, target)
    status, _, _ = run_case(
        ["import", str(path), "--db", str(target)],
        stats,
        "export.jsonl",
        error_line=ERROR_LINE,
    )
    if status == 0:
        _, out, _ = run_case(["verify", "--db", str(target)], stats, "verify after import")
        assert out.startswith("ok: every chain holds")


# -- unit files and reports ------------------------------------------------------------------------


@FUZZ
@given(
    seed=st.sampled_from(UNIT_SEEDS),
    operations=st.lists(
        st.one_of(
            operation,
            st.tuples(
                st.just("value"),
                st.integers(0, 10_000),
                st.sampled_from(["'[/]'", "'[bold]x'", "'[link=https://e.x]y[/link]'", ":smile:"]),
            ),
        ),
        min_size=1,
        max_size=4,
    ),
    output=st.sampled_from(["terminal", "json", "html"]),
)
def test_mutated_unit_files_keep_the_contract(
    tmp_path: Path,
    stats: Stats,
    seed: Path,
    operations: list[tuple[Any, ...]],
    output: str,
) -> None:
    """report on a mutated unit file: 0 or 2, one safe line per problem; tables, JSON and
    HTML never hold a raw control character."""
    path = tmp_path / "units.yaml"
    path.write_bytes(mutate(seed.read_bytes(), operations))
    extra = {
        "terminal": [],
        "json": ["--json"],
        "html": ["--html", str(tmp_path / "r.html")],
    }[output]
    run_case(["report", str(path), "--as-of", "2023-06-30", *extra], stats, seed.name)


# -- the register's commands on forged rows -----------------------------------------------------

COLUMNS = [
    ("history", "on_date"),
    ("history", "facts"),
    ("history", "violations"),
    ("history", "deadlines"),
    ("history", "event"),
    ("history", "actor_id"),
    ("history", "to_state"),
    ("cases", "candidate"),
    ("cases", "unit"),
    ("cases", "state"),
    ("members", "since"),
    ("members", "status"),
]
COMMANDS = [
    ["verify"],
    ["history", "{case}"],
    ["history", "{case}", "--json"],
    ["export"],
    ["export", "--pseudonymise"],
    ["recheck", "--procedure", "vn-2021"],
    ["fire", "{case}", "{event}", "{fact}", "--by", "{by}", "--on", "{on}"],
]
CASES = ["c-oanh", "c-nam", "c-hanh", "nosuch"]
EVENTS = ["hold_ceremony", "withdraw", "cell_vote", "nosuch"]
FACTS = ["reason=x", "in_favour=1_0", "in_favour=27", "official_members=１０", "=", "x"]
BYS = ["cell", "candidate", "member:m-binh", ":", ""]
DATES = ["2023-10-10", "2024-10-14", "2200-01-01", "20231010", "2023-1０-10"]


def _reseal(connection: sqlite3.Connection) -> None:
    """Every chain sealed anew over what the rows now hold, as a forger who knows the scheme."""
    connection.row_factory = sqlite3.Row
    for head in [dict(row) for row in connection.execute("SELECT * FROM cases")]:
        try:
            previous = opening_hash(head)
        except (TypeError, ValueError):
            continue
        connection.execute("UPDATE cases SET opening_hash = ? WHERE id = ?", (previous, head["id"]))
        rows = connection.execute(
            "SELECT * FROM history WHERE case_id = ? ORDER BY seq", (head["id"],)
        )
        for row in [dict(r) for r in rows]:
            row["previous"] = previous
            try:
                previous = row_hash(row)
            except (TypeError, ValueError):  # a value no JSON holds (SQLite read 1e400 as inf)
                break  # the forger cannot seal this row: the chain stays broken here
            connection.execute(
                "UPDATE history SET previous = ?, hash = ? WHERE case_id = ? AND seq = ?",
                (row["previous"], previous, head["id"], row["seq"]),
            )
        connection.execute("UPDATE cases SET head = ? WHERE id = ?", (previous, head["id"]))


def _not_an_option(text: str) -> bool:
    """An argument the command line reads as a value (argparse takes '-x' as an option)."""
    return not text.startswith("-")


@FUZZ
@given(
    forged=st.lists(
        st.tuples(
            st.sampled_from(COLUMNS),
            st.one_of(st.sampled_from(HOSTILE + JSON_HOSTILE), st.text(TEXT, max_size=12)),
            st.integers(1, 20),
        ),
        max_size=2,
    ),
    command=st.sampled_from(COMMANDS),
    case=st.one_of(st.sampled_from(CASES), st.sampled_from(HOSTILE)).filter(_not_an_option),
    event=st.sampled_from(EVENTS),
    fact=st.one_of(st.sampled_from(FACTS), st.sampled_from(HOSTILE)).filter(_not_an_option),
    by=st.sampled_from(BYS),
    on=st.sampled_from(DATES),
    reseal=st.booleans(),
)
def test_register_commands_on_forged_rows_keep_the_contract(
    tmp_path: Path,
    source: tuple[Path, Path],
    stats: Stats,
    forged: list[tuple[tuple[str, str], str, int]],
    command: list[str],
    case: str,
    event: str,
    fact: str,
    by: str,
    on: str,
    reseal: bool,
) -> None:
    """verify, history, export, recheck and fire on a register whose rows were edited by
    hand (and, with ``reseal``, whose hashes were recomputed by an informed forger): 0, 1
    (verify found a break), 2 or 4; never a traceback."""
    db = tmp_path / "register.db"
    shutil.copy(source[0], db)
    with sqlite3.connect(db) as connection:
        for (table, column), value, seq in forged:
            text = value.replace("\x00", "")  # sqlite3 refuses NUL in SQL text parameters
            where = "seq = ?" if table == "history" else "rowid = ?"
            connection.execute(f"UPDATE {table} SET {column} = ? WHERE {where}", (text, seq % 4))
        if reseal:
            _reseal(connection)
    argv = [part.format(case=case, event=event, fact=fact, by=by, on=on) for part in command]
    if "{fact}" in command and not fact:
        argv.remove("")
    run_case(
        [*argv, "--db", str(db)],
        stats,
        " ".join(command),
        statuses=(0, 1, 2, 3, 4),
        error_line=ERROR_LINE,
    )
