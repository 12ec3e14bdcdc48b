"""Real processes on one register: no lost update, and a SIGKILL never leaves half a step."""

from __future__ import annotations

import collections
import datetime as dt
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.store import Register

HERE = Path(__file__).resolve().parent
WORKER = HERE / "worker.py"
SCENARIO = HERE.parents[1] / "examples" / "scenarios" / "happy-standard.yaml"
D = dt.date
MEMBERS = [af.Member(id=f"m-{n}", status="official", since=D(2000, 1, 1)) for n in range(4)]


def worker(*argv: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(WORKER), *argv],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def identified_case(url: str) -> None:
    """A case in state 'identified', on which members' introductions are recorded (refused)."""
    plugins = af.Plugins(entry_points=False)
    with Register.create(url, plugins=plugins) as register:
        unit = af.Unit(id="u-1", kind="residential", official_members=29)
        register.put_unit(unit, MEMBERS)
        engine = af.Engine.load("vn-2021", plugins=plugins, members=MEMBERS)
        person = af.Person(
            id="c-1", name="Nguyễn Văn A", born=D(1990, 1, 1), education="university"
        )
        stored = register.add_case(engine.open("c-1", person, unit), engine.procedure)
        register.fire(stored, "identify", "cell_committee", D(2023, 3, 1))


def test_two_writers_on_one_case_one_wins_the_other_conflicts(url: str, tmp_path: Path) -> None:
    """Both load version 1, both fire at once: one row is written, the other gets ConflictError."""
    identified_case(url)
    sync = tmp_path / "sync"
    sync.mkdir()
    processes = [worker("race", url, "c-1", m.id, str(sync), "2") for m in MEMBERS[:2]]
    results = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        results.append(out.strip())
    assert sorted(results) == ["conflict", "won"]
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        assert register.load("c-1").version == 2
        assert len(register.history("c-1")) == 2
        assert register.verify() == []


def test_many_writers_retrying_lose_no_update(url: str) -> None:
    """Four processes record 15 steps each on one case, retrying conflicts: all 60 are there."""
    identified_case(url)
    count = 15
    processes = [worker("hammer", url, "c-1", m.id, str(count)) for m in MEMBERS]
    for process in processes:
        out, err = process.communicate(timeout=120)
        assert process.returncode == 0, err
        assert out.startswith(f"ok {count} ")
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        entries = register.history("c-1")
        assert len(entries) == 1 + count * len(MEMBERS)
        by_member = collections.Counter(e.step.actor.id for e in entries[1:])
        assert by_member == {m.id: count for m in MEMBERS}
        assert register.verify() == []


@pytest.mark.parametrize("round_", range(6))
def test_a_process_killed_at_random_loses_no_committed_step(url: str, round_: int) -> None:
    """SIGKILL at a random moment of a long run: every step it reported is there, verify holds."""
    Register.create(url).close()
    process = worker("crash", url, str(SCENARIO))
    assert process.stdout is not None
    first = process.stdout.readline()  # the worker is up and writing
    assert first.endswith(" 0\n"), process.stderr.read() if process.stderr else ""
    time.sleep(random.Random(round_).uniform(0.05, 1.5))
    os.kill(process.pid, signal.SIGKILL)
    out, _ = process.communicate(timeout=60)
    reported: dict[str, int] = {}
    for line in (first + out).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():  # the last line may be cut short
            reported[parts[0]] = int(parts[1])
    assert reported
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        assert register.verify() == []
        for case_id, seq in reported.items():
            stored = register.load(case_id)
            # everything reported was committed; at most one more step committed unreported
            assert seq <= stored.version <= seq + 1
        stored_ids = set(register.case_ids())
        assert set(reported) <= stored_ids
        assert len(stored_ids - set(reported)) <= 1


def test_four_processes_creating_opening_and_firing_at_once_all_succeed(
    url: str, tmp_path: Path
) -> None:
    """On a fresh database, four processes create the register, store one unit, open cases
    and fire at once: every call succeeds ("database is locked" never), one shared row."""
    sync = tmp_path / "sync"
    sync.mkdir()
    count = 3
    processes = [
        worker("service", url, str(SCENARIO), str(sync), "4", f"w{n}", str(count)) for n in range(4)
    ]
    for process in processes:
        out, err = process.communicate(timeout=180)
        assert process.returncode == 0, err
        assert out.strip() == f"ok {count} {count * 6}", out
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        assert len(register.case_ids()) == 4 * count + 1
        assert len(register.history("shared")) == 1
        assert {s.version for s in register.find(unit="kdc-14") if s.id != "shared"} == {6}
        assert register.verify() == []
