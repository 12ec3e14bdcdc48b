"""Reading a unit file: the tree of units, positions, holders and targets.

Read like a procedure file: ``_yaml`` gives plain values with their positions,
a ``Reader`` checks them and collects every problem, and the file is refused
whole with each problem as ``file:line:col: message`` (see
``docs/units-and-reports.md`` for the format).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from pathlib import Path
from typing import Any

import attrs

from admission_flow._limits import MAX_UNIT_MEMBERS, quote
from admission_flow.exceptions import InputError, UnitFileError
from admission_flow.model._values import MEMBER_STATUSES, UNIT_KINDS, Member, Text, Unit
from admission_flow.model._words import describe, did_you_mean
from admission_flow.procedure._parse_outline import PROCEDURE_ID as UNIT_ID
from admission_flow.procedure._reading import NAME, Reader, read_file
from admission_flow.procedure._yaml import Mark, YamlMap

from ._file_targets import TargetReader
from ._values import Holder, PositionSpec, Targets, UnitNode, UnitTree

__all__ = ["load_units"]

_UNIT_KEYS = (
    "id",
    "name",
    "kind",
    "parent",
    "official_members",
    "has_youth_union",
    "hardship_area",
    "delegated_admission",
    "grassroots_cell",
    "decides_admission",
    "members",
    "people",
    "positions",
    "targets",
)


def load_units(path: str | Path, *, kinds: Iterable[str] = ()) -> UnitTree:
    """Load a unit file.

    Args:
        path: the YAML file.
        kinds: kinds of unit that plugins declare, besides the six known ones and
            those the file declares under ``kinds``.

    Raises:
        UnitFileError: every problem of the file, each with its position.
    """
    value, name = read_file(path, error=UnitFileError)
    return _Loader(name, kinds).load(value)


class _Loader:
    def __init__(self, file: str, kinds: Iterable[str]) -> None:
        self.reader = Reader(file)
        self.file = file
        self.kinds: list[str] = [*UNIT_KINDS, *(k for k in kinds if k not in UNIT_KINDS)]
        self.positions: dict[str, PositionSpec] = {}

    def load(self, value: Any) -> UnitTree:
        r = self.reader
        root = r.root(value, "unit")
        if root is None:
            r.raise_if_any(UnitFileError)
        assert root is not None
        r.keys(
            root, "the unit file", required=("counted_on", "units"), optional=("kinds", "positions")
        )
        counted_on = r.date(root, "counted_on", "the unit file")
        declared = self.declared_kinds(root)
        self.positions = self.read_positions(root)
        self.target_reader = TargetReader(self.reader, self.positions, self.kinds)
        items = r.sequence(root, "units", "the unit file", required=True)
        nodes: dict[str, tuple[UnitNode, YamlMap]] = {}
        for index, entry in enumerate(items or ()):
            assert items is not None
            read = self.unit(entry, items.item_mark(index), f"units[{index}]")
            if read is None:
                continue
            node, where = read
            if node.id in nodes:
                r.add(
                    where.value_mark("id"),
                    f"unit '{node.id}' is listed twice (first at line "
                    f"{nodes[node.id][1].mark.line}); keep one",
                )
                continue
            nodes[node.id] = (node, where)
        if items is not None and not items:
            r.add(items.mark, "'units' is empty; list at least one unit")
        tree = self.link(nodes)
        r.raise_if_any(UnitFileError)
        assert counted_on is not None
        return UnitTree(
            file=self.file,
            counted_on=counted_on,
            nodes=tree,
            positions=self.positions,
            kinds=declared,
        )

    # -- vocabularies ----------------------------------------------------------

    def declared_kinds(self, root: YamlMap) -> dict[str, Text]:
        r = self.reader
        found: dict[str, Text] = {}
        entry = r.mapping(root, "kinds", "the unit file")
        for kind in entry or ():
            assert entry is not None
            if not NAME.match(kind):
                r.add(
                    entry.key_mark(kind),
                    f"kind '{kind}' is not a name: use lower-case letters, digits and '_'",
                )
                continue
            label = r.text(entry, kind, "kinds")
            if label is not None:
                found[kind] = label
            if kind not in self.kinds:
                self.kinds.append(kind)
        return found

    def read_positions(self, root: YamlMap) -> dict[str, PositionSpec]:
        r = self.reader
        found: dict[str, PositionSpec] = {}
        entry = r.mapping(root, "positions", "the unit file")
        for name in entry or ():
            assert entry is not None
            where = f"positions.{name}"
            if not NAME.match(name):
                r.add(
                    entry.key_mark(name),
                    f"position '{name}' is not a name: use lower-case letters, digits and '_'",
                )
                continue
            spec = entry[name]
            if not isinstance(spec, YamlMap):
                r.add(
                    entry.value_mark(name),
                    f"{where} must be a mapping like {{vi: Bí thư chi bộ, en: cell secretary, key: true}}, not {describe(spec)}",
                )
                continue
            r.keys(spec, where, required=("vi", "en"), optional=("key",))
            label = r.text(spec, None, where)
            key = r.boolean(spec, "key", where)
            if label is not None:
                found[name] = PositionSpec(name=name, label=label, key=key)
        return found

    # -- one unit --------------------------------------------------------------------

    def unit(self, entry: Any, mark: Mark, where: str) -> tuple[UnitNode, YamlMap] | None:
        r = self.reader
        if not isinstance(entry, YamlMap):
            r.add(
                mark,
                f"{where} must be a mapping like {{id: kdc-14, kind: residential, official_members: 29}}, not {describe(entry)}",
            )
            return None
        r.keys(entry, where, required=("id", "kind"), optional=_UNIT_KEYS)
        uid = r.string(entry, "id", where)
        if uid is not None:
            where = f"{where} ({uid})"
        name = r.string(entry, "name", where)
        kind = self.kind(entry, where)
        parent = r.string(entry, "parent", where)
        count = r.integer(entry, "official_members", where, minimum=0, maximum=MAX_UNIT_MEMBERS)
        flags = {
            flag: r.boolean(entry, flag, where)
            for flag in (
                "has_youth_union",
                "hardship_area",
                "delegated_admission",
                "grassroots_cell",
            )
        }
        decides = r.boolean(entry, "decides_admission", where)
        members = self.members(entry, where)
        people = self.people(entry, where, {m.id for m in members})
        holders = self.holders(entry, where, members, people)
        held = {h.id: h.positions for h in holders}
        targets = self.target_reader.targets(entry, "targets", where, top=True) or Targets()
        if uid is not None and not UNIT_ID.match(uid):
            r.add(
                entry.value_mark("id"),
                f"unit id {quote(uid)} is not an id: use lower-case letters, digits, '.', '_' "
                "and '-', starting with a letter or a digit (kdc-14)",
            )
            return None
        if uid is None:
            return None
        # An unknown kind is reported; the unit still takes its place in the tree,
        # so that the problems of the units under it are found in the same run.
        try:
            unit = Unit(id=uid, kind=kind or "other", official_members=count or 0, **flags)
        except InputError as exc:  # a count past what a unit can hold
            r.add(entry.value_mark(exc.field), f"{where}: {exc}")
            return None
        node = UnitNode(
            unit=unit,
            name=name,
            decides_admission=decides,
            parent=parent,
            official_members=count if count is not None else -1,
            holders=holders,
            members=tuple(
                Member(id=m.id, status=m.status, since=m.since, positions=held.get(m.id, ()))
                for m in members
            ),
            targets=targets,
        )
        return node, entry

    def kind(self, entry: YamlMap, where: str) -> str | None:
        kind = self.reader.string(entry, "kind", where)
        if kind is None:
            return None
        if kind in self.kinds:
            return kind
        hint = did_you_mean(kind, self.kinds)
        self.reader.add(
            entry.value_mark("kind"),
            f"unknown kind '{kind}' in {where}{hint}"
            if hint
            else f"unknown kind '{kind}' in {where}; known kinds: {', '.join(self.kinds)}; "
            "declare a new kind under 'kinds' at the top of the file",
        )
        return None

    def members(self, entry: YamlMap, where: str) -> list[Member]:
        r = self.reader
        items = r.sequence(entry, "members", where)
        found: list[Member] = []
        seen: set[str] = set()
        for index, item in enumerate(items or ()):
            assert items is not None
            at = f"{where}.members[{index}]"
            if not isinstance(item, YamlMap):
                r.add(
                    items.item_mark(index),
                    f"{at} must be a mapping like {{id: m-1, status: official, since: 2020-01-01}}, not {describe(item)}",
                )
                continue
            r.keys(item, at, required=("id", "status", "since"))
            mid = r.string(item, "id", at)
            status = r.choice(item, "status", at, MEMBER_STATUSES)
            since = r.date(item, "since", at)
            if mid is not None and mid in seen:
                r.add(item.value_mark("id"), f"member '{mid}' is listed twice in {where}; keep one")
                continue
            if mid is not None:
                seen.add(mid)
            if mid is not None and status is not None and since is not None:
                found.append(Member(id=mid, status=status, since=since))
        return found

    def people(
        self, entry: YamlMap, where: str, member_ids: Collection[str]
    ) -> list[tuple[str, str | None]]:
        """Position holders who are not members: ``{id, name}``."""
        r = self.reader
        items = r.sequence(entry, "people", where)
        found: list[tuple[str, str | None]] = []
        seen: set[str] = set()
        for index, item in enumerate(items or ()):
            assert items is not None
            at = f"{where}.people[{index}]"
            if not isinstance(item, YamlMap):
                r.add(
                    items.item_mark(index),
                    f"{at} must be a mapping like {{id: p-1, name: Nguyễn Văn A}}, not {describe(item)}",
                )
                continue
            r.keys(item, at, required=("id",), optional=("name",))
            pid = r.string(item, "id", at)
            name = r.string(item, "name", at)
            if pid is None:
                continue
            if pid in member_ids or pid in seen:
                r.add(item.value_mark("id"), f"'{pid}' is listed twice in {where}; keep one")
                continue
            seen.add(pid)
            found.append((pid, name))
        return found

    def holders(
        self,
        entry: YamlMap,
        where: str,
        members: list[Member],
        people: list[tuple[str, str | None]],
    ) -> tuple[Holder, ...]:
        r = self.reader
        held: dict[str, list[str]] = {}
        table = r.mapping(entry, "positions", where)
        known = dict.fromkeys([*(m.id for m in members), *(p for p, _ in people)])
        for position in table or ():
            assert table is not None
            if not r.known(
                position, table.key_mark(position), self.positions, "position", f"{where}.positions"
            ):
                continue
            for holder, mark in r.names(table, position, f"{where}.positions"):
                if holder not in known:
                    hint = did_you_mean(holder, known)
                    r.add(
                        mark,
                        f"unknown member or person '{holder}' holds {position} in {where}{hint}; "
                        f"list them under 'members' (a party member) or 'people' (not a member) of this unit",
                    )
                    continue
                held.setdefault(holder, []).append(position)
        names = dict(people)
        return tuple(
            Holder(
                id=hid,
                name=names.get(hid),
                member=hid not in names,
                positions=tuple(positions),
            )
            for hid, positions in held.items()
        )

    # -- the tree ----------------------------------------------------------------------

    def link(self, read: dict[str, tuple[UnitNode, YamlMap]]) -> dict[str, UnitNode]:
        """Check parents, cycles and member counts; fill in the counts of units above cells."""
        r = self.reader
        nodes = {uid: node for uid, (node, _) in read.items()}
        for uid, (node, entry) in read.items():
            if node.parent is not None and node.parent not in nodes:
                r.add(
                    entry.value_mark("parent"),
                    f"unknown unit '{node.parent}' as the parent of '{uid}'{did_you_mean(node.parent, nodes)}; "
                    "list the parent under 'units' or remove 'parent'",
                )
                nodes[uid] = _with(node, parent=None)
        # Each unit is walked once: a walk up the parents stops at a unit already
        # placed (0: not yet, 1: on this walk, 2: placed), so that the check takes
        # time in proportion to the file, however deep its tree.
        mark: dict[str, int] = dict.fromkeys(nodes, 0)
        in_cycle: set[str] = set()
        for uid in nodes:
            path: list[str] = []
            current: str | None = uid
            while current is not None and mark[current] == 0:
                mark[current] = 1
                path.append(current)
                current = nodes[current].parent
            if current is not None and mark[current] == 1:  # back on this walk: a cycle
                loop = path[path.index(current) :]
                in_cycle.update(loop)
                start = min(loop, key=lambda u: read[u][1].mark.line)
                at = loop.index(start)
                shown = [*loop[at:], *loop[:at], start]
                entry = read[start][1]
                r.add(
                    entry.value_mark("parent"),
                    f"the unit tree has a cycle: {' → '.join(shown)}; "
                    "a unit cannot be under itself: fix one 'parent'",
                )
            for placed in path:
                mark[placed] = 2
        if in_cycle:
            return nodes
        under: dict[str, list[str]] = {}
        for node in nodes.values():
            if node.parent is not None:
                under.setdefault(node.parent, []).append(node.id)
        # Totals from the leaves up, without recursion: a unit after every unit under it.
        order: list[str] = []
        stack = [n.id for n in nodes.values() if n.parent is None]
        while stack:
            current_id = stack.pop()
            order.append(current_id)
            stack.extend(under.get(current_id, ()))
        totals: dict[str, int] = {}
        for uid in reversed(order):
            totals[uid] = self.total(uid, nodes, read, under.get(uid, ()), totals)
        return nodes

    def total(
        self,
        uid: str,
        nodes: dict[str, UnitNode],
        read: dict[str, tuple[UnitNode, YamlMap]],
        children: Iterable[str],
        totals: dict[str, int],
    ) -> int:
        """A unit's official members: its own count, or the sum of the units under it."""
        r = self.reader
        node = nodes[uid]
        children = list(children)
        if not children:
            if node.official_members < 0:
                entry = read[uid][1]
                if "official_members" not in entry:
                    r.add(
                        entry.mark,
                        f"missing 'official_members' in unit '{uid}': give its count of official "
                        "members on the file's counted_on date",
                    )
                return 0
            return node.official_members
        summed = sum(totals[c] for c in children)
        if node.official_members >= 0 and node.official_members != summed:
            entry = read[uid][1]
            r.add(
                entry.value_mark("official_members"),
                f"unit '{uid}' has official_members: {node.official_members}, but the units "
                f"under it have {summed} together; correct one of them, or leave it out to use the sum",
            )
        try:
            nodes[uid] = _with(nodes[uid], official_members=summed)
        except InputError:
            r.add(
                read[uid][1].mark,
                f"unit '{uid}': the units under it have {summed:,} official members together, "
                "more than a unit can hold; check their counts",
            )
        return summed


def _with(node: UnitNode, **changes: Any) -> UnitNode:
    if "official_members" in changes:
        changes["unit"] = attrs.evolve(node.unit, official_members=changes["official_members"])
    return attrs.evolve(node, **changes)
