"""A step through the register and through the plain driver, its commit timed apart.

Why ``bench_service.py``'s SQLite per-step ratio sits where it does: ``COMMIT`` waits
for the disk (``fdatasync``), the same for both; the rest of a step is CPU work, which
on this machine runs slower when every step has just slept on the disk. Both
contenders fire the same cases ten at a time, alternated, each on one connection kept
throughout (as ``bench_service.py``'s ``10 cases at a time`` row); the register's
``COMMIT`` is timed by wrapping its connection's cursor, the driver's directly.

Prints, per step: the median and deciles of each ``COMMIT``, and the mean of the rest.
Run it twice, on the disk and on a memory file system, to tell the disk's share from
the CPU's::

    python benchmarks/commit_split.py
    TMPDIR=/dev/shm python benchmarks/commit_split.py
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from typing import Any

import bench_service as b  # this folder is on sys.path when the script runs


class _TimedCommits:
    """A cursor whose ``COMMIT``s are timed into ``spent``; everything else passes."""

    def __init__(self, cursor: Any, spent: list[float]) -> None:
        self._cursor = cursor
        self._spent = spent

    def __getattr__(self, name: str) -> Any:
        return getattr(self._cursor, name)

    def execute(self, sql: str, *args: Any) -> Any:
        if sql != "COMMIT":
            return self._cursor.execute(sql, *args)
        began = time.perf_counter()
        result = self._cursor.execute(sql)
        self._spent.append(time.perf_counter() - began)
        return result


def measure(count: int, chunk: int) -> dict[str, Any]:
    folder = tempfile.mkdtemp(prefix="commit-split-")
    try:
        _, rows = b.register_steps(f"sqlite:///{folder}/driver.db", count, "d")
        plan = b._driver_rows(rows)
        register, scenario = b.opened(f"sqlite:///{folder}/register.db", count, "r")
        register_commits: list[float] = []
        driver_commits: list[float] = []
        direct = register._firing.direct  # the register's own connection for its steps
        _, cursor = direct.current()
        direct._local.cursor = _TimedCommits(cursor, register_commits)
        connection = b.sqlite_connect(f"{folder}/driver.db")
        b._reset(connection.execute)
        move = b.MOVE.format(p="?")
        insert = b.INSERT.format(c=", ".join(b.COLUMNS), v=", ".join("?" for _ in b.COLUMNS))
        register_total = driver_total = 0.0
        for start in range(0, count, chunk):
            numbers = range(start, min(count, start + chunk))
            register_total += b.fire_cases(register, scenario, "r", numbers)
            began = time.perf_counter()
            for moved, values in plan[start * 11 : (start + chunk) * 11]:
                connection.execute("BEGIN IMMEDIATE")
                connection.execute(move, moved)
                connection.execute(insert, values)
                committed = time.perf_counter()
                connection.execute("COMMIT")
                driver_commits.append(time.perf_counter() - committed)
            driver_total += time.perf_counter() - began
        connection.close()
        register.close()
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    steps = count * 11
    return {
        "register": (register_total, register_commits),
        "driver": (driver_total, driver_commits),
        "steps": steps,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="cases of 11 steps (200)")
    args = parser.parse_args(argv)
    found = measure(args.cases, 10)
    steps = found["steps"]
    print(f"{args.cases} cases x 11 steps in {tempfile.gettempdir()}, ten cases at a time")
    print(f"{'µs a step':<10} {'total':>7} {'COMMIT median':>14} {'the rest':>9}  COMMIT deciles")
    for name in ("register", "driver"):
        total, commits = found[name]
        deciles = " ".join(f"{1e6 * d:.0f}" for d in statistics.quantiles(commits, n=10))
        rest = (total - sum(commits)) / steps
        print(
            f"{name:<10} {1e6 * total / steps:>7.0f} {1e6 * statistics.median(commits):>14.0f} "
            f"{1e6 * rest:>9.0f}  {deciles}"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
