"""``benchmarks/run.py`` keeps working: one tiny run gives every row of issue 20's table.

No figure is asserted (the benchmarks measure, the tests never time anything): the run
must finish, write every row with its anchor, and ``--compare`` must tell a row that
moved the wrong way beyond its noise from one that did not.
"""

from __future__ import annotations

import copy
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUN = ROOT / "benchmarks" / "run.py"

#: The rows of the issue's table, each against its anchor.
ROWS = {
    "fire_identify",
    "fire_happy_path",
    "fire_cell_vote",
    "steps_plain",
    "steps_decide",
    "memory_dossier",
    "rebuild_sqlite",
    "recheck_sqlite",
    "import_af",
    "import_engine",
    "import_store",
    "cli_help",
    "cli_validate",
}


def test_a_quick_run_writes_every_row_and_compare_flags_a_regression(tmp_path: Path) -> None:
    out = tmp_path / "run.json"
    command = [sys.executable, str(RUN), "--quick", "--cases", "12", "--steps", "20"]
    command += ["--repeats", "1", "--no-callgrind", "--json", str(out)]
    done = subprocess.run(
        command, cwd=ROOT, capture_output=True, text=True, check=False, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(out.read_text(encoding="utf-8"))
    assert set(result["rows"]) == ROWS
    for key, row in result["rows"].items():
        assert row["key"] == key
        assert row["value"] > 0, key
        assert row["anchor"], key
        assert row["compare"] in {"instructions", "bytes", "ratio", "seconds"}, key
        assert key in done.stdout
    assert result["meta"]["cases"] == 12
    assert result["rows"]["steps_plain"]["label"].startswith("fire at 20 steps")
    assert "skipped" in result["rows"]["fire_cell_vote"]["callgrind"]

    spec = importlib.util.spec_from_file_location("af_benchmark_run", RUN)
    assert spec is not None
    assert spec.loader is not None
    run = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(run)
    text, regressed = run.compare(result, result)
    assert regressed == []
    assert "REGRESSION" not in text
    worse = copy.deepcopy(result)
    worse["rows"]["memory_dossier"]["value"] *= 1.5  # bytes: lower is better
    worse["rows"]["rebuild_sqlite"]["ratio"] /= 2  # a rate: higher is better
    within = result["rows"]["fire_cell_vote"]["ratio"] * 1.05  # inside the noise of a ratio
    worse["rows"]["fire_cell_vote"]["ratio"] = within
    text, regressed = run.compare(result, worse)
    assert regressed == ["memory_dossier", "rebuild_sqlite"]
    assert text.count("REGRESSION") == 2
    _, regressed = run.compare(worse, result)  # the way back is better, not worse
    assert regressed == []


def test_the_service_benchmarks_run_and_leave_nothing_behind(tmp_path: Path) -> None:
    """``bench_service.py`` (with its ten-cases-at-a-time row) and ``commit_split.py``
    finish on a tiny run, print their rows, and remove their SQLite files."""
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    runs = {
        "bench_service.py": (
            ["--quick", "--no-postgresql", "--repeats", "1"],
            "10 cases at a time",
        ),
        "commit_split.py": (["--cases", "2"], "the rest"),
    }
    for script, (arguments, row) in runs.items():
        done = subprocess.run(
            [sys.executable, str(ROOT / "benchmarks" / script), *arguments],
            cwd=ROOT, capture_output=True, text=True, check=False, timeout=600, env=env,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr[-3000:]
        assert row in done.stdout, script
        assert list(tmp_path.iterdir()) == [], script
