"""How fast the compliance tools go: the exhaustive check and the generated property test.

Rows:

* ``check vn-2021``: ``explore()`` of the standard procedure, the ordinary
  configuration and every boundary variant its rules declare
  (``admission-flow check vn-2021``); abstract states, cases and events fired
  per second, in CPU time.
* ``check vn-2021 + school``: the same with the school pack, whose boundary
  (a school) comes through ``admission_flow_add_boundaries``.
* ``check --deviations 1``: the same with one boundary value or second member
  allowed per path (``--quick`` leaves it out).
* ``property test``: the machine ``procedure_state_machine("vn-2021")`` run by
  Hypothesis with its default budget (100 examples of at most 50 steps,
  derandomized, shrinking off since nothing fails); examples and steps per second.

Run from the repository root with the package installed::

    python benchmarks/bench_check.py            # about 1-2 minutes
    python benchmarks/bench_check.py --quick    # about 30 s
    python benchmarks/bench_check.py --whole    # the + school row over its whole space:
                                                # bounds raised, minutes (see README.md)

Each ``check`` row says whether its search was complete or which bound stopped it
(by default ``check``'s own: 120 s of CPU).
"""

from __future__ import annotations

import argparse
import platform
import sys
import time
from pathlib import Path

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

import admission_flow as af
from admission_flow.testing import procedure_state_machine
from admission_flow.testing._check import DEFAULT_LIMITS, Limits, explore
from admission_flow.testing._report import peak_mb

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from helpers import DEFAULT_MACHINE_SETTINGS, FIND


def bench_check(deviations: int, *, school: bool = False, whole: bool = False) -> str:
    packs: list[object] = []
    if school:
        import admission_flow_rules.school

        packs.append(admission_flow_rules.school)
    plugins = af.Plugins(packs, entry_points=False)
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    began = time.process_time()
    limits = Limits(max_seconds=3600, max_states=2_000_000) if whole else DEFAULT_LIMITS
    result = explore(procedure, plugins=plugins, max_deviations=deviations, limits=limits)
    seconds = time.process_time() - began
    assert result.ok, result.failures
    name = f"check --deviations {deviations}" + (" + school" if school else "")
    ended = "complete" if result.complete else f"stopped by {result.stopped_by}"
    return (
        f"| {name} | {result.abstract_states:,} abstract states ({result.variants} variants, "
        f"{ended}), "
        f"{result.cases:,} cases, {result.fired:,} events in {seconds:.1f} s CPU | "
        f"{result.abstract_states / seconds:,.0f} states/s, {result.fired / seconds:,.0f} events/s |"
    )


def bench_machine() -> str:
    machine = procedure_state_machine("vn-2021", plugins=af.Plugins(entry_points=False))
    examples = 0
    original = machine.__init__

    def counting(self: object) -> None:
        nonlocal examples
        examples += 1
        original(self)  # type: ignore[arg-type]

    machine.__init__ = counting  # type: ignore[method-assign]
    began = time.perf_counter()
    run_state_machine_as_test(
        machine,
        settings=settings(DEFAULT_MACHINE_SETTINGS, phases=FIND),
    )
    seconds = time.perf_counter() - began
    steps = sum(machine.states_reached.values())
    return (
        f"| property test (default budget) | {examples} examples, {steps:,} steps in "
        f"{seconds:.1f} s | {examples / seconds:.1f} examples/s, {steps / seconds:,.0f} steps/s |"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="leave out --deviations 1")
    parser.add_argument(
        "--whole", action="store_true", help="only the + school row, over its whole space"
    )
    args = parser.parse_args()
    print(
        f"Python {platform.python_version()} on {platform.machine()}, admission-flow {af.__version__}"
    )
    print("| row | explored | rate |")
    print("|---|---|---|")
    if args.whole:
        print(bench_check(0, school=True, whole=True), flush=True)
        print(f"peak resident memory: {peak_mb():,.0f} MB")
        return
    print(bench_check(0), flush=True)
    print(bench_check(0, school=True), flush=True)
    if not args.quick:
        print(bench_check(1), flush=True)
    print(bench_machine(), flush=True)


if __name__ == "__main__":
    main()
