"""Benchmark capability: the monthly '% formally trained' series at scale, and xAPI ingest throughput.

Run:  .venv/bin/python benchmarks/capability.py [--people 50000] [--years 5] [--statements 20000]
                                                [--postgres postgres://postgres@127.0.0.1:5432/capability_bench]

Each database runs in its own child process: a fresh SQLite file in a temporary folder, and PostgreSQL when
--postgres is given (the database is created if missing and emptied first).

1. % formally trained: N people (joiners and leavers over the period) and Y years of completions
   (~3 per person, 40% on formal change-management courses). The product's fast path
   (services.trained_series: one query on people joined to their first formal completion, then numpy
   interval counting) is timed for each cut over the Y x 12 month ends, against a per-person Python loop
   in the same run (the ORM loads people and completions, then every person is checked at every month
   end: stats.percent_trained_series). Both must give the same numbers.
2. xAPI ingest: S statements (attended and completed, by mbox and by account) posted in batches of 500,
   through the service and through the HTTP endpoint; then the same batches again (all skipped).
"""

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def table(title: str, header: list[str], rows: list[list]) -> None:
    def fmt(v):
        return f"{v:,.1f}" if isinstance(v, float) else (f"{v:,}" if isinstance(v, int) else str(v))

    cells = [header] + [[fmt(v) for v in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    print(f"\n{title}\n")
    print("| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for row in cells[1:]:
        print(
            "| "
            + " | ".join(
                v.ljust(w) if i == 0 else v.rjust(w) for i, (v, w) in enumerate(zip(row, widths, strict=True))
            )
            + " |"
        )
    sys.stdout.flush()


def setup_django(tmp: str) -> None:
    os.environ.setdefault("ALLABOARD_DATA_DIR", tmp)
    os.environ.setdefault("ALLABOARD_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allaboard.settings")
    os.environ.setdefault("ALLABOARD_ALLOWED_HOSTS", "testserver")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", verbosity=0, interactive=False)
    call_command("migrate", verbosity=0, interactive=False)


def build_people(n: int, years: int, today: date, rng: random.Random):
    from allaboard.org.models import JobRole, Person, Unit, UnitKind

    org = Unit.objects.create(code="B-ORG", name="Bench Org", kind=UnitKind.ORGANISATION)
    teams = []
    for s in range(4):
        site = Unit.objects.create(
            code=f"B-S{s}", name=f"Site {s}", kind=UnitKind.PARTNER if s == 3 else UnitKind.SITE, parent=org
        )
        dept = Unit.objects.create(
            code=f"B-S{s}-D", name=f"Site {s} service", kind=UnitKind.DEPARTMENT, parent=site
        )
        for t in range(n // 4 // 20):
            teams.append(
                Unit(code=f"B-S{s}-T{t}", name=f"Site {s} team {t}", kind=UnitKind.TEAM, parent=dept)
            )
    for team in teams:  # Unit.save computes the path
        team.save()
    roles = [JobRole.objects.create(name=f"Bench role {i}") for i in range(3)]
    span = years * 365
    people = []
    for i in range(n):
        start = today - timedelta(days=rng.randint(0, span + 3 * 365))
        end = start + timedelta(days=rng.randint(30, span)) if rng.random() < 0.25 else None
        if end and end > today:
            end = None
        people.append(
            Person(
                employee_id=f"BEN{i:06d}",
                email=f"bench{i}@example.com",
                given_name="Bench",
                family_name=f"P{i}",
                unit=teams[i % len(teams)],
                job_role=roles[i % 3],
                start_date=start,
                end_date=end,
            )
        )
    Person.objects.bulk_create(people, batch_size=5000)
    return list(Person.objects.values_list("id", "start_date", "end_date", "email", "employee_id"))


def build_completions(people, years: int, today: date, rng: random.Random) -> int:
    from decimal import Decimal

    from allaboard.capability.models import Course, Enrolment, EnrolmentStatus, Source

    courses = [
        Course.objects.create(
            name=f"Bench course {i}",
            formal_change_management=i < 2,
            duration_hours=Decimal("3.5"),
            xapi_activity_id=f"https://lms.example.com/xapi/bench/{i}",
        )
        for i in range(5)
    ]
    weights = [0.25, 0.15, 0.2, 0.2, 0.2]
    first_day = today - timedelta(days=years * 365)
    rows = []
    for pid, start, end, _email, _eid in people:
        lo, hi = max(start, first_day), min(end or today, today)
        if hi <= lo:
            continue
        for _ in range(rng.choice([1, 2, 3, 3, 4, 5])):
            day = lo + timedelta(days=rng.randint(0, (hi - lo).days))
            course = rng.choices(courses, weights)[0]
            rows.append(
                Enrolment(
                    course=course,
                    person_id=pid,
                    status=EnrolmentStatus.COMPLETED,
                    enrolled_on=day,
                    completed_on=day,
                    hours_attended=Decimal("3.5"),
                    source=Source.LMS,
                )
            )
    Enrolment.objects.bulk_create(rows, batch_size=5000)
    return len(rows)


def timed(fn, repeat: int = 1):
    """Median wall time and median CPU time of this process (CPU time is what a busy machine cannot inflate;
    on PostgreSQL it leaves out the server's share)."""
    walls, cpus, result = [], [], None
    for _ in range(repeat):
        started, cpu = time.perf_counter(), time.process_time()
        result = fn()
        walls.append(time.perf_counter() - started)
        cpus.append(time.process_time() - cpu)
    return statistics.median(walls), statistics.median(cpus), result


def percent_trained(args, today: date) -> None:
    from django.db import connection

    from allaboard.capability import services, stats
    from allaboard.capability.models import Enrolment, EnrolmentStatus
    from allaboard.org.models import Person

    rng = random.Random(7)
    started = time.perf_counter()
    people = build_people(args.people, args.years, today, rng)
    completions = build_completions(people, args.years, today, rng)
    setup = time.perf_counter() - started
    refresh, _cpu, _ = timed(services.refresh_formal_training)
    days = stats.month_ends(today - timedelta(days=args.years * 365), today)
    everyone = Person.objects.all()

    def naive():
        persons = list(Person.objects.only("id", "start_date", "end_date"))
        first = {}
        for e in Enrolment.objects.filter(
            status=EnrolmentStatus.COMPLETED, course__formal_change_management=True
        ).only("person_id", "completed_on"):
            if e.person_id not in first or e.completed_on < first[e.person_id]:
                first[e.person_id] = e.completed_on
        spans = [stats.PersonSpan(p.start_date, p.end_date, first.get(p.id)) for p in persons]
        return stats.percent_trained_series(spans, days)

    naive_time, naive_cpu, reference = timed(naive)
    rows = []
    for cut in ["organisation", "site", "partner", "team", "role"]:
        fast_time, fast_cpu, series = timed(
            lambda cut=cut: services.trained_series(everyone, days, cut), repeat=5
        )
        trained = [sum(g.trained[i] for g in series.groups) for i in range(len(days))]
        active = [sum(g.active[i] for g in series.groups) for i in range(len(days))]
        same = trained == [r.trained for r in reference] and active == [r.active for r in reference]
        rows.append(
            [
                cut,
                len(series.groups),
                fast_time * 1000,
                fast_cpu * 1000,
                naive_time * 1000,
                naive_cpu * 1000,
                naive_time / fast_time,
                naive_cpu / fast_cpu,
                "yes" if same else "NO",
            ]
        )
    print(
        f"\nDatabase: {connection.vendor}. {args.people:,} people ({sum(1 for p in people if p[2]):,} leavers), "
        f"{completions:,} completions over {args.years} years, {len(days)} month ends. "
        f"Set-up {setup:.1f} s; refresh of first formal completions {refresh * 1000:,.0f} ms."
    )
    table(
        "% formally trained, every month end: product fast path vs per-person Python loop (median of 5 fast runs)",
        [
            "cut",
            "groups",
            "fast ms",
            "fast CPU ms",
            "per-person ms",
            "per-person CPU ms",
            "x faster",
            "x faster (CPU)",
            "same",
        ],
        rows,
    )


def xapi_ingest(args, today: date) -> None:
    from django.db import connection
    from django.test import Client

    from allaboard.capability import xapi
    from allaboard.capability.models import Course, XapiStatement
    from allaboard.org.models import Person, Role, User

    rng = random.Random(11)
    people = list(Person.objects.values_list("email", "employee_id")[: args.statements])
    activities = list(
        Course.objects.exclude(xapi_activity_id=None).values_list("xapi_activity_id", flat=True)
    )
    base = today - timedelta(days=30)

    def statement(i):
        email, employee_id = people[i % len(people)]
        actor = (
            {"mbox": f"mailto:{email}"}
            if i % 2
            else {"account": {"homePage": "https://lms.example.com", "name": employee_id}}
        )
        verb = "attended" if i % 3 == 0 else "completed"
        return {
            "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
            "actor": {"objectType": "Agent", **actor},
            "verb": {"id": f"http://adlnet.gov/expapi/verbs/{verb}", "display": {"en-US": verb}},
            "object": {"objectType": "Activity", "id": activities[i % len(activities)]},
            "result": {"duration": "PT1H30M", "score": {"scaled": round(rng.random(), 2)}},
            "timestamp": f"{base + timedelta(days=i % 28)}T10:00:00Z",
        }

    batch = 500
    service_batches = [
        [statement(i) for i in range(s, min(s + batch, args.statements))]
        for s in range(0, args.statements, batch)
    ]
    http_total = args.statements // 2
    http_batches = [
        [statement(args.statements + i) for i in range(s, min(s + batch, http_total))]
        for s in range(0, http_total, batch)
    ]
    admin = User.objects.create(username="bench-admin", role=Role.ADMIN)
    client = Client()
    client.force_login(admin)
    client.get("/api/v1/capability/courses")  # warm up: URL configuration and API imports load on first use

    def ingest_all():
        for b in service_batches:
            xapi.ingest(b)

    def ingest_again():
        for b in service_batches:
            assert xapi.ingest(b).skipped == len(b)

    def post_all():
        for b in http_batches:
            response = client.post("/api/v1/xapi/statements", json.dumps(b), content_type="application/json")
            assert response.status_code == 200, response.content[:300]

    rows = []
    for label, fn, count in [
        ("service, new statements", ingest_all, args.statements),
        ("service, same statements again (skipped)", ingest_again, args.statements),
        ("HTTP POST /api/v1/xapi/statements, new", post_all, http_total),
    ]:
        wall, cpu, _ = timed(fn)
        rows.append([label, count, round(wall, 2), round(cpu, 2), round(count / wall), round(count / cpu)])
    assert XapiStatement.objects.count() == args.statements + http_total
    table(
        f"xAPI ingest on {connection.vendor}, batches of {batch} (target: 5,000 statements/s on PostgreSQL)",
        ["path", "statements", "seconds", "CPU seconds", "statements/s", "statements per CPU second"],
        rows,
    )


def child(args) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        if not os.environ.get("DATABASE_URL"):
            os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
        setup_django(tmp)
        today = date.today()
        percent_trained(args, today)
        xapi_ingest(args, today)


def ensure_postgres_database(url: str) -> None:
    from urllib.parse import urlparse

    import psycopg

    name = urlparse(url).path.lstrip("/")
    admin_url = url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=50_000)
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--statements", type=int, default=20_000)
    parser.add_argument("--postgres", default="", help="also run on this PostgreSQL database URL")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return
    forwarded = [
        "--people",
        str(args.people),
        "--years",
        str(args.years),
        "--statements",
        str(args.statements),
        "--child",
    ]
    targets = [("SQLite", {k: v for k, v in os.environ.items() if k != "DATABASE_URL"})]
    if args.postgres:
        ensure_postgres_database(args.postgres)
        targets.append(("PostgreSQL", {**os.environ, "DATABASE_URL": args.postgres}))
    for label, env in targets:
        print(f"\n## {label}")
        sys.stdout.flush()
        subprocess.run([sys.executable, __file__, *forwarded], env=env, check=True)  # noqa: S603


if __name__ == "__main__":
    main()
