"""Checking the register: ``verify`` (every chain, every case row, and since a checkpoint)
and ``checkpoint`` (the line to keep outside the database).

``verify`` exits 0 when everything holds, 1 naming each broken case otherwise.
"""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING, Any, TextIO

from admission_flow._limits import escape

if TYPE_CHECKING:
    from admission_flow.store import Register

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("verify", "checkpoint")


def add_commands(commands: Any, db_help: str) -> None:
    verify = commands.add_parser(
        "verify", help="check every case's hash chain and case row (and since a checkpoint)"
    )
    verify.add_argument("--db", metavar="URL", required=True, help=db_help)
    verify.add_argument(
        "--since",
        metavar="CHECKPOINT",
        help="also report what changed since this checkpoint line (admission-flow checkpoint)",
    )
    checkpoint = commands.add_parser(
        "checkpoint", help="seal every case now; print the line to keep outside the database"
    )
    checkpoint.add_argument("--db", metavar="URL", required=True, help=db_help)


def _shown_url(text: str) -> str:
    """The ``--db`` value to print in a command: as given, unless it holds a password."""
    if "://" in text:
        import sqlalchemy as sa

        try:
            if sa.make_url(text).password is not None:
                return "URL"
        except sa.exc.ArgumentError:
            return "URL"
    return text if " " not in text else f"'{text}'"


def run(args: argparse.Namespace, register: Register, out: TextIO) -> int:
    if args.command == "checkpoint":
        point = register.checkpoint()
        print(point.line, file=out)
        print(
            f"Giữ dòng này bên ngoài cơ sở dữ liệu / keep this line outside the database "
            f"({point.cases} hồ sơ / cases, {point.steps} bước / steps); kiểm tra sau / "
            "check later:",
            file=out,
        )
        print(f"admission-flow verify --db {_shown_url(args.db)} --since {point.line}", file=out)
        return 0
    broken = register.verify(since=args.since)
    if broken:
        for found in broken:
            print(f"{escape(register.where)}: {found}", file=out)  # a Break is escaped
        return 1
    count = len(register.case_ids())
    since = " and nothing changed since the checkpoint" if args.since else ""
    print(f"ok: every chain holds ({count} cases){since}", file=out)
    return 0
