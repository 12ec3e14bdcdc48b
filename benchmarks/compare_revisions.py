"""Before and after, in one run: ``bench_fire.py`` against two revisions of the library.

Each revision's ``src/`` (and ``rules/``) is exported from git into a temporary
folder; the *same* measuring script (this checkout's ``bench_fire.py``) then
runs against one and the other in turn, ``--repeat`` times each, alternating,
so that a machine whose speed drifts slows both alike. The table gives, per
row, the median over the runs of each run's median, the change from the first
revision to the second, and each revision's ratio to the bare ``transitions``
trigger measured in the same runs (the measure the goals are stated in).

    python benchmarks/compare_revisions.py c9123ab HEAD            # about 3 minutes
    python benchmarks/compare_revisions.py c9123ab HEAD --quick    # a smoke run
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
REFERENCE = "transitions: bare trigger (reference)"


def export(revision: str, into: Path) -> Path:
    """The library's sources at ``revision``, in a folder of their own."""
    folder = into / revision.replace("/", "_")
    folder.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", revision, "src", "rules"],
        check=True,
        capture_output=True,
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def run_once(tree: Path, out: Path, extra: list[str]) -> dict[str, float]:
    env = dict(os.environ, PYTHONPATH=f"{tree / 'src'}{os.pathsep}{tree / 'rules'}")
    subprocess.run(
        [sys.executable, str(HERE / "bench_fire.py"), "--json", str(out), *extra],
        check=True,
        env=env,
        stdout=subprocess.DEVNULL,
    )
    result: dict[str, float] = json.loads(out.read_text(encoding="utf-8"))
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("before", help="a git revision (the baseline)")
    parser.add_argument("after", nargs="?", default="HEAD", help="a git revision (default HEAD)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per revision (default 3)")
    parser.add_argument("--quick", action="store_true", help="smoke runs of bench_fire.py")
    args = parser.parse_args(argv)
    extra = ["--quick"] if args.quick else []
    with tempfile.TemporaryDirectory() as tmp:
        trees = {rev: export(rev, Path(tmp)) for rev in (args.before, args.after)}
        runs: dict[str, list[dict[str, float]]] = {rev: [] for rev in trees}
        for number in range(args.repeat):
            for rev, tree in trees.items():
                print(f"run {number + 1}/{args.repeat}: {rev}", file=sys.stderr, flush=True)
                runs[rev].append(run_once(tree, Path(tmp) / f"{number}-{id(tree)}.json", extra))
    before, after = args.before, args.after
    names = list(runs[before][0])
    median = {
        rev: {name: statistics.median(run[name] for run in runs[rev]) for name in names}
        for rev in runs
    }
    width = max(len(name) for name in names)
    print(f"bench_fire.py, {args.repeat} alternating runs per revision; medians of run medians")
    print(
        f"{'benchmark':<{width}}  {before[:10]:>10} µs  {after[:10]:>10} µs  {'change':>7}  "
        f"{'× transitions':>13} {'before':>6} → {'after':<6}"
    )
    print("-" * (width + 66))
    for name in names:
        old, new = median[before][name], median[after][name]
        ratio_old = old / median[before][REFERENCE]
        ratio_new = new / median[after][REFERENCE]
        print(
            f"{name:<{width}}  {old:>13.3f}  {new:>13.3f}  {new / old - 1:>+7.0%}  "
            f"{'':>13} {ratio_old:>5.2f}× → {ratio_new:.2f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
