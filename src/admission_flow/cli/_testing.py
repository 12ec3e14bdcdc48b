"""The testing commands of ``admission-flow``: ``test`` (and ``check``).

Kept apart from ``_cli.py``, which only registers them: ``add_commands`` adds
the sub-commands to its parser and ``run`` runs one. Exit status: 0 when
everything matched or held, 1 when a check found something, 2 for a bad file,
3 for a plugin failure (raised to ``_cli``, which reports it).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from admission_flow._limits import MAX_DIGITS, escape
from admission_flow.exceptions import AdmissionFlowError, PluginError
from admission_flow.model._vocabulary import MAX_DEPTH, MAX_STATES

if TYPE_CHECKING:
    from admission_flow.plugins._manager import Plugins

from ._output import EXIT_BAD_INPUT, EXIT_FOUND, EXIT_OK, EXIT_PLUGIN, command, import_plugins

__all__ = ["COMMANDS", "add_commands", "run"]


COMMANDS = frozenset({"test", "check"})


def _count(text: str) -> int:
    """A bound on the command line: a whole number from 0, written in ASCII digits."""
    if not (text.isascii() and text.isdigit() and len(text) <= MAX_DIGITS):
        raise argparse.ArgumentTypeError(
            f"'{escape(text)}' is not a whole number from 0 / không phải số nguyên không âm"
        )
    return int(text)


def add_commands(commands: Any) -> None:
    """Add the testing sub-commands to ``admission-flow``'s sub-parsers."""
    test = commands.add_parser(
        "test",
        help="run scenario files and compare each with its NAME.expected.json",
        description=(
            "Run scenario files (or every scenario of a folder: a .yaml file with its "
            ".expected.json beside it) and compare each run with its expected output. "
            "Exit 0 when all match, 1 on any difference, 2 for a file that cannot be run."
        ),
    )
    test.add_argument("paths", nargs="+", metavar="PATH", type=Path)
    test.add_argument(
        "--update",
        action="store_true",
        help="write each run as its expected output instead of comparing (review the diff!)",
    )
    test.add_argument(
        "--diff",
        choices=("paths", "unified", "both"),
        default="both",
        help="how a difference is shown: a path-by-path list, a unified diff of the JSON, or both",
    )

    check = commands.add_parser(
        "check",
        help="find unreachable parts, then search for a case that breaks an invariant",
        description=(
            "Static analysis of a procedure, then a bounded breadth-first search of its cases "
            "with the real engine, rules and plugins. Exit 0 when every invariant holds in every "
            "case explored, 1 when one fails (the shortest counter-example is written as a "
            "scenario file), 2 for a bad file, 3 when a plugin raised."
        ),
    )
    check.add_argument("file", metavar="FILE", help="a procedure file, or a bundled id (vn-2021)")
    check.add_argument(
        "newer",
        nargs="?",
        metavar="NEWER",
        help="with --migrate: the next generation, which declares a migration from FILE",
    )
    check.add_argument(
        "--migrate",
        action="store_true",
        help=(
            "move a case at every abstract state reached in FILE to NEWER and check NEWER's "
            "invariants after the move"
        ),
    )
    check.add_argument(
        "-p",
        "--plugin",
        dest="check_plugins",
        action="append",
        default=[],
        metavar="MODULE",
        help="also register this plugin module; repeatable",
    )
    check.add_argument(
        "--counterexample",
        type=Path,
        default=Path("counterexample.yaml"),
        metavar="OUT.yaml",
        help="where to write the shortest counter-example (default: counterexample.yaml)",
    )
    check.add_argument(
        "--start",
        type=Path,
        metavar="SCENARIO.yaml",
        help=(
            "search from the case this scenario builds (its unit, candidate, members and "
            "events, each kept) instead of from an opened case: a deep part within a small bound"
        ),
    )
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument(
        "--deviations",
        type=_count,
        default=0,
        metavar="N",
        help="steps per path that may take an unusual actor or any boundary value (default 0)",
    )
    check.add_argument(
        "--max-states",
        type=_count,
        default=MAX_STATES,
        metavar="N",
        help=f"stop after this many abstract states (default {MAX_STATES})",
    )
    check.add_argument(
        "--max-depth",
        type=_count,
        default=MAX_DEPTH,
        metavar="N",
        help=f"the most events on one path (default {MAX_DEPTH})",
    )
    check.add_argument(
        "--max-seconds",
        type=_count,
        default=120,
        metavar="S",
        help="stop after this many CPU seconds of searching (default 120)",
    )
    check.add_argument(
        "--max-memory",
        type=_count,
        default=1024,
        metavar="MIB",
        help="stop when the search has used this much more memory (default 1024 MiB)",
    )


def run(args: argparse.Namespace, plugins: Plugins) -> int:
    """Run one testing command; ``PluginError`` goes up to the caller."""
    if args.command == "check":
        return _check(plugins, args, out=sys.stdout)
    return _test(plugins, args.paths, update=args.update, show=args.diff, out=sys.stdout)


def _check(plugins: Plugins, args: argparse.Namespace, *, out: TextIO) -> int:
    import json

    from admission_flow.testing._check import Limits, explore
    from admission_flow.testing._report import CheckReport, text_lines
    from admission_flow.testing._static import static_findings

    written: Path = args.counterexample
    if not written.parent.is_dir():
        print(
            f"admission-flow: cannot write the counter-example to {written}: the folder "
            f"{written.parent} does not exist; create it or choose another --counterexample",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    if args.migrate != (args.newer is not None):
        print(
            "admission-flow: check: give two procedures with --migrate (check --migrate OLD "
            "NEW), one without it",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    for module in import_plugins(args.check_plugins):
        plugins.register(module)
    from admission_flow.plugins._loading import load_procedure

    procedure = load_procedure(args.file, plugins=plugins)
    migrate_to = None
    if args.migrate:
        from admission_flow.testing._moves import migration_problem

        newer = load_procedure(args.newer, plugins=plugins)
        problem = migration_problem(procedure, newer)
        if problem is not None:
            print(f"admission-flow: check --migrate {args.newer}: {problem}", file=sys.stderr)
            return EXIT_BAD_INPUT
        migrate_to = (newer, _named(plugins, args.newer, written)[0])
    findings = static_findings(procedure, plugins=plugins)
    limits = Limits(
        max_states=args.max_states,
        max_depth=args.max_depth,
        max_seconds=args.max_seconds,
        max_memory_mb=args.max_memory,
    )
    start: dict[str, Any] = {} if args.start is None else _start(plugins, args.start)
    exploration = explore(
        procedure,
        plugins=plugins,
        limits=limits,
        max_deviations=args.deviations,
        migrate_to=migrate_to,
        **start,
    )
    title = procedure.id if migrate_to is None else f"{procedure.id} -> {migrate_to[0].id}"
    report = CheckReport(procedure=title, findings=tuple(findings), exploration=exploration)
    replay = None
    if not exploration.ok:
        replay = _write_counterexample(plugins, args, exploration, written)
    if args.json:
        value = report.as_dict()
        value["counterexample_file"] = str(written) if replay is not None else None
        value["replay"] = replay
        json.dump(value, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        for line in text_lines(report, str(written), replay):
            print(line, file=out)
    if exploration.plugin_error is not None:
        return EXIT_PLUGIN
    return EXIT_OK if exploration.ok else EXIT_FOUND


def _write_counterexample(
    plugins: Plugins, args: argparse.Namespace, exploration: Any, written: Path
) -> str:
    """Write the counter-example; the command that replays it, exactly as it must be typed."""
    from admission_flow.testing._scenario_file import scenario_text

    assert exploration.unit is not None
    assert exploration.candidate is not None
    name, outside = _named(plugins, args.file, written)
    move = None
    if exploration.moved_on is not None:
        move = (exploration.moved_on, exploration.moved_to)
        outside = outside or _named(plugins, args.newer, written)[1]
    problem = exploration.plugin_error or "\n".join(exploration.failures)
    if exploration.variant is not None:
        problem += f"\nboundary: {exploration.variant}"
    written.write_text(
        scenario_text(
            procedure=name,
            unit=exploration.unit,
            members=exploration.members,
            candidate=exploration.candidate,
            attempts=exploration.counterexample,
            comment=f"Found by admission-flow check {args.file}:\n{problem}",
            move=move,
        ),
        encoding="utf-8",
    )
    return command(
        "run",
        str(written),
        *(["--allow-path"] if outside else []),
        plugins=[*args.plugin, *args.check_plugins],
    )


def _start(plugins: Plugins, path: Path) -> dict[str, Any]:
    """``explore``'s arguments for ``--start``: the scenario's values, its events as a prefix."""
    from admission_flow.engine._scenario import load_scenario
    from admission_flow.exceptions import InputError
    from admission_flow.testing._scenario_file import Attempt

    scenario = load_scenario(path, plugins=plugins, allow_paths=True)
    if any(event.migrate_to is not None for event in scenario.events):
        raise InputError(
            f"--start {path}: a scenario with a move cannot start a search", field="start"
        )
    return {
        "configurations": [(scenario.unit, scenario.candidate)],
        "members": tuple(scenario.engine.members.values()),
        "prefix": [
            Attempt(on=e.on, event=e.event, actor=e.actor, facts=dict(e.facts))
            for e in scenario.events
        ],
    }


def _named(plugins: Plugins, given: str, written: Path) -> tuple[str, bool]:
    """How a scenario written at ``written`` names a procedure; whether it is outside its folder."""
    import os

    if given in plugins.procedures():
        return given, False
    name = os.path.relpath(Path(given).resolve(), written.resolve().parent)
    return name, name.startswith("..") or os.path.isabs(name)


def _test(plugins: Plugins, paths: list[Path], *, update: bool, show: str, out: TextIO) -> int:
    from admission_flow.engine._scenario import load_scenario, run_scenario
    from admission_flow.testing._regression import (
        check_scenario,
        find_scenarios,
        pretty_json,
        write_expected,
    )

    passed = failed = broken = 0
    try:
        scenarios = list(find_scenarios(paths))
    except AdmissionFlowError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT
    for scenario in scenarios:
        try:
            if update:
                result = run_scenario(load_scenario(scenario, plugins=plugins)).as_dict()
                written = write_expected(scenario, pretty_json(result))
                print(escape(f"wrote {written}"), file=out)
                passed += 1
                continue
            checked = check_scenario(scenario, plugins=plugins)
        except PluginError:
            raise
        except AdmissionFlowError as exc:
            print(escape(f"ERROR {scenario}"), file=out)
            print(exc, file=sys.stderr)
            broken += 1
            continue
        if checked.passed:
            print(escape(f"ok    {scenario}"), file=out)
            passed += 1
            continue
        failed += 1
        count = len(checked.differences)
        print(
            escape(
                f"FAIL  {scenario}: {count} difference{'s' if count != 1 else ''} "
                f"from {checked.expected_file.name}"
            ),
            file=out,
        )
        if show in ("paths", "both"):
            for difference in checked.differences:
                print(escape(f"  {difference}"), file=out)
        if show in ("unified", "both"):
            for line in checked.diff().splitlines():
                print(escape(f"  {line}"), file=out)
    summary = (
        f"{passed} expected file(s) written"
        if update
        else f"{len(scenarios)} scenario(s): {passed} passed, {failed} failed"
    )
    print(f"{summary}, {broken} could not be run", file=out)
    if broken:
        return EXIT_BAD_INPUT
    return EXIT_FOUND if failed else EXIT_OK
