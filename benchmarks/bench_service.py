"""The register's write path against the plain driver: a commit per step, and batches.

Rows, each a median of ``--repeats`` runs over the same cases, the register's and the
driver's runs alternated round by round (copies of the
``refused-education`` scenario: 11 steps each):

* ``per step, driver``: the two statements a step costs (move the case's
  version on, insert its history row), one transaction each, through the plain
  ``sqlite3`` driver (``BEGIN IMMEDIATE``, WAL, ``synchronous=FULL``, as the
  register sets it) or ``psycopg``; the rows are the register's own.
* ``per step, register``: ``Register.fire`` of the same events, judged by the
  engine, sealed and written, one transaction each. Goal: at least 0.8x the
  driver.
* ``per step, fire by case id``: the same, each call naming its case by id (as a
  service's request does), the case not loaded by the caller.
* ``fire, 10 cases at a time``: the ``Register.fire`` row again, its ratio taken chunk by
  chunk: ten cases through the register, then their statements through the driver, and
  so on, each keeping one connection (``alternated``); the median of the 20 chunks' ratios
  and their quartiles. The disk's cost moves within seconds here: this row is the
  steadier figure of the two.
* ``batch of 11, driver``: the same 22 statements of one case in one transaction.
* ``batch of 11, register``: ``Register.fire_many`` of one case's 11 events.
  Goal: at least 0.5x the driver's batched rate.

Run from the repository root (the package installed with its ``test`` extra)::

    python benchmarks/bench_service.py            # 200 cases, 2,200 steps per row
    python benchmarks/bench_service.py --quick    # 20 cases
    python benchmarks/bench_service.py --postgresql postgresql://user@host/db  # empty database
    python benchmarks/bench_service.py --no-postgresql  # the SQLite rows only

Without ``--postgresql`` (or with ``--postgresql auto``), two throwaway PostgreSQL
servers are started when their binaries are there (as in the tests): one with
``fsync=off``, where a commit costs the client's work and a round trip, and one at
PostgreSQL's default durability (``fsync=on``, ``synchronous_commit=on``), as SQLite
runs here (``synchronous=FULL``), where each commit waits for the disk. Every row of a
server runs against that server, the register's and the driver's runs alternated.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs

import admission_flow as af
from admission_flow.store import FireCall, Register
from admission_flow.store._schema import history

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "scenarios" / "refused-education.yaml"
#: Cases a chunk of the alternated row fires (11 steps each) before the driver's turn.
CHUNK = 10
#: The history row's columns, in the table's order: the register's own schema, not a copy.
COLUMNS = [column.name for column in history.columns]


def opened(url: str, count: int, prefix: str) -> tuple[Register, af.Scenario]:
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(SCENARIO, plugins=plugins)
    register = Register.create(url, plugins=plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    for number in range(count):
        person = attrs.evolve(scenario.candidate, id=f"{prefix}-{number:05d}")
        register.open(person.id, person, unit=scenario.unit.id, procedure=scenario.procedure)
    return register, scenario


def fire_cases(register: Register, scenario: af.Scenario, prefix: str, numbers: range) -> float:
    """Seconds for loading each of the cases ``numbers`` and firing the scenario's events
    on it, each step on the ``StoredCase`` the one before returned."""
    began = time.perf_counter()
    for number in numbers:
        stored = register.load(f"{prefix}-{number:05d}")
        for event in scenario.events:
            stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored
    return time.perf_counter() - began


def register_steps(
    url: str, count: int, prefix: str, *, by_id: bool = False
) -> tuple[float, list[dict[str, Any]]]:
    """Seconds for ``Register.fire`` of every event of ``count`` cases; the rows written.

    Each case is loaded, then fired on with the ``StoredCase`` each step returns; with
    ``by_id``, each step names its case by id only, as a service's request does.
    """
    register, scenario = opened(url, count, prefix)
    if by_id:
        began = time.perf_counter()
        for number in range(count):
            case_id = f"{prefix}-{number:05d}"
            for event in scenario.events:
                register.fire(case_id, event.event, event.actor, event.on, **event.facts)
        spent = time.perf_counter() - began
    else:
        spent = fire_cases(register, scenario, prefix, range(count))
    with register.db.connect() as connection:
        rows = [dict(r._mapping) for r in connection.exec_driver_sql("SELECT * FROM history")]
    register.close()
    return spent, rows


def register_batches(url: str, count: int, prefix: str) -> float:
    register, scenario = opened(url, count, prefix)
    began = time.perf_counter()
    for number in range(count):
        case_id = f"{prefix}-{number:05d}"
        register.fire_many(
            FireCall(case=case_id, event=e.event, actor=e.actor, on=e.on, facts=dict(e.facts))
            for e in scenario.events
        )
    spent = time.perf_counter() - began
    register.close()
    return spent


def alternated(
    url: str,
    target: str,
    plan: list[tuple[tuple[Any, ...], tuple[Any, ...]]],
    driver: Callable[..., float],
    count: int,
    chunk: int,
) -> list[float]:
    """``Register.fire``'s rate over the driver's, chunk by chunk: ``chunk`` cases fired
    through a register on ``url``, then the same cases' statements replayed by the driver
    on ``target``, and so on; one ratio per chunk. Fine-grained, so that both contenders of
    a chunk meet the same disk: the commits of this machine's disk cost 60 µs at times and
    4 ms at others, a regime that can turn within one round of the other rows. Both keep
    one connection throughout, as a service does (a connection opened per chunk would
    pay for a new write-ahead log each time, at SQLite: the last connection's close
    removes it)."""
    register, scenario = opened(url, count, "a")
    connect, replay = DRIVERS[driver]
    connection = connect(target)
    try:
        _reset(connection.execute)
        ratios = []
        for start in range(0, count, chunk):
            mine = fire_cases(register, scenario, "a", range(start, min(count, start + chunk)))
            ratios.append(replay(connection, plan[start * 11 : (start + chunk) * 11], 1) / mine)
    finally:
        connection.close()
        register.close()
    return ratios


def _driver_rows(rows: list[dict[str, Any]]) -> list[tuple[tuple[Any, ...], tuple[Any, ...]]]:
    """Each step's two statements' parameters: (move on, insert), in case and seq order."""
    result = []
    for row in sorted(rows, key=lambda r: (r["case_id"], r["seq"])):
        values = tuple(
            row[c].isoformat() if c == "on_date" and hasattr(row[c], "isoformat") else row[c]
            for c in COLUMNS
        )
        move = (row["seq"], row["hash"], row["to_state"], True, row["case_id"], row["seq"] - 1)
        result.append((move, values))
    return result


MOVE = "UPDATE cases SET version = {p}, head = {p}, state = {p}, open = {p} WHERE id = {p} AND version = {p}"
INSERT = "INSERT INTO history ({c}) VALUES ({v})"


def _reset(execute: Callable[[str], Any]) -> None:
    execute("DELETE FROM history")
    execute("UPDATE cases SET version = 0, head = opening_hash, state = NULL, open = true")


def sqlite_connect(path: str) -> Any:
    """The driver's connection, set as the register sets its own."""
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute("PRAGMA busy_timeout=30000")
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    return connection


def sqlite_replay(
    connection: Any, steps: list[tuple[tuple[Any, ...], tuple[Any, ...]]], batch: int
) -> float:
    """Seconds for ``steps``' statements on an open connection, ``batch`` steps a
    transaction."""
    move = MOVE.format(p="?")
    insert = INSERT.format(c=", ".join(COLUMNS), v=", ".join("?" for _ in COLUMNS))
    began = time.perf_counter()
    for start in range(0, len(steps), batch):
        connection.execute("BEGIN IMMEDIATE")
        for moved, values in steps[start : start + batch]:
            if connection.execute(move, moved).rowcount != 1:
                raise AssertionError("the driver's rows do not follow each other")
            connection.execute(insert, values)
        connection.execute("COMMIT")
    return time.perf_counter() - began


def sqlite_driver(
    path: str, steps: list[tuple[tuple[Any, ...], tuple[Any, ...]]], batch: int
) -> float:
    connection = sqlite_connect(path)
    _reset(connection.execute)
    spent = sqlite_replay(connection, steps, batch)
    connection.close()
    return spent


def psycopg_connect(url: str) -> Any:
    """The driver's connection, in autocommit (each step's transaction is explicit)."""
    import psycopg
    import sqlalchemy as sa

    parsed = sa.make_url(url)
    connection = psycopg.connect(
        host=parsed.host,
        port=parsed.port,
        user=parsed.username,
        dbname=parsed.database,
        password=parsed.password,
    )
    connection.autocommit = True
    return connection


def psycopg_replay(
    connection: Any, steps: list[tuple[tuple[Any, ...], tuple[Any, ...]]], batch: int
) -> float:
    move = MOVE.format(p="%s")
    insert = INSERT.format(c=", ".join(COLUMNS), v=", ".join("%s" for _ in COLUMNS))
    began = time.perf_counter()
    for start in range(0, len(steps), batch):
        with connection.transaction(), connection.cursor() as cursor:
            for moved, values in steps[start : start + batch]:
                cursor.execute(move, moved)
                if cursor.rowcount != 1:
                    raise AssertionError("the driver's rows do not follow each other")
                cursor.execute(insert, values)
    return time.perf_counter() - began


def psycopg_driver(
    url: str, steps: list[tuple[tuple[Any, ...], tuple[Any, ...]]], batch: int
) -> float:
    with psycopg_connect(url) as connection:
        _reset(connection.execute)
        return psycopg_replay(connection, steps, batch)


#: Each backend's driver: (connect, replay on a connection).
DRIVERS: dict[Callable[..., float], tuple[Callable[[str], Any], Callable[..., float]]] = {
    sqlite_driver: (sqlite_connect, sqlite_replay),
    psycopg_driver: (psycopg_connect, psycopg_replay),
}


def _servers(args: argparse.Namespace) -> tuple[list[tuple[str, Callable[[], str]]], list[Any]]:
    """The PostgreSQL targets: the given database, or two throwaway servers (``fsync=off``,
    and PostgreSQL's default durability), each a function giving a new database's URL."""
    if args.postgresql and args.postgresql != "auto":
        given = args.postgresql
        return [("PostgreSQL", lambda: given)], []
    sys.path.insert(0, str(ROOT))
    from tests.store.conftest import _Server

    targets: list[tuple[str, Callable[[], str]]] = []
    started: list[Any] = []
    for label, durable in (("PostgreSQL fsync=off", False), ("PostgreSQL durable", True)):
        server = _Server(durable=durable)
        if not (server.initdb and server.pg_ctl):
            print("PostgreSQL server binaries (initdb, pg_ctl) not found: its rows are left out")
            break
        server.start()
        started.append(server)
        targets.append((label, server.new_url))
    return targets, started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 cases instead of 200")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        help="an existing, empty database; 'auto' (the default): two throwaway servers",
    )
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL rows only")
    parser.add_argument(
        "--no-postgresql", action="store_true", help="SQLite rows only (no server started)"
    )
    args = parser.parse_args(argv)
    count = 20 if args.quick else 200
    print(
        f"admission_flow {af.__version__}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; {count} cases x 11 steps; medians of {args.repeats}"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-service-"))
    backends: list[tuple[str, Callable[[], str], Callable[..., float]]] = []
    if not args.no_sqlite:
        backends.append(
            ("SQLite", lambda: str(folder / f"r-{time.monotonic_ns()}.db"), sqlite_driver)
        )
    targets, started = ([], []) if args.no_postgresql else _servers(args)
    backends += [(label, new_url, psycopg_driver) for label, new_url in targets]
    steps = count * 11
    table: list[tuple[str, float | None, float | None, str]] = []
    try:
        for name, new_url, driver in backends:
            target = new_url()
            _, rows = register_steps(target, count, "d")  # the cases and rows the driver replays
            plan = _driver_rows(rows)
            # Contenders alternated, round by round, against the same server, so that both
            # meet the same load.
            runs: dict[str, list[float]] = {
                "mine": [], "floor": [], "by_id": [], "batch": [], "floor_batch": []
            }  # fmt: skip
            for n in range(args.repeats):
                runs["mine"].append(register_steps(new_url(), count, f"s{n}")[0])
                runs["floor"].append(driver(target, plan, 1))
                runs["by_id"].append(register_steps(new_url(), count, f"i{n}", by_id=True)[0])
                runs["batch"].append(register_batches(new_url(), count, f"b{n}"))
                runs["floor_batch"].append(driver(target, plan, 11))
            rate = {key: steps / statistics.median(values) for key, values in runs.items()}
            floor, floor_batch = rate["floor"], rate["floor_batch"]
            table.append((f"per step, {name}: driver", floor, None, ""))
            table.append(
                (
                    f"per step, {name}: Register.fire",
                    rate["mine"],
                    rate["mine"] / floor,
                    "goal ≥ 0.8",
                )
            )
            table.append(
                (f"per step, {name}: fire by case id", rate["by_id"], rate["by_id"] / floor, "")
            )
            chunks = alternated(new_url(), target, plan, driver, count, CHUNK)
            quartiles = statistics.quantiles(chunks, n=4)
            table.append(
                (
                    f"per step, {name}: fire, {CHUNK} cases at a time",
                    None,
                    statistics.median(chunks),
                    f"goal ≥ 0.8 (quartiles {quartiles[0]:.2f}-{quartiles[2]:.2f}x, "
                    f"{len(chunks)} chunks)",
                )
            )
            table.append((f"batch of 11, {name}: driver", floor_batch, None, ""))
            table.append(
                (
                    f"batch of 11, {name}: fire_many",
                    rate["batch"],
                    rate["batch"] / floor_batch,
                    "goal ≥ 0.5",
                )
            )
    finally:
        for server in started:
            server.stop()
        shutil.rmtree(folder, ignore_errors=True)  # the SQLite files: nothing left behind
    print(f"{'row':<54} {'steps/s':>10} {'ratio':>7}")
    for row, value, ratio, goal in table:
        shown = "" if ratio is None else f"{ratio:.2f}x"
        rate = "" if value is None else f"{value:,.0f}"
        print(f"{row:<54} {rate:>10} {shown:>7}  {goal}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
