"""The batch endpoints (customer feedback, usage events) share one body reader: each malformed body is a 400
naming the field, and nothing is stored."""

import pytest

from allaboard.adoption.models import UsageEvent
from allaboard.customers.models import Feedback
from allaboard.org.models import Role

ENDPOINTS = [
    ("/api/v1/usage-events", "events", UsageEvent),
    ("/api/v1/customer-feedback", "records", Feedback),
]


@pytest.mark.parametrize(("url", "field", "model"), ENDPOINTS)
@pytest.mark.parametrize(
    ("body", "bad_field", "reason"),
    [
        ("{not json", "body", "is not valid JSON"),
        ('["a list, not an object"]', "{field}", "is required"),
        ("{}", "{field}", "is required"),
        ('{"{field}": {"one": "item"}}', "{field}", "must be a list"),
    ],
)
def test_a_malformed_batch_is_a_400_naming_the_field(client_for, url, field, model, body, bad_field, reason):
    response = client_for(Role.CHANGE_LEAD).post(
        url, body.replace("{field}", field), content_type="application/json"
    )
    assert response.status_code == 400, response.content
    named = {e["field"]: e["reason"] for e in response.json()["errors"]}
    assert reason in named[bad_field.replace("{field}", field)]
    assert not model.objects.exists()


@pytest.mark.parametrize(("url", "field", "model"), ENDPOINTS)
def test_a_body_declared_over_the_limit_is_refused_before_it_is_read(client_for, url, field, model):
    response = client_for(Role.CHANGE_LEAD).post(
        url, "{}", content_type="application/json", CONTENT_LENGTH=str(10**10)
    )
    assert response.status_code == 400
    assert "is larger than" in response.json()["errors"][0]["reason"]


@pytest.mark.parametrize(("url", "field", "model"), ENDPOINTS)
def test_the_openapi_document_describes_the_batch_body(client, url, field, model):
    operation = client.get("/api/v1/openapi.json").json()["paths"][url]["post"]
    schema = operation["requestBody"]["content"]["application/json"]["schema"]
    assert schema["required"] == [field] and schema["properties"][field]["maxItems"] == 10_000
