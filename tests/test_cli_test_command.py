"""`admission-flow test`: scenario files against their expected output, without Python."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from admission_flow.cli import _main as _cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIOS = ROOT / "examples" / "scenarios"


@pytest.fixture
def withdrawn(tmp_path: Path) -> Path:
    """A copy of the withdrawn example with its expected file."""
    for suffix in (".yaml", ".expected.json"):
        shutil.copy(SCENARIOS / f"withdrawn{suffix}", tmp_path / f"withdrawn{suffix}")
    return tmp_path / "withdrawn.yaml"


def edit_expected(scenario: Path, **changes: object) -> None:
    path = scenario.with_name(scenario.stem + ".expected.json")
    value = json.loads(path.read_text(encoding="utf-8"))
    value.update(changes)
    path.write_text(json.dumps(value, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def test_every_example_scenario_matches_its_expected_output(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The examples folder passes whole: exit 0, one ok line per scenario."""
    assert _cli.main(["test", str(SCENARIOS)]) == 0
    out = capsys.readouterr().out
    count = len(list(SCENARIOS.glob("*.expected.json")))
    assert out.count("ok    ") == count
    assert f"{count} scenario(s): {count} passed, 0 failed, 0 could not be run" in out


def test_a_wrong_expectation_exits_1_and_shows_each_difference_by_path(
    withdrawn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A changed state and a dropped step are listed by JSON path and in a unified diff."""
    expected = json.loads(withdrawn.with_name("withdrawn.expected.json").read_text("utf-8"))
    edit_expected(withdrawn, state="official", steps=expected["steps"][:-1])
    assert _cli.main(["test", str(withdrawn)]) == 1
    out = capsys.readouterr().out
    assert "FAIL  " in out
    assert '$.state: expected "official", got "withdrawn"' in out
    assert "$.steps[4]: not expected, the run gives" in out
    assert '-  "state": "official",' in out
    assert '+  "state": "withdrawn",' in out
    assert "1 scenario(s): 0 passed, 1 failed" in out


def test_the_diff_can_be_paths_only(withdrawn: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """--diff paths leaves the unified diff out."""
    edit_expected(withdrawn, case="c-other")
    assert _cli.main(["test", "--diff", "paths", str(withdrawn)]) == 1
    out = capsys.readouterr().out
    assert '$.case: expected "c-other", got "c-thuy"' in out
    assert "@@" not in out


def test_a_scenario_without_expected_output_exits_2_and_says_how_to_write_it(
    withdrawn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario named directly must have its expected file."""
    withdrawn.with_name("withdrawn.expected.json").unlink()
    assert _cli.main(["test", str(withdrawn)]) == 2
    err = capsys.readouterr().err
    assert f"{withdrawn}:1:1: no expected output withdrawn.expected.json beside it" in err
    assert "--update" in err


def test_expected_output_that_is_not_json_exits_2_with_its_position(
    withdrawn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken expected file is a bad file, reported at its line and column."""
    withdrawn.with_name("withdrawn.expected.json").write_text('{\n  "case": ,\n}\n', "utf-8")
    assert _cli.main(["test", str(withdrawn)]) == 2
    assert "withdrawn.expected.json:2:11: not JSON: Expecting value" in capsys.readouterr().err


def test_a_broken_scenario_exits_2_and_the_others_still_run(
    withdrawn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One file that cannot be run does not hide the results of the rest."""
    bad = withdrawn.with_name("bad.yaml")
    bad.write_text("procedure: vn-2021\n", encoding="utf-8")
    bad.with_name("bad.expected.json").write_text("{}\n", encoding="utf-8")
    assert _cli.main(["test", str(withdrawn.parent)]) == 2
    captured = capsys.readouterr()
    assert f"ERROR {bad}" in captured.out
    assert f"ok    {withdrawn}" in captured.out
    assert f"{bad}:1:1: missing 'unit'" in captured.err


@pytest.mark.parametrize("kind", ["missing", "empty folder"])
def test_a_path_with_nothing_to_run_exits_2(
    kind: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A path that does not exist, or a folder without scenarios, is a bad input."""
    path = tmp_path / "nowhere" if kind == "missing" else tmp_path
    assert _cli.main(["test", str(path)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:1:1: " in err


def test_update_writes_what_run_json_prints(
    withdrawn: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--update rewrites the expected file byte for byte as `run --json` prints it."""
    expected_file = withdrawn.with_name("withdrawn.expected.json")
    original = expected_file.read_text(encoding="utf-8")
    expected_file.write_text("{}\n", encoding="utf-8")
    assert _cli.main(["test", "--update", str(withdrawn)]) == 0
    assert expected_file.read_text(encoding="utf-8") == original
    assert _cli.main(["test", str(withdrawn)]) == 0
    assert "1 passed" in capsys.readouterr().out


def test_the_testing_package_imports_without_hypothesis_until_a_strategy_is_used() -> None:
    """admission-flow test and check run on a core install: Hypothesis loads only on demand."""
    import subprocess
    import sys

    code = (
        "import sys, admission_flow.testing as t; "
        "assert 'hypothesis' not in sys.modules; "
        "t.people; assert 'hypothesis' in sys.modules; print('ok')"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.stdout.strip() == "ok", done.stderr
