"""A small typed wrapper around pluggy's plugin manager.

The rest of the code talks to ``Plugins`` and never sees pluggy's untyped
results. Built-in plugins are registered first, then those given by the
caller, then the entry points of the group ``admission_flow``; then
``check_pending()`` catches a misspelled hook at start-up. There is no global
manager: each engine builds or receives its own.

Each hook is called through pluggy, one plugin at a time and in pluggy's
order (``tryfirst``/``trylast`` honoured), so that every answer is checked at
the boundary and any failure names the one plugin that failed. Hook wrappers
cannot see single answers that way, so they are refused at registration.
"""

from __future__ import annotations

import types
from collections.abc import Callable, Iterable, Iterator, Mapping
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import attrs
import pluggy

from admission_flow.exceptions import ArgumentTypeError, PluginError
from admission_flow.hooks import _specs as _hooks
from admission_flow.model._calendar import Calendar, VietnamCalendar
from admission_flow.model._canonical import encode
from admission_flow.model._values import Case, Step, Text, Violation
from admission_flow.model._vocabulary import NAME, PROCEDURE_ID, RULE_ID, SEVERITIES
from admission_flow.model._words import describe
from admission_flow.procedure._rule import EventContext, Rule
from admission_flow.procedure._spec import Procedure
from admission_flow.standard import _plugin as _standard
from admission_flow.units import Finding

from ._checked import (
    FAILURES,
    CheckedCalendar,
    bad_answer,
    one_line,
    plugin_error,
    rule_failure,
    short_repr,
)

if TYPE_CHECKING:
    from admission_flow.units import UnitContext

__all__ = ["CheckedCalendar", "Contributed", "Plugins", "rule_failure", "short_repr"]

_BUILTINS: tuple[tuple[str, object], ...] = (("admission_flow.standard", _standard),)


@attrs.frozen
class Contributed:
    """A rule a plugin contributes, and the plugin's name."""

    rule: Rule
    plugin: str


@attrs.frozen
class _Impl:
    """One plugin's implementation of one hook, callable on its own (``_call_of``)."""

    plugin: str
    call: Callable[..., Any]
    #: A ``firstresult`` hook answers one value (or ``None``), not a list.
    first: bool


def _call_of(impl: pluggy.HookImpl, first: bool) -> Callable[..., Any]:
    """``impl`` called as pluggy calls one implementation (``_multicall``): with the
    arguments it names, its answer alone for a ``firstresult`` hook, else a list of its
    answer if it is not ``None``. Every answer is checked one plugin at a time anyway,
    and a subset hook caller per plugin cost a fired event microseconds of pluggy's
    bookkeeping for each plugin that checks events."""
    function = impl.function
    argnames = tuple(impl.argnames)
    kwargnames = tuple(impl.kwargnames)
    if len(argnames) == 1 and not kwargnames:  # most hooks: one argument, no list to build
        (only,) = argnames

        def call_one(**given: Any) -> Any:
            try:
                value = given[only]
            except KeyError as exc:  # as pluggy says it
                raise pluggy.HookCallError(f"hook call must provide argument {only!r}") from exc
            answer = function(value)
            if first:
                return answer
            return [] if answer is None else [answer]

        return call_one

    def call(**given: Any) -> Any:
        try:
            args = [given[name] for name in argnames]
        except KeyError as exc:  # as pluggy says it
            raise pluggy.HookCallError(f"hook call must provide argument {exc.args[0]!r}") from exc
        if kwargnames:
            named = {name: given[name] for name in kwargnames if name in given}
            answer = function(*args, **named)
        else:
            answer = function(*args)
        if first:
            return answer
        return [] if answer is None else [answer]

    return call


class Plugins:
    """The plugins of one engine (or one command), with typed, checked hook calls.

    Args:
        plugins: extra plugin objects or modules to register, after the built-in ones.
        entry_points: also load the plugins installed under the entry-point
            group ``admission_flow`` (the default).
    """

    def __init__(self, plugins: Iterable[object] = (), *, entry_points: bool = True) -> None:
        self._pm = pluggy.PluginManager(_hooks.PROJECT)
        self._pm.add_hookspecs(_hooks)
        self._rules: dict[str, Contributed] | None = None
        self._impls: dict[str, tuple[_Impl, ...]] = {}
        #: Whether any plugin implements admission_flow_check_event / _after_step:
        #: the engine skips the hook call otherwise (pluggy costs microseconds).
        self.checks_events = False
        self.notifies_steps = False
        self._installed: set[str] = set()  # loaded from entry points
        for name, plugin in _BUILTINS:
            self._pm.register(plugin, name=name)
        if isinstance(plugins, str | bytes) or not isinstance(plugins, Iterable):
            raise ArgumentTypeError(
                f"Plugins() takes a list of plugin modules or objects, not {describe(plugins)}",
                field="plugins",
            )
        for plugin in plugins:
            self._register(plugin, None)
        if entry_points:
            self._load_entry_points()
        self._check_pending()
        self._forget()

    # -- registration ----------------------------------------------------------

    def register(self, plugin: object, name: str | None = None) -> str:
        """Register one more plugin; returns its name.

        Raises:
            PluginError: the plugin is invalid (a misspelled hook, a hook
                wrapper, a wrong signature); it is left unregistered.
        """
        registered = self._register(plugin, name)
        try:
            self._check_pending()
        except PluginError:
            self._pm.unregister(name=registered)
            self._forget()
            raise
        return registered

    def _forget(self) -> None:
        """Drop what was cached from the plugins' answers, and order the calls anew."""
        self._rules = None
        self._impls = {}
        for hook in self.hook_names():
            caller: pluggy.HookCaller = getattr(self._pm.hook, hook)
            first = bool(caller.spec is not None and caller.spec.opts.get("firstresult"))
            # pluggy calls the last of get_hookimpls() first (tryfirst/trylast sort it).
            self._impls[hook] = tuple(
                _Impl(impl.plugin_name, _call_of(impl, first), first)
                for impl in reversed(caller.get_hookimpls())
            )
        self.checks_events = bool(self._impls["admission_flow_check_event"])
        self.notifies_steps = bool(self._impls["admission_flow_after_step"])

    def _register(self, plugin: object, name: str | None) -> str:
        if name is None:
            name = _default_name(plugin, self._pm)
        try:
            registered = self._pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            raise PluginError(
                f"cannot register plugin '{name}': {one_line(exc)}", plugin=name, hook=None
            ) from exc
        assert registered is not None
        for hook in self.hook_names():
            for impl in getattr(self._pm.hook, hook).get_hookimpls():
                if impl.plugin_name == registered and (impl.hookwrapper or impl.wrapper):
                    self._pm.unregister(name=registered)
                    raise PluginError(
                        f"plugin '{registered}': {hook} is a hook wrapper, which admission_flow "
                        "does not support (it calls each plugin on its own, to check each "
                        "answer); write a plain implementation, with tryfirst or trylast for order",
                        plugin=registered,
                        hook=hook,
                    )
        self._forget()
        return registered

    def _load_entry_points(self) -> None:
        # Imported here: importlib.metadata (with email, zipfile, csv) costs more than the rest
        # of this module, and Plugins(entry_points=False) never needs it.
        import importlib.metadata

        for entry_point in importlib.metadata.entry_points(group=_hooks.PROJECT):
            if self._pm.get_plugin(entry_point.name) is not None or self._pm.is_blocked(
                entry_point.name
            ):
                continue
            try:
                plugin = entry_point.load()
            except FAILURES as exc:
                raise PluginError(
                    f"cannot load plugin '{entry_point.name}' ({entry_point.value}) of the entry-point "
                    f"group 'admission_flow': {type(exc).__name__}: {one_line(exc)}; fix or uninstall its package",
                    plugin=entry_point.name,
                    hook=None,
                ) from exc
            self._installed.add(self._register(plugin, entry_point.name))

    def _check_pending(self) -> None:
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self._pm.get_name(exc.plugin) or "?"
            raise PluginError(
                f"plugin '{name}': {one_line(exc)}; hooks are named admission_flow_*, see docs/hooks.md",
                plugin=name,
                hook=None,
            ) from exc

    def names(self) -> list[str]:
        """The names of the registered plugins, built-ins first."""
        return [name for name, _ in self._pm.list_name_plugin()]

    def modules(self) -> list[str]:
        """The plugin modules given besides the built-in and installed ones (``-p``), by name.

        What a command printed for later must give again (``admission-flow -p NAME``).
        """
        return [
            name
            for name, plugin in self._pm.list_name_plugin()
            if isinstance(plugin, types.ModuleType)
            and name == plugin.__name__
            and name not in self._installed
            and name not in dict(_BUILTINS)
        ]

    def hook_names(self) -> list[str]:
        """The names of every hook admission_flow defines."""
        return sorted(name for name in dir(self._pm.hook) if name.startswith("admission_flow_"))

    # -- calling -------------------------------------------------------------------

    def _answers(self, hook: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Each plugin's answer to ``hook``, in pluggy's order; a failure names its plugin."""
        for impl in self._impls[hook]:
            try:
                answers = impl.call(**kwargs)
            except FAILURES as exc:
                raise plugin_error(impl.plugin, hook, exc) from exc
            if impl.first:
                yield impl.plugin, answers
            else:
                for answer in answers:  # one plugin: at most one answer
                    yield impl.plugin, answer

    @staticmethod
    def _items(plugin: str, hook: str, answer: Any, expected: str) -> list[Any]:
        """A plugin's answer as a list, consumed under guard (a generator may raise)."""
        if answer is None:
            return []
        if isinstance(answer, str | bytes | Mapping) or not isinstance(answer, Iterable):
            raise bad_answer(plugin, hook, answer, expected)
        try:
            return list(answer)
        except FAILURES as exc:
            raise plugin_error(plugin, hook, exc) from exc

    def _in_order(self, one: str, other: str) -> tuple[str, str]:
        """Two plugins in the order they were registered: the later one takes the blame."""
        names = self.names()
        return (one, other) if names.index(one) < names.index(other) else (other, one)

    # -- setup hooks -------------------------------------------------------------

    def rules(self) -> dict[str, Contributed]:
        """Every contributed rule, by id, with the name of its plugin."""
        if self._rules is None:
            hook = "admission_flow_add_rules"
            found: dict[str, Contributed] = {}
            for plugin, answer in self._answers(hook):
                for item in self._items(plugin, hook, answer, "admission_flow.Rule objects"):
                    if not isinstance(item, Rule) or not (
                        isinstance(item.id, str) and RULE_ID.match(item.id)
                    ):
                        raise bad_answer(
                            plugin,
                            hook,
                            item,
                            "admission_flow.Rule objects with valid ids (see @rule)",
                        )
                    if item.id in found:
                        first, later = self._in_order(found[item.id].plugin, plugin)
                        raise PluginError(
                            f"rule '{item.id}' is contributed by both plugin '{first}' and "
                            f"plugin '{later}'; rename one of them",
                            plugin=later,
                            hook=hook,
                            rule=item.id,
                        )
                    found[item.id] = Contributed(item, plugin)
            self._rules = found
        return self._rules

    def procedures(self) -> dict[str, Path | Traversable]:
        """Every bundled procedure, by id."""
        hook = "admission_flow_add_procedures"
        found: dict[str, Path | Traversable] = {}
        owners: dict[str, str] = {}
        for plugin, answer in self._answers(hook):
            if answer is None:
                continue
            if not isinstance(answer, Mapping):
                raise bad_answer(plugin, hook, answer, "a mapping of procedure ids to files")
            try:  # a mapping of the plugin's own may raise when read
                items = list(answer.items())
            except FAILURES as exc:
                raise plugin_error(plugin, hook, exc) from exc
            for pid, where in items:
                if not (isinstance(pid, str) and PROCEDURE_ID.match(pid)) or not isinstance(
                    where, str | Path | Traversable
                ):
                    raise bad_answer(
                        plugin, hook, {pid: where}, "procedure ids (vn-2021) mapped to file paths"
                    )
                if pid in owners:
                    first, later = self._in_order(owners[pid], plugin)
                    raise PluginError(
                        f"procedure '{pid}' is contributed by both plugin '{first}' and "
                        f"plugin '{later}'; rename one of them",
                        plugin=later,
                        hook=hook,
                    )
                owners[pid] = plugin
                found[pid] = Path(where) if isinstance(where, str) else where
        return found

    def calendar(self, procedure: Procedure) -> Calendar:
        """The calendar a plugin chooses for ``procedure`` (first answer wins), else Vietnam's."""
        hook = "admission_flow_resolve_calendar"
        for plugin, chosen in self._answers(hook, procedure=procedure):
            if chosen is None:
                continue
            if isinstance(chosen, type) or not isinstance(chosen, Calendar):
                raise bad_answer(
                    plugin, hook, chosen, "an object with add_working_days() and days_off()"
                )
            return CheckedCalendar(chosen, plugin)
        return VietnamCalendar()

    def unit_kinds(self) -> list[str]:
        """The kinds of unit plugins declare, in registration order."""
        hook = "admission_flow_add_unit_kinds"
        found: list[str] = []
        for plugin, answer in self._answers(hook):
            for item in self._items(plugin, hook, answer, "kind names like 'militia'"):
                if not (isinstance(item, str) and NAME.match(item)):
                    raise bad_answer(plugin, hook, item, "kind names like 'militia'")
                if item not in found:
                    found.append(item)
        return found

    def check_unit(self, context: UnitContext) -> list[Finding]:
        """Every plugin's findings about one unit (``admission_flow.units.Finding``), each checked."""
        hook = "admission_flow_check_unit"
        found: list[Finding] = []
        for plugin, answer in self._answers(hook, context=context):
            for item in self._items(plugin, hook, answer, "admission_flow.units.Finding objects"):
                if not isinstance(item, Finding) or not isinstance(item.message, Text):
                    raise bad_answer(plugin, hook, item, "admission_flow.units.Finding objects")
                found.append(item)
        return found

    # -- event hooks ---------------------------------------------------------------

    def check_event(self, context: EventContext) -> list[Violation]:
        """Every plugin's violations of the event, each checked."""
        hook = "admission_flow_check_event"
        found: list[Violation] = []
        # ``_answers`` written out: this hook is called for every event judged.
        for impl in self._impls[hook]:
            try:
                answers = impl.call(context=context)
            except FAILURES as exc:
                raise plugin_error(impl.plugin, hook, exc) from exc
            for answer in (answers,) if impl.first else answers:
                if answer.__class__ is tuple and not answer:  # "nothing to say", checked
                    continue
                items = self._items(impl.plugin, hook, answer, "admission_flow.Violation objects")
                for item in items:
                    found.append(_checked_violation(impl.plugin, hook, item))
        return found

    def after_step(self, procedure: Procedure, case: Case, step: Step) -> None:
        """Tell every plugin of a step just taken."""
        for _ in self._answers(
            "admission_flow_after_step", procedure=procedure, case=case, step=step
        ):
            pass


def _checked_violation(plugin: str, hook: str, item: Any) -> Violation:
    if not isinstance(item, Violation):
        raise bad_answer(plugin, hook, item, "admission_flow.Violation objects")
    if not (isinstance(item.rule, str) and RULE_ID.match(item.rule)):
        raise bad_answer(
            plugin, hook, item.rule, "a violation whose rule is an id like unit.residence"
        )
    if not (
        isinstance(item.message, Text)
        and type(item.message.vi) is str
        and type(item.message.en) is str
    ):
        raise bad_answer(
            plugin,
            hook,
            item.message,
            f"a message of rule '{item.rule}' as admission_flow.Text(vi, en)",
        )
    if not isinstance(item.source, str) or item.severity not in SEVERITIES:
        raise bad_answer(
            plugin,
            hook,
            item.severity if isinstance(item.source, str) else item.source,
            f"a source (text) and a severity ({', '.join(SEVERITIES)}) for rule '{item.rule}'",
        )
    try:
        encode(item.details)
    except (TypeError, ValueError) as exc:
        raise bad_answer(
            plugin, hook, item.details, f"details of rule '{item.rule}' that can be stored ({exc})"
        ) from None
    return item


def _default_name(plugin: object, pm: pluggy.PluginManager) -> str:
    """A readable name: a module's name, or ``module.Class`` (numbered if taken)."""
    if isinstance(plugin, types.ModuleType):
        return plugin.__name__
    kind = plugin if isinstance(plugin, type) else type(plugin)
    base = f"{kind.__module__}.{kind.__qualname__}"
    name, number = base, 1
    while pm.has_plugin(name) or pm.is_blocked(name):
        number += 1
        name = f"{base}#{number}"
    return name
