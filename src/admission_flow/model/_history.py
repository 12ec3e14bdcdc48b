"""A case's history: an immutable sequence of steps that grows in O(1).

A ``Case`` is a frozen value, and ``Engine.fire`` returns a new one for every
kept step. Copying the whole history (and an index of it by event) into each
new case made a step cost O(n): 53 times as much at 10,000 steps as at 10.
Here the steps live in a *run*, a list shared by every case along one line of
growth; a ``History`` is a view of the run's first ``n`` steps. Appending to
the history at the run's end appends to the run in place (the older views
still see their ``n`` steps, nothing they can see changes); appending to an
older view (firing two different events on the same case) starts a new run
that continues from it, so neither line disturbs the other. A run keeps its
own index by event, also grown in place: for each event the position of its
one step, or the list of the positions of its steps when it has more than one,
so ``last(event)`` costs O(1) wherever the step is. (A list of the previous
step of the same event for every step cost a pointer per step, over-allocated,
for the few events that come back: 184 bytes of a 10-step case.)

A chain of runs deeper than ``_MAX_DEPTH`` (a case built by branching from
older cases again and again) is copied into one run, so lookups stay bounded.
Runs only ever grow, under a lock, so views on other threads stay valid.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, Generic, Protocol, TypeVar, overload

__all__ = ["EMPTY_HISTORY", "History"]


class _Kept(Protocol):
    """What a history needs of a step (``af.Step``): its event, and whether it was accepted."""

    @property
    def event(self) -> str: ...

    @property
    def accepted(self) -> bool: ...


#: The steps a history holds: ``af.Step`` (a type variable only to keep ``model`` free of
#: an import circle between this module and ``_values``).
Step = TypeVar("Step", bound=_Kept)

#: Runs chained deeper than this are copied into one run when extended.
_MAX_DEPTH = 8
#: Appending to a run in place, and building one, happen under this lock.
_LOCK = threading.Lock()


class _Run(Generic[Step]):
    """Steps shared by every history along one line of growth, with their index by event.

    ``start`` is the position of ``steps[0]`` in the histories that see this
    run (the length of the parent's prefix); positions below it are the
    parent's. ``latest[event]`` is the position of the run's one step of
    ``event`` (an ``int``), or the list of the positions of its steps, oldest
    first, when the run has more than one (a list only ever appended to, so
    older views read it as it was, up to their own length).
    """

    __slots__ = ("depth", "latest", "parent", "start", "steps")

    def __init__(self, parent: _Run[Step] | None, start: int, first: Step | None = None) -> None:
        self.parent = parent
        self.start = start
        self.depth: int = 0 if parent is None else parent.depth + 1
        if first is None:
            self.steps: list[Step] = []
            self.latest: dict[str, int | list[int]] = {}
        else:  # a run that starts with a step (a branch): ``add`` spared, fire()'s hot path
            self.steps = [first]
            self.latest = {first.event: start}

    def add(self, step: Step) -> None:
        """Append ``step`` (the caller holds ``_LOCK`` or owns the run alone)."""
        at = self.start + len(self.steps)
        event = step.event
        kept = self.latest.get(event)
        if kept is None:
            self.latest[event] = at
        else:
            self.again(event, kept, at)
        self.steps.append(step)

    def again(self, event: str, kept: int | list[int], at: int) -> None:
        """Index step ``at``, of an ``event`` the run has a step of already (``kept``)."""
        if type(kept) is int:
            self.latest[event] = [kept, at]
        else:
            kept.append(at)  # type: ignore[union-attr]


def _newest(kept: list[int], n: int, steps: list[Step], start: int, accepted: bool) -> int:
    """The newest of a run's positions ``kept`` (ascending) below ``n`` whose step is
    accepted (or any, unless ``accepted``), or -1: ``position`` and ``last`` for an event
    with more than one step in the run. By index: ``reversed`` costs a bound method."""
    i = len(kept) - 1
    while i >= 0:
        at = kept[i]
        if at < n and (steps[at - start].accepted or not accepted):
            return at
        i -= 1
    return -1


class History(Sequence[Step]):
    """The steps a case keeps, oldest first: an immutable sequence.

    It reads like the tuple it replaces: ``len``, indexing (a slice gives a
    tuple), iteration, ``reversed``, ``in``, and equality and hashing by its
    steps (a history equals the tuple of the same steps). ``history + (step,)``
    gives a tuple. It pickles as its steps.

    ``last_step`` is the latest step, or ``None`` when there is none: an attribute
    set when the history is made, not a property, since every event judged reads
    it (a property costs a call each time).
    """

    __slots__ = ("_n", "_run", "last_step")

    last_step: Step | None

    def __init__(self, steps: Iterable[Step] = ()) -> None:
        run: _Run[Step] | None = None
        for step in steps:
            if run is None:
                run = _Run(None, 0)
            run.add(step)
        self._run = run
        self._n = 0 if run is None else len(run.steps)
        self.last_step = None if run is None else run.steps[-1]

    # -- the sequence ------------------------------------------------------------------

    def __len__(self) -> int:
        return self._n

    @overload
    def __getitem__(self, index: int) -> Step: ...

    @overload
    def __getitem__(self, index: slice) -> tuple[Step, ...]: ...

    def __getitem__(self, index: int | slice) -> Step | tuple[Step, ...]:
        if isinstance(index, slice):
            return tuple(self)[index]
        n = self._n
        if index < 0:
            index += n
        if not 0 <= index < n:
            raise IndexError("history index out of range")
        run = self._run
        assert run is not None
        while index < run.start:
            run = run.parent
            assert run is not None
        return run.steps[index - run.start]

    def _segments(self) -> list[tuple[list[Step], int]]:
        """Each run's list and how many of its steps this history sees, oldest run first."""
        segments = []
        run, n = self._run, self._n
        while run is not None:
            segments.append((run.steps, n - run.start))
            n = run.start
            run = run.parent
        segments.reverse()
        return segments

    def __iter__(self) -> Iterator[Step]:
        run = self._run
        if run is None:
            return iter(())
        if run.parent is None:
            steps = run.steps
            return iter(steps if len(steps) == self._n else steps[: self._n])
        return (step for steps, n in self._segments() for step in steps[:n])

    def __reversed__(self) -> Iterator[Step]:
        run, n = self._run, self._n
        while run is not None:
            steps = run.steps
            for i in range(n - run.start - 1, -1, -1):
                yield steps[i]
            n = run.start
            run = run.parent

    def __bool__(self) -> bool:
        return self._n > 0

    def __eq__(self, other: object) -> bool:
        if isinstance(other, History):
            if self._n != other._n:
                return False
            if self._run is other._run:
                return True
        elif not isinstance(other, tuple) or len(other) != self._n:
            return NotImplemented if not isinstance(other, tuple) else False
        return all(a == b for a, b in zip(self, other, strict=True))

    def __ne__(self, other: object) -> bool:
        equal = self.__eq__(other)
        return equal if equal is NotImplemented else not equal

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __add__(self, other: object) -> tuple[Step, ...]:
        if isinstance(other, (tuple, History)):
            return (*self, *other)
        return NotImplemented

    def __radd__(self, other: object) -> tuple[Step, ...]:
        if isinstance(other, tuple):
            return (*other, *self)
        return NotImplemented

    def __repr__(self) -> str:
        return f"History({tuple(self)!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        return History, (tuple(self),)

    def __copy__(self) -> History[Step]:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> History[Step]:
        return self

    # -- growing, and looking up by event (for Case and the engine) ------------------------

    def appended(self, step: Step) -> History[Step]:
        """This history with ``step`` after its last: O(1), this one unchanged."""
        run, n = self._run, self._n
        # acquire and release, not ``with``: the context manager's protocol costs twice the
        # lock itself, on every step fired.
        _LOCK.acquire()
        try:
            if run is not None and run.start + len(run.steps) == n:
                # The run's end: every older view still sees its own n (``_Run.add``, inline).
                event = step.event
                indexed = run.latest.get(event)
                if indexed is None:
                    run.latest[event] = n
                else:
                    run.again(event, indexed, n)
                run.steps.append(step)
            elif run is None or run.depth < _MAX_DEPTH:
                run = _Run(run, n, step)  # an older view extended: a new run continues from it
            else:
                flat: _Run[Step] = _Run(None, 0)
                for kept in self:
                    flat.add(kept)
                flat.add(step)
                run = flat
        finally:
            _LOCK.release()
        grown = object.__new__(History)
        grown._run = run
        grown._n = n + 1
        grown.last_step = step
        return grown

    def prefix(self, n: int) -> History[Step]:
        """The history of this one's first ``n`` steps, sharing its runs: no copy."""
        if not 0 <= n <= self._n:
            raise IndexError("history prefix out of range")
        if n == 0:
            return EMPTY_HISTORY
        run = self._run
        assert run is not None
        while n <= run.start:
            run = run.parent
            assert run is not None
        view = object.__new__(History)
        view._run = run
        view._n = n
        view.last_step = run.steps[n - 1 - run.start]
        return view

    def position(self, event: str, *, accepted: bool = True) -> int:
        """The position of the latest step of ``event`` (accepted only, or any), or -1."""
        run, n = self._run, self._n
        while run is not None:
            at = run.latest.get(event)
            if type(at) is int:  # the event's one step (tested first: most are alone)
                if at < n and (run.steps[at - run.start].accepted or not accepted):
                    return at
            elif at is not None:
                at = _newest(at, n, run.steps, run.start, accepted)  # type: ignore[arg-type]
                if at >= 0:
                    return at
            n = run.start
            run = run.parent
        return -1

    def last(self, event: str, accepted: bool = True) -> Step | None:
        """The latest step of ``event``: accepted ones only, or any kept one."""
        run, n = self._run, self._n
        while run is not None:
            at = run.latest.get(event)
            if type(at) is int:  # as in ``position``
                if at < n:
                    step = run.steps[at - run.start]
                    if step.accepted or not accepted:
                        return step
            elif at is not None:
                at = _newest(at, n, run.steps, run.start, accepted)  # type: ignore[arg-type]
                if at >= 0:
                    return run.steps[at - run.start]
            n = run.start
            run = run.parent
        return None

    def positions(self, event: str) -> list[int]:
        """The positions of every step of ``event``, oldest first."""
        found: list[int] = []
        run, n = self._run, self._n
        while run is not None:
            at = run.latest.get(event)
            if type(at) is int:  # as in ``position``
                if at < n:
                    found.append(at)
            elif at is not None:
                kept: list[int] = at  # type: ignore[assignment]  # not an int: a list
                found.extend(reversed([at for at in kept if at < n]))
            n = run.start
            run = run.parent
        found.reverse()
        return found

    def of(self, event: str) -> tuple[Step, ...]:
        """Every step of ``event``, oldest first."""
        found: list[Step] = []
        run, n = self._run, self._n
        while run is not None:
            at = run.latest.get(event)
            if type(at) is int:  # as in ``position``
                if at < n:
                    found.append(run.steps[at - run.start])
            elif at is not None:  # newest first, by index: ``reversed`` costs a bound method
                kept: list[int] = at  # type: ignore[assignment]  # not an int: a list
                steps, start = run.steps, run.start
                i = len(kept) - 1
                while i >= 0:
                    at = kept[i]
                    if at < n:
                        found.append(steps[at - start])
                    i -= 1
            n = run.start
            run = run.parent
        found.reverse()
        return tuple(found)

    def first_after(self, events: Iterable[str], position: int) -> int:
        """The position of the first step of one of ``events`` after ``position``, or -1.

        Walks back from each event's latest step, so it costs the steps after ``position``.
        """
        first = -1
        for event in events:
            run, n = self._run, self._n
            while run is not None and n > position + 1:
                kept = run.latest.get(event)
                if kept is not None:
                    for at in (kept,) if type(kept) is int else reversed(kept):  # type: ignore[arg-type]
                        if at <= position:
                            break
                        if at < n and (first < 0 or at < first):
                            first = at
                n = run.start
                run = run.parent
        return first


#: The history of a case not yet opened.
EMPTY_HISTORY: History[Any] = History()
