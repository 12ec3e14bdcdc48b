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

from admission_flow._model import MEMBER_STATUSES, UNIT_KINDS, Member, Text, Unit
from admission_flow._reading import NAME, Reader, describe, did_you_mean, read_file
from admission_flow._yaml import Mark, YamlList, YamlMap
from admission_flow.exceptions import FileProblemError

from ._values import (
    STAGES,
    CountTarget,
    Growth,
    Holder,
    PositionSpec,
    Share,
    Targets,
    UnitNode,
    UnitTree,
)

__all__ = ["UnitFileError", "load_units"]

_UNIT_KEYS = (
    "id",
    "name",
    "kind",
    "parent",
    "official_members",
    "has_youth_union",
    "hardship_area",
    "delegated_admission",
    "members",
    "people",
    "positions",
    "targets",
)
_TARGET_KEYS = ("annual_growth", "term", "plans", "members_in", "members_among", "by_kind")


class UnitFileError(FileProblemError):
    """A unit file is malformed, or names a unit, position, member or kind it does not know."""


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
        count = r.integer(entry, "official_members", where, minimum=0)
        flags = {
            flag: r.boolean(entry, flag, where)
            for flag in ("has_youth_union", "hardship_area", "delegated_admission")
        }
        members = self.members(entry, where)
        people = self.people(entry, where, {m.id for m in members})
        holders = self.holders(entry, where, members, people)
        targets = self.targets(entry, "targets", where, top=True) or Targets()
        if uid is None:
            return None
        # An unknown kind is reported; the unit still takes its place in the tree,
        # so that the problems of the units under it are found in the same run.
        unit = Unit(id=uid, kind=kind or "other", official_members=count or 0, **flags)
        node = UnitNode(
            unit=unit,
            name=name,
            parent=parent,
            official_members=count if count is not None else -1,
            holders=holders,
            members=tuple(
                Member(
                    id=m.id,
                    status=m.status,
                    since=m.since,
                    positions=next(h.positions for h in holders if h.id == m.id)
                    if any(h.id == m.id for h in holders)
                    else (),
                )
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
            if mid is not None and any(m.id == mid for m in found):
                r.add(item.value_mark("id"), f"member '{mid}' is listed twice in {where}; keep one")
                continue
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
            if pid in member_ids or any(p == pid for p, _ in found):
                r.add(item.value_mark("id"), f"'{pid}' is listed twice in {where}; keep one")
                continue
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
        known = [m.id for m in members] + [p for p, _ in people]
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

    # -- targets -----------------------------------------------------------------------

    def targets(self, parent: YamlMap, key: str, where: str, *, top: bool) -> Targets | None:
        r = self.reader
        entry = r.mapping(parent, key, where)
        if entry is None:
            return None
        at = f"{where}.{key}"
        r.keys(entry, at, optional=_TARGET_KEYS if top else _TARGET_KEYS[:-1])
        by_kind: dict[str, Targets] = {}
        kinds = r.mapping(entry, "by_kind", at) if top else None
        for kind in kinds or ():
            assert kinds is not None
            if kind not in self.kinds:
                r.add(
                    kinds.key_mark(kind),
                    f"unknown kind '{kind}' in {at}.by_kind{did_you_mean(kind, self.kinds)}; "
                    f"known kinds: {', '.join(self.kinds)}",
                )
                continue
            inner = self.targets(kinds, kind, f"{at}.by_kind", top=False)
            if inner is not None:
                by_kind[kind] = inner
        plans: list[CountTarget] = []
        items = r.sequence(entry, "plans", at)
        for index, item in enumerate(items or ()):
            assert items is not None
            plan = self.count_target(item, items.item_mark(index), f"{at}.plans[{index}]")
            if plan is not None:
                plans.append(plan)
        term = None
        if "term" in entry:
            term = self.count_target(entry["term"], entry.value_mark("term"), f"{at}.term")
        members_in = None
        if "members_in" in entry:
            members_in = tuple(
                p
                for p, mark in r.names(entry, "members_in", at)
                if r.known(p, mark, self.positions, "position", f"{at}.members_in")
            )
        shares: list[Share] = []
        if "members_among" in entry:
            raw = entry["members_among"]
            listed = raw if isinstance(raw, YamlList) else [raw]
            marks = (
                [raw.item_mark(i) for i in range(len(raw))]
                if isinstance(raw, YamlList)
                else [entry.value_mark("members_among")]
            )
            for index, (item, mark) in enumerate(zip(listed, marks, strict=True)):
                share = self.share(
                    item,
                    mark,
                    f"{at}.members_among" + (f"[{index}]" if isinstance(raw, YamlList) else ""),
                )
                if share is not None:
                    shares.append(share)
        return Targets(
            annual_growth=self.growth(entry, at),
            term=term,
            plans=tuple(plans),
            members_in=members_in,
            members_among=tuple(shares),
            by_kind=by_kind,
        )

    def percent(
        self, parent: YamlMap, key: str, where: str, *, required: bool = True
    ) -> float | None:
        """A percentage from 0 to 100, written as a number (``90``, ``3.5``)."""
        r = self.reader
        if key not in parent:
            if required:
                r.add(parent.mark, f"missing '{key}' in {where}")
            return None
        value = parent[key]
        mark = parent.value_mark(key)
        if isinstance(value, str) and value.strip().endswith("%"):
            r.add(
                mark,
                f"{where}.{key} is a percentage: write the number ({value.strip()[:-1].strip()}), without '%'",
            )
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            r.add(mark, f"{where}.{key} must be a percentage from 0 to 100, not {describe(value)}")
            return None
        if not 0 <= value <= 100:
            r.add(
                mark,
                f"{where}.{key} is {value}%: a percentage is from 0 to 100; a share above 100% cannot be met",
            )
            return None
        if 0 < value < 1 and isinstance(value, float):
            r.add(
                mark,
                f"{where}.{key} is {value}: percentages here are written from 0 to 100 ({value * 100:g}, not {value})",
            )
            return None
        return float(value)

    def count(self, parent: YamlMap, key: str, where: str) -> int | None:
        """A number of people: a whole number, never a percentage."""
        r = self.reader
        value = parent.get(key)
        mark = parent.value_mark(key)
        if (isinstance(value, str) and value.strip().endswith("%")) or isinstance(value, float):
            r.add(
                mark,
                f"{where}.{key} is a number of people, not a percentage ({describe(value)}); "
                "write a whole number, or set a share with 'members_among: {position: ..., percent: ...}'",
            )
            return None
        return r.integer(parent, key, where, required=True, minimum=0)

    def growth(self, entry: YamlMap, where: str) -> Growth | None:
        r = self.reader
        raw = r.mapping(entry, "annual_growth", where)
        if raw is None:
            return None
        at = f"{where}.annual_growth"
        r.keys(raw, at, required=("from", "to"))
        low = self.percent(raw, "from", at)
        high = self.percent(raw, "to", at)
        if low is None or high is None:
            return None
        if high < low:
            r.add(
                raw.value_mark("to"),
                f"{at}: 'to' ({high:g}%) is below 'from' ({low:g}%); swap them",
            )
            return None
        return Growth(low=low, high=high)

    def count_target(self, item: Any, mark: Mark, where: str) -> CountTarget | None:
        r = self.reader
        if not isinstance(item, YamlMap):
            r.add(
                mark,
                f"{where} must be a mapping like {{stage: admitted, count: 25, from: 2020-10-01, to: 2025-09-30}}, not {describe(item)}",
            )
            return None
        r.keys(item, where, required=("stage", "count", "from", "to"))
        stage = r.choice(item, "stage", where, STAGES)
        count = self.count(item, "count", where) if "count" in item else None
        start = r.date(item, "from", where)
        end = r.date(item, "to", where)
        if start is not None and end is not None and end < start:
            r.add(
                item.value_mark("to"),
                f"{where} ends on {end.isoformat()}, before it starts on {start.isoformat()}",
            )
            return None
        if stage is None or count is None or start is None or end is None:
            return None
        return CountTarget(stage=stage, count=count, start=start, end=end)

    def share(self, item: Any, mark: Mark, where: str) -> Share | None:
        r = self.reader
        if not isinstance(item, YamlMap):
            r.add(
                mark,
                f"{where} must be a mapping like {{position: residential_group_head, percent: 90, by: 2025-12-31}}, not {describe(item)}",
            )
            return None
        r.keys(item, where, required=("position", "percent"), optional=("by",))
        position = r.string(item, "position", where)
        if position is not None and not r.known(
            position, item.value_mark("position"), self.positions, "position", where
        ):
            position = None
        percent = self.percent(item, "percent", where)
        by = r.date(item, "by", where)
        if position is None or percent is None:
            return None
        return Share(position=position, percent=percent, by=by)

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
        in_cycle: set[str] = set()
        for uid in nodes:
            if uid in in_cycle:
                continue
            seen: list[str] = []
            current: str | None = uid
            while current is not None and current not in seen:
                seen.append(current)
                current = nodes[current].parent
            if current == uid:
                in_cycle.update(seen)
                entry = read[uid][1]
                r.add(
                    entry.value_mark("parent"),
                    f"the unit tree has a cycle: {' → '.join([*seen, uid])}; "
                    "a unit cannot be under itself: fix one 'parent'",
                )
        if in_cycle:
            return nodes

        def total(uid: str) -> int:
            node = nodes[uid]
            children = [n.id for n in nodes.values() if n.parent == uid]
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
            summed = sum(total(c) for c in children)
            if node.official_members >= 0 and node.official_members != summed:
                entry = read[uid][1]
                r.add(
                    entry.value_mark("official_members"),
                    f"unit '{uid}' has official_members: {node.official_members}, but the units "
                    f"under it have {summed} together; correct one of them, or leave it out to use the sum",
                )
            nodes[uid] = _with(nodes[uid], official_members=summed)
            return summed

        for root in [n.id for n in nodes.values() if n.parent is None]:
            total(root)
        return nodes


def _with(node: UnitNode, **changes: Any) -> UnitNode:
    if "official_members" in changes:
        changes["unit"] = attrs.evolve(node.unit, official_members=changes["official_members"])
    return attrs.evolve(node, **changes)
