"""A command the register prints for the user to run next works as printed."""

from __future__ import annotations

import shlex

import pytest

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.store import Register

from .test_register import replay


def test_a_broken_chain_names_verify_with_its_database_and_that_runs(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """Loading a tampered case says `run admission-flow verify --db URL`; running it finds it."""
    with Register.create(url, plugins=af.Plugins(entry_points=False)) as register:
        run, _ = replay(register, "refused-too-young")
        with register.db.begin() as connection:
            connection.exec_driver_sql(
                f"UPDATE history SET event = 'withdraw' WHERE seq = 1 AND case_id = '{run.case.id}'"
            )
        with pytest.raises(af.StoreError) as caught:
            register.load(run.case.id)
    message = str(caught.value)
    printed = message.split("; run ", 1)[1]
    if url.startswith("postgresql"):  # a server's URL has secrets no message shows
        assert printed == "admission-flow verify --db URL (URL: the register's, not shown here)"
        printed = f"admission-flow verify --db {url}"
    assert printed.startswith("admission-flow verify --db ")
    words = shlex.split(printed)
    assert _cli.main(words[1:]) == 1  # verify found the break
    out = capsys.readouterr().out
    assert f"case '{run.case.id}', step 1" in out
