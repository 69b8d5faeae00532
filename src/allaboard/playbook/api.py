"""API for the playbook, with the same permissions and services as the pages."""

from contextlib import contextmanager
from datetime import date

from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from ninja import Field, Router, Schema
from ninja import Status as Reply

from allaboard.errors import InputError
from allaboard.programmes.models import Programme

from . import access, effects, services
from .models import (
    Action,
    ActionStatus,
    HelpedAnswerChoice,
    MeasureKind,
    Play,
    Rule,
    Strategy,
)
from .models import YouSaidWeDid as Update

router = Router(tags=["playbook"])


# ---- schemas ---------------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    key: str
    play_id: int
    kind: str
    metric: str
    operator: str
    threshold: float
    min_n: int
    scope: str
    top_only: bool
    evidence: str
    active: bool
    built_in: bool
    description: str

    @staticmethod
    def resolve_description(obj) -> str:
        return obj.spec().describe()


class RuleIn(Schema):
    key: str = Field(..., min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    play_id: int
    kind: str
    metric: str = Field("*", max_length=64)
    operator: str = ">="
    threshold: float
    min_n: int = Field(0, ge=0)
    scope: str = "any"
    top_only: bool = False
    evidence: str = Field("", max_length=300)
    active: bool = True


class RulePatch(Schema):
    play_id: int | None = None
    kind: str | None = None
    metric: str | None = Field(None, max_length=64)
    operator: str | None = None
    threshold: float | None = None
    min_n: int | None = Field(None, ge=0)
    scope: str | None = None
    top_only: bool | None = None
    evidence: str | None = Field(None, max_length=300)
    active: bool | None = None


class PlayOut(Schema):
    id: int
    slug: str
    title: str
    strategy: str
    purpose: str
    when_it_helps: str
    actions: list[str]
    how_to_tell: str
    measure_kind: str
    measure_metric: str
    built_in: bool
    active: bool
    rules: list[RuleOut]

    @staticmethod
    def resolve_actions(obj) -> list[str]:
        return obj.action_list()

    @staticmethod
    def resolve_rules(obj):
        return list(obj.rules.all())


class PlayIn(Schema):
    slug: str = Field(..., min_length=1, max_length=60, pattern=r"^[-a-zA-Z0-9_]+$")
    title: str = Field(..., min_length=1, max_length=200)
    strategy: Strategy = Strategy.OWN
    purpose: str = Field(..., min_length=1, max_length=services.TEXT_MAX)
    when_it_helps: str = Field(..., min_length=1, max_length=services.TEXT_MAX)
    actions: list[str] = Field(..., min_length=1)
    how_to_tell: str = Field(..., min_length=1, max_length=services.TEXT_MAX)
    measure_kind: MeasureKind = MeasureKind.NONE
    measure_metric: str = Field("", max_length=64)
    active: bool = True


class PlayPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    strategy: Strategy | None = None
    purpose: str | None = Field(None, min_length=1, max_length=services.TEXT_MAX)
    when_it_helps: str | None = Field(None, min_length=1, max_length=services.TEXT_MAX)
    actions: list[str] | None = Field(None, min_length=1)
    how_to_tell: str | None = Field(None, min_length=1, max_length=services.TEXT_MAX)
    measure_kind: MeasureKind | None = None
    measure_metric: str | None = Field(None, max_length=64)
    active: bool | None = None


class EvidenceOut(Schema):
    text: str
    rule: str
    rule_text: str
    finding: dict


class RecommendationOut(Schema):
    id: int
    programme_id: int
    play_id: int
    play: str
    unit_id: int | None
    group: str
    status: str
    current: bool
    first_seen: date
    last_seen: date
    dismissed_reason: str
    evidence: list[EvidenceOut]

    @staticmethod
    def resolve_play(obj) -> str:
        return obj.play.title

    @staticmethod
    def resolve_group(obj) -> str:
        return obj.group_name


class RefreshIn(Schema):
    programme_id: int


class RefreshOut(Schema):
    findings: int
    new: int
    still: int
    retired: int


class DismissIn(Schema):
    reason: str = Field(..., min_length=1, max_length=300)


class ActionOut(Schema):
    id: int
    programme_id: int
    title: str
    description: str
    play_id: int | None
    recommendation_id: int | None
    owner_id: int
    owner: str
    team_ids: list[int]
    due: date
    status: str
    overdue: bool
    started_on: date | None
    done_on: date | None
    evidence_text: str
    evidence: dict
    measure_kind: str
    measure_metric: str
    helped_opened_on: date | None

    @staticmethod
    def resolve_owner(obj) -> str:
        return obj.owner.full_name

    @staticmethod
    def resolve_team_ids(obj) -> list[int]:
        return [t.pk for t in obj.teams.all()]

    @staticmethod
    def resolve_overdue(obj) -> bool:
        return obj.is_overdue(services.today())


class ActionIn(Schema):
    programme_id: int
    title: str = Field(..., min_length=1, max_length=200)
    description: str = Field("", max_length=services.TEXT_MAX)
    owner_id: int
    team_ids: list[int] = Field(..., min_length=1)
    due: date
    status: ActionStatus = ActionStatus.NOT_STARTED
    play_id: int | None = None
    recommendation_id: int | None = None
    measure_kind: MeasureKind | None = None
    measure_metric: str = Field("", max_length=64)


class ActionPatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    description: str | None = Field(None, max_length=services.TEXT_MAX)
    owner_id: int | None = None
    team_ids: list[int] | None = Field(None, min_length=1)
    due: date | None = None
    status: ActionStatus | None = None
    play_id: int | None = None
    measure_kind: MeasureKind | None = None
    measure_metric: str | None = Field(None, max_length=64)


class ReadingOut(Schema):
    estimate: float
    low: float | None
    high: float | None
    n: int


class ChangeOut(Schema):
    estimate: float
    low: float | None
    high: float | None
    larger_than_noise: bool


class TeamEffectOut(Schema):
    unit_id: int
    unit_name: str
    before: ReadingOut | None
    after: ReadingOut | None
    change: ChangeOut | None


class EffectOut(Schema):
    measure: str
    metric: str
    is_share: bool
    before_wave: str | None
    after_wave: str | None
    note: str
    teams: list[TeamEffectOut]


class HelpedIn(Schema):
    answer: HelpedAnswerChoice


class HelpedOut(Schema):
    n: int
    shown: bool
    k: int
    shares: dict[str, float]


class HelpedQuestionOut(Schema):
    action_id: int
    title: str
    evidence_text: str
    opened_on: date


class UpdateOut(Schema):
    id: int
    programme_id: int
    title: str
    you_said: str
    we_did: str
    unit_ids: list[int]
    action_id: int | None
    published_on: date | None

    @staticmethod
    def resolve_unit_ids(obj) -> list[int]:
        return [u.pk for u in obj.units.all()]


class UpdateIn(Schema):
    programme_id: int
    title: str = Field(..., min_length=1, max_length=200)
    you_said: str = Field(..., min_length=1, max_length=services.TEXT_MAX)
    we_did: str = Field(..., min_length=1, max_length=services.TEXT_MAX)
    unit_ids: list[int] = Field(..., min_length=1)
    action_id: int | None = None


class UpdatePatch(Schema):
    title: str | None = Field(None, min_length=1, max_length=200)
    you_said: str | None = Field(None, min_length=1, max_length=services.TEXT_MAX)
    we_did: str | None = Field(None, min_length=1, max_length=services.TEXT_MAX)
    unit_ids: list[int] | None = Field(None, min_length=1)
    action_id: int | None = None


class PublishOut(Schema):
    published_on: date
    sent_to: int


# ---- helpers ---------------------------------------------------------------------------------------------


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _play_data(payload: dict) -> dict:
    if "actions" in payload and payload["actions"] is not None:
        payload["actions"] = "\n".join(line.strip() for line in payload["actions"] if line.strip())
    return {k: (v.value if hasattr(v, "value") else v) for k, v in payload.items()}


def _rule_data(payload: dict) -> dict:
    if "play_id" in payload:
        play_id = payload.pop("play_id")
        if play_id is not None:
            payload["play"] = Play.objects.filter(pk=play_id).first()
            if payload["play"] is None:
                raise InputError("play_id", f"unknown play {play_id}")
    return payload


# The services name fields as the pages do; the API answers with the names its payloads use.
ACTION_FIELDS = {
    "owner": "owner_id",
    "teams": "team_ids",
    "play": "play_id",
    "recommendation": "recommendation_id",
}
UPDATE_FIELDS = {"programme": "programme_id", "units": "unit_ids", "action": "action_id"}
RULE_FIELDS = {"play": "play_id"}


@contextmanager
def _named(renames: dict):
    try:
        yield
    except InputError as error:
        raise InputError(renames.get(error.field, error.field), error.reason) from error


def _programme_in_body(programme_id: int) -> Programme:
    programme = Programme.objects.filter(pk=programme_id).first()
    if programme is None:
        raise InputError("programme_id", f"unknown programme {programme_id}")
    return programme


# ---- plays and rules -------------------------------------------------------------------------------------


@router.get("/playbook/plays", response=list[PlayOut])
def list_plays(request):
    _require(access.can_read_playbook(request.user), "The playbook is for leaders.")
    return Play.objects.prefetch_related("rules")


@router.get("/playbook/plays/{play_id}", response=PlayOut)
def get_play(request, play_id: int):
    _require(access.can_read_playbook(request.user), "The playbook is for leaders.")
    return get_object_or_404(Play, pk=play_id)


@router.post("/playbook/plays", response={201: PlayOut})
def create_play(request, payload: PlayIn):
    return Reply(201, services.save_play(request.user, Play(), _play_data(payload.dict())))


@router.patch("/playbook/plays/{play_id}", response=PlayOut)
def update_play(request, play_id: int, payload: PlayPatch):
    _require(access.can_manage_all(request.user), "Only admins and change leads can edit the playbook.")
    play = get_object_or_404(Play, pk=play_id)
    return services.save_play(request.user, play, _play_data(payload.dict(exclude_unset=True)))


@router.get("/playbook/rules", response=list[RuleOut])
def list_rules(request):
    _require(access.can_read_playbook(request.user), "The playbook is for leaders.")
    return Rule.objects.select_related("play")


@router.post("/playbook/rules", response={201: RuleOut})
def create_rule(request, payload: RuleIn):
    _require(
        access.can_manage_all(request.user), "Only admins and change leads can edit the playbook's rules."
    )
    with _named(RULE_FIELDS):
        return Reply(201, services.save_rule(request.user, Rule(), _rule_data(payload.dict())))


@router.patch("/playbook/rules/{rule_id}", response=RuleOut)
def update_rule(request, rule_id: int, payload: RulePatch):
    _require(
        access.can_manage_all(request.user), "Only admins and change leads can edit the playbook's rules."
    )
    rule = get_object_or_404(Rule, pk=rule_id)
    with _named(RULE_FIELDS):
        return services.save_rule(request.user, rule, _rule_data(payload.dict(exclude_unset=True)))


# ---- recommendations -------------------------------------------------------------------------------------


@router.get("/playbook/recommendations", response=list[RecommendationOut])
def list_recommendations(request, programme_id: int | None = None, status: str | None = None):
    _require(access.can_read_playbook(request.user), "Recommendations are for leaders.")
    recs = access.visible_recommendations(request.user).select_related("play", "unit", "programme")
    if programme_id is not None:
        recs = recs.filter(programme_id=programme_id)
    if status:
        recs = recs.filter(status=status)
    return recs


@router.post("/playbook/recommendations/refresh", response=RefreshOut)
def refresh_recommendations(request, payload: RefreshIn):
    _require(access.can_manage_all(request.user), "Only admins and change leads can refresh recommendations.")
    return services.refresh_recommendations(_programme_in_body(payload.programme_id), actor=request.user)


@router.get("/playbook/recommendations/{recommendation_id}", response=RecommendationOut)
def get_recommendation(request, recommendation_id: int):
    return get_object_or_404(access.visible_recommendations(request.user), pk=recommendation_id)


@router.post("/playbook/recommendations/{recommendation_id}/dismiss", response=RecommendationOut)
def dismiss_recommendation(request, recommendation_id: int, payload: DismissIn):
    rec = get_object_or_404(access.visible_recommendations(request.user), pk=recommendation_id)
    return services.dismiss_recommendation(request.user, rec, payload.reason)


# ---- actions ---------------------------------------------------------------------------------------------


def _action_data(payload: dict) -> dict:
    renames = {"owner_id": "owner", "team_ids": "teams", "play_id": "play"}
    data = {renames.get(k, k): v for k, v in payload.items()}
    for name in ("status", "measure_kind"):
        if data.get(name) is not None and hasattr(data[name], "value"):
            data[name] = data[name].value
    if data.get("measure_kind") is None:
        data.pop("measure_kind", None)
    return data


@router.get("/playbook/actions", response=list[ActionOut])
def list_actions(request, programme_id: int | None = None, status: str | None = None, overdue: bool = False):
    actions = access.visible_actions(request.user).select_related("owner").prefetch_related("teams")
    if programme_id is not None:
        actions = actions.filter(programme_id=programme_id)
    if status:
        actions = actions.filter(status=status)
    if overdue:
        actions = actions.overdue(services.today())
    return actions.order_by("due", "id")


@router.get("/playbook/actions/{action_id}", response=ActionOut)
def get_action(request, action_id: int):
    return get_object_or_404(access.visible_actions(request.user), pk=action_id)


@router.post("/playbook/actions", response={201: ActionOut})
def create_action(request, payload: ActionIn):
    _require(access.can_plan(request.user), "Only admins, change leads and team leaders plan actions.")
    data = payload.dict()
    programme = _programme_in_body(data.pop("programme_id"))
    rec_id = data.pop("recommendation_id")
    rec = None
    if rec_id is not None:
        rec = access.visible_recommendations(request.user).filter(pk=rec_id).first()
        if rec is None:
            raise InputError("recommendation_id", f"unknown recommendation {rec_id}, or not one of yours")
    with _named(ACTION_FIELDS):
        action = services.create_action(request.user, programme, _action_data(data), recommendation=rec)
    return Reply(201, action)


@router.patch("/playbook/actions/{action_id}", response=ActionOut)
def update_action(request, action_id: int, payload: ActionPatch):
    action = get_object_or_404(access.visible_actions(request.user), pk=action_id)
    with _named(ACTION_FIELDS):
        return services.update_action(request.user, action, _action_data(payload.dict(exclude_unset=True)))


@router.get("/playbook/actions/{action_id}/effect", response=EffectOut, summary="Did it work")
def action_effect(request, action_id: int):
    action = get_object_or_404(access.visible_actions(request.user), pk=action_id)
    effect = effects.effect_of(action, request.user)
    if effect is None:
        return {
            "measure": action.measure_kind,
            "metric": action.measure_metric,
            "is_share": action.measure_kind in effects.SHARES,
            "before_wave": None,
            "after_wave": None,
            "note": "The action is not done yet.",
            "teams": [],
        }
    return {
        "measure": effect.measure,
        "metric": effect.metric,
        "is_share": effect.is_share,
        "before_wave": effect.before_wave.label if effect.before_wave else None,
        "after_wave": effect.after_wave.label if effect.after_wave else None,
        "note": effect.note,
        "teams": [
            {
                "unit_id": row.unit_id,
                "unit_name": row.unit_name,
                "before": row.before,
                "after": row.after,
                "change": row.change,
            }
            for row in effect.rows
        ],
    }


@router.get("/playbook/actions/{action_id}/helped", response=HelpedOut, summary="Did it help: results")
def helped_results(request, action_id: int):
    action = get_object_or_404(access.visible_actions(request.user), pk=action_id)
    return services.helped_results(action)


@router.get("/playbook/helped", response=list[HelpedQuestionOut], summary="Did it help: questions for me")
def helped_questions(request):
    return [
        {
            "action_id": a.pk,
            "title": a.title,
            "evidence_text": a.evidence_text,
            "opened_on": a.helped_opened_on,
        }
        for a in services.helped_questions_for(request.user)
    ]


@router.post("/playbook/actions/{action_id}/helped", response={201: HelpedQuestionOut})
def answer_helped(request, action_id: int, payload: HelpedIn):
    action = get_object_or_404(Action, pk=action_id)
    services.answer_helped(request.user, action, payload.answer.value)
    return Reply(
        201,
        {
            "action_id": action.pk,
            "title": action.title,
            "evidence_text": action.evidence_text,
            "opened_on": action.helped_opened_on,
        },
    )


# ---- you said, we did ------------------------------------------------------------------------------------


def _update_data(payload: dict) -> dict:
    renames = {"programme_id": "programme", "unit_ids": "units", "action_id": "action"}
    return {renames.get(k, k): v for k, v in payload.items()}


@router.get("/playbook/updates", response=list[UpdateOut], summary="You said, we did")
def list_updates(request, programme_id: int | None = None):
    updates = access.visible_updates(request.user).prefetch_related("units").order_by("-published_on", "-id")
    if programme_id is not None:
        updates = updates.filter(programme_id=programme_id)
    return updates


@router.get("/playbook/updates/{update_id}", response=UpdateOut)
def get_update(request, update_id: int):
    return get_object_or_404(access.visible_updates(request.user), pk=update_id)


@router.post("/playbook/updates", response={201: UpdateOut})
def create_update(request, payload: UpdateIn):
    _programme_in_body(payload.programme_id)
    with _named(UPDATE_FIELDS):
        return Reply(201, services.save_update(request.user, Update(), _update_data(payload.dict())))


@router.patch("/playbook/updates/{update_id}", response=UpdateOut)
def edit_update(request, update_id: int, payload: UpdatePatch):
    update = get_object_or_404(access.visible_updates(request.user), pk=update_id)
    _require(access.can_edit_update(request.user, update), "You cannot change this update.")
    with _named(UPDATE_FIELDS):
        return services.save_update(request.user, update, _update_data(payload.dict(exclude_unset=True)))


@router.post("/playbook/updates/{update_id}/publish", response=PublishOut)
def publish_update(request, update_id: int):
    update = get_object_or_404(access.visible_updates(request.user), pk=update_id)
    sent = services.publish_update(request.user, update)
    return {"published_on": update.published_on, "sent_to": sent}
