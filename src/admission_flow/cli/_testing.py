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
    check.add_argument("--json", action="store_true", help="print one JSON object")
    check.add_argument(
        "--deviations",
        type=_count,
        default=0,
        metavar="N",
        help="steps per path that may take an unusual actor or a boundary value (default 0)",
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


def run(args: argparse.Namespace, plugins: Plugins) -> int:
    """Run one testing command; ``PluginError`` goes up to the caller."""
    if args.command == "check":
        return _check(plugins, args, out=sys.stdout)
    return _test(plugins, args.paths, update=args.update, show=args.diff, out=sys.stdout)


def _check(plugins: Plugins, args: argparse.Namespace, *, out: TextIO) -> int:
    import json
    import os

    from admission_flow.testing._check import CheckReport, explore
    from admission_flow.testing._scenario_file import scenario_text
    from admission_flow.testing._static import static_findings

    for module in import_plugins(args.check_plugins):
        plugins.register(module)
    from admission_flow.plugins._loading import load_procedure

    procedure = load_procedure(args.file, plugins=plugins)
    findings = static_findings(procedure)
    exploration = explore(
        procedure,
        plugins=plugins,
        max_depth=args.max_depth,
        max_states=args.max_states,
        max_deviations=args.deviations,
    )
    report = CheckReport(procedure=procedure.id, findings=tuple(findings), exploration=exploration)
    written: Path | None = None
    replay: str | None = None
    if not exploration.ok:
        assert exploration.unit is not None
        assert exploration.candidate is not None
        written = args.counterexample
        if args.file in plugins.procedures():
            name = args.file
        else:
            name = os.path.relpath(Path(args.file).resolve(), written.resolve().parent)
        problem = exploration.plugin_error or "\n".join(exploration.failures)
        outside = name.startswith(os.pardir)  # a bundled id never does
        replay = command(
            "run",
            str(written),
            *(["--allow-path"] if outside else []),
            plugins=[*args.plugin, *args.check_plugins],
        )
        written.write_text(
            scenario_text(
                procedure=name,
                unit=exploration.unit,
                members=exploration.members,
                candidate=exploration.candidate,
                attempts=exploration.counterexample,
                comment=f"Found by admission-flow check {args.file}:\n{problem}",
            ),
            encoding="utf-8",
        )
    if args.json:
        value = report.as_dict()
        value["counterexample_file"] = str(written) if written is not None else None
        value["replay"] = replay
        json.dump(value, out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        _print_check(report, written, replay, out)
    if exploration.plugin_error is not None:
        return EXIT_PLUGIN
    return EXIT_OK if exploration.ok else EXIT_FOUND


def _print_check(report: Any, written: Path | None, replay: str | None, out: TextIO) -> None:
    x = report.exploration
    for finding in report.findings:
        print(f"! {finding.kind}: {finding.message}", file=out)
    if not x.ok:
        bound = "stopped at the first failure"
    elif x.complete:
        bound = "all of them"
    else:
        bound = "stopped at the bound (--max-states, --max-depth)"
    print(
        f"{report.procedure}: explored {x.abstract_states} abstract states "
        f"({x.cases} cases, {x.fired} events fired, up to {x.depth} events deep): {bound}",
        file=out,
    )
    if x.ok:
        print(
            f"every invariant holds; states reached: {', '.join(sorted(x.states_reached))}",
            file=out,
        )
        return
    if x.plugin_error is not None:
        print(f"plugin '{x.plugin}' raised: {x.plugin_error}", file=out)
    for failure in x.failures:
        print(failure, file=out)
    events = len(x.counterexample)
    print(
        f"shortest counter-example: {events} event{'s' if events != 1 else ''}, "
        f"written to {written}; replay it with: {replay}",
        file=out,
    )


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
