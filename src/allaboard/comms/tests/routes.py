from allaboard.comms.models import DeliveryState, Question
from allaboard.comms.services import receipt_hash
from allaboard.core.tests.routes import ALL_ROLES, LEADERS, Route
from allaboard.org.models import Role
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import ChatChannelFactory, DeliveryFactory, MessageFactory, QuestionFactory, deliver_message

RUNS_COMMS = frozenset({Role.ADMIN, Role.CHANGE_LEAD})
# Recipients of a message: every role whose login is a person (the test admin is an integrator login).
RECIPIENTS = frozenset({Role.CHANGE_LEAD, Role.TEAM_LEADER, Role.SPONSOR, Role.EMPLOYEE})


def _message(org):
    return {"pk": MessageFactory().pk}


def _message_id(org):
    return {"message_id": MessageFactory().pk}


def _received(org) -> int:
    message = MessageFactory(status="sent")
    deliver_message(message, [u.person for u in org.users.values() if u.person_id])
    return message.pk


def _dead_delivery(org):
    return DeliveryFactory(state=DeliveryState.DEAD, last_error="HTTP 404").pk


def _channel(org):
    return ChatChannelFactory(unit=org.teams["LDS-T1"]).pk


def _question(org):
    return QuestionFactory().pk


def _receipt(org):
    token = "route-test-receipt"
    Question.objects.create(text="Is my job safe?", anonymous=True, receipt_hash=receipt_hash(token))
    return {"token": token}


def _new_message(org):
    return {
        "subject": "Why we change",
        "body": "Because customers repeat themselves.",
        "channels": ["feed"],
        "unit_ids": [org.teams["LDS-T1"].pk],
    }


ROUTES = [
    Route("comms:index", LEADERS),
    Route("comms:messages", LEADERS),
    Route("comms:message_new", LEADERS),
    Route("comms:message_new", LEADERS, method="post", data=lambda org: {"subject": ""}),
    Route("comms:message", LEADERS, kwargs=_message),
    Route("comms:message_edit", RUNS_COMMS, kwargs=_message),
    Route("comms:message_send", RUNS_COMMS, kwargs=_message, method="post"),
    Route("comms:message_unschedule", RUNS_COMMS, kwargs=_message, method="post"),
    Route("comms:message_cancel", RUNS_COMMS, kwargs=_message, method="post"),
    Route("comms:message_csv", RUNS_COMMS, kwargs=lambda org: {"pk": _received(org)}),
    Route("comms:read", ALL_ROLES, kwargs=lambda org: {"pk": _received(org)}),
    Route("comms:acknowledge", RECIPIENTS, kwargs=lambda org: {"pk": _received(org)}, method="post"),
    Route("comms:feed", ALL_ROLES),
    Route("comms:open", ALL_ROLES, kwargs=lambda org: {"token": DeliveryFactory().token}, public=True),
    Route("comms:click", ALL_ROLES, kwargs=lambda org: {"token": DeliveryFactory().token}, public=True),
    Route("comms:deliveries", RUNS_COMMS),
    Route("comms:delivery_retry", RUNS_COMMS, kwargs=lambda org: {"pk": _dead_delivery(org)}, method="post"),
    Route("comms:channels", RUNS_COMMS),
    Route("comms:channels", RUNS_COMMS, method="post", data=lambda org: {"name": ""}),
    Route("comms:channel_edit", RUNS_COMMS, kwargs=lambda org: {"pk": _channel(org)}),
    Route("comms:channel_delete", RUNS_COMMS, kwargs=lambda org: {"pk": _channel(org)}, method="post"),
    Route("comms:channel_test", RUNS_COMMS, kwargs=lambda org: {"pk": _channel(org)}, method="post"),
    Route("comms:sequence", LEADERS, kwargs=lambda org: {"programme_pk": ProgrammeFactory().pk}),
    Route(
        "comms:sequence",
        RUNS_COMMS,
        kwargs=lambda org: {"programme_pk": ProgrammeFactory().pk},
        method="post",
    ),
    Route("comms:questions", LEADERS),
    Route("comms:ask", ALL_ROLES),
    Route("comms:ask", ALL_ROLES, method="post", data=lambda org: {"text": "Why now?", "anonymous": "on"}),
    Route("comms:my_questions", ALL_ROLES),
    Route("comms:question", LEADERS, kwargs=lambda org: {"pk": _question(org)}),
    Route(
        "comms:question",
        LEADERS,
        kwargs=lambda org: {"pk": _question(org)},
        method="post",
        data=lambda org: {},
    ),
    Route(
        "comms:question_hide",
        RUNS_COMMS,
        kwargs=lambda org: {"pk": _question(org)},
        method="post",
        data=lambda org: {"reason": "Answered in person."},
    ),
    Route("comms:receipt", ALL_ROLES, kwargs=_receipt),
    Route("comms:faq", ALL_ROLES),
    # API
    Route("GET /comms/messages", LEADERS),
    Route("POST /comms/messages", LEADERS, data=_new_message),
    Route("GET /comms/messages/{message_id}", LEADERS, kwargs=_message_id),
    Route(
        "PATCH /comms/messages/{message_id}",
        RUNS_COMMS,
        kwargs=_message_id,
        data=lambda org: {"subject": "New"},
    ),
    Route("POST /comms/messages/{message_id}/send", RUNS_COMMS, kwargs=_message_id),
    Route("POST /comms/messages/{message_id}/unschedule", RUNS_COMMS, kwargs=_message_id),
    Route("POST /comms/messages/{message_id}/cancel", RUNS_COMMS, kwargs=_message_id),
    Route(
        "GET /comms/messages/{message_id}/reach", LEADERS, kwargs=lambda org: {"message_id": _received(org)}
    ),
    Route(
        "GET /comms/messages/{message_id}/deliveries",
        RUNS_COMMS,
        kwargs=lambda org: {"message_id": _received(org)},
    ),
    Route(
        "POST /comms/messages/{message_id}/acknowledge",
        RECIPIENTS,
        kwargs=lambda org: {"message_id": _received(org)},
    ),
    Route("GET /comms/feed", ALL_ROLES),
    Route("GET /comms/deliveries", RUNS_COMMS),
    Route(
        "POST /comms/deliveries/{delivery_id}/retry",
        RUNS_COMMS,
        kwargs=lambda org: {"delivery_id": _dead_delivery(org)},
    ),
    Route("GET /comms/channels", RUNS_COMMS),
    Route(
        "POST /comms/channels",
        RUNS_COMMS,
        data=lambda org: {
            "unit_id": org.teams["GLA-T1"].pk,
            "kind": "teams",
            "name": "Glasgow 1",
            "webhook_url": "http://127.0.0.1:9/x",
        },
    ),
    Route(
        "PATCH /comms/channels/{channel_id}",
        RUNS_COMMS,
        kwargs=lambda org: {"channel_id": _channel(org)},
        data=lambda org: {"active": False},
    ),
    Route(
        "DELETE /comms/channels/{channel_id}", RUNS_COMMS, kwargs=lambda org: {"channel_id": _channel(org)}
    ),
    Route(
        "GET /comms/programmes/{programme_id}/sequence",
        LEADERS,
        kwargs=lambda org: {"programme_id": ProgrammeFactory().pk},
    ),
    Route(
        "POST /comms/programmes/{programme_id}/sequence",
        RUNS_COMMS,
        kwargs=lambda org: {"programme_id": ProgrammeFactory().pk},
    ),
    Route("GET /comms/questions", LEADERS),
    Route(
        "POST /comms/questions",
        ALL_ROLES,
        data=lambda org: {"text": "Will shifts change?", "anonymous": True},
    ),
    Route(
        "POST /comms/questions/{question_id}/answer",
        LEADERS,
        kwargs=lambda org: {"question_id": _question(org)},
        data=lambda org: {"answer": "No."},
    ),
    Route("GET /comms/faq", ALL_ROLES),
]
