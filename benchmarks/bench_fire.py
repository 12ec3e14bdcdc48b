"""How much one event costs: admission_flow's ``Engine.fire`` against its baselines.

Every row is measured in the same run, interleaved in 40 short rounds so
that a machine whose speed drifts (a shared virtual machine) slows every row
alike. One sample times a batch of ``k``
consecutive events with ``time.perf_counter_ns`` and divides by ``k`` (the
smallest baselines need a batch to rise above the timer's own cost); the
table gives the median and the 90th percentile of the samples in
microseconds, and the ratio of each median to the bare ``transitions``
trigger and to the dictionary state machine. The garbage collector stays on:
its pauses are part of what an event costs.

Rows:

* ``dict``: ``table[(state, event)] -> next_state``, the floor.
* ``transitions``: a bare ``transitions.Machine`` (one model,
  ``auto_transitions=False``, four states), ``model.trigger(event)`` round a
  cycle. The goal is stated against this row.
* ``python-statemachine``: the same cycle with ``sm.send(event)``.
* ``pluggy``: one hook call answered by three plugins, for orientation.
* ``af fire``: ``Engine.fire()`` on ``vn-2021`` with every rule its events
  name: the whole happy path of one case per event, ``cell_vote`` alone (six
  rules and two facts, on a case in ``dossier`` with its full history), and
  the same through ``backend="transitions"``, the reference semantics.

Run from the repository root with the package installed::

    python benchmarks/bench_fire.py            # about 15 s
    python benchmarks/bench_fire.py --quick    # about 2 s, rougher numbers
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pluggy
import transitions

import admission_flow as af

D = dt.date

#: The goal: fire() with every rule costs at most this many bare transitions triggers.
GOAL = 1.0

MEMBERS = (
    af.Member(id="m-hung", status="official", since=D(2005, 6, 1)),
    af.Member(id="m-mai", status="official", since=D(2012, 3, 15)),
)

#: The happy path of one case through vn-2021: (event, actor, on, facts). Every step is accepted.
HAPPY_PATH: tuple[tuple[str, af.Actor | str, dt.date, dict[str, object]], ...] = (
    ("identify", "cell_committee", D(2023, 3, 1), {"source_group": "residential_cadre"}),
    ("assign_mentor", "cell", D(2023, 3, 10), {"mentor": "m-hung"}),
    ("complete_course", "training_center", D(2023, 5, 20), {"certificate_date": D(2023, 5, 20)}),
    ("open_dossier", "cell", D(2023, 6, 1), {}),
    ("submit_application", "candidate", D(2023, 6, 5), {}),
    ("submit_history", "candidate", D(2023, 6, 5), {}),
    ("verify_background", "grassroots_committee", D(2023, 7, 3), {"result": "clear"}),
    ("introduce", af.Actor("member", "m-hung"), D(2023, 7, 5), {"known_since": D(2020, 1, 1)}),
    ("introduce", af.Actor("member", "m-mai"), D(2023, 7, 5), {"known_since": D(2021, 6, 1)}),
    (
        "record_opinions",
        "cell_committee",
        D(2023, 7, 10),
        {"residence": "favourable", "organizations": "favourable"},
    ),
    ("cell_vote", "cell", D(2023, 8, 1), {"in_favour": 18, "official_members": 20}),
    (
        "committee_vote",
        "grassroots_committee",
        D(2023, 8, 10),
        {"in_favour": 7, "committee_members": 9},
    ),
    (
        "decide_admission",
        "competent_committee",
        D(2023, 9, 1),
        {"decision_date": D(2023, 9, 1)},
    ),
    ("hold_ceremony", "cell", D(2023, 9, 20), {}),
    (
        "recognition_vote",
        "cell",
        D(2024, 9, 25),
        {"in_favour": 18, "official_members": 20, "outcome": "recognize"},
    ),
    # Revision 3 of vn-2021: recognition goes through the grassroots committee (HD 01 §4).
    (
        "committee_vote",
        "grassroots_committee",
        D(2024, 9, 30),
        {"in_favour": 7, "committee_members": 9},
    ),
    ("recognize", "competent_committee", D(2024, 10, 5), {"decision_date": D(2024, 10, 5)}),
)
CELL_VOTE = HAPPY_PATH.index(next(s for s in HAPPY_PATH if s[0] == "cell_vote"))

#: The cycle the baselines go round: four states, four events, back to the start.
CYCLE = (
    ("identified", "assign_mentor", "mentored"),
    ("mentored", "complete_course", "course"),
    ("course", "open_dossier", "dossier"),
    ("dossier", "reopen", "identified"),
)
CYCLE_EVENTS = tuple(event for _, event, _ in CYCLE)


# -- the subjects ----------------------------------------------------------------------
# Each builder returns (batch, k): calling batch() fires k events.


def dict_machine(k: int = 1000) -> tuple[Callable[[], None], int]:
    table = {(source, event): dest for source, event, dest in CYCLE}
    events = CYCLE_EVENTS * (k // len(CYCLE_EVENTS))
    box = ["identified"]

    def batch() -> None:
        state = box[0]
        for event in events:
            state = table[state, event]
        box[0] = state

    return batch, len(events)


class _Model:
    """A bare model for ``transitions``; it adds ``state`` and ``trigger``."""


def transitions_machine(k: int = 4) -> tuple[Callable[[], None], int]:
    model = _Model()
    transitions.Machine(
        model=model,
        states=[source for source, _, _ in CYCLE],
        transitions=[{"trigger": e, "source": s, "dest": d} for s, e, d in CYCLE],
        initial="identified",
        auto_transitions=False,
    )
    trigger = model.trigger  # type: ignore[attr-defined]
    events = CYCLE_EVENTS * (k // len(CYCLE_EVENTS))

    def batch() -> None:
        for event in events:
            trigger(event)

    return batch, len(events)


def python_statemachine(k: int = 4) -> tuple[Callable[[], None], int]:
    # Imported here: python-statemachine comes with the bench extra, and benchmarks/run.py
    # (which has no row of it) uses this module's other builders without it.
    import statemachine

    class _Cycle(statemachine.StateMachine):
        identified = statemachine.State(initial=True)
        mentored = statemachine.State()
        course = statemachine.State()
        dossier = statemachine.State()

        assign_mentor = identified.to(mentored)
        complete_course = mentored.to(course)
        open_dossier = course.to(dossier)
        reopen = dossier.to(identified)

    machine = _Cycle()
    send = machine.send
    events = CYCLE_EVENTS * (k // len(CYCLE_EVENTS))

    def batch() -> None:
        for event in events:
            send(event)

    return batch, len(events)


_spec = pluggy.HookspecMarker("bench")
_impl = pluggy.HookimplMarker("bench")


class _Spec:
    @_spec
    def bench_check(self, context: object) -> list[object]:  # type: ignore[empty-body]
        """A hook like admission_flow_check_event."""


class _Plugin:
    def __init__(self, answer: object) -> None:
        self.answer = answer

    @_impl
    def bench_check(self, context: object) -> object:
        return self.answer


def pluggy_hook(k: int = 20) -> tuple[Callable[[], None], int]:
    pm = pluggy.PluginManager("bench")
    pm.add_hookspecs(_Spec)
    for index in range(3):
        pm.register(_Plugin(None if index else ()), name=f"plugin-{index}")
    hook = pm.hook.bench_check
    context = object()
    rounds = range(k)

    def batch() -> None:
        for _ in rounds:
            hook(context=context)

    return batch, k


def _engine(backend: str = "compiled") -> af.Engine:
    plugins = af.Plugins(entry_points=False)  # the built-in rules only: vn-2021 as shipped
    return af.Engine(
        af.load_procedure("vn-2021", plugins=plugins),
        plugins=plugins,
        members=MEMBERS,
        backend=backend,
    )


def _opened(engine: af.Engine) -> af.Case:
    candidate = af.Person(
        id="c-an",
        name="Lê Văn An",
        # Over youth age (30), so revision 2's eligibility.youth_union_member does not
        # refuse a non-member on the standard route.
        born=D(1990, 4, 1),
        education="upper_secondary",
        positions=["residential_group_deputy"],
    )
    unit = af.Unit(id="kdc-7", kind="residential", official_members=20, has_youth_union=True)
    return engine.open("c-an", candidate, unit)


def _walk(engine: af.Engine, case: af.Case, steps: tuple[tuple, ...]) -> af.Case:
    """Fire ``steps`` on ``case``, checking that each is accepted."""
    for event, actor, on, facts in steps:
        outcome = engine.fire(case, event, actor, on, **facts)
        if not outcome.accepted:
            rules = [v.rule for v in outcome.violations]
            raise SystemExit(f"benchmark set-up is wrong: {event} on {on} was refused: {rules}")
        case = outcome.case
    return case


def af_happy_path(backend: str = "compiled") -> tuple[Callable[[], None], int]:
    engine = _engine(backend)
    opened = _opened(engine)
    assert _walk(engine, opened, HAPPY_PATH).state == "official"
    fire = engine.fire

    def batch() -> None:
        case = opened
        for event, actor, on, facts in HAPPY_PATH:
            case = fire(case, event, actor, on, **facts).case

    return batch, len(HAPPY_PATH)


def af_cell_vote(backend: str = "compiled") -> tuple[Callable[[], None], int]:
    engine = _engine(backend)
    prepared = _walk(engine, _opened(engine), HAPPY_PATH[:CELL_VOTE])
    assert prepared.state == "dossier"
    event, actor, on, facts = HAPPY_PATH[CELL_VOTE]
    rules = len(engine.procedure.events[event].rules)
    assert rules >= 6, rules  # 6 in revision 1 of vn-2021, 10 in revision 2
    assert engine.fire(prepared, event, actor, on, **facts).accepted
    fire = engine.fire

    def batch() -> None:
        fire(prepared, event, actor, on, **facts)

    return batch, 1


def af_identify() -> tuple[Callable[[], None], int]:
    engine = _engine()
    opened = _opened(engine)
    event, actor, on, facts = HAPPY_PATH[0]
    fire = engine.fire

    def batch() -> None:
        fire(opened, event, actor, on, **facts)

    return batch, 1


# -- measuring -------------------------------------------------------------------------

#: (name, builder, samples per round at full size).
SUBJECTS: tuple[tuple[str, Callable[[], tuple[Callable[[], None], int]], int], ...] = (
    ("dict state machine (floor)", dict_machine, 100),
    ("transitions: bare trigger (reference)", transitions_machine, 600),
    ("python-statemachine: send", python_statemachine, 150),
    ("pluggy: hook call, 3 plugins", pluggy_hook, 300),
    ("af fire: identify (opens, no rules)", af_identify, 1000),
    ("af fire: happy path, per event", af_happy_path, 100),
    ("af fire: cell_vote (every rule)", af_cell_vote, 600),
    ("af fire: cell_vote, backend=transitions", lambda: af_cell_vote("transitions"), 400),
    ("af fire: happy path, backend=transitions", lambda: af_happy_path("transitions"), 50),
)
REFERENCE = "transitions: bare trigger (reference)"
FLOOR = "dict state machine (floor)"


def timer_overhead_ns(samples: int = 20000) -> float:
    """The median cost of two back-to-back ``perf_counter_ns`` calls."""
    ns = time.perf_counter_ns
    gaps = []
    for _ in range(samples):
        t0 = ns()
        gaps.append(ns() - t0)
    return statistics.median(gaps)


def measure(rounds: int, scale: float) -> dict[str, tuple[int, list[float]]]:
    """Samples in µs per event for every subject, interleaved round by round."""
    built = {name: builder() for name, builder, _ in SUBJECTS}
    samples: dict[str, list[float]] = {name: [] for name in built}
    ns = time.perf_counter_ns
    for batch, _ in built.values():  # warm up caches and lazily built tables
        for _ in range(50):
            batch()
    for _ in range(rounds):
        gc.collect()
        for name, _, count in SUBJECTS:
            batch, k = built[name]
            out = samples[name]
            for _ in range(max(5, int(count * scale))):
                t0 = ns()
                batch()
                t1 = ns()
                out.append((t1 - t0) / k / 1000)
    return {name: (built[name][1], samples[name]) for name in built}


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


def machine_info() -> str:
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("admission-flow", "transitions", "python-statemachine", "pluggy", "attrs")
    )
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}, "
        f"{sys.version.split('(')[0].strip()}) on {platform.platform()}\n"
        f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores\n"
        f"{versions}"
    )


def report(results: dict[str, tuple[int, list[float]]], overhead: float) -> str:
    reference = statistics.median(results[REFERENCE][1])
    floor = statistics.median(results[FLOOR][1])
    width = max(len(name) for name in results)
    lines = [
        f"{'benchmark':<{width}}  {'k':>4}  {'median µs':>9}  {'p90 µs':>8}  "
        f"{'× transitions':>13}  {'× dict':>8}  {'samples':>7}",
        "-" * (width + 62),
    ]
    for name, (k, values) in results.items():
        median = statistics.median(values)
        lines.append(
            f"{name:<{width}}  {k:>4}  {median:>9.3f}  {percentile(values, 0.9):>8.3f}  "
            f"{median / reference:>12.2f}×  {median / floor:>7.0f}×  {len(values):>7}"
        )
    lines.append("")
    lines.append(
        f"k: events per timed batch (µs are per event). Timer overhead: {overhead:.0f} ns per "
        "sample, not subtracted. Ratios are of medians."
    )
    lines.append("")
    for name in (
        "af fire: cell_vote (every rule)",
        "af fire: happy path, per event",
    ):
        ratio = statistics.median(results[name][1]) / reference
        verdict = "met" if ratio <= GOAL else "NOT met"
        lines.append(
            f"goal fire() ≤ {GOAL:.1f}× bare transitions trigger — {name}: {ratio:.2f}× ({verdict})"
        )
    compiled = statistics.median(results["af fire: cell_vote (every rule)"][1])
    machine = statistics.median(results["af fire: cell_vote, backend=transitions"][1])
    lines.append(
        f"compiled router saves {machine - compiled:.2f} µs per cell_vote "
        f"({(machine - compiled) / machine:.0%} of the backend=transitions cost)"
    )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples: a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 40)")
    parser.add_argument(
        "--json", type=Path, default=None, help="also write each row's median µs to this file"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (10 if args.quick else 40)
    scale = 0.1 if args.quick else 1.0
    print("bench_fire: the cost of one event")
    print(machine_info())
    print()
    started, cpu_started = time.perf_counter(), time.process_time()
    results = measure(rounds, scale)
    print(report(results, timer_overhead_ns()))
    if args.json is not None:
        medians = {name: statistics.median(values) for name, (_, values) in results.items()}
        args.json.write_text(json.dumps(medians, indent=2), encoding="utf-8")
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"\n({rounds} rounds, {wall:.1f} s wall, {cpu:.1f} s CPU: this process had the CPU "
        f"{cpu / wall:.0%}; below 100% other processes competed and the p90 column suffers first)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
