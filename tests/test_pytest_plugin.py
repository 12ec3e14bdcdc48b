"""The pytest plugin, used as a project would: fixtures and options, nothing automatic."""

from __future__ import annotations

import shutil

import pytest

from helpers import PROCEDURES

USER_TEST = """
import datetime as dt
import admission_flow as af

def test_identify(af_engine):
    engine = af_engine()
    person = af.Person(id="c-1", name="C", born=dt.date(1990, 1, 1), education="university")
    case = engine.open("c-1", person, af.Unit(id="u-1"))
    outcome = engine.fire(case, "identify", "cell_committee", dt.date(2023, 3, 1))
    assert outcome.case.state == "identified"
    assert engine.procedure.id == "vn-2021"
"""


def test_af_engine_builds_an_engine_of_the_procedure_named_on_the_command_line(
    pytester: pytest.Pytester,
) -> None:
    """--af-procedure vn-2021 gives af_engine() an engine of the standard procedure."""
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest("--af-procedure", "vn-2021")
    result.assert_outcomes(passed=1)


def test_the_procedure_can_come_from_the_ini_file(pytester: pytest.Pytester) -> None:
    """af_procedure in the ini works like the option."""
    pytester.makeini("[pytest]\naf_procedure = vn-2021\n")
    pytester.makepyfile(test_user=USER_TEST)
    pytester.runpytest().assert_outcomes(passed=1)


def test_without_a_procedure_the_fixture_says_how_to_name_one(pytester: pytest.Pytester) -> None:
    """No option and no ini: the test fails with one line saying what to do."""
    pytester.makepyfile(test_user=USER_TEST)
    result = pytester.runpytest()
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*af_procedure fixture needs a procedure: pass --af-procedure*"])


def test_the_state_machine_fixture_runs_a_generated_machine_of_a_procedure_file(
    pytester: pytest.Pytester,
) -> None:
    """af_state_machine(path) gives a machine that Hypothesis runs in the user's test."""
    shutil.copy(PROCEDURES / "minimal.yaml", pytester.path / "minimal.yaml")
    pytester.makepyfile(
        test_machine="""
        from hypothesis import settings
        from hypothesis.stateful import run_state_machine_as_test

        def test_minimal(af_state_machine):
            machine = af_state_machine("minimal.yaml")
            run_state_machine_as_test(machine, settings=settings(max_examples=20, deadline=None))
            assert set(machine.states_reached) == {"identified", "approved"}
        """
    )
    pytester.runpytest().assert_outcomes(passed=1)


def test_af_plugin_registers_a_plugin_module_in_af_plugins(pytester: pytest.Pytester) -> None:
    """A rule pack named with --af-plugin judges the events of af_engine's engine."""
    pytester.makepyfile(
        unit_pack="""
        import admission_flow as af

        @af.hookimpl
        def admission_flow_check_event(context):
            if context.event.name == "identify":
                return [af.Violation(rule="unit.closed", message=af.Text("đóng", "closed"), source="unit")]
            return None
        """,
        test_pack="""
        import datetime as dt
        import admission_flow as af

        def test_refused(af_engine, af_plugins):
            engine = af_engine("vn-2021")
            person = af.Person(id="c", name="C", born=dt.date(1990, 1, 1), education="university")
            case = engine.open("c", person, af.Unit(id="u"))
            outcome = engine.fire(case, "identify", "cell_committee", dt.date(2023, 3, 1))
            assert [v.rule for v in outcome.violations] == ["unit.closed"]
        """,
    )
    pytester.syspathinsert()
    pytester.runpytest("--af-plugin", "unit_pack").assert_outcomes(passed=1)


def test_the_plugin_changes_nothing_for_tests_that_do_not_ask(pytester: pytest.Pytester) -> None:
    """Nothing autouse: a plain test runs, and Hypothesis is not even imported."""
    pytester.makepyfile(
        test_plain="""
        import sys

        def test_plain():
            assert "hypothesis" not in sys.modules
        """
    )
    # Schemathesis (the test extra, for tests/serve) has a pytest plugin of its own that
    # imports Hypothesis: it is left out, as Hypothesis's own is, to see only ours.
    others = ("-p", "no:hypothesispytest", "-p", "no:schemathesis")
    result = pytester.runpytest_subprocess(*others, "--fixtures")
    result.stdout.fnmatch_lines(["af_engine -- *"])
    result.stdout.fnmatch_lines(["af_state_machine -- *"])
    result = pytester.runpytest_subprocess(*others)
    result.assert_outcomes(passed=1)
