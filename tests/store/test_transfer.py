"""export and import: JSON lines that rebuild the register, whole or pseudonymised."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.store import Register
from helpers import replay

NAMES = ("happy-standard", "refused-too-young", "refused-probationary-introducer")


@pytest.fixture
def register(register: Register) -> Register:
    """The register of conftest.py with the cases of ``NAMES``."""
    for name in NAMES:
        replay(register, name)
    return register


def exported(register: Register, *, pseudonymise: bool = False) -> str:
    out = io.StringIO()
    register.export(out, pseudonymise=pseudonymise)
    return out.getvalue()


def test_an_import_of_an_export_is_the_same_register(register: Register, tmp_path: Path) -> None:
    """Every case loads equal, every history row keeps its hash, verify holds."""
    text = exported(register)
    kinds = [json.loads(line)["kind"] for line in text.splitlines()]
    assert kinds[0] == "register"
    assert kinds.count("case") == len(NAMES)
    with Register.create(tmp_path / "copy.db", plugins=register.plugins) as copy:
        assert copy.import_lines(text.splitlines())["cases"] == len(NAMES)
        assert [s.case for s in copy.cases()] == [s.case for s in register.cases()]
        for case_id in register.case_ids():
            assert [e.hash for e in copy.history(case_id)] == [
                e.hash for e in register.history(case_id)
            ]
        assert copy.verify() == []
        assert exported(copy) == text


def test_importing_a_case_twice_writes_nothing(register: Register) -> None:
    """An export's case already in the register: StoreError naming it; nothing is added."""
    before = exported(register)
    with pytest.raises(af.StoreError, match="is already in the register; nothing was imported"):
        register.import_lines(before.splitlines())
    assert exported(register) == before


def test_an_export_whose_row_was_changed_is_refused(register: Register, tmp_path: Path) -> None:
    """A history line edited in the file: the import names the case and step; nothing written."""
    lines = exported(register).splitlines()
    index = next(
        i for i, line in enumerate(lines) if '"kind": "step"' in line and '"seq": 3' in line
    )
    step = json.loads(lines[index])
    step["event"] = "withdraw"
    lines[index] = json.dumps(step)
    with Register.create(tmp_path / "copy.db", plugins=register.plugins) as copy:
        with pytest.raises(af.StoreError, match=f"case '{step['case_id']}', step 3"):
            copy.import_lines(lines, source="edited.jsonl")
        assert copy.case_ids() == []


@pytest.mark.parametrize(
    ("line", "says"),
    [
        ("not json", "edited.jsonl:2: not a JSON line"),
        ('{"kind": "gossip"}', "edited.jsonl:2: unknown kind 'gossip'"),
        ("[1]", "edited.jsonl:2: a line must be an object"),
    ],
)
def test_a_malformed_line_is_named_by_file_and_line(
    register: Register, tmp_path: Path, line: str, says: str
) -> None:
    """A bad line: StoreError naming file and line, nothing imported."""
    lines = exported(register).splitlines()
    lines.insert(1, line)
    with Register.create(tmp_path / "copy.db", plugins=register.plugins) as copy:
        with pytest.raises(af.StoreError, match=says):
            copy.import_lines(lines, source="edited.jsonl")
        assert copy.case_ids() == []


def test_pseudonymised_exports_hide_names_birth_dates_and_ids(
    register: Register, tmp_path: Path
) -> None:
    """No name, birth date or id of the original remains; the same person gets the same
    stand-in everywhere; the export imports and verifies; the cases judge alike."""
    text = exported(register, pseudonymise=True)
    originals = [s.case for s in register.cases()]
    members = register.members("kdc-14")
    for case in originals:
        assert case.candidate.name not in text
        assert case.candidate.born.isoformat() not in text
        assert f'"{case.id}"' not in text
    for member_id in members:
        assert member_id not in text
    with Register.create(tmp_path / "copy.db", plugins=register.plugins) as copy:
        copy.import_lines(text.splitlines())
        assert copy.verify() == []
        copies = list(copy.cases())
        assert sorted(c.case.state or "" for c in copies) == sorted(
            c.state or "" for c in originals
        )
        assert sorted(len(c.case.history) for c in copies) == sorted(
            len(c.history) for c in originals
        )
        names = {c.case.candidate.name for c in copies}
        assert len(names) == len(originals)
        assert all(name.startswith("Người ") for name in names)
        # a member's stand-in is the same in the unit, in facts and as an actor
        stand_ins = set(copy.members("kdc-14"))
        actors = {
            step.actor.id for c in copies for step in c.case.history if step.actor.id is not None
        }
        assert actors <= stand_ins


def test_the_export_and_import_commands(
    register: Register, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """export --db prints JSON lines; import FILE --db adds them; verify holds."""
    url = register.db.url.render_as_string(hide_password=False)
    assert _cli.main(["export", "--db", url]) == 0
    dump = tmp_path / "register.jsonl"
    dump.write_text(capsys.readouterr().out, encoding="utf-8")
    copy = str(tmp_path / "copy.db")
    assert _cli.main(["import", str(dump), "--db", copy]) == 0
    assert capsys.readouterr().out == f"imported {len(NAMES)} cases, 42 steps\n"
    assert _cli.main(["verify", "--db", copy]) == 0
    assert _cli.main(["import", str(dump), "--db", copy]) == 2
    assert "already in the register" in capsys.readouterr().err
