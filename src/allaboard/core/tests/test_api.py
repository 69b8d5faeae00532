"""The API's contract: OpenAPI and docs, token authentication, and clear JSON errors — never a 500 for bad input."""

import json

import pytest

from allaboard.org.models import ApiToken, Role


@pytest.fixture
def token(org):
    return ApiToken.issue(org.users[Role.CHANGE_LEAD], "tests")[1]


def auth(key):
    return {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def test_openapi_document_and_interactive_docs_are_served(client, org):
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["info"]["title"] == "All Aboard API"
    assert "/api/v1/people" in schema["paths"]
    client.force_login(org.users[Role.CHANGE_LEAD])
    assert client.get("/api/v1/docs").status_code == 200


def test_no_token_is_401_with_a_json_reason(client, org):
    response = client.get("/api/v1/people")
    assert response.status_code == 401 and "token" in response.json()["detail"]


def test_a_wrong_token_is_401(client, org):
    assert client.get("/api/v1/people", **auth("aa_not-a-real-token")).status_code == 401


def test_the_x_api_key_header_works_too(client, org, token):
    assert client.get("/api/v1/me", HTTP_X_API_KEY=token).json()["role"] == Role.CHANGE_LEAD


def test_a_token_of_a_deactivated_user_stops_working(client, org, token):
    org.users[Role.CHANGE_LEAD].is_active = False
    org.users[Role.CHANGE_LEAD].save()
    assert client.get("/api/v1/me", **auth(token)).status_code == 401


def test_tokens_are_stored_hashed(org, token):
    assert not ApiToken.objects.filter(key_hash=token).exists()
    assert ApiToken.objects.filter(key_hash=ApiToken.hash_key(token)).exists()


def test_unknown_object_is_404_json(client, org, token):
    response = client.get("/api/v1/people/999999", **auth(token))
    assert response.status_code == 404 and response.json() == {"detail": "Not found."}


def test_forbidden_is_403_json(client, org):
    key = ApiToken.issue(org.users[Role.EMPLOYEE], "t")[1]
    response = client.post(
        "/api/v1/programmes", json.dumps({"name": "X"}), content_type="application/json", **auth(key)
    )
    assert response.status_code == 403 and "change leads" in response.json()["detail"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "X", "status": "exploded"}, "status"),
        ({"name": "X", "start_date": "not a date"}, "start_date"),
        ({"name": "X", "impacts": [{"unit_id": 1, "what_changes": "x", "systems": 9}]}, "impacts.0.systems"),
        ({"name": "X", "start_date": "2026-05-01", "end_date": "2026-01-01"}, "end_date"),
        ({"name": "X", "sponsor_ids": [987654]}, "sponsor_ids"),
    ],
)
def test_bad_input_is_400_naming_the_field(client, org, token, body, field):
    response = client.post(
        "/api/v1/programmes", json.dumps(body), content_type="application/json", **auth(token)
    )
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert any(e["field"] == field for e in errors), errors
    assert all(e["reason"] for e in errors)


def test_malformed_json_is_400_not_500(client, org, token):
    response = client.post("/api/v1/programmes", "{not json", content_type="application/json", **auth(token))
    assert response.status_code == 400


def test_wrong_type_in_query_is_400(client, org, token):
    response = client.get("/api/v1/people?unit_id=abc", **auth(token))
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "unit_id"


def test_import_through_the_api_reports_bad_rows(client, org):
    key = ApiToken.issue(org.users[Role.ADMIN], "t")[1]
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.csv", b"employee_id,given_name,family_name,team\nN1,A,B,NOPE\n")
    response = client.post("/api/v1/imports/people", {"file": upload}, **auth(key))
    assert response.status_code == 400
    assert response.json()["errors"][0] == {"line": 2, "column": "team", "reason": "unknown unit code 'NOPE'"}
