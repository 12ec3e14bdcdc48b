"""The public surface as a user meets it: namespaces, one home per name, importable types.

The list below is the surface; a name added to or removed from a public module fails
here until it is added to the list, which makes the change a decision
(``docs/architecture.md``, "The public surface").
"""

from __future__ import annotations

import collections.abc
import importlib
import inspect
import re
import types
import typing
import warnings
from collections.abc import Iterator
from typing import Any

import attrs
import pytest

import admission_flow as af
import admission_flow.hooks._specs as hookspecs

#: Every error, and ``Problem``: their home is ``exceptions``; the facade re-exports them all.
ERRORS = {
    "ActorError", "AdmissionFlowError", "ArgumentTypeError", "CaseError", "CaseRefusedError",
    "ConflictError", "ConstraintError", "DuplicateError", "FactError", "FileProblemError",
    "InputError", "PluginError", "Problem", "ProcedureError", "RequestReusedError",
    "ScenarioError", "SchemaError", "StoreError", "TamperedError", "UnavailableError",
    "UnitFileError", "UnitMismatchError", "UnknownCaseError", "UnknownEventError",
    "UnknownUnitError",
}  # fmt: skip

#: Every public module and what it exports.
SURFACE: dict[str, set[str]] = {
    "admission_flow": {
        "InForce", "MigrationSpec",  # a procedure's generation fields (issue 16)
        "COMMUNITY_ROLES", "EDUCATION_LEVELS", "LEAVING_REASONS", "MEMBER_STATUSES",
        "ORGANIZATIONS", "UNIT_KINDS",
        "Actor", "Case", "Deadline", "Departure", "Member", "Option", "Outcome", "Person",
        "ProcedureRef", "Step", "Text", "Unit", "Violation",
        "Contributed", "Engine", "Plugins", "Procedure", "load_procedure", "draw",
        "Run", "Scenario", "ScenarioEvent", "load_scenario", "run_scenario",
        "Boundary", "EventContext", "Rule", "hookimpl", "rule",
        "add_months", "months_between",
        *ERRORS,
        "__version__",
    },
    "admission_flow.exceptions": ERRORS,
    "admission_flow.spec": {
        "AllOf", "AnyOf", "Condition", "DateSpec", "DeadlineSpec", "Escalation", "EventSpec",
        "FactSpec", "InvariantSpec", "Mark", "MonthsSince", "Procedure", "Reading", "Role", "RuleHeld", "RuleSpec",
        "RuleUse",
        "State", "StepOnFile", "Transition", "UnitHas", "WorkingDaysWithin",
    },
    "admission_flow.serial": {
        "case_from_json", "case_to_json", "outcome_from_json", "outcome_to_json",
        "step_from_json", "step_to_json",
    },
    "admission_flow.calendar": {
        "Calendar", "VietnamCalendar", "WeekdayCalendar", "add_months", "months_between",
    },
    "admission_flow.units": {
        "ENDS", "EXCLUDED_REASONS", "LEAVING_REASONS", "READMISSION_MONTHS", "STAGES",
        "CountTarget", "Departure", "Finding", "Growth", "Holder", "PositionSpec", "Share",
        "Targets", "UnitContext", "UnitNode", "UnitTree", "admitted_by", "check_new_case", "load_units",
        "members_at_start", "probationary_on", "reached_on",
    },
    "admission_flow.reports": {
        "Annual", "Overdue", "PlanProgress", "PositionsHeld", "Report", "UnitProgress",
        "admitted_by", "build_report", "members_at_start", "probationary_on", "render_html",
        "render_terminal", "report_as_dict",
    },
    "admission_flow.store": {
        "Break", "CaseRecheck", "Checkpoint", "Entry", "ExportFileError", "FireCall", "Fired",
        "Refusal", "Register", "StoredCase", "Summary", "entry_to_json", "error_to_json",
        "fired_to_json", "judge_case", "parse_actor", "read_export", "schema",
        "stored_to_json", "summary_to_json",
    },
    "admission_flow.testing": {
        "DEFAULT_MEMBERS", "Attempt", "CheckReport", "Difference", "Exploration",
        "InvariantFailure", "Limits", "ProcedureMachine", "Result", "StaticFinding", "boundary_dates",
        "check_invariants", "check_scenario", "expected_path", "explore", "find_scenarios",
        "procedure_state_machine", "scenario_text", "static_findings", "two_thirds",
    },
    "admission_flow.testing.strategies": {
        "actors", "dates_from", "event_sequences", "fact_values", "facts", "members",
        "people", "units",
    },
}  # fmt: skip

#: Old names that keep working, with a warning that names their home.
MOVED = {
    "admission_flow.EventSpec": "admission_flow.spec.EventSpec",
    "admission_flow.Transition": "admission_flow.spec.Transition",
    "admission_flow.case_to_json": "admission_flow.serial.case_to_json",
    "admission_flow.VietnamCalendar": "admission_flow.calendar.VietnamCalendar",
    "admission_flow.Calendar": "admission_flow.calendar.Calendar",
    "admission_flow.units.UnitFileError": "admission_flow.exceptions.UnitFileError",
    "admission_flow.reports.UnitContext": "admission_flow.units.UnitContext",
    "admission_flow.reports.reached_on": "admission_flow.units.reached_on",
    "admission_flow.testing.Finding": "admission_flow.testing.StaticFinding",
    "admission_flow.testing.InvariantSpec": "admission_flow.spec.InvariantSpec",
    "admission_flow.testing.units": "admission_flow.testing.strategies.units",
    "admission_flow.testing.people": "admission_flow.testing.strategies.people",
}

#: Strategies are named after what they draw and read qualified (``afst.units()``), as
#: ``hypothesis.strategies`` names its own; this is the one name two public places share
#: for different things, and it no longer sits beside the ``units`` package in ``testing``.
SHARED_BY_DESIGN = {"admission_flow.testing.strategies.units"}


def _isort(name: str) -> tuple[int, str]:
    return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)


def _module(name: str) -> types.ModuleType:
    return importlib.import_module(name)


def _public() -> Iterator[tuple[str, str, Any]]:
    for module_name, names in SURFACE.items():
        module = _module(module_name)
        for name in sorted(names - {"__version__"}):
            yield module_name, name, getattr(module, name)


@pytest.mark.parametrize("module_name", sorted(SURFACE))
def test_each_public_module_exports_the_listed_names_in_alphabetical_order(
    module_name: str,
) -> None:
    """``__all__`` is the list above, sorted, and every name in it resolves."""
    module = _module(module_name)
    assert set(module.__all__) == SURFACE[module_name]
    # In ruff's (isort's) order: constants, then classes, then functions.
    assert module.__all__ == sorted(module.__all__, key=_isort)
    for name in module.__all__:
        getattr(module, name)


def test_no_name_means_two_things() -> None:
    """A name found in two public places (subpackages included) is the same object."""
    for module_name in SURFACE:
        _module(module_name)  # so that each public subpackage is an attribute of its parent
    seen: dict[str, tuple[str, Any]] = {
        name: ("admission_flow", module)
        for name, module in vars(af).items()
        if isinstance(module, types.ModuleType)
        and name in {m.split(".")[1] for m in SURFACE if "." in m}
    }
    clashes = []
    for module_name, name, value in _public():
        shared = f"{module_name}.{name}" in SHARED_BY_DESIGN
        if name in seen and seen[name][1] is not value and not shared:
            clashes.append(f"{module_name}.{name} vs {seen[name][0]}.{name}")
        seen.setdefault(name, (module_name, value))
    assert clashes == []


def test_two_finding_classes_have_two_names() -> None:
    """What a rule pack finds about a unit and what the static check finds are told apart."""
    from admission_flow.testing import StaticFinding

    assert af.units.Finding is not StaticFinding
    assert StaticFinding.__name__ == "StaticFinding"


@pytest.mark.parametrize(("old", "new"), sorted(MOVED.items()))
def test_a_moved_name_still_works_and_says_where_it_lives(old: str, new: str) -> None:
    """The old name gives the same object, with a DeprecationWarning naming the new place."""
    old_module, _, old_name = old.rpartition(".")
    new_module, _, new_name = new.rpartition(".")
    with pytest.warns(
        DeprecationWarning, match=f"^{re.escape(old)} is deprecated: use {re.escape(new)} "
    ):
        value = getattr(_module(old_module), old_name)
    assert value is getattr(_module(new_module), new_name)
    assert old_name not in _module(old_module).__all__


def test_a_moved_name_warns_at_the_users_line() -> None:
    """The warning points at the line that used the old name, not at admission_flow."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        from admission_flow.testing import units  # noqa: F401

        af.EventSpec  # noqa: B018
    assert [(w.category, w.filename) for w in caught] == [(DeprecationWarning, __file__)] * 2


def test_an_unknown_name_is_still_an_attribute_error() -> None:
    """Only the moved names are caught: a typo raises AttributeError as before."""
    with pytest.raises(
        AttributeError, match=re.escape("module 'admission_flow' has no attribute 'Engin'")
    ):
        af.Engin  # noqa: B018
    with pytest.raises(
        AttributeError, match=re.escape("'admission_flow.testing' has no attribute 'unit'")
    ):
        _module("admission_flow.testing").unit  # noqa: B018


# -- every type in a public signature is importable from a public place -------------------


#: Names some modules import only for type checkers, resolved here for the hints.
def _extra_names() -> dict[str, Any]:
    import hypothesis.strategies as st
    import sqlalchemy

    names: dict[str, Any] = {"st": st, "sqlalchemy": sqlalchemy, "af": af}
    for module_name in SURFACE:
        module = _module(module_name)
        names.update({name: getattr(module, name) for name in module.__all__})
    return names


def _hints(obj: Any, extra: dict[str, Any]) -> dict[str, Any]:
    module = inspect.getmodule(obj)
    namespace = {**extra, **(vars(module) if module else {})}
    try:
        # A module may still annotate with an old name (``af.Calendar``): the type is what
        # counts here, and the warning is test_a_moved_name_still_works_...'s business.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            return typing.get_type_hints(obj, globalns=namespace)
    except TypeError:  # a builtin or a C function: no annotations to read
        return {}


def _classes(hint: Any) -> Iterator[type]:
    if isinstance(hint, type):
        yield hint
    for arg in typing.get_args(hint):
        yield from _classes(arg)
    origin = typing.get_origin(hint)
    if isinstance(origin, type) and origin.__module__ not in ("builtins", "collections.abc"):
        yield origin


def _signatures(value: Any) -> Iterator[tuple[str, Any]]:
    """The callables whose annotations a user reads: the value, its public methods and fields."""
    if inspect.isfunction(value):
        yield value.__qualname__, value
    elif isinstance(value, type):
        if attrs.has(value):
            yield f"{value.__qualname__} fields", value
        elif "__init__" in vars(value):
            yield f"{value.__qualname__}.__init__", value.__init__
        for name, member in vars(value).items():
            if name.startswith("_") and name not in ("__init__", "__call__"):
                continue
            if isinstance(member, (staticmethod, classmethod)):
                member = member.__func__
            if isinstance(member, property):
                member = member.fget
            if inspect.isfunction(member):
                yield f"{value.__qualname__}.{name}", member


def _importable(cls: type) -> bool:
    if cls.__name__.startswith("_") and getattr(cls, "_is_protocol", False):
        # A private protocol names what a function reads of an argument (``check_invariants``
        # reads a procedure's ``invariants``): the caller passes a public type that has it.
        return True
    for module_name in SURFACE:
        module = _module(module_name)
        if cls.__name__ in module.__all__ and getattr(module, cls.__name__) is cls:
            return True
    return False


def test_every_type_in_a_public_signature_is_importable_from_a_public_place() -> None:
    """Each admission_flow class a public function takes or returns has a public import path."""
    extra = _extra_names()
    callables = [
        (f"{module_name}.{where}", hinted)
        for module_name, _, value in _public()
        for where, hinted in _signatures(value)
    ]
    callables += [
        (f"hook {name}", function)
        for name, function in vars(hookspecs).items()
        if name.startswith("admission_flow_") and inspect.isfunction(function)
    ]
    assert len(callables) > 200
    missing = set()
    for where, hinted in callables:
        for hint in _hints(hinted, extra).values():
            for cls in _classes(hint):
                if cls.__module__.startswith("admission_flow") and not _importable(cls):
                    missing.add(f"{cls.__module__}.{cls.__qualname__} (in {where})")
    assert sorted(missing) == []


def test_the_surface_test_reads_nested_hints() -> None:
    """The walk above finds a class inside a generic, a union and a mapping."""
    hint = collections.abc.Mapping[str, tuple[af.Step, ...]] | None
    assert af.Step in set(_classes(hint))
