"""Run every benchmark, each in its own interpreter, and print their tables.

A fresh interpreter per script keeps one script's heap (100,000 cases) from
slowing the other's garbage collector.

    python benchmarks/run_all.py            # about 75 s
    python benchmarks/run_all.py --quick    # a smoke run, about 15 s
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("bench_fire.py", "bench_cases.py", "bench_store.py")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    status = 0
    for script in SCRIPTS:
        print(f"=== {script} {' '.join(args)}".rstrip(), flush=True)
        result = subprocess.run([sys.executable, str(HERE / script), *args], check=False)
        status = status or result.returncode
        print(flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
