"""The ``admission-flow`` command.

Exit status: 0 when the command did its work (a scenario whose events were
refused included); 1 when ``verify`` found a broken chain; 2 for a file that
cannot be read or does not fit its format, or a wrong command line; 3 when a
plugin failed; 4 when another writer changed a stored case first (see
``_cli_store.py``, the register's commands). Errors are one line each,
``file:line:col: message`` or ``admission-flow: message``; never a traceback.
Whatever comes from a file is printed with its control characters, line
separators and bidi overrides escaped (``_limits.escape``), so that a file can
neither split a message into lines nor send escape sequences to the terminal.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from admission_flow._limits import escape
from admission_flow._version import __version__
from admission_flow.exceptions import AdmissionFlowError, FileProblemError, PluginError

# What a command needs is imported when it runs, so that `--help` and a wrong command line
# answer at once: no engine, no YAML reader, no SQLAlchemy (tests/test_imports.py).
if TYPE_CHECKING:
    from admission_flow.plugins._manager import Plugins

from . import _generations as _cli_generations
from . import _serve as _cli_serve
from . import _store as _cli_store
from . import _testing as _cli_testing
from ._output import (
    EXIT_BAD_INPUT,
    EXIT_OK,
    EXIT_PLUGIN,
    JSON_ESCAPES,
    import_plugins,
    lines,
    print_run,
)

__all__ = ["main"]


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
    run.add_argument(
        "scenario", metavar="SCENARIO", type=Path, nargs="+", help="several, or a folder: --db"
    )
    run.add_argument(
        "--json", action="store_true", help="print one JSON object (see docs/scenarios.md)"
    )
    run.add_argument(
        "--allow-path",
        action="store_true",
        help="let the scenario's 'procedure:' name a file outside the scenario's folder",
    )
    _cli_store.add_commands(commands, run)

    report = commands.add_parser(
        "report", help="targets and progress of units: tables, --json or an --html page"
    )
    report.add_argument("units", metavar="UNITS", type=Path, help="the unit file (YAML)")
    source = report.add_mutually_exclusive_group()
    source.add_argument("--db", metavar="URL", help="the register to read the cases from")
    source.add_argument(
        "--scenarios",
        nargs="+",
        type=Path,
        default=[],
        metavar="PATH",
        help="scenario files, or folders of them, run in memory",
    )
    report.add_argument(
        "--as-of",
        type=_date,
        metavar="DATE",
        help="the date the report is made as of, YYYY-MM-DD (default: today)",
    )
    report.add_argument("--json", action="store_true", help="print the report as one JSON object")
    report.add_argument(
        "--html", type=Path, metavar="FILE", help="write the report as an HTML page"
    )
    _cli_testing.add_commands(commands)
    _cli_generations.add_commands(commands)
    _cli_serve.add_commands(commands, _cli_store.DB_HELP)
    return parser


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date written YYYY-MM-DD / không phải ngày dạng YYYY-MM-DD"
        ) from None


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
    parser = _parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # fire's FACT=VALUE arguments may follow its options
        if args.command != "fire" or any(item.startswith("-") for item in extra):
            parser.error(f"unrecognized arguments: {' '.join(extra)}")
        args.facts += extra
    try:
        from admission_flow.plugins._manager import Plugins

        plugins = Plugins(import_plugins(args.plugin))
        if args.command == "validate":
            return _validate(plugins, args.files, sys.stdout)
        if args.command == "graph":
            return _graph(plugins, args.file, args.format, args.lang, args.output)
        if args.command in _cli_generations.COMMANDS:
            return _cli_generations.run(args, plugins, sys.stdout)
        if args.command in _cli_testing.COMMANDS:
            return _cli_testing.run(args, plugins)
        if args.command == "report":
            from ._report import report

            return report(plugins, args, sys.stdout)
        if args.command in _cli_serve.COMMANDS:
            return _cli_serve.run(args, plugins, sys.stdout)
        stored = _cli_store.dispatch(args, plugins, sys.stdout)
        if stored is not None:
            return stored
        return _run(
            plugins,
            args.scenario[0],
            as_json=args.json,
            allow_paths=args.allow_path,
            out=sys.stdout,
        )
    except PluginError as exc:
        print(f"admission-flow: {escape(str(exc))}", file=sys.stderr)
        return EXIT_PLUGIN
    except FileProblemError as exc:
        print(exc, file=sys.stderr)  # already one escaped line per problem
        return EXIT_BAD_INPUT
    except AdmissionFlowError as exc:
        print(f"admission-flow: {escape(str(exc))}", file=sys.stderr)
        return EXIT_BAD_INPUT


def _validate(plugins: Plugins, files: Sequence[str], out: TextIO) -> int:
    from admission_flow.plugins._loading import load_procedure

    status = EXIT_OK
    for name in files:
        try:
            procedure = load_procedure(name, plugins=plugins)
        except AdmissionFlowError as exc:
            if isinstance(exc, PluginError):
                raise
            if not isinstance(exc, FileProblemError):
                raise
            print(exc, file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        print(
            escape(
                f"{name}: ok: procedure '{procedure.id}' ({procedure.title.vi} / {procedure.title.en}): "
                f"{len(procedure.states)} states, {len(procedure.events)} events, {len(procedure.rules)} rules"
            ),
            file=out,
        )
    return status


def _graph(plugins: Plugins, name: str, fmt: str, lang: str, output: Path | None) -> int:
    from admission_flow.plugins._loading import load_procedure
    from admission_flow.procedure._graph import draw

    procedure = load_procedure(name, plugins=plugins)
    text = draw(procedure, fmt=fmt, lang=lang)  # type: ignore[arg-type]
    if output is None:
        sys.stdout.write(lines(text))
        return EXIT_OK
    try:
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        reason = "no such folder; create it first" if isinstance(exc, FileNotFoundError) else None
        print(
            f"admission-flow: cannot write {escape(str(output))}: "
            f"{reason or escape(exc.strerror or type(exc).__name__)}",
            file=sys.stderr,
        )
        return EXIT_BAD_INPUT
    return EXIT_OK


def _run(plugins: Plugins, path: Path, *, as_json: bool, allow_paths: bool, out: TextIO) -> int:
    from admission_flow.engine._scenario import load_scenario, run_scenario

    scenario = load_scenario(path, plugins=plugins, allow_paths=allow_paths)
    result = run_scenario(scenario)
    if as_json:
        # JSON escapes C0 controls itself; escaping the rest (C1, U+2028, bidi)
        # as \uXXXX keeps the same strings and a terminal-safe output.
        text = json.dumps(result.as_dict(), ensure_ascii=False, indent=2)
        out.write(text.translate(JSON_ESCAPES) + "\n")
    else:
        print_run(result, out)
    return EXIT_OK


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
