"""The whole mutation table of vn-2021: every mutant, found by check and by the property test.

Each rule removed from each event (57 mutants) and four structural shortcuts
(an event that skips a state, a role that gains an event). For each: whether
``explore()`` (``admission-flow check``) finds a counter-example from an opened
case within the default bounds, its events, the CPU seconds it took, and, when
the bounds stop that search, whether the search from the lawful case of
``examples/scenarios/happy-standard.yaml`` cut before the mutated event
(``check --start``, as the CI does for deep mutants) finds it; whether the generated property test finds it within
its budget (100 examples of at most 50 steps, derandomized, no shrinking);
and, for the mutants judged harmless, the reason (from
``tests/test_check_mutation.py``). The CI runs a subset (see that file).

Run from the repository root::

    python benchmarks/mutation_table.py              # check only, about 40 minutes
    python benchmarks/mutation_table.py --property   # and the property test, about 30 minutes
    python benchmarks/mutation_table.py --property-only   # the property test's column alone
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

import admission_flow as af
from admission_flow.testing import procedure_state_machine
from admission_flow.testing._check import explore
from admission_flow.testing._mutation import Mutant, rule_removals, vn_2021_shortcuts

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from admission_flow.cli._testing import _start
from helpers import DEFAULT_MACHINE_SETTINGS, FIND
from test_check import lawful_start
from test_check_mutation import HARMLESS

VN = Path(af.__file__).parent / "standard" / "procedures" / "vn-2021.yaml"
HAPPY = Path(__file__).resolve().parent.parent / "examples" / "scenarios" / "happy-standard.yaml"


def by_property_test(path: Path) -> str:
    machine = procedure_state_machine(path, plugins=af.Plugins(entry_points=False))
    try:
        run_state_machine_as_test(
            machine,
            settings=settings(DEFAULT_MACHINE_SETTINGS, phases=FIND),
        )
    except AssertionError as exc:
        return "yes" if "does not hold" in str(exc) else "other failure"
    return "no"


def property_row(mutant: Mutant, folder: Path) -> str:
    """The property test's column alone, with its own CPU time (``--property-only``)."""
    path = folder / f"{mutant.name}.yaml"
    path.write_text(mutant.text, encoding="utf-8")
    began = time.process_time()
    found = by_property_test(path)
    seconds = time.process_time() - began
    harmless = HARMLESS.get(mutant.name, "")
    return f"| {mutant.name} | {found} | {seconds:.1f} s | {'harmless' if harmless else ''} |"


def _status(found: object) -> str:
    if not found.ok:  # type: ignore[attr-defined]
        return "yes"
    if found.complete:  # type: ignore[attr-defined]
        return "no (whole space)"
    return f"not within --{found.stopped_by.replace('_', '-')}"  # type: ignore[attr-defined]


def from_start(path: Path, mutant: Mutant, folder: Path) -> tuple[object, int, str]:
    """The search from happy-standard.yaml cut before the mutated event, or an earlier one.

    The lawful case may already have done what the mutant's counter-example must
    do otherwise (a committee's vote after the recognition vote): then the cut
    moves back one event of the scenario at a time, three times at most.
    """
    text = HAPPY.read_text(encoding="utf-8")
    events = re.findall(r"event: (\w+)", text)
    # An event the scenario does not have (remove_from_probation): cut from its end.
    before = events[: events.index(mutant.event) + 1] if mutant.event in events else events
    cuts = list(dict.fromkeys(reversed(before)))[:3]
    found = None
    for event in cuts:
        start, prefix = lawful_start(folder, event)
        plugins = af.Plugins(entry_points=False)
        found = explore(
            af.load_procedure(path, plugins=plugins), plugins=plugins, **_start(plugins, start)
        )
        if not found.ok:
            break
    assert found is not None
    return found, len(prefix), event


def row(mutant: Mutant, folder: Path, *, prop: bool) -> str:
    path = folder / f"{mutant.name}.yaml"
    path.write_text(mutant.text, encoding="utf-8")
    plugins = af.Plugins(entry_points=False)
    began = time.process_time()
    found = explore(af.load_procedure(path, plugins=plugins), plugins=plugins)
    check = _status(found)
    events = str(len(found.counterexample)) if not found.ok else "-"
    if found.ok and not found.complete:
        deeper, prefix, cut = from_start(path, mutant, folder)
        check += f"; from --start before {cut}: {_status(deeper)}"
        if not deeper.ok:  # type: ignore[attr-defined]
            found = deeper  # type: ignore[assignment]
            events = f"{prefix} + {len(found.counterexample) - prefix}"
    seconds = time.process_time() - began
    invariant = found.failures[0].split("'")[1] if found.failures else ""
    property_found = by_property_test(path) if prop else "(not run)"
    harmless = HARMLESS.get(mutant.name, "")
    note = f"harmless: {harmless}" if harmless else invariant
    if found.ok and not harmless:
        note = "MISSED" if found.complete else "not found within the bounds"
    if not found.ok and harmless:
        note = f"found, yet listed harmless: {invariant}"
    return f"| {mutant.name} | {check} | {property_found} | {events} | {seconds:.1f} s | {note} |"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--property", action="store_true", help="also run the property test")
    parser.add_argument(
        "--property-only",
        action="store_true",
        help="only the property test (its column and CPU time), not check",
    )
    parser.add_argument(
        "--unsafe", action="store_true", help="only the mutants not listed as harmless"
    )
    parser.add_argument("--only", nargs="+", metavar="MUTANT", help="only these mutants")
    args = parser.parse_args()
    text = VN.read_text(encoding="utf-8")
    mutants = [*rule_removals(text), *vn_2021_shortcuts(text)]
    if args.unsafe:
        mutants = [m for m in mutants if m.name not in HARMLESS]
    if args.only:
        mutants = [m for m in mutants if m.name in args.only]
    if args.property_only:
        print("| mutant | found by property test | CPU time | listed harmless |")
        print("|---|---|---|---|")
        with tempfile.TemporaryDirectory() as folder:
            for mutant in mutants:
                print(property_row(mutant, Path(folder)), flush=True)
        return
    print(
        "| mutant | found by check | found by property test | events | CPU time | invariant / reason |"
    )
    print("|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as folder:
        for mutant in mutants:
            print(row(mutant, Path(folder), prop=args.property), flush=True)


if __name__ == "__main__":
    main()
