"""Platform pages: the role-fitted home page, the profile with API tokens, health and error pages."""

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from allaboard.org import audit
from allaboard.org.access import role_of
from allaboard.org.models import ApiToken


def healthz(request):
    """Liveness and database reachability, for load balancers and `make demo` readiness."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


@login_required
def home(request):
    """One home page, whose panels depend on the role. Each app contributes panels via `home_panels`."""
    role = role_of(request.user)
    panels = []
    for config in apps.get_app_configs():
        for panel in getattr(config, "home_panels", []):
            rendered = panel(request, role)
            if rendered:
                panels.append(rendered)
    return render(request, "core/home.html", {"panels": panels, "role": role})


@login_required
@require_http_methods(["GET", "POST"])
def profile(request):
    """The user's own profile, and their API tokens (created here, shown once)."""
    new_key = None
    if request.method == "POST":
        if "revoke" in request.POST:
            token = request.user.api_tokens.filter(pk=request.POST["revoke"]).first()
            if token:
                audit.record(request.user, "revoke_token", token)
                token.delete()
                messages.success(request, "Token revoked.")
            return redirect("profile")
        name = (request.POST.get("name") or "").strip()[:100] or "API token"
        token, new_key = ApiToken.issue(request.user, name)
        audit.record(request.user, "create_token", token)
    return render(
        request,
        "core/profile.html",
        {
            "person": request.user.person,
            "tokens": request.user.api_tokens.order_by("-created"),
            "new_key": new_key,
        },
    )


def forbidden(request, exception=None):
    return render(
        request, "core/error.html", {"title": "Not allowed", "text": str(exception or "")}, status=403
    )


def not_found(request, exception=None):
    return render(request, "core/error.html", {"title": "Not found", "text": ""}, status=404)
