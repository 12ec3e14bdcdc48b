"""`admission-flow test` stays in its folder (issue #19): no read or write through a link
out of it, expected files within the limits of every file."""

from __future__ import annotations

import contextlib
import io
import shutil
from pathlib import Path

import pytest

from admission_flow.cli import _main as _cli

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "scenarios" / "happy-standard.yaml"
SECRET = '{"api_key": "SECRET-MARKER-9c1e"}\n'


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = _cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A folder with one scenario, and a secret file outside it."""
    cases = tmp_path / "cases"
    cases.mkdir()
    shutil.copy(SCENARIO, cases / "happy.yaml")
    (tmp_path / "secret.json").write_text(SECRET, encoding="utf-8")
    return cases


def test_an_expected_file_linked_out_of_the_folder_is_not_read(folder: Path) -> None:
    (folder / "happy.expected.json").symlink_to(folder.parent / "secret.json")
    status, out, err = cli("test", str(folder / "happy.yaml"), "--diff", "both")
    assert status == 2
    assert "SECRET-MARKER" not in out + err
    assert "a link to a file outside the scenario's folder" in err


def test_update_does_not_write_through_a_link_out_of_the_folder(folder: Path) -> None:
    (folder / "happy.expected.json").symlink_to(folder.parent / "secret.json")
    status, _, err = cli("test", "--update", str(folder / "happy.yaml"))
    assert status == 2
    assert "nothing was written" in err
    assert (folder.parent / "secret.json").read_text(encoding="utf-8") == SECRET


def test_a_link_inside_the_folder_is_followed(folder: Path) -> None:
    """The positive twin: a link to a file in the folder is written and read."""
    (folder / "kept").mkdir()
    (folder / "kept" / "happy.json").write_text("{}", encoding="utf-8")
    (folder / "happy.expected.json").symlink_to(folder / "kept" / "happy.json")
    assert cli("test", "--update", str(folder / "happy.yaml"))[0] == 0
    assert '"state": "official"' in (folder / "kept" / "happy.json").read_text(encoding="utf-8")
    assert cli("test", str(folder / "happy.yaml"))[0] == 0


def test_a_scenario_linked_in_from_outside_is_not_one_of_the_folder(folder: Path) -> None:
    outside = folder.parent / "other"
    outside.mkdir()
    shutil.copy(SCENARIO, outside / "far.yaml")
    (folder / "far.yaml").symlink_to(outside / "far.yaml")
    (folder / "far.expected.json").write_text("{}", encoding="utf-8")
    assert cli("test", "--update", str(folder))[0] == 2  # happy.yaml has no expected file yet
    (folder / "happy.expected.json").write_text("{}", encoding="utf-8")
    status, out, _ = cli("test", "--update", str(folder))
    assert status == 0
    assert "far" not in out
    assert (folder / "far.expected.json").read_text(encoding="utf-8") == "{}"


@pytest.mark.parametrize("depth", [65, 100_000])
def test_a_deeply_nested_expected_file_is_one_problem(folder: Path, depth: int) -> None:
    (folder / "happy.expected.json").write_text("[" * depth + "]" * depth, encoding="utf-8")
    status, out, err = cli("test", str(folder / "happy.yaml"))
    assert status == 2
    assert (
        err == f"{folder / 'happy.expected.json'}:1:1: values are nested more than 64 levels deep\n"
    )
    assert "Traceback" not in out


def test_64_levels_are_compared(folder: Path) -> None:
    """The boundary: 64 levels are read, and differ from the run (exit 1)."""
    (folder / "happy.expected.json").write_text("[" * 64 + "]" * 64, encoding="utf-8")
    assert cli("test", str(folder / "happy.yaml"))[0] == 1
