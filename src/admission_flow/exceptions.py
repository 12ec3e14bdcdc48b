"""Every error admission_flow raises.

Refusals are not errors: a refused event comes back as data (see ``Step``).
These classes are for mistakes: a malformed file, an unknown name, a fact of
the wrong type, a plugin that raised. Each one also inherits the built-in
exception a caller would expect (``ValueError``, ``LookupError``,
``RuntimeError``), and its message says what was wrong, where, and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import attrs

from ._limits import MAX_MESSAGE_CHARS, MAX_PROBLEMS_SHOWN, cut, escape

__all__ = [
    "ActorError",
    "AdmissionFlowError",
    "ArgumentTypeError",
    "CaseError",
    "CaseRefusedError",
    "ConflictError",
    "FactError",
    "FileProblemError",
    "InputError",
    "PluginError",
    "Problem",
    "ProcedureError",
    "ScenarioError",
    "StoreError",
    "UnknownCaseError",
    "UnknownEventError",
]


def _bounded(message: str) -> str:
    return cut(message, MAX_MESSAGE_CHARS)


@attrs.frozen(kw_only=True)
class Problem:
    """One mistake in a file, at a line and column (both counted from 1).

    ``message`` is kept to ``MAX_MESSAGE_CHARS`` characters (see
    ``docs/limits.md``), so that a value repeated in many problems cannot fill
    memory. ``str()`` gives one line, safe for a terminal: the file name and the
    message have their control characters, line separators and bidi overrides
    escaped (``\\n``, ``\\x1b``, ``\\u202e``).
    """

    file: str
    line: int
    column: int
    message: str = attrs.field(converter=_bounded)

    def __str__(self) -> str:
        return f"{escape(self.file)}:{self.line}:{self.column}: {escape(self.message)}"


class AdmissionFlowError(Exception):
    """Base class of every error admission_flow raises on purpose."""


class FileProblemError(AdmissionFlowError, ValueError):
    """A file cannot be read or does not fit its format.

    ``problems`` holds every problem found, in file order; ``str()`` gives one
    ``file:line:col: message`` line per problem, for the first
    ``MAX_PROBLEMS_SHOWN`` of them, then one line saying how many more there are.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.file, p.line, p.column))
        )
        if not self.problems:
            raise AssertionError("a FileProblemError needs at least one problem")
        lines = [str(p) for p in self.problems[:MAX_PROBLEMS_SHOWN]]
        hidden = len(self.problems) - MAX_PROBLEMS_SHOWN
        if hidden > 0:
            first = self.problems[MAX_PROBLEMS_SHOWN]
            lines.append(
                str(
                    attrs.evolve(
                        first,
                        message=(
                            f"{hidden:,} more problems from here on are not shown"
                            if hidden > 1
                            else "1 more problem from here on is not shown"
                        )
                        + "; fix the ones above first",
                    )
                )
            )
        super().__init__("\n".join(lines))


class ProcedureError(FileProblemError):
    """A procedure file is malformed or refers to names it does not define."""


class ScenarioError(FileProblemError):
    """A scenario file is malformed or does not fit its procedure."""


class InputError(AdmissionFlowError, ValueError):
    """A caller passed something the procedure cannot accept.

    ``field`` names the argument or fact at fault (``"event"``, ``"by"``,
    ``"on"``, or a fact's name) so that a caller reading a file can point at
    the right line.
    """

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        super().__init__(message)


class ArgumentTypeError(InputError, TypeError):
    """An argument is of the wrong type: a class where an instance is needed, a number for a name."""


class UnknownEventError(InputError, LookupError):
    """The procedure has no event of that name."""


class ActorError(InputError):
    """The actor's role is unknown, or a member acting in person is unknown."""


class FactError(InputError):
    """A fact is missing, unknown, of the wrong type, or out of range."""


class CaseError(InputError):
    """The case does not fit the call: another procedure, or an ``on`` that is not a date.

    An event dated before the case's latest step, or with no date, is not an
    error: the core rule ``event.date`` refuses it, in every procedure.
    """


class PluginError(AdmissionFlowError, RuntimeError):
    """A plugin raised, or returned something its hook does not allow.

    Nothing was changed. ``plugin`` names the culprit; ``hook`` the hook it
    failed in (``None`` when it failed outside a hook call, in a rule's check
    while an event was judged); ``rule`` the rule, where one is involved. The
    original exception, if any, is chained as ``__cause__``.
    """

    def __init__(
        self, message: str, *, plugin: str, hook: str | None, rule: str | None = None
    ) -> None:
        self.plugin = plugin
        self.hook = hook
        self.rule = rule
        super().__init__(message)


class StoreError(AdmissionFlowError, RuntimeError):
    """The register cannot do what was asked: a database that cannot be reached,
    one of another schema version, a case that already exists, a history row
    that fails its hash. Nothing was written.

    Messages name the database and the case by id, never a person's data.
    """


class UnknownCaseError(StoreError, LookupError):
    """The register has no case of that id."""


class CaseRefusedError(StoreError):
    """The register refuses to open a case: the person's other cases do not allow it.

    ``violations`` holds every reason, each with its rule id (``case.one_open``,
    ``readmission.thirty_six_months``...), message and source. Nothing was written.
    """

    def __init__(self, message: str, *, violations: tuple[Any, ...]) -> None:
        self.violations = violations
        super().__init__(message)


class ConflictError(StoreError):
    """Another writer changed the case while this event was judged; nothing was written.

    Load the case again and fire again: the event is judged against what the
    other writer recorded.
    """
