"""Hostile unit files (issue #19): deep trees and long lists in linear time, no
recursion; ids restricted; names printed as text, never as markup or escape codes."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow import units
from admission_flow.cli import _main as _cli

RAW = ("\x1b", "\u202e", "\x07", "\u2028")


def cli(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = _cli.main(list(argv))
    return status, out.getvalue(), err.getvalue()


def chain(depth: int, *, cycle: bool = False) -> str:
    """A unit file of ``depth`` units, each under the one before; with ``cycle``,
    the first is under the last."""
    lines = ["counted_on: 2023-01-01", "units:"]
    for number in range(depth):
        parent = f"u{number - 1}" if number else (f"u{depth - 1}" if cycle else None)
        lines.append(
            f"  - {{id: u{number}, kind: other"
            + (f", parent: {parent}" if parent else "")
            + (", official_members: 3" if number == depth - 1 else "")
            + "}"
        )
    return "\n".join(lines) + "\n"


def test_a_600_deep_chain_loads_and_reports(tmp_path: Path) -> None:
    """Today a RecursionError; the counts add up from the deepest cell to the top."""
    file = tmp_path / "deep.yaml"
    file.write_text(chain(600), encoding="utf-8")
    tree = units.load_units(file)
    assert tree["u0"].official_members == 3
    assert tree.depth("u599") == 599
    assert len(tree.subtree("u0")) == 600
    status, out, err = cli("report", str(file), "--as-of", "2023-06-30", "--json")
    assert (status, err) == (0, "")
    assert len(json.loads(out)["units"]) == 600


def test_a_10000_deep_cycle_is_one_problem(tmp_path: Path) -> None:
    """10,000 units in one cycle: one problem at the first unit's parent, found in one walk."""
    file = tmp_path / "cycle.yaml"
    file.write_text(chain(10_000, cycle=True), encoding="utf-8")
    with pytest.raises(af.UnitFileError) as caught:
        units.load_units(file)
    (problem,) = caught.value.problems
    assert problem.line == 3
    assert problem.message.startswith("the unit tree has a cycle: u0 → u9999 → u9998")
    assert problem.message.count("→") <= 10_001


def test_12000_people_load(tmp_path: Path) -> None:
    """Duplicates and holders are looked up by id, not compared pairwise; the twin
    of a duplicate is still named."""
    people = "\n".join(f"    - {{id: p-{n}}}" for n in range(12_000))
    members = "\n".join(
        f"    - {{id: m-{n}, status: official, since: 2000-01-01}}" for n in range(3_000)
    )
    text = (
        "counted_on: 2023-01-01\npositions:\n  secretary: {vi: Bí thư, en: secretary}\n"
        "units:\n- id: big\n  kind: other\n  official_members: 3000\n"
        f"  members:\n{members}\n  people:\n{people}\n"
        "  positions: {secretary: [m-2999, p-11999]}\n"
    )
    file = tmp_path / "big.yaml"
    file.write_text(text, encoding="utf-8")
    tree = units.load_units(file)
    assert {h.id for h in tree["big"].holders} == {"m-2999", "p-11999"}
    file.write_text(text.replace("{id: p-11999}", "{id: p-0}"), encoding="utf-8")
    with pytest.raises(af.UnitFileError, match="'p-0' is listed twice in units"):
        units.load_units(file)


@pytest.mark.parametrize("bad", ["<script>", "a\\e[2Jb", "Kdc-14", "kdc 14", "-kdc"])
def test_unit_ids_follow_the_name_pattern(tmp_path: Path, bad: str) -> None:
    file = tmp_path / "ids.yaml"
    file.write_text(
        f'counted_on: 2023-01-01\nunits:\n  - {{id: "{bad}", kind: other, official_members: 1}}\n',
        encoding="utf-8",
    )
    status, _, err = cli("report", str(file), "--as-of", "2023-06-30")
    assert status == 2
    assert err.startswith(f"{file}:3:"), err
    assert "is not an id: use lower-case letters" in err
    assert not any(char in err for char in RAW)


def test_a_good_id_with_dots_and_dashes_is_kept(tmp_path: Path) -> None:
    """The positive twin: kdc-14 and cell.2_b are ids."""
    file = tmp_path / "ids.yaml"
    file.write_text(
        "counted_on: 2023-01-01\nunits:\n  - {id: kdc-14, kind: other, official_members: 1}\n"
        "  - {id: cell.2_b, kind: other, official_members: 2}\n",
        encoding="utf-8",
    )
    assert set(units.load_units(file).nodes) == {"kdc-14", "cell.2_b"}


HOSTILE_NAMES = {
    "closing tag": "[/]",
    "bold": "[bold]loud[/bold]",
    "link": "[link=https://evil.example]click[/link]",
    "escape sequence": "\x1b[2Jgone",
    "bidi override": "abc\u202edef",
    "bell": "ding\x07",
    "emoji code": ":thumbs_up:",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_NAMES))
def test_unit_names_reach_the_terminal_as_text(tmp_path: Path, name: str) -> None:
    """Rich never reads a name as markup or emoji; control and bidi characters are escapes."""
    text = HOSTILE_NAMES[name]
    file = tmp_path / "names.yaml"
    quoted = json.dumps(text)  # a YAML double-quoted scalar
    file.write_text(
        "counted_on: 2023-01-01\nunits:\n"
        f"  - {{id: top, name: {quoted}, kind: other}}\n"
        f"  - {{id: cell, name: {quoted}, kind: other, parent: top, official_members: 4}}\n",
        encoding="utf-8",
    )
    status, out, err = cli("report", str(file), "--as-of", "2023-06-30")
    assert (status, err) == (0, "")
    assert not any(char in out for char in RAW)
    shown = text.replace("\x1b", "\\x1b").replace("\u202e", "\\u202e").replace("\x07", "\\x07")
    assert shown[:12] in out  # as it is written (a long name may wrap in its column)
    assert len(shown) > 12 or shown in out
