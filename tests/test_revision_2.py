"""The rules revision 2 of ``vn-2021`` added or changed, on both sides of each boundary.

The contract is ``domain/STANDARD_PROCEDURE.md``, section "Revision 2". ``drive``
(tests/helpers.py) identifies a case on 2023-03-01, records its certificate on
2023-05-20, has it ready on 2023-06-09 and votes (20/29) on 2023-06-19.
"""

from __future__ import annotations

import datetime as dt

import pytest

import admission_flow as af
from helpers import (
    DAY,
    D,
    drive,
    fire_ok,
    member,
    person,
    ready_for_vote,
    rule_ids,
    timeless,
    unit,
)

READY = D(2023, 6, 9)
VOTED = D(2023, 6, 19)
CERTIFICATE = D(2023, 5, 20)


def new_case(engine: af.Engine, in_unit: af.Unit | None = None, **candidate: object) -> af.Case:
    return engine.open("c-x", person(**candidate), in_unit or unit())


def cell_vote(
    engine: af.Engine, case: af.Case, on: dt.date, in_favour: int, total: int, **facts: object
) -> af.Outcome:
    return engine.fire(
        case, "cell_vote", "cell", on, in_favour=in_favour, official_members=total, **facts
    )


def only(outcome: af.Outcome, rule: str) -> af.Violation:
    assert rule_ids(outcome.violations) == [rule]
    return outcome.violations[0]


# -- vote.denominator ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "excluded"),
    [(29, 0), (27, 2), (1, 28)],
)
def test_a_count_that_adds_up_to_the_cell_passes(
    engine: af.Engine, total: int, excluded: int
) -> None:
    """official_members + excluded == the unit's 29: the vote is judged on two-thirds alone."""
    case = drive(engine, new_case(engine), "ready")
    outcome = cell_vote(engine, case, VOTED, total, total, excluded=excluded)
    assert outcome.accepted
    assert outcome.violations == ()


@pytest.mark.parametrize(
    ("total", "excluded", "counted"),
    [(28, 0, 28), (29, 1, 30), (27, 1, 28), (27, 3, 30), (17, 0, 17), (35 - 6, 6, 35)],
)
def test_a_count_one_off_either_way_is_refused(
    engine: af.Engine, total: int, excluded: int, counted: int
) -> None:
    """One member too few or too many, in the count or the excluded: refused, not recorded."""
    case = drive(engine, new_case(engine), "ready")
    outcome = cell_vote(engine, case, VOTED, total, total, excluded=excluded)
    violation = only(outcome, "vote.denominator")
    assert violation.severity == "block"
    assert violation.details == {
        "official_members": total,
        "excluded": excluded,
        "counted": counted,
        "unit_members": 29,
    }
    assert violation.message.en == (
        f"The vote counts {total} official members and leaves out {excluded}, {counted} in all, "
        "but the cell has 29; members merely absent still count."
    )
    assert violation.source == "Điều lệ Đảng, Điều 4(3); QĐ 24-QĐ/TW §9.3.2"
    assert (outcome.step.accepted, outcome.step.recorded) == (False, False)
    assert outcome.case is case


def test_a_wrong_count_short_of_two_thirds_is_refused_and_reports_both(engine: af.Engine) -> None:
    """13 of 35 in a cell of 29: the count blocks, so the short vote is not recorded."""
    case = drive(engine, new_case(engine), "ready")
    outcome = cell_vote(engine, case, VOTED, 13, 35)
    assert rule_ids(outcome.violations) == ["vote.denominator", "vote.two_thirds"]
    assert outcome.case is case


def test_a_unit_that_states_no_count_is_not_checked(engine: af.Engine) -> None:
    """official_members: 0 on the unit: any count is taken as given."""
    case = drive(engine, new_case(engine, unit(official_members=0)), "ready")
    assert cell_vote(engine, case, VOTED, 13, 17).accepted


def test_the_recognition_vote_count_must_add_up_too(engine: af.Engine) -> None:
    """The recognition vote has the same denominator rule, one member off either way."""
    case = drive(engine, new_case(engine), "probation")
    ends = af.add_months(case.last("hold_ceremony").on, 12)
    facts = {"in_favour": 20, "outcome": "recognize"}
    for total, excluded in ((28, 0), (29, 1)):
        outcome = engine.fire(
            case,
            "recognition_vote",
            "cell",
            ends,
            official_members=total,
            excluded=excluded,
            **facts,
        )
        only(outcome, "vote.denominator")
    passed = engine.fire(
        case, "recognition_vote", "cell", ends, official_members=27, excluded=2, **facts
    )
    assert passed.accepted


# -- vote.already_passed -------------------------------------------------------------------------


def test_no_second_cell_vote_after_a_passing_one(engine: af.Engine) -> None:
    """After 20/29, another vote is refused, naming the date of the passing one."""
    case = drive(engine, new_case(engine), "voted")
    outcome = cell_vote(engine, case, VOTED + DAY, 25, 29)
    violation = only(outcome, "vote.already_passed")
    assert violation.message.en == (
        "The cell already voted for admission by two-thirds on 2023-06-19; there is no second vote."
    )
    assert outcome.case is case


def test_a_short_vote_may_be_followed_by_another(engine: af.Engine) -> None:
    """19/29 is recorded, not passed: the cell may vote again."""
    case = drive(engine, new_case(engine), "ready")
    short = cell_vote(engine, case, VOTED, 19, 29)
    assert short.step.recorded
    assert cell_vote(engine, short.case, VOTED + DAY, 20, 29).accepted


# -- vote.committee_voted and decision.committee_two_thirds ----------------------------------------


def decide(
    engine: af.Engine, case: af.Case, by: str, on: dt.date, decided: dt.date | None = None
) -> af.Outcome:
    return engine.fire(case, "decide_admission", by, on, decision_date=decided or on)


def test_a_decision_needs_the_grassroots_committees_vote(engine: af.Engine) -> None:
    """Without a committee_vote the decision is refused, with the rule's message."""
    case = drive(engine, new_case(engine), "voted")
    violation = only(
        decide(engine, case, "competent_committee", VOTED + DAY), "vote.committee_voted"
    )
    assert violation.source == "HD 01-HD/TW §3.6"
    assert "grassroots_cell" in violation.message.en


def test_a_grassroots_cell_needs_no_committee_vote(engine: af.Engine) -> None:
    """Where the cell is itself the grassroots organisation, its resolution goes straight up."""
    case = drive(engine, new_case(engine, unit(grassroots_cell=True)), "voted")
    outcome = decide(engine, case, "competent_committee", VOTED + DAY)
    assert outcome.accepted
    assert outcome.case.state == "admitted"


def committee_voted(engine: af.Engine, *votes: int) -> af.Case:
    """A case in a delegated unit after committee votes of ``votes`` out of 15 each."""
    case = drive(engine, new_case(engine, unit(delegated_admission=True)), "voted")
    for n, in_favour in enumerate(votes):
        case = fire_ok(
            engine,
            case,
            "committee_vote",
            "grassroots_committee",
            VOTED + n * DAY,
            in_favour=in_favour,
            committee_members=15,
        )
    return case


def test_a_delegated_committee_at_exactly_two_thirds_decides(engine: af.Engine) -> None:
    """10 of 15 is exactly two-thirds: the delegated committee's decision is accepted."""
    case = committee_voted(engine, 10)
    outcome = decide(engine, case, "grassroots_committee", VOTED + 10 * DAY)
    assert outcome.accepted
    assert outcome.violations == ()


def test_a_delegated_committee_one_vote_below_two_thirds_may_not_decide(engine: af.Engine) -> None:
    """9 of 15 is below two-thirds: refused; the competent committee still may decide."""
    case = committee_voted(engine, 9)
    outcome = decide(engine, case, "grassroots_committee", VOTED + 10 * DAY)
    violation = only(outcome, "decision.committee_two_thirds")
    assert violation.details == {"in_favour": 9, "total": 15, "needed": 10}
    assert violation.message.en == (
        "A grassroots committee decides under delegation only with at least two-thirds of its "
        "members in favour; its latest vote had 9 of 15 (10 needed): it reports to the "
        "competent committee, which decides."
    )
    assert violation.message.vi.startswith("Đảng ủy cơ sở được ủy quyền chỉ quyết định kết nạp")
    assert decide(engine, case, "competent_committee", VOTED + 10 * DAY).accepted


@pytest.mark.parametrize(("votes", "allowed"), [((9, 10), True), ((10, 9), False)])
def test_the_latest_committee_vote_is_the_one_that_counts(
    engine: af.Engine, votes: tuple[int, int], allowed: bool
) -> None:
    """A committee that voted again decides on its latest vote."""
    case = committee_voted(engine, *votes)
    assert decide(engine, case, "grassroots_committee", VOTED + 10 * DAY).accepted is allowed


# -- dates.order -----------------------------------------------------------------------------------


def test_a_decision_dated_on_the_day_of_the_vote_passes(engine: af.Engine) -> None:
    """The decision may carry the very date of the passing cell vote."""
    case = drive(engine, new_case(engine), "committee")
    assert decide(engine, case, "competent_committee", VOTED + 30 * DAY, VOTED).accepted


def test_a_decision_dated_the_day_before_the_vote_is_refused(engine: af.Engine) -> None:
    """A day earlier than the vote it decides on: refused under dates.order."""
    case = drive(engine, new_case(engine), "committee")
    outcome = decide(engine, case, "competent_committee", VOTED + 30 * DAY, VOTED - DAY)
    violation = only(outcome, "dates.order")
    # Revision 3: the committee voted the same day, so the decision precedes it too.
    assert violation.message.en == (
        "Dates out of order: decision_date 2023-06-18 is before the 'committee_vote' it relies "
        "on (2023-06-19); decision_date 2023-06-18 is before the 'cell_vote' it decides on "
        "(2023-06-19)."
    )
    assert violation.source == "common sense of a register; QĐ 24-QĐ/TW §4"


def test_a_date_fact_later_than_its_event_is_refused(engine: af.Engine) -> None:
    """decision_date one day after the event recording it: refused; on the day: accepted."""
    case = drive(engine, new_case(engine), "committee")
    on = VOTED + 30 * DAY
    outcome = decide(engine, case, "competent_committee", on, on + DAY)
    assert "is after the event's own date" in only(outcome, "dates.order").message.en
    assert decide(engine, case, "competent_committee", on, on).accepted


def test_an_event_before_the_latest_step_is_refused_and_on_the_same_day_passes(
    engine: af.Engine,
) -> None:
    """Same day as the latest step: fine; a day before it: refused once, by the core ``event.date``."""
    case = drive(engine, new_case(engine), "dossier")
    last = case.history[-1].on
    outcome = engine.fire(case, "submit_application", "candidate", last - DAY)
    assert "before the case's latest step" in only(outcome, "event.date").message.en
    assert "dates.order" not in rule_ids(outcome.violations)
    assert engine.fire(case, "submit_application", "candidate", last).accepted


def test_known_since_after_the_introduction_is_refused(engine: af.Engine) -> None:
    """An introducer cannot have known the candidate since a day after the introduction."""
    case = drive(engine, new_case(engine), "dossier")
    on = READY
    outcome = engine.fire(case, "introduce", member("m-hung"), on, known_since=on + DAY)
    assert "dates.order" in rule_ids(outcome.violations)


def test_a_recognition_decision_follows_its_vote(engine: af.Engine) -> None:
    """recognize dated the day of the passing vote: accepted; the day before: refused."""
    case = drive(engine, new_case(engine), "probation")
    ends = af.add_months(case.last("hold_ceremony").on, 12)
    case = fire_ok(
        engine,
        case,
        "recognition_vote",
        "cell",
        ends,
        in_favour=20,
        official_members=29,
        outcome="recognize",
    )
    # Revision 3: recognition goes through the grassroots committee (same day as the vote).
    case = fire_ok(
        engine,
        case,
        "committee_vote",
        "grassroots_committee",
        ends,
        in_favour=13,
        committee_members=15,
    )
    later = ends + 10 * DAY
    early = engine.fire(case, "recognize", "competent_committee", later, decision_date=ends - DAY)
    only(early, "dates.order")
    assert engine.fire(case, "recognize", "competent_committee", later, decision_date=ends).accepted


# -- complete_course again, course.certificate_order, course.certificate_valid --------------------------


def test_a_certificate_is_valid_on_its_anniversary_and_not_the_day_after(
    engine: af.Engine,
) -> None:
    """60 months after 2023-05-20 is 2028-05-20: valid that day, refused on 2028-05-21."""
    engine = timeless(engine)
    case = drive(engine, new_case(engine), "ready")
    anniversary = af.add_months(CERTIFICATE, 60)
    assert anniversary == D(2028, 5, 20)
    assert cell_vote(engine, case, anniversary, 20, 29).accepted
    outcome = cell_vote(engine, case, anniversary + DAY, 20, 29)
    violation = only(outcome, "course.certificate_valid")
    assert "the certificate of 2023-05-20 is 60 months old" in violation.message.en


@pytest.mark.parametrize(
    ("issued", "valid_until"),
    [(D(2019, 8, 31), D(2024, 8, 31)), (D(2020, 2, 29), D(2025, 2, 28))],
)
def test_the_anniversary_of_a_month_end_certificate(
    engine: af.Engine, issued: dt.date, valid_until: dt.date
) -> None:
    """A certificate of 29/02 is valid until 28/02 five years on, refused on 01/03."""
    case = new_case(engine)
    case = fire_ok(engine, case, "identify", "cell_committee", issued)
    case = fire_ok(engine, case, "assign_mentor", "cell", issued, mentor="m-hung")
    case = fire_ok(
        engine, case, "complete_course", "training_center", issued, certificate_date=issued
    )
    case = fire_ok(engine, case, "open_dossier", "cell", issued)
    case = ready_for_vote(engine, case, issued)
    assert cell_vote(engine, case, valid_until, 20, 29).accepted
    only(cell_vote(engine, case, valid_until + DAY, 20, 29), "course.certificate_valid")


def test_a_renewed_certificate_keeps_the_dossier(engine: af.Engine) -> None:
    """complete_course in dossier stays in dossier; the expired vote then passes with all on file."""
    engine = timeless(engine)
    case = drive(engine, new_case(engine), "ready")
    late = D(2028, 6, 1)
    only(cell_vote(engine, case, late, 20, 29), "course.certificate_valid")
    renewed = engine.fire(case, "complete_course", "training_center", late, certificate_date=late)
    assert renewed.accepted
    assert (renewed.step.from_state, renewed.step.to_state) == ("dossier", "dossier")
    assert renewed.case.history[: len(case.history)] == case.history
    assert cell_vote(engine, renewed.case, late, 20, 29).accepted


def test_a_certificate_may_be_renewed_in_course_too(engine: af.Engine) -> None:
    """complete_course in course stays in course."""
    case = drive(engine, new_case(engine), "course")
    outcome = engine.fire(case, "complete_course", "training_center", READY, certificate_date=READY)
    assert outcome.accepted
    assert outcome.case.state == "course"


@pytest.mark.parametrize(
    ("certificate", "refused"),
    [(CERTIFICATE, False), (CERTIFICATE - DAY, True), (READY, False), (READY + DAY, True)],
)
def test_certificate_order_on_both_sides(
    engine: af.Engine, certificate: dt.date, refused: bool
) -> None:
    """Not before the certificate on file (same day is fine), not after the event (same day is fine)."""
    case = drive(engine, new_case(engine), "ready")
    outcome = engine.fire(
        case, "complete_course", "training_center", READY, certificate_date=certificate
    )
    assert ("course.certificate_order" in rule_ids(outcome.violations)) is refused
    assert outcome.accepted is not refused


# -- eligibility.youth_union_member ------------------------------------------------------------------


@pytest.mark.parametrize(("months", "refused"), [(30 * 12 + 11, True), (31 * 12, False)])
def test_youth_age_ends_at_31_with_the_default_setting(
    engine: af.Engine, months: int, refused: bool
) -> None:
    """30 years 11 months, outside the Youth Union: refused; 31 years 0 months: the standard route."""
    born = af.add_months(VOTED, -months)
    case = drive(engine, new_case(engine, born=born), "ready")
    assert af.months_between(born, VOTED) == months
    outcome = cell_vote(engine, case, VOTED, 20, 29)
    if refused:
        violation = only(outcome, "eligibility.youth_union_member")
        assert violation.details["max_years"] == 30
        assert "the candidate is 30 years 11 months old and is not" in violation.message.en
        assert violation.source == "Điều lệ Đảng, Điều 4(1)"
    else:
        assert outcome.accepted


def test_youth_age_needs_a_youth_union_in_the_unit(engine: af.Engine) -> None:
    """A 23-year-old non-member in a unit without a Youth Union is not asked to be one."""
    born = D(2000, 3, 14)
    case = drive(engine, new_case(engine, unit(has_youth_union=False), born=born), "ready")
    assert cell_vote(engine, case, VOTED, 20, 29).accepted


def test_a_youth_union_member_of_youth_age_passes_this_rule(engine: af.Engine) -> None:
    """A Youth Union member of 23 is on the youth route, not refused by this rule."""
    born = D(2000, 3, 14)
    case = new_case(engine, born=born, organizations=["youth_union"])
    case = drive(engine, case, "ready", committee="youth_union_committee", introducers=["m-hung"])
    assert cell_vote(engine, case, VOTED, 20, 29).accepted


# -- recognition.already_proposed and escalation ------------------------------------------------------


def recognition(
    engine: af.Engine, case: af.Case, on: dt.date, in_favour: int, outcome: str
) -> af.Outcome:
    return engine.fire(
        case,
        "recognition_vote",
        "cell",
        on,
        in_favour=in_favour,
        official_members=29,
        outcome=outcome,
    )


def test_no_recognition_vote_after_a_passing_proposal(engine: af.Engine) -> None:
    """After 20/29 to remove, a vote to recognise is refused until the committee decides."""
    case = drive(engine, new_case(engine), "probation")
    ends = af.add_months(case.last("hold_ceremony").on, 12)
    case = recognition(engine, case, ends, 20, "remove").case
    outcome = recognition(engine, case, ends + DAY, 25, "recognize")
    violation = only(outcome, "recognition.already_proposed")
    assert violation.message.en == (
        "The cell already proposed removal from the probationary list by two-thirds on "
        f"{ends.isoformat()}; the competent committee decides next, with no further vote."
    )
    case = fire_ok(
        engine,
        case,
        "committee_vote",
        "grassroots_committee",
        ends + DAY,
        in_favour=13,
        committee_members=15,
    )
    removed = engine.fire(
        case, "remove_from_probation", "competent_committee", ends + DAY, decision_date=ends + DAY
    )
    assert removed.case.state == "removed"


def escalated(engine: af.Engine) -> tuple[af.Case, dt.date]:
    """A case after three recognition votes short of two-thirds, of either outcome."""
    case = drive(engine, new_case(engine), "probation")
    ends = af.add_months(case.last("hold_ceremony").on, 12)
    for n, outcome in enumerate(("recognize", "remove", "recognize")):
        case = recognition(engine, case, ends + n * DAY, 15, outcome).case
    assert case.state == "escalated"
    return case, ends + 2 * DAY


@pytest.mark.parametrize(
    ("event", "state"), [("recognize", "official"), ("remove_from_probation", "removed")]
)
def test_the_competent_committee_decides_an_escalated_case(
    engine: af.Engine, event: str, state: str
) -> None:
    """From escalated, with no passing vote, the competent committee decides either way."""
    case, last_vote = escalated(engine)
    assert not engine.is_closed(case)
    outcome = engine.fire(case, event, "competent_committee", last_vote, decision_date=last_vote)
    assert outcome.accepted
    assert outcome.case.state == state
    early = engine.fire(
        case, event, "competent_committee", last_vote, decision_date=last_vote - DAY
    )
    only(early, "dates.order")


def test_an_escalated_case_takes_no_more_votes(engine: af.Engine) -> None:
    """The cell does not vote again on an escalated case."""
    case, last_vote = escalated(engine)
    only(recognition(engine, case, last_vote + DAY, 25, "recognize"), "event.state")


def test_the_escalation_message_tells_the_truth(engine: af.Engine) -> None:
    """The third short vote: 'after 3 votes short of two-thirds', in both languages."""
    case = drive(engine, new_case(engine), "probation")
    ends = af.add_months(case.last("hold_ceremony").on, 12)
    case = recognition(engine, case, ends, 15, "remove").case
    case = recognition(engine, case, ends, 12, "recognize").case
    third = recognition(engine, case, ends, 10, "remove")
    (warning,) = third.warnings
    assert warning.rule == "recognition.escalation"
    assert warning.message == af.Text(
        "Sau 3 lần biểu quyết không đạt hai phần ba, hồ sơ chuyển lên cấp ủy có thẩm quyền xem "
        "xét, quyết định.",
        "After 3 votes short of two-thirds, the case goes to the competent committee to decide.",
    )


# -- introductions in one's own name, and available() ---------------------------------------------------


def test_introduce_takes_no_introducer_fact(engine: af.Engine) -> None:
    """A member introduces in their own name: naming someone else is a FactError."""
    case = drive(engine, new_case(engine), "dossier")
    with pytest.raises(af.FactError, match="has no fact 'introducer'"):
        engine.fire(
            case,
            "introduce",
            member("m-hung"),
            READY,
            introducer="m-mai",
            known_since=D(2020, 1, 1),
        )


def test_available_lists_known_since_as_needed(engine: af.Engine) -> None:
    """Without known_since, available() lists it under needs instead of a broken rule."""
    case = drive(engine, new_case(engine), "dossier")
    (option,) = [
        o for o in engine.available(case, member("m-hung"), READY) if o.event == "introduce"
    ]
    assert option.allowed
    assert option.violations == ()
    assert option.needs == ("known_since",)
    given = [
        o
        for o in engine.available(case, member("m-hung"), READY, known_since=D(2023, 1, 1))
        if o.event == "introduce"
    ]
    assert rule_ids(given[0].violations) == ["introduction.twelve_months"]
    assert given[0].needs == ()


def test_fire_without_known_since_still_refuses(engine: af.Engine) -> None:
    """fire() checks every rule: a member without known_since is refused, a replacement is not."""
    case = drive(engine, new_case(engine), "dossier")
    outcome = engine.fire(case, "introduce", member("m-hung"), READY)
    assert "since when is not stated" in only(outcome, "introduction.twelve_months").message.en
    assert engine.fire(case, "introduce", member("m-hung"), READY, replacement=True).accepted
