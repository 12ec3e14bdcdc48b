"""``admission-flow report``: where the cases come from, and how the report is shown.

Kept apart from ``_cli.py`` so that the command line stays one small module per
command family; the computations live in ``admission_flow.reports``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, TextIO

from admission_flow.engine._scenario import load_scenario, run_scenario, scenario_files
from admission_flow.exceptions import InputError, Problem, ScenarioError
from admission_flow.model._values import Case
from admission_flow.plugins._manager import Plugins
from admission_flow.procedure._spec import Procedure

from ._output import EXIT_BAD_INPUT, EXIT_OK

__all__ = ["cases_from_db", "cases_from_scenarios", "report"]

NEEDS_RICH = (
    "admission-flow report: bảng cần gói rich / the tables need rich: "
    "install admission-flow[report] (pip install 'admission-flow[report]'), or use --json or --html"
)


def cases_from_db(url: str, plugins: Plugins | None = None) -> list[Case]:
    """Every case of the register at ``url``, as its history folds it.

    The register is imported only when asked for: it needs the ``store`` extra.
    """
    return register_cases(url, plugins)[0]


def register_cases(url: str, plugins: Plugins | None = None) -> tuple[list[Case], list[Procedure]]:
    """Every case of the register at ``url``, and the procedures they follow, from its texts.

    Each case's deadlines are counted by its own procedure version, as the
    register keeps it, never by whatever the bundled id holds today.
    """
    try:
        store: Any = importlib.import_module("admission_flow.store")
    except ImportError:
        raise InputError(
            f"--db {url}: the register needs the store extra: "
            "pip install 'admission-flow[store]'; or use --scenarios",
            field="db",
        ) from None
    with store.Register(url, plugins=plugins) as register:
        cases = [stored.case for stored in register.cases()]
        refs = {case.procedure.fingerprint: case.procedure for case in cases}
        return cases, [register.procedure(ref) for ref in refs.values()]


def cases_from_scenarios(
    paths: Sequence[Path], plugins: Plugins
) -> tuple[list[Case], list[Procedure]]:
    """Run each scenario file in memory; its final case goes into the report."""
    cases: list[Case] = []
    procedures: list[Procedure] = []
    files = scenario_files(paths)
    if paths and not files:
        raise ScenarioError(
            [
                Problem(
                    file=str(paths[0]),
                    line=1,
                    column=1,
                    message="no scenario file (*.yaml) in this folder",
                )
            ]
        )
    for path in files:
        run = run_scenario(load_scenario(path, plugins=plugins))
        cases.append(run.case)
        procedures.append(run.scenario.procedure)
    return cases, procedures


def report(plugins: Plugins, args: argparse.Namespace, out: TextIO) -> int:
    from admission_flow import reports
    from admission_flow.units import load_units

    tree = load_units(args.units, kinds=plugins.unit_kinds())
    procedures: list[Procedure] = []
    if args.db is not None:
        cases, procedures = register_cases(args.db, plugins)
    else:
        cases, procedures = cases_from_scenarios(args.scenarios, plugins)
    on = args.as_of if args.as_of is not None else dt.date.today()
    made = reports.build_report(tree, cases, on, plugins=plugins, procedures=procedures)
    if args.json:
        json.dump(reports.report_as_dict(made), out, ensure_ascii=False, indent=2)
        out.write("\n")
    if args.html is not None:
        try:
            args.html.write_text(reports.render_html(made), encoding="utf-8")
        except OSError as exc:
            raise InputError(
                f"--html {args.html}: cannot write the page ({exc.strerror}); "
                "choose a file in a folder that exists and can be written to",
                field="html",
            ) from None
        print(f"Báo cáo HTML / HTML report: {args.html}", file=sys.stderr if args.json else out)
    if args.json or args.html is not None:
        return EXIT_OK
    try:
        reports.render_terminal(made, out)
    except ImportError:
        print(NEEDS_RICH, file=sys.stderr)
        return EXIT_BAD_INPUT
    return EXIT_OK
