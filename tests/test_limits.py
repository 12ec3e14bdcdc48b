"""Limits and safety (docs/limits.md): each limit at its boundary, and terminal-safe messages.

For every limit, the largest value accepted and the first one refused; each
refusal is a problem at ``file:line:col``, never a traceback.
"""

from __future__ import annotations

import datetime as dt
import difflib
import os
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from admission_flow import _limits as limits
from admission_flow.cli._main import main
from admission_flow.procedure._reading import Reader, describe, did_you_mean, read_file
from admission_flow.procedure._yaml import read_yaml
from helpers import PROCEDURES

MINIMAL = (PROCEDURES / "minimal.yaml").read_text(encoding="utf-8")
LINE = re.compile(r"(?P<file>.+?):(?P<line>\d+):(?P<column>\d+): (?P<message>.+)")


def read(text: str) -> tuple[Any, list[tuple[int, int, str]]]:
    value, problems = read_yaml(text, "f.yaml")
    return value, [(p.line, p.column, p.message) for p in problems]


def file_problems(path: Path) -> list[tuple[int, int, str]]:
    with pytest.raises(af.ProcedureError) as caught:
        read_file(path, error=af.ProcedureError)
    return [(p.line, p.column, p.message) for p in caught.value.problems]


# -- bytes: at most LIMIT + 1 read, regular files only -------------------------------------


def test_a_file_of_exactly_the_byte_limit_is_read(tmp_path: Path) -> None:
    """A procedure padded with a comment to MAX_FILE_BYTES loads."""
    text = MINIMAL + "#"
    text += "x" * (limits.MAX_FILE_BYTES - len(text.encode("utf-8")) - 1) + "\n"
    path = tmp_path / "big.yaml"
    path.write_text(text, encoding="utf-8")
    assert path.stat().st_size == limits.MAX_FILE_BYTES
    assert af.load_procedure(path, plugins=af.Plugins(entry_points=False)).id == "minimal"


def test_one_byte_more_is_refused(tmp_path: Path) -> None:
    """MAX_FILE_BYTES + 1 is one problem at 1:1 that says what to do."""
    path = tmp_path / "big.yaml"
    path.write_bytes(b"#" * limits.MAX_FILE_BYTES + b"\n")
    assert file_problems(path) == [
        (1, 1, "the file is larger than 1,048,576 bytes; split it or shorten it")
    ]


NOT_REGULAR = "not a regular file (a device, a pipe or a socket); give the path of a YAML file"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="no /dev/zero here")
def test_an_endless_device_is_refused_without_reading_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`validate /dev/zero` is one line and exit 2, at once."""
    assert main(["validate", "/dev/zero"]) == 2
    assert capsys.readouterr().err == f"/dev/zero:1:1: {NOT_REGULAR}\n"


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="no FIFOs here")
def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    """Opening a FIFO would block until someone writes; it is refused instead."""
    fifo = tmp_path / "pipe.yaml"
    os.mkfifo(fifo)
    assert file_problems(fifo) == [(1, 1, NOT_REGULAR)]


def test_a_folder_is_refused(tmp_path: Path) -> None:
    assert file_problems(tmp_path) == [(1, 1, "a folder, not a file")]


# -- text: invalid UTF-8 and forbidden characters at their real position -------------------


def test_invalid_utf8_points_at_the_byte(tmp_path: Path) -> None:
    """The line and column are those of the first byte that is not UTF-8."""
    path = tmp_path / "latin1.yaml"
    path.write_bytes("procedure: p\ntitle: {vi: Quy trình, en: é}\n".encode("latin-1"))
    assert file_problems(path) == [
        (2, 19, "not UTF-8 text (byte 0xec: invalid continuation byte); save it as UTF-8")
    ]


@pytest.mark.parametrize(
    ("char", "shown"),
    [("\x00", "U+0000 (\\x00)"), ("\x1b", "U+001B (\\x1b)"), ("\x7f", "U+007F (\\x7f)")],
)
def test_a_forbidden_character_points_at_itself_in_one_line(char: str, shown: str) -> None:
    """A NUL (or ESC, DEL) is one problem where it is, not at 1:1 with a second line."""
    _, found = read(f"procedure: p\ntitle: ab{char}cd\n")
    assert found == [
        (
            2,
            10,
            f"the character {shown} is not allowed in a YAML file; remove it, "
            "or write it as an escape inside double quotes",
        )
    ]


# -- values, characters after alias expansion, depth ------------------------------------------


def test_the_node_limit_boundary() -> None:
    """A list and its items are MAX_NODES values: read; one value more: refused at that value."""
    items = limits.MAX_NODES - 1
    value, found = read("[" + "0," * items + "]")
    assert (len(value), found) == (items, [])
    _, found = read("[" + "0," * (items + 1) + "]")
    assert found == [
        (
            1,
            2 + 2 * items,
            "the document expands to more than 200,000 values (aliases repeated inside "
            "aliases?); write the values out or shorten the file",
        )
    ]


def aliased(count: int, extra: str = "") -> str:
    """A text of 4,096 characters written once and aliased ``count - 1`` times."""
    return f"- &s {'x' * 4096}\n" + "- *s\n" * (count - 1) + (f"- {extra}\n" if extra else "")


def test_the_expanded_characters_boundary() -> None:
    """Texts adding up to MAX_SCALAR_CHARS after aliases: read; one character more: refused."""
    count = limits.MAX_SCALAR_CHARS // 4096
    value, found = read(aliased(count))
    assert (len(value), found) == (count, [])
    _, found = read(aliased(count, extra="y"))
    assert found == [
        (
            count + 1,
            3,
            "the document's texts add up to more than 4,194,304 characters (a long text "
            "repeated through aliases?); write it once or shorten the file",
        )
    ]


def test_a_long_text_aliased_many_times_costs_one_problem(tmp_path: Path) -> None:
    """The fuzzer's case: 100 KB anchored and aliased 20,000 times is refused, once."""
    path = tmp_path / "p.yaml"
    path.write_text(
        "procedure: p\ntitle: &t " + "x" * 100_000 + "\nstates: [" + "*t, " * 20_000 + "]\n",
        encoding="utf-8",
    )
    found = file_problems(path)
    # an alias is the anchored node itself, so the problem points at the anchored text
    assert [(line, message.split(" (")[0]) for line, _, message in found] == [
        (2, "the document's texts add up to more than 4,194,304 characters")
    ]


def test_the_depth_boundary() -> None:
    """Lists nested 65 deep (the innermost at depth 64) are read; 66 are refused."""
    _, found = read("[" * 65 + "]" * 65)
    assert found == []
    _, found = read("[" * 66 + "]" * 66)
    assert found == [(1, 66, "values are nested more than 64 levels deep; flatten them")]


# -- numbers -----------------------------------------------------------------------------------

TOO_LARGE = "is too large; numbers in these files stay below 1,000,000,000,000,000 (10^15)"


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("999999999999999", 10**15 - 1),
        ("-999999999999999", -(10**15) + 1),
        ("+000000000000000000001", 1),
        ("!!int 999999999999999", 10**15 - 1),
        ("999999999999999.0", 999999999999999.0),
        ("9.99e14", 9.99e14),
    ],
)
def test_the_largest_numbers_are_read(text: str, value: float) -> None:
    assert read(f"n: {text}\n") == ({"n": value}, [])


@pytest.mark.parametrize(
    "text",
    ["1000000000000000", "-1000000000000000", "!!int 1000000000000000", "1e15", "1e400", "-1e400"],
)
def test_the_first_numbers_too_large_are_refused(text: str) -> None:
    shown = text.removeprefix("!!int ")
    assert read(f"n: {text}\n")[1] == [(1, 4, f"the number '{shown}' {TOO_LARGE}")]


def test_a_5000_digit_number_is_one_problem_not_a_traceback() -> None:
    """int() of more than 4,300 digits raises; the digits are counted first."""
    assert read("n: " + "9" * 5000 + "\n")[1] == [(1, 4, f"the number '{'9' * 60}…' {TOO_LARGE}")]


def maybe(text: str) -> tuple[int | None, list[tuple[int, int, str]]]:
    value, _ = read_yaml(text, "f.yaml")
    reader = Reader("f.yaml")
    result = reader.integer(value, "months", "deadlines.d")
    return result, [(p.line, p.column, p.message) for p in reader.problems]


def test_reader_integer_has_a_default_maximum() -> None:
    """10,000 is read; 10,001 is refused at the value, unless the field allows more."""
    assert maybe("months: 10000\n") == (10_000, [])
    assert maybe("months: 10001\n") == (
        None,
        [(1, 9, "deadlines.d.months must be at most 10,000, not 10,001")],
    )
    value, _ = read_yaml("months: 10001\n", "f.yaml")
    assert Reader("f.yaml").integer(value, "months", "d", maximum=20_000) == 10_001


@pytest.mark.parametrize("field", ["working_days: 99999999999999999999", "months: 99999"])
def test_huge_deadline_counts_are_exit_2_at_their_position(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], field: str
) -> None:
    """The fuzzer's procedures: a 20-digit working_days, 99,999 months."""
    text = MINIMAL + (
        "deadlines:\n"
        "  d: {rule: r.late, after: identify, met_by: approve, working_days: 5, months: 1}\n"
        "rules:\n  r.late: {severity: warning, source: QĐ 24-QĐ/TW}\n"
    )
    text = text.replace(field.split(":")[0] + ": " + ("5" if "working" in field else "1"), field)
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    found = LINE.fullmatch(line)
    assert found is not None, line
    lines = text.splitlines()
    row = next(n for n, line in enumerate(lines) if field in line)
    column = lines[row].index(field) + len(field.split(": ")[0]) + 3
    assert (int(found["line"]), int(found["column"])) == (row + 1, column)


# -- dates -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["1900-01-01", "2199-12-31"])
def test_the_first_and_last_days_of_the_calendar_are_read(text: str) -> None:
    assert read(f"on: {text}\n") == ({"on": dt.date.fromisoformat(text)}, [])


@pytest.mark.parametrize(
    "text", ["1899-12-31", "2200-01-01", "9999-12-30", "!!timestamp 2200-01-01"]
)
def test_dates_outside_the_calendar_are_refused(text: str) -> None:
    shown = text.removeprefix("!!timestamp ")
    assert read(f"on: {text}\n")[1] == [
        (
            1,
            5,
            f"the date {shown} is outside the years 1900-2199 that deadlines are counted in; "
            "check the year",
        )
    ]


def test_an_event_dated_9999_12_30_is_exit_2_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(
        "procedure: vn-2021\n"
        "unit: {id: u}\n"
        "candidate: {id: c, name: Hoa, born: 1991-03-02, education: university}\n"
        "events:\n"
        "  - {on: 9999-12-30, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    assert main(["run", str(path)]) == 2
    assert capsys.readouterr().err.startswith(f"{path}:5:10: the date 9999-12-30 is outside")


# -- a scenario's events ----------------------------------------------------------------------------

SCENARIO_HEAD = (
    "procedure: vn-2021\n"
    "unit: {id: u, official_members: 1000000}\n"
    "candidate: {id: c, name: Hoa, born: 1991-03-02, education: university}\n"
    "events:\n"
    "  - {on: 2023-03-01, event: identify, by: cell_committee, source_group: residential_cadre}\n"
)
WITHDRAWAL = "  - {on: 2023-03-02, event: withdraw, by: candidate}\n"


def test_a_scenario_of_1000_events_runs(tmp_path: Path) -> None:
    """The largest scenario accepted: 1,000 events (the later ones refused, which is data)."""
    path = tmp_path / "case.yaml"
    path.write_text(SCENARIO_HEAD + WITHDRAWAL * (limits.MAX_SCENARIO_EVENTS - 1))
    scenario = af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    assert len(af.run_scenario(scenario).outcomes) == 1000


def test_a_scenario_of_1001_events_is_refused_at_the_first_one_too_many(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(SCENARIO_HEAD + WITHDRAWAL * limits.MAX_SCENARIO_EVENTS)
    with pytest.raises(af.ScenarioError) as caught:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [
        (
            1005,
            5,
            "a scenario replays one case: at most 1,000 events, not 1,001; "
            "split it into several scenarios",
        )
    ]


def test_a_unit_of_a_million_members_is_the_largest(tmp_path: Path) -> None:
    path = tmp_path / "case.yaml"
    path.write_text(SCENARIO_HEAD.replace("1000000", "1000001"))
    with pytest.raises(af.ScenarioError) as caught:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    assert [(p.line, p.column, p.message) for p in caught.value.problems] == [
        (2, 33, "unit.official_members must be at most 1,000,000, not 1,000,001")
    ]


# -- messages: quoted values cut, whole messages bounded, problems counted ------------------


def test_a_quoted_value_is_cut_after_60_characters() -> None:
    assert limits.quote("x" * 60) == "'" + "x" * 60 + "'"
    assert limits.quote("x" * 61) == "'" + "x" * 60 + "…'"
    assert describe("y" * 61) == "'" + "y" * 60 + "…' (text)"


def test_a_message_is_cut_after_1000_characters() -> None:
    """The backstop for messages that interpolate a value without quote()."""
    exact = af.Problem(file="f", line=1, column=1, message="m" * 1000)
    longer = af.Problem(file="f", line=1, column=1, message="m" * 1001)
    assert (exact.message, longer.message) == ("m" * 1000, "m" * 1000 + "…")


def test_at_most_1000_problems_are_shown_then_how_many_more() -> None:
    problems = [af.Problem(file="f", line=n, column=1, message="bad") for n in range(1, 1003)]
    exact = str(af.ProcedureError(problems[:1000])).splitlines()
    assert len(exact) == 1000
    shown = str(af.ProcedureError(problems)).splitlines()
    assert shown[1000:] == [
        "f:1001:1: 2 more problems from here on are not shown; fix the ones above first"
    ]
    one_more = str(af.ProcedureError(problems[:1001])).splitlines()
    assert one_more[1000:] == [
        "f:1001:1: 1 more problem from here on is not shown; fix the ones above first"
    ]


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("a\nb", "a\\nb"),
        ("a\r\nb", "a\\r\\nb"),
        ("a\tb", "a\\tb"),
        ("\x1b[31mred\x1b[0m", "\\x1b[31mred\\x1b[0m"),
        ("a\x85b", "a\\x85b"),
        ("a\u2028b\u2029c", "a\\u2028b\\u2029c"),
        ("\u202eevil\u202c", "\\u202eevil\\u202c"),
        ("\u2066x\u2069", "\\u2066x\\u2069"),
        ("\x00\x7f", "\\x00\\x7f"),
        ("Trần Thị Hoa", "Trần Thị Hoa"),
    ],
)
def test_a_problem_is_one_terminal_safe_line(raw: str, shown: str) -> None:
    """Control characters, NEL, line separators and bidi overrides are escaped, file and message."""
    problem = af.Problem(file=f"f{raw}.yaml", line=2, column=3, message=f"bad '{raw}'")
    assert str(problem) == f"f{shown}.yaml:2:3: bad '{shown}'"


def test_a_value_with_escape_sequences_reaches_stderr_escaped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "p.yaml"
    path.write_text(MINIMAL.replace("to: approved", 'to: "ap\\e[2J\\nproved"'), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "\x1b" not in err
    assert "'ap\\x1b[2J\\nproved'" in err
    assert all(LINE.fullmatch(line) for line in err.splitlines())


# -- did you mean: good suggestions, bounded work ------------------------------------------------


@pytest.mark.parametrize(
    ("word", "expected"),
    [
        ("aproved", "approved"),
        ("aprovved", "approved"),
        ("identifed", "identified"),
        ("rejectd", "rejected"),
        ("xyz", None),
    ],
)
def test_ordinary_typos_are_still_suggested(word: str, expected: str | None) -> None:
    known = ["identified", "approved", "rejected", "probation", "official", "dossier"]
    # many other names, so that the bounded search is the one at work
    known += [f"state_{n:04d}" for n in range(2000)]
    assert did_you_mean(word, known) == (f"; did you mean '{expected}'?" if expected else "")


def test_suggestions_stop_at_64_characters() -> None:
    word = "a" * 63 + "b"
    assert did_you_mean(word, ["a" * 64]) == f"; did you mean '{'a' * 60}…'?"
    assert did_you_mean(word + "b", ["a" * 65]) == ""


def test_many_misspelt_names_cost_time_linear_in_the_file(tmp_path: Path) -> None:
    """The fuzzer's 80 KB procedure with 1,000 misspelt states: every suggestion is made."""
    states = "".join(f"  state_{n:04d}: {{vi: S, en: S}}\n" for n in range(1000))
    events = "".join(
        f"  e{n}: {{vi: E, en: E, from: stat_{n:04d}, to: sate_{n:04d}, by: cell}}\n"
        for n in range(1000)
    )
    path = tmp_path / "p.yaml"
    path.write_text(
        "procedure: p\ntitle: {vi: P, en: P}\nroles: {cell: {vi: C, en: C}}\n"
        f"states:\n{states}events:\n  open: {{vi: O, en: O, opens_case: true, to: state_0000,"
        f" by: cell}}\n{events}",
        encoding="utf-8",
    )
    # No time limit here (the project measures speed in benchmarks/, never in tests, where
    # a loaded machine fails a sound limit): what is checked is that every suggestion is
    # still made; the index that made this linear is tested just below.
    with pytest.raises(af.ProcedureError) as caught:
        af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    messages = {p.message for p in caught.value.problems}
    for n in range(1000):
        assert (
            f"unknown state 'stat_{n:04d}' in events.e{n}.from; did you mean 'state_{n:04d}'?"
            in messages
        )
        assert (
            f"unknown state 'sate_{n:04d}' in events.e{n}.to; did you mean 'state_{n:04d}'?"
            in messages
        )


def test_a_changed_collection_never_gets_a_suggestion_it_no_longer_has() -> None:
    """The index of a collection is reused; its answer is checked against the collection."""
    known = {f"state_{n:04d}" for n in range(100)}
    assert did_you_mean("stat_0050", known) == "; did you mean 'state_0050'?"
    known.discard("state_0050")
    known.add("other_0000")
    assert did_you_mean("stat_0050", known) != "; did you mean 'state_0050'?"


# -- properties ------------------------------------------------------------------------------------


@given(st.text())
def test_an_escaped_text_is_one_line_with_nothing_a_terminal_acts_on(text: str) -> None:
    escaped = limits.escape(text)
    assert not any(ord(char) in limits.ESCAPED for char in escaped)
    assert len(escaped.splitlines()) <= 1


@given(st.text(), st.text())
def test_a_problem_is_always_one_line(file: str, message: str) -> None:
    assert len(str(af.Problem(file=file, line=1, column=1, message=message)).splitlines()) == 1


names = st.text(alphabet="abcdefgh_", min_size=1, max_size=12)


@given(names, st.lists(names, max_size=limits.MAX_SUGGESTION_COMPARISONS))
def test_few_candidates_are_suggested_as_difflib_would(word: str, known: list[str]) -> None:
    """Under the comparison cap, the suggestion is difflib's own: nothing lost for small files."""
    expected = difflib.get_close_matches(word, sorted(known), n=1, cutoff=0.6)
    assert did_you_mean(word, known) == (f"; did you mean '{expected[0]}'?" if expected else "")


@pytest.mark.parametrize(
    ("text", "start"),
    [
        (f"a: !{'t' * 100} x\n", "tag '!ttt"),
        (f"a: {{{'k' * 100}: 1, {'k' * 100}: 2}}\n", "duplicate key 'kkk"),
    ],
)
def test_long_names_from_the_file_are_cut_in_yaml_problems(text: str, start: str) -> None:
    (problem,) = read(text)[1]
    assert problem[2].startswith(start)
    assert "…'" in problem[2]
    assert len(problem[2]) < 160
