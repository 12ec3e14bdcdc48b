"""Imports cost what they use (issue 20, item 5): heavy packages load on first use.

Each check runs in a fresh interpreter and reads ``sys.modules``; nothing here is timed
(``benchmarks/run.py`` measures the cost). The packages whose names load on first use
(``_lazy.py``) spell each name's home twice, in ``TYPE_CHECKING`` imports and in a table;
the two must agree.
"""

from __future__ import annotations

import ast
import importlib
import json
import subprocess
import sys
from pathlib import Path

import pytest

import admission_flow

SRC = Path(admission_flow.__file__).resolve().parent
HEAVY = ("sqlalchemy", "holidays", "rich", "alembic")


def _loaded_after(code: str) -> set[str]:
    """The top-level packages of ``HEAVY`` (and yaml, pluggy) that ``code`` leaves loaded."""
    probe = (
        "import json, sys\n"
        f"{code}\n"
        "names = ('yaml', 'pluggy', *" + repr(HEAVY) + ")\n"
        "sys.stderr.write('\\nLOADED ' + json.dumps([n for n in names if n in sys.modules]))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    return set(json.loads(done.stderr.rpartition("LOADED ")[2]))


def test_import_admission_flow_loads_no_heavy_package() -> None:
    assert _loaded_after("import admission_flow") == set()


def test_the_first_use_of_a_name_loads_what_it_needs() -> None:
    """The positive twin: reading ``Engine`` loads the YAML reader and pluggy, not the store."""
    code = "import admission_flow\nadmission_flow.Engine"
    assert _loaded_after(code) == {"yaml", "pluggy"}


def test_import_store_loads_sqlalchemy_only_when_a_register_is_used() -> None:
    assert "sqlalchemy" not in _loaded_after("import admission_flow.store")
    assert "sqlalchemy" in _loaded_after("import admission_flow.store as s\ns.Register")
    assert "sqlalchemy" in _loaded_after("from admission_flow.store import Register")


def test_help_loads_no_heavy_package() -> None:
    code = (
        "import contextlib, io\n"
        "from admission_flow.cli._main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        main(['--help'])\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
        "assert 'validate' in out.getvalue()\n"
    )
    assert _loaded_after(code) == set()


def test_validate_loads_what_it_reads_with_and_nothing_of_the_store() -> None:
    code = (
        "import contextlib, io\n"
        "from admission_flow.cli._main import main\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    assert main(['validate', 'vn-2021']) == 0\n"
        "assert 'ok' in out.getvalue()\n"
    )
    assert _loaded_after(code) == {"yaml", "pluggy"}


def test_help_runs_as_the_installed_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "admission_flow", "--help"],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0
    assert "validate" in done.stdout
    assert done.stderr == ""


def _homes(package: Path) -> tuple[dict[str, str], dict[str, str]]:
    """(name -> home module) from the ``TYPE_CHECKING`` imports, and from ``_HOMES``."""
    tree = ast.parse(package.read_text(encoding="utf-8"))
    typed: dict[str, str] = {}
    table: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.If) and getattr(node.test, "id", None) == "TYPE_CHECKING":
            for child in node.body:
                assert isinstance(child, ast.ImportFrom)
                assert child.level == 1
                for alias in child.names:
                    typed[alias.asname or alias.name] = f".{child.module}"
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", None) == "_HOMES":
            for module, names in ast.literal_eval(node.value).items():
                table.update(dict.fromkeys(names, module))
    return typed, table


@pytest.mark.parametrize("package", ["", "store", "units"], ids=lambda p: p or "admission_flow")
def test_lazy_names_and_their_typed_imports_agree(package: str) -> None:
    path = SRC / package / "__init__.py"
    typed, table = _homes(path)
    assert typed
    assert typed == table
    module = importlib.import_module(".".join(filter(None, ("admission_flow", package))))
    assert set(module.__all__) - {"__version__"} == set(table)
    assert set(table) <= set(dir(module))


def test_an_unknown_name_is_an_attribute_error() -> None:
    store = importlib.import_module("admission_flow.store")
    with pytest.raises(AttributeError, match=r"module 'admission_flow' has no attribute 'Engin'"):
        _ = admission_flow.Engin  # type: ignore[attr-defined]
    with pytest.raises(AttributeError, match=r"'admission_flow\.store' has no attribute 'Registr'"):
        _ = store.Registr
