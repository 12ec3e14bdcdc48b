"""Hostile exports and registers (issue #19): import checks every line, export is
line-safe and round-trips, an undecodable stored value is a StoreError naming the case."""

from __future__ import annotations

import datetime as dt
import io
import itertools
import json
import os
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.store import Register
from admission_flow.store._chain import row_hash

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
Edit = Callable[[list[dict[str, Any]]], None]
_numbers = itertools.count()


def _open(url: str) -> Register:
    return Register.create(url, plugins=af.Plugins(entry_points=False))


def replay_as(
    register: Register,
    name: str,
    *,
    case_id: str,
    person: str,
    unit_id: str | None = None,
    events: int | None = None,
) -> None:
    """Run an example scenario through the register as another candidate (and unit)."""
    scenario = af.load_scenario(EXAMPLES / f"{name}.yaml", plugins=register.plugins)
    candidate = attrs.evolve(scenario.candidate, id=case_id, name=person)
    unit = scenario.unit if unit_id is None else attrs.evolve(scenario.unit, id=unit_id)
    register.put_unit(unit, scenario.members.values())
    stored = register.add_case(scenario.engine.open(case_id, candidate, unit), scenario.procedure)
    for event in scenario.events[:events]:
        stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored


def export_text(register: Register, *, pseudonymise: bool = False) -> str:
    out = io.StringIO()
    register.export(out, pseudonymise=pseudonymise)
    return out.getvalue()


@pytest.fixture(scope="module")
def one_case_export(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The export of a register of one case (happy-standard), made once."""
    with _open(str(tmp_path_factory.mktemp("source") / "source.db")) as register:
        replay_as(register, "happy-standard", case_id="c-oanh", person="Lê Thị Oanh")
        return export_text(register)


@pytest.fixture
def records(one_case_export: str) -> list[dict[str, Any]]:
    """The lines of that export, to edit: each test imports them into ``url``."""
    return [json.loads(line) for line in one_case_export.split("\n") if line]


def _first(lines: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    return next(line for line in lines if line["kind"] == kind)


def _raw(index: int, text: str) -> Edit:
    def edit(lines: list[dict[str, Any]]) -> None:
        lines[index] = {"$raw": text}

    return edit


def _set(kind: str, path: str, value: Any) -> Edit:
    def edit(lines: list[dict[str, Any]]) -> None:
        target: Any = _first(lines, kind)
        *parents, last = path.split(".")
        for part in parents:
            target = target[int(part)] if part.isdigit() else target[part]
        target[last] = value

    return edit


def _repeat(kind: str) -> Edit:
    def edit(lines: list[dict[str, Any]]) -> None:
        index = next(i for i, line in enumerate(lines) if line["kind"] == kind)
        lines.insert(index + 1, json.loads(json.dumps(lines[index])))

    return edit


def _repeat_member(lines: list[dict[str, Any]]) -> None:
    unit = _first(lines, "unit")
    unit["members"].append(dict(unit["members"][0]))


def _drop_unit(lines: list[dict[str, Any]]) -> None:
    lines[:] = [line for line in lines if line["kind"] != "unit"]


def _drop_procedure(lines: list[dict[str, Any]]) -> None:
    lines[:] = [line for line in lines if line["kind"] != "procedure"]


def _nested(lines: list[dict[str, Any]]) -> None:
    lines[3] = {"$raw": '{"kind": "step", "facts": ' + "[" * 5000 + "]" * 5000 + "}"}


HOSTILE: dict[str, tuple[Edit, int, str]] = {
    "duplicate case": (_repeat("case"), 5, "case 'c-oanh' is also on line 4; keep one"),
    "duplicate unit": (_repeat("unit"), 4, "unit 'kdc-14' is also on line 3; keep one"),
    "duplicate member": (_repeat_member, 3, "member 'm-binh' is listed twice"),
    "unknown unit": (_drop_unit, 3, "unknown unit 'kdc-14'"),
    "unknown procedure": (_drop_procedure, 3, "unknown procedure '"),
    "NaN count": (
        _raw(2, '{"kind": "unit", "unit": {"official_members": NaN}, "members": []}'),
        3,
        "NaN is not a number the register keeps",
    ),
    "Infinity count": (
        _raw(2, '{"kind": "unit", "unit": {"official_members": Infinity}, "members": []}'),
        3,
        "Infinity is not a number the register keeps",
    ),
    "accepted yes": (_set("step", "accepted", "yes"), 5, "'accepted' must be true or false"),
    "version x": (_set("case", "version", "x"), 4, "'version' must be a whole number"),
    "deep nesting": (_nested, 4, "nested more than 64 levels deep"),
    "lone surrogate": (_set("case", "state", "\ud800"), 4, "lone surrogate (U+D800)"),
    "U+0000 in an id": (_set("unit", "members.0.id", "m-\x00"), 3, "holds U+0000"),
    "status pope": (_set("unit", "members.0.status", "pope"), 3, "status must be one of"),
    "official_members many": (
        _set("unit", "unit.official_members", "many"),
        3,
        "'official_members' must be a whole number",
    ),
    "severity error": (
        _set(
            "step",
            "violations",
            [{"rule": "x", "message": {"vi": "a", "en": "b"}, "source": "s", "severity": "error"}],
        ),
        5,
        "severity must be one of block, record, warning",
    ),
    "person_id of another": (
        _set("case", "person_id", "c-other"),
        4,
        "'person_id' 'c-other' is not the candidate's id 'c-oanh'",
    ),
    "a date outside the calendar": (
        _set("unit", "members.0.since", "9999-12-31"),
        3,
        "outside the years 1900-2199",
    ),
    "a date with more": (_set("step", "on_date", "2023-03-10 forged"), 5, "must be a date"),
    "a state the history does not reach": (
        _set("case", "state", "probation"),
        4,
        "the case row says state 'probation', its history 'official'",
    ),
}


def _write(lines: list[dict[str, Any]], path: Path) -> None:
    path.write_text(
        "".join((line["$raw"] if "$raw" in line else json.dumps(line)) + "\n" for line in lines),
        encoding="utf-8",
    )


def _import(file: Path, url: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    status = _cli.main(["import", str(file), "--db", url])
    return status, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_a_hostile_line_is_refused_with_its_file_and_line(
    name: str,
    url: str,
    records: list[dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Exit 2, `file:line: message` on one line, no traceback, nothing imported."""
    edit, line, says = HOSTILE[name]
    edit(records)
    file = tmp_path / "edited.jsonl"
    _write(records, file)
    copy = url
    status, err = _import(file, copy, capsys)
    assert status == 2, err
    first = err.splitlines()[0]
    assert first.startswith(f"{file}:{line}: "), err
    assert says in err
    with _open(copy) as register:
        assert register.case_ids() == []
        assert export_text(register).count("\n") == 1  # the register line alone


def test_every_problem_of_a_file_is_listed_at_once(
    records: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _set("unit", "members.0.status", "pope")(records)
    _set("case", "version", "x")(records)
    file = tmp_path / "edited.jsonl"
    _write(records, file)
    status, err = _import(file, str(tmp_path / "copy.db"), capsys)
    assert status == 2
    assert [line.split(": ")[0] for line in err.splitlines()] == [f"{file}:3", f"{file}:4"]


def test_the_positive_twin_imports(
    url: str,
    records: list[dict[str, Any]],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """The same lines unedited import (exit 0) on each backend."""
    file = tmp_path / "export.jsonl"
    _write(records, file)
    status, _ = _import(file, url, capsys)
    assert status == 0
    assert capsys.readouterr().out == ""  # read by _import already


def test_an_empty_file_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    file = tmp_path / "empty.jsonl"
    file.write_text("", encoding="utf-8")
    status, err = _import(file, str(tmp_path / "copy.db"), capsys)
    assert (status, err) == (
        2,
        f"{file}:1: the file holds no lines; an export starts with its 'register' line\n",
    )


def test_devices_and_fifos_are_refused_at_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    fifo = tmp_path / "pipe.jsonl"
    os.mkfifo(fifo)
    for path in (Path("/dev/zero"), fifo):
        status, err = _import(path, str(tmp_path / "copy.db"), capsys)
        assert status == 2
        assert (
            err
            == f"{path}:1: not a regular file (a device, a pipe or a socket); give the path of an export\n"
        )


def test_a_line_past_one_mebibyte_is_refused(
    records: list[dict[str, Any]], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    file = tmp_path / "long.jsonl"
    _write(records, file)
    with file.open("a", encoding="utf-8") as out:
        out.write('{"kind": "step", "event": "' + "x" * (1024 * 1024) + '"}\n')
    status, err = _import(file, str(tmp_path / "copy.db"), capsys)
    assert status == 2
    assert f"{file}:{len(records) + 1}: the line is longer than 1,048,576 bytes" in err


# -- export is line-safe and round-trips --------------------------------------------------------

LINE_BREAKERS = "\u2028\u2029\x85\x1b\x7f\u202e\x0b\x0c\x1c\x1d\x1e\r\t"
hostile_text = (
    st.lists(
        st.one_of(
            st.sampled_from([*LINE_BREAKERS, "[/]", "<script>", '"', "\\"]),
            st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"),
        ),
        min_size=1,
        max_size=8,
    )
    .map("".join)
    .filter(lambda text: text.strip() != "")
)


def _fresh(url: str, request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database on the same backend as ``url``."""
    if url.startswith("postgresql"):
        server = request.getfixturevalue("postgres_server")
        created: str = server.create_database()
        request.addfinalizer(lambda: server.drop_database(created))
        fresh: str = server.url(created)
        return fresh
    return str(tmp_path / f"copy-{next(_numbers)}.db")


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    people=st.lists(st.tuples(hostile_text, hostile_text), min_size=1, max_size=3),
    unit_id=hostile_text,
    events=st.integers(min_value=0, max_value=8),
)
def test_any_register_exports_and_imports_back_byte_for_byte(
    url: str,
    request: pytest.FixtureRequest,
    tmp_path: Path,
    people: list[tuple[str, str]],
    unit_id: str,
    events: int,
) -> None:
    """Generated registers (ids and names with line separators, NEL, ESC, markup): every
    export line is one line whatever reads it, and import then export gives the same bytes."""
    origin = _fresh(url, request, tmp_path)
    with _open(origin) as register:
        for number, (case_id, name) in enumerate(people):
            replay_as(
                register,
                "happy-standard",
                case_id=f"{case_id}-{number}",
                person=name,
                unit_id=unit_id,
                events=events,
            )
        text = export_text(register)
    assert len(text.splitlines()) == text.count("\n") == 3 + len(people) * (1 + events)
    assert not any(char in text for char in LINE_BREAKERS if char not in "\t")
    copy = _fresh(url, request, tmp_path)
    with _open(copy) as imported:
        imported.import_lines(text.splitlines(), source="export.jsonl")
        assert imported.verify() == []
        assert export_text(imported) == text


# -- stored values that do not decode --------------------------------------------------------


def _forge(db: str, statement: str, *, reseal: bool) -> None:
    """Change the last row of c-oanh; with ``reseal``, recompute its hash and the case's head."""
    with sqlite3.connect(db) as connection:
        connection.execute(statement)
        if reseal:
            connection.row_factory = sqlite3.Row
            row = dict(
                connection.execute(
                    "SELECT * FROM history WHERE case_id = 'c-oanh' ORDER BY seq DESC LIMIT 1"
                ).fetchone()
            )
            sealed = row_hash(row)
            connection.execute(
                "UPDATE history SET hash = ? WHERE case_id = 'c-oanh' AND seq = ?",
                (sealed, row["seq"]),
            )
            connection.execute("UPDATE cases SET head = ? WHERE id = 'c-oanh'", (sealed,))


FORGERIES = {
    "a date": "UPDATE history SET on_date = '2023-03-10 forged' WHERE seq = 16",
    "a fact's date": 'UPDATE history SET facts = \'{"x": {"$date": "2023-02-30"}}\' WHERE seq = 16',
    "a severity": "UPDATE history SET violations = "
    '\'[{"rule": "r", "message": {"vi": "a", "en": "b"}, "source": "s", '
    '"severity": "error", "details": {}}]\' WHERE seq = 16',
}


@pytest.mark.parametrize("reseal", [False, True], ids=["plain", "resealed"])
@pytest.mark.parametrize("forgery", sorted(FORGERIES))
def test_an_undecodable_stored_value_is_a_break_and_a_store_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], forgery: str, reseal: bool
) -> None:
    """verify reports the row as a break (exit 1); history, export, fire and recheck
    refuse with one line naming the case and the row (exit 2); no ValueError escapes."""
    db = str(tmp_path / "cases.db")
    with _open(db) as register:
        replay_as(register, "happy-standard", case_id="c-oanh", person="Lê Thị Oanh", events=16)
    _forge(db, FORGERIES[forgery], reseal=reseal)
    assert _cli.main(["verify", "--db", db]) == 1
    out = capsys.readouterr().out
    assert "case 'c-oanh', step 16: " in out
    for argv in (
        ["history", "c-oanh"],
        ["export"],
        ["fire", "c-oanh", "withdraw", "--by", "candidate", "--on", "2024-01-02"],
    ):
        assert _cli.main([*argv, "--db", db]) == 2, argv
        err = capsys.readouterr().err
        assert err.startswith("admission-flow: "), (argv, err)
        assert "case 'c-oanh', step 16" in err, (argv, err)
    assert _cli.main(["recheck", "--procedure", "vn-2021", "--db", db]) in (0, 2)
    with _open(db) as register, pytest.raises(af.StoreError, match="case 'c-oanh', step 16"):
        list(register.cases())


# -- stored text on the terminal ---------------------------------------------------------------

RAW = ("\x1b", "\u202e", "\u2028", "\x85", "\x07")


def test_stored_text_reaches_the_terminal_as_escapes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """history, history --json, fire and verify print stored ids and events with their
    control and bidi characters as escapes, never raw."""
    db = str(tmp_path / "cases.db")
    case_id = "c-\x1b[2J\u202eevil\u2028\x85\x07"
    with _open(db) as register:
        replay_as(register, "happy-standard", case_id=case_id, person="[bold]x[/]", events=5)
    shown = "c-\\x1b[2J\\u202eevil\\u2028\\x85\\x07"
    for argv in (["history", case_id], ["history", case_id, "--json"]):
        assert _cli.main([*argv, "--db", db]) == 0
        out = capsys.readouterr().out
        assert not any(char in out for char in RAW), argv
    assert _cli.main(["history", case_id, "--db", db]) == 0
    assert shown in capsys.readouterr().out
    assert _cli.main(["export", "--db", db]) == 0
    assert not any(char in capsys.readouterr().out for char in RAW)
    with sqlite3.connect(db) as connection:
        connection.execute("UPDATE history SET event = 'withdraw' WHERE seq = 2")
    assert _cli.main(["verify", "--db", db]) == 1
    out = capsys.readouterr().out
    assert f"case '{shown}', step 2: does not match its hash" in out
    assert not any(char in out for char in RAW)


# -- pseudonymisation ---------------------------------------------------------------------------


def test_a_pseudonymised_export_holds_no_original_value(url: str, tmp_path: Path) -> None:
    """A case's free text names a candidate whose case sorts later, in upper case, without
    diacritics, with a birth date written 17/05/1990 and an identity number: none of it,
    and no id of a case, candidate or member, is left; the export imports and verifies."""
    with _open(url) as register:
        replay_as(register, "happy-standard", case_id="c-zuyen", person="Đặng Thị Ánh Tuyết")
        scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=register.plugins)
        later = register.load("c-zuyen").case.candidate
        replay_as(register, "happy-standard", case_id="c-an", person="Phạm Văn An", events=1)
        born = later.born
        reason = (
            f"Nhắc tới ĐẶNG THỊ ÁNH TUYẾT (Dang Thi Anh Tuyet, dang  thi anh tuyet), "
            f"mã C-ZUYEN, sinh {born.day:02d}/{born.month:02d}/{born.year}, "
            f"ngày {born.day} tháng {born.month} năm {born.year}, {born.isoformat()}, "
            "CCCD 001090012345, CMND 123456789; người giới thiệu m-binh"
        )
        register.fire(
            "c-an", "withdraw", af.Actor("candidate"), dt.date(2023, 3, 20), reason=reason
        )
        text = export_text(register, pseudonymise=True)
        originals = [
            "c-zuyen", "C-ZUYEN", "c-an", "Đặng Thị Ánh Tuyết", "ĐẶNG THỊ ÁNH TUYẾT",
            "Dang Thi Anh Tuyet", "dang  thi anh tuyet", "Phạm Văn An",
            f"{born.day:02d}/{born.month:02d}/{born.year}", born.isoformat(),
            f"ngày {born.day} tháng {born.month} năm {born.year}",
            "001090012345", "123456789",
            *(member for member in scenario.members),
        ]  # fmt: skip
        lowered = text.casefold()
        for original in originals:
            assert original.casefold() not in lowered, original
        # the same person has the same stand-in in her case line and in the free text
        lines = [json.loads(line) for line in text.splitlines()]
        tuyet = next(c for c in lines if c["kind"] == "case" and c["state"] != "withdrawn")
        (withdrawal,) = [s for s in lines if s["kind"] == "step" and s["event"] == "withdraw"]
        said = withdrawal["facts"]["reason"]
        assert said.count(tuyet["candidate"]["name"]) == 3
        assert tuyet["id"] in said
        assert f"01/{born.month:02d}/{born.year}" in said
        assert tuyet["candidate"]["born"] == born.replace(day=1).isoformat()
    with _open(str(tmp_path / "copy.db")) as imported:
        imported.import_lines(text.splitlines())
        assert imported.verify() == []


# -- fire reads numbers and dates as files do ----------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["--on", "2023-08-1５"], "--on '2023-08-1５' is not a date; write it as YYYY-MM-DD"),
        (["--on", "20230815"], "--on '20230815' is not a date"),
        (["--on", "2200-01-01"], "--on: the date 2200-01-01 is outside the years 1900-2199"),
        (["--on", "1899-12-31"], "--on: the date 1899-12-31 is outside the years 1900-2199"),
        (["in_favour=1_0"], "fact 'in_favour' of 'cell_vote' must be a whole number, not '1_0' (text)"),
        (["in_favour=２７"], "must be a whole number, not '２７' (text)"),
        (["in_favour=" + "9" * 5000], "the number '99999999999"),
    ],
)  # fmt: skip
def test_fire_reads_numbers_and_dates_as_strictly_as_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], says: str
) -> None:
    db = str(tmp_path / "cases.db")
    with _open(db) as register:
        replay_as(register, "happy-standard", case_id="c-oanh", person="Lê Thị Oanh", events=10)
    base = {"--on": "2023-08-15", "in_favour": "27", "official_members": "29"}
    for item in argv:
        if item.startswith("--"):
            continue
        name, _, value = item.partition("=")
        base[name] = value
    if "--on" in argv:
        base["--on"] = argv[1]
    command = [
        "fire", "c-oanh", "cell_vote", f"in_favour={base['in_favour']}",
        f"official_members={base['official_members']}", "--by", "cell", "--on", base["--on"],
        "--db", db,
    ]  # fmt: skip
    assert _cli.main(command) == 2
    err = capsys.readouterr().err
    assert says in err, err
    assert len(err.splitlines()) == 1
    with _open(db) as register:
        assert register.load("c-oanh").version == 10  # nothing was written


def test_fire_takes_the_same_values_written_plainly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The twin: 27, 29 and 2023-08-15 are read and the vote is accepted."""
    db = str(tmp_path / "cases.db")
    with _open(db) as register:
        replay_as(register, "happy-standard", case_id="c-oanh", person="Lê Thị Oanh", events=10)
    command = ["fire", "c-oanh", "cell_vote", "in_favour=27", "official_members=29"]
    assert _cli.main([*command, "--by", "cell", "--on", "2023-08-15", "--db", db]) == 0
    assert "accepted" in capsys.readouterr().out
