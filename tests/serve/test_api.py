"""The HTTP API as a system in another language drives it: open, fire, retry, list, due.

Every answer here is also checked against the OpenAPI document (``CheckedClient``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from starlette.testclient import TestClient

from admission_flow.exceptions import UnavailableError
from admission_flow.store import Register

from .conftest import CANDIDATE, ROOT, auth, fire, open_case

#: The standard route to the cell's vote, each event with who fires it (no keys: ``by``),
#: as a client in another language sends it (examples/lien-chieu/http-route.json).
ROUTE: list[tuple[str, str, Any, dict[str, Any]]] = [
    (body["event"], body["on"], body["by"], body["facts"])
    for body in json.loads(
        (ROOT / "examples" / "lien-chieu" / "http-route.json").read_text("utf-8")
    )
]


def drive(client: TestClient, case: str = "c-oanh", steps: int = len(ROUTE)) -> None:
    """Fire the first ``steps`` events of the route on an open case, without keys."""
    for event, on, by, facts in ROUTE[:steps]:
        answer = client.post(
            f"/v1/cases/{case}/events", json={"event": event, "on": on, "by": by, "facts": facts}
        )
        assert answer.status_code == 200, answer.text
        assert answer.json()["accepted"], answer.text


def versions(register: Register, case: str = "c-oanh") -> int:
    return len(register.history(case))


# -- opening -------------------------------------------------------------------------------


def test_a_clerk_opens_a_case_by_unit_id(client: TestClient) -> None:
    """201, the stored case with its ETag and Location; the unit is the register's."""
    answer = client.post(
        "/v1/cases",
        json={"unit": "kdc-14", "candidate": CANDIDATE, "on": "2023-03-01"},
        headers=auth("clerk-14"),
    )
    assert answer.status_code == 201
    assert answer.headers["etag"] == '"0"'
    assert answer.headers["location"] == "/v1/cases/c-oanh"
    body = answer.json()
    assert body["unit"]["id"] == "kdc-14"
    assert body["unit"]["official_members"] == 29
    assert body["candidate"]["name"] == "Võ Thị Kim Oanh"
    assert body["version"] == 0


@pytest.mark.parametrize(
    ("key", "unit", "status", "code"),
    [
        ("cell-14", "kdc-14", 403, "forbidden"),  # a cell does not open cases (identify)
        ("clerk-15", "kdc-14", 403, "forbidden"),  # reads kdc-14, does not act on it
        ("clerk-14", "kdc-15", 403, "forbidden"),
        ("district", "kdc-14", 403, "forbidden"),  # every unit, but it does not open cases
    ],
)
def test_opening_out_of_scope_or_in_an_unknown_unit_is_refused(
    client: TestClient, register: Register, key: str, unit: str, status: int, code: str
) -> None:
    """The key's role and units decide; nothing is written."""
    answer = client.post(
        "/v1/cases", json={"unit": unit, "candidate": CANDIDATE}, headers=auth(key)
    )
    assert (answer.status_code, answer.json()["code"]) == (status, code)
    assert register.case_ids() == []


def test_opening_in_an_unknown_unit_is_a_404(open_client: TestClient, register: Register) -> None:
    answer = open_client.post("/v1/cases", json={"unit": "kdc-99", "candidate": CANDIDATE})
    assert (answer.status_code, answer.json()["code"]) == (404, "unknown_unit")
    assert register.case_ids() == []


def test_opening_the_same_case_twice_is_a_409(client: TestClient) -> None:
    open_case(client)
    answer = client.post(
        "/v1/cases", json={"unit": "kdc-14", "candidate": CANDIDATE}, headers=auth("clerk-14")
    )
    assert (answer.status_code, answer.json()["code"]) == (409, "duplicate")


# -- firing --------------------------------------------------------------------------------


def test_a_refused_step_is_a_200_with_its_violations_and_article(client: TestClient) -> None:
    """Refusals are data: accepted false, the rule id, both languages, the article; kept in history."""
    open_case(client)
    assert fire(
        client, "clerk-14", "identify", "2023-03-01", source_group="residential_cadre"
    ).json()["accepted"]
    answer = fire(client, "cell-14", "open_dossier", "2023-03-11")
    assert answer.status_code == 200
    body = answer.json()
    assert body["accepted"] is False
    assert body["state"] == "identified"
    (violation,) = body["step"]["violations"]
    assert violation["rule"] == "event.state"
    assert set(violation["message"]) == {"vi", "en"}
    history = client.get("/v1/cases/c-oanh/history", headers=auth("cell-14")).json()["history"]
    assert [(e["event"], e["accepted"]) for e in history] == [
        ("identify", True),
        ("open_dossier", False),
    ]


def test_a_retry_with_the_same_idempotency_key_writes_nothing_again(
    client: TestClient, register: Register
) -> None:
    """The second call answers the recorded step (replayed) and the history does not grow."""
    open_case(client)
    call = {"event": "identify", "on": "2023-03-01", "facts": {"source_group": "residential_cadre"}}
    headers = auth("clerk-14") | {"Idempotency-Key": "req-1"}
    first = client.post("/v1/cases/c-oanh/events", json=call, headers=headers)
    again = client.post("/v1/cases/c-oanh/events", json=call, headers=headers)
    assert (first.status_code, again.status_code) == (200, 200)
    assert first.json()["replayed"] is False
    assert again.json()["replayed"] is True
    assert again.json()["seq"] == first.json()["seq"] == 1
    assert versions(register) == 1
    other = client.post(
        "/v1/cases/c-oanh/events", json={**call, "on": "2023-03-02"}, headers=headers
    )
    assert (other.status_code, other.json()["code"]) == (422, "request_reused")
    assert versions(register) == 1


def test_if_match_a_moved_version_is_412_and_the_current_one_fires(
    client: TestClient, register: Register
) -> None:
    open_case(client)
    call = {"event": "identify", "on": "2023-03-01", "facts": {"source_group": "residential_cadre"}}
    stale = client.post(
        "/v1/cases/c-oanh/events", json=call, headers=auth("clerk-14") | {"If-Match": '"3"'}
    )
    assert (stale.status_code, stale.json()["code"]) == (412, "conflict")
    assert stale.json()["expected"] == 3
    assert versions(register) == 0
    current = client.post(
        "/v1/cases/c-oanh/events", json=call, headers=auth("clerk-14") | {"If-Match": '"0"'}
    )
    assert current.status_code == 200
    assert current.headers["etag"] == '"1"'


@pytest.mark.parametrize(
    ("key", "event", "facts", "by"),
    [
        ("clerk-14", "assign_mentor", {"mentor": "m-kdc14-01"}, None),  # the cell's event
        ("clerk-15", "identify", {"source_group": "residential_cadre"}, None),  # another unit
        ("cell-14", "assign_mentor", {"mentor": "m-kdc14-01"}, "competent_committee"),
        ("mentor-14", "identify", {"source_group": "residential_cadre"}, None),
    ],
)
def test_a_key_cannot_fire_outside_its_role_or_units(
    client: TestClient,
    register: Register,
    key: str,
    event: str,
    facts: dict[str, Any],
    by: str | None,
) -> None:
    """403, and nothing is written."""
    open_case(client)
    body: dict[str, Any] = {"event": event, "on": "2023-03-01", "facts": facts}
    if by is not None:
        body["by"] = by
    answer = client.post("/v1/cases/c-oanh/events", json=body, headers=auth(key))
    assert (answer.status_code, answer.json()["code"]) == (403, "forbidden")
    assert versions(register) == 0


def test_a_member_key_acts_in_person(open_client: TestClient, client: TestClient) -> None:
    """The mentor's key introduces as member m-kdc14-01, not as any member."""
    open_case(client)
    drive(open_client, steps=7)
    answer = fire(client, "mentor-14", "introduce", "2023-08-01", known_since="2010-01-01")
    assert answer.status_code == 200, answer.text
    assert answer.json()["step"]["by"] == {"role": "member", "id": "m-kdc14-01"}


# -- bad input ------------------------------------------------------------------------------

BIG = "x" * (64 * 1024)


@pytest.mark.parametrize(
    ("content", "headers", "status", "code", "field"),
    [
        (b"{not json", {}, 400, "bad_body", "body"),
        (b'{"event": "identify", "event": "x"}', {}, 400, "bad_body", "body"),
        (b"[1, 2]", {}, 422, "bad_input", "body"),
        (b'{"event": "identify", "on": "2023-03-01", "colour": 1}', {}, 422, "bad_input", "colour"),
        (b'{"event": "identfy", "on": "2023-03-01"}', {}, 422, "unknown_event", "event"),
        (b'{"event": "identify", "on": "01/03/2023"}', {}, 422, "bad_input", "on"),
        (b'{"event": "identify", "on": "20230301"}', {}, 422, "bad_input", "on"),
        (b'{"event": "identify", "on": "2023-02-30"}', {}, 422, "bad_input", "on"),
        (
            b'{"event": "identify", "on": "2023-03-01", "facts": {"source_grup": "x"}}',
            {},
            422,
            "bad_fact",
            "source_grup",
        ),
        (b'{"event": "identify", "on": "2023-03-01", "facts": []}', {}, 422, "bad_input", "facts"),
        (b"{}", {"Content-Type": "text/plain"}, 415, "unsupported_media_type", "Content-Type"),
        (('{"event": "' + BIG + '"}').encode(), {}, 413, "too_large", "body"),
        (
            b'{"event": "identify", "on": "2023-03-01"}',
            {"Idempotency-Key": "has space"},
            422,
            "bad_input",
            "Idempotency-Key",
        ),
        (
            b'{"event": "identify", "on": "2023-03-01"}',
            {"If-Match": "v3"},
            422,
            "bad_input",
            "If-Match",
        ),
    ],
)
def test_bad_input_is_a_json_error_naming_its_field_and_writes_nothing(
    client: TestClient,
    register: Register,
    content: bytes,
    headers: dict[str, str],
    status: int,
    code: str,
    field: str,
) -> None:
    open_case(client)
    sent = {"Content-Type": "application/json"} | headers | auth("clerk-14")
    answer = client.post("/v1/cases/c-oanh/events", content=content, headers=sent)
    body = answer.json()
    assert (answer.status_code, body["code"], body.get("field")) == (status, code, field)
    assert "Traceback" not in answer.text
    assert versions(register) == 0


@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Bearer not-a-key"}, {"Authorization": "Basic !!"}],
    ids=["none", "unknown", "garbled"],
)
def test_no_endpoint_answers_without_a_known_key(
    client: TestClient, register: Register, headers: dict[str, str]
) -> None:
    """401 with a challenge, everywhere but the OpenAPI document; nothing written."""
    for method, path in [
        ("GET", "/v1/health"),
        ("GET", "/v1/cases"),
        ("POST", "/v1/cases"),
        ("GET", "/v1/cases/c-oanh"),
        ("GET", "/v1/due"),
        ("GET", "/v1/verify"),
        ("GET", "/ui/units/kdc-14"),
    ]:
        answer = client.request(
            method, path, headers=headers, json={"unit": "kdc-14", "candidate": CANDIDATE}
        )
        assert (answer.status_code, answer.json()["code"]) == (401, "unauthorized"), path
        assert "www-authenticate" in answer.headers
    assert register.case_ids() == []
    assert client.get("/openapi.json").status_code == 200


def test_messages_follow_accept_language(client: TestClient) -> None:
    """Vietnamese by default; English when asked first."""
    vi = client.get("/v1/cases/c-nobody", headers=auth("district"))
    en = client.get(
        "/v1/cases/c-nobody", headers=auth("district") | {"Accept-Language": "en-GB,vi;q=0.5"}
    )
    assert (vi.status_code, en.status_code) == (404, 404)
    assert (vi.json()["lang"], vi.json()["summary"]) == ("vi", "Không có hồ sơ này")
    assert (en.json()["lang"], en.json()["summary"]) == ("en", "No such case")
    assert en.headers["content-language"] == "en"
    denied = client.get("/v1/verify", headers=auth("clerk-14") | {"Accept-Language": "en"})
    assert denied.json()["message"].startswith("key 'clerk-14' does not cover every unit")


def test_an_unavailable_database_is_a_503_with_retry_after(
    client: TestClient, register: Register, monkeypatch: pytest.MonkeyPatch
) -> None:
    def away(*args: Any, **kwargs: Any) -> Any:
        raise UnavailableError("postgresql:cases: the database is unavailable; retry later")

    monkeypatch.setattr(register, "find", away)
    answer = client.get("/v1/health", headers=auth("district"))
    assert (answer.status_code, answer.json()["code"]) == (503, "unavailable")
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["retryable"] is True


# -- reading and listing ----------------------------------------------------------------------


def test_reading_across_units_is_forbidden_and_read_keys_may_read(client: TestClient) -> None:
    open_case(client)
    assert client.get("/v1/cases/c-oanh", headers=auth("clerk-15")).status_code == 200
    assert client.get("/v1/cases/c-oanh", headers=auth("cell-14")).status_code == 200
    assert client.get("/v1/cases?unit=kdc-15", headers=auth("cell-14")).status_code == 403


def test_the_case_list_pages_by_id_within_the_key_units(client: TestClient) -> None:
    """limit and after walk the list; a kdc-14 key never sees another unit's case."""
    for n in range(5):
        open_case(client, id=f"c-{n}", candidate=CANDIDATE | {"id": f"p-{n}"})
    other = {"unit": "kdc-15", "candidate": CANDIDATE | {"id": "p-15"}, "id": "c-15"}
    assert client.post("/v1/cases", json=other, headers=auth("clerk-15")).status_code == 201
    seen: list[str] = []
    after = None
    while True:
        query = "limit=2" + (f"&after={after}" if after else "")
        page = client.get(f"/v1/cases?{query}", headers=auth("cell-14")).json()
        seen += [c["id"] for c in page["cases"]]
        after = page["next"]
        if after is None:
            break
    assert seen == ["c-0", "c-1", "c-2", "c-3", "c-4"]
    both = client.get("/v1/cases", headers=auth("clerk-15")).json()["cases"]
    assert [c["id"] for c in both] == ["c-0", "c-1", "c-15", "c-2", "c-3", "c-4"]
    everything = client.get("/v1/cases?limit=3", headers=auth("district")).json()
    assert [c["id"] for c in everything["cases"]] == ["c-0", "c-1", "c-15"]
    assert everything["next"] == "c-15"


def test_due_and_overdue_around_the_decision_deadline(
    client: TestClient, open_client: TestClient
) -> None:
    """decision_due is 2023-11-09 (60 working days after the vote): due that day, not the day before."""
    open_case(client)
    drive(open_client)

    def due(on: str) -> list[Any]:
        cases: list[Any] = client.get(f"/v1/due?on={on}", headers=auth("cell-14")).json()["cases"]
        return cases

    assert due("2023-11-08") == []
    (on_the_day,) = due("2023-11-09")
    assert (on_the_day["next_due"], on_the_day["overdue"]) == ("2023-11-09", False)
    assert due("2023-11-10")[0]["overdue"] is True

    def overdue(on: str) -> list[str]:
        page = client.get(f"/v1/cases?overdue_on={on}", headers=auth("cell-14")).json()
        return [c["id"] for c in page["cases"]]

    assert overdue("2023-11-09") == []
    assert overdue("2023-11-10") == ["c-oanh"]
    deadlines = client.get("/v1/cases/c-oanh/deadlines", headers=auth("cell-14")).json()
    (decision,) = deadlines["deadlines"]
    assert (decision["name"], decision["due"], decision["pending"]) == (
        "decision_due",
        "2023-11-09",
        True,
    )
    assert "60" in decision["basis"]["vi"]


def test_available_lists_what_the_key_may_fire(client: TestClient, open_client: TestClient) -> None:
    """After the cell's vote the district may reject or return the dossier (revision 3), and
    may not decide before the committee's vote."""
    open_case(client)
    drive(open_client)
    mine = client.get("/v1/cases/c-oanh/available?on=2023-09-20", headers=auth("district")).json()
    assert mine["by"] == "competent_committee"
    options = {o["event"]: o for o in mine["options"]}
    assert set(options) == {"decide_admission", "reject", "return_dossier"}
    decide = options["decide_admission"]
    assert decide["allowed"] is False
    assert [(v["rule"], v["source"]) for v in decide["violations"]] == [
        ("vote.committee_voted", "HD 01-HD/TW §3.6")
    ]
    assert decide["needs"] == ["decision_date"]
    assert options["reject"]["allowed"] is True
    assert options["return_dossier"]["allowed"] is True
    denied = client.get("/v1/cases/c-oanh/available?by=cell", headers=auth("district"))
    assert denied.status_code == 403


def test_verify_needs_a_key_of_every_unit(client: TestClient) -> None:
    open_case(client)
    assert client.get("/v1/verify", headers=auth("clerk-14")).status_code == 403
    body = client.get("/v1/verify", headers=auth("district")).json()
    assert body == {"ok": True, "cases": 1, "breaks": []}


def test_the_unit_report_as_json_and_html(client: TestClient, open_client: TestClient) -> None:
    """The report of kdc-14 counts its case, as of the date asked; the page is the report's."""
    open_case(client)
    drive(open_client)
    made = client.get("/v1/units/kdc-14/report?as_of=2023-09-01", headers=auth("cell-14")).json()
    assert [u["unit"] for u in made["units"]] == ["kdc-14"]
    assert made["units"][0]["cases"] == 1
    assert made["file"] == "units.yaml"  # never the server's folder
    page = client.get("/v1/units/kdc-14/report.html", headers=auth("cell-14"))
    assert page.status_code == 200
    assert "Báo cáo tạo nguồn" in page.text
    assert client.get("/v1/units/kdc-15/report", headers=auth("cell-14")).status_code == 403


def test_the_report_needs_the_unit_file(register: Register) -> None:
    from admission_flow.serve import create_app

    app = create_app(register, no_auth=True)
    with TestClient(app) as bare:
        answer = bare.get("/v1/units/kdc-14/report")
    assert (answer.status_code, answer.json()["code"]) == (404, "no_unit_file")
