"""The API fuzzed from its own OpenAPI document with Schemathesis (built on Hypothesis).

Schemathesis reads ``/openapi.json``, generates requests for every operation,
valid and invalid, sends them to the application in process, and checks each
answer: its status is documented, its content type and headers are, its body
matches its schema, invalid input is refused with a 4xx. One more check here:
no 5xx but a 503 that says when to retry. The register behind it holds one case
(the one the document's examples name), so reads and fires reach the engine.

Bounded for CI: a few examples per operation, no deadline per example.
"""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from admission_flow.serve import create_app, openapi
from admission_flow.store import Register

from .conftest import CANDIDATE, TODAY, unit_tree


def only_retryable_server_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """No 5xx other than a 503 with Retry-After."""
    status = response.status_code
    if status >= 500:
        assert status == 503, f"{case.method} {case.formatted_path}: {status} {response.text[:300]}"
        assert "retry-after" in {k.lower() for k in response.headers}
    return None


@pytest.fixture
def app(register: Register) -> Any:
    app = create_app(register, no_auth=True, units=unit_tree(), today=lambda: TODAY)
    from starlette.testclient import TestClient

    with TestClient(app) as client:
        opened = client.post("/v1/cases", json={"unit": "kdc-14", "candidate": CANDIDATE})
        assert opened.status_code == 201
        fired = client.post(
            "/v1/cases/c-oanh/events",
            json={
                "event": "identify",
                "on": "2023-03-01",
                "by": "cell_committee",
                "facts": {"source_group": "residential_cadre"},
            },
        )
        assert fired.status_code == 200
    return app


# Loaded from the document the package builds: the same one /openapi.json serves.
schema = schemathesis.openapi.from_dict(openapi())


@schema.parametrize()
@settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    suppress_health_check=list(HealthCheck),
)
def test_every_answer_matches_the_document(app: Any, case: Any) -> None:
    """Generated requests, valid and not: documented statuses, bodies as their schemas say."""
    case.call_and_validate(
        app=app,
        checks=[
            status_code_conformance,
            content_type_conformance,
            response_headers_conformance,
            response_schema_conformance,
            negative_data_rejection,
            only_retryable_server_errors,
        ],
    )
