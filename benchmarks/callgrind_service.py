"""Instructions per step of the register's SQLite write path under callgrind.

The stable figure behind ``bench_service.py``'s SQLite rows: each mode runs twice
under ``valgrind --tool=callgrind`` in a fresh interpreter, after the same set-up
(a register file, ``CASES`` cases of ``refused-education`` opened, one case fired
as a warm-up), firing ``BASE`` and then ``BASE + EXTRA`` cases of 11 steps; the
difference divided by the extra steps is one step's instructions, start-up and
set-up cancelled out. The time the disk takes (``fdatasync``) is not an
instruction, so this is the CPU side only. ``PYTHONHASHSEED=0``.

Modes: ``fire`` (``Register.fire`` with the ``StoredCase`` each step returns),
``by_id`` (``Register.fire`` naming the case), ``many`` (``Register.fire_many`` of a
case's 11 events), ``driver`` and ``driver_batch`` (the same statements on the plain
``sqlite3`` driver, a transaction per step or per case, as ``bench_service.py``).

Run from the repository root::

    python benchmarks/callgrind_service.py            # every mode
    python benchmarks/callgrind_service.py fire many
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
MODES = ("fire", "by_id", "many", "driver", "driver_batch")
CASES = 40
BASE = 4
EXTRA = 20
_ENV = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
_ENV["PYTHONHASHSEED"] = "0"

_INNER = """
import sys
sys.path.insert(0, {here!r})
import bench_service as b
from admission_flow.store import FireCall
mode, count, path = {mode!r}, {count}, {path!r}
register, scenario = b.opened("sqlite:///" + path, {cases}, "c")
events = scenario.events

def fire(number):
    stored = register.load(f"c-{{number:05d}}")
    for e in events:
        stored = register.fire(stored, e.event, e.actor, e.on, **e.facts).stored

def by_id(number):
    for e in events:
        register.fire(f"c-{{number:05d}}", e.event, e.actor, e.on, **e.facts)

def many(number):
    register.fire_many(
        FireCall(case=f"c-{{number:05d}}", event=e.event, actor=e.actor, on=e.on,
                 facts=dict(e.facts))
        for e in events
    )

if mode.startswith("driver"):  # the same set-up in both runs: every case fired once
    for number in range({most} + 1):
        many(number)
    with register.db.connect() as connection:
        rows = [dict(r._mapping) for r in connection.exec_driver_sql("SELECT * FROM history")]
    register.close()
    plan = b._driver_rows(rows)
    b.sqlite_driver(path, plan[:11], 11)  # warm-up; resets the tables first
    import sqlite3
    batch = 11 if mode == "driver_batch" else 1
    b.sqlite_driver(path, plan[: 11 * (count + 1)], batch)
else:
    step = {{"fire": fire, "by_id": by_id, "many": many}}[mode]
    step(0)  # warm-up
    for number in range(1, count + 1):
        step(number)
    register.close()
"""


def instructions(mode: str, count: int) -> int:
    with tempfile.TemporaryDirectory(prefix="af-cg-service-") as folder:
        code = _INNER.format(
            here=str(HERE),
            mode=mode,
            count=count,
            path=f"{folder}/r.db",
            cases=CASES,
            most=BASE + EXTRA,
        )
        out = f"{folder}/callgrind.out"
        subprocess.run(
            ["valgrind", "--tool=callgrind", f"--callgrind-out-file={out}",
             sys.executable, "-c", code],
            check=True, env=_ENV, capture_output=True,
        )  # fmt: skip
        text = Path(out).read_text()
    found = re.search(r"^summary:\s+(\d+)", text, re.MULTILINE) or re.search(
        r"^totals:\s+(\d+)", text, re.MULTILINE
    )
    assert found is not None
    return int(found.group(1))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modes", nargs="*", default=list(MODES))
    args = parser.parse_args(argv)
    instructions(args.modes[0], 0)  # the bytecode caches written, as an installed package runs
    for mode in args.modes:
        low, high = instructions(mode, BASE), instructions(mode, BASE + EXTRA)
        print(f"{mode:<14} {(high - low) / (EXTRA * 11):>12,.0f} instructions per step")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
