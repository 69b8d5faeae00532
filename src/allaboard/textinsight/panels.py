"""Home-page card for change leads and admins: how many comments, how many read by the model, corrections."""

from django.template.loader import render_to_string

from allaboard.org.models import Role

from .models import Comment


def comments_panel(request, role):
    if role not in (Role.ADMIN, Role.CHANGE_LEAD):
        return None
    total = Comment.objects.count()
    if not total:
        return None
    context = {
        "total": total,
        "pending": Comment.objects.filter(classified_at__isnull=True).count(),
        "human": Comment.objects.filter(human_labelled=True).count(),
        "employee": Comment.objects.filter(kind="employee").count(),
        "customer": Comment.objects.filter(kind="customer").count(),
    }
    return render_to_string("textinsight/panel.html", context, request=request)
