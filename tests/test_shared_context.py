"""Rules share what they compute within one judgement, through the EventContext (issue 20).

``context.age_in_months`` and ``context.shared(key, compute)`` compute a value once per
judgement for every rule of it that asks, and forget it with the context: the next
``fire()`` computes it again. Rules keep their ``check(context, params)`` signature.
"""

from __future__ import annotations

import datetime as dt
import types
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

import admission_flow as af
from admission_flow.calendar import WeekdayCalendar

D = dt.date
#: 18 years old on 2 March 2024.
BORN = D(2006, 3, 2)

PROCEDURE = """\
procedure: ward-trial
title: {vi: Xét thử ở phường, en: A ward trial}
roles:
  clerk: {vi: Văn thư, en: Clerk}
states:
  open: {vi: Đang xét, en: Open}
  done: {vi: Xong, en: Done, final: true}
events:
  start: {vi: Mở hồ sơ, en: Open the file, opens_case: true, to: open, by: clerk}
  check:
    vi: Xét
    en: Check
    from: open
    to: done
    by: clerk
    facts:
      resident_since: {type: date}
    rules: [ward.residence, ward.adult_resident]
rules:
  ward.residence:
    source: Hướng dẫn phường §1
    message:
      vi: "Mới cư trú {lived} tháng."
      en: "Resident for only {lived} months."
  ward.adult_resident:
    source: Hướng dẫn phường §2
    message:
      vi: "Chưa đủ 18 tuổi ({age} tháng) và mới cư trú {lived} tháng."
      en: "Under 18 ({age} months) and resident for only {lived} months."
"""


class Ward:
    """Two rules that share the months of residence; counts how often it is computed."""

    def __init__(self) -> None:
        self.computed = 0
        self.ages: list[int] = []

    def months(self, context: af.EventContext) -> int | None:
        self.computed += 1
        since = context.facts.get("resident_since")
        return None if since is None else af.months_between(since, context.on)

    def module(self) -> types.ModuleType:
        @af.rule("ward.residence", params={"months": 6}, details={"lived"})
        def residence(context: af.EventContext, params: Mapping[str, Any]) -> Any:
            lived = context.shared(("ward", "residence_months"), self.months)
            return None if lived is None or lived >= params["months"] else {"lived": lived}

        @af.rule("ward.adult_resident", details={"age", "lived"})
        def adult_resident(context: af.EventContext, params: Mapping[str, Any]) -> Any:
            lived = context.shared(("ward", "residence_months"), self.months)
            age = context.age_in_months
            self.ages.append(age)
            if age >= 216 or lived is None or lived >= 12:
                return None
            return {"age": age, "lived": lived}

        module = types.ModuleType("ward")
        module.admission_flow_add_rules = af.hookimpl(lambda: [residence, adult_resident])  # type: ignore[attr-defined]
        return module


@pytest.fixture
def ward() -> Ward:
    return Ward()


@pytest.fixture
def engine(tmp_path: Path, ward: Ward) -> af.Engine:
    path = tmp_path / "ward-trial.yaml"
    path.write_text(PROCEDURE, encoding="utf-8")
    plugins = af.Plugins([ward.module()], entry_points=False)
    return af.Engine.load(path, plugins=plugins, calendar=WeekdayCalendar())


def _opened(engine: af.Engine, born: dt.date = BORN) -> af.Case:
    person = af.Person(id="c-an", name="Phạm Văn An", born=born, education="university")
    case = engine.open("c-an", person, af.Unit(id="kdc-1", kind="residential"))
    return engine.fire(case, "start", "clerk", D(2024, 1, 2)).case


def test_two_rules_of_one_judgement_share_one_computation(engine: af.Engine, ward: Ward) -> None:
    case = _opened(engine)
    outcome = engine.fire(case, "check", "clerk", D(2024, 3, 1), resident_since=D(2023, 12, 1))
    assert [v.rule for v in outcome.violations] == ["ward.residence", "ward.adult_resident"]
    assert outcome.violations[0].message.en == "Resident for only 3 months."
    assert outcome.violations[1].details == {"age": 215, "lived": 3}
    assert ward.computed == 1


def test_a_shared_value_does_not_outlive_its_judgement(engine: af.Engine, ward: Ward) -> None:
    case = _opened(engine)
    first = engine.fire(case, "check", "clerk", D(2024, 3, 1), resident_since=D(2023, 12, 1))
    second = engine.fire(case, "check", "clerk", D(2024, 9, 1), resident_since=D(2023, 12, 1))
    assert ward.computed == 2  # once per judgement, each with its own date
    assert first.violations[0].details == {"lived": 3}
    assert second.accepted  # 9 months of residence, and 18 on 2 March 2024
    assert ward.ages == [215, 221]  # 1 September 2024: 18 years 5 months
    options = engine.available(case, "clerk", D(2024, 3, 1), resident_since=D(2023, 12, 1))
    assert [o.event for o in options] == ["check"]
    assert not options[0].allowed
    assert ward.computed == 3


@pytest.mark.parametrize(
    ("on", "age", "refused"),
    [(D(2024, 3, 1), 215, True), (D(2024, 3, 2), 216, False)],
)
def test_age_in_months_is_the_age_on_the_events_date(
    engine: af.Engine, ward: Ward, on: dt.date, age: int, refused: bool
) -> None:
    """18 years to the day on 2 March 2024 (born 2 March 2006); the day before, 215 months."""
    case = _opened(engine)
    outcome = engine.fire(case, "check", "clerk", on, resident_since=D(2023, 12, 1))
    assert ward.ages == [age]
    assert ("ward.adult_resident" in [v.rule for v in outcome.violations]) is refused


def test_a_rule_written_without_the_shared_values_keeps_working(tmp_path: Path) -> None:
    """A check that only reads the context's older attributes is called exactly as before."""

    @af.rule("ward.residence", params={"months": 6}, details={"lived"})
    def residence(context: af.EventContext, params: Mapping[str, Any]) -> Any:
        since = context.facts.get("resident_since")
        lived = af.months_between(since, context.on) if since else 0
        return None if lived >= params["months"] else {"lived": lived}

    @af.rule("ward.adult_resident", details={"age", "lived"})
    def adult_resident(context: af.EventContext, params: Mapping[str, Any]) -> Any:
        return None if context.candidate.age_in_months(context.on) >= 216 else {}

    module = types.ModuleType("old-ward")
    module.admission_flow_add_rules = af.hookimpl(lambda: [residence, adult_resident])  # type: ignore[attr-defined]
    path = tmp_path / "ward-trial.yaml"
    path.write_text(PROCEDURE, encoding="utf-8")
    engine = af.Engine.load(
        path, plugins=af.Plugins([module], entry_points=False), calendar=WeekdayCalendar()
    )
    case = _opened(engine, born=D(2000, 1, 1))
    refused = engine.fire(case, "check", "clerk", D(2024, 3, 1), resident_since=D(2024, 1, 1))
    assert [v.rule for v in refused.violations] == ["ward.residence"]
    accepted = engine.fire(case, "check", "clerk", D(2024, 7, 1), resident_since=D(2024, 1, 1))
    assert accepted.accepted
