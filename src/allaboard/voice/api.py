"""Voice API: the same services and permissions as the pages.

An anonymous idea's output carries no author and no team (author is null), the same as the database row."""

from datetime import date

from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja import Status as Reply

from allaboard.errors import InputError
from allaboard.programmes.models import Programme

from . import access, services
from .models import Champion, Consultation, Experiment, Idea, IdeaStatus, Kudos, ServiceValue, Win

router = Router(tags=["voice"])


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


# ---- schemas ----------------------------------------------------------------------------------------------


class StepOut(Schema):
    on: date
    from_status: str
    to_status: str
    reason: str
    automatic: bool


class IdeaOut(Schema):
    id: int
    programme_id: int
    category: str
    title: str
    text: str
    status: str
    anonymous: bool
    author: str | None
    team: str | None
    votes: int
    created_on: date
    answer_due: date
    first_answered_on: date | None
    overdue: bool
    merged_into_id: int | None
    action_id: int | None
    experiment_id: int | None

    @staticmethod
    def resolve_author(obj) -> str | None:
        return None if obj.anonymous or not obj.author_id else obj.author.full_name

    @staticmethod
    def resolve_team(obj) -> str | None:
        return None if obj.anonymous or not obj.unit_id else obj.unit.name

    @staticmethod
    def resolve_votes(obj) -> int:
        return obj.n_votes if hasattr(obj, "n_votes") else obj.votes.count()

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(services.today())


class CommentOut(Schema):
    id: int
    text: str
    author: str
    created_on: date

    @staticmethod
    def resolve_author(obj) -> str:
        return obj.author_name


class IdeaDetailOut(IdeaOut):
    steps: list[StepOut]
    comments: list[CommentOut]

    @staticmethod
    def resolve_steps(obj):
        return list(obj.changes.all())

    @staticmethod
    def resolve_comments(obj):
        return list(obj.comments.filter(hidden=False).select_related("author"))


class IdeaIn(Schema):
    programme_id: int
    category: str = "other"
    title: str = Field(..., min_length=1, max_length=200)
    text: str = Field(..., min_length=1, max_length=5000)
    anonymous: bool = False


class SubmittedOut(Schema):
    idea: IdeaOut
    key: str | None = Field(None, description="Anonymous ideas only: the author's one-time key. Shown once.")


class KeyIn(Schema):
    key: str = Field(..., min_length=1, max_length=100)


class CommentIn(Schema):
    text: str = Field(..., min_length=1, max_length=2000)
    anonymous: bool = False


class StatusIn(Schema):
    status: str
    reason: str = Field(..., min_length=1, max_length=2000)


class MergeIn(Schema):
    into_id: int
    reason: str = Field("", max_length=2000)


class VoteOut(Schema):
    counted: bool
    votes: int
    status: str


class PromiseOut(Schema):
    answered_on_time: int
    due: int
    share: float | None
    low: float | None
    high: float | None
    answer_days: int | None
    vote_threshold: int | None


class SimilarOut(Schema):
    id: int
    title: str
    status: str
    score: float


class ConsultationOut(Schema):
    id: int
    programme_id: int
    title: str
    kind: str
    proposal: str
    opens: date
    closes: date
    response: str
    published_on: date | None
    ratings: int
    mean_rating: float | None
    mean_low: float | None
    mean_high: float | None

    @staticmethod
    def resolve_ratings(obj) -> int:
        return services.rating_summary(obj).n

    @staticmethod
    def resolve_mean_rating(obj):
        s = services.rating_summary(obj)
        return s.interval.estimate if s.shown else None

    @staticmethod
    def resolve_mean_low(obj):
        s = services.rating_summary(obj)
        return s.interval.low if s.shown else None

    @staticmethod
    def resolve_mean_high(obj):
        s = services.rating_summary(obj)
        return s.interval.high if s.shown else None


class ConsultationIn(Schema):
    programme_id: int
    title: str = Field(..., min_length=1, max_length=200)
    kind: str = "process"
    proposal: str = Field(..., min_length=1)
    opens: date
    closes: date
    team_ids: list[int] = Field(..., min_length=1)


class FeedbackIn(Schema):
    rating: int | None = Field(None, ge=1, le=5)
    comment: str = Field("", max_length=4000)
    anonymous: bool = True


class ResponseIn(Schema):
    response: str = Field(..., min_length=1)


class ExperimentOut(Schema):
    id: int
    programme_id: int
    title: str
    hypothesis: str
    measure: str
    measure_type: str
    starts: date
    ends: date
    baseline_n: int | None
    baseline_value: float | None
    result_n: int | None
    result_value: float | None
    change: float | None
    change_low: float | None
    change_high: float | None
    learning: str
    decision: str

    @staticmethod
    def resolve_change(obj):
        effect = services.experiment_effect(obj)
        return effect.change.estimate if effect else None

    @staticmethod
    def resolve_change_low(obj):
        effect = services.experiment_effect(obj)
        return effect.change.low if effect else None

    @staticmethod
    def resolve_change_high(obj):
        effect = services.experiment_effect(obj)
        return effect.change.high if effect else None


class ExperimentIn(Schema):
    programme_id: int
    title: str = Field(..., min_length=1, max_length=200)
    hypothesis: str = Field(..., min_length=1)
    measure: str = Field(..., min_length=1, max_length=200)
    measure_type: str = "proportion"
    team_ids: list[int] = Field(..., min_length=1)
    starts: date
    ends: date
    baseline_n: int | None = Field(None, ge=1)
    baseline_value: float | None = None
    baseline_sd: float | None = Field(None, ge=0)


class ResultIn(Schema):
    result_n: int = Field(..., ge=1)
    result_value: float
    result_sd: float | None = Field(None, ge=0)
    learning: str = ""
    decision: str = ""


class KudosOut(Schema):
    id: int
    to: str
    team: str
    value: str | None
    message: str
    source: str
    created_on: date

    @staticmethod
    def resolve_to(obj) -> str:
        return obj.recipient_name

    @staticmethod
    def resolve_team(obj) -> str:
        return obj.unit.name

    @staticmethod
    def resolve_value(obj):
        return obj.value.name if obj.value_id else None


class KudosIn(Schema):
    person_id: int | None = None
    team_id: int | None = None
    value_id: int
    message: str = Field(..., min_length=1, max_length=1000)


class ValueOut(Schema):
    id: int
    name: str
    description: str


class CoverageOut(Schema):
    team_id: int
    team: str
    people: int
    recognised_30_days: int | None
    recognised_90_days: int | None


class WinOut(Schema):
    id: int
    programme_id: int
    title: str
    story: str
    measure: str
    metric_label: str
    before: float | None
    after: float | None
    source: str
    published_on: date | None


class ChampionsOut(Schema):
    champions: list[dict]
    teams_without: list[dict]


class ReportIn(Schema):
    target: str
    target_id: int
    reason: str = Field(..., min_length=1, max_length=300)


class HideIn(ReportIn):
    pass


class OkOut(Schema):
    ok: bool
    id: int


# ---- ideas ------------------------------------------------------------------------------------------------


def _ideas(request):
    return (
        services.visible_ideas(request.user).select_related("unit", "author").annotate(n_votes=Count("votes"))
    )


@router.get("/voice/ideas", response=list[IdeaOut])
def list_ideas(request, programme_id: int | None = None, status: str = "", overdue: bool = False):
    ideas = _ideas(request)
    if programme_id:
        ideas = ideas.filter(programme_id=programme_id)
    if status:
        if status not in IdeaStatus.values:
            raise InputError("status", f"must be one of {', '.join(IdeaStatus.values)}")
        ideas = ideas.filter(status=status)
    if overdue:
        ideas = ideas.filter(pk__in=services.overdue_ideas())
    return list(ideas[:500])


@router.post("/voice/ideas", response={201: SubmittedOut})
def create_idea(request, payload: IdeaIn):
    data = payload.dict()
    data["programme"] = data.pop("programme_id")
    submitted = services.submit_idea(request.user, data)
    return Reply(201, {"idea": _ideas(request).get(pk=submitted.idea.pk), "key": submitted.key or None})


@router.get("/voice/ideas/similar", response=list[SimilarOut])
def similar_ideas(request, text: str = "", programme_id: int | None = None):
    found = services.similar_ideas(text[:5000], programme_id=programme_id)
    return [{"id": i.pk, "title": i.title, "status": i.status, "score": round(s, 4)} for i, s in found]


@router.get("/voice/ideas/promise", response=PromiseOut)
def promise(request, programme_id: int | None = None):
    rate = services.on_time_rate(programme_id=programme_id)
    current = services.settings_for(get_object_or_404(Programme, pk=programme_id)) if programme_id else None
    return {
        "answered_on_time": rate.answered_on_time,
        "due": rate.due,
        "share": rate.share,
        "low": rate.interval.low if rate.interval else None,
        "high": rate.interval.high if rate.interval else None,
        "answer_days": current.answer_days if current else None,
        "vote_threshold": current.vote_threshold if current else None,
    }


@router.post("/voice/ideas/mine", response=IdeaDetailOut)
def my_anonymous_idea(request, payload: KeyIn):
    idea = services.ideas_for_key(payload.key)
    if idea is None:
        raise InputError("key", "no idea matches this key")
    return _ideas(request).get(pk=idea.pk) if not idea.hidden else idea


@router.get("/voice/ideas/{idea_id}", response=IdeaDetailOut)
def get_idea(request, idea_id: int):
    return get_object_or_404(_ideas(request), pk=idea_id)


@router.post("/voice/ideas/{idea_id}/vote", response=VoteOut)
def vote(request, idea_id: int):
    idea = get_object_or_404(services.visible_ideas(request.user), pk=idea_id)
    counted = services.vote(request.user, idea)
    idea.refresh_from_db()
    return {"counted": counted, "votes": idea.votes.count(), "status": idea.status}


@router.post("/voice/ideas/{idea_id}/comments", response={201: CommentOut})
def add_comment(request, idea_id: int, payload: CommentIn):
    idea = get_object_or_404(services.visible_ideas(request.user), pk=idea_id)
    return Reply(201, services.comment(request.user, idea, payload.text, anonymous=payload.anonymous))


@router.post("/voice/ideas/{idea_id}/status", response=IdeaDetailOut)
def change_status(request, idea_id: int, payload: StatusIn):
    _require(access.can_manage(request.user), "Only admins and change leads answer ideas.")
    idea = get_object_or_404(Idea, pk=idea_id)
    services.change_status(request.user, idea, payload.status, payload.reason)
    return _ideas(request).get(pk=idea.pk)


@router.post("/voice/ideas/{idea_id}/merge", response=IdeaDetailOut)
def merge(request, idea_id: int, payload: MergeIn):
    _require(access.can_manage(request.user), "Only admins and change leads merge ideas.")
    idea = get_object_or_404(Idea, pk=idea_id)
    target = Idea.objects.filter(pk=payload.into_id).first()
    if target is None:
        raise InputError("into_id", "no such idea")
    services.merge(request.user, idea, target, payload.reason)
    return _ideas(request).get(pk=target.pk)


# ---- consultation -----------------------------------------------------------------------------------------


@router.get("/voice/consultations", response=list[ConsultationOut])
def list_consultations(request):
    return list(services.visible_consultations(request.user))


@router.post("/voice/consultations", response={201: ConsultationOut})
def create_consultation(request, payload: ConsultationIn):
    data = payload.dict()
    data["programme"], data["teams"] = data.pop("programme_id"), data.pop("team_ids")
    return Reply(201, services.create_consultation(request.user, data))


@router.post("/voice/consultations/{consultation_id}/feedback", response={201: OkOut})
def give_feedback(request, consultation_id: int, payload: FeedbackIn):
    consultation = get_object_or_404(services.visible_consultations(request.user), pk=consultation_id)
    feedback = services.give_feedback(request.user, consultation, payload.dict())
    return Reply(201, {"ok": True, "id": feedback.pk})


@router.post("/voice/consultations/{consultation_id}/response", response=ConsultationOut)
def publish_response(request, consultation_id: int, payload: ResponseIn):
    _require(access.can_manage(request.user), "Only admins and change leads publish the response.")
    consultation = get_object_or_404(Consultation, pk=consultation_id)
    return services.publish_response(request.user, consultation, payload.response)


# ---- experiments ------------------------------------------------------------------------------------------


@router.get("/voice/experiments", response=list[ExperimentOut])
def list_experiments(request, q: str = "", learnings_only: bool = False):
    if learnings_only or q:
        return list(services.search_learnings(q[:200]))
    return list(Experiment.objects.all()[:500])


@router.post("/voice/experiments", response={201: ExperimentOut})
def create_experiment(request, payload: ExperimentIn):
    data = payload.dict()
    data["programme"], data["teams"] = data.pop("programme_id"), data.pop("team_ids")
    return Reply(201, services.save_experiment(request.user, Experiment(), data))


@router.post("/voice/experiments/{experiment_id}/result", response=ExperimentOut)
def record_result(request, experiment_id: int, payload: ResultIn):
    _require(
        access.can_run_experiments(request.user),
        "Only admins, change leads and team leaders run experiments.",
    )
    experiment = get_object_or_404(Experiment, pk=experiment_id)
    return services.save_experiment(request.user, experiment, payload.dict())


# ---- recognition ------------------------------------------------------------------------------------------


@router.get("/voice/values", response=list[ValueOut])
def list_values(request):
    return list(ServiceValue.objects.filter(active=True))


@router.get("/voice/kudos", response=list[KudosOut])
def list_kudos(request, team_id: int | None = None):
    kudos = Kudos.objects.filter(hidden=False).select_related("person", "unit", "value")
    if team_id:
        kudos = kudos.filter(unit_id=team_id)
    return list(kudos[:200])


@router.post("/voice/kudos", response={201: KudosOut})
def give_kudos(request, payload: KudosIn):
    data = {
        "person": payload.person_id,
        "unit": payload.team_id,
        "value": payload.value_id,
        "message": payload.message,
    }
    return Reply(201, services.give_kudos(request.user, data))


@router.get("/voice/coverage", response=list[CoverageOut])
def coverage(request):
    _require(access.is_leader(request.user), "Recognition coverage is for leaders.")
    return [
        {
            "team_id": r.unit.pk,
            "team": r.unit.name,
            "people": r.people,
            "recognised_30_days": r.recognised_30,
            "recognised_90_days": r.recognised_90,
        }
        for r in services.recognition_coverage(request.user)
    ]


# ---- wins, champions, moderation --------------------------------------------------------------------------


@router.get("/voice/wins", response=list[WinOut])
def list_wins(request):
    wins = (
        Win.objects.all()
        if access.can_manage(request.user)
        else Win.objects.filter(published_on__isnull=False)
    )
    return list(wins[:200])


@router.get("/voice/champions", response=ChampionsOut)
def champions(request, programme_id: int):
    _require(access.is_leader(request.user), "The champion network is for leaders.")
    programme = get_object_or_404(Programme, pk=programme_id)
    return {
        "champions": [
            {
                "person": a.champion.person.full_name,
                "team": a.champion.person.unit.name,
                "since": a.champion.since.isoformat(),
                "ideas": a.ideas,
                "comments": a.comments,
                "kudos": a.kudos,
                "feedback": a.feedback,
            }
            for a in services.champion_activity(programme)
        ],
        "teams_without": [{"id": t.pk, "name": t.name} for t in services.champion_gaps(programme)],
    }


class ChampionIn(Schema):
    programme_id: int
    person_id: int


@router.post("/voice/champions", response={201: OkOut})
def add_champion(request, payload: ChampionIn):
    _require(access.can_manage(request.user), "Only admins and change leads name champions.")
    programme = get_object_or_404(Programme, pk=payload.programme_id)
    champion: Champion = services.add_champion(request.user, programme, payload.person_id)
    return Reply(201, {"ok": True, "id": champion.pk})


@router.post("/voice/reports", response={201: OkOut})
def report(request, payload: ReportIn):
    made = services.report(request.user, payload.target, payload.target_id, payload.reason)
    return Reply(201, {"ok": True, "id": made.pk})


@router.post("/voice/hide", response=OkOut)
def hide(request, payload: HideIn):
    _require(access.can_moderate(request.user), "Only admins hide posts.")
    obj = services.hide(request.user, payload.target, payload.target_id, payload.reason)
    return {"ok": True, "id": obj.pk}
