"""``load_procedure``: the one way to load a procedure, bundled or from a file."""

from __future__ import annotations

from importlib.resources import as_file
from pathlib import Path

from admission_flow.exceptions import ArgumentTypeError, Problem, ProcedureError
from admission_flow.model._words import describe, did_you_mean
from admission_flow.procedure._parse import read_procedure
from admission_flow.procedure._spec import Procedure

from ._manager import Plugins

__all__ = ["load_procedure"]


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
    catalogue = {rule_id: found.rule for rule_id, found in plugins.rules().items()}
    if isinstance(source, str):
        bundled = plugins.procedures()
        where = bundled.get(source)
        if where is not None:
            if isinstance(where, Path):
                return read_procedure(where, rules=catalogue)
            with as_file(where) as path:
                return read_procedure(path, rules=catalogue, display=f"<bundled {source}>")
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
    return read_procedure(source, rules=catalogue)
