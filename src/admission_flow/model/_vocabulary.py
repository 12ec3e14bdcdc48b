"""The vocabulary every layer shares, said once: names, severities, exit codes, defaults.

Each of these used to be spelt in several modules (the name pattern three times,
the severities three times, the exit codes in each command family, ``--max-depth``
40 on the command line and 30 in ``explore``); they are defined here and imported
everywhere else, so that they cannot drift apart.
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Sequence
from typing import Final, Literal, get_args

__all__ = [
    "EDUCATION_LEVELS",
    "EXIT_BAD_INPUT",
    "EXIT_CONFLICT",
    "EXIT_FOUND",
    "EXIT_OK",
    "EXIT_PLUGIN",
    "MAX_DEPTH",
    "MAX_STATES",
    "MEMBER_STATUSES",
    "NAME",
    "ORGANIZATIONS",
    "PROCEDURE_ID",
    "PROGRAM",
    "RULE_HINT",
    "RULE_ID",
    "SEVERITIES",
    "UNIT_KINDS",
    "Severity",
    "command",
]

# -- names -------------------------------------------------------------------------

#: A name in a procedure, a unit file or a plugin's answer: a role, a state, an
#: event, a fact, a unit kind (lower-case letters, digits and ``_``, a letter first).
NAME: Final = re.compile(r"[a-z][a-z0-9_]*\Z")
#: A rule id: names separated by dots (``eligibility.age``).
RULE_ID: Final = re.compile(r"[a-z][a-z0-9_]*(\.[a-z0-9_]+)*\Z")
RULE_HINT: Final = "use lower-case names separated by '.' (eligibility.age)"
#: A procedure id (``vn-2021``, ``thpt-lien-chieu``).
PROCEDURE_ID: Final = re.compile(r"[a-z0-9][a-z0-9._-]*\Z")

# -- the domain's closed and open lists ----------------------------------------------

#: Education levels, lowest first (trình độ học vấn).
EDUCATION_LEVELS: tuple[str, ...] = (
    "none",
    "literate",
    "primary",
    "lower_secondary",
    "upper_secondary",
    "college",
    "university",
)
#: The kinds of unit a party cell works in that admission_flow knows. The vocabulary is
#: open: a procedure, a plugin or a unit file may add kinds (``ward``, ``militia``); a
#: name that is only a near-miss of a known kind (``scool``) is refused as a typo.
UNIT_KINDS: tuple[str, ...] = ("residential", "school", "health", "enterprise", "agency", "other")
#: A member is official (chính thức) or probationary (dự bị).
MEMBER_STATUSES: tuple[str, ...] = ("official", "probationary")
#: Mass organisations a candidate can belong to.
ORGANIZATIONS: tuple[str, ...] = ("youth_union", "trade_union")

Severity = Literal["block", "record", "warning"]
#: What a violation does: refuse the step, record it without moving the case, or warn.
SEVERITIES: tuple[Severity, ...] = get_args(Severity)

# -- the command line ------------------------------------------------------------------

PROGRAM: Final = "admission-flow"
#: Exit status: the command did its work (refused events included).
EXIT_OK: Final = 0
#: A check found something: ``check``, ``test``, ``verify``.
EXIT_FOUND: Final = 1
#: A file that cannot be read or does not fit its format, or a wrong command line.
EXIT_BAD_INPUT: Final = 2
#: A plugin failed.
EXIT_PLUGIN: Final = 3
#: Another writer changed a kept case first.
EXIT_CONFLICT: Final = 4

#: ``check``'s bounds, for ``admission-flow check`` and ``testing.explore`` alike:
#: the most events on one path, and the most abstract states visited.
MAX_DEPTH: Final = 40
MAX_STATES: Final = 200_000


def command(*arguments: str, plugins: Sequence[str] = ()) -> str:
    """A command line for the user to run next, whole: ``admission-flow -p M ... ARGS``.

    Every ``-p`` module the current run was given comes first, so that the
    printed command finds the same rules; each word is quoted for a POSIX
    shell. It is meant to be run from the folder the current command ran in
    (``-p`` modules are imported from there).
    """
    words = [PROGRAM]
    for module in plugins:
        words += ["-p", module]
    return shlex.join([*words, *arguments])
