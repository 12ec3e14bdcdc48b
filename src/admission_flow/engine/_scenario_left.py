"""A scenario's ``candidate.left``: how a former member left the Party, for re-admission.

Each mistake is reported at its own line and column, as the rest of a
scenario's are; the value checks are ``Departure``'s own.
"""

from __future__ import annotations

from admission_flow.exceptions import InputError
from admission_flow.model._departure import LEAVING_REASONS, Departure
from admission_flow.procedure._reading import Reader
from admission_flow.procedure._yaml import YamlMap

__all__ = ["read_left"]


def read_left(r: Reader, candidate: YamlMap, where: str) -> Departure | None:
    """The candidate's ``left`` (re-admission), each mistake at its own line and column."""
    entry = r.mapping(candidate, "left", where)
    if entry is None:
        return None
    where = f"{where}.left"
    r.keys(
        entry,
        where,
        required=("on", "reason"),
        optional=(
            "record_cleared_on",
            "hardship",
            "child_rank",
            "readmitted_before",
            "first_admitted_on",
        ),
    )
    on = r.date(entry, "on", where)
    reason = r.choice(entry, "reason", where, LEAVING_REASONS)
    cleared = r.date(entry, "record_cleared_on", where)
    first = r.date(entry, "first_admitted_on", where)
    rank = r.integer(entry, "child_rank", where)
    hardship = r.boolean(entry, "hardship", where)
    before = r.boolean(entry, "readmitted_before", where)
    if on is None or reason is None:
        return None
    try:
        return Departure(
            on=on,
            reason=reason,
            record_cleared_on=cleared,
            hardship=hardship,
            child_rank=rank,
            readmitted_before=before,
            first_admitted_on=first,
        )
    except InputError as exc:
        key = exc.field.removeprefix("left.")
        mark = entry.value_mark(key) if key in entry else entry.mark
        r.add(mark, str(exc))
        return None
