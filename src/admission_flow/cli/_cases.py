"""Listing kept cases: ``cases`` (by unit, state, overdue date) and ``due`` (what falls due).

Both read the case rows only (``Register.find``): no case is rebuilt, however
many there are. Tables are drawn by rich, 120 columns wide into a file or a
pipe; ``--json`` prints each case's summary (``schemas/summary.json``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
from typing import TYPE_CHECKING, Any, TextIO

from admission_flow._limits import escape
from admission_flow.exceptions import InputError

from ._output import JSON_ESCAPES

if TYPE_CHECKING:
    from admission_flow.store import Register, Summary

__all__ = ["COMMANDS", "add_commands", "run"]

COMMANDS = ("cases", "due")
#: How many rows one page of the listing reads.
_PAGE = 1000


def add_commands(commands: Any, db_help: str) -> None:
    cases = commands.add_parser("cases", help="list kept cases by unit, state or overdue date")
    cases.add_argument("--db", metavar="URL", required=True, help=db_help)
    cases.add_argument("--unit", metavar="UNIT", help="only the cases of this unit id")
    cases.add_argument("--state", metavar="STATE", help="only the cases in this state")
    cases.add_argument(
        "--overdue-on",
        metavar="DATE",
        help="only open cases whose next deadline fell before DATE (YYYY-MM-DD)",
    )
    cases.add_argument("--all", action="store_true", help="closed cases too (open only by default)")
    cases.add_argument("--json", action="store_true", help="print JSON")

    due = commands.add_parser("due", help="list open cases with a deadline on or before a date")
    due.add_argument("--db", metavar="URL", required=True, help=db_help)
    due.add_argument("--on", metavar="DATE", required=True, help="the day to look from, YYYY-MM-DD")
    due.add_argument("--unit", metavar="UNIT", help="only the cases of this unit id")
    due.add_argument("--json", action="store_true", help="print JSON")


def _date(text: str, option: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{option} '{text}' is not a date; write it as YYYY-MM-DD", field=option
        ) from None


def _every(register: Register, **filters: Any) -> list[Summary]:
    found: list[Summary] = []
    after = None
    while True:
        page = register.find(limit=_PAGE, after=after, **filters)
        found.extend(page)
        if len(page) < _PAGE:
            return found
        after = page[-1].id


def run(args: argparse.Namespace, register: Register, out: TextIO) -> int:
    """Run ``cases`` or ``due``; exit 0."""
    on: dt.date | None
    if args.command == "due":
        day = on = _date(args.on, "--on")
        found = _every(register, unit=args.unit, open=True, due_before=day + dt.timedelta(days=1))
        found.sort(key=lambda s: (s.next_due or day, s.id))
        title = f"Đến hạn đến ngày {on.isoformat()} / Due on or before {on.isoformat()}"
    else:
        on = _date(args.overdue_on, "--overdue-on") if args.overdue_on else None
        found = _every(
            register,
            unit=args.unit,
            state=args.state,
            open=None if args.all else True,
            overdue_on=on,
        )
        title = "Hồ sơ / Cases"
    if args.json:
        text = json.dumps([s.as_json() for s in found], ensure_ascii=False, indent=2)
        out.write(text.translate(JSON_ESCAPES) + "\n")  # terminal-safe, the same strings
        return 0
    _table(found, title, on, out)
    return 0


def _table(found: list[Summary], title: str, on: dt.date | None, out: TextIO) -> None:
    from rich.console import Console
    from rich.table import Table

    # Stored ids are shown as they are: no markup or emoji codes read from them, and
    # control and bidi characters escaped once.
    console = Console(
        file=out,
        width=None if out.isatty() else 120,
        soft_wrap=False,
        highlight=False,
        markup=False,
        emoji=False,
    )
    table = Table(title=title, title_justify="left")
    for heading in (
        "Hồ sơ\nCase",
        "Đơn vị\nUnit",
        "Quy trình\nProcedure",
        "Trạng thái\nState",
        "Bước\nSteps",
        "Hạn tiếp theo\nNext due",
        "Sự kiện\nEvent",
    ):
        table.add_column(heading, justify="right" if heading.startswith("Bước") else "left")
    for summary in found:
        due = "-" if summary.next_due is None else summary.next_due.isoformat()
        if on is not None and summary.overdue(on):
            due += " ⚠ quá hạn / overdue"
        table.add_row(
            *(
                escape(cell)
                for cell in (
                    summary.id,
                    summary.unit,
                    summary.procedure.id,
                    summary.state or "-",
                    str(summary.version),
                    due,
                    summary.next_due_event or "-",
                )
            )
        )
    console.print(table)
    console.print(f"{len(found)} hồ sơ / cases")
