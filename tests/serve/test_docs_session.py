"""The curl session of docs/embedding-over-http.md, run with curl against a live server.

Each ``$ curl ...`` line of the page's shell blocks is run by bash, in order, with
``AF`` (the server), ``CLERK`` and ``CELL`` (the keys of kdc-14's clerk and cell) set;
its JSON answer must hold every field the page shows, where ``"…"`` stands for any
value.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from tests.test_docs import blocks

from .conftest import ROOT, UNITS, Server, keys_file, secret

PAGE = ROOT / "docs" / "embedding-over-http.md"


def holds(shown: Any, actual: Any, where: str = "$") -> list[str]:
    """Where ``actual`` differs from what the page shows (``"…"`` matches anything)."""
    if shown == "…":
        return []
    if isinstance(shown, dict):
        if not isinstance(actual, dict):
            return [f"{where}: not an object: {actual!r}"]
        problems = [f"{where}.{k}: missing" for k in shown if k not in actual]
        for key in shown:
            if key in actual:
                problems += holds(shown[key], actual[key], f"{where}.{key}")
        return problems
    if isinstance(shown, list):
        if not isinstance(actual, list) or len(actual) != len(shown):
            return [f"{where}: {actual!r} is not a list of {len(shown)}"]
        return [p for i, item in enumerate(shown) for p in holds(item, actual[i], f"{where}[{i}]")]
    return [] if shown == actual else [f"{where}: {actual!r}, the page shows {shown!r}"]


def session() -> list[tuple[str, Any]]:
    found = []
    for block in blocks(PAGE):
        if block.lang != "shell":
            continue
        lines = block.body.splitlines()
        for index, line in enumerate(lines):
            if line.startswith("$ curl "):
                found.append((line[2:], json.loads(lines[index + 1])))
    return found


def test_the_page_shows_the_whole_session() -> None:
    """open, a refused fire, an accepted one, its retry, the list, what is due."""
    commands = [command for command, _ in session()]
    assert len(commands) == 6
    assert "Idempotency-Key: oanh-identify" in commands[2]
    assert "Idempotency-Key: oanh-identify" in commands[3]


def test_the_curl_session_of_the_page_runs_as_shown(tmp_path: Path) -> None:
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    server = Server(
        "--db",
        str(tmp_path / "cases.db"),
        "--units",
        str(UNITS),
        "--keys",
        str(keys_file(tmp_path)),
    )
    environment = os.environ | {
        "AF": server.base,
        "CLERK": secret("clerk-14"),
        "CELL": secret("cell-14"),
    }
    try:
        for command, shown in session():
            ran = subprocess.run(
                ["bash", "-c", command], capture_output=True, text=True, env=environment, timeout=60
            )
            assert ran.returncode == 0, ran.stderr
            assert holds(shown, json.loads(ran.stdout)) == [], command
    finally:
        server.stop()
