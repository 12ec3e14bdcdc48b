"""What one server process builds: the register, the keys, the units, the application.

``admission-flow serve`` hands its settings to each uvicorn worker in one
environment variable (``ADMISSION_FLOW_SERVE``, JSON: paths and the database
URL, never a key), and each worker calls ``app`` to build its own register and
application, since a database connection cannot cross a fork.
"""

from __future__ import annotations

import datetime as dt
import importlib
import json
import os
from collections.abc import Iterable
from typing import Any

import attrs
from starlette.applications import Starlette

import admission_flow as af
from admission_flow.plugins._loading import load_procedure
from admission_flow.store import Register
from admission_flow.units import UnitTree, load_units

from ._app import create_app
from ._keys import Keys, load_keys

__all__ = ["ENVIRONMENT", "Settings", "app", "load", "put_units", "roles_of"]

ENVIRONMENT = "ADMISSION_FLOW_SERVE"


@attrs.frozen(kw_only=True)
class Settings:
    db: str
    keys: str | None = None
    no_auth: bool = False
    units: str | None = None
    procedures: tuple[str, ...] = ()
    plugins: tuple[str, ...] = ()

    def to_environment(self) -> str:
        return json.dumps(attrs.asdict(self))

    @classmethod
    def from_environment(cls) -> Settings:
        data: dict[str, Any] = json.loads(os.environ[ENVIRONMENT])
        data["procedures"] = tuple(data.get("procedures", ()))
        data["plugins"] = tuple(data.get("plugins", ()))
        return cls(**data)


def roles_of(procedures: Iterable[af.Procedure]) -> dict[str, bool]:
    """Every role the procedures name, with whether it is one person's."""
    roles: dict[str, bool] = {}
    for procedure in procedures:
        for role in procedure.roles.values():
            roles[role.name] = roles.get(role.name, False) or role.individual
    return roles


def load(
    settings: Settings, plugins: af.Plugins
) -> tuple[list[af.Procedure], Keys | None, UnitTree | None]:
    """The procedures, keys and unit file the settings name; each error is the library's."""
    procedures = [load_procedure(p, plugins=plugins) for p in settings.procedures]
    bundled = [load_procedure(name, plugins=plugins) for name in sorted(plugins.procedures())]
    keys = (
        None
        if settings.keys is None
        else load_keys(settings.keys, roles=roles_of([*bundled, *procedures]))
    )
    units = (
        None if settings.units is None else load_units(settings.units, kinds=plugins.unit_kinds())
    )
    return procedures, keys, units


def app() -> Starlette:
    """The application of one worker, from ``ADMISSION_FLOW_SERVE``."""
    settings = Settings.from_environment()
    plugins = af.Plugins([importlib.import_module(name) for name in settings.plugins])
    procedures, keys, units = load(settings, plugins)
    register = Register(settings.db, plugins=plugins)
    return create_app(
        register,
        keys=keys,
        no_auth=settings.no_auth,
        units=units,
        today=dt.date.today,
        procedures=procedures,
    )


def put_units(register: Register, units: UnitTree) -> int:
    """Keep every unit of the unit file, with its members, in the register; how many."""
    for node in units:
        register.put_unit(node.unit, node.members)
    return len(list(units))
