"""The procedures a register's cases follow, and one engine per (procedure, unit).

A procedure is stored by fingerprint with where it loads from (its bundled id
or its file); it is loaded again from there, and checked against the
fingerprint, the first time a case of it is fired on. Engines are kept while
the register is open; ``forget_unit`` drops those of a unit whose members changed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import StoreError
from admission_flow.plugins._loading import load_procedure

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
        if procedure.path is None:
            raise StoreError(
                f"procedure '{procedure.id}' was not loaded from a file or a bundled id, "
                "so the register could not load it again; load it with load_procedure(path)"
            )
        return str(Path(procedure.path).resolve())

    def store(self, connection: sa.Connection, procedure: af.Procedure) -> None:
        """Keep the procedure's origin in the register; a no-op when it is there, whoever
        put it there meanwhile (``INSERT ... ON CONFLICT DO NOTHING``)."""
        ref = procedure.ref
        if ref.fingerprint in self.stored:
            return
        connection.execute(
            insert_ignoring(connection, procedures, ["fingerprint"]),
            {
                "fingerprint": ref.fingerprint,
                "id": ref.id,
                "version": ref.version,
                "origin": self.origin(procedure),
            },
        )
        self.procedures.setdefault(ref.fingerprint, procedure)

    def stored_now(self, procedure: af.Procedure) -> None:
        """Note, after its transaction committed, that the procedure is in the register."""
        self.stored.add(procedure.fingerprint)

    def procedure(self, ref: af.ProcedureRef) -> af.Procedure:
        """The procedure a case follows, loaded again from where it was first loaded.

        Raises:
            StoreError: it is not in the register, or its file has changed since.
        """
        known = self.procedures.get(ref.fingerprint)
        if known is not None:
            return known
        with self.db.connect() as connection:
            row = connection.execute(
                sa.select(procedures).where(procedures.c.fingerprint == ref.fingerprint)
            ).first()
        if row is None:
            raise StoreError(f"{self.where}: procedure {ref} is not in the register")
        loaded = load_procedure(row.origin, plugins=self.plugins)
        if loaded.fingerprint != ref.fingerprint:
            raise StoreError(
                f"procedure {ref} was loaded from {row.origin}, which now holds "
                f"{loaded.ref}; restore that file, or recheck the cases against the new one"
            )
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
