"""How many open cases fit, and whether opening one costs the same at any count.

admission_flow keeps no machine per case: a case is a frozen value and one
engine serves them all. This script opens 100,000 cases, each with its own
``Person``, and fires the opening event ``identify`` on each, keeping every
case alive, and reports:

* time per case: the median of batches of 100 cases, by the wall clock and
  by this thread's CPU time (the machine is shared: CPU time leaves out the
  moments another process held the core), and the totals; the median of each
  tenth of the run, and runs of 10k, 50k and 100k cases, to show that the
  time per case stays flat (O(1) per case);
* bytes per case with ``tracemalloc``: the memory still allocated once every
  case is built, divided by the number of cases (the ``Person``, the
  ``Case``, its first ``Step`` and the list slot that holds it). The target
  is at most 2 KB per open case.

Baselines, kept small enough to finish in seconds:

* one ``transitions.Machine`` per case (vn-2021's states and events, its own
  model holding its own ``Person``), 2,000 cases: bytes and µs per case;
* one machine and ``Machine.add_model`` per case: the cost of one call as
  the machine holds more models. ``add_model`` checks ``model not in
  self.models``, a list scan, so each call is O(n) and filling it O(n²).

The timing runs and the memory runs are separate, because ``tracemalloc``
slows every allocation. The garbage collector stays on, except in the
columns marked "gc off" and while ``add_model`` is timed (see there).

Run from the repository root with the package installed::

    python benchmarks/bench_cases.py            # about 55 s
    python benchmarks/bench_cases.py --quick    # about 12 s, 10,000 cases
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import importlib.metadata
import os
import platform
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable

import attrs
import transitions

import admission_flow as af

D = dt.date

#: The target: bytes per open case.
TARGET_BYTES = 2048
BATCH = 100
#: Units are shared, as in life: many candidates per party cell.
UNITS = tuple(
    af.Unit(id=f"kdc-{n}", kind="residential", official_members=20 + n % 15, has_youth_union=True)
    for n in range(200)
)
FAMILY = ("Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Vũ", "Đặng", "Bùi")
GIVEN = ("Văn An", "Thị Bình", "Minh Châu", "Thu Dung", "Quốc Em", "Thị Giang", "Hữu Hải")


def person(i: int) -> af.Person:
    """A new, invented candidate: its own strings and dates, nothing shared but literals."""
    return af.Person(
        id=f"c-{i:06d}",
        name=f"{FAMILY[i % len(FAMILY)]} {GIVEN[i % len(GIVEN)]} {i}",
        born=D(1980 + i % 25, 1 + i % 12, 1 + i % 28),
        education="upper_secondary",
        organizations=("youth_union",) if i % 3 == 0 else (),
    )


def engine() -> af.Engine:
    plugins = af.Plugins(entry_points=False)
    return af.Engine(af.load_procedure("vn-2021", plugins=plugins), plugins=plugins)


# -- what one case costs ----------------------------------------------------------------
# Each maker builds case i; the runs keep every case alive in a list.


def makers(eng: af.Engine) -> dict[str, Callable[[int], object]]:
    fire, open_ = eng.fire, eng.open

    def make_person(i: int) -> object:
        return person(i)

    def opened(i: int) -> object:
        return open_(f"case-{i:06d}", person(i), UNITS[i % len(UNITS)])

    def identified(i: int) -> object:
        case = open_(f"case-{i:06d}", person(i), UNITS[i % len(UNITS)])
        on = D(2023, 1 + i % 12, 1 + i % 28)
        return fire(case, "identify", "cell_committee", on, source_group="residential_cadre").case

    return {"Person only": make_person, "opened": opened, "opened + identify": identified}


@attrs.frozen
class Run:
    """One timed run: µs per case of each batch (wall clock and this thread's CPU time)."""

    wall: list[float]
    cpu: list[float]
    wall_s: float
    cpu_s: float
    cases: int


def timed_run(
    make: Callable[[int], object], n: int, *, batch: int = BATCH, collect: bool = True
) -> tuple[Run, list[object]]:
    """Build ``n`` cases in batches, keeping them all alive; time each batch.

    Each batch is timed twice: ``perf_counter_ns`` (wall) and ``thread_time_ns``
    (CPU time of this thread, which leaves out the time another process held
    the core: this machine is shared). With ``collect=False`` the garbage
    collector is off, to show how much of the time is its scanning of the heap.
    """
    kept: list[object] = []
    append = kept.append
    wall, cpu = [], []
    ns, cpu_ns = time.perf_counter_ns, time.thread_time_ns
    gc.collect()
    if not collect:
        gc.disable()
    try:
        start, cpu_start = ns(), cpu_ns()
        for first in range(0, n, batch):
            last = min(first + batch, n)
            t0, c0 = ns(), cpu_ns()
            for i in range(first, last):
                append(make(i))
            c1, t1 = cpu_ns(), ns()
            wall.append((t1 - t0) / (last - first) / 1000)
            cpu.append((c1 - c0) / (last - first) / 1000)
        run = Run(wall, cpu, (ns() - start) / 1e9, (cpu_ns() - cpu_start) / 1e9, n)
    finally:
        gc.enable()
    return run, kept


def interleaved(
    makes: dict[str, Callable[[int], object]], n: int, *, batch: int, collect: bool = True
) -> dict[str, Run]:
    """Like ``timed_run`` for several makers at once, batch by batch in turn.

    A slow moment of the shared machine then costs every maker alike.
    """
    kept: dict[str, list[object]] = {name: [] for name in makes}
    wall: dict[str, list[float]] = {name: [] for name in makes}
    cpu: dict[str, list[float]] = {name: [] for name in makes}
    ns, cpu_ns = time.perf_counter_ns, time.thread_time_ns
    gc.collect()
    if not collect:
        gc.disable()
    try:
        for first in range(0, n, batch):
            last = min(first + batch, n)
            for name, make in makes.items():
                append = kept[name].append
                t0, c0 = ns(), cpu_ns()
                for i in range(first, last):
                    append(make(i))
                c1, t1 = cpu_ns(), ns()
                wall[name].append((t1 - t0) / (last - first) / 1000)
                cpu[name].append((c1 - c0) / (last - first) / 1000)
    finally:
        gc.enable()
    for name, cases in kept.items():
        assert len(cases) == n
        if name.startswith("Machine"):
            assert all(model.state == "identified" for model in cases)  # type: ignore[attr-defined]
    return {
        name: Run(
            wall[name],
            cpu[name],
            sum(wall[name]) * batch / 1e6,
            sum(cpu[name]) * batch / 1e6,
            n,
        )
        for name in makes
    }


def tenths(values: list[float]) -> list[float]:
    """The median of each tenth of ``values``, in order."""
    size = max(1, len(values) // 10)
    return [statistics.median(values[k * size : (k + 1) * size]) for k in range(10)]


def p90(values: list[float]) -> float:
    return sorted(values)[int(0.9 * len(values))]


def bytes_per_case(make: Callable[[int], object], n: int) -> float:
    """Memory still allocated after building ``n`` cases, per case (tracemalloc)."""
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [make(i) for i in range(n)]
        gc.collect()
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(kept) == n
    return (after - before) / n


# -- the baselines ------------------------------------------------------------------------


def machine_config(procedure: af.Procedure) -> dict[str, object]:
    """vn-2021 as a plain ``transitions`` configuration: one transition per event and state."""
    return {
        "states": ["new", *procedure.states],
        "transitions": [
            {
                "trigger": spec.name,
                "source": ["new"] if spec.opens_case else [source],
                "dest": spec.target_from(None if spec.opens_case else source),
            }
            for spec in procedure.events.values()
            for source in (spec.sources or ("new",))
        ],
        "initial": "new",
        "auto_transitions": False,
    }


class CaseModel:
    """The model of one case in the machine-per-case design."""

    def __init__(self, candidate: af.Person) -> None:
        self.candidate = candidate


def machine_per_case(config: dict[str, object]) -> Callable[[int], object]:
    def make(i: int) -> object:
        model = CaseModel(person(i))
        transitions.Machine(model=model, **config)
        model.trigger("identify")  # type: ignore[attr-defined]
        return model

    return make


def add_model_costs(
    config: dict[str, object], sizes: tuple[int, ...], rounds: int
) -> list[tuple[int, float, float, float]]:
    """At each size: (models held, median µs per add_model (wall, CPU), bytes per model).

    One machine per size is filled first (untimed) and frozen out of the
    garbage collector's way (``gc.freeze``); then each round adds one model to
    every machine in turn, so that a slow moment of the shared machine costs
    every size alike.
    """
    machines = []
    i = 0
    for size in sizes:
        machine = transitions.Machine(model=None, **config)
        for _ in range(size):
            machine.add_model(CaseModel(person(i)))
            i += 1
        machines.append(machine)
    gc.collect()
    gc.freeze()  # the collector skips the models already held: only add_model is timed
    try:
        return _probe(machines, sizes, rounds, i)
    finally:
        gc.unfreeze()


def _probe(
    machines: list[transitions.Machine], sizes: tuple[int, ...], rounds: int, i: int
) -> list[tuple[int, float, float, float]]:
    wall: list[list[float]] = [[] for _ in sizes]
    cpu: list[list[float]] = [[] for _ in sizes]
    ns, cpu_ns = time.perf_counter_ns, time.thread_time_ns
    for _ in range(rounds):
        for index, machine in enumerate(machines):
            model = CaseModel(person(i))
            i += 1
            t0, c0 = ns(), cpu_ns()
            machine.add_model(model)
            c1, t1 = cpu_ns(), ns()
            wall[index].append((t1 - t0) / 1000)
            cpu[index].append((c1 - c0) / 1000)
    weights = []
    for machine in machines:  # weighed apart: tracemalloc slows every allocation
        models = [CaseModel(person(i + j)) for j in range(rounds)]
        i += rounds
        tracemalloc.start()
        before = tracemalloc.get_traced_memory()[0]
        for model in models:
            machine.add_model(model)
        after = tracemalloc.get_traced_memory()[0]
        tracemalloc.stop()
        weights.append((after - before) / rounds)
    return [
        (size, statistics.median(wall[k]), statistics.median(cpu[k]), weights[k])
        for k, size in enumerate(sizes)
    ]


# -- the report -------------------------------------------------------------------------------


def machine_info() -> str:
    versions = ", ".join(
        f"{name} {importlib.metadata.version(name)}"
        for name in ("admission-flow", "transitions", "attrs")
    )
    return (
        f"Python {platform.python_version()} ({platform.python_implementation()}) on "
        f"{platform.platform()}\n"
        f"CPU: {platform.processor() or platform.machine()}, {os.cpu_count()} logical cores\n"
        f"{versions}"
    )


def kb(value: float) -> str:
    return f"{value / 1024:.2f} KB"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="10,000 cases: a smoke run")
    args = parser.parse_args(argv)
    n = 10_000 if args.quick else 100_000
    sizes = (n // 10, n // 2, n)
    baseline_cases = 500 if args.quick else 2_000
    add_sizes = (0, 1000, 2000, 4000) if args.quick else (0, 2000, 4000, 8000)
    started, cpu_started = time.perf_counter(), time.process_time()
    print("bench_cases: open cases, time and memory per case")
    print(machine_info())

    eng = engine()
    make = makers(eng)

    print(f"\n1. Time per case, {n:,} cases kept alive: µs per case, median of batches of {BATCH}")
    head = (
        f"{'what':<18} {'wall':>7} {'CPU':>7} {'p90 wall':>8} {'CPU 1st 10%':>11} "
        f"{'CPU last 10%':>12} {'wall s':>7} {'CPU s':>6}"
    )
    print(head)
    print("-" * len(head))
    deciles: list[float] = []
    full_run: Run | None = None
    for name, maker in make.items():
        run, kept = timed_run(maker, n)
        assert len(kept) == n
        del kept
        parts = tenths(run.cpu)
        if name == "opened + identify":
            deciles, full_run = parts, run
        print(
            f"{name:<18} {statistics.median(run.wall):>7.2f} {statistics.median(run.cpu):>7.2f} "
            f"{p90(run.wall):>8.2f} {parts[0]:>11.2f} {parts[-1]:>12.2f} "
            f"{run.wall_s:>7.2f} {run.cpu_s:>6.2f}"
        )
    print(
        "'opened + identify', CPU µs per case, median of each tenth of the run:\n  "
        + " ".join(f"{value:.2f}" for value in deciles)
    )

    print(
        "\n2. Runs of growing size, 'opened + identify': µs per case "
        f"(the {n:,} row with the collector on is the run of part 1)"
    )
    head = (
        f"{'cases':>8} {'median wall':>11} {'median CPU':>10} {'mean CPU':>8} {'CPU s':>6} "
        f"{'mean CPU, gc off':>16}"
    )
    print(head)
    print("-" * len(head))
    for size in sizes:
        if size == n and full_run is not None:
            run = full_run  # the run of part 1
        else:
            run, kept = timed_run(make["opened + identify"], size)
            del kept
        quiet, kept = timed_run(make["opened + identify"], size, collect=False)
        del kept
        print(
            f"{size:>8,} {statistics.median(run.wall):>11.2f} {statistics.median(run.cpu):>10.2f} "
            f"{run.cpu_s / size * 1e6:>8.2f} {run.cpu_s:>6.2f} {quiet.cpu_s / size * 1e6:>16.2f}"
        )

    print(f"\n3. Memory per case, {n:,} cases (tracemalloc: current after / cases)")
    head = f"{'what':<18} {'bytes/case':>10} {'KB/case':>8} {'total MB':>9}  target ≤ 2 KB"
    print(head)
    print("-" * len(head))
    memory = {name: bytes_per_case(maker, n) for name, maker in make.items()}
    for name, value in memory.items():
        verdict = "" if name == "Person only" else ("met" if value <= TARGET_BYTES else "NOT met")
        print(
            f"{name:<18} {value:>10.0f} {value / 1024:>8.2f} {value * n / 2**20:>9.1f}  {verdict}"
        )
    person_bytes = memory["Person only"]
    print(
        "(without the Person: opened "
        f"{memory['opened'] - person_bytes:.0f} B, opened + identify "
        f"{memory['opened + identify'] - person_bytes:.0f} B per case)"
    )

    config = machine_config(eng.procedure)
    print(
        f"\n4. Baseline: one transitions.Machine per case, {baseline_cases:,} cases: µs per case "
        "(the two built batch by batch in turn)"
    )
    head = (
        f"{'what':<28} {'median wall':>11} {'median CPU':>10} {'mean CPU':>8} "
        f"{'mean CPU, gc off':>16} {'bytes/case':>10}"
    )
    print(head)
    print("-" * len(head))
    makes = {
        "Machine per case + identify": machine_per_case(config),
        "af open + identify": make["opened + identify"],
    }
    runs = interleaved(makes, baseline_cases, batch=20)
    quiet = interleaved(makes, baseline_cases, batch=20, collect=False)
    rows = {}
    for name, maker in makes.items():
        run = runs[name]
        weight = bytes_per_case(maker, baseline_cases)
        rows[name] = (statistics.median(run.cpu), weight)
        print(
            f"{name:<28} {statistics.median(run.wall):>11.1f} {rows[name][0]:>10.1f} "
            f"{run.cpu_s / baseline_cases * 1e6:>8.1f} "
            f"{quiet[name].cpu_s / baseline_cases * 1e6:>16.1f} {weight:>10.0f}"
        )
    machine, ours = rows["Machine per case + identify"], rows["af open + identify"]
    print(
        f"machine per case / af: {machine[0] / ours[0]:.0f}× the CPU time (medians), "
        f"{machine[1] / ours[1]:.0f}× the memory"
    )

    rounds = 100 if args.quick else 150
    print(
        "\n5. Baseline: one Machine for every case, add_model per case: µs per call, "
        f"median of {rounds}"
    )
    head = f"{'models held':>11} {'wall':>8} {'CPU':>8} {'CPU × at 0':>10} {'bytes/model':>11}"
    print(head)
    print("-" * len(head))
    costs = add_model_costs(config, add_sizes, rounds)
    for size, wall, cpu, weight in costs:
        print(f"{size:>11,} {wall:>8.1f} {cpu:>8.1f} {cpu / costs[0][2]:>9.1f}× {weight:>11.0f}")
    (small, _, first, _), (large, _, last, _) = costs[1], costs[-1]
    print(
        f"each model already held adds {(last - first) / (large - small) * 1000:.0f} ns to "
        "every add_model call (its list scan): filling one machine is O(n²); "
        "engine.open() does not register anything"
    )

    wall_s, cpu_s = time.perf_counter() - started, time.process_time() - cpu_started
    print(
        f"\n({wall_s:.1f} s wall, {cpu_s:.1f} s CPU: this process had the CPU {cpu_s / wall_s:.0%})"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
