"""One field list per value: JSON and scenario files carry every field of a person, unit, member."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.model import _serial
from admission_flow.model._departure import COMMUNITY_ROLES, Departure
from admission_flow.model._fields import field_items, fields_of

NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
IDS = st.from_regex(r"[a-z][a-z0-9-]{0,8}", fullmatch=True)
DAYS = st.dates(dt.date(1950, 1, 1), dt.date(2022, 12, 31))

UNITS = st.builds(
    af.Unit,
    id=IDS,
    kind=st.sampled_from(af.UNIT_KINDS),
    official_members=st.integers(0, 500),
    has_youth_union=st.booleans(),
    hardship_area=st.booleans(),
    delegated_admission=st.booleans(),
    grassroots_cell=st.booleans(),
    committee_members=st.integers(0, 50),
)
MEMBERS = st.builds(
    af.Member,
    id=IDS,
    status=st.sampled_from(("official", "probationary")),
    since=DAYS,
    positions=st.lists(NAMES, max_size=3, unique=True).map(tuple),
)
PEOPLE = st.builds(
    af.Person,
    id=IDS,
    name=st.text(st.characters(codec="utf-8", categories=["L", "Zs"]), min_size=1).filter(
        lambda s: bool(s.strip())
    ),
    born=DAYS,
    education=st.sampled_from(("none", "primary", "upper_secondary", "university")),
    organizations=st.frozensets(st.sampled_from(("youth_union", "trade_union"))),
    positions=st.lists(NAMES, max_size=3, unique=True).map(tuple),
    over_60_consent=st.booleans(),
    hardship_area=st.booleans(),
    community_role=st.none() | st.sampled_from(COMMUNITY_ROLES),
    left=st.none()
    | st.builds(
        Departure,
        on=DAYS,
        reason=st.sampled_from(("struck_off", "expelled", "asked_to_leave")),
        hardship=st.booleans(),
        readmitted_before=st.booleans(),
    ),
)


@pytest.mark.parametrize("cls", [af.Person, af.Unit, af.Member])
def test_the_field_list_is_the_classs_own(cls: type) -> None:
    """Every attrs field, in order, with its default: nothing kept on the side."""
    assert [f.name for f in fields_of(cls)] == [f.name for f in attrs.fields(cls)]
    assert [f.required for f in fields_of(cls)] == [
        f.default is attrs.NOTHING for f in attrs.fields(cls)
    ]


@given(PEOPLE, UNITS, MEMBERS)
def test_json_keeps_every_field(person: af.Person, unit: af.Unit, member: af.Member) -> None:
    """person/unit/member_to_json and back through JSON text: the same value (positions too).

    Revision 3's fields are written only when set, so that a record without them keeps
    its bytes and hash; every other field is always written.
    """
    for value, write, read in (
        (person, _serial.person_to_json, _serial.person_from_json),
        (unit, _serial.unit_to_json, _serial.unit_from_json),
        (member, _serial.member_to_json, _serial.member_from_json),
    ):
        data = json.loads(json.dumps(write(value)))  # type: ignore[operator]
        assert sorted(data) == sorted(
            f.name
            for f in fields_of(type(value))
            if not (f.omit_default and getattr(value, f.name) == f.default)
        )
        assert read(data) == value  # type: ignore[operator]


def _scalar(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dt.date | int):
        return str(value)
    if isinstance(value, Departure):
        return (
            "{"
            + ", ".join(
                f"{f.name}: {_scalar(getattr(value, f.name))}"
                for f in attrs.fields(Departure)
                if getattr(value, f.name) is not None
            )
            + "}"
        )
    if isinstance(value, tuple):
        return "[" + ", ".join(_scalar(v) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


def _mapping(value: af.Person | af.Unit | af.Member) -> str:
    """A value as a YAML flow mapping, written from its field list alone."""
    return (
        "{"
        + ", ".join(f"{f.name}: {_scalar(v)}" for f, v in field_items(value) if v is not None)
        + "}"
    )


@settings(max_examples=30, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(person=PEOPLE, unit=UNITS, members=st.lists(MEMBERS, max_size=3, unique_by=lambda m: m.id))
def test_a_scenario_written_from_the_field_list_loads_the_same_values(
    tmp_path: Path, person: af.Person, unit: af.Unit, members: list[af.Member]
) -> None:
    """The scenario loader reads every field a writer of the field list writes."""
    path = tmp_path / "case.yaml"
    path.write_text(
        "procedure: vn-2021\n"
        f"unit: {_mapping(unit)}\n"
        f"members: [{', '.join(_mapping(m) for m in members)}]\n"
        f"candidate: {_mapping(person)}\n"
        "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    scenario = af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    assert scenario.unit == unit
    assert scenario.candidate == person
    assert list(scenario.members.values()) == members


def test_a_missing_required_field_is_reported_with_the_others(tmp_path: Path) -> None:
    """A unit without id and a member with a bad date: both reported, one line each."""
    path = tmp_path / "case.yaml"
    path.write_text(
        "procedure: vn-2021\nunit: {kind: school, grassroots_cell: maybe}\n"
        "members: [{id: m-1, status: official, since: soon}]\n"
        "candidate: {id: c-1, name: An, born: 2000-01-01, education: university}\n"
        "events:\n  - {on: 2023-03-01, event: identify, by: cell_committee}\n",
        encoding="utf-8",
    )
    with pytest.raises(af.ScenarioError) as raised:
        af.load_scenario(path, plugins=af.Plugins(entry_points=False))
    messages = [p.message for p in raised.value.problems]
    assert any("unit" in m and "'id'" in m for m in messages)
    assert any("grassroots_cell must be true or false" in m for m in messages)
    assert any("since" in m for m in messages)
