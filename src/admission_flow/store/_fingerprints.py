"""What judging one event reads from its procedure, as one fingerprint per event.

``recheck`` judges a case's recorded steps again by another procedure. A step
whose event has the same fingerprint under the other procedure as under the
procedure that recorded it would be judged by the very same rules, parameters,
settings, facts, routes, deadlines and plugins: its verdict cannot change, so
it is not judged again (``docs/keeping-cases.md``, "Re-checking after a rule
change", says why that is exact and what is re-judged for safety).

An event's fingerprint covers:

* what the engine reads for any event: the procedure's id (in messages), its
  settings, roles, states (their labels and which are final), deadlines and
  named dates, the window in force, the migration, every core, deadline and
  escalation rule, and every event's label and facts (rules name other events
  in their messages and read the facts of recorded steps);
* the event itself: where it goes from where (the router reads only the
  event's own routes), who may fire it, its facts and defaults, its escalation;
* the event's own rules, in order, each with its parameters for this event,
  its specification (message, source, severity, parameters) and the plugin
  that answers for it: its name, module and version.

Left out: the version and title, the invariants (judging never reads them),
the other events' routes, roles and escalations, and the check rules only
other events name.

Plugins are compared as the register recorded them when the recorded
procedure was kept (``procedures.plugins``) against those registered now, so
an upgraded plugin invalidates the events whose rules it answers. A plugin
that checks every event (``admission_flow_check_event``) answers for all of
them, and its version is not recorded: with one registered, nothing is skipped.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from typing import Any

import attrs

import admission_flow as af

__all__ = ["event_fingerprints"]

#: What the recorded plugins column holds: ``{plugin: {"module": ..., "version": ...}}``.
Identities = Mapping[str, Mapping[str, Any]]


def _default(value: Any) -> Any:
    if attrs.has(type(value)):
        return attrs.asdict(value, recurse=False)
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(value, key=repr)
    if isinstance(value, Mapping):
        return dict(value)
    if isinstance(value, tuple):
        return list(value)
    return repr(value)


def _text(value: Any) -> str:
    return json.dumps(value, default=_default, sort_keys=True, ensure_ascii=False)


def _digest(value: Any) -> str:
    return hashlib.sha256(_text(value).encode("utf-8")).hexdigest()


def event_fingerprints(
    procedure: af.Procedure, plugins: af.Plugins, identities: Identities
) -> dict[str, str] | None:
    """Each event's fingerprint under ``procedure``, its rules answered by ``plugins``
    as ``identities`` (by plugin name) describe them; ``None`` when a plugin checks every
    event, so that no event can be told unchanged."""
    if plugins.checks_events:
        return None
    contributed = plugins.rules()
    shared = _digest(
        {
            "id": procedure.id,
            "settings": procedure.settings,
            "roles": procedure.roles,
            "states": procedure.states,
            # Of the other events, what a rule may read (a label for its message, the
            # facts of recorded steps); the router reads only the event's own routes.
            "events": {name: [spec.label, spec.facts] for name, spec in procedure.events.items()},
            "deadlines": procedure.deadlines,
            "dates": procedure.dates,
            "in_force": procedure.in_force,
            "migration": procedure.migration,
            "core": {
                rule_id: spec
                for rule_id, spec in procedure.rules.items()
                if spec.kind != "check" or spec.check is None
            },
        }
    )
    result = {}
    for name, spec in procedure.events.items():
        uses = []
        for use in spec.rules:
            rule = procedure.rules[use.rule]
            found = contributed.get(rule.check) if rule.check is not None else None
            plugin = found.plugin if found is not None else None
            answered = identities.get(plugin) if plugin is not None else None
            uses.append([use.rule, use.params, rule, plugin, answered])
        own = attrs.evolve(spec, rules=())  # its routes, roles, facts, escalation
        result[name] = _digest([shared, own, uses])
    return result
