"""What ``admission-flow check`` found, as values, as JSON and as lines of text.

The search formats nothing while it runs: the report is put into words once,
here, at the end.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import gc
import resource
from collections.abc import Iterator
from typing import Any

import attrs

import admission_flow as af
from admission_flow.model._vocabulary import MAX_DEPTH, MAX_STATES

from ._scenario_file import Attempt
from ._static import Finding

__all__ = [
    "DEFAULT_LIMITS",
    "STOPS",
    "CheckReport",
    "Exploration",
    "Limits",
    "collecting_rarely",
    "peak_mb",
    "text_lines",
]

#: Why a search stopped before the end, and the option that sets that bound.
STOPS = {
    "max_states": "--max-states",
    "max_depth": "--max-depth",
    "max_seconds": "--max-seconds",
    "max_memory": "--max-memory",
}


@attrs.frozen(kw_only=True)
class Limits:
    """The bounds of one search; the first one reached stops it, and the report names it."""

    max_states: int = MAX_STATES
    max_depth: int = MAX_DEPTH
    #: CPU seconds of the search (not the wall clock: a busy machine slows it
    #: without making it stop early); the report then says how far it got.
    max_seconds: float = 120.0
    #: Growth of the process's peak memory, in MiB.
    max_memory_mb: int = 1024

    def __attrs_post_init__(self) -> None:
        for name in ("max_states", "max_depth", "max_seconds", "max_memory_mb"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                raise af.InputError(
                    f"{name} must be a number of 0 or more, not {value!r}", field=name
                )


DEFAULT_LIMITS = Limits()


@attrs.frozen(kw_only=True)
class Exploration:
    """What a bounded search found: how much it explored, and the first failure, if any."""

    abstract_states: int
    cases: int
    fired: int
    seconds: float
    depth: int
    complete: bool
    #: The bound that stopped the search (a key of ``STOPS``), if one did.
    stopped_by: str | None = None
    #: Every state some explored case reached.
    states_reached: frozenset[str] = frozenset()
    #: The invariants (or engine promises) broken by the counter-example.
    failures: tuple[str, ...] = ()
    #: The message of a plugin that raised, and the plugin's name.
    plugin_error: str | None = None
    plugin: str | None = None
    counterexample: tuple[Attempt, ...] = ()
    unit: af.Unit | None = None
    candidate: af.Person | None = None
    state: str | None = None
    #: The members the events could name, for the counter-example's scenario.
    members: tuple[af.Member, ...] = ()
    #: How many boundary variants were explored, and which one failed, if one did.
    variants: int = 0
    variant: str | None = None
    #: ``check --migrate``: how many cases were moved to the newer generation,
    #: and, when the failure comes after a move, how the scenario names that
    #: generation and the day of the move.
    moves: int | None = None
    moved_to: str | None = None
    moved_on: dt.date | None = None

    @property
    def ok(self) -> bool:
        return not self.failures and self.plugin_error is None

    @property
    def states_per_second(self) -> float:
        return self.abstract_states / self.seconds if self.seconds > 0 else 0.0


@attrs.frozen(kw_only=True)
class CheckReport:
    """Static findings and the search, as ``admission-flow check --json`` prints them."""

    procedure: str
    findings: tuple[Finding, ...]
    exploration: Exploration

    def as_dict(self) -> dict[str, Any]:
        x = self.exploration
        result = "ok" if x.ok else "plugin_failed" if x.plugin_error else "invariant_failed"
        return {
            "procedure": self.procedure,
            "result": result,
            "findings": [f.as_dict() for f in self.findings],
            "explored": {
                "abstract_states": x.abstract_states,
                "cases": x.cases,
                "events_fired": x.fired,
                "depth": x.depth,
                "complete": x.complete,
                "stopped_by": x.stopped_by,
                "boundary_variants": x.variants,
                "states_reached": sorted(x.states_reached),
                "seconds": round(x.seconds, 3),
                **({} if x.moves is None else {"moves": x.moves}),
            },
            "failures": list(x.failures),
            "plugin_error": x.plugin_error,
            "plugin": x.plugin,
            "state": x.state,
            "variant": x.variant,
            "migrate": (
                None
                if x.moved_on is None
                else {"on": x.moved_on.isoformat(), "migrate": x.moved_to}
            ),
            "counterexample": [
                {
                    "on": a.on.isoformat(),
                    "event": a.event,
                    "by": str(a.actor),
                    "facts": {
                        k: v.isoformat() if isinstance(v, dt.date) else v
                        for k, v in a.facts.items()
                    },
                }
                for a in x.counterexample
            ],
        }


def text_lines(report: CheckReport, written: str | None, replay: str | None) -> list[str]:
    """The report as ``admission-flow check`` prints it."""
    x = report.exploration
    lines = [f"! {finding.kind}: {finding.message}" for finding in report.findings]
    moved = "" if x.moves is None else f", {x.moves} cases moved to the newer generation"
    if not x.ok:
        bound = "stopped at the first failure"
    elif x.complete:
        bound = "all of them"
    else:
        bound = f"stopped by {STOPS.get(x.stopped_by or '', x.stopped_by)}"
    lines.append(
        f"{report.procedure}: explored {x.abstract_states} abstract states "
        f"({x.cases} cases, {x.fired} events fired, up to {x.depth} events deep, "
        f"{x.variants} boundary variants{moved}): {bound}"
    )
    if x.ok:
        if x.complete:
            lines.append(
                f"every invariant holds; states reached: {', '.join(sorted(x.states_reached))}"
            )
        else:
            option = STOPS.get(x.stopped_by or "", "")
            lines.append(
                f"holds in the {x.abstract_states:,} abstract states explored; not a proof: "
                f"the search stopped at its bound ({option}); raise it to explore further"
            )
        return lines
    if x.plugin_error is not None:
        lines.append(f"plugin '{x.plugin}' raised: {x.plugin_error}")
    lines.extend(x.failures)
    if x.variant is not None:
        lines.append(f"found with the boundary: {x.variant}")
    events = len(x.counterexample)
    if x.moved_on is not None:
        lines.append(f"after the move on {x.moved_on.isoformat()} (the scenario's last entry)")
    lines.append(
        f"shortest counter-example: {events} event{'s' if events != 1 else ''}, "
        f"written to {written}; replay it with: {replay}"
    )
    return lines


def peak_mb() -> float:
    """The process's peak resident memory so far, in MiB (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


#: How many new container objects between two young collections during a search
#: (CPython's default is 700).
SEARCH_GC_THRESHOLD = 100_000


@contextlib.contextmanager
def collecting_rarely() -> Iterator[None]:
    """Run the cyclic garbage collector rarely while a search runs; as before after it.

    A search keeps every abstract state it has seen, hundreds of thousands of tuples,
    and makes millions of short-lived cases; with the default threshold the collector
    walks the young survivors hundreds of times a second, a fifth of the search's
    CPU (``benchmarks/README.md``). Cases, steps and nodes hold no reference cycles,
    so their memory is returned by reference counting as before; the few cycles a
    search makes (1,402 objects in 46,592 events fired, measured) are still
    collected, less often. The thresholds are restored even if the search raises.
    """
    before = gc.get_threshold()
    gc.set_threshold(max(before[0], SEARCH_GC_THRESHOLD), *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)
