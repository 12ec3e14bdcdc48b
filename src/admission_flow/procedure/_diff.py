"""What differs between two procedures: for the reviewer of a local variant or a new generation.

Both are compared resolved (``extends:`` applied), section by section:
states, events (and each event's rules, by id), settings, rules (messages,
sources, severities, parameters), deadlines, dates, invariants, roles, the
``in_force`` window and the migration declaration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import attrs

from ._procedure_text import plain_of
from ._spec import Procedure

__all__ = ["Change", "diff_procedures"]

#: Sections compared entry by entry, in the order the changes are listed.
_SECTIONS = (
    "title",
    "version",
    "in_force",
    "migration",
    "settings",
    "roles",
    "states",
    "events",
    "rules",
    "deadlines",
    "dates",
    "invariants",
)


@attrs.frozen
class Change:
    """One difference: where (``events.cell_vote.rules``), what, and the values either side."""

    path: str
    kind: str  # added | removed | changed
    before: Any = None
    after: Any = None

    def as_dict(self) -> dict[str, Any]:
        return {"path": self.path, "change": self.kind, "a": self.before, "b": self.after}

    def __str__(self) -> str:
        sign = {"added": "+", "removed": "-", "changed": "~"}[self.kind]
        if self.kind == "added":
            return f"{sign} {self.path}: {_short(self.after)}"
        if self.kind == "removed":
            return f"{sign} {self.path}: {_short(self.before)}"
        return f"{sign} {self.path}: {_short(self.before)} -> {_short(self.after)}"


def _short(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 100 else text[:97] + "..."


def diff_procedures(first: Procedure, second: Procedure) -> list[Change]:
    """Every difference between ``first`` and ``second``, section by section."""
    a, b = plain_of(first), plain_of(second)
    changes: list[Change] = []
    for section in _SECTIONS:
        _compare(section, a.get(section), b.get(section), changes, depth=0)
    return changes


def _rule_name(item: Any) -> str:
    if isinstance(item, Mapping) and len(item) == 1:
        return str(next(iter(item)))
    return str(item)


def _compare(path: str, a: Any, b: Any, out: list[Change], *, depth: int) -> None:
    if a == b:
        return
    if a is None:
        out.append(Change(path, "added", after=b))
        return
    if b is None:
        out.append(Change(path, "removed", before=a))
        return
    if path.endswith(".rules") and isinstance(a, list) and isinstance(b, list):
        names_a = {_rule_name(i): i for i in a}
        names_b = {_rule_name(i): i for i in b}
        for name, item in names_a.items():
            if name not in names_b:
                out.append(Change(f"{path}", "removed", before=name))
            elif names_b[name] != item:
                out.append(Change(f"{path}.{name}", "changed", before=item, after=names_b[name]))
        for name in names_b:
            if name not in names_a:
                out.append(Change(f"{path}", "added", after=name))
        return
    if isinstance(a, Mapping) and isinstance(b, Mapping) and depth < 3:
        for key in a:
            _compare(f"{path}.{key}", a[key], b.get(key), out, depth=depth + 1)
        for key in b:
            if key not in a:
                _compare(f"{path}.{key}", None, b[key], out, depth=depth + 1)
        return
    out.append(Change(path, "changed", before=a, after=b))
