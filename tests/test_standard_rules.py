"""Every rule of the standard procedure ``vn-2021``, on both sides of every boundary.

The contract is ``domain/STANDARD_PROCEDURE.md``. Expected dates are counted
by hand here (weekdays minus the government's days off, listed below), never
with the library's own calendar.
"""

from __future__ import annotations

import datetime as dt
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from helpers import (
    DAY,
    DOSSIER_PARTS,
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

# Tết Nguyên Đán as the government decided it (whole periods, weekends included).
TET_2024 = frozenset(D(2024, 2, 8) + n * DAY for n in range(7))  # 08/02–14/02/2024
TET_2025 = frozenset(D(2025, 1, 25) + n * DAY for n in range(9))  # 25/01–02/02/2025
NEW_YEAR_2024 = frozenset({D(2024, 1, 1)})


def nth_working_day(start: dt.date, n: int, days_off: frozenset[dt.date]) -> dt.date:
    """The n-th weekday after ``start`` that is not in ``days_off``, counted by hand."""
    day = start
    while n:
        day += DAY
        if day.weekday() < 5 and day not in days_off:
            n -= 1
    return day


def cell_vote(
    engine: af.Engine, case: af.Case, on: dt.date, in_favour: int = 20, total: int = 29
) -> af.Outcome:
    return engine.fire(case, "cell_vote", "cell", on, in_favour=in_favour, official_members=total)


def new_case(engine: af.Engine, *, in_unit: af.Unit | None = None, **overrides: object) -> af.Case:
    """A new case for ``person(**overrides)`` in the default unit, or in ``in_unit``."""
    return engine.open("c-x", person(**overrides), in_unit or unit())


#: A unit without a Youth Union: the age tests' under-18s are then not asked for
#: Youth Union membership (eligibility.youth_union_member, revision 2).
NO_YOUTH_UNION = unit(has_youth_union=False)
#: A unit that states no count of official members: vote.denominator (revision 2)
#: is not checked, so two-thirds can be tested over any total.
UNCOUNTED = unit(official_members=0)


def only(outcome: af.Outcome, rule: str) -> af.Violation:
    """The one violation of ``outcome``, checked to be of ``rule``."""
    assert rule_ids(outcome.violations) == [rule]
    return outcome.violations[0]


def with_members(engine: af.Engine, *extra: af.Member) -> af.Engine:
    """An engine of the same procedure and plugins that also knows ``extra``."""
    return af.Engine(
        engine.procedure, plugins=engine.plugins, members=[*engine.members.values(), *extra]
    )


# -- eligibility.age -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("born", "start", "vote_on", "age_en", "age_vi"),
    [
        (D(2005, 9, 15), D(2023, 3, 1), D(2023, 9, 14), "17 years 11 months", "17 tuổi 11 tháng"),
        (D(1963, 9, 15), D(2023, 3, 1), D(2023, 10, 15), "60 years 1 month", "60 tuổi 1 tháng"),
        # 29 February: 18 years end on 28 February of a common year.
        (D(2004, 2, 29), D(2021, 9, 1), D(2022, 2, 27), "17 years 11 months", "17 tuổi 11 tháng"),
        # ... and 60 years 1 month end on 29 March of a leap year.
        (D(1964, 2, 29), D(2023, 9, 1), D(2024, 3, 29), "60 years 1 month", "60 tuổi 1 tháng"),
        # The 31st: 17 years 11 months end on 28 February, 60 years 1 month on 30 September.
        (D(2005, 3, 31), D(2022, 9, 1), D(2023, 2, 27), "17 years 10 months", "17 tuổi 10 tháng"),
        (D(2005, 3, 31), D(2022, 9, 1), D(2023, 2, 28), "17 years 11 months", "17 tuổi 11 tháng"),
        (D(2005, 3, 31), D(2022, 9, 1), D(2023, 3, 30), "17 years 11 months", "17 tuổi 11 tháng"),
        (D(1963, 8, 31), D(2023, 3, 1), D(2023, 9, 30), "60 years 1 month", "60 tuổi 1 tháng"),
    ],
)
def test_age_outside_18_to_60_is_refused(
    engine: af.Engine,
    born: dt.date,
    start: dt.date,
    vote_on: dt.date,
    age_en: str,
    age_vi: str,
) -> None:
    """On the vote's day, under 18 years 0 months is refused; over 60 years 0 months, since
    revision 3, the cell votes and the decision needs the province's consent first."""
    case = drive(engine, new_case(engine, born=born, in_unit=NO_YOUTH_UNION), "ready", start=start)
    outcome = cell_vote(engine, case, vote_on)
    if age_en.startswith("60"):
        assert outcome.accepted
        case = fire_ok(
            engine,
            outcome.case,
            "committee_vote",
            "grassroots_committee",
            vote_on,
            in_favour=13,
            committee_members=15,
        )
        decided = engine.fire(
            case, "decide_admission", "competent_committee", vote_on, decision_date=vote_on
        )
        violation = only(decided, "eligibility.over_60_consent")
        assert violation.source == "QĐ 24-QĐ/TW §1.1; HD 01-HD/TW §1.1"
        assert f"The candidate was {age_en} old at the cell's vote" in violation.message.en
        assert f"Người vào Đảng được {age_vi} khi chi bộ biểu quyết" in violation.message.vi
        return
    violation = only(outcome, "eligibility.age")
    assert violation.source == "QĐ 24-QĐ/TW §1.1"
    assert f"they are {age_en}" in violation.message.en
    assert "must be at least 18 years 0 months old" in violation.message.en
    assert f"người này được {age_vi}" in violation.message.vi
    assert "phải đủ 18 tuổi 0 tháng" in violation.message.vi
    assert not outcome.step.recorded
    assert outcome.case is case


@pytest.mark.parametrize(
    ("born", "start", "vote_on"),
    [
        (D(2005, 9, 15), D(2023, 3, 1), D(2023, 9, 15)),  # 18 years 0 months exactly
        (D(1963, 9, 15), D(2023, 3, 1), D(2023, 9, 15)),  # 60 years 0 months exactly
        (D(1963, 9, 15), D(2023, 3, 1), D(2023, 10, 14)),  # 60 years 0 months and 29 days
        (D(2004, 2, 29), D(2021, 9, 1), D(2022, 2, 28)),  # 18 on 28 February, common year
        (D(1964, 2, 29), D(2023, 9, 1), D(2024, 3, 28)),  # still 60 years 0 months
        (D(2005, 3, 31), D(2022, 9, 1), D(2023, 3, 31)),
        (D(1963, 8, 31), D(2023, 3, 1), D(2023, 9, 29)),  # 60 years 0 months, month end
    ],
)
def test_age_from_18_to_60_passes(
    engine: af.Engine, born: dt.date, start: dt.date, vote_on: dt.date
) -> None:
    """From 18 years 0 months to 60 years 0 months (whole months) the age rule holds."""
    case = drive(engine, new_case(engine, born=born, in_unit=NO_YOUTH_UNION), "ready", start=start)
    outcome = cell_vote(engine, case, vote_on)
    assert outcome.accepted
    assert outcome.violations == ()


@pytest.mark.parametrize("born", [D(1963, 8, 15), D(1950, 1, 1)])
def test_over_60_passes_with_written_consent(engine: af.Engine, born: dt.date) -> None:
    """Over 60 passes when the candidate carries ``over_60_consent``."""
    case = drive(engine, new_case(engine, born=born, over_60_consent=True), "ready")
    assert cell_vote(engine, case, D(2023, 9, 15)).accepted


def test_over_60_without_consent_is_refused(engine: af.Engine) -> None:
    """Without a consent a candidate of 73 is refused at the decision (revision 3), age named."""
    case = drive(engine, new_case(engine, born=D(1950, 1, 1)), "ready")
    case = fire_ok(
        engine, case, "cell_vote", "cell", D(2023, 9, 15), in_favour=20, official_members=29
    )
    case = fire_ok(
        engine,
        case,
        "committee_vote",
        "grassroots_committee",
        D(2023, 9, 15),
        in_favour=13,
        committee_members=15,
    )
    outcome = engine.fire(
        case,
        "decide_admission",
        "competent_committee",
        D(2023, 9, 20),
        decision_date=D(2023, 9, 20),
    )
    violation = only(outcome, "eligibility.over_60_consent")
    assert "The candidate was 73 years 8 months old at the cell's vote" in violation.message.en


# -- eligibility.education -------------------------------------------------------------


@pytest.mark.parametrize(
    ("education", "hardship"),
    [
        ("lower_secondary", False),
        ("upper_secondary", False),
        ("university", False),
        ("primary", True),
        ("lower_secondary", True),
    ],
)
def test_enough_schooling_passes(engine: af.Engine, education: str, hardship: bool) -> None:
    """Lower secondary suffices; primary suffices in a hardship area."""
    candidate = person(education=education)
    case = drive(engine, engine.open("c-x", candidate, unit(hardship_area=hardship)), "ready")
    assert cell_vote(engine, case, D(2023, 9, 15)).accepted


@pytest.mark.parametrize(
    ("education", "hardship", "en", "vi"),
    [
        (
            "primary",
            False,
            "The minimum schooling is lower secondary school; the candidate has primary school.",
            "Trình độ học vấn tối thiểu là trung học cơ sở; người vào Đảng có trình độ tiểu học.",
        ),
        (
            "none",
            False,
            "The minimum schooling is lower secondary school; the candidate has no schooling.",
            "Trình độ học vấn tối thiểu là trung học cơ sở; người vào Đảng có trình độ chưa qua đào tạo.",
        ),
        (
            "none",
            True,
            "The minimum schooling is primary school; the candidate has no schooling.",
            "Trình độ học vấn tối thiểu là tiểu học; người vào Đảng có trình độ chưa qua đào tạo.",
        ),
    ],
)
def test_too_little_schooling_is_refused(
    engine: af.Engine, education: str, hardship: bool, en: str, vi: str
) -> None:
    """Primary is refused outside hardship areas; no schooling is refused everywhere."""
    candidate = person(education=education)
    case = drive(engine, engine.open("c-x", candidate, unit(hardship_area=hardship)), "ready")
    violation = only(cell_vote(engine, case, D(2023, 9, 15)), "eligibility.education")
    assert violation.message == af.Text(vi, en)


# -- vote.two_thirds -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("in_favour", "total"), [(20, 29), (20, 30), (2, 3), (1, 1), (29, 29), (3, 4)]
)
def test_two_thirds_or_more_passes(engine: af.Engine, in_favour: int, total: int) -> None:
    """A cell vote of at least two-thirds moves nothing yet is accepted, no violation."""
    case = drive(engine, new_case(engine, in_unit=UNCOUNTED), "ready")
    outcome = cell_vote(engine, case, D(2023, 9, 15), in_favour, total)
    assert outcome.accepted
    assert outcome.violations == ()
    assert outcome.case.state == "dossier"
    assert outcome.case.history[-1] is outcome.step


@pytest.mark.parametrize(
    ("in_favour", "total", "needed"), [(19, 29, 20), (19, 30, 20), (1, 3, 2), (0, 1, 1), (2, 4, 3)]
)
def test_short_of_two_thirds_is_recorded_not_passed(
    engine: af.Engine, in_favour: int, total: int, needed: int
) -> None:
    """A vote under two-thirds is recorded (kept), not accepted, and the case stays in dossier."""
    case = drive(engine, new_case(engine, in_unit=UNCOUNTED), "ready")
    outcome = cell_vote(engine, case, D(2023, 9, 15), in_favour, total)
    violation = only(outcome, "vote.two_thirds")
    assert violation.severity == "record"
    assert violation.message == af.Text(
        f"Chỉ {in_favour}/{total} đảng viên chính thức tán thành; cần ít nhất hai phần ba ({needed}).",
        f"Only {in_favour} of {total} official members voted in favour; "
        f"at least two-thirds ({needed}) are needed.",
    )
    assert (outcome.step.accepted, outcome.step.recorded) == (False, True)
    assert (outcome.step.from_state, outcome.step.to_state) == ("dossier", "dossier")
    assert outcome.case.state == "dossier"
    assert outcome.case.history == (*case.history, outcome.step)


def test_a_short_vote_can_be_followed_by_a_passing_one(engine: af.Engine) -> None:
    """The cell may vote again after a short vote; the passing vote is what counts."""
    case = drive(engine, new_case(engine), "ready")
    case = cell_vote(engine, case, D(2023, 9, 15), 19, 29).case
    outcome = cell_vote(engine, case, D(2023, 10, 16), 20, 29)
    assert outcome.accepted
    assert [d.name for d in engine.pending(outcome.case)] == ["decision_due"]


def test_two_thirds_agrees_with_exact_fractions(engine: af.Engine) -> None:
    """For every 1 <= total <= 500 the rule is exactly in_favour / total >= 2/3."""
    ready = drive(engine, new_case(engine, in_unit=UNCOUNTED), "ready")

    @given(st.integers(1, 500).flatmap(lambda t: st.tuples(st.integers(0, t), st.just(t))))
    def check(vote: tuple[int, int]) -> None:
        in_favour, total = vote
        outcome = cell_vote(engine, ready, D(2023, 9, 15), in_favour, total)
        passes = Fraction(in_favour, total) >= Fraction(2, 3)
        assert outcome.accepted is passes
        assert outcome.step.recorded is not passes
        assert rule_ids(outcome.violations) == ([] if passes else ["vote.two_thirds"])

    check()


def test_more_in_favour_than_members_is_bad_input(engine: af.Engine) -> None:
    """``in_favour > official_members`` is the caller's mistake (FactError), not a refusal."""
    case = drive(engine, new_case(engine), "ready")
    with pytest.raises(af.FactError, match="cannot exceed 'official_members' \\(29\\)") as info:
        cell_vote(engine, case, D(2023, 9, 15), 30, 29)
    assert info.value.field == "in_favour"
    assert isinstance(info.value, ValueError)


# -- course.certificate_valid ----------------------------------------------------------

# ``drive`` completes the course, certificate included, on 2023-05-20.


@pytest.mark.parametrize(
    "vote_on",
    # 59 months; 59 months and 29 days; the 60-month anniversary (valid since revision 2)
    [D(2028, 4, 20), D(2028, 5, 19), D(2028, 5, 20)],
)
def test_certificate_under_60_months_passes(engine: af.Engine, vote_on: dt.date) -> None:
    """A course certificate not more than 60 months old on the vote's day is valid."""
    engine = timeless(engine)
    case = drive(engine, new_case(engine), "ready")
    assert case.last("complete_course").facts["certificate_date"] == D(2023, 5, 20)
    assert cell_vote(engine, case, vote_on).accepted


@pytest.mark.parametrize(("vote_on", "months"), [(D(2028, 5, 21), 60), (D(2028, 6, 20), 61)])
def test_certificate_of_60_months_or_more_is_refused(
    engine: af.Engine, vote_on: dt.date, months: int
) -> None:
    """From the day after its 60-month anniversary a certificate is refused, with its date and age."""
    engine = timeless(engine)
    case = drive(engine, new_case(engine), "ready")
    violation = only(cell_vote(engine, case, vote_on), "course.certificate_valid")
    assert f"the certificate of 2023-05-20 is {months} months old" in violation.message.en
    assert f"giấy cấp ngày 20/05/2023 đã {months} tháng" in violation.message.vi
    assert "not more than 60 months old" in violation.message.en


# -- introductions ---------------------------------------------------------------------

# ``drive`` opens the dossier on 2023-06-01.
INTRODUCED = D(2023, 6, 15)


def test_probationary_introducer_is_refused(engine: af.Engine) -> None:
    """A probationary member cannot introduce."""
    case = drive(engine, new_case(engine), "dossier")
    outcome = engine.fire(case, "introduce", member("m-lan"), INTRODUCED, known_since=D(2020, 1, 1))
    violation = only(outcome, "introduction.official_member")
    assert violation.message == af.Text(
        "Người giới thiệu (m-lan) phải là đảng viên chính thức, giới thiệu với danh nghĩa của "
        "chính mình, nhưng là đảng viên dự bị.",
        "The introducer (m-lan), who introduces in their own name, must be an official party "
        "member, but is a probationary member.",
    )
    assert outcome.case is case


def test_introducer_official_only_after_the_introduction_is_refused(engine: af.Engine) -> None:
    """A member official only since after the introduction's date cannot introduce on it."""
    engine = with_members(engine, af.Member(id="m-tuan", status="official", since=D(2023, 7, 1)))
    case = drive(engine, new_case(engine), "dossier")
    early = engine.fire(case, "introduce", member("m-tuan"), INTRODUCED, known_since=D(2020, 1, 1))
    violation = only(early, "introduction.official_member")
    assert "not yet an official member on that date" in violation.message.en
    assert "chưa là đảng viên chính thức vào ngày đó" in violation.message.vi
    on_the_day = engine.fire(
        case, "introduce", member("m-tuan"), D(2023, 7, 1), known_since=D(2020, 1, 1)
    )
    assert on_the_day.accepted


@pytest.mark.parametrize(
    ("facts", "known_en"),
    [
        ({"known_since": D(2022, 7, 15)}, "only 11 months"),
        ({"known_since": D(2022, 6, 16)}, "only 11 months"),
        ({}, "since when is not stated"),
    ],
)
def test_introducer_known_under_12_months_is_refused(
    engine: af.Engine, facts: dict[str, dt.date], known_en: str
) -> None:
    """An introducer known to the candidate for under 12 months, or since when unsaid, is refused."""
    case = drive(engine, new_case(engine), "dossier")
    outcome = engine.fire(case, "introduce", member("m-hung"), INTRODUCED, **facts)
    violation = only(outcome, "introduction.twelve_months")
    assert violation.message.en == (
        "The introducer (m-hung) must have worked, studied or lived alongside the candidate "
        f"for at least 12 months; {known_en}."
    )
    assert "ít nhất 12 tháng" in violation.message.vi


@pytest.mark.parametrize(
    "facts",
    [
        {"known_since": D(2022, 6, 15)},  # 12 months exactly
        {"known_since": D(2023, 5, 15), "replacement": True},  # 1 month, replacement
        {"replacement": True},
    ],
)
def test_introducer_known_12_months_or_replacing_passes(
    engine: af.Engine, facts: dict[str, object]
) -> None:
    """12 months known suffices; a replacement introducer is exempt."""
    case = drive(engine, new_case(engine), "dossier")
    assert engine.fire(case, "introduce", member("m-hung"), INTRODUCED, **facts).accepted


def test_standard_route_needs_two_members(engine: af.Engine) -> None:
    """Outside the youth and trade-union routes, two official members must introduce."""
    case = drive(engine, new_case(engine), "dossier")
    one = ready_for_vote(engine, case, INTRODUCED, introducers=["m-hung"])
    violation = only(cell_vote(engine, one, D(2023, 9, 15)), "introduction.count")
    assert violation.message == af.Text(
        "Chưa đủ người giới thiệu theo diện thông thường (hai đảng viên chính thức): "
        "còn thiếu 1 đảng viên giới thiệu.",
        "The introductions of the standard (two official members) route are incomplete: "
        "missing 1 introducing member.",
    )
    twice = fire_ok(
        engine, one, "introduce", member("m-hung"), INTRODUCED, known_since=D(2020, 1, 1)
    )
    assert rule_ids(cell_vote(engine, twice, D(2023, 9, 15)).violations) == ["introduction.count"]
    two = ready_for_vote(engine, case, INTRODUCED, introducers=["m-hung", "m-mai"])
    assert cell_vote(engine, two, D(2023, 9, 15)).accepted


# Born on the 31st: 30 years 11 months on 2023-09-30 ... 2023-10-30, 31 on 2023-10-31.
YOUTH_BORN = D(1992, 10, 31)
STILL_30 = D(2023, 10, 30)
NOW_31 = D(2023, 10, 31)


def youth_case(engine: af.Engine, **introductions: object) -> af.Case:
    case = new_case(engine, born=YOUTH_BORN, organizations=["youth_union"])
    return ready_for_vote(engine, drive(engine, case, "dossier"), INTRODUCED, **introductions)


def test_youth_union_route_needs_committee_and_one_member(engine: af.Engine) -> None:
    """A Youth Union member of 30 (30 years 11 months) needs the youth committee and one member."""
    case = youth_case(engine, committee="youth_union_committee", introducers=["m-hung"])
    assert cell_vote(engine, case, STILL_30).accepted
    members_only = youth_case(engine, introducers=["m-hung", "m-mai"])
    violation = only(cell_vote(engine, members_only, STILL_30), "introduction.count")
    assert violation.message.en == (
        "The introductions of the Youth Union (the Youth Union committee and one official "
        "member) route are incomplete: missing the Youth Union committee's introduction."
    )
    assert "nghị quyết giới thiệu của BCH Đoàn cơ sở" in violation.message.vi
    committee_only = youth_case(engine, committee="youth_union_committee", introducers=[])
    violation = only(cell_vote(engine, committee_only, STILL_30), "introduction.count")
    assert violation.message.en.endswith("missing 1 introducing member.")


def test_youth_union_member_of_31_takes_the_standard_route(engine: af.Engine) -> None:
    """At 31 the Youth Union route no longer applies: two members are needed."""
    case = youth_case(engine, committee="youth_union_committee", introducers=["m-hung"])
    violation = only(cell_vote(engine, case, NOW_31), "introduction.count")
    assert "standard (two official members) route" in violation.message.en
    assert violation.message.en.endswith("missing 1 introducing member.")
    members_only = youth_case(engine, introducers=["m-hung", "m-mai"])
    assert cell_vote(engine, members_only, NOW_31).accepted


def trade_union_case(engine: af.Engine, has_youth_union: bool, **introductions: object) -> af.Case:
    case = engine.open(
        "c-x",
        person(organizations=["trade_union"]),
        unit(kind="enterprise", has_youth_union=has_youth_union),
    )
    return ready_for_vote(engine, drive(engine, case, "dossier"), INTRODUCED, **introductions)


def test_trade_union_route_needs_committee_and_one_member(engine: af.Engine) -> None:
    """A trade-union member where there is no Youth Union needs the trade-union committee and one member."""
    case = trade_union_case(
        engine, False, committee="trade_union_committee", introducers=["m-hung"]
    )
    assert cell_vote(engine, case, D(2023, 9, 15)).accepted
    members_only = trade_union_case(engine, False, introducers=["m-hung", "m-mai"])
    violation = only(cell_vote(engine, members_only, D(2023, 9, 15)), "introduction.count")
    assert violation.message.en.endswith("missing the trade-union committee's introduction.")
    assert "nghị quyết giới thiệu của BCH Công đoàn cơ sở" in violation.message.vi


def test_trade_union_member_where_there_is_a_youth_union_takes_the_standard_route(
    engine: af.Engine,
) -> None:
    """Where the unit has a Youth Union, a trade-union member needs two members."""
    case = trade_union_case(engine, True, committee="trade_union_committee", introducers=["m-hung"])
    violation = only(cell_vote(engine, case, D(2023, 9, 15)), "introduction.count")
    assert "standard (two official members) route" in violation.message.en


# -- dossier.complete ------------------------------------------------------------------

MISSING = {
    "application": af.Text("đơn xin vào Đảng", "the application"),
    "history": af.Text("lý lịch của người xin vào Đảng", "the personal history"),
    "background": af.Text("kết quả thẩm tra lý lịch", "the background check"),
    "residence": af.Text("nhận xét của nơi cư trú", "the opinion from the place of residence"),
    "organizations": af.Text("nhận xét của đoàn thể", "the opinion of the mass organisations"),
}


def dossier_message(*parts: af.Text) -> af.Text:
    return af.Text(
        "Hồ sơ kết nạp còn thiếu: " + "; ".join(p.vi for p in parts) + ".",
        "The admission dossier is missing: " + "; ".join(p.en for p in parts) + ".",
    )


@pytest.mark.parametrize("part", DOSSIER_PARTS)
def test_dossier_names_the_one_missing_part(engine: af.Engine, part: str) -> None:
    """With one part missing, ``dossier.complete`` names exactly that part."""
    case = ready_for_vote(
        engine, drive(engine, new_case(engine), "dossier"), INTRODUCED, leave_out=[part]
    )
    violation = only(cell_vote(engine, case, D(2023, 9, 15)), "dossier.complete")
    assert violation.message == dossier_message(MISSING[part])


def test_dossier_names_every_missing_part(engine: af.Engine) -> None:
    """With nothing on file, every part is named, in order."""
    case = ready_for_vote(
        engine, drive(engine, new_case(engine), "dossier"), INTRODUCED, leave_out=DOSSIER_PARTS
    )
    violation = only(cell_vote(engine, case, D(2023, 9, 15)), "dossier.complete")
    assert violation.message == dossier_message(*(MISSING[p] for p in DOSSIER_PARTS))


def test_background_check_with_a_concern_is_not_enough(engine: af.Engine) -> None:
    """A background check that found a concern is named as such; a later clear one suffices."""
    case = drive(engine, new_case(engine), "dossier")
    concern = ready_for_vote(engine, case, INTRODUCED, background="concern")
    violation = only(cell_vote(engine, concern, D(2023, 9, 15)), "dossier.complete")
    assert violation.message == dossier_message(
        af.Text(
            "kết luận thẩm tra lý lịch không rõ ràng (result: concern)",
            "a clear background check (it found a concern)",
        )
    )
    cleared = fire_ok(
        engine, concern, "verify_background", "grassroots_committee", D(2023, 8, 1), result="clear"
    )
    assert cell_vote(engine, cleared, D(2023, 9, 15)).accepted


def test_opinions_may_come_in_separate_records(engine: af.Engine) -> None:
    """The residence's and the organisations' opinions may be recorded by separate events."""
    case = drive(engine, new_case(engine), "dossier")
    case = ready_for_vote(engine, case, INTRODUCED, leave_out=["residence", "organizations"])
    case = fire_ok(
        engine, case, "record_opinions", "cell_committee", INTRODUCED, residence="favourable"
    )
    violation = only(cell_vote(engine, case, D(2023, 9, 15)), "dossier.complete")
    assert violation.message == dossier_message(MISSING["organizations"])
    case = fire_ok(
        engine, case, "record_opinions", "cell_committee", INTRODUCED, organizations="unfavourable"
    )
    assert cell_vote(engine, case, D(2023, 9, 15)).accepted


# -- cell_vote: every failing rule at once -----------------------------------------------


def test_cell_vote_reports_every_failing_rule_and_changes_nothing(engine: af.Engine) -> None:
    """Age, schooling, Youth Union, certificate, dossier, introductions, vote: reported at once."""
    engine = timeless(engine)
    case = drive(engine, new_case(engine, born=D(2011, 1, 1), education="primary"), "dossier")
    before = case
    outcome = cell_vote(engine, case, D(2028, 6, 1), 1, 29)
    assert sorted(rule_ids(outcome.violations)) == sorted(
        [
            "eligibility.age",
            "eligibility.education",
            # a 17-year-old outside the Youth Union in a unit that has one (revision 2)
            "eligibility.youth_union_member",
            "course.certificate_valid",
            "dossier.complete",
            "introduction.count",
            "vote.two_thirds",
        ]
    )
    assert (outcome.step.accepted, outcome.step.recorded) == (False, False)
    assert outcome.case is before
    assert outcome.case.state == "dossier"
    assert outcome.case.history == before.history
    assert engine.pending(outcome.case) == ()


# -- mentor, roles and states ----------------------------------------------------------


def test_mentor_must_be_an_official_member(engine: af.Engine) -> None:
    """A probationary mentor is refused; an official one is accepted."""
    case = drive(engine, new_case(engine), "identified")
    outcome = engine.fire(case, "assign_mentor", "cell", D(2023, 3, 10), mentor="m-lan")
    violation = only(outcome, "mentor.official_member")
    assert violation.message == af.Text(
        "Đảng viên được phân công giúp đỡ (m-lan) phải là đảng viên chính thức, nhưng là đảng viên dự bị.",
        "The mentor (m-lan) must be an official party member, but is a probationary member.",
    )
    assert outcome.case is case
    accepted = engine.fire(case, "assign_mentor", "cell", D(2023, 3, 10), mentor="m-hung")
    assert accepted.accepted
    assert accepted.case.state == "mentored"


def test_mentor_official_only_later_is_refused(engine: af.Engine) -> None:
    """A mentor official only after the assignment's date is refused on that date."""
    engine = with_members(engine, af.Member(id="m-tuan", status="official", since=D(2023, 4, 1)))
    case = drive(engine, new_case(engine), "identified")
    violation = only(
        engine.fire(case, "assign_mentor", "cell", D(2023, 3, 31), mentor="m-tuan"),
        "mentor.official_member",
    )
    assert "not yet an official member on that date" in violation.message.en
    assert engine.fire(case, "assign_mentor", "cell", D(2023, 4, 1), mentor="m-tuan").accepted


@pytest.mark.parametrize(
    ("until", "event", "role", "allowed", "facts"),
    [
        ("course", "open_dossier", "candidate", "cell", {}),
        ("dossier", "submit_application", "cell", "candidate", {}),
        (
            "dossier",
            "introduce",
            "cell",
            "member, youth_union_committee, trade_union_committee",
            {},
        ),
        (
            "committee",
            "decide_admission",
            "cell",
            "competent_committee, grassroots_committee",
            {"decision_date": D(2023, 9, 1)},
        ),
        ("dossier", "withdraw", "competent_committee", "candidate, cell", {}),
        ("identified", "assign_mentor", "cell_committee", "cell", {"mentor": "m-hung"}),
    ],
)
def test_wrong_role_is_refused_naming_the_allowed_roles(
    engine: af.Engine, until: str, event: str, role: str, allowed: str, facts: dict[str, object]
) -> None:
    """A role that may not fire the event gets ``auth.role`` with the roles that may."""
    case = drive(engine, new_case(engine), until)
    outcome = engine.fire(case, event, role, D(2023, 9, 1), **facts)
    violation = only(outcome, "auth.role")
    assert f"({role}) may not fire" in violation.message.en
    assert violation.message.vi.startswith("Vai trò ")
    assert f"({role}) không được thực hiện bước" in violation.message.vi
    only_en = violation.message.en.split("; only: ", 1)[1]
    only_vi = violation.message.vi.split("; chỉ: ", 1)[1]
    for name in allowed.split(", "):
        assert f"({name})" in only_en
        assert f"({name})" in only_vi
    assert outcome.case is case


def test_identify_by_the_wrong_role_is_refused(engine: af.Engine) -> None:
    """Only the cell committee identifies a candidate; the case stays unopened."""
    case = new_case(engine)
    outcome = engine.fire(case, "identify", "cell", D(2023, 3, 1))
    violation = only(outcome, "auth.role")
    assert violation.message.en.endswith("; only: Cell committee or secretary (cell_committee).")
    assert violation.message.vi.endswith("; chỉ: Chi ủy / bí thư chi bộ (cell_committee).")
    assert outcome.case.state is None


@pytest.mark.parametrize(
    ("until", "event", "by", "facts", "state_en"),
    [
        (
            "identified",
            "cell_vote",
            "cell",
            {"in_favour": 20, "official_members": 29},
            "Identified as an outstanding candidate",
        ),
        ("identified", "identify", "cell_committee", {}, "Identified as an outstanding candidate"),
        ("dossier", "hold_ceremony", "cell", {}, "Preparing the admission dossier"),
        (
            "admitted",
            "cell_vote",
            "cell",
            {"in_favour": 20, "official_members": 29},
            "Admission decided",
        ),
    ],
)
def test_event_in_the_wrong_state_is_refused(
    engine: af.Engine, until: str, event: str, by: str, facts: dict[str, object], state_en: str
) -> None:
    """An event its state does not allow gets ``event.state``, naming the state."""
    case = drive(engine, new_case(engine), until)
    on = case.history[-1].on
    outcome = engine.fire(case, event, by, on, **facts)
    violation = only(outcome, "event.state")
    assert violation.message.en.endswith(f"cannot happen while the case is in state '{state_en}'.")
    assert "khi hồ sơ đang ở trạng thái" in violation.message.vi
    assert outcome.case is case


# -- committee vote and decision -------------------------------------------------------


def test_committee_vote_needs_a_passing_cell_vote(engine: af.Engine) -> None:
    """Before a passing cell vote, the committee vote is refused with ``vote.cell_passed``."""
    case = drive(engine, new_case(engine), "ready")
    facts = {"in_favour": 9, "committee_members": 9}
    outcome = engine.fire(case, "committee_vote", "grassroots_committee", D(2023, 9, 15), **facts)
    violation = only(outcome, "vote.cell_passed")
    assert "at least two-thirds of official members" in violation.message.en
    short = cell_vote(engine, case, D(2023, 9, 15), 19, 29).case
    after_short = engine.fire(
        short, "committee_vote", "grassroots_committee", D(2023, 9, 20), **facts
    )
    assert rule_ids(after_short.violations) == ["vote.cell_passed"]


@pytest.mark.parametrize(("in_favour", "total"), [(5, 9), (0, 1), (3, 5)])
def test_committee_vote_under_two_thirds_only_warns(
    engine: af.Engine, in_favour: int, total: int
) -> None:
    """A committee vote under two-thirds is accepted with the ``vote.committee_short`` warning."""
    case = drive(engine, new_case(engine), "voted")
    outcome = engine.fire(
        case,
        "committee_vote",
        "grassroots_committee",
        D(2023, 7, 1),
        in_favour=in_favour,
        committee_members=total,
    )
    assert outcome.accepted
    assert outcome.violations == ()
    assert rule_ids(outcome.warnings) == ["vote.committee_short"]
    assert outcome.warnings[0].severity == "warning"
    assert f"Only {in_favour} of {total} grassroots committee members" in (
        outcome.warnings[0].message.en
    )
    decided = engine.fire(
        outcome.case,
        "decide_admission",
        "competent_committee",
        D(2023, 7, 10),
        decision_date=D(2023, 7, 10),
    )
    assert decided.accepted


def test_committee_vote_of_two_thirds_has_no_warning(engine: af.Engine) -> None:
    """6 of 9 committee members is two-thirds: no warning."""
    case = drive(engine, new_case(engine), "voted")
    outcome = engine.fire(
        case,
        "committee_vote",
        "grassroots_committee",
        D(2023, 7, 1),
        in_favour=6,
        committee_members=9,
    )
    assert outcome.accepted
    assert outcome.warnings == ()


def test_decision_needs_a_passing_cell_vote(engine: af.Engine) -> None:
    """No admission decision without a cell vote of two-thirds (nor, since revision 2, the
    grassroots committee's vote, which cannot come before a passing cell vote)."""
    case = drive(engine, new_case(engine), "ready")
    facts = {"decision_date": D(2023, 9, 1)}
    outcome = engine.fire(case, "decide_admission", "competent_committee", D(2023, 9, 1), **facts)
    assert rule_ids(outcome.violations) == ["vote.cell_passed", "vote.committee_voted"]
    short = cell_vote(engine, case, D(2023, 9, 15), 19, 29).case
    facts = {"decision_date": D(2023, 9, 20)}
    outcome = engine.fire(short, "decide_admission", "competent_committee", D(2023, 9, 20), **facts)
    assert rule_ids(outcome.violations) == ["vote.cell_passed", "vote.committee_voted"]


def test_grassroots_committee_decides_only_when_delegated(engine: af.Engine) -> None:
    """A grassroots committee's decision is refused unless the unit has ``delegated_admission``."""
    facts = {"decision_date": D(2023, 7, 10)}
    case = drive(engine, new_case(engine), "committee")
    outcome = engine.fire(case, "decide_admission", "grassroots_committee", D(2023, 7, 10), **facts)
    violation = only(outcome, "decision.authority")
    assert violation.message.en == (
        "A grassroots committee decides on admission only where that power was delegated "
        "to it; this unit's was not."
    )
    assert violation.source == "QĐ 24-QĐ/TW §4.3"
    delegated = engine.open("c-x", person(), unit(delegated_admission=True))
    delegated = drive(engine, delegated, "committee")
    ok = engine.fire(delegated, "decide_admission", "grassroots_committee", D(2023, 7, 10), **facts)
    assert ok.accepted
    assert ok.case.state == "admitted"
    competent = engine.fire(
        case, "decide_admission", "competent_committee", D(2023, 7, 10), **facts
    )
    assert competent.accepted


# -- decision.deadline -----------------------------------------------------------------

VOTED = D(2023, 9, 5)  # a Tuesday; no days off until 2024-01-01
DECISION_DUE = D(2023, 11, 28)  # 60 working days later
DECISION_DUE_EXTENDED = D(2024, 1, 10)  # 90 working days later, across New Year's Day


def test_decision_due_dates_are_counted_by_hand() -> None:
    """The expected due dates are the 60th and 90th weekdays off-days excluded."""
    assert nth_working_day(VOTED, 60, NEW_YEAR_2024) == DECISION_DUE
    assert nth_working_day(VOTED, 90, NEW_YEAR_2024) == DECISION_DUE_EXTENDED


def decide(engine: af.Engine, case: af.Case, on: dt.date, **facts: object) -> af.Outcome:
    return engine.fire(
        case, "decide_admission", "competent_committee", on, decision_date=on, **facts
    )


def test_decision_deadline_is_set_by_the_passing_cell_vote(engine: af.Engine) -> None:
    """The passing vote sets ``decision_due`` 60 working days on, and says how it was counted."""
    case = drive(engine, new_case(engine), "voted", voted=VOTED)
    (deadline,) = case.history[-1].deadlines_set
    assert engine.pending(case) == (deadline,)
    assert (deadline.name, deadline.rule, deadline.event) == (
        "decision_due",
        "decision.deadline",
        "decide_admission",
    )
    assert (deadline.start, deadline.due) == (VOTED, DECISION_DUE)
    assert deadline.basis.en == (
        "60 working days after “Cell vote on admission” on 2023-09-05, "
        "not counting weekends: due 2023-11-28"
    )
    assert deadline.basis.vi.endswith("không tính thứ Bảy, Chủ nhật: hạn 28/11/2023")


@pytest.mark.parametrize(
    ("decided", "facts"),
    [
        (DECISION_DUE, {}),
        (DECISION_DUE + DAY, {"extended": True}),
        (DECISION_DUE_EXTENDED, {"extended": True}),
    ],
)
def test_decision_on_time_has_no_warning(
    engine: af.Engine, decided: dt.date, facts: dict[str, object]
) -> None:
    """On the 60th working day (90th when extended) the decision carries no warning."""
    case = drive(engine, new_case(engine), "committee", voted=VOTED)
    outcome = decide(engine, case, decided, **facts)
    assert outcome.accepted
    assert outcome.warnings == ()
    assert [d.name for d in outcome.step.deadlines_met] == ["decision_due"]


@pytest.mark.parametrize(
    ("decided", "facts", "due", "days"),
    [
        (DECISION_DUE + DAY, {}, DECISION_DUE, 60),
        (D(2024, 1, 11), {"extended": True}, DECISION_DUE_EXTENDED, 90),
    ],
)
def test_late_decision_warns_but_is_accepted(
    engine: af.Engine, decided: dt.date, facts: dict[str, object], due: dt.date, days: int
) -> None:
    """After the 60th (90th) working day the decision is accepted with a ``decision.deadline`` warning."""
    case = drive(engine, new_case(engine), "committee", voted=VOTED)
    outcome = decide(engine, case, decided, **facts)
    assert outcome.accepted
    assert outcome.case.state == "admitted"
    assert outcome.violations == ()
    assert rule_ids(outcome.warnings) == ["decision.deadline"]
    assert outcome.warnings[0].message.en.startswith(
        f"The admission decision of {decided.isoformat()} is past its due date "
        f"{due.isoformat()} ({days} working days from the cell's resolution of 2023-09-05)"
    )


def test_decision_deadline_is_judged_on_the_decision_date(engine: af.Engine) -> None:
    """A decision dated in time but recorded later is on time: ``decision_date`` counts."""
    case = drive(engine, new_case(engine), "committee", voted=VOTED)
    outcome = engine.fire(
        case, "decide_admission", "competent_committee", D(2023, 12, 5), decision_date=DECISION_DUE
    )
    assert outcome.accepted
    assert outcome.warnings == ()


# -- ceremony.deadline -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voted", "decided", "tet", "due"),
    [
        (D(2023, 12, 1), D(2024, 1, 25), TET_2024, D(2024, 3, 14)),
        (D(2024, 12, 2), D(2025, 1, 20), TET_2025, D(2025, 3, 10)),
    ],
    ids=["tet-2024", "tet-2025"],
)
class TestCeremonyAcrossTet:
    """30 working days from a decision just before Tết, Tết not counted."""

    def admitted(self, engine: af.Engine, voted: dt.date, decided: dt.date) -> af.Case:
        return drive(engine, new_case(engine), "admitted", voted=voted, decided=decided)

    def test_due_date_is_counted_by_hand(
        self, voted: dt.date, decided: dt.date, tet: frozenset[dt.date], due: dt.date
    ) -> None:
        """The 30th weekday after the decision, Tết's days off excluded, is the due date."""
        assert nth_working_day(decided, 30, tet) == due

    def test_decision_sets_the_due_date_and_explains_it(
        self,
        engine: af.Engine,
        voted: dt.date,
        decided: dt.date,
        tet: frozenset[dt.date],
        due: dt.date,
    ) -> None:
        """The decision's step and ``pending`` give the due date; the basis names Tết's days off."""
        case = self.admitted(engine, voted, decided)
        (deadline,) = case.last("decide_admission").deadlines_set
        assert engine.pending(case) == (deadline,)
        assert (deadline.name, deadline.rule, deadline.event) == (
            "ceremony_due",
            "ceremony.deadline",
            "hold_ceremony",
        )
        assert (deadline.start, deadline.due) == (decided, due)
        skipped = sorted(d for d in tet if d.weekday() < 5)
        assert len(skipped) == 5
        for day in skipped:
            assert f"{day:%d/%m/%Y} " in deadline.basis.vi
            assert f"{day.isoformat()} " in deadline.basis.en
        assert "Tết Nguyên Đán" in deadline.basis.vi
        assert "Lunar New Year" in deadline.basis.en
        assert deadline.basis.en.startswith(
            f"30 working days after “Decide on admission” on {decided.isoformat()}, "
            "not counting weekends or days off ("
        )
        assert deadline.basis.en.endswith(f"): due {due.isoformat()}")
        assert deadline.basis.vi.startswith(
            f"30 ngày làm việc sau bước “Quyết định kết nạp đảng viên” ngày {decided:%d/%m/%Y}, "
            "không tính thứ Bảy, Chủ nhật và ngày nghỉ ("
        )
        assert deadline.basis.vi.endswith(f"): hạn {due:%d/%m/%Y}")

    def test_ceremony_on_the_30th_working_day_is_accepted(
        self,
        engine: af.Engine,
        voted: dt.date,
        decided: dt.date,
        tet: frozenset[dt.date],
        due: dt.date,
    ) -> None:
        """The ceremony on the due date is accepted with no violation or warning."""
        outcome = engine.fire(self.admitted(engine, voted, decided), "hold_ceremony", "cell", due)
        assert outcome.accepted
        assert (outcome.violations, outcome.warnings) == ((), ())
        assert outcome.case.state == "probation"

    def test_ceremony_on_the_31st_working_day_is_refused(
        self,
        engine: af.Engine,
        voted: dt.date,
        decided: dt.date,
        tet: frozenset[dt.date],
        due: dt.date,
    ) -> None:
        """A day later, without the higher committee's consent, the ceremony is refused."""
        late = nth_working_day(due, 1, tet)
        case = self.admitted(engine, voted, decided)
        outcome = engine.fire(case, "hold_ceremony", "cell", late)
        violation = only(outcome, "ceremony.deadline")
        assert violation.message.en.startswith(
            f"The ceremony on {late.isoformat()} is past its due date {due.isoformat()} "
            f"(30 working days from {decided.isoformat()}, the day the cell received the decision)"
        )
        assert violation.message.vi.startswith(
            f"Lễ kết nạp ngày {late:%d/%m/%Y} quá hạn {due:%d/%m/%Y}"
        )
        assert outcome.case is case

    def test_ceremony_late_with_higher_consent_is_accepted(
        self,
        engine: af.Engine,
        voted: dt.date,
        decided: dt.date,
        tet: frozenset[dt.date],
        due: dt.date,
    ) -> None:
        """With ``higher_consent`` the 31st working day is accepted."""
        late = nth_working_day(due, 1, tet)
        case = self.admitted(engine, voted, decided)
        outcome = engine.fire(case, "hold_ceremony", "cell", late, higher_consent=True)
        assert outcome.accepted
        assert outcome.violations == ()


# -- probation and recognition ---------------------------------------------------------

CEREMONY = D(2023, 10, 16)
PROBATION_END = D(2024, 10, 16)
RECOGNITION_DUE = D(2024, 11, 27)  # 30 working days after the 12 months, no days off between


def on_probation(engine: af.Engine, **candidate: object) -> af.Case:
    return drive(
        engine,
        new_case(engine, **candidate),
        "probation",
        voted=VOTED,
        decided=D(2023, 10, 2),
        ceremony=CEREMONY,
    )


def recognition_vote(
    engine: af.Engine,
    case: af.Case,
    on: dt.date,
    in_favour: int = 20,
    outcome: str = "recognize",
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


def committee_after(engine: af.Engine, case: af.Case, on: dt.date) -> af.Case:
    """The grassroots committee's vote after the cell's (revision 3: recognition goes through it)."""
    return fire_ok(
        engine,
        case,
        "committee_vote",
        "grassroots_committee",
        on,
        in_favour=13,
        committee_members=15,
    )


def test_recognition_vote_before_12_months_is_refused(engine: af.Engine) -> None:
    """The day before 12 months of probation end, the recognition vote is refused."""
    case = on_probation(engine)
    outcome = recognition_vote(engine, case, PROBATION_END - DAY)
    violation = only(outcome, "probation.twelve_months")
    assert violation.message == af.Text(
        "Chỉ xét công nhận đảng viên chính thức sau khi hết 12 tháng dự bị "
        "(từ 16/10/2023 đến 16/10/2024).",
        "Recognition is considered only after the 12 months of probation "
        "(2023-10-16 to 2024-10-16).",
    )
    assert outcome.case is case


def test_recognition_vote_when_12_months_end_passes(engine: af.Engine) -> None:
    """On the day 12 months of probation end, the recognition vote is accepted."""
    outcome = recognition_vote(engine, on_probation(engine), PROBATION_END)
    assert outcome.accepted
    assert (outcome.violations, outcome.warnings) == ((), ())


def test_recognition_deadline_is_counted_from_the_end_of_probation(engine: af.Engine) -> None:
    """``recognition_due`` is 30 working days after the 12 months, and says so."""
    assert nth_working_day(PROBATION_END, 30, frozenset()) == RECOGNITION_DUE
    (deadline,) = engine.pending(on_probation(engine))
    assert (deadline.name, deadline.start, deadline.due) == (
        "recognition_due",
        CEREMONY,
        RECOGNITION_DUE,
    )
    assert deadline.basis.en == (
        "30 working days after the 12 months from “Hold the admission ceremony” on 2023-10-16 "
        "(2024-10-16), not counting weekends: due 2024-11-27"
    )


def test_late_recognition_vote_only_warns(engine: af.Engine) -> None:
    """A recognition vote after its due date is accepted with a ``recognition.deadline`` warning."""
    case = on_probation(engine)
    on_time = recognition_vote(engine, case, RECOGNITION_DUE)
    assert on_time.accepted
    assert on_time.warnings == ()
    late = recognition_vote(engine, case, RECOGNITION_DUE + DAY)
    assert late.accepted
    assert late.violations == ()
    assert rule_ids(late.warnings) == ["recognition.deadline"]
    assert late.warnings[0].message.en == (
        "The cell considered recognition on 2024-11-28, past its due date 2024-11-27 "
        "(30 working days after probation ended)."
    )


def test_recognize_needs_a_passing_recognize_vote(engine: af.Engine) -> None:
    """``recognize`` is refused with no vote, a short vote, or a vote to remove."""
    case = on_probation(engine)
    decided = {"decision_date": D(2024, 11, 1)}
    for before in (
        case,
        recognition_vote(engine, case, PROBATION_END, in_favour=19).case,
        committee_after(
            engine,
            recognition_vote(engine, case, PROBATION_END, outcome="remove").case,
            PROBATION_END,
        ),
    ):
        outcome = engine.fire(before, "recognize", "competent_committee", D(2024, 11, 1), **decided)
        violation = only(outcome, "recognition.vote_passed")
        assert violation.message.en == (
            "No cell vote for recognition as an official member with at least two-thirds "
            "of official members in favour is on file."
        )
    passed = committee_after(
        engine, recognition_vote(engine, case, PROBATION_END).case, PROBATION_END
    )
    outcome = engine.fire(passed, "recognize", "competent_committee", D(2024, 11, 1), **decided)
    assert outcome.accepted
    assert outcome.case.state == "official"


def test_remove_from_probation_needs_a_passing_remove_vote(engine: af.Engine) -> None:
    """``remove_from_probation`` needs a passing vote whose outcome is ``remove``."""
    case = on_probation(engine)
    decided = {"decision_date": D(2024, 11, 1)}
    recognized = committee_after(
        engine, recognition_vote(engine, case, PROBATION_END).case, PROBATION_END
    )
    outcome = engine.fire(
        recognized, "remove_from_probation", "competent_committee", D(2024, 11, 1), **decided
    )
    violation = only(outcome, "recognition.vote_passed")
    assert "removal from the probationary list" in violation.message.en
    assert "xóa tên khỏi danh sách đảng viên dự bị" in violation.message.vi
    removal = committee_after(
        engine, recognition_vote(engine, case, PROBATION_END, outcome="remove").case, PROBATION_END
    )
    outcome = engine.fire(
        removal, "remove_from_probation", "competent_committee", D(2024, 11, 1), **decided
    )
    assert outcome.accepted
    assert outcome.case.state == "removed"


def test_three_failed_recognition_votes_escalate(engine: af.Engine) -> None:
    """The third recognition vote short of two-thirds sends the case to ``escalated``."""
    case = on_probation(engine)
    for n, outcome_name in enumerate(("recognize", "remove")):
        short = recognition_vote(engine, case, PROBATION_END + n * DAY, 10, outcome_name)
        assert (short.step.recorded, short.step.to_state, short.warnings) == (True, "probation", ())
        case = short.case
    third = recognition_vote(engine, case, PROBATION_END + 2 * DAY, 10)
    assert (third.step.accepted, third.step.recorded) == (False, True)
    assert (third.step.from_state, third.step.to_state) == ("probation", "escalated")
    assert third.case.state == "escalated"
    assert third.case.history[-1] is third.step
    assert rule_ids(third.violations) == ["vote.two_thirds"]
    assert rule_ids(third.warnings) == ["recognition.escalation"]
    assert third.warnings[0].message.en == (
        "After 3 votes short of two-thirds, the case goes to the competent committee to decide."
    )
    # Revision 2: `escalated` is not final; the competent committee decides from it.
    assert not engine.is_closed(third.case)


def test_two_failed_votes_then_a_passing_one_do_not_escalate(engine: af.Engine) -> None:
    """Two short recognition votes and then a passing one leave the case on probation."""
    case = on_probation(engine)
    for n in range(2):
        case = recognition_vote(engine, case, PROBATION_END + n * DAY, 10).case
    third = recognition_vote(engine, case, PROBATION_END + 2 * DAY)
    assert third.accepted
    assert third.case.state == "probation"
    assert third.warnings == ()


# -- withdraw and reject -----------------------------------------------------------------


@pytest.mark.parametrize("until", ["identified", "mentored", "course", "dossier", "voted"])
@pytest.mark.parametrize(
    ("event", "by", "target"),
    [
        ("withdraw", "candidate", "withdrawn"),
        ("withdraw", "cell", "withdrawn"),
        ("reject", "cell", "rejected"),
        ("reject", "competent_committee", "rejected"),
    ],
)
def test_withdraw_and_reject_before_admission(
    engine: af.Engine, until: str, event: str, by: str, target: str
) -> None:
    """Before admission a case can be withdrawn or rejected."""
    case = drive(engine, new_case(engine), until)
    outcome = engine.fire(case, event, by, case.history[-1].on, reason="moved away")
    assert outcome.accepted
    assert outcome.case.state == target
    assert engine.is_closed(outcome.case)


@pytest.mark.parametrize("until", ["admitted", "probation", "official"])
@pytest.mark.parametrize(("event", "by"), [("withdraw", "candidate"), ("reject", "cell")])
def test_withdraw_and_reject_after_admission_are_refused(
    engine: af.Engine, until: str, event: str, by: str
) -> None:
    """From admission on, withdraw and reject are refused with ``event.state``."""
    case = drive(engine, new_case(engine), until)
    outcome = engine.fire(case, event, by, case.history[-1].on)
    assert rule_ids(outcome.violations) == ["event.state"]
    assert outcome.case is case


# -- the case's dates ------------------------------------------------------------------


def test_case_dates_through_to_official(engine: af.Engine) -> None:
    """Probation runs 12 months from the ceremony; membership counts from the decision date."""
    case = drive(engine, new_case(engine), "committee", voted=VOTED)
    case = fire_ok(
        engine,
        case,
        "decide_admission",
        "competent_committee",
        D(2023, 10, 5),
        decision_date=D(2023, 10, 2),
    )
    case = fire_ok(engine, case, "hold_ceremony", "cell", CEREMONY)
    case = committee_after(
        engine, recognition_vote(engine, case, PROBATION_END).case, PROBATION_END
    )
    due = {
        "decision_due": DECISION_DUE,
        "ceremony_due": nth_working_day(D(2023, 10, 2), 30, frozenset()),
        "recognition_due": RECOGNITION_DUE,
        # Revision 3: 30 working days from the passing recognition vote.
        "recognition_decision_due": nth_working_day(PROBATION_END, 30, frozenset()),
    }
    assert due["ceremony_due"] == D(2023, 11, 13)
    assert engine.dates(case) == {
        "membership_counted_from": D(2023, 10, 2),
        "probation_start": CEREMONY,
        "probation_end": PROBATION_END,
        **due,
    }
    # Recognised three months late: official from the end of probation all the same.
    late = D(2025, 1, 15)
    official = fire_ok(engine, case, "recognize", "competent_committee", late, decision_date=late)
    assert engine.dates(official) == {
        "membership_counted_from": D(2023, 10, 2),
        "probation_start": CEREMONY,
        "probation_end": PROBATION_END,
        "official_from": PROBATION_END,
        **due,
    }
    assert engine.pending(official) == ()


def test_removed_member_has_no_official_date(engine: af.Engine) -> None:
    """A member removed from probation never gets ``official_from``."""
    case = recognition_vote(engine, on_probation(engine), PROBATION_END, outcome="remove").case
    case = committee_after(engine, case, PROBATION_END)
    removed = fire_ok(
        engine,
        case,
        "remove_from_probation",
        "competent_committee",
        D(2024, 11, 1),
        decision_date=D(2024, 11, 1),
    )
    assert "official_from" not in engine.dates(removed)
    assert engine.dates(removed)["probation_end"] == PROBATION_END


def test_dates_before_admission_are_only_due_dates(engine: af.Engine) -> None:
    """Before the decision the case has only the decision's due date."""
    assert engine.dates(drive(engine, new_case(engine), "ready")) == {}
    assert engine.dates(drive(engine, new_case(engine), "voted", voted=VOTED)) == {
        "decision_due": DECISION_DUE
    }
