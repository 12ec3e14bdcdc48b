"""The share of a position's holders who are party members, against a unit's target.

The source article's district wants 90% of residential-group heads (tổ trưởng
tổ dân phố) to be members by 2025. A unit file says so on the unit that sets
the target::

    targets:
      members_among: {position: residential_group_head, percent: 90, by: 2025-12-31}

and this pack (installed on the entry point as ``residential``) counts, over
that unit and every unit under it, the holders of the position and how many of
them are members. Units that set no such target get nothing; the holders who
are not members are put on the unit's source list.
"""

from __future__ import annotations

from collections.abc import Iterable

import admission_flow as af
from admission_flow import units

__all__ = ["RULE", "SOURCE", "admission_flow_check_unit"]

RULE = "residential.members_among"
SOURCE = (
    "Quận ủy Liên Chiểu (2023): đến năm 2025 có 90% tổ trưởng tổ dân phố là đảng viên "
    "(chỉ tiêu của địa phương)"
)
MESSAGE = af.Text(
    "{members}/{holders} {position} là đảng viên ({percent}%); chỉ tiêu {target}%{by_vi}.",
    "{members} of {holders} {position} are party members ({percent}%); the target is {target}%{by_en}.",
)


@af.hookimpl
def admission_flow_check_unit(context: units.UnitContext) -> Iterable[units.Finding]:
    """One finding for each share the unit itself sets."""
    tree, node = context.tree, context.node
    found = []
    for share in node.targets.members_among:
        holders = [
            h for n in tree.subtree(node.id) for h in n.holders if share.position in h.positions
        ]
        members = sum(1 for h in holders if h.member)
        percent = 100 * members / len(holders) if holders else 0.0
        label = tree.positions[share.position].label
        by = share.by
        message = MESSAGE.format(
            members=members,
            holders=len(holders),
            position=af.Text(label.vi.lower(), label.en),
            percent=f"{percent:.0f}",
            target=f"{share.percent:g}",
            by_vi=f" đến {by.day:02d}/{by.month:02d}/{by.year}" if by else "",
            by_en=f" by {by.isoformat()}" if by else "",
        )
        found.append(
            units.Finding(
                rule=RULE,
                unit=node.id,
                message=message,
                source=SOURCE,
                met=bool(holders) and percent >= share.percent,
                figures={
                    "position": share.position,
                    "holders": len(holders),
                    "members": members,
                    "percent": round(percent, 1),
                    "target": share.percent,
                },
                people=tuple(h.id for h in holders if not h.member),
            )
        )
    return found
