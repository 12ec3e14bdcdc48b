"""``admission-flow serve`` and ``serve-key`` as an operator runs them, over real HTTP."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest

from admission_flow.cli._main import main
from admission_flow.serve import load_keys

from .conftest import UNITS, Server, keys_file, secret, seeded


def call(
    server: Server, method: str, path: str, key: str | None, body: Any = None, **headers: str
) -> tuple[int, Any]:
    request = urllib.request.Request(f"{server.base}{path}", method=method)
    if key is not None:
        request.add_header("Authorization", f"Bearer {key}")
    for name, value in headers.items():
        request.add_header(name.replace("_", "-"), value)
    data = None
    if body is not None:
        data = json.dumps(body).encode()
        request.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(request, data, timeout=30) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_serve_answers_over_http_and_logs_no_key(tmp_path: Path) -> None:
    """A real server: the key works, a wrong one is 401, and neither appears in its log."""
    db = seeded(tmp_path)
    server = Server("--db", str(db), "--units", str(UNITS), "--keys", str(keys_file(tmp_path)))
    try:
        status, body = call(server, "GET", "/v1/cases/c-oanh", secret("clerk-14"))
        assert (status, body["state"]) == (200, "identified")
        status, body = call(server, "GET", "/v1/cases/c-oanh", "wrong-key-guess")
        assert (status, body["code"]) == (401, "unauthorized")
        fired = {"event": "assign_mentor", "on": "2023-03-10", "facts": {"mentor": "m-kdc14-01"}}
        status, body = call(
            server,
            "POST",
            "/v1/cases/c-oanh/events",
            secret("cell-14"),
            fired,
            Idempotency_Key="r1",
        )
        assert (status, body["accepted"], body["replayed"]) == (200, True, False)
        status, body = call(
            server,
            "POST",
            "/v1/cases/c-oanh/events",
            secret("cell-14"),
            fired,
            Idempotency_Key="r1",
        )
        assert (status, body["replayed"]) == (200, True)
    finally:
        log = server.stop()
    assert 'GET /v1/cases/c-oanh HTTP/1.1" 401' in log
    assert secret("clerk-14") not in log
    assert "wrong-key-guess" not in log


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (
            ["--no-auth", "--host", "0.0.0.0"],
            "--no-auth serves without keys: only on a loopback address",
        ),
        ([], "serve needs --keys FILE"),
        (["--workers", "0", "--no-auth"], "--workers is 1 to 64"),
    ],
)
def test_serve_refuses_to_start_open_or_without_keys(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str], message: str
) -> None:
    assert main(["serve", "--db", str(tmp_path / "cases.db"), *argv]) == 2
    assert message in capsys.readouterr().err
    assert not (tmp_path / "cases.db").exists()


def test_a_bad_keys_file_is_one_line_per_problem(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    keys = tmp_path / "keys.yaml"
    keys.write_text(
        "keys:\n"
        "  - name: clerk\n"
        "    sha256: not-a-digest\n"
        "    role: cel\n"
        "    units: [kdc-14]\n"
        "  - name: mentor\n"
        f"    sha256: {'a' * 64}\n"
        "    role: member\n"
        "    units: [kdc-14]\n",
        encoding="utf-8",
    )
    assert main(["serve", "--db", str(tmp_path / "cases.db"), "--keys", str(keys)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"{keys}:3:13: keys[0].sha256 is 64 lower-case hex digits (the SHA-256 of the key: "
        "admission-flow serve-key prints one), not a key itself",
        f"{keys}:4:11: unknown role 'cel' in keys[0]; did you mean 'cell'?",
        f"{keys}:6:5: keys[1]: role 'member' is a person's; give the member's id as 'actor'",
    ]


def test_serve_key_prints_an_entry_that_loads_and_a_key_that_matches(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The printed lines go under keys: as they are; the printed key is the one they admit."""
    argv = ["serve-key", "--name", "mentor-hung", "--role", "member", "--actor", "m-kdc14-01"]
    assert main([*argv, "--unit", "kdc-14", "--read", "kdc-15"]) == 0
    printed = capsys.readouterr().out
    key = printed.splitlines()[0].rsplit(" ", 1)[1]
    entry = "\n".join(line for line in printed.splitlines() if not line.startswith("#"))
    (tmp_path / "keys.yaml").write_text("keys:\n" + entry + "\n", encoding="utf-8")
    keys = load_keys(tmp_path / "keys.yaml")
    found = keys.find(key)
    assert found is not None
    assert (found.name, found.role, found.actor, found.units, found.read) == (
        "mentor-hung",
        "member",
        "m-kdc14-01",
        ("kdc-14",),
        ("kdc-15",),
    )
    assert keys.find(key + "x") is None
