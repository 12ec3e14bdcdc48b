"""The register against the raw floor: inserting, rebuilding and re-checking stored cases.

Every row is measured in the same run; each timing is the median of
``--repeats`` runs, and each ratio compares a median with the raw floor:
plain ``sqlite3`` inserting and scanning the very same rows.

Rows:

* ``fire``: ``Register.fire`` steps per second (judge, fold, one transaction
  per step), on SQLite and PostgreSQL; floor: ``sqlite3`` inserting the same
  rows with one commit each (WAL, ``synchronous=FULL``).
* ``bulk insert``: history rows per second through SQLAlchemy Core in batches
  (how ``import`` and this benchmark load data), on both backends; floor:
  ``sqlite3.executemany`` of the same rows in one transaction.
* ``rebuild``: ``Register.cases()`` rebuilding every case from its stored
  events on SQLite (goal: at least 200,000 events/s, memory flat: the peak
  resident size is printed before and after); floor: ``sqlite3`` scanning the
  same rows in the same order.
* ``recheck``: ``Register.recheck`` of every open case against another version
  of ``vn-2021`` (the same rules, a new version number) in two processes (goal: 100,000 cases, about 1,000,000 events, in 10 s or less
  on 2 cores).

The stored cases are copies of one example scenario
(``refused-education``: 11 steps, left open in ``dossier``) under new ids,
each with its own hash chain.

Run from the repository root with the package installed with the ``test`` extra::

    python benchmarks/bench_store.py            # 100,000 cases, ~1.1M events: minutes
    python benchmarks/bench_store.py --quick    # 1,000 cases: a smoke run
    python benchmarks/bench_store.py --postgresql postgresql://user@host/db   # an existing, empty database

Without ``--postgresql`` a throwaway server is started from the PostgreSQL
binaries when they are there (as in the tests), and the PostgreSQL rows are
left out when they are not.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import platform
import resource
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import attrs
import sqlalchemy as sa

import admission_flow as af
from admission_flow.model._canonical import canonical_json
from admission_flow.store import Register
from admission_flow.store._chain import opening_hash, row_hash
from admission_flow.store._schema import cases, history, members, metadata, procedures, units

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "scenarios" / "refused-education.yaml"
BATCH = 10_000


# -- the data ---------------------------------------------------------------------------------


def template(
    folder: Path,
) -> tuple[dict[str, list[dict[str, Any]]], dict[str, Any], list[dict[str, Any]]]:
    """The fixed rows (procedure, unit, members), and one case with its history rows."""
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(SCENARIO, plugins=plugins)
    with Register.create(folder / "template.db", plugins=plugins) as register:
        register.put_unit(scenario.unit, scenario.members.values())
        stored = register.add_case(
            scenario.engine.open(scenario.candidate.id, scenario.candidate, scenario.unit),
            scenario.procedure,
        )
        for event in scenario.events:
            stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored
        with register.db.connect() as connection:
            fixed = {
                table.name: [dict(r._mapping) for r in connection.execute(sa.select(table))]
                for table in (procedures, units, members)
            }
            case = dict(connection.execute(sa.select(cases)).one()._mapping)
            rows = [
                dict(r._mapping)
                for r in connection.execute(sa.select(history).order_by(history.c.seq))
            ]
    return fixed, case, rows


def copies(
    case: dict[str, Any], rows: list[dict[str, Any]], count: int
) -> Iterator[tuple[dict[str, Any], list[dict[str, Any]]]]:
    """``count`` copies of the case under new ids, each chain sealed anew."""
    candidate = json.loads(case["candidate"])
    for number in range(count):
        case_id = f"c-{number:07d}"
        new = case | {
            "id": case_id,
            "person_id": case_id,
            "candidate": canonical_json(candidate | {"id": case_id}),
        }
        new["opening_hash"] = opening_hash(new)
        previous = new["opening_hash"]
        new_rows = []
        for row in rows:
            row = row | {"case_id": case_id, "previous": previous}
            row["hash"] = previous = row_hash(row)
            new_rows.append(row)
        new["head"] = previous
        yield new, new_rows


def load(
    db: sa.Engine,
    fixed: dict[str, list[dict[str, Any]]],
    data: list[tuple[dict[str, Any], list[dict[str, Any]]]],
) -> float:
    """Insert every case and row through SQLAlchemy Core; seconds spent on history rows."""
    with db.begin() as connection:
        for table in (procedures, units, members):
            connection.execute(table.insert(), fixed[table.name])
    spent = 0.0
    for start in range(0, len(data), BATCH // 10):
        chunk = data[start : start + BATCH // 10]
        with db.begin() as connection:
            connection.execute(cases.insert(), [c for c, _ in chunk])
            rows = [r for _, case_rows in chunk for r in case_rows]
            began = time.perf_counter()
            connection.execute(history.insert(), rows)
            spent += time.perf_counter() - began
    return spent


def raw_tables(path: Path) -> sqlite3.Connection:
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    dialect = sa.create_engine("sqlite://").dialect
    for table in metadata.sorted_tables:
        connection.execute(str(sa.schema.CreateTable(table).compile(dialect=dialect)))
    return connection


def raw_insert(path: Path, data: list[tuple[dict[str, Any], list[dict[str, Any]]]]) -> float:
    """The floor: ``sqlite3.executemany`` of the same history rows in one transaction."""
    connection = raw_tables(path)
    columns = [c.name for c in history.columns]
    statement = (
        f"INSERT INTO history ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    )
    values = [
        tuple(r[c].isoformat() if c == "on_date" else r[c] for c in columns)
        for _, rows in data
        for r in rows
    ]
    began = time.perf_counter()
    connection.execute("BEGIN")
    connection.executemany(statement, values)
    connection.execute("COMMIT")
    spent = time.perf_counter() - began
    connection.close()
    return spent


def raw_commits(path: Path, rows: list[dict[str, Any]]) -> float:
    """The floor for fire: the same rows inserted with one commit each."""
    connection = raw_tables(path)
    columns = [c.name for c in history.columns]
    statement = (
        f"INSERT INTO history ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})"
    )
    began = time.perf_counter()
    for row in rows:
        connection.execute("BEGIN")
        connection.execute(
            statement, tuple(row[c].isoformat() if c == "on_date" else row[c] for c in columns)
        )
        connection.execute("COMMIT")
    spent = time.perf_counter() - began
    connection.close()
    return spent


def raw_scan(path: Path) -> float:
    connection = sqlite3.connect(path)
    began = time.perf_counter()
    cursor = connection.execute("SELECT * FROM history ORDER BY case_id, seq")
    count = 0
    while True:
        chunk = cursor.fetchmany(5000)
        if not chunk:
            break
        count += len(chunk)
    spent = time.perf_counter() - began
    connection.close()
    return spent


def fire_run(url: str, count: int) -> tuple[float, int]:
    """Open ``count`` cases and fire the scenario's events on each through the register."""
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(SCENARIO, plugins=plugins)
    steps = 0
    with Register.create(url, plugins=plugins) as register:
        register.put_unit(scenario.unit, scenario.members.values())
        began = time.perf_counter()
        for number in range(count):
            # Each copy is a person of its own: one open case per person.
            person = attrs.evolve(scenario.candidate, id=f"f-{number:06d}")
            stored = register.add_case(
                scenario.engine.open(person.id, person, scenario.unit), scenario.procedure
            )
            for event in scenario.events:
                stored = register.fire(
                    stored, event.event, event.actor, event.on, **event.facts
                ).stored
                steps += 1
        return time.perf_counter() - began, steps


# -- measuring ----------------------------------------------------------------------------


def median(repeats: int, run: Callable[[], float]) -> float:
    return statistics.median(run() for _ in range(repeats))


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def postgres(args: argparse.Namespace) -> tuple[Callable[[], str] | None, Callable[[], None]]:
    """A function giving a fresh PostgreSQL database URL, and one to stop the server."""
    if args.postgresql:
        urls = iter([args.postgresql])
        return (lambda: next(urls)), (lambda: None)
    sys.path.insert(0, str(ROOT))
    from tests.store.conftest import _Server

    server = _Server()
    if server.initdb is None or server.pg_ctl is None:
        return None, lambda: None
    server.start()
    return server.new_url, server.stop


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 cases instead of 100,000")
    parser.add_argument("--cases", type=int, help="how many stored cases")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgresql", metavar="URL", help="an existing, empty database")
    args = parser.parse_args(argv)
    count = args.cases or (1_000 if args.quick else 100_000)
    fires = min(count, 20 if args.quick else 200)
    print(
        f"admission_flow {af.__version__}, Python {platform.python_version()}, {platform.machine()}"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-store-"))
    fixed, case, rows = template(folder)
    data = list(copies(case, rows, count))
    events = count * len(rows)
    print(f"{count:,} cases, {events:,} events ({len(rows)} per case); medians of {args.repeats}")
    new_pg, stop_pg = postgres(args)
    table: list[tuple[str, float, str, float | None]] = []
    try:
        # fire
        fired_rows = [r for _, case_rows in data[:fires] for r in case_rows]
        floor = median(
            args.repeats,
            lambda: raw_commits(folder / f"commits-{time.monotonic_ns()}.db", fired_rows),
        )
        floor_rate = fires * len(rows) / floor
        table.append(("fire, raw sqlite3 (a commit per row)", floor_rate, "rows/s", 1.0))
        seconds, steps = fire_run(str(folder / "fire.db"), fires)
        table.append(("fire, SQLite", steps / seconds, "steps/s", steps / seconds / floor_rate))
        if new_pg is not None:
            seconds, steps = fire_run(new_pg(), fires)
            table.append(
                ("fire, PostgreSQL", steps / seconds, "steps/s", steps / seconds / floor_rate)
            )
        # bulk insert
        floor = median(
            args.repeats, lambda: raw_insert(folder / f"raw-{time.monotonic_ns()}.db", data)
        )
        table.append(("bulk insert, raw sqlite3", events / floor, "rows/s", 1.0))
        url = folder / "store.db"
        register = Register.create(url)
        seconds = load(register.db, fixed, data)
        table.append(("bulk insert, SQLite", events / seconds, "rows/s", floor / seconds))
        if new_pg is not None and not args.postgresql:
            with Register.create(new_pg()) as pg:
                seconds = load(pg.db, fixed, data)
            table.append(("bulk insert, PostgreSQL", events / seconds, "rows/s", floor / seconds))
        # rebuild
        raw_path = folder / "scan.db"
        raw_insert(raw_path, data)
        floor = median(args.repeats, lambda: raw_scan(raw_path))
        table.append(("scan, raw sqlite3", events / floor, "events/s", 1.0))
        before = peak_mb()

        def rebuild() -> float:
            began = time.perf_counter()
            folded = sum(s.version for s in register.cases())
            assert folded == events
            return time.perf_counter() - began

        seconds = median(args.repeats, rebuild)
        rebuilt = seconds
        table.append(
            ("rebuild, SQLite (goal ≥ 200,000/s)", events / seconds, "events/s", floor / seconds)
        )
        after = peak_mb()

        # Another version of the procedure, so that nothing can be skipped as already judged.
        bundled = Path(af.__file__).resolve().parent / "standard" / "procedures" / "vn-2021.yaml"
        other = folder / "vn-2025.yaml"
        other.write_text(
            bundled.read_text(encoding="utf-8").replace('version: "2021.2"', 'version: "2025.1"'),
            encoding="utf-8",
        )

        def recheck() -> float:
            began = time.perf_counter()
            register.recheck(other, processes=2)
            return time.perf_counter() - began

        seconds = median(args.repeats, recheck)
        table.append(("recheck, SQLite, 2 processes", count / seconds, "cases/s", None))
        rechecked = seconds

        # The 2025 move, once (it writes): every open case gets its migrate step.
        from admission_flow.store._migration import migrate_open_cases

        to = af.load_procedure("vn-2025")
        began = time.perf_counter()
        moves = migrate_open_cases(register, to, dt.date(2025, 7, 1), units={})
        seconds = time.perf_counter() - began
        assert sum(m.moved for m in moves) == count, "every copied case is open and moves"
        table.append(("migrate to vn-2025, SQLite, 1 process", count / seconds, "cases/s", None))
        table.append(("  (the rebuild beside it, in cases/s)", count / rebuilt, "cases/s", None))
        register.close()
    finally:
        stop_pg()
        shutil.rmtree(folder, ignore_errors=True)
    width = max(len(name) for name, *_ in table)
    for name, rate, unit, ratio in table:
        shown = f"{ratio:6.2f} × floor" if ratio is not None else ""
        print(f"{name:<{width}}  {rate:>12,.0f} {unit:<9} {shown}")
    print(f"recheck of {count:,} open cases: {rechecked:.2f} s (goal for 100,000: ≤ 10 s)")
    print(f"peak resident memory: {before:,.0f} MB before rebuilding, {after:,.0f} MB after")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
