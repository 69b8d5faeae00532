"""xAPI 1.0.3 statements from an LMS: validated as a whole, then stored in one transaction, or not at all.

What we read from a statement:
- id: the statement id (a UUID). Re-sent statements are skipped, so sending a batch twice is harmless. A
  statement without an id gets one derived from its content, so an identical re-send is still skipped.
- actor: an Agent identified by mbox ("mailto:" + a person's email) or by account (name = employee id).
- verb.id: one of the ADL verbs completed, passed, failed, attended.
- object.id: an Activity whose id is the xAPI activity id of a course.
- result.score: scaled (-1..1), or raw with min and max, stored on a 0-100 scale.
- result.duration: ISO 8601 (PT1H30M). On attended it adds attended hours; on completed/passed it is the
  attempt's total time. A completion without any time recorded gets the course's duration.
- timestamp: when it happened (the day is used); the time the statement arrived when absent.

Before that, xapi_checks.check_statement applies the specification's format rules to the whole statement
(no nulls, no unknown or wrongly cased keys, UUID/IRI/language-tag/timestamp formats, one identifier per
Agent, numbers and booleans that are not strings).

Statements for the same person and course continue the person's latest open attempt (enrolled or
attended); a completed/passed/failed statement on the day an attempt finished updates that attempt (an LMS
often sends completed and passed together); anything else starts a new attempt.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal

from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction
from django.utils import timezone

from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.models import Person, User

from .models import Course, Enrolment, EnrolmentStatus, Source, XapiStatement
from .services import refresh_formal_training
from .xapi_checks import check_statement

ADL = "http://adlnet.gov/expapi/verbs/"
VERBS = {ADL + name: name for name in ("completed", "passed", "failed", "attended")}
MAX_STATEMENTS = 5000

_DURATION = re.compile(
    r"^P(?!$)(?:(?P<weeks>\d+(?:[.,]\d+)?)W)?(?:(?P<days>\d+(?:[.,]\d+)?)D)?"
    r"(?:T(?=\d)(?:(?P<hours>\d+(?:[.,]\d+)?)H)?(?:(?P<minutes>\d+(?:[.,]\d+)?)M)?(?:(?P<seconds>\d+(?:[.,]\d+)?)S)?)?$"
)


def parse_duration(text: str) -> float:
    """An ISO 8601 duration (PT1H30M, PT01H30M00S, P1DT2H, PT45.5S) as hours.

    Years and months are refused: their length in hours is not defined.
    """
    if not isinstance(text, str):
        raise ValueError("must be an ISO 8601 duration such as PT1H30M")
    if re.match(r"^P(?:\d+(?:[.,]\d+)?Y)|^P[^T]*\d+(?:[.,]\d+)?M", text):
        raise ValueError("years and months are not accepted; give days, hours, minutes or seconds")
    match = _DURATION.match(text.strip())
    if not match:
        raise ValueError(f"{text!r} is not an ISO 8601 duration such as PT1H30M")
    parts = {k: float(v.replace(",", ".")) if v else 0.0 for k, v in match.groupdict().items()}
    return (
        parts["weeks"] * 168
        + parts["days"] * 24
        + parts["hours"]
        + parts["minutes"] / 60
        + parts["seconds"] / 3600
    )


@dataclass
class Parsed:
    index: int
    statement_id: uuid.UUID
    verb: str
    mbox: str | None
    account: str | None
    activity: str
    score: Decimal | None
    hours: float | None
    day: date
    at: datetime
    raw: dict


def _where(index: int | None, path: str) -> str:
    return f"statements[{index}].{path}" if index is not None else path


def _parse(raw, index: int | None, now: datetime, zone=None, today: date | None = None) -> Parsed:
    if not isinstance(raw, dict):
        raise InputError(_where(index, "").rstrip(".") or "body", "a statement is a JSON object")
    check_statement(raw, index)  # the format rules of the specification; below, what we read from it
    sid = raw.get("id")
    if sid is None:
        canonical = json.dumps(raw, sort_keys=True, separators=(",", ":"))
        sid = uuid.uuid5(
            uuid.NAMESPACE_URL, "allaboard:xapi:" + hashlib.sha256(canonical.encode()).hexdigest()
        )
    else:
        try:
            sid = uuid.UUID(str(sid))
        except ValueError:
            raise InputError(_where(index, "id"), f"{sid!r} is not a UUID") from None
    actor = raw.get("actor")
    if not isinstance(actor, dict):
        raise InputError(_where(index, "actor"), "is required (an Agent with mbox or account)")
    if actor.get("objectType", "Agent") != "Agent":
        raise InputError(_where(index, "actor.objectType"), "only an Agent (one person) is accepted")
    mbox = account = None
    if "mbox" in actor:
        mbox = actor["mbox"]
        if not isinstance(mbox, str) or not mbox.lower().startswith("mailto:") or "@" not in mbox:
            raise InputError(_where(index, "actor.mbox"), "must be 'mailto:' followed by an email address")
        mbox = mbox[7:].strip().lower()
    elif "account" in actor:
        acc = actor["account"]
        if not isinstance(acc, dict) or not isinstance(acc.get("name"), str) or not acc["name"].strip():
            raise InputError(_where(index, "actor.account.name"), "is required: the person's employee id")
        if not isinstance(acc.get("homePage"), str) or not acc["homePage"].strip():
            raise InputError(_where(index, "actor.account.homePage"), "is required (an IRL)")
        account = acc["name"].strip()
    else:
        raise InputError(_where(index, "actor"), "identify the person with mbox or account")
    verb = raw.get("verb")
    verb_id = verb.get("id") if isinstance(verb, dict) else None
    if verb_id not in VERBS:
        raise InputError(_where(index, "verb.id"), f"{verb_id!r} is not one of {', '.join(VERBS)}")
    obj = raw.get("object")
    if not isinstance(obj, dict) or not isinstance(obj.get("id"), str) or not obj["id"].strip():
        raise InputError(_where(index, "object.id"), "is required: the course's xAPI activity id")
    if obj.get("objectType", "Activity") != "Activity":
        raise InputError(_where(index, "object.objectType"), "only an Activity (a course) is accepted")
    score, hours = _result(raw.get("result"), index)
    at = now
    if raw.get("timestamp") is not None:
        try:
            at = datetime.fromisoformat(str(raw["timestamp"]).upper().replace("Z", "+00:00"))
        except ValueError:
            raise InputError(_where(index, "timestamp"), "is not an ISO 8601 timestamp") from None
        if at.tzinfo is None:
            at = timezone.make_aware(at, timezone.get_current_timezone())
    zone = zone or timezone.get_current_timezone()
    day = at.astimezone(zone).date()
    if day > (today or now.astimezone(zone).date()):
        raise InputError(_where(index, "timestamp"), "is in the future")
    return Parsed(
        index or 0, sid, VERBS[verb_id], mbox, account, obj["id"].strip(), score, hours, day, at, raw
    )


def _result(result, index) -> tuple[Decimal | None, float | None]:
    if result is None:
        return None, None
    if not isinstance(result, dict):
        raise InputError(_where(index, "result"), "must be an object")
    score = None
    raw_score = result.get("score")
    if raw_score is not None:
        if not isinstance(raw_score, dict):
            raise InputError(_where(index, "result.score"), "must be an object")
        score = _score(raw_score, index)
    hours = None
    if result.get("duration") is not None:
        try:
            hours = parse_duration(result["duration"])
        except ValueError as exc:
            raise InputError(_where(index, "result.duration"), str(exc)) from None
        if hours > 1000:
            raise InputError(_where(index, "result.duration"), "is longer than 1000 hours")
    return score, hours


def _number(value, index, name) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise InputError(_where(index, f"result.score.{name}"), "must be a number")
    return float(value)


def _score(score: dict, index) -> Decimal | None:
    if "scaled" in score:
        scaled = _number(score["scaled"], index, "scaled")
        if not -1 <= scaled <= 1:
            raise InputError(_where(index, "result.score.scaled"), "must be between -1 and 1")
        return Decimal(str(round(scaled * 100, 2)))
    if "raw" not in score:
        return None
    raw = _number(score["raw"], index, "raw")
    low = _number(score["min"], index, "min") if "min" in score else None
    high = _number(score["max"], index, "max") if "max" in score else None
    if low is not None and high is not None:
        if high <= low:
            raise InputError(_where(index, "result.score.max"), "must be greater than min")
        if not low <= raw <= high:
            raise InputError(_where(index, "result.score.raw"), "must be between min and max")
        return Decimal(str(round(100 * (raw - low) / (high - low), 2)))
    if not 0 <= raw <= 100:
        raise InputError(_where(index, "result.score"), "give min and max with a raw score outside 0-100")
    return Decimal(str(round(raw, 2)))


@dataclass
class IngestResult:
    ids: list[str]
    stored: int
    skipped: int


def ingest(statements, actor: User | None = None) -> IngestResult:
    """Validate every statement, then store them all in one transaction; InputError names the first bad field."""
    single = isinstance(statements, dict)
    items = [statements] if single else statements
    if not isinstance(items, list):
        raise InputError("body", "send one statement object or a list of statements")
    if len(items) > MAX_STATEMENTS:
        raise InputError("body", f"send at most {MAX_STATEMENTS} statements per request")
    now = timezone.now()
    zone = timezone.get_current_timezone()
    today = now.astimezone(zone).date()
    parsed = [_parse(raw, None if single else i, now, zone, today) for i, raw in enumerate(items)]
    people_by_email, people_by_id = _people(parsed)
    courses = {
        c.xapi_activity_id: c
        for c in Course.objects.filter(xapi_activity_id__in={p.activity for p in parsed})
    }
    for p in parsed:
        prefix = "" if single else f"statements[{p.index}]."
        person = people_by_email.get(p.mbox) if p.mbox else people_by_id.get(p.account)
        if person is None:
            field = "actor.mbox" if p.mbox else "actor.account.name"
            raise InputError(prefix + field, "no person with this email or employee id")
        if p.activity not in courses:
            raise InputError(prefix + "object.id", f"no course has the xAPI activity id {p.activity!r}")
    ids = [str(p.statement_id) for p in parsed]
    with transaction.atomic():
        known = set(
            XapiStatement.objects.filter(statement_id__in=[p.statement_id for p in parsed]).values_list(
                "statement_id", flat=True
            )
        )
        fresh, seen = [], set(known)
        for p in sorted(parsed, key=lambda p: (p.at, p.index)):
            if p.statement_id not in seen:
                seen.add(p.statement_id)
                fresh.append(p)
        if fresh:
            _apply(fresh, people_by_email, people_by_id, courses)
            audit.record(
                actor,
                "xapi_ingest",
                None,
                {"stored": len(fresh), "skipped": len(parsed) - len(fresh)},
                object_type="capability.XapiStatement",
                object_repr=f"{len(fresh)} statements",
            )
    return IngestResult(ids, len(fresh), len(parsed) - len(fresh))


def _people(parsed: list[Parsed]) -> tuple[dict, dict]:
    """Person ids by lower-case email and by employee id (plain values: no model instances per row)."""
    emails = {p.mbox for p in parsed if p.mbox}
    accounts = {p.account for p in parsed if p.account}
    by_email, by_id = {}, {}
    if emails:
        for pk, email in Person.objects.filter(email__in=emails).values_list("id", "email"):
            by_email[email.lower()] = pk
        missing = emails - set(by_email)
        if missing:  # emails stored with capitals: a slower case-insensitive look-up for those only
            for email in missing:
                pk = Person.objects.filter(email__iexact=email).values_list("id", flat=True).first()
                if pk:
                    by_email[email] = pk
    if accounts:
        by_id = dict(Person.objects.filter(employee_id__in=accounts).values_list("employee_id", "id"))
    return by_email, by_id


@dataclass
class _Attempt:
    """An enrolment as the ingest sees it: plain values, written with one SQL statement per batch."""

    person_id: int
    course_id: int
    enrolled_on: date
    status: str = EnrolmentStatus.ENROLLED
    hours_attended: Decimal | None = None
    completed_on: date | None = None
    score: Decimal | None = None
    pk: int | None = None


ATTEMPT_FIELDS = ["status", "hours_attended", "completed_on", "score"]


def _apply(fresh: list[Parsed], by_email: dict, by_id: dict, courses: dict) -> None:
    person_of = {p.statement_id: by_email.get(p.mbox) if p.mbox else by_id.get(p.account) for p in fresh}
    person_ids = set(person_of.values())
    latest: dict[tuple[int, int], _Attempt] = {}
    existing = (
        Enrolment.objects.filter(person_id__in=person_ids, course_id__in={c.pk for c in courses.values()})
        .order_by("enrolled_on", "id")
        .values_list("pk", "person_id", "course_id", "enrolled_on", *ATTEMPT_FIELDS)
    )
    for pk, person_id, course_id, enrolled_on, status, hours, completed_on, score in existing:
        latest[(person_id, course_id)] = _Attempt(
            person_id, course_id, enrolled_on, status, hours, completed_on, score, pk
        )
    new, links, refresh, touched = [], [], set(), {}
    for p in fresh:
        course = courses[p.activity]
        key = (person_of[p.statement_id], course.pk)
        attempt = latest.get(key)
        if not _continues(attempt, p):
            attempt = _Attempt(key[0], course.pk, p.day)
            new.append(attempt)
            latest[key] = attempt
        if attempt.pk:
            touched[attempt.pk] = attempt
        _update(attempt, p, course)
        links.append((p, attempt))
        if course.formal_change_management:
            refresh.add(key[0])
    _insert_attempts(new)
    _update_attempts(list(touched.values()))
    _insert_statements(links)
    if refresh:
        refresh_formal_training(refresh)


def _prep(model, names: list[str]):
    """Column names, and per column how to turn a Python value into a database value.

    Integers and text go as they are. Dates, decimals, UUIDs and JSON take the short path this database's
    driver accepts (what Django's field would produce, without its per-value checks: these values were
    built by this module); anything else goes through its field, bound to the real connection (not the
    thread-local proxy, which is slow to look up thousands of times)."""
    real = connections[DEFAULT_DB_ALIAS]
    fields = [model._meta.get_field(name) for name in names]
    return [f.column for f in fields], [_fast_prep(f, real) for f in fields]


def _fast_prep(field, real):
    if isinstance(field, models.ForeignKey | models.CharField | models.IntegerField):
        return None
    postgres = real.vendor == "postgresql"
    if isinstance(field, models.DateTimeField):
        return lambda value: field.get_db_prep_save(value, real)
    if isinstance(field, models.DateField):
        return None if postgres else (lambda value: value.isoformat() if value is not None else None)
    if isinstance(field, models.DecimalField):
        return None  # both drivers take a Decimal (Django registers str as SQLite's adapter)
    if isinstance(field, models.UUIDField):
        return None if postgres else (lambda value: value.hex if value is not None else None)
    if isinstance(field, models.JSONField):
        if postgres:
            from psycopg.types.json import Jsonb

            return Jsonb
        return json.dumps
    return lambda value: field.get_db_prep_save(value, real)


def _values(preps, row) -> list:
    return [value if prep is None else prep(value) for prep, value in zip(preps, row, strict=True)]


def _insert_attempts(attempts: list[_Attempt]) -> None:
    names = ["person", "course", "enrolled_on", "source", "status", "hours_attended", "completed_on", "score"]
    columns, preps = _prep(Enrolment, names)
    table, quote = Enrolment._meta.db_table, connection.ops.quote_name
    # Fixed chunk sizes keep the SQL text the same from batch to batch, so drivers reuse the parsed query.
    for start in range(0, len(attempts), 100):
        chunk = attempts[start : start + 100]
        one = "(" + ", ".join(["%s"] * len(columns)) + ")"
        sql = (
            f"INSERT INTO {quote(table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608 - names from model metadata
            f"VALUES {', '.join([one] * len(chunk))} RETURNING {quote('id')}"
        )
        params = []
        for a in chunk:
            params.extend(
                _values(
                    preps,
                    [
                        a.person_id,
                        a.course_id,
                        a.enrolled_on,
                        Source.XAPI,
                        a.status,
                        a.hours_attended,
                        a.completed_on,
                        a.score,
                    ],
                )
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for attempt, (pk,) in zip(chunk, cursor.fetchall(), strict=True):
                attempt.pk = pk


def _update_attempts(attempts: list[_Attempt]) -> None:
    if not attempts:
        return
    columns, preps = _prep(Enrolment, ATTEMPT_FIELDS)
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Enrolment._meta.db_table)} SET {', '.join(f'{quote(c)} = %s' for c in columns)} "  # noqa: S608
        f"WHERE {quote('id')} = %s"
    )
    rows = [[*_values(preps, [a.status, a.hours_attended, a.completed_on, a.score]), a.pk] for a in attempts]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _insert_statements(links: list) -> None:
    names = ["statement_id", "verb", "person", "course", "enrolment", "occurred_on", "received", "raw"]
    columns, preps = _prep(XapiStatement, names)
    quote = connection.ops.quote_name
    one = "(" + ", ".join(["%s"] * len(columns)) + ")"
    now = timezone.now()
    for start in range(0, len(links), 100):
        chunk = links[start : start + 100]
        sql = (
            f"INSERT INTO {quote(XapiStatement._meta.db_table)} ({', '.join(quote(c) for c in columns)}) "  # noqa: S608
            f"VALUES {', '.join([one] * len(chunk))}"
        )
        params = []
        for p, a in chunk:
            params.extend(
                _values(preps, [p.statement_id, p.verb, a.person_id, a.course_id, a.pk, p.day, now, p.raw])
            )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


FINISHED = {EnrolmentStatus.COMPLETED, EnrolmentStatus.FAILED}


def _continues(enrolment: _Attempt | None, p: Parsed) -> bool:
    if enrolment is None:
        return False
    if enrolment.status in (EnrolmentStatus.ENROLLED, EnrolmentStatus.ATTENDED):
        return True
    finished_on = enrolment.completed_on or enrolment.enrolled_on
    return enrolment.status in FINISHED and p.verb != "attended" and finished_on == p.day


def _update(enrolment: _Attempt, p: Parsed, course: Course) -> None:
    if p.score is not None:
        enrolment.score = p.score
    if p.verb == "attended":
        enrolment.hours_attended = (enrolment.hours_attended or Decimal(0)) + Decimal(
            str(round(p.hours or 0, 2))
        )
        if enrolment.status == EnrolmentStatus.ENROLLED:
            enrolment.status = EnrolmentStatus.ATTENDED
        return
    if p.hours is not None:
        enrolment.hours_attended = Decimal(str(round(p.hours, 2)))
    if p.verb == "failed":
        enrolment.status = EnrolmentStatus.FAILED
        enrolment.completed_on = None
        return
    enrolment.status = EnrolmentStatus.COMPLETED
    enrolment.completed_on = p.day
    if not enrolment.hours_attended:
        enrolment.hours_attended = course.duration_hours
