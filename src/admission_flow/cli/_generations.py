"""The commands of procedures that change with the law: ``show``, ``diff``, ``migrate``.

``show PROCEDURE [--resolved]`` names a procedure (id, version, fingerprint,
what it extends, when it is in force) or prints it whole, its ``extends:``
chain applied; ``diff A B [--json]`` lists what differs between two
procedures; ``migrate --db URL --to PROCEDURE --on DATE`` moves the open cases
of a register to the next generation (``docs/generations.md``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from admission_flow._limits import escape

if TYPE_CHECKING:
    from admission_flow.plugins._manager import Plugins

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("show", "diff", "migrate")
EXIT_OK = 0
EXIT_BAD_INPUT = 2


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"'{text}' is not a date written YYYY-MM-DD / không phải ngày dạng YYYY-MM-DD"
        ) from None


def add_commands(commands: Any) -> None:
    show = commands.add_parser("show", help="name a procedure, or print it whole (--resolved)")
    show.add_argument("procedure", metavar="PROCEDURE", help="a procedure file or a bundled id")
    show.add_argument(
        "--resolved", action="store_true", help="print the whole procedure, extends: applied"
    )
    diff = commands.add_parser("diff", help="what differs between two procedures")
    diff.add_argument("first", metavar="A", help="a procedure file or a bundled id")
    diff.add_argument("second", metavar="B", help="a procedure file or a bundled id")
    diff.add_argument("--json", action="store_true", help="print one JSON object")
    migrate = commands.add_parser(
        "migrate", help="move a register's open cases to the next generation of their procedure"
    )
    migrate.add_argument("--db", metavar="URL", required=True, help="the register")
    migrate.add_argument(
        "--to", metavar="PROCEDURE", required=True, help="the newer procedure (vn-2025)"
    )
    migrate.add_argument("--on", type=_date, required=True, metavar="DATE", help="the move's day")
    migrate.add_argument(
        "--units",
        type=Path,
        metavar="MAP.yaml",
        help="old unit id -> new unit id (or {unit: ID, committee: NAME}) for merged units",
    )
    migrate.add_argument("--dry-run", action="store_true", help="judge every move, write nothing")
    migrate.add_argument("--json", action="store_true", help="print one JSON object")


def run(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    if args.command == "show":
        return _show(args, plugins, out)
    if args.command == "diff":
        return _diff(args, plugins, out)
    from ._migrate import migrate_command

    return migrate_command(args, plugins, out)


def _show(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.plugins._loading import load_procedure
    from admission_flow.procedure._procedure_text import plain_of
    from admission_flow.procedure._yaml import dump_yaml

    procedure = load_procedure(args.procedure, plugins=plugins)
    if args.resolved:
        out.write(dump_yaml(plain_of(procedure)))
        return EXIT_OK
    window = procedure.in_force.as_dict() if procedure.in_force else None
    lines = [
        f"procedure: {procedure.id}",
        f"version: {procedure.version or '-'}",
        f"fingerprint: {procedure.fingerprint}",
        f"extends: {' -> '.join(procedure.parents) or '-'}",
        "in force: "
        + (f"{window['from'] or '…'} .. {window['to'] or '…'}" if window else "always"),
        f"migration: {'from ' + procedure.migration.source + ' on ' + procedure.migration.on.isoformat() if procedure.migration else '-'}",
        f"{len(procedure.states)} states, {len(procedure.events)} events, {len(procedure.rules)} rules",
    ]
    for line in lines:
        print(escape(line), file=out)
    return EXIT_OK


def _diff(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.plugins._loading import load_procedure
    from admission_flow.procedure._diff import diff_procedures

    first = load_procedure(args.first, plugins=plugins)
    second = load_procedure(args.second, plugins=plugins)
    changes = diff_procedures(first, second)
    if args.json:
        data = {
            "a": first.ref.as_dict(),
            "b": second.ref.as_dict(),
            "changes": [c.as_dict() for c in changes],
        }
        out.write(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n")
        return EXIT_OK
    print(escape(f"--- {first.ref}"), file=out)
    print(escape(f"+++ {second.ref}"), file=out)
    if not changes:
        print("no difference / không khác nhau", file=out)
    for change in changes:
        print(escape(str(change)), file=out)
    return EXIT_OK
