"""One home for each word: the vocabulary, the actor's text form, the JSON encoding."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import admission_flow as af
from admission_flow.cli import _main as _cli
from admission_flow.model import _canonical, _vocabulary
from admission_flow.store import parse_actor
from admission_flow.testing._check import explore

SRC = Path(af.__file__).resolve().parent

# -- the vocabulary, said once ------------------------------------------------------------


def _patterns() -> dict[str, list[str]]:
    """Every ``re.compile`` pattern in the package, with the modules that compile it."""
    found: dict[str, list[str]] = {}
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "compile"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                found.setdefault(node.args[0].value, []).append(str(path.relative_to(SRC)))
    return found


@pytest.mark.parametrize("name", ["NAME", "RULE_ID", "PROCEDURE_ID"])
def test_each_name_pattern_is_compiled_in_one_place(name: str) -> None:
    """The name, rule-id and procedure-id patterns live in model/_vocabulary.py only."""
    pattern = getattr(_vocabulary, name).pattern
    assert _patterns()[pattern] == ["model/_vocabulary.py"]


def test_the_severities_are_spelt_once() -> None:
    """No module but the vocabulary lists the three severities."""
    spelt = []
    for path in sorted(SRC.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Tuple) and [
                e.value for e in node.elts if isinstance(e, ast.Constant)
            ] == ["block", "record", "warning"]:
                spelt.append(str(path.relative_to(SRC)))
    assert spelt == ["model/_vocabulary.py"]


def test_check_and_explore_search_to_the_same_depth() -> None:
    """--max-depth and --max-states default to what explore() defaults to."""
    # explore()'s bounds are its ``limits`` (issue 17); max_depth and max_states are
    # shorthands that replace those of ``limits`` when given.
    parameters = inspect.signature(explore).parameters
    limits = parameters["limits"].default
    assert (limits.max_depth, limits.max_states) == (
        _vocabulary.MAX_DEPTH,
        _vocabulary.MAX_STATES,
    )
    assert parameters["max_depth"].default is None
    assert parameters["max_states"].default is None
    args = _cli._parser().parse_args(["check", "vn-2021"])
    assert (args.max_depth, args.max_states) == (_vocabulary.MAX_DEPTH, _vocabulary.MAX_STATES)


def test_the_exit_codes_are_the_vocabularys() -> None:
    """The command line's exit codes are the vocabulary's objects, not copies."""
    from admission_flow.cli import _output

    for name in ("EXIT_OK", "EXIT_FOUND", "EXIT_BAD_INPUT", "EXIT_PLUGIN", "EXIT_CONFLICT"):
        assert getattr(_output, name) is getattr(_vocabulary, name)
    assert [_vocabulary.EXIT_OK, _vocabulary.EXIT_FOUND, _vocabulary.EXIT_BAD_INPUT] == [0, 1, 2]
    assert [_vocabulary.EXIT_PLUGIN, _vocabulary.EXIT_CONFLICT] == [3, 4]


# -- one actor text form ------------------------------------------------------------------

ROLES = st.from_regex(r"[a-z][a-z0-9_]{0,12}", fullmatch=True)
IDS = st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), min_size=1).filter(
    lambda s: bool(s.strip())
)


@given(ROLES, st.none() | IDS)
def test_an_actor_round_trips_through_its_text(role: str, member: str | None) -> None:
    """Actor.parse(str(actor)) == actor, for a role alone and for a member in person."""
    actor = af.Actor(role, member)
    assert af.Actor.parse(str(actor)) == actor


def test_an_actor_reads_like_the_command_lines_by() -> None:
    """str() writes ROLE or ROLE:ID; the register's old parse_actor is the same function."""
    assert str(af.Actor("cell")) == "cell"
    assert str(af.Actor("member", "m-hung")) == "member:m-hung"
    assert af.Actor.parse("member:m-hung") == af.Actor("member", "m-hung")
    assert parse_actor == af.Actor.parse


@pytest.mark.parametrize("text", ["", ":m-1", "member:", "  :x"])
def test_an_actor_without_a_role_or_member_is_refused(text: str) -> None:
    """No role, or a ':' with no member after it: InputError naming the form."""
    with pytest.raises(af.InputError, match="is not ROLE or ROLE:MEMBER_ID"):
        af.Actor.parse(text)


# -- one JSON encoding -------------------------------------------------------------------

VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.text()
    | st.dates()
    | st.builds(af.Text, st.text(), st.text()),
    lambda inner: (
        st.lists(inner, max_size=3).map(tuple)
        | st.dictionaries(st.text(max_size=5), inner, max_size=3)
        | st.dictionaries(st.integers() | st.dates(), inner, max_size=3)
    ),
    max_leaves=10,
)


@given(VALUES)
def test_whatever_encode_takes_round_trips_and_hashes(value: object) -> None:
    """decode(encode(v)) == freeze(v) through JSON text; canonical_json takes what encode makes."""
    from admission_flow.model._frozen import freeze

    data = _canonical.encode(value)
    text = _canonical.canonical_json(data)
    assert _canonical.decode(json.loads(text)) == freeze(value)
    assert len(_canonical.digest(data)) == 64


def test_canonical_json_only_serialises_encoded_data() -> None:
    """A date, a set or a number key given to canonical_json unencoded: TypeError."""
    for raw in ({"d": dt.date(2024, 1, 1)}, {1: "a"}, {"s": {1}}):
        with pytest.raises(TypeError, match=r"encode\(\) the value first"):
            _canonical.canonical_json(raw)
    assert _canonical.canonical_json({"b": 1, "a": [None]}) == '{"a":[null],"b":1}'
