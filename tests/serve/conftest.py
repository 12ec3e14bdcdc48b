"""A register with the Liên Chiểu units, a keys file of five keys, and the app over them.

The keys (each the text below, kept hashed in the file):

- ``clerk-14``: ``cell_committee`` of kdc-14, which opens cases and records opinions;
- ``cell-14``: ``cell`` of kdc-14 (assigns mentors, votes);
- ``mentor-14``: ``member`` m-kdc14-01 of kdc-14, in person (introduces);
- ``clerk-15``: ``cell_committee`` of kdc-15, which may also read kdc-14;
- ``district``: ``competent_committee`` of every unit.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from starlette.testclient import TestClient

import admission_flow as af
from admission_flow.serve import create_app, hash_key, load_keys, openapi
from admission_flow.store import Register
from admission_flow.units import UnitTree, load_units

ROOT = Path(__file__).resolve().parents[2]
UNITS = ROOT / "examples" / "lien-chieu" / "units.yaml"
TODAY = dt.date(2023, 6, 30)

KEYS = {
    "clerk-14": ("cell_committee", None, ["kdc-14"], []),
    "cell-14": ("cell", None, ["kdc-14"], []),
    "mentor-14": ("member", "m-kdc14-01", ["kdc-14"], []),
    "clerk-15": ("cell_committee", None, ["kdc-15"], ["kdc-14"]),
    "district": ("competent_committee", None, ["*"], []),
}


def secret(name: str) -> str:
    """The key text of a test key (a real key comes from admission-flow serve-key)."""
    return f"test-key-{name}-0123456789abcdef"


def auth(name: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {secret(name)}"}


def keys_file(folder: Path) -> Path:
    lines = ["keys:"]
    for name, (role, actor, units, read) in KEYS.items():
        lines += [
            f"  - name: {name}",
            f"    sha256: {hash_key(secret(name))}",
            f"    role: {role}",
            f"    units: [{', '.join(repr(u) for u in units)}]",
        ]
        if actor:
            lines.append(f"    actor: {actor}")
        if read:
            lines.append(f"    read: [{', '.join(read)}]")
    path = folder / "keys.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


CANDIDATE: dict[str, Any] = {
    "id": "c-oanh",
    "name": "Võ Thị Kim Oanh",
    "born": "1986-07-12",
    "education": "upper_secondary",
    "positions": ["residential_group_deputy"],
}


@functools.cache
def unit_tree() -> UnitTree:
    """The Liên Chiểu unit file, read once (a frozen value)."""
    return load_units(UNITS)


@pytest.fixture
def register(tmp_path: Path) -> Iterator[Register]:
    tree = unit_tree()
    with Register.create(tmp_path / "cases.db") as kept:
        for node in tree:
            kept.put_unit(node.unit, node.members)
        yield kept


DOCUMENT = openapi()
_TEMPLATES = [
    (re.compile("^" + re.sub(r"\\\{[a-z_]+\\\}", "[^/]+", re.escape(path)) + "$"), path)
    for path in DOCUMENT["paths"]
]


def documented(method: str, path: str, status: int) -> dict[str, Any]:
    """The OpenAPI response object for an answer; fails when the document has none."""
    template = next((t for pattern, t in _TEMPLATES if pattern.match(path)), None)
    assert template is not None, f"{path} is not in the OpenAPI document"
    operation = DOCUMENT["paths"][template].get(method.lower())
    assert operation is not None, f"{method} {template} is not in the OpenAPI document"
    response = operation["responses"].get(str(status))
    assert response is not None, f"{method} {template} does not document {status}"
    found: dict[str, Any] = response
    return found


def check_against_document(method: str, path: str, answer: Any) -> None:
    """The answer's status, content type, headers and body are as the OpenAPI document says."""
    if path == "/openapi.json":
        return
    response = documented(method, path, answer.status_code)
    (media,) = response["content"]
    assert answer.headers["content-type"].split(";")[0] == media
    for name, header in response.get("headers", {}).items():
        if header.get("required"):
            assert name.lower() in answer.headers, f"{name} missing"
    if media == "application/json":
        schema = response["content"][media]["schema"]
        validator = jsonschema.Draft202012Validator(
            {**schema, "components": DOCUMENT["components"]}
        )
        errors = [
            f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(answer.json())
        ]
        assert errors == [], f"{method} {path} -> {answer.status_code}: {errors[:5]}"
    assert "Traceback" not in answer.text


class CheckedClient(TestClient):
    """A test client that checks every answer against the OpenAPI document."""

    def request(self, method: str, url: Any, *args: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        answer = super().request(method, url, *args, **kwargs)
        check_against_document(method, str(answer.request.url.path), answer)
        return answer


@pytest.fixture
def client(register: Register, tmp_path: Path) -> Iterator[TestClient]:
    app = create_app(
        register,
        keys=load_keys(keys_file(tmp_path)),
        units=unit_tree(),
        today=lambda: TODAY,
    )
    with CheckedClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


@pytest.fixture
def open_client(register: Register) -> Iterator[TestClient]:
    """The app without keys (no_auth), as on a loopback address: ``by`` says who acts."""
    app = create_app(register, no_auth=True, units=unit_tree(), today=lambda: TODAY)
    with CheckedClient(app, raise_server_exceptions=False) as test_client:
        yield test_client


def open_case(client: TestClient, **changes: Any) -> dict[str, Any]:
    body = {"unit": "kdc-14", "candidate": CANDIDATE, "on": "2023-03-01"} | changes
    answer = client.post("/v1/cases", json=body, headers=auth("clerk-14"))
    assert answer.status_code == 201, answer.text
    data: dict[str, Any] = answer.json()
    return data


def fire(
    client: TestClient, key: str, event: str, on: str, case: str = "c-oanh", **facts: Any
) -> Any:
    return client.post(
        f"/v1/cases/{case}/events",
        json={"event": event, "on": on, "facts": facts},
        headers=auth(key),
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


class Server:
    """``admission-flow serve`` in a process of its own, on 127.0.0.1."""

    def __init__(self, *args: str) -> None:
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [sys.executable, "-m", "admission_flow", "serve", *args, "--port", str(self.port)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"the server stopped: {self.process.communicate()[0]}")
            try:
                with urllib.request.urlopen(f"{self.base}/openapi.json", timeout=5):
                    return
            except OSError:
                time.sleep(0.2)
        self.stop()
        raise AssertionError("the server did not answer within 60 s")

    def stop(self) -> str:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        return self.process.communicate()[0]


def seeded(folder: Path) -> Path:
    """A register with the units, and c-oanh identified then refused a dossier (event.state)."""
    db = folder / "cases.db"
    with Register.create(db) as kept:
        for node in unit_tree():
            kept.put_unit(node.unit, node.members)
        person = af.Person(
            id="c-oanh",
            name="Võ Thị Kim Oanh",
            born=dt.date(1986, 7, 12),
            education="upper_secondary",
        )
        kept.open("c-oanh", person, unit="kdc-14", procedure="vn-2021")
        kept.fire(
            "c-oanh",
            "identify",
            "cell_committee",
            dt.date(2023, 3, 1),
            source_group="residential_cadre",
        )
        kept.fire("c-oanh", "open_dossier", "cell", dt.date(2023, 3, 2))
    return db
