"""Playbook business rules: the library, recommendations, actions, "did it help?" and "you said, we did".

Views, the API, the worker and the demo call these functions; each change is audit-logged here.
"""

import math
from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from allaboard.anonymity import min_comment_group_size, min_group_size
from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.models import Person, Unit
from allaboard.programmes.models import Programme

from . import access, gather, notify
from . import findings as F
from .models import (
    HELPED_AFTER_DAYS,
    OPEN_STATUSES,
    Action,
    ActionStatus,
    HelpedAnswer,
    HelpedAnswerChoice,
    HelpedResponder,
    MeasureKind,
    Play,
    Recommendation,
    RecommendationStatus,
    Rule,
    Strategy,
    YouSaidWeDid,
)
from .rules import OPERATORS, SCOPES, RuleSpec, check_template, example_finding, recommend

HELPED_OPEN_DAYS = 28  # how long the "did it help?" question stays open
REMIND_BEFORE_DAYS = 3  # owners hear about an action this many days before it is due
REMIND_EVERY_DAYS = 7  # and again every week while it is overdue


# The longest free text a play, action or update takes (a few screens; anything longer is a paste mistake).
TEXT_MAX = 5000


def today() -> date:
    return timezone.localdate()


# ---- the library -----------------------------------------------------------------------------------------

PLAY_FIELDS = [
    "title",
    "slug",
    "strategy",
    "purpose",
    "when_it_helps",
    "actions",
    "how_to_tell",
    "measure_kind",
    "measure_metric",
    "active",
]
RULE_FIELDS = [
    "key",
    "play",
    "kind",
    "metric",
    "operator",
    "threshold",
    "min_n",
    "scope",
    "top_only",
    "evidence",
    "active",
]


def _snapshot(obj, fields) -> dict:
    data = {}
    for name in fields:
        value = getattr(obj, name, None)
        data[name] = value.pk if hasattr(value, "pk") else value
    return data


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


@transaction.atomic
def save_play(actor, play: Play, data: dict) -> Play:
    """Create (play without pk) or edit a play. Admins and change leads only."""
    _require(access.can_manage_all(actor), "Only admins and change leads can edit the playbook.")
    before = _snapshot(play, PLAY_FIELDS) if play.pk else {}
    for name, value in data.items():
        if name not in PLAY_FIELDS:
            raise InputError(name, "is not a field of a play")
        setattr(play, name, value.strip() if isinstance(value, str) else value)
    for name in ("title", "slug", "purpose", "when_it_helps", "actions", "how_to_tell"):
        if not getattr(play, name):
            raise InputError(name, "is required")
        if len(getattr(play, name)) > TEXT_MAX:
            raise InputError(name, f"must be at most {TEXT_MAX} characters")
    if play.strategy not in Strategy.values:
        raise InputError("strategy", f"must be one of {', '.join(Strategy.values)}")
    if play.measure_kind not in MeasureKind.values:
        raise InputError("measure_kind", f"must be one of {', '.join(v for v in MeasureKind.values if v)}")
    if Play.objects.filter(slug=play.slug).exclude(pk=play.pk).exists():
        raise InputError("slug", "another play already has this short name")
    created = play.pk is None
    play.save()
    audit.record(
        actor, "create" if created else "update", play, audit.diff(before, _snapshot(play, PLAY_FIELDS))
    )
    return play


@transaction.atomic
def save_rule(actor, rule: Rule, data: dict) -> Rule:
    """Create (rule without pk) or edit a recommendation rule. Admins and change leads only."""
    _require(access.can_manage_all(actor), "Only admins and change leads can edit the playbook's rules.")
    before = _snapshot(rule, RULE_FIELDS) if rule.pk else {}
    for name, value in data.items():
        if name not in RULE_FIELDS:
            raise InputError(name, "is not a field of a rule")
        setattr(rule, name, value.strip() if isinstance(value, str) else value)
    if not rule.key:
        raise InputError("key", "is required")
    if Rule.objects.filter(key=rule.key).exclude(pk=rule.pk).exists():
        raise InputError("key", "another rule already has this key")
    if not rule.play_id:
        raise InputError("play", "is required")
    if rule.kind not in F.KINDS:
        raise InputError("kind", f"must be one of {', '.join(F.KINDS)}")
    if rule.operator not in OPERATORS:
        raise InputError("operator", f"must be one of {', '.join(OPERATORS)}")
    if rule.scope not in SCOPES:
        raise InputError("scope", f"must be one of {', '.join(SCOPES)}")
    if rule.threshold is None or not math.isfinite(float(rule.threshold)):
        raise InputError("threshold", "must be a number")
    if rule.min_n is None or int(rule.min_n) < 0:
        raise InputError("min_n", "must be zero or more")
    rule.metric = rule.metric or "*"
    problem = check_template(rule.evidence or "")
    if problem:
        raise InputError("evidence", problem)
    created = rule.pk is None
    rule.save()
    audit.record(
        actor, "create" if created else "update", rule, audit.diff(before, _snapshot(rule, RULE_FIELDS))
    )
    return rule


def rule_specs() -> list[RuleSpec]:
    """The active rules of active plays, as data for `rules.recommend`."""
    rules = Rule.objects.filter(active=True, play__active=True).select_related("play")
    return [rule.spec() for rule in rules]


def untriggerable_plays() -> list[Play]:
    """Active plays that no active rule can recommend: the library page warns about them."""
    k, comment_k = min_group_size(), min_comment_group_size()
    specs = rule_specs()
    can_fire = set()
    for spec in specs:
        if recommend([spec], [example_finding(spec, k=k, comment_k=comment_k)], k=k, comment_k=comment_k):
            can_fire.add(spec.play)
    return [play for play in Play.objects.filter(active=True) if play.slug not in can_fire]


# ---- recommendations -------------------------------------------------------------------------------------


@dataclass
class RefreshResult:
    findings: int
    new: int
    still: int
    retired: int


def recommendations_from(findings: list[F.Finding]):
    """The recommendations the current rules make from these findings (pure apart from reading the rules)."""
    return recommend(rule_specs(), findings, k=min_group_size(), comment_k=min_comment_group_size())


@transaction.atomic
def refresh_recommendations(programme: Programme, *, actor=None, on: date | None = None) -> RefreshResult:
    """Collect the programme's findings, apply the rules and store the recommendations.

    A recommendation whose evidence has gone stays (marked not current) if someone planned or dismissed it,
    and is removed if it was still open."""
    if actor is not None:
        _require(access.can_manage_all(actor), "Only admins and change leads can refresh recommendations.")
    on = on or today()
    findings = gather.collect_findings(programme, on)
    results = recommendations_from(findings)
    plays = {p.slug: p for p in Play.objects.filter(slug__in={r.play for r in results})}
    existing = {(r.play_id, r.unit_id): r for r in Recommendation.objects.filter(programme=programme)}
    seen, new = set(), 0
    for result in results:
        play = plays[result.play]
        evidence = [
            {"rule": e.rule, "rule_text": e.rule_text, "text": e.text, "finding": e.finding.snapshot()}
            for e in result.evidence
        ]
        key = (play.pk, result.unit_id)
        seen.add(key)
        rec = existing.get(key)
        if rec is None:
            Recommendation.objects.create(
                programme=programme,
                play=play,
                unit_id=result.unit_id,
                evidence=evidence,
                first_seen=on,
                last_seen=on,
            )
            new += 1
        else:
            rec.evidence, rec.last_seen, rec.current = evidence, on, True
            rec.save(update_fields=["evidence", "last_seen", "current"])
    gone = [rec for key, rec in existing.items() if key not in seen]
    retired = 0
    for rec in gone:
        if rec.status == RecommendationStatus.OPEN:
            rec.delete()
            retired += 1
        elif rec.current:
            rec.current = False
            rec.save(update_fields=["current"])
    outcome = RefreshResult(len(findings), new, len(seen) - new, retired)
    audit.record(
        actor,
        "refresh_recommendations",
        programme,
        {"findings": outcome.findings, "new": new, "still": outcome.still, "retired": retired},
    )
    return outcome


def count_by_play(recommendations) -> list[tuple[str, str, int]]:
    """(play slug, play title, how many) for these recommendations, most first."""
    rows = recommendations.order_by().values_list("play__slug", "play__title").annotate(n=Count("id"))
    return sorted(rows, key=lambda row: (-row[2], row[1]))


@transaction.atomic
def dismiss_recommendation(actor, rec: Recommendation, reason: str) -> Recommendation:
    _require(access.can_manage_all(actor), "Only admins and change leads can dismiss recommendations.")
    reason = (reason or "").strip()
    if not reason:
        raise InputError("reason", "say why, so others know it was considered")
    before = {"status": rec.status, "dismissed_reason": rec.dismissed_reason}
    rec.status, rec.dismissed_reason = RecommendationStatus.DISMISSED, reason[:300]
    rec.save(update_fields=["status", "dismissed_reason"])
    audit.record(
        actor, "dismiss", rec, audit.diff(before, {"status": rec.status, "dismissed_reason": reason})
    )
    return rec


@transaction.atomic
def reopen_recommendation(actor, rec: Recommendation) -> Recommendation:
    _require(access.can_manage_all(actor), "Only admins and change leads can reopen recommendations.")
    before = rec.status
    rec.status, rec.dismissed_reason = RecommendationStatus.OPEN, ""
    rec.save(update_fields=["status", "dismissed_reason"])
    audit.record(actor, "reopen", rec, {"status": [before, rec.status]})
    return rec


# ---- actions ---------------------------------------------------------------------------------------------

# Which measure an action answering a finding watches (element scores for barriers, shares for sources...).
MEASURE_FOR_FINDING = {
    F.BARRIER_SHARE: MeasureKind.ELEMENT_MEAN,
    F.ELEMENT_MEAN: MeasureKind.ELEMENT_MEAN,
    F.SOURCE_SHARE: MeasureKind.SOURCE_SHARE,
    F.PARTICIPATION: MeasureKind.PARTICIPATION,
    F.CUSTOMER_SCORE_FALLING: MeasureKind.CUSTOMER_SCORE,
    F.ADOPTION_STALLED: MeasureKind.ADOPTION,
}
ACTION_FIELDS = ["title", "description", "owner", "due", "status", "play", "measure_kind", "measure_metric"]


def measure_for(finding: F.Finding | None, play: Play | None) -> tuple[str, str]:
    """(measure kind, metric) to judge an action by: from the finding it answers, else the play's own."""
    if finding is not None and finding.kind in MEASURE_FOR_FINDING:
        return MEASURE_FOR_FINDING[finding.kind], finding.metric
    if play is not None:
        return play.measure_kind, play.measure_metric
    return "", ""


def action_snapshot(action: Action) -> dict:
    data = _snapshot(action, ACTION_FIELDS)
    data["teams"] = sorted(action.teams.values_list("pk", flat=True)) if action.pk else []
    return data


def _clean_action(actor, data: dict, action: Action) -> dict:
    """Check the fields given for an action; raises InputError naming the first bad one."""
    clean = {}
    if "title" in data:
        clean["title"] = (data["title"] or "").strip()
        if not clean["title"]:
            raise InputError("title", "is required")
        if len(clean["title"]) > 200:
            raise InputError("title", "must be at most 200 characters")
    if "description" in data:
        clean["description"] = (data["description"] or "").strip()
        if len(clean["description"]) > TEXT_MAX:
            raise InputError("description", f"must be at most {TEXT_MAX} characters")
    if "owner" in data:
        owner = data["owner"]
        if not isinstance(owner, Person):
            owner = Person.objects.filter(pk=owner).first() if owner else None
        if owner is None:
            raise InputError("owner", "must be a person in the organisation")
        if owner.end_date and owner.end_date < today():
            raise InputError("owner", f"{owner.full_name} has left the organisation")
        clean["owner"] = owner
    if "teams" in data:
        teams = list(data["teams"] or [])
        if not teams:
            raise InputError("teams", "name at least one team")
        ids = [t.pk if isinstance(t, Unit) else t for t in teams]
        units = list(Unit.objects.filter(pk__in=ids))
        if len(units) != len(set(ids)):
            raise InputError("teams", "unknown team")
        if not access.within_scope(actor, units):
            raise InputError("teams", "you can only plan for your own teams")
        clean["teams"] = units
    if "due" in data:
        if not isinstance(data["due"], date):
            raise InputError("due", "must be a date")
        clean["due"] = data["due"]
    if "status" in data:
        if data["status"] not in ActionStatus.values:
            raise InputError("status", f"must be one of {', '.join(ActionStatus.values)}")
        clean["status"] = data["status"]
    if "play" in data:
        play = data["play"]
        if play is not None and not isinstance(play, Play):
            play = Play.objects.filter(pk=play).first()
            if play is None:
                raise InputError("play", "unknown play")
        clean["play"] = play
    for name in ("measure_kind", "measure_metric"):
        if name in data:
            clean[name] = (data[name] or "").strip()
    if clean.get("measure_kind", "") not in MeasureKind.values:
        raise InputError("measure_kind", f"must be one of {', '.join(v for v in MeasureKind.values if v)}")
    return clean


def _apply_status(action: Action, status: str, on: date) -> None:
    """Set the status and keep the start and finish dates true to it."""
    action.status = status
    if status in (ActionStatus.IN_PROGRESS, ActionStatus.DONE) and action.started_on is None:
        action.started_on = on
    if status == ActionStatus.DONE:
        action.done_on = action.done_on or on
    else:
        action.done_on = None


@transaction.atomic
def create_action(
    actor,
    programme: Programme,
    data: dict,
    *,
    recommendation: Recommendation | None = None,
    on: date | None = None,
) -> Action:
    """A new action, blank or answering a recommendation (its strongest evidence is kept as a snapshot)."""
    _require(access.can_plan(actor), "Only admins, change leads and team leaders can plan actions.")
    on = on or today()
    if recommendation is not None:
        if recommendation.programme_id != programme.pk:
            raise InputError("recommendation", "belongs to another programme")
        if not access.visible_recommendations(actor).filter(pk=recommendation.pk).exists():
            raise InputError("recommendation", "not one of your recommendations")
        data = dict(data)
        if data.get("play") is None:
            data["play"] = recommendation.play
        if not data.get("teams") and recommendation.unit_id:
            data["teams"] = [recommendation.unit]
    for name in ("title", "owner", "teams", "due"):
        if name not in data:
            raise InputError(name, "is required")
    clean = _clean_action(actor, data, Action())
    teams = clean.pop("teams")
    status = clean.pop("status", ActionStatus.NOT_STARTED)
    action = Action(programme=programme, recommendation=recommendation, created_by=actor, **clean)
    finding = None
    if recommendation is not None and recommendation.evidence:
        strongest = recommendation.evidence[0]
        action.evidence, action.evidence_text = strongest["finding"], strongest["text"]
        finding = F.Finding.from_snapshot(strongest["finding"])
    if not action.measure_kind:
        action.measure_kind, action.measure_metric = measure_for(finding, action.play)
    _apply_status(action, status, on)
    action.save()
    action.teams.set(teams)
    if recommendation is not None and recommendation.status == RecommendationStatus.OPEN:
        recommendation.status = RecommendationStatus.PLANNED
        recommendation.save(update_fields=["status"])
        audit.record(
            actor, "plan", recommendation, {"status": ["open", "planned"], "action": [None, action.pk]}
        )
    audit.record(actor, "create", action, audit.diff({}, action_snapshot(action)))
    return action


@transaction.atomic
def update_action(actor, action: Action, data: dict, *, on: date | None = None) -> Action:
    """Edit an action. The owner may only move its status; managers and its teams' leader may edit it all."""
    if set(data) <= {"status"}:
        _require(access.can_move_action(actor, action), "You cannot change this action.")
    else:
        _require(access.can_edit_action(actor, action), "You cannot change this action.")
    before = action_snapshot(action)
    clean = _clean_action(actor, data, action)
    teams = clean.pop("teams", None)
    status = clean.pop("status", None)
    for name, value in clean.items():
        setattr(action, name, value)
    if status is not None and status != action.status:
        _apply_status(action, status, on or today())
    action.save()
    if teams is not None:
        action.teams.set(teams)
    changes = audit.diff(before, action_snapshot(action))
    if changes:
        audit.record(actor, "update", action, changes)
    return action


def overdue_actions(user, on: date | None = None):
    """Overdue actions the user may see, oldest due first."""
    return (
        access.visible_actions(user)
        .overdue(on or today())
        .select_related("owner", "programme")
        .prefetch_related("teams")
        .order_by("due", "id")
    )


def remind_owners(on: date | None = None) -> int:
    """Queue a reminder to the owner of every open action due within a few days or overdue, at most once a
    week per action. Returns how many were queued."""
    on = on or today()
    due = Action.objects.open().filter(due__lte=on + timedelta(days=REMIND_BEFORE_DAYS))
    due = due.filter(
        Q(last_reminded_on__isnull=True) | Q(last_reminded_on__lte=on - timedelta(days=REMIND_EVERY_DAYS))
    )
    sent = 0
    for action in due.select_related("owner", "programme"):
        late = action.due < on
        subject = f"{'Overdue' if late else 'Due soon'}: {action.title}"
        when = f"was due on {action.due:%d %B %Y}" if late else f"is due on {action.due:%d %B %Y}"
        text = (
            f'Hello {action.owner.given_name},\n\nThe action "{action.title}" ({action.programme}) that you own '
            f"{when}. Its status is {action.get_status_display().lower()}.\n\n"
            "Update it, or tell the change lead if it needs a new date."
        )
        if notify.send(
            action.owner,
            subject=subject,
            text=text,
            purpose="action_reminder",
            source=action,
            link=reverse("playbook:action", args=[action.pk]),
            channel="email",
        ):
            sent += 1
        action.last_reminded_on = on
        action.save(update_fields=["last_reminded_on"])
    return sent


# ---- did it help? ----------------------------------------------------------------------------------------


def people_in(units):
    """Everyone in these units and the units below them."""
    paths = [u.path for u in units]
    if not paths:
        return Person.objects.none()
    query = Q()
    for path in paths:
        query |= Q(unit__path__startswith=path)
    return Person.objects.filter(query)


def open_helped_checks(on: date | None = None) -> int:
    """Ask the teams of every action that started a month ago or more whether it helped. Returns how many
    actions were opened for answers."""
    on = on or today()
    started = on - timedelta(days=HELPED_AFTER_DAYS)
    opened = 0
    for action in Action.objects.filter(
        helped_opened_on__isnull=True,
        started_on__lte=started,
        status__in=[ActionStatus.IN_PROGRESS, ActionStatus.ON_HOLD, ActionStatus.DONE],
    ).prefetch_related("teams"):
        action.helped_opened_on = on
        action.save(update_fields=["helped_opened_on"])
        audit.record(None, "ask_helped", action, {"helped_opened_on": [None, str(on)]})
        notify.send_many(
            people_in(action.teams.all()).active_on(on),
            subject=f"Did it help? {action.title}",
            text=f'A month ago we started "{action.title}". Did it help? Answer in one click on your home page.',
            purpose="playbook_helped",
            source=action,
            link=reverse("home"),
        )
        opened += 1
    return opened


def helped_questions_for(user, on: date | None = None):
    """Actions the user is asked about now: open for answers, in one of their teams, not yet answered."""
    person = getattr(user, "person", None)
    if person is None:
        return Action.objects.none()
    on = on or today()
    ancestor_ids = [int(part) for part in person.unit.path.split(".") if part]
    answered = HelpedResponder.objects.filter(person=person).values("action_id")
    return (
        Action.objects.filter(
            helped_opened_on__isnull=False,
            helped_opened_on__gt=on - timedelta(days=HELPED_OPEN_DAYS),
            teams__in=ancestor_ids,
        )
        .exclude(status=ActionStatus.CANCELLED)
        .exclude(pk__in=answered)
        .distinct()
        .order_by("helped_opened_on", "id")
    )


@transaction.atomic
def answer_helped(user, action: Action, answer: str, on: date | None = None) -> HelpedAnswer:
    """Record a one-click "did it help?" answer. Stores the team, never the person with the answer."""
    if answer not in HelpedAnswerChoice.values:
        raise InputError("answer", f"must be one of {', '.join(HelpedAnswerChoice.values)}")
    on = on or today()
    if not helped_questions_for(user, on).filter(pk=action.pk).exists():
        already = (
            getattr(user, "person_id", None)
            and HelpedResponder.objects.filter(action=action, person_id=user.person_id).exists()
        )
        if already:
            raise InputError("answer", "you have already answered")
        raise PermissionDenied("This question is not open to you.")
    HelpedResponder.objects.create(action=action, person=user.person)
    saved = HelpedAnswer.objects.create(action=action, unit=user.person.unit, answer=answer, answered_on=on)
    audit.record(user, "answer_helped", action)  # who answered, never what: the answer stays anonymous
    return saved


@dataclass
class HelpedResults:
    n: int
    shown: bool
    counts: dict[str, int]
    shares: dict[str, float]
    k: int


def helped_results(action: Action) -> HelpedResults:
    """Answers to "did it help?", shown only when at least k people answered."""
    k = min_group_size()
    rows = list(action.helped_answers.values_list("answer", flat=True))
    n = len(rows)
    if n < k:
        return HelpedResults(n, False, {}, {}, k)
    counts = {choice: rows.count(choice) for choice in HelpedAnswerChoice.values}
    return HelpedResults(n, True, counts, {c: counts[c] / n for c in counts}, k)


# ---- you said, we did ------------------------------------------------------------------------------------

UPDATE_FIELDS = ["title", "you_said", "we_did", "action"]


def update_snapshot(update: YouSaidWeDid) -> dict:
    data = _snapshot(update, UPDATE_FIELDS + ["published_on"])
    data["units"] = sorted(update.units.values_list("pk", flat=True)) if update.pk else []
    return data


@transaction.atomic
def save_update(actor, update: YouSaidWeDid, data: dict) -> YouSaidWeDid:
    """Create (no pk: give programme in data) or edit a "you said, we did" update."""
    _require(access.can_plan(actor), "Only admins, change leads and team leaders can write updates.")
    if update.pk:
        _require(access.can_edit_update(actor, update), "You cannot change this update.")
    before = update_snapshot(update) if update.pk else {}
    if update.pk is None:
        programme = data.get("programme")
        if not isinstance(programme, Programme):
            programme = Programme.objects.filter(pk=programme).first() if programme else None
        if programme is None:
            raise InputError("programme", "is required")
        update.programme = programme
        update.author = actor
    for name in ("title", "you_said", "we_did"):
        if name in data:
            setattr(update, name, (data[name] or "").strip())
        if not getattr(update, name):
            raise InputError(name, "is required")
        if len(getattr(update, name)) > TEXT_MAX:
            raise InputError(name, f"must be at most {TEXT_MAX} characters")
    if len(update.title) > 200:
        raise InputError("title", "must be at most 200 characters")
    if "action" in data:
        action = data["action"]
        if action is not None and not isinstance(action, Action):
            action = Action.objects.filter(pk=action).first()
            if action is None:
                raise InputError("action", "unknown action")
        if action is not None and action.programme_id != update.programme_id:
            raise InputError("action", "belongs to another programme")
        update.action = action
    units = None
    if "units" in data or update.pk is None:
        ids = [u.pk if isinstance(u, Unit) else u for u in (data.get("units") or [])]
        units = list(Unit.objects.filter(pk__in=ids))
        if not units or len(units) != len(set(ids)):
            raise InputError("units", "name the teams it concerns")
        if not access.within_scope(actor, units):
            raise InputError("units", "you can only write to your own teams")
    created = update.pk is None
    update.save()
    if units is not None:
        update.units.set(units)
    changes = audit.diff(before, update_snapshot(update))
    if changes or created:
        audit.record(actor, "create" if created else "update", update, changes)
    return update


@transaction.atomic
def publish_update(actor, update: YouSaidWeDid, *, on: date | None = None) -> int:
    """Publish an update to the teams it concerns: their home page shows it and each person gets it in the
    news feed. Returns the number of people it was sent to."""
    _require(access.can_edit_update(actor, update), "You cannot publish this update.")
    if update.is_published:
        raise InputError("published_on", "already published")
    on = on or today()
    update.published_on = on
    update.save(update_fields=["published_on", "updated_at"])
    audit.record(actor, "publish", update, {"published_on": [None, str(on)]})
    return notify.send_many(
        people_in(update.units.all()).active_on(on),
        subject=f"You said, we did: {update.title}",
        text=f"You said: {update.you_said}\n\nWe did: {update.we_did}",
        purpose="you_said_we_did",
        source=update,
        link=reverse("playbook:update", args=[update.pk]),
    )


def updates_for(user):
    """Published updates concerning the user's team, newest first (the home panel and the feed page)."""
    return (
        access.visible_updates(user)
        .filter(published_on__isnull=False)
        .select_related("programme", "action")
        .order_by("-published_on", "-id")
    )


def open_statuses() -> list[str]:
    return list(OPEN_STATUSES)
