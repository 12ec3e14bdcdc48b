"""recheck: the recorded steps of open cases another procedure would refuse, with rule ids."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.store import Register
from helpers import replay

BUNDLED = Path(af.__file__).resolve().parent / "standard" / "procedures" / "vn-2021.yaml"
OPEN_DOSSIER_BY_CELL = (
    "    to: dossier\n    by: cell\n    rules: [dates.order]\n\n  submit_application:"
)


@pytest.fixture
def stricter(tmp_path: Path) -> Path:
    """vn-2021 in a version where only the cell committee may open a dossier."""
    text = BUNDLED.read_text(encoding="utf-8")
    assert text.count(OPEN_DOSSIER_BY_CELL) == 1
    text = text.replace(
        OPEN_DOSSIER_BY_CELL, OPEN_DOSSIER_BY_CELL.replace("by: cell", "by: cell_committee")
    )
    text = text.replace('version: "2021.3"', 'version: "2025.1"')
    path = tmp_path / "vn-2025.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def register(register: Register) -> Register:
    """The register of conftest.py with four cases.

    Open: c-an (dossier), c-phuong (admitted); closed: c-oanh (official), c-thuy (withdrawn).
    """
    for name in ("refused-too-young", "late-decision-warning", "happy-standard", "withdrawn"):
        replay(register, name)
    return register


def open_dossier_seq(register: Register, case_id: str) -> int:
    return next(e.seq for e in register.history(case_id) if e.step.event == "open_dossier")


@pytest.mark.parametrize("processes", [1, 2])
def test_recheck_lists_each_open_cases_newly_refused_steps(
    register: Register, stricter: Path, processes: int
) -> None:
    """Only open cases, only the steps the new version refuses, with the rule that refuses them."""
    found = register.recheck(stricter, processes=processes)
    assert [c.case for c in found] == ["c-an", "c-phuong"]
    for case in found:
        (refusal,) = case.refusals
        assert (refusal.event, refusal.was, refusal.now, refusal.rules) == (
            "open_dossier",
            "accepted",
            "refused",
            ("auth.role",),
        )
        assert refusal.seq == open_dossier_seq(register, case.case)


def test_recheck_against_the_same_procedure_finds_nothing(register: Register) -> None:
    """The procedure the cases were judged by refuses none of what it accepted."""
    progress: list[tuple[int, int]] = []
    assert register.recheck("vn-2021", progress=lambda *p: progress.append(p)) == []
    assert progress[0] == (0, 2)
    assert progress[-1] == (2, 2)


def test_recheck_writes_nothing(register: Register, stricter: Path) -> None:
    """After a recheck every case has its version and verify holds."""
    before = {s.case.id: s.version for s in register.cases()}
    register.recheck(stricter)
    assert {s.case.id: s.version for s in register.cases()} == before
    assert register.verify() == []


def test_the_recheck_command_prints_text_and_json(
    register: Register, stricter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """recheck --db --procedure: one line per refused step and a summary; --json the same as data."""
    url = register.db.url.render_as_string(hide_password=False)
    assert _cli.main(["recheck", "--db", url, "--procedure", str(stricter)]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("c-an #")
    assert lines[0].endswith("open_dossier: accepted → refused: auth.role")
    assert lines[-1].endswith(
        "2 recorded steps in 2 of 2 open cases would not be accepted as recorded"
    )
    assert _cli.main(["recheck", "--db", url, "--procedure", str(stricter), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["procedure"]["version"] == "2025.1"
    assert data["open_cases"] == 2
    assert [c["case"] for c in data["cases"]] == ["c-an", "c-phuong"]
    assert data["cases"][0]["steps"][0]["rules"] == ["auth.role"]
    assert data["full"] is False


def test_the_recheck_commands_full_judges_every_step_and_finds_the_same(
    register: Register, stricter: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """recheck --full judges every recorded step (not only those whose event reads what
    changed) and, the skipping being exact, reports the very same steps."""
    url = register.db.url.render_as_string(hide_password=False)
    command = ["recheck", "--db", url, "--procedure", str(stricter), "--json"]
    assert _cli.main(command) == 0
    skipping = json.loads(capsys.readouterr().out)
    assert _cli.main([*command, "--full"]) == 0
    full = json.loads(capsys.readouterr().out)
    assert (skipping["full"], full["full"]) == (False, True)
    assert full["cases"] == skipping["cases"] != []


def test_recheck_with_a_procedure_that_cannot_be_loaded_is_exit_2(
    register: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A broken procedure file: exit 2 with its problems, before any case is judged."""
    bad = tmp_path / "bad.yaml"
    bad.write_text("procedure: x\n", encoding="utf-8")
    url = register.db.url.render_as_string(hide_password=False)
    assert _cli.main(["recheck", "--db", url, "--procedure", str(bad)]) == 2
    assert "bad.yaml:" in capsys.readouterr().err
