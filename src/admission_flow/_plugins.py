"""A small typed wrapper around pluggy's plugin manager.

The rest of the code talks to ``Plugins`` and never sees pluggy's untyped
results. Built-in plugins are registered first, then those given by the
caller, then the entry points of the group ``admission_flow``; then
``check_pending()`` catches a misspelled hook at start-up. There is no global
manager: each engine builds or receives its own.
"""

from __future__ import annotations

import importlib.metadata
import types
from collections.abc import Iterable, Iterator
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import pluggy

from . import _hooks, _standard
from ._calendar import Calendar, VietnamCalendar
from ._model import Case, Step, Violation
from ._procedure import Procedure
from ._procedure import load_procedure as _load_file
from ._reading import did_you_mean
from ._rule import EventContext, Rule
from .exceptions import PluginError, Problem, ProcedureError

__all__ = ["Plugins", "load_procedure"]

_BUILTINS: tuple[tuple[str, object], ...] = (("admission_flow.standard", _standard),)


class Plugins:
    """The plugins of one engine (or one command), with typed hook calls.

    Args:
        plugins: extra plugin objects or modules to register, after the built-in ones.
        entry_points: also load the plugins installed under the entry-point
            group ``admission_flow`` (the default).
    """

    def __init__(self, plugins: Iterable[object] = (), *, entry_points: bool = True) -> None:
        self._pm = pluggy.PluginManager(_hooks.PROJECT)
        self._pm.add_hookspecs(_hooks)
        self._rules: dict[str, tuple[Rule, str]] | None = None
        #: Whether any plugin implements admission_flow_check_event / _after_step:
        #: the engine skips the hook call otherwise (pluggy costs microseconds).
        self.checks_events = False
        self.notifies_steps = False
        for name, plugin in _BUILTINS:
            self._pm.register(plugin, name=name)
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
            PluginError: the plugin is invalid (a misspelled hook, say); it is
                left unregistered.
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
        """Drop what was cached from the plugins' answers."""
        self._rules = None
        hook = self._pm.hook
        self.checks_events = bool(hook.admission_flow_check_event.get_hookimpls())
        self.notifies_steps = bool(hook.admission_flow_after_step.get_hookimpls())

    def _register(self, plugin: object, name: str | None) -> str:
        if name is None:
            name = _default_name(plugin, self._pm)
        try:
            registered = self._pm.register(plugin, name=name)
        except (ValueError, pluggy.PluginValidationError) as exc:
            label = str(name or getattr(plugin, "__name__", type(plugin).__name__))
            raise PluginError(
                f"cannot register plugin '{label}': {exc}", plugin=label, hook=""
            ) from exc
        assert registered is not None
        self._forget()
        return registered

    def _load_entry_points(self) -> None:
        for entry_point in importlib.metadata.entry_points(group=_hooks.PROJECT):
            if self._pm.get_plugin(entry_point.name) is not None or self._pm.is_blocked(
                entry_point.name
            ):
                continue
            try:
                plugin = entry_point.load()
            except Exception as exc:
                raise PluginError(
                    f"cannot load plugin '{entry_point.name}' ({entry_point.value}) of the entry-point "
                    f"group 'admission_flow': {type(exc).__name__}: {exc}; fix or uninstall its package",
                    plugin=entry_point.name,
                    hook="",
                ) from exc
            self._register(plugin, entry_point.name)

    def _check_pending(self) -> None:
        try:
            self._pm.check_pending()
        except pluggy.PluginValidationError as exc:
            name = self._pm.get_name(exc.plugin) or "?"
            raise PluginError(
                f"plugin '{name}': {exc}; hooks are named admission_flow_*, see docs/hooks.md",
                plugin=name,
                hook="",
            ) from exc

    def names(self) -> list[str]:
        """The names of the registered plugins, built-ins first."""
        return [name for name, _ in self._pm.list_name_plugin()]

    def hook_names(self) -> list[str]:
        """The names of every hook admission_flow defines."""
        return sorted(name for name in dir(self._pm.hook) if name.startswith("admission_flow_"))

    # -- setup hooks -------------------------------------------------------------

    def _each(self, hook: str, **kwargs: Any) -> Iterator[tuple[str, Any]]:
        """Call each implementation of a setup hook, naming the plugin of each answer."""
        caller = getattr(self._pm.hook, hook)
        for impl in caller.get_hookimpls():  # in registration order: built-ins first
            try:
                result = impl.function(**{k: kwargs[k] for k in impl.argnames})
            except Exception as exc:
                raise _plugin_error(impl.plugin_name, hook, exc) from exc
            yield impl.plugin_name, result

    def rules(self) -> dict[str, tuple[Rule, str]]:
        """Every contributed rule, by id, with the name of its plugin."""
        if self._rules is None:
            found: dict[str, tuple[Rule, str]] = {}
            for plugin, answer in self._each("admission_flow_add_rules"):
                for item in answer or ():
                    if not isinstance(item, Rule):
                        raise PluginError(
                            f"plugin '{plugin}' returned {item!r} from admission_flow_add_rules; "
                            "return admission_flow.Rule objects (see the @rule decorator)",
                            plugin=plugin,
                            hook="admission_flow_add_rules",
                        )
                    if item.id in found:
                        raise PluginError(
                            f"rule '{item.id}' is contributed by both plugin '{found[item.id][1]}' and "
                            f"plugin '{plugin}'; rename one of them",
                            plugin=plugin,
                            hook="admission_flow_add_rules",
                        )
                    found[item.id] = (item, plugin)
            self._rules = found
        return self._rules

    def procedures(self) -> dict[str, Path | Traversable]:
        """Every bundled procedure, by id."""
        found: dict[str, Path | Traversable] = {}
        owners: dict[str, str] = {}
        for plugin, answer in self._each("admission_flow_add_procedures"):
            for pid, where in dict(answer or {}).items():
                if pid in owners:
                    raise PluginError(
                        f"procedure '{pid}' is contributed by both plugin '{owners[pid]}' and "
                        f"plugin '{plugin}'; rename one of them",
                        plugin=plugin,
                        hook="admission_flow_add_procedures",
                    )
                owners[pid] = plugin
                found[pid] = Path(where) if isinstance(where, str) else where
        return found

    def load_procedure(self, name: str | Path) -> Procedure:
        """Load a bundled procedure by id, or a procedure file by path."""
        if isinstance(name, str):
            bundled = self.procedures().get(name)
            if bundled is not None:
                return self._load_bundled(name, bundled)
            if not Path(name).suffix and not Path(name).exists():
                bundled_ids = self.procedures()
                known = ", ".join(sorted(bundled_ids)) or "none"
                raise ProcedureError(
                    [
                        Problem(
                            file=name,
                            line=1,
                            column=1,
                            message=f"no bundled procedure '{name}' (bundled: {known}) and no such file"
                            f"{did_you_mean(name, bundled_ids)}",
                        )
                    ]
                )
        return _load_file(name, rules=self.rules())

    def _load_bundled(self, pid: str, where: Path | Traversable) -> Procedure:
        if isinstance(where, Path):
            return _load_file(where, rules=self.rules())
        from importlib.resources import as_file

        with as_file(where) as path:
            return _load_file(path, rules=self.rules(), display=f"<bundled {pid}>")

    def calendar(self, procedure: Procedure) -> Calendar:
        """The calendar a plugin chooses for ``procedure``, else Vietnam's."""
        hook = self._pm.hook.admission_flow_resolve_calendar
        try:
            chosen = hook(procedure=procedure)
        except Exception as exc:
            raise _plugin_error(
                _culprit(exc, hook), "admission_flow_resolve_calendar", exc
            ) from exc
        if chosen is None:
            return VietnamCalendar()
        if isinstance(chosen, type) or not isinstance(chosen, Calendar):
            raise PluginError(
                f"a plugin returned {chosen!r} from admission_flow_resolve_calendar; "
                "return an object with add_working_days() and days_off()",
                plugin=_culprit_of_result(hook),
                hook="admission_flow_resolve_calendar",
            )
        return chosen

    # -- event hooks ---------------------------------------------------------------

    def check_event(self, context: EventContext) -> list[Violation]:
        hook = self._pm.hook.admission_flow_check_event
        try:
            answers = hook(context=context)
        except Exception as exc:
            raise _plugin_error(_culprit(exc, hook), "admission_flow_check_event", exc) from exc
        found: list[Violation] = []
        for answer in answers:
            for item in answer or ():
                if not isinstance(item, Violation):
                    raise PluginError(
                        f"a plugin returned {item!r} from admission_flow_check_event; "
                        "return admission_flow.Violation objects",
                        plugin=_culprit_of_result(hook),
                        hook="admission_flow_check_event",
                    )
                found.append(item)
        return found

    def after_step(self, procedure: Procedure, case: Case, step: Step) -> None:
        hook = self._pm.hook.admission_flow_after_step
        try:
            hook(procedure=procedure, case=case, step=step)
        except Exception as exc:
            raise _plugin_error(_culprit(exc, hook), "admission_flow_after_step", exc) from exc


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


def _plugin_error(plugin: str, hook: str, exc: BaseException) -> PluginError:
    if isinstance(exc, PluginError):
        return exc
    return PluginError(
        f"plugin '{plugin}' raised {type(exc).__name__} in {hook}: {exc}; nothing was changed",
        plugin=plugin,
        hook=hook,
    )


def _culprit(exc: BaseException, hook: pluggy.HookCaller) -> str:
    """The plugin whose implementation raised ``exc``, from the traceback."""
    codes = {}
    for impl in hook.get_hookimpls():
        function = impl.function
        code = getattr(function, "__code__", None) or getattr(
            getattr(function, "__func__", None), "__code__", None
        )
        if code is not None:
            codes[code] = impl.plugin_name
    tb: types.TracebackType | None = exc.__traceback__
    while tb is not None:
        name = codes.get(tb.tb_frame.f_code)
        if name is not None:
            return name
        tb = tb.tb_next
    return "?"


def _culprit_of_result(hook: pluggy.HookCaller) -> str:
    impls = hook.get_hookimpls()
    return (
        ", ".join(impl.plugin_name for impl in impls if not impl.hookwrapper and not impl.wrapper)
        or "?"
    )


def load_procedure(name: str | Path, *, plugins: Plugins | None = None) -> Procedure:
    """Load a bundled procedure by id (``"vn-2021"``) or a procedure file by path.

    Raises:
        ProcedureError: every problem of the file, each as ``file:line:col: message``.
    """
    return (plugins if plugins is not None else Plugins()).load_procedure(name)
