"""The history row's texts and hash, written field by field, are the general walk's bytes.

``_chain._sealed_text`` and ``_rows.facts_text`` skip ``json_text``'s and
``encode``'s walks for the shapes a register writes; a stored row must hash and
read the same whichever wrote it, so each is held to the general path here, for
plain and hostile values alike.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from admission_flow.model._canonical import canonical_json, encode, json_text
from admission_flow.model._frozen import freeze
from admission_flow.model._values import Text
from admission_flow.store._chain import _sealed, _sealed_text, row_hash
from admission_flow.store._rows import facts_text

TEXT = st.text(alphabet=st.characters(codec="utf-8"), max_size=12)
NULLABLE = st.none() | TEXT


def _general_hash(row: dict[str, Any]) -> str:
    return hashlib.sha256(json_text(_sealed(row)).encode("utf-8")).hexdigest()


ROW = st.fixed_dictionaries(
    {
        "case_id": TEXT,
        "seq": st.integers(min_value=0, max_value=2**40),
        "event": TEXT,
        "on_date": st.dates() | TEXT | st.none(),
        "actor_role": TEXT,
        "actor_id": NULLABLE,
        "facts": TEXT,
        "accepted": st.booleans() | st.integers(0, 1),
        "recorded": st.booleans() | st.integers(0, 1),
        "from_state": NULLABLE,
        "to_state": NULLABLE,
        "violations": TEXT,
        "warnings": TEXT,
        "deadlines": TEXT,
        "procedure_id": TEXT,
        "procedure_version": NULLABLE,
        "procedure_fingerprint": TEXT,
        "recorded_at": TEXT,
        "previous": TEXT,
        "request_id": NULLABLE,
    }
)


@settings(max_examples=300, deadline=None)
@given(ROW)
def test_the_sealed_text_is_the_canonical_text(row: dict[str, Any]) -> None:
    assert _sealed_text(row) == json_text(_sealed(row))
    assert row_hash(row) == _general_hash(row)


@pytest.mark.parametrize(
    ("column", "value"),
    [
        ("seq", True),
        ("seq", 1.0),
        ("event", 7),
        ("event", None),
        ("actor_id", 3),
        ("request_id", ["x"]),
        ("on_date", 20230605),
    ],
)
def test_a_value_of_another_type_takes_the_general_walk(column: str, value: Any) -> None:
    row = _a_row()
    row[column] = value
    with pytest.raises(TypeError):
        _sealed_text(row)
    assert row_hash(row) == _general_hash(row)


def test_a_row_without_a_request_id_column_hashes_as_before() -> None:
    row = _a_row()
    del row["request_id"]
    assert row_hash(row) == _general_hash(row)


def _a_row() -> dict[str, Any]:
    return {
        "case_id": "c-1",
        "seq": 3,
        "event": "open_dossier",
        "on_date": dt.date(2023, 6, 5),
        "actor_role": "cell",
        "actor_id": None,
        "facts": '{"mentor":"m-bình"}',
        "accepted": True,
        "recorded": False,
        "from_state": "course",
        "to_state": "dossier",
        "violations": "[]",
        "warnings": "[]",
        "deadlines": '{"met":[],"set":[]}',
        "procedure_id": "vn-2021",
        "procedure_version": None,
        "procedure_fingerprint": "ab" * 32,
        "recorded_at": "2024-01-01T00:00:00+00:00",
        "previous": "cd" * 32,
        "request_id": "r-1",
    }


SCALAR = st.none() | st.booleans() | st.integers() | st.floats() | TEXT | st.dates()
VALUE = st.recursive(
    SCALAR | st.builds(Text, TEXT, TEXT),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(TEXT, inner, max_size=3)
        | st.frozensets(st.integers() | TEXT, max_size=3)
    ),
    max_leaves=6,
)
FACTS = st.dictionaries(TEXT | st.sampled_from(["$when", "$date", "$$x"]), VALUE, max_size=4)


def _general_facts(facts: Any) -> str:
    return "{}" if not facts else canonical_json(encode(facts))


@settings(max_examples=400, deadline=None)
@given(FACTS)
def test_facts_text_is_the_general_walks_text(facts: dict[str, Any]) -> None:
    try:
        expected = _general_facts(facts)
    except (TypeError, ValueError) as exc:  # a NaN: both refuse it alike
        with pytest.raises(type(exc)):
            facts_text(freeze(facts))
        return
    assert facts_text(freeze(facts)) == expected
    assert facts_text(facts) == expected


@pytest.mark.parametrize("key", ["$", "$when", "$$date"])
def test_a_key_that_starts_with_a_dollar_is_escaped_whatever_its_value(key: str) -> None:
    for value in (dt.date(2000, 1, 1), "x", 1, None):
        facts = freeze({key: value, "a": dt.date(2001, 2, 3)})
        assert facts_text(facts) == _general_facts(facts)


def test_facts_with_dates_and_plain_values() -> None:
    facts = freeze({"known_since": dt.date(2013, 3, 1), "replacement": False, "n": 2, "x": None})
    assert facts_text(facts) == _general_facts(facts)
    assert facts_text(facts) == (
        '{"known_since":{"$date":"2013-03-01"},"n":2,"replacement":false,"x":null}'
    )
