"""Fuzzing the command line with mutated procedure and scenario files (issue #8).

Each case takes a real file (the bundled procedure, the test fixtures, the
example scenarios), mutates its lines (values replaced by hostile ones, typos,
lines deleted, repeated or swapped, raw bytes inserted), runs the command in
process through ``_cli.main(argv)`` and checks the contract of docs/limits.md:

- the exit status is 0, 2 or 3, and nothing raises (no traceback);
- every line on standard error is ``file:line:col: message`` or
  ``admission-flow: message``;
- no raw control character, line separator or bidi override is printed;
- a scenario never prints the contents of a file it names as its procedure;
- time and memory (tracemalloc's peak) are measured, and held to generous bounds.

The default budget is small; ``HYPOTHESIS_PROFILE=fuzz`` runs many more cases.
With ``FUZZ_SUMMARY=path``, a JSON summary (cases, outcomes by exit status,
slowest, largest memory) is written there at the end.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import time
import tracemalloc
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.cli._main import main
from helpers import PROCEDURES

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = Path(af.__file__).resolve().parent / "standard" / "procedures" / "vn-2021.yaml"
PROCEDURE_SEEDS = [BUNDLED, *sorted(PROCEDURES.glob("*.yaml"))]
SCENARIO_SEEDS = sorted((ROOT / "examples" / "scenarios").glob("*.yaml"))

#: Small by default, so that the suite stays quick; the ``fuzz`` profile sets its own.
FUZZING = os.environ.get("HYPOTHESIS_PROFILE") == "fuzz"
#: ``FUZZ_EXAMPLES=N`` sets the long profile's cases per test (default: the profile's 2,000).
BUDGET = (
    int(os.environ.get("FUZZ_EXAMPLES", settings().max_examples))
    if FUZZING
    else min(settings().max_examples, 15)
)
#: Every fuzz test's settings (here and in test_fuzz_second.py): the budget, no deadline,
#: and no health check that a slow or large hostile file trips.
FUZZ = settings(
    max_examples=BUDGET,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
    ],
)

#: Generous bounds: a case is expected to take milliseconds and a few MiB.
MAX_SECONDS = 60.0
MAX_PEAK_BYTES = 256 * 1024 * 1024

SECRET = "SECRET-MARKER-7f3a: do-not-print"

ERROR_LINE = re.compile(r"(?:.+?:\d+:\d+: .+|admission-flow: .+)")
RAW_CONTROL = re.compile(
    "[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200b-\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff"
    "\ud800-\udfff]"
)

#: Values worth trying: each crossed a limit, broke a line or reached the terminal.
HOSTILE = [
    "\x00",
    "\x1b[2J",
    "\x1b]0;title\x07",
    "\u2028",
    "\u2029",
    "\u202e",
    "\u2066",
    "\x85",
    "\t",
    "\r",
    '"a\\0b"',
    '"\\e[31mred\\L\\N\\P\\u202e"',
    "99999999999999999999",
    "9" * 5000,
    "1" + "0" * 15,
    "9" * 15,
    "-1",
    "0",
    "10000",
    "10001",
    "99999",
    "1e400",
    "9999-12-30",
    "2200-01-01",
    "1899-12-31",
    "2199-12-31",
    "0000-01-01",
    "2023-02-30",
    '"{in_favour:>1500000000}"',
    '"{total!z}"',
    '"{x:{nosuch}}"',
    '"{member.__class__}"',
    "&a x",
    "*a",
    "*nope",
    "!!python/object/apply:os.system ['echo pwned']",
    "!!int 12",
    "!!timestamp 2999-01-01",
    "!foo bar",
    "[",
    "]",
    "{",
    "}",
    ": ",
    "- ",
    "? ",
    "|",
    "'",
    '"',
    "x" * 300,
    "null",
    "~",
    "true",
    "yes",
    "on",
    "[" * 70 + "]" * 70,
    "{a: 1, a: 2}",
    "[*a, *a, *a]",
]

#: What a scenario's ``procedure:`` may be pointed at; none of it may be printed.
PROCEDURE_PATHS = [
    "../secret.yaml",
    "{secret}",
    "/etc/passwd",
    "/dev/zero",
    "secret-link.yaml",
    "nosuch.yaml",
    "a\\0b.yaml",
    "../" * 40 + "etc/passwd",
    ".",
    "..",
]


class Stats:
    """What the cases of one session did: counted for the report, never asserted on."""

    def __init__(self) -> None:
        self.statuses: Counter[str] = Counter()
        self.slowest: tuple[float, str] = (0.0, "")
        self.largest: tuple[int, str] = (0, "")

    def record(self, command: str, status: int, seconds: float, peak: int, seed: str) -> None:
        self.statuses[f"{command} {status}"] += 1
        if seconds > self.slowest[0]:
            self.slowest = (seconds, f"{command} {seed}")
        if peak > self.largest[0]:
            self.largest = (peak, f"{command} {seed}")

    def as_dict(self) -> dict[str, Any]:
        return {
            "profile": os.environ.get("HYPOTHESIS_PROFILE", "dev"),
            "cases": sum(self.statuses.values()),
            "by_command_and_status": dict(sorted(self.statuses.items())),
            "slowest_seconds": [round(self.slowest[0], 3), self.slowest[1]],
            "largest_peak_mib": [round(self.largest[0] / 2**20, 1), self.largest[1]],
        }


@pytest.fixture(scope="module")
def stats() -> Iterator[Stats]:
    found = Stats()
    yield found
    summary = os.environ.get("FUZZ_SUMMARY")
    if summary:
        Path(summary).write_text(json.dumps(found.as_dict(), indent=2) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A folder holding a secret beside the one the cases are written in."""
    root = tmp_path_factory.mktemp("fuzz")
    secret = root / "secret.yaml"
    secret.write_text(f"{SECRET}\nkey: {SECRET}\n", encoding="utf-8")
    cases = root / "cases"
    cases.mkdir()
    with contextlib.suppress(OSError):
        (cases / "secret-link.yaml").symlink_to(secret)
    return cases


# -- mutations -------------------------------------------------------------------------------

#: Any character a file can hold as UTF-8 (raw bytes, invalid UTF-8 included, come from "byte").
TEXT = st.characters(exclude_categories=["Cs"])

operation = st.one_of(
    st.tuples(st.just("value"), st.integers(0, 10_000), st.sampled_from(HOSTILE)),
    st.tuples(st.just("value"), st.integers(0, 10_000), st.text(TEXT, max_size=12)),
    st.tuples(
        st.just("insert"), st.integers(0, 10_000), st.integers(0, 200), st.sampled_from(HOSTILE)
    ),
    st.tuples(st.just("typo"), st.integers(0, 10_000), st.integers(0, 200), TEXT),
    st.tuples(st.just("delete"), st.integers(0, 10_000)),
    st.tuples(st.just("repeat"), st.integers(0, 10_000), st.integers(2, 3000)),
    st.tuples(st.just("swap"), st.integers(0, 10_000), st.integers(0, 10_000)),
    st.tuples(st.just("byte"), st.integers(0, 100_000), st.binary(min_size=1, max_size=3)),
)


def mutate(seed: bytes, operations: list[tuple[Any, ...]]) -> bytes:
    """``seed`` with ``operations`` applied to its lines (or, for "byte", to its bytes)."""
    lines = seed.decode("utf-8", errors="surrogateescape").split("\n")
    raw_bytes: list[tuple[int, bytes]] = []
    for op in operations:
        lines = lines or [""]
        kind, index = op[0], op[1] % len(lines)
        line = lines[index]
        if kind == "value":
            head, sep, _ = line.partition(": ")
            lines[index] = f"{head}{sep or ': '}{op[2]}"
        elif kind == "insert":
            at = op[2] % (len(line) + 1)
            lines[index] = line[:at] + op[3] + line[at:]
        elif kind == "typo" and line:
            at = op[2] % len(line)
            lines[index] = line[:at] + op[3] + line[at + 1 :]
        elif kind == "delete":
            del lines[index]
        elif kind == "repeat":
            lines[index : index + 1] = [line] * op[2]
        elif kind == "swap":
            other = op[2] % len(lines)
            lines[index], lines[other] = lines[other], line
        elif kind == "byte":
            raw_bytes.append((op[1], op[2]))
    data = "\n".join(lines).encode("utf-8", errors="surrogateescape")
    for offset, extra in raw_bytes:
        at = offset % (len(data) + 1)
        data = data[:at] + extra + data[at:]
    return data


# -- running one case --------------------------------------------------------------------------


def run_case(
    argv: list[str],
    stats: Stats,
    seed: str,
    *,
    statuses: tuple[int, ...] = (0, 2, 3),
    error_line: re.Pattern[str] = ERROR_LINE,
) -> tuple[int, str, str]:
    """Run the command in process; check the contract; return status, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    tracing = tracemalloc.is_tracing()
    if not tracing:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    started = time.perf_counter()
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            status = main(argv)
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        if not tracing:
            tracemalloc.stop()
    stdout, stderr = out.getvalue(), err.getvalue()
    stats.record(argv[0], status, seconds, peak - before, seed)
    where = f"{argv}: status {status}\n--- stderr ---\n{stderr[:2000]}"
    assert status in statuses, where
    assert seconds < MAX_SECONDS, f"{where}\ntook {seconds:.1f} s"
    assert peak - before < MAX_PEAK_BYTES, f"{where}\npeak {(peak - before) / 2**20:.0f} MiB"
    assert "Traceback" not in stderr, where
    for line in stderr.splitlines():
        assert error_line.fullmatch(line), f"{where}\nnot an error line: {line!r}"
    for name, text in (("stdout", stdout), ("stderr", stderr)):
        raw = RAW_CONTROL.search(text)
        assert raw is None, f"{where}\nraw {raw.group()!r} on {name}" if raw else ""
    if status == 2:
        assert stderr, where
    return status, stdout, stderr


# -- procedure files: validate and graph ------------------------------------------------------------


@FUZZ
@given(
    seed=st.sampled_from(PROCEDURE_SEEDS),
    operations=st.lists(operation, min_size=1, max_size=4),
    command=st.sampled_from(["validate", "graph", "graph-dot"]),
)
def test_mutated_procedures_keep_the_contract(
    folder: Path,
    stats: Stats,
    seed: Path,
    operations: list[tuple[Any, ...]],
    command: str,
) -> None:
    """validate and graph on a mutated procedure: 0 or 2, one safe line per problem."""
    path = folder / "procedure.yaml"
    path.write_bytes(mutate(seed.read_bytes(), operations))
    argv = {
        "validate": ["validate", str(path)],
        "graph": ["graph", str(path)],
        "graph-dot": ["graph", str(path), "--format", "dot", "-o", str(folder / "out.dot")],
    }[command]
    status, stdout, _ = run_case(argv, stats, seed.name)
    if status == 0 and command == "validate":
        assert stdout.startswith(f"{path}: ok: procedure ")


# -- scenario files: run ---------------------------------------------------------------------------


@FUZZ
@given(
    seed=st.sampled_from(SCENARIO_SEEDS),
    operations=st.lists(operation, max_size=4),
    procedure=st.none() | st.sampled_from(PROCEDURE_PATHS),
    as_json=st.booleans(),
)
def test_mutated_scenarios_keep_the_contract(
    folder: Path,
    stats: Stats,
    seed: Path,
    operations: list[tuple[Any, ...]],
    procedure: str | None,
    as_json: bool,
) -> None:
    """run on a mutated scenario: 0 or 2, safe lines, and never a named file's contents."""
    text = seed.read_bytes()
    if procedure is not None:
        hostile = procedure.format(secret=folder.parent / "secret.yaml")
        text = re.sub(rb"(?m)^procedure: .*$", f'procedure: "{hostile}"'.encode(), text)
    path = folder / "scenario.yaml"
    path.write_bytes(mutate(text, operations))
    argv = ["run", str(path), *(["--json"] if as_json else [])]
    status, stdout, stderr = run_case(argv, stats, seed.name)
    assert "SECRET-MARKER" not in stdout + stderr
    assert "root:" not in stdout + stderr
    if status == 0 and as_json:
        json.loads(stdout)


def test_many_unknown_mentors_are_checked_quickly(folder: Path, stats: Stats) -> None:
    """The fuzzer's scenario with 3,000 members and 999 unknown mentors: one line each."""
    head = (ROOT / "examples" / "scenarios" / "happy-standard.yaml").read_text(encoding="utf-8")
    head = head.split("\nmembers:")[0] + "\n"
    members = "".join(
        f"  - {{id: m-{n:04d}, status: official, since: 2005-06-01}}\n" for n in range(3000)
    )
    events = "".join(
        f"  - {{on: 2023-03-10, event: assign_mentor, by: cell, mentor: m-{n:04d}x}}\n"
        for n in range(999)
    )
    path = folder / "mentors.yaml"
    path.write_text(
        f"{head}members:\n{members}candidate: {{id: c, name: Hoa, born: 1991-03-02, "
        "education: university}\nevents:\n  - {on: 2023-03-01, event: identify, "
        f"by: cell_committee, source_group: residential_cadre}}\n{events}",
        encoding="utf-8",
    )
    # No time limit (speed is measured in benchmarks/, never asserted in tests).
    status, _, stderr = run_case(["run", str(path)], stats, path.name)
    assert status == 2
    lines = stderr.splitlines()
    assert len(lines) == 999
    assert lines[-1].endswith("did you mean 'm-0998'?")
