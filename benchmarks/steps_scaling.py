"""Whether a step costs the same at 10, 1,000 and 10,000 steps, and what an open case weighs.

A case is a frozen value: each kept step makes a new one. Until issue 20 the new
case copied the whole history and its index by event, so one step cost O(n).
This script builds one case of ``vn-2021`` through both votes (so the decision
deadline runs) and pads it with plain ``dossier`` steps (``submit_history``,
``submit_application``, ``record_opinions``) to 10, 1,000 and 10,000 steps;
then, on each, it times:

* ``grow``: 200 more plain steps fired one after the other (each on the case
  the previous one returned), per step: how a case grows;
* ``plain``: ``submit_history`` fired again and again on the same case;
* ``register``: ``Register.fire`` of one event on a stored case of 10, 1,000 and 5,000
  steps (an SQLite file), in CPU µs per step: the register's own work, its commit's
  wait for the disk left out;
* ``decide``: ``decide_admission`` fired again and again on the same case: its
  rules read the latest votes and it meets the decision deadline the cell vote
  started before all the padding (in the first row, on the case of 12 steps
  that has both votes, as 10 steps cannot).

Each figure is the median of 15 samples, in µs per event, and its ratio to the
same figure at 10 steps (flat means O(1) per step). Then the memory of an open
case in ``dossier`` after ten steps (the first ten of ``bench_fire``'s happy
path), by ``tracemalloc`` over 2,000 cases each with its own ``Person``: what
stays allocated per case, with the ``Person`` and without it. Counted: the
``Person`` (its strings and dates), the ``Case``, its history (the steps'
list and its index by event), the ten ``Step`` values and their facts
mappings. Not counted, because every case shares them: the unit, the
procedure's reference, the engine's role actors and members, the event and
state names, and the dates and fact values the scenario's literals give.

Run from the repository root (against another checkout: ``PYTHONPATH=that/src``)::

    python benchmarks/steps_scaling.py           # about 20 s
    python benchmarks/steps_scaling.py --quick   # a smoke run
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import admission_flow as af
import bench_cases  # this folder is on sys.path when the script runs
import bench_fire

D = dt.date
SIZES = (10, 1_000, 10_000)
PADDING = (
    ("submit_history", "candidate", {}),
    ("submit_application", "candidate", {}),
    ("record_opinions", "cell_committee", {"residence": "favourable"}),
)
PAD_DAY = D(2023, 8, 12)
DECIDE = ("decide_admission", "competent_committee", D(2023, 9, 1))
#: The memory target for an open case in dossier after ten steps.
TARGET_BYTES = 2048


def _voted(engine: af.Engine) -> af.Case:
    """A case of vn-2021 through the cell's and the committee's votes (12 steps)."""
    upto = next(i for i, s in enumerate(bench_fire.HAPPY_PATH) if s[0] == "committee_vote")
    return bench_fire._walk(engine, bench_fire._opened(engine), bench_fire.HAPPY_PATH[: upto + 1])


def _padded(engine: af.Engine, voted: af.Case, size: int) -> af.Case:
    case = voted
    i = 0
    while len(case.history) < size:
        event, by, facts = PADDING[i % len(PADDING)]
        case = engine.fire(case, event, by, PAD_DAY, **facts).case
        i += 1
    return case


def _median_us(run: Callable[[], None], per_sample: int, samples: int) -> float:
    run()  # warm-up: caches filled, lazily built tables made
    times = []
    for _ in range(samples):
        t0 = time.perf_counter_ns()
        run()
        times.append((time.perf_counter_ns() - t0) / per_sample / 1000)
    return statistics.median(times)


def step_costs(samples: int) -> dict[int, dict[str, float]]:
    engine = bench_fire._engine()
    voted = _voted(engine)
    fire = engine.fire
    results = {}
    for size in SIZES:
        # At 10 steps the case has not reached both votes: pad from an earlier one.
        case = _padded(engine, voted, size) if size >= len(voted.history) else None
        if case is None:
            case = bench_fire._walk(engine, bench_fire._opened(engine), bench_fire.HAPPY_PATH[:10])
        grow_steps = [PADDING[i % len(PADDING)] for i in range(200)]

        def grow(case: af.Case = case, grow_steps: list = grow_steps) -> None:
            for event, by, facts in grow_steps:
                case = fire(case, event, by, PAD_DAY, **facts).case

        def plain(case: af.Case = case) -> None:
            for _ in range(50):
                fire(case, "submit_history", "candidate", PAD_DAY)

        def decide(case: af.Case = case) -> None:
            for _ in range(50):
                fire(case, *DECIDE, decision_date=DECIDE[2])

        row = {
            "grow": _median_us(grow, len(grow_steps), samples),
            "plain": _median_us(plain, 50, samples),
        }
        # decide needs both votes: in the first row, on the voted case of 12 steps.
        voting = case if case.last("committee_vote") is not None else voted
        assert fire(voting, *DECIDE, decision_date=DECIDE[2]).accepted
        row["decide"] = _median_us(lambda voting=voting: decide(voting), 50, samples)
        results[len(case.history)] = row
    return results


def register_costs(sizes: tuple[int, ...], samples: int) -> dict[int, float]:
    """CPU µs per ``Register.fire`` of ``record_opinions`` on one stored case, by its length.

    An SQLite file in a temporary folder; the case is padded with ``fire_many`` batches
    of the same event. CPU time, not wall: each step's commit waits for the disk, the
    same at every length; what could grow with the history is the register's own work.
    """
    import shutil
    import tempfile

    import bench_service  # this folder is on sys.path when the script runs
    from admission_flow.store import FireCall

    folder = tempfile.mkdtemp(prefix="steps-scaling-")
    register, scenario = bench_service.opened(f"sqlite:///{folder}/register.db", 1, "s")
    opinions = next(e for e in scenario.events if e.event == "record_opinions")
    stored = register.load("s-00000")
    for event in scenario.events[:9]:  # into dossier
        stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored
    call = FireCall(
        case="s-00000",
        event=opinions.event,
        actor=opinions.actor,
        on=opinions.on,
        facts=dict(opinions.facts),
    )
    results = {}
    try:
        for size in sizes:
            while stored.version < size:
                batch = min(200, size - stored.version)
                stored = register.fire_many([call] * batch)[-1].stored
            case = stored

            def fire(n: int = 50) -> None:
                nonlocal case
                for _ in range(n):
                    case = register.fire(
                        case, opinions.event, opinions.actor, opinions.on, **opinions.facts
                    ).stored

            fire(5)  # warm-up
            times = []
            for _ in range(samples):
                t0 = time.process_time()
                fire()
                times.append((time.process_time() - t0) / 50 * 1e6)
            results[size] = statistics.median(times)
            stored = case
    finally:
        register.close()
        shutil.rmtree(folder, ignore_errors=True)
    return results


def bytes_per_case(n: int) -> tuple[float, float]:
    """Bytes per open case in dossier after ten steps, with its Person and without."""
    engine = bench_fire._engine()
    unit = bench_fire._opened(engine).unit
    ten = bench_fire.HAPPY_PATH[:10]
    people = [bench_cases.person(i) for i in range(n)]

    def make(i: int, candidate: af.Person | None = None) -> af.Case:
        case = engine.open(f"c-{i:06d}", candidate or people[i], unit)
        for event, actor, on, facts in ten:
            case = engine.fire(case, event, actor, on, **facts).case
        return case

    assert make(0).state == "dossier"
    assert len(make(0).history) == 10
    without = bench_cases.bytes_per_case(make, n)
    with_person = bench_cases.bytes_per_case(lambda i: make(i, bench_cases.person(i)), n)
    return with_person, without


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer samples: a smoke run")
    args = parser.parse_args(argv)
    samples = 5 if args.quick else 15
    print(f"steps_scaling: admission_flow {af.__version__} from {Path(af.__file__).parent}")
    gc.collect()
    costs = step_costs(samples)
    sizes = sorted(costs)
    base = costs[sizes[0]]
    print(
        f"\n{'steps':>7} {'grow µs':>9} {'×':>6} {'plain µs':>9} {'×':>6} {'decide µs':>10} {'×':>6}"
    )
    for size in sizes:
        row = costs[size]
        cells = []
        for name in ("grow", "plain", "decide"):
            value = row[name]
            reference = base[name]
            cells.append(f"{value:>9.2f} {value / reference:>5.2f}×")
        print(f"{size:>7} " + " ".join(cells))
    print(
        "\n× is each figure over the same figure at 10 steps (decide needs both votes: "
        "its first row is on the case of 12 steps that has them)."
    )
    sizes = (10, 1_000) if args.quick else (10, 1_000, 5_000)
    stored = register_costs(sizes, samples)
    print("\nRegister.fire of one event on a stored case (SQLite), CPU µs per step:")
    for size, value in stored.items():
        print(f"{size:>7} {value:>9.1f} {value / stored[sizes[0]]:>5.2f}×")
    with_person, without = bytes_per_case(500 if args.quick else 2_000)
    verdict = "met" if with_person <= TARGET_BYTES else "NOT met"
    print(
        f"\nopen case in dossier after 10 steps: {with_person:,.0f} B with its Person "
        f"({without:,.0f} B without); target ≤ {TARGET_BYTES:,} B with it: {verdict}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
