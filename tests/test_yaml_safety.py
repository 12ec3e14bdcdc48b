"""Reading procedure files safely: plain data only, bounded size, YAML 1.2 scalars.

Every broken file lives in ``tests/data/procedures/``; each test asserts the exact
``file:line:col`` (line and column counted from 1) and the message of every problem.
"""

from __future__ import annotations

import datetime as dt
import tracemalloc
from pathlib import Path

import pytest

import admission_flow as af
from helpers import PROCEDURES
from helpers import load_procedure_fixture as load
from helpers import procedure_problems as problems_of

DATA = PROCEDURES

TAG_REFUSED = "is not allowed: these files hold plain data only; remove the tag"


# -- syntax and the shape of the document --------------------------------------------


def test_syntax_error_is_one_problem_at_its_position() -> None:
    """A YAML syntax error is one problem, where the parser stopped, saying to fix the syntax."""
    assert problems_of("syntax_error.yaml") == [
        (4, 16, "mapping values are not allowed in this context; fix the YAML syntax here"),
    ]


def test_error_lists_problems_as_file_line_col_lines() -> None:
    """``str()`` of the error is one ``file:line:col: message`` line per problem."""
    path = DATA / "duplicate_keys.yaml"
    with pytest.raises(af.ProcedureError) as caught:
        af.load_procedure(path, plugins=af.Plugins(entry_points=False))
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, af.AdmissionFlowError)
    assert str(caught.value).splitlines() == [
        f"{path}:22:5: duplicate key 'to' (first at line 20); keep one of them",
        f"{path}:23:3: duplicate key 'identify' (first at line 10); keep one of them",
    ]


@pytest.mark.parametrize("name", ["empty.yaml", "comments_only.yaml"])
def test_empty_file(name: str) -> None:
    """A file with no document at all says it is empty and what a procedure file is."""
    assert problems_of(name) == [
        (1, 1, "the file is empty; a procedure file is a mapping of keys to values"),
    ]


def test_top_level_list() -> None:
    """A list at the top of the file is refused where the list starts."""
    assert problems_of("top_list.yaml") == [
        (2, 1, "a procedure file must be a mapping of keys to values, not a list"),
    ]


def test_top_level_scalar() -> None:
    """A single text at the top of the file is refused where the text starts (after the comment)."""
    assert problems_of("top_scalar.yaml") == [
        (
            2,
            1,
            "a procedure file must be a mapping of keys to values, not 'procedure minimal' (text)",
        ),
    ]


# -- tags: plain data only, no code ---------------------------------------------------------


def test_python_object_apply_tag_is_refused_and_runs_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``!!python/object/apply:os.system`` is refused, and the command it carries never runs."""
    monkeypatch.chdir(tmp_path)
    assert problems_of("python_apply.yaml") == [
        (3, 8, f"tag '!!python/object/apply:os.system' {TAG_REFUSED}"),
    ]
    assert not (tmp_path / "pwned-by-apply").exists()
    assert list(tmp_path.iterdir()) == []


def test_python_apply_fixture_is_armed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Control: an unsafe loader does run the fixture's command, so the test above proves something."""
    import yaml  # only here: the library itself reads YAML in one module

    monkeypatch.chdir(tmp_path)
    yaml.unsafe_load((DATA / "python_apply.yaml").read_text(encoding="utf-8"))
    assert (tmp_path / "pwned-by-apply").exists()


def test_python_name_tag_is_refused() -> None:
    """``!!python/name:`` (a reference to a Python object) is refused at the tag."""
    assert problems_of("python_name.yaml") == [
        (4, 9, f"tag '!!python/name:os.system' {TAG_REFUSED}"),
    ]


def test_custom_tag_is_refused() -> None:
    """An application tag such as ``!foo`` is refused too: no tag has a meaning here."""
    assert problems_of("custom_tag.yaml") == [(3, 8, f"tag '!foo' {TAG_REFUSED}")]


def test_custom_tag_on_a_key_is_refused() -> None:
    """A tag on a key is refused like a tag on a value, not silently dropped."""
    assert problems_of("custom_tag_on_key.yaml") == [(3, 1, f"tag '!foo' {TAG_REFUSED}")]


# -- size and depth --------------------------------------------------------------------------


def test_alias_bomb_is_refused_without_exhausting_memory() -> None:
    """A "billion laughs" file (nine levels of ten aliases) stops at the expansion limit."""
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    tracemalloc.reset_peak()
    before, _ = tracemalloc.get_traced_memory()
    try:
        found = problems_of("alias_bomb.yaml")
        _, peak = tracemalloc.get_traced_memory()
    finally:
        if started:
            tracemalloc.stop()
    assert found == [
        (
            4,
            52,
            "the document expands to more than 200,000 values (aliases repeated inside "
            "aliases?); write the values out or shorten the file",
        ),
    ]
    grew = peak - before
    assert grew < 50 * 1024 * 1024, f"peak memory grew by {grew / 2**20:.1f} MiB"


def test_aliases_within_the_limit_are_expanded() -> None:
    """A few anchors and aliases are ordinary YAML and load like the values written out."""
    procedure = load("aliases_ok.yaml")
    assert procedure.roles["cell_meeting"].label == af.Text("Chi bộ", "Party cell")
    assert procedure.states["rejected"].final
    assert procedure.events["reject"].sources == ("identified",)
    assert procedure.events["reject"].roles == ("cell", "cell_meeting")


def test_nesting_deeper_than_the_limit_is_refused() -> None:
    """Values nested more than 64 levels deep are refused at the first level too deep."""
    assert problems_of("deep_nesting.yaml") == [
        (4, 72, "values are nested more than 64 levels deep; flatten them"),
    ]


# -- duplicate keys -----------------------------------------------------------------------------


def test_duplicate_keys_name_the_first_occurrence() -> None:
    """A repeated event and a repeated key inside an event each point back to the first one."""
    assert problems_of("duplicate_keys.yaml") == [
        (22, 5, "duplicate key 'to' (first at line 20); keep one of them"),
        (23, 3, "duplicate key 'identify' (first at line 10); keep one of them"),
    ]


# -- scalars follow YAML 1.2 ---------------------------------------------------------------------


def test_on_yes_no_stay_text_and_only_true_false_are_booleans() -> None:
    """``on``, ``yes`` and ``no`` are names (roles, states, settings); ``true``/``false`` are bools."""
    procedure = load("yaml12_scalars.yaml")
    assert procedure.settings == {
        "strict": True,
        "lenient": False,
        "greeting": "yes",
        "answer": "no",
        "switch": "on",
        "quoted": "true",
        "opened": dt.date(2023, 2, 28),
    }
    assert list(procedure.roles) == ["on"]
    assert list(procedure.states) == ["yes", "no"]
    assert procedure.final_states == frozenset({"no"})
    ask = procedure.events["ask"]
    assert (ask.target, ask.roles) == ("yes", ("on",))
    assert procedure.events["refuse"].sources == ("yes",)


def test_yes_is_not_a_boolean() -> None:
    """``final: yes`` is text, so it is refused as a true/false value."""
    assert problems_of("yes_is_not_true.yaml") == [
        (
            8,
            3,
            "state 'approved' is not final and no event leads out of it; add one, "
            "or mark it 'final: true'",
        ),
        (8, 54, "states.approved.final must be true or false, not 'yes' (text)"),
    ]


def test_impossible_date_is_reported() -> None:
    """``2023-02-30`` looks like a date but is not one; the real date beside it is fine."""
    assert problems_of("impossible_date.yaml") == [
        (5, 13, "'2023-02-30' is not a real date; check the day and the month"),
    ]
