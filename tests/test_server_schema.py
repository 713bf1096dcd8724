"""schemathesis over the service's OpenAPI schema, against a live loopback server: generated
requests to every documented route (at least 200 in all), and no answer may be a 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from translator.server.app import ServerSettings, create_app

# The schema needs no models: build the app without starting it, read its OpenAPI document.
SCHEMA = schemathesis.openapi.from_dict(create_app(ServerSettings(), lambda: {}).openapi())
OPERATIONS = {f"{op.ok().method.upper()} {op.ok().path}": op.ok() for op in SCHEMA.get_all_operations()}
EXAMPLES = 40
SENT: dict[str, list[int]] = {}


@pytest.mark.slow
@pytest.mark.parametrize("label", sorted(OPERATIONS))
def test_no_generated_request_gets_a_server_error(label, live_server):
    operation = OPERATIONS[label]
    codes = SENT.setdefault(label, [])

    @given(case=operation.as_strategy())
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
        database=None,
    )
    def call(case):
        response = case.call(base_url=live_server, timeout=120)
        codes.append(response.status_code)
        assert response.status_code < 500, (case.path, case.body, response.text[:300])

    call()
    assert codes


@pytest.mark.slow
def test_at_least_200_generated_requests_were_sent():
    # Runs after the parametrised test above (pytest keeps the file's order).
    assert len(OPERATIONS) >= 7
    assert sum(len(codes) for codes in SENT.values()) >= 200
