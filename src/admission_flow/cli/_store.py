"""The register's commands: ``run --db``, ``fire``, ``history``, ``verify``.

They need the ``store`` extra; without it each says so in one line and exits 2.
A URL is an SQLAlchemy URL; a bare path is an SQLite file. Exit status: 0 when
the command did its work (a refused event included), 1 when ``verify`` found a
broken chain, 2 for bad input, 3 for a plugin failure, 4 when another writer
changed the case while the event was judged (nothing was written then).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from admission_flow._limits import FIRST_YEAR, LAST_YEAR, MAX_DIGITS, escape, in_calendar, quote
from admission_flow.exceptions import (
    ActorError,
    CaseRefusedError,
    ConflictError,
    InputError,
    StoreError,
)

if TYPE_CHECKING:
    from admission_flow.engine._scenario import Run, Scenario
    from admission_flow.model._values import Outcome
    from admission_flow.plugins._manager import Plugins
    from admission_flow.store import Register

from . import _cases, _seal
from ._output import (
    EXIT_BAD_INPUT,
    EXIT_CONFLICT,
    EXIT_OK,
    JSON_ESCAPES,
    print_run,
    print_violation,
)

__all__ = ["DB_HELP", "EXIT_CONFLICT", "add_commands", "dispatch"]


DB_HELP = _DB_HELP = "the register: an SQLAlchemy URL, or a bare path for an SQLite file"


def add_commands(commands: Any, run: argparse.ArgumentParser) -> None:
    """Add ``--db`` to ``run``, and the register's own commands."""
    run.add_argument("--db", metavar="URL", help=f"also keep each case in {_DB_HELP}")

    fire = commands.add_parser("fire", help="fire one event on a stored case and record the step")
    fire.add_argument("case", metavar="CASE")
    fire.add_argument("event", metavar="EVENT")
    fire.add_argument("facts", nargs="*", metavar="FACT=VALUE", help="the event's facts")
    fire.add_argument("--db", metavar="URL", required=True, help=_DB_HELP)
    fire.add_argument(
        "--by", metavar="ROLE[:ID]", required=True, help="who fires it; ROLE:ID for one member"
    )
    fire.add_argument("--on", metavar="DATE", required=True, help="the event's date, YYYY-MM-DD")
    fire.add_argument("--json", action="store_true", help="print the step as JSON")
    fire.add_argument(
        "--request-id",
        metavar="ID",
        help="the call's id, unique per case: fired again, it prints the recorded step",
    )
    fire.add_argument(
        "--expected-version",
        metavar="N",
        type=int,
        help="record the step only if the case has N steps (exit 4 otherwise)",
    )

    history = commands.add_parser("history", help="list every attempt recorded on a case")
    history.add_argument("case", metavar="CASE")
    history.add_argument("--db", metavar="URL", required=True, help=_DB_HELP)
    history.add_argument("--json", action="store_true", help="print JSON")

    _seal.add_commands(commands, _DB_HELP)

    _cases.add_commands(commands, _DB_HELP)

    recheck = commands.add_parser(
        "recheck", help="list the recorded steps of open cases another procedure would refuse"
    )
    recheck.add_argument("--db", metavar="URL", required=True, help=_DB_HELP)
    recheck.add_argument(
        "--procedure", metavar="FILE_OR_ID", required=True, help="the procedure to judge by"
    )
    recheck.add_argument(
        "--full",
        action="store_true",
        help="judge every recorded step again, not only those whose event reads what changed",
    )
    recheck.add_argument("--json", action="store_true", help="print JSON")

    export = commands.add_parser("export", help="print the whole register as JSON lines")
    export.add_argument("--db", metavar="URL", required=True, help=_DB_HELP)
    export.add_argument(
        "--pseudonymise",
        action="store_true",
        help="replace names, birth dates and identity numbers consistently",
    )

    import_ = commands.add_parser("import", help="add an export's cases to a register")
    import_.add_argument("file", metavar="FILE", type=Path, help="JSON lines from export")
    import_.add_argument("--db", metavar="URL", required=True, help=_DB_HELP)


def _register(url: str, plugins: Plugins, *, create: bool) -> Register:
    try:
        from admission_flow.store import Register
    except ImportError as exc:
        raise StoreError(
            f"the register needs packages that are not installed ({exc.name}): "
            "install admission-flow[store]"
        ) from None
    return Register.create(url, plugins=plugins) if create else Register(url, plugins=plugins)


def dispatch(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int | None:
    """Run a register command; ``None`` when ``args`` is not one."""
    command = args.command
    if command == "run" and args.db is None:
        if len(args.scenario) != 1 or args.scenario[0].is_dir():
            raise StoreError("run takes one scenario file; several, or a folder, need --db URL")
        return None
    if command not in ("run", "fire", "history", "recheck", "export", "import"):
        runner = dict.fromkeys(_cases.COMMANDS, _cases.run)
        runner.update(dict.fromkeys(_seal.COMMANDS, _seal.run))
        if command in runner:
            with _register(args.db, plugins, create=False) as register:
                return runner[command](args, register, out)
        return None
    try:
        if command == "run":
            return _run(args, plugins, out)
        if command == "fire":
            return _fire(args, plugins, out)
        if command == "history":
            return _history(args, plugins, out)
        if command == "recheck":
            return _recheck(args, plugins, out)
        if command == "export":
            with _register(args.db, plugins, create=False) as register:
                register.export(out, pseudonymise=args.pseudonymise)
            return EXIT_OK
        return _import(args, plugins, out)
    except ConflictError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFLICT


def _dump(data: Any, out: TextIO) -> None:
    """JSON for a terminal: what ``escape`` replaces and ``json`` keeps is written ``\\uXXXX``."""
    out.write(json.dumps(data, ensure_ascii=False, indent=2).translate(JSON_ESCAPES) + "\n")


# -- run --db --------------------------------------------------------------------------


def _run(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.engine._scenario import load_scenario, scenario_files

    scenarios = [
        load_scenario(path, plugins=plugins, allow_paths=args.allow_path)
        for path in scenario_files(args.scenario)
    ]
    with _register(args.db, plugins, create=True) as register:
        ids = _case_ids(register, scenarios)
        for scenario, case_id in zip(scenarios, ids, strict=True):
            result, refusal = _record(register, scenario, case_id)
            if refusal is not None and not args.json:
                # Not kept, and not a mistake of the file's: its opening event is refused too.
                out.write(f"{scenario.path}: not kept in the register: {refusal}\n")
            if args.json:
                _dump(result.as_dict(), out)
            else:
                print_run(result, out)
    return EXIT_OK


def _case_ids(register: Register, scenarios: list[Scenario]) -> list[str]:
    """Each scenario's case id: its own (``case:``, else the candidate's), or, when the
    register or an earlier scenario holds that id already, the next free ``ID-2``, ``ID-3``:
    a person who already has a case gets a new one, never an overwritten one."""
    taken: set[str] = set()
    ids = []
    for scenario in scenarios:
        base = scenario.case_id or scenario.candidate.id
        case_id, number = base, 1
        while case_id in taken or register.has_case(case_id):
            number += 1
            case_id = f"{base}-{number}"
        taken.add(case_id)
        ids.append(case_id)
    return ids


def _record(
    register: Register, scenario: Scenario, case_id: str
) -> tuple[Run, CaseRefusedError | None]:
    """Keep the scenario's unit, members and case, and fire its events through the register.

    A case the register refuses to open (the rules across cases, re-admission) is
    run in memory only, and the refusal returned beside it. A ``migrate`` entry
    moves the stored case (its new unit kept first, with the scenario's members).
    """
    from admission_flow.engine._scenario import Run, run_scenario

    register.put_unit(scenario.unit, scenario.members.values())
    case = scenario.engine.open(case_id, scenario.candidate, scenario.unit)
    opening = scenario.events[0].on if scenario.events else None
    try:
        stored = register.add_case(case, scenario.procedure, on=opening)
    except CaseRefusedError as refusal:
        return run_scenario(scenario), refusal
    outcomes: list[Outcome] = []
    for event in scenario.events:
        if event.migrate_to is not None:
            if event.unit is not None:
                register.put_unit(event.unit, scenario.members.values())
            fired = register.migrate(
                stored,
                to=event.migrate_to.procedure,
                on=event.on,
                unit=event.unit,
                actor=event.actor,
                committee=event.committee,
            )
        else:
            fired = register.fire(stored, event.event, event.actor, event.on, **event.facts)
        outcomes.append(fired.outcome)
        stored = fired.stored
    run = Run(
        scenario=scenario,
        outcomes=tuple(outcomes),
        case=stored.case,
        engine=register.engine(stored),
    )
    return run, None


# -- fire -------------------------------------------------------------------------------


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}\Z", re.ASCII)
_WHOLE = re.compile(r"[-+]?[0-9]+\Z", re.ASCII)


def _date(text: str, what: str) -> dt.date:
    """A date as files write it: YYYY-MM-DD in ASCII digits, in the years 1900-2199."""
    try:
        if not _ISO_DATE.match(text):
            raise ValueError(text)
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError(
            f"{what} {quote(escape(text))} is not a date; write it as YYYY-MM-DD", field=what
        ) from None
    if not in_calendar(day):
        raise InputError(
            f"{what}: the date {text} is outside the years {FIRST_YEAR}-{LAST_YEAR} that "
            "deadlines are counted in; check the year",
            field=what,
        )
    return day


def _whole(text: str, what: str) -> int | str:
    """A whole number as files write it (ASCII digits, at most 15); else the text, which
    the engine then refuses as no number."""
    if not _WHOLE.match(text):
        return text
    if len(text.lstrip("+-")) > MAX_DIGITS:
        raise InputError(
            f"{what}: the number {quote(text)} is too large; numbers stay below "
            f"{10**MAX_DIGITS:,} (10^{MAX_DIGITS})",
            field=what,
        )
    return int(text)


_BOOLEANS = {"true": True, "yes": True, "false": False, "no": False}


def _facts(args: argparse.Namespace, fact_types: dict[str, str]) -> dict[str, Any]:
    """``FACT=VALUE`` arguments, each read as its declared type; an unknown fact stays text
    (the engine then names it, and the facts the event takes)."""
    facts: dict[str, Any] = {}
    for item in args.facts:
        name, equals, text = item.partition("=")
        if not equals or not name:
            raise InputError(
                f"'{item}' is not FACT=VALUE; write each fact as name=value (in_favour=20)",
                field=item,
            )
        kind = fact_types.get(name)
        value: Any = text
        if kind == "int":
            value = _whole(text, f"fact '{name}'")  # not a number: the engine says so
        elif kind == "bool" and text.lower() in _BOOLEANS:
            value = _BOOLEANS[text.lower()]
        elif kind == "date":
            value = _date(text, f"fact '{name}'")
        facts[name] = value
    return facts


def _verdict(accepted: bool, recorded: bool) -> str:
    if accepted:
        return "✓ chấp nhận / accepted"
    if recorded:
        return "● ghi nhận, không đạt / recorded, not passed"
    return "✗ từ chối / refused"


def _fire(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.model._values import Actor

    on = _date(args.on, "--on")
    actor = Actor.parse(args.by)
    with _register(args.db, plugins, create=False) as register:
        stored = register.load(args.case)
        engine = register.engine(stored)
        spec = engine.procedure.events.get(args.event)
        types = {} if spec is None else {name: f.type for name, f in spec.facts.items()}
        facts = _facts(args, types)
        try:
            fired = register.fire(
                args.case if args.expected_version is not None else stored,
                args.event,
                actor,
                on,
                request_id=args.request_id,
                expected_version=args.expected_version,
                **facts,
            )
        except ActorError as exc:
            if not str(exc).startswith("unknown member"):
                raise
            raise ActorError(
                f"{exc} (members of unit '{stored.case.unit.id}' are kept with it: add one "
                "by running a scenario that lists it with --db)",
                field=exc.field,
            ) from None
    step = fired.outcome.step
    if args.json:
        from admission_flow.store import fired_to_json

        _dump(fired_to_json(fired), out)
        return EXIT_OK
    print(
        escape(
            f"{args.case} #{fired.seq} {step.on.isoformat()} {step.event} "
            f"{step.actor}: {_verdict(step.accepted, step.recorded)} "
            f"({step.from_state or '-'} → {step.to_state})"
            + (
                f" [đã ghi trước đó / recorded before, request {args.request_id}]"
                if fired.replayed
                else ""
            )
        ),
        file=out,
    )
    for violation in step.violations:
        print_violation("✗", violation, out)
    for warning in step.warnings:
        print_violation("!", warning, out)
    return EXIT_OK


# -- history and verify -------------------------------------------------------------------


def _history(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.store import entry_to_json

    with _register(args.db, plugins, create=False) as register:
        entries = register.history(args.case)
        stored = register.load(args.case)
    if args.json:
        data = {
            "case": args.case,
            "procedure": stored.case.procedure.as_dict(),
            "state": stored.case.state,
            "version": stored.version,
            "history": [entry_to_json(entry) for entry in entries],
        }
        _dump(data, out)
        return EXIT_OK
    print(
        escape(
            f"{args.case} · {stored.case.procedure} · {stored.case.state or '-'} · "
            f"{stored.version} steps"
        ),
        file=out,
    )
    for entry in entries:
        step = entry.step
        who = str(step.actor)
        rules = ", ".join(v.rule for v in step.violations)
        print(
            escape(
                f"{entry.seq:>4} {step.on.isoformat()} {step.event:<20} {who:<22} "
                f"{_verdict(step.accepted, step.recorded).split(' ')[0]} "
                f"{step.from_state or '-'} → {step.to_state}" + (f"  [{rules}]" if rules else "")
            ),
            file=out,
        )
    return EXIT_OK


# -- recheck ---------------------------------------------------------------------------------


def _recheck(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.plugins._loading import load_procedure

    procedure = load_procedure(
        args.procedure, plugins=plugins
    )  # a bad file is exit 2 before any work
    with _register(args.db, plugins, create=False) as register:
        total = len(register.case_ids(open_only=True))
        if sys.stderr.isatty():
            from rich.progress import Progress

            with Progress(transient=True) as bar:
                task = bar.add_task("recheck", total=total)
                found = register.recheck(
                    args.procedure,
                    plugin_modules=args.plugin,
                    progress=lambda done, _: bar.update(task, completed=done),
                    full=args.full,
                )
        else:
            found = register.recheck(args.procedure, plugin_modules=args.plugin, full=args.full)
    if args.json:
        data = {
            "procedure": procedure.ref.as_dict(),
            "open_cases": total,
            "full": args.full,
            "cases": [case.as_dict() for case in found],
        }
        _dump(data, out)
        return EXIT_OK
    for case in found:
        for refusal in case.refusals:
            print(
                escape(
                    f"{case.case} #{refusal.seq} {refusal.on} {refusal.event}: "
                    f"{refusal.was} → {refusal.now}: "
                    + (refusal.problem or ", ".join(refusal.rules))
                ),
                file=out,
            )
    steps = sum(len(case.refusals) for case in found)
    print(
        f"{escape(str(procedure.ref))}: {steps} recorded steps in {len(found)} of {total} open cases "
        "would not be accepted as recorded",
        file=out,
    )
    return EXIT_OK


def _import(args: argparse.Namespace, plugins: Plugins, out: TextIO) -> int:
    from admission_flow.store import ExportFileError, read_export

    try:
        with _register(args.db, plugins, create=True) as register:
            counts = register.import_lines(read_export(args.file), source=str(args.file))
    except ExportFileError as exc:
        print(exc, file=sys.stderr)  # already one escaped line per problem
        return EXIT_BAD_INPUT
    print(f"imported {counts['cases']} cases, {counts['steps']} steps", file=out)
    return EXIT_OK
