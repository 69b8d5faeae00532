"""Voice services: every change goes through here (pages, API, demo and commands alike).

Rules kept here:
- free text is redacted (allaboard.textinsight.redaction.redact) before it is stored;
- an anonymous idea, comment or consultation answer stores no person and no team, leaves no audit entry
  (whose time to the second could be matched with its author's other steps), and nobody is notified about
  it by name; its author follows it with a one-time key;
- every status change has a reason, and the author (unless anonymous) and the voters are told;
- bad input raises InputError before anything is written.
"""

import csv
import importlib
import io
from dataclasses import dataclass
from datetime import date, timedelta

from django.apps import apps
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone

from allaboard import intervals
from allaboard.anonymity import min_comment_group_size, min_group_size
from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.models import Person, Role, Unit
from allaboard.programmes.models import Milestone, Programme
from allaboard.tabular import safe_cell
from allaboard.textinsight.redaction import redact

from . import access, notify, similarity
from .models import (
    NEXT_STATUSES,
    AnonymousKey,
    Category,
    Champion,
    Consultation,
    ConsultationFeedback,
    ConsultationParticipant,
    ConsultationRater,
    Decision,
    Experiment,
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Kudos,
    KudosSource,
    MeasureType,
    ProposalKind,
    Report,
    ReportTarget,
    ServiceValue,
    VoiceSettings,
    Win,
    WinMeasure,
    add_working_days,
    answer_days,
)

MAX_TEXT = 5000
MAX_REASON = 2000


def _optional(module: str):
    """Another app's module when that app is installed (apps are built in parallel), else None."""
    try:
        return importlib.import_module(module)
    except ImportError:
        return None


def today() -> date:
    return timezone.localdate()


def _require(condition: bool, message: str) -> None:
    if not condition:
        raise PermissionDenied(message)


def _person(user) -> Person:
    """The person behind a login; logins without one (an integrator admin) cannot post."""
    person = getattr(user, "person", None) if user is not None else None
    if person is None:
        raise InputError("person", "your login is not linked to a person in the organisation")
    return person


def _text(value, field: str, *, required: bool = True, limit: int = MAX_TEXT) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise InputError(field, "must be text")
    value = value.strip()
    if required and not value:
        raise InputError(field, "is required")
    if len(value) > limit:
        raise InputError(field, f"must be at most {limit} characters")
    return redact(value) if value else ""


def _programme(value) -> Programme:
    if isinstance(value, Programme):
        return value
    programme = Programme.objects.filter(pk=value).first() if str(value or "").isdigit() else None
    if programme is None:
        raise InputError("programme", "unknown programme")
    return programme


def settings_for(programme: Programme) -> VoiceSettings:
    found = VoiceSettings.objects.filter(programme=programme).first()
    return found or VoiceSettings(programme=programme, answer_days=answer_days())


def save_settings(actor, programme: Programme, data: dict) -> VoiceSettings:
    _require(access.can_manage(actor), "Only admins and change leads set the idea box rules.")
    current = settings_for(programme)
    before = {"vote_threshold": current.vote_threshold, "answer_days": current.answer_days}
    clean = {}
    for name, low, high in (("vote_threshold", 0, 100_000), ("answer_days", 1, 60)):
        if name in data:
            try:
                value = int(data[name])
            except (TypeError, ValueError):
                raise InputError(name, "must be a whole number") from None
            if not low <= value <= high:
                raise InputError(name, f"must be between {low} and {high}")
            clean[name] = value
    for name, value in clean.items():
        setattr(current, name, value)
    current.save()
    changes = audit.diff(
        before, {"vote_threshold": current.vote_threshold, "answer_days": current.answer_days}
    )
    if changes:
        audit.record(actor, "update", current, changes)
    return current


# ---- notifications (comms is the one delivery mechanism) --------------------------------------------------


def _notify(
    people, subject: str, text: str, link: str = "", source=None, purpose: str = "voice", email: bool = True
) -> int:
    """News feed and email to each person, once (see notify.py). Returns how many people."""
    return notify.send(
        people, subject=subject, text=text, purpose=purpose, link=link, source=source, email=email
    )


def _followers(idea: Idea) -> list[Person]:
    """Who hears about an idea: its named author and its voters. An anonymous author is never among them
    by authorship (they read the news with their key)."""
    people = list(Person.objects.filter(voice_votes__idea=idea))
    if not idea.anonymous and idea.author_id:
        people.insert(0, idea.author)
    return people


def change_leads() -> list[Person]:
    return list(
        Person.objects.filter(user__role=Role.CHANGE_LEAD, user__is_active=True).order_by("pk").distinct()
    )


# ---- ideas ------------------------------------------------------------------------------------------------


def visible_ideas(user):
    """Ideas anyone logged in may read: not hidden (admins also see hidden ones, marked)."""
    ideas = Idea.objects.select_related("programme", "author", "merged_into")
    if access.can_moderate(user):
        return ideas
    return ideas.filter(hidden=False)


@dataclass
class Submitted:
    idea: Idea
    key: str = ""  # the one-time key of an anonymous idea: shown once, never stored


def submit_idea(user, data: dict, *, on: date | None = None) -> Submitted:
    """A new idea. Anonymous: no author, no team, no actor in the audit log; the author gets a key."""
    person = _person(user)
    on = on or today()
    programme = _programme(data.get("programme"))
    category = data.get("category") or Category.OTHER
    if category not in Category.values:
        raise InputError("category", f"must be one of {', '.join(Category.values)}")
    title = _text(data.get("title"), "title", limit=200)
    text = _text(data.get("text"), "text")
    anonymous = bool(data.get("anonymous"))
    promise = settings_for(programme)
    with transaction.atomic():
        idea = Idea.objects.create(
            programme=programme,
            category=category,
            title=title,
            text=text,
            anonymous=anonymous,
            author=None if anonymous else person,
            unit=None if anonymous else person.unit,
            created_on=on,
            answer_due=add_working_days(on, promise.answer_days),
        )
        key = AnonymousKey.issue(idea) if anonymous else ""
        snapshot = {"title": title, "category": category, "programme": programme.pk, "anonymous": anonymous}
        if (
            not anonymous
        ):  # an audit entry's time, to the second, could be matched with the author's other steps
            audit.record(user, "create", idea, audit.diff({}, snapshot))
    _to_textinsight(idea)
    return Submitted(idea, key)


def _to_textinsight(idea: Idea) -> None:
    if not apps.is_installed("allaboard.textinsight"):
        return
    from allaboard.textinsight.services import submit_comments

    submit_comments(
        [
            {
                "kind": "employee",
                "source": "voice.idea",
                "source_id": str(idea.pk),
                "text": f"{idea.title}. {idea.text}",
                "unit_id": idea.unit_id,
                "programme_id": idea.programme_id,
                "wave_key": None,
                "created_on": idea.created_on,
            }
        ]
    )


def similar_ideas(
    text: str, *, programme_id: int | None = None, exclude_id: int | None = None, limit: int = 5
):
    """Existing ideas most like `text` (TF-IDF cosine similarity over titles and texts), best first, with
    their scores. Ideas merged into another are left out: the one they were merged into stands for them."""
    text = (text or "").strip()[:5000]
    if len(text) < 8:
        return []
    ideas = Idea.objects.filter(hidden=False).exclude(status=IdeaStatus.MERGED)
    if programme_id:
        ideas = ideas.filter(programme_id=programme_id)
    # The ids and titles identify the set of ideas (ids alone could be reused after a deletion).
    heads = tuple(ideas.order_by("-id").values_list("id", "title")[: similarity_limit()])
    if not heads:
        return []
    ids = [i for i, _ in heads]

    def load():
        texts = dict(Idea.objects.filter(pk__in=ids).values_list("id", "text").order_by())
        return ids, [similarity.document(title, texts[i]) for i, title in heads]

    index = similarity.index_for((programme_id, len(heads), hash(heads)), load)
    found = index.query(text, limit=limit, exclude=exclude_id)
    by_id = Idea.objects.in_bulk([i for i, _ in found])
    return [(by_id[i], score) for i, score in found if i in by_id]


def similarity_limit() -> int:
    """How many of the most recent ideas are compared (the index is fitted once per set of ideas)."""
    return 20_000


def ideas_for_key(key: str) -> Idea | None:
    """The anonymous idea a one-time key opens (None for an unknown key)."""
    key = (key or "").strip()
    if not key or len(key) > 100:
        return None
    found = AnonymousKey.objects.filter(key_hash=AnonymousKey.hash_key(key)).select_related("idea").first()
    return found.idea if found else None


def vote(user, idea: Idea, *, on: date | None = None) -> bool:
    """One vote per person. Returns True when the vote is new; a repeat (or a concurrent duplicate) is
    refused by the unique constraint and counts once. May move the idea to review at the threshold."""
    person = _person(user)
    if not idea.is_open or idea.hidden:
        raise InputError("idea", "voting is closed for this idea")
    on = on or today()
    try:
        with transaction.atomic():
            IdeaVote.objects.create(idea=idea, person=person, created_on=on)
    except IntegrityError:
        return False
    _maybe_auto_review(idea, on)
    return True


def unvote(user, idea: Idea) -> bool:
    person = _person(user)
    deleted, _ = IdeaVote.objects.filter(idea=idea, person=person).delete()
    return bool(deleted)


def _maybe_auto_review(idea: Idea, on: date) -> bool:
    threshold = settings_for(idea.programme).vote_threshold
    if not threshold:
        return False
    votes = IdeaVote.objects.filter(idea=idea).count()
    if votes < threshold:
        return False
    with transaction.atomic():
        # Only one of several concurrent voters makes the move: the update is conditional on the status.
        moved = Idea.objects.filter(pk=idea.pk, status=IdeaStatus.NEW).update(status=IdeaStatus.UNDER_REVIEW)
        if not moved:
            return False
        idea.status = IdeaStatus.UNDER_REVIEW
        reason = f"Reached {votes} votes (the threshold is {threshold}), so it goes to review."
        IdeaStatusChange.objects.create(
            idea=idea,
            from_status=IdeaStatus.NEW,
            to_status=IdeaStatus.UNDER_REVIEW,
            reason=reason,
            automatic=True,
            by_name="automatic",
            on=on,
        )
        audit.record(None, "auto_review", idea, {"status": [IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW]})
    _tell(idea, f"Your idea is under review: {idea.title}", reason)
    return True


def _tell(idea: Idea, subject: str, text: str) -> int:
    return _notify(
        _followers(idea), subject, text, link=idea.get_absolute_url(), source=idea, purpose="voice_idea"
    )


def comment(user, idea: Idea, text: str, *, anonymous: bool = False, on: date | None = None) -> IdeaComment:
    person = _person(user)
    if idea.hidden:
        raise InputError("idea", "this idea is hidden")
    body = _text(text, "text", limit=2000)
    with transaction.atomic():
        made = IdeaComment.objects.create(
            idea=idea,
            text=body,
            anonymous=bool(anonymous),
            author=None if anonymous else person,
            created_on=on or today(),
        )
        if not anonymous:  # no timed trace of an anonymous comment (see submit_idea)
            audit.record(user, "comment", idea, {"comment": [None, made.pk]})
    return made


def change_status(
    actor, idea: Idea, to_status: str, reason: str, *, on: date | None = None
) -> IdeaStatusChange:
    """Move an idea along its pipeline. A reason is required at every step; followers are told."""
    _require(access.can_manage(actor), "Only admins and change leads answer ideas.")
    if to_status not in IdeaStatus.values or to_status == IdeaStatus.MERGED:
        raise InputError("status", "unknown status (merge duplicates with a merge)")
    if to_status not in NEXT_STATUSES[IdeaStatus(idea.status)]:
        allowed = ", ".join(NEXT_STATUSES[IdeaStatus(idea.status)]) or "none: it is closed"
        raise InputError(
            "status", f"an idea that is {idea.get_status_display().lower()} can move to: {allowed}"
        )
    clean_reason = _text(reason, "reason", limit=MAX_REASON)
    return _move(actor, idea, to_status, clean_reason, on=on or today())


def _move(actor, idea: Idea, to_status: str, reason: str, *, on: date, automatic: bool = False):
    with transaction.atomic():
        locked = Idea.objects.select_for_update().get(pk=idea.pk)
        if locked.status != idea.status:
            raise InputError("status", "the idea changed meanwhile; reload and try again")
        change = IdeaStatusChange.objects.create(
            idea=idea,
            from_status=idea.status,
            to_status=to_status,
            reason=reason,
            automatic=automatic,
            by_name="automatic" if automatic else (actor.get_full_name() or actor.get_username()),
            on=on,
        )
        before = {"status": idea.status, "first_answered_on": idea.first_answered_on}
        idea.status = to_status
        if not automatic and idea.first_answered_on is None:
            idea.first_answered_on = on
        idea.save(update_fields=["status", "first_answered_on"])
        audit.record(
            None if automatic else actor,
            "status",
            idea,
            {
                **audit.diff(before, {"status": to_status, "first_answered_on": idea.first_answered_on}),
                "reason": reason,
            },
        )
    label = IdeaStatus(to_status).label.lower()
    _tell(idea, f"Idea {label}: {idea.title}", reason)
    return change


@transaction.atomic
def merge(actor, duplicate: Idea, target: Idea, reason: str = "", *, on: date | None = None) -> int:
    """Merge a duplicate into another idea: its votes move over (a person who voted for both counts once),
    the duplicate is closed as merged with a reason. Returns how many votes moved."""
    _require(access.can_manage(actor), "Only admins and change leads merge ideas.")
    if duplicate.pk == target.pk:
        raise InputError("target", "an idea cannot be merged into itself")
    if duplicate.programme_id != target.programme_id:
        raise InputError("target", "both ideas must belong to the same programme")
    if not duplicate.is_open:
        raise InputError("idea", "only an open idea can be merged")
    if target.status in (IdeaStatus.MERGED, IdeaStatus.DECLINED):
        raise InputError("target", "cannot merge into a declined or merged idea")
    on = on or today()
    reason = (
        _text(reason, "reason", required=False, limit=MAX_REASON)
        or f"Merged with a similar idea: {target.title}"
    )
    already = set(IdeaVote.objects.filter(idea=target).values_list("person_id", flat=True))
    moving = [
        IdeaVote(idea=target, person_id=v.person_id, created_on=v.created_on)
        for v in IdeaVote.objects.filter(idea=duplicate)
        if v.person_id not in already
    ]
    followers = _followers(duplicate)
    IdeaVote.objects.bulk_create(moving, ignore_conflicts=True)
    IdeaVote.objects.filter(idea=duplicate).delete()
    IdeaStatusChange.objects.create(
        idea=duplicate,
        from_status=duplicate.status,
        to_status=IdeaStatus.MERGED,
        reason=reason,
        by_name=actor.get_full_name() or actor.get_username(),
        on=on,
    )
    before = {"status": duplicate.status, "merged_into": None}
    duplicate.status = IdeaStatus.MERGED
    duplicate.merged_into = target
    duplicate.first_answered_on = duplicate.first_answered_on or on
    duplicate.save(update_fields=["status", "merged_into", "first_answered_on"])
    audit.record(
        actor, "merge", duplicate, audit.diff(before, {"status": "merged", "merged_into": target.pk})
    )
    _notify(
        followers,
        f"Idea merged: {duplicate.title}",
        f"{reason} Your vote now counts for “{target.title}”.",
        link=target.get_absolute_url(),
        source=target,
        purpose="voice_idea",
    )
    transaction.on_commit(lambda: _maybe_auto_review(target, on))
    return len(moving)


@transaction.atomic
def make_action(actor, idea: Idea, data: dict) -> "object":
    """Turn an accepted idea into a playbook action (owner, teams, due date)."""
    _require(access.can_manage(actor), "Only admins and change leads turn ideas into actions.")
    if idea.status != IdeaStatus.ACCEPTED:
        raise InputError("idea", "only an accepted idea becomes an action")
    if idea.action_id or idea.experiment_id:
        raise InputError("idea", "this idea already became an action or an experiment")
    if not apps.is_installed("allaboard.playbook"):
        raise InputError("idea", "the playbook is not installed")
    from allaboard.playbook.services import create_action

    description = f"From the idea box: {idea.text}"
    action = create_action(
        actor,
        idea.programme,
        {
            "title": data.get("title") or idea.title,
            "description": description,
            "owner": data.get("owner"),
            "teams": data.get("teams") or [],
            "due": data.get("due"),
        },
    )
    idea.action = action
    idea.outcome_told = f"action:{action.status}"
    idea.save(update_fields=["action", "outcome_told"])
    audit.record(actor, "to_action", idea, {"action": [None, action.pk]})
    _tell(
        idea,
        f"Your idea became an action: {idea.title}",
        f"“{action.title}” is planned, owned by {action.owner.full_name}, due {action.due:%d %b %Y}.",
    )
    return action


@transaction.atomic
def make_experiment(actor, idea: Idea, data: dict) -> Experiment:
    """Turn an accepted idea into an experiment: try it in some teams first."""
    _require(access.can_manage(actor), "Only admins and change leads turn ideas into experiments.")
    if idea.status != IdeaStatus.ACCEPTED:
        raise InputError("idea", "only an accepted idea becomes an experiment")
    if idea.action_id or idea.experiment_id:
        raise InputError("idea", "this idea already became an action or an experiment")
    data = {"title": idea.title, "programme": idea.programme_id, **data}
    experiment = save_experiment(actor, Experiment(), data)
    idea.experiment = experiment
    idea.outcome_told = outcome_of(idea)
    idea.save(update_fields=["experiment", "outcome_told"])
    audit.record(actor, "to_experiment", idea, {"experiment": [None, experiment.pk]})
    _tell(
        idea,
        f"Your idea will be tried: {idea.title}",
        f"An experiment runs from {experiment.starts:%d %b} to {experiment.ends:%d %b %Y}: {experiment.hypothesis}",
    )
    return experiment


def outcome_of(idea: Idea) -> str:
    """A short code for what became of an accepted idea, to tell followers when it changes."""
    if idea.action_id:
        return f"action:{idea.action.status}"
    if idea.experiment_id:
        exp = idea.experiment
        if exp.decision:
            return f"experiment:{exp.decision}"
        return "experiment:result" if exp.has_result else "experiment:running"
    return ""


OUTCOME_TEXT = {
    "action:not_started": "The action is planned.",
    "action:in_progress": "The action has started.",
    "action:on_hold": "The action is on hold.",
    "action:done": "The action is done.",
    "action:cancelled": "The action was cancelled.",
    "experiment:running": "The experiment is running.",
    "experiment:result": "The experiment has a result.",
    "experiment:adopt": "The experiment worked: we are adopting it.",
    "experiment:adapt": "The experiment taught us something: we are adapting it.",
    "experiment:abandon": "The experiment did not work: we are stopping it.",
}


def follow_outcomes(on: date | None = None) -> int:
    """Tell authors and voters what became of their idea at every later step of its action or experiment,
    and keep the idea's own status in step (with the reason). Returns how many ideas had news."""
    on = on or today()
    told = 0
    ideas = Idea.objects.filter(Q(action__isnull=False) | Q(experiment__isnull=False)).select_related(
        "action", "experiment", "programme"
    )
    for idea in ideas:
        outcome = outcome_of(idea)
        if not outcome or outcome == idea.outcome_told:
            continue
        text = OUTCOME_TEXT.get(outcome, outcome)
        target = _status_for_outcome(outcome)
        if target and target in NEXT_STATUSES[IdeaStatus(idea.status)]:
            _move(None, idea, target, text, on=on, automatic=True)
        else:
            _tell(idea, f"News on your idea: {idea.title}", text)
        Idea.objects.filter(pk=idea.pk).update(outcome_told=outcome)
        told += 1
    return told


def _status_for_outcome(outcome: str) -> str | None:
    return {
        "action:in_progress": IdeaStatus.IN_PROGRESS,
        "action:done": IdeaStatus.DONE,
        "action:cancelled": IdeaStatus.DECLINED,
        "experiment:running": IdeaStatus.IN_PROGRESS,
        "experiment:adopt": IdeaStatus.DONE,
        "experiment:adapt": IdeaStatus.DONE,
        "experiment:abandon": IdeaStatus.DECLINED,
    }.get(outcome)


# ---- the response promise ---------------------------------------------------------------------------------


def overdue_ideas(on: date | None = None):
    on = on or today()
    return Idea.objects.filter(
        hidden=False,
        first_answered_on__isnull=True,
        status__in=[IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW],
        answer_due__lt=on,
    ).order_by("answer_due", "id")


def flag_overdue(on: date | None = None) -> int:
    """Tell the change leads about ideas past their promised first answer (once per idea)."""
    on = on or today()
    fresh = list(overdue_ideas(on).filter(overdue_flagged_on__isnull=True))
    if not fresh:
        return 0
    leads = change_leads()
    lines = "\n".join(f"- {i.title} (due {i.answer_due:%d %b})" for i in fresh)
    _notify(
        leads,
        f"{len(fresh)} idea{'s' if len(fresh) != 1 else ''} past the answer promise",
        f"These ideas have had no first answer in time:\n{lines}",
        link=reverse("voice:ideas") + "?overdue=1",
        purpose="voice_overdue",
    )
    Idea.objects.filter(pk__in=[i.pk for i in fresh]).update(overdue_flagged_on=on)
    return len(fresh)


def remind_due_soon(on: date | None = None) -> int:
    """Remind the change leads, once per idea, of ideas whose promised first answer falls today or on the
    next working day and that have none yet. Returns how many ideas."""
    on = on or today()
    due = list(
        Idea.objects.filter(
            hidden=False,
            first_answered_on__isnull=True,
            status__in=[IdeaStatus.NEW, IdeaStatus.UNDER_REVIEW],
            answer_due__gte=on,
            answer_due__lte=add_working_days(on, 1),
            due_reminded_on__isnull=True,
        ).order_by("answer_due", "id")
    )
    if not due:
        return 0
    lines = "\n".join(f"- {i.title} (answer due {i.answer_due:%d %b})" for i in due)
    _notify(
        change_leads(),
        f"{len(due)} idea{'s' if len(due) != 1 else ''} to answer by the promised day",
        f"These ideas are due a first answer soon:\n{lines}",
        link=reverse("voice:ideas") + "?status=new",
        purpose="voice_due",
    )
    Idea.objects.filter(pk__in=[i.pk for i in due]).update(due_reminded_on=on)
    return len(due)


def run_daily(on: date | None = None) -> dict[str, int]:
    """The idea box's daily upkeep (the `voice_daily` command, and the worker once a day): reminders of
    answers due, overdue flags, news on what became of ideas, closed consultations, customer compliments
    and milestones reached. Each step does its work once, so running it twice a day changes nothing."""
    on = on or today()
    return {
        "due_soon": remind_due_soon(on),
        "overdue": flag_overdue(on),
        "ideas_with_news": follow_outcomes(on),
        "consultations_closed": tell_consultations_closed(on),
        "compliments": import_compliments(on - timedelta(days=14)),
        "milestones": celebrate_milestones(on),
    }


@dataclass
class OnTimeRate:
    answered_on_time: int
    due: int  # ideas whose answer was due by now, or that were answered
    interval: intervals.Interval | None

    @property
    def share(self) -> float | None:
        return self.answered_on_time / self.due if self.due else None


def on_time_rate(
    *, programme_id: int | None = None, on: date | None = None, since: date | None = None
) -> OnTimeRate:
    """Share of ideas that got a first answer within the promise: of those due by `on` (or answered),
    created since `since`. Public: it is about the organisation's promise, not about people."""
    on = on or today()
    ideas = Idea.objects.filter(Q(answer_due__lt=on) | Q(first_answered_on__isnull=False), created_on__lte=on)
    if programme_id:
        ideas = ideas.filter(programme_id=programme_id)
    if since:
        ideas = ideas.filter(created_on__gte=since)
    rows = list(ideas.values_list("answer_due", "first_answered_on"))
    due = len(rows)
    good = sum(
        1 for due_on, answered in rows if answered is not None and answered <= due_on and answered <= on
    )
    return OnTimeRate(good, due, intervals.proportion_interval(good, due) if due else None)


def status_counts(programme_id: int | None = None) -> dict[str, int]:
    ideas = Idea.objects.filter(hidden=False)
    if programme_id:
        ideas = ideas.filter(programme_id=programme_id)
    counts = dict(ideas.values_list("status").annotate(n=Count("id")).order_by())
    return {s: counts.get(s, 0) for s in IdeaStatus.values}


def export_ideas_csv(user) -> str:
    """Ideas as CSV for leaders. An anonymous idea's author and team columns are empty."""
    _require(access.can_export(user), "Only admins and change leads export ideas.")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["id", "programme", "category", "title", "text", "status", "votes", "author", "team",
                     "created_on", "answer_due", "first_answered_on"])  # fmt: skip
    ideas = Idea.objects.select_related("programme", "author", "unit").annotate(n_votes=Count("votes"))
    for i in ideas.order_by("id"):
        writer.writerow(
            [
                safe_cell(v)
                for v in (
                    i.pk,
                    i.programme.name,
                    i.category,
                    i.title,
                    i.text,
                    i.status,
                    i.n_votes,
                    "" if i.anonymous or not i.author_id else i.author.full_name,
                    "" if i.anonymous or not i.unit_id else i.unit.name,
                    i.created_on,
                    i.answer_due,
                    i.first_answered_on or "",
                )
            ]
        )
    return out.getvalue()


# ---- consultation -----------------------------------------------------------------------------------------


def _date(value, field: str) -> date:
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value or "")[:10])
    except ValueError:
        raise InputError(field, "must be a date like 2026-01-31") from None


def _units(ids, field: str, allowed=None) -> list[Unit]:
    ids = [u.pk if isinstance(u, Unit) else u for u in (ids or [])]
    try:
        ids = sorted({int(i) for i in ids})
    except (TypeError, ValueError):
        raise InputError(field, "must be unit ids") from None
    if not ids:
        raise InputError(field, "name at least one team")
    units = list(Unit.objects.filter(pk__in=ids))
    if len(units) != len(ids):
        raise InputError(field, "unknown team")
    if allowed is not None and allowed.filter(pk__in=ids).count() != len(ids):
        raise InputError(field, "you can only choose your own teams")
    return units


@transaction.atomic
def create_consultation(actor, data: dict) -> Consultation:
    _require(access.can_manage(actor), "Only admins and change leads run consultations.")
    programme = _programme(data.get("programme"))
    kind = data.get("kind") or ProposalKind.PROCESS
    if kind not in ProposalKind.values:
        raise InputError("kind", f"must be one of {', '.join(ProposalKind.values)}")
    title = _text(data.get("title"), "title", limit=200)
    proposal = _text(data.get("proposal"), "proposal", limit=20000)
    opens, closes = _date(data.get("opens"), "opens"), _date(data.get("closes"), "closes")
    if closes < opens:
        raise InputError("closes", "must be on or after the opening day")
    teams = _units(data.get("teams"), "teams")
    consultation = Consultation.objects.create(
        programme=programme,
        title=title,
        kind=kind,
        proposal=proposal,
        opens=opens,
        closes=closes,
        created_by=actor,
    )
    consultation.teams.set(teams)
    audit.record(
        actor, "create", consultation, {"title": [None, title], "teams": [None, [t.pk for t in teams]]}
    )
    people = Person.objects.active_on(opens).filter(_in_units(teams))
    _notify(
        people,
        f"Have your say: {title}",
        f"A proposal is open for your comments and rating until {closes:%d %b %Y}.",
        link=consultation.get_absolute_url(),
        source=consultation,
        purpose="voice_consultation",
    )
    return consultation


def _in_units(units, prefix: str = "unit__") -> Q:
    q = Q(pk__in=[])
    for unit in units:
        q |= Q(**{f"{prefix}path__startswith": unit.path})
    return q


def can_take_part(user, consultation: Consultation) -> bool:
    person = getattr(user, "person", None)
    if person is None:
        return False
    return (
        Unit.objects.filter(pk=person.unit_id).filter(_in_units(consultation.teams.all(), prefix="")).exists()
    )


def visible_consultations(user):
    if access.is_leader(user):
        return Consultation.objects.all()
    person = getattr(user, "person", None)
    if person is None:
        return Consultation.objects.none()
    ancestors = [int(p) for p in person.unit.path.split(".") if p]
    return Consultation.objects.filter(teams__in=ancestors).distinct()


@transaction.atomic
def give_feedback(
    user, consultation: Consultation, data: dict, *, on: date | None = None
) -> ConsultationFeedback:
    """A comment and/or a 1-5 rating from someone in the chosen teams, while it is open. One rating per
    person (who rated is kept apart from the rating); anonymous feedback stores no person."""
    if not can_take_part(user, consultation):
        raise PermissionDenied("This proposal was put to other teams.")
    person = _person(user)
    on = on or today()
    if not consultation.is_open(on):
        raise InputError(
            "consultation", f"open from {consultation.opens:%d %b} to {consultation.closes:%d %b %Y}"
        )
    rating = data.get("rating")
    if rating in ("", None):
        rating = None
    else:
        try:
            rating = int(rating)
        except (TypeError, ValueError):
            raise InputError("rating", "must be a whole number from 1 to 5") from None
        if not 1 <= rating <= 5:
            raise InputError("rating", "must be a whole number from 1 to 5")
    text = _text(data.get("comment"), "comment", required=False, limit=4000)
    if rating is None and not text:
        raise InputError("comment", "write a comment or give a rating")
    anonymous = bool(data.get("anonymous", True))
    if rating is not None:
        try:
            with transaction.atomic():
                ConsultationRater.objects.create(consultation=consultation, person=person)
        except IntegrityError:
            raise InputError("rating", "you have already rated this proposal") from None
    ConsultationParticipant.objects.get_or_create(consultation=consultation, person=person)
    feedback = ConsultationFeedback.objects.create(
        consultation=consultation,
        rating=rating,
        comment=text,
        anonymous=anonymous,
        author=None if anonymous else person,
        created_on=on,
    )
    if not anonymous:  # no timed trace of anonymous feedback (see submit_idea)
        audit.record(user, "feedback", consultation, {"feedback": [None, feedback.pk]})
    return feedback


@dataclass
class RatingSummary:
    n: int  # ratings given (one per person)
    shown_n: int  # ratings the figures are made of: the first multiple of k
    k: int
    interval: intervals.Interval | None
    counts: dict[int, int]

    @property
    def shown(self) -> bool:
        return self.shown_n >= self.k


def rating_summary(consultation: Consultation) -> RatingSummary:
    """The mean rating with its 95% interval, and the distribution, from at least k raters.

    Figures are released in blocks of k ratings (the first 5, then the first 10, ...): two figures anyone
    can see, before and after a colleague rates, always differ by at least k people, so the difference
    never reveals one person's rating (differencing, PRODUCT.md)."""
    ratings = list(
        consultation.feedback.filter(rating__isnull=False, hidden=False)
        .order_by("id")
        .values_list("rating", flat=True)
    )
    k = min_group_size()
    n = len(ratings)
    shown = ratings[: n - n % k]
    if not shown:
        return RatingSummary(n, 0, k, None, {})
    interval = intervals.mean_interval(len(shown), float(sum(shown)), float(sum(r * r for r in shown)))
    return RatingSummary(n, len(shown), k, interval, {r: shown.count(r) for r in range(1, 6)})


def participant_count(consultation: Consultation) -> int:
    """How many people gave feedback (a person counts once, however many comments they wrote)."""
    return ConsultationParticipant.objects.filter(consultation=consultation).count()


def comments_shown(consultation: Consultation) -> bool:
    """Comments need as many people as any comment in the product (ALLABOARD_MIN_COMMENT_GROUP_SIZE)."""
    return participant_count(consultation) >= min_comment_group_size()


def visible_feedback_comments(consultation: Consultation):
    """The comments, once enough people (not comments) have given feedback: a small group's wording
    identifies its writers."""
    if not comments_shown(consultation):
        return ConsultationFeedback.objects.none()
    return consultation.feedback.filter(hidden=False).exclude(comment="").select_related("author")


@transaction.atomic
def publish_response(
    actor, consultation: Consultation, response: str, *, on: date | None = None
) -> Consultation:
    """The lead says what changed because of the feedback; everyone it was put to hears."""
    _require(access.can_manage(actor), "Only admins and change leads publish the response.")
    text = _text(response, "response", limit=20000)
    on = on or today()
    before = {"response": consultation.response, "published_on": consultation.published_on}
    consultation.response, consultation.published_on = text, on
    consultation.save(update_fields=["response", "published_on"])
    audit.record(actor, "publish", consultation, audit.diff(before, {"response": text, "published_on": on}))
    teams = list(consultation.teams.all())
    _notify(
        Person.objects.active_on(on).filter(_in_units(teams)),
        f"What changed because of your feedback: {consultation.title}",
        text,
        link=consultation.get_absolute_url(),
        source=consultation,
        purpose="voice_consultation",
    )
    return consultation


def tell_consultations_closed(on: date | None = None) -> int:
    """When a consultation's period is over, the lead who started it (or, failing that, the change leads)
    hears how many people took part and is asked to publish what changed. Once per consultation."""
    on = on or today()
    done = 0
    for consultation in Consultation.objects.filter(closes__lt=on, closed_told_on__isnull=True):
        lead = getattr(consultation.created_by, "person", None) if consultation.created_by_id else None
        people = participant_count(consultation)
        ask = "" if consultation.published_on else " Tell them what changed because of their feedback."
        _notify(
            [lead] if lead else change_leads(),
            f"Consultation closed: {consultation.title}",
            f"The consultation closed on {consultation.closes:%d %b %Y}: {people} "
            f"{'person' if people == 1 else 'people'} gave feedback.{ask}",
            link=consultation.get_absolute_url(),
            source=consultation,
            purpose="voice_consultation",
        )
        Consultation.objects.filter(pk=consultation.pk).update(closed_told_on=on)
        done += 1
    return done


# ---- experiments ------------------------------------------------------------------------------------------


def _number(value, field: str, *, whole: bool = False, low: float | None = 0, optional: bool = True):
    if value in (None, ""):
        if optional:
            return None
        raise InputError(field, "is required")
    try:
        number = int(value) if whole else float(value)
    except (TypeError, ValueError):
        raise InputError(field, "must be a whole number" if whole else "must be a number") from None
    if number != number or number in (float("inf"), float("-inf")):
        raise InputError(field, "must be a number")
    if low is not None and number < low:
        raise InputError(field, f"must be at least {low}")
    return number


def _check_figures(measure_type: str, prefix: str, n, value, sd) -> None:
    if n is None and value is None:
        return
    if n is None or value is None:
        raise InputError(f"{prefix}_n", "give both the number measured and the value")
    if n < 1:
        raise InputError(f"{prefix}_n", "must be at least 1")
    if measure_type == MeasureType.PROPORTION:
        if value != int(value) or not 0 <= value <= n:
            raise InputError(f"{prefix}_value", "for a share, give the count of successes (0 to n)")
    elif n >= 2 and sd is None:
        raise InputError(f"{prefix}_sd", "give the standard deviation of an average")


@transaction.atomic
def save_experiment(actor, experiment: Experiment, data: dict) -> Experiment:
    _require(access.can_run_experiments(actor), "Only admins, change leads and team leaders run experiments.")
    new = experiment.pk is None
    if new:
        for name in ("programme", "title", "hypothesis", "measure", "teams", "starts", "ends"):
            if data.get(name) in (None, "", []):
                raise InputError(name, "is required")
    fields = {}
    if "programme" in data:
        fields["programme"] = _programme(data["programme"])
    for name, limit in (("title", 200), ("hypothesis", 5000), ("measure", 200)):
        if name in data:
            fields[name] = _text(data[name], name, limit=limit)
    if "learning" in data:
        fields["learning"] = _text(data["learning"], "learning", required=False)
    if "measure_type" in data:
        if data["measure_type"] not in MeasureType.values:
            raise InputError("measure_type", "must be proportion or mean")
        fields["measure_type"] = data["measure_type"]
    if "decision" in data:
        if (data["decision"] or "") not in Decision.values:
            raise InputError("decision", "must be adopt, adapt or abandon")
        fields["decision"] = data["decision"] or ""
    for name in ("starts", "ends"):
        if name in data:
            fields[name] = _date(data[name], name)
    for prefix in ("baseline", "result"):
        if f"{prefix}_n" in data:
            fields[f"{prefix}_n"] = _number(data[f"{prefix}_n"], f"{prefix}_n", whole=True)
        if f"{prefix}_value" in data:
            fields[f"{prefix}_value"] = _number(data[f"{prefix}_value"], f"{prefix}_value", low=None)
        if f"{prefix}_sd" in data:
            fields[f"{prefix}_sd"] = _number(data[f"{prefix}_sd"], f"{prefix}_sd")
    teams = _units(data["teams"], "teams", access.experiment_units(actor)) if "teams" in data else None
    before = _experiment_snapshot(experiment) if not new else {}
    for name, value in fields.items():
        setattr(experiment, name, value)
    if experiment.ends < experiment.starts:
        raise InputError("ends", "must be on or after the start")
    for prefix in ("baseline", "result"):
        _check_figures(
            experiment.measure_type,
            prefix,
            getattr(experiment, f"{prefix}_n"),
            getattr(experiment, f"{prefix}_value"),
            getattr(experiment, f"{prefix}_sd"),
        )
    if experiment.decision and not experiment.has_result:
        raise InputError("decision", "record the result before deciding")
    if not new and not access.experiment_units(actor).filter(pk__in=experiment.teams.all()).exists():
        raise PermissionDenied("This experiment runs in other teams.")
    if new:
        experiment.created_by = actor
    experiment.save()
    if teams is not None:
        experiment.teams.set(teams)
    changes = audit.diff(before, _experiment_snapshot(experiment))
    audit.record(actor, "create" if new else "update", experiment, changes)
    return experiment


def _experiment_snapshot(e: Experiment) -> dict:
    names = ["title", "hypothesis", "measure", "measure_type", "starts", "ends", "baseline_n", "baseline_value",
             "baseline_sd", "result_n", "result_value", "result_sd", "learning", "decision"]  # fmt: skip
    return {name: getattr(e, name) for name in names}


def _sums(n: int, mean: float, sd: float | None) -> tuple[float, float]:
    total = mean * n
    variance = (sd or 0.0) ** 2
    return total, (n - 1) * variance + n * mean * mean


@dataclass
class Effect:
    baseline: intervals.Interval
    result: intervals.Interval
    change: intervals.Difference
    as_percent: bool

    @property
    def larger_than_noise(self) -> bool:
        c = self.change
        return c.low is not None and c.high is not None and (c.low > 0 or c.high < 0)


def experiment_effect(e: Experiment) -> Effect | None:
    """Result against baseline with 95% intervals: Newcombe for a share, Welch for an average."""
    if not e.has_result or e.baseline_n is None or e.baseline_value is None:
        return None
    if e.measure_type == MeasureType.PROPORTION:
        b, r = int(e.baseline_value), int(e.result_value)
        return Effect(
            intervals.proportion_interval(b, e.baseline_n),
            intervals.proportion_interval(r, e.result_n),
            intervals.proportion_difference(successes_a=r, n_a=e.result_n, successes_b=b, n_b=e.baseline_n),
            True,
        )
    tb, sb = _sums(e.baseline_n, e.baseline_value, e.baseline_sd)
    tr, sr = _sums(e.result_n, e.result_value, e.result_sd)
    return Effect(
        intervals.mean_interval(e.baseline_n, tb, sb),
        intervals.mean_interval(e.result_n, tr, sr),
        intervals.mean_difference(
            n_a=e.result_n, total_a=tr, sum_squares_a=sr, n_b=e.baseline_n, total_b=tb, sum_squares_b=sb
        ),  # fmt: skip
        False,
    )


def search_learnings(query: str = "", *, decision: str = ""):
    """The library of learnings: experiments with a learning, searched in title, hypothesis, measure and
    learning (every word must appear somewhere)."""
    found = Experiment.objects.exclude(learning="").prefetch_related("teams").select_related("programme")
    for word in (query or "").split()[:10]:
        found = found.filter(
            Q(title__icontains=word) | Q(hypothesis__icontains=word) | Q(learning__icontains=word)
            | Q(measure__icontains=word)
        )  # fmt: skip
    if decision:
        found = found.filter(decision=decision)
    return found


# ---- recognition ------------------------------------------------------------------------------------------


@transaction.atomic
def give_kudos(user, data: dict, *, on: date | None = None) -> Kudos:
    """Peer kudos to a person (or a whole team), tied to a service value; on the team feed."""
    giver = _person(user)
    on = on or today()
    person = unit = None
    if data.get("person"):
        person = Person.objects.active_on(on).filter(pk=_number(data["person"], "person", whole=True)).first()
        if person is None:
            raise InputError("person", "must be a colleague in the organisation")
        if person.pk == giver.pk:
            raise InputError("person", "kudos are for someone else")
        unit = person.unit
    elif data.get("unit"):
        unit = Unit.objects.filter(pk=_number(data["unit"], "unit", whole=True), kind="team").first()
        if unit is None:
            raise InputError("unit", "must be a team")
    else:
        raise InputError("person", "choose a colleague or a team")
    value = ServiceValue.objects.filter(pk=_number(data.get("value"), "value", whole=True, optional=False),
                                        active=True).first()  # fmt: skip
    if value is None:
        raise InputError("value", "choose one of the service values")
    message = _text(data.get("message"), "message", limit=1000)
    kudos = Kudos.objects.create(
        giver=giver, person=person, unit=unit, value=value, message=message, created_on=on
    )
    audit.record(user, "kudos", kudos, {"to": [None, kudos.recipient_name], "value": [None, value.name]})
    recipients = [person] if person else list(Person.objects.active_on(on).filter(unit=unit))
    _notify(
        recipients,
        f"Kudos from {giver.full_name}: {value.name}",
        message,
        link=reverse("voice:kudos"),
        source=kudos,
        purpose="voice_kudos",
        email=person is not None,  # kudos for a whole team go to its members' news feeds only
    )
    return kudos


def kudos_feed(user, *, unit: Unit | None = None, limit: int = 50):
    """The team feed: kudos in the viewer's team (and, for leaders, their teams), newest first."""
    kudos = Kudos.objects.filter(hidden=False).select_related("giver", "person", "unit", "value")
    if unit is not None:
        return kudos.filter(unit__path__startswith=unit.path)[:limit]
    return kudos[:limit]


@transaction.atomic
def import_compliments(since: date) -> int:
    """Customer compliments (from the customers app) become kudos for the agent or the team, once each; the
    agent (or, for a team compliment, the team) hears about it in the news feed."""
    customer_services = _optional("allaboard.customers.services")
    if customer_services is None or not hasattr(customer_services, "compliments"):
        return 0
    items = list(customer_services.compliments(since))
    refs = [f"customers:{_get(item, 'id', 'pk', 'feedback_id')}"[:80] for item in items]
    done = set(Kudos.objects.filter(source_ref__in=refs).values_list("source_ref", flat=True))
    person_ids = {_get(item, "agent_id", "person_id") for item in items} - {None}
    people = Person.objects.in_bulk(list(person_ids))
    unit_ids = {_get(item, "team_id", "unit_id") for item in items} - {None}
    units = Unit.objects.in_bulk(list(unit_ids | {p.unit_id for p in people.values()}))
    value = ServiceValue.objects.filter(active=True).first()
    made = []
    for item, ref in zip(items, refs, strict=True):
        if ref in done:
            continue
        done.add(ref)
        person = _get(item, "agent", "person") or people.get(_get(item, "agent_id", "person_id"))
        unit = _get(item, "team", "unit") or units.get(_get(item, "team_id", "unit_id"))
        unit = unit or (units.get(person.unit_id) if person else None)
        if unit is None:
            continue
        created = _get(item, "date", "received_on", "created_on") or today()
        if hasattr(created, "date") and callable(created.date):
            created = created.date()
        text = _get(item, "comment", "text") or "A customer thanked you."
        made.append(
            Kudos(
                person=person,
                unit=unit,
                value=value,
                message=redact(str(text))[:1000],
                source=KudosSource.CUSTOMER,
                source_ref=ref,
                created_on=created,
            )
        )
    made = Kudos.objects.bulk_create(made)
    members: dict[int, list[Person]] = {}
    for kudos in made:
        if kudos.person_id:
            recipients = [kudos.person]
        else:
            if kudos.unit_id not in members:
                members[kudos.unit_id] = list(Person.objects.active_on(today()).filter(unit_id=kudos.unit_id))
            recipients = members[kudos.unit_id]
        # A compliment for one person is emailed to them; a team's goes to its members' news feeds.
        _notify(recipients, "A customer compliment", kudos.message, link=reverse("voice:kudos"),
                source=kudos if kudos.pk else None, purpose="voice_kudos", email=bool(kudos.person_id))  # fmt: skip
    return len(made)


def _get(item, *names):
    for name in names:
        value = item.get(name) if isinstance(item, dict) else getattr(item, name, None)
        if value is not None:
            return value
    return None


@dataclass
class CoverageRow:
    unit: Unit
    people: int
    recognised_30: int | None
    recognised_90: int | None

    def share(self, days: int) -> float | None:
        count = self.recognised_30 if days == 30 else self.recognised_90
        return None if count is None or not self.people else count / self.people


def recognition_coverage(user, *, on: date | None = None) -> list[CoverageRow]:
    """For each of the user's teams: how many of its people were recognised (kudos to them, from a peer or
    a customer) in the last 30 and 90 days. A team smaller than k shows no figure."""
    on = on or today()
    k = min_group_size()
    rows = []
    for unit in access.coverage_units(user).order_by("path"):
        people = set(
            Person.objects.active_on(on).filter(unit__path__startswith=unit.path).values_list("pk", flat=True)
        )
        if len(people) < k:
            rows.append(CoverageRow(unit, len(people), None, None))
            continue
        counts = []
        for days in (30, 90):
            got = set(
                Kudos.objects.filter(
                    hidden=False,
                    person_id__in=people,
                    created_on__gt=on - timedelta(days=days),
                    created_on__lte=on,
                ).values_list("person_id", flat=True)  # fmt: skip
            )
            counts.append(len(got))
        rows.append(CoverageRow(unit, len(people), counts[0], counts[1]))
    return rows


# ---- early wins -------------------------------------------------------------------------------------------


@dataclass
class Figures:
    before: float
    after: float
    label: str
    source: str


def is_measured(measure: str) -> bool:
    """Whether the product measures this itself, so a win must cite those figures (not typed-in ones):
    the idea box always; readiness, customer scores and adoption when their app is installed and offers
    the figures. Adoption is read through `allaboard.adoption.services.win_figures` when it exists."""
    if measure == WinMeasure.IDEAS_ANSWERED:
        return True
    if measure == WinMeasure.READINESS:
        return hasattr(_optional("allaboard.listening.services"), "team_element_means")
    if measure == WinMeasure.CUSTOMER_SCORE:
        return hasattr(_optional("allaboard.customers.services"), "summary")
    if measure == WinMeasure.ADOPTION:
        return hasattr(_optional("allaboard.adoption.services"), "win_figures")
    return False


def measured_figures(measure: str, programme: Programme, *, split: date, unit: Unit | None = None, element: str = "",
                     on: date | None = None) -> Figures:  # fmt: skip
    """Before/after figures drawn from the product's own measures, with their source."""
    on = on or today()
    if split > on:
        raise InputError("split", "must be in the past")
    if measure == WinMeasure.IDEAS_ANSWERED and element == "days":
        return _answer_days_figures(programme, split, on)
    if measure == WinMeasure.IDEAS_ANSWERED:
        before = on_time_rate(programme_id=programme.pk, on=split, since=split - timedelta(days=90))
        after = on_time_rate(programme_id=programme.pk, on=on, since=split)
        if not before.due or not after.due:
            raise InputError("measure", "not enough ideas due before and after that day")
        return Figures(
            round(100 * before.share, 1),
            round(100 * after.share, 1),
            "% of ideas answered on time",
            f"Idea box, {programme.name}: {before.answered_on_time}/{before.due} in the 90 days before "
            f"{split:%d %b %Y}, {after.answered_on_time}/{after.due} since",
        )
    if measure == WinMeasure.READINESS:
        listening = _optional("allaboard.listening.services")
        if listening is None:
            raise InputError("measure", "pulse results are not available")

        if not element or unit is None:
            raise InputError("element", "choose a team and an element")
        waves = _readiness_waves(programme, split)
        if waves is None:
            raise InputError("measure", "no closed pulse before and after that day")
        b = listening.team_element_means(programme.pk, element, waves[0]).get(unit.pk)
        a = listening.team_element_means(programme.pk, element, waves[1]).get(unit.pk)
        if a is None or b is None:
            raise InputError("unit", "too few answers in this team to show (anonymity threshold)")
        return Figures(
            round(b.mean, 2),
            round(a.mean, 2),
            f"{element.title()} (1-5)",
            f"Pulse, {unit.name}: {element} mean, n={b.n} before, n={a.n} after",
        )
    if measure == WinMeasure.CUSTOMER_SCORE:
        return _customer_figures(unit, element or "nps", split, on)
    if measure == WinMeasure.ADOPTION and is_measured(measure):
        return _adoption_figures(programme, unit, split, on)
    raise InputError("measure", "enter this measure's figures with evidence")


def _adoption_figures(programme: Programme, unit: Unit | None, split: date, on: date) -> Figures:
    """Adoption figures from the adoption app (built apart): `win_figures(programme, unit=, split=, on=)`
    returns (before, after, label, source), or None when it has too little data to compare."""
    found = _optional("allaboard.adoption.services").win_figures(programme, unit=unit, split=split, on=on)
    if not found:
        raise InputError("split", "too little adoption data before or after that day to compare")
    before, after, label, source = found
    return Figures(round(float(before), 1), round(float(after), 1), str(label)[:120], str(source))


def working_days_between(start: date, end: date) -> int:
    """Working days (Monday to Friday) after `start` up to and including `end`."""
    days, day = 0, start
    while day < end:
        day += timedelta(days=1)
        days += day.weekday() < 5
    return days


def _answer_days_figures(programme: Programme, split: date, on: date) -> Figures:
    """Mean working days from an idea to its first answer: ideas shared in the 90 days before `split`
    against ideas shared since (answered by `on`)."""
    answered = Idea.objects.filter(
        programme=programme, first_answered_on__isnull=False, first_answered_on__lte=on
    )
    sides = []
    for ideas in (
        answered.filter(created_on__gte=split - timedelta(days=90), created_on__lt=split),
        answered.filter(created_on__gte=split, created_on__lte=on),
    ):
        days = [working_days_between(c, a) for c, a in ideas.values_list("created_on", "first_answered_on")]
        if not days:
            raise InputError("split", "no answered ideas before or after that day")
        sides.append((round(sum(days) / len(days), 1), len(days)))
    (before, n_before), (after, n_after) = sides
    return Figures(
        before,
        after,
        "Working days from idea to first answer",
        f"Idea box, {programme.name}: mean over {n_before} ideas shared in the 90 days before "
        f"{split:%d %b %Y} and {n_after} since",
    )


CUSTOMER_MEASURES = {"nps": "NPS", "csat": "CSAT (% satisfied)", "ces": "Customer effort (1-7)"}


def _customer_figures(unit: Unit | None, which: str, split: date, on: date) -> Figures:
    """A customer score in the days since `split` against the same number of days before it."""
    customers = _optional("allaboard.customers.services")
    if customers is None:
        raise InputError("measure", "customer feedback is not available")
    if which not in CUSTOMER_MEASURES:
        raise InputError("element", f"must be one of {', '.join(CUSTOMER_MEASURES)}")
    if split > on:
        raise InputError("split", "must be in the past")
    window = customers.Window(split, on)
    unit_ids = list(unit.subtree().values_list("pk", flat=True)) if unit else None
    summary = customers.summary(window, unit_ids)
    after, before = summary.figures.get(which), summary.previous.get(which)
    if after.estimate is None or before.estimate is None or not (after.reliable and before.reliable):
        raise InputError("split", "too few customer answers before or after that day to compare")
    where = unit.name if unit else "all teams"
    return Figures(
        round(before.estimate, 1),
        round(after.estimate, 1),
        CUSTOMER_MEASURES[which],
        f"Customer feedback, {where}: n={before.n} from {window.previous()}, n={after.n} from {window}",
    )


def _readiness_waves(programme: Programme, split: date):
    """The last published pulse wave of the programme closed before `split`, and the latest one since."""
    try:
        Wave = apps.get_model("listening", "Wave")
    except LookupError:
        return None
    waves = Wave.objects.filter(survey__programme=programme, published=True)
    before = waves.filter(closes__lt=split).order_by("-closes").first()
    after = waves.filter(closes__gte=split, closes__lte=today()).order_by("-closes").first()
    return (before.pk, after.pk) if before and after else None


@transaction.atomic
def create_win(actor, data: dict, *, on: date | None = None) -> Win:
    """An early win with before/after figures: measured by the product, or entered with evidence."""
    _require(access.can_manage(actor), "Only admins and change leads publish wins.")
    on = on or today()
    programme = _programme(data.get("programme"))
    title = _text(data.get("title"), "title", limit=200)
    story = _text(data.get("story"), "story")
    measure = data.get("measure") or ""
    if measure not in WinMeasure.values or measure == WinMeasure.MILESTONE:
        raise InputError("measure", "choose a measure")
    unit = None
    if data.get("unit"):
        unit = Unit.objects.filter(pk=_number(data["unit"], "unit", whole=True)).first()
        if unit is None:
            raise InputError("unit", "unknown team")
    if is_measured(measure):
        figures = measured_figures(
            measure,
            programme,
            split=_date(data.get("split"), "split"),
            unit=unit,
            element=data.get("element", ""),
            on=on,
        )
    else:
        before = _number(data.get("before"), "before", low=None, optional=False)
        after = _number(data.get("after"), "after", low=None, optional=False)
        evidence = _text(data.get("evidence"), "evidence", limit=300)
        label = _text(data.get("metric_label"), "metric_label", limit=120)
        figures = Figures(before, after, label, f"Entered with evidence: {evidence}")
    win = Win.objects.create(
        programme=programme,
        title=title,
        story=story,
        measure=measure,
        metric_label=figures.label,
        before=figures.before,
        after=figures.after,
        source=figures.source[:300],
        unit=unit,
        created_by=actor,
        created_on=on,
    )
    audit.record(
        actor,
        "create",
        win,
        {"title": [None, title], "before": [None, win.before], "after": [None, win.after]},
    )
    if data.get("publish"):
        publish_win(actor, win, on=on)
    return win


def publish_win(actor, win: Win, *, on: date | None = None, chat: bool = True) -> int:
    """Publish a win to the news feed of the people it concerns, and to their teams' chat channels."""
    if actor is not None:
        _require(access.can_manage(actor), "Only admins and change leads publish wins.")
    if win.published_on:
        raise InputError("win", "already published")
    on = on or today()
    win.published_on = on
    win.save(update_fields=["published_on"])
    audit.record(actor, "publish", win, {"published_on": [None, on.isoformat()]})
    people = Person.objects.active_on(on)
    if win.unit_id:
        people = people.filter(unit__path__startswith=win.unit.path)
    figures = (
        f" {win.metric_label}: {_fmt(win.before)} → {_fmt(win.after)} ({win.source})."
        if win.before is not None
        else ""
    )
    # A win goes to everyone it concerns: the news feed and team chat, not one email per person.
    sent = _notify(people, f"Early win: {win.title}", f"{win.story}{figures}", link=win.get_absolute_url(),
                   source=win, purpose="voice_win", email=False)  # fmt: skip
    if chat and apps.is_installed("allaboard.comms"):
        from allaboard.comms.models import ChatChannel

        channels = ChatChannel.objects.all()
        if win.unit_id:
            channels = channels.filter(unit__path__startswith=win.unit.path)
        sent += notify.send_to_chat(channels, subject=f"Early win: {win.title}", text=f"{win.story}{figures}",
                                    purpose="voice_win", link=win.get_absolute_url(), source=win)  # fmt: skip
    return sent


def _fmt(value) -> str:
    if value is None:
        return "–"
    return f"{value:g}"


def celebrate_milestones(on: date | None = None) -> int:
    """Every milestone marked done gets a celebration post, once."""
    on = on or today()
    made = 0
    for milestone in Milestone.objects.filter(done=True, voice_win__isnull=True).select_related("programme"):
        celebrate(milestone, on=on)
        made += 1
    return made


@transaction.atomic
def celebrate(milestone: Milestone, *, on: date | None = None) -> Win:
    """A published post celebrating a milestone reached, to the people of the teams it concerned."""
    on = on or today()
    units = list(milestone.units.all())
    win = Win.objects.create(
        programme=milestone.programme,
        title=f"Milestone reached: {milestone.name}",
        story=f"{milestone.programme.name} reached “{milestone.name}”. Thank you to everyone who made it happen.",
        measure=WinMeasure.MILESTONE,
        source=f"Programme milestone, due {milestone.due:%d %b %Y}, marked done",
        unit=units[0] if len(units) == 1 else None,
        milestone=milestone,
        created_on=on,
    )
    publish_win(None, win, on=on, chat=False)
    return win


# ---- champions --------------------------------------------------------------------------------------------


@transaction.atomic
def add_champion(actor, programme: Programme, person_id, *, on: date | None = None) -> Champion:
    _require(access.can_manage(actor), "Only admins and change leads name champions.")
    person = (
        Person.objects.active_on(on or today())
        .filter(pk=_number(person_id, "person", whole=True, optional=False))
        .first()
    )
    if person is None:
        raise InputError("person", "must be someone in the organisation")
    champion, created = Champion.objects.get_or_create(
        programme=programme, person=person, defaults={"since": on or today()}
    )
    if not created:
        raise InputError("person", f"{person.full_name} is already a champion")
    audit.record(actor, "create", champion, {"person": [None, person.full_name]})
    return champion


def remove_champion(actor, champion: Champion) -> None:
    _require(access.can_manage(actor), "Only admins and change leads name champions.")
    audit.record(actor, "delete", champion, {"person": [champion.person.full_name, None]})
    champion.delete()


def programme_teams(programme: Programme):
    """Teams a programme touches: the teams under its impacted groups, or every team when none are named."""
    impacted = list(Unit.objects.filter(impacts__programme=programme).distinct())
    teams = Unit.objects.filter(kind="team")
    if impacted:
        teams = teams.filter(_in_units(impacted, prefix=""))
    return teams.order_by("path")


def champion_gaps(programme: Programme) -> list[Unit]:
    covered = set(Champion.objects.filter(programme=programme).values_list("person__unit_id", flat=True))
    return [team for team in programme_teams(programme) if team.pk not in covered]


@dataclass
class ChampionActivity:
    champion: Champion
    ideas: int
    comments: int
    kudos: int
    feedback: int

    @property
    def total(self) -> int:
        return self.ideas + self.comments + self.kudos + self.feedback


def champion_activity(
    programme: Programme, *, days: int = 90, on: date | None = None
) -> list[ChampionActivity]:
    """What each champion did in the last `days`: named ideas, comments, kudos given, consultation feedback.
    Anonymous contributions are never counted (they cannot be)."""
    on = on or today()
    since = on - timedelta(days=days)
    rows = []
    for champion in Champion.objects.filter(programme=programme).select_related("person", "person__unit"):
        p = champion.person
        rows.append(
            ChampionActivity(
                champion,
                Idea.objects.filter(author=p, created_on__gt=since).count(),
                IdeaComment.objects.filter(author=p, created_on__gt=since).count(),
                Kudos.objects.filter(giver=p, created_on__gt=since).count(),
                ConsultationFeedback.objects.filter(author=p, created_on__gt=since).count(),
            )
        )
    return rows


# ---- moderation -------------------------------------------------------------------------------------------

TARGETS = {
    ReportTarget.IDEA: Idea,
    ReportTarget.COMMENT: IdeaComment,
    ReportTarget.KUDOS: Kudos,
    ReportTarget.FEEDBACK: ConsultationFeedback,
}


def _target(target: str, target_id):
    if target not in TARGETS:
        raise InputError("target", f"must be one of {', '.join(TARGETS)}")
    obj = (
        TARGETS[target].objects.filter(pk=_number(target_id, "target_id", whole=True, optional=False)).first()
    )
    if obj is None:
        raise InputError("target_id", "no such post")
    return obj


def report(user, target: str, target_id, reason: str, *, on: date | None = None) -> Report:
    person = _person(user)
    _target(target, target_id)
    text = _text(reason, "reason", limit=300)
    found = Report.objects.filter(
        target=target, target_id=target_id, reporter=person, resolved_on__isnull=True
    ).first()
    if found:
        return found
    return Report.objects.create(
        target=target, target_id=int(target_id), reason=text, reporter=person, created_on=on or today()
    )


@transaction.atomic
def hide(actor, target: str, target_id, reason: str, *, on: date | None = None):
    """Hide a post with a reason (admins). The reason is kept in the audit log; open reports are resolved."""
    _require(access.can_moderate(actor), "Only admins hide posts.")
    obj = _target(target, target_id)
    text = _text(reason, "reason", limit=300)
    if obj.hidden:
        raise InputError("target_id", "already hidden")
    obj.hidden, obj.hidden_reason = True, text
    obj.save(update_fields=["hidden", "hidden_reason"])
    audit.record(actor, "hide", obj, {"hidden": [False, True], "reason": text})
    Report.objects.filter(target=target, target_id=obj.pk, resolved_on__isnull=True).update(
        resolved_on=on or today(), outcome=f"Hidden: {text}"
    )
    return obj


def open_reports():
    return Report.objects.filter(resolved_on__isnull=True)
