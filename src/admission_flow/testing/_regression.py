"""Scenario files against their expected output: a procedure author's regression suite.

``NAME.yaml`` is run as ``admission-flow run NAME.yaml --json`` would run it and
the result is compared with ``NAME.expected.json`` beside it. Nothing here
needs Hypothesis or pytest: the ``test`` command uses it on a core install.
"""

from __future__ import annotations

import difflib
import json
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import attrs

from admission_flow import Plugins, Problem, ScenarioError, load_scenario, run_scenario
from admission_flow._limits import MAX_DEPTH, MAX_FILE_BYTES
from admission_flow.procedure._reading import FileTooLarge, NotRegularFile, read_bytes

__all__ = [
    "EXPECTED_SUFFIX",
    "Difference",
    "Result",
    "check_scenario",
    "expected_path",
    "find_scenarios",
    "pretty_json",
    "read_expected",
    "write_expected",
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
                # a scenario linked in from outside the folder is not one of its scenarios
                if expected_path(p).is_file() and p.resolve().is_relative_to(path.resolve())
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
    expected = read_expected(path)
    actual = json.loads(json.dumps(run_scenario(load_scenario(path, plugins=plugins)).as_dict()))
    return Result(
        scenario=path,
        expected_file=expected_file,
        expected=expected,
        actual=actual,
        differences=tuple(differences(expected, actual)),
    )


def _problem(file: Path, message: str, line: int = 1, column: int = 1) -> ScenarioError:
    return ScenarioError([Problem(file=str(file), line=line, column=column, message=message)])


def _outside(path: Path, scenario: Path) -> bool:
    """Whether ``path``, its links followed, leaves the scenario's folder."""
    folder = scenario.resolve().parent
    return not path.resolve().is_relative_to(folder)


def read_expected(scenario: Path) -> Any:
    """The expected output beside ``scenario``: a regular file in its folder (a link out
    of the folder is refused unread), within the limits of every file.

    Raises:
        ScenarioError: the file is missing, outside the folder, too large, too deep or not JSON.
    """
    expected_file = expected_path(scenario)
    if expected_file.is_symlink() and _outside(expected_file, scenario):
        raise _problem(
            expected_file,
            "a link to a file outside the scenario's folder; the expected output is read only "
            "from the folder: replace the link by the file",
        )
    try:
        data = read_bytes(expected_file)
    except NotRegularFile:
        raise _problem(
            expected_file,
            "not a regular file (a device, a pipe or a socket); write it anew "
            f"with `admission-flow test --update {scenario}`",
        ) from None
    except FileTooLarge:
        raise _problem(expected_file, f"the file is larger than {MAX_FILE_BYTES:,} bytes") from None
    except OSError:
        raise _problem(
            scenario,
            f"no expected output {expected_file.name} beside it; "
            f"write it with `admission-flow test --update {scenario}`",
        ) from None
    try:
        expected = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise _problem(expected_file, "not UTF-8 text; write it anew with test --update") from None
    except json.JSONDecodeError as exc:
        raise _problem(expected_file, f"not JSON: {exc.msg}", exc.lineno, exc.colno) from None
    except (RecursionError, ValueError):
        expected = None
        deep = True
    else:
        deep = _depth(expected) > MAX_DEPTH
    if deep:
        raise _problem(expected_file, f"values are nested more than {MAX_DEPTH} levels deep")
    return expected


def write_expected(scenario: Path, text: str) -> Path:
    """Write ``text`` as the scenario's expected output, never through a link out of its folder.

    Raises:
        ScenarioError: the expected file is a link out of the folder, or cannot be written.
    """
    expected_file = expected_path(scenario)
    if expected_file.is_symlink() and _outside(expected_file, scenario):
        raise _problem(
            expected_file,
            "a link to a file outside the scenario's folder; nothing was written: "
            "replace the link by a file",
        )
    target = expected_file.resolve() if expected_file.is_symlink() else expected_file
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(target, flags, 0o644)
    except OSError as exc:
        raise _problem(expected_file, f"cannot be written: {exc.strerror or 'refused'}") from None
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    return expected_file


def _depth(value: Any) -> int:
    """How deep ``value`` nests, without recursion."""
    deepest = 0
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        deepest = max(deepest, depth)
        if deepest > MAX_DEPTH:
            return deepest
        if isinstance(item, dict):
            stack.extend((inner, depth + 1) for inner in item.values())
        elif isinstance(item, list):
            stack.extend((inner, depth + 1) for inner in item)
    return deepest


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
