"""PostgreSQL: each thread fires on a connection of its own; closing the register closes them."""

from __future__ import annotations

import threading

import attrs
import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Register
from helpers import EXAMPLES


def _others(url: str) -> int:
    """How many other sessions are connected to the test's database now."""
    admin = sa.create_engine(url)
    try:
        with admin.connect() as connection:
            return int(
                connection.execute(
                    sa.text(
                        "SELECT count(*) FROM pg_stat_activity "
                        "WHERE datname = current_database() AND pid <> pg_backend_pid()"
                    )
                ).scalar_one()
            )
    finally:
        admin.dispose()


def test_threads_fire_each_on_its_own_connection_and_close_closes_every_one(url: str) -> None:
    """Three threads each record a whole case by id at once: every step is there, every chain
    holds, and after ``close`` no session of the register is left on the server."""
    if not url.startswith("postgresql"):
        pytest.skip("the per-thread connections are PostgreSQL's")
    plugins = af.Plugins(entry_points=False)
    scenario = af.load_scenario(EXAMPLES / "happy-standard.yaml", plugins=plugins)
    register = Register.create(url, plugins=plugins)
    register.put_unit(scenario.unit, scenario.members.values())
    ids = [f"c-{n}" for n in range(3)]
    for case_id in ids:
        person = attrs.evolve(scenario.candidate, id=case_id)
        register.open(case_id, person, unit=scenario.unit.id, procedure=scenario.procedure)
    failures: list[BaseException] = []

    def run(case_id: str) -> None:
        try:
            for e in scenario.events:
                register.fire(case_id, e.event, e.actor, e.on, **e.facts)
        except BaseException as exc:
            failures.append(exc)

    threads = [threading.Thread(target=run, args=(case_id,)) for case_id in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    for case_id in ids:
        stored = register.load(case_id)
        assert (stored.version, stored.case.state) == (len(scenario.events), "official")
    assert register.verify() == []
    assert _others(url) >= 3  # one per thread that fired, at least
    register.close()
    assert _others(url) == 0
