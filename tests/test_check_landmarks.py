"""How check places a case's date: landmarks named by what they count from (issue 17).

The abstract state keeps, for each landmark named by what it counts from
(twelve months after an event's latest step, a birthday, a pending deadline),
on which side of it the date falls; ``_landmarks.py`` and
``docs/compliance-testing.md`` say why that is what the rules read.
"""

from __future__ import annotations

import admission_flow as af
from admission_flow.testing import explore
from helpers import UNTIMED


def test_an_event_fired_again_after_a_wait_is_no_new_abstract_state() -> None:
    """vn-2021's ordinary configuration is explored whole in 14,000 states.

    Until issue 17 the signs were placed by the rank of each distinct date, so
    a dossier event fired again after the decision's deadline fell due added
    a date, hence a state (9,682 states); named, those orders merge (4,682).
    Keeping the order of the steps rules compare (a cell vote before or after
    the dossier's return, ``Rule.order_of``) and the facts given on any step of
    an event (two opinions in two steps) then made it 13,354: cases the rules
    tell apart, which had been one state.
    """
    plugins = af.Plugins(entry_points=False)
    procedure = af.load_procedure("vn-2021", plugins=plugins)
    found = explore(procedure, plugins=plugins, boundaries=False, limits=UNTIMED, max_states=14_000)
    assert found.ok
    assert found.complete
    assert found.stopped_by is None
    assert found.abstract_states <= 14_000
    assert {"admitted", "probation", "official", "escalated", "removed"} <= found.states_reached
