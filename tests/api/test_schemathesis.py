"""Acceptance: a Schemathesis run over the OpenAPI document finds no server error and no answer that
breaks the schema. Bounded: a fixed number of generated requests per operation and mode, no deadline.

Every operation of the document is exercised, with a valid token carrying every scope and an
applicant's login session, so the token and session operations answer with data, not only 401.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.generation.modes import GenerationMode
from schemathesis.specs.openapi.checks import response_schema_conformance

EXAMPLES_PER_OPERATION = 12
CHECKS = [not_a_server_error, response_schema_conformance]


@pytest.mark.slow
def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_schema(
        app, client, login, published_round, submitted_item, make_token):
    published_round("jiashan")
    item = submitted_item("jiashan")
    _id, token = make_token("jiashan")
    login(client, item["person"])
    session_cookie = client.get_cookie("session").value
    app.config["PROPAGATE_EXCEPTIONS"] = False  # an exception must surface as the 500 the check looks for

    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    declared = [r for r in app.url_map.iter_rules() if getattr(app.view_functions[r.endpoint], "jifen_api", None)]
    assert len(operations) == len(declared) >= 17  # the document holds every declared operation
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            strategy = operation.as_strategy(generation_mode=mode)

            @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck), print_blob=False)
            @given(case=strategy)
            def exercise(case):
                headers = {"Authorization": f"Bearer {token}"}
                if "Authorization" in (case.headers or {}):
                    headers = {}
                response = case.call(headers=headers, cookies={"session": session_cookie})
                case.validate_response(response, checks=CHECKS)

            exercise()
