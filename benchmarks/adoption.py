"""Benchmark adoption: usage-event ingest through the API and CSV, and every adoption view, against naive
baselines measured in the same run.

Run:  .venv/bin/python benchmarks/adoption.py [--agents 5000] [--events 2000000] [--csv-events 200000]
                                              [--loop-events 2000]
                                              [--postgres postgres://postgres@127.0.0.1:5432/adoption_bench]

The issue's full size is --events 20000000 (5,000 agents for a year). Each database runs in its own child
process: a fresh SQLite file in a temporary folder, and PostgreSQL when --postgres is given (created if
missing and emptied first).

1. API: the events (5,000 agents in 250 teams, five key behaviours, a year after go-live, agents starting
   on an S-curve) are posted to POST /api/v1/usage-events in batches of 10,000 through Django's test client
   (JSON parsing, the checks, the staging table and the roll-ups: everything but the network). Then one batch
   again (all duplicates).
2. CSV: a usage export of --csv-events rows read, mapped and imported as the import page does.
3. Naive ingest, in the same run: a per-event ORM loop (UsageEvent.objects.create, then the two roll-up rows
   through get_or_create and F() updates) on --loop-events events.
4. Views: each service behind a page, median of 5 calls after a warm-up, at the size just ingested. For
   contrast, the tool overview recomputed from the raw events with pandas (read with read_sql, then grouped),
   as a version without roll-ups would.
Peak memory (max RSS) of each child is reported.
"""

import argparse
import io
import json
import os
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from _common import run_each_database, table  # noqa: E402

TEAM_SIZE = 20
BEHAVIOURS = ["history", "disposition", "kb_answer", "follow_up", "case_note"]
BATCH = 10_000


def setup_django(tmp: str) -> None:
    os.environ.setdefault("ALLABOARD_DATA_DIR", tmp)
    os.environ.setdefault("ALLABOARD_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allaboard.settings")
    os.environ.setdefault(
        "ALLABOARD_ALLOWED_HOSTS", "testserver"
    )  # the API is called through the test client
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", verbosity=0, interactive=False)
    call_command("migrate", verbosity=0, interactive=False)


def build(agents: int, today: date):
    from allaboard.adoption.models import Behaviour, RolloutWave, Tool
    from allaboard.org.models import Person, Role, Unit, UnitKind, User

    org = Unit.objects.create(code="B-ORG", name="Bench Org", kind=UnitKind.ORGANISATION)
    teams = []
    for t in range(max(1, agents // TEAM_SIZE)):
        teams.append(
            Unit.objects.create(code=f"B-T{t:04d}", name=f"Team {t}", kind=UnitKind.TEAM, parent=org)
        )
    people = [
        Person(employee_id=f"BA{i:06d}", given_name="A", family_name=f"Agent {i}", unit=teams[i % len(teams)])
        for i in range(agents)
    ]
    Person.objects.bulk_create(people, batch_size=5_000)
    tool = Tool.objects.create(code="desk", name="Desk", target_share=0.8, target_weeks=12)
    for code in BEHAVIOURS:
        Behaviour.objects.create(tool=tool, code=code, name=code)
    wave = RolloutWave.objects.create(tool=tool, name="All", go_live=today - timedelta(days=365))
    wave.units.set([org])
    lead_person = Person.objects.create(employee_id="LEAD", given_name="C", family_name="Lead", unit=org)
    lead = User.objects.create(username="lead", role=Role.CHANGE_LEAD, person=lead_person)
    return tool, teams, lead


def events(count: int, agents: int, today: date, rng: random.Random, prefix: str = "e"):
    """`count` events spread over the agents' working days of the last year, people starting on an S-curve."""
    start = today - timedelta(days=364)
    days = [start + timedelta(days=d) for d in range(365) if (start + timedelta(days=d)).weekday() < 5]
    first = [min(len(days) - 1, max(0, int(rng.gauss(30, 15)))) for _ in range(agents)]
    made = 0
    while made < count:
        a = rng.randrange(agents)
        d = days[rng.randrange(first[a], len(days))]
        yield {
            "external_id": f"{prefix}{made}",
            "person": f"BA{a:06d}",
            "tool": "desk",
            "behaviour": BEHAVIOURS[rng.randrange(len(BEHAVIOURS))],
            "at": f"{d}T{8 + rng.randrange(9):02d}:{rng.randrange(60):02d}:00",
        }
        made += 1


def timed(fn, repeat: int = 5) -> float:
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def orm_loop(sample: list[dict]) -> float:
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from allaboard.adoption.ingest import parse_moment
    from allaboard.adoption.models import Behaviour, DailyUsage, PersonBehaviour, UsageEvent
    from allaboard.org.models import Person

    behaviours = dict(Behaviour.objects.values_list("code", "pk"))
    t = time.perf_counter()
    with transaction.atomic():
        for e in sample:
            if UsageEvent.objects.filter(external_id=e["external_id"]).exists():
                continue
            person = Person.objects.get(employee_id=e["person"])
            at = parse_moment(e["at"])
            day = timezone.localdate(at)
            b = behaviours[e["behaviour"]]
            UsageEvent.objects.create(
                external_id=e["external_id"], person=person, behaviour_id=b, at=at, day=day
            )
            daily, _ = DailyUsage.objects.get_or_create(person=person, behaviour_id=b, day=day)
            DailyUsage.objects.filter(pk=daily.pk).update(uses=F("uses") + 1)
            pb, created = PersonBehaviour.objects.get_or_create(
                person=person, behaviour_id=b, defaults={"first_day": day, "last_day": day}
            )
            PersonBehaviour.objects.filter(pk=pb.pk).update(
                uses=F("uses") + 1, first_day=min(pb.first_day, day), last_day=max(pb.last_day, day)
            )
    return time.perf_counter() - t


def child(args) -> None:
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    tmp = tempfile.mkdtemp(prefix="adoption-bench-")
    setup_django(tmp)
    from django.test import Client
    from django.utils import timezone

    from allaboard.adoption import ingest, services
    from allaboard.tabular import read_table

    today = timezone.localdate()
    rng = random.Random(7)
    tool, teams, lead = build(args.agents, today)
    client = Client()
    client.force_login(lead)
    result = {"events": args.events}

    stream = events(args.events, args.agents, today, rng)
    t = time.perf_counter()
    batch = []
    for e in stream:
        batch.append(e)
        if len(batch) == BATCH:
            _post(client, batch)
            last, batch = batch, []
    if batch:
        _post(client, batch)
        last = batch
    result["api_s"] = time.perf_counter() - t
    t = time.perf_counter()
    _post(client, last)
    result["again_s"] = time.perf_counter() - t
    result["again_n"] = len(last)

    out = io.StringIO()
    out.write("event_id,employee,action,timestamp\n")
    for e in events(args.csv_events, args.agents, today, random.Random(8), prefix="c"):
        out.write(f"{e['external_id']},{e['person']},{e['behaviour']},{e['at']}\n")
    data = out.getvalue().encode()
    t = time.perf_counter()
    tbl = read_table(data, "usage.csv", max_bytes=len(data) + 1, max_rows=args.csv_events + 1)
    report = ingest.import_table(
        tbl,
        {"external_id": "event_id", "person": "employee", "behaviour": "action", "at": "timestamp"},
        tool=tool,
    )
    assert report.ok, report.problems[:3]
    result["csv_s"] = time.perf_counter() - t
    result["csv_events"] = args.csv_events

    sample = list(events(args.loop_events, args.agents, today, random.Random(9), prefix="o"))
    result["loop_s"] = orm_loop(sample)
    result["loop_events"] = args.loop_events

    team = teams[len(teams) // 2]
    ids = services.team_people([team.pk], today)[team.pk]
    person = ids[0]
    from allaboard.org.models import Person

    someone = Person.objects.get(pk=person)
    result["views"] = [
        ("Adoption overview (whole organisation)", timed(lambda: services.overview_rows(lead, today))),
        ("Tool page: every team's measures", timed(lambda: services.team_rows(tool, today, None))),
        ("Team measures", timed(lambda: services.measures(tool, ids, today))),
        (
            "Team curve, fit and forecast (200 refits)",
            timed(lambda: services.team_curve(tool, ids, today - timedelta(days=365), today)),
        ),
        ("Team stall check", timed(lambda: services.stall_check(tool, team, tool.waves.get(), ids, today))),
        ("One person's use", timed(lambda: services.my_use(tool, someone, today))),
    ]
    result["naive_ms"] = timed(lambda: naive_overview(today), repeat=1)
    result["raw_events"] = _count("adoption_usageevent")
    result["daily_rows"] = _count("adoption_dailyusage")
    result["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print("RESULT " + json.dumps(result))


def _count(table_name: str) -> int:
    from django.db import connection

    with connection.cursor() as c:
        c.execute(f"SELECT COUNT(*) FROM {table_name}")  # noqa: S608 (constant table names)
        return c.fetchone()[0]


def _post(client, batch):
    response = client.post(
        "/api/v1/usage-events", json.dumps({"events": batch}), content_type="application/json"
    )
    assert response.status_code == 200, response.content[:500]


def naive_overview(today: date) -> None:
    """Activated, active, breadth and frequency for the organisation, from the raw events with pandas."""
    import pandas as pd
    from django.db import connection

    frame = pd.read_sql("SELECT person_id, behaviour_id, day FROM adoption_usageevent", connection.connection)
    frame["day"] = pd.to_datetime(frame["day"])
    per_person = frame.groupby("person_id").agg(
        first=("day", "min"), last=("day", "max"), uses=("day", "size")
    )
    recent = frame[frame["day"] > pd.Timestamp(today - timedelta(days=30))]
    breadth = recent.groupby("person_id")["behaviour_id"].nunique()
    active = (per_person["last"] > pd.Timestamp(today - timedelta(days=30))).sum()
    _ = (len(per_person), int(active), breadth.mean(), per_person["uses"].mean())


def parent(args) -> None:
    results = run_each_database(
        __file__,
        args.postgres,
        [
            a
            for name in ("agents", "events", "csv_events", "loop_events")
            for a in (f"--{name.replace('_', '-')}", str(getattr(args, name)))
        ],
    )
    load = os.getloadavg()[0]
    print(
        f"\nAdoption benchmark: {args.events:,} usage events from {args.agents:,} agents over a year; "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    rows = []
    for label, r in results.items():
        rows.append([f"{label}: API, batches of 10,000", r["events"], r["api_s"], r["events"] / r["api_s"]])
        rows.append(
            [
                f"{label}: API, a batch again (duplicates)",
                r["again_n"],
                r["again_s"],
                r["again_n"] / r["again_s"],
            ]
        )
        rows.append(
            [
                f"{label}: CSV import (read, map, check, store)",
                r["csv_events"],
                r["csv_s"],
                r["csv_events"] / r["csv_s"],
            ]
        )
        rows.append(
            [
                f"{label}: naive per-event ORM save",
                r["loop_events"],
                r["loop_s"],
                r["loop_events"] / r["loop_s"],
            ]
        )
    table("Ingest", ["path", "events", "seconds", "events/s"], rows)
    names = [name for name, _ in next(iter(results.values()))["views"]]
    view_rows = [[name] + [dict(r["views"])[name] for r in results.values()] for name in names]
    view_rows.append(
        ["naive: overview from raw events with pandas"] + [r["naive_ms"] for r in results.values()]
    )
    view_rows.append(["peak memory of the run (MB)"] + [r["peak_mb"] for r in results.values()])
    any_result = next(iter(results.values()))
    table(
        f"Views at {any_result['raw_events']:,} raw events ({any_result['daily_rows']:,} daily roll-up rows), ms",
        ["view (service call)"] + list(results),
        view_rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--agents", type=int, default=5_000)
    parser.add_argument("--events", type=int, default=2_000_000)
    parser.add_argument("--csv-events", type=int, default=200_000)
    parser.add_argument("--loop-events", type=int, default=2_000)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    (child if args.child else parent)(args)


if __name__ == "__main__":
    main()
