"""The invented people of Liên Chiểu and what happens to them, generated from a seed.

Everyone here is invented: names are drawn from common Vietnamese name parts (the
article's real people excluded), dates from a seeded ``random.Random``, so every
run makes the same people and the same events. The shape follows the article:
in Hòa Hiệp Bắc ward, since the start of the term (October 2020), 73 people went
to the party-awareness course and 20 were admitted; the cell of residential area
no. 14 sent 2 to the course in Q2 2023 and put more on its source list; Hòa
Khánh Nam admits fewer than it should; a high school's students turn 18 just
before they graduate; the district's health centre admits a few.

A ``Story`` is one person's case: who, in which unit, and the events fired on
it, in date order. ``stories(tree)`` makes them all.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import admission_flow as af
from admission_flow import units

SEED = 20230630
#: The report's date: the end of Q2 2023, when the article was written.
AS_OF = dt.date(2023, 6, 30)
TERM_START = dt.date(2020, 10, 1)

D = dt.date
Event = tuple[str, "af.Actor | str", dt.date, dict[str, Any]]

SURNAMES = [
    "Nguyễn",
    "Trần",
    "Lê",
    "Phạm",
    "Hoàng",
    "Huỳnh",
    "Võ",
    "Đặng",
    "Bùi",
    "Đỗ",
    "Dương",
    "Lý",
]
MIDDLE = {"m": ["Văn", "Hữu", "Đức", "Minh", "Quang"], "f": ["Thị", "Ngọc", "Thu", "Mỹ", "Kim"]}
# Given names, the article's real people's left out.
GIVEN = {
    "m": ["Hải", "Phúc", "Toàn", "Khoa", "Sơn", "Tuấn", "Hiếu", "Long", "Thịnh", "Quý", "Nhân"],
    "f": ["Hà", "Trang", "Yến", "Thảo", "Ly", "Hằng", "Nhung", "Oanh", "Phượng", "Quyên", "Tuyết"],
}


@dataclass
class Story:
    """One person's case: the person, the unit, and the events to fire, in date order."""

    person: af.Person
    unit: str
    events: list[Event] = field(default_factory=list)
    #: Indexes of the events the procedure is expected to refuse (a student voted on too young).
    refused: set[int] = field(default_factory=set)


def mentors(unit_id: str) -> tuple[str, str]:
    """The two members of a unit who mentor and introduce its candidates (invented ids)."""
    return f"m-{unit_id}-a", f"m-{unit_id}-b"


def unit_members(node: units.UnitNode) -> list[af.Member]:
    """The members one unit's events name: its two mentors, and those the unit file names."""
    return [
        *node.members,
        *(af.Member(id=mid, status="official", since=D(1995, 1, 1)) for mid in mentors(node.id)),
    ]


class _People:
    """Invented people, numbered, from one seeded random source."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def make(self, born_from: int, born_to: int, **extra: Any) -> af.Person:
        self.count += 1
        sex = self.rng.choice("mf")
        name = " ".join(
            (self.rng.choice(SURNAMES), self.rng.choice(MIDDLE[sex]), self.rng.choice(GIVEN[sex]))
        )
        born = D(
            self.rng.randint(born_from, born_to), self.rng.randint(1, 12), self.rng.randint(1, 28)
        )
        extra.setdefault("education", self.rng.choice(["upper_secondary", "college", "university"]))
        return af.Person(id=f"c-{self.count:04d}", name=name, born=born, **extra)


def _days(start: dt.date, n: int) -> dt.date:
    return start + dt.timedelta(days=n)


def _weekday(day: dt.date) -> dt.date:
    """The day itself, or the Monday after a weekend."""
    while day.weekday() >= 5:
        day += dt.timedelta(days=1)
    return day


def path(
    story: Story,
    start: dt.date,
    *,
    to: str,
    members: int,
    source_group: str,
    recognise_by: dt.date = AS_OF,
) -> Story:
    """The events of a case from ``start`` to the stage ``to``, on a standard route.

    Stages: ``identified``, ``mentored``, ``course``, ``dossier`` (papers in, no vote),
    ``voted`` (the cell and the ward voted, no decision yet), ``admitted`` (through the
    ceremony, recognised a year later if that falls by ``recognise_by``), ``withdrawn``.
    """
    mentor, other = mentors(story.unit)
    on = _weekday(start)
    ev = story.events

    def at(days: int) -> dt.date:
        return _weekday(_days(on, days))

    ev.append(("identify", "cell_committee", on, {"source_group": source_group}))
    if to == "identified":
        return story
    ev.append(("assign_mentor", "cell", at(10), {"mentor": mentor}))
    if to == "mentored":
        return story
    ev.append(("complete_course", "training_center", at(60), {"certificate_date": at(60)}))
    if to == "course":
        return story
    if to == "withdrawn":
        ev.append(("withdraw", "candidate", at(90), {"reason": "chuyển nơi ở / moved away"}))
        return story
    ev.append(("open_dossier", "cell", at(75), {}))
    ev.append(("submit_application", "candidate", at(80), {}))
    ev.append(("submit_history", "candidate", at(80), {}))
    if to == "dossier":
        return story
    ev.append(("verify_background", "grassroots_committee", at(110), {"result": "clear"}))
    known = on - dt.timedelta(days=3 * 365)
    ev.append(("introduce", af.Actor("member", mentor), at(120), {"known_since": known}))
    ev.append(("introduce", af.Actor("member", other), at(120), {"known_since": known}))
    ev.append(
        (
            "record_opinions",
            "cell_committee",
            at(125),
            {"residence": "favourable", "organizations": "favourable"},
        )
    )
    ev.append(
        ("cell_vote", "cell", at(135), {"in_favour": members - 1, "official_members": members})
    )
    ev.append(
        (
            "committee_vote",
            "grassroots_committee",
            at(145),
            {"in_favour": 12, "committee_members": 15},
        )
    )
    if to == "voted":
        return story
    ev.append(("decide_admission", "competent_committee", at(170), {"decision_date": at(170)}))
    ceremony = at(185)
    ev.append(("hold_ceremony", "cell", ceremony, {}))
    vote_on = _weekday(_days(af.add_months(ceremony, 12), 7))
    if _days(vote_on, 14) <= recognise_by:
        ev.append(
            (
                "recognition_vote",
                "cell",
                vote_on,
                {"in_favour": members - 1, "official_members": members, "outcome": "recognize"},
            )
        )
        # Revision 3: the grassroots committee votes on recognition too.
        ev.append(
            (
                "committee_vote",
                "grassroots_committee",
                _days(vote_on, 7),
                {"in_favour": 12, "committee_members": 15},
            )
        )
        ev.append(
            (
                "recognize",
                "competent_committee",
                _days(vote_on, 14),
                {"decision_date": _days(vote_on, 14)},
            )
        )
    return story


def _spread(rng: random.Random, first: dt.date, last: dt.date) -> dt.date:
    return _days(first, rng.randint(0, (last - first).days))


def stories(tree: units.UnitTree, seed: int = SEED) -> Iterator[Story]:
    """Every story of the example, the same ones for the same seed."""
    rng = random.Random(seed)
    people = _People(rng)
    count = {node.id: node.official_members for node in tree}
    hhb_cells = [n.id for n in tree.children("hoa-hiep-bac") if n.id != "kdc-14"]
    groups = ["residential_cadre", "residents", "youth_and_mass_organisations", "militia"]

    def story(unit: str, start: dt.date, to: str, group: str | None = None, **kw: Any) -> Story:
        person = people.make(1966, 1988)
        return path(
            Story(person, unit),
            start,
            to=to,
            members=count[unit],
            source_group=group or rng.choice(groups),
            **kw,
        )

    # Hòa Hiệp Bắc: 19 admissions by its cells other than KDC 14 (20 with KDC 14's below),
    # decided from 2021 to mid-2023; one probation left unrecognised past its due date.
    decisions = (
        [D(2021, m, 10) for m in (3, 5, 7, 9, 11, 12)]
        + [D(2022, m, 15) for m in (3, 4, 6, 8, 10, 12)]
        + [D(2023, m, 12) for m in (1, 2, 3, 4, 5, 6, 6)]
    )
    for index, decided in enumerate(decisions):
        unit = hhb_cells[index % len(hhb_cells)]
        limit = D(2023, 1, 1) if index == 6 else AS_OF  # a year of probation, no vote yet
        yield story(unit, _days(decided, -170), "admitted", recognise_by=limit)
    # 51 more who reached the course this term: most prepare their dossiers, some still
    # wait, a few moved away; one dossier voted in February 2023 waits for its decision.
    yield story(hhb_cells[3], D(2022, 9, 20), "voted")
    for _ in range(50):
        to = rng.choice(["course", "course", "dossier", "dossier", "dossier", "withdrawn"])
        start = _spread(rng, TERM_START, D(2022, 12, 31))
        yield story(rng.choice(hhb_cells), start, to)
    # ...and 24 identified or mentored who have not been to the course yet.
    for _ in range(24):
        yield story(
            rng.choice(hhb_cells),
            _spread(rng, D(2022, 6, 1), D(2023, 6, 1)),
            rng.choice(["identified", "mentored"]),
        )

    # KDC 14: one admitted in 2022; two sent to the course in Q2 2023 ("trước mắt cử 2
    # quần chúng ưu tú đi học"), both key officials who are not members; six more on the
    # source list from the residential groups and the Front committee.
    yield path(
        Story(people.make(1972, 1980), "kdc-14"),
        D(2021, 12, 6),
        to="admitted",
        members=29,
        source_group="residential_cadre",
    )
    holders = {h.id: h for h in tree["kdc-14"].holders}
    for pid, start in (("p-kdc14-03", D(2023, 2, 6)), ("p-kdc14-05", D(2023, 2, 13))):
        name = holders[pid].name or pid
        person = af.Person(
            id=pid,
            name=name,
            born=D(1979, 5, 4),
            education="upper_secondary",
            positions=holders[pid].positions,
        )
        yield path(
            Story(person, "kdc-14"),
            start,
            to="course",
            members=29,
            source_group="residential_cadre",
        )
    for week in range(6):
        yield path(
            Story(people.make(1970, 1990), "kdc-14"),
            D(2023, 4, 3 + week * 7 % 25),
            to="identified",
            members=29,
            source_group="residential_cadre",
        )

    # Hòa Khánh Nam: 18 to the course this term, 6 admitted (one of them in 2023).
    hkn_cells = [n.id for n in tree.children("hoa-khanh-nam")]
    for decided in (
        D(2021, 6, 10),
        D(2021, 11, 10),
        D(2022, 5, 12),
        D(2022, 9, 15),
        D(2022, 12, 8),
        D(2023, 3, 16),
    ):
        yield story(rng.choice(hkn_cells), _days(decided, -170), "admitted")
    for _ in range(12):
        yield story(
            rng.choice(hkn_cells),
            _spread(rng, TERM_START, D(2022, 12, 31)),
            rng.choice(["course", "dossier"]),
        )

    # The district health centre: two admitted in 2023, health workers.
    for decided in (D(2023, 2, 16), D(2023, 5, 18)):
        yield story("ttyt-lc", _days(decided, -170), "admitted", group="health_workers")

    # The high school: five students of grade 12, Youth Union members, who turn 18 in
    # the spring of 2023, before they graduate. The cell votes on 22 May 2023; one is
    # not 18 yet, so the vote is refused for him and held again after his birthday.
    for birthday in (D(2005, 1, 9), D(2005, 2, 21), D(2005, 3, 30), D(2005, 4, 17), D(2005, 6, 5)):
        person = people.make(2005, 2005, education="upper_secondary", organizations=["youth_union"])
        person = af.Person(
            id=person.id,
            name=person.name,
            born=birthday,
            education="upper_secondary",
            organizations=["youth_union"],
        )
        s = Story(person, "thpt-lc")
        s.events += [
            ("identify", "cell_committee", D(2022, 10, 10), {"source_group": "students"}),
            ("assign_mentor", "cell", D(2022, 10, 17), {"mentor": "m-thpt-06"}),
            (
                "complete_course",
                "training_center",
                D(2023, 2, 15),
                {"certificate_date": D(2023, 2, 15)},
            ),
            ("open_dossier", "cell", D(2023, 3, 1), {}),
            ("submit_application", "candidate", D(2023, 3, 6), {}),
            ("submit_history", "candidate", D(2023, 3, 6), {}),
            ("verify_background", "grassroots_committee", D(2023, 4, 10), {"result": "clear"}),
            ("introduce", "youth_union_committee", D(2023, 4, 20), {}),
            (
                "introduce",
                af.Actor("member", "m-thpt-06"),
                D(2023, 4, 20),
                {"known_since": D(2020, 9, 5)},
            ),
            (
                "record_opinions",
                "cell_committee",
                D(2023, 5, 8),
                {"residence": "favourable", "organizations": "favourable"},
            ),
            ("cell_vote", "cell", D(2023, 5, 22), {"in_favour": 29, "official_members": 31}),
        ]
        if birthday > D(2005, 5, 22):
            s.refused.add(len(s.events) - 1)
            s.events.append(
                ("cell_vote", "cell", D(2023, 6, 12), {"in_favour": 28, "official_members": 31})
            )
        yield s
