"""Variants the rules answer alike, explored as one node of ``check``'s search.

A boundary variant is split off from the ordinary case at the first attempt the
rules answer otherwise (``_check.split``). Several often split off at one
attempt with one answer: where two official members introduced, ``vn-2021``'s
ordinary candidate (25, in the Youth Union) is refused at the cell's vote, and
the candidates a month either side of 60, those outside the Youth Union and
those past its age all pass it. Explored one by one, each of those eight then
went through the rest of the procedure alone, 12,000 to 17,000 abstract states
apiece, most of the search.

A *group* is a node that stands for several variants of one configuration: its
case is that of the first (the representative), and the others (its
*followers*) are carried along. Only *plain* variants of the same unit are
grouped (``Variant.plain``: they change the candidate or the unit, no fact and
no actor), so all of them make the same attempts and keep the same steps; a
follower's case is the representative's with its own candidate and unit
(``Variant.case``).

Why that is enough: the argument that merges a variant into the ordinary case
(``_abstraction.py``), applied between the representative and each follower.
The two differ only in fields that the rules of the events where either may
turn read (``Variant.events``). At every attempt at one of those events,
whichever actor and facts, the follower's own case is judged too, and it stays
only if the verdict, the deadlines set and met, and the answers of both
declaring rules agree; after every step its invariants' conditions are settled
on its own case and must agree; time waits for its birthdays as for the
representative's (the only landmark a candidate sets) and the abstract state
holds where the date falls around them. A follower that differs in any of these
leaves the group at that step, which is where exploring it alone would have
told it apart, and goes on as a node of its own (grouped again with those that
leave alike). What a group does not compare: the texts of the messages a step
keeps (a kept step's reasons name the representative's age), which no rule
reads. When cases are moved to a newer generation (``check --migrate``)
nothing is grouped: the move is judged on each case.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Protocol

import attrs

import admission_flow as af

from ._abstraction import Views
from ._boundaries import Variant
from ._law import RuleAnswers, verdict
from ._node import SearchNode
from ._report import Exploration
from ._scenario_file import Attempt

__all__ = ["Made", "Searcher", "fire_group", "grouped"]


class Searcher(Protocol):
    """What grouping uses of the search (``_check._Search``)."""

    procedure: af.Procedure
    variants: dict[int, list[Variant]]
    views: Views
    answers: RuleAnswers

    @property
    def grouping(self) -> bool: ...

    def attempt(
        self, node: SearchNode, case: af.Case, attempt: Attempt
    ) -> af.Outcome | Exploration | None: ...

    def child(
        self,
        node: SearchNode,
        before: af.Case,
        attempt: Attempt,
        outcome: af.Outcome,
        cost: int,
        config: tuple[int, int],
    ) -> SearchNode | Exploration | None: ...


@attrs.frozen
class Made:
    """A variant's case after an attempt: what grouping compares."""

    variant: Variant
    #: The variant's case before the attempt.
    before: af.Case
    attempt: Attempt
    outcome: af.Outcome
    node: SearchNode


def answered_alike(
    answers: RuleAnswers,
    attempt: Attempt,
    first: tuple[Variant, af.Case, af.Outcome | None],
    other: tuple[Variant, af.Case, af.Outcome | None],
    known: dict[str, tuple[bool, ...]] | None = None,
) -> bool:
    """Whether two variants' cases were answered alike at ``attempt``: the verdict, the
    deadlines, and what each variant's own rule answers of both cases. ``known``: what
    rules answered of the first case at this attempt, kept for the next comparison."""
    (one, one_case, one_out), (two, two_case, two_out) = first, other
    if one_out is None or two_out is None:
        return one_out is two_out
    a, b = one_out.step, two_out.step
    if (
        verdict(one_out) != verdict(two_out)
        or a.deadlines_set != b.deadlines_set
        or a.deadlines_met != b.deadlines_met
    ):
        return False
    known = {} if known is None else known
    for rule in (one.rule, two.rule):
        if rule is None:
            continue
        mine = known.get(rule)
        if mine is None:
            mine = known[rule] = answers(rule, one_case, attempt)
        if mine != answers(rule, two_case, attempt):
            return False
    return True


def _joins(search: Searcher, first: Made, other: Made) -> bool:
    """Whether ``other`` may follow ``first``, a group's representative."""
    a, b = first.node, other.node
    return (
        first.variant.plain
        and other.variant.plain
        and a.case.unit == b.case.unit
        and first.attempt == other.attempt
        and (a.case.state, a.today, a.deviations, a.settled)
        == (b.case.state, b.today, b.deviations, b.settled)
        and answered_alike(
            search.answers,
            first.attempt,
            (first.variant, first.before, first.outcome),
            (other.variant, other.before, other.outcome),
        )
    )


def grouped(search: Searcher, made: Iterable[Made]) -> Iterator[SearchNode]:
    """The nodes of variants' cases after one attempt, those answered alike as one group."""
    groups: list[list[Made]] = []
    for item in made:
        for group in groups if search.grouping else ():
            if _joins(search, group[0], item):
                group.append(item)
                break
        else:
            groups.append([item])
    for first, *others in groups:
        if not others:
            yield first.node
        else:
            followers = tuple(sorted(m.variant.index for m in others))
            yield attrs.evolve(first.node, followers=followers)


def fire_group(
    search: Searcher,
    node: SearchNode,
    attempt: Attempt,
    outcome: af.Outcome | None,
    cost: int,
) -> Iterator[SearchNode | Exploration]:
    """The children of a group after one attempt: the group, and the followers that leave it."""
    root, index = node.config
    variants = search.variants[root]
    first = variants[index - 1]
    procedure = search.procedure
    #: Each follower that stays, with its own answer where it was judged.
    staying: list[tuple[Variant, af.Outcome | None]] = []
    leaving: list[tuple[Variant, SearchNode, af.Case, af.Outcome | None]] = []
    known: dict[str, tuple[bool, ...]] = {}  # what rules answer of the group's case here
    for i in node.followers:
        follower = variants[i - 1]
        if attempt.event not in search.views.reads(root, (index, i)):
            staying.append((follower, None))  # no rule here reads what the two change
            continue
        alone = attrs.evolve(node, config=(root, i), followers=())
        before = follower.case(node.case, procedure)
        answer = search.attempt(alone, before, attempt)
        if isinstance(answer, Exploration):
            yield answer
            continue
        if answered_alike(
            search.answers, attempt, (first, node.case, outcome), (follower, before, answer), known
        ):
            staying.append((follower, answer))
        else:
            leaving.append((follower, alone, before, answer))
    child = None
    if outcome is not None:
        child = search.child(node, node.case, attempt, outcome, cost, node.config)
    if isinstance(child, Exploration):
        yield child
        return
    if child is not None and outcome is not None:
        kept: list[int] = []
        for follower, answer in staying:
            after = follower.case(child.case, procedure)
            pair = (root, index, follower.index)
            if search.views.settle_alike(after, child.settled, outcome.step, pair) == child.settled:
                kept.append(follower.index)
                continue
            # Its invariants answer otherwise: it goes on alone, judged on its own case.
            alone = attrs.evolve(node, config=(root, follower.index), followers=())
            before = follower.case(node.case, procedure)
            if answer is None:  # not judged here: judged now
                answer = search.attempt(alone, before, attempt)
                if isinstance(answer, Exploration):
                    yield answer
                    continue
            leaving.append((follower, alone, before, answer))
        yield attrs.evolve(child, followers=tuple(kept))
    made: list[Made] = []
    for follower, alone, before, answer in leaving:
        if answer is None:
            continue
        left = search.child(alone, before, attempt, answer, cost, alone.config)
        if isinstance(left, Exploration):
            yield left
        elif left is not None:
            made.append(Made(follower, before, attempt, answer, left))
    yield from grouped(search, made)
