"""admission_flow's pytest plugin: fixtures and options, nothing automatic.

Installed with the package (entry point group ``pytest11``), so a project's
tests can ask for these fixtures without importing anything. It is a top-level
module of its own, not part of ``admission_flow``: pytest loads its plugins
before coverage starts, and loading a module inside ``admission_flow`` would
import the whole library first; this one imports it only when a fixture is used.

Fixtures:

- ``af_plugins``: a fresh plugin manager for the test, with the modules of
  ``--af-plugin`` registered;
- ``af_procedure``: the procedure of ``--af-procedure`` (or the ``af_procedure``
  ini setting), loaded with ``af_plugins``;
- ``af_engine``: a factory, ``af_engine(procedure=None, *, members=(), calendar=None)``;
- ``af_state_machine``: a factory for ``procedure_state_machine`` (needs Hypothesis);
- ``af_run_scenario``: runs a scenario file with ``af_plugins`` and returns the ``Run``.

Nothing is ``autouse`` and Hypothesis is imported only when a test asks for
``af_state_machine``, so the plugin costs nothing to projects that do not use it.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    import admission_flow as af
    from admission_flow.calendar import Calendar
    from admission_flow.testing._stateful import ProcedureMachine

__all__ = [
    "af_engine",
    "af_plugins",
    "af_procedure",
    "af_run_scenario",
    "af_state_machine",
    "pytest_addoption",
]


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("admission_flow", "admission_flow procedures")
    group.addoption(
        "--af-procedure",
        dest="af_procedure",
        metavar="PROCEDURE",
        help="the procedure the af_procedure fixture loads: a bundled id or a file",
    )
    group.addoption(
        "--af-plugin",
        dest="af_plugin",
        action="append",
        default=[],
        metavar="MODULE",
        help="also register this plugin module in af_plugins; repeatable",
    )
    parser.addini("af_procedure", "the default procedure of the af_procedure fixture")


@pytest.fixture
def af_plugins(pytestconfig: pytest.Config) -> af.Plugins:
    """A fresh plugin manager, with the ``--af-plugin`` modules registered."""
    import admission_flow as af

    names: list[str] = pytestconfig.getoption("af_plugin")
    modules = []
    for name in names:
        try:
            modules.append(importlib.import_module(name))
        except ImportError as exc:
            pytest.fail(f"--af-plugin {name}: cannot import it: {exc}", pytrace=False)
    return af.Plugins(modules)


@pytest.fixture
def af_procedure(pytestconfig: pytest.Config, af_plugins: af.Plugins) -> af.Procedure:
    """The procedure named by ``--af-procedure`` or the ``af_procedure`` ini setting."""
    from admission_flow import load_procedure

    name = pytestconfig.getoption("af_procedure") or pytestconfig.getini("af_procedure")
    if not name:
        pytest.fail(
            "the af_procedure fixture needs a procedure: pass --af-procedure vn-2021 "
            "(or a file), set af_procedure in the pytest ini, or define your own "
            "af_procedure fixture",
            pytrace=False,
        )
    return load_procedure(str(name), plugins=af_plugins)


@pytest.fixture
def af_engine(request: pytest.FixtureRequest, af_plugins: af.Plugins) -> Callable[..., af.Engine]:
    """A factory of engines: ``af_engine(procedure=None, *, members=(), calendar=None)``.

    ``procedure`` is a bundled id, a file or a loaded procedure; by default
    the ``af_procedure`` fixture's.
    """
    import admission_flow as af

    def make(
        procedure: str | Path | af.Procedure | None = None,
        *,
        members: Mapping[str, af.Member] | Iterable[af.Member] = (),
        calendar: Calendar | None = None,
    ) -> af.Engine:
        if procedure is None:
            procedure = request.getfixturevalue("af_procedure")
        if not isinstance(procedure, af.Procedure):
            procedure = af.load_procedure(procedure, plugins=af_plugins)
        return af.Engine(procedure, plugins=af_plugins, members=members, calendar=calendar)

    return make


@pytest.fixture
def af_state_machine(
    request: pytest.FixtureRequest, af_plugins: af.Plugins
) -> Callable[..., type[ProcedureMachine]]:
    """A factory of ``procedure_state_machine`` classes, with ``af_plugins`` by default.

    Run one with ``hypothesis.stateful.run_state_machine_as_test``.
    """
    from admission_flow.testing._stateful import procedure_state_machine

    def make(
        procedure: str | Path | af.Procedure | None = None, **options: Any
    ) -> type[ProcedureMachine]:
        if procedure is None:
            procedure = request.getfixturevalue("af_procedure")
        options.setdefault("plugins", af_plugins)
        return procedure_state_machine(procedure, **options)

    return make


@pytest.fixture
def af_run_scenario(af_plugins: af.Plugins) -> Callable[[str | Path], af.Run]:
    """Run a scenario file with ``af_plugins``: ``af_run_scenario("case.yaml").case.state``."""

    import admission_flow as af

    def run(path: str | Path) -> af.Run:
        return af.run_scenario(af.load_scenario(path, plugins=af_plugins))

    return run
