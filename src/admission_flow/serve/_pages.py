"""The clerk's pages: server-rendered HTML, no JavaScript, Vietnamese first and English beside.

``/ui`` lists the key's units; ``/ui/units/ID`` a unit's cases with filters (a
plain GET form); ``/ui/cases/ID`` a case with its whole history (refused
attempts included, each violation with the article it cites), its deadlines,
and what the key's actor may fire next. Every value from the register is
HTML-escaped.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from html import escape
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import admission_flow as af

from . import _requests as rq

if TYPE_CHECKING:
    from ._api import Service
    from ._keys import Key

__all__ = ["case", "error_page", "home", "unit"]

_STYLE = """
body{font-family:system-ui,"Segoe UI",Roboto,"Noto Sans",sans-serif;margin:1.5rem;color:#1d1d1f;max-width:72rem}
h1{font-size:1.5rem;margin:0 0 .25rem}h2{font-size:1.15rem;margin:1.5rem 0 .5rem}
.en{color:#666;font-size:.85em;font-weight:normal}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #ccc;padding:.3rem .5rem;text-align:left;vertical-align:top}
th{background:#f3f3f3}
.ok{color:#1a7f37}.refused{color:#b3261e}.recorded{color:#9a6700}
.overdue{color:#b3261e;font-weight:bold}
.violation{margin:.2rem 0}.source{font-style:italic;color:#444}
form{margin:.5rem 0}label{margin-right:1rem}
nav{margin-bottom:1rem}
"""


def _both(vi: str, en: str) -> str:
    return f'{escape(vi)} <span class="en" lang="en">/ {escape(en)}</span>'


def _text(text: af.Text) -> str:
    return _both(text.vi, text.en)


def _page(title: af.Text, body: Iterable[str]) -> str:
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="vi"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{escape(title.vi)} / {escape(title.en)}</title>",
            f"<style>{_STYLE}</style></head><body>",
            '<nav><a href="/ui">Đơn vị của tôi <span class="en">/ My units</span></a></nav>',
            f"<h1>{_text(title)}</h1>",
            *body,
            "</body></html>",
        ]
    )


def error_page(body: Mapping[str, Any]) -> str:
    title = af.Text(body["title"]["vi"], body["title"]["en"])
    return _page(title, [f"<p>{escape(str(body['message']))}</p>"])


def _units_of(service: Service, key: Key) -> list[str]:
    readable = key.readable()
    if readable is not None:
        return list(readable)
    if service.units is not None:
        return [node.id for node in service.units]
    return sorted({s.unit for s in service.register.find(limit=1000)})


def home(service: Service, key: Key) -> str:
    items = [
        f'<li><a href="/ui/units/{quote(u, safe="")}">{escape(u)}</a></li>'
        for u in _units_of(service, key)
    ]
    who = f"{key.name} · {key.role}" + (f" · {key.actor}" if key.actor else "")
    return _page(
        af.Text("Hồ sơ kết nạp đảng viên", "Party admission cases"),
        [f'<p>Khóa <span class="en">/ key</span>: {escape(who)}</p>', "<ul>", *items, "</ul>"],
    )


def _state(
    procedures: Mapping[str, af.Procedure | None], summary_procedure: str, state: str | None
) -> str:
    procedure = procedures.get(summary_procedure)
    if state is None:
        return "-"
    if procedure is None or state not in procedure.states:
        return escape(state)
    return _text(procedure.state_label(state))


def unit(service: Service, key: Key, unit_id: str, query: Mapping[str, str]) -> str:
    unit_id = rq.identifier(unit_id, "unit")
    service.may_read(key, unit_id)
    for name in query:
        if name not in ("state", "open", "overdue_on"):
            raise rq.bad(
                name[:80],
                f"tham số '{name[:80]}' không có ở đây",
                f"unknown parameter '{name[:80]}'",
            )
    state = query.get("state") or None
    shown = query.get("open", "true")
    if shown not in ("true", "false", "all"):
        raise rq.bad("open", "'open' là true, false hoặc all", "'open' is true, false or all")
    overdue_on = (
        rq.date_text(query["overdue_on"], "overdue_on") if query.get("overdue_on") else None
    )
    found = []
    after = None
    while True:
        page = service.register.find(
            unit=unit_id,
            state=state,
            open=None if shown == "all" else shown == "true",
            overdue_on=overdue_on,
            limit=1000,
            after=after,
        )
        found.extend(page)
        if len(page) < 1000:
            break
        after = page[-1].id
    today = service.today()
    procedures = {s.procedure.id: _procedure(service, s.procedure.id) for s in found}
    rows = []
    for s in found:
        due = "-" if s.next_due is None else s.next_due.isoformat()
        late = s.overdue(overdue_on or today)
        rows.append(
            "<tr>"
            f'<td><a href="/ui/cases/{quote(s.id, safe="")}">{escape(s.id)}</a></td>'
            f"<td>{escape(s.person)}</td>"
            f"<td>{_state(procedures, s.procedure.id, s.state)}</td>"
            f"<td>{s.version}</td>"
            f'<td class="{"overdue" if late else ""}">{escape(due)}'
            + (' ⚠ quá hạn <span class="en">/ overdue</span>' if late else "")
            + f"</td><td>{escape(s.next_due_event or '-')}</td></tr>"
        )
    options = "".join(
        f'<option value="{v}"{" selected" if v == shown else ""}>{label}</option>'
        for v, label in (
            ("true", "đang mở / open"),
            ("false", "đã đóng / closed"),
            ("all", "tất cả / all"),
        )
    )
    form = (
        f'<form method="get" action="/ui/units/{quote(unit_id, safe="")}">'
        f'<label>Trạng thái <span class="en">/ state</span> '
        f'<input name="state" value="{escape(state or "")}"></label>'
        f'<label>Hồ sơ <span class="en">/ cases</span> <select name="open">{options}</select></label>'
        f'<label>Quá hạn vào ngày <span class="en">/ overdue on</span> '
        f'<input type="date" name="overdue_on" value="{overdue_on.isoformat() if overdue_on else ""}"></label>'
        '<button type="submit">Lọc / Filter</button></form>'
    )
    return _page(
        af.Text(f"Hồ sơ của đơn vị {unit_id}", f"Cases of unit {unit_id}"),
        [
            form,
            f'<p>{len(found)} hồ sơ <span class="en">/ cases</span></p>',
            "<table><thead><tr>"
            + "".join(
                f"<th>{_both(vi, en)}</th>"
                for vi, en in (
                    ("Hồ sơ", "Case"),
                    ("Người", "Person"),
                    ("Trạng thái", "State"),
                    ("Bước", "Steps"),
                    ("Hạn tiếp theo", "Next due"),
                    ("Sự kiện", "Event"),
                )
            )
            + "</tr></thead><tbody>",
            *rows,
            "</tbody></table>",
        ],
    )


def _procedure(service: Service, procedure_id: str) -> af.Procedure | None:
    """The procedure of a listed case, or ``None`` (its states then shown by name)."""
    try:
        return service.procedure(procedure_id)
    except rq.HttpError:
        return None


def _violations(violations: Iterable[af.Violation]) -> str:
    return "".join(
        f'<div class="violation"><code>{escape(v.rule)}</code>: {_text(v.message)} '
        f'<span class="source">[{escape(v.source)}]</span></div>'
        for v in violations
    )


def _verdict(step: af.Step) -> str:
    if step.accepted:
        return f'<span class="ok">✓ {_both("chấp nhận", "accepted")}</span>'
    if step.recorded:
        return f'<span class="recorded">● {_both("ghi nhận, không đạt", "recorded, not passed")}</span>'
    return f'<span class="refused">✗ {_both("từ chối", "refused")}</span>'


def case(service: Service, key: Key, case_id: str, query: Mapping[str, str]) -> str:
    for name in query:
        if name != "on":
            raise rq.bad(
                name[:80],
                f"tham số '{name[:80]}' không có ở đây",
                f"unknown parameter '{name[:80]}'",
            )
    on = rq.date_text(query["on"], "on") if "on" in query else service.today()
    stored = service._load(key, case_id)
    register = service.register
    entries = register.history(stored.case.id)
    engine = register.engine(stored)
    procedure = engine.procedure
    c = stored.case

    def event_label(name: str) -> str:
        spec = procedure.events.get(name)
        return _text(spec.label) if spec is not None else escape(name)

    history = []
    for entry in entries:
        step = entry.step
        history.append(
            "<tr>"
            f"<td>{entry.seq}</td><td>{step.on.isoformat()}</td>"
            f"<td>{event_label(step.event)}<br><code>{escape(step.event)}</code></td>"
            f"<td>{escape(str(step.actor))}</td><td>{_verdict(step)}</td>"
            f"<td>{escape(step.from_state or '-')} → {escape(step.to_state or '-')}</td>"
            f"<td>{_violations(step.violations)}{_violations(step.warnings)}</td></tr>"
        )
    pending = {(d.name, d.due) for d in engine.pending(c)}
    deadlines = [
        "<tr>"
        f"<td>{event_label(d.event)}</td><td>{d.due.isoformat()}</td>"
        f"<td>{_text(d.basis)}</td>"
        + (
            f"<td>{_both('đã đáp ứng', 'met')} {d.met_on.isoformat()}</td>"
            if d.met_on is not None
            else (
                f'<td class="overdue">{_both("quá hạn", "overdue")}</td>'
                if d.due < on and (d.name, d.due) in pending
                else f"<td>{_both('đang chờ', 'pending')}</td>"
            )
        )
        + "</tr>"
        for d in engine.deadlines(c)
    ]
    if not deadlines:
        deadlines = [
            f'<tr><td colspan="4">{_both("Chưa có thời hạn nào", "No deadline yet")}</td></tr>'
        ]
    next_steps = _next(service, key, stored, on)
    head = [
        f"<p>{_both('Người', 'Person')}: <strong>{escape(c.candidate.name)}</strong> "
        f"({escape(c.candidate.id)}) · {_both('Đơn vị', 'Unit')}: "
        f'<a href="/ui/units/{quote(c.unit.id, safe="")}">{escape(c.unit.id)}</a> · '
        f"{_both('Quy trình', 'Procedure')}: {escape(procedure.id)}</p>",
        f"<p>{_both('Trạng thái', 'State')}: <strong>"
        + (_text(procedure.state_label(c.state)) if c.state is not None else "-")
        + f"</strong> · {_both('Phiên bản', 'Version')}: {stored.version}</p>",
    ]
    return _page(
        af.Text(f"Hồ sơ {c.id}", f"Case {c.id}"),
        [
            *head,
            f"<h2>{_both('Lịch sử (kể cả lần bị từ chối)', 'History (refused attempts included)')}</h2>",
            "<table><thead><tr><th>#</th>"
            + "".join(
                f"<th>{_both(vi, en)}</th>"
                for vi, en in (
                    ("Ngày", "Date"),
                    ("Sự kiện", "Event"),
                    ("Người thực hiện", "By"),
                    ("Kết quả", "Verdict"),
                    ("Trạng thái", "State"),
                    ("Vi phạm, căn cứ", "Violations, article"),
                )
            )
            + "</tr></thead><tbody>",
            *history,
            "</tbody></table>",
            f"<h2>{_both('Thời hạn', 'Deadlines')}</h2>",
            "<table><thead><tr>"
            + "".join(
                f"<th>{_both(vi, en)}</th>"
                for vi, en in (
                    ("Sự kiện", "Event"),
                    ("Hạn", "Due"),
                    ("Cách tính", "How it was counted"),
                    ("Tình trạng", "Status"),
                )
            )
            + "</tr></thead><tbody>",
            *deadlines,
            "</tbody></table>",
            f"<h2>{_both('Khóa này có thể làm gì tiếp', 'What this key may do next')} ({on.isoformat()})</h2>",
            *next_steps,
        ],
    )


def _next(service: Service, key: Key, stored: Any, on: dt.date) -> list[str]:
    engine = service.register.engine(stored)
    procedure = engine.procedure
    if not key.may_act(stored.case.unit.id):
        return [
            f"<p>{_both('Khóa này chỉ được xem hồ sơ.', 'This key may only read this case.')}</p>"
        ]
    if key.role == "*":
        actors = [af.Actor(r.name) for r in procedure.roles.values() if not r.individual]
    else:
        actors = [af.Actor(key.role, key.actor)]
    out = []
    for actor in actors:
        for option in engine.available(stored.case, actor, on):
            mark = (
                f'<span class="ok">✓ {_both("được phép", "allowed")}</span>'
                if option.allowed
                else f'<span class="refused">✗ {_both("bị chặn", "blocked")}</span>'
            )
            spec = procedure.events[option.event]
            needs = (
                f"<br>{_both('cần dữ kiện', 'needs facts')}: {escape(', '.join(option.needs))}"
                if option.needs
                else ""
            )
            out.append(
                f"<li>{_text(spec.label)} <code>{escape(option.event)}</code> "
                f"({escape(str(actor))}): {mark}{needs}"
                f"{_violations(option.violations)}</li>"
            )
    if not out:
        return [f"<p>{_both('Không có sự kiện nào cho khóa này.', 'No event for this key.')}</p>"]
    return ["<ul>", *out, "</ul>"]
