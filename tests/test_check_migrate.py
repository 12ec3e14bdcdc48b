"""admission-flow check --migrate OLD NEW: a move to the next generation at every state reached.

A pair of tiny generations whose migration declaration moves an identified
case straight to 'voted' (skipping the vote the newer generation's invariant
requires) is caught with a two-entry counter-example that replays as printed;
the positive twin (states keep their names) holds; vn-2021 -> vn-2025 holds
within a bound CI can afford and says how far it got.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.testing._check import explore
from test_check import TINY, replay_command, scenario_events

#: The next generation of TINY, written as its changes: the vote's invariant also
#: holds in 'voted', and a migration declaration whose state map each test gives.
TINY_2 = """\
extends: tiny.yaml
procedure: tiny-2
version: "2"
invariants:
  admitted.after_vote: {in: [voted, admitted]}
migration:
  from: tiny
  on: 2024-01-01
  states: {STATES}
"""


def _pair(folder: Path, states: str) -> tuple[Path, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    old = folder / "tiny.yaml"
    old.write_text(TINY, encoding="utf-8")
    new = folder / "tiny-2.yaml"
    new.write_text(TINY_2.replace("{STATES}", states), encoding="utf-8")
    return old, new


def test_a_move_that_skips_the_vote_is_found_and_replays_as_printed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 1, the newer invariant named, a scenario ending in a migrate entry, run as printed."""
    old, new = _pair(tmp_path / "procedures", "{identified: voted}")
    work = tmp_path / "work"
    (work / "out").mkdir(parents=True)
    monkeypatch.chdir(work)
    argv = ["check", "--migrate", str(old), str(new), "--counterexample", "out/ce.yaml"]
    assert _cli.main(argv) == 1
    out = capsys.readouterr().out
    assert re.search(r"tiny -> tiny-2: explored \d+ abstract states .* \d+ cases moved", out)
    assert (
        "invariant 'admitted.after_vote' of tiny-2 does not hold after the move to state 'voted'"
        in out
    )
    assert "after the move on 2024-01-01 (the scenario's last entry)" in out
    text = (work / "out" / "ce.yaml").read_text(encoding="utf-8")
    assert scenario_events(text) == ["identify"]
    assert '  - {on: 2024-01-01, migrate: "../../procedures/tiny-2.yaml"}' in text
    command = replay_command(out)
    assert "--allow-path" in command
    assert _cli.main(command) == 0
    assert "Trạng thái / state: " in capsys.readouterr().out
    assert _cli.main([*command[:-1], "--json", command[-1]]) == 0
    run = json.loads(capsys.readouterr().out)
    assert run["state"] == "voted"
    # The replayed case, judged by the newer generation, breaks the same invariant.
    scenario = af.load_scenario(work / "out" / "ce.yaml", allow_paths=True)
    case = af.run_scenario(scenario).case
    assert case.history[-1].event == "migrate"
    failures = af.testing.check_invariants(af.load_procedure(new), case)
    assert [f.invariant.id for f in failures] == ["admitted.after_vote"]


def test_json_names_the_move_and_counts_the_cases_moved(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json: the migrate entry and the number of cases moved, beside what check reports."""
    old, new = _pair(tmp_path, "{identified: voted}")
    ce = tmp_path / "ce.yaml"
    assert (
        _cli.main(["check", "--migrate", str(old), str(new), "--json", "--counterexample", str(ce)])
        == 1
    )
    report = json.loads(capsys.readouterr().out)
    assert report["result"] == "invariant_failed"
    assert report["migrate"] == {"on": "2024-01-01", "migrate": "tiny-2.yaml"}
    assert report["explored"]["moves"] >= 1
    assert [e["event"] for e in report["counterexample"]] == ["identify"]
    assert report["replay"] == f"admission-flow run {ce}"


def test_a_sound_migration_holds_in_every_state_explored(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The positive twin: states keep their names; every open state reached is moved, all hold."""
    old, new = _pair(tmp_path, "{}")
    assert _cli.main(["check", "--migrate", str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert "every invariant holds; states reached: admitted, identified, voted" in out
    # One move per abstract state: each but the root (no case opened yet); a closed
    # case ('admitted') is not kept as a state of the search.
    plugins = af.Plugins(entry_points=False)
    found = explore(
        af.load_procedure(old, plugins=plugins),
        plugins=plugins,
        migrate_to=(af.load_procedure(new, plugins=plugins), "tiny-2.yaml"),
    )
    assert found.ok
    assert found.complete
    assert found.moves == found.abstract_states - 1 > 1
    assert not (tmp_path / "counterexample.yaml").exists()


def test_a_state_the_declaration_cannot_move_is_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A newer generation without the state 'voted' and no map for it: the move is refused."""
    old, new = _pair(tmp_path, "{}")
    new.write_text(
        TINY_2.replace("{STATES}", "{}").replace(
            "invariants:\n  admitted.after_vote: {in: [voted, admitted]}\n",
            "states: {voted: null}\nevents: {vote: {to: admitted}, admit: {from: identified}}\n",
        ),
        encoding="utf-8",
    )
    assert (
        _cli.main(
            [
                "check",
                "--migrate",
                str(old),
                str(new),
                "--counterexample",
                str(tmp_path / "ce.yaml"),
            ]
        )
        == 1
    )
    out = capsys.readouterr().out
    assert "the move to tiny-2 from state 'voted' is refused: migration.state: State 'voted'" in out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["check", "--migrate", "vn-2021"], "give two procedures with --migrate"),
        (["check", "vn-2021", "vn-2025"], "give two procedures with --migrate"),
        (
            ["check", "--migrate", "vn-2025", "vn-2021"],
            "check --migrate vn-2021: procedure 'vn-2021' declares no migration",
        ),
    ],
)
def test_a_bad_pair_is_one_line_and_exit_2(
    argv: list[str], message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without a second procedure, or one that does not take the first's cases: exit 2."""
    assert _cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err
    assert len(err.strip().splitlines()) == 1


def test_a_newer_generation_of_another_procedure_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """tiny-2 takes tiny's cases, not vn-2021's: exit 2, both ids named."""
    _, new = _pair(tmp_path, "{}")
    assert _cli.main(["check", "--migrate", "vn-2021", str(new)]) == 2
    assert "procedure 'tiny-2' takes cases of 'tiny', not of 'vn-2021'" in capsys.readouterr().err


def test_vn_2021_to_vn_2025_holds_within_a_bound_and_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The bundled generations: every case moved within --max-states holds; not a proof, said so."""
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["check", "--migrate", "vn-2021", "vn-2025", "--max-states", "600"]) == 0
    out = capsys.readouterr().out
    assert re.search(
        r"vn-2021 -> vn-2025: explored 600 abstract states .* 599 cases moved to the newer "
        r"generation\): stopped by --max-states",
        out,
    )
    assert "holds in the 600 abstract states explored; not a proof" in out


def test_explore_refuses_a_newer_procedure_that_does_not_take_the_cases() -> None:
    """The API says what the command line says: an InputError naming both procedures."""
    plugins = af.Plugins(entry_points=False)
    vn_2021 = af.load_procedure("vn-2021", plugins=plugins)
    with pytest.raises(af.InputError, match="procedure 'vn-2021' declares no migration"):
        explore(vn_2021, plugins=plugins, migrate_to=(vn_2021, "vn-2021"))
