"""Instructions per event under ``valgrind --tool=callgrind``: the stable figure for fire().

Wall time on a shared machine moves with the load; an instruction count does not
(the same binary, inputs and environment give the same count). Each row of
``bench_fire.py`` is run twice under callgrind in a fresh interpreter, once with
``BASE`` batches and once with ``BASE + EXTRA``, after the same set-up and one
warm-up batch; the difference divided by the extra events is what one event
costs, with the interpreter's start, the imports and the set-up cancelled out.
``PYTHONHASHSEED=0`` keeps dictionary layouts, and so the counts, repeatable.

Run from the repository root, with valgrind installed (Debian's ``valgrind``)::

    python benchmarks/callgrind_fire.py                 # every row, about 3 minutes
    python benchmarks/callgrind_fire.py cell_vote identify
    python benchmarks/callgrind_fire.py --json out.json  # also write the figures
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent

#: row name -> the builder in bench_fire.py that returns (batch, events per batch).
ROWS = {
    "transitions": "transitions_machine",
    "identify": "af_identify",
    "happy_path": "af_happy_path",
    "cell_vote": "af_cell_vote",
}
BASE = 20
#: The environment of the measured interpreters: the bytecode cache used and written
#: (PYTHONDONTWRITEBYTECODE, which this machine's shell sets, dropped), as an installed
#: package runs and so that the imports cost the same in both runs of a row.
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
EXTRA = 200

_INNER = """
import sys
sys.path.insert(0, {here!r})
import bench_fire
batch, k = getattr(bench_fire, {builder!r})()
batch()  # warm-up: caches filled, lazily imported modules loaded
for _ in range({batches}):
    batch()
print(k)
"""


def _instructions(builder: str, batches: int) -> tuple[int, int]:
    """Total instructions of one run with ``batches`` batches, and events per batch."""
    with tempfile.TemporaryDirectory(prefix="af-callgrind-") as folder:
        out = Path(folder) / "callgrind.out"
        script = _INNER.format(here=str(HERE), builder=builder, batches=batches)
        env = {**_ENV, "PYTHONHASHSEED": "0"}
        done = subprocess.run(
            [
                "valgrind",
                "--tool=callgrind",
                f"--callgrind-out-file={out}",
                sys.executable,
                "-c",
                script,
            ],
            capture_output=True,
            text=True,
            env=env,
            check=True,
        )
        match = re.search(r"Collected\s*:\s*([\d,]+)", done.stderr)
        if match is None:
            raise SystemExit(f"callgrind printed no total:\n{done.stderr[-2000:]}")
        return int(match.group(1).replace(",", "")), int(done.stdout.split()[-1])


def measure(row: str) -> dict[str, float]:
    builder = ROWS[row]
    # One unmeasured run first writes the bytecode cache, so that both measured runs
    # read it: a cache written between them (by this run or anything else) would be
    # counted as a difference, even a negative one.
    script = _INNER.format(here=str(HERE), builder=builder, batches=0)
    subprocess.run([sys.executable, "-c", script], capture_output=True, env=_ENV, check=True)
    low, k = _instructions(builder, BASE)
    high, _ = _instructions(builder, BASE + EXTRA)
    per_event = (high - low) / (EXTRA * k)
    return {"instructions_per_event": round(per_event), "events_per_batch": k}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("rows", nargs="*", help=f"rows to measure, of {', '.join(ROWS)} (all)")
    parser.add_argument("--json", type=Path, help="also write the figures to this file")
    args = parser.parse_args(argv)
    unknown = [row for row in args.rows if row not in ROWS]
    if unknown:
        parser.error(f"unknown row {unknown[0]!r}; choose from {', '.join(ROWS)}")
    if shutil.which("valgrind") is None:
        print("valgrind is not installed (apt-get install valgrind)", file=sys.stderr)
        return 2
    figures = {}
    reference = None
    print(f"{'row':<14} {'instructions/event':>20} {'× transitions':>14}")
    for row in args.rows or list(ROWS):
        figures[row] = measure(row)
        count = figures[row]["instructions_per_event"]
        if row == "transitions":
            reference = count
        ratio = f"{count / reference:.2f}×" if reference else "-"
        print(f"{row:<14} {count:>20,} {ratio:>14}", flush=True)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
