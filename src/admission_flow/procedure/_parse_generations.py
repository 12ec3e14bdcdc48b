"""Reading ``in_force:`` and ``migration:`` of a procedure file (see ``_generations.py``)."""

from __future__ import annotations

from collections.abc import Mapping

from ._generations import DELEGATIONS, InForce, MigrationSpec
from ._parse_outline import PROCEDURE_ID
from ._reading import NAME, Reader
from ._yaml import Mark, YamlMap

__all__ = ["read_in_force", "read_migration"]


def read_in_force(r: Reader, root: YamlMap) -> InForce | None:
    section = r.mapping(root, "in_force", "the procedure")
    if section is None:
        return None
    r.keys(section, "in_force", optional=("from", "to"))
    start = r.date(section, "from", "in_force")
    end = r.date(section, "to", "in_force")
    if start is not None and end is not None and end < start:
        r.add(
            section.value_mark("to"),
            f"in_force.to ({end}) is before in_force.from ({start}); swap them",
        )
    return InForce(start=start, end=end)


def read_migration(r: Reader, root: YamlMap, states: Mapping[str, object]) -> MigrationSpec | None:
    section = r.mapping(root, "migration", "the procedure")
    if section is None:
        return None
    r.keys(section, "migration", required=("from", "on"), optional=("states", "delegations"))
    source = r.string(
        section, "from", "migration", pattern=PROCEDURE_ID, hint="name a procedure id (vn-2021)"
    )
    on = r.date(section, "on", "migration")
    delegations = r.choice(section, "delegations", "migration", DELEGATIONS) or "lapse"
    mapping: dict[str, str | None] = {}
    marks: dict[str, Mark] = {}
    table = r.mapping(section, "states", "migration")
    if table is not None:
        for old, new in table.items():
            marks[old] = table.key_mark(old)
            if not NAME.match(old):
                r.add(table.key_mark(old), f"'{old}' is not a state name in migration.states")
                continue
            if new is None:
                mapping[old] = None
                continue
            target = r.string(table, old, "migration.states")
            if target is None:
                continue
            if r.known(target, table.value_mark(old), states, "state", f"migration.states.{old}"):
                mapping[old] = target
    if source is None or on is None:
        return None
    return MigrationSpec(
        source=source,
        on=on,
        states=mapping,
        delegations=delegations,
        mark=section.value_mark("from"),
        state_marks=marks,
    )
