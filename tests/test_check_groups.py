"""Variants answered alike, explored as one node (``_groups.py``): nothing is lost by it.

Where two official members introduced, vn-2021's ordinary candidate is refused at
the cell's vote and the candidates around 60 or outside the Youth Union pass it;
``check`` explores those that the rules go on answering alike as one group. Here the
same search runs with and without groups, to a fixed depth past that vote, and every
abstract state a variant reaches on its own (each follower's state read on its own
case) must be reached with groups too.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import attrs
import pytest

import admission_flow as af
from admission_flow.testing import _check
from admission_flow.testing._abstraction import START, default_configurations
from admission_flow.testing._scenario_file import Attempt
from helpers import UNTIMED


def _attempt(event: str, role: str, member: str | None = None, **facts: Any) -> Attempt:
    return Attempt(on=START, event=event, actor=af.Actor(role, member), facts=facts)


#: The search's ordinary case up to the cell's vote, introduced by two official members.
TWO_MEMBERS = (
    _attempt("identify", "cell_committee", source_group="residential_cadre"),
    _attempt("assign_mentor", "cell", mentor="m-binh"),
    _attempt("complete_course", "training_center", certificate_date=START),
    _attempt("open_dossier", "cell"),
    _attempt("submit_application", "candidate"),
    _attempt("submit_history", "candidate"),
    _attempt("verify_background", "grassroots_committee", result="clear"),
    _attempt("introduce", "member", "m-an", known_since=dt.date(2010, 1, 1)),
    _attempt("introduce", "member", "m-binh", known_since=dt.date(2016, 5, 1)),
    _attempt(
        "record_opinions", "cell_committee", residence="favourable", organizations="favourable"
    ),
)


class _Ceremony:
    """A unit's rule: the cell votes on candidates of 40 or more, and holds no ceremony
    for one of 55 or more; its two boundaries, a month either side of 55."""

    @af.hookimpl
    def admission_flow_check_event(self, context: af.EventContext) -> list[af.Violation]:
        age = af.months_between(context.case.candidate.born, context.on)
        event = context.event.name
        if (event == "cell_vote" and age < 40 * 12) or (
            event == "hold_ceremony" and age >= 55 * 12
        ):
            return [af.Violation(rule="unit.ages", message=af.Text("Tuổi.", "Age."), source="test")]
        return []

    @af.hookimpl
    def admission_flow_add_boundaries(self, procedure: af.Procedure) -> list[af.Boundary]:
        return [
            af.Boundary(note=note, candidate={"age_months": months}, events=EVENTS)
            for note, months in (("54 years 11 months", 659), ("55 years 1 month", 661))
        ]


#: ``recognize`` too, so that the variants are told apart from the ordinary case in probation.
EVENTS = ("cell_vote", "hold_ceremony", "recognize")


def _search(
    monkeypatch: pytest.MonkeyPatch,
    *,
    grouping: bool,
    depth: int,
    plugins: af.Plugins | None = None,
) -> tuple[_check.Exploration, set[Any], list[int]]:
    """The search to ``depth`` steps past the prefix; the variants' own abstract states."""
    reached: set[Any] = set()
    followed = [0]
    made = _check._Search.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)
        self.group_variants = grouping

        def watch(key: Any, node: Any) -> None:
            root = node.config[0]
            alone = [attrs.evolve(node, followers=())]
            for i in node.followers:
                variant = self.variants[root][i - 1]
                case = variant.case(node.case, self.procedure)  # a follower's own
                alone.append(attrs.evolve(node, case=case, config=(root, i), followers=()))
                followed[0] += 1
            for one in alone:
                found = self.views.key(one)
                if len(found[0]) == 3:  # a variant told apart from the ordinary case
                    reached.add(found)

        self.watch = watch

    monkeypatch.setattr(_check._Search, "__init__", init)
    plugins = plugins or af.Plugins(entry_points=False)
    found = _check.explore(
        af.load_procedure("vn-2021", plugins=plugins),
        plugins=plugins,
        configurations=default_configurations(),
        prefix=TWO_MEMBERS,
        limits=attrs.evolve(UNTIMED, max_depth=len(TWO_MEMBERS) + depth, max_states=10**6),
    )
    return found, reached, followed


def test_groups_reach_every_state_the_variants_reach_alone(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    alone, apart, none = _search(monkeypatch, grouping=False, depth=5)
    grouped, together, followed = _search(monkeypatch, grouping=True, depth=5)
    assert alone.ok
    assert grouped.ok
    assert alone.stopped_by == grouped.stopped_by == "max_depth"
    assert none == [0]
    assert followed[0] > 1000  # groups formed, and their followers were read
    assert len(apart) > 5000
    # Nothing is lost. A group may reach more: while one of its variants is stuck
    # (refused everything), all of them wait for each date on which a rule may turn.
    assert apart <= together
    # What groups are for: fewer states to explore, fewer events to fire.
    assert grouped.abstract_states < alone.abstract_states / 2
    assert grouped.fired < alone.fired


def test_a_follower_answered_otherwise_leaves_its_group(monkeypatch: pytest.MonkeyPatch) -> None:
    """Both pass the vote the ordinary candidate fails, one is refused its ceremony: the
    group of the two splits there, as the search of each alone does."""
    plugins = af.Plugins([_Ceremony()], entry_points=False)
    alone, apart, _ = _search(monkeypatch, grouping=False, depth=4, plugins=plugins)
    grouped, together, followed = _search(monkeypatch, grouping=True, depth=4, plugins=plugins)
    assert alone.ok
    assert grouped.ok
    assert followed[0] > 0
    younger, older = (v.index for v in alone_variants(plugins) if v.origin.endswith("_Ceremony"))
    for reached in (apart, together):
        probation = {key[0][1] for key in reached if key[1] == "probation"}
        assert younger in probation
        assert older not in probation  # refused its ceremony, grouped or alone
    assert apart <= together


def alone_variants(plugins: af.Plugins) -> list[Any]:
    """The boundary variants ``check`` makes of the ordinary configuration."""
    from admission_flow.testing._boundaries import boundary_variants

    unit, candidate = default_configurations()[0]
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    return boundary_variants(procedure, plugins, unit, candidate, START)
