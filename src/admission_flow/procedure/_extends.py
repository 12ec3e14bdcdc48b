"""``extends:``: a procedure that says only what differs from another.

A child names its parent (a bundled id, or a file relative to the child) and
writes only what changes. The child is applied to the parent as a *merge
patch* (RFC 7396), at any depth, keeping each value's position:

- a key the parent lacks is added (a new state, event, rule, deadline...);
- a mapping given for a mapping merges into it key by key (one label of a
  state, one message of a rule, one fact of an event);
- ``null`` removes the key (a state, an event, a setting, one fact);
- any other value replaces the parent's;
- a list can be edited without restating it: ``{add: [...], remove: [...]}``
  (an event's ``rules``: an added rule replaces the one of the same id in
  place, else goes last; a removed one must be there).

The result is a whole procedure, validated and fingerprinted as one: the
fingerprint covers the resolved procedure, so a change in the parent is a new
version of the child too. A problem in the child's own lines is reported at
them; a removal that the rest still uses is reported at the removal.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from importlib.resources import as_file
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import attrs

from admission_flow._limits import quote
from admission_flow.exceptions import Problem, ProcedureError
from admission_flow.model._words import describe, did_you_mean

from ._reading import read_file
from ._yaml import Mark, YamlList, YamlMap

__all__ = ["Removal", "Resolved", "read_resolved"]

#: The keys of a list edit; a mapping of only these, given for a list, edits it.
_EDIT_KEYS = frozenset({"add", "remove"})


@attrs.frozen
class Removal:
    """A name the child removed from its parent, and where it says so."""

    path: str
    name: str
    mark: Mark


@attrs.frozen
class Resolved:
    """A procedure file with its ``extends:`` chain applied."""

    value: Any
    file: str
    #: The procedures it extends, nearest first (bundled ids or file paths).
    parents: tuple[str, ...] = ()
    removals: tuple[Removal, ...] = ()


def read_resolved(
    path: str | Path,
    *,
    display: str | None,
    bundled: Mapping[str, Path | Traversable],
    chain: tuple[str, ...] = (),
) -> Resolved:
    """Read a procedure file and apply its ``extends:`` chain.

    Raises:
        ProcedureError: the file cannot be read; its parent does not exist or
            has problems; the chain loops; an edit names what the parent lacks.
    """
    value, name = read_file(path, display=display, error=ProcedureError)
    key = display if display is not None and display.startswith("<bundled") else _key(path)
    if not isinstance(value, YamlMap) or "extends" not in value:
        return Resolved(value=value, file=name)
    mark = value.value_mark("extends")
    parent = value["extends"]
    if not isinstance(parent, str) or not parent:
        raise ProcedureError(
            [
                mark.problem(
                    "extends must name a bundled procedure (vn-2021) or a procedure file, "
                    f"not {describe(parent)}"
                )
            ]
        )
    base = Path(path).parent if display is None or not display.startswith("<bundled") else None
    chain = (*chain, key)
    opened = _open_parent(parent, mark, base=base, bundled=bundled)
    parent_key = opened.display if opened.display is not None else _key(str(opened.path))
    if parent_key in chain:
        steps = " -> ".join([*chain[chain.index(parent_key) :], parent_key])
        raise ProcedureError(
            [mark.problem(f"extends loop: {steps}; a procedure cannot extend itself")]
        )
    try:
        with opened.context() as parent_path:
            found = read_resolved(parent_path, display=opened.display, bundled=bundled, chain=chain)
    except ProcedureError as exc:
        if len(exc.problems) == 1 and exc.problems[0].message.startswith("extends loop"):
            raise
        count = len(exc.problems)
        raise ProcedureError(
            [
                mark.problem(
                    f"the procedure it extends, {quote(parent)}, has {count} "
                    f"problem{'s' if count > 1 else ''}; run `admission-flow validate "
                    f"{opened.shown}` to see them"
                )
            ]
        ) from None
    merger = _Merger()
    child = YamlMap(value.mark)
    for k, v in value.items():
        if k != "extends":
            child[k] = v
            child.key_marks[k] = value.key_mark(k)
            child.value_marks[k] = value.value_mark(k)
    resolved = merger.patch(found.value, child, "")
    if isinstance(resolved, YamlMap):
        resolved.mark = value.mark  # the top of the whole is the child's
    if merger.problems:
        raise ProcedureError(merger.problems)
    return Resolved(
        value=resolved,
        file=name,
        parents=(parent, *found.parents),
        removals=(*found.removals, *merger.removals),
    )


def _key(path: str | Path) -> str:
    try:
        return str(Path(path).resolve())
    except (OSError, ValueError):  # pragma: no cover - a path that cannot be resolved
        return str(path)


@attrs.frozen
class _Opened:
    path: Path | Traversable
    display: str | None
    shown: str

    def context(self) -> Any:
        if isinstance(self.path, Path):
            return _Plain(self.path)
        return as_file(self.path)


@attrs.frozen
class _Plain:
    path: Path

    def __enter__(self) -> Path:
        return self.path

    def __exit__(self, *exc: object) -> None:
        return None


def _open_parent(
    parent: str, mark: Mark, *, base: Path | None, bundled: Mapping[str, Path | Traversable]
) -> _Opened:
    where = bundled.get(parent)
    if where is not None:
        if isinstance(where, Path):
            return _Opened(where, None, parent)
        return _Opened(where, f"<bundled {parent}>", parent)
    target = (base / parent) if base is not None else Path(parent)
    if target.is_file():
        return _Opened(target, None, str(target))
    known = ", ".join(sorted(bundled)) or "none"
    raise ProcedureError(
        [
            mark.problem(
                f"extends {quote(parent)}: no bundled procedure of that id (bundled: {known}) "
                f"and no such file next to this one{did_you_mean(parent, bundled)}"
            )
        ]
    )


def _copy_map(source: YamlMap) -> YamlMap:
    result = YamlMap(source.mark)
    result.update(source)
    result.key_marks.update(source.key_marks)
    result.value_marks.update(source.value_marks)
    return result


class _Merger:
    """Applies a child to its parent as a merge patch, collecting problems."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.removals: list[Removal] = []

    def patch(self, parent: Any, child: Any, where: str) -> Any:
        if isinstance(child, YamlMap) and isinstance(parent, YamlMap):
            return self.merge(parent, child, where)
        if (
            isinstance(child, YamlMap)
            and isinstance(parent, YamlList)
            and child
            and set(child) <= _EDIT_KEYS
        ):
            return self.edit(parent, child, where)
        return child

    def merge(self, parent: YamlMap, child: YamlMap, where: str) -> YamlMap:
        result = _copy_map(parent)
        for key, value in child.items():
            path = f"{where}.{key}" if where else key
            if value is None:
                if key not in parent:
                    self.problems.append(
                        child.key_mark(key).problem(
                            f"nothing named {quote(key)} in {where or 'the procedure'} of the "
                            f"procedure it extends to remove{did_you_mean(key, parent)}"
                        )
                    )
                    continue
                del result[key]
                result.key_marks.pop(key, None)
                result.value_marks.pop(key, None)
                self.removals.append(Removal(path, key, child.key_mark(key)))
                continue
            result[key] = self.patch(parent.get(key), value, path) if key in parent else value
            result.key_marks[key] = child.key_mark(key)
            result.value_marks[key] = child.value_mark(key)
        return result

    def edit(self, parent: YamlList, child: YamlMap, where: str) -> YamlList:
        items = list(zip(parent, [parent.item_mark(i) for i in range(len(parent))], strict=True))
        names = [_item_name(item) for item, _ in items]
        removed = child.get("remove")
        if removed is not None:
            if not isinstance(removed, YamlList):
                removed_list: list[tuple[Any, Mark]] = [(removed, child.value_mark("remove"))]
            else:
                removed_list = [(r, removed.item_mark(i)) for i, r in enumerate(removed)]
            for item, mark in removed_list:
                name = _item_name(item)
                if name not in names:
                    shown = [n for n in names if isinstance(n, str)]
                    self.problems.append(
                        mark.problem(
                            f"{quote(str(name))} is not in {where} of the procedure it extends, "
                            f"so it cannot be removed{did_you_mean(str(name), shown)}"
                        )
                    )
                    continue
                index = names.index(name)
                del items[index], names[index]
                if isinstance(name, str):
                    self.removals.append(Removal(where, name, mark))
        added = child.get("add")
        if added is not None:
            if not isinstance(added, YamlList):
                added_list: list[tuple[Any, Mark]] = [(added, child.value_mark("add"))]
            else:
                added_list = [(a, added.item_mark(i)) for i, a in enumerate(added)]
            for item, mark in added_list:
                name = _item_name(item)
                if name in names:
                    items[names.index(name)] = (item, mark)
                else:
                    items.append((item, mark))
                    names.append(name)
        result = YamlList(child.mark)
        for item, mark in items:
            result.append(item)
            result.marks.append(mark)
        return result


def _item_name(item: Any) -> Any:
    """What names an item of a list: a rule id with parameters is named by its id."""
    if isinstance(item, Mapping) and len(item) == 1:
        return next(iter(item))
    if isinstance(item, Mapping | list):
        return repr(item)
    return item


def attribute_removals(
    problems: Iterable[Problem], file: str, removals: tuple[Removal, ...]
) -> list[Problem]:
    """Point a problem the parent's lines show, caused by a removal, at the removal.

    A child that removes a state some parent event still goes to makes the
    parent's line invalid; the child's removal is what to change.
    """
    result: list[Problem] = []
    seen: set[tuple[str, int, int, str]] = set()
    for problem in problems:
        moved = problem
        if problem.file != file:
            for removal in removals:
                if quote(removal.name) in problem.message or f"'{removal.name}'" in problem.message:
                    where = f"{problem.file}:{problem.line}:{problem.column}"
                    moved = removal.mark.problem(
                        f"{quote(removal.name)} is removed here ({removal.path}) but is still "
                        f"used at {where}: {problem.message}; remove or change that use too"
                    )
                    break
        key = (moved.file, moved.line, moved.column, moved.message)
        if key not in seen:
            seen.add(key)
            result.append(moved)
    return result
