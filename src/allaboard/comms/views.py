"""Communications pages: messages and their reach, the news feed, chat channels, deliveries, the planned
sequence, and the questions inbox with its FAQ. Thin: permission, a service call, a template."""

import base64
import csv
from datetime import timedelta

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.programmes.access import visible_programmes
from allaboard.programmes.models import Programme
from allaboard.tabular import safe_cell

from . import access, delivery, services
from .forms import AnswerForm, AskForm, ChatChannelForm, HideForm, MessageForm, ScheduleForm
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
)

# A transparent 1x1 GIF, for email open tracking.
PIXEL = base64.b64decode("R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7")


def _leader(request) -> None:
    access.require_leader(request.user)


def _form_error(form, error: InputError) -> None:
    field = error.field.split(".")[0]
    aliases = {"unit_ids": "units", "role_ids": "roles", "programme_id": "programme"}
    field = aliases.get(field, field)
    form.add_error(field if field in form.fields else None, error.reason)


# --- overview and messages ---------------------------------------------------------------------------


@login_required
def index(request):
    _leader(request)
    services.mark_scheduled_sent()
    since = timezone.now() - timedelta(days=7)
    health = {
        state: Delivery.objects.filter(state=state, created_at__gte=since).count()
        for state in (DeliveryState.SENT, DeliveryState.HELD, DeliveryState.FAILED, DeliveryState.DEAD)
    }
    return render(
        request,
        "comms/index.html",
        {
            "programmes": visible_programmes(request.user).exclude(status__in=["cancelled", "completed"]),
            "recent": Message.objects.select_related("programme")[:10],
            "health": health,
            "overdue": services.overdue_questions().count(),
            "open_questions": Question.objects.filter(status=QuestionStatus.OPEN).count(),
            "runs_comms": access.runs_comms(request.user),
            "flag_days": services.flag_days(),
        },
    )


@login_required
def message_list(request):
    _leader(request)
    services.mark_scheduled_sent()
    found = Message.objects.select_related("programme", "author")
    status = request.GET.get("status", "")
    if status in MessageStatus.values:
        found = found.filter(status=status)
    programme_id = request.GET.get("programme", "")
    if programme_id.isdigit():
        found = found.filter(programme_id=int(programme_id))
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "comms/message_list.html",
        {
            "page": page,
            "status": status,
            "statuses": MessageStatus.choices,
            "programmes": Programme.objects.all(),
            "programme_id": programme_id,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def message_edit(request, pk: int | None = None):
    _leader(request)
    message = get_object_or_404(Message, pk=pk) if pk else Message()
    if pk:
        access.require_edit(request.user, message)
        if message.status != MessageStatus.DRAFT:
            flash.error(request, "Only a draft can be edited. Unschedule it first.")
            return redirect(message)
    initial = {}
    if pk:
        initial = {
            "programme": message.programme,
            "stage": message.stage,
            "subject": message.subject,
            "body": message.body,
            "why": message.why,
            "channels": message.channels,
            "units": message.audience_units.all(),
            "roles": message.audience_roles.all(),
            "planned_for": message.planned_for,
            "essential": message.essential,
        }
    elif request.GET.get("programme", "").isdigit():
        programme = Programme.objects.filter(pk=int(request.GET["programme"])).first()
        if programme:
            initial = {"programme": programme, "why": programme.why}
    form = MessageForm(
        request.POST or None,
        initial=initial,
        units=services.audience_choices(request.user),
        allow_essential=access.runs_comms(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            message = services.save_message(message, form.service_data(), request.user)
        except InputError as error:
            _form_error(form, error)
        else:
            flash.success(request, "Message saved as a draft.")
            return redirect(message)
    status = 400 if request.method == "POST" else 200
    return render(request, "comms/message_edit.html", {"form": form, "message": message}, status=status)


@login_required
def message_detail(request, pk: int):
    _leader(request)
    message = get_object_or_404(Message.objects.select_related("programme", "author"), pk=pk)
    return _message_page(request, message, ScheduleForm())


def _message_page(request, message: Message, schedule_form: ScheduleForm, status: int = 200):
    services.mark_scheduled_sent()
    message.refresh_from_db()
    reach = services.reach_by_team([message], request.user, message.programme)
    problems = services.deliveries_of(message).filter(state__in=[DeliveryState.FAILED, DeliveryState.DEAD])
    return render(
        request,
        "comms/message_detail.html",
        {
            "message": message,
            "counts": services.delivery_counts(message),
            "reach": reach,
            "problems": problems.select_related("person")[:50] if access.runs_comms(request.user) else [],
            "can_edit": access.can_edit_message(request.user, message),
            "runs_comms": access.runs_comms(request.user),
            "schedule_form": schedule_form,
            "audience_units": message.audience_units.all(),
            "audience_roles": message.audience_roles.all(),
        },
        status=status,
    )


@login_required
@require_POST
def message_send(request, pk: int):
    message = get_object_or_404(Message, pk=pk)
    access.require_edit(request.user, message)
    form = ScheduleForm(request.POST)
    if not form.is_valid():
        return _message_page(request, message, form, status=400)
    try:
        services.send_message(message, request.user, send_at=form.cleaned_data.get("send_at"))
    except InputError as error:
        if error.field not in form.fields:
            flash.error(request, error.reason.capitalize() + ".")
            return redirect(message)
        _form_error(form, error)
        return _message_page(request, message, form, status=400)
    if message.status == MessageStatus.SCHEDULED:
        flash.success(request, f"Scheduled for {timezone.localtime(message.send_at):%d %b %Y %H:%M}.")
    else:
        flash.success(request, "Sent. Deliveries go out through the worker; this page shows their state.")
    return redirect(message)


@login_required
@require_POST
def message_unschedule(request, pk: int):
    message = get_object_or_404(Message, pk=pk)
    try:
        services.unschedule_message(message, request.user)
    except InputError as error:
        flash.error(request, error.reason.capitalize() + ".")
    else:
        flash.success(request, "Back to draft; nothing was sent.")
    return redirect(message)


@login_required
@require_POST
def message_cancel(request, pk: int):
    message = get_object_or_404(Message, pk=pk)
    try:
        services.cancel_message(message, request.user)
    except InputError as error:
        flash.error(request, error.reason.capitalize() + ".")
    else:
        flash.success(request, "Message cancelled.")
    return redirect(message)


@login_required
def message_csv(request, pk: int):
    access.require_runs_comms(request.user)
    message = get_object_or_404(Message, pk=pk)
    audit.record(request.user, "export", message, {"what": "delivery status"})
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="message-{message.pk}-deliveries.csv"'
    writer = csv.writer(response)
    writer.writerow(services.DELIVERY_STATUS_HEADER)
    for row in services.delivery_status_rows(message):
        writer.writerow([safe_cell(value) for value in row])
    return response


# --- reading, acknowledging, the feed ---------------------------------------------------------------


@login_required
def read(request, pk: int):
    """A message as its recipients see it, with the “I understand why” button."""
    message = get_object_or_404(Message, pk=pk)
    recipient = access.is_recipient(request.user, message)
    if not recipient and not access.is_leader(request.user):
        raise Http404
    acknowledged = recipient and message.acknowledgements.filter(person_id=request.user.person_id).exists()
    if recipient:
        services.deliveries_of(message).filter(
            person_id=request.user.person_id, channel=Channel.FEED, opened_at__isnull=True
        ).update(opened_at=timezone.now())
    return render(
        request,
        "comms/read.html",
        {"message": message, "recipient": recipient, "acknowledged": acknowledged},
    )


@login_required
@require_POST
def acknowledge(request, pk: int):
    message = get_object_or_404(Message, pk=pk)
    if not access.is_recipient(request.user, message):
        raise Http404
    services.acknowledge(message, request.user.person)
    if request.headers.get("HX-Request"):
        return render(request, "comms/_acknowledged.html", {"message": message})
    flash.success(request, "Thank you: noted that you understand why.")
    return redirect("comms:read", pk=message.pk)


@login_required
def feed(request):
    person = request.user.person
    items = services.feed_for(person) if person else []
    response = render(request, "comms/feed.html", {"items": items})
    services.mark_read(items)
    return response


@never_cache
@require_GET
def open_pixel(request, token: str):
    """Public: the tracking image in emails. Answers the same image whatever the token."""
    services.record_open(token[:32])
    return HttpResponse(PIXEL, content_type="image/gif")


@never_cache
@require_GET
def click(request, token: str):
    """Public: the link in emails. Records the open, then goes to the message (login if needed)."""
    found = services.record_open(token[:32])
    if found is None or found.source_type_id != services.message_type().pk:
        return redirect("comms:feed")
    return redirect("comms:read", pk=int(found.source_id))


# --- deliveries and chat channels -------------------------------------------------------------------


@login_required
def deliveries(request):
    access.require_runs_comms(request.user)
    found = Delivery.objects.select_related("person").exclude(purpose__in=PRIVATE_PURPOSES)
    filters = {key: request.GET.get(key, "") for key in ("state", "channel", "purpose")}
    if filters["state"] in DeliveryState.values:
        found = found.filter(state=filters["state"])
    if filters["channel"] in Channel.values:
        found = found.filter(channel=filters["channel"])
    if filters["purpose"]:
        found = found.filter(purpose=filters["purpose"][:40])
    page = Paginator(found.order_by("-created_at", "-pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "comms/deliveries.html",
        {
            "page": page,
            "filters": filters,
            "states": DeliveryState.choices,
            "channels": Channel.choices,
            "purposes": Delivery.objects.order_by().values_list("purpose", flat=True).distinct(),
        },
    )


@login_required
@require_POST
def delivery_retry(request, pk: int):
    access.require_runs_comms(request.user)
    item = get_object_or_404(Delivery, pk=pk)
    try:
        item = delivery.retry(item)
    except InputError as error:
        flash.error(request, error.reason.capitalize() + ".")
    else:
        audit.record(request.user, "retry", item, {"state": item.state})
        flash.success(request, f"Tried again: {item.get_state_display().lower()}.")
    return redirect(request.POST.get("next") if _safe_next(request) else "comms:deliveries")


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/comms/") and "//" not in target


@login_required
@require_http_methods(["GET", "POST"])
def channels(request):
    access.require_runs_comms(request.user)
    form = ChatChannelForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            channel = form.save()
            audit.record(request.user, "create", channel, {"unit": channel.unit_id, "kind": channel.kind})
        flash.success(request, f"Added {channel.name}.")
        return redirect("comms:channels")
    return render(
        request,
        "comms/channels.html",
        {"channels": ChatChannel.objects.select_related("unit"), "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def channel_edit(request, pk: int):
    access.require_runs_comms(request.user)
    channel = get_object_or_404(ChatChannel, pk=pk)
    before = {f: getattr(channel, f) for f in ("unit_id", "kind", "name", "webhook_url", "active")}
    form = ChatChannelForm(request.POST or None, instance=channel)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            channel = form.save()
            after = {f: getattr(channel, f) for f in before}
            changes = audit.diff(before, after)
            if "webhook_url" in changes:
                changes["webhook_url"] = ["(secret)", "(secret, changed)"]
            audit.record(request.user, "update", channel, changes)
        flash.success(request, f"Saved {channel.name}.")
        return redirect("comms:channels")
    return render(
        request,
        "comms/channel_edit.html",
        {"channel": channel, "form": form},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_POST
def channel_delete(request, pk: int):
    access.require_runs_comms(request.user)
    channel = get_object_or_404(ChatChannel, pk=pk)
    with transaction.atomic():
        audit.record(request.user, "delete", channel)
        channel.delete()
    flash.success(request, "Channel removed.")
    return redirect("comms:channels")


@login_required
@require_POST
def channel_test(request, pk: int):
    """Post a short test message to the channel now, and say what happened."""
    access.require_runs_comms(request.user)
    channel = get_object_or_404(ChatChannel, pk=pk)
    sent = delivery.queue(
        channel=channel.kind,
        purpose="channel_test",
        address=channel.webhook_url,
        subject="All Aboard is connected",
        text=f"This channel ({channel.name}) will receive messages for {channel.unit.name}.",
        essential=True,
    )
    sent.refresh_from_db()
    audit.record(request.user, "test", channel, {"state": sent.state})
    if sent.state == DeliveryState.SENT:
        flash.success(request, f"Test message posted to {channel.name}.")
    elif sent.state in (DeliveryState.FAILED, DeliveryState.DEAD):
        flash.error(request, f"The test post failed: {sent.last_error}")
    else:
        flash.success(request, "Test message queued; the worker will post it.")
    return redirect("comms:channels")


# --- the planned sequence ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sequence(request, programme_pk: int):
    _leader(request)
    programme = get_object_or_404(visible_programmes(request.user), pk=programme_pk)
    if request.method == "POST":
        access.require_runs_comms(request.user)
        services.plan_sequence(programme, request.user)
        flash.success(
            request, "Drafted the missing steps of the sequence. Review each draft, then send or schedule it."
        )
        return redirect("comms:sequence", programme_pk=programme.pk)
    services.mark_scheduled_sent()
    sent = list(programme.messages.filter(status=MessageStatus.SENT))
    return render(
        request,
        "comms/sequence.html",
        {
            "programme": programme,
            "rows": services.sequence_for(programme),
            "reach": services.reach_by_team(sent, request.user, programme),
            "runs_comms": access.runs_comms(request.user),
        },
    )


# --- questions and concerns -------------------------------------------------------------------------


@login_required
def questions(request):
    _leader(request)
    show = request.GET.get("show", "open")
    found = Question.objects.select_related("programme")
    if show == "overdue":
        found = services.overdue_questions()
    elif show in QuestionStatus.values:
        found = found.filter(status=show)
    programme_id = request.GET.get("programme", "")
    if programme_id.isdigit():
        found = found.filter(programme_id=int(programme_id))
    page = Paginator(found.order_by("asked_on", "pk"), 50).get_page(request.GET.get("page"))
    return render(
        request,
        "comms/questions.html",
        {
            "page": page,
            "show": show,
            "programmes": Programme.objects.all(),
            "programme_id": programme_id,
            "overdue_ids": set(services.overdue_questions().values_list("pk", flat=True)),
            "flag_days": services.flag_days(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def ask(request):
    programmes = visible_programmes(request.user).exclude(status__in=["cancelled", "draft"])
    initial = {}
    if request.GET.get("programme", "").isdigit():
        initial["programme"] = programmes.filter(pk=int(request.GET["programme"])).first()
    form = AskForm(request.POST or None, programmes=programmes, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            question, token = services.ask(
                request.user,
                data["text"],
                programme=data["programme"],
                anonymous=data["anonymous"],
                is_concern=data["is_concern"],
            )
        except InputError as error:
            _form_error(form, error)
        else:
            if token:
                return render(request, "comms/asked_anonymously.html", {"token": token})
            flash.success(request, "Thank you. You will see the answer in your news feed.")
            return redirect("comms:my_questions")
    return render(request, "comms/ask.html", {"form": form}, status=400 if request.method == "POST" else 200)


@login_required
@require_http_methods(["GET", "POST"])
def question_detail(request, pk: int):
    question = get_object_or_404(Question.objects.select_related("programme"), pk=pk)
    leader = access.is_leader(request.user)
    mine = question.asked_by_id is not None and question.asked_by_id == request.user.person_id
    if not (leader or mine or question.status == QuestionStatus.ANSWERED):
        raise Http404
    form = AnswerForm(request.POST or None, initial={"answer": question.answer})
    if request.method == "POST":
        _leader(request)
        if form.is_valid():
            try:
                services.answer(question, form.cleaned_data["answer"], request.user)
            except InputError as error:
                _form_error(form, error)
            else:
                flash.success(request, "Answer published in the FAQ.")
                return redirect("comms:questions")
    return _question_page(
        request, question, form if leader else None, status=400 if request.method == "POST" else 200
    )


def _question_page(request, question: Question, form, hide_form=None, status: int = 200):
    if hide_form is None and access.runs_comms(request.user):
        hide_form = HideForm()
    return render(
        request,
        "comms/question.html",
        {
            "question": question,
            "form": form,
            "hide_form": hide_form,
            "overdue": services.overdue_questions().filter(pk=question.pk).exists(),
        },
        status=status,
    )


@login_required
@require_POST
def question_hide(request, pk: int):
    access.require_runs_comms(request.user)
    question = get_object_or_404(Question, pk=pk)
    form = HideForm(request.POST)
    if form.is_valid():
        try:
            services.hide(question, form.cleaned_data["reason"], request.user)
        except InputError as error:
            _form_error(form, error)
        else:
            flash.success(request, "Kept out of the FAQ.")
            return redirect("comms:questions")
    answer_form = AnswerForm(initial={"answer": question.answer})
    return _question_page(request, question, answer_form, hide_form=form, status=400)


@login_required
def faq(request):
    programmes = visible_programmes(request.user)
    programme = None
    if request.GET.get("programme", "").isdigit():
        programme = programmes.filter(pk=int(request.GET["programme"])).first()
    search = (request.GET.get("q") or "").strip()[:200]
    found = services.faq(programme, search)
    if not access.is_leader(request.user):
        found = found.filter(Q(programme__in=programmes) | Q(programme__isnull=True))
    page = Paginator(found, 30).get_page(request.GET.get("page"))
    return render(
        request,
        "comms/faq.html",
        {"page": page, "programmes": programmes, "programme": programme, "search": search},
    )


@login_required
def receipt(request, token: str):
    """An anonymous asker's way back to their question, by the code only they were shown."""
    question = services.questions_for_receipt(token[:64])
    if question is None:
        raise Http404
    return render(request, "comms/receipt.html", {"question": question})


@login_required
def my_questions(request):
    found = Question.objects.none()
    if request.user.person_id:
        found = Question.objects.filter(asked_by_id=request.user.person_id).select_related("programme")
    return render(request, "comms/my_questions.html", {"questions": found})
