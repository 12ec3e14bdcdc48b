"""The register keeps each procedure's text: a kept case never depends on its file again."""

from __future__ import annotations

import datetime as dt
import io
import shutil
from pathlib import Path

import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.cli._main import main
from admission_flow.store import Register
from admission_flow.store._schema import procedures

D = dt.date
BUNDLED = Path(af.__file__).resolve().parent / "standard" / "procedures" / "vn-2021.yaml"
CANDIDATE = af.Person(
    id="c-an", name="Lê Văn An", born=D(1995, 2, 3), education="university",
    organizations=("youth_union",),
)  # fmt: skip
UNIT = af.Unit(id="kdc-1", kind="residential", official_members=12, has_youth_union=True)


def open_case(register: Register, path: Path) -> str:
    procedure = af.load_procedure(path, plugins=register.plugins)
    engine = af.Engine(procedure, plugins=register.plugins)
    register.put_unit(UNIT, [af.Member(id="m-1", status="official", since=D(2010, 1, 1))])
    stored = register.add_case(engine.open("c-an", CANDIDATE, UNIT), procedure)
    register.fire(stored, "identify", "cell_committee", D(2023, 3, 1))
    return "c-an"


@pytest.fixture
def copy(tmp_path: Path) -> Path:
    target = tmp_path / "procs" / "local.yaml"
    target.parent.mkdir()
    shutil.copy(BUNDLED, target)
    return target


@pytest.mark.parametrize("change", ["move", "edit", "delete"])
def test_a_kept_case_outlives_its_file(tmp_path: Path, copy: Path, change: str) -> None:
    """Moved, edited or deleted, the file no longer matters: the case fires from the kept text."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with Register.create(url, plugins=af.Plugins(entry_points=False)) as register:
        case_id = open_case(register, copy)
        before = register.load(case_id).case.procedure
    if change == "move":
        copy.rename(tmp_path / "elsewhere.yaml")
    elif change == "edit":
        copy.write_text(
            copy.read_text(encoding="utf-8").replace("en: Mentor assigned", "en: Mentor named"),
            encoding="utf-8",
        )
    else:
        copy.unlink()
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        fired = register.fire(case_id, "assign_mentor", "cell", D(2023, 3, 10), mentor="m-1")
        assert fired.outcome.accepted
        assert fired.stored.case.procedure == before
        assert register.verify() == []
    if change == "edit":  # the edited file is a new version: a new fingerprint
        assert af.load_procedure(copy).fingerprint != before.fingerprint


def test_the_kept_text_is_the_fingerprinted_resolved_procedure(tmp_path: Path, copy: Path) -> None:
    """procedures.text hashes to the fingerprint, names its plugins, and rebuilds the procedure."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with Register.create(url, plugins=af.Plugins(entry_points=False)) as register:
        open_case(register, copy)
        with register.db.connect() as connection:
            row = connection.execute(sa.select(procedures)).one()
        loaded = af.load_procedure(copy)
        assert row.text == loaded.text
        assert row.fingerprint == loaded.fingerprint
        assert '"admission_flow.standard"' in row.plugins
        assert '"module":"admission_flow.standard' in row.plugins


def test_a_tampered_procedure_text_is_named_by_verify(
    tmp_path: Path, copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """verify exits 1 naming the procedure whose stored text no longer holds its fingerprint."""
    url = f"sqlite:///{tmp_path / 'r.db'}"
    with Register.create(url, plugins=af.Plugins(entry_points=False)) as register:
        open_case(register, copy)
        with register.db.begin() as connection:
            connection.execute(
                procedures.update().values(text=procedures.c.text.op("||")(sa.literal(" ")))
            )
    assert main(["verify", "--db", url]) == 1
    out = capsys.readouterr().out
    assert "procedure vn-2021 2021.3 (" in out
    assert "its stored text does not match its fingerprint (modified)" in out
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        stored = register.load("c-an")  # the history holds: only the procedure was changed
        with pytest.raises(af.StoreError, match="cannot be rebuilt from its stored text"):
            register.fire(stored, "assign_mentor", "cell", D(2023, 3, 10), mentor="m-1")


def test_export_and_import_carry_the_text(tmp_path: Path, copy: Path) -> None:
    """An imported register fires its cases with the file gone: the text came with the export."""
    first = f"sqlite:///{tmp_path / 'a.db'}"
    second = f"sqlite:///{tmp_path / 'b.db'}"
    with Register.create(first, plugins=af.Plugins(entry_points=False)) as register:
        open_case(register, copy)
        out = io.StringIO()
        register.export(out)
    copy.unlink()
    with Register.create(second, plugins=af.Plugins(entry_points=False)) as register:
        register.import_lines(out.getvalue().splitlines())
        fired = register.fire("c-an", "assign_mentor", "cell", D(2023, 3, 10), mentor="m-1")
        assert fired.outcome.accepted
        assert register.verify() == []


def test_an_import_whose_text_was_changed_is_refused(tmp_path: Path, copy: Path) -> None:
    """A procedure line whose text does not hold its fingerprint: one line, nothing imported."""
    with Register.create(tmp_path / "a.db", plugins=af.Plugins(entry_points=False)) as register:
        open_case(register, copy)
        out = io.StringIO()
        register.export(out)
    lines = [
        line.replace("Mentor assigned", "Mentor named") if '"kind": "procedure"' in line else line
        for line in out.getvalue().splitlines()
    ]
    with Register.create(tmp_path / "b.db", plugins=af.Plugins(entry_points=False)) as register:
        with pytest.raises(af.StoreError, match="does not match its fingerprint"):
            register.import_lines(lines)
        assert register.case_ids() == []
