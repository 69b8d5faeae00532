"""Import units and people from CSV/XLSX: every row is checked first, then all are applied in one
transaction, or none. Re-importing the same file changes nothing (people match by employee id, then email)."""

from collections import Counter
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from allaboard.tabular import FileProblem, Table, looks_like_formula, parse_date, read_table

from . import audit
from .models import Channel, JobRole, Person, Unit, UnitKind, User

HEADER_ALIASES = {
    "first_name": "given_name",
    "firstname": "given_name",
    "forename": "given_name",
    "last_name": "family_name",
    "lastname": "family_name",
    "surname": "family_name",
    "employee_number": "employee_id",
    "employee_no": "employee_id",
    "staff_id": "employee_id",
    "id": "employee_id",
    "e_mail": "email",
    "email_address": "email",
    "work_email": "email",
    "team_code": "team",
    "unit": "team",
    "unit_code": "team",
    "manager_id": "manager",
    "manager_email": "manager",
    "manager_employee_id": "manager",
    "role": "job_role",
    "job_title": "job_role",
    "title": "job_role",
    "start": "start_date",
    "hire_date": "start_date",
    "joined": "start_date",
    "end": "end_date",
    "leave_date": "end_date",
    "left": "end_date",
    "parent_code": "parent",
    "unit_name": "name",
    "type": "kind",
}

COLUMN_HELP = {
    "people": {
        "required": ["given_name", "family_name", "team (unit code)", "employee_id and/or email"],
        "optional": [
            "job_role",
            "manager (employee id or email)",
            "channel",
            "language",
            "start_date",
            "end_date",
        ],
    },
    "units": {
        "required": ["code", "name", "kind (organisation, site, partner, department, team)"],
        "optional": ["parent (code)", "leader (employee id or email)"],
    },
}

MAX_LENGTHS = {
    "given_name": 100,
    "family_name": 100,
    "employee_id": 64,
    "job_role": 100,
    "language": 10,
    "code": 64,
    "name": 200,
}


@dataclass
class RowError:
    line: int  # line number in the file, the header being line 1
    column: str
    reason: str

    def __str__(self) -> str:
        return (
            f"line {self.line}: {self.column}: {self.reason}"
            if self.line
            else f"{self.column}: {self.reason}"
        )


@dataclass
class ImportReport:
    kind: str = ""
    filename: str = ""
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    dry_run: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_lines(self) -> list[int]:
        return sorted({e.line for e in self.errors if e.line})

    @classmethod
    def failed(cls, reason: str, **kwargs) -> "ImportReport":
        return cls(errors=[RowError(0, "file", reason)], **kwargs)

    def summary(self) -> str:
        if not self.ok:
            lines = len(self.bad_lines)
            where = f" on {lines} line{'s' if lines != 1 else ''}" if lines else ""
            return f"Nothing was imported: {len(self.errors)} problem{'s' if len(self.errors) != 1 else ''}{where}."
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.rows} rows: {self.created} created, {self.updated} updated, "
            f"{self.unchanged} unchanged."
        )

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "kind": self.kind,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "dry_run": self.dry_run,
            "summary": self.summary(),
            "errors": [{"line": e.line, "column": e.column, "reason": e.reason} for e in self.errors],
        }


def run_import(
    kind: str, data, filename: str, *, actor: User | None = None, dry_run: bool = False
) -> ImportReport:
    """Read, check and (unless dry_run or any row is bad) apply an import of `kind` ('people' or 'units')."""
    report = ImportReport(kind=kind, filename=filename, dry_run=dry_run)
    try:
        table = read_table(data, filename)
    except FileProblem as exc:
        report.errors.append(RowError(0, "file", str(exc)))
        return report
    table.header = [HEADER_ALIASES.get(h, h) for h in table.header]
    report.rows = len(table.rows)
    IMPORTERS[kind](table, report, actor, dry_run)
    return report


def _records(table: Table, report: ImportReport, allowed: set[str]) -> list[tuple[int, dict]]:
    """Rows as dicts with stripped text; flags formulas, over-long values and ragged rows."""
    duplicated = [h for h, n in Counter(table.header).items() if n > 1 and h]
    for name in duplicated:
        report.errors.append(RowError(1, name, "this column appears more than once"))
    records = []
    for offset, row in enumerate(table.rows):
        line = offset + 2
        if len(row) > len(table.header) and any(c.strip() for c in row[len(table.header) :]):
            report.errors.append(
                RowError(line, "row", f"has {len(row)} values but the header has {len(table.header)}")
            )
        record = {}
        for name, value in zip(table.header, row, strict=False):
            if name not in allowed:
                continue
            value = (value or "").strip()
            if looks_like_formula(value):
                report.errors.append(
                    RowError(line, name, f"looks like a spreadsheet formula; remove the leading {value[0]!r}")
                )
            elif len(value) > MAX_LENGTHS.get(name, 254):
                report.errors.append(
                    RowError(line, name, f"is longer than {MAX_LENGTHS.get(name, 254)} characters")
                )
            record[name] = value
        records.append((line, record))
    return records


def _missing_columns(table: Table, report: ImportReport, required: list[str]) -> bool:
    missing = [c for c in required if c not in table.header]
    for name in missing:
        report.errors.append(RowError(1, name, "required column is missing"))
    return bool(missing)


# --- units -----------------------------------------------------------------------------------------------

UNIT_COLUMNS = {"code", "name", "kind", "parent", "leader"}


def import_units(table: Table, report: ImportReport, actor, dry_run: bool) -> None:
    if _missing_columns(table, report, ["code", "name", "kind"]):
        return
    records = _records(table, report, UNIT_COLUMNS)
    existing = {u.code: u for u in Unit.objects.all()}
    in_file: dict[str, int] = {}
    for line, rec in records:
        code = rec.get("code", "")
        if not code:
            report.errors.append(RowError(line, "code", "is empty"))
        elif code in in_file:
            report.errors.append(RowError(line, "code", f"{code!r} already appears on line {in_file[code]}"))
        else:
            in_file[code] = line
        if not rec.get("name"):
            report.errors.append(RowError(line, "name", "is empty"))
        if rec.get("kind", "").lower() not in UnitKind.values:
            report.errors.append(
                RowError(line, "kind", f"{rec.get('kind')!r} is not one of {', '.join(UnitKind.values)}")
            )
        parent = rec.get("parent", "")
        if (
            parent
            and parent not in in_file
            and parent not in existing
            and parent not in {r.get("code") for _, r in records}
        ):
            report.errors.append(RowError(line, "parent", f"unknown unit code {parent!r}"))
        if parent and parent == code:
            report.errors.append(RowError(line, "parent", "a unit cannot be its own parent"))
        if rec.get("leader") and _find_person(rec["leader"]) is None:
            report.errors.append(
                RowError(line, "leader", f"no person with employee id or email {rec['leader']!r}")
            )
    parents = {r["code"]: r.get("parent", "") for _, r in records if r.get("code")}
    for code in parents:
        if _has_cycle(code, parents, existing):
            report.errors.append(RowError(in_file[code], "parent", "makes a loop in the unit tree"))
    if report.errors:
        return
    with transaction.atomic():
        # Parents first: order codes so each parent is saved before its children.
        for _line, rec in sorted(records, key=lambda item: _depth(item[1]["code"], parents)):
            unit = existing.get(rec["code"])
            values = {
                "name": rec["name"],
                "kind": rec["kind"].lower(),
                "parent": existing.get(rec.get("parent", "")) if rec.get("parent") else None,
                "leader": _find_person(rec["leader"])
                if rec.get("leader")
                else (unit.leader if unit else None),
            }
            if unit is None:
                unit = Unit(code=rec["code"], **values)
                report.created += 1
            elif all(getattr(unit, k) == v for k, v in values.items()):
                report.unchanged += 1
                continue
            else:
                for key, value in values.items():
                    setattr(unit, key, value)
                report.updated += 1
            if not dry_run:
                unit.save()
            existing[unit.code] = unit
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit.record(
                actor,
                "import",
                None,
                report.as_dict() | {"errors": []},
                object_type="org.Unit",
                object_repr=report.filename,
            )


def _depth(code: str, parents: dict) -> int:
    depth, seen = 0, set()
    while parents.get(code) and code not in seen:
        seen.add(code)
        code = parents[code]
        depth += 1
    return depth


def _has_cycle(code: str, parents: dict, existing: dict) -> bool:
    seen = set()
    while code:
        if code in seen:
            return True
        seen.add(code)
        if code in parents:
            code = parents[code]
        else:
            unit = existing.get(code)
            code = unit.parent.code if unit is not None and unit.parent_id else ""
    return False


# --- people ----------------------------------------------------------------------------------------------

PEOPLE_COLUMNS = {
    "employee_id",
    "email",
    "given_name",
    "family_name",
    "team",
    "job_role",
    "manager",
    "channel",
    "language",
    "start_date",
    "end_date",
}
PERSON_FIELDS = [
    "employee_id",
    "email",
    "given_name",
    "family_name",
    "unit_id",
    "job_role_id",
    "manager_id",
    "channel",
    "language",
    "start_date",
    "end_date",
]


def _find_person(key: str) -> Person | None:
    key = key.strip()
    if "@" in key:
        return Person.objects.filter(email__iexact=key).first()
    return Person.objects.filter(employee_id=key).first()


def import_people(table: Table, report: ImportReport, actor, dry_run: bool) -> None:
    if _missing_columns(table, report, ["given_name", "family_name", "team"]):
        return
    if "employee_id" not in table.header and "email" not in table.header:
        report.errors.append(RowError(1, "employee_id", "the file needs an employee_id or an email column"))
        return
    records = _records(table, report, PEOPLE_COLUMNS)
    units = {u.code: u.pk for u in Unit.objects.all()}
    by_id = {p.employee_id: p for p in Person.objects.exclude(employee_id=None)}
    by_email = {p.email.lower(): p for p in Person.objects.exclude(email=None)}
    seen_ids: dict[str, int] = {}
    seen_emails: dict[str, int] = {}
    matched: list[tuple[int, dict, Person | None]] = []
    for line, rec in records:
        _check_person_row(line, rec, report, units)
        emp_id, email = rec.get("employee_id", ""), rec.get("email", "").lower()
        if emp_id:
            if emp_id in seen_ids:
                report.errors.append(
                    RowError(line, "employee_id", f"{emp_id!r} already appears on line {seen_ids[emp_id]}")
                )
            seen_ids.setdefault(emp_id, line)
        if email:
            if email in seen_emails:
                report.errors.append(
                    RowError(line, "email", f"{email!r} already appears on line {seen_emails[email]}")
                )
            seen_emails.setdefault(email, line)
        person = by_id.get(emp_id) if emp_id else None
        if person is None and email:
            person = by_email.get(email)
            if person is not None and emp_id and person.employee_id and person.employee_id != emp_id:
                report.errors.append(
                    RowError(
                        line, "email", f"{email!r} belongs to employee {person.employee_id}, not {emp_id}"
                    )
                )
        elif person is not None and email and email in by_email and by_email[email].pk != person.pk:
            report.errors.append(RowError(line, "email", f"{email!r} already belongs to another person"))
        matched.append((line, rec, person))
    _check_managers(matched, report, by_id, by_email)
    if report.errors:
        return
    _apply_people(matched, report, units, by_id, by_email, actor, dry_run)


def _check_person_row(line: int, rec: dict, report: ImportReport, units: dict) -> None:
    if not rec.get("employee_id") and not rec.get("email"):
        report.errors.append(RowError(line, "employee_id", "needs an employee id or an email"))
    for name in ("given_name", "family_name", "team"):
        if not rec.get(name):
            report.errors.append(RowError(line, name, "is empty"))
    if rec.get("team") and rec["team"] not in units:
        report.errors.append(RowError(line, "team", f"unknown unit code {rec['team']!r}"))
    if rec.get("email"):
        try:
            validate_email(rec["email"])
        except ValidationError:
            report.errors.append(RowError(line, "email", f"{rec['email']!r} is not a valid email address"))
    if rec.get("channel") and rec["channel"].lower() not in Channel.values:
        report.errors.append(
            RowError(line, "channel", f"{rec['channel']!r} is not one of {', '.join(Channel.values)}")
        )
    dates = {}
    for name in ("start_date", "end_date"):
        if rec.get(name):
            try:
                dates[name] = parse_date(rec[name])
            except ValueError as exc:
                report.errors.append(RowError(line, name, str(exc)))
    if len(dates) == 2 and dates["end_date"] < dates["start_date"]:
        report.errors.append(RowError(line, "end_date", "is before start_date"))


def _check_managers(matched, report: ImportReport, by_id: dict, by_email: dict) -> None:
    in_file = {}
    for _line, rec, _person in matched:
        for key in (rec.get("employee_id"), rec.get("email", "").lower()):
            if key:
                in_file[key] = rec
    for line, rec, _person in matched:
        manager = rec.get("manager", "")
        if not manager:
            continue
        key = manager.lower() if "@" in manager else manager
        if key in (rec.get("employee_id"), rec.get("email", "").lower()):
            report.errors.append(RowError(line, "manager", "a person cannot be their own manager"))
        elif key not in in_file and key not in by_id and key not in by_email:
            report.errors.append(
                RowError(
                    line, "manager", f"unknown manager {manager!r} (not in this file or the organisation)"
                )
            )


def _apply_people(matched, report, units, by_id, by_email, actor, dry_run: bool) -> None:
    roles = {r.name.lower(): r for r in JobRole.objects.all()}
    with transaction.atomic():
        touched: list[tuple[dict, Person]] = []
        for _line, rec, person in matched:
            role = None
            if rec.get("job_role"):
                role = roles.get(rec["job_role"].lower())
                if role is None:
                    role = JobRole.objects.create(name=rec["job_role"])
                    roles[role.name.lower()] = role
            values = {
                "employee_id": rec.get("employee_id") or (person.employee_id if person else None),
                "email": rec.get("email", "").lower() or (person.email if person else None),
                "given_name": rec["given_name"],
                "family_name": rec["family_name"],
                "unit_id": units[rec["team"]],
                "job_role_id": role.pk
                if role
                else (person.job_role_id if person and "job_role" not in rec else None),
                "channel": rec.get("channel", "").lower()
                if "channel" in rec
                else (person.channel if person else ""),
                "language": rec.get("language") or (person.language if person else "en"),
                "start_date": _date_value(rec, "start_date", person),
                "end_date": _date_value(rec, "end_date", person),
            }
            if person is None:
                person = Person.objects.create(**values)
                report.created += 1
                rec["_created"] = True
            else:
                before = {k: getattr(person, k) for k in values}
                if before == values:
                    report.unchanged += 1
                else:
                    Person.objects.filter(pk=person.pk).update(**values)
                    for key, value in values.items():
                        setattr(person, key, value)
                    report.updated += 1
                    rec["_changed"] = True
            for key in (person.employee_id, person.email):
                if key:
                    (by_email if "@" in key else by_id)[key] = person
            touched.append((rec, person))
        # Managers second, once everyone in the file exists.
        for rec, person in touched:
            manager = rec.get("manager", "")
            manager_id = None
            if manager:
                manager_id = (by_email.get(manager.lower()) if "@" in manager else by_id.get(manager)).pk
            elif "manager" not in rec:
                manager_id = person.manager_id
            if person.manager_id != manager_id:
                Person.objects.filter(pk=person.pk).update(manager_id=manager_id)
                if not rec.get("_changed") and not rec.get("_created"):
                    report.unchanged -= 1
                    report.updated += 1
                    rec["_changed"] = True
                person.manager_id = manager_id
        if dry_run:
            transaction.set_rollback(True)
        else:
            audit.record(
                actor,
                "import",
                None,
                report.as_dict() | {"errors": []},
                object_type="org.Person",
                object_repr=report.filename,
            )


def _date_value(rec: dict, name: str, person: Person | None):
    """The date in the file; a blank cell clears it; a file without the column keeps the current date (so a
    file without end_date does not bring leavers back)."""
    if rec.get(name):
        return parse_date(rec[name])
    if name in rec or person is None:
        return None
    return getattr(person, name)


IMPORTERS = {"people": import_people, "units": import_units}
