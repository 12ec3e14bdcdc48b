"""Drawing a procedure: Mermaid (no native dependency) or Graphviz DOT text.

Edges carry the event, the roles that may fire it and, where a deadline is
met by the event, the deadline. Events between the same two states share one
edge, one line each. Events that leave a case where it is (the many steps of
the dossier) are listed inside their state, each line marked ``↻``, as UML
draws internal transitions: both renderers lay self-loop labels over other
edges and labels.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal

from admission_flow.exceptions import ArgumentTypeError, InputError
from admission_flow.model._words import describe

from ._spec import DeadlineSpec, EventSpec, Procedure

__all__ = ["draw"]

Format = Literal["mermaid", "dot"]
Language = Literal["vi", "en"]

_START = "[*]"
_STAYS = "↻"
_NBSP = "\u00a0"
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
    # No-break spaces keep "⏱ ≤ 60" together where Mermaid wraps a label.
    return f"⏱{_NBSP}≤{_NBSP}{days} {words['wd']} {words['after']} {start}"


def _edges(procedure: Procedure, lang: Language) -> dict[tuple[str, str], list[str]]:
    """Edge labels by (source, target); the case's start is ``[*]``."""
    met: dict[str, list[DeadlineSpec]] = {}
    for deadline in procedure.deadlines.values():
        for event in deadline.met_by:
            met.setdefault(event, []).append(deadline)
    edges: dict[tuple[str, str], list[str]] = {}
    events = procedure.events
    for transition in procedure.transitions():
        spec = events[transition.event]
        source = _START if transition.source is None else transition.source
        if transition.escalation:
            assert spec.escalation is not None
            label = f"{spec.name} ×{spec.escalation.after} {_WORDS[lang]['fails']}"
        else:
            label = _label(spec, met.get(spec.name, ()), lang)
        edges.setdefault((source, transition.target), []).append(label)
    return edges


def _label(spec: EventSpec, deadlines: Iterable[DeadlineSpec], lang: Language) -> str:
    parts = [f"{spec.name} · {', '.join(spec.roles)}"]
    parts.extend(_deadline_text(d, lang) for d in deadlines)
    return " ".join(parts)


def draw(procedure: Procedure, *, fmt: Format = "mermaid", lang: Language = "vi") -> str:
    """The procedure as a diagram, labels in ``lang``."""
    if not isinstance(procedure, Procedure):
        raise ArgumentTypeError(
            f"draw() takes a loaded procedure, not {describe(procedure)}", field="procedure"
        )
    if lang not in ("vi", "en"):
        raise InputError(f"lang must be 'vi' or 'en', not {describe(lang)}", field="lang")
    if fmt == "mermaid":
        return _mermaid(procedure, lang)
    if fmt == "dot":
        return _dot(procedure, lang)
    raise InputError(f"format must be 'mermaid' or 'dot', not {describe(fmt)}", field="fmt")


def _split(
    procedure: Procedure, lang: Language
) -> tuple[dict[tuple[str, str], list[str]], dict[str, list[str]]]:
    """Edges between two states, and each state's internal events (self-loops)."""
    edges: dict[tuple[str, str], list[str]] = {}
    stays: dict[str, list[str]] = {}
    for (source, target), labels in _edges(procedure, lang).items():
        if source == target:
            stays[source] = [f"{_STAYS} {label}" for label in labels]
        else:
            edges[source, target] = labels
    return edges, stays


# Mermaid entity codes (#35; is '#'): the exact character in the picture, never syntax.
# ';' would end a transition, '"' a state description, '<' starts HTML that Mermaid drops;
# a line break in a label (a YAML block scalar) stays inside its statement.
_MERMAID_ESCAPES = str.maketrans(
    {
        "#": "#35;",
        ";": "#59;",
        ":": "#58;",
        '"': "#quot;",
        "<": "#lt;",
        ">": "#gt;",
        "&": "#amp;",
        "\n": "<br/>",
    }
)


def _mermaid_text(text: str) -> str:
    return text.translate(_MERMAID_ESCAPES)


def _mermaid_id(name: str) -> str:
    """A state id no Mermaid keyword or internal id can take (note, style, class, default,
    click, scale, root_start, ... are valid state names here)."""
    return _START if name == _START else f"s_{name}"


def _mermaid(procedure: Procedure, lang: Language) -> str:
    title = getattr(procedure.title, lang)
    edges, stays = _split(procedure, lang)
    lines = [
        "---",
        # A JSON string is a YAML double-quoted scalar: any title, exactly.
        f"title: {json.dumps(title, ensure_ascii=False)}",
        "config:",
        "  flowchart:",
        "    wrappingWidth: 400",
        "---",
        "stateDiagram-v2",
    ]
    for name, state in procedure.states.items():
        text = [name, getattr(state.label, lang), *stays.get(name, ())]
        description = "<br/>".join(_mermaid_text(line) for line in text)
        lines.append(f'    state "{description}" as {_mermaid_id(name)}')
    for (source, target), labels in edges.items():
        joined = "<br/>".join(_mermaid_text(label) for label in labels)
        lines.append(f"    {_mermaid_id(source)} --> {_mermaid_id(target)}: {joined}")
    for name in procedure.states:
        if procedure.states[name].final:
            lines.append(f"    {_mermaid_id(name)} --> [*]")
    return "\n".join(lines) + "\n"


def _dot_text(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def _dot(procedure: Procedure, lang: Language) -> str:
    title = _dot_text(getattr(procedure.title, lang))
    edges, stays = _split(procedure, lang)
    lines = [
        f'digraph "{procedure.id}" {{',
        f'    label="{title}"; labelloc=t; rankdir=TB; fontname="Helvetica";',
        '    node [shape=box, style=rounded, fontname="Helvetica"];',
        '    edge [fontname="Helvetica", fontsize=10];',
        '    "[*]" [shape=point, width=0.2];',
    ]
    for name, state in procedure.states.items():
        shape = ", peripheries=2" if state.final else ""
        label = f"{name}\\n{_dot_text(getattr(state.label, lang))}"
        if name in stays:  # a blank line, then the internal events, left-aligned
            label += "\\n\\n" + "".join(f"{_dot_text(line)}\\l" for line in stays[name])
        lines.append(f'    "{name}" [label="{label}"{shape}];')
    for (source, target), labels in edges.items():
        text = "\\n".join(_dot_text(label) for label in labels)
        lines.append(f'    "{source}" -> "{target}" [label="{text}"];')
    lines.append("}")
    return "\n".join(lines) + "\n"
