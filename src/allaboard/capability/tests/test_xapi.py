"""xAPI 1.0.3 statements at POST /api/v1/xapi/statements, shaped as the specification shows them."""

import json
import uuid
from datetime import UTC
from decimal import Decimal

import pytest

from allaboard.capability.models import Enrolment, EnrolmentStatus, FormalTraining, XapiStatement
from allaboard.capability.xapi import parse_duration
from allaboard.org.models import AuditEntry, Role

from .factories import FormalCourseFactory

pytestmark = pytest.mark.django_db

URL = "/api/v1/xapi/statements"
COURSE_IRI = "http://lms.example.com/xapi/activities/leading-change"
COMPLETED = "http://adlnet.gov/expapi/verbs/completed"


@pytest.fixture
def course(db):
    return FormalCourseFactory(xapi_activity_id=COURSE_IRI, duration_hours=Decimal("7"))


@pytest.fixture
def agent(org):
    return org.users[Role.EMPLOYEE].person


def statement(agent, verb="completed", **extra):
    """A statement in the shape of the xAPI 1.0.3 specification's examples."""
    body = {
        "id": str(uuid.uuid4()),
        "actor": {"objectType": "Agent", "name": agent.full_name, "mbox": f"mailto:{agent.email}"},
        "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
        "object": {
            "id": COURSE_IRI,
            "objectType": "Activity",
            "definition": {
                "name": {"en-US": "Leading change"},
                "type": "http://adlnet.gov/expapi/activities/course",
            },
        },
        "timestamp": "2026-01-15T10:30:00+00:00",
    }
    body.update(extra)
    return body


def post(client_for, body, role="admin"):
    return client_for(role).post(URL, json.dumps(body), content_type="application/json")


def test_a_completed_statement_records_a_completion(client_for, course, agent):
    body = statement(
        agent, result={"completion": True, "success": True, "score": {"scaled": 0.95}, "duration": "PT1H30M"}
    )
    response = post(client_for, body)
    assert response.status_code == 200, response.content
    assert response.json() == {"ids": [body["id"]], "stored": 1, "skipped": 0}
    enrolment = Enrolment.objects.get(person=agent)
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert str(enrolment.completed_on) == "2026-01-15"
    assert enrolment.hours_attended == Decimal("1.50")
    assert enrolment.score == Decimal("95.00")
    assert FormalTraining.objects.get(person=agent).first_completed_on == enrolment.completed_on
    assert AuditEntry.objects.filter(action="xapi_ingest").exists()


def test_a_list_with_an_account_actor_and_a_raw_score(client_for, course, agent):
    body = statement(agent, result={"score": {"raw": 42, "min": 0, "max": 60}})
    body["actor"] = {
        "objectType": "Agent",
        "account": {"homePage": "https://lms.example.com", "name": agent.employee_id},
    }
    response = post(client_for, [body])
    assert response.status_code == 200, response.content
    enrolment = Enrolment.objects.get(person=agent)
    assert enrolment.score == Decimal("70.00")
    assert enrolment.hours_attended == Decimal("7.00")  # no time recorded: the course's duration


def test_sending_the_same_statements_again_changes_nothing(client_for, course, agent):
    body = [statement(agent, "attended", result={"duration": "PT2H"}), statement(agent)]
    assert post(client_for, body).status_code == 200
    again = post(client_for, body)
    assert again.json()["stored"] == 0 and again.json()["skipped"] == 2
    assert Enrolment.objects.count() == 1
    assert XapiStatement.objects.count() == 2


def test_a_statement_without_an_id_is_still_idempotent(client_for, course, agent):
    body = statement(agent)
    del body["id"]
    first = post(client_for, body).json()
    second = post(client_for, body).json()
    assert first["ids"] == second["ids"] and second["skipped"] == 1
    assert Enrolment.objects.count() == 1


def test_one_bad_statement_stores_nothing_and_is_named(client_for, course, agent):
    good = statement(agent)
    bad = statement(agent)
    bad["verb"]["id"] = "http://adlnet.gov/expapi/verbs/experienced"
    response = post(client_for, [good, bad])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "statements[1].verb.id"
    assert not Enrolment.objects.exists() and not XapiStatement.objects.exists()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda s: s["actor"].update(mbox="someone@example.com"), "actor.mbox"),
        (lambda s: s["actor"].update(mbox="mailto:nobody@example.com"), "actor.mbox"),
        (lambda s: s.update(actor={"objectType": "Group", "member": []}), "actor.objectType"),
        (lambda s: s["object"].update(id="http://lms.example.com/unknown"), "object.id"),
        (lambda s: s.update(id="not-a-uuid"), "id"),
        (lambda s: s.update(result={"duration": "1 hour"}), "result.duration"),
        (lambda s: s.update(result={"score": {"scaled": 1.5}}), "result.score.scaled"),
        (lambda s: s.update(result={"score": {"raw": 5, "min": 10, "max": 20}}), "result.score.raw"),
        (lambda s: s.update(timestamp="yesterday"), "timestamp"),
        (lambda s: s.update(timestamp="2999-01-01T00:00:00Z"), "timestamp"),
    ],
)
def test_validation_errors_name_the_field(client_for, course, agent, change, field):
    body = statement(agent)
    change(body)
    response = post(client_for, body)
    assert response.status_code == 400, response.content
    assert response.json()["errors"][0]["field"] == field
    assert not XapiStatement.objects.exists()


def test_not_json_or_not_a_statement_is_a_400(client_for, course):
    assert client_for("admin").post(URL, "nonsense", content_type="application/json").status_code == 400
    assert post(client_for, ["nonsense"]).status_code == 400


def test_attended_then_completed_is_one_attempt_and_completed_plus_passed_too(client_for, course, agent):
    attended = statement(agent, "attended", result={"duration": "PT3H"}, timestamp="2026-01-10T09:00:00Z")
    completed = statement(agent, "completed", timestamp="2026-01-11T16:00:00Z")
    passed = statement(agent, "passed", result={"score": {"scaled": 0.8}}, timestamp="2026-01-11T16:00:01Z")
    assert (
        post(client_for, [passed, attended, completed]).status_code == 200
    )  # order in the batch does not matter
    enrolment = Enrolment.objects.get()
    assert enrolment.status == EnrolmentStatus.COMPLETED
    assert enrolment.hours_attended == Decimal("3.00")
    assert enrolment.score == Decimal("80.00")
    assert enrolment.statements.count() == 3


def test_a_later_completion_is_a_repeat_attempt(client_for, course, agent):
    post(client_for, statement(agent, timestamp="2025-03-01T10:00:00Z"))
    post(client_for, statement(agent, timestamp="2026-01-11T10:00:00Z"))
    assert Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED).count() == 2
    assert str(FormalTraining.objects.get(person=agent).first_completed_on) == "2025-03-01"


def test_a_failed_statement_does_not_count_as_trained(client_for, course, agent):
    post(client_for, statement(agent, "failed", result={"score": {"scaled": 0.3}, "success": False}))
    assert Enrolment.objects.get().status == EnrolmentStatus.FAILED
    assert not FormalTraining.objects.exists()


def test_only_admin_tokens_may_send_statements(client_for, course, agent):
    assert post(client_for, statement(agent), role="change_lead").status_code == 403
    assert not XapiStatement.objects.exists()


@pytest.mark.parametrize(
    ("text", "hours"),
    [
        ("PT1H30M", 1.5),
        ("PT01H30M00S", 1.5),
        ("PT45M", 0.75),
        ("PT90S", 0.025),
        ("P1DT2H", 26),
        ("PT0.5H", 0.5),
        ("P1W", 168),
    ],
)
def test_iso_8601_durations(text, hours):
    assert parse_duration(text) == pytest.approx(hours)


@pytest.mark.parametrize("text", ["PT", "P", "1H", "PT1X", "P1M", "P1Y", "PT-1H", ""])
def test_bad_durations_are_refused(text):
    with pytest.raises(ValueError):
        parse_duration(text)


def test_statements_built_with_the_tincan_client(client_for, course, agent):
    tincan = pytest.importorskip("tincan")
    from datetime import datetime, timedelta

    made = tincan.Statement(
        id=uuid.uuid4(),
        actor=tincan.Agent(name=agent.full_name, mbox=f"mailto:{agent.email}"),
        verb=tincan.Verb(id=COMPLETED, display=tincan.LanguageMap({"en-US": "completed"})),
        object=tincan.Activity(id=COURSE_IRI),
        result=tincan.Result(
            score=tincan.Score(raw=18, min=0, max=20),
            duration=timedelta(hours=2, minutes=15),
            completion=True,
        ),
        timestamp=datetime(2026, 1, 12, 9, 0, tzinfo=UTC),
    )
    by_account = tincan.Statement(
        actor=tincan.Agent(
            account=tincan.AgentAccount(home_page="https://lms.example.com", name=agent.employee_id)
        ),
        verb=tincan.Verb(id="http://adlnet.gov/expapi/verbs/attended"),
        object=tincan.Activity(id=COURSE_IRI),
        result=tincan.Result(duration=timedelta(minutes=30)),
        timestamp=datetime(2026, 1, 20, 9, 0, tzinfo=UTC),
    )
    body = f"[{made.to_json()}, {by_account.to_json()}]"
    response = client_for("admin").post(URL, body, content_type="application/json")
    assert response.status_code == 200, response.content
    first, second = Enrolment.objects.order_by("enrolled_on")
    assert first.status == EnrolmentStatus.COMPLETED and first.hours_attended == Decimal("2.25")
    assert first.score == Decimal("90.00")
    assert second.status == EnrolmentStatus.ATTENDED and second.hours_attended == Decimal("0.50")


def test_an_lms_sends_statements_with_an_admin_api_token(org, course, agent):
    from django.test import Client

    from allaboard.org.models import ApiToken

    _token, key = ApiToken.issue(org.users[Role.ADMIN], "LMS forwarding")
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        URL,
        json.dumps([statement(agent)]),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {key}",
    )
    assert response.status_code == 200, response.content
    assert Enrolment.objects.filter(person=agent, status=EnrolmentStatus.COMPLETED).exists()
