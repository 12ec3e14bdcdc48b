"""recheck's worker processes: forked or spawned, they find what one process finds."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

import admission_flow as af
from admission_flow.store import Register, _recheck
from helpers import replay

BUNDLED = Path(af.__file__).resolve().parent / "standard" / "procedures" / "vn-2021.yaml"


@pytest.fixture
def loose(tmp_path: Path) -> Path:
    """vn-2021 in another version whose twelve-months rule for introductions only records."""
    path = tmp_path / "loose.yaml"
    path.write_text(
        'extends: vn-2021\nversion: "loose"\n'
        "rules: {introduction.twelve_months: {severity: record}}\n"
        "events: {open_dossier: {by: cell_committee}}\n",
        encoding="utf-8",
    )
    return path


@pytest.fixture
def register(register: Register) -> Register:
    """Three open cases (two in dossier or later, one refused on age) and a closed one."""
    for name in ("refused-too-young", "late-decision-warning", "happy-standard", "withdrawn"):
        replay(register, name)
    return register


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_forked_and_spawned_workers_find_what_one_process_finds(
    register: Register, loose: Path, method: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two workers started either way list the same cases, steps and rule ids as one process,
    with the unchanged events worked out by the caller and sent with each range."""
    if method == "fork" and _recheck.start_method() != "fork":
        pytest.skip("this test process runs other threads: the library would not fork it")
    alone = register.recheck(loose, processes=1)
    assert alone, "the change must refuse something, or this test proves nothing"
    assert {r.rules for case in alone for r in case.refusals} == {("auth.role",)}
    monkeypatch.setattr(_recheck, "start_method", lambda: method)
    assert register.recheck(loose, processes=2) == alone
    assert register.recheck(loose, processes=2, full=True) == register.recheck(
        loose, processes=1, full=True
    )


def test_workers_are_spawned_while_another_thread_runs() -> None:
    """Forking a process that runs other threads can deadlock the child: spawn then."""
    alone = _recheck.start_method()
    release = threading.Event()
    other = threading.Thread(target=release.wait)
    other.start()
    try:
        assert _recheck.start_method() == "spawn"
    finally:
        release.set()
        other.join()
    assert alone in ("fork", "spawn")
