"""Reading the ``targets`` of a unit in a unit file: counts, percentages, periods.

A count is a whole number of people and a percentage a number from 0 to 100;
each mistake between the two (``count: 80%``, ``percent: 0.9``, ``to: 140``) is
reported with what to write instead. Used by ``_file._Loader``, with its
``Reader``, so that every problem of the file is collected in one run.
"""

from __future__ import annotations

from typing import Any

from admission_flow.model._words import describe, did_you_mean
from admission_flow.procedure._reading import Reader
from admission_flow.procedure._yaml import Mark, YamlList, YamlMap

from ._values import STAGES, CountTarget, Growth, PositionSpec, Share, Targets

__all__ = ["TargetReader"]

_TARGET_KEYS = ("annual_growth", "term", "plans", "members_in", "members_among", "by_kind")


class TargetReader:
    """Reads ``targets`` mappings, knowing the file's positions and kinds."""

    def __init__(
        self, reader: Reader, positions: dict[str, PositionSpec], kinds: list[str]
    ) -> None:
        self.reader = reader
        self.positions = positions
        self.kinds = kinds

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
