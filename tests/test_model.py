"""The domain values: frozen, comparable, and the engine's fast constructors build the same values."""

from __future__ import annotations

import datetime as dt
import pickle
from typing import Any

import attrs
import pytest

import admission_flow as af
from admission_flow.model import _names
from admission_flow.model import _values as _model

D = dt.date
ACTOR = af.Actor("cell")
PERSON = af.Person(id="c-hoa", name="Trần Thị Hoa", born=D(1991, 3, 2), education="university")
UNIT = af.Unit(id="kdc-14", kind="residential", official_members=29)
VIOLATION = af.Violation(rule="vote.two_thirds", message=af.Text("vi", "en"), source="Điều 4(3)")
DEADLINE = af.Deadline(
    name="ceremony_due",
    rule="ceremony.deadline",
    event="hold_ceremony",
    start=D(2024, 1, 2),
    due=D(2024, 2, 20),
    basis=af.Text("cơ sở", "basis"),
)
STEP = af.Step(
    event="cell_vote",
    on=D(2023, 9, 5),
    actor=ACTOR,
    facts={"in_favour": 19, "official_members": 29},
    accepted=False,
    recorded=True,
    from_state="dossier",
    to_state="dossier",
    violations=(VIOLATION,),
    deadlines_set=(DEADLINE,),
)
CASE = af.Case(
    id="c-hoa",
    procedure=af.ProcedureRef("vn-2021", "2021.1", "0" * 64),
    candidate=PERSON,
    unit=UNIT,
    state="dossier",
)

BUILT: list[tuple[Any, Any]] = [
    (_model._new_step, STEP),
    (_model._new_case, CASE),
    (_model._new_outcome, af.Outcome(case=CASE, step=STEP)),
    (_model._new_deadline, attrs.evolve(DEADLINE, met_on=D(2024, 2, 19))),
    (
        _model._new_person,
        attrs.evolve(PERSON, organizations={"youth_union"}, positions=["residential_group_deputy"]),
    ),
]


@pytest.mark.parametrize(("build", "value"), BUILT, ids=lambda x: getattr(x, "__qualname__", ""))
def test_fast_constructors_build_the_same_frozen_values(build: Any, value: Any) -> None:
    """A value built field by field equals, prints and pickles as the class's own __init__ makes it."""
    fields = [getattr(value, f.name) for f in attrs.fields(type(value))]
    built = build(*fields)
    assert type(built) is type(value)
    assert built == value
    assert repr(built) == repr(value)
    assert pickle.loads(pickle.dumps(built)) == value
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        built.__setattr__(attrs.fields(type(value))[0].name, None)
    assert attrs.evolve(built) == value


def test_fast_constructors_refuse_classes_that_validate() -> None:
    """Person validates its education: only its own __init__ may build it."""
    with pytest.raises(TypeError, match="converts or validates"):
        _model._builder(af.Person)


def test_a_case_carries_its_index_of_steps_forward() -> None:
    """The index a case built is extended, not rebuilt, for the next case, and stays right."""
    assert CASE.steps_of("cell_vote") == ()  # builds the index of the empty case
    after = CASE._advance("dossier", STEP)
    again = after._advance("dossier", attrs.evolve(STEP, on=D(2023, 9, 12), accepted=True))
    assert again.steps_of("cell_vote") == again.history
    assert again.last("cell_vote") == again.history[-1]
    assert again.last("cell_vote", accepted=True) == again.history[-1]
    assert after.last("cell_vote") is None
    assert after.last("cell_vote", accepted=False) == STEP
    fresh = af.Case(
        id=again.id,
        procedure=again.procedure,
        candidate=again.candidate,
        unit=again.unit,
        state=again.state,
        history=again.history,
    )
    assert fresh == again
    assert fresh.steps_of("cell_vote") == again.steps_of("cell_vote")


def test_values_are_frozen_and_compare_by_content() -> None:
    """Changing a value is an error; equal fields make equal values."""
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        CASE.state = "official"  # type: ignore[misc]
    assert attrs.evolve(CASE, state="dossier") == CASE
    assert af.Actor("member", "m-hung") == af.Actor("member", "m-hung")
    assert str(af.Actor("member", "m-hung")) == "member:m-hung"  # what Actor.parse reads


def test_person_checks_its_vocabulary() -> None:
    """Education and organizations take only the documented words."""
    with pytest.raises(ValueError, match="education"):
        af.Person(id="x", name="X", born=D(2000, 1, 1), education="phd")
    with pytest.raises(ValueError, match="organizations"):
        af.Person(id="x", name="X", born=D(2000, 1, 1), education="none", organizations=["party"])


def test_text_formats_each_language_with_its_own_dates_and_words() -> None:
    """A date reads 05/02/2024 in Vietnamese and 2024-02-05 in English; a Text fills each side."""
    text = af.Text("Hạn {due}: {what}", "Due {due}: {what}")
    filled = text.format(due=D(2024, 2, 5), what=af.Text("lễ kết nạp", "the ceremony"))
    assert filled == af.Text("Hạn 05/02/2024: lễ kết nạp", "Due 2024-02-05: the ceremony")
    assert filled.as_dict() == {"vi": filled.vi, "en": filled.en}


# -- equality covers every field; kept facts never change ----------------------------------------


def test_steps_that_differ_only_in_their_facts_are_not_equal() -> None:
    """Two steps (and so two cases) with different mentors neither compare nor hash equal."""
    one = attrs.evolve(STEP, facts={"mentor": "m-hung"})
    other = attrs.evolve(STEP, facts={"mentor": "m-mai"})
    assert one != other
    assert hash(one) != hash(other)
    assert attrs.evolve(CASE, history=(one,)) != attrs.evolve(CASE, history=(other,))


def test_violations_that_differ_only_in_their_details_are_not_equal() -> None:
    """Details are part of a violation's value."""
    base = af.Violation(rule="r.x", message=af.Text("a", "a"), source="s", details={"n": 1})
    assert base != attrs.evolve(base, details={"n": 2})
    assert base == attrs.evolve(base, details={"n": 1})


@pytest.mark.parametrize(
    "change",
    [
        lambda f: f.__setitem__("mentor", "m-x"),
        lambda f: f.__delitem__("mentor"),
        lambda f: f.update(mentor="m-x"),
        lambda f: f.pop("mentor"),
        lambda f: f.popitem(),
        lambda f: f.setdefault("other", 1),
        lambda f: f.clear(),
    ],
)
def test_kept_facts_cannot_be_changed(change: Any) -> None:
    """A step's facts are read-only: nobody can rewrite what was recorded."""
    step = attrs.evolve(STEP, facts={"mentor": "m-hung"})
    with pytest.raises(TypeError, match="read-only"):
        change(step.facts)
    assert step.facts == {"mentor": "m-hung"}


def test_nested_details_are_frozen_too() -> None:
    """Lists and mappings inside a violation's details become tuples and read-only mappings."""
    violation = af.Violation(
        rule="r.x", message=af.Text("a", "a"), source="s", details={"seen": [1, {"a": [2]}]}
    )
    assert violation.details["seen"] == (1, {"a": (2,)})
    with pytest.raises(TypeError):
        violation.details["seen"][1]["a"] = 3  # type: ignore[index]
    assert pickle.loads(pickle.dumps(violation)) == violation
    hash(violation)


def test_the_fingerprint_follows_content_not_layout(tmp_path: Any) -> None:
    """Comments, key order and flow style leave the fingerprint alone; a changed value does not."""
    from helpers import PROCEDURES

    text = (PROCEDURES / "minimal.yaml").read_text(encoding="utf-8")
    plugins = af.Plugins(entry_points=False)
    first = af.load_procedure(PROCEDURES / "minimal.yaml", plugins=plugins)
    commented = tmp_path / "commented.yaml"
    commented.write_text("# a comment\n\n" + text + "\n# another\n", encoding="utf-8")
    assert af.load_procedure(commented, plugins=plugins).ref == first.ref
    changed = tmp_path / "changed.yaml"
    changed.write_text(text.replace("procedure: minimal", "procedure: minimal\nversion: '2'"))
    other = af.load_procedure(changed, plugins=plugins)
    assert other.fingerprint != first.fingerprint
    assert len(first.fingerprint) == 64
    assert str(first.ref).startswith("minimal (")


def test_equal_sets_and_lists_of_names_are_kept_once_and_the_table_is_bounded(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def person(**names: Any) -> af.Person:
        return af.Person(id="c-an", name="An", born=D(1990, 1, 1), education="university", **names)

    one = person(organizations=["youth_union"], positions=["group_deputy"])
    two = person(organizations={"youth_union"}, positions=("group_deputy",))
    assert type(one.organizations) is frozenset
    assert type(one.positions) is tuple
    assert one.organizations is two.organizations
    assert one.positions is two.positions
    assert person().organizations is person().organizations == frozenset()
    # Past its bounds the table keeps nothing more, and values are still made as asked.
    monkeypatch.setattr(_names, "SHARED", {})
    monkeypatch.setattr(_names, "SHARED_ENTRIES", 3)
    for number in range(10):
        assert person(positions=[f"p{number}"]).positions == (f"p{number}",)
    assert len(_names.SHARED) == 3
    many = [f"p{number}" for number in range(_names.SHARED_NAMES + 1)]
    monkeypatch.setattr(_names, "SHARED", {})
    long = ["x" * (_names.SHARED_CHARS + 1)]
    assert person(positions=many).positions == tuple(many)
    assert person(positions=long).positions == tuple(long)
    assert tuple(many) not in _names.SHARED
    assert tuple(long) not in _names.SHARED
