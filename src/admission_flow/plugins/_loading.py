"""``load_procedure``: the one way to load a procedure, bundled or from a file."""

from __future__ import annotations

import datetime as dt
from importlib.resources import as_file
from pathlib import Path

import attrs

from admission_flow.exceptions import ArgumentTypeError, Problem, ProcedureError
from admission_flow.model._words import describe, did_you_mean
from admission_flow.procedure._parse import read_procedure
from admission_flow.procedure._spec import Procedure

from ._manager import Plugins

__all__ = ["in_force_on", "load_procedure"]


def load_procedure(source: str | Path, *, plugins: Plugins | None = None) -> Procedure:
    """Load a bundled procedure by id (``"vn-2021"``) or a procedure file by path.

    Args:
        source: a bundled procedure's id, or the path of a YAML file.
        plugins: the plugins whose rules and bundled procedures the file may
            use; by default the built-in ones and those installed.

    Raises:
        ProcedureError: every problem of the file, each as ``file:line:col: message``.
        PluginError: a plugin failed while its rules or procedures were gathered.
    """
    if not isinstance(source, str | Path):
        raise ArgumentTypeError(
            f"a procedure is named by a bundled id or a file path, not {describe(source)}",
            field="procedure",
        )
    plugins = plugins if plugins is not None else Plugins()
    # The engine uses the plugins the procedure was loaded with: said once (see Engine).
    procedure = attrs.evolve(_read(source, plugins), plugins=plugins)
    if procedure.migration is not None:
        _check_migration(procedure, plugins)
    return procedure


def _read(source: str | Path, plugins: Plugins) -> Procedure:
    catalogue = {rule_id: found.rule for rule_id, found in plugins.rules().items()}
    names = plugins.names()
    bundled = plugins.procedures()
    if isinstance(source, str):
        where = bundled.get(source)
        if where is not None:
            if isinstance(where, Path):
                return read_procedure(where, rules=catalogue, bundled=bundled, plugins=names)
            with as_file(where) as path:
                return read_procedure(
                    path,
                    rules=catalogue,
                    display=f"<bundled {source}>",
                    bundled=bundled,
                    plugins=names,
                )
        if not Path(source).suffix and not Path(source).exists():
            known = ", ".join(sorted(bundled)) or "none"
            raise ProcedureError(
                [
                    Problem(
                        file=source,
                        line=1,
                        column=1,
                        message=f"no bundled procedure '{source}' (bundled: {known}) and no such file"
                        f"{did_you_mean(source, bundled)}",
                    )
                ]
            )
    return read_procedure(source, rules=catalogue, bundled=bundled, plugins=names)


def _check_migration(procedure: Procedure, plugins: Plugins) -> None:
    """The procedure a migration takes cases from, and the states it maps, must exist.

    A bundled source is loaded and its states checked; a source that is neither
    bundled nor in the ``extends:`` chain of files is refused.
    """
    declared = procedure.migration
    assert declared is not None
    bundled = plugins.procedures()
    mark = declared.mark
    file, line, column = (
        (mark.file, mark.line, mark.column) if mark else (procedure.path or "?", 1, 1)
    )
    if declared.source not in bundled:
        if any(parent not in bundled for parent in procedure.parents):
            return  # it may be a procedure file of the chain: checked when cases move
        raise ProcedureError(
            [
                Problem(
                    file=file,
                    line=line,
                    column=column,
                    message=f"migration.from '{declared.source}': no such procedure "
                    f"(bundled: {', '.join(sorted(bundled))}){did_you_mean(declared.source, bundled)}",
                )
            ]
        )
    old = load_procedure(declared.source, plugins=plugins)
    problems = [
        Problem(
            file=where.file,
            line=where.line,
            column=where.column,
            message=f"migration.states: '{state}' is not a state of '{old.id}'"
            f"{did_you_mean(state, old.states)}",
        )
        for state, where in declared.state_marks.items()
        if state not in old.states
    ]
    if problems:
        raise ProcedureError(problems)


def in_force_on(family: str, on: dt.date, *, plugins: Plugins | None = None) -> Procedure:
    """The bundled procedure of ``family`` in force on ``on``: ``in_force_on("vn-", day)``.

    ``family`` is the start of the ids (``"vn-"``), or one bundled id of the
    family (``"vn-2021"`` stands for ``"vn-"``: its id up to its last ``-``).

    Raises:
        ProcedureError: no procedure of the family is in force that day, or several are.
    """
    plugins = plugins if plugins is not None else Plugins()
    bundled = plugins.procedures()
    prefix = family
    if family in bundled and "-" in family:
        prefix = family[: family.rindex("-") + 1]
    members = [
        load_procedure(pid, plugins=plugins) for pid in sorted(bundled) if pid.startswith(prefix)
    ]
    found = [p for p in members if p.in_force is None or p.in_force.covers(on)]
    if len(found) == 1:
        return found[0]
    windows = (
        ", ".join(f"{p.id} {p.in_force.text().en if p.in_force else 'always'}" for p in members)
        or f"none bundled{did_you_mean(family, bundled)}"
    )
    what = "no procedure" if not found else f"{len(found)} procedures"
    raise ProcedureError(
        [
            Problem(
                file=family,
                line=1,
                column=1,
                message=f"{what} of the family '{prefix}' in force on {on.isoformat()} ({windows})",
            )
        ]
    )
