"""Import customer feedback from files (CSV/XLSX, with a column mapping) and from the API, in bulk.

One checker serves both ways in: every record is checked first and, if any is bad, nothing is written and
every bad record is named. Good records whose external id is already stored (or repeated in the input) are
skipped and counted. New records are written with the bulk path of the database (PostgreSQL COPY through
psycopg 3, executemany on SQLite) and their sufficient statistics are added to FeedbackStats in the same
transaction, so the metrics never disagree with the raw rows.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from operator import add
from typing import Any, NamedTuple

from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone

from allaboard.org import audit
from allaboard.org.models import Person, Unit
from allaboard.tabular import FileProblem, Table, looks_like_formula, parse_date, read_table

from .models import (
    STAT_FIELDS,
    Channel,
    Feedback,
    FeedbackSource,
    FeedbackStats,
    Grain,
    ImportBatch,
    period_start,
)

MAX_COMMENT = 10_000
MAX_EXTERNAL_ID = 100
MAX_ATTRIBUTES = 50
MAX_ATTRIBUTE_KEY = 64
MAX_ATTRIBUTE_VALUE = 500
EARLIEST = date(2000, 1, 1)
MAX_LISTED_PROBLEMS = 1_000  # pages list this many in detail; every bad line is still named in ranges


@dataclass(frozen=True)
class FieldSpec:
    name: str
    title: str
    help: str
    aliases: tuple[str, ...]
    hints: tuple[str, ...] = ()  # words that, inside a header, suggest this field


FIELDS = [
    FieldSpec(
        "external_id",
        "External id",
        "The feedback's id in the survey or ticketing tool. Re-importing an id is skipped. Without it, each "
        "row's own content is its id, so re-importing the same file still changes nothing.",
        (
            "external_id",
            "id",
            "response_id",
            "survey_id",
            "feedback_id",
            "ticket_id",
            "record_id",
            "case_id",
            "reference",
            "ref",
            "interaction_id",
            "survey_response_id",
        ),
        ("response_id", "_id", "reference"),
    ),
    FieldSpec(
        "date",
        "Date",
        "When the customer answered (or was served): 2025-03-31, 31/03/2025 or 2025-03-31T14:05:00.",
        (
            "date",
            "response_date",
            "survey_date",
            "submitted",
            "submitted_at",
            "created",
            "created_at",
            "timestamp",
            "contact_date",
            "interaction_date",
            "date_submitted",
            "completed",
            "completed_at",
            "day",
        ),
        ("date", "time", "submitted"),
    ),
    FieldSpec(
        "channel",
        "Channel",
        "phone, chat, email, social, sms/messaging, web, other (and common synonyms). Empty: not recorded.",
        (
            "channel",
            "contact_channel",
            "source_channel",
            "medium",
            "contact_type",
            "media_type",
            "channel_type",
        ),
        ("channel", "medium"),
    ),
    FieldSpec(
        "team",
        "Team code",
        "The code of the team (or any unit) that served the customer. Needed unless the agent is given.",
        ("team", "team_code", "unit", "unit_code", "team_id", "group", "queue_team"),
        ("team", "unit"),
    ),
    FieldSpec(
        "agent",
        "Agent employee id",
        "The employee id (or work email) of the agent; their team is used when no team is given.",
        (
            "agent",
            "agent_id",
            "agent_employee_id",
            "employee_id",
            "advisor",
            "advisor_id",
            "staff_id",
            "agent_code",
            "handled_by",
            "agent_email",
        ),
        ("agent", "advisor", "employee"),
    ),
    FieldSpec(
        "csat",
        "CSAT (1-5)",
        "Satisfaction from 1 (very dissatisfied) to 5 (very satisfied).",
        ("csat", "satisfaction", "csat_score", "satisfaction_score", "overall_satisfaction"),
        ("csat", "satisf"),
    ),
    FieldSpec(
        "nps",
        "NPS (0-10)",
        "Likelihood to recommend, from 0 (not at all likely) to 10 (extremely likely).",
        ("nps", "nps_score", "likelihood_to_recommend", "recommend", "ltr"),
        ("nps", "recommend"),
    ),
    FieldSpec(
        "ces",
        "CES (1-7)",
        "Customer effort: 'it was easy to handle my request', 1 (strongly disagree) to 7 (strongly agree).",
        ("ces", "effort", "customer_effort", "ces_score", "effort_score", "ease"),
        ("effort", "ces", "ease", "easy"),
    ),
    FieldSpec(
        "comment",
        "Comment",
        "What the customer wrote. Names, emails, phone numbers and employee ids are masked before storing.",
        ("comment", "comments", "verbatim", "feedback", "free_text", "text", "why", "reason", "open_comment"),
        ("comment", "verbatim", "feedback", "text"),
    ),
]
FIELD_NAMES = [f.name for f in FIELDS]
SCORE_FIELDS = {"csat": (1, 5), "nps": (0, 10), "ces": (1, 7)}

CHANNEL_SYNONYMS = {
    "voice": Channel.VOICE,
    "phone": Channel.VOICE,
    "telephone": Channel.VOICE,
    "call": Channel.VOICE,
    "calls": Channel.VOICE,
    "inbound call": Channel.VOICE,
    "outbound call": Channel.VOICE,
    "tel": Channel.VOICE,
    "chat": Channel.CHAT,
    "webchat": Channel.CHAT,
    "web chat": Channel.CHAT,
    "live chat": Channel.CHAT,
    "livechat": Channel.CHAT,
    "email": Channel.EMAIL,
    "e mail": Channel.EMAIL,
    "mail": Channel.EMAIL,
    "social": Channel.SOCIAL,
    "social media": Channel.SOCIAL,
    "twitter": Channel.SOCIAL,
    "x": Channel.SOCIAL,
    "facebook": Channel.SOCIAL,
    "instagram": Channel.SOCIAL,
    "messaging": Channel.MESSAGING,
    "sms": Channel.MESSAGING,
    "text": Channel.MESSAGING,
    "whatsapp": Channel.MESSAGING,
    "message": Channel.MESSAGING,
    "web": Channel.WEB,
    "website": Channel.WEB,
    "self service": Channel.WEB,
    "selfservice": Channel.WEB,
    "online": Channel.WEB,
    "app": Channel.WEB,
    "portal": Channel.WEB,
    "web form": Channel.WEB,
    "other": Channel.OTHER,
    "unknown": Channel.UNKNOWN,
    "not recorded": Channel.UNKNOWN,
}
CHANNEL_SYNONYMS = {key: str(channel.value) for key, channel in CHANNEL_SYNONYMS.items()}
UNKNOWN_CHANNEL = str(Channel.UNKNOWN.value)
_SCORES = {str(i): i for i in range(11)} | {f"{i}.0": i for i in range(11)}
# A comment is text a customer wrote, so "-- awful" or "+1" are fine; what a spreadsheet would run is not.
_FORMULA_TEXT = re.compile(r"^[=@]|^[+-]\s*[\w(.]+.*[(!|]", re.DOTALL)


# ---- problems and reports --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the input: a file line (the header is line 1) or an API field path."""

    line: int | None
    field: str
    reason: str

    def __str__(self) -> str:
        return (
            f"line {self.line}: {self.field}: {self.reason}" if self.line else f"{self.field}: {self.reason}"
        )

    def as_dict(self) -> dict:
        return {"line": self.line, "field": self.field, "reason": self.reason}


@dataclass
class ImportReport:
    records: int = 0
    created: int = 0
    duplicates: int = 0
    problems: list[Problem] = field(default_factory=list)
    dry_run: bool = False
    batch_id: int | None = None
    filename: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def bad_lines(self) -> list[int]:
        return sorted({p.line for p in self.problems if p.line})

    @property
    def bad_line_ranges(self) -> str:
        """Every bad line, compactly: "2-40, 57, 90-91"."""
        return _ranges(self.bad_lines)

    @property
    def listed_problems(self) -> list[Problem]:
        return self.problems[:MAX_LISTED_PROBLEMS]

    def summary(self) -> str:
        if not self.ok:
            lines = len(self.bad_lines)
            where = f" on {lines:,} line{'s' if lines != 1 else ''}" if lines else ""
            count = len(self.problems)
            return f"Nothing was imported: {count:,} problem{'s' if count != 1 else ''}{where}."
        verb = "Would import" if self.dry_run else "Imported"
        return (
            f"{verb} {self.created:,} new record{'s' if self.created != 1 else ''} of {self.records:,}; "
            f"{self.duplicates:,} duplicate{'s' if self.duplicates != 1 else ''} skipped."
        )

    def as_dict(self) -> dict:
        return {
            "ok": self.ok,
            "records": self.records,
            "created": self.created,
            "duplicates": self.duplicates,
            "dry_run": self.dry_run,
            "summary": self.summary(),
            "errors": [p.as_dict() for p in self.problems],
        }


def _ranges(numbers: list[int]) -> str:
    parts: list[str] = []
    start = prev = None
    for n in numbers:
        if start is None:
            start = prev = n
        elif n == prev + 1:
            prev = n
        else:
            parts.append(f"{start}" if start == prev else f"{start}-{prev}")
            start = prev = n
    if start is not None:
        parts.append(f"{start}" if start == prev else f"{start}-{prev}")
    return ", ".join(parts)


# ---- checking records ------------------------------------------------------------------------------------


class Clean(NamedTuple):
    external_id: str
    date: date
    channel: str
    unit_id: int
    person_id: int | None
    csat: int | None
    nps: int | None
    ces: int | None
    comment: str
    attributes: dict


class RecordChecker:
    """Checks raw records (dicts of field -> text or number) against the organisation.

    Teams and agents are looked up once for the whole input (`prepare`), so checking a record touches no
    database."""

    def __init__(self, today: date | None = None):
        self.today = today or timezone.localdate()
        self.latest = self.today + timedelta(days=1)  # feedback stamped in another time zone
        self.units: dict[str, int] = {}
        self.people: dict[str, tuple[int, int]] = {}
        self._dates: dict[str, date | None] = {}
        self.problems: list[Problem] = []

    def prepare(self, records: Iterable[Mapping[str, Any]]) -> None:
        """Look up every team code and agent id the records mention, in a few queries."""
        codes, agents = set(), set()
        for raw in records:
            team, agent = raw.get("team"), raw.get("agent")
            if isinstance(team, str) and team.strip():
                codes.add(team.strip())
            if isinstance(agent, str | int) and not isinstance(agent, bool) and str(agent).strip():
                agents.add(str(agent).strip())
        self.units = {}
        for code, pk in Unit.objects.values_list("code", "pk").iterator(chunk_size=5000):
            self.units[code] = pk
            self.units.setdefault(code.casefold(), pk)
        self.people = {}
        ids = sorted(agents)
        for start in range(0, len(ids), 900):
            chunk = ids[start : start + 900]
            wanted = set(chunk) | {c.upper() for c in chunk}
            rows = Person.objects.filter(employee_id__in=wanted).values_list("employee_id", "pk", "unit_id")
            for emp, pk, unit_id in rows:
                self.people[emp] = (pk, unit_id)
                self.people.setdefault(emp.casefold(), (pk, unit_id))
            emails = [c.casefold() for c in chunk if "@" in c]
            if emails:
                rows = (
                    Person.objects.annotate(folded=Lower("email"))
                    .filter(folded__in=emails)
                    .values_list("folded", "pk", "unit_id")
                )
                for email, pk, unit_id in rows:
                    self.people[email] = (pk, unit_id)

    def problem(self, line: int | None, name: str, reason: str) -> None:
        """Record a problem; inside check(), `name` is a field and is shown as the caller's label for it."""
        self.problems.append(Problem(line, self._label(name) if self._label else name, reason))

    _label = None

    def check(self, raw: Mapping[str, Any], line: int | None, label=None) -> Clean | None:
        """The clean record, or None after recording every problem it has. `label(field)` names a field in
        problems (a file column, or records[i].field for the API); it is only called for problems."""
        self._label = label
        try:
            return self._check(raw, line)
        finally:
            self._label = None

    def _check(self, raw: Mapping[str, Any], line: int | None) -> Clean | None:
        before = len(self.problems)
        external_id = self._text(raw.get("external_id"), line, "external_id", MAX_EXTERNAL_ID)
        if external_id == "":
            self.problem(line, "external_id", "is required")
        day = self._date(raw.get("date"), line, "date")
        channel = self._channel(raw.get("channel"), line, "channel")
        unit_id, person_id = self._who(raw.get("team"), raw.get("agent"), line)
        csat = self._score(raw.get("csat"), 1, 5, line, "csat")
        nps = self._score(raw.get("nps"), 0, 10, line, "nps")
        ces = self._score(raw.get("ces"), 1, 7, line, "ces")
        comment = self._comment(raw.get("comment"), line, "comment")
        attributes = self._attributes(raw.get("attributes"), line, "attributes")
        if comment == "" and csat is None and nps is None and ces is None and len(self.problems) == before:
            self.problem(line, "csat", "the record has no score (CSAT, NPS or CES) and no comment")
        if len(self.problems) != before:
            return None
        return Clean(external_id, day, channel, unit_id, person_id, csat, nps, ces, comment, attributes)

    # Each helper records its own problem and returns a neutral value.

    def _text(self, value, line, name, limit, allow_newlines=False) -> str | None:
        if value is None or value == "":
            return ""
        if type(value) is str and len(value) <= limit and _PLAIN.match(value):
            return value  # the usual id or code: letters and digits, nothing to strip or check
        if isinstance(value, bool) or not isinstance(value, str | int):
            self.problem(line, name, "must be text")
            return None
        text = str(value).strip()
        if len(text) > limit:
            self.problem(line, name, f"is longer than {limit} characters")
            return None
        if not _is_clean_text(text, allow_newlines):
            self.problem(line, name, "contains a control character or invalid text")
            return None
        if looks_like_formula(text):
            self.problem(line, name, f"looks like a spreadsheet formula; remove the leading {text[0]!r}")
            return None
        return text

    def _date(self, value, line, name) -> date | None:
        if type(value) is str:
            day = self._dates.get(value)
            if day is not None:
                return day
        if isinstance(value, datetime):
            value = value.date()
        if isinstance(value, date):
            day = value
        elif isinstance(value, str) and value.strip():
            text = value.strip()
            day = _parse_day(text)
            if day is None:
                self.problem(line, name, f"{text[:40]!r} is not a date; use YYYY-MM-DD")
                return None
        else:
            self.problem(
                line, name, "is required" if value in (None, "") else "must be a date like 2025-03-31"
            )
            return None
        if day > self.latest:
            self.problem(line, name, f"{day.isoformat()} is in the future")
            return None
        if day < EARLIEST:
            self.problem(line, name, f"{day.isoformat()} is before {EARLIEST.year}")
            return None
        if type(value) is str:
            self._dates[value] = day
        return day

    def _channel(self, value, line, name) -> str:
        channel = CHANNEL_SYNONYMS.get(value) if type(value) is str else None
        if channel is not None:
            return channel
        if value is None or (isinstance(value, str) and not value.strip()):
            return UNKNOWN_CHANNEL
        if not isinstance(value, str):
            self.problem(line, name, "must be text")
            return UNKNOWN_CHANNEL
        key = " ".join(value.strip().casefold().replace("-", " ").replace("_", " ").split())
        channel = CHANNEL_SYNONYMS.get(key)
        if channel is None:
            shown = value.strip()[:30]
            self.problem(line, name, f"unknown channel {shown!r}; use one of {', '.join(Channel.values)}")
            return UNKNOWN_CHANNEL
        return channel

    def _who(self, team, agent, line) -> tuple[int | None, int | None]:
        unit_id = person_id = None
        team_text = self._text(team, line, "team", 64)
        agent_text = self._text(agent, line, "agent", 254)
        if team_text:
            unit_id = self.units.get(team_text) or self.units.get(team_text.casefold())
            if unit_id is None:
                self.problem(line, "team", f"unknown team code {team_text!r}")
        if agent_text:
            found = self.people.get(agent_text) or self.people.get(agent_text.casefold())
            if found is None:
                self.problem(line, "agent", f"unknown agent {agent_text!r} (use the employee id)")
            else:
                person_id = found[0]
                if not team_text:
                    unit_id = found[1]
        if team_text == "" and agent_text == "":
            self.problem(line, "team", "give the team code or the agent's employee id")
        return unit_id, person_id

    def _score(self, value, low, high, line, name) -> int | None:
        if value is None or value == "":
            return None
        if type(value) is str:
            score = _SCORES.get(value)
            if score is not None and low <= score <= high:
                return score
        if isinstance(value, str):
            text = value.strip()
            if not text:
                return None
            score = _SCORES.get(text)
            if score is None:
                try:
                    number = float(text.replace(",", "."))
                except ValueError:
                    self.problem(line, name, f"{text[:20]!r} is not a whole number from {low} to {high}")
                    return None
                if not number.is_integer():
                    self.problem(line, name, f"{text[:20]!r} is not a whole number from {low} to {high}")
                    return None
                score = int(number)
        elif isinstance(value, bool):
            self.problem(line, name, f"must be a whole number from {low} to {high}")
            return None
        elif isinstance(value, int):
            score = value
        elif isinstance(value, float) and value.is_integer():
            score = int(value)
        else:
            self.problem(line, name, f"must be a whole number from {low} to {high}")
            return None
        if not low <= score <= high:
            self.problem(line, name, f"{score} is outside {low}-{high}")
            return None
        return score

    def _comment(self, value, line, name) -> str:
        if value is None:
            return ""
        if not isinstance(value, str):
            self.problem(line, name, "must be text")
            return ""
        text = value.strip()
        if len(text) > MAX_COMMENT:
            self.problem(line, name, f"is longer than {MAX_COMMENT:,} characters")
            return ""
        if not _is_clean_text(text, allow_newlines=True):
            self.problem(line, name, "contains a control character or invalid text")
            return ""
        if _FORMULA_TEXT.match(text):
            self.problem(line, name, "looks like a spreadsheet formula; remove the leading symbol")
            return ""
        return text

    def _attributes(self, value, line, name) -> dict:
        if value is None or value == {}:
            return {}
        if not isinstance(value, Mapping):
            self.problem(line, name, "must be an object of names and values")
            return {}
        if len(value) > MAX_ATTRIBUTES:
            self.problem(line, name, f"has more than {MAX_ATTRIBUTES} entries")
            return {}
        clean = {}
        for key, item in value.items():
            where = f"{name}.{str(key)[:MAX_ATTRIBUTE_KEY]}"
            if not isinstance(key, str) or not key.strip() or len(key) > MAX_ATTRIBUTE_KEY:
                self.problem(line, where, f"names must be 1 to {MAX_ATTRIBUTE_KEY} characters")
                continue
            if item is None or isinstance(item, bool | int | float):
                if isinstance(item, float) and item != item:  # NaN
                    self.problem(line, where, "must be a number, text, true/false or null")
                    continue
                clean[key.strip()] = item
                continue
            if not isinstance(item, str):
                self.problem(line, where, "must be a number, text, true/false or null")
                continue
            text = self._text(item, line, where, MAX_ATTRIBUTE_VALUE, allow_newlines=True)
            if text is not None:
                clean[key.strip()] = text
        return clean


# Plain ids, codes and words: start with a letter or digit (so never a formula), no control characters.
_PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9.:/@_-]*\Z")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CONTROL_OR_BREAK = re.compile(r"[\x00-\x1f\x7f]")


def _is_clean_text(text: str, allow_newlines: bool = False) -> bool:
    """No control characters (line breaks and tabs only where allowed) and no lone surrogates from JSON."""
    if (_CONTROL if allow_newlines else _CONTROL_OR_BREAK).search(text):
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _parse_day(text: str) -> date | None:
    if len(text) >= 10 and text[4] == "-" and (len(text) == 10 or text[10] in "T "):
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            return None
    try:
        return parse_date(text)
    except ValueError:
        return None


# ---- files: mapping columns ------------------------------------------------------------------------------


def guess_mapping(header: list[str], saved: Mapping[str, str] | None = None) -> dict[str, str]:
    """Field -> column for a file's (normalised) header: a saved mapping first where its columns exist,
    then exact aliases, then words inside headers. Each column is used at most once."""
    mapping: dict[str, str] = {}
    used: set[str] = set()
    columns = [h for h in header if h]
    for name, column in (saved or {}).items():
        if name in FIELD_NAMES and column in columns and column not in used:
            mapping[name] = column
            used.add(column)
    for spec in FIELDS:
        if spec.name in mapping:
            continue
        column = next((c for c in spec.aliases if c in columns and c not in used), None)
        if column:
            mapping[spec.name] = column
            used.add(column)
    for spec in FIELDS:
        if spec.name in mapping:
            continue
        column = next((c for c in columns if c not in used and any(h in c for h in spec.hints)), None)
        if column:
            mapping[spec.name] = column
            used.add(column)
    return mapping


def header_problems(header: list[str]) -> list[Problem]:
    """Two columns with the same name (after normalising: "CSAT" and "csat " are one name) cannot be told
    apart by a mapping or kept as attributes: the file is refused, naming them."""
    counts = Counter(h for h in header if h)
    return [
        Problem(
            1,
            "file",
            f"the header has {n} columns named {name!r} (columns {', '.join(str(i + 1) for i, h in enumerate(header) if h == name)}); "
            "rename them so that every column has its own name",
        )
        for name, n in counts.items()
        if n > 1
    ]


def check_mapping(header: list[str], mapping: Mapping[str, str]) -> list[Problem]:
    """Problems with a mapping: a header with a repeated name, unknown fields or columns, a column used for
    two fields, required fields missing."""
    problems = header_problems(header)
    columns = set(h for h in header if h)
    seen: dict[str, str] = {}
    for name, column in mapping.items():
        if name not in FIELD_NAMES:
            problems.append(Problem(None, name, "is not a field of customer feedback"))
        elif column not in columns:
            problems.append(Problem(None, name, f"the file has no column {column!r}"))
        elif column in seen:
            problems.append(
                Problem(
                    None,
                    name,
                    f"column {column!r} is already mapped to {seen[column]}; a column holds one field",
                )
            )
        else:
            seen[column] = name
    if "date" not in mapping:
        problems.append(Problem(None, "date", "choose the column with the date"))
    if "team" not in mapping and "agent" not in mapping:
        problems.append(
            Problem(None, "team", "choose the column with the team code or the agent's employee id")
        )
    if not any(name in mapping for name in ("csat", "nps", "ces", "comment")):
        problems.append(
            Problem(None, "csat", "choose at least one column with a score (CSAT, NPS, CES) or a comment")
        )
    return problems


def table_records(
    table: Table, mapping: Mapping[str, str], *, keep_extra: bool = True, source_name: str = ""
) -> list[tuple[int, dict]]:
    """(line, raw record) for every row of the table under the mapping. Without an external id column each
    row's id is a hash of its cells (and its place among identical rows), so re-imports are skipped."""
    index = {h: i for i, h in enumerate(table.header) if h}
    columns = {name: index[column] for name, column in mapping.items() if column in index}
    mapped = set(columns.values())
    extras = [(h, i) for h, i in index.items() if i not in mapped] if keep_extra else []
    seen: Counter = Counter()
    out = []
    names, positions = list(columns), list(columns.values())
    needed = max(positions, default=-1) + 1
    for number, row in enumerate(table.rows):
        width = len(row)
        if width >= needed:
            raw = dict(zip(names, [row[i] for i in positions], strict=True))
        else:
            raw = {name: (row[i] if i < width else "") for name, i in columns.items()}
        if extras:
            attributes = {h: row[i].strip() for h, i in extras if i < width and row[i].strip()}
            if attributes:
                raw["attributes"] = attributes
        if "external_id" not in columns:
            digest = hashlib.sha256("\x1f".join([source_name, *row]).encode("utf-8", "replace")).hexdigest()[
                :40
            ]
            seen[digest] += 1
            raw["external_id"] = f"row-{digest}-{seen[digest]}"
        out.append((number + 2, raw))
    return out


def import_table(
    table: Table,
    mapping: Mapping[str, str],
    *,
    source: FeedbackSource | None = None,
    filename: str = "",
    keep_extra: bool = True,
    actor=None,
    dry_run: bool = False,
    queue_comments: bool = True,
) -> ImportReport:
    """Check every row of a read table under a column mapping; store the new ones unless anything is wrong."""
    report = ImportReport(filename=filename, dry_run=dry_run)
    report.problems = check_mapping(table.header, mapping)
    if report.problems:
        return report
    names = {name: f"{column} ({name})" for name, column in mapping.items()}
    names["attributes"] = "extra column"
    rows = table_records(table, mapping, keep_extra=keep_extra, source_name=source.name if source else "")
    checker = RecordChecker()
    checker.prepare(raw for _, raw in rows)
    clean = []
    for line, raw in rows:
        record = checker.check(raw, line, lambda name: _file_label(names, name))
        if record is not None:
            clean.append(record)
    report.records = len(rows)
    report.problems = checker.problems
    if report.problems:
        return report
    return store(
        clean,
        report=report,
        via=ImportBatch.Via.FILE,
        source=source,
        filename=filename,
        actor=actor,
        queue_comments=queue_comments,
    )


def _file_label(names: dict, name: str) -> str:
    if name in names:
        return names[name]
    if name.startswith("attributes."):
        return name.split(".", 1)[1]
    return name


def import_file(data, filename: str, mapping: Mapping[str, str], **kwargs) -> ImportReport:
    """Read a CSV/XLSX upload and import it (see import_table)."""
    max_bytes = kwargs.pop("max_bytes", None)
    max_rows = kwargs.pop("max_rows", None)
    try:
        table = read_table(data, filename, max_bytes=max_bytes, max_rows=max_rows)
    except FileProblem as exc:
        return ImportReport(filename=filename, problems=[Problem(None, "file", str(exc))])
    return import_table(table, mapping, filename=filename, **kwargs)


def import_records(
    records: list, *, actor=None, dry_run: bool = False, queue_comments: bool = True
) -> ImportReport:
    """Check API records (dicts) and store the new ones; a batch with any bad record is refused whole."""
    report = ImportReport(dry_run=dry_run, records=len(records))
    checker = RecordChecker()
    checker.prepare(r for r in records if isinstance(r, Mapping))
    clean = []
    for i, raw in enumerate(records):
        if not isinstance(raw, Mapping):
            checker.problem(None, f"records[{i}]", "must be an object")
            continue
        for key in raw:
            if key not in FIELD_NAMES and key != "attributes":
                checker.problem(
                    None, f"records[{i}].{str(key)[:40]}", "is not a field; put extra data in attributes"
                )
        record = checker.check(raw, None, lambda name, i=i: f"records[{i}].{name}")
        if record is not None:
            clean.append(record)
    report.problems = checker.problems
    if report.problems:
        return report
    return store(clean, report=report, via=ImportBatch.Via.API, actor=actor, queue_comments=queue_comments)


# ---- storing ---------------------------------------------------------------------------------------------

_LOCK_KEY = 0x616C6C6162  # "allab": one customer-feedback import at a time on PostgreSQL


def store(
    records: list[Clean],
    *,
    report: ImportReport | None = None,
    via: str = ImportBatch.Via.API,
    source: FeedbackSource | None = None,
    filename: str = "",
    actor=None,
    queue_comments: bool = True,
) -> ImportReport:
    """Store clean records that are new: skip ids repeated in the input or already stored, redact comments,
    bulk-insert, add to the statistics and record the batch, all in one transaction."""
    report = report or ImportReport(records=len(records))
    unique: dict[str, Clean] = {}
    for record in records:
        unique.setdefault(record.external_id, record)
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK_KEY])
        known = existing_external_ids(list(unique))
        fresh = [r for key, r in unique.items() if key not in known]
        report.created = len(fresh)
        report.duplicates = len(records) - len(fresh)
        if report.dry_run:
            return report
        batch = ImportBatch.objects.create(
            source=source,
            via=via,
            filename=filename[:255],
            by=actor if actor is not None and actor.pk else None,
            records=len(records),
            created=len(fresh),
            duplicates=report.duplicates,
            comments_submitted=not any(r.comment for r in fresh),
        )
        report.batch_id = batch.pk
        if fresh:
            fresh = redact_comments(fresh)
            write_feedback(fresh, batch.pk)
            add_to_stats(fresh)
        audit.record(
            actor,
            "import",
            batch,
            {"records": len(records), "created": len(fresh), "duplicates": report.duplicates},
            object_repr=f"customer feedback {filename or via}",
        )
        if queue_comments and not batch.comments_submitted:
            from .tasks import submit_comments_of_batch

            submit_comments_of_batch.enqueue(batch.pk)
    return report


def existing_external_ids(ids: list[str]) -> set[str]:
    table = connection.ops.quote_name(Feedback._meta.db_table)
    found: set[str] = set()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for start in range(0, len(ids), 50_000):
                cursor.execute(
                    f"SELECT external_id FROM {table} WHERE external_id = ANY(%s)",  # noqa: S608
                    [ids[start : start + 50_000]],
                )
                found.update(row[0] for row in cursor.fetchall())
        else:
            for start in range(0, len(ids), 900):
                chunk = ids[start : start + 900]
                marks = ",".join(["%s"] * len(chunk))
                cursor.execute(f"SELECT external_id FROM {table} WHERE external_id IN ({marks})", chunk)  # noqa: S608
                found.update(row[0] for row in cursor.fetchall())
    return found


def redact_comments(records: list[Clean]) -> list[Clean]:
    """Mask names, emails, phone numbers and employee ids in comments (textinsight's redactor)."""
    if not any(r.comment for r in records):
        return records
    from allaboard.textinsight.redaction import current_redactor

    redactor = current_redactor()
    vocabulary = _name_words(redactor)
    out = []
    for r in records:
        if r.comment and _may_identify(r.comment, vocabulary):
            r = r._replace(comment=redactor.redact(r.comment))
        out.append(r)
    return out


_DIGIT_OR_AT = re.compile(r"[\d@]")
_ASCII_WORD = re.compile(r"[A-Za-z]+(?:['-][A-Za-z]+)*")


def _name_words(redactor) -> frozenset[str]:
    words = set(redactor.given) | set(redactor.family)
    for name in redactor.full_names:
        words.update(name)
    return frozenset(words)


def _may_identify(text: str, vocabulary: frozenset[str]) -> bool:
    """False only when the redactor would certainly leave the text as it is: plain ASCII with no digit
    (ids, phone numbers), no @ (emails) and no word that is part of a name in the organisation. A shortcut:
    the full redactor costs about 0.1 ms a comment, this test a few microseconds."""
    if not text.isascii() or _DIGIT_OR_AT.search(text):
        return True
    return any(word in vocabulary for word in _ASCII_WORD.findall(text.lower()))


_COLUMNS = [
    "external_id",
    "date",
    "channel",
    "unit_id",
    "person_id",
    "csat",
    "nps",
    "ces",
    "comment",
    "attributes",
    "batch_id",
    "created_at",
]


def write_feedback(records: list[Clean], batch_id: int) -> None:
    """Insert the records: COPY on PostgreSQL, executemany on other databases."""
    now = timezone.now()
    table = connection.ops.quote_name(Feedback._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in _COLUMNS)
    dumps = json.dumps
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:  # noqa: S608
                for r in records:
                    copy.write_row(
                        (
                            r.external_id,
                            r.date,
                            r.channel,
                            r.unit_id,
                            r.person_id,
                            r.csat,
                            r.nps,
                            r.ces,
                            r.comment,
                            dumps(r.attributes),
                            batch_id,
                            now,
                        )
                    )
            return
        ops = connection.ops
        stamp = ops.adapt_datetimefield_value(now)
        marks = ", ".join(["%s"] * len(_COLUMNS))
        sql = f"INSERT INTO {table} ({columns}) VALUES ({marks})"  # noqa: S608
        rows = (
            (
                r.external_id,
                r.date.isoformat(),
                r.channel,
                r.unit_id,
                r.person_id,
                r.csat,
                r.nps,
                r.ces,
                r.comment,
                dumps(r.attributes),
                batch_id,
                stamp,
            )
            for r in records
        )
        for chunk in _chunks(rows, 20_000):
            cursor.executemany(sql, chunk)


def _chunks(iterable, size):
    chunk = []
    for item in iterable:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


# Positions in a statistics vector, in STAT_FIELDS order: n, nps_0..10, csat_1..5, ces_n, ces_sum,
# ces_sumsq, comments.
_NPS0, _CSAT1, _CES_N, _COMMENTS = 1, 12, 17, 20


def daily_sums(records: Iterable[Clean]) -> dict[tuple[date, int, str], list[int]]:
    """Statistics vectors per (day, unit, channel) for the records."""
    sums: dict[tuple[date, int, str], list[int]] = {}
    width = len(STAT_FIELDS)
    for r in records:
        key = (r.date, r.unit_id, r.channel)
        vector = sums.get(key)
        if vector is None:
            vector = sums[key] = [0] * width
        vector[0] += 1
        if r.nps is not None:
            vector[_NPS0 + r.nps] += 1
        if r.csat is not None:
            vector[_CSAT1 + r.csat - 1] += 1
        if r.ces is not None:
            vector[_CES_N] += 1
            vector[_CES_N + 1] += r.ces
            vector[_CES_N + 2] += r.ces * r.ces
        if r.comment:
            vector[_COMMENTS] += 1
    return sums


def rolled_up(daily: dict[tuple[date, int, str], list[int]]) -> dict[tuple[str, date, int, str], list[int]]:
    """The daily vectors, plus their sums per ISO week and per month, keyed by (grain, start, unit, channel)."""
    out: dict[tuple[str, date, int, str], list[int]] = {}
    day_grain, week, month = str(Grain.DAY.value), str(Grain.WEEK.value), str(Grain.MONTH.value)
    starts: dict[date, tuple[date, date]] = {}
    for (day, unit_id, channel), vector in daily.items():
        out[(day_grain, day, unit_id, channel)] = vector
        coarse = starts.get(day)
        if coarse is None:
            coarse = starts[day] = (period_start(day, Grain.WEEK), period_start(day, Grain.MONTH))
        for key in ((week, coarse[0], unit_id, channel), (month, coarse[1], unit_id, channel)):
            total = out.get(key)
            out[key] = list(vector) if total is None else list(map(add, total, vector))
    return out


def add_to_stats(records: Iterable[Clean], sign: int = 1) -> int:
    """Add (or, with sign=-1, subtract) the records' statistics to FeedbackStats in one upsert per key.
    Returns the number of statistics rows touched."""
    vectors = rolled_up(daily_sums(records))
    if not vectors:
        return 0
    qn = connection.ops.quote_name
    table = qn(FeedbackStats._meta.db_table)
    keys = ["grain", "start", "unit_id", "channel"]
    columns = ", ".join(qn(c) for c in keys + STAT_FIELDS)
    marks = ", ".join(["%s"] * (len(keys) + len(STAT_FIELDS)))
    updates = ", ".join(f"{qn(c)} = {table}.{qn(c)} + excluded.{qn(c)}" for c in STAT_FIELDS)
    sql = (
        f"INSERT INTO {table} ({columns}) VALUES ({marks}) "  # noqa: S608
        f"ON CONFLICT ({', '.join(qn(c) for c in keys)}) DO UPDATE SET {updates}"
    )
    adapt = connection.ops.adapt_datefield_value
    if sign != 1:
        vectors = {key: [sign * v for v in vector] for key, vector in vectors.items()}
    # Unsorted: imports are serialised (an advisory lock on PostgreSQL, one writer on SQLite), and the
    # PostgreSQL merge orders its rows itself.
    rows = [
        (grain, adapt(start), unit_id, channel, *vector)
        for (grain, start, unit_id, channel), vector in vectors.items()
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            _merge_through_copy(cursor, table, keys, rows, updates)
        else:
            for chunk in _chunks(rows, 5_000):
                cursor.executemany(sql, chunk)
    return len(rows)


def _merge_through_copy(cursor, table: str, keys: list[str], rows: list[tuple], updates: str) -> None:
    """PostgreSQL: COPY the changes into a temporary table, then one INSERT ... ON CONFLICT for all of them
    (executemany would make one round trip per statistics row)."""
    columns = keys + STAT_FIELDS
    types = ["varchar(1)", "date", "bigint", "varchar(12)"] + ["bigint"] * len(STAT_FIELDS)
    definition = ", ".join(f"{c} {t}" for c, t in zip(columns, types, strict=True))
    cursor.execute("DROP TABLE IF EXISTS customers_stats_delta")
    cursor.execute(f"CREATE TEMPORARY TABLE customers_stats_delta ({definition}) ON COMMIT DROP")
    names = ", ".join(columns)
    with cursor.cursor.copy(f"COPY customers_stats_delta ({names}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
    cursor.execute(
        f"INSERT INTO {table} ({names}) SELECT {names} FROM customers_stats_delta "  # noqa: S608
        f"ORDER BY {', '.join(keys)} ON CONFLICT ({', '.join(keys)}) DO UPDATE SET {updates}"
    )
    cursor.execute("DROP TABLE customers_stats_delta")


def rebuild_stats() -> int:
    """Recompute every statistics row from the stored feedback (after a manual deletion, say)."""
    fields = ["external_id", "date", "channel", "unit_id", "person_id", "csat", "nps", "ces", "comment"]
    with transaction.atomic():
        FeedbackStats.objects.all().delete()
        rows = (
            Clean(*values, attributes={})
            for values in Feedback.objects.order_by().values_list(*fields).iterator(chunk_size=20_000)
        )
        return add_to_stats(rows)
