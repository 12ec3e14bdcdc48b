"""Diagrams: the text admission-flow graph writes is safe for Mermaid and Graphviz, whatever the names."""

from __future__ import annotations

import json
import re
from pathlib import Path

import admission_flow as af

NASTY = Path(__file__).parent / "data" / "procedures" / "graph_nasty_names.yaml"


def nasty() -> af.Procedure:
    return af.load_procedure(NASTY, plugins=af.Plugins(entry_points=False))


def test_the_mermaid_title_is_a_json_string() -> None:
    """A title with brackets, quotes, '#' and '%%' reaches Mermaid's front matter intact."""
    procedure = nasty()
    text = af.draw(procedure, fmt="mermaid", lang="en")
    title_line = text.splitlines()[1]
    assert title_line.startswith("title: ")
    assert json.loads(title_line.removeprefix("title: ")) == procedure.title.en


def test_state_ids_cannot_be_mermaid_keywords() -> None:
    """States named note, state, class, style, default get ids s_<name>; the box keeps the name."""
    text = af.draw(nasty(), fmt="mermaid")
    for name in ("end", "note", "state", "direction", "class", "style", "default"):
        assert re.search(rf'state "{name}<br/>.*" as s_{name}$', text, re.MULTILINE), name
    transitions = [line for line in text.splitlines() if "-->" in line]
    assert transitions
    for line in transitions:
        source, target = line.split("-->")[0].strip(), line.split("-->")[1].split(":")[0].strip()
        assert source == "[*]" or source.startswith("s_"), line
        assert target == "[*]" or target.startswith("s_"), line


def test_mermaid_labels_use_entity_codes() -> None:
    """';', '#', quotes and '<' in labels are written as entity codes, never as syntax."""
    text = af.draw(nasty(), fmt="mermaid", lang="en")
    end = next(line for line in text.splitlines() if line.endswith(" as s_end"))
    description = end.split('"')[1]
    bare = re.sub(r"#\w+;", "", description.replace("<br/>", ""))
    for raw in (";", '"', "<", ">", "&", "#"):
        assert raw not in bare, raw
    assert "#59;" in description
    assert "#35;" in description
    assert "#quot;d#quot;" in description
    assert "#lt;h#gt;" in description


def test_events_that_stay_are_listed_inside_their_state() -> None:
    """vn-2021's dossier steps are lines of the dossier box, not a loop over other edges."""
    procedure = af.load_procedure("vn-2021", plugins=af.Plugins(entry_points=False))
    mermaid = af.draw(procedure, fmt="mermaid")
    assert "s_dossier --> s_dossier" not in mermaid
    dossier = next(line for line in mermaid.splitlines() if line.endswith(" as s_dossier"))
    for event in ("submit_application", "introduce", "cell_vote", "committee_vote"):
        assert f"↻ {event} · " in dossier
    dot = af.draw(procedure, fmt="dot")
    assert '"dossier" -> "dossier"' not in dot
    assert "↻ cell_vote · cell\\l" in dot


def test_dot_quotes_are_balanced_for_any_text() -> None:
    """Graphviz strings stay closed even when labels hold quotes and backslashes."""
    text = af.draw(nasty(), fmt="dot", lang="vi")
    for line in text.splitlines():
        assert len(re.findall(r'(?<!\\)"', line)) % 2 == 0, line
    assert text.count("{") - text.count("\\{") >= 1
