"""The report as one self-contained HTML page, its charts drawn as inline SVG.

Nothing is fetched: no script, no font, no stylesheet from elsewhere. A person
opens the file in a browser, offline; every figure is also written as text, so
the page reads the same to a screen reader and to a test.
"""

from __future__ import annotations

from collections.abc import Sequence
from html import escape

import attrs

from admission_flow.units import STAGES

from ._compute import Report
from ._words import (
    LABELS,
    STAGE_LABELS,
    annual_cell,
    group_label,
    kind_label,
    notes,
    period,
    plan_cell,
    positions_cell,
    shown,
    title,
    unit_label,
    window_text,
)

__all__ = ["render_html"]

_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem; color: #222; max-width: 72rem; }
h1 { font-size: 1.4rem; } h2 { font-size: 1.15rem; margin-top: 2rem; }
.en { color: #555; font-weight: normal; }
table { border-collapse: collapse; margin: .5rem 0 1rem; }
th, td { border: 1px solid #ccc; padding: .25rem .5rem; text-align: left; vertical-align: top; }
td.n { text-align: right; font-variant-numeric: tabular-nums; }
.met { color: #1b7f3b; } .short { color: #b3261e; }
svg text { font-family: system-ui, sans-serif; font-size: 12px; }
"""


@attrs.frozen
class _Bar:
    label: str
    value: float
    limit: float
    text: str
    target: float | None = None


def _chart(bars: Sequence[_Bar], *, label_width: int = 260, width: int = 720) -> str:
    """Horizontal bars, each with its figure written beside it; a target as a line."""
    row = 26
    height = row * len(bars) + 10
    area = width - label_width - 120
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}">'
    ]
    for index, bar in enumerate(bars):
        y = 5 + index * row
        scale = area / bar.limit if bar.limit else 0
        length = max(0.0, min(bar.value, bar.limit) * scale)
        parts.append(
            f'<text x="{label_width - 8}" y="{y + 16}" text-anchor="end">{escape(bar.label)}</text>'
            f'<rect x="{label_width}" y="{y + 3}" width="{area}" height="18" fill="#eee"/>'
            f'<rect x="{label_width}" y="{y + 3}" width="{length:.1f}" height="18" fill="#c62828"/>'
        )
        if bar.target is not None:
            x = label_width + min(bar.target, bar.limit) * scale
            parts.append(
                f'<line x1="{x:.1f}" y1="{y}" x2="{x:.1f}" y2="{y + 24}" stroke="#222" stroke-width="2"/>'
            )
        parts.append(f'<text x="{label_width + area + 8}" y="{y + 16}">{escape(bar.text)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _h2(key: str) -> str:
    return f'<h2>{escape(LABELS[key].vi)} <span class="en">/ {escape(LABELS[key].en)}</span></h2>'


def _th(key: str) -> str:
    return f'<th>{escape(LABELS[key].vi)}<br><span class="en">{escape(LABELS[key].en)}</span></th>'


def render_html(report: Report) -> str:
    """The whole page, as text."""
    heading = title(report)
    rows = [u for u in report.units if shown(u)]
    out = [
        "<!DOCTYPE html>",
        '<html lang="vi"><head><meta charset="utf-8">',
        f"<title>{escape(LABELS['title'].vi)} / {escape(LABELS['title'].en)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        f'<h1>{escape(heading.vi)}<br><span class="en">{escape(heading.en)}</span></h1>',
    ]
    for note in notes(report):
        out.append(
            f'<p class="note">{escape(note.vi)}<br><span class="en">{escape(note.en)}</span></p>'
        )

    terms = [u for u in report.units if u.term is not None]
    if terms:
        out.append(_h2("term"))
        out.append(
            _chart(
                [
                    _Bar(
                        u.name,
                        u.term.reached,
                        max(u.term.target.count, u.term.reached),
                        plan_cell(u.term),
                        u.term.target.count,
                    )
                    for u in terms
                    if u.term is not None
                ]
            )
        )
    annual = [u for u in rows if u.annual is not None and u.depth <= 1]
    if annual:
        out.append(_h2("year"))
        out.append(
            _chart(
                [
                    _Bar(
                        u.name,
                        u.annual.admitted,
                        max(u.annual.high, u.annual.admitted, 1),
                        annual_cell(u.annual),
                        u.annual.low,
                    )
                    for u in annual
                    if u.annual is not None
                ],
                width=860,
            )
        )

    out.append(_h2("units"))
    out.append(
        "<table><tr>"
        + "".join(_th(k) for k in ("unit", "kind", "members", "cases", "year", "term", "key"))
        + "</tr>"
    )
    for u in rows:
        out.append(
            f"<tr><td>{'&nbsp;' * 4 * u.depth}{escape(u.name)}</td>"
            f"<td>{escape(kind_label(report, u.kind).vi)}<br>"
            f'<span class="en">{escape(kind_label(report, u.kind).en)}</span></td>'
            f'<td class="n">{u.official_members}</td><td class="n">{u.cases}</td>'
            f'<td class="n">{escape(annual_cell(u.annual))}</td>'
            f'<td class="n">{escape(plan_cell(u.term))}</td>'
            f'<td class="n">{escape(positions_cell(u))}</td></tr>'
        )
    out.append("</table>")

    out.append(_h2("pipeline"))
    for u in rows:
        if u.depth > 1 and not u.cases:
            continue
        most = max([*u.pipeline.values(), 1])
        window = window_text(u)
        out.append(f"<h3>{escape(u.name)} ({escape(window.vi)} / {escape(window.en)})</h3>")
        out.append(
            _chart(
                [
                    _Bar(
                        f"{STAGE_LABELS[s].vi} / {STAGE_LABELS[s].en}",
                        u.pipeline[s],
                        most,
                        str(u.pipeline[s]),
                    )
                    for s in STAGES
                ]
            )
        )

    out.append(_h2("by_source"))
    out.append(
        "<table><tr>"
        + _th("unit")
        + _th("group")
        + "".join(
            f'<th>{escape(STAGE_LABELS[s].vi)}<br><span class="en">{escape(STAGE_LABELS[s].en)}</span></th>'
            for s in STAGES
        )
        + "</tr>"
    )
    for u in report.units:
        if u.depth == 1:
            for group, counts in u.by_source.items():
                label = group_label(group)
                out.append(
                    f"<tr><td>{escape(u.name)}</td><td>{escape(label.vi)}<br>"
                    f'<span class="en">{escape(label.en)}</span></td>'
                    + "".join(f'<td class="n">{counts[s]}</td>' for s in STAGES)
                    + "</tr>"
                )
    out.append("</table>")

    plans = [(u, p) for u in report.units for p in ((u.term,) if u.term else ()) + u.plans]
    if plans:
        out.append(_h2("plans"))
        out.append(
            "<table><tr>"
            + "".join(_th(k) for k in ("unit", "stage", "period", "target", "reached"))
            + "</tr>"
        )
        for u, plan in plans:
            stage = STAGE_LABELS[plan.target.stage]
            css = "met" if plan.met else "short"
            out.append(
                f"<tr><td>{escape(u.name)}</td><td>{escape(stage.vi)} / {escape(stage.en)}</td>"
                f'<td>{escape(period(plan))}</td><td class="n">{plan.target.count}</td>'
                f'<td class="n {css}">{escape(plan_cell(plan))}</td></tr>'
            )
        out.append("</table>")

    out.append(_h2("findings"))
    out.append(
        "<table><tr>"
        + "".join(_th(k) for k in ("unit", "rule", "finding", "source_list"))
        + "</tr>"
    )
    for finding in report.findings():
        css = "met" if finding.met else "short"
        people = ", ".join(
            f"{p} ({report.names[p]})" if p in report.names else p for p in finding.people
        )
        out.append(
            f'<tr><td>{escape(unit_label(report, finding.unit))}</td><td class="{css}">{escape(finding.rule)}</td>'
            f'<td>{escape(finding.message.vi)}<br><span class="en">{escape(finding.message.en)}</span>'
            f"<br><small>{escape(finding.source)}</small></td><td>{escape(people or '-')}</td></tr>"
        )
    out.append("</table>")

    out.append(_h2("overdue"))
    overdue = report.overdue()
    out.append("<table><tr>" + "".join(_th(k) for k in ("unit", "case", "event", "due")) + "</tr>")
    for item in overdue:
        out.append(
            f"<tr><td>{escape(unit_label(report, item.unit))}</td><td>{escape(item.case)}</td>"
            f"<td>{escape(item.deadline.event)}</td><td>{item.deadline.due.isoformat()}</td></tr>"
        )
    if not overdue:
        out.append(
            f'<tr><td colspan="4">{escape(LABELS["none"].vi)} / {escape(LABELS["none"].en)}</td></tr>'
        )
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"
