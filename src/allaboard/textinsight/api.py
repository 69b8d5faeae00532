"""API for comment insight, with the same permissions as the pages."""

from datetime import date
from typing import Literal

from django.http import Http404
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema

from . import access, services
from . import labels as L
from .emerging import emerging_themes
from .models import Comment, Dimension
from .redaction import current_redactor

router = Router(tags=["textinsight"])

Kind = Literal["employee", "customer"]


class TagOut(Schema):
    label: str
    confidence: float
    human: bool


class CommentOut(Schema):
    id: int
    kind: str
    source: str
    wave_key: str
    created_on: date
    text: str
    note: str
    human_labelled: bool
    labels: list[TagOut]
    sentiment: TagOut | None

    @staticmethod
    def resolve_text(obj):
        # Redacted again when shown: people added since it was stored are masked too.
        return current_redactor().redact(obj.text)

    @staticmethod
    def resolve_labels(obj):
        return [t for t in obj.tags.all() if t.dimension == Dimension.TOPIC]

    @staticmethod
    def resolve_sentiment(obj):
        return next((t for t in obj.tags.all() if t.dimension == Dimension.SENTIMENT), None)


class CommentPage(Schema):
    count: int
    items: list[CommentOut]


class CommentFilters(Schema):
    kind: Kind = "employee"
    source: str = ""
    label: str = ""
    sentiment: str = ""
    wave_key: str = ""
    unit_id: int | None = None
    q: str = Field("", max_length=200)
    human_only: bool = False
    uncertain_only: bool = False
    limit: int = Field(50, ge=1, le=500)
    offset: int = Field(0, ge=0)


class CorrectionIn(Schema):
    labels: list[str] = Field(..., min_length=1)
    sentiment: Literal["negative", "neutral", "positive"]


class ShareOut(Schema):
    label: str
    title: str
    count: int
    share: float
    quotes: list[str]


class SummaryOut(Schema):
    n_comments: int
    respondents: int
    pending: int
    threshold: int
    suppressed: bool
    labels: list[ShareOut]
    sentiment: dict[str, float]


class LabelQualityOut(Schema):
    label: str
    title: str
    human: int
    model: int
    agreed: int
    precision: float | None
    recall: float | None
    f1: float | None


class QualityOut(Schema):
    kind: str
    n_corrected: int
    exact: float | None
    overlap: float | None
    sentiment: float | None
    learnt_from: int
    labels: list[LabelQualityOut]


class ThemeOut(Schema):
    size: int
    keywords: list[str]
    examples: list[str]


class ClassifyIn(Schema):
    kind: Kind
    texts: list[str] = Field(..., max_length=1000)


class PredictionOut(Schema):
    labels: list[tuple[str, float]]
    sentiment: str
    sentiment_confidence: float
    note: str


@router.get("/textinsight/comments", response=CommentPage, summary="Comments with their tags (redacted)")
def list_comments(request, filters: Query[CommentFilters]):
    """Only comments of groups that may be shown: pulse comments of closed waves, for groups with enough
    respondents that pass the differencing check (the same rule as the pages)."""
    access.require_reader(request.user)
    unit = None
    if filters.unit_id is not None:
        unit, _ids = access.unit_scope(request.user, filters.unit_id)
    shown = services.shown_comments(
        filters.kind, unit=unit, wave_key=filters.wave_key or None, source=filters.source
    )
    qs = services.explore(
        kind=filters.kind,
        label=filters.label if filters.label in L.codes(filters.kind) else "",
        sentiment=filters.sentiment if filters.sentiment in L.SENTIMENT_CODES else "",
        query=filters.q,
        human_only=filters.human_only,
        uncertain_only=filters.uncertain_only,
        within=shown.comments,
    )
    return {"count": qs.count(), "items": list(qs[filters.offset : filters.offset + filters.limit])}


@router.post(
    "/textinsight/comments/{comment_id}/correction",
    response=CommentOut,
    summary="Correct (or confirm) a comment's tags; the model learns from it",
)
def correct_comment(request, comment_id: int, payload: CorrectionIn):
    access.require_reader(request.user)
    comment = get_object_or_404(Comment, pk=comment_id)
    if not services.can_show_comment(comment):
        raise Http404("No such comment.")
    services.correct(comment, request.user, payload.labels, payload.sentiment)
    return Comment.objects.prefetch_related("tags").get(pk=comment_id)


@router.get("/textinsight/summary", response=SummaryOut, summary="Share of each label with typical quotes")
def summary(
    request,
    kind: Kind = "employee",
    source: str = "",
    unit_id: int | None = None,
    wave_key: str | None = None,
):
    """A group's shares and quotes, or `suppressed` with no figure at all (not even a count) when the group
    may not be shown."""
    access.require_summary_reader(request.user)
    unit, _ids = access.unit_scope(request.user, unit_id)
    group = services.group_summary(kind, unit=unit, wave_key=wave_key or None, source=source)
    threshold = access.comment_threshold()
    if not group.allowed:
        return {
            "n_comments": 0,
            "respondents": 0,
            "pending": 0,
            "threshold": threshold,
            "suppressed": True,
            "labels": [],
            "sentiment": {},
        }
    result = group.result
    return {
        "n_comments": result.n_comments,
        "respondents": group.shown.respondents,
        "pending": result.pending,
        "threshold": threshold,
        "suppressed": False,
        "labels": result.labels,
        "sentiment": result.sentiment,
    }


@router.get("/textinsight/quality", response=QualityOut, summary="Model quality on corrected comments")
def quality(request, kind: Kind = "employee"):
    access.require_reader(request.user)
    return services.model_quality(kind)


@router.get("/textinsight/emerging", response=list[ThemeOut], summary="Emerging themes")
def emerging(request, kind: Kind = "employee", source: str = ""):
    access.require_reader(request.user)
    shown = services.shown_comments(kind, source=source)
    candidates = services.low_confidence_comments(kind, source or None).filter(
        pk__in=shown.comments.values("pk")
    )
    return emerging_themes(candidates)


@router.post("/textinsight/classify", response=list[PredictionOut], summary="Classify texts (nothing stored)")
def classify(request, payload: ClassifyIn):
    access.require_reader(request.user)
    return [
        {
            "labels": p.labels,
            "sentiment": p.sentiment,
            "sentiment_confidence": p.sentiment_confidence,
            "note": p.note,
        }
        for p in services.classify(payload.texts, payload.kind)
    ]
