"""Tamper evidence that holds: the case row's own columns are verified, and a checkpoint kept
outside shows what no chain can (a history cut short and its case row rewritten to match,
a whole case deleted, a chain re-sealed)."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

import admission_flow as af
from admission_flow.store import Checkpoint, Register
from admission_flow.store._chain import row_hash
from helpers import replay

CASE = "c-oanh"  # happy-standard: 17 steps, official (closed)
OTHER = "c-an"  # refused-too-young: open, in dossier


@pytest.fixture
def register(register: Register) -> Register:
    """The register of conftest.py with two cases."""
    replay(register, "happy-standard")
    replay(register, "refused-too-young")
    return register


def run(register: Register, *statements: str) -> None:
    with register.writer.begin() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)


def truncate_and_hide(register: Register, case: str, keep: int) -> None:
    """Delete a case's rows after ``keep`` and point its row at the last survivor: no hash
    is computed, only copied (the hole the chain alone cannot see)."""
    with register.writer.begin() as connection:
        survivor = connection.execute(
            sa.text("SELECT hash, to_state FROM history WHERE case_id = :c AND seq = :s"),
            {"c": case, "s": keep},
        ).one()
        connection.execute(
            sa.text("DELETE FROM history WHERE case_id = :c AND seq > :s"), {"c": case, "s": keep}
        )
        connection.execute(
            sa.text(
                "UPDATE cases SET version = :v, head = :h, state = :st, open = :o WHERE id = :c"
            ),
            {"v": keep, "h": survivor.hash, "st": survivor.to_state, "o": True, "c": case},
        )


def reseal(register: Register, case: str, seq: int, event: str) -> None:
    """Change one row and recompute every later hash and the case's head: an informed forger."""
    with register.writer.begin() as connection:
        rows = [
            dict(r)
            for r in connection.execute(
                sa.text("SELECT * FROM history WHERE case_id = :c ORDER BY seq"), {"c": case}
            ).mappings()
        ]
        previous = rows[seq - 2]["hash"] if seq > 1 else None
        for row in rows[seq - 1 :]:
            if row["seq"] == seq:
                row["event"] = event
            if previous is not None:
                row["previous"] = previous
            row["hash"] = row_hash(row)
            previous = row["hash"]
            connection.execute(
                sa.text(
                    "UPDATE history SET event = :event, previous = :previous, hash = :hash "
                    "WHERE case_id = :case_id AND seq = :seq"
                ),
                row,
            )
        connection.execute(
            sa.text("UPDATE cases SET head = :h WHERE id = :c"), {"h": previous, "c": case}
        )


# -- the case row's own columns, no checkpoint needed --------------------------------------


@pytest.mark.parametrize(
    ("statement", "problem"),
    [
        (f"UPDATE cases SET person_id = 'p-other' WHERE id = '{CASE}'", "person_id"),
        (f"UPDATE cases SET state = 'dossier' WHERE id = '{CASE}'", "says state 'dossier'"),
        (f"UPDATE cases SET open = true WHERE id = '{CASE}'", "says it is open"),
        (f"UPDATE cases SET open = false WHERE id = '{OTHER}'", "says it is closed"),
    ],
)
def test_verify_covers_the_case_row_s_own_columns(
    register: Register, statement: str, problem: str
) -> None:
    """person_id, state and open edited in the case row: verify names the case, no checkpoint."""
    assert register.verify() == []
    run(register, statement)
    broken = register.verify()
    assert len(broken) == 1
    assert problem in broken[0].problem


# -- what only a checkpoint shows ----------------------------------------------------------


def test_a_history_cut_short_and_hidden_passes_the_chain_but_not_the_checkpoint(
    register: Register,
) -> None:
    """The hole of issue 18: the last rows deleted and the case row pointed at the survivor.
    The chain holds; verify --since names the case and the step that is gone."""
    line = register.checkpoint().line
    truncate_and_hide(register, CASE, keep=12)
    assert register.verify() == []  # what the chain alone cannot see
    broken = register.verify(since=line)
    assert [(b.case, b.seq) for b in broken] == [(CASE, 17)]
    assert "had 17 steps at the checkpoint" in broken[0].problem


def test_an_emptied_history_and_a_deleted_case_are_found(register: Register) -> None:
    """Every row of one case deleted (its row reset), another case deleted whole."""
    point = register.checkpoint()
    run(
        register,
        f"DELETE FROM history WHERE case_id = '{OTHER}'",
        f"UPDATE cases SET version = 0, head = opening_hash, state = NULL WHERE id = '{OTHER}'",
        f"DELETE FROM history WHERE case_id = '{CASE}'",
        f"DELETE FROM cases WHERE id = '{CASE}'",
    )
    assert register.verify() == []
    broken = {b.case: b for b in register.verify(since=point)}
    assert sorted(broken) == [OTHER, CASE]
    assert "was deleted since the checkpoint" in broken[CASE].problem
    assert "cut short" in broken[OTHER].problem


def test_a_re_sealed_chain_is_found(register: Register) -> None:
    """One row changed and every later hash recomputed: the chain holds, the checkpoint not."""
    line = register.checkpoint().line
    reseal(register, CASE, seq=11, event="withdraw")
    assert register.verify() == []
    broken = register.verify(since=line)
    assert [(b.case, b.seq) for b in broken] == [(CASE, 17)]
    assert "changed, reordered or re-sealed" in broken[0].problem


def test_steps_and_cases_added_since_are_not_tampering(register: Register) -> None:
    """The positive twin: after the checkpoint, a step on an open case and a new case."""
    line = register.checkpoint().line
    register.fire(OTHER, "withdraw", "cell", dt.date(2023, 10, 1))
    replay(register, "rejected")
    assert register.verify(since=line) == []
    assert register.verify(since=register.checkpoint()) == []


def test_an_altered_or_deleted_checkpoint_is_a_break_of_the_register(
    register: Register,
) -> None:
    """The kept listing edited to match a forgery, or deleted: a break of the whole register."""
    line = register.checkpoint().line
    run(register, "UPDATE checkpoints SET listing = replace(listing, '17', '12')")
    broken = register.verify(since=line)
    assert [(b.case, b.seq) for b in broken] == [("*", 0)]
    assert "no longer matches its line" in broken[0].problem
    run(register, "DELETE FROM checkpoints")
    broken = register.verify(since=line)
    assert [b.case for b in broken] == ["*"]
    assert "is not in the register" in broken[0].problem


@pytest.mark.parametrize("bad", ["", "af1.2.3", "af2.2.28." + "0" * 64, "af1.x.28." + "0" * 64])
def test_a_line_that_is_no_checkpoint_is_input_error(register: Register, bad: str) -> None:
    """A malformed --since: InputError naming the option's field, nothing checked."""
    with pytest.raises(af.InputError, match="is not a checkpoint line") as caught:
        register.verify(since=bad)
    assert caught.value.field == "since"


def test_a_checkpoint_line_reads_back() -> None:
    """str() and parse() are each other's inverse."""
    point = Checkpoint(cases=2, steps=28, digest="ab" * 32)
    assert Checkpoint.parse(str(point)) == point
    assert str(point) == "af1.2.28." + "ab" * 32
