"""One command for every figure of the speed table (issue 20), each against its anchor.

    python benchmarks/run.py                         # the table; a few minutes (+ callgrind)
    python benchmarks/run.py --quick                 # everything small, under a minute
    python benchmarks/run.py --cases 100000          # the real rebuild and recheck figures
    python benchmarks/run.py --compare old.json      # the change per row since old.json
    python benchmarks/run.py --postgresql URL        # PostgreSQL beside SQLite (or "auto")

Rows, each measured through the public API, against its anchor measured in the same run:

* ``fire_identify``, ``fire_happy_path``, ``fire_cell_vote``: ``Engine.fire`` (builders of
  ``bench_fire.py``) against a bare ``transitions`` trigger, interleaved round by round; wall
  medians, and instructions per event from ``callgrind_fire.py`` when valgrind is installed.
* ``steps_plain``, ``steps_decide``: one ``fire`` on a case with ``--steps`` steps (10,000)
  against the same on the case with the 12 steps it needs; goal O(1), a ratio about 1.
* ``memory_dossier``: ``tracemalloc`` bytes per open case in ``dossier`` after 10 steps (its own
  ``Person`` included), against the same cases after one step.
* ``rebuild_sqlite`` (``rebuild_postgresql``): ``Register.cases()`` events per CPU-second over
  ``--cases`` stored copies of an 11-step case (``bench_store.py`` loads them), against a raw
  scan of the same rows.
* ``recheck_sqlite`` (``recheck_postgresql``): ``Register.recheck`` of every case, 2 processes,
  after a one-rule change; wall and CPU seconds, and the wall projected to 100,000 cases.
* ``import_af``, ``import_store``, ``cli_help``, ``cli_validate``: fresh interpreters, medians;
  the CPU of ``import admission_flow`` (of the import statement alone) against ``import
  transitions``, and the wall time of the command line's start.

``--json FILE`` (default ``benchmarks/last-run.json``) keeps the figures; ``--compare OLD``
prints each row's change and flags the rows that moved the wrong way by more than their noise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import admission_flow as af  # noqa: E402
import bench_fire  # noqa: E402
import callgrind_fire  # noqa: E402

D = dt.date
Row = dict[str, Any]

#: Relative change below which a row's move is noise, by what the row compares. Callgrind's
#: counts move by up to 2% between runs of the same code here (objects hashed by identity
#: land in other slots when the heap differs), the ratios of wall medians by 10% or so.
NOISE = {"instructions": 0.03, "bytes": 0.05, "ratio": 0.15, "seconds": 0.25}


# -- fire ---------------------------------------------------------------------------------------


def interleaved(
    builders: dict[str, Callable[[], tuple[Callable[[], None], int]]], rounds: int, per_round: int
) -> dict[str, float]:
    """Median µs per event of each builder's batch, the builders taking turns round by round."""
    built = {name: builder() for name, builder in builders.items()}
    samples: dict[str, list[float]] = {name: [] for name in built}
    for batch, _ in built.values():
        for _ in range(20):
            batch()
    ns = time.perf_counter_ns
    for _ in range(rounds):
        gc.collect()
        for name, (batch, k) in built.items():
            for _ in range(per_round):
                t0 = ns()
                batch()
                samples[name].append((ns() - t0) / k / 1000)
    return {name: statistics.median(values) for name, values in samples.items()}


def fire_rows(args: argparse.Namespace) -> list[Row]:
    rounds, per_round = (6, 20) if args.quick else (30, 60)
    wall = interleaved(
        {
            "transitions": bench_fire.transitions_machine,
            "identify": bench_fire.af_identify,
            "happy_path": bench_fire.af_happy_path,
            "cell_vote": bench_fire.af_cell_vote,
        },
        rounds,
        per_round,
    )
    counts: dict[str, int] = {}
    why = ""
    if args.quick or args.no_callgrind:
        why = "skipped (--quick or --no-callgrind)"
    elif shutil.which("valgrind") is None:
        why = "valgrind is not installed"
    else:
        for row in callgrind_fire.ROWS:
            counts[row] = int(callgrind_fire.measure(row)["instructions_per_event"])
            print(f"  callgrind {row}: {counts[row]:,} instructions/event", flush=True)
    reference = counts.get("transitions")
    rows = []
    for key, label in (
        ("identify", "fire identify"),
        ("happy_path", "fire, happy path per event"),
        ("cell_vote", "fire cell_vote (every rule)"),
    ):
        count = counts.get(key)
        row: Row = {
            "key": f"fire_{key}",
            "label": label,
            "anchor": "bare transitions trigger",
            "wall_us": round(wall[key], 3),
            "anchor_wall_us": round(wall["transitions"], 3),
            "wall_ratio": round(wall[key] / wall["transitions"], 3),
            "goal": "≤ 1.0× (instructions)",
        }
        if count is not None and reference:
            ratio = count / reference
            row |= {"value": count, "unit": "instructions", "anchor_value": reference}
            row |= {"ratio": round(ratio, 3), "met": ratio <= 1.0, "compare": "instructions"}
        else:
            row |= {"value": round(wall[key], 3), "unit": "µs wall", "callgrind": why}
            row |= {"anchor_value": round(wall["transitions"], 3)}
            row |= {"ratio": row["wall_ratio"], "met": row["wall_ratio"] <= 1.0}
            row["compare"] = "ratio"
        rows.append(row)
    return rows


# -- steps: the same event at a few steps and at --steps steps ----------------------------------

#: The happy path up to the committee's vote: the 12 steps decide_admission needs.
PREFIX = bench_fire.HAPPY_PATH[: bench_fire.CELL_VOTE + 2]
PLAIN = (
    "record_opinions",
    "cell_committee",
    D(2023, 8, 10),
    {"residence": "favourable", "organizations": "favourable"},
)
DECIDE = next(s for s in bench_fire.HAPPY_PATH if s[0] == "decide_admission")


def steps_rows(args: argparse.Namespace) -> list[Row]:
    engine = bench_fire._engine()
    short = bench_fire._walk(engine, bench_fire._opened(engine), PREFIX)
    long = short
    for _ in range(args.steps - len(PREFIX)):
        outcome = engine.fire(long, PLAIN[0], PLAIN[1], PLAIN[2], **PLAIN[3])
        assert outcome.accepted, [v.rule for v in outcome.violations]
        long = outcome.case
    assert len(long.history) == args.steps, len(long.history)
    fire = engine.fire

    def builder(case: af.Case, step: tuple) -> Callable[[], tuple[Callable[[], None], int]]:
        event, actor, on, facts = step
        assert fire(case, event, actor, on, **facts).accepted

        def build() -> tuple[Callable[[], None], int]:
            return (lambda: fire(case, event, actor, on, **facts)), 1

        return build

    wall = interleaved(
        {
            "plain_short": builder(short, PLAIN),
            "plain_long": builder(long, PLAIN),
            "decide_short": builder(short, DECIDE),
            "decide_long": builder(long, DECIDE),
        },
        rounds=5 if args.quick else 20,
        per_round=20 if args.quick else 50,
    )
    rows = []
    for key, label in (
        ("plain", "a plain event (record_opinions)"),
        ("decide", "decide_admission"),
    ):
        ratio = wall[f"{key}_long"] / wall[f"{key}_short"]
        rows.append(
            {
                "key": f"steps_{key}",
                "label": f"fire at {args.steps:,} steps: {label}",
                "value": round(wall[f"{key}_long"], 3),
                "unit": "µs wall",
                "anchor": f"the same at {len(PREFIX)} steps",
                "anchor_value": round(wall[f"{key}_short"], 3),
                "ratio": round(ratio, 3),
                "goal": "O(1): ratio ≤ 1.2",
                "met": ratio <= 1.2,
                "compare": "ratio",
            }
        )
    return rows


# -- memory ------------------------------------------------------------------------------------


def _bytes_per_case(engine: af.Engine, steps: tuple, count: int) -> float:
    unit = af.Unit(id="kdc-7", kind="residential", official_members=20, has_youth_union=True)
    fire = engine.fire
    # One case first, unmeasured: what an engine makes once, on first use (the judging
    # function of each event, the due dates of a day), is not a case's.
    warm = engine.open("c-warm", bench_fire._opened(engine).candidate, unit)
    for event, actor, on, facts in steps:
        warm = fire(warm, event, actor, on, **facts).case
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    kept = []
    for number in range(count):
        person = af.Person(
            id=f"c-{number:06d}",
            name="Lê Văn An",
            born=D(1990, 4, 1),
            education="upper_secondary",
            positions=["residential_group_deputy"],
        )
        case = engine.open(person.id, person, unit)
        for event, actor, on, facts in steps:
            case = fire(case, event, actor, on, **facts).case
        kept.append(case)
    gc.collect()
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    assert len(kept[-1].history) == len(steps)
    return (after - before - sys.getsizeof(kept)) / count


def memory_row(args: argparse.Namespace) -> Row:
    engine = bench_fire._engine()
    count = 200 if args.quick else 5_000
    ten = bench_fire.HAPPY_PATH[: bench_fire.CELL_VOTE]
    dossier = _bytes_per_case(engine, ten, count)
    one = _bytes_per_case(engine, bench_fire.HAPPY_PATH[:1], count)
    return {
        "key": "memory_dossier",
        "label": "memory, an open case in dossier after 10 steps",
        "value": round(dossier),
        "unit": "bytes",
        "anchor": "the same after one step",
        "anchor_value": round(one),
        "ratio": round(dossier / one, 3),
        "goal": "≤ 2 KB",
        "met": dossier <= 2048,
        "compare": "bytes",
        "cases": count,
    }


# -- the register --------------------------------------------------------------------------------


def _cpu() -> float:
    return time.process_time()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _raw_scan_cpu(scan: Callable[[], int]) -> tuple[float, int]:
    began = _cpu()
    count = scan()
    return _cpu() - began, count


def register_rows(args: argparse.Namespace, folder: Path) -> list[Row]:
    import bench_store
    from admission_flow.store import Register

    fixed, case, rows = bench_store.template(folder)
    data = list(bench_store.copies(case, rows, args.cases))
    events = args.cases * len(rows)
    other = folder / "vn-2021-changed.yaml"
    bundled = Path(af.__file__).resolve().parent / "standard" / "procedures" / "vn-2021.yaml"
    text = bundled.read_text(encoding="utf-8")
    # One rule's parameter changed, and a new version: the steps of every other rule stand.
    changed = "readmission.waiting_period: {family_planning: true}"
    assert changed in text, "vn-2021 changed: pick another rule for the recheck row"
    text = text.replace(changed, "readmission.waiting_period: {family_planning: false}", 1)
    version = next(line for line in text.splitlines() if line.startswith("version:"))
    other.write_text(text.replace(version, 'version: "2099.1"', 1), encoding="utf-8")
    repeats = args.repeats or (1 if args.quick else 3)
    out: list[Row] = []
    backends: list[tuple[str, str | Path]] = [("sqlite", folder / "store.db")]
    pg_stop: Callable[[], None] = lambda: None  # noqa: E731
    if args.postgresql:
        auto = args.postgresql == "auto"
        new_pg, pg_stop = bench_store.postgres(
            argparse.Namespace(postgresql=None if auto else args.postgresql)
        )
        if new_pg is None:
            print("  PostgreSQL: no server binaries; its rows are left out")
        else:
            backends.append(("postgresql", new_pg()))
    try:
        for name, url in backends:
            register = Register.create(url)
            bench_store.load(register.db, fixed, data)
            if name == "sqlite":
                raw = folder / "scan.db"
                bench_store.raw_insert(raw, data)

                def scan(raw: Path = raw) -> int:
                    bench_store.raw_scan(raw)  # the same rows, fetched 5,000 at a time
                    return events
            else:

                def scan(register: Any = register) -> int:
                    connection = register.db.raw_connection()
                    try:
                        cursor = connection.cursor()
                        cursor.execute("SELECT * FROM history ORDER BY case_id, seq")
                        count = 0
                        while chunk := cursor.fetchmany(5000):
                            count += len(chunk)
                        return count
                    finally:
                        connection.close()

            floor = statistics.median(_raw_scan_cpu(scan)[0] for _ in range(repeats))

            def rebuild(register: Any = register) -> float:
                began = _cpu()
                folded = sum(s.version for s in register.cases())
                assert folded == events, (folded, events)
                return _cpu() - began

            seconds = statistics.median(rebuild() for _ in range(repeats))
            rate, floor_rate = events / seconds, events / floor
            out.append(
                {
                    "key": f"rebuild_{name}",
                    "label": f"rebuild {args.cases:,} cases ({events:,} events), {name}",
                    "value": round(rate),
                    "unit": "events per CPU-second",
                    "anchor": "raw scan of the same rows",
                    "anchor_value": round(floor_rate),
                    "ratio": round(rate / floor_rate, 3),
                    "goal": "≥ 200,000 events/s",
                    "met": rate >= 200_000,
                    "compare": "ratio",
                    "better": "higher",
                }
            )
            walls, cpus = [], []
            for _ in range(repeats):
                began, cpu, children = time.perf_counter(), _cpu(), _children_cpu()
                register.recheck(other, processes=2)
                walls.append(time.perf_counter() - began)
                cpus.append(_cpu() - cpu + _children_cpu() - children)
            wall, cpu = statistics.median(walls), statistics.median(cpus)
            # A run's fixed cost (starting the processes) is multiplied too: below 1,000
            # cases the projection says little, and is left out.
            projected = wall * 100_000 / args.cases if args.cases >= 1_000 else None
            out.append(
                {
                    "key": f"recheck_{name}",
                    "label": f"recheck {args.cases:,} cases after a one-rule change, 2 processes, "
                    f"{name}",
                    "value": round(wall, 3),
                    "unit": "s wall",
                    "cpu_s": round(cpu, 3),
                    "cases_per_s": round(args.cases / wall),
                    "projected_100k_s": None if projected is None else round(projected, 1),
                    "anchor": "-",
                    "anchor_value": None,
                    "ratio": None,
                    "goal": "100,000 cases ≤ 10 s wall",
                    "met": None if projected is None else projected <= 10,
                    "compare": "seconds",
                    # Compared by CPU: the wall time of two processes on a shared machine
                    # moves with the load far more than the work does.
                    "compare_field": "cpu_s",
                }
            )
            register.close()
    finally:
        pg_stop()
    return out


# -- imports and the command line ------------------------------------------------------------------


#: Fresh interpreters run as an installed package does, its bytecode cached (pip compiles
#: what it installs; an editable install writes its cache on first import), even where
#: the shell sets PYTHONDONTWRITEBYTECODE, as this machine's does: without the cache
#: every run compiles the library's sources again, and ``transitions`` (compiled by pip)
#: would be measured cached against a library measured compiling.
_ENV = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}


def _fresh(code: str) -> tuple[float, float]:
    """(CPU of ``code`` in a fresh interpreter, CPU of that whole process)."""
    probe = f"import time\nt = time.process_time()\n{code}\nprint(time.process_time() - t)"
    children = _children_cpu()
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, env=_ENV
    )
    return float(done.stdout.split()[-1]), _children_cpu() - children


def _command(arguments: list[str]) -> tuple[float, float]:
    """(wall, CPU) seconds of one run of a command."""
    began, children = time.perf_counter(), _children_cpu()
    subprocess.run(arguments, capture_output=True, check=True, env=_ENV)
    return time.perf_counter() - began, _children_cpu() - children


def _process_instructions(arguments: list[str]) -> int:
    """Instructions of one whole process under callgrind (``PYTHONHASHSEED=0``)."""
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *arguments],
        capture_output=True,
        text=True,
        env={**_ENV, "PYTHONHASHSEED": "0"},
        check=True,
    )
    return int(done.stderr.rpartition("Collected : ")[2].split()[0])


def _import_instructions(args: argparse.Namespace, command: list[str]) -> dict[str, int]:
    """Instructions above a bare interpreter's start, of each import row and command."""
    if args.quick or args.no_callgrind or shutil.which("valgrind") is None:
        return {}
    python = [sys.executable, "-c"]
    start = _process_instructions([*python, "pass"])
    counts = {
        "tr": _process_instructions([*python, "import transitions"]),
        "af": _process_instructions([*python, "import admission_flow"]),
        "engine": _process_instructions([*python, "import admission_flow; admission_flow.Engine"]),
        "store": _process_instructions([*python, "import admission_flow.store"]),
        "help": _process_instructions([*command, "--help"]),
        "validate": _process_instructions([*command, "validate", "vn-2021"]),
    }
    print(f"  callgrind, imports and commands: {counts} (start {start:,})", flush=True)
    return {key: count - start for key, count in counts.items()}


def import_rows(args: argparse.Namespace) -> list[Row]:
    repeats = args.repeats or (5 if args.quick else 15)
    script = Path(sys.executable).with_name("admission-flow")
    command = [str(script)] if script.exists() else [sys.executable, "-m", "admission_flow"]
    runs: dict[str, list[Any]] = {
        k: [] for k in ("tr", "af", "engine", "store", "help", "validate")
    }
    _command([*command, "validate", "vn-2021"])  # the bytecode cache written, not measured
    for _ in range(repeats):  # alternated, so that a change of load meets every row
        runs["tr"].append(_fresh("import transitions"))
        runs["af"].append(_fresh("import admission_flow"))
        runs["engine"].append(_fresh("import admission_flow\nadmission_flow.Engine"))
        runs["store"].append(_fresh("import admission_flow.store"))
        runs["help"].append(_command([*command, "--help"]))
        runs["validate"].append(_command([*command, "validate", "vn-2021"]))
    counts = _import_instructions(args, command)
    tr = statistics.median(r[0] for r in runs["tr"])
    tr_process = statistics.median(r[1] for r in runs["tr"])
    rows = []
    goals = {
        "af": "≤ 2×",
        "engine": "- (what a program that fires pays)",
        "store": "SQLAlchemy only when a register is used",
    }
    for key, label in (
        ("af", "import admission_flow"),
        ("engine", "import admission_flow, then admission_flow.Engine"),
        ("store", "import admission_flow.store"),
    ):
        value = statistics.median(r[0] for r in runs[key])
        rows.append(
            {
                "key": f"import_{key}",
                "label": f"{label} (CPU of the import)",
                "value": round(value, 4),
                "unit": "s CPU",
                "process_cpu_s": round(statistics.median(r[1] for r in runs[key]), 4),
                "anchor": "import transitions",
                "anchor_value": round(tr, 4),
                "anchor_process_cpu_s": round(tr_process, 4),
                "ratio": round(value / tr, 3),
                "goal": goals[key],
                "met": value / tr <= 2 if key == "af" else None,
                "compare": "ratio",
            }
        )
    for key, label in (
        ("help", "admission-flow --help"),
        ("validate", "admission-flow validate vn-2021"),
    ):
        value = statistics.median(r[0] for r in runs[key])
        rows.append(
            {
                "key": f"cli_{key}",
                "label": f"{label}, wall",
                "value": round(value, 4),
                "unit": "s wall",
                "cpu_s": round(statistics.median(r[1] for r in runs[key]), 4),
                "anchor": "import transitions, process CPU",
                "anchor_value": round(tr_process, 4),
                "ratio": round(value / tr_process, 3),
                "goal": "< 0.3 s",
                "met": value < 0.3,
                "compare": "ratio",
            }
        )
    if counts:  # the figure that does not move with the load: instructions above the start
        for row in rows:
            key = row["key"].partition("_")[2]
            row["instructions"] = counts[key]
            row["instructions_x_transitions"] = round(counts[key] / counts["tr"], 2)
    return rows


# -- the table, the file, the comparison --------------------------------------------------------

ROWS = (
    "fire_identify",
    "fire_happy_path",
    "fire_cell_vote",
    "steps_plain",
    "steps_decide",
    "memory_dossier",
    "rebuild_sqlite",
    "recheck_sqlite",
    "import_af",
    "import_engine",
    "import_store",
    "cli_help",
    "cli_validate",
)


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float) and value < 100:
        return f"{value:,.3f}"
    return f"{value:,.0f}"


def table(rows: list[Row]) -> str:
    lines = [
        f"{'row':<16} {'figure':>14} {'unit':<22} {'anchor':>12} {'ratio':>7}  goal",
        "-" * 100,
    ]
    for row in rows:
        ratio = "-" if row.get("ratio") is None else f"{row['ratio']:.2f}×"
        verdict = {True: "met", False: "NOT met", None: ""}[row.get("met")]
        lines.append(
            f"{row['key']:<16} {_number(row['value']):>14} {row['unit']:<22} "
            f"{_number(row.get('anchor_value')):>12} {ratio:>7}  {row['goal']} {verdict}".rstrip()
        )
        extra = {
            k: row[k]
            for k in (
                "wall_ratio",
                "cpu_s",
                "projected_100k_s",
                "callgrind",
                "instructions",
                "instructions_x_transitions",
            )
            if k in row
        }
        lines.append(f"  {row['label']}; anchor: {row['anchor']}" + (f"; {extra}" if extra else ""))
    return "\n".join(lines)


def compare(old: dict[str, Any], new: dict[str, Any]) -> tuple[str, list[str]]:
    """Each row's change since ``old``, and the keys of the rows that regressed beyond noise."""
    lines, regressed = [f"{'row':<16} {'before':>14} {'after':>14} {'change':>8}  "], []
    for key, row in new["rows"].items():
        before = old.get("rows", {}).get(key)
        basis = row.get("compare", "ratio")
        field = row.get("compare_field") or ("ratio" if basis == "ratio" else "value")
        if before is None or before.get("compare") != basis or not before.get(field):
            lines.append(
                f"{key:<16} {'-':>14} {_number(row.get(field)):>14} {'':>8}  new or not comparable"
            )
            continue
        a, b = before[field], row[field]
        change = (b - a) / a
        worse = -change if row.get("better") == "higher" else change
        flag = ""
        if worse > NOISE[basis]:
            flag = f"REGRESSION (noise ±{NOISE[basis]:.0%})"
            regressed.append(key)
        elif -worse > NOISE[basis]:
            flag = "better"
        lines.append(f"{key:<16} {_number(a):>14} {_number(b):>14} {change:>+8.1%}  {field} {flag}")
    return "\n".join(lines), regressed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="everything small: under a minute")
    parser.add_argument(
        "--cases",
        type=int,
        help="stored cases for rebuild and recheck "
        "(default 10,000; 300 with --quick; 100,000 for the real figure)",
    )
    parser.add_argument("--steps", type=int, help="steps of the long case (default 10,000)")
    parser.add_argument(
        "--postgresql",
        metavar="URL",
        default=os.environ.get("AF_BENCH_POSTGRESQL"),
        help='also PostgreSQL: an empty database, or "auto" for a throwaway server '
        "(default: $AF_BENCH_POSTGRESQL)",
    )
    parser.add_argument(
        "--repeats", type=int, help="runs per median: register (3) and fresh interpreters (15)"
    )
    parser.add_argument("--no-callgrind", action="store_true", help="wall times only for fire")
    parser.add_argument(
        "--json", type=Path, default=HERE / "last-run.json", help="write the figures here"
    )
    parser.add_argument("--compare", type=Path, metavar="OLD", help="a previous run's JSON")
    args = parser.parse_args(argv)
    args.cases = args.cases or (300 if args.quick else 10_000)
    args.steps = args.steps or (1_000 if args.quick else 10_000)
    if args.steps <= len(PREFIX):
        parser.error(f"--steps must be more than {len(PREFIX)}")
    old = json.loads(args.compare.read_text(encoding="utf-8")) if args.compare else None
    started, cpu_started = time.perf_counter(), time.process_time()
    print(
        f"admission_flow {af.__version__}, Python {platform.python_version()}, "
        f"{platform.platform()}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}",
        flush=True,
    )
    rows: list[Row] = []
    folder = Path(tempfile.mkdtemp(prefix="af-bench-"))
    try:
        for part in (
            fire_rows,
            steps_rows,
            lambda a: [memory_row(a)],
            lambda a: register_rows(a, folder),
            import_rows,
        ):
            began = time.perf_counter()
            got = part(args)
            rows.extend(got)
            print(
                f"  {', '.join(r['key'] for r in got)}: {time.perf_counter() - began:.1f} s",
                flush=True,
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu_started
    result = {
        "meta": {
            "version": af.__version__,
            "python": platform.python_version(),
            "platform": platform.platform(),
            "cores": os.cpu_count(),
            "quick": args.quick,
            "cases": args.cases,
            "steps": args.steps,
            "wall_s": round(wall, 1),
            "cpu_share": round(cpu / wall, 2),
            "load": round(os.getloadavg()[0], 2),
        },
        "rows": {row["key"]: row for row in rows},
    }
    print()
    print(table(rows))
    print(
        f"\n({wall:.0f} s wall; this process had the CPU {cpu / wall:.0%} of it, "
        f"its children not counted; load average {os.getloadavg()[0]:.1f})"
    )
    args.json.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"figures written to {args.json}")
    if old is not None:
        text, regressed = compare(old, result)
        print(f"\nagainst {args.compare}:\n{text}")
        if regressed:
            print(f"regressions beyond noise: {', '.join(regressed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
