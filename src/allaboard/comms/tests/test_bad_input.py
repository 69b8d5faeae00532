"""Bad input, through every comms API route and form that takes any: wrong types, missing fields, unknown
audiences, too-long text, malformed JSON, times in the past. Each answers 400 naming the field and the
reason, and nothing is written (no message, channel, question, delivery or audit entry changes)."""

import json
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from allaboard.comms import services
from allaboard.comms.models import ChatChannel, Delivery, Message, MessageStatus, Question, QuestionStatus
from allaboard.comms.tests.factories import ChatChannelFactory, MessageFactory, QuestionFactory
from allaboard.org.models import ApiToken, AuditEntry

pytestmark = pytest.mark.django_db

LONG = "x" * (services.BODY_MAX + 1)


def _api(client, org, role="change_lead"):
    key = ApiToken.issue(org.users[role], "tests")[1]

    def call(method, path, data=None, raw: str | None = None):
        auth = {"HTTP_AUTHORIZATION": f"Bearer {key}"}
        if method == "get":
            return client.get(f"/api/v1{path}", data or {}, **auth)
        body = raw if raw is not None else json.dumps(data if data is not None else {})
        return getattr(client, method)(f"/api/v1{path}", body, content_type="application/json", **auth)

    return call


def _written():
    """Everything a refused request must leave alone."""
    return (
        list(Message.objects.order_by("pk").values()),
        list(ChatChannel.objects.order_by("pk").values()),
        list(Question.objects.order_by("pk").values()),
        Delivery.objects.count(),
        AuditEntry.objects.count(),
    )


def assert_refused(response, field: str, before) -> None:
    assert response.status_code == 400, response.content
    errors = response.json()["errors"]
    assert errors and all(e["field"] and e["reason"] for e in errors), errors
    assert any(e["field"] == field or e["field"].startswith(f"{field}.") for e in errors), errors
    assert _written() == before


GOOD = {"subject": "Why", "body": "Because.", "channels": ["feed"]}

MESSAGE_CASES = [
    ({"body": "Because.", "channels": ["feed"]}, "subject"),  # missing
    ({"subject": "Why", "channels": ["feed"]}, "body"),
    ({"subject": "Why", "body": "Because."}, "channels"),
    (GOOD | {"subject": 12}, "subject"),  # wrong types
    (GOOD | {"channels": "feed"}, "channels"),
    (GOOD | {"channels": ["pigeon"]}, "channels"),
    (GOOD | {"unit_ids": ["leeds"]}, "unit_ids"),
    (GOOD | {"essential": "perhaps"}, "essential"),
    (GOOD | {"planned_for": "next week"}, "planned_for"),
    (GOOD | {"stage": "someday"}, "stage"),
    (GOOD | {"programme_id": "the desk"}, "programme_id"),
    (GOOD | {"unit_ids": [987654]}, "unit_ids"),  # unknown audiences
    (GOOD | {"role_ids": [987654]}, "role_ids"),
    (GOOD | {"programme_id": 987654}, "programme_id"),
    (GOOD | {"campaign_id": 987654}, "campaign_id"),
    (GOOD | {"subject": "s" * 201}, "subject"),  # too long
    (GOOD | {"body": LONG}, "body"),
    (GOOD | {"why": "w" * (services.WHY_MAX + 1)}, "why"),
    (GOOD | {"subject": ""}, "subject"),  # empty
    (GOOD | {"body": "   "}, "body"),
]


@pytest.mark.parametrize(("payload", "field"), MESSAGE_CASES)
def test_creating_a_message_with_bad_input(client, org, payload, field):
    before = _written()
    assert_refused(_api(client, org)("post", "/comms/messages", payload), field, before)


@pytest.mark.parametrize(("payload", "field"), MESSAGE_CASES[3:])
def test_changing_a_message_with_bad_input(client, org, payload, field):
    message = MessageFactory()
    before = _written()
    patch = {name: value for name, value in payload.items() if name not in GOOD or name == field}
    assert_refused(_api(client, org)("patch", f"/comms/messages/{message.pk}", patch), field, before)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("post", "/comms/messages"),
        ("patch", "/comms/messages/{message}"),
        ("post", "/comms/messages/{message}/send"),
        ("post", "/comms/channels"),
        ("patch", "/comms/channels/{channel}"),
        ("post", "/comms/questions"),
        ("post", "/comms/questions/{question}/answer"),
    ],
)
@pytest.mark.parametrize("raw", ['{"subject": "Why",', "not json at all", "[1, 2", '"just a string"'])
def test_malformed_json_is_a_400_and_writes_nothing(client, org, method, path, raw):
    ids = {
        "message": MessageFactory().pk,
        "channel": ChatChannelFactory().pk,
        "question": QuestionFactory().pk,
    }
    before = _written()
    response = _api(client, org, "admin")(method, path.format(**ids), raw=raw)
    assert response.status_code == 400, response.content
    [error] = response.json()["errors"]
    assert error["field"] == "body" and error["reason"]
    assert _written() == before


def test_a_send_time_in_the_past_is_refused_through_the_api(client, org):
    message = MessageFactory(channels=["feed"])
    before = _written()
    past = (timezone.now() - timedelta(hours=2)).isoformat()
    response = _api(client, org)("post", f"/comms/messages/{message.pk}/send", {"send_at": past})
    assert_refused(response, "send_at", before)
    assert "past" in response.json()["errors"][0]["reason"]
    message.refresh_from_db()
    assert message.status == MessageStatus.DRAFT and message.send_at is None


def test_a_send_time_that_is_not_a_time_is_refused(client, org):
    message = MessageFactory(channels=["feed"])
    before = _written()
    response = _api(client, org)("post", f"/comms/messages/{message.pk}/send", {"send_at": "tomorrow-ish"})
    assert_refused(response, "send_at", before)


def test_the_current_minute_still_counts_as_now(client, org):
    message = MessageFactory(channels=["feed"])
    now = timezone.now() - timedelta(seconds=20)
    response = _api(client, org)("post", f"/comms/messages/{message.pk}/send", {"send_at": now.isoformat()})
    assert response.status_code == 200 and response.json()["status"] == "sent"


CHANNEL = {"kind": "slack", "name": "#leeds", "webhook_url": "https://hooks.slack.com/services/T0/B0/x"}


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"kind": "slack", "name": "#leeds"}, "webhook_url"),
        ({"unit_id": "leeds"}, "unit_id"),
        ({"unit_id": 987654}, "unit_id"),
        ({"kind": "pigeon"}, "kind"),
        ({"name": "n" * 101}, "name"),
        ({"name": ""}, "name"),
        ({"webhook_url": "ftp://files.example/hook"}, "webhook_url"),
        ({"webhook_url": "https://" + "h" * 1000}, "webhook_url"),
        ({"active": "sometimes"}, "active"),
    ],
)
def test_adding_a_chat_channel_with_bad_input(client, org, payload, field):
    body = {"unit_id": org.teams["LDS-T1"].pk, **CHANNEL, **payload}
    if field == "webhook_url" and "webhook_url" not in payload:
        body.pop("webhook_url")
    before = _written()
    assert_refused(_api(client, org, "admin")("post", "/comms/channels", body), field, before)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": 5}, "name"),
        ({"webhook_url": "mailto:team@example.com"}, "webhook_url"),
        ({"active": [1]}, "active"),
    ],
)
def test_changing_a_chat_channel_with_bad_input(client, org, payload, field):
    channel = ChatChannelFactory()
    before = _written()
    assert_refused(
        _api(client, org, "admin")("patch", f"/comms/channels/{channel.pk}", payload), field, before
    )


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "text"),
        ({"text": "Why?"}, "text"),
        ({"text": "q" * 4001}, "text"),
        ({"text": ["Why the desk?"]}, "text"),
        ({"text": "Why the new desk?", "programme_id": 987654}, "programme_id"),
        ({"text": "Why the new desk?", "anonymous": "perhaps"}, "anonymous"),
    ],
)
def test_asking_with_bad_input(client, org, payload, field):
    before = _written()
    assert_refused(_api(client, org, "employee")("post", "/comms/questions", payload), field, before)


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "answer"),
        ({"answer": ""}, "answer"),
        ({"answer": "a" * (services.ANSWER_MAX + 1)}, "answer"),
        ({"answer": 3}, "answer"),
    ],
)
def test_answering_with_bad_input(client, org, payload, field):
    question = QuestionFactory()
    before = _written()
    assert_refused(
        _api(client, org)("post", f"/comms/questions/{question.pk}/answer", payload), field, before
    )


@pytest.mark.parametrize(
    ("path", "field"),
    [
        ("/comms/deliveries?limit=0", "limit"),
        ("/comms/deliveries?limit=many", "limit"),
        ("/comms/deliveries?state=lost", "state"),
        ("/comms/deliveries?channel=pigeon", "channel"),
        ("/comms/messages?status=lost", "status"),
        ("/comms/messages?programme_id=desk", "programme_id"),
        ("/comms/questions?status=lost", "status"),
    ],
)
def test_bad_filters_are_a_400_naming_the_parameter(client, org, path, field):
    before = _written()
    assert_refused(_api(client, org, "admin")("get", path), field, before)


# --- the forms ---------------------------------------------------------------------------------------


def form_refused(response, field: str, before) -> None:
    assert response.status_code == 400
    form = response.context["form"] if field in response.context["form"].fields else None
    errors = form.errors if form is not None else response.context["hide_form"].errors
    assert errors.get(field), errors
    assert 'role="alert"' in response.content.decode()
    assert _written() == before


MESSAGE_FORM = {"stage": "why", "subject": "Why", "body": "Because.", "channels": ["feed"]}


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"subject": ""}, "subject"),
        ({"subject": "s" * 201}, "subject"),
        ({"body": LONG}, "body"),
        ({"why": "w" * (services.WHY_MAX + 1)}, "why"),
        ({"channels": ["pigeon"]}, "channels"),
        ({"channels": []}, "channels"),
        ({"units": ["987654"]}, "units"),
        ({"units": ["leeds"]}, "units"),
        ({"roles": ["987654"]}, "roles"),
        ({"programme": "987654"}, "programme"),
        ({"stage": "someday"}, "stage"),
        ({"planned_for": "next week"}, "planned_for"),
    ],
)
def test_the_message_form_refuses_bad_input(org, client_for, data, field):
    before = _written()
    response = client_for("change_lead").post(reverse("comms:message_new"), MESSAGE_FORM | data)
    form_refused(response, field, before)


def test_a_team_leader_cannot_address_someone_elses_team(org, client_for):
    before = _written()
    response = client_for("team_leader").post(
        reverse("comms:message_new"), MESSAGE_FORM | {"units": [org.teams["GLA-T1"].pk]}
    )
    form_refused(response, "units", before)


@pytest.mark.parametrize(
    ("send_at", "reason"),
    [("yesterday", "Enter a valid date/time"), ("2020-01-01T09:00", "is in the past")],
)
def test_the_send_form_refuses_a_bad_or_past_time(org, client_for, send_at, reason):
    message = MessageFactory(channels=["feed"])
    before = _written()
    response = client_for("change_lead").post(
        reverse("comms:message_send", args=[message.pk]), {"send_at": send_at}
    )
    assert response.status_code == 400
    assert response.context["schedule_form"].errors["send_at"]
    assert reason in response.content.decode()
    assert _written() == before


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"kind": "pigeon"}, "kind"),
        ({"webhook_url": "ftp://files.example/hook"}, "webhook_url"),
        ({"webhook_url": "https://" + "h" * 1000}, "webhook_url"),
        ({"name": ""}, "name"),
        ({"name": "n" * 101}, "name"),
        ({"unit": "987654"}, "unit"),
    ],
)
def test_the_channel_form_refuses_bad_input(org, client_for, data, field):
    base = {"unit": org.teams["LDS-T1"].pk, "kind": "slack", "name": "#leeds"}
    base["webhook_url"] = "https://hooks.slack.com/services/T0/B0/x"
    before = _written()
    response = client_for("admin").post(reverse("comms:channels"), base | data)
    form_refused(response, field, before)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"text": ""}, "text"),
        ({"text": "q" * 4001}, "text"),
        ({"text": "Why the desk?", "programme": "987654"}, "programme"),
    ],
)
def test_the_ask_form_refuses_bad_input(org, client_for, data, field):
    before = _written()
    response = client_for("employee").post(reverse("comms:ask"), data)
    form_refused(response, field, before)


@pytest.mark.parametrize("answer", ["", "   ", "a" * (services.ANSWER_MAX + 1)])
def test_the_answer_form_refuses_bad_input(org, client_for, answer):
    question = QuestionFactory()
    before = _written()
    response = client_for("change_lead").post(
        reverse("comms:question", args=[question.pk]), {"answer": answer}
    )
    form_refused(response, "answer", before)


@pytest.mark.parametrize("reason", ["", "r" * 301])
def test_the_hide_form_refuses_bad_input(org, client_for, reason):
    question = QuestionFactory()
    before = _written()
    response = client_for("admin").post(
        reverse("comms:question_hide", args=[question.pk]), {"reason": reason}
    )
    form_refused(response, "reason", before)
    question.refresh_from_db()
    assert question.status == QuestionStatus.OPEN
