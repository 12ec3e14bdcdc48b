"""The procedures a register's cases follow, and one engine per (procedure, unit).

A procedure is stored by fingerprint with its text (the resolved procedure as
canonical JSON) and where it was first loaded from; it is rebuilt from the
text, checked against the fingerprint, the first time a case of it is fired
on (``_procedures.py``): moving, editing or deleting its file strands nothing.
Engines are kept while
the register is open; ``forget_unit`` drops those of a unit whose members changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import StoreError
from admission_flow.plugins._loading import load_procedure

from ._procedures import ProcedureTexts
from ._schema import procedures
from ._write import insert_ignoring

__all__ = ["Engines"]


class Engines:
    """The procedure cache and the engines of one register."""

    def __init__(
        self,
        db: sa.Engine,
        writer: sa.Engine,
        plugins: af.Plugins,
        where: str,
        members: Callable[[str], dict[str, af.Member]],
    ) -> None:
        self.db = db
        self.writer = writer
        self.plugins = plugins
        self.where = where
        self.members = members
        self.procedures: dict[str, af.Procedure] = {}
        self.engines: dict[tuple[str, str], af.Engine] = {}
        self.origins: dict[str, str] = {}
        self.stored: set[str] = set()
        self.texts = ProcedureTexts(db, plugins, where)

    def origin(self, procedure: af.Procedure) -> str:
        """Where the procedure can be loaded again: its bundled id, else its file."""
        known = self.origins.get(procedure.fingerprint)
        if known is None:
            known = self.origins[procedure.fingerprint] = self._find_origin(procedure)
        return known

    def _find_origin(self, procedure: af.Procedure) -> str:
        if procedure.id in self.plugins.procedures():
            bundled = load_procedure(procedure.id, plugins=self.plugins)
            if bundled.fingerprint == procedure.fingerprint:
                return procedure.id
        if procedure.path is None or procedure.path.startswith("<"):
            return procedure.path or "<memory>"  # for people: the text is what is loaded
        return str(Path(procedure.path).resolve())

    def store(self, connection: sa.Connection, procedure: af.Procedure) -> None:
        """Keep the procedure's origin in the register; a no-op when it is there, whoever
        put it there meanwhile (``INSERT ... ON CONFLICT DO NOTHING``)."""
        ref = procedure.ref
        if ref.fingerprint in self.stored:
            return
        connection.execute(
            insert_ignoring(connection, procedures, ["fingerprint"]),
            self.texts.row(procedure, self.origin(procedure)),
        )
        self.procedures.setdefault(ref.fingerprint, procedure)

    def keep(self, procedure: af.Procedure) -> None:
        """Keep ``procedure`` in the register now, in a transaction of its own."""
        with self.writer.begin() as connection:
            self.store(connection, procedure)
        self.stored_now(procedure)

    def stored_now(self, procedure: af.Procedure) -> None:
        """Note, after its transaction committed, that the procedure is in the register."""
        self.stored.add(procedure.fingerprint)

    def procedure(self, ref: af.ProcedureRef) -> af.Procedure:
        """The procedure a case follows, rebuilt from the text the register keeps.

        Raises:
            StoreError: it is not in the register, its stored text no longer holds
                its fingerprint, or a plugin its rules need is missing.
        """
        known = self.procedures.get(ref.fingerprint)
        if known is not None:
            return known
        loaded = self.texts.load(ref)
        self.procedures[ref.fingerprint] = loaded
        return loaded

    def engine(self, case: af.Case) -> af.Engine:
        """The engine for a case: its procedure, with its unit's members now."""
        key = (case.procedure.fingerprint, case.unit.id)
        engine = self.engines.get(key)
        if engine is None:
            engine = af.Engine(
                self.procedure(case.procedure),
                plugins=self.plugins,
                members=self.members(case.unit.id),
            )
            self.engines[key] = engine
        return engine

    def final_states(self, row: Mapping[str, object]) -> frozenset[str] | None:
        """The final states of the procedure a ``cases`` row names; ``None`` if it cannot be
        loaded (its file gone): then only what the chain holds is checked."""
        ref = af.ProcedureRef(
            str(row["procedure_id"]),
            None if row["procedure_version"] is None else str(row["procedure_version"]),
            str(row["procedure_fingerprint"]),
        )
        try:
            procedure = self.procedure(ref)
        except (StoreError, af.FileProblemError):
            return None
        return frozenset(name for name, state in procedure.states.items() if state.final)

    def forget_unit(self, unit_id: str) -> None:
        self.engines = {key: e for key, e in self.engines.items() if key[1] != unit_id}

    def forget_all(self) -> None:
        self.engines.clear()
