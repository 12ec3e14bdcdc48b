"""The check's abstraction, probed: cases merged into one abstract state answer alike.

``admission-flow check`` explores one case per abstract state (``_abstraction.py``);
the argument that this is enough says two cases with the same abstract state get
the same answer from every rule. Here the search is watched: for each abstract
state reached by a second case, every attempt the search would make from it
(each event the state allows, by each actor, with each of its fact values, on
the case's own date) is judged on both cases, and the verdicts (accepted,
recorded, the state after) must agree. This probe found the two merges the
argument had wrong: a committee vote before the recognition vote and one after
it (``Rule.order_of``), and two opinions given in one step or in two (the facts
given on any step of an event).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

import admission_flow as af
from admission_flow.cli._testing import _start
from admission_flow.testing import _check
from admission_flow.testing._derived import derive
from admission_flow.testing._generation import actor_choices
from helpers import UNTIMED
from test_check import lawful_start


def _verdicts(search: Any, node: Any) -> list[tuple[Any, ...]]:
    """What the rules answer to every attempt the search may make from ``node``."""
    case = node.case
    found: list[tuple[Any, ...]] = []
    for spec in search.procedure.events.values():
        allowed = spec.opens_case if case.state is None else case.state in spec.sources
        if not allowed:
            continue
        for actor in actor_choices(search.procedure, spec.roles, search.engine.members):
            for facts, _ in search.fact_variants(spec, actor.role, node.today, case.unit):
                try:
                    step = search.engine.judge(case, spec.name, actor, node.today, **facts).step
                except af.InputError:
                    found.append((spec.name, str(actor), "bad input"))
                    continue
                found.append((spec.name, str(actor), step.accepted, step.recorded, step.to_state))
    return found


def _probe(monkeypatch: pytest.MonkeyPatch) -> tuple[list[str], set[Any]]:
    """Watch every search made in this test; the disagreements found, and how many pairs."""
    first: dict[Any, Any] = {}
    compared: set[Any] = set()
    disagreements: list[str] = []
    made = _check._Search.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)

        def watch(key: Any, node: Any) -> None:
            seen = first.setdefault(key, node)
            if seen is node or key in compared:
                return
            compared.add(key)
            if _verdicts(self, seen) != _verdicts(self, node):
                disagreements.append(
                    " ".join(a.event for a in seen.attempts)
                    + "  vs  "
                    + " ".join(a.event for a in node.attempts)
                )

        self.watch = watch

    monkeypatch.setattr(_check._Search, "__init__", init)
    return disagreements, compared


def test_cases_merged_from_an_opened_case_answer_alike(monkeypatch: pytest.MonkeyPatch) -> None:
    """vn-2021's ordinary configuration, its first 2,500 abstract states: every merge agrees."""
    disagreements, compared = _probe(monkeypatch)
    plugins = af.Plugins(entry_points=False)
    found = _check.explore(
        af.load_procedure("vn-2021", plugins=plugins),
        plugins=plugins,
        boundaries=False,
        limits=UNTIMED,
        max_states=2500,
    )
    assert found.ok
    assert found.abstract_states == 2500
    assert len(compared) > 1000  # merges happen, and each was compared
    assert disagreements == []


def test_cases_merged_in_probation_answer_alike(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """From the ceremony on, every variant: the recognition's votes in either order are told apart."""
    disagreements, compared = _probe(monkeypatch)
    plugins = af.Plugins(entry_points=False)
    start, _ = lawful_start(tmp_path, "recognition_vote")
    found = _check.explore(
        af.load_procedure("vn-2021", plugins=plugins),
        plugins=plugins,
        limits=UNTIMED,
        **_start(plugins, start),
    )
    assert found.ok
    assert found.complete
    assert len(compared) > 20
    assert disagreements == []


def _derived_as_read(search: Any, node: Any) -> tuple[Any, ...]:
    """What a node keeps of its case's history, and the same read from the whole history."""
    kept, read = node.derived, derive(node.case, search.views.ordered, search.views.liveness.rank)
    due = [(d.name, d.due) for d in search.engine.pending(node.case)]
    mine = sorted(
        kept.pending.values(), key=lambda d: (d.due, list(search.procedure.deadlines).index(d.name))
    )
    # The date signs: the node's kept (grown from its parent's, ``Landmarks.latest_signs``)
    # against those of the history read whole.
    signs = search.views.signs(node.case, node.today, kept)
    read_signs = search.views.signs(node.case, node.today, read)
    return (
        # ``latest`` in the procedure's order, which the date signs name its steps by.
        (kept.order, list(kept.latest.items()), [(d.name, d.due) for d in mine], signs),
        (read.order, list(read.latest.items()), due, read_signs),
    )


@pytest.mark.parametrize("where", ["opened, every variant", "from the ceremony, every variant"])
def test_what_each_node_keeps_of_its_history_equals_reading_it_whole(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, where: str
) -> None:
    """``_derived.derive_after`` (a node's child grown from it) against ``derive`` (the whole
    history read again, with the engine's own pending deadlines), on every node reached."""
    differences: list[str] = []
    watched: list[int] = [0]
    made = _check._Search.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        made(self, *args, **kwargs)

        def watch(key: Any, node: Any) -> None:
            kept, read = _derived_as_read(self, node)
            watched[0] += 1
            if kept != read:
                differences.append(" ".join(a.event for a in node.attempts))

        self.watch = watch

    monkeypatch.setattr(_check._Search, "__init__", init)
    plugins = af.Plugins(entry_points=False)
    start: dict[str, Any] = {}
    if where.startswith("from the ceremony"):
        start = _start(plugins, lawful_start(tmp_path, "recognition_vote")[0])
    found = _check.explore(
        af.load_procedure("vn-2021", plugins=plugins),
        plugins=plugins,
        limits=UNTIMED,
        max_states=1500,
        **start,
    )
    assert found.ok
    # From the ceremony the whole space is searched: a few hundred nodes.
    assert watched[0] > (500 if start else 3000)
    assert differences == []
