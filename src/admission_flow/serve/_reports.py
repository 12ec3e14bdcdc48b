"""A unit's report over HTTP: the unit file's targets, the register's cases of the unit and below.

The report is counted over the whole unit file (targets are inherited from the
units above), with the cases of the unit and of the units under it, and shows
those units only.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs

import admission_flow as af
from admission_flow import reports

from . import _requests as rq
from ._errors import HttpError

if TYPE_CHECKING:
    from ._api import Service
    from ._keys import Key

__all__ = ["as_html", "as_json", "report"]


def report(service: Service, key: Key, unit: str, as_of: str | None) -> reports.Report:
    tree = service.units
    if tree is None:
        raise HttpError(
            404,
            "no_unit_file",
            af.Text("Máy chủ không có tệp đơn vị", "The server has no unit file"),
            af.Text(
                "báo cáo cần tệp đơn vị: chạy admission-flow serve với --units FILE",
                "a report needs the unit file: start admission-flow serve with --units FILE",
            ),
        )
    unit = rq.identifier(unit, "unit")
    service.may_read(key, unit)
    if unit not in tree:
        raise HttpError(
            404,
            "unknown_unit",
            af.Text("Không có đơn vị này", "No such unit"),
            af.Text(f"tệp đơn vị không có đơn vị '{unit}'", f"the unit file has no unit '{unit}'"),
            field="unit",
        )
    on = rq.date_text(as_of, "as_of") if as_of is not None else service.today()
    below = [node.id for node in tree.subtree(unit)]
    register = service.register
    cases = [register.load(summary.id).case for one in below for summary in _every(service, one)]
    made = reports.build_report(tree, cases, on, plugins=register.plugins)
    # The file's name only: a report never tells where the server keeps its files.
    return attrs.evolve(
        made, file=Path(made.file).name, units=tuple(u for u in made.units if u.unit in below)
    )


def _every(service: Service, unit: str) -> list[Any]:
    found: list[Any] = []
    after = None
    while True:
        page = service.register.find(unit=unit, limit=1000, after=after)
        found.extend(page)
        if len(page) < 1000:
            return found
        after = page[-1].id


def as_json(made: reports.Report) -> dict[str, Any]:
    return reports.report_as_dict(made)


def as_html(made: reports.Report) -> str:
    return reports.render_html(made)
