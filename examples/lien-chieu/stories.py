"""Liên Chiểu, 2023: tạo nguồn và kết nạp đảng viên ở phường Hòa Hiệp Bắc.

Finding and admitting new party members in Hòa Hiệp Bắc ward, Liên Chiểu district,
Đà Nẵng: the setting of the article the project grew from (see ``README.md``).

Run it after ``pip install .``::

    python examples/lien-chieu/stories.py

This is admission_flow as a developer embeds it in a party-administration system:
one engine for the standard procedure ``vn-2021`` and the members its events name;
one case per candidate; each event fired for an actor on a date, coming back either
accepted or with every reason it was refused (rule id, Vietnamese and English
message, the article it enforces). ``available()`` says what an actor may do next
and what is still missing; ``pending()`` and ``dates()`` give the deadlines, each
explaining how its working days were counted (weekends, Tết and the other public
holidays left out).

The cell of residential area no. 14 (Chi bộ khu dân cư số 14) has 29 official
members, as in the article. Every candidate and member here is invented.
"""

from __future__ import annotations

import datetime as dt
import sys
from typing import Any

import admission_flow as af

D = dt.date

# -- The units and the members the events name ----------------------------------------

#: The cell of residential area no. 14, Hòa Hiệp Bắc ward: 29 official members.
KDC_14 = af.Unit(id="kdc-14", kind="residential", official_members=29, has_youth_union=True)
#: The cell of a primary school of the same ward (invented): 14 official members.
SCHOOL = af.Unit(id="th-hhb", kind="school", official_members=14, has_youth_union=True)

MEMBERS = [
    af.Member(id="m-binh", status="official", since=D(1996, 3, 26)),  # KDC 14, cell secretary
    af.Member(id="m-thao", status="official", since=D(2008, 5, 19)),  # KDC 14
    af.Member(id="m-khang", status="official", since=D(2017, 2, 3)),  # KDC 14, Youth Union
    af.Member(id="m-ngoc", status="probationary", since=D(2023, 1, 6)),  # KDC 14, admitted 2023
    af.Member(id="m-quyen", status="official", since=D(2009, 9, 2)),  # the school, a teacher
    af.Member(
        id="m-loan", status="official", since=D(2004, 11, 20)
    ),  # the school, there since 2023-01-03
]


# -- Printing, Vietnamese first ------------------------------------------------------


def both(text: af.Text, indent: str) -> str:
    """A message in Vietnamese, then in English on the next line."""
    return f"{indent}{text.vi}\n{indent}{text.en}"


def print_violation(mark: str, violation: af.Violation, indent: str = "      ") -> None:
    print(f"{indent}{mark} [{violation.rule}] ({violation.source})")
    print(both(violation.message, indent + "  "))


def print_deadline(deadline: af.Deadline, indent: str = "      ") -> None:
    print(f"{indent}⏱ hạn / due {deadline.name}: {deadline.due.isoformat()}")
    print(both(deadline.basis, indent + "  "))


class Story:
    """One candidate's case, told step by step as the engine decides each event."""

    def __init__(self, engine: af.Engine, candidate: af.Person, unit: af.Unit) -> None:
        self.engine = engine
        self.procedure = engine.procedure
        self.case = engine.open(candidate.id, candidate, unit)
        self.refusals = 0
        self.warnings = 0

    def fire(self, event: str, actor: af.Actor | str, on: dt.date, **facts: Any) -> af.Outcome:
        """Fire one event, print what came of it, and keep the case it leads to."""
        outcome = self.engine.fire(self.case, event, actor, on, **facts)
        self.case = outcome.case
        step = outcome.step
        label = self.procedure.events[event].label
        if step.accepted:
            mark, verdict = "✓", af.Text("", "")
        elif step.recorded:
            mark, verdict = "●", af.Text(" — GHI NHẬN, KHÔNG ĐẠT", " — RECORDED, NOT PASSED")
        else:
            mark, verdict = "✗", af.Text(" — TỪ CHỐI", " — REFUSED")
            self.refusals += 1
        by = self.procedure.roles[step.actor.role].label
        who = "" if step.actor.id is None else f" {step.actor.id}"
        print(f"  {mark} {on.isoformat()}  {label.vi} · {by.vi}{who}{verdict.vi}")
        print(f"                {label.en} · {by.en}{who}{verdict.en}")
        if step.to_state != step.from_state:
            state = self.procedure.state_label(step.to_state)
            print(f"                → {state.vi} / {state.en}")
        if len(step.violations) > 1:
            print(f"      {len(step.violations)} lý do cùng lúc / reasons at once:")
        for violation in step.violations:
            print_violation("✗", violation)
        for warning in step.warnings:
            self.warnings += 1
            print_violation("! cảnh báo / warning", warning)
        for deadline in step.deadlines_met:
            late = deadline.met_on is not None and deadline.met_on > deadline.due
            status = "QUÁ HẠN / LATE" if late else "đúng hạn / on time"
            print(f"      ⏱ {deadline.name} {deadline.due.isoformat()}: {status}")
        for deadline in step.deadlines_set:
            print_deadline(deadline)
        return outcome

    def show_available(self, actor: af.Actor | str, on: dt.date, **facts: Any) -> None:
        """What ``actor`` may do next, and for what is blocked, why (nothing is fired)."""
        who = self.procedure.roles[self.engine.check_actor(actor).role].label
        print(
            f"    ? {on.isoformat()}  {who.vi} có thể làm gì? / What may the {who.en.lower()} do?"
        )
        for option in self.engine.available(self.case, actor, on, **facts):
            label = self.procedure.events[option.event].label
            mark = "được / allowed" if option.allowed else "chưa được / blocked"
            print(f"      - {option.event}: {label.vi} / {label.en}: {mark}")
            if option.needs:
                print(f"          còn cần dữ kiện / still needs facts: {', '.join(option.needs)}")
            for violation in option.violations:
                print_violation("✗", violation, indent="          ")


def heading(title: af.Text, candidate: af.Person, unit: af.Unit) -> None:
    print()
    print(f"== {candidate.name} ({candidate.id}, {unit.id}) ==")
    print(f"   {title.vi}")
    print(f"   {title.en}")


# -- The candidates (all invented) ----------------------------------------------------


def huong(engine: af.Engine) -> Story:
    """A residential-group deputy, the standard route, through to official membership."""
    person = af.Person(
        id="c-huong",
        name="Nguyễn Thị Mai Hương",
        born=D(1985, 4, 17),
        education="upper_secondary",
        positions=["residential_group_deputy"],
    )
    heading(
        af.Text(
            "Tổ phó tổ dân phố; diện thông thường: hai đảng viên chính thức giới thiệu.",
            "Deputy head of a residential group; standard route: two official members introduce her.",
        ),
        person,
        KDC_14,
    )
    story = Story(engine, person, KDC_14)
    story.fire("identify", "cell_committee", D(2023, 3, 1), source_group="residential_cadre")
    story.fire("assign_mentor", "cell", D(2023, 3, 10), mentor="m-binh")
    story.fire(
        "complete_course", "training_center", D(2023, 5, 19), certificate_date=D(2023, 5, 19)
    )
    story.fire("open_dossier", "cell", D(2023, 6, 5))
    # The cell secretary asks what is still missing before the cell can vote.
    story.show_available("cell", D(2023, 6, 5))
    story.fire("submit_application", "candidate", D(2023, 6, 12))
    story.fire("submit_history", "candidate", D(2023, 6, 12))
    story.fire("verify_background", "grassroots_committee", D(2023, 7, 20), result="clear")
    story.fire("introduce", af.Actor("member", "m-binh"), D(2023, 8, 1), known_since=D(2010, 1, 1))
    story.fire("introduce", af.Actor("member", "m-thao"), D(2023, 8, 1), known_since=D(2016, 5, 1))
    story.fire(
        "record_opinions",
        "cell_committee",
        D(2023, 8, 10),
        residence="favourable",
        organizations="favourable",
    )
    story.fire("cell_vote", "cell", D(2023, 8, 15), in_favour=27, official_members=29)
    story.fire(
        "committee_vote", "grassroots_committee", D(2023, 8, 25), in_favour=13, committee_members=15
    )
    story.fire(
        "decide_admission", "competent_committee", D(2023, 9, 20), decision_date=D(2023, 9, 20)
    )
    story.fire("hold_ceremony", "cell", D(2023, 10, 10))
    # A month before the year of probation ends: the recognition vote must wait.
    story.show_available(
        "cell", D(2024, 9, 16), in_favour=27, official_members=29, outcome="recognize"
    )
    story.fire(
        "recognition_vote",
        "cell",
        D(2024, 10, 14),
        in_favour=26,
        official_members=29,
        outcome="recognize",
    )
    # Revision 3: recognition goes through the grassroots committee too.
    story.fire(
        "committee_vote",
        "grassroots_committee",
        D(2024, 10, 21),
        in_favour=13,
        committee_members=15,
    )
    story.fire("recognize", "competent_committee", D(2024, 10, 25), decision_date=D(2024, 10, 25))
    return story


def duc(engine: af.Engine) -> Story:
    """A Youth Union member whose first cell vote is refused for several reasons at once."""
    person = af.Person(
        id="c-duc",
        name="Trần Minh Đức",
        born=D(2001, 10, 2),
        education="university",
        organizations=["youth_union"],
        positions=["youth_union_branch_deputy"],
    )
    heading(
        af.Text(
            "Phó bí thư chi đoàn, 21 tuổi; diện đoàn viên: BCH Đoàn cơ sở và một đảng viên chính thức giới thiệu.",
            "Deputy secretary of the Youth Union branch, 21; Youth Union route: the Youth Union "
            "committee and one official member introduce him.",
        ),
        person,
        KDC_14,
    )
    story = Story(engine, person, KDC_14)
    story.fire("identify", "cell_committee", D(2023, 3, 1), source_group="youth_union")
    story.fire("assign_mentor", "cell", D(2023, 3, 10), mentor="m-khang")
    story.fire(
        "complete_course", "training_center", D(2023, 5, 19), certificate_date=D(2023, 5, 19)
    )
    story.fire("open_dossier", "cell", D(2023, 6, 5))
    story.fire("submit_application", "candidate", D(2023, 6, 12))
    story.fire("verify_background", "grassroots_committee", D(2023, 7, 20), result="clear")
    # A probationary member may not introduce anyone.
    story.fire("introduce", af.Actor("member", "m-ngoc"), D(2023, 8, 1), known_since=D(2019, 1, 1))
    story.fire(
        "record_opinions",
        "cell_committee",
        D(2023, 8, 10),
        residence="favourable",
        organizations="favourable",
    )
    # The personal history is missing, nobody valid has introduced him, and only 18 of 29
    # vote in favour: one refusal, every reason at once.
    story.fire("cell_vote", "cell", D(2023, 8, 15), in_favour=18, official_members=29)
    story.fire("submit_history", "candidate", D(2023, 8, 21))
    story.fire("introduce", "youth_union_committee", D(2023, 8, 22))
    story.fire(
        "introduce", af.Actor("member", "m-khang"), D(2023, 8, 22), known_since=D(2018, 9, 5)
    )
    story.fire("cell_vote", "cell", D(2023, 9, 12), in_favour=24, official_members=29)
    # Under two-thirds of the ward committee: recorded and reported up, never a block.
    story.fire(
        "committee_vote", "grassroots_committee", D(2023, 9, 19), in_favour=9, committee_members=15
    )
    story.fire(
        "decide_admission", "competent_committee", D(2023, 10, 12), decision_date=D(2023, 10, 12)
    )
    story.fire("hold_ceremony", "cell", D(2023, 10, 24))
    return story


def tam(engine: af.Engine) -> Story:
    """A homeroom teacher: an introducer known for 11 months, and deadlines across Tết 2024."""
    person = af.Person(
        id="c-tam",
        name="Lê Thị Thanh Tâm",
        born=D(1989, 8, 30),
        education="university",
        organizations=["trade_union"],
        positions=["homeroom_teacher"],
    )
    heading(
        af.Text(
            "Giáo viên chủ nhiệm lớp ở một trường tiểu học của phường; hạn tính qua Tết Giáp Thìn 2024.",
            "A homeroom teacher at a primary school of the ward; deadlines across Tết 2024.",
        ),
        person,
        SCHOOL,
    )
    story = Story(engine, person, SCHOOL)
    story.fire("identify", "cell_committee", D(2023, 9, 11), source_group="teachers")
    story.fire("assign_mentor", "cell", D(2023, 9, 18), mentor="m-quyen")
    story.fire(
        "complete_course", "training_center", D(2023, 11, 17), certificate_date=D(2023, 11, 17)
    )
    story.fire("open_dossier", "cell", D(2023, 11, 27))
    story.fire("submit_application", "candidate", D(2023, 12, 4))
    story.fire("submit_history", "candidate", D(2023, 12, 4))
    # m-loan came to the school on 2023-01-03: 11 months, one short of the 12 needed.
    story.fire("introduce", af.Actor("member", "m-loan"), D(2023, 12, 6), known_since=D(2023, 1, 3))
    story.fire(
        "introduce", af.Actor("member", "m-quyen"), D(2023, 12, 6), known_since=D(2016, 8, 15)
    )
    story.fire("verify_background", "grassroots_committee", D(2024, 1, 2), result="clear")
    # A year to the day after she came: now she may introduce.
    story.fire("introduce", af.Actor("member", "m-loan"), D(2024, 1, 3), known_since=D(2023, 1, 3))
    story.fire(
        "record_opinions",
        "cell_committee",
        D(2024, 1, 10),
        residence="favourable",
        organizations="favourable",
    )
    # Tết 2024 (8 to 14 February) does not count: both deadlines move a week later.
    story.fire("cell_vote", "cell", D(2024, 1, 15), in_favour=12, official_members=14)
    story.fire(
        "committee_vote", "grassroots_committee", D(2024, 1, 22), in_favour=13, committee_members=15
    )
    story.fire(
        "decide_admission", "competent_committee", D(2024, 1, 25), decision_date=D(2024, 1, 25)
    )
    story.fire("hold_ceremony", "cell", D(2024, 3, 12))
    return story


def toan(engine: af.Engine) -> Story:
    """A residential-group head with primary schooling: checked before the vote, not fired."""
    person = af.Person(
        id="c-toan",
        name="Đinh Văn Toàn",
        born=D(1968, 12, 5),
        education="primary",
        positions=["residential_group_head"],
    )
    heading(
        af.Text(
            "Tổ trưởng tổ dân phố, học hết tiểu học; chi bộ kiểm tra trước khi họp xét.",
            "Head of a residential group, primary schooling; the cell checks before it meets.",
        ),
        person,
        KDC_14,
    )
    story = Story(engine, person, KDC_14)
    story.fire("identify", "cell_committee", D(2023, 3, 1), source_group="residential_cadre")
    story.fire("assign_mentor", "cell", D(2023, 3, 10), mentor="m-thao")
    story.fire(
        "complete_course", "training_center", D(2023, 6, 16), certificate_date=D(2023, 6, 16)
    )
    story.fire("open_dossier", "cell", D(2023, 6, 19))
    story.fire("submit_application", "candidate", D(2023, 6, 26))
    story.fire("submit_history", "candidate", D(2023, 6, 26))
    story.fire("verify_background", "grassroots_committee", D(2023, 7, 24), result="clear")
    story.fire("introduce", af.Actor("member", "m-binh"), D(2023, 8, 1), known_since=D(1999, 1, 1))
    story.fire("introduce", af.Actor("member", "m-thao"), D(2023, 8, 1), known_since=D(2008, 6, 1))
    story.fire(
        "record_opinions",
        "cell_committee",
        D(2023, 8, 10),
        residence="favourable",
        organizations="favourable",
    )
    # With the vote's figures given, available() checks every rule without firing anything.
    story.show_available("cell", D(2023, 8, 15), in_favour=27, official_members=29)
    return story


# -- The summary ----------------------------------------------------------------------


def summary(engine: af.Engine, stories: list[Story]) -> None:
    print()
    print("== Tóm tắt / Summary ==")
    for story in stories:
        case = story.case
        state = engine.procedure.state_label(case.state)
        print(
            f"  {case.candidate.name:<22} {case.unit.id:<7} {case.state:<10} {state.vi} / {state.en}"
        )
        print(
            f"  {'':<22} từ chối / refused: {story.refusals}, cảnh báo / warnings: {story.warnings}"
        )
        dates = engine.dates(case)
        if "official_from" in dates:
            print(
                f"  {'':<22} tuổi đảng tính từ / membership counted from "
                f"{dates['membership_counted_from'].isoformat()}; chính thức từ / official from "
                f"{dates['official_from'].isoformat()}"
            )
        for deadline in engine.pending(case):
            print(f"  {'':<22} hạn đang chờ / pending: {deadline.name} {deadline.due.isoformat()}")
    quarter = [
        story.case.candidate.name
        for story in stories
        if any(
            D(2023, 4, 1) <= s.on <= D(2023, 6, 30) for s in story.case.steps_of("complete_course")
        )
    ]
    print(
        f"  Quý II/2023: {len(quarter)} quần chúng học xong lớp bồi dưỡng (kế hoạch: ít nhất 10)."
    )
    print(f"  Q2 2023: {len(quarter)} candidates finished the course (the plan: at least 10).")


def main() -> int:
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:  # Vietnamese text on any console
        reconfigure(encoding="utf-8")
    # Only the built-in rules, so the account does not depend on what else is installed.
    engine = af.Engine.load("vn-2021", plugins=af.Plugins(entry_points=False), members=MEMBERS)
    title = engine.procedure.title
    print(f"{title.vi}\n{title.en}")
    print(
        "Phường Hòa Hiệp Bắc, quận Liên Chiểu, Đà Nẵng; chi bộ khu dân cư số 14: 29 đảng viên chính thức."
    )
    print(
        "Hòa Hiệp Bắc ward, Liên Chiểu district, Đà Nẵng; residential area no. 14: 29 official members."
    )
    print(
        "✓ chấp nhận / accepted   ✗ từ chối / refused   ● ghi nhận, không đạt / recorded, not passed"
    )
    stories = [huong(engine), duc(engine), tam(engine), toan(engine)]
    summary(engine, stories)
    return 0


if __name__ == "__main__":
    sys.exit(main())
