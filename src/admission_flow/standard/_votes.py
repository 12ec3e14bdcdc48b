"""The rules of ``vn-2021`` about votes, decisions, probation, recognition and dates.

Two-thirds is computed in integers (``3 * in_favour >= 2 * total``), so that
no rounding can admit anyone.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from admission_flow.model._dates import add_months
from admission_flow.model._values import Case, Step, Text
from admission_flow.procedure import _facts
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


def latest_passing(case: Case, event: str, since: str = "") -> Step | None:
    """The latest accepted step of ``event``, if it came after the latest ``since`` step.

    A dossier the competent committee sends back (``return_dossier``) asks for
    the votes again: votes before the latest return no longer count.
    """
    history = case.history
    at = history.position(event)
    if at < 0:
        return None
    if since and history.position(since) > at:
        return None
    return history[at]


def _after(case: Case, event: str, mark: str) -> bool:
    """Whether an accepted step of ``event`` comes after the latest accepted ``mark`` step."""
    history = case.history
    return history.position(event) > history.position(mark)


#: How each reason for leaving a member out of a vote's count reads (QĐ 24 §9.3.2).
EXCLUSIONS = {
    "temporarily_transferred": Text("chuyển sinh hoạt tạm thời", "temporarily transferred"),
    "exempted_absent": Text(
        "miễn công tác và sinh hoạt đảng, không có mặt", "exempted from party work and absent"
    ),
    "suspended": Text("đình chỉ sinh hoạt", "suspended"),
    "prosecuted_or_detained": Text(
        "bị khởi tố, truy tố, tạm giam", "prosecuted, indicted or detained"
    ),
    "absent": Text("vắng mặt (vẫn được tính)", "absent (who still count)"),
}


def _excluded(value: Any, not_reasons: Any) -> tuple[int, int, Text | int]:
    """``excluded`` as (lawfully left out, wrongly left out, how it reads: a bare count as is)."""
    if not isinstance(value, Mapping):
        return int(value), 0, int(value)
    lawful = wrong = 0
    parts_vi, parts_en = [], []
    for reason, count in value.items():
        if reason == _facts.COUNTS_TOTAL:
            continue
        if reason in not_reasons:
            wrong += count
        else:
            lawful += count
        label = EXCLUSIONS.get(reason, Text(reason, reason))
        parts_vi.append(f"{label.vi}: {count}")
        parts_en.append(f"{label.en}: {count}")
    total = lawful + wrong
    shown = Text(f"{total} ({'; '.join(parts_vi)})", f"{total} ({'; '.join(parts_en)})")
    return lawful, wrong, shown


def _denominator(counted: int, excluded: Any, expected: int, params: Mapping[str, Any]) -> Details:
    """The count plus the lawful exclusions is ``expected``, and nobody merely absent is left out."""
    if expected <= 0 or (not excluded and counted == expected):
        return None  # no count stated, or nobody left out and the counts agree
    lawful, wrong, shown = _excluded(excluded, params["not_reasons"])
    if counted + lawful == expected and not wrong:
        return None
    return {
        "official_members": counted,
        "excluded": shown,
        "counted": counted + lawful,
        "unit_members": expected,
    }


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
    params={"not_reasons": ["absent"]},
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

    ``excluded`` is a bare count (revision 2) or counts by reason; a reason in
    ``not_reasons`` (``absent``: absent members still count) is refused. A unit
    that states no count (``official_members: 0``) is not checked.
    """
    facts = context.facts
    return _denominator(
        # ``excluded`` defaults to 0 in vn-2021; a derived procedure may leave the default out.
        facts["official_members"],
        facts.get("excluded", 0),
        context.unit.official_members,
        params,
    )


@rule(
    "vote.committee_denominator",
    params={"not_reasons": ["absent"]},
    reads={"committee_members", "excluded"},
    details={"official_members", "excluded", "counted", "unit_members"},
    boundaries=[
        # The unit states its committee's size (a unit that states none is not
        # checked), and the vote counts all of them while leaving one out.
        Boundary(
            note="one committee member left out, counts not adding up",
            unit={"committee_members": 9},
            facts={"committee_members": 9, "in_favour": 9, "excluded": 1},
        ),
    ],
)
def vote_committee_denominator(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A committee vote counts the unit's ``committee_members``, less its lawful exclusions."""
    facts = context.facts
    return _denominator(
        facts["committee_members"],
        facts.get("excluded", 0),
        context.unit.committee_members,
        params,
    )


@rule(
    "vote.excluded_reasons",
    reads={"excluded"},
    details={"excluded"},
    boundaries=[Boundary(note="a bare count of one left out", facts={"excluded": 1})],
)
def vote_excluded_reasons(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A bare count of members left out (revision 2's form) asks for their reasons: a warning."""
    excluded = context.facts.get("excluded", 0)
    if not excluded or isinstance(excluded, Mapping):
        return None
    return {"excluded": excluded}


@rule(
    "vote.already_passed",
    params={"event": "cell_vote", "since": "return_dossier"},
    order_of={"event", "since"},
    details={"date"},
    boundaries=(),
)
def vote_already_passed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """No second cell vote once one reached two-thirds, unless the dossier was returned since."""
    passed = latest_passing(context.case, params["event"], params["since"])
    return None if passed is None else {"date": passed.on}


@rule("vote.cell_passed", params={"event": "cell_vote"}, boundaries=())
def vote_cell_passed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A cell vote that reached two-thirds is on file (a later short vote does not undo it)."""
    return None if context.case.last(params["event"]) is not None else {}


@rule(
    "vote.committee_voted",
    params={"event": "committee_vote", "since": "return_dossier"},
    order_of={"event", "since"},
    boundaries=[Boundary(note="a grassroots cell", unit={"grassroots_cell": True})],
)
def vote_committee_voted(context: EventContext, params: Mapping[str, Any]) -> Details:
    """The grassroots committee has voted (since any return), unless the cell is a grassroots one."""
    if context.unit.grassroots_cell:
        return None
    if latest_passing(context.case, params["event"], params["since"]) is not None:
        return None
    return {}


@rule(
    "recognition.committee_voted",
    params={"event": "committee_vote", "vote": "recognition_vote", "from_state": "probation"},
    order_of={"event", "vote"},
    boundaries=[Boundary(note="a grassroots cell", unit={"grassroots_cell": True})],
)
def recognition_committee_voted(context: EventContext, params: Mapping[str, Any]) -> Details:
    """From probation, the grassroots committee votes after the cell's passing recognition vote.

    Not for a grassroots cell, nor from an escalated case (the competent committee decides).
    """
    case = context.case
    if context.unit.grassroots_cell or case.state != params["from_state"]:
        return None
    if case.last(params["vote"]) is None:
        return None  # recognition.vote_passed reports it
    return None if _after(case, params["event"], params["vote"]) else {}


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


def _decided_too_early(
    context: EventContext, params: Mapping[str, Any], decided: dt.date
) -> list[Text]:
    """A decision dated before a step it relies on (revision 3: the committee's vote, consents)."""
    problems = []
    date_fact = params["date_fact"]
    for event, fact in params["after"].items():
        steps = context.case.steps_of(event)
        dates = [s.facts.get(fact, s.on) if fact else s.on for s in steps if s.accepted]
        if not dates or decided >= max(dates):
            continue
        label = context.procedure.events[event].label
        latest = max(dates)
        problems.append(
            Text(
                f"{date_fact} {decided:%d/%m/%Y} trước “{label.vi}” ngày {latest:%d/%m/%Y}",
                f"{date_fact} {decided.isoformat()} is before the '{event}' it relies on "
                f"({latest.isoformat()})",
            )
        )
    return problems


def _fact_too_early(context: EventContext, fact: str, earlier: Mapping[str, Any]) -> list[Text]:
    """A date fact of this event before a date fact of an earlier step (received before decided)."""
    value = context.facts.get(fact)
    step = context.case.last(earlier["event"])
    if not isinstance(value, dt.date) or step is None:
        return []
    before = step.facts.get(earlier["fact"], step.on)
    if value >= before:
        return []
    return [
        Text(
            f"{fact} {value:%d/%m/%Y} trước {earlier['fact']} {before:%d/%m/%Y}",
            f"{fact} {value.isoformat()} is before the {earlier['fact']} {before.isoformat()}",
        )
    ]


@rule(
    "dates.order",
    params={
        "vote": "",
        "date_fact": "decision_date",
        "escalated_state": "escalated",
        "after": {},
        "fact_not_before": {},
    },
    details={"problem"},
    boundaries=[
        Boundary(note="a decision dated the day before", facts={"decision_date": (0, -1)}),
    ],
)
def dates_order(context: EventContext, params: Mapping[str, Any]) -> Details:
    """Date facts are not after their event, decisions follow their vote.

    That the event itself is not dated before the case's latest step is the
    core rule ``event.date``, which every procedure has.

    ``vote`` names the event whose passing vote a decision decides on (its
    ``date_fact`` may not be earlier); in ``escalated_state`` the last vote
    recorded, since none passed. ``after`` maps other events the decision
    relies on to the date fact to compare (``""``: the step's own date): the
    decision is not earlier than the latest of them. ``fact_not_before`` maps a
    date fact of this event to ``{event, fact}`` of an earlier step it may not
    precede (the ceremony's ``received_date`` and the ``decision_date``).
    """
    # An event dated before the case's latest step is the core rule ``event.date``'s,
    # in every procedure: not checked here, so that it is reported once.
    problems = []
    on = context.on
    facts = context.facts
    for name, value in facts.items():  # a fact's value is a date only for a date fact
        if type(value) is dt.date and value > on:
            problems.append(
                Text(
                    f"{name} {value:%d/%m/%Y} sau ngày của chính bước này ({context.on:%d/%m/%Y})",
                    f"{name} {value.isoformat()} is after the event's own date ({context.on.isoformat()})",
                )
            )
    date_fact = params["date_fact"]
    decided = facts.get(date_fact)
    if not isinstance(decided, dt.date):
        decided = None
    else:
        problems.extend(_decided_too_early(context, params, decided))
    not_before = params["fact_not_before"]
    if not_before:
        for fact, earlier in not_before.items():
            problems.extend(_fact_too_early(context, fact, earlier))
    vote_event = params["vote"]
    if vote_event and decided is not None:
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
    return {"problem": join_texts(problems)} if problems else None
