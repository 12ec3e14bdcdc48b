"""Register-wide checkpoints: a line to keep outside the database that no later edit of it
can satisfy.

A case's chain shows a changed or missing row, but not a history cut short
whose case row was rewritten to match, nor a whole case deleted: nothing left
in the database remembers them. A checkpoint does. It lists, for every case
at one moment, its id, person, opening hash, version and head, keeps that
listing in the register, and gives its SHA-256 as a line
(``af1.CASES.STEPS.DIGEST``) to print, sign or publish. ``verify --since LINE``
first checks the kept listing against the line (an altered listing no longer
matches it), then each listed case against the register now: the case is
still there, for the same person, with the same opening, at least as long,
and its row at the listed version still has the listed hash. Steps recorded
since are the ordinary chain's to check.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
from collections.abc import Callable, Iterable
from typing import Any

import attrs
import sqlalchemy as sa

from admission_flow.exceptions import InputError
from admission_flow.model._canonical import canonical_json

from ._database import snapshot
from ._schema import cases, checkpoints, history
from ._verify import Break
from ._write import insert_ignoring

__all__ = ["Checkpoint", "take", "verify_since"]

PREFIX = "af1"
_LINE = re.compile(r"^af1\.(\d+)\.(\d+)\.([0-9a-f]{64})$")
#: The ``case`` of a break that concerns the whole register, not one case.
REGISTER = "*"


@attrs.frozen(kw_only=True)
class Checkpoint:
    """Every case's identity, version and head at one moment, sealed by one digest."""

    cases: int
    steps: int
    digest: str
    taken_at: str | None = None

    @property
    def line(self) -> str:
        """The line to keep outside the database: ``af1.CASES.STEPS.DIGEST``."""
        return f"{PREFIX}.{self.cases}.{self.steps}.{self.digest}"

    def __str__(self) -> str:
        return self.line

    @classmethod
    def parse(cls, text: str) -> Checkpoint:
        """A checkpoint line read back. Raises ``InputError`` (field ``since``) for another text."""
        found = _LINE.match(text.strip())
        if found is None:
            raise InputError(
                f"'{text[:80]}' is not a checkpoint line; give the af1.CASES.STEPS.DIGEST line "
                "that admission-flow checkpoint printed",
                field="since",
            )
        return cls(cases=int(found[1]), steps=int(found[2]), digest=found[3])


def _digest(cases_count: int, steps: int, lines: Iterable[str]) -> str:
    sealed = hashlib.sha256(f"{PREFIX}\n{cases_count}\n{steps}\n".encode())
    for line in lines:
        sealed.update(line.encode("utf-8") + b"\n")
    return sealed.hexdigest()


def take(db: sa.Engine, writer: sa.Engine, clock: Callable[[], dt.datetime]) -> Checkpoint:
    """List every case as it stands (one snapshot), keep the listing, return its line."""
    query = sa.select(
        cases.c.id, cases.c.person_id, cases.c.opening_hash, cases.c.version, cases.c.head
    ).order_by(cases.c.id)
    with snapshot(db) as connection:
        rows = list(connection.execute(query))
    lines = [canonical_json(list(row)) for row in rows]
    steps = sum(row.version for row in rows)
    point = Checkpoint(
        cases=len(rows),
        steps=steps,
        digest=_digest(len(rows), steps, lines),
        taken_at=clock().isoformat(),
    )
    with writer.begin() as connection:
        connection.execute(
            insert_ignoring(connection, checkpoints, ["digest"]),
            {
                "digest": point.digest,
                "taken_at": point.taken_at,
                "cases": point.cases,
                "steps": point.steps,
                "listing": "\n".join(lines),
            },
        )
    return point


def verify_since(db: sa.Engine, line: str) -> list[Break]:
    """What changed since the checkpoint ``line``, beyond appending: one break per case."""
    point = Checkpoint.parse(line)
    with snapshot(db) as connection:
        kept = connection.execute(
            sa.select(checkpoints).where(checkpoints.c.digest == point.digest)
        ).first()
        if kept is None:
            return [
                Break(
                    case=REGISTER,
                    seq=0,
                    problem=f"checkpoint {point.line[:24]}… is not in the register (deleted?); "
                    "the cases it listed cannot be checked against it",
                )
            ]
        lines = kept.listing.split("\n") if kept.listing else []
        if (kept.cases, kept.steps) != (point.cases, point.steps) or _digest(
            point.cases, point.steps, lines
        ) != point.digest:
            return [
                Break(
                    case=REGISTER,
                    seq=0,
                    problem="the register's copy of the checkpoint no longer matches its line "
                    "(altered); nothing can be trusted against it",
                )
            ]
        listed = [json.loads(text) for text in lines]
        now = {
            row.id: row
            for row in connection.execute(
                sa.select(cases.c.id, cases.c.person_id, cases.c.opening_hash, cases.c.version)
            )
        }
        wanted = {(entry[0], entry[3]) for entry in listed if entry[3] > 0}
        heads: dict[tuple[str, int], str] = {}
        rows = connection.execution_options(yield_per=5000).execute(
            sa.select(history.c.case_id, history.c.seq, history.c.hash)
        )
        for row in rows:
            if (row.case_id, row.seq) in wanted:
                heads[(row.case_id, row.seq)] = row.hash
    found = []
    for case_id, person, opening, version, head in listed:
        problem = _compare(now.get(case_id), heads, case_id, person, opening, version, head)
        if problem is not None:
            found.append(problem)
    return found


def _compare(
    row: Any,
    heads: dict[tuple[str, int], str],
    case_id: str,
    person: str,
    opening: str,
    version: int,
    head: str,
) -> Break | None:
    if row is None:
        return Break(
            case=case_id,
            seq=0,
            problem=f"is gone: the whole case, with its {version} steps, was deleted since the "
            "checkpoint",
        )
    if row.person_id != person:
        return Break(
            case=case_id, seq=0, problem="names another person than at the checkpoint (person_id)"
        )
    if row.opening_hash != opening:
        return Break(case=case_id, seq=0, problem="was re-sealed since the checkpoint")
    if version == 0:
        return None
    current = heads.get((case_id, version))
    if current is None:
        return Break(
            case=case_id,
            seq=version,
            problem=f"is missing: the case had {version} steps at the checkpoint, its history "
            "was cut short since (deleted)",
        )
    if current != head:
        return Break(
            case=case_id,
            seq=version,
            problem="is not the row it was at the checkpoint: a row up to it was changed, "
            "reordered or re-sealed since",
        )
    return None
