"""Drawing a procedure: Mermaid (no native dependency) or Graphviz DOT text.

Edges carry the event, the roles that may fire it and, where a deadline is
met by the event, the deadline. Events between the same two states share one
edge, one line each, so the many steps of the dossier stay readable.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Literal

from ._procedure import DeadlineSpec, EventSpec, Procedure

__all__ = ["draw"]

Format = Literal["mermaid", "dot"]
Language = Literal["vi", "en"]

_START = "[*]"
_WORDS = {
    "vi": {
        "wd": "ngày làm việc",
        "after": "sau",
        "from": "kể từ",
        "months": "tháng",
        "fails": "lần không đạt",
        "or": "hoặc",
    },
    "en": {
        "wd": "working days",
        "after": "after",
        "from": "from",
        "months": "months",
        "fails": "failed votes",
        "or": "or",
    },
}


def _deadline_text(deadline: DeadlineSpec, lang: Language) -> str:
    words = _WORDS[lang]
    days = f"{deadline.working_days}"
    if deadline.extended_working_days:
        days += f" ({words['or']} {deadline.extended_working_days})"
    start = deadline.after
    if deadline.months:
        start = f"{deadline.months} {words['months']} {words['from']} {start}"
    return f"⏱ ≤ {days} {words['wd']} {words['after']} {start}"


def _edges(procedure: Procedure, lang: Language) -> dict[tuple[str, str], list[str]]:
    """Edge labels by (source, target); the case's start is ``[*]``."""
    met: dict[str, list[DeadlineSpec]] = {}
    for deadline in procedure.deadlines.values():
        for event in deadline.met_by:
            met.setdefault(event, []).append(deadline)
    edges: dict[tuple[str, str], list[str]] = {}

    def add(sources: Iterable[str], target: str, label: str) -> None:
        for source in sources:
            edges.setdefault((source, target), []).append(label)

    for spec in procedure.events.values():
        sources = [_START] if spec.opens_case else list(spec.sources)
        label = _label(spec, met.get(spec.name, ()), lang)
        add(sources, spec.target, label)
        if spec.escalation is not None:
            add(
                sources,
                spec.escalation.to,
                f"{spec.name} ×{spec.escalation.after} {_WORDS[lang]['fails']}",
            )
    return edges


def _label(spec: EventSpec, deadlines: Iterable[DeadlineSpec], lang: Language) -> str:
    parts = [f"{spec.name} · {', '.join(spec.roles)}"]
    parts.extend(_deadline_text(d, lang) for d in deadlines)
    return " ".join(parts)


def draw(procedure: Procedure, *, fmt: Format = "mermaid", lang: Language = "vi") -> str:
    """The procedure as a diagram, labels in ``lang``."""
    if fmt == "mermaid":
        return _mermaid(procedure, lang)
    if fmt == "dot":
        return _dot(procedure, lang)
    raise ValueError(f"format must be 'mermaid' or 'dot', not {fmt!r}")


def _mermaid_text(text: str) -> str:
    return text.replace('"', "'").replace(":", "∶").replace(";", ",").replace("#", "＃")


def _mermaid(procedure: Procedure, lang: Language) -> str:
    title = getattr(procedure.title, lang)
    lines = ["---", f"title: {_mermaid_text(title)}", "---", "stateDiagram-v2"]
    for name, state in procedure.states.items():
        lines.append(
            f'    state "{name}<br/>{_mermaid_text(getattr(state.label, lang))}" as {name}'
        )
    for (source, target), labels in _edges(procedure, lang).items():
        text = "<br/>".join(_mermaid_text(label) for label in labels)
        lines.append(f"    {source} --> {target}: {text}")
    for name in procedure.states:
        if procedure.states[name].final:
            lines.append(f"    {name} --> [*]")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot(procedure: Procedure, lang: Language) -> str:
    title = _dot_text(getattr(procedure.title, lang))
    lines = [
        f'digraph "{procedure.id}" {{',
        f'    label="{title}"; labelloc=t; rankdir=TB;',
        '    node [shape=box, style=rounded, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        '    "[*]" [shape=point, width=0.2];',
    ]
    for name, state in procedure.states.items():
        shape = ", peripheries=2" if state.final else ""
        lines.append(
            f'    "{name}" [label="{name}\\n{_dot_text(getattr(state.label, lang))}"{shape}];'
        )
    for (source, target), labels in _edges(procedure, lang).items():
        text = "\\n".join(_dot_text(label) for label in labels)
        lines.append(f'    "{source}" -> "{target}" [label="{text}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
