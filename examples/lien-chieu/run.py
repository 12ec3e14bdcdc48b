"""Liên Chiểu, 2023: the district as data, its cases as events, and the report.

Run it after ``pip install '.[store,report]'``::

    python examples/lien-chieu/run.py [--db FILE] [--html FILE]

The steps, each a few lines, as a party-administration system would take them:

1. read the units (``units.yaml``: the district, its wards and cells, who holds
   which position, the targets);
2. generate the invented people and their events (``events.py``, from a seed);
3. keep the units and their members in the embedded SQLite register
   (``admission_flow.store``), open every case there and fire every event
   through it, with ``vn-2021`` and the installed rule packs: each step is
   recorded, hash-chained, accepted or not;
4. read the cases back from the register (each a fold of its history), make
   the report as of 30 June 2023, print it, and write it as an HTML page.

Every figure printed (457 members, 73 to the course, 20 of 25 admitted = 80%,
7 of 13 key officials not members) is counted from the cases and the unit file.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Iterable
from pathlib import Path

import events

import admission_flow as af
from admission_flow import reports, units
from admission_flow.store import Register

HERE = Path(__file__).resolve().parent


def keep_all(
    register: Register,
    procedure: af.Procedure,
    tree: units.UnitTree,
    stories: Iterable[events.Story],
) -> int:
    """Open each story's case in the register and fire its events there; the steps kept.

    Any refusal the story does not expect is a mistake of this example.
    """
    for node in tree:
        register.put_unit(node.unit, events.unit_members(node))
    opener = af.Engine(procedure, plugins=register.plugins)
    steps = 0
    for story in stories:
        case = opener.open(story.person.id, story.person, tree[story.unit].unit)
        first = story.events[0][2] if story.events else None
        stored = register.add_case(case, procedure, on=first)
        for index, (event, actor, on, facts) in enumerate(story.events):
            fired = register.fire(stored, event, actor, on, **facts)
            outcome, stored = fired.outcome, fired.stored
            refused = not (outcome.accepted or outcome.recorded)
            if refused != (index in story.refused):
                rules = ", ".join(v.rule for v in outcome.violations)
                raise SystemExit(
                    f"{story.person.id} {event} {on}: unexpected outcome ({rules or 'accepted'})"
                )
            steps += 1
    return steps


def summary(report: reports.Report, tree: units.UnitTree) -> list[str]:
    """The article's sentences, with the figures taken from the report."""
    ward = report.unit("hoa-hiep-bac")
    cell = report.unit("kdc-14")
    cells = len(tree.children("hoa-hiep-bac"))
    if ward.term is None or not cell.plans:
        raise SystemExit("units.yaml lost the ward's term target or the cell's plan")
    plan = cell.plans[0]
    official = cell.positions.holders
    outside = len(cell.positions.not_members)
    return [
        f"Phường Hòa Hiệp Bắc: {ward.official_members} đảng viên, {cells} chi bộ; từ đầu nhiệm kỳ "
        f"{ward.pipeline['course']} quần chúng học cảm tình Đảng, kết nạp {ward.term.reached}/"
        f"{ward.term.target.count} = {ward.term.percent:.0f}% chỉ tiêu nhiệm kỳ.",
        f"Hòa Hiệp Bắc ward: {ward.official_members} members in {cells} cells; since the start of "
        f"the term {ward.pipeline['course']} people went to the course and {ward.term.reached} of "
        f"{ward.term.target.count} were admitted = {ward.term.percent:.0f}% of the term's target.",
        f"Chi bộ KDC số 14: {cell.official_members} đảng viên; {outside}/{official} cán bộ chủ chốt "
        f"chưa là đảng viên; quý II/2023: {plan.reached}/{plan.target.count} quần chúng đi học.",
        f"Cell of residential area no. 14: {cell.official_members} members; {outside} of {official} "
        f"key officials are not members; Q2 2023: {plan.reached} of at least {plan.target.count} "
        "sent to the course.",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--html", type=Path, default=HERE / "out" / "report.html")
    parser.add_argument(
        "--db",
        type=Path,
        default=HERE / "out" / "lien-chieu.db",
        help="the SQLite register to write (made anew each run)",
    )
    args = parser.parse_args(argv)
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:  # Vietnamese text on any console
        reconfigure(encoding="utf-8")

    plugins = (
        af.Plugins()
    )  # the built-in rules and the installed packs (school, residential, sector)
    tree = units.load_units(HERE / "units.yaml", kinds=plugins.unit_kinds())
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    args.db.parent.mkdir(parents=True, exist_ok=True)
    args.db.unlink(missing_ok=True)
    with Register.create(args.db, plugins=plugins) as register:
        steps = keep_all(register, procedure, tree, events.stories(tree))
        broken = register.verify()
        cases = [stored.case for stored in register.cases()]
    if broken:
        raise SystemExit(f"{args.db}: the register's chains do not hold: {broken[0]}")
    report = reports.build_report(tree, cases, events.AS_OF, plugins=plugins)
    print(
        f"Sổ đăng ký / register: {args.db}: {len(cases)} hồ sơ / cases, {steps} bước / steps, "
        "chuỗi băm nguyên vẹn / every hash chain holds"
    )
    print()

    for line in summary(report, tree):
        print(line)
    print()
    try:
        reports.render_terminal(report, sys.stdout)
    except ImportError:
        print("install admission-flow[report] / cài admission-flow[report]", file=sys.stderr)
        return 2
    args.html.parent.mkdir(parents=True, exist_ok=True)
    args.html.write_text(reports.render_html(report), encoding="utf-8")
    print(f"\nBáo cáo HTML / HTML report: {args.html}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
