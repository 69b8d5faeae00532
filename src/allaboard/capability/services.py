"""Business rules for training, coaching, decision autonomy and leading by example.

Views, the API, imports and the demo call these; every change a user makes is audit-logged here.
"""

from __future__ import annotations

import itertools
import os
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from statistics import median

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import BigIntegerField, Count, Func, Max, Min, Q, QuerySet, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from allaboard.errors import InputError
from allaboard.org import access as org_access
from allaboard.org import audit
from allaboard.org.models import JobRole, Person, Unit, UnitKind, User

from . import small_groups, stats
from .models import (
    ADDRESSABLE,
    AgreedAction,
    Cadence,
    CoachingConversation,
    Commitment,
    Course,
    DecisionRight,
    DecisionUse,
    Delivery,
    Enrolment,
    EnrolmentStatus,
    ExceptionRequest,
    ExceptionStatus,
    FormalTraining,
    Session,
    VisibleAction,
)

DEFAULT_HOURS_PER_DAY = 7.5
DEFAULT_COACHING_DAYS = 30
CUTS = {
    "organisation": "Organisation",
    "site": "Site or partner",
    "partner": "Own staff or partner",
    "team": "Team",
    "role": "Job role",
}


def today() -> date:
    return timezone.localdate()


def hours_per_day() -> float:
    """Hours in one training day: settings.ALLABOARD_TRAINING_HOURS_PER_DAY, else the environment, else 7.5."""
    value = getattr(settings, "ALLABOARD_TRAINING_HOURS_PER_DAY", None)
    if value is None:
        value = os.environ.get("ALLABOARD_TRAINING_HOURS_PER_DAY") or DEFAULT_HOURS_PER_DAY
    hours = float(value)
    if not 0 < hours <= 24:
        raise ValueError(f"ALLABOARD_TRAINING_HOURS_PER_DAY must be between 0 and 24, not {value!r}")
    return hours


# --- small validators -------------------------------------------------------------------------------------


def _text(value, name: str, *, max_length: int, required: bool = True) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InputError(name, "is required")
    if len(text) > max_length:
        raise InputError(name, f"is longer than {max_length} characters")
    return text


def _decimal(value, name: str, *, low: float | None = 0, high: float | None = None, required: bool = False):
    if value is None or value == "":
        if required:
            raise InputError(name, "is required")
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise InputError(name, f"{value!r} is not a number") from None
    if not number.is_finite():
        raise InputError(name, "must be a finite number")
    if low is not None and number < Decimal(str(low)):
        raise InputError(name, f"must be at least {low}")
    if high is not None and number > Decimal(str(high)):
        raise InputError(name, f"must be at most {high}")
    return number.quantize(Decimal("0.01"))


def _confidence(value, name: str) -> int | None:
    if value is None or value == "":
        return None
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise InputError(name, f"{value!r} is not a whole number from 1 to 5") from None
    if not 1 <= number <= 5:
        raise InputError(name, "must be from 1 to 5")
    return number


def _day(value, name: str, *, required: bool = True) -> date | None:
    if value is None or value == "":
        if required:
            raise InputError(name, "is required")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(name, f"{value!r} is not a date; use YYYY-MM-DD") from None


def _addresses(values) -> list[str]:
    tags = [str(v).strip().lower() for v in (values or []) if str(v).strip()]
    unknown = [t for t in tags if t not in ADDRESSABLE]
    if unknown:
        raise InputError("addresses", f"{', '.join(unknown)} not one of {', '.join(ADDRESSABLE)}")
    return sorted(set(tags), key=ADDRESSABLE.index)


# --- catalogue and sessions -------------------------------------------------------------------------------

COURSE_FIELDS = [
    "name",
    "description",
    "formal_change_management",
    "delivery",
    "provider",
    "duration_hours",
    "xapi_activity_id",
    "lms_code",
    "addresses",
    "active",
]


def _course_values(data: dict, course: Course | None) -> dict:
    values = {}
    if "name" in data or course is None:
        values["name"] = _text(data.get("name"), "name", max_length=200)
        clash = Course.objects.filter(name__iexact=values["name"]).exclude(pk=course.pk if course else None)
        if clash.exists():
            raise InputError("name", "a course with this name already exists")
    if "description" in data:
        values["description"] = _text(data["description"], "description", max_length=5000, required=False)
    if "formal_change_management" in data:
        values["formal_change_management"] = bool(data["formal_change_management"])
    if "delivery" in data or course is None:
        delivery = data.get("delivery") or Delivery.IN_HOUSE
        if delivery not in Delivery.values:
            raise InputError("delivery", f"must be one of {', '.join(Delivery.values)}")
        values["delivery"] = delivery
    if "provider" in data:
        values["provider"] = _text(data["provider"], "provider", max_length=200, required=False)
    if "duration_hours" in data or course is None:
        values["duration_hours"] = _decimal(
            data.get("duration_hours"), "duration_hours", low=0.25, high=1000, required=True
        )
    for name, length in (("xapi_activity_id", 500), ("lms_code", 100)):
        if name in data:
            value = _text(data[name], name, max_length=length, required=False) or None
            if (
                value
                and Course.objects.filter(**{name: value}).exclude(pk=course.pk if course else None).exists()
            ):
                raise InputError(name, "another course already uses this id")
            values[name] = value
    if "addresses" in data:
        values["addresses"] = _addresses(data["addresses"])
    if "active" in data:
        values["active"] = bool(data["active"])
    return values


def save_course(actor: User | None, data: dict, course: Course | None = None) -> Course:
    """Create a course, or change the fields given in `data` on an existing one."""
    values = _course_values(data, course)
    with transaction.atomic():
        if course is None:
            course = Course.objects.create(**values)
            audit.record(actor, "create", course, audit.diff({}, values))
            return course
        before = {k: getattr(course, k) for k in values}
        for key, value in values.items():
            setattr(course, key, value)
        course.save()
        audit.record(actor, "update", course, audit.diff(before, values))
        if (
            before.get("formal_change_management", course.formal_change_management)
            != course.formal_change_management
        ):
            refresh_formal_training(
                Enrolment.objects.filter(course=course).values_list("person_id", flat=True)
            )
    return course


def save_session(actor: User | None, data: dict, session: Session | None = None) -> Session:
    course = data.get("course")
    if session is None and not isinstance(course, Course):
        course = Course.objects.filter(pk=data.get("course_id")).first()
        if course is None:
            raise InputError("course_id", "no such course")
    starts_on = _day(data.get("starts_on", session.starts_on if session else None), "starts_on")
    ends_on = _day(data.get("ends_on") or starts_on, "ends_on")
    if ends_on < starts_on:
        raise InputError("ends_on", "is before starts_on")
    values = {
        "starts_on": starts_on,
        "ends_on": ends_on,
        "trainer": _text(data.get("trainer", session.trainer if session else ""), "trainer", max_length=200),
        "location": _text(data.get("location", ""), "location", max_length=200, required=False),
        "capacity": int(
            _decimal(
                data.get("capacity", session.capacity if session else None),
                "capacity",
                low=1,
                high=10000,
                required=True,
            )
        ),
    }
    with transaction.atomic():
        if session is None:
            session = Session.objects.create(course=course, **values)
            audit.record(actor, "create", session, audit.diff({}, values))
            return session
        before = {k: getattr(session, k) for k in values}
        for key, value in values.items():
            setattr(session, key, value)
        session.save()
        audit.record(actor, "update", session, audit.diff(before, values))
    return session


def enrol(actor: User | None, session: Session, person: Person, *, on: date | None = None) -> Enrolment:
    """Book a person onto a session, within its capacity."""
    taken = session.enrolments.exclude(status=EnrolmentStatus.WITHDRAWN)
    if taken.filter(person=person).exists():
        raise InputError("person_id", f"{person} is already enrolled on this session")
    if taken.count() >= session.capacity:
        raise InputError("person_id", f"the session is full ({session.capacity} places)")
    with transaction.atomic():
        enrolment = Enrolment.objects.create(
            course=session.course, session=session, person=person, enrolled_on=on or today()
        )
        audit.record(actor, "enrol", enrolment, {"person": str(person), "session": str(session)})
    return enrolment


def record_outcome(actor: User | None, enrolment: Enrolment, data: dict) -> Enrolment:
    """Record attendance, completion, score and confidence on an enrolment.

    A completion without attended hours is given the course's duration, so that the training-days
    metric stays a plain sum of attended hours.
    """
    status = data.get("status", enrolment.status)
    if status not in EnrolmentStatus.values:
        raise InputError("status", f"must be one of {', '.join(EnrolmentStatus.values)}")
    hours = _decimal(data.get("hours_attended", enrolment.hours_attended), "hours_attended", high=1000)
    completed_on = _day(data.get("completed_on", enrolment.completed_on), "completed_on", required=False)
    if status == EnrolmentStatus.COMPLETED:
        completed_on = completed_on or (enrolment.session.ends_on if enrolment.session_id else today())
        if hours is None:
            hours = enrolment.course.duration_hours
    else:
        completed_on = None
    values = {
        "status": status,
        "hours_attended": hours,
        "completed_on": completed_on,
        "score": _decimal(data.get("score", enrolment.score), "score", high=100),
        "confidence_before": _confidence(
            data.get("confidence_before", enrolment.confidence_before), "confidence_before"
        ),
        "confidence_after": _confidence(
            data.get("confidence_after", enrolment.confidence_after), "confidence_after"
        ),
    }
    before = {k: getattr(enrolment, k) for k in values}
    with transaction.atomic():
        for key, value in values.items():
            setattr(enrolment, key, value)
        enrolment.save()
        audit.record(actor, "record_outcome", enrolment, audit.diff(before, values))
        refresh_formal_training([enrolment.person_id])
    return enrolment


# --- the fast path of '% formally trained' ----------------------------------------------------------------


def refresh_formal_training(person_ids=None) -> None:
    """Recompute each person's first formal change-management completion (all people when None)."""
    completions = Enrolment.objects.filter(
        status=EnrolmentStatus.COMPLETED, course__formal_change_management=True
    )
    if person_ids is None:
        FormalTraining.objects.all().delete()
        chunks = [None]
    else:
        ids = sorted(set(person_ids))
        chunks = [ids[i : i + 500] for i in range(0, len(ids), 500)]
    rows = []
    for chunk in chunks:
        subset = completions
        if chunk is not None:
            FormalTraining.objects.filter(person_id__in=chunk).delete()
            subset = completions.filter(person_id__in=chunk)
        rows.extend(subset.values("person_id").annotate(first=Min("completed_on")).order_by())
    FormalTraining.objects.bulk_create(
        [FormalTraining(person_id=r["person_id"], first_completed_on=r["first"]) for r in rows],
        batch_size=2000,
    )


@dataclass
class GroupSeries:
    key: str
    label: str
    trained: list[int | None]
    active: list[int]
    # Per day: the figure may not be shown (small group, or it would give a small group away).
    hidden: list[bool] = field(default_factory=list)

    @property
    def percent(self) -> list[float | None]:
        return [
            round(100.0 * t / a, 1) if a and t is not None else None
            for t, a in zip(self.trained, self.active, strict=True)
        ]

    @property
    def latest(self) -> float | None:
        return self.percent[-1] if self.active else None


@dataclass
class TrainedSeries:
    cut: str
    days: list[date]
    groups: list[GroupSeries] = field(default_factory=list)


class DayNumber(Func):
    """A date column as whole days since 1970-01-01, computed by the database (no per-row Python)."""

    output_field = BigIntegerField()

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(
            compiler, connection, template="CAST(julianday(%(expressions)s) - 2440587.5 AS INTEGER)", **extra
        )

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s - DATE '1970-01-01')", **extra)


def _people_columns(people: QuerySet[Person]) -> np.ndarray:
    """One row per person: start, end, first formal completion (day numbers), unit id, job role id (0: none)."""
    query = people.order_by().values_list(
        Coalesce(DayNumber("start_date"), Value(int(stats.ALWAYS))),
        Coalesce(DayNumber("end_date"), Value(int(stats.NEVER))),
        Coalesce(DayNumber("formal_training__first_completed_on"), Value(int(stats.NEVER))),
        "unit_id",
        Coalesce("job_role_id", Value(0)),
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    flat = np.fromiter(itertools.chain.from_iterable(rows), dtype=np.int64, count=5 * len(rows))
    return flat.reshape(len(rows), 5)


def _unit_keys(cut: str) -> dict[int, tuple[str, str]]:
    """For each unit id, the (key, label) of the group its members fall in for this cut."""
    units = list(Unit.objects.values_list("id", "path", "kind", "name"))
    if cut == "team":
        return {
            pk: (f"unit:{pk}", name) if kind == UnitKind.TEAM else ("other", "Not in a team")
            for pk, _p, kind, name in units
        }
    by_id = {pk: (path, kind, name) for pk, path, kind, name in units}
    keys: dict[int, tuple[str, str]] = {}
    for pk, path, _kind, _name in units:
        chain = [int(part) for part in path.split(".") if part]
        site = next(
            (u for u in reversed(chain) if u in by_id and by_id[u][1] in (UnitKind.SITE, UnitKind.PARTNER)),
            None,
        )
        if cut == "site":
            keys[pk] = (f"unit:{site}", by_id[site][2]) if site else ("unit:none", "Head office")
        elif cut == "partner":
            partner = site if site and by_id[site][1] == UnitKind.PARTNER else None
            keys[pk] = (f"unit:{partner}", by_id[partner][2]) if partner else ("own", "Own staff")
    return keys


def _group_index(
    ids: np.ndarray, keys: dict[int, tuple[str, str]]
) -> tuple[np.ndarray, list[tuple[str, str]]]:
    """Each person's group index (via a lookup array on unit or role id) and the groups' (key, label)."""
    present = set(np.unique(ids).tolist()) if len(ids) else set()
    labels = sorted({keys[i] for i in present}, key=lambda kl: (kl[1], kl[0]))
    index = {key: n for n, (key, _label) in enumerate(labels)}
    lookup = np.zeros(max(present, default=0) + 1, dtype=np.int64)
    for i in present:
        lookup[i] = index[keys[i][0]]
    return lookup[ids], labels


def trained_series(people: QuerySet[Person], days: list[date], cut: str = "organisation") -> TrainedSeries:
    """% formally trained at each day for the people given, one line per group of the cut."""
    if cut not in CUTS:
        raise InputError("by", f"must be one of {', '.join(CUTS)}")
    return _series(_people_columns(people), days, cut)


def _series(columns: np.ndarray, days: list[date], cut: str) -> TrainedSeries:
    start, end, first, units, roles = columns.T
    if cut == "organisation":
        labels = [("organisation", "Everyone in scope")]
        group_of = np.zeros(len(columns), dtype=np.int64)
    elif cut == "role":
        names = dict(JobRole.objects.values_list("id", "name"))
        keys = {pk: (f"role:{pk}", name) for pk, name in names.items()} | {0: ("role:none", "No job role")}
        group_of, labels = _group_index(roles, keys)
    else:
        group_of, labels = _group_index(units, _unit_keys(cut))
    trained, active = stats.trained_counts(start, end, first, group_of, len(labels), days)
    series = TrainedSeries(cut=cut, days=list(days))
    for i, (key, label) in enumerate(labels):
        series.groups.append(GroupSeries(key, label, trained[i].tolist(), active[i].tolist()))
    return series


def _unit_places() -> dict[int, small_groups.UnitPlace]:
    """For each unit id: its team (if it is one) and its nearest site or partner (None: head office)."""
    units = {pk: (path, kind) for pk, path, kind in Unit.objects.values_list("id", "path", "kind")}
    places = {}
    for pk, (path, kind) in units.items():
        chain = [int(part) for part in path.split(".") if part]
        site = next(
            (u for u in reversed(chain) if u in units and units[u][1] in (UnitKind.SITE, UnitKind.PARTNER)),
            None,
        )
        partner = site is not None and units[site][1] == UnitKind.PARTNER
        places[pk] = small_groups.UnitPlace(pk if kind == UnitKind.TEAM else None, site, partner)
    return places


def reportable_trained_series(
    people: QuerySet[Person], days: list[date], cut: str = "organisation"
) -> TrainedSeries:
    """trained_series as pages, panels and the API show it: a group's trained count (and so its %) is
    None at a day when the group is below the anonymity minimum, or when showing it would let someone
    work out a small group from a total and its visible siblings (see small_groups)."""
    if cut not in CUTS:
        raise InputError("by", f"must be one of {', '.join(CUTS)}")
    columns = _people_columns(people)
    series = _series(columns, days, cut)
    hidden = small_groups.trained_hidden(columns, _unit_places(), list(days))
    for group in series.groups:
        cut_of_group = small_groups.group_cut(cut, group.key)
        group.hidden = [cut_of_group in day for day in hidden]
        group.trained = [None if h else t for t, h in zip(group.trained, group.hidden, strict=True)]
    return series


def people_in_scope(user) -> QuerySet[Person]:
    """The people whose training counts in this user's metrics."""
    return Person.objects.filter(unit__in=org_access.visible_units(user))


def dashboard_days(until: date, months: int = 24) -> list[date]:
    """The month ends of the last `months` months up to `until`, and `until` itself when it is not one."""
    first = (until.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _ in range(months - 2):
        first = (first - timedelta(days=1)).replace(day=1)
    days = stats.month_ends(first, until)
    if not days or days[-1] != until:
        days.append(until)
    return days


@dataclass
class YearDays:
    year: int
    days: float
    hours: float
    completions: int
    average_headcount: float | None
    per_hundred: float | None
    partial: bool


def training_days_report(people: QuerySet[Person], years: list[int], until: date) -> list[YearDays]:
    """Days of formal change-management training delivered to these people per year, and per 100 people."""
    per_day = hours_per_day()
    completions = list(
        Enrolment.objects.filter(
            person__in=people,
            status=EnrolmentStatus.COMPLETED,
            course__formal_change_management=True,
            completed_on__year__in=years,
            completed_on__lte=until,
        ).values_list("completed_on", "hours_attended")
    )
    days_by_year = stats.training_days_by_year(
        ((d, float(h) if h is not None else None) for d, h in completions), years, per_day
    )
    report = []
    for year in years:
        points = stats.month_ends(date(year, 1, 1), min(date(year, 12, 31), until)) or [
            min(until, date(year, 12, 31))
        ]
        series = trained_series(people, points, "organisation")
        active = series.groups[0].active if series.groups else []
        headcount = stats.average_headcount(active)
        year_rows = [c for c in completions if c[0].year == year]
        report.append(
            YearDays(
                year=year,
                days=round(days_by_year[year], 1),
                hours=float(sum(h for _, h in year_rows if h is not None)),
                completions=len(year_rows),
                average_headcount=round(headcount, 1) if headcount is not None else None,
                per_hundred=round(stats.per_hundred(days_by_year[year], headcount), 1) if headcount else None,
                partial=until < date(year, 12, 31),
            )
        )
    return report


def formally_trained_on(person_id: int, day: date) -> bool:
    """Whether the person had completed a formal change-management course on or before `day`.

    Listening snapshots this on a response as the respondent attribute "trained" (the response itself
    keeps no person id)."""
    return FormalTraining.objects.filter(person_id=person_id, first_completed_on__lte=day).exists()


def suggested_courses(element_or_source: str) -> list[Course]:
    """Active courses tagged as addressing an ADKAR element ('knowledge') or a resistance source ('skills')."""
    tag = (element_or_source or "").strip().lower()
    return [c for c in Course.objects.filter(active=True) if tag in (c.addresses or [])]


@dataclass
class CourseSuggestion:
    course: Course
    matches: list[str]
    next_session: Session | None


def courses_for_evidence(
    evidence: list[dict], on: date | None = None
) -> tuple[list[str], list[CourseSuggestion]]:
    """For a playbook recommendation's evidence ([{finding: {metric, ...}}, ...]): the ADKAR elements and
    resistance sources it names (say knowledge, skills), and the active courses tagged for any of them,
    best matches first, each with its next session from `on` (today)."""
    on = on or today()
    tags = []
    for item in evidence or []:
        metric = str(((item or {}).get("finding") or {}).get("metric") or "").strip().lower()
        if metric in ADDRESSABLE and metric not in tags:
            tags.append(metric)
    if not tags:
        return [], []
    suggestions = []
    for course in Course.objects.filter(active=True).order_by("name"):
        matches = [t for t in tags if t in (course.addresses or [])]
        if matches:
            upcoming = course.sessions.filter(starts_on__gte=on).order_by("starts_on").first()
            suggestions.append(CourseSuggestion(course, matches, upcoming))
    suggestions.sort(key=lambda s: (-len(s.matches), s.next_session is None, s.course.name))
    return tags, suggestions


# --- coaching -----------------------------------------------------------------------------------------------


def record_conversation(actor: User, person: Person, data: dict) -> CoachingConversation:
    """A team leader records a coaching conversation, with its agreed actions, in one step."""
    held_on = _day(data.get("held_on") or today(), "held_on")
    if held_on > today():
        raise InputError("held_on", "cannot be in the future")
    follow_up_on = _day(data.get("follow_up_on"), "follow_up_on", required=False)
    if follow_up_on and follow_up_on < held_on:
        raise InputError("follow_up_on", "is before the conversation")
    actions = []
    for i, action in enumerate(data.get("actions") or []):
        text = _text(action.get("text"), f"actions.{i}.text", max_length=300, required=False)
        if not text:
            continue
        actions.append((text, _day(action.get("due_on"), f"actions.{i}.due_on")))
    values = {
        "focus": _text(data.get("focus"), "focus", max_length=200),
        "observations": _text(data.get("observations"), "observations", max_length=10000, required=False),
        "held_on": held_on,
        "follow_up_on": follow_up_on,
    }
    with transaction.atomic():
        conversation = CoachingConversation.objects.create(
            person=person, coach_id=actor.person_id, created_by=actor, **values
        )
        AgreedAction.objects.bulk_create(
            [AgreedAction(conversation=conversation, text=t, due_on=d) for t, d in actions]
        )
        audit.record(
            actor,
            "create",
            conversation,
            {"person": str(person), "focus": values["focus"], "actions": len(actions)},
            object_repr=f"coaching conversation with {person}",
        )
    return conversation


def mark_followed_up(actor: User, conversation: CoachingConversation, on: date | None = None) -> None:
    conversation.followed_up_on = on or today()
    conversation.save(update_fields=["followed_up_on"])
    audit.record(actor, "follow_up", conversation, {"followed_up_on": str(conversation.followed_up_on)})


def set_action_done(actor: User, action: AgreedAction, done: bool = True) -> AgreedAction:
    before = action.done_on
    action.done_on = today() if done else None
    action.save(update_fields=["done_on"])
    audit.record(
        actor,
        "action_done" if done else "action_reopened",
        action,
        audit.diff({"done_on": before}, {"done_on": action.done_on}),
    )
    return action


@dataclass
class CoachingDue:
    person: Person
    last_conversation: date | None
    days_since: int | None


def coaching_due(
    people: QuerySet[Person], *, days: int = DEFAULT_COACHING_DAYS, on: date | None = None
) -> list[CoachingDue]:
    """Active people with no coaching conversation in the last `days` days, longest-waiting first."""
    on = on or today()
    rows = (
        people.active_on(on)
        .annotate(last=Max("coaching_received__held_on"))
        .filter(Q(last__isnull=True) | Q(last__lt=on - timedelta(days=days)))
        .select_related("unit")
    )
    due = [CoachingDue(p, p.last, (on - p.last).days if p.last else None) for p in rows]
    return sorted(
        due, key=lambda d: (d.last_conversation is not None, d.last_conversation or on, d.person.family_name)
    )


def overdue_follow_ups(conversations: QuerySet[CoachingConversation], on: date | None = None):
    on = on or today()
    return conversations.filter(follow_up_on__lt=on, followed_up_on__isnull=True).select_related("person")


@dataclass
class Coverage:
    """One team's coaching coverage. When `hidden` (a team below the anonymity minimum, or one whose
    figures would give such a team away from the total), only the headcount is given."""

    unit: Unit
    people: int
    coached: int | None
    overdue_follow_ups: int | None
    open_actions: int | None
    hidden: bool = False

    @property
    def share(self) -> float | None:
        return round(100.0 * self.coached / self.people, 1) if self.people and not self.hidden else None


@dataclass
class CoverageReport:
    """Coaching coverage per team and for all the teams together. The total's coached count is None
    when the total itself may not be shown (fewer than k people, or it would give a small team away)."""

    rows: list[Coverage]
    people: int
    coached: int | None

    @property
    def share(self) -> float | None:
        return (
            round(100.0 * self.coached / self.people, 1) if self.people and self.coached is not None else None
        )


def coaching_coverage(
    units: QuerySet[Unit], *, days: int = DEFAULT_COACHING_DAYS, on: date | None = None
) -> CoverageReport:
    """Per team: active people, how many had a coaching conversation in the last `days` days, overdue
    follow-ups and open actions; blank for the teams small_groups hides, since the total is shown too."""
    on = on or today()
    since = on - timedelta(days=days)
    teams = list(units.filter(kind=UnitKind.TEAM).order_by("name"))
    people = Person.objects.active_on(on).filter(unit__in=teams).exclude(led_units__in=teams)
    headcount = dict(people.values("unit_id").annotate(n=Count("id")).values_list("unit_id", "n"))
    coached = dict(
        people.filter(coaching_received__held_on__gte=since, coaching_received__held_on__lte=on)
        .values("unit_id")
        .annotate(n=Count("id", distinct=True))
        .values_list("unit_id", "n")
    )
    conversations = CoachingConversation.objects.filter(person__unit__in=teams)
    overdue = dict(
        overdue_follow_ups(conversations, on)
        .values("person__unit_id")
        .annotate(n=Count("id"))
        .values_list("person__unit_id", "n")
    )
    open_actions = dict(
        AgreedAction.objects.filter(conversation__in=conversations, done_on__isnull=True)
        .values("conversation__person__unit_id")
        .annotate(n=Count("id"))
        .values_list("conversation__person__unit_id", "n")
    )
    hidden, total_hidden = small_groups.hidden_teams(
        {t.pk: headcount.get(t.pk, 0) for t in teams}, total_shown=True
    )
    rows = [
        Coverage(t, headcount.get(t.pk, 0), None, None, None, hidden=True)
        if t.pk in hidden
        else Coverage(
            t, headcount.get(t.pk, 0), coached.get(t.pk, 0), overdue.get(t.pk, 0), open_actions.get(t.pk, 0)
        )
        for t in teams
    ]
    return CoverageReport(rows, sum(headcount.values()), None if total_hidden else sum(coached.values()))


def my_actions(person: Person) -> QuerySet[AgreedAction]:
    """The agreed actions from a person's own coaching conversations (not the leader's observations)."""
    return AgreedAction.objects.filter(conversation__person=person).select_related("conversation")


# --- decision autonomy ------------------------------------------------------------------------------------


def save_right(actor: User, data: dict, right: DecisionRight | None = None) -> DecisionRight:
    role = data.get("job_role")
    if not isinstance(role, JobRole):
        role = JobRole.objects.filter(pk=data.get("job_role_id")).first() if data.get("job_role_id") else None
    if role is None and right is None:
        raise InputError("job_role_id", "no such job role")
    values = {
        "name": _text(data.get("name", right.name if right else ""), "name", max_length=200),
        "guideline": _text(
            data.get("guideline", right.guideline if right else ""), "guideline", max_length=2000
        ),
        "limit": _decimal(data.get("limit", right.limit if right else None), "limit"),
        "unit_label": _text(
            data.get("unit_label", right.unit_label if right else "GBP"),
            "unit_label",
            max_length=20,
            required=False,
        ),
        "active": bool(data.get("active", right.active if right else True)),
    }
    role = role or right.job_role
    if (
        DecisionRight.objects.filter(job_role=role, name__iexact=values["name"])
        .exclude(pk=right.pk if right else None)
        .exists()
    ):
        raise InputError("name", f"{role} already has a right with this name")
    with transaction.atomic():
        if right is None:
            right = DecisionRight.objects.create(job_role=role, **values)
            audit.record(actor, "create", right, audit.diff({}, values))
            return right
        before = {k: getattr(right, k) for k in values}
        for key, value in values.items():
            setattr(right, key, value)
        right.job_role = role
        right.save()
        audit.record(actor, "update", right, audit.diff(before, values))
    return right


def rights_for(person: Person | None) -> QuerySet[DecisionRight]:
    if person is None or not person.job_role_id:
        return DecisionRight.objects.none()
    return DecisionRight.objects.filter(job_role_id=person.job_role_id, active=True)


def _own_right(person: Person | None, right_id) -> DecisionRight:
    right = rights_for(person).filter(pk=right_id).first() if right_id else None
    if right is None:
        raise InputError("right_id", "not a decision right of your job role")
    return right


def log_use(actor: User, data: dict) -> DecisionUse:
    """Someone records a decision they took under one of their rights, within its limit."""
    person = actor.person
    right = _own_right(person, data.get("right_id"))
    amount = _decimal(data.get("amount"), "amount")
    if right.limit is not None and amount is not None and amount > right.limit:
        raise InputError(
            "amount", f"is above the limit of {right.limit} {right.unit_label}; ask for an exception"
        )
    used_on = _day(data.get("used_on") or today(), "used_on")
    if used_on > today():
        raise InputError("used_on", "cannot be in the future")
    with transaction.atomic():
        use = DecisionUse.objects.create(
            right=right,
            person=person,
            used_on=used_on,
            amount=amount,
            note=_text(data.get("note"), "note", max_length=300, required=False),
        )
        audit.record(
            actor,
            "use_right",
            use,
            {"right": str(right), "amount": str(amount or "")},
            object_repr=str(right),
        )
    return use


def request_exception(actor: User, data: dict) -> ExceptionRequest:
    person = actor.person
    right = _own_right(person, data.get("right_id"))
    with transaction.atomic():
        request = ExceptionRequest.objects.create(
            right=right,
            person=person,
            requested_on=today(),
            amount=_decimal(data.get("amount"), "amount"),
            reason=_text(data.get("reason"), "reason", max_length=2000),
        )
        audit.record(
            actor,
            "request_exception",
            request,
            {"right": str(right), "amount": str(request.amount or "")},
            object_repr=str(right),
        )
    return request


def decide_exception(
    actor: User, request: ExceptionRequest, *, approve: bool, reason: str
) -> ExceptionRequest:
    if request.status != ExceptionStatus.PENDING:
        raise InputError("status", f"this request was already {request.get_status_display().lower()}")
    request.status = ExceptionStatus.APPROVED if approve else ExceptionStatus.DECLINED
    request.decision_reason = _text(reason, "reason", max_length=2000)
    request.decided_by_id = actor.person_id
    request.decided_on = today()
    with transaction.atomic():
        request.save()
        audit.record(
            actor,
            "decide_exception",
            request,
            {"status": request.status, "reason": request.decision_reason},
            object_repr=str(request.right),
        )
    return request


@dataclass
class TeamDecisions:
    """One team's use of decision rights; every figure but the headcount is None when `hidden`."""

    unit: Unit
    people: int
    uses: int | None
    people_using: int | None
    exceptions: int | None
    approved: int | None
    declined: int | None
    pending: int | None
    median_days_to_decide: float | None
    hidden: bool = False

    @property
    def share_using(self) -> float | None:
        return round(100.0 * self.people_using / self.people, 1) if self.people and not self.hidden else None


def decision_report(units: QuerySet[Unit], *, since: date, until: date | None = None) -> list[TeamDecisions]:
    """Per team: how often decision rights were used, by how many people, and what happened to exceptions.
    A team below the anonymity minimum gets its headcount only (no total is shown, so nothing more hides)."""
    until = until or today()
    teams = list(units.filter(kind=UnitKind.TEAM).order_by("name"))
    headcount = dict(
        Person.objects.active_on(until)
        .filter(unit__in=teams)
        .values("unit_id")
        .annotate(n=Count("id"))
        .values_list("unit_id", "n")
    )
    uses = defaultdict(lambda: [0, set()])
    for unit_id, person_id in DecisionUse.objects.filter(
        person__unit__in=teams, used_on__range=(since, until)
    ).values_list("person__unit_id", "person_id"):
        uses[unit_id][0] += 1
        uses[unit_id][1].add(person_id)
    exceptions = defaultdict(list)
    for request in ExceptionRequest.objects.filter(
        person__unit__in=teams, requested_on__range=(since, until)
    ).select_related("person"):
        exceptions[request.person.unit_id].append(request)
    hidden, _ = small_groups.hidden_teams({t.pk: headcount.get(t.pk, 0) for t in teams}, total_shown=False)
    report = []
    for team in teams:
        if team.pk in hidden:
            report.append(TeamDecisions(team, headcount.get(team.pk, 0), *[None] * 7, hidden=True))
            continue
        requests = exceptions[team.pk]
        waits = [(r.decided_on - r.requested_on).days for r in requests if r.decided_on]
        report.append(
            TeamDecisions(
                unit=team,
                people=headcount.get(team.pk, 0),
                uses=uses[team.pk][0],
                people_using=len(uses[team.pk][1]),
                exceptions=len(requests),
                approved=sum(r.status == ExceptionStatus.APPROVED for r in requests),
                declined=sum(r.status == ExceptionStatus.DECLINED for r in requests),
                pending=sum(r.status == ExceptionStatus.PENDING for r in requests),
                median_days_to_decide=median(waits) if waits else None,
            )
        )
    return report


# --- leading by example -----------------------------------------------------------------------------------


def save_commitment(actor: User, data: dict) -> Commitment:
    cadence = data.get("cadence") or Cadence.WEEKLY
    if cadence not in Cadence.values:
        raise InputError("cadence", f"must be one of {', '.join(Cadence.values)}")
    times = int(_decimal(data.get("times_per_period") or 1, "times_per_period", low=1, high=31))
    values = {
        "behaviour": _text(data.get("behaviour"), "behaviour", max_length=200),
        "cadence": cadence,
        "times_per_period": times,
        "starts_on": _day(data.get("starts_on") or today(), "starts_on"),
        "ends_on": _day(data.get("ends_on"), "ends_on", required=False),
    }
    if values["ends_on"] and values["ends_on"] < values["starts_on"]:
        raise InputError("ends_on", "is before starts_on")
    with transaction.atomic():
        commitment = Commitment.objects.create(leader_id=actor.person_id, **values)
        audit.record(actor, "create", commitment, audit.diff({}, values))
    return commitment


def log_visible_action(actor: User, commitment: Commitment, data: dict) -> VisibleAction:
    done_on = _day(data.get("done_on") or today(), "done_on")
    if done_on > today():
        raise InputError("done_on", "cannot be in the future")
    if done_on < commitment.starts_on:
        raise InputError("done_on", "is before the commitment started")
    with transaction.atomic():
        action = VisibleAction.objects.create(
            commitment=commitment,
            done_on=done_on,
            note=_text(data.get("note"), "note", max_length=300, required=False),
        )
        audit.record(
            actor,
            "log_action",
            action,
            {"done_on": str(done_on), "note": action.note},
            object_repr=str(commitment),
        )
    return action


@dataclass
class Period:
    first: date
    last: date
    actions: int
    kept: bool
    complete: bool


@dataclass
class CommitmentRecord:
    commitment: Commitment
    periods: list[Period]

    @property
    def complete_periods(self) -> list[Period]:
        return [p for p in self.periods if p.complete]

    @property
    def kept(self) -> int:
        return sum(p.kept for p in self.complete_periods)

    @property
    def kept_share(self) -> float | None:
        """% of finished cadence periods in which the commitment was kept; None before the first one ends."""
        done = self.complete_periods
        return round(100.0 * self.kept / len(done), 1) if done else None

    @property
    def current(self) -> Period | None:
        return next((p for p in self.periods if not p.complete), None)


def commitment_record(
    commitment: Commitment, action_days: list[date], on: date | None = None
) -> CommitmentRecord:
    """Each cadence period from the start to `on`, with the actions logged in it and whether it was kept."""
    on = on or today()
    last_day = min(on, commitment.ends_on) if commitment.ends_on else on
    periods = []
    day = commitment.starts_on
    while day <= last_day:
        first, last = commitment.period_of(day)
        n = sum(first <= d <= last for d in action_days)
        periods.append(
            Period(max(first, commitment.starts_on), last, n, n >= commitment.times_per_period, last < on)
        )
        day = last + timedelta(days=1)
    return CommitmentRecord(commitment, periods)


def commitment_records(commitments: QuerySet[Commitment], on: date | None = None) -> list[CommitmentRecord]:
    actions = defaultdict(list)
    for commitment_id, done_on in VisibleAction.objects.filter(commitment__in=commitments).values_list(
        "commitment_id", "done_on"
    ):
        actions[commitment_id].append(done_on)
    return [
        commitment_record(c, actions[c.pk], on) for c in commitments.select_related("leader", "leader__unit")
    ]
