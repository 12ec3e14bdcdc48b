"""Mutants of a procedure file: each rule removed from each event, one at a time.

A procedure that is safe only while every rule sits on every event that
needs it is proven by killing its mutants: ``admission-flow check`` must
report every mutant that lets an unlawful case through. The edits are made
on the text, so a mutant keeps the file's comments and layout; they read the
layout ``vn-2021`` uses (``rules: [a, b]`` on one line, or one ``- rule``
per line).
"""

from __future__ import annotations

import re

import attrs

__all__ = ["Mutant", "rule_removals", "vn_2021_shortcuts"]

_EVENT = re.compile(r"^  ([a-z][a-z0-9_]*):\s*$")
_FLOW = re.compile(r"^(    rules: \[)(.*)(\]\s*)$")
_ITEM = re.compile(r"^      - ([a-z][a-z0-9_.]*)")


@attrs.frozen(kw_only=True)
class Mutant:
    """A procedure text with one rule removed from one event."""

    name: str
    event: str
    rule: str
    text: str


def rule_removals(text: str) -> list[Mutant]:
    """Every mutant that removes one rule from one event of the ``events:`` section."""
    lines = text.splitlines(keepends=True)
    mutants: list[Mutant] = []
    in_events = False
    event: str | None = None
    for index, line in enumerate(lines):
        if not line.startswith(" ") and line.strip():
            in_events = line.startswith("events:")
            event = None
            continue
        if not in_events:
            continue
        found = _EVENT.match(line)
        if found:
            event = found.group(1)
            continue
        if event is None:
            continue
        flow = _FLOW.match(line)
        if flow:
            items = [item.strip() for item in flow.group(2).split(",")]
            for position, rule in enumerate(items):
                rest = items[:position] + items[position + 1 :]
                changed = f"{flow.group(1)}{', '.join(rest)}{flow.group(3)}"
                mutants.append(_mutant(lines, index, changed, event, rule))
            continue
        item = _ITEM.match(line)
        if item:
            after = [n for n in lines[index + 1 :] if not n.lstrip().startswith("#")]
            alone = lines[index - 1].rstrip() == "    rules:" and not (
                after and _ITEM.match(after[0])
            )
            if alone:  # the event's only rule: an empty list, which loads
                text = "".join([*lines[: index - 1], "    rules: []\n", *lines[index + 1 :]])
                mutants.append(
                    Mutant(
                        name=f"{event}-{item.group(1)}", event=event, rule=item.group(1), text=text
                    )
                )
            else:
                mutants.append(_mutant(lines, index, "", event, item.group(1)))
    return mutants


def _mutant(lines: list[str], index: int, replacement: str, event: str, rule: str) -> Mutant:
    text = "".join([*lines[:index], replacement, *lines[index + 1 :]])
    return Mutant(name=f"{event}-{rule}", event=event, rule=rule, text=text)


def _edit(text: str, name: str, old: str, new: str) -> Mutant:
    if old not in text:
        raise ValueError(f"mutant {name}: the text to change is not in the procedure")
    return Mutant(name=name, event="", rule="", text=text.replace(old, new, 1))


def vn_2021_shortcuts(text: str) -> list[Mutant]:
    """Structural shortcuts of ``vn-2021``: an event that skips a state, a role gaining an event."""
    return [
        _edit(
            text,
            "open_dossier_from_mentored",
            "    en: Open the admission dossier\n    from: course\n",
            "    en: Open the admission dossier\n    from: [mentored, course]\n",
        ),
        _edit(
            text,
            "ceremony_skips_decision",
            "    from: admitted\n    to: probation\n",
            "    from: [dossier, admitted]\n    to: probation\n",
        ),
        _edit(
            text,
            "cell_decides_admission",
            "    by: [competent_committee, grassroots_committee]\n",
            "    by: [competent_committee, grassroots_committee, cell]\n",
        ),
        _edit(
            text,
            "cell_recognizes",
            "    to: official\n    by: competent_committee\n",
            "    to: official\n    by: [competent_committee, cell]\n",
        ),
    ]
