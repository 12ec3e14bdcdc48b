"""Shared fixtures. Each test gets its own plugin manager and engine: nothing global."""

from __future__ import annotations

import datetime as dt
import os

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
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "dev"))

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
    return plugins.load_procedure("vn-2021")


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
