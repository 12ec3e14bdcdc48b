"""recheck judges again only the steps whose event reads something that changed.

Each one-procedure change below is checked exhaustively over the open cases of
the example scenarios: the incremental recheck finds exactly what judging every
step again finds, and judges only the steps of the events the change touches.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import attrs
import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Register
from admission_flow.store._fingerprints import event_fingerprints
from admission_flow.store._procedures import plugins_of
from admission_flow.store._schema import procedures

EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "scenarios"
PLUGINS = af.Plugins(entry_points=False)
VN_2021 = af.load_procedure("vn-2021", plugins=PLUGINS)
EVERY_EVENT = frozenset(VN_2021.events)


def naming(rule: str) -> frozenset[str]:
    """The events of vn-2021 that name ``rule``."""
    return frozenset(
        name for name, spec in VN_2021.events.items() if any(u.rule == rule for u in spec.rules)
    )


#: One change each, as a child of vn-2021 (the same id, another version), and the
#: events whose judgement it can change.
CHANGES = {
    "a new version, nothing else": ("", frozenset()),
    "who may open a dossier": (
        "events: {open_dossier: {by: cell_committee}}",
        frozenset({"open_dossier"}),
    ),
    "a rule added to one event": (
        "events: {identify: {rules: {add: [course.certificate_valid]}}}",
        frozenset({"identify"}),
    ),
    "a rule added to another event": (
        "events: {introduce: {rules: {add: [eligibility.age]}}}",
        frozenset({"introduce"}),
    ),
    "a rule removed from one event": (
        "events: {cell_vote: {rules: {remove: [eligibility.age]}}}",
        frozenset({"cell_vote"}),
    ),
    "a rule's severity": (
        "rules: {introduction.twelve_months: {severity: record}}",
        naming("introduction.twelve_months"),
    ),
    "a setting (any rule may read it)": ("settings: {youth_age_max_years: 25}", EVERY_EVENT),
}


def variant(folder: Path, change: str) -> Path:
    path = folder / "variant.yaml"
    path.write_text(f'extends: vn-2021\nversion: "variant"\n{change}\n', encoding="utf-8")
    return path


def keep_examples(register: Register) -> None:
    """The vn-2021 example scenarios without a move, each case and person its own."""
    for path in sorted(EXAMPLES.glob("*.yaml")):
        scenario = af.load_scenario(path, plugins=register.plugins)
        if scenario.procedure.fingerprint != VN_2021.fingerprint:
            continue
        if any(e.migrate_to is not None for e in scenario.events) or scenario.candidate.left:
            continue
        person = attrs.evolve(scenario.candidate, id=path.stem)
        register.put_unit(scenario.unit, scenario.members.values())
        stored = register.add_case(
            scenario.engine.open(path.stem, person, scenario.unit), scenario.procedure
        )
        for event in scenario.events:
            fired = register.fire(stored, event.event, event.actor, event.on, **event.facts)
            stored = fired.stored


@pytest.fixture(scope="module")
def examples(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One SQLite register of the example cases for the whole module (copied per test)."""
    path = tmp_path_factory.mktemp("examples") / "cases.db"
    with Register.create(path, plugins=PLUGINS) as register:
        keep_examples(register)
    return path


def judged_events(monkeypatch: pytest.MonkeyPatch) -> Counter[str]:
    """Counts, by event, every step the engine judges from now on."""
    counts: Counter[str] = Counter()
    judge = af.Engine.judge

    def counting(self: af.Engine, case: af.Case, event: str, *args: Any, **kw: Any) -> Any:
        counts[event] += 1
        return judge(self, case, event, *args, **kw)

    monkeypatch.setattr(af.Engine, "judge", counting)
    return counts


@pytest.mark.parametrize("name", list(CHANGES))
def test_a_one_change_recheck_judges_only_what_it_touches_and_finds_what_a_full_one_finds(
    examples: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Same findings as judging every step again; only the touched events' steps judged."""
    change, touched = CHANGES[name]
    path = variant(tmp_path, change)
    with Register(examples, plugins=PLUGINS) as register:
        counts = judged_events(monkeypatch)
        full = register.recheck(path, processes=1, full=True)
        everything = set(counts)
        counts.clear()
        found = register.recheck(path, processes=1)
    assert found == full
    assert set(counts) == everything & touched
    assert everything & touched or not touched  # the open example cases reach the change


def test_the_changes_find_something_to_report(examples: Path, tmp_path: Path) -> None:
    """The exhaustive test above is not vacuous: several changes refuse recorded steps."""
    with Register(examples, plugins=PLUGINS) as register:
        reported = {
            name: register.recheck(variant(tmp_path, change), processes=1)
            for name, (change, _) in CHANGES.items()
        }
    assert reported["a new version, nothing else"] == []
    assert reported["who may open a dossier"]
    assert reported["a rule added to one event"]
    assert reported["a setting (any rule may read it)"]


def test_two_processes_find_what_one_finds(examples: Path, tmp_path: Path) -> None:
    """The worker processes compare fingerprints as the parent does."""
    path = variant(tmp_path, CHANGES["who may open a dossier"][0])
    with Register(examples, plugins=PLUGINS) as register:
        assert register.recheck(path, processes=2) == register.recheck(path, processes=1)


def test_a_plugin_of_another_version_invalidates_the_events_it_answers(
    examples: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The register recorded the standard rules' plugin at another version: every event
    with a rule of that plugin is judged again, the others (no check rule) are not."""
    with Register(examples, plugins=PLUGINS) as register:
        with register.db.begin() as connection:
            recorded = connection.execute(sa.select(procedures.c.plugins)).scalar_one()
            connection.execute(
                sa.update(procedures).values(plugins=recorded.replace('"version":', '"was":'))
            )
        counts = judged_events(monkeypatch)
        full = register.recheck("vn-2021", processes=1, full=True)
        everything = set(counts)
        counts.clear()
        assert register.recheck("vn-2021", processes=1) == full
    with_checks = frozenset(
        name
        for name, spec in VN_2021.events.items()
        if any(VN_2021.rules[u.rule].check is not None for u in spec.rules)
    )
    assert set(counts) == everything & with_checks  # every vn-2021 event names dates.order


@af.rule("local.always", message=af.Text("Luôn đạt.", "Always holds."), source="Quy chế §1")
def _always(context: object, params: object) -> None:
    return None


class Local:
    """A plugin answering one rule."""

    @af.hookimpl
    def admission_flow_add_rules(self) -> list[object]:
        return [_always]


def test_fingerprints_follow_what_an_event_reads(tmp_path: Path) -> None:
    """The fingerprints themselves: a version alone changes none; a rule change only the
    events naming it; a plugin's version the events it answers; a plugin checking every
    event leaves none comparable."""
    identities = plugins_of(VN_2021, PLUGINS)
    before = event_fingerprints(VN_2021, PLUGINS, identities)
    assert before is not None
    assert set(before) == EVERY_EVENT
    for name, (change, touched) in CHANGES.items():
        other = af.load_procedure(variant(tmp_path, change), plugins=PLUGINS)
        after = event_fingerprints(other, PLUGINS, plugins_of(other, PLUGINS))
        assert after is not None
        assert {e for e in EVERY_EVENT if before[e] != after[e]} == touched, name
    # A plugin answering one rule, named by one event: its new version changes that event.
    local = af.Plugins([Local()], entry_points=False)
    path = variant(tmp_path, "events: {withdraw: {rules: {add: [local.always]}}}")
    extended = af.load_procedure(path, plugins=local)
    recorded = plugins_of(extended, local)
    (name,) = [n for n in recorded if n.endswith("Local")]
    upgraded = {**recorded, name: {"module": recorded[name]["module"], "version": "2"}}
    old = event_fingerprints(extended, local, recorded)
    new = event_fingerprints(extended, local, upgraded)
    assert old is not None
    assert new is not None
    assert {e for e in EVERY_EVENT if old[e] != new[e]} == {"withdraw"}
    assert {e for e in EVERY_EVENT if old[e] != before[e]} == {"withdraw"}

    class EveryEvent:
        @af.hookimpl
        def admission_flow_check_event(self, context: object) -> None:
            return None

    assert event_fingerprints(VN_2021, af.Plugins([EveryEvent()], entry_points=False), {}) is None
