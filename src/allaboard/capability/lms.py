"""Import an LMS export (CSV or XLSX): choose which column holds what, check every row, then apply all or none.

A row is one attempt at a course. With a record id column, re-importing updates the same attempts; without
one, a row matches an earlier LMS attempt by person, course and completion date, so a re-import changes
nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.db.models import Q

from allaboard.errors import InputError
from allaboard.org import audit
from allaboard.org.imports import ImportReport, RowError
from allaboard.org.models import Person, User
from allaboard.tabular import FileProblem, Table, looks_like_formula, parse_date, read_table

from . import services
from .models import Course, Enrolment, EnrolmentStatus, Source

# target field -> (label, header names that usually hold it)
FIELDS = {
    "employee_id": (
        "Employee id",
        ["employee_id", "employee_number", "staff_id", "user_id", "learner_id", "person_id"],
    ),
    "email": ("Email", ["email", "email_address", "learner_email", "user_email", "e_mail"]),
    "course": (
        "Course (LMS code or name)",
        ["course", "course_code", "course_id", "course_name", "course_title", "activity", "module"],
    ),
    "status": ("Status", ["status", "completion_status", "result", "outcome"]),
    "completed_on": (
        "Completion date",
        ["completed_on", "completion_date", "completed", "date_completed", "completed_date", "date"],
    ),
    "hours": (
        "Hours attended",
        ["hours", "hours_attended", "duration_hours", "time_spent_hours", "duration"],
    ),
    "score": ("Score (0-100)", ["score", "grade", "mark", "percent", "score_percent"]),
    "confidence_before": (
        "Confidence before (1-5)",
        ["confidence_before", "pre_confidence", "confidence_pre"],
    ),
    "confidence_after": (
        "Confidence after (1-5)",
        ["confidence_after", "post_confidence", "confidence_post"],
    ),
    "record_id": (
        "Record id (for re-imports)",
        ["record_id", "enrolment_id", "enrollment_id", "transcript_id", "registration_id"],
    ),
}

STATUS_WORDS = {
    EnrolmentStatus.COMPLETED: {"completed", "complete", "passed", "pass", "done", "finished", "c", "p"},
    EnrolmentStatus.FAILED: {"failed", "fail", "not passed", "f"},
    EnrolmentStatus.ATTENDED: {"attended", "in progress", "in_progress", "started"},
    EnrolmentStatus.ENROLLED: {"enrolled", "enroled", "registered", "not started", "not_started", "booked"},
    EnrolmentStatus.NO_SHOW: {"no show", "no_show", "did not attend", "absent"},
    EnrolmentStatus.WITHDRAWN: {"withdrawn", "cancelled", "canceled"},
}


def guess_mapping(header: list[str]) -> dict[str, str]:
    """For each target field, the first header column that usually holds it."""
    mapping: dict[str, str] = {}
    for target, (_label, aliases) in FIELDS.items():
        for alias in aliases:
            if alias in header and alias not in mapping.values():
                mapping[target] = alias
                break
    return mapping


def check_mapping(mapping: dict[str, str], header: list[str]) -> list[RowError]:
    errors = []
    for target, column in mapping.items():
        if target not in FIELDS:
            errors.append(RowError(0, "mapping", f"{target!r} is not a field; use {', '.join(FIELDS)}"))
        elif column and column not in header:
            errors.append(RowError(1, target, f"the file has no column {column!r}"))
    if not mapping.get("employee_id") and not mapping.get("email"):
        errors.append(RowError(0, "mapping", "choose the column with the employee id or the email"))
    if not mapping.get("course"):
        errors.append(RowError(0, "mapping", "choose the column with the course"))
    used = [c for c in mapping.values() if c]
    for column in {c for c in used if used.count(c) > 1}:
        errors.append(RowError(0, "mapping", f"column {column!r} is chosen for more than one field"))
    return errors


@dataclass
class _Row:
    line: int
    person: Person
    course: Course
    status: str
    completed_on: date | None
    hours: object
    score: object
    before: int | None
    after: int | None
    record_id: str | None


def run(
    data, filename: str, mapping: dict[str, str] | None, *, actor: User | None, dry_run: bool = False
) -> tuple[ImportReport, Table | None]:
    """Read, check and (unless dry_run or any row is bad) apply an LMS export. Returns the report and the table."""
    report = ImportReport(kind="lms", filename=filename, dry_run=dry_run)
    try:
        table = read_table(data, filename)
    except FileProblem as exc:
        report.errors.append(RowError(0, "file", str(exc)))
        return report, None
    mapping = {k: v for k, v in (mapping or guess_mapping(table.header)).items() if v}
    report.rows = len(table.rows)
    report.errors.extend(check_mapping(mapping, table.header))
    if report.errors:
        return report, table
    rows = _check_rows(table, mapping, report)
    if report.errors:
        return report, table
    with transaction.atomic():
        _apply(rows, report)
        if dry_run:
            transaction.set_rollback(True)
        else:
            services.refresh_formal_training({r.person.pk for r in rows})
            audit.record(
                actor,
                "import",
                None,
                report.as_dict() | {"errors": [], "mapping": mapping},
                object_type="capability.Enrolment",
                object_repr=filename,
            )
    return report, table


def _lookups(values: list[dict]):
    ids = {v["employee_id"] for v in values if v.get("employee_id")}
    emails = {v["email"].lower() for v in values if v.get("email")}
    people_by_id = {p.employee_id: p for p in Person.objects.filter(employee_id__in=ids)}
    people_by_email = {p.email.lower(): p for p in Person.objects.filter(email__in=emails)}
    for email in emails - set(people_by_email):
        person = Person.objects.filter(email__iexact=email).first()
        if person:
            people_by_email[email] = person
    courses = {}
    for course in Course.objects.all():
        for key in (course.lms_code, course.name, course.xapi_activity_id):
            if key:
                courses.setdefault(key.lower(), course)
    return people_by_id, people_by_email, courses


def _check_rows(table: Table, mapping: dict[str, str], report: ImportReport) -> list[_Row]:
    positions = {target: table.header.index(column) for target, column in mapping.items()}
    values = []
    for offset, row in enumerate(table.rows):
        record = {t: (row[i].strip() if i < len(row) and row[i] else "") for t, i in positions.items()}
        values.append((offset + 2, record))
    by_id, by_email, courses = _lookups([v for _, v in values])
    rows, seen_records = [], {}
    for line, rec in values:
        errors_before = len(report.errors)
        for target, value in rec.items():
            if looks_like_formula(value) and target not in ("score", "hours"):
                report.errors.append(
                    RowError(
                        line,
                        mapping[target],
                        f"looks like a spreadsheet formula; remove the leading {value[0]!r}",
                    )
                )
        person = None
        if rec.get("employee_id"):
            person = by_id.get(rec["employee_id"])
            if person is None:
                report.errors.append(
                    RowError(
                        line, mapping["employee_id"], f"no person with employee id {rec['employee_id']!r}"
                    )
                )
        elif rec.get("email"):
            person = by_email.get(rec["email"].lower())
            if person is None:
                report.errors.append(
                    RowError(line, mapping["email"], f"no person with email {rec['email']!r}")
                )
        else:
            column = mapping.get("employee_id") or mapping["email"]
            report.errors.append(RowError(line, column, "is empty: the row needs a person"))
        course = courses.get(rec.get("course", "").lower())
        if course is None:
            report.errors.append(
                RowError(
                    line, mapping["course"], f"no course with LMS code or name {rec.get('course', '')!r}"
                )
            )
        status = _status(rec.get("status") or "completed")
        if status is None:
            report.errors.append(
                RowError(
                    line,
                    mapping["status"],
                    f"{rec['status']!r} is not a status we know (completed, failed, attended, enrolled, no show, withdrawn)",
                )
            )
        completed_on = None
        if rec.get("completed_on"):
            try:
                completed_on = parse_date(rec["completed_on"])
            except ValueError as exc:
                report.errors.append(RowError(line, mapping["completed_on"], str(exc)))
            else:
                if completed_on > services.today():
                    report.errors.append(RowError(line, mapping["completed_on"], "is in the future"))
        elif status == EnrolmentStatus.COMPLETED:
            column = mapping.get("completed_on", "completed_on")
            report.errors.append(RowError(line, column, "a completed course needs its completion date"))
        numbers = {}
        for target, low, high in (("hours", 0, 1000), ("score", 0, 100)):
            try:
                numbers[target] = services._decimal(rec.get(target), target, low=low, high=high)
            except InputError as exc:
                report.errors.append(RowError(line, mapping[target], exc.reason))
        for target in ("confidence_before", "confidence_after"):
            try:
                numbers[target] = services._confidence(rec.get(target), target)
            except InputError as exc:
                report.errors.append(RowError(line, mapping[target], exc.reason))
        record_id = rec.get("record_id") or None
        if record_id:
            if record_id in seen_records:
                report.errors.append(
                    RowError(
                        line,
                        mapping["record_id"],
                        f"{record_id!r} already appears on line {seen_records[record_id]}",
                    )
                )
            seen_records.setdefault(record_id, line)
            if len(record_id) > 200:
                report.errors.append(RowError(line, mapping["record_id"], "is longer than 200 characters"))
        if len(report.errors) == errors_before:
            rows.append(
                _Row(
                    line,
                    person,
                    course,
                    status,
                    completed_on if status == EnrolmentStatus.COMPLETED else None,
                    numbers["hours"],
                    numbers["score"],
                    numbers["confidence_before"],
                    numbers["confidence_after"],
                    record_id,
                )
            )
    return rows


def _status(word: str) -> str | None:
    word = word.strip().lower()
    return next((status for status, words in STATUS_WORDS.items() if word in words or word == status), None)


def _apply(rows: list[_Row], report: ImportReport) -> None:
    record_ids = [r.record_id for r in rows if r.record_id]
    by_record = {e.external_id: e for e in Enrolment.objects.filter(external_id__in=record_ids)}
    by_key = {}
    people = {r.person.pk for r in rows if not r.record_id}
    for e in Enrolment.objects.filter(Q(source=Source.LMS) & Q(person_id__in=people)):
        by_key.setdefault((e.person_id, e.course_id, e.completed_on), e)
    for row in rows:
        hours = (
            row.hours
            if row.hours is not None
            else (row.course.duration_hours if row.status == EnrolmentStatus.COMPLETED else None)
        )
        values = {
            "course": row.course,
            "person": row.person,
            "status": row.status,
            "completed_on": row.completed_on,
            "hours_attended": hours,
            "score": row.score,
            "confidence_before": row.before,
            "confidence_after": row.after,
        }
        existing = (
            by_record.get(row.record_id)
            if row.record_id
            else by_key.get((row.person.pk, row.course.pk, row.completed_on))
        )
        if existing is None:
            enrolment = Enrolment.objects.create(
                source=Source.LMS,
                external_id=row.record_id,
                enrolled_on=row.completed_on or services.today(),
                **values,
            )
            by_key[(row.person.pk, row.course.pk, row.completed_on)] = enrolment
            report.created += 1
        elif all(getattr(existing, k) == v for k, v in values.items()):
            report.unchanged += 1
        else:
            for key, value in values.items():
                setattr(existing, key, value)
            existing.save()
            report.updated += 1
