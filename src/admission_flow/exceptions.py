"""Every error admission_flow raises.

Refusals are not errors: a refused event comes back as data (see ``Step``).
These classes are for mistakes: a malformed file, an unknown name, a fact of
the wrong type, a plugin that raised. Each one also inherits the built-in
exception a caller would expect (``ValueError``, ``LookupError``,
``RuntimeError``), and its message says what was wrong, where, and what to do.
"""

from __future__ import annotations

from collections.abc import Iterable

import attrs

__all__ = [
    "ActorError",
    "AdmissionFlowError",
    "CaseError",
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


@attrs.frozen(kw_only=True)
class Problem:
    """One mistake in a file, at a line and column (both counted from 1)."""

    file: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.column}: {self.message}"


class AdmissionFlowError(Exception):
    """Base class of every error admission_flow raises on purpose."""


class FileProblemError(AdmissionFlowError, ValueError):
    """A file cannot be read or does not fit its format.

    ``problems`` holds every problem found, in file order; ``str()`` gives one
    ``file:line:col: message`` line per problem.
    """

    def __init__(self, problems: Iterable[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(
            sorted(problems, key=lambda p: (p.file, p.line, p.column))
        )
        if not self.problems:
            raise AssertionError("a FileProblemError needs at least one problem")
        super().__init__("\n".join(str(p) for p in self.problems))


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


class UnknownEventError(InputError, LookupError):
    """The procedure has no event of that name."""


class ActorError(InputError):
    """The actor's role is unknown, or a member acting in person is unknown."""


class FactError(InputError):
    """A fact is missing, unknown, of the wrong type, or out of range."""


class CaseError(InputError):
    """The case does not fit the call: another procedure, or a date out of order."""


class PluginError(AdmissionFlowError, RuntimeError):
    """A plugin raised, or returned something its hook does not allow.

    Nothing was changed. ``plugin`` and ``hook`` name the culprit; the
    original exception, if any, is chained as ``__cause__``.
    """

    def __init__(self, message: str, *, plugin: str, hook: str) -> None:
        self.plugin = plugin
        self.hook = hook
        super().__init__(message)


class StoreError(AdmissionFlowError, RuntimeError):
    """The register cannot do what was asked: a database that cannot be reached,
    one of another schema version, a case that already exists, a history row
    that fails its hash. Nothing was written.

    Messages name the database and the case by id, never a person's data.
    """


class UnknownCaseError(StoreError, LookupError):
    """The register has no case of that id."""


class ConflictError(StoreError):
    """Another writer changed the case while this event was judged; nothing was written.

    Load the case again and fire again: the event is judged against what the
    other writer recorded.
    """
