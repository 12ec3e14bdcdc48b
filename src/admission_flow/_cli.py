"""The ``admission-flow`` command.

Exit status: 0 when the command did its work (a scenario whose events were
refused included); 2 for a file that cannot be read or does not fit its format,
or a wrong command line; 3 when a plugin failed. Errors are one line each,
``file:line:col: message``; never a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import TextIO

from . import _cli_testing
from ._graph import draw
from ._model import Text, Violation
from ._plugins import Plugins
from ._scenario import Run, load_scenario, run_scenario
from ._version import __version__
from .exceptions import AdmissionFlowError, PluginError

__all__ = ["main"]

EXIT_OK = 0
EXIT_BAD_INPUT = 2
EXIT_PLUGIN = 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="admission-flow",
        description="Run party-membership admission procedures written in YAML.",
    )
    parser.add_argument("--version", action="version", version=f"admission-flow {__version__}")
    parser.add_argument(
        "-p",
        "--plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="also register this plugin module (importable from the current folder); repeatable",
    )
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    validate = commands.add_parser("validate", help="check procedure files; list every problem")
    validate.add_argument(
        "files", nargs="+", metavar="FILE", help="a procedure file, or a bundled id (vn-2021)"
    )

    graph = commands.add_parser("graph", help="draw a procedure as Mermaid or Graphviz DOT")
    graph.add_argument("file", metavar="FILE", help="a procedure file, or a bundled id (vn-2021)")
    graph.add_argument("--format", choices=("mermaid", "dot"), default="mermaid")
    graph.add_argument("--lang", choices=("vi", "en"), default="vi", help="language of the labels")
    graph.add_argument(
        "-o", "--output", type=Path, help="write to this file instead of standard output"
    )

    run = commands.add_parser("run", help="replay a scenario file against its procedure")
    run.add_argument("scenario", metavar="SCENARIO", type=Path)
    run.add_argument(
        "--json", action="store_true", help="print one JSON object (see docs/scenarios.md)"
    )
    _cli_testing.add_commands(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    try:
        return _main(argv)
    except BrokenPipeError:
        # The reader went away (`admission-flow run ... | head`): stop quietly,
        # and keep Python from complaining again when it flushes stdout at exit.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return EXIT_OK


def _main(argv: Sequence[str] | None) -> int:
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None:
            reconfigure(encoding="utf-8", errors="backslashreplace")
    args = _parser().parse_args(argv)
    try:
        plugins = Plugins(_import_plugins(args.plugin))
        if args.command == "validate":
            return _validate(plugins, args.files, sys.stdout)
        if args.command == "graph":
            return _graph(plugins, args.file, args.format, args.lang, args.output)
        if args.command in _cli_testing.COMMANDS:
            return _cli_testing.run(args, plugins)
        return _run(plugins, args.scenario, as_json=args.json, out=sys.stdout)
    except PluginError as exc:
        print(f"admission-flow: {exc}", file=sys.stderr)
        return EXIT_PLUGIN
    except AdmissionFlowError as exc:
        print(exc, file=sys.stderr)
        return EXIT_BAD_INPUT


def _import_plugins(names: Sequence[str]) -> list[ModuleType]:
    """Import the ``-p`` modules, looking in the current folder first."""
    if names and "" not in sys.path and os.getcwd() not in sys.path:
        sys.path.insert(0, os.getcwd())
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except Exception as exc:
            raise PluginError(
                f"cannot import plugin module '{name}' (-p {name}): {type(exc).__name__}: {exc}",
                plugin=name,
                hook="",
            ) from exc
    return modules


def _validate(plugins: Plugins, files: Sequence[str], out: TextIO) -> int:
    status = EXIT_OK
    for name in files:
        try:
            procedure = plugins.load_procedure(name)
        except AdmissionFlowError as exc:
            if isinstance(exc, PluginError):
                raise
            print(exc, file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        print(
            f"{name}: ok: procedure '{procedure.id}' ({procedure.title.vi} / {procedure.title.en}): "
            f"{len(procedure.states)} states, {len(procedure.events)} events, {len(procedure.rules)} rules",
            file=out,
        )
    return status


def _graph(plugins: Plugins, name: str, fmt: str, lang: str, output: Path | None) -> int:
    procedure = plugins.load_procedure(name)
    text = draw(procedure, fmt=fmt, lang=lang)  # type: ignore[arg-type]
    if output is None:
        sys.stdout.write(text)
    else:
        output.write_text(text, encoding="utf-8")
    return EXIT_OK


def _run(plugins: Plugins, path: Path, *, as_json: bool, out: TextIO) -> int:
    scenario = load_scenario(path, plugins=plugins)
    result = run_scenario(scenario)
    if as_json:
        json.dump(result.as_dict(), out, ensure_ascii=False, indent=2)
        out.write("\n")
    else:
        _print_run(result, out)
    return EXIT_OK


def _both(text: Text) -> str:
    return f"{text.vi}\n      {text.en}"


def _print_violation(kind: str, violation: Violation, out: TextIO) -> None:
    print(f"    {kind} {violation.rule} ({violation.source})", file=out)
    print(f"      {_both(violation.message)}", file=out)


def _print_run(result: Run, out: TextIO) -> None:
    scenario = result.scenario
    procedure = scenario.procedure
    print(
        f"{scenario.candidate.name} ({result.case.id}) · {procedure.id}: {procedure.title.vi}",
        file=out,
    )
    for outcome in result.outcomes:
        step = outcome.step
        mark = "✓" if step.accepted else ("●" if step.recorded else "✗")
        verdict = (
            "chấp nhận / accepted"
            if step.accepted
            else (
                "ghi nhận, không đạt / recorded, not passed"
                if step.recorded
                else "từ chối / refused"
            )
        )
        print(
            f"{mark} {step.on.isoformat()}  {step.event:<22} {step.actor!s:<22} "
            f"{step.from_state or '-'} → {step.to_state}  [{verdict}]",
            file=out,
        )
        for violation in step.violations:
            _print_violation("✗", violation, out)
        for warning in step.warnings:
            _print_violation("!", warning, out)
        for deadline in step.deadlines_set:
            print(
                f"    ⏱ {deadline.name} {deadline.due.isoformat()}: {_both(deadline.basis)}",
                file=out,
            )
    state = result.case.state
    label = procedure.state_label(state)
    print(f"Trạng thái / state: {state} ({label.vi} / {label.en})", file=out)
    engine = scenario.engine
    for name, day in engine.dates(result.case).items():
        print(f"  {name}: {day.isoformat()}", file=out)
    for deadline in engine.pending(result.case):
        print(f"Hạn / due: {deadline.event} {deadline.due.isoformat()} ({deadline.rule})", file=out)


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
