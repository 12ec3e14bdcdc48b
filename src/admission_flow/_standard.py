"""The standard procedure ``vn-2021`` and its rules, as an ordinary plugin.

This module uses only the hooks a third-party plugin would use
(``admission_flow_add_rules``, ``admission_flow_add_procedures``): proof that
they are enough. The procedure itself, with every message and source, is
``procedures/vn-2021.yaml``; here is only the logic of each rule.

Arithmetic follows the texts exactly: ages and validity periods in whole
calendar months, two-thirds in integers (``3 * in_favour >= 2 * total``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from importlib.resources import files
from importlib.resources.abc import Traversable
from typing import Any

from ._dates import add_months, months_between
from ._hooks import hookimpl
from ._model import EDUCATION_LEVELS, Step, Text
from ._rule import EventContext, Rule, rule

__all__ = ["RULES"]

Details = Mapping[str, Any] | None

EDUCATION = {
    "none": Text("chưa qua đào tạo", "no schooling"),
    "primary": Text("tiểu học", "primary school"),
    "lower_secondary": Text("trung học cơ sở", "lower secondary school"),
    "upper_secondary": Text("trung học phổ thông", "upper secondary school"),
    "college": Text("cao đẳng", "college"),
    "university": Text("đại học", "university"),
}
STATUS = {
    "official": Text("đảng viên chính thức", "an official member"),
    "probationary": Text("đảng viên dự bị", "a probationary member"),
}
NOT_YET_OFFICIAL = Text(
    "chưa là đảng viên chính thức vào ngày đó", "not yet an official member on that date"
)
UNKNOWN_MEMBER = Text("không có trong danh sách đảng viên", "not on the list of members")


#: Each education level's place in EDUCATION_LEVELS, lowest first.
_RANK = {level: rank for rank, level in enumerate(EDUCATION_LEVELS)}


def years_and_months(months: int) -> Text:
    years, rest = divmod(months, 12)
    return Text(
        f"{years} tuổi {rest} tháng",
        f"{years} year{'s' if years != 1 else ''} {rest} month{'s' if rest != 1 else ''}",
    )


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


def _member_status(context: EventContext, member_id: str) -> Text | None:
    """Why a member was not official on the event's date, or ``None`` if they were."""
    member = context.member(member_id)
    if member is None:
        return UNKNOWN_MEMBER
    if member.is_official_on(context.on):
        return None
    return STATUS[member.status] if member.status != "official" else NOT_YET_OFFICIAL


# -- mentoring -------------------------------------------------------------------


@rule("mentor.official_member", reads={"mentor"}, details={"member", "status"})
def mentor_official_member(context: EventContext, params: Mapping[str, Any]) -> Details:
    mentor = context.facts["mentor"]
    status = _member_status(context, mentor)
    return None if status is None else {"member": mentor, "status": status}


# -- eligibility -----------------------------------------------------------------


@rule(
    "eligibility.age",
    params={"min_months": 216, "max_months": 720},
    details={"age", "minimum", "maximum"},
)
def eligibility_age(context: EventContext, params: Mapping[str, Any]) -> Details:
    candidate = context.case.candidate
    months = months_between(candidate.born, context.on)
    too_young = months < params["min_months"]
    too_old = months > params["max_months"] and not candidate.over_60_consent
    if not (too_young or too_old):
        return None
    return {
        "age": years_and_months(months),
        "minimum": years_and_months(params["min_months"]),
        "maximum": years_and_months(params["max_months"]),
    }


@rule(
    "eligibility.education",
    params={"minimum": "lower_secondary", "hardship_minimum": "primary"},
    details={"education", "required"},
)
def eligibility_education(context: EventContext, params: Mapping[str, Any]) -> Details:
    needed = params["hardship_minimum"] if context.unit.hardship_area else params["minimum"]
    has = context.candidate.education
    if _RANK[has] >= _RANK[needed]:
        return None
    return {"education": EDUCATION[has], "required": EDUCATION[needed]}


@rule(
    "course.certificate_valid",
    params={"months": 60, "event": "complete_course", "fact": "certificate_date"},
    details={"problem", "months"},
)
def course_certificate_valid(context: EventContext, params: Mapping[str, Any]) -> Details:
    course = context.case.last(params["event"])
    issued = course.facts.get(params["fact"]) if course is not None else None
    if issued is None:
        problem = Text("chưa có giấy chứng nhận", "there is no certificate")
    elif context.on > add_months(issued, params["months"]):
        # "Not more than 60 months": still valid on the anniversary itself, which
        # ends the period (Civil Code 2015, Art. 147-148); refused from the day after.
        age = months_between(issued, context.on)
        problem = Text(
            f"giấy cấp ngày {issued:%d/%m/%Y} đã {age} tháng",
            f"the certificate of {issued.isoformat()} is {age} months old",
        )
    else:
        return None
    return {"problem": problem, "months": params["months"]}


@rule(
    "course.certificate_order",
    params={"event": "complete_course", "fact": "certificate_date"},
    details={"problem"},
    reads={"certificate_date"},
)
def course_certificate_order(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A certificate is dated no later than the event recording it, no earlier than the one on file."""
    issued = context.facts.get(params["fact"])
    if not isinstance(issued, dt.date):
        return None  # pragma: no cover - the fact is required wherever the rule is used
    if issued > context.on:
        return {
            "problem": Text(
                f"giấy cấp ngày {issued:%d/%m/%Y}, sau ngày ghi nhận {context.on:%d/%m/%Y}",
                f"it is dated {issued.isoformat()}, after the day it is recorded, {context.on.isoformat()}",
            )
        }
    previous = context.case.last(params["event"])
    earlier = previous.facts.get(params["fact"]) if previous is not None else None
    if earlier is not None and issued < earlier:
        return {
            "problem": Text(
                f"giấy cấp ngày {issued:%d/%m/%Y}, trước giấy đã có trong hồ sơ ({earlier:%d/%m/%Y})",
                f"it is dated {issued.isoformat()}, before the certificate on file ({earlier.isoformat()})",
            )
        }
    return None


@rule(
    "eligibility.youth_union_member",
    details={"age", "max_years"},
    settings={"youth_age_max_years": 30},
)
def eligibility_youth_union_member(context: EventContext, params: Mapping[str, Any]) -> Details:
    """At youth age, in a unit with a Youth Union, the candidate must be a Youth Union member."""
    candidate = context.candidate
    if not context.unit.has_youth_union or "youth_union" in candidate.organizations:
        return None
    months = candidate.age_in_months(context.on)
    youth_max = _youth_age_max_years(context)
    if months // 12 > youth_max:
        return None
    return {"age": years_and_months(months), "max_years": youth_max}


# -- the dossier -------------------------------------------------------------------

_MISSING = {
    "application": Text("đơn xin vào Đảng", "the application"),
    "history": Text("lý lịch của người xin vào Đảng", "the personal history"),
    "background": Text("kết quả thẩm tra lý lịch", "the background check"),
    "background_concern": Text(
        "kết luận thẩm tra lý lịch không rõ ràng (result: concern)",
        "a clear background check (it found a concern)",
    ),
    "residence": Text("nhận xét của nơi cư trú", "the opinion from the place of residence"),
    "organizations": Text("nhận xét của đoàn thể", "the opinion of the mass organisations"),
}


def _join(items: list[Text]) -> Text:
    return Text("; ".join(t.vi for t in items), "; ".join(t.en for t in items))


@rule("dossier.complete", details={"missing"})
def dossier_complete(context: EventContext, params: Mapping[str, Any]) -> Details:
    case = context.case
    missing = []
    if case.last("submit_application") is None:
        missing.append(_MISSING["application"])
    if case.last("submit_history") is None:
        missing.append(_MISSING["history"])
    background = case.last("verify_background")
    if background is None:
        missing.append(_MISSING["background"])
    elif background.facts.get("result") != "clear":
        missing.append(_MISSING["background_concern"])
    residence = organizations = False
    for step in case.steps_of("record_opinions"):
        if step.accepted:
            residence = residence or step.facts.get("residence") is not None
            organizations = organizations or step.facts.get("organizations") is not None
    if not residence:
        missing.append(_MISSING["residence"])
    if not organizations:
        missing.append(_MISSING["organizations"])
    return {"missing": _join(missing)} if missing else None


# -- introductions -----------------------------------------------------------------


def _introducer(context_or_step: EventContext | Step) -> str | None:
    """The member who introduces: the member acting, who introduces in their own name.

    ``None`` for a committee's introduction.
    """
    actor = context_or_step.actor
    return actor.id if actor.role == "member" else None


@rule("introduction.official_member", details={"member", "status"})
def introduction_official_member(context: EventContext, params: Mapping[str, Any]) -> Details:
    introducer = _introducer(context)
    if introducer is None:
        return None
    status = _member_status(context, introducer)
    return None if status is None else {"member": introducer, "status": status}


@rule(
    "introduction.twelve_months",
    params={"months": 12},
    details={"member", "known", "months"},
    # Declared so that Engine.available lists known_since as needed instead of
    # reporting the rule as broken; fire() still refuses a member without it.
    reads={"known_since"},
)
def introduction_twelve_months(context: EventContext, params: Mapping[str, Any]) -> Details:
    introducer = _introducer(context)
    if introducer is None or context.facts.get("replacement"):
        return None
    since = context.facts.get("known_since")
    if since is None:
        known = Text("không rõ từ khi nào", "since when is not stated")
    else:
        months = months_between(since, context.on)
        if months >= params["months"]:
            return None
        known = Text(f"mới {max(months, 0)} tháng", f"only {max(months, 0)} months")
    return {"member": introducer, "known": known, "months": params["months"]}


_ROUTES = {
    "standard": Text("thông thường (hai đảng viên chính thức)", "standard (two official members)"),
    "youth_union": Text(
        "đoàn viên (BCH Đoàn cơ sở và một đảng viên chính thức)",
        "Youth Union (the Youth Union committee and one official member)",
    ),
    "trade_union": Text(
        "đoàn viên công đoàn (BCH Công đoàn cơ sở và một đảng viên chính thức)",
        "trade union (the trade-union committee and one official member)",
    ),
}


def _youth_age_max_years(context: EventContext) -> int:
    """The procedure's ``youth_age_max_years``: youth age is an age in whole years at most this."""
    return int(context.settings.get("youth_age_max_years", 30))


def introduction_route(context: EventContext) -> str:
    """Which introducers the candidate needs: ``standard``, ``youth_union`` or ``trade_union``."""
    candidate = context.candidate
    youth_max = _youth_age_max_years(context)
    if (
        "youth_union" in candidate.organizations
        and candidate.age_in_months(context.on) // 12 <= youth_max
    ):
        return "youth_union"
    if "trade_union" in candidate.organizations and not context.unit.has_youth_union:
        return "trade_union"
    return "standard"


@rule("introduction.count", details={"route", "missing"}, settings={"youth_age_max_years": 30})
def introduction_count(context: EventContext, params: Mapping[str, Any]) -> Details:
    members: set[str] = set()
    committees: set[str] = set()
    for step in context.case.steps_of("introduce"):
        if not step.accepted:
            continue
        introducer = _introducer(step)
        if introducer is not None:
            members.add(introducer)
        else:
            committees.add(step.actor.role)
    route = introduction_route(context)
    missing = []
    if route == "standard":
        if len(members) < 2:
            lacking = 2 - len(members)
            missing.append(
                Text(
                    f"{lacking} đảng viên giới thiệu",
                    f"{lacking} introducing member{'s' if lacking > 1 else ''}",
                )
            )
    else:
        committee = "youth_union_committee" if route == "youth_union" else "trade_union_committee"
        if committee not in committees:
            missing.append(
                Text(
                    "nghị quyết giới thiệu của BCH Đoàn cơ sở",
                    "the Youth Union committee's introduction",
                )
                if route == "youth_union"
                else Text(
                    "nghị quyết giới thiệu của BCH Công đoàn cơ sở",
                    "the trade-union committee's introduction",
                )
            )
        if not members:
            missing.append(Text("1 đảng viên giới thiệu", "1 introducing member"))
    if not missing:
        return None
    return {"route": _ROUTES[route], "missing": _join(missing)}


# -- votes ---------------------------------------------------------------------------


@rule(
    "vote.two_thirds",
    reads={"in_favour", "official_members"},
    details={"in_favour", "total", "needed"},
)
def vote_two_thirds(context: EventContext, params: Mapping[str, Any]) -> Details:
    return _short_of_two_thirds(context, "official_members")


@rule(
    "vote.committee_short",
    reads={"in_favour", "committee_members"},
    details={"in_favour", "total", "needed"},
)
def vote_committee_short(context: EventContext, params: Mapping[str, Any]) -> Details:
    return _short_of_two_thirds(context, "committee_members")


@rule(
    "vote.denominator",
    reads={"official_members", "excluded"},
    details={"official_members", "excluded", "counted", "unit_members"},
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


@rule("vote.already_passed", params={"event": "cell_vote"}, details={"date"})
def vote_already_passed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """No second cell vote once one reached two-thirds (a short one is recorded, not accepted)."""
    passed = context.case.last(params["event"])
    return None if passed is None else {"date": passed.on}


@rule("vote.cell_passed", params={"event": "cell_vote"})
def vote_cell_passed(context: EventContext, params: Mapping[str, Any]) -> Details:
    """A cell vote that reached two-thirds is on file (a later short vote does not undo it)."""
    return None if context.case.last(params["event"]) is not None else {}


@rule("vote.committee_voted", params={"event": "committee_vote"})
def vote_committee_voted(context: EventContext, params: Mapping[str, Any]) -> Details:
    """The grassroots committee has voted, unless the cell is itself the grassroots organisation."""
    if context.unit.grassroots_cell or context.case.last(params["event"]) is not None:
        return None
    return {}


@rule(
    "decision.committee_two_thirds",
    params={"delegated_role": "grassroots_committee", "event": "committee_vote"},
    details={"in_favour", "total", "needed"},
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
)
def dates_order(context: EventContext, params: Mapping[str, Any]) -> Details:
    """Events come in date order, date facts are not after their event, decisions follow their vote.

    ``vote`` names the event whose passing vote a decision decides on (its
    ``date_fact`` may not be earlier); in ``escalated_state`` the last vote
    recorded, since none passed.
    """
    problems = _dates_out_of_order(context, params)
    return {"problem": _join(problems)} if problems else None


RULES: tuple[Rule, ...] = (
    dates_order,
    mentor_official_member,
    eligibility_age,
    eligibility_education,
    eligibility_youth_union_member,
    course_certificate_valid,
    course_certificate_order,
    dossier_complete,
    introduction_official_member,
    introduction_twelve_months,
    introduction_count,
    vote_denominator,
    vote_already_passed,
    vote_two_thirds,
    vote_committee_short,
    vote_cell_passed,
    vote_committee_voted,
    decision_authority,
    decision_committee_two_thirds,
    probation_twelve_months,
    recognition_vote_passed,
    recognition_already_proposed,
)


@hookimpl
def admission_flow_add_rules() -> tuple[Rule, ...]:
    return RULES


@hookimpl
def admission_flow_add_procedures() -> dict[str, Traversable]:
    return {"vn-2021": files("admission_flow") / "procedures" / "vn-2021.yaml"}
