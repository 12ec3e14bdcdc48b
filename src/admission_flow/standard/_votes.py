"""The rules of ``vn-2021`` about votes, decisions, probation, recognition and dates.

Two-thirds is computed in integers (``3 * in_favour >= 2 * total``), so that
no rounding can admit anyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from admission_flow.model._dates import add_months
from admission_flow.model._values import Text
from admission_flow.procedure._rule import Boundary, EventContext, rule

from ._candidate import Details, join_texts


def two_thirds_needed(total: int) -> int:
    """The fewest votes out of ``total`` that make two-thirds: ceil(2 * total / 3)."""
    return -(-2 * total // 3)


def reaches_two_thirds(in_favour: int, total: int) -> bool:
    """``in_favour >= 2/3 * total``, in integers so that no rounding can admit anyone."""
    return 3 * in_favour >= 2 * total


def _short_of_two_thirds(context: EventContext, total_fact: str) -> Details:
    """``None`` when ``in_favour`` reaches two-thirds of the fact ``total_fact``, else the counts."""
    in_favour, total = context.facts["in_favour"], context.facts[total_fact]
    if reaches_two_thirds(in_favour, total):
        return None
    return {"in_favour": in_favour, "total": total, "needed": two_thirds_needed(total)}


# -- votes ---------------------------------------------------------------------------


@rule(
    "vote.two_thirds",
    reads={"in_favour", "official_members"},
    details={"in_favour", "total", "needed"},
    boundaries=[
        Boundary(note="exactly two-thirds in favour", facts={"in_favour": "two_thirds"}),
        Boundary(note="one vote short of two-thirds", facts={"in_favour": "one_below"}),
    ],
)
def vote_two_thirds(context: EventContext, params: Mapping[str, Any]) -> Details:
    return _short_of_two_thirds(context, "official_members")


@rule(
    "vote.committee_short",
    reads={"in_favour", "committee_members"},
    details={"in_favour", "total", "needed"},
    boundaries=[
        Boundary(note="a committee one vote short of two-thirds", facts={"in_favour": "one_below"}),
    ],
)
def vote_committee_short(context: EventContext, params: Mapping[str, Any]) -> Details:
    return _short_of_two_thirds(context, "committee_members")


@rule(
    "vote.denominator",
    reads={"official_members", "excluded"},
    details={"official_members", "excluded", "counted", "unit_members"},
    boundaries=[
        Boundary(
            note="one member left out, counts adding up",
            facts={"excluded": 1, "official_members": "one_less"},
        ),
        Boundary(note="one member left out, counts not adding up", facts={"excluded": 1}),
    ],
)
def vote_denominator(context: EventContext, params: Mapping[str, Any]) -> Details:
    """The vote's count plus those QĐ 24 §9.3.2 leaves out is the unit's count of official members.

    A unit that states no count (``official_members: 0``) is not checked.
    """
    expected = context.unit.official_members
    counted, excluded = context.facts["official_members"], context.facts["excluded"]
    if expected <= 0 or counted + excluded == expected:
        return None
    return {
        "official_members": counted,
        "excluded": excluded,
        "counted": counted + excluded,
        "unit_members": expected,
    }


@rule("vote.already_passed", params={"event": "cell_vote"}, details={"date"}, boundaries=())
def vote_already_passed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """No second cell vote once one reached two-thirds (a short one is recorded, not accepted)."""
    passed = context.case.last(params["event"])
    return None if passed is None else {"date": passed.on}


@rule("vote.cell_passed", params={"event": "cell_vote"}, boundaries=())
def vote_cell_passed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A cell vote that reached two-thirds is on file (a later short vote does not undo it)."""
    return None if context.case.last(params["event"]) is not None else {}


@rule(
    "vote.committee_voted",
    params={"event": "committee_vote"},
    boundaries=[Boundary(note="a grassroots cell", unit={"grassroots_cell": True})],
)
def vote_committee_voted(context: EventContext, params: Mapping[str, Any]) -> Details:
    """The grassroots committee has voted, unless the cell is itself the grassroots organisation."""
    if context.unit.grassroots_cell or context.case.last(params["event"]) is not None:
        return None
    return {}


@rule(
    "decision.committee_two_thirds",
    params={"delegated_role": "grassroots_committee", "event": "committee_vote"},
    details={"in_favour", "total", "needed"},
    boundaries=[
        Boundary(
            note="delegated, the committee one vote short of two-thirds",
            unit={"delegated_admission": True},
            facts={"committee_vote.in_favour": "one_below"},
        ),
    ],
)
def decision_committee_two_thirds(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A grassroots committee decides under delegation only on its own vote of two-thirds.

    Without any committee vote this rule says nothing: ``vote.committee_voted`` reports it.
    """
    if context.actor.role != params["delegated_role"]:
        return None
    vote = context.case.last(params["event"])
    if vote is None:
        return None
    in_favour, total = vote.facts["in_favour"], vote.facts["committee_members"]
    if reaches_two_thirds(in_favour, total):
        return None
    return {"in_favour": in_favour, "total": total, "needed": two_thirds_needed(total)}


@rule(
    "decision.authority",
    params={"delegated_role": "grassroots_committee"},
    details={"role"},
    boundaries=[Boundary(note="a delegated unit", unit={"delegated_admission": True})],
)
def decision_authority(context: EventContext, params: Mapping[str, Any]) -> Details:
    role = context.actor.role
    if role == params["delegated_role"] and not context.unit.delegated_admission:
        return {"role": role}
    return None


# -- probation -------------------------------------------------------------------------


@rule(
    "probation.twelve_months",
    params={"months": 12, "event": "hold_ceremony"},
    details={"start", "end", "months"},
    boundaries=(),  # twelve months after each step is a date the search waits for
)
def probation_twelve_months(context: EventContext, params: Mapping[str, Any]) -> Details:
    ceremony = context.case.last(params["event"])
    if ceremony is None:
        return None  # pragma: no cover - the procedure's states require a ceremony first
    end = add_months(ceremony.on, params["months"])
    if context.on >= end:
        return None
    return {"start": ceremony.on, "end": end, "months": params["months"]}


_OUTCOMES = {
    "recognize": Text("công nhận đảng viên chính thức", "recognition as an official member"),
    "remove": Text("xóa tên khỏi danh sách đảng viên dự bị", "removal from the probationary list"),
}


@rule(
    "recognition.vote_passed",
    params={"outcome": None, "event": "recognition_vote", "escalated_state": "escalated"},
    details={"outcome"},
    boundaries=(),
)
def recognition_vote_passed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """The cell's passing vote has this outcome; an escalated case is the committee's to decide."""
    if context.case.state == params["escalated_state"]:
        return None
    outcome = params["outcome"]
    votes = context.case.steps_of(params["event"])
    if any(vote.accepted and vote.facts.get("outcome") == outcome for vote in votes):
        return None
    return {"outcome": _OUTCOMES.get(outcome, Text(outcome, outcome))}


@rule(
    "recognition.already_proposed",
    params={"event": "recognition_vote"},
    details={"outcome", "date"},
    boundaries=(),
)
def recognition_already_proposed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """No further recognition vote after one reached two-thirds, until the committee decides."""
    passed = context.case.last(params["event"])
    if passed is None:
        return None
    outcome = str(passed.facts.get("outcome"))
    return {"outcome": _OUTCOMES.get(outcome, Text(outcome, outcome)), "date": passed.on}


# -- dates -------------------------------------------------------------------------------


def _dates_out_of_order(context: EventContext, params: Mapping[str, Any]) -> list[Text]:
    problems = []
    history = context.case.history
    if history and context.on < history[-1].on:
        last = history[-1]
        problems.append(
            Text(
                f"ngày {context.on:%d/%m/%Y} trước bước cuối cùng của hồ sơ "
                f"(“{context.procedure.events[last.event].label.vi}” ngày {last.on:%d/%m/%Y})",
                f"{context.on.isoformat()} is before the case's latest step "
                f"('{last.event}' on {last.on.isoformat()})",
            )
        )
    on = context.on
    for name, value in context.facts.items():  # a fact's value is a date only for a date fact
        if type(value) is dt.date and value > on:
            problems.append(
                Text(
                    f"{name} {value:%d/%m/%Y} sau ngày của chính bước này ({context.on:%d/%m/%Y})",
                    f"{name} {value.isoformat()} is after the event's own date ({context.on.isoformat()})",
                )
            )
    vote_event, date_fact = params["vote"], params["date_fact"]
    decided = context.facts.get(date_fact)
    if vote_event and isinstance(decided, dt.date):
        vote = context.case.last(vote_event)
        if vote is None and context.case.state == params["escalated_state"]:
            vote = context.case.last(vote_event, accepted=False)
        if vote is not None and decided < vote.on:
            label = context.procedure.events[vote_event].label
            problems.append(
                Text(
                    f"{date_fact} {decided:%d/%m/%Y} trước “{label.vi}” ngày {vote.on:%d/%m/%Y}",
                    f"{date_fact} {decided.isoformat()} is before the '{vote_event}' it decides on "
                    f"({vote.on.isoformat()})",
                )
            )
    return problems


@rule(
    "dates.order",
    params={"vote": "", "date_fact": "decision_date", "escalated_state": "escalated"},
    details={"problem"},
    boundaries=[
        Boundary(note="a decision dated the day before", facts={"decision_date": (0, -1)}),
    ],
)
def dates_order(context: EventContext, params: Mapping[str, Any]) -> Details:
    """Events come in date order, date facts are not after their event, decisions follow their vote.

    ``vote`` names the event whose passing vote a decision decides on (its
    ``date_fact`` may not be earlier); in ``escalated_state`` the last vote
    recorded, since none passed.
    """
    problems = _dates_out_of_order(context, params)
    return {"problem": join_texts(problems)} if problems else None
