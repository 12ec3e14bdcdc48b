"""A load test of ``admission-flow serve``: several workers, real HTTP on 127.0.0.1, PostgreSQL,
one worker killed and the database restarted while clients fire.

What it does:

1. starts a throwaway PostgreSQL server (as the tests do: ``tests/store/conftest.py``),
   creates the register, keeps the Liên Chiểu units and opens ``--cases`` cases;
2. starts ``admission-flow serve --workers N --no-auth`` on 127.0.0.1;
3. ``--clients`` threads each walk their cases along the standard route to the
   cell's vote (11 events a case), every fire with an ``Idempotency-Key`` of its
   own, and retry a call, with the same key, after a dropped connection, a 503
   (waiting ``Retry-After``) or a 409, until it is answered 200 (bounded: 120 s a call);
4. a third of the way in, kills one worker (SIGKILL; uvicorn starts another); two
   thirds in, restarts PostgreSQL (``pg_ctl restart -m fast``);
5. then reads every history back and counts: **lost** (a fire answered 200 whose
   step is not in the history), **phantom** (a step nobody was answered for),
   **duplicate** (an event of the route recorded twice on a case), and runs ``verify``.

Run from the repository root, with the ``test`` extra installed::

    python benchmarks/load_serve.py                 # 200 cases, 8 clients, 2 workers
    python benchmarks/load_serve.py --quick         # 40 cases

Exit status 0 when lost, phantom and duplicate are 0 and every chain holds. The
requests go to 127.0.0.1 only, and every loop is bounded in count and time.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

import admission_flow as af
from admission_flow.store import Register
from admission_flow.units import load_units

ROOT = Path(__file__).resolve().parent.parent

UNITS = ROOT / "examples" / "lien-chieu" / "units.yaml"
#: The standard route to the cell's vote, as HTTP bodies; members are kdc-14's.
ROUTE: list[tuple[str, str, Any, dict[str, Any]]] = [
    (body["event"], body["on"], body["by"], body["facts"])
    for body in json.loads(
        (ROOT / "examples" / "lien-chieu" / "http-route.json").read_text("utf-8")
    )
]
CALL_LIMIT = 120.0  # seconds one call may keep retrying


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Tally:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.answered: dict[str, tuple[str, int]] = {}  # request id -> (case, seq)
        self.latencies: list[float] = []
        self.retries: Counter[str] = Counter()
        self.refused = 0
        self.failures: list[str] = []

    def add(self, request_id: str, case: str, seq: int, spent: float, accepted: bool) -> None:
        with self.lock:
            self.answered[request_id] = (case, seq)
            self.latencies.append(spent)
            self.refused += not accepted

    def retry(self, why: str) -> None:
        with self.lock:
            self.retries[why] += 1


def fire(port: int, tally: Tally, case: str, step: int) -> None:
    event, on, by, facts = ROUTE[step]
    body = json.dumps({"event": event, "on": on, "by": by, "facts": facts}).encode()
    request_id = f"{case}-{step}"
    started = time.monotonic()
    while time.monotonic() - started < CALL_LIMIT:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        try:
            connection.request(
                "POST",
                f"/v1/cases/{case}/events",
                body,
                {"Content-Type": "application/json", "Idempotency-Key": request_id},
            )
            answer = connection.getresponse()
            data = json.loads(answer.read() or b"{}")
        except (OSError, http.client.HTTPException, json.JSONDecodeError):
            tally.retry("connection")
            time.sleep(0.2)
            continue
        finally:
            connection.close()
        if answer.status == 200:
            tally.add(request_id, case, data["seq"], time.monotonic() - started, data["accepted"])
            return
        if answer.status == 503:
            tally.retry("503")
            time.sleep(float(answer.headers.get("Retry-After", "1")))
            continue
        if answer.status == 409:
            tally.retry("409")
            continue
        raise SystemExit(f"{case} step {step}: unexpected {answer.status}: {data}")
    raise SystemExit(f"{case} step {step}: no answer within {CALL_LIMIT} s")


def client(port: int, tally: Tally, cases: list[str]) -> None:
    try:
        for step in range(len(ROUTE)):
            for case in cases:
                fire(port, tally, case, step)
    except BaseException as exc:  # a thread's SystemExit would vanish silently
        with tally.lock:
            tally.failures.append(str(exc))


def workers_of(pid: int) -> list[int]:
    """The worker processes of uvicorn's supervisor ``pid`` (not multiprocessing's tracker)."""
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    found = []
    for child in children:
        try:
            command = Path(f"/proc/{child}/cmdline").read_bytes()
        except OSError:
            continue
        if b"spawn_main" in command:
            found.append(int(child))
    return found


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=200)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--quick", action="store_true", help="40 cases")
    args = parser.parse_args(argv)
    count = 40 if args.quick else args.cases

    sys.path.insert(0, str(ROOT))
    from tests.store.conftest import _Server  # the tests' throwaway server

    database = _Server()
    if not (database.initdb and database.pg_ctl):
        print("PostgreSQL server binaries (initdb, pg_ctl) not found", file=sys.stderr)
        return 2
    database.start()
    server: subprocess.Popen[str] | None = None
    try:
        url = database.new_url()
        with Register.create(url) as register:
            for node in load_units(UNITS):
                register.put_unit(node.unit, node.members)
            for n in range(count):
                person = af.Person(
                    id=f"p-{n:05}",
                    name="Võ Thị Kim Oanh",
                    born=dt.date(1986, 7, 12),
                    education="upper_secondary",
                )
                register.open(f"c-{n:05}", person, unit="kdc-14", procedure="vn-2021")
        port = free_port()
        log = open(os.environ.get("LOAD_SERVE_LOG", os.devnull), "w")  # noqa: SIM115
        server = subprocess.Popen(
            [sys.executable, "-m", "admission_flow", "serve", "--db", url, "--no-auth",
             "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
             "--units", str(UNITS)],
            stdout=subprocess.DEVNULL, stderr=log, text=True,
        )  # fmt: skip
        deadline = time.monotonic() + 60
        while len(workers_of(server.pid)) < args.workers or not _up(port):
            if time.monotonic() > deadline:
                raise SystemExit("the server did not start within 60 s")
            time.sleep(0.2)

        tally = Tally()
        ids = [f"c-{n:05}" for n in range(count)]
        threads = [
            threading.Thread(target=client, args=(port, tally, ids[i :: args.clients]), daemon=True)
            for i in range(args.clients)
        ]
        total = count * len(ROUTE)
        started = time.monotonic()
        for thread in threads:
            thread.start()
        killed = restarted = False
        shown = started
        while any(t.is_alive() for t in threads):
            done = len(tally.answered)
            if time.monotonic() - shown > 5:
                shown = time.monotonic()
                print(f"{done} of {total} fires, retries {dict(tally.retries)}", file=sys.stderr)
            if time.monotonic() - started > 2 * CALL_LIMIT + total:
                raise SystemExit(f"stuck at {done} of {total} fires")
            if not killed and done >= total // 3:
                victim = workers_of(server.pid)[0]
                os.kill(victim, signal.SIGKILL)
                killed = True
                print(f"killed worker {victim} after {done} fires", file=sys.stderr)
            if killed and not restarted and done >= 2 * total // 3:
                # -l: the new server's output goes to its log, not to this process's pipe.
                database.run(
                    database.pg_ctl, "restart", "-D", str(database.data), "-m", "fast", "-w",
                    "-l", str(database.folder / "server.log"),
                )  # fmt: skip
                restarted = True
                print(f"restarted PostgreSQL after {done} fires", file=sys.stderr)
            time.sleep(0.05)
        spent = time.monotonic() - started

        lost = phantom = duplicate = 0
        with Register(url) as register:
            broken = register.verify()
            recorded: set[tuple[str, int]] = set()
            for case in ids:
                entries = register.history(case)
                seen = Counter((e.step.event, str(e.step.actor)) for e in entries)
                duplicate += sum(n - 1 for n in seen.values() if n > 1)
                for entry in entries:
                    recorded.add((case, entry.seq))
        answered = set(tally.answered.values())
        lost = len(answered - recorded)
        phantom = len(recorded - answered)
        latencies = sorted(tally.latencies)
        figures = {
            "cases": count,
            "fires answered": len(tally.answered),
            "fires expected": total,
            "seconds": round(spent, 1),
            "fires per second": round(len(tally.answered) / spent, 1),
            "p50 ms": round(statistics.median(latencies) * 1000, 1),
            "p99 ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 1),
            "refused": tally.refused,
            "retries": dict(tally.retries),
            "worker killed": killed,
            "database restarted": restarted,
            "lost": lost,
            "phantom": phantom,
            "duplicate": duplicate,
            "verify": "ok" if not broken else f"{len(broken)} broken",
            "client failures": tally.failures[:5],
        }
        for name, value in figures.items():
            print(f"{name:>20}: {value}")
        good = (
            lost == phantom == duplicate == 0
            and not broken
            and len(tally.answered) == total
            and tally.refused == 0
            and not tally.failures
        )
        return 0 if good else 1
    finally:
        if server is not None:
            server.terminate()
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
        database.stop()


def _up(port: int) -> bool:
    try:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        connection.request("GET", "/openapi.json")
        ok = connection.getresponse().status == 200
        connection.close()
        return ok
    except OSError:
        return False


if __name__ == "__main__":
    raise SystemExit(main())
