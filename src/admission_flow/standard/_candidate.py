"""The rules of ``vn-2021`` about the candidate: mentor, eligibility, course, dossier, introductions.

Arithmetic follows the texts exactly: ages and validity periods in whole
calendar months (see ``_dates.py``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from admission_flow.model._dates import ended_before, months_between
from admission_flow.model._values import EDUCATION_LEVELS, Step, Text
from admission_flow.procedure._rule import Boundary, EventContext, rule

from ._shared import introductions_on_file, youth_age_max_years

Details = Mapping[str, Any] | None

EDUCATION = {
    "none": Text("chưa qua đào tạo", "no schooling"),
    "literate": Text("biết đọc, biết viết", "literate"),
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


def _member_status(context: EventContext, member_id: str) -> Text | None:
    """Why a member was not official on the event's date, or ``None`` if they were."""
    member = context.member(member_id)
    if member is None:
        return UNKNOWN_MEMBER
    if member.is_official_on(context.on):
        return None
    return STATUS[member.status] if member.status != "official" else NOT_YET_OFFICIAL


# -- mentoring -------------------------------------------------------------------


@rule(
    "mentor.official_member",
    reads={"mentor"},
    details={"member", "status"},
    boundaries=[Boundary(note="a mentor who is not an official member", member="not_official")],
)
def mentor_official_member(context: EventContext, params: Mapping[str, Any]) -> Details:
    mentor = context.facts["mentor"]
    status = _member_status(context, mentor)
    return None if status is None else {"member": mentor, "status": status}


# -- eligibility -----------------------------------------------------------------


@rule(
    "eligibility.age",
    params={"min_months": 216, "max_months": 720, "consent_at_vote": True},
    details={"age", "minimum", "maximum"},
    boundaries=[
        Boundary(note="a month short of 18", candidate={"age_months": 215}),
        Boundary(note="a month past 18", candidate={"age_months": 217}),
        Boundary(note="a month short of 60", candidate={"age_months": 719}),
        Boundary(note="a month past 60", candidate={"age_months": 721}),
        Boundary(
            note="a month past 60, with consent",
            candidate={"age_months": 721, "over_60_consent": True},
        ),
    ],
)
def eligibility_age(context: EventContext, params: Mapping[str, Any]) -> Details:
    """18 to 60 years 0 months at the cell's vote, in whole months.

    With ``consent_at_vote`` false (revision 3) the cell may vote on a candidate
    over 60: the consent is judged before the decision
    (``eligibility.over_60_consent``), so only the minimum is checked here.
    """
    months = context.age_in_months
    too_young = months < params["min_months"]
    too_old = (
        params["consent_at_vote"]
        and months > params["max_months"]
        and not context.candidate.over_60_consent
    )
    if not (too_young or too_old):
        return None
    return {
        "age": years_and_months(months),
        "minimum": years_and_months(params["min_months"]),
        "maximum": years_and_months(params["max_months"]),
    }


@rule(
    "eligibility.education",
    params={
        "minimum": "lower_secondary",
        "hardship_minimum": "primary",
        "elder_minimum": "",
        "community_roles": ["village_elder", "hamlet_chief", "respected_person"],
        "consent_event": "record_consent",
        "consent_kind": "elder",
    },
    details={"education", "required"},
    boundaries=[
        Boundary(note="primary school only", candidate={"education": "primary"}),
        Boundary(note="lower secondary school", candidate={"education": "lower_secondary"}),
        Boundary(
            note="primary school in a hardship area",
            candidate={"education": "primary"},
            unit={"hardship_area": True},
        ),
        Boundary(
            note="no schooling in a hardship area",
            candidate={"education": "none"},
            unit={"hardship_area": True},
        ),
    ],
)
def eligibility_education(context: EventContext, params: Mapping[str, Any]) -> Details:
    """At least ``minimum``; ``hardship_minimum`` where the unit or the candidate is in a hardship area.

    With ``elder_minimum`` (revision 3: ``literate``), a village elder, hamlet
    chief or respected person in a hardship area needs only that, once the
    province's consent of ``consent_kind`` is on file, dated on or before the
    event (HD 01-HD/TW §1.2).
    """
    candidate = context.candidate
    hardship = context.unit.hardship_area or candidate.hardship_area
    needed = params["hardship_minimum"] if hardship else params["minimum"]
    has = candidate.education
    if _RANK[has] >= _RANK[needed]:
        return None
    elder = params["elder_minimum"]
    if elder and hardship and candidate.community_role in params["community_roles"]:
        if _RANK[has] >= _RANK[elder] and _consent(context, params):
            return None
        if _RANK[has] >= _RANK[elder]:
            consent = Text(
                f"{EDUCATION[elder].vi}, khi đã có văn bản đồng ý của ban thường vụ tỉnh ủy",
                f"{EDUCATION[elder].en}, once the province's standing committee has consented",
            )
            return {"education": EDUCATION[has], "required": consent}
    return {"education": EDUCATION[has], "required": EDUCATION[needed]}


def _consent(context: EventContext, params: Mapping[str, Any]) -> bool:
    """A consent of ``consent_kind`` on file, dated (``consent_date``) on or before this event."""
    kind = params["consent_kind"]
    on = context.on
    return any(
        step.accepted
        and step.facts.get("kind") == kind
        and step.facts.get("consent_date", step.on) <= on
        for step in context.case.steps_of(params["consent_event"])
    )


@rule(
    "course.certificate_valid",
    params={"months": 60, "event": "complete_course", "fact": "certificate_date"},
    details={"problem", "months"},
    boundaries=[
        Boundary(
            note="a certificate on its 60-month anniversary",
            facts={"complete_course.certificate_date": (-60, 0)},
        ),
        Boundary(
            note="a certificate a day past its 60-month anniversary",
            facts={"complete_course.certificate_date": (-60, -1)},
        ),
    ],
)
def course_certificate_valid(context: EventContext, params: Mapping[str, Any]) -> Details:
    course = context.case.history.last(params["event"])
    issued = course.facts.get(params["fact"]) if course is not None else None
    if issued is None:
        problem = Text("chưa có giấy chứng nhận", "there is no certificate")
    elif ended_before(issued, params["months"], context.on):
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
    boundaries=[
        Boundary(note="a certificate dated the day after", facts={"certificate_date": (0, 1)}),
    ],
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
    boundaries=[
        Boundary(
            note="not in the Youth Union, at 30 years 11 months",
            candidate={"organizations": frozenset(), "age_months": 371},
        ),
        Boundary(
            note="not in the Youth Union, at 31",
            candidate={"organizations": frozenset(), "age_months": 372},
        ),
        Boundary(
            note="not in the Youth Union, in a unit without one",
            candidate={"organizations": frozenset()},
            unit={"has_youth_union": False},
        ),
    ],
)
def eligibility_youth_union_member(context: EventContext, params: Mapping[str, Any]) -> Details:
    """At youth age, in a unit with a Youth Union, the candidate must be a Youth Union member."""
    if not context.unit.has_youth_union or "youth_union" in context.candidate.organizations:
        return None
    months = context.age_in_months
    youth_max = youth_age_max_years(context)
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


def join_texts(items: list[Text]) -> Text:
    return Text("; ".join(t.vi for t in items), "; ".join(t.en for t in items))


@rule("dossier.complete", details={"missing"}, boundaries=())
def dossier_complete(context: EventContext, params: Mapping[str, Any]) -> Details:
    history = context.case.history  # its lookups straight, not through Case's: fire()'s hot path
    missing = []
    if history.last("submit_application") is None:
        missing.append(_MISSING["application"])
    if history.last("submit_history") is None:
        missing.append(_MISSING["history"])
    background = history.last("verify_background")
    if background is None:
        missing.append(_MISSING["background"])
    elif background.facts.get("result") != "clear":
        missing.append(_MISSING["background_concern"])
    # Both opinions are usually on the latest record: the earlier ones are read only if not.
    latest = history.last("record_opinions")
    if latest is None:
        residence = organizations = False
    else:
        residence = latest.facts.get("residence") is not None
        organizations = latest.facts.get("organizations") is not None
        if not (residence and organizations):
            for step in history.of("record_opinions"):
                if step.accepted:
                    residence = residence or step.facts.get("residence") is not None
                    organizations = organizations or step.facts.get("organizations") is not None
    if not residence:
        missing.append(_MISSING["residence"])
    if not organizations:
        missing.append(_MISSING["organizations"])
    return {"missing": join_texts(missing)} if missing else None


# -- introductions -----------------------------------------------------------------


def _introducer(context_or_step: EventContext | Step) -> str | None:
    """The member who introduces: the member acting, who introduces in their own name.

    ``None`` for a committee's introduction.
    """
    actor = context_or_step.actor
    return actor.id if actor.role == "member" else None


@rule(
    "introduction.official_member",
    details={"member", "status"},
    boundaries=[
        Boundary(note="an introducer who is not an official member", member="not_official")
    ],
)
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
    boundaries=[
        Boundary(note="known for exactly 12 months", facts={"known_since": (-12, 0)}),
        Boundary(note="known for a day short of 12 months", facts={"known_since": (-12, 1)}),
        Boundary(
            note="a replacement introducer known for 11 months",
            facts={"known_since": (-11, 0), "replacement": True},
        ),
    ],
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


def introduction_route(context: EventContext) -> str:
    """Which introducers the candidate needs: ``standard``, ``youth_union`` or ``trade_union``."""
    organizations = context.candidate.organizations
    if "youth_union" in organizations and context.age_in_months // 12 <= youth_age_max_years(
        context
    ):
        return "youth_union"
    if "trade_union" in organizations and not context.unit.has_youth_union:
        return "trade_union"
    return "standard"


@rule(
    "introduction.count",
    details={"route", "missing"},
    settings={"youth_age_max_years": 30},
    boundaries=[
        Boundary(
            note="the trade-union route",
            candidate={"organizations": frozenset({"trade_union"})},
            unit={"has_youth_union": False},
        ),
        Boundary(
            note="the Youth Union route ends at 31",
            candidate={"age_months": 372},
        ),
    ],
)
def introduction_count(context: EventContext, params: Mapping[str, Any]) -> Details:
    members, committees = introductions_on_file(context)
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
    return {"route": _ROUTES[route], "missing": join_texts(missing)}
