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
from typing import Any, TextIO

from ._plugins import Plugins
from .exceptions import AdmissionFlowError, PluginError

__all__ = ["COMMANDS", "add_commands", "run"]

EXIT_OK = 0
EXIT_FOUND = 1
EXIT_BAD_INPUT = 2

COMMANDS = frozenset({"test"})


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


def run(args: argparse.Namespace, plugins: Plugins) -> int:
    """Run one testing command; ``PluginError`` goes up to the caller."""
    return _test(plugins, args.paths, update=args.update, show=args.diff, out=sys.stdout)


def _test(plugins: Plugins, paths: list[Path], *, update: bool, show: str, out: TextIO) -> int:
    from ._scenario import load_scenario, run_scenario
    from .testing._regression import check_scenario, expected_path, find_scenarios, pretty_json

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
                expected_path(scenario).write_text(pretty_json(result), encoding="utf-8")
                print(f"wrote {expected_path(scenario)}", file=out)
                passed += 1
                continue
            checked = check_scenario(scenario, plugins=plugins)
        except PluginError:
            raise
        except AdmissionFlowError as exc:
            print(f"ERROR {scenario}", file=out)
            print(exc, file=sys.stderr)
            broken += 1
            continue
        if checked.passed:
            print(f"ok    {scenario}", file=out)
            passed += 1
            continue
        failed += 1
        count = len(checked.differences)
        print(
            f"FAIL  {scenario}: {count} difference{'s' if count != 1 else ''} "
            f"from {checked.expected_file.name}",
            file=out,
        )
        if show in ("paths", "both"):
            for difference in checked.differences:
                print(f"  {difference}", file=out)
        if show in ("unified", "both"):
            for line in checked.diff().splitlines():
                print(f"  {line}", file=out)
    summary = (
        f"{passed} expected file(s) written"
        if update
        else f"{len(scenarios)} scenario(s): {passed} passed, {failed} failed"
    )
    print(f"{summary}, {broken} could not be run", file=out)
    if broken:
        return EXIT_BAD_INPUT
    return EXIT_FOUND if failed else EXIT_OK
