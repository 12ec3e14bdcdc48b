"""A case's history grows in O(1) per step (issue 20) and still reads like the tuple it was.

``Case.history`` is an ``af.History``: the steps live in a run shared along one line of
growth, so these tests check that sharing never shows: the order of steps, equality and
hashing against a case rebuilt from the same steps, pickling, and cases that branch (two
events fired on the same case) not disturbing each other. No timing is asserted here; the
cost per step is measured by ``benchmarks/steps_scaling.py``.
"""

from __future__ import annotations

import copy
import datetime as dt
import pickle

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
import admission_flow.serial
from helpers import drive, fire_ok

D = dt.date
EVENTS = ("submit_history", "introduce", "record_opinions", "cell_vote")
CELL = af.Actor("cell")


def _step(event: str, day: int = 0, *, accepted: bool = True) -> af.Step:
    return af.Step(
        event=event,
        on=D(2023, 1, 1) + dt.timedelta(days=day),
        actor=CELL,
        accepted=accepted,
        recorded=not accepted,
        from_state="dossier",
        to_state="dossier",
    )


def _grown(case: af.Case, steps: list[af.Step]) -> af.Case:
    for step in steps:
        case = case._advance("dossier", step)
    return case


@pytest.fixture
def opened(engine: af.Engine, case: af.Case) -> af.Case:
    return engine.fire(case, "identify", "cell_committee", D(2023, 3, 1)).case


def test_fired_steps_are_kept_in_order_and_older_cases_do_not_change(
    engine: af.Engine, case: af.Case
) -> None:
    first = engine.fire(case, "identify", "cell_committee", D(2023, 3, 1))
    second = engine.fire(first.case, "assign_mentor", "cell", D(2023, 3, 10), mentor="m-hung")
    assert second.accepted
    assert second.case.history == (first.step, second.step)
    assert list(second.case.history) == [first.step, second.step]
    assert list(reversed(second.case.history)) == [second.step, first.step]
    assert second.case.history[-1] is second.step
    assert second.case.history[:1] == (first.step,)
    assert len(first.case.history) == 1
    assert first.case.history == (first.step,)
    assert case.history == ()
    assert not case.history


def test_a_case_built_by_10000_appends_equals_one_rebuilt_from_its_steps(
    engine: af.Engine, case: af.Case
) -> None:
    """10,000 steps fired one by one: the same case as one built from the tuple of its steps.

    The steps come after both votes, so judging ``decide_admission`` on it reads the
    decision deadline the cell vote started 10,000 steps earlier.
    """
    voted = drive(engine, case, "committee", voted=D(2023, 6, 20))
    grown = voted
    fillers = (
        ("submit_history", "candidate", {}),
        ("submit_application", "candidate", {}),
        ("record_opinions", "cell_committee", {"residence": "favourable"}),
    )
    for i in range(10_000):
        event, by, facts = fillers[i % 3]
        grown = fire_ok(engine, grown, event, by, D(2023, 6, 21), **facts)
    rebuilt = af.Case(
        id=grown.id,
        procedure=grown.procedure,
        candidate=grown.candidate,
        unit=grown.unit,
        state=grown.state,
        history=tuple(grown.history),
    )
    assert len(grown.history) == len(voted.history) + 10_000
    assert grown == rebuilt
    assert hash(grown) == hash(rebuilt)
    assert grown.history == tuple(rebuilt.history)
    assert tuple(rebuilt.history) == grown.history  # the reflected comparison too
    assert grown.history[: len(voted.history)] == voted.history
    last_three = ["submit_application", "record_opinions", "submit_history"]  # 9,997 to 9,999
    assert [s.event for s in grown.history[-3:]] == last_three
    assert grown.last("cell_vote") is voted.last("cell_vote")
    assert grown.steps_of("record_opinions") == rebuilt.steps_of("record_opinions")
    assert len(grown.steps_of("submit_history")) == 1 + 3_334
    assert engine.pending(grown) == engine.pending(rebuilt)
    decide = ("decide_admission", "competent_committee", D(2023, 7, 1))
    on_grown = engine.fire(grown, *decide, decision_date=D(2023, 7, 1))
    on_rebuilt = engine.fire(rebuilt, *decide, decision_date=D(2023, 7, 1))
    assert on_grown.accepted
    assert on_grown.step == on_rebuilt.step
    assert on_grown.case == on_rebuilt.case
    assert [d.name for d in on_grown.step.deadlines_met] == ["decision_due"]


def test_a_history_unequal_by_one_step_is_unequal(opened: af.Case) -> None:
    a = _grown(opened, [_step("introduce"), _step("cell_vote")])
    b = _grown(opened, [_step("introduce"), _step("cell_vote", 1)])
    c = _grown(opened, [_step("introduce")])
    assert a != b
    assert a.history != b.history
    assert a != c
    assert a.history != (*a.history, _step("cell_vote"))
    assert a.history != list(a.history)  # like a tuple: never equal to a list


def test_firing_two_events_on_the_same_case_keeps_both_apart(
    engine: af.Engine, opened: af.Case
) -> None:
    grown = _grown(opened, [_step("introduce", 1), _step("submit_history", 2)])
    left = _grown(grown, [_step("cell_vote", 3)])
    right = _grown(grown, [_step("record_opinions", 4), _step("cell_vote", 5)])
    again = _grown(left, [_step("introduce", 6)])
    assert [s.event for s in grown.history] == ["identify", "introduce", "submit_history"]
    assert [s.event for s in left.history][-1] == "cell_vote"
    assert [s.event for s in right.history][-2:] == ["record_opinions", "cell_vote"]
    assert [s.event for s in again.history][-2:] == ["cell_vote", "introduce"]
    assert grown.last("cell_vote") is None
    assert left.last("cell_vote") is left.history[-1]
    assert right.last("cell_vote") is right.history[-1]
    assert right.last("record_opinions") is right.history[-2]
    assert left.last("record_opinions") is None
    assert len(again.steps_of("introduce")) == 2
    assert len(right.steps_of("introduce")) == 1


def test_history_pickles_copies_and_serialises_as_its_steps(opened: af.Case) -> None:
    grown = _grown(opened, [_step(EVENTS[i % 4], i) for i in range(12)])
    back = pickle.loads(pickle.dumps(grown))
    assert back == grown
    assert hash(back) == hash(grown)
    assert back.history == grown.history
    assert back.last("introduce") == grown.last("introduce")
    assert copy.deepcopy(grown) == grown
    assert admission_flow.serial.case_from_json(admission_flow.serial.case_to_json(grown)) == grown


def test_history_concatenates_to_a_tuple(opened: af.Case) -> None:
    extra = _step("introduce")
    assert opened.history + (extra,) == (*opened.history, extra)  # noqa: RUF005
    assert (extra,) + opened.history == (extra, *opened.history)  # noqa: RUF005
    assert isinstance(opened.history + (extra,), tuple)  # noqa: RUF005


def test_a_history_that_is_not_a_tuple_of_steps_is_refused(opened: af.Case) -> None:
    with pytest.raises(af.ArgumentTypeError, match="history"):
        attrs.evolve(opened, history=[_step("introduce")])
    with pytest.raises(af.ArgumentTypeError, match="history"):
        attrs.evolve(opened, history=("introduce",))


@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=60),
            st.sampled_from(EVENTS),
            st.booleans(),
        ),
        max_size=60,
    )
)
def test_histories_grown_from_any_earlier_one_read_like_tuples(
    moves: list[tuple[int, str, bool]],
) -> None:
    """Append to any earlier version (a branch, or the run's end): each reads as its tuple."""
    versions = [af.History()]
    models: list[tuple[af.Step, ...]] = [()]
    for day, (pick, event, accepted) in enumerate(moves):
        which = pick % len(versions)
        step = _step(event, day, accepted=accepted)
        versions.append(versions[which].appended(step))
        models.append((*models[which], step))
    for history, model in zip(versions, models, strict=True):
        assert history == model
        assert len(history) == len(model)
        assert tuple(history) == model
        assert tuple(reversed(history)) == model[::-1]
        assert history.last_step is (model[-1] if model else None)
        assert af.History(model).last_step is (model[-1] if model else None)
        for cut in {0, len(model) // 2, len(model)}:
            assert history.prefix(cut) == model[:cut]
            assert history.prefix(cut).last_step is (model[cut - 1] if cut else None)
            assert history.prefix(cut).of("introduce") == tuple(
                s for s in model[:cut] if s.event == "introduce"
            )
        assert all(history[i] is model[i] for i in range(-len(model), len(model)))
        for event in EVENTS:
            mine = [i for i, s in enumerate(model) if s.event == event]
            assert history.of(event) == tuple(model[i] for i in mine)
            accepted = [i for i in mine if model[i].accepted]
            assert history.position(event) == (accepted[-1] if accepted else -1)
            assert history.last(event, accepted=False) == (model[mine[-1]] if mine else None)
            assert history.last(event) == (model[accepted[-1]] if accepted else None)
            assert history.positions(event) == mine
            for after in (-1, len(model) // 2):
                later = [i for i in mine if i > after]
                assert history.first_after([event], after) == (later[0] if later else -1)
