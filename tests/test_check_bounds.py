"""admission-flow check: bounds that bound, static findings that agree with the search, files.

A procedure whose space is larger than the bounds stops at the first bound
reached and says which, with exit 0 and "not a proof"; bad bounds are refused
before anything runs.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.testing import explore, static_findings
from admission_flow.testing._check import Limits
from admission_flow.testing._scenario_file import scenario_text

#: A kilobyte procedure of ten self-loop events and three roles: its space is
#: far larger than any bound (each event's count and actors are distinguished).
LOOPS = (
    "procedure: loops\n"
    "title: {vi: Vòng lặp, en: Loops}\n"
    "roles:\n"
    "  a: {vi: A, en: A}\n"
    "  b: {vi: B, en: B}\n"
    "  c: {vi: C, en: C}\n"
    "states:\n"
    "  open: {vi: Mở, en: Open}\n"
    "  done: {vi: Xong, en: Done, final: true}\n"
    "events:\n"
    "  start: {vi: Mở, en: Start, opens_case: true, to: open, by: a}\n"
    + "".join(
        f"  loop{i}: {{vi: L{i}, en: L{i}, from: open, to: open, by: [a, b, c], "
        "facts: {n: {type: int}}}\n"
        for i in range(10)
    )
    + "  finish: {vi: Xong, en: Finish, from: open, to: done, by: c}\n"
)


@pytest.fixture
def loops(tmp_path: Path) -> Path:
    path = tmp_path / "loops.yaml"
    path.write_text(LOOPS, encoding="utf-8")
    assert len(LOOPS.encode()) < 1300
    return path


def test_the_state_bound_stops_a_large_space_and_says_so(
    loops: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Exit 0, the bound named, how far it got, and not a proof."""
    assert _cli.main(["check", str(loops), "--max-states", "300"]) == 0
    out = capsys.readouterr().out
    assert re.search(r"loops: explored 300 abstract states .*: stopped by --max-states", out)
    assert (
        "holds in the 300 abstract states explored; not a proof: the search stopped at its "
        "bound (--max-states); raise it to explore further" in out
    )
    assert "every invariant holds" not in out


def test_each_bound_is_named_when_it_stops_the_search(loops: Path) -> None:
    """Depth, seconds and memory each stop the search with their own name."""
    procedure = af.load_procedure(loops)
    by_depth = explore(procedure, limits=Limits(max_depth=2))
    assert (by_depth.complete, by_depth.stopped_by) == (False, "max_depth")
    assert by_depth.depth <= 2
    by_time = explore(procedure, limits=Limits(max_seconds=0))
    assert (by_time.complete, by_time.stopped_by) == (False, "max_seconds")
    by_memory = explore(procedure, limits=Limits(max_memory_mb=0, max_seconds=600))
    assert by_memory.stopped_by in ("max_memory", "max_states")
    assert not by_memory.complete


def test_the_json_report_says_which_bound_stopped_the_search(
    loops: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """--json: complete is false and stopped_by names the bound."""
    assert _cli.main(["check", str(loops), "--max-states", "50", "--json"]) == 0
    explored = json.loads(capsys.readouterr().out)["explored"]
    assert explored["complete"] is False
    assert explored["stopped_by"] == "max_states"
    assert explored["abstract_states"] == 50


@pytest.mark.parametrize(
    "option", ["--max-states", "--max-depth", "--max-seconds", "--max-memory", "--deviations"]
)
def test_a_negative_bound_is_refused_with_exit_2(
    option: str, loops: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """One line naming the option, nothing searched."""
    with pytest.raises(SystemExit) as raised:
        _cli.main(["check", str(loops), option, "-1"])
    assert raised.value.code == 2
    err = capsys.readouterr().err
    assert f"argument {option}" in err
    assert "'-1' is not a whole number from 0" in err


def test_negative_limits_are_refused_by_the_api_too() -> None:
    """Limits(...) refuses a negative bound naming it."""
    with pytest.raises(af.InputError, match="max_states must be a number of 0 or more"):
        Limits(max_states=-1)


def test_a_counterexample_into_a_missing_folder_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Said before the search, not a traceback after it; nothing written."""
    monkeypatch.chdir(tmp_path)
    assert _cli.main(["check", "vn-2021", "--counterexample", "nowhere/ce.yaml"]) == 2
    captured = capsys.readouterr()
    lines = captured.err.strip().splitlines()
    assert lines == [
        "admission-flow: cannot write the counter-example to nowhere/ce.yaml: the folder "
        "nowhere does not exist; create it or choose another --counterexample"
    ]
    assert captured.out == ""
    assert not (tmp_path / "nowhere").exists()


ESCALATING = """\
procedure: esc
title: {vi: Chuyển lên, en: Escalating}
roles:
  cell: {vi: Chi bộ, en: Cell}
states:
  open: {vi: Mở, en: Open}
  done: {vi: Xong, en: Done, final: true}
  escalated: {vi: Chuyển lên, en: Escalated}
events:
  start: {vi: Mở, en: Start, opens_case: true, to: open, by: cell}
  move: {vi: Chuyển, en: Move, from: open, to: {open: escalated}, by: cell}
  close: {vi: Đóng, en: Close, from: [open, escalated], to: done, by: cell}
"""


def test_static_reachability_agrees_with_the_search_on_a_per_state_to(tmp_path: Path) -> None:
    """A state reached only through a per-state `to:` is not reported as never reached."""
    path = tmp_path / "esc.yaml"
    path.write_text(ESCALATING, encoding="utf-8")
    procedure = af.load_procedure(path)
    findings = static_findings(procedure)
    assert not [f for f in findings if f.kind == "unreachable_state"]
    assert "escalated" in explore(procedure).states_reached


def test_a_rule_that_declares_no_boundaries_is_reported(tmp_path: Path) -> None:
    """The static checks name the rule and say what to declare; a rule with () is not named."""

    @af.rule("pack.silent")
    def silent(context: af.EventContext, params: object) -> None:
        return None

    @af.rule("pack.history", boundaries=())
    def history(context: af.EventContext, params: object) -> None:
        return None

    pack = type(
        "Pack", (), {"admission_flow_add_rules": af.hookimpl(lambda self: [silent, history])}
    )()
    path = tmp_path / "esc.yaml"
    path.write_text(
        ESCALATING.replace(
            "by: cell}\n  close", "by: cell, rules: [pack.silent, pack.history]}\n  close"
        )
        + "rules:\n  pack.silent: {source: x, message: {vi: x, en: x}}\n"
        "  pack.history: {source: x, message: {vi: x, en: x}}\n",
        encoding="utf-8",
    )
    plugins = af.Plugins([pack], entry_points=False)
    findings = static_findings(af.load_procedure(path, plugins=plugins), plugins=plugins)
    assert [(f.kind, f.message) for f in findings] == [
        (
            "rule_without_boundaries",
            "rule 'pack.silent' declares no boundaries (Rule.boundaries), so check explores it "
            "only at ordinary values; declare where its answer turns, or () if it reads only "
            "the history",
        )
    ]


def test_the_standard_rules_each_declare_their_boundaries() -> None:
    """vn-2021 has no rule without boundaries (the static checks would name it).

    The four re-admission rules declare whole departures (``Person.left``) as
    boundaries, dated from the day the search's cases open: each excluded reason and
    the hardship exception, a second re-admission, a departure short of each waiting
    period, one that needs the province's consent. Until issue 17's last pass they
    declared none and were named here as a known gap.
    """
    plugins = af.Plugins(entry_points=False)
    findings = static_findings(af.load_procedure("vn-2021", plugins=plugins), plugins=plugins)
    assert [f.message for f in findings if f.kind == "rule_without_boundaries"] == []


def test_a_departure_boundary_is_dated_from_the_day_the_cases_open() -> None:
    """``candidate={"left": {...}}``: a ``Departure`` whose dates are months before the opening."""
    from admission_flow.testing._boundaries import boundary_variants

    plugins = af.Plugins(entry_points=False)
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    start = dt.date(2023, 1, 3)
    unit = af.Unit(id="u", kind="residential", official_members=9)
    candidate = af.Person(
        id="c", name="Nguyễn Văn An", born=dt.date(1990, 1, 1), education="upper_secondary"
    )
    variants = boundary_variants(procedure, plugins, unit, candidate, start)
    left = {v.boundary.note: v.candidate.left for v in variants if v.candidate.left is not None}
    assert left["struck off 35 months before"] == af.Departure(
        on=dt.date(2020, 2, 3), reason="struck_off"
    )
    cleared = left["a less serious conviction, the record cleared 59 months before"]
    assert cleared is not None
    assert cleared.record_cleared_on == dt.date(2018, 2, 3)
    assert {d.reason for d in left.values() if d is not None} >= {
        "abandoned_activities",
        "asked_to_leave",
        "serious_disunity",
        "corruption_conviction",
        "serious_crime_conviction",
        "family_planning",
        "struck_off",
    }
    # Each is tried wherever a re-admission rule is judged.
    events = {e for v in variants if v.candidate.left is not None for e in v.events}
    assert {"identify", "submit_application", "cell_vote", "decide_admission"} <= events


def test_a_counterexample_carries_every_field_of_its_values(tmp_path: Path) -> None:
    """grassroots_cell, member positions, candidate positions: read back as they were written."""
    unit = af.Unit(
        id="u-9",
        kind="school",
        official_members=7,
        has_youth_union=True,
        hardship_area=True,
        delegated_admission=True,
        grassroots_cell=True,
    )
    member = af.Member(
        id="m-an", status="official", since=dt.date(2020, 1, 1), positions=("secretary",)
    )
    candidate = af.Person(
        id="c-9",
        name='Lê "Minh" Châu',
        born=dt.date(2000, 2, 29),
        education="college",
        organizations=frozenset({"youth_union", "trade_union"}),
        positions=("class_monitor",),
        over_60_consent=True,
    )
    path = tmp_path / "ce.yaml"
    path.write_text(
        scenario_text(
            procedure="vn-2021", unit=unit, members=[member], candidate=candidate, attempts=[]
        ).replace(
            "events:\n", "events:\n  - {on: 2023-01-03, event: identify, by: cell_committee}\n"
        ),
        encoding="utf-8",
    )
    scenario = af.load_scenario(path)
    assert scenario.unit == unit
    assert scenario.candidate == candidate
    assert scenario.engine.members["m-an"] == member


def test_a_counterexample_carries_a_former_member_and_a_fact_of_counts(tmp_path: Path) -> None:
    """``left`` (every field of a Departure) and counts by reason are mappings in the file.

    Until this test they were written as the text of a Python dict, so that a
    counter-example of a re-admission rule did not load ("candidate.left must
    be a mapping"); the writer now quotes keys too (``on`` is YAML 1.1's true).
    """
    from admission_flow.testing._scenario_file import Attempt

    unit = af.Unit(id="u-9", kind="residential", official_members=20, has_youth_union=True)
    candidate = af.Person(
        id="c-9",
        name="Lê Minh Châu",
        born=dt.date(1980, 5, 31),
        education="upper_secondary",
        left=af.Departure(
            on=dt.date(2012, 3, 1),
            reason="less_serious_crime_conviction",
            record_cleared_on=dt.date(2015, 6, 30),
            readmitted_before=True,
            first_admitted_on=dt.date(2004, 9, 2),
        ),
    )
    vote = Attempt(
        on=dt.date(2023, 8, 1),
        event="cell_vote",
        actor=af.Actor("cell"),
        facts={
            "in_favour": 18,
            "official_members": 18,
            "excluded": {"temporarily_transferred": 1, "suspended": 1},
        },
    )
    path = tmp_path / "ce.yaml"
    text = scenario_text(
        procedure="vn-2021", unit=unit, members=[], candidate=candidate, attempts=[vote]
    )
    path.write_text(text, encoding="utf-8")
    scenario = af.load_scenario(path)
    assert scenario.candidate == candidate
    assert scenario.events[0].facts["excluded"] == vote.facts["excluded"]


def test_a_depth_bound_explores_every_shorter_path_waits_included(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Cut at N events, every abstract state first reached in fewer is expanded, those
    reached by waiting for a date included (they are queued after deeper ones)."""
    from admission_flow.cli._testing import _start
    from admission_flow.testing import _check
    from test_check import lawful_start

    first: dict[object, object] = {}
    expanded: set[int] = set()
    made = _check._Search.__init__

    def init(self: _check._Search, *args: object, **kwargs: object) -> None:
        made(self, *args, **kwargs)  # type: ignore[arg-type]
        self.watch = lambda key, node: first.setdefault(key, node)
        children = self.children

        def expanding(node: _check._Node) -> object:
            expanded.add(id(node))
            return children(node)

        self.children = expanding  # type: ignore[method-assign,assignment]

    monkeypatch.setattr(_check._Search, "__init__", init)
    plugins = af.Plugins(entry_points=False)
    start, events = lawful_start(tmp_path, "hold_ceremony")
    cut = len(events) + 2
    found = explore(
        af.load_procedure("vn-2021", plugins=plugins),
        plugins=plugins,
        boundaries=False,
        limits=Limits(max_depth=cut, max_seconds=600),
        **_start(plugins, start),
    )
    assert (found.complete, found.stopped_by) == (False, "max_depth")
    shorter = [n for n in first.values() if len(n.attempts) < cut]  # type: ignore[attr-defined]
    waited = [n for n in shorter if n.today != n.attempts[-1].on]  # type: ignore[attr-defined]
    assert waited  # some were reached by waiting for a date
    assert {id(n) for n in shorter} <= expanded


def test_a_search_leaves_the_garbage_collector_as_it_found_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The search collects cycles rarely while it runs (``collecting_rarely``), and the
    process's own thresholds are back afterwards, whether the search ends or raises."""
    import gc

    from admission_flow.testing import _check

    procedure = af.load_procedure("vn-2021")
    before = gc.get_threshold()
    during: list[tuple[int, ...]] = []
    gc.set_threshold(900, 11, 12)
    try:
        run = _check._Search.run

        def watched(self: object, roots: object) -> object:
            during.append(gc.get_threshold())
            return run(self, roots)  # type: ignore[arg-type]

        monkeypatch.setattr(_check._Search, "run", watched)
        found = explore(procedure, max_states=50)
        assert found.abstract_states == 50
        assert during == [(100_000, 11, 12)]
        assert gc.get_threshold() == (900, 11, 12)

        def broken(self: object, roots: object) -> object:
            raise RuntimeError("a search that raises")

        monkeypatch.setattr(_check._Search, "run", broken)
        with pytest.raises(RuntimeError):
            explore(procedure, max_states=50)
        assert gc.get_threshold() == (900, 11, 12)
    finally:
        gc.set_threshold(*before)
