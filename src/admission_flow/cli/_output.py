"""What every command of the command line shares: exit codes, plugins from ``-p``, printing.

Whatever comes from a file or the register is printed escaped (``_limits.escape``):
control characters, line separators and bidi overrides become visible escapes.
"""

from __future__ import annotations

import importlib
import os
import sys
from collections.abc import Sequence
from types import ModuleType
from typing import TYPE_CHECKING, TextIO

from admission_flow._limits import ESCAPED, escape
from admission_flow.exceptions import PluginError
from admission_flow.model._vocabulary import (
    EXIT_BAD_INPUT,
    EXIT_CONFLICT,
    EXIT_FOUND,
    EXIT_OK,
    EXIT_PLUGIN,
    command,
)

if TYPE_CHECKING:
    from admission_flow.engine._scenario import Run
    from admission_flow.model._values import Text, Violation

__all__ = [
    "EXIT_BAD_INPUT",
    "EXIT_CONFLICT",
    "EXIT_FOUND",
    "EXIT_OK",
    "EXIT_PLUGIN",
    "JSON_ESCAPES",
    "command",
    "import_plugins",
    "lines",
    "print_run",
    "print_violation",
]


def import_plugins(names: Sequence[str]) -> list[ModuleType]:
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


def lines(text: str) -> str:
    """Text of several lines for a terminal: each line escaped, the line breaks kept."""
    return "\n".join(escape(line) for line in text.split("\n"))


#: What the JSON output writes as ``\uXXXX``: the characters ``escape``
#: replaces that ``json`` leaves as they are.
JSON_ESCAPES = {code: f"\\u{code:04x}" for code in ESCAPED if code >= 0x7F}


def _both(text: Text) -> str:
    return f"{escape(text.vi)}\n      {escape(text.en)}"


def print_violation(kind: str, violation: Violation, out: TextIO) -> None:
    print(escape(f"    {kind} {violation.rule} ({violation.source})"), file=out)
    print(f"      {_both(violation.message)}", file=out)


def print_run(result: Run, out: TextIO) -> None:
    scenario = result.scenario
    procedure = scenario.procedure
    print(
        escape(
            f"{scenario.candidate.name} ({result.case.id}) · {procedure.id}: {procedure.title.vi}"
        ),
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
            escape(
                f"{mark} {step.on.isoformat()}  {step.event:<22} {step.actor!s:<22} "
                f"{step.from_state or '-'} → {step.to_state}  [{verdict}]"
            ),
            file=out,
        )
        for violation in step.violations:
            print_violation("✗", violation, out)
        for warning in step.warnings:
            print_violation("!", warning, out)
        for deadline in step.deadlines_set:
            print(
                f"    ⏱ {escape(deadline.name)} {deadline.due.isoformat()}: {_both(deadline.basis)}",
                file=out,
            )
    state = result.case.state
    label = procedure.state_label(state)
    print(escape(f"Trạng thái / state: {state} ({label.vi} / {label.en})"), file=out)
    engine = result.engine or scenario.engine
    for name, day in engine.dates(result.case).items():
        print(escape(f"  {name}: {day.isoformat()}"), file=out)
    for deadline in engine.pending(result.case):
        print(
            escape(f"Hạn / due: {deadline.event} {deadline.due.isoformat()} ({deadline.rule})"),
            file=out,
        )
