"""The example scenarios replay exactly as their expected output says.

Every ``examples/scenarios/NAME.yaml`` sits beside ``NAME.expected.json``: what
``admission-flow run NAME.yaml --json`` prints. Each expectation was decided from
the standard procedure first (the scenario's comment block says what it expects
and why, with the working days counted by hand) and only then checked against the
program, so a difference here is a change of behaviour to look at, not noise.

After a deliberate change of behaviour, regenerate the expected files on purpose,
from the repository root, and read the diff before committing it::

    python tests/test_scenarios.py --regenerate            # every scenario
    python tests/test_scenarios.py --regenerate NAME ...   # only these (file stems)

It prints which files changed.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli

EXAMPLES = Path(__file__).resolve().parent.parent / "examples" / "scenarios"
SCENARIOS = sorted(EXAMPLES.glob("*.yaml"))
EXPECTED_SUFFIX = ".expected.json"

#: The keys the public contract (DESIGN.md, "Scenario files") promises.
RUN_KEYS = {"case", "procedure", "state", "steps", "deadlines"}
STEP_KEYS = {"event", "on", "accepted", "from", "to", "violations", "warnings"}
VIOLATION_KEYS = {"rule", "message", "source"}
DEADLINE_KEYS = {"event", "due", "basis"}


def expected_path(scenario: Path) -> Path:
    return scenario.with_name(scenario.stem + EXPECTED_SUFFIX)


def expected_text(scenario: Path) -> str:
    return expected_path(scenario).read_text(encoding="utf-8")


def expected(scenario: Path) -> Any:
    return json.loads(expected_text(scenario))


def violations_of(run: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Every violation and warning of every step of a run."""
    for step in run["steps"]:
        yield from step["violations"]
        yield from step["warnings"]


scenario_params = pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda p: p.stem)


# -- each scenario gives its expected output ------------------------------------------


@scenario_params
def test_cli_prints_the_expected_json(scenario: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """`admission-flow run NAME.yaml --json` prints NAME.expected.json, byte for byte, and exits 0."""
    status = _cli.main(["run", str(scenario), "--json"])
    out, err = capsys.readouterr()
    assert (status, err) == (0, "")
    assert json.loads(out) == expected(scenario)
    assert out == expected_text(scenario)


@scenario_params
def test_library_run_gives_the_expected_dict(scenario: Path) -> None:
    """load_scenario + run_scenario(...).as_dict() gives the same object as the command."""
    plugins = af.Plugins(entry_points=False)
    loaded = af.load_scenario(scenario, plugins=plugins)
    assert af.run_scenario(loaded).as_dict() == expected(scenario)


# -- the set of scenarios ----------------------------------------------------------------


def test_there_are_at_least_twelve_scenarios() -> None:
    """The examples keep at least twelve scenarios."""
    assert len(SCENARIOS) >= 12


def test_every_scenario_has_its_expected_file_and_no_file_is_orphaned() -> None:
    """Each scenario has NAME.expected.json beside it, and each expected file has its scenario."""
    missing = [s.name for s in SCENARIOS if not expected_path(s).is_file()]
    orphans = sorted(
        p.name
        for p in EXAMPLES.glob("*" + EXPECTED_SUFFIX)
        if not p.with_name(p.name.removesuffix(EXPECTED_SUFFIX) + ".yaml").is_file()
    )
    assert (missing, orphans) == ([], [])


def test_every_rule_that_can_refuse_or_warn_appears_in_some_expected_output() -> None:
    """Each vn-2021 rule (every one can refuse, record or warn) shows up in some scenario.

    Except the core rule event.date: a scenario file lists its events in date order
    (the loader refuses one that does not), so no scenario can be refused by it;
    tests/test_judging.py covers it.
    """
    procedure = af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False))
    seen = {v["rule"] for s in SCENARIOS for v in violations_of(expected(s))}
    assert sorted(set(procedure.rules) - seen - {"event.date"}) == []
    assert sorted(seen - set(procedure.rules)) == []


@scenario_params
def test_each_scenario_opens_with_a_bilingual_comment(scenario: Path) -> None:
    """Each file starts with a comment block in Vietnamese and English, before any YAML."""
    lines = scenario.read_text(encoding="utf-8").splitlines()
    header = []
    for line in lines:
        if not line.startswith("#"):
            break
        header.append(line)
    text = "\n".join(header)
    assert header, f"{scenario.name} has no comment block"
    assert "# VI:" in text
    assert "# EN:" in text


# -- the contract's shape ----------------------------------------------------------------


@scenario_params
def test_expected_output_has_the_contract_keys(scenario: Path) -> None:
    """Each expected JSON carries the keys DESIGN.md promises, at every level."""
    run = expected(scenario)
    assert run.keys() >= RUN_KEYS
    assert run["procedure"] in {"vn-2021", "vn-2025"}  # the generations (VN_2025.md)
    assert run["steps"]
    for step in run["steps"]:
        assert step.keys() >= STEP_KEYS
        for violation in [*step["violations"], *step["warnings"]]:
            assert violation.keys() >= VIOLATION_KEYS
            assert set(violation["message"]) == {"vi", "en"}
            assert all(violation["message"].values())
            assert violation["source"]
    for deadline in run["deadlines"]:
        assert deadline.keys() >= DEADLINE_KEYS
        assert set(deadline["basis"]) == {"vi", "en"}


@scenario_params
def test_expected_output_keeps_the_contract_rules(scenario: Path) -> None:
    """A step with violations is never accepted; a refused step leaves the state as it was."""
    run = expected(scenario)
    for step in run["steps"]:
        if step["violations"]:
            assert step["accepted"] is False, (step["event"], step["on"])
        if not step["accepted"] and not step["recorded"]:
            assert step["to"] == step["from"], (step["event"], step["on"])
    kept = [s for s in run["steps"] if s["accepted"] or s["recorded"]]
    # A case refused at its opening event (re-admission ruled out) never opens.
    assert (kept[-1]["to"] if kept else None) == run["state"]


# -- regenerating the expected files on purpose ------------------------------------------


def render(scenario: Path) -> str:
    """What `admission-flow run SCENARIO --json` prints."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        status = _cli.main(["run", str(scenario), "--json"])
    if status != 0:
        raise SystemExit(f"{scenario}: admission-flow run exited {status}")
    return out.getvalue()


def regenerate(names: Sequence[str] = ()) -> list[Path]:
    """Rewrite the expected files (all, or those of ``names``); returns those that changed."""
    chosen = [s for s in SCENARIOS if not names or s.stem in names]
    unknown = sorted(set(names) - {s.stem for s in chosen})
    if unknown:
        raise SystemExit(f"no scenario named {', '.join(unknown)} in {EXAMPLES}")
    changed = []
    for scenario in chosen:
        text = render(scenario)
        target = expected_path(scenario)
        if not target.is_file() or target.read_text(encoding="utf-8") != text:
            target.write_text(text, encoding="utf-8")
            changed.append(target)
    return changed


def _main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate examples/scenarios/*.expected.json.")
    parser.add_argument("--regenerate", action="store_true", required=True)
    parser.add_argument("names", nargs="*", metavar="NAME", help="scenario file stems")
    args = parser.parse_args(argv)
    changed = regenerate(args.names)
    for path in changed:
        print(f"rewrote {path.relative_to(EXAMPLES.parent.parent)}")
    print(f"{len(changed)} expected file(s) changed; read `git diff examples/` before committing.")
    return 0


if __name__ == "__main__":
    sys.exit(_main())
