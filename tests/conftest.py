"""Shared fixtures. Each test gets its own plugin manager and engine: nothing global."""

from __future__ import annotations

import datetime as dt
import os

import hypothesis.internal.conjecture.providers
import pytest
from hypothesis import HealthCheck, settings

import admission_flow as af

#: pytester runs user test suites against admission_flow's own pytest plugin.
pytest_plugins = ("pytester",)

settings.register_profile("dev", max_examples=50, deadline=None)
settings.register_profile(
    "ci",
    max_examples=200,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
# A longer run of tests/test_fuzz.py (and of every property test):
# HYPOTHESIS_PROFILE=fuzz pytest tests/test_fuzz.py
settings.register_profile(
    "fuzz",
    max_examples=2_000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))


def _without_local_constants() -> None:
    """Keep Hypothesis from mixing the library's own constants into what it generates.

    Hypothesis (6.13x and later) adds the literals of the local modules imported
    so far to its choices, so a derandomized test draws different examples
    depending on which modules earlier tests happened to import: one of
    test_routers_agree's statistical tests flipped when the report renderers
    were first imported by an earlier test. With no local constants, each test's
    examples depend on that test alone. (A private hook of Hypothesis: if it
    moves, this does nothing and the tests run as before.)
    """
    module = hypothesis.internal.conjecture.providers
    if hasattr(module, "_get_local_constants") and hasattr(module, "_local_constants"):
        empty = type(module._local_constants)()
        module._get_local_constants = lambda: empty


_without_local_constants()

D = dt.date

MEMBERS = (
    af.Member(id="m-hung", status="official", since=D(2005, 6, 1)),
    af.Member(id="m-mai", status="official", since=D(2012, 3, 15)),
    af.Member(id="m-lan", status="probationary", since=D(2022, 10, 1)),
)


@pytest.fixture
def plugins() -> af.Plugins:
    """A fresh plugin manager with the built-in plugins only."""
    return af.Plugins(entry_points=False)


@pytest.fixture
def procedure(plugins: af.Plugins) -> af.Procedure:
    return af.load_procedure("vn-2021", plugins=plugins)


@pytest.fixture
def engine(procedure: af.Procedure, plugins: af.Plugins) -> af.Engine:
    return af.Engine(procedure, plugins=plugins, members=MEMBERS)


@pytest.fixture
def candidate() -> af.Person:
    return af.Person(
        id="c-hoa",
        name="Trần Thị Hoa",
        born=D(1991, 3, 2),
        education="upper_secondary",
        organizations=["youth_union"],
    )


@pytest.fixture
def unit() -> af.Unit:
    return af.Unit(id="kdc-14", kind="residential", official_members=29, has_youth_union=True)


@pytest.fixture
def case(engine: af.Engine, candidate: af.Person, unit: af.Unit) -> af.Case:
    return engine.open("c-hoa", candidate, unit)
