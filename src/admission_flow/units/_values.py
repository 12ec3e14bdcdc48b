"""Units as data: the tree of party organisations, who holds which position, and targets.

A district (quận) holds wards (phường), a ward holds cells (chi bộ). Each unit
names the members and the non-members who hold its positions (the cell
secretary, residential-group heads, a school's department heads...) and may
set targets: annual growth, a term's admissions, a plan for a quarter, the
positions that must be held by members, the share of a position's holders who
are members. A target set on a unit holds for the units under it, unless they
set their own; ``by_kind`` sets it for one kind of unit only (health, school).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

import attrs

from admission_flow.model._checks import check_bool, check_instance, check_text
from admission_flow.model._frozen import EMPTY, freeze
from admission_flow.model._values import Member, Text, Unit

__all__ = [
    "STAGES",
    "CountTarget",
    "Finding",
    "Growth",
    "Holder",
    "PositionSpec",
    "Share",
    "Targets",
    "UnitNode",
    "UnitTree",
]

#: The stages of the pipeline, in order: the states of the standard procedure a case
#: passes through on its way to membership (nguồn → giúp đỡ → học lớp → hồ sơ → kết nạp →
#: dự bị → chính thức).
STAGES: tuple[str, ...] = (
    "identified",
    "mentored",
    "course",
    "dossier",
    "admitted",
    "probation",
    "official",
)


@attrs.frozen(kw_only=True)
class PositionSpec:
    """A position a unit file may name (chức danh), and whether it is a key one (chủ chốt)."""

    name: str
    label: Text
    key: bool = False


@attrs.frozen(kw_only=True)
class Holder:
    """Someone who holds a position in a unit: a member (``member`` true) or not."""

    id: str
    name: str | None
    member: bool
    positions: tuple[str, ...]


@attrs.frozen(kw_only=True)
class Growth:
    """An annual growth target: new members as a percentage of the members at the start of the year."""

    low: float
    high: float


@attrs.frozen(kw_only=True)
class CountTarget:
    """At least ``count`` cases reach ``stage`` from ``start`` to ``end`` (both included)."""

    stage: str
    count: int
    start: dt.date
    end: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@attrs.frozen(kw_only=True)
class Share:
    """At least ``percent`` of the holders of ``position`` are members, by ``by``."""

    position: str
    percent: float
    by: dt.date | None = None


@attrs.frozen(kw_only=True)
class Targets:
    """The targets one unit sets; ``by_kind`` holds those for one kind of unit below it."""

    annual_growth: Growth | None = None
    term: CountTarget | None = None
    plans: tuple[CountTarget, ...] = ()
    members_in: tuple[str, ...] | None = None
    members_among: tuple[Share, ...] = ()
    by_kind: Mapping[str, Targets] = attrs.field(default=EMPTY, converter=freeze)


@attrs.frozen(kw_only=True)
class UnitNode:
    """One unit of the tree: the ``Unit`` its cases carry, and what the unit file says of it."""

    unit: Unit
    name: str | None
    parent: str | None
    #: The count of official members on the file's ``counted_on`` date; for a unit with
    #: units under it, the sum of theirs unless the file gives it.
    official_members: int
    holders: tuple[Holder, ...] = ()
    #: The members the file names, as ``Member`` values with their positions.
    members: tuple[Member, ...] = ()
    targets: Targets = Targets()
    #: This unit's committee decides admissions for the cells below it (the
    #: competent committee: a district before July 2025, a ward or commune after).
    decides_admission: bool = False

    @property
    def id(self) -> str:
        return self.unit.id

    @property
    def kind(self) -> str:
        return self.unit.kind

    def holders_of(self, position: str) -> tuple[Holder, ...]:
        return tuple(h for h in self.holders if position in h.positions)


def _ids(value: Iterable[str]) -> tuple[str, ...]:
    return tuple(value)


@attrs.frozen(kw_only=True)
class Finding:
    """What a rule pack finds about a unit: a shortfall, a figure against a target.

    ``people`` are the ids it puts on the unit's source list (danh sách nguồn):
    position holders who should become members.
    """

    rule: str
    unit: str
    message: Text
    source: str
    met: bool
    figures: Mapping[str, Any] = attrs.field(default=EMPTY, converter=freeze)
    people: tuple[str, ...] = attrs.field(default=(), converter=_ids)

    def __attrs_post_init__(self) -> None:
        check_text("Finding", "rule", self.rule)
        check_text("Finding", "unit", self.unit)
        check_instance("Finding", "message", self.message, Text, "a Text(vi, en)")
        check_instance("Finding", "source", self.source, str, "text")
        check_bool("Finding", "met", self.met)
        for person in self.people:
            check_text("Finding", "people", person)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule": self.rule,
            "unit": self.unit,
            "met": self.met,
            "message": self.message.as_dict(),
            "source": self.source,
            "figures": dict(self.figures),
            "people": list(self.people),
        }


@attrs.frozen(kw_only=True)
class UnitTree:
    """Every unit of a unit file, by id, in file order, with the positions it names."""

    file: str
    counted_on: dt.date
    nodes: Mapping[str, UnitNode] = attrs.field(converter=freeze)
    positions: Mapping[str, PositionSpec] = attrs.field(converter=freeze)
    kinds: Mapping[str, Text] = attrs.field(default=EMPTY, converter=freeze)

    def __getitem__(self, unit_id: str) -> UnitNode:
        return self.nodes[unit_id]

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self.nodes

    def __iter__(self) -> Iterator[UnitNode]:
        return iter(self.nodes.values())

    def roots(self) -> list[UnitNode]:
        return [n for n in self.nodes.values() if n.parent is None]

    _under: Mapping[str | None, tuple[str, ...]] = attrs.field(
        init=False, eq=False, repr=False, factory=dict
    )
    _depths: dict[str, int] = attrs.field(init=False, eq=False, repr=False, factory=dict)

    def __attrs_post_init__(self) -> None:
        # The units under each unit, in file order: walks cost time in proportion to
        # the tree, not to its square (a unit file may be 10,000 units deep).
        under: dict[str | None, list[str]] = {}
        for node in self.nodes.values():
            under.setdefault(node.parent, []).append(node.id)
        object.__setattr__(self, "_under", {key: tuple(ids) for key, ids in under.items()})

    def children(self, unit_id: str) -> list[UnitNode]:
        return [self.nodes[child] for child in self._under.get(unit_id, ())]

    def ancestors(self, unit_id: str) -> list[UnitNode]:
        """The unit itself, then the one above it, up to the root."""
        chain = []
        current: str | None = unit_id
        while current is not None:
            node = self.nodes[current]
            chain.append(node)
            current = node.parent
        return chain

    def deciding_committee(self, unit_id: str) -> UnitNode | None:
        """The nearest unit, this one or above it, whose committee decides admissions."""
        return next((n for n in self.ancestors(unit_id) if n.decides_admission), None)

    def subtree(self, unit_id: str) -> list[UnitNode]:
        """The unit and every unit under it, depth first, in file order (no recursion)."""
        found: list[UnitNode] = []
        stack = [unit_id]
        while stack:
            current = stack.pop()
            found.append(self.nodes[current])
            stack.extend(reversed(self._under.get(current, ())))
        return found

    def depth(self, unit_id: str) -> int:
        """How many units are above this one; each unit's depth is counted once."""
        depths = self._depths
        if unit_id not in depths:
            chain = []
            current: str | None = unit_id
            while current is not None and current not in depths:
                chain.append(current)
                current = self.nodes[current].parent
            known = -1 if current is None else depths[current]
            for uid in reversed(chain):
                known += 1
                depths[uid] = known
        return depths[unit_id]

    def target(self, unit_id: str, field: str, *, for_kind: bool = True) -> Any:
        """The nearest target ``field`` for a unit: its own, else from the units above.

        At each level, a ``by_kind`` target for the unit's kind comes before the
        general one (unless ``for_kind`` is false).
        """
        kind = self.nodes[unit_id].kind
        for node in self.ancestors(unit_id):
            if for_kind and kind in node.targets.by_kind:
                value = getattr(node.targets.by_kind[kind], field)
                if value not in (None, ()):
                    return value
            value = getattr(node.targets, field)
            if value not in (None, ()):
                return value
        return None

    def label(self, unit_id: str) -> str:
        node = self.nodes[unit_id]
        return node.name or node.id

    def people(self) -> dict[str, Holder]:
        """Every position holder the file names, by id."""
        return {h.id: h for node in self.nodes.values() for h in node.holders}
