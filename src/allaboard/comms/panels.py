"""Home-page panels: everyone's news feed, and the change lead's communications health."""

from django.template.loader import render_to_string

from allaboard.org.models import Role

from . import services
from .models import DeliveryState, Message, MessageStatus, Question, QuestionStatus


def news_panel(request, role):
    person = request.user.person
    if person is None:
        return None
    return render_to_string(
        "comms/panel_news.html",
        {"items": services.feed_for(person, limit=3), "unread": services.unread_count(person)},
        request=request,
    )


def comms_panel(request, role):
    if role not in (Role.ADMIN, Role.CHANGE_LEAD):
        return None
    from .models import Delivery

    return render_to_string(
        "comms/panel_comms.html",
        {
            "overdue": services.overdue_questions().count(),
            "open_questions": Question.objects.filter(status=QuestionStatus.OPEN).count(),
            "scheduled": Message.objects.filter(status=MessageStatus.SCHEDULED).count(),
            "problems": Delivery.objects.filter(state=DeliveryState.DEAD).count(),
            "flag_days": services.flag_days(),
        },
        request=request,
    )
