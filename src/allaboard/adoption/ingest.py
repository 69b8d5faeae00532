"""Usage events in, from the API and from usage exports (CSV/XLSX with a column mapping).

One checker serves both. Every event is checked first; if any is bad, nothing is written and every bad
event is named. Events whose id is already stored (or repeated in the input) are skipped and counted.
New events go through a staging table (COPY on PostgreSQL, executemany on SQLite) and three set-based
statements add them to the events and to the roll-ups (`DailyUsage`, `PersonBehaviour`) in the same
transaction: no per-event ORM work, and the roll-ups never disagree with the events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from allaboard.org.models import Person
from allaboard.tabular import Table

from .models import Behaviour, Tool, UsageBatch

MAX_ID = 100
EARLIEST = date(2000, 1, 1)
FIELDS = ["external_id", "person", "tool", "behaviour", "at"]
# File columns: the tool is chosen on upload, so a file maps these.
FILE_FIELDS = [
    ("external_id", "Event id", "The event's id in the tool. Without it, each row's content is its id."),
    ("person", "Person", "Employee id or work email."),
    ("behaviour", "Behaviour", "The key behaviour's code (or its name)."),
    ("at", "Timestamp", "When it happened: 2026-03-31T14:05:00, 2026-03-31 14:05 or 2026-03-31."),
]
ALIASES = {
    "external_id": ("external_id", "event_id", "id", "uuid"),
    "person": ("person", "employee_id", "employee", "email", "user", "agent", "user_email"),
    "behaviour": ("behaviour", "behavior", "action", "event", "event_type", "feature"),
    "at": ("at", "timestamp", "time", "date", "datetime", "occurred_at", "created_at"),
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong: `field` names the event ("events[3].at") or, for files, the column on `line`."""

    field: str
    reason: str
    line: int | None = None

    def as_dict(self) -> dict:
        return {"field": self.field, "reason": self.reason, "line": self.line}


@dataclass
class Report:
    events: int = 0
    created: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def summary(self) -> str:
        if not self.ok:
            return f"Nothing was imported: {len(self.problems):,} problem{'s' if len(self.problems) != 1 else ''}."
        return (
            f"Imported {self.created:,} new event{'s' if self.created != 1 else ''} of {self.events:,}; "
            f"{self.duplicates:,} duplicate{'s' if self.duplicates != 1 else ''} skipped."
        )


class _People:
    """Employee id or email -> person id, looked up once per batch."""

    def __init__(self, keys: Iterable[str]):
        keys = {k for k in keys if k}
        emails = {k.lower() for k in keys if "@" in k}
        ids = {k for k in keys if "@" not in k}
        self.by_key: dict[str, int] = {}
        for chunk in _chunks(sorted(ids), 5_000):
            self.by_key.update(Person.objects.filter(employee_id__in=chunk).values_list("employee_id", "pk"))
        for chunk in _chunks(sorted(emails), 5_000):
            rows = Person.objects.annotate(e=Lower("email")).filter(e__in=chunk).values_list("e", "pk")
            self.by_key.update(rows)

    def get(self, key: str) -> int | None:
        return self.by_key.get(key.lower() if "@" in key else key)


def _behaviours(tool: Tool | None = None) -> dict[tuple[str, str], int]:
    """(tool code, behaviour code) -> behaviour id; for one tool, its behaviour names are keys too."""
    rows = Behaviour.objects.select_related("tool")
    if tool is not None:
        rows = rows.filter(tool=tool)
    out = {}
    for b in rows:
        out[(b.tool.code, b.code)] = b.pk
        if tool is not None:
            out[(b.tool.code, b.name.strip().lower())] = b.pk
    return out


def parse_moment(value: Any, tz=None) -> datetime | None:
    """An ISO date-time (with or without zone; without means local time) or a date (local midnight)."""
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        try:
            moment = datetime.combine(date.fromisoformat(text), time())
        except ValueError:
            return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=tz or timezone.get_current_timezone())
    return moment


class Clock:
    """Moments to (UTC moment, local day), with the local zone's offset looked up once per hour:
    zoneinfo conversions cost tens of microseconds each, too much for millions of events."""

    def __init__(self, tz):
        self.tz = tz
        self.offsets: dict[tuple, Any] = {}

    def convert(self, moment: datetime) -> tuple[datetime, date]:
        if moment.tzinfo is self.tz:  # given without a zone: local wall time
            key = ("local", moment.date(), moment.hour)
            offset = self.offsets.get(key)
            if offset is None:
                offset = self.offsets[key] = moment.utcoffset()
            return (moment.replace(tzinfo=None) - offset).replace(tzinfo=UTC), moment.date()
        utc = (moment.replace(tzinfo=None) - moment.utcoffset()).replace(tzinfo=UTC)
        key = ("utc", utc.date(), utc.hour)
        offset = self.offsets.get(key)
        if offset is None:
            offset = self.offsets[key] = utc.astimezone(self.tz).utcoffset()
        return utc, (utc.replace(tzinfo=None) + offset).date()


class Clean(NamedTuple):
    """A checked event, in the column order of the staging table."""

    external_id: str
    person_id: int
    behaviour_id: int
    at: datetime
    day: date


def check(
    events: list, *, tool: Tool | None = None, lines: list[int] | None = None
) -> tuple[list[Clean], list[Problem]]:
    """Checked events and every problem. `tool`: file imports, where the tool is fixed and not a field."""
    tz = timezone.get_current_timezone()  # looked up once: it is slow to ask per event
    clock = Clock(tz)
    today = timezone.localdate()
    people = _People(str(e.get("person") or "").strip() for e in events if isinstance(e, dict))
    behaviours = _behaviours(tool)
    clean: list[Clean] = []
    problems: list[Problem] = []
    for i, event in enumerate(events):
        line = lines[i] if lines else None
        where = (lambda name: name) if lines else (lambda name, i=i: f"events[{i}].{name}")
        if not isinstance(event, dict):
            problems.append(Problem(f"events[{i}]", "must be an object", line))
            continue
        bad = len(problems)
        if not lines:
            extra = sorted(set(event) - set(FIELDS))
            if extra:
                problems.append(Problem(where(extra[0]), f"is not a known field ({', '.join(FIELDS)})", line))
        external_id = str(event.get("external_id") or "").strip()
        if not external_id:
            problems.append(Problem(where("external_id"), "is required", line))
        elif len(external_id) > MAX_ID:
            problems.append(Problem(where("external_id"), f"is longer than {MAX_ID} characters", line))
        person_key = str(event.get("person") or "").strip()
        person_id = people.get(person_key) if person_key else None
        if not person_key:
            problems.append(Problem(where("person"), "is required (employee id or email)", line))
        elif person_id is None:
            problems.append(
                Problem(where("person"), f"no person with employee id or email {person_key[:80]!r}", line)
            )
        tool_code = tool.code if tool else str(event.get("tool") or "").strip()
        code = str(event.get("behaviour") or "").strip()
        behaviour_id = behaviours.get((tool_code, code)) or behaviours.get((tool_code, code.lower()))
        if not tool_code:
            problems.append(Problem(where("tool"), "is required (the tool's code)", line))
        elif not code:
            problems.append(Problem(where("behaviour"), "is required", line))
        elif behaviour_id is None:
            problems.append(
                Problem(
                    where("behaviour"),
                    f"{code[:80]!r} is not a key behaviour of tool {tool_code[:50]!r}",
                    line,
                )
            )
        moment = parse_moment(event.get("at"), tz)
        if moment is not None:
            moment, day = clock.convert(moment)
        if moment is None:
            problems.append(
                Problem(where("at"), "must be an ISO date-time such as 2026-03-31T14:05:00Z", line)
            )
        elif not EARLIEST <= day <= today:
            problems.append(Problem(where("at"), "must not be in the future or before 2000", line))
        if len(problems) == bad:
            clean.append(Clean(external_id, person_id, behaviour_id, moment, day))
    return clean, problems


def import_events(
    events: list,
    *,
    actor=None,
    via: str = UsageBatch.Via.API,
    filename: str = "",
    tool: Tool | None = None,
    lines: list[int] | None = None,
) -> Report:
    """Check and store a batch. Nothing is written when any event is bad."""
    report = Report(events=len(events))
    clean, report.problems = check(events, tool=tool, lines=lines)
    if report.problems:
        return report
    unique = list({c.external_id: c for c in reversed(clean)}.values())  # the first of repeated ids wins
    with transaction.atomic():
        batch = UsageBatch.objects.create(via=via, filename=filename[:255], by=actor, events=len(events))
        created = store(unique, batch.pk)
        batch.created, batch.duplicates = created, len(events) - created
        batch.save(update_fields=["created", "duplicates"])
    report.created, report.duplicates, report.batch_id = created, len(events) - created, batch.pk
    return report


def store(events: list[Clean], batch_id: int | None) -> int:
    """Add new events and their roll-ups; events whose id is stored already are skipped. Returns how many
    were new. Must run inside a transaction."""
    if not events:
        return 0
    rows = events  # Clean is a tuple in the staging table's column order
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            return _store_postgresql(cursor, rows, batch_id)
        return _store_generic(cursor, rows, batch_id)


_STAGING = "adoption_staging"
_DAILY_UPSERT = """
    INSERT INTO adoption_dailyusage (person_id, behaviour_id, day, uses)
    SELECT person_id, behaviour_id, day, COUNT(*) FROM {source} WHERE 1 = 1 GROUP BY person_id, behaviour_id, day
    ON CONFLICT (person_id, behaviour_id, day) DO UPDATE SET uses = adoption_dailyusage.uses + excluded.uses
"""
_PB_UPSERT = """
    INSERT INTO adoption_personbehaviour (person_id, behaviour_id, first_day, last_day, uses)
    SELECT person_id, behaviour_id, MIN(day), MAX(day), COUNT(*) FROM {source} WHERE 1 = 1
    GROUP BY person_id, behaviour_id
    ON CONFLICT (person_id, behaviour_id) DO UPDATE SET
      first_day = CASE WHEN excluded.first_day < adoption_personbehaviour.first_day
                       THEN excluded.first_day ELSE adoption_personbehaviour.first_day END,
      last_day = CASE WHEN excluded.last_day > adoption_personbehaviour.last_day
                      THEN excluded.last_day ELSE adoption_personbehaviour.last_day END,
      uses = adoption_personbehaviour.uses + excluded.uses
"""


def _store_postgresql(cursor, rows, batch_id) -> int:
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} (external_id varchar(100), person_id bigint, "
        "behaviour_id bigint, at timestamptz, day date) ON COMMIT DELETE ROWS"
    )
    cursor.execute(f"TRUNCATE {_STAGING}")
    with cursor.cursor.copy(
        f"COPY {_STAGING} (external_id, person_id, behaviour_id, at, day) FROM STDIN"
    ) as copy:
        for row in rows:
            copy.write_row(row)
    # Race-safe: a concurrent batch with the same ids loses on the unique index, never double-counts.
    sql = f"""
        WITH new AS (
          INSERT INTO adoption_usageevent (external_id, person_id, behaviour_id, at, day, batch_id)
          SELECT external_id, person_id, behaviour_id, at, day, %s FROM {_STAGING}
          ON CONFLICT (external_id) DO NOTHING
          RETURNING person_id, behaviour_id, day
        ), daily AS ({_DAILY_UPSERT.format(source="new")} RETURNING 1),
        pb AS ({_PB_UPSERT.format(source="new")} RETURNING 1)
        SELECT COUNT(*) FROM new
        """  # noqa: S608 (table names are constants)
    cursor.execute(sql, [batch_id])
    return cursor.fetchone()[0]


def _store_generic(cursor, rows, batch_id) -> int:
    cursor.execute(
        f"CREATE TEMP TABLE IF NOT EXISTS {_STAGING} (external_id varchar(100) PRIMARY KEY, person_id integer, "
        "behaviour_id integer, at datetime, day date)"
    )
    cursor.execute(f"DELETE FROM {_STAGING}")  # noqa: S608 (table names are constants)
    cursor.executemany(
        f"INSERT INTO {_STAGING} (external_id, person_id, behaviour_id, at, day) VALUES (%s, %s, %s, %s, %s)",  # noqa: S608 (table names are constants)
        # Stored as Django stores datetimes on SQLite: naive UTC text (`at` is in UTC already).
        [(e, p, b, a.replace(tzinfo=None).isoformat(" "), d.isoformat()) for e, p, b, a, d in rows],
    )
    cursor.execute(
        f"DELETE FROM {_STAGING} WHERE external_id IN (SELECT u.external_id FROM adoption_usageevent u "  # noqa: S608 (table names are constants)
        f"JOIN {_STAGING} s ON s.external_id = u.external_id)"
    )
    cursor.execute(f"SELECT COUNT(*) FROM {_STAGING}")  # noqa: S608 (table names are constants)
    created = cursor.fetchone()[0]
    cursor.execute(
        "INSERT INTO adoption_usageevent (external_id, person_id, behaviour_id, at, day, batch_id) "  # noqa: S608 (table names are constants)
        f"SELECT external_id, person_id, behaviour_id, at, day, %s FROM {_STAGING}",
        [batch_id],
    )
    cursor.execute(_DAILY_UPSERT.format(source=_STAGING))
    cursor.execute(_PB_UPSERT.format(source=_STAGING))
    cursor.execute(f"DELETE FROM {_STAGING}")  # noqa: S608 (table names are constants)
    return created


def _chunks(items: list, size: int):
    for start in range(0, len(items), size):
        yield items[start : start + size]


# --- files ------------------------------------------------------------------------------------------------


def guess_mapping(header: list[str]) -> dict[str, str]:
    """Field -> column, from the column names."""
    mapping = {}
    for name, *_ in FILE_FIELDS:
        for alias in ALIASES[name]:
            if alias in header and alias not in mapping.values():
                mapping[name] = alias
                break
    return mapping


def table_events(table: Table, mapping: Mapping[str, str]) -> tuple[list[dict], list[int], list[Problem]]:
    """The file's rows as events (by the mapping), their file lines, and problems with the mapping itself."""
    problems = [
        Problem(name, f"map a column to {title}", None)
        for name, title, _ in FILE_FIELDS
        if name != "external_id" and not mapping.get(name)
    ]
    missing = [c for c in mapping.values() if c and c not in table.header]
    problems += [Problem(c, "is not a column of this file", None) for c in missing]
    if problems:
        return [], [], problems
    index = {name: table.header.index(column) for name, column in mapping.items() if column}
    events, lines = [], []
    for number, row in enumerate(table.rows, start=2):
        cells = {name: (row[i].strip() if i < len(row) else "") for name, i in index.items()}
        if not cells.get("external_id"):
            content = "\x1f".join(cells.get(n, "") for n in ("person", "behaviour", "at"))
            cells["external_id"] = "file:" + hashlib.sha256(content.encode()).hexdigest()[:40]
        events.append(cells)
        lines.append(number)
    return events, lines, []


def import_table(
    table: Table, mapping: Mapping[str, str], *, tool: Tool, actor=None, filename: str = ""
) -> Report:
    events, lines, problems = table_events(table, mapping)
    if problems:
        return Report(events=len(table.rows), problems=problems)
    return import_events(
        events, actor=actor, via=UsageBatch.Via.FILE, filename=filename, tool=tool, lines=lines
    )
