"""Every error admission_flow raises.

Refusals are not errors: a refused event comes back as data (see ``Step``).
These classes are for mistakes: a malformed file, an unknown name, a fact of
the wrong type, a plugin that raised. Each one also inherits the built-in
exception a caller would expect (``ValueError``, ``LookupError``,
``RuntimeError``), and its message says what was wrong, where, and what to do.

Each class has a stable ``code`` (``"conflict"``, ``"unavailable"``...) that a
service maps to its answer without reading the message, a ``retryable`` flag
(the same call may succeed later, unchanged), and a ``title`` in Vietnamese
and English; ``docs/keeping-cases.md`` lists them with the HTTP status a
service would answer.
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
    "ConstraintError",
    "DuplicateError",
    "FactError",
    "FileProblemError",
    "InputError",
    "PluginError",
    "Problem",
    "ProcedureError",
    "RequestReusedError",
    "ScenarioError",
    "SchemaError",
    "StoreError",
    "TamperedError",
    "UnavailableError",
    "UnitFileError",
    "UnitMismatchError",
    "UnknownCaseError",
    "UnknownEventError",
    "UnknownUnitError",
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

    #: What went wrong, as a service maps it (never changes once published).
    code: str = "error"
    #: Whether the same call, unchanged, may succeed later (a lost connection, a lock).
    retryable: bool = False
    #: The code's meaning, in Vietnamese and English.
    title: tuple[str, str] = ("Lỗi", "Error")

    def as_json(self) -> dict[str, Any]:
        """The error's JSON form (``schemas/register.json#/$defs/error``): what a service
        answers, the code first, then the details its class adds."""
        return {
            "code": self.code,
            "title": {"vi": self.title[0], "en": self.title[1]},
            "message": str(self),
            "retryable": self.retryable,
            **self._details(),
        }

    def _details(self) -> dict[str, Any]:
        return {}


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

    def _details(self) -> dict[str, Any]:
        return {
            "problems": [
                {"file": p.file, "line": p.line, "column": p.column, "message": p.message}
                for p in self.problems
            ]
        }


class ProcedureError(FileProblemError):
    """A procedure file is malformed or refers to names it does not define."""

    code = "bad_procedure"


class ScenarioError(FileProblemError):
    """A scenario file is malformed or does not fit its procedure."""

    code = "bad_scenario"


class UnitFileError(FileProblemError):
    """A unit file is malformed, or names a unit, position, member or kind it does not know."""


class InputError(AdmissionFlowError, ValueError):
    """A caller passed something the procedure cannot accept.

    ``field`` names the argument or fact at fault (``"event"``, ``"by"``,
    ``"on"``, or a fact's name) so that a caller reading a file can point at
    the right line.
    """

    code = "bad_input"
    title = ("Dữ liệu đầu vào không hợp lệ", "Bad input")

    def __init__(self, message: str, *, field: str) -> None:
        self.field = field
        super().__init__(message)

    def _details(self) -> dict[str, Any]:
        return {"field": self.field}


class ArgumentTypeError(InputError, TypeError):
    """An argument is of the wrong type: a class where an instance is needed, a number for a name."""

    code = "bad_argument_type"
    title = ("Đối số sai kiểu", "An argument of the wrong type")


class UnknownEventError(InputError, LookupError):
    """The procedure has no event of that name."""

    code = "unknown_event"
    title = ("Quy trình không có sự kiện này", "The procedure has no such event")


class ActorError(InputError):
    """The actor's role is unknown, or a member acting in person is unknown."""

    code = "bad_actor"
    title = ("Người thực hiện không hợp lệ", "Unknown role or member")


class FactError(InputError):
    """A fact is missing, unknown, of the wrong type, or out of range."""

    code = "bad_fact"
    title = ("Dữ kiện không hợp lệ", "A fact is missing, unknown or of the wrong type")


class CaseError(InputError):
    """The case does not fit the call: another procedure, or an ``on`` that is not a date.

    An event dated before the case's latest step, or with no date, is not an
    error: the core rule ``event.date`` refuses it, in every procedure.
    """

    code = "bad_case"
    title = ("Hồ sơ không khớp với lệnh gọi", "The case does not fit the call")


class PluginError(AdmissionFlowError, RuntimeError):
    """A plugin raised, or returned something its hook does not allow.

    Nothing was changed. ``plugin`` names the culprit; ``hook`` the hook it
    failed in (``None`` when it failed outside a hook call, in a rule's check
    while an event was judged); ``rule`` the rule, where one is involved. The
    original exception, if any, is chained as ``__cause__``.
    """

    code = "plugin_failed"
    title = ("Một plugin bị lỗi", "A plugin failed")

    def __init__(
        self, message: str, *, plugin: str, hook: str | None, rule: str | None = None
    ) -> None:
        self.plugin = plugin
        self.hook = hook
        self.rule = rule
        super().__init__(message)

    def _details(self) -> dict[str, Any]:
        return {"plugin": self.plugin, "hook": self.hook, "rule": self.rule}


class StoreError(AdmissionFlowError, RuntimeError):
    """The register cannot do what was asked. Nothing was written.

    The base of the register's errors; what is raised is one of its subclasses,
    except for a mistake no subclass names. Messages name the database by its
    scheme and name only (never a user, password, host or port) and a case by
    its id, never a person's data.
    """

    code = "store"
    title = ("Sổ đăng ký không thực hiện được yêu cầu", "The register cannot do this")


class UnavailableError(StoreError, ConnectionError):
    """The database cannot be reached now: the connection was lost, the server is
    restarting or has too many clients, another writer held the lock beyond the wait.

    Nothing was written (or, for a commit whose answer was lost, fire again with
    the same ``request_id`` to learn what was). Retry later: ``retryable``.
    """

    code = "unavailable"
    retryable = True
    title = ("Cơ sở dữ liệu tạm thời không truy cập được", "The database is unavailable for now")


class SchemaError(StoreError):
    """The database holds no register, or one at a schema revision this code does not write."""

    code = "schema"
    title = ("Cơ sở dữ liệu không có sổ đăng ký phù hợp", "No register of this schema here")


class ConflictError(StoreError):
    """Another writer changed the case while this event was judged; nothing was written.

    Load the case again and fire again: the event is judged against what the
    other writer recorded. ``expected`` and ``found`` are the versions, when known.
    """

    code = "conflict"
    retryable = True
    title = ("Hồ sơ vừa bị thay đổi bởi người khác", "The case changed meanwhile")

    def __init__(
        self, message: str, *, expected: int | None = None, found: int | None = None
    ) -> None:
        self.expected = expected
        self.found = found
        super().__init__(message)

    def _details(self) -> dict[str, Any]:
        return {"expected": self.expected, "found": self.found}


class DuplicateError(StoreError, ValueError):
    """What was to be added is there already (a case of that id). Nothing was written."""

    code = "duplicate"
    title = ("Đã có trong sổ đăng ký", "Already in the register")


class RequestReusedError(DuplicateError):
    """A ``request_id`` already recorded a different call on the case. Nothing was written.

    A retry must repeat the call exactly; a new call needs a new request id.
    """

    code = "request_reused"
    title = ("Mã yêu cầu đã dùng cho một lệnh khác", "The request id was used for another call")


class ConstraintError(StoreError, ValueError):
    """A write broke one of the database's rules (a foreign key, a unique index)
    in a way no other error names. Nothing was written; retrying will not help."""

    code = "constraint"
    title = ("Vi phạm ràng buộc của cơ sở dữ liệu", "A database constraint was violated")


class UnknownCaseError(StoreError, LookupError):
    """The register has no case of that id."""

    code = "unknown_case"
    title = ("Không có hồ sơ này", "No such case")


class UnknownUnitError(StoreError, LookupError):
    """The register has no unit of that id."""

    code = "unknown_unit"
    title = ("Không có đơn vị này", "No such unit")


class UnitMismatchError(StoreError, ValueError):
    """A unit given with a call differs from the unit the register keeps.

    ``differences`` maps each differing field to ``(stored, given)``; update the
    unit with ``put_unit`` first, or pass its id.
    """

    code = "unit_mismatch"
    title = ("Đơn vị khác với đơn vị trong sổ đăng ký", "The unit differs from the stored one")

    def __init__(self, message: str, *, differences: dict[str, tuple[Any, Any]]) -> None:
        self.differences = differences
        super().__init__(message)

    def _details(self) -> dict[str, Any]:
        return {
            "differences": {
                name: {"stored": old, "given": new} for name, (old, new) in self.differences.items()
            }
        }


class TamperedError(StoreError):
    """A stored row fails its hash chain: run ``admission-flow verify``."""

    code = "tampered"
    title = ("Dữ liệu lưu trữ không khớp chuỗi băm", "A stored row fails its hash chain")


class CaseRefusedError(StoreError):
    """The register refuses to open a case: the person's other cases do not allow it.

    ``violations`` holds every reason, each with its rule id (``case.one_open``,
    ``readmission.thirty_six_months``...), message and source. Nothing was written.
    """

    code = "case_refused"
    title = ("Không được mở hồ sơ mới cho người này", "A new case is not allowed for this person")

    def __init__(self, message: str, *, violations: tuple[Any, ...]) -> None:
        self.violations = violations
        super().__init__(message)

    def _details(self) -> dict[str, Any]:
        return {"violations": [v.as_dict() for v in self.violations]}
