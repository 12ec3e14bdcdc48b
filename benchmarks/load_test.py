"""A load test of the register as a service uses it: N worker processes, request ids, a worker
killed, PostgreSQL restarted, then verify and an exact cross-check.

Each worker, until the time is up, opens cases of its own by unit id and fires
the happy path of ``happy-standard`` on them, and between those fires on a few
shared "hot" cases that every worker fires on at once (members' introductions,
recorded as refused: every call is a row), each call with a request id of its
own. A call that conflicts or finds the database unavailable is retried with
the same request id, as a client would after a timeout: the register then
returns the recorded outcome instead of writing again. Every success is
journalled by the worker (case, request id, seq) as soon as it returns.

Mid-run one worker is killed with SIGKILL, and (PostgreSQL) the server is
restarted. Then: ``verify`` must find nothing, and the journals and the
history must agree exactly:

* lost: a journalled success whose row is not in the history: must be 0;
* phantom: a history row whose request id no journal has, beyond the one call
  the killed worker may have had in flight (reported apart): must be 0;
* duplicates: one request id recorded twice on a case: must be 0.

Run from the repository root (the package installed with its ``test`` extra)::

    python benchmarks/load_test.py                       # both backends, 4 workers, 20 s each
    python benchmarks/load_test.py --backend sqlite --workers 6 --seconds 60
    python benchmarks/load_test.py --postgresql postgresql://user@host/db   # no restart then
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import datetime as dt
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SCENARIO = ROOT / "examples" / "scenarios" / "happy-standard.yaml"
HOT = 4
#: Events of the happy path each case goes through (identify ... cell_vote).
STEPS = 11


# -- the worker -----------------------------------------------------------------------------


def work(url: str, name: str, seconds: float, journal: str) -> None:
    import attrs

    import admission_flow as af
    from admission_flow.store import Register

    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(SCENARIO, plugins=plugins)
    register = Register(url, plugins=plugins)
    members = sorted(scenario.members)
    out = open(journal, "a", encoding="utf-8")  # noqa: SIM115 - written until the process ends
    deadline = time.monotonic() + seconds
    calls = 0

    def call(kind: str, function: Any, *args: Any, **kwargs: Any) -> tuple[Any, dict[str, Any]]:
        """Run one call, retrying it unchanged (same request id) until it succeeds."""
        began = time.perf_counter()
        while True:
            try:
                result = function(*args, **kwargs)
            except af.AdmissionFlowError as exc:
                out.write(json.dumps({"error": exc.code}) + "\n")
                out.flush()
                if not exc.retryable:
                    raise
                if exc.code == "unavailable":
                    time.sleep(0.05)
                continue
            out_line = {"kind": kind, "ms": (time.perf_counter() - began) * 1000}
            return result, out_line

    number = 0
    while time.monotonic() < deadline:
        case_id = f"{name}-{number}"
        person = attrs.evolve(scenario.candidate, id=f"p-{case_id}")
        _, line = call("open", _open, register, case_id, person, scenario.procedure)
        out.write(json.dumps(line | {"case": case_id}) + "\n")
        for step, event in enumerate(scenario.events[:STEPS]):
            request = f"{case_id}/{step}"
            fired, line = call(
                "fire",
                register.fire,
                case_id,
                event.event,
                event.actor,
                event.on,
                request_id=request,
                **event.facts,
            )
            out.write(
                json.dumps(
                    line
                    | {
                        "case": case_id,
                        "request": request,
                        "seq": fired.seq,
                        "replayed": fired.replayed,
                    }
                )
                + "\n"
            )
            out.flush()
            hot = f"hot-{calls % HOT}"
            request = f"{name}/{calls}"
            calls += 1
            member = members[calls % len(members)]
            fired, line = call(
                "hot",
                register.fire,
                hot,
                "introduce",
                af.Actor("member", member),
                dt.date(2023, 3, 20),
                request_id=request,
            )
            out.write(
                json.dumps(
                    line
                    | {
                        "case": hot,
                        "request": request,
                        "seq": fired.seq,
                        "replayed": fired.replayed,
                    }
                )
                + "\n"
            )
            out.flush()
        number += 1
    out.close()


def _open(register: Any, case_id: str, person: Any, procedure: Any) -> None:
    import admission_flow as af

    # DuplicateError: a retry of an open that committed before its answer was lost.
    with contextlib.suppress(af.DuplicateError):
        register.open(case_id, person, unit="kdc-14", procedure=procedure)


# -- the run ----------------------------------------------------------------------------------


def prepare(url: str) -> None:
    import admission_flow as af
    from admission_flow.store import Register

    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(SCENARIO, plugins=plugins)
    with Register.create(url, plugins=plugins) as register:
        register.put_unit(scenario.unit, scenario.members.values())
        for number in range(HOT):
            case_id = f"hot-{number}"
            person = af.Person(
                id=f"p-{case_id}",
                name="Nguyễn Văn A",
                born=dt.date(1990, 1, 1),
                education="university",
            )
            register.open(case_id, person, unit="kdc-14", procedure="vn-2021")
            first = scenario.events[0]
            register.fire(case_id, first.event, first.actor, first.on, **first.facts)


def run(url: str, workers: int, seconds: float, folder: Path, restart: object | None) -> dict:
    prepare(url)
    journals = [folder / f"w{n}.jsonl" for n in range(workers)]
    processes = [
        subprocess.Popen(
            [sys.executable, __file__, "--work", url, f"w{n}", str(seconds), str(journals[n])],
            stderr=subprocess.PIPE,
            text=True,
        )
        for n in range(workers)
    ]
    began = time.monotonic()
    # Kill worker 0 a third of the way into its own run: once it has journalled some calls.
    while time.monotonic() - began < seconds * 3 + 60:
        if journals[0].exists() and journals[0].stat().st_size > 2000:
            break
        time.sleep(0.05)
    time.sleep(seconds / 3)
    os.kill(processes[0].pid, signal.SIGKILL)
    restarted = False
    if restart is not None:
        time.sleep(seconds / 6)
        restart()  # type: ignore[operator]
        restarted = True
    failures = []
    for process in processes[1:]:
        _, err = process.communicate(timeout=seconds * 10 + 120)
        if process.returncode != 0:
            failures.append(err.strip().splitlines()[-1] if err.strip() else "?")
    processes[0].wait()
    elapsed = time.monotonic() - began
    return check(url, journals, elapsed, failures, restarted)


def check(
    url: str, journals: list[Path], elapsed: float, failures: list[str], restarted: bool
) -> dict:
    import admission_flow as af
    from admission_flow.store import Register

    successes: dict[tuple[str, str], int] = {}
    latencies: list[float] = []
    errors: collections.Counter[str] = collections.Counter()
    replayed = 0
    for journal in journals:
        if not journal.exists():
            continue
        for text in journal.read_text(encoding="utf-8").splitlines():
            try:
                line = json.loads(text)
            except json.JSONDecodeError:
                continue  # the killed worker's last line, cut short
            if "error" in line:
                errors[line["error"]] += 1
            elif "request" in line:
                successes[(line["case"], line["request"])] = line["seq"]
                latencies.append(line["ms"])
                replayed += line["replayed"]
    with Register(url, plugins=af.Plugins(entry_points=False)) as register:
        broken = register.verify()
        with register.db.connect() as connection:
            rows = list(
                connection.exec_driver_sql(
                    "SELECT case_id, request_id, seq FROM history WHERE request_id IS NOT NULL"
                )
            )
    recorded = collections.Counter((row[0], row[1]) for row in rows)
    seqs = {(row[0], row[1]): row[2] for row in rows}
    lost = sum(1 for key, seq in successes.items() if seqs.get(key) != seq)
    unjournalled = [key for key in recorded if key not in successes]
    in_flight = [key for key in unjournalled if key[1].startswith(("w0-", "w0/"))][:2]
    phantom = len(unjournalled) - len(in_flight)
    duplicates = sum(count - 1 for count in recorded.values() if count > 1)
    ordered = sorted(latencies)
    return {
        "successful fires": len(successes),
        "rate (fires/s)": round(len(successes) / elapsed, 1),
        "p50 ms": round(statistics.median(ordered), 1) if ordered else None,
        "p99 ms": round(ordered[int(len(ordered) * 0.99)], 1) if ordered else None,
        "errors by code (each retried)": dict(errors),
        "replayed (a retry found its first attempt)": replayed,
        "killed worker's calls in flight": len(in_flight),
        "database restarted": restarted,
        "workers failed": failures,
        "verify": "ok" if not broken else [str(b) for b in broken[:5]],
        "lost": lost,
        "phantom": phantom,
        "duplicates": duplicates,
    }


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    if arguments and arguments[0] == "--work":
        url, name, seconds, journal = arguments[1:5]
        work(url, name, float(seconds), journal)
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--backend", choices=("sqlite", "postgresql", "both"), default="both")
    parser.add_argument("--workers", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--postgresql", metavar="URL", help="an existing, empty database")
    args = parser.parse_args(arguments)
    folder = Path(tempfile.mkdtemp(prefix="load-test-"))
    results = {}
    if args.backend in ("sqlite", "both"):
        sqlite = folder / "sqlite"
        sqlite.mkdir()
        results["SQLite"] = run(str(sqlite / "cases.db"), args.workers, args.seconds, sqlite, None)
        print(json.dumps({"SQLite": results["SQLite"]}, indent=2, ensure_ascii=False), flush=True)
    if args.backend in ("postgresql", "both"):
        pg = folder / "postgresql"
        pg.mkdir()
        if args.postgresql:
            results["PostgreSQL"] = run(args.postgresql, args.workers, args.seconds, pg, None)
        else:
            sys.path.insert(0, str(ROOT))
            from tests.store.conftest import _Server

            server = _Server()
            server.start()
            try:

                def restart() -> None:
                    # -l: the restarted server's output goes to its log, not to this
                    # process's pipe (which it would hold open for ever).
                    server.run(
                        server.pg_ctl or "pg_ctl",
                        "restart",
                        "-D",
                        str(server.data),
                        "-m",
                        "fast",
                        "-w",
                        "-l",
                        str(server.folder / "server.log"),
                    )

                results["PostgreSQL"] = run(
                    server.new_url(), args.workers, args.seconds, pg, restart
                )
            finally:
                server.stop()
    if "PostgreSQL" in results:
        print(json.dumps({"PostgreSQL": results["PostgreSQL"]}, indent=2, ensure_ascii=False))
    ok = all(
        r["lost"] == 0
        and r["phantom"] == 0
        and r["duplicates"] == 0
        and r["verify"] == "ok"
        and not r["workers failed"]
        for r in results.values()
    )
    if ok:  # the journals are evidence only when something went wrong
        shutil.rmtree(folder, ignore_errors=True)
    else:
        print(f"the workers' journals are kept in {folder}", file=sys.stderr)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
