"""Rebuilding and re-checking 100,000 stored cases, beside the raw scan of the same rows.

Rows, on SQLite and on PostgreSQL, in one run (medians of ``--repeats``):

* ``raw scan`` (the anchor): the plain driver (``sqlite3``; ``psycopg`` with a
  server-side cursor) reading the history columns a rebuild reads, in case and
  step order, and nothing else.
* ``rebuild``: ``Register.cases()`` rebuilding every case from its rows. Goal:
  at least 200,000 events per CPU-second of this process, memory flat (the
  peak resident size before and after is printed).
* ``recheck, one rule changed``: ``Register.recheck`` in two processes against
  a child of ``vn-2021`` that changes one rule (``introduction.twelve_months``
  only records): the steps of the events that name it are judged again, the
  rest are not. Goal: 100,000 cases in at most 10 s (wall).
* ``recheck, full``: the same with ``full=True`` (every step judged again),
  for comparison.

The cases are copies of one example scenario (``refused-education``: 11 steps,
left open in ``dossier``) under new ids, each with its own hash chain, written
in bulk by the plain driver (``executemany`` on SQLite, ``COPY`` on PostgreSQL).

Run from the repository root (the package installed with its ``test`` extra)::

    python benchmarks/bench_rebuild.py                 # 100,000 cases, several minutes
    python benchmarks/bench_rebuild.py --cases 10000   # a quicker run
    python benchmarks/bench_rebuild.py --postgresql postgresql://user@host/db  # an empty database

Without ``--postgresql`` a throwaway server is started from the PostgreSQL
binaries when they are there (as in the tests), else its rows are left out.
"""

from __future__ import annotations

import argparse
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

import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Register
from admission_flow.store._rows import FOLDED
from admission_flow.store._schema import cases, history, members, procedures, units

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_store import copies, postgres, template  # a sibling script

ONE_RULE = "rules: {introduction.twelve_months: {severity: record}}"
SCAN = f"SELECT {', '.join(FOLDED)} FROM history ORDER BY case_id, seq"


def _values(table: sa.Table, row: dict[str, Any]) -> tuple[Any, ...]:
    return tuple(row[column.name] for column in table.columns)


Template = tuple[dict[str, list[dict[str, Any]]], dict[str, Any], list[dict[str, Any]]]


def fill(register: Register, count: int, made: Template) -> int:
    """``count`` copies of the template case, written in bulk; the number of events."""
    fixed, case, rows = made
    db = register.db
    with db.begin() as connection:
        for table in (procedures, units, members):
            connection.execute(table.insert(), fixed[table.name])
    driver_tables = (cases, history)
    events = 0
    batch: dict[str, list[tuple[Any, ...]]] = {"cases": [], "history": []}

    def flush() -> None:
        with db.begin() as connection:
            driver: Any = connection.connection.driver_connection
            for table in driver_tables:
                values = batch[table.name]
                names = ", ".join(c.name for c in table.columns)
                if db.dialect.name == "postgresql":
                    with driver.cursor().copy(f"COPY {table.name} ({names}) FROM STDIN") as copy:
                        for value in values:
                            copy.write_row(value)
                else:
                    marks = ", ".join("?" for _ in table.columns)
                    cursor = driver.cursor()
                    cursor.executemany(
                        f"INSERT INTO {table.name} ({names}) VALUES ({marks})",
                        [
                            tuple(v.isoformat() if hasattr(v, "isoformat") else v for v in value)
                            for value in values
                        ],
                    )
                values.clear()

    for new, new_rows in copies(case, rows, count):
        batch["cases"].append(_values(cases, new))
        batch["history"].extend(_values(history, row) for row in new_rows)
        events += len(new_rows)
        if len(batch["cases"]) >= 5_000:
            flush()
    flush()
    return events


def raw_scan(url: sa.URL) -> Callable[[], tuple[float, float, int]]:
    def sqlite() -> tuple[float, float, int]:
        connection = sqlite3.connect(url.database or "")
        wall, cpu = time.perf_counter(), time.process_time()
        cursor = connection.execute(SCAN)
        count = 0
        while chunk := cursor.fetchmany(5000):
            count += len(chunk)
        spent = time.perf_counter() - wall, time.process_time() - cpu
        connection.close()
        return *spent, count

    def postgresql() -> tuple[float, float, int]:
        import psycopg

        with psycopg.connect(
            host=url.host, port=url.port, user=url.username, dbname=url.database
        ) as connection:
            wall, cpu = time.perf_counter(), time.process_time()
            count = 0
            with connection.cursor(name="scan") as cursor:
                cursor.execute(SCAN)
                while chunk := cursor.fetchmany(5000):
                    count += len(chunk)
            return time.perf_counter() - wall, time.process_time() - cpu, count

    return sqlite if url.get_backend_name() == "sqlite" else postgresql


def rebuild(register: Register) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    count = sum(stored.version for stored in register.cases())
    return time.perf_counter() - wall, time.process_time() - cpu, count


def median_of(
    repeats: int, run: Callable[[], tuple[float, float, int]]
) -> tuple[float, float, int]:
    runs = [run() for _ in range(repeats)]
    return (
        statistics.median(r[0] for r in runs),
        statistics.median(r[1] for r in runs),
        runs[0][2],
    )


def _cpu() -> float:
    """CPU seconds of this process and of its children that have ended (recheck's workers)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def measure(
    name: str, url: str, count: int, folder: Path, repeats: int, made: Template, recheck: bool
) -> Iterator[tuple[str, str, str, str]]:
    plugins = af.Plugins(entry_points=False)
    with Register.create(url, plugins=plugins) as register:
        began = time.perf_counter()
        events = fill(register, count, made)
        yield (f"{name}: written", f"{events:,} events", f"{time.perf_counter() - began:.1f} s", "")
        floor_wall, floor_cpu, scanned = median_of(repeats, raw_scan(register.db.url))
        assert scanned == events
        yield (
            f"{name}: raw scan (anchor)",
            f"{events / floor_cpu:,.0f} ev/CPU-s",
            f"{events / floor_wall:,.0f} ev/s",
            "1.00",
        )
        before = peak_mb()
        wall, cpu, folded = median_of(repeats, lambda: rebuild(register))
        assert folded == events
        after = peak_mb()
        yield (
            f"{name}: rebuild, cases()",
            f"{events / cpu:,.0f} ev/CPU-s",
            f"{events / wall:,.0f} ev/s",
            f"{floor_cpu / cpu:.2f}  goal ≥ 200,000 ev/CPU-s; "
            f"peak RSS {before:,.0f} → {after:,.0f} MB",
        )
        if not recheck:
            return
        variant = folder / "one-rule.yaml"
        variant.write_text(f'extends: vn-2021\nversion: "one-rule"\n{ONE_RULE}\n', "utf-8")
        for label, full in (("one rule changed", False), ("full", True)):
            times, cpus = [], []
            for _ in range(repeats if not full else 1):
                began, used = time.perf_counter(), _cpu()
                register.recheck(variant, processes=2, full=full)
                times.append(time.perf_counter() - began)
                cpus.append(_cpu() - used)
            seconds, cpu = statistics.median(times), statistics.median(cpus)
            goal = "goal ≤ 10 s at 100,000 cases" if not full else ""
            yield (
                f"{name}: recheck, {label}, 2 processes",
                f"{count / seconds:,.0f} cases/s",
                f"{seconds:.1f} s",
                f"{cpu:.1f} CPU-s in all (the workers' too)  {goal}",
            )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--postgresql", metavar="URL", help="an existing, empty database")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument(
        "--rebuild-only", action="store_true", help="no recheck rows (to compare older code)"
    )
    args = parser.parse_args(argv)
    print(
        f"admission_flow {af.__version__}, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; {args.cases:,} cases; medians of {args.repeats}"
    )
    folder = Path(tempfile.mkdtemp(prefix="bench-rebuild-"))
    new_pg, stop_pg = postgres(args)
    table: list[tuple[str, str, str, str]] = []
    made = template(folder)
    recheck = not args.rebuild_only
    try:
        if not args.no_sqlite:
            sqlite_url = str(folder / "cases.db")
            for row in measure(
                "SQLite", sqlite_url, args.cases, folder, args.repeats, made, recheck
            ):
                print(*row, sep="  ", flush=True)
                table.append(row)
        if new_pg is not None:
            for row in measure(
                "PostgreSQL", new_pg(), args.cases, folder, args.repeats, made, recheck
            ):
                print(*row, sep="  ", flush=True)
                table.append(row)
    finally:
        stop_pg()
        shutil.rmtree(folder, ignore_errors=True)
    print()
    width = max(len(row[0]) for row in table)
    print(f"{'row':<{width}}  {'CPU rate':>20}  {'wall':>14}  × anchor (CPU)")
    for what, rate, wall, ratio in table:
        print(f"{what:<{width}}  {rate:>20}  {wall:>14}  {ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
