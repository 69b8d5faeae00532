"""Listening API: the same services and permissions as the pages, and the same anonymity rules."""

from datetime import date
from uuid import UUID

from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Router, Schema
from ninja import Status as Reply

from . import instruments as I
from . import results, services
from .models import Answer, Survey, Wave

router = Router(tags=["listening"])


class ItemOut(Schema):
    key: str
    text: str
    kind: str
    scale: str
    reverse: bool
    outcome: bool
    choices: list[str]


class InstrumentOut(Schema):
    key: str
    title: str
    description: str
    scales: list[str]
    items: list[ItemOut]


class QuestionOut(Schema):
    id: int
    key: str
    kind: str
    text: str
    scale: str
    reverse: bool
    is_outcome: bool
    choices: list[str]
    translations: dict[str, str]

    @staticmethod
    def resolve_translations(obj) -> dict[str, str]:
        return {t.language: t.text for t in obj.translations.all()}


class WaveOut(Schema):
    id: int
    number: int
    opens: date
    closes: date
    status: str
    published: bool


class SurveyOut(Schema):
    id: int
    name: str
    programme_id: int | None
    intro: str
    languages: list[str]
    audience_unit_ids: list[int]
    audience_role_ids: list[int]
    include_partner: bool
    window_days: int
    recurrence_weeks: int
    announce_in_chat: bool
    min_group_size: int
    min_comment_group_size: int
    thresholds_fixed: bool
    protect_between_waves: bool
    key_driver_min_respondents: int
    questions: list[QuestionOut]
    waves: list[WaveOut]

    @staticmethod
    def resolve_min_group_size(obj) -> int:
        return obj.k

    @staticmethod
    def resolve_min_comment_group_size(obj) -> int:
        return obj.comment_k

    @staticmethod
    def resolve_thresholds_fixed(obj) -> bool:
        return obj.is_open_or_done

    @staticmethod
    def resolve_languages(obj) -> list[str]:
        return obj.language_list

    @staticmethod
    def resolve_audience_unit_ids(obj) -> list[int]:
        return list(obj.audience_units.values_list("pk", flat=True))

    @staticmethod
    def resolve_audience_role_ids(obj) -> list[int]:
        return list(obj.audience_roles.values_list("pk", flat=True))

    @staticmethod
    def resolve_questions(obj):
        return list(obj.questions.prefetch_related("translations"))

    @staticmethod
    def resolve_waves(obj):
        return list(obj.waves.all())


class SurveyIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    programme_id: int | None = None
    intro: str = ""
    instruments: list[str] = []
    languages: list[str] = ["en"]
    audience_unit_ids: list[int] = []
    audience_role_ids: list[int] = []
    include_partner: bool = True
    window_days: int = Field(10, ge=1, le=60)
    recurrence_weeks: int = Field(0, ge=0, le=52)
    announce_in_chat: bool = False
    min_group_size: int | None = None
    min_comment_group_size: int | None = None
    key_driver_min_respondents: int | None = None
    protect_between_waves: bool = False


class SurveyPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    programme_id: int | None = None
    intro: str | None = None
    languages: list[str] | None = None
    audience_unit_ids: list[int] | None = None
    audience_role_ids: list[int] | None = None
    include_partner: bool | None = None
    window_days: int | None = Field(None, ge=1, le=60)
    recurrence_weeks: int | None = Field(None, ge=0, le=52)
    announce_in_chat: bool | None = None
    min_group_size: int | None = None
    min_comment_group_size: int | None = None
    protect_between_waves: bool | None = None


class QuestionIn(Schema):
    kind: str
    text: str = Field(..., min_length=1, max_length=400)
    key: str = ""
    scale: str = ""
    reverse: bool = False
    is_outcome: bool = False
    choices: list[str] = []


class TranslationIn(Schema):
    question_id: int
    language: str = Field(..., min_length=2, max_length=10)
    text: str = Field(..., min_length=1, max_length=400)
    choices: list[str] = []


class WaveIn(Schema):
    opens: date
    closes: date | None = None


class Interval(Schema):
    estimate: float
    low: float | None
    high: float | None
    n: int


class ParticipationOut(Schema):
    unit_id: int
    unit: str
    invited: int | None
    responded: int | None
    rate: float | None
    below_60: bool | None


class ScaleOut(Schema):
    scale: str
    title: str
    mean: Interval | None
    favourable: float | None
    organisation: float | None
    parent: float | None


class ItemResultOut(Schema):
    question_id: int
    key: str
    text: str
    reverse: bool
    n: int
    mean: Interval | None
    favourable: float | None
    distribution: dict[str, int]
    reason: str = ""


class BarrierOut(Schema):
    element: str
    count: int
    share: float


class ResultsOut(Schema):
    unit_id: int
    unit: str
    filter: str
    shown: bool
    reason: str
    respondents: int | None
    scales: list[ScaleOut]
    items: list[ItemResultOut]
    barriers: list[BarrierOut]


class HeatRowOut(Schema):
    unit_id: int
    unit: str
    respondents: int | None
    means: dict[str, float | None]
    reason: str
    low_participation: bool


class HeatmapOut(Schema):
    unit_id: int
    filter: str
    scales: list[str]
    organisation: HeatRowOut | None
    parent: HeatRowOut | None
    rows: list[HeatRowOut]


class ChangeOut(Schema):
    estimate: float
    low: float | None
    high: float | None
    larger_than_noise: bool


class TrendPointOut(Schema):
    wave_id: int
    wave: int
    mean: Interval | None
    reason: str
    change: ChangeOut | None


class TrendOut(Schema):
    scale: str
    title: str
    points: list[TrendPointOut]


class ReliabilityOut(Schema):
    scale: str
    alpha: float | None
    low: float | None
    high: float | None
    n: int | None
    items: list[dict]
    reason: str


class DriverOut(Schema):
    level: str
    shown: bool
    reason: str
    n: int
    r_squared: float | None
    drivers: list[dict]


class CommentOut(Schema):
    id: UUID
    question_id: int
    text: str
    replies: list[str]


class CommentsOut(Schema):
    shown: bool
    reason: str
    comments: list[CommentOut]
    sources: list[dict]


class ReplyIn(Schema):
    kind: str
    text: str = ""


class ReplyOut(Schema):
    id: int
    kind: str
    message: str


def _interval(value) -> dict | None:
    if value is None:
        return None
    return {"estimate": value.estimate, "low": value.low, "high": value.high, "n": value.n}


def _survey(request, survey_id: int) -> Survey:
    results.require_reader(request.user)
    return get_object_or_404(Survey, pk=survey_id)


# --- building and running ----------------------------------------------------------------------------


@router.get("/listening/instruments", response=list[InstrumentOut], summary="The instrument library")
def list_instruments(request):
    results.require_reader(request.user)
    return [
        {
            "key": i.key,
            "title": i.title,
            "description": i.description,
            "scales": i.scales,
            "items": [{**item.__dict__, "choices": list(item.choices)} for item in i.items],
        }
        for i in I.LIBRARY.values()
    ]


@router.get("/listening/surveys", response=list[SurveyOut])
def list_surveys(request):
    return results.readable_surveys(request.user)


@router.post("/listening/surveys", response={201: SurveyOut})
def create_survey(request, payload: SurveyIn):
    return Reply(201, services.create_survey(request.user, payload.dict()))


@router.get("/listening/surveys/{survey_id}", response=SurveyOut)
def get_survey(request, survey_id: int):
    return _survey(request, survey_id)


@router.patch("/listening/surveys/{survey_id}", response=SurveyOut)
def update_survey(request, survey_id: int, payload: SurveyPatch):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=survey_id)
    return services.update_survey(request.user, survey, payload.dict(exclude_unset=True))


@router.post("/listening/surveys/{survey_id}/questions", response={201: QuestionOut})
def add_question(request, survey_id: int, payload: QuestionIn):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=survey_id)
    return Reply(201, services.add_question(request.user, survey, payload.dict()))


@router.post("/listening/surveys/{survey_id}/translations", response={201: QuestionOut})
def add_translation(request, survey_id: int, payload: TranslationIn):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=survey_id)
    question = get_object_or_404(survey.questions, pk=payload.question_id)
    services.add_translation(request.user, question, payload.language, payload.text, payload.choices)
    return Reply(201, question)


@router.post("/listening/surveys/{survey_id}/waves", response={201: WaveOut})
def schedule_wave(request, survey_id: int, payload: WaveIn):
    services.require_manager(request.user)
    survey = get_object_or_404(Survey, pk=survey_id)
    wave = services.schedule_wave(request.user, survey, payload.opens, payload.closes)
    if wave.opens <= timezone.localdate():
        services.open_wave(wave, timezone.localdate(), request.user)
        wave.refresh_from_db()
    return Reply(201, wave)


@router.post("/listening/waves/{wave_id}/open", response=WaveOut)
def open_wave(request, wave_id: int):
    services.require_manager(request.user)
    wave = get_object_or_404(Wave, pk=wave_id)
    services.open_wave(wave, timezone.localdate(), request.user)
    wave.refresh_from_db()
    return wave


@router.post("/listening/waves/{wave_id}/close", response=WaveOut)
def close_wave(request, wave_id: int):
    services.require_manager(request.user)
    wave = get_object_or_404(Wave, pk=wave_id)
    services.close_wave(wave, request.user)
    wave.refresh_from_db()
    return wave


# --- results -----------------------------------------------------------------------------------------


def _participation_row(row) -> dict:
    return {
        "unit_id": row.unit.pk,
        "unit": row.unit.name,
        "invited": row.invited if row.shown else None,
        "responded": row.responded if row.shown else None,
        "rate": row.rate if row.shown else None,
        "below_60": row.low if row.shown else None,
    }


@router.get("/listening/waves/{wave_id}/participation", response=list[ParticipationOut])
def wave_participation(request, wave_id: int, unit: int | None = None):
    wave = results.wave_for(request.user, wave_id)
    mine, rows = results.participation(request.user, wave, unit)
    return [_participation_row(r) for r in [mine, *rows]]


@router.get("/listening/waves/{wave_id}/results", response=ResultsOut)
def wave_results(request, wave_id: int, unit: int | None = None, filter: str = ""):
    wave = results.wave_for(request.user, wave_id)
    view = results.overview(request.user, wave, unit, filter)
    return {
        "unit_id": view.scope.unit.pk,
        "unit": view.scope.unit.name,
        "filter": view.scope.cut,
        "shown": view.data.visible,
        "reason": view.data.reason,
        "respondents": view.data.respondents if view.data.visible else None,
        "scales": [
            {
                "scale": s.scale,
                "title": s.title,
                "mean": _interval(s.mean),
                "favourable": s.favourable,
                "organisation": s.organisation,
                "parent": s.parent,
            }
            for s in view.scales
        ],
        "items": [
            {
                "question_id": i.question.pk,
                "key": i.question.key,
                "text": i.question.text,
                "reverse": i.question.reverse,
                "n": i.n,
                "mean": _interval(i.mean),
                "favourable": i.favourable,
                "distribution": {label: count for label, count, _ in i.distribution},
                "reason": i.reason,
            }
            for i in view.items
        ],
        "barriers": [
            {"element": key, "count": count, "share": share} for key, _, count, share in view.barriers
        ],
    }


def _heat_row(row) -> dict | None:
    if row is None:
        return None
    return {
        "unit_id": row.unit.pk,
        "unit": row.unit.name,
        "respondents": row.respondents or None,
        "means": row.cells,
        "reason": row.reason,
        "low_participation": row.low_participation,
    }


@router.get("/listening/waves/{wave_id}/heatmap", response=HeatmapOut)
def wave_heatmap(request, wave_id: int, unit: int | None = None, filter: str = "", sort: str = ""):
    wave = results.wave_for(request.user, wave_id)
    heat = results.heatmap(request.user, wave, unit, filter, sort)
    return {
        "unit_id": heat.scope.unit.pk,
        "filter": heat.scope.cut,
        "scales": heat.scales,
        "organisation": _heat_row(heat.organisation),
        "parent": _heat_row(heat.parent),
        "rows": [_heat_row(r) for r in heat.rows],
    }


@router.get("/listening/surveys/{survey_id}/trends", response=list[TrendOut])
def survey_trends(request, survey_id: int, unit: int | None = None, filter: str = ""):
    survey = _survey(request, survey_id)
    _, series = results.trends(request.user, survey, unit, filter)
    return [
        {
            "scale": t.scale,
            "title": t.title,
            "points": [
                {
                    "wave_id": p.wave.pk,
                    "wave": p.wave.number,
                    "mean": _interval(p.mean),
                    "reason": p.reason,
                    "change": (
                        {
                            "estimate": p.change.estimate,
                            "low": p.change.low,
                            "high": p.change.high,
                            "larger_than_noise": p.change.larger_than_noise,
                        }
                        if p.change
                        else None
                    ),
                }
                for p in t.points
            ],
        }
        for t in series
    ]


@router.get("/listening/waves/{wave_id}/reliability", response=list[ReliabilityOut])
def wave_reliability(request, wave_id: int, unit: int | None = None):
    wave = results.wave_for(request.user, wave_id)
    _, data, scales = results.reliability(request.user, wave, unit)
    return [
        {
            "scale": s.scale,
            "alpha": s.result.alpha if s.result else None,
            "low": s.result.low if s.result else None,
            "high": s.result.high if s.result else None,
            "n": s.result.n if s.result else None,
            "items": [
                {"question_id": q.pk, "item_total_correlation": itc, "alpha_if_deleted": without}
                for q, itc, without in s.rows
            ],
            "reason": s.reason,
        }
        for s in scales
    ]


@router.get("/listening/waves/{wave_id}/drivers", response=DriverOut)
def wave_drivers(request, wave_id: int, unit: int | None = None, level: str = "scales"):
    wave = results.wave_for(request.user, wave_id)
    found = results.drivers(request.user, wave, unit, level)
    drivers = []
    if found.result is not None:
        for predictor, weight, share in zip(
            found.result.predictors,
            found.result.weights,
            found.result.shares or [0.0] * len(found.result.weights),
            strict=True,
        ):
            drivers.append(
                {
                    "driver": predictor,
                    "label": found.labels.get(predictor, predictor),
                    "weight": weight,
                    "share": share,
                }
            )
    return {
        "level": level,
        "shown": found.result is not None,
        "reason": found.reason,
        "n": found.n if found.result is not None else 0,
        "r_squared": found.result.r_squared if found.result else None,
        "drivers": sorted(drivers, key=lambda d: -d["weight"]),
    }


@router.get("/listening/waves/{wave_id}/comments", response=CommentsOut)
def wave_comments(
    request, wave_id: int, unit: int | None = None, question: int | None = None, label: str = ""
):
    wave = results.wave_for(request.user, wave_id)
    view = results.comments(request.user, wave, unit, question, label)
    return {
        "shown": view.allowed,
        "reason": view.reason,
        "comments": [
            {
                "id": c.pk,
                "question_id": c.question_id,
                "text": c.text,
                "replies": [r.message for r in c.replies.all()],
            }
            for c in view.comments
        ],
        "sources": [
            {"label": s.label, "title": s.title, "share": s.share, "quotes": s.quotes}
            for s in (view.summary.labels if view.summary else [])
        ],
    }


@router.post("/listening/comments/{answer_id}/replies", response={201: ReplyOut})
def reply_to_comment(request, answer_id: UUID, payload: ReplyIn):
    results.require_reader(request.user)
    answer = get_object_or_404(Answer.objects.select_related("response__wave"), pk=answer_id)
    reply = services.reply_to_comment(request.user, answer, payload.kind, payload.text)
    return Reply(201, {"id": reply.pk, "kind": reply.kind, "message": reply.message})
