"""Plugins are said once: to load the procedure; every command printed for later says them too."""

from __future__ import annotations

import datetime as dt
import shlex
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli

D = dt.date

#: A procedure whose opening event checks a rule of the plugin ``tiny_pack_once``, and
#: whose ``admit`` may skip the vote: ``check`` finds a case that breaks its invariant.
TINY = """\
procedure: tiny
title: {vi: Quy trình nhỏ, en: A tiny procedure}
roles:
  cell: {vi: Chi bộ, en: Party cell}
  committee: {vi: Cấp ủy, en: Committee}
states:
  identified: {vi: Quần chúng ưu tú, en: Identified}
  voted: {vi: Chi bộ đã biểu quyết, en: Voted}
  admitted: {vi: Đã kết nạp, en: Admitted, final: true}
events:
  identify:
    vi: Đưa vào danh sách
    en: Identify
    opens_case: true
    to: identified
    by: cell
    rules: [tiny_pack.noted]
  vote: {vi: Chi bộ biểu quyết, en: Cell vote, from: identified, to: voted, by: cell}
  admit: {vi: Kết nạp, en: Admit, from: [identified, voted], to: admitted, by: committee}
rules:
  tiny_pack.noted:
    source: Quy chế nhỏ
    message: {vi: Đã ghi nhận, en: Noted}
invariants:
  admitted.after_vote:
    vi: Chỉ kết nạp sau khi chi bộ biểu quyết
    en: Admitted only after the cell's vote
    source: Điều lệ Đảng, Điều 4(3)
    in: [admitted]
    requires:
      - step: {event: vote}
"""

PACK = """\
import admission_flow as af


@af.rule("tiny_pack.noted")
def noted(context, params):
    return None


@af.hookimpl
def admission_flow_add_rules():
    return [noted]
"""


@af.rule("tiny_pack.noted")
def noted(context: af.EventContext, params: Mapping[str, Any]) -> None:
    return None


class TinyPack:
    """The same plugin, as an object."""

    @af.hookimpl
    def admission_flow_add_rules(self) -> list[af.Rule]:
        return [noted]


@pytest.fixture
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A folder with the procedure and the plugin module, as the current folder."""
    (tmp_path / "tiny.yaml").write_text(TINY, encoding="utf-8")
    (tmp_path / "tiny_pack_once.py").write_text(PACK, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path
    sys.modules.pop("tiny_pack_once", None)


def test_an_unknown_rule_names_the_installed_plugins_and_dash_p(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Without -p: exit 2, one line naming the rule, the plugins installed, and -p MODULE."""
    assert _cli.main(["validate", "tiny.yaml"]) == 2
    (line,) = capsys.readouterr().err.splitlines()
    assert line.startswith("tiny.yaml:")
    assert "unknown rule 'tiny_pack.noted' in rules.tiny_pack.noted; " in line
    assert "no installed plugin provides it (installed: admission_flow.standard" in line
    assert line.endswith("load the plugin with -p MODULE (in Python: af.Plugins([module]))")
    assert _cli.main(["-p", "tiny_pack_once", "validate", "tiny.yaml"]) == 0


def test_a_near_miss_of_a_known_rule_is_only_a_typo(tmp_path: Path) -> None:
    """A rule id close to a known one gets "did you mean", not the plugins' list."""
    text = TINY.replace("rules: [tiny_pack.noted]", "rules: [tiny_pack.notes]").replace(
        "  tiny_pack.noted:\n", "  tiny_pack.notes:\n"
    )
    path = tmp_path / "typo.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(af.ProcedureError) as raised:
        af.load_procedure(path, plugins=af.Plugins([TinyPack()], entry_points=False))
    messages = [p.message for p in raised.value.problems]
    assert any("did you mean 'tiny_pack.noted'?" in m for m in messages)
    assert not any("installed:" in m for m in messages)


def test_an_engine_uses_the_plugins_its_procedure_was_loaded_with(folder: Path) -> None:
    """af.Engine(procedure), as docs/keeping-cases.md writes it, without the plugins again."""
    plugins = af.Plugins([TinyPack()], entry_points=False)
    procedure = af.load_procedure(folder / "tiny.yaml", plugins=plugins)
    engine = af.Engine(procedure)
    assert engine.plugins is plugins
    person = af.Person(id="c-1", name="An", born=D(2000, 1, 1), education="university")
    case = engine.open("c-1", person, af.Unit(id="u-1"))
    assert engine.fire(case, "identify", "cell", D(2024, 3, 1)).accepted
    other = af.Plugins([TinyPack()], entry_points=False)
    assert af.Engine(procedure, plugins=other).plugins is other  # said again: that one wins
    assert procedure == af.load_procedure(folder / "tiny.yaml", plugins=other)


def test_checks_replay_command_runs_as_printed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed replay carries -p and --allow-path, and running it replays the case."""
    (folder / "found").mkdir()
    argv = ["check", "tiny.yaml", "-p", "tiny_pack_once"]
    assert _cli.main([*argv, "--counterexample", "found/case.yaml"]) == 1
    out = capsys.readouterr().out
    (line,) = [line for line in out.splitlines() if "replay it with: " in line]
    printed = line.split("replay it with: ", 1)[1]
    assert printed == ("admission-flow -p tiny_pack_once run found/case.yaml --allow-path")
    words = shlex.split(printed)
    assert words[0] == "admission-flow"
    assert _cli.main(words[1:]) == 0
    replayed = capsys.readouterr().out
    assert "admitted" in replayed
    # Without the -p it was given, the same replay fails, and says what to run to see why.
    assert _cli.main(["run", "found/case.yaml", "--allow-path"]) == 2
    err = capsys.readouterr().err
    assert "has 1 problem; run `admission-flow validate found/../tiny.yaml` to see it" in err
    validate = err.split("run `", 1)[1].split("`", 1)[0]
    assert _cli.main(shlex.split(validate)[1:]) == 2
    assert "no installed plugin provides it" in capsys.readouterr().err


def test_a_scenarios_follow_up_command_carries_its_plugins(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A scenario whose procedure is broken names `validate` with the -p it was run with."""
    (folder / "tiny.yaml").write_text(TINY.replace("by: committee}", "by: comittee}"), "utf-8")
    (folder / "case.yaml").write_text(
        "procedure: tiny.yaml\nunit: {id: u-1}\n"
        "candidate: {id: c-1, name: An, born: 2000-01-01, education: university}\n"
        "events:\n  - {on: 2024-03-01, event: identify, by: cell}\n",
        encoding="utf-8",
    )
    assert _cli.main(["-p", "tiny_pack_once", "run", "case.yaml"]) == 2
    err = capsys.readouterr().err
    printed = err.split("run `", 1)[1].split("`", 1)[0]
    assert printed == "admission-flow -p tiny_pack_once validate tiny.yaml"
    assert _cli.main(shlex.split(printed)[1:]) == 2
    (problem,) = capsys.readouterr().err.splitlines()
    assert "unknown role 'comittee'" in problem


def test_checks_json_gives_the_same_replay_command(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json carries the replay command too; next to the procedure, no --allow-path."""
    import json

    assert _cli.main(["-p", "tiny_pack_once", "check", "tiny.yaml", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert report["replay"] == "admission-flow -p tiny_pack_once run counterexample.yaml"
    assert _cli.main(shlex.split(report["replay"])[1:]) == 0


def test_a_path_with_a_space_is_quoted_for_the_shell() -> None:
    """The printed command is one shell line: a path with a space stays one argument."""
    from admission_flow.cli._output import command

    assert command("run", "my case.yaml", plugins=["pack"]) == (
        "admission-flow -p pack run 'my case.yaml'"
    )


def test_the_state_machines_counterexample_replays_as_printed(
    folder: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The generated machine's failure is a scenario whose comment gives the whole command."""
    import importlib

    from hypothesis import HealthCheck, Phase, settings
    from hypothesis.stateful import run_state_machine_as_test

    from admission_flow.testing import procedure_state_machine

    pack = importlib.import_module("tiny_pack_once")
    machine = procedure_state_machine("tiny.yaml", plugins=af.Plugins([pack], entry_points=False))
    with pytest.raises(AssertionError) as failed:
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=50,
                deadline=None,
                database=None,
                derandomize=True,
                phases=[Phase.generate],  # any failing case will do: no shrinking
                suppress_health_check=list(HealthCheck),
            ),
        )
    text = str(failed.value).split("as a scenario file:\n\n", 1)[1]
    (folder / "counterexample.yaml").write_text(text, encoding="utf-8")
    lines = text.splitlines()
    printed = lines[
        lines.index("# counterexample.yaml in the folder the test ran in, and replay it with:") + 1
    ]
    printed = printed.removeprefix("# ")
    assert printed == "admission-flow -p tiny_pack_once run counterexample.yaml --allow-path"
    capsys.readouterr()
    assert _cli.main(shlex.split(printed)[1:]) == 0
    assert "admitted" in capsys.readouterr().out
