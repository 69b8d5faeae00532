"""API for communications, with the same services and permissions as the pages."""

from datetime import date, datetime

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema
from ninja import Status as Reply

from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.models import Unit
from allaboard.programmes.access import visible_programmes

from . import access, delivery, services
from .models import (
    PRIVATE_PURPOSES,
    Channel,
    ChatChannel,
    Delivery,
    DeliveryState,
    Message,
    MessageStatus,
    Question,
    QuestionStatus,
    Stage,
)

router = Router(tags=["comms"])


class MessageIn(Schema):
    subject: str = Field(..., min_length=1, max_length=200)
    body: str = Field(..., min_length=1, max_length=services.BODY_MAX)
    why: str = Field("", max_length=services.WHY_MAX)
    stage: Stage = Stage.OTHER
    channels: list[Channel] = Field(..., min_length=1)
    unit_ids: list[int] = []
    role_ids: list[int] = []
    programme_id: int | None = None
    campaign_id: int | None = None
    essential: bool = False
    planned_for: date | None = None


class MessagePatch(Schema):
    subject: str | None = Field(None, min_length=1, max_length=200)
    body: str | None = Field(None, min_length=1, max_length=services.BODY_MAX)
    why: str | None = Field(None, max_length=services.WHY_MAX)
    stage: Stage | None = None
    channels: list[Channel] | None = Field(None, min_length=1)
    unit_ids: list[int] | None = None
    role_ids: list[int] | None = None
    programme_id: int | None = None
    campaign_id: int | None = None
    essential: bool | None = None
    planned_for: date | None = None


class MessageOut(Schema):
    id: int
    subject: str
    body: str
    why: str
    stage: str
    channels: list[str]
    unit_ids: list[int]
    role_ids: list[int]
    programme_id: int | None
    campaign_id: int | None
    essential: bool
    status: str
    planned_for: date | None
    send_at: datetime | None
    sent_at: datetime | None

    @staticmethod
    def resolve_unit_ids(obj) -> list[int]:
        return sorted(u.pk for u in obj.audience_units.all())

    @staticmethod
    def resolve_role_ids(obj) -> list[int]:
        return sorted(r.pk for r in obj.audience_roles.all())


class SendIn(Schema):
    send_at: datetime | None = None


class TeamReachOut(Schema):
    unit_id: int
    unit: str
    people: int
    suppressed: bool
    delivered: int | None
    opened: int | None
    acknowledged: int | None
    sent_to: int | None
    awareness_mean: float | None
    awareness_low: float | None
    awareness_high: float | None


class ReachOut(Schema):
    k: int
    awareness_available: bool
    teams: list[TeamReachOut]


class DeliveryOut(Schema):
    id: int
    channel: str
    purpose: str
    recipient: str
    person_id: int | None
    unit_id: int | None
    subject: str
    state: str
    attempts: int
    last_error: str
    essential: bool
    created_at: datetime
    due_at: datetime
    sent_at: datetime | None
    opened_at: datetime | None

    @staticmethod
    def resolve_recipient(obj) -> str:
        return obj.recipient_label


class FeedItemOut(Schema):
    delivery_id: int
    subject: str
    text: str
    link: str
    message_id: int | None
    acknowledged: bool
    unread: bool
    sent_at: datetime | None


class AcknowledgementOut(Schema):
    message_id: int
    acknowledged_at: datetime
    created: bool


class ChannelIn(Schema):
    unit_id: int
    kind: ChatChannel.Kind
    name: str = Field(..., min_length=1, max_length=100)
    webhook_url: str = Field(..., min_length=8, max_length=1000)
    active: bool = True


class ChannelPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=100)
    webhook_url: str | None = Field(None, min_length=8, max_length=1000)
    active: bool | None = None


class ChannelOut(Schema):
    id: int
    unit_id: int
    kind: str
    name: str
    webhook: str
    active: bool

    @staticmethod
    def resolve_webhook(obj) -> str:
        return obj.masked_url


class QuestionIn(Schema):
    text: str = Field(..., min_length=5, max_length=4000)
    programme_id: int | None = None
    anonymous: bool = False
    is_concern: bool = False


class QuestionOut(Schema):
    id: int
    programme_id: int | None
    text: str
    is_concern: bool
    anonymous: bool
    unit_id: int | None
    asked_on: date
    status: str
    answer: str
    answered_by_name: str
    answered_on: date | None
    overdue: bool = False


class AskedOut(QuestionOut):
    receipt: str = Field("", description="Anonymous questions only: the private code to come back to it.")


class AnswerIn(Schema):
    answer: str = Field(..., min_length=1, max_length=services.ANSWER_MAX)


class FaqOut(Schema):
    id: int
    programme_id: int | None
    question: str
    answer: str
    answered_by_name: str
    answered_on: date | None


class SequenceStepOut(Schema):
    stage: str
    label: str
    missing: bool
    messages: list[MessageOut]


class DeliveryFilter(Schema):
    state: DeliveryState | None = None
    channel: Channel | None = None
    purpose: str | None = Field(None, max_length=40)
    limit: int = Field(100, ge=1, le=1000)
    offset: int = Field(0, ge=0)


# --- messages ---------------------------------------------------------------------------------------


def _message(message_id: int) -> Message:
    return get_object_or_404(
        Message.objects.prefetch_related("audience_units", "audience_roles"), pk=message_id
    )


@router.get("/comms/messages", response=list[MessageOut])
def list_messages(request, programme_id: int | None = None, status: MessageStatus | None = None):
    access.require_leader(request.user)
    services.mark_scheduled_sent()
    found = Message.objects.prefetch_related("audience_units", "audience_roles")
    if programme_id is not None:
        found = found.filter(programme_id=programme_id)
    if status is not None:
        found = found.filter(status=status)
    return found[:500]


@router.post("/comms/messages", response={201: MessageOut})
def create_message(request, payload: MessageIn):
    access.require_leader(request.user)
    message = services.save_message(Message(), payload.dict(), request.user)
    return Reply(201, _message(message.pk))


@router.get("/comms/messages/{message_id}", response=MessageOut)
def get_message(request, message_id: int):
    access.require_leader(request.user)
    return _message(message_id)


@router.patch("/comms/messages/{message_id}", response=MessageOut)
def update_message(request, message_id: int, payload: MessagePatch):
    message = _message(message_id)
    access.require_edit(request.user, message)
    services.save_message(message, payload.dict(exclude_unset=True), request.user)
    return _message(message_id)


@router.post("/comms/messages/{message_id}/send", response=MessageOut)
def send_message(request, message_id: int, payload: SendIn):
    message = _message(message_id)
    services.send_message(message, request.user, send_at=payload.send_at)
    return _message(message_id)


@router.post("/comms/messages/{message_id}/unschedule", response=MessageOut)
def unschedule_message(request, message_id: int):
    services.unschedule_message(_message(message_id), request.user)
    return _message(message_id)


@router.post("/comms/messages/{message_id}/cancel", response=MessageOut)
def cancel_message(request, message_id: int):
    services.cancel_message(_message(message_id), request.user)
    return _message(message_id)


def _reach_out(report) -> dict:
    teams = []
    for row in report.rows:
        shown = not row.suppressed
        teams.append(
            {
                "unit_id": row.unit.pk,
                "unit": row.unit.name,
                "people": row.people,
                "suppressed": row.suppressed,
                "delivered": row.delivered if shown else None,
                "opened": row.opened if shown else None,
                "acknowledged": row.acknowledged if shown else None,
                "sent_to": row.sent_to if shown else None,
                "awareness_mean": row.awareness.mean if row.awareness else None,
                "awareness_low": row.awareness.low if row.awareness else None,
                "awareness_high": row.awareness.high if row.awareness else None,
            }
        )
    return {"k": report.k, "awareness_available": report.awareness_available, "teams": teams}


@router.get("/comms/messages/{message_id}/reach", response=ReachOut)
def message_reach(request, message_id: int):
    """Per team you may see: people reached, delivered, opened, acknowledged; nothing for a team below k."""
    access.require_leader(request.user)
    message = _message(message_id)
    return _reach_out(services.reach_by_team([message], request.user, message.programme))


@router.get("/comms/messages/{message_id}/deliveries", response=list[DeliveryOut])
def message_deliveries(request, message_id: int):
    access.require_runs_comms(request.user)
    return services.deliveries_of(_message(message_id)).select_related("person")


@router.post("/comms/messages/{message_id}/acknowledge", response=AcknowledgementOut)
def acknowledge(request, message_id: int):
    """ "I understand why". Idempotent: a second call returns the first acknowledgement."""
    message = get_object_or_404(Message, pk=message_id)
    if not access.is_recipient(request.user, message):
        raise Http404
    ack, created = services.acknowledge(message, request.user.person)
    return {"message_id": message.pk, "acknowledged_at": ack.at, "created": created}


@router.get("/comms/feed", response=list[FeedItemOut], summary="My news feed")
def my_feed(request):
    if not request.user.person_id:
        return []
    return [
        {
            "delivery_id": item.delivery.pk,
            "subject": item.subject,
            "text": item.text,
            "link": item.link,
            "message_id": item.message.pk if item.message else None,
            "acknowledged": item.acknowledged,
            "unread": item.unread,
            "sent_at": item.delivery.sent_at,
        }
        for item in services.feed_for(request.user.person)
    ]


# --- deliveries and channels ------------------------------------------------------------------------


@router.get("/comms/deliveries", response=list[DeliveryOut])
def list_deliveries(request, filters: Query[DeliveryFilter]):
    access.require_runs_comms(request.user)
    found = (
        Delivery.objects.select_related("person")
        .exclude(purpose__in=PRIVATE_PURPOSES)
        .order_by("-created_at", "-pk")
    )
    if filters.state:
        found = found.filter(state=filters.state)
    if filters.channel:
        found = found.filter(channel=filters.channel)
    if filters.purpose:
        found = found.filter(purpose=filters.purpose)
    return found[filters.offset : filters.offset + filters.limit]


@router.post("/comms/deliveries/{delivery_id}/retry", response=DeliveryOut)
def retry_delivery(request, delivery_id: int):
    access.require_runs_comms(request.user)
    item = delivery.retry(get_object_or_404(Delivery, pk=delivery_id))
    audit.record(request.user, "retry", item, {"state": item.state})
    return item


@router.get("/comms/channels", response=list[ChannelOut])
def list_channels(request):
    access.require_runs_comms(request.user)
    return ChatChannel.objects.all()


def _check_webhook(url: str) -> None:
    if not url.lower().startswith(("https://", "http://")):
        raise InputError("webhook_url", "must start with https://")


@router.post("/comms/channels", response={201: ChannelOut})
def create_channel(request, payload: ChannelIn):
    access.require_runs_comms(request.user)
    unit = Unit.objects.filter(pk=payload.unit_id).first()
    if unit is None:
        raise InputError("unit_id", f"unknown unit {payload.unit_id}")
    _check_webhook(payload.webhook_url)
    if ChatChannel.objects.filter(unit=unit, kind=payload.kind).exists():
        raise InputError("kind", f"{unit.name} already has a {payload.kind} channel")
    with transaction.atomic():
        channel = ChatChannel.objects.create(
            unit=unit,
            kind=payload.kind,
            name=payload.name,
            webhook_url=payload.webhook_url,
            active=payload.active,
        )
        audit.record(request.user, "create", channel, {"unit": unit.pk, "kind": channel.kind})
    return Reply(201, channel)


@router.patch("/comms/channels/{channel_id}", response=ChannelOut)
def update_channel(request, channel_id: int, payload: ChannelPatch):
    access.require_runs_comms(request.user)
    channel = get_object_or_404(ChatChannel, pk=channel_id)
    data = payload.dict(exclude_unset=True)
    if data.get("webhook_url") is not None:
        _check_webhook(data["webhook_url"])
    changes = {}
    for name, value in data.items():
        if value is not None and getattr(channel, name) != value:
            changes[name] = (
                ["(secret)", "(secret, changed)"]
                if name == "webhook_url"
                else [getattr(channel, name), value]
            )
            setattr(channel, name, value)
    with transaction.atomic():
        channel.save()
        audit.record(request.user, "update", channel, changes)
    return channel


@router.delete("/comms/channels/{channel_id}", response={204: None})
def delete_channel(request, channel_id: int):
    access.require_runs_comms(request.user)
    channel = get_object_or_404(ChatChannel, pk=channel_id)
    with transaction.atomic():
        audit.record(request.user, "delete", channel)
        channel.delete()
    return Reply(204, None)


# --- the planned sequence ---------------------------------------------------------------------------


def _sequence(programme) -> list[dict]:
    return [
        {"stage": row.stage, "label": row.label, "missing": row.missing, "messages": row.messages}
        for row in services.sequence_for(programme)
    ]


@router.get("/comms/programmes/{programme_id}/sequence", response=list[SequenceStepOut])
def get_sequence(request, programme_id: int):
    access.require_leader(request.user)
    return _sequence(get_object_or_404(visible_programmes(request.user), pk=programme_id))


@router.post("/comms/programmes/{programme_id}/sequence", response=list[SequenceStepOut])
def plan_sequence(request, programme_id: int):
    """Draft the missing steps of the standard sequence (announce, why, what changes, training, go-live, wins)."""
    access.require_runs_comms(request.user)
    programme = get_object_or_404(visible_programmes(request.user), pk=programme_id)
    services.plan_sequence(programme, request.user)
    return _sequence(programme)


# --- questions --------------------------------------------------------------------------------------


def _question_out(question: Question, overdue_ids: set[int]) -> dict:
    data = {name: getattr(question, name) for name in QuestionOut.model_fields if hasattr(question, name)}
    data["overdue"] = question.pk in overdue_ids
    return data


@router.get("/comms/questions", response=list[QuestionOut])
def list_questions(request, status: QuestionStatus | None = None, programme_id: int | None = None):
    access.require_leader(request.user)
    found = Question.objects.all()
    if status:
        found = found.filter(status=status)
    if programme_id is not None:
        found = found.filter(programme_id=programme_id)
    overdue = set(services.overdue_questions().values_list("pk", flat=True))
    return [_question_out(q, overdue) for q in found[:500]]


@router.post("/comms/questions", response={201: AskedOut})
def ask(request, payload: QuestionIn):
    """Ask a question or raise a concern. Anonymous: no person or team is stored; keep the receipt."""
    programme = None
    if payload.programme_id is not None:
        programme = visible_programmes(request.user).filter(pk=payload.programme_id).first()
        if programme is None:
            raise InputError("programme_id", f"unknown programme {payload.programme_id}")
    question, token = services.ask(
        request.user,
        payload.text,
        programme=programme,
        anonymous=payload.anonymous,
        is_concern=payload.is_concern,
    )
    return Reply(201, _question_out(question, set()) | {"receipt": token})


@router.post("/comms/questions/{question_id}/answer", response=QuestionOut)
def answer(request, question_id: int, payload: AnswerIn):
    access.require_leader(request.user)
    question = services.answer(get_object_or_404(Question, pk=question_id), payload.answer, request.user)
    return _question_out(question, set())


@router.get("/comms/faq", response=list[FaqOut])
def faq(request, programme_id: int | None = None, q: str = ""):
    programme = None
    if programme_id is not None:
        programme = get_object_or_404(visible_programmes(request.user), pk=programme_id)
    found = services.faq(programme, q[:200])
    if not access.is_leader(request.user):
        found = found.filter(Q(programme__in=visible_programmes(request.user)) | Q(programme__isnull=True))
    return [
        {
            "id": item.pk,
            "programme_id": item.programme_id,
            "question": item.text,
            "answer": item.answer,
            "answered_by_name": item.answered_by_name,
            "answered_on": item.answered_on,
        }
        for item in found[:200]
    ]
