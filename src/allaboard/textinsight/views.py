"""Comment pages: explorer with corrections (htmx), summaries, model quality, emerging themes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from allaboard.errors import InputError

from . import access, engine, services
from . import labels as L
from .emerging import emerging_themes
from .models import Comment, Dimension
from .redaction import current_redactor


def _kind(request) -> str:
    kind = request.GET.get("kind") or request.POST.get("kind") or L.EMPLOYEE
    return kind if kind in L.KINDS else L.EMPLOYEE


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _comment_view(comment: Comment, redactor=None) -> dict:
    tags = list(comment.tags.all())
    # Redacted again when shown: people added since it was stored are masked too.
    redactor = redactor or current_redactor()
    return {
        "comment": comment,
        "text": redactor.redact(comment.text),
        "topics": [t for t in tags if t.dimension == Dimension.TOPIC],
        "sentiment": next((t for t in tags if t.dimension == Dimension.SENTIMENT), None),
        "kind_labels": L.taxonomy(comment.kind),
    }


def _shown_comment(pk: int) -> Comment:
    """A comment a reader may open: 404 when no group that may be shown contains it."""
    comment = get_object_or_404(Comment.objects.prefetch_related("tags"), pk=pk)
    if not services.can_show_comment(comment):
        raise Http404("No such comment.")
    return comment


@login_required
def comments(request):
    access.require_reader(request.user)
    kind = _kind(request)
    params = {
        "source": request.GET.get("source", ""),
        "label": request.GET.get("label", ""),
        "sentiment": request.GET.get("sentiment", ""),
        "wave_key": request.GET.get("wave", ""),
        "query": request.GET.get("q", "").strip(),
        "human_only": request.GET.get("human") == "1",
        "uncertain_only": request.GET.get("uncertain") == "1",
    }
    if params["label"] not in L.codes(kind):
        params["label"] = ""
    if params["sentiment"] not in L.SENTIMENT_CODES:
        params["sentiment"] = ""
    unit = None
    unit_id = _int(request.GET.get("unit"))
    if unit_id is not None:
        unit, _ids = access.unit_scope(request.user, unit_id)
    shown = services.shown_comments(
        kind, unit=unit, wave_key=params["wave_key"] or None, source=params["source"]
    )
    qs = services.explore(kind=kind, within=shown.comments, **params)
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    redactor = current_redactor()
    return render(
        request,
        "textinsight/comments.html",
        {
            "kind": kind,
            "kinds": [(L.EMPLOYEE, "Employee comments"), (L.CUSTOMER, "Customer comments")],
            "taxonomy": L.taxonomy(kind),
            "sentiments": L.SENTIMENTS,
            "sources": services.sources(kind),
            "waves": services.wave_keys(kind, params["source"]),
            "params": params,
            "unit": unit,
            "total": qs.count() if shown.allowed else 0,
            "suppressed": not shown.allowed,
            "reason": shown.reason,
            "threshold": access.comment_threshold(),
            "page": page,
            "rows": [_comment_view(c, redactor) for c in page.object_list],
            "querystring": query.urlencode(),
            "pending": shown.comments.filter(classified_at__isnull=True).count() if shown.allowed else 0,
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def correct(request, pk: int):
    """htmx: GET the correction form for one comment; POST saves it and returns the updated row."""
    access.require_reader(request.user)
    comment = _shown_comment(pk)
    error = None
    if request.method == "POST":
        if request.POST.get("confirm") == "1":
            view = _comment_view(comment)
            chosen = [t.label for t in view["topics"]] or [L.OTHER]
            sentiment = view["sentiment"].label if view["sentiment"] else "neutral"
        else:
            chosen = request.POST.getlist("labels")
            sentiment = request.POST.get("sentiment", "")
        try:
            services.correct(comment, request.user, chosen, sentiment)
        except InputError as exc:
            error = exc.reason
        else:
            comment = Comment.objects.prefetch_related("tags").get(pk=pk)
            if not request.headers.get("HX-Request"):
                messages.success(request, "Saved. The model will learn from it.")
                return redirect(_safe_next(request, request.POST.get("next")))
            return render(request, "textinsight/_comment_row.html", {**_comment_view(comment), "saved": True})
    view = _comment_view(comment)
    template = (
        "textinsight/_correct_form.html" if request.headers.get("HX-Request") else "textinsight/correct.html"
    )
    return render(
        request,
        template,
        {
            **view,
            "chosen": {t.label for t in view["topics"]},
            "sentiments": L.SENTIMENTS,
            "error": error,
            "next": request.GET.get("next", ""),
        },
        status=400 if error else 200,
    )


def _safe_next(request, url: str | None) -> str:
    if url and url_has_allowed_host_and_scheme(url, allowed_hosts={request.get_host()}):
        return url
    return reverse("textinsight:comments")


@login_required
def summary(request):
    access.require_summary_reader(request.user)
    kind = _kind(request)
    source = request.GET.get("source", "")
    unit, _ids = access.unit_scope(request.user, _int(request.GET.get("unit")))
    wave = request.GET.get("wave", "") or None
    group = services.group_summary(kind, unit=unit, wave_key=wave, source=source)
    roots = access.summary_roots(request.user)
    return render(
        request,
        "textinsight/summary.html",
        {
            "kind": kind,
            "kinds": [(L.EMPLOYEE, "Employee comments"), (L.CUSTOMER, "Customer comments")],
            "source": source,
            "sources": services.sources(kind),
            "unit": unit,
            "units": roots if roots is not None else [],
            "wave": wave or "",
            "waves": services.wave_keys(kind, source),
            "result": group.result,
            "respondents": group.shown.respondents,
            "shown": group.allowed and group.result.n_comments > 0,
            "reason": group.shown.reason,
            "threshold": access.comment_threshold(),
            "trend": group.trend,
            "can_read": access.can_read_comments(request.user),
        },
    )


@login_required
def quality(request):
    access.require_reader(request.user)
    kind = _kind(request)
    redactor = current_redactor()
    return render(
        request,
        "textinsight/quality.html",
        {
            "kind": kind,
            "kinds": [(L.EMPLOYEE, "Employee comments"), (L.CUSTOMER, "Customer comments")],
            "quality": services.model_quality(kind),
            "weight": int(engine.CORRECTION_WEIGHT),
            "corrections": [
                (c, redactor.redact(c.comment.text))
                for c in services.Correction.objects.filter(kind=kind).select_related("comment", "by")[:20]
            ],
        },
    )


@login_required
@require_POST
def retrain(request):
    access.require_reader(request.user)
    kind = _kind(request)
    from .tasks import retrain_model

    retrain_model.enqueue(kind)
    messages.success(request, "Retraining queued: the worker will switch to the new model when it is ready.")
    return redirect(f"{reverse('textinsight:quality')}?kind={kind}")


@login_required
def emerging(request):
    access.require_reader(request.user)
    kind = _kind(request)
    source = request.GET.get("source", "")
    shown = services.shown_comments(kind, source=source)
    candidates = services.low_confidence_comments(kind, source or None).filter(
        pk__in=shown.comments.values("pk")
    )
    n = candidates.count()
    return render(
        request,
        "textinsight/emerging.html",
        {
            "kind": kind,
            "kinds": [(L.EMPLOYEE, "Employee comments"), (L.CUSTOMER, "Customer comments")],
            "source": source,
            "sources": services.sources(kind),
            "n_candidates": n,
            "themes": emerging_themes(candidates) if n else [],
        },
    )
