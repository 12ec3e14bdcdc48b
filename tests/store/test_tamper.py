"""verify names the case and step of every kind of tampering, and loading refuses the case."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Register
from admission_flow.store._chain import row_hash
from helpers import replay

CASE = "c-oanh"  # happy-standard: 17 steps
Tamper = Callable[[sa.Connection], None]


def sql(*statements: str) -> Tamper:
    def run(connection: sa.Connection) -> None:
        for statement in statements:
            connection.exec_driver_sql(statement)

    return run


def forge_row(seq: int, *, shift: bool) -> Tamper:
    """Insert a row at ``seq`` whose hash is right for its place (an informed forger)."""

    def run(connection: sa.Connection) -> None:
        if shift:
            count = connection.execute(
                sa.text(f"SELECT max(seq) FROM history WHERE case_id = '{CASE}'")
            ).scalar()
            for moved in range(count, seq - 1, -1):
                connection.execute(
                    sa.text(
                        f"UPDATE history SET seq = {moved + 1} WHERE case_id = '{CASE}' AND seq = {moved}"
                    )
                )
        before = (
            connection.execute(
                sa.text(f"SELECT * FROM history WHERE case_id = '{CASE}' AND seq = {seq - 1}")
            )
            .mappings()
            .one()
        )
        row = dict(before) | {"seq": seq, "previous": before["hash"], "event": "withdraw"}
        row["hash"] = row_hash(row)
        columns = ", ".join(row)
        values = ", ".join(f":{name}" for name in row)
        connection.execute(sa.text(f"INSERT INTO history ({columns}) VALUES ({values})"), row)

    return run


TAMPERS: dict[str, tuple[Tamper, int, str]] = {
    "modified fact": (
        sql(
            f'UPDATE history SET facts = \'{{"in_favour":29,"official_members":29}}\' '
            f"WHERE case_id = '{CASE}' AND seq = 11"
        ),
        11,
        "does not match its hash",
    ),
    "modified verdict": (
        sql(f"UPDATE history SET accepted = false WHERE case_id = '{CASE}' AND seq = 3"),
        3,
        "does not match its hash",
    ),
    "modified candidate": (
        sql(f"UPDATE cases SET candidate = replace(candidate, '1986', '1985') WHERE id = '{CASE}'"),
        0,
        "does not match its hash",
    ),
    "deleted middle row": (
        sql(f"DELETE FROM history WHERE case_id = '{CASE}' AND seq = 5"),
        5,
        "missing",
    ),
    "deleted last row": (
        sql(f"DELETE FROM history WHERE case_id = '{CASE}' AND seq = 17"),
        17,
        "missing",
    ),
    "reordered rows": (
        sql(
            f"UPDATE history SET seq = -1 WHERE case_id = '{CASE}' AND seq = 3",
            f"UPDATE history SET seq = 3 WHERE case_id = '{CASE}' AND seq = 4",
            f"UPDATE history SET seq = 4 WHERE case_id = '{CASE}' AND seq = -1",
        ),
        3,
        "does not match its hash",
    ),
    "row added at the end": (forge_row(18, shift=False), 18, "not the last step"),
    "row inserted in the middle": (forge_row(5, shift=True), 6, "does not match its hash"),
}


@pytest.fixture
def register(register: Register) -> Register:
    """The register of conftest.py with two cases whose history verifies."""
    replay(register, "happy-standard")
    replay(register, "rejected")
    assert register.verify() == []
    return register


@pytest.mark.parametrize("name", list(TAMPERS))
def test_verify_names_the_case_and_step_of_any_tampering(register: Register, name: str) -> None:
    """One break, for the tampered case only, at the first row that no longer holds."""
    tamper, seq, problem = TAMPERS[name]
    with register.db.begin() as connection:
        tamper(connection)
    (found,) = register.verify()
    assert (found.case, found.seq) == (CASE, seq)
    assert problem in found.problem
    assert str(found).startswith(f"case '{CASE}', ")
    with pytest.raises(af.StoreError, match=f"case '{CASE}'") as caught:
        register.load(CASE)
    assert "Oanh" not in str(caught.value)  # a case id, never a name


def test_rows_of_a_case_that_is_not_listed_are_reported(register: Register) -> None:
    """A history row whose case is gone from cases is reported under that id."""
    if register.db.dialect.name == "sqlite":  # a plain connection: foreign keys not enforced
        plain = sqlite3.connect(str(register.db.url.database))
        with plain:
            plain.execute(f"DELETE FROM cases WHERE id = '{CASE}'")
        plain.close()
    else:
        with register.db.begin() as connection:
            connection.exec_driver_sql("SET session_replication_role = replica")
            connection.exec_driver_sql(f"DELETE FROM cases WHERE id = '{CASE}'")
    (found,) = register.verify()
    assert found.case == CASE
    assert "does not list" in found.problem
