"""The comms API: same rules as the pages, JSON errors for bad input."""

import json

import pytest

from allaboard.comms.models import ChatChannel, Message, Question
from allaboard.comms.tests.factories import (
    ChatChannelFactory,
    MessageFactory,
    QuestionFactory,
    deliver_message,
)
from allaboard.org.models import ApiToken

pytestmark = pytest.mark.django_db


def _api(client, org, role):
    key = ApiToken.issue(org.users[role], "tests")[1]

    def call(method, path, data=None):
        kwargs = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        if method == "get":
            return client.get(f"/api/v1{path}", data or {}, **kwargs)
        return getattr(client, method)(
            f"/api/v1{path}", json.dumps(data or {}), content_type="application/json", **kwargs
        )

    return call


def test_create_send_and_read_reach_through_the_api(client, org, smtp_server):
    api = _api(client, org, "change_lead")
    response = api(
        "post",
        "/comms/messages",
        {
            "subject": "Why",
            "body": "Because.",
            "channels": ["email", "feed"],
            "unit_ids": [org.teams["LDS-T1"].pk],
        },
    )
    assert response.status_code == 201
    message_id = response.json()["id"]
    sent = api("post", f"/comms/messages/{message_id}/send", {})
    assert sent.json()["status"] == "sent" and len(smtp_server.messages) == 6
    reach = api("get", f"/comms/messages/{message_id}/reach").json()
    [team] = reach["teams"]
    assert team["unit_id"] == org.teams["LDS-T1"].pk and team["people"] == 6 and team["delivered"] == 6
    deliveries = api("get", f"/comms/messages/{message_id}/deliveries").json()
    assert {d["channel"] for d in deliveries} == {"email", "feed"} and len(deliveries) == 12


def test_schedule_through_the_api(client, org):
    api = _api(client, org, "change_lead")
    message = MessageFactory()
    response = api("post", f"/comms/messages/{message.pk}/send", {"send_at": "2099-01-05T09:00:00Z"})
    assert response.json()["status"] == "scheduled"
    assert api("post", f"/comms/messages/{message.pk}/unschedule").json()["status"] == "draft"


def test_bad_message_input_is_a_400_naming_the_field(client, org):
    api = _api(client, org, "change_lead")
    response = api("post", "/comms/messages", {"subject": "Why", "body": "x", "channels": ["pigeon"]})
    assert response.status_code == 400 and response.json()["errors"][0]["field"].startswith("channels")
    response = api(
        "post", "/comms/messages", {"subject": "Why", "body": "x", "channels": ["feed"], "unit_ids": [0]}
    )
    assert response.status_code == 400 and response.json()["errors"] == [
        {"field": "unit_ids", "reason": "unknown unit, or not one you may address: 0"}
    ]
    assert not Message.objects.exists()


def test_sending_a_sent_message_again_is_a_400(client, org):
    message = MessageFactory(status="sent")
    response = _api(client, org, "change_lead")("post", f"/comms/messages/{message.pk}/send", {})
    assert response.status_code == 400


def test_acknowledge_is_idempotent(client, org):
    message = MessageFactory(status="sent")
    deliver_message(message, org.people_in("LDS-T1"))
    api = _api(client, org, "employee")
    first = api("post", f"/comms/messages/{message.pk}/acknowledge").json()
    second = api("post", f"/comms/messages/{message.pk}/acknowledge").json()
    assert (
        first["created"] and not second["created"] and first["acknowledged_at"] == second["acknowledged_at"]
    )


def test_my_feed(client, org):
    message = MessageFactory(status="sent", subject="Go-live")
    deliver_message(message, org.people_in("LDS-T1"))
    [item] = _api(client, org, "employee")("get", "/comms/feed").json()
    assert item["subject"] == "Go-live" and item["message_id"] == message.pk and item["unread"]


def test_channels_never_expose_the_webhook_url(client, org):
    api = _api(client, org, "admin")
    response = api(
        "post",
        "/comms/channels",
        {
            "unit_id": org.teams["LDS-T1"].pk,
            "kind": "slack",
            "name": "#lds1",
            "webhook_url": "https://hooks.slack.com/services/T/B/secret123",
        },
    )
    assert response.status_code == 201 and "secret" not in response.json()["webhook"]
    assert "secret123" not in api("get", "/comms/channels").content.decode()
    duplicate = api(
        "post",
        "/comms/channels",
        {
            "unit_id": org.teams["LDS-T1"].pk,
            "kind": "slack",
            "name": "#again",
            "webhook_url": "https://x.example/1",
        },
    )
    assert duplicate.status_code == 400 and ChatChannel.objects.count() == 1


def test_a_non_http_webhook_is_refused(client, org):
    response = _api(client, org, "admin")(
        "post",
        "/comms/channels",
        {
            "unit_id": org.teams["LDS-T1"].pk,
            "kind": "teams",
            "name": "x",
            "webhook_url": "file:///etc/passwd",
        },
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "webhook_url"


def test_channel_update_is_audited_without_the_secret(client, org):
    from allaboard.org.models import AuditEntry

    channel = ChatChannelFactory(unit=org.teams["LDS-T1"])
    _api(client, org, "admin")(
        "patch", f"/comms/channels/{channel.pk}", {"webhook_url": "https://new.example/hook-xyz"}
    )
    entry = AuditEntry.objects.get(action="update", object_id=str(channel.pk))
    assert "hook-xyz" not in json.dumps(entry.changes)


def test_ask_anonymously_returns_a_receipt_and_stores_no_person(client, org):
    response = _api(client, org, "employee")(
        "post", "/comms/questions", {"text": "Is my job safe?", "anonymous": True}
    )
    body = response.json()
    assert response.status_code == 201 and body["receipt"] and body["unit_id"] is None
    assert Question.objects.get().asked_by_id is None


def test_answer_and_search_the_faq(client, org):
    question = QuestionFactory(text="Do we keep our headsets?", programme=None)
    _api(client, org, "team_leader")("post", f"/comms/questions/{question.pk}/answer", {"answer": "Yes."})
    found = _api(client, org, "employee")("get", "/comms/faq", {"q": "headsets"}).json()
    assert [f["question"] for f in found] == ["Do we keep our headsets?"]


def test_plan_the_sequence_through_the_api(client, org):
    from allaboard.programmes.tests.factories import ProgrammeFactory

    programme = ProgrammeFactory()
    steps = _api(client, org, "change_lead")("post", f"/comms/programmes/{programme.pk}/sequence").json()
    assert [s["stage"] for s in steps] == ["announce", "why", "what_changes", "training", "go_live", "wins"]
    assert not any(s["missing"] for s in steps)
