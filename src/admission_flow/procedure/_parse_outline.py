"""What one pass of procedure loading hands to the next.

Loading a procedure file runs three passes (``_parse.py``): the *structure*
pass reads the file's sections into specification values and an
``Outline`` that keeps where each came from; the *rules* pass binds the rule
ids against the rules plugins contribute (``_parse_rules.py``); the *shape*
pass checks the graph of transitions (``_parse_shape.py``). Each reports
every problem it finds to one ``Reader``, with its position.
"""

from __future__ import annotations

from typing import Any

import attrs

from admission_flow.model._values import Text
from admission_flow.model._vocabulary import PROCEDURE_ID, RULE_HINT, RULE_ID
from admission_flow.model._words import describe

from ._reading import NAME, Reader
from ._spec import DateSpec, DeadlineSpec, EventSpec, Role, RuleUse, State
from ._yaml import Mark, YamlMap

__all__ = [
    "PROCEDURE_ID",
    "RULE_HINT",
    "RULE_ID",
    "NamedEntry",
    "Outline",
    "UseAt",
    "named_entries",
]


@attrs.frozen
class NamedEntry:
    """One entry of a top-level section: its valid name, its mapping, where its name is."""

    name: str
    entry: YamlMap
    mark: Mark


@attrs.frozen
class UseAt:
    """An event's use of a rule, and where it is written."""

    use: RuleUse
    mark: Mark


@attrs.define
class Outline:
    """The structure pass's reading of a file, with positions, for the later passes."""

    file: str
    root: YamlMap
    id: str | None = None
    title: Text | None = None
    version: str | None = None
    settings: dict[str, Any] = attrs.Factory(dict)
    roles: dict[str, Role] = attrs.Factory(dict)
    states: dict[str, State] = attrs.Factory(dict)
    state_marks: dict[str, Mark] = attrs.Factory(dict)
    events: dict[str, EventSpec] = attrs.Factory(dict)
    event_entries: dict[str, YamlMap] = attrs.Factory(dict)
    #: Events declared with a mistake that keeps them from being built: their
    #: names are known, so nothing that names them gets a knock-on "unknown event".
    broken_events: set[str] = attrs.Factory(set)
    #: Each event's rule uses, with their positions.
    uses: dict[str, list[UseAt]] = attrs.Factory(dict)
    #: Facts declared with a wrong type, by event: known, though unusable.
    invalid_facts: dict[str, set[str]] = attrs.Factory(dict)
    #: Some event's states could not be read: reachability would only add noise.
    graph_broken: bool = False
    rule_entries: dict[str, NamedEntry] = attrs.Factory(dict)
    #: Rule ids named by deadlines and escalations, valid or not.
    owned_rules: set[str] = attrs.Factory(set)
    deadlines: dict[str, DeadlineSpec] = attrs.Factory(dict)
    deadline_marks: dict[str, Mark] = attrs.Factory(dict)
    dates: dict[str, DateSpec] = attrs.Factory(dict)

    def known_event(self, name: str) -> bool:
        """Whether the file declares event ``name`` (well or not)."""
        return name in self.events or name in self.broken_events


def named_entries(reader: Reader, root: YamlMap, key: str, *, required: bool) -> list[NamedEntry]:
    """The entries of a top-level section, each a mapping under a valid name."""
    if key not in root:  # a missing required section is reported by keys()
        return []
    section = reader.mapping(root, key, "the procedure", required=required)
    if section is None:
        return []
    if not section and required:
        reader.add(root.value_mark(key), f"'{key}' is empty; declare at least one")
    pattern = RULE_ID if key == "rules" else NAME
    entries = []
    for name, entry in section.items():
        if not pattern.match(name):
            what = "rule id" if key == "rules" else "name"
            reader.add(
                section.key_mark(name),
                f"'{name}' is not a valid {what} in {key}: use lower-case letters, digits and '_'"
                + (" separated by '.'" if key == "rules" else ""),
            )
            continue
        if not isinstance(entry, YamlMap):
            reader.add(
                section.value_mark(name), f"{key}.{name} must be a mapping, not {describe(entry)}"
            )
            continue
        entries.append(NamedEntry(name, entry, section.key_mark(name)))
    return entries
