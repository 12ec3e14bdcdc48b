"""Scenario files against their expected output: a procedure author's regression suite.

``NAME.yaml`` is run as ``admission-flow run NAME.yaml --json`` would run it and
the result is compared with ``NAME.expected.json`` beside it. Nothing here
needs Hypothesis or pytest: the ``test`` command uses it on a core install.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from admission_flow import Plugins, Problem, ScenarioError, load_scenario, run_scenario

__all__ = [
    "EXPECTED_SUFFIX",
    "Difference",
    "Result",
    "check_scenario",
    "expected_path",
    "find_scenarios",
    "pretty_json",
]

EXPECTED_SUFFIX = ".expected.json"


def expected_path(scenario: Path) -> Path:
    """Where a scenario's expected output lives: ``NAME.yaml`` → ``NAME.expected.json``."""
    return scenario.with_name(scenario.stem + EXPECTED_SUFFIX)


def pretty_json(value: Any) -> str:
    """JSON as ``run --json`` prints it, so expected files can be diffed line by line."""
    return json.dumps(value, ensure_ascii=False, indent=2) + "\n"


@attrs.frozen(kw_only=True)
class Difference:
    """One place where the run and the expected output disagree."""

    #: A JSON path such as ``$.steps[3].accepted``.
    path: str
    expected: Any
    actual: Any
    #: ``"changed"``, ``"missing"`` (only expected) or ``"extra"`` (only in the run).
    kind: str = "changed"

    def __str__(self) -> str:
        if self.kind == "missing":
            return f"{self.path}: expected {_short(self.expected)}, missing from the run"
        if self.kind == "extra":
            return f"{self.path}: not expected, the run gives {_short(self.actual)}"
        return f"{self.path}: expected {_short(self.expected)}, got {_short(self.actual)}"


@attrs.frozen(kw_only=True)
class Result:
    """One scenario compared with its expected output."""

    scenario: Path
    expected_file: Path
    expected: Any
    actual: Any
    differences: tuple[Difference, ...]

    @property
    def passed(self) -> bool:
        return not self.differences

    def diff(self) -> str:
        """A unified diff of the pretty JSON, expected first."""
        return "".join(
            difflib.unified_diff(
                pretty_json(self.expected).splitlines(keepends=True),
                pretty_json(self.actual).splitlines(keepends=True),
                fromfile=str(self.expected_file),
                tofile=f"admission-flow run {self.scenario} --json",
            )
        )


def find_scenarios(paths: Iterable[str | Path]) -> Iterator[Path]:
    """The scenario files named, and those in the folders named (sorted, recursively).

    In a folder, a scenario is a ``.yaml`` file with an expected file beside it,
    so procedure files and plugin packs may sit in the same folder. A file named
    directly is taken as a scenario whatever is beside it.

    Raises:
        ScenarioError: a path that does not exist, or a folder with no scenario.
    """
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found = sorted(
                p
                for pattern in ("*.yaml", "*.yml")
                for p in path.rglob(pattern)
                if expected_path(p).is_file()
            )
            if not found:
                raise ScenarioError(
                    [
                        Problem(
                            file=str(path),
                            line=1,
                            column=1,
                            message=f"no scenario with its {EXPECTED_SUFFIX} file in this folder",
                        )
                    ]
                )
            yield from found
        elif path.is_file():
            yield path
        else:
            raise ScenarioError(
                [Problem(file=str(path), line=1, column=1, message="no such file or folder")]
            )


def check_scenario(path: Path, *, plugins: Plugins | None = None) -> Result:
    """Run one scenario and compare it with its expected file.

    Raises:
        ScenarioError: the scenario cannot be run, or its expected file is
            missing or not JSON.
        ProcedureError: the procedure it names is broken.
        PluginError: a plugin raised.
    """
    expected_file = expected_path(path)
    try:
        text = expected_file.read_text(encoding="utf-8")
    except OSError:
        raise ScenarioError(
            [
                Problem(
                    file=str(path),
                    line=1,
                    column=1,
                    message=f"no expected output {expected_file.name} beside it; "
                    f"write it with `admission-flow test --update {path}`",
                )
            ]
        ) from None
    try:
        expected = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ScenarioError(
            [
                Problem(
                    file=str(expected_file),
                    line=exc.lineno,
                    column=exc.colno,
                    message=f"not JSON: {exc.msg}",
                )
            ]
        ) from None
    actual = json.loads(json.dumps(run_scenario(load_scenario(path, plugins=plugins)).as_dict()))
    return Result(
        scenario=path,
        expected_file=expected_file,
        expected=expected,
        actual=actual,
        differences=tuple(differences(expected, actual)),
    )


def differences(expected: Any, actual: Any, path: str = "$") -> Iterator[Difference]:
    """Every leaf where two JSON values differ, with its path."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        for key in expected:
            where = f"{path}.{key}"
            if key not in actual:
                yield Difference(path=where, expected=expected[key], actual=None, kind="missing")
            else:
                yield from differences(expected[key], actual[key], where)
        for key in actual:
            if key not in expected:
                yield Difference(
                    path=f"{path}.{key}", expected=None, actual=actual[key], kind="extra"
                )
    elif isinstance(expected, list) and isinstance(actual, list):
        for index, (left, right) in enumerate(zip(expected, actual, strict=False)):
            yield from differences(left, right, f"{path}[{index}]")
        for index in range(len(actual), len(expected)):
            yield Difference(
                path=f"{path}[{index}]", expected=expected[index], actual=None, kind="missing"
            )
        for index in range(len(expected), len(actual)):
            yield Difference(
                path=f"{path}[{index}]", expected=None, actual=actual[index], kind="extra"
            )
    elif expected != actual or type(expected) is not type(actual):
        yield Difference(path=path, expected=expected, actual=actual)


def _short(value: Any, limit: int = 80) -> str:
    text = json.dumps(value, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"
