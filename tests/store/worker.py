"""A separate process that writes to a register, for the concurrency and crash tests.

python worker.py race URL CASE MEMBER SYNC_DIR PEERS
    load the case, wait until PEERS workers have loaded it, fire once;
    print "won" or "conflict"
python worker.py hammer URL CASE MEMBER COUNT
    record COUNT steps on the case, retrying on conflict; print "ok N conflicts M"
python worker.py service URL SCENARIO SYNC_DIR PEERS NAME COUNT
    wait until PEERS workers are ready, then all at once: create the register,
    store the scenario's unit, open COUNT cases and fire the scenario's first
    six events into each, and fire on the shared case 'shared' with request
    ids; print "ok OPENED FIRED" or the first error's code and message
python worker.py crash URL SCENARIO
    open case after case and replay the scenario's events into each, for
    ever; print "CASE SEQ" after each commit (SEQ 0: the case was opened)
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys
import time
from pathlib import Path

import attrs

import admission_flow as af
from admission_flow.store import Register

ON = dt.date(2023, 3, 20)


def race(url: str, case_id: str, member: str, sync: str, peers: str) -> None:
    register = Register(url)
    stored = register.load(case_id)
    folder = Path(sync)
    (folder / member).touch()
    deadline = time.monotonic() + 30
    while len(list(folder.iterdir())) < int(peers):
        if time.monotonic() > deadline:
            raise SystemExit("peers never came")
        time.sleep(0.005)
    try:
        register.fire(stored, "introduce", af.Actor("member", member), ON)
    except af.ConflictError:
        print("conflict", flush=True)
    else:
        print("won", flush=True)


def hammer(url: str, case_id: str, member: str, count: str) -> None:
    register = Register(url)
    done = conflicts = 0
    while done < int(count):
        try:
            register.fire(case_id, "introduce", af.Actor("member", member), ON)
        except af.ConflictError:
            conflicts += 1
            continue
        done += 1
    print(f"ok {done} conflicts {conflicts}", flush=True)


def service(url: str, scenario_path: str, sync: str, peers: str, name: str, count: str) -> None:
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(scenario_path, plugins=plugins)
    folder = Path(sync)
    (folder / name).touch()
    deadline = time.monotonic() + 30
    while len(list(folder.iterdir())) < int(peers):
        if time.monotonic() > deadline:
            raise SystemExit("peers never came")
        time.sleep(0.002)
    opened = fired = 0
    try:
        register = Register.create(url, plugins=plugins)
        register.put_unit(scenario.unit, scenario.members.values())
        for number in range(int(count)):
            case_id = f"{name}-{number}"
            candidate = attrs.evolve(scenario.candidate, id=f"p-{case_id}")
            register.open(case_id, candidate, unit=scenario.unit.id, procedure=scenario.procedure)
            opened += 1
            for event in scenario.events[:6]:
                register.fire(case_id, event.event, event.actor, event.on, **event.facts)
                fired += 1
        with contextlib.suppress(af.DuplicateError):  # another worker opened it first
            register.open(
                "shared", scenario.candidate, unit=scenario.unit.id, procedure=scenario.procedure
            )
        first = scenario.events[0]
        for attempt in range(3):  # the same request, retried: recorded once
            while True:
                try:
                    register.fire(
                        "shared",
                        first.event,
                        first.actor,
                        first.on,
                        request_id="shared-1",
                        **first.facts,
                    )
                    break
                except af.ConflictError:
                    continue
            del attempt
    except af.AdmissionFlowError as exc:
        print(f"{exc.code} {exc}", flush=True)
        return
    print(f"ok {opened} {fired}", flush=True)


def crash(url: str, scenario_path: str) -> None:
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(scenario_path, plugins=plugins)
    register = Register(url, plugins=plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    engine = scenario.engine
    for number in range(1_000_000):
        case_id = f"{scenario.candidate.id}-{number}"
        stored = register.add_case(
            engine.open(case_id, scenario.candidate, scenario.unit), scenario.procedure
        )
        print(f"{case_id} 0", flush=True)
        for event in scenario.events:
            stored = register.fire(stored, event.event, event.actor, event.on, **event.facts).stored
            print(f"{case_id} {stored.version}", flush=True)


if __name__ == "__main__":
    command, *arguments = sys.argv[1:]
    {"race": race, "hammer": hammer, "crash": crash, "service": service}[command](*arguments)
