"""``admission-flow migrate``: a register's open cases onto the next generation, case by case.

Bad input is one line and exit 2 before anything is written: ``--to`` a
procedure with no migration declaration or not in force on ``--on``, a unit
map naming units the register does not hold. Each case then moves all or
nothing; a case changed by another writer during the move is listed as a
conflict (exit 4 when there is one), never a lost step.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from admission_flow._limits import escape
from admission_flow.exceptions import InputError, StoreError

if TYPE_CHECKING:
    from admission_flow.plugins._manager import Plugins

__all__ = ["migrate_command"]

EXIT_OK = 0
EXIT_CONFLICT = 4


def migrate_command(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.plugins._loading import load_procedure
    from admission_flow.store import Register
    from admission_flow.store._migration import UnitTarget, migrate_open_cases

    to = load_procedure(args.to, plugins=plugins)
    if to.migration is None:
        raise InputError(
            f"--to {args.to}: procedure '{to.id}' declares no migration (which procedure it "
            "takes cases from); add a 'migration:' section to it",
            field="to",
        )
    if to.in_force is not None and not to.in_force.covers(args.on):
        raise InputError(
            f"--to {args.to}: procedure '{to.id}' is not in force on {args.on.isoformat()} "
            f"(in force {to.in_force.text().en})",
            field="on",
        )
    if args.on < to.migration.on:
        raise InputError(
            f"--on {args.on.isoformat()}: '{to.id}' takes cases of '{to.migration.source}' "
            f"from {to.migration.on.isoformat()} on",
            field="on",
        )
    mapping = unit_map(args.units) if args.units is not None else {}
    with Register(args.db, plugins=plugins) as register:
        for old, (new, _) in mapping.items():
            for unit_id in (old, new):
                try:
                    register.unit(unit_id)
                except StoreError:
                    raise InputError(
                        f"{args.units}: unit '{unit_id}' is not in the register {register.where}; "
                        "put it there first (or correct the map)",
                        field="units",
                    ) from None
        units = {old: UnitTarget(unit=new, committee=c) for old, (new, c) in mapping.items()}
        total = len(register.case_ids(open_only=True))
        if sys.stderr.isatty() and not args.json:
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("migrate", total=total)
                moves = migrate_open_cases(
                    register,
                    to,
                    args.on,
                    units=units,
                    dry_run=args.dry_run,
                    progress=lambda done, _total: bar.update(task, completed=done),
                )
        else:
            moves = migrate_open_cases(register, to, args.on, units=units, dry_run=args.dry_run)
    moved = [m for m in moves if m.moved]
    conflicts = [m for m in moves if any(r.startswith("conflict") for r in m.reasons)]
    if args.json:
        data = {
            "to": to.ref.as_dict(),
            "on": args.on.isoformat(),
            "dry_run": args.dry_run,
            "open_cases": len(moves),
            "moved": len(moved),
            "not_moved": len(moves) - len(moved),
            "deadlines_kept": sum(m.deadlines for m in moved),
            "cases": [m.as_dict() for m in moves],
        }
        out.write(json.dumps(data, ensure_ascii=False, indent=2) + "\n")
    else:
        _table(moves, to.id, args, out)
    return EXIT_CONFLICT if conflicts else EXIT_OK


def _table(moves: list, to: str, args: argparse.Namespace, out: TextIO) -> None:  # type: ignore[type-arg]
    from rich.console import Console
    from rich.table import Table

    verb = "would move" if args.dry_run else "moved"
    table = Table(
        title=f"migrate to {to} on {args.on.isoformat()}" + (" (dry run)" if args.dry_run else "")
    )
    for column in ("case", "state", "unit", "moved", "deadlines kept", "reason"):
        table.add_column(column)
    for move in moves:
        unit = (
            move.old_unit
            if move.old_unit == move.new_unit
            else f"{move.old_unit} → {move.new_unit}"
        )
        table.add_row(
            escape(move.case),
            move.state or "-",
            escape(unit),
            "yes" if move.moved else "no",
            str(move.deadlines) if move.moved else "-",
            escape(", ".join(move.reasons)) or "-",
        )
    console = Console(file=out, width=120, force_terminal=False, color_system=None)
    console.print(table)
    moved = [m for m in moves if m.moved]
    print(
        f"{len(moves)} open cases: {len(moved)} {verb}, {len(moves) - len(moved)} not moved; "
        f"{sum(m.deadlines for m in moved)} pending deadlines kept with their start dates",
        file=out,
    )


def unit_map(path: Path) -> dict[str, tuple[str, str | None]]:
    """``--units MAP.yaml``: old unit id -> (new unit id, deciding committee's name)."""
    from admission_flow.exceptions import FileProblemError
    from admission_flow.procedure._reading import read_file
    from admission_flow.procedure._yaml import YamlMap

    value, name = read_file(path, error=FileProblemError)
    if not isinstance(value, YamlMap):
        raise InputError(
            f"{name}:1:1: a unit map is a mapping of old unit ids to new ones", field="units"
        )
    result: dict[str, tuple[str, str | None]] = {}
    for old, new in value.items():
        mark = value.value_mark(old)
        if isinstance(new, str):
            result[old] = (new, None)
        elif isinstance(new, YamlMap) and isinstance(new.get("unit"), str):
            committee = new.get("committee")
            result[old] = (new["unit"], str(committee) if committee is not None else None)
        else:
            raise InputError(
                f"{mark}: {old}: give the new unit's id, or {{unit: ID, committee: NAME}}",
                field="units",
            )
    return result
