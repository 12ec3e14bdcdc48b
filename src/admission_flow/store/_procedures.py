"""The register's procedures: each one's text, by fingerprint, and the plugins it needs.

A case names its procedure by fingerprint; the register keeps the resolved
procedure's canonical text under that fingerprint, so a case is rebuilt,
fired, rechecked, reported and exported from the register alone: moving,
editing or deleting the file it was loaded from changes nothing for it. Each
text is parsed once per register (and once per process for the same plugins).
"""

from __future__ import annotations

import functools
import importlib.metadata
import json
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

import admission_flow as af
from admission_flow.exceptions import ProcedureError, StoreError
from admission_flow.model._canonical import canonical_json
from admission_flow.plugins._loading import load_procedure
from admission_flow.procedure._procedure_text import procedure_from_text, text_fingerprint

from ._schema import procedures
from ._verify import Break

__all__ = ["ProcedureTexts", "plugins_of", "text_problem", "verify_texts"]


def plugins_of(procedure: af.Procedure, plugins: af.Plugins) -> dict[str, dict[str, str | None]]:
    """The plugins whose rules ``procedure`` uses: ``{name: {module, version}}``."""
    contributed = plugins.rules()
    result: dict[str, dict[str, str | None]] = {}
    for spec in procedure.rules.values():
        if spec.check is None or spec.check not in contributed:
            continue
        name = contributed[spec.check].plugin
        if name in result:
            continue
        check = contributed[spec.check].rule.check
        module = str(getattr(check, "__module__", None) or type(check).__module__)
        result[name] = {"module": module, "version": _version(module)}
    return dict(sorted(result.items()))


@functools.cache
def _version(module: str) -> str | None:
    top = module.split(".")[0]
    try:
        names = importlib.metadata.packages_distributions().get(top, [])
        return importlib.metadata.version(names[0]) if names else None
    except (importlib.metadata.PackageNotFoundError, ValueError):  # pragma: no cover
        return None


def text_problem(fingerprint: str, text: str | None) -> str | None:
    """Why a stored text does not hold its fingerprint, or ``None`` when it does."""
    if text is None:
        return None
    if text_fingerprint(text) != fingerprint:
        return "its stored text does not match its fingerprint (modified)"
    return None


class ProcedureTexts:
    """Loads the procedures of one register from their stored text, once each."""

    def __init__(self, db: sa.Engine, plugins: af.Plugins, where: str) -> None:
        self.db = db
        self.plugins = plugins
        self.where = where
        self.loaded: dict[str, af.Procedure] = {}

    def row(self, procedure: af.Procedure, origin: str) -> dict[str, Any]:
        """The ``procedures`` row that keeps ``procedure``."""
        return {
            "fingerprint": procedure.fingerprint,
            "id": procedure.id,
            "version": procedure.version,
            "origin": origin,
            "text": procedure.text or None,
            "plugins": canonical_json(plugins_of(procedure, self.plugins)),
        }

    def keep(self, connection: sa.Connection, procedure: af.Procedure, origin: str) -> None:
        """Insert ``procedure``'s row if the register does not hold it yet (or fill its text)."""
        found = connection.execute(
            sa.select(procedures.c.fingerprint, procedures.c.text).where(
                procedures.c.fingerprint == procedure.fingerprint
            )
        ).first()
        if found is None:
            connection.execute(procedures.insert().values(self.row(procedure, origin)))
        elif found.text is None and procedure.text:
            connection.execute(
                procedures.update()
                .where(procedures.c.fingerprint == procedure.fingerprint)
                .values(text=procedure.text)
            )
        self.loaded.setdefault(procedure.fingerprint, procedure)

    def load(self, ref: af.ProcedureRef) -> af.Procedure:
        """The procedure of fingerprint ``ref.fingerprint``, rebuilt from its stored text.

        Raises:
            StoreError: it is not in the register, its text no longer holds its
                fingerprint, or it needs a rule no registered plugin provides.
        """
        known = self.loaded.get(ref.fingerprint)
        if known is not None:
            return known
        with self.db.connect() as connection:
            row = connection.execute(
                sa.select(procedures).where(procedures.c.fingerprint == ref.fingerprint)
            ).first()
        if row is None:
            raise StoreError(f"{self.where}: procedure {ref} is not in the register")
        if row.text is None:
            loaded = self._from_origin(ref, row.origin)
        else:
            loaded = self._from_text(ref, row.text, row.plugins)
        self.loaded[ref.fingerprint] = loaded
        return loaded

    def _from_text(self, ref: af.ProcedureRef, text: str, plugins: str | None) -> af.Procedure:
        catalogue = {rule_id: found.rule for rule_id, found in self.plugins.rules().items()}
        key = (ref.fingerprint, tuple(sorted(catalogue)))
        cached = _PARSED.get(key)
        if cached is not None and cached.text == text:
            return cached
        name = f"<register {ref.id} {ref.fingerprint[:12]}>"
        try:
            procedure = procedure_from_text(
                text, rules=catalogue, name=name, fingerprint=ref.fingerprint
            )
        except ProcedureError as exc:
            needed = ", ".join(json.loads(plugins)) if plugins else "none recorded"
            raise StoreError(
                f"{self.where}: procedure {ref} cannot be rebuilt from its stored text: "
                f"{exc.problems[0].message} (its rules come from the plugins: {needed}; "
                "register them with -p)"
            ) from None
        if len(_PARSED) > 64:
            _PARSED.clear()
        _PARSED[key] = procedure
        return procedure

    def _from_origin(self, ref: af.ProcedureRef, origin: str) -> af.Procedure:
        """A row kept before the register kept texts: load its origin once, keep its text."""
        loaded = load_procedure(origin, plugins=self.plugins)
        if loaded.fingerprint != ref.fingerprint:
            raise StoreError(
                f"procedure {ref} was kept before the register kept procedure texts and was "
                f"loaded from {origin}, which now holds {loaded.ref}; restore that file once "
                "so that the register can keep its text"
            )
        with self.db.begin() as connection:
            connection.execute(
                procedures.update()
                .where(procedures.c.fingerprint == ref.fingerprint, procedures.c.text.is_(None))
                .values(
                    text=loaded.text,
                    plugins=canonical_json(plugins_of(loaded, self.plugins)),
                )
            )
        return loaded

    def stored(self) -> Mapping[str, tuple[str, str | None, str | None]]:
        """Every kept procedure: fingerprint -> (id, version, text)."""
        with self.db.connect() as connection:
            return {
                row.fingerprint: (row.id, row.version, row.text)
                for row in connection.execute(sa.select(procedures))
            }


def verify_texts(db: sa.Engine) -> list[Break]:
    """Each kept procedure whose stored text no longer holds its fingerprint."""
    found = []
    with db.connect() as connection:
        rows = connection.execute(sa.select(procedures).order_by(procedures.c.fingerprint))
        for row in rows:
            problem = text_problem(row.fingerprint, row.text)
            if problem is not None:
                ref = af.ProcedureRef(row.id, row.version, row.fingerprint)
                found.append(Break(case="", seq=0, problem=problem, procedure=str(ref)))
    return found


#: Procedures parsed from stored text in this process, by fingerprint and rule ids.
_PARSED: dict[tuple[str, tuple[str, ...]], af.Procedure] = {}
