"""Benchmark customers: CSV import throughput, and every metrics view at 10 million feedback rows.

Run:  .venv/bin/python benchmarks/customers.py [--rows 1000000] [--loop-rows 3000] [--stats-rows 10000000]
                                               [--postgres postgres://postgres@127.0.0.1:5432/customers_bench]

Each database runs in its own child process: a fresh SQLite file in a temporary folder, and PostgreSQL when
--postgres is given (the database is created if missing and emptied first).

1. Import: a CSV of N feedback rows (240 teams, 4,800 agents, 15% with a comment, one in ten of those naming
   an agent) goes through the product's path - read_table, the column mapping, every row checked, duplicates
   looked up, comments redacted, COPY (PostgreSQL) or executemany (SQLite), the statistics added in the same
   transaction. Then the same file again (every row a duplicate). Against it, in the same run, the naive
   way on a smaller sample: a per-row ORM loop (Feedback.objects.create, then the three statistics rows
   through get_or_create and F() updates), reported in rows per second.
2. Metrics at 10 million rows: before the import, the statistics table is filled directly with the
   day/week/month rows that 10 million minus N feedback records over two years (240 teams x 5 channels)
   would give; the import then adds its N rows to them (so it runs against a full table). Every metrics
   service is timed (median of 7 calls after a warm-up). Views about one agent read raw
   rows through the (person, date) index: they are timed on the N imported rows. For contrast, the year's
   summary is also computed from the raw rows (the N imported ones), as a naive version would.
"""

import argparse
import io
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
from _common import run_each_database, table  # noqa: E402

TEAMS = 240
AGENTS_PER_TEAM = 20
CHANNELS = ["voice", "chat", "email", "social", "messaging"]
MAPPING = {
    "external_id": "response_id",
    "date": "date",
    "channel": "channel",
    "team": "team",
    "agent": "agent",
    "csat": "csat",
    "nps": "nps",
    "ces": "ces",
    "comment": "comment",
}
COMMENTS = [
    "Waited {m} minutes on hold for a simple question.",
    "Sorted first time, thank you.",
    "Had to repeat myself after switching from chat to phone.",
    "The advisor was patient and explained my bill clearly.",
    "Please offer a callback option, I work during the day.",
    "Charged twice this month and nobody could explain why.",
    "Really helpful, made a stressful day easier.",
    "The refund process is far too slow.",
]


def setup_django(tmp: str) -> None:
    os.environ.setdefault("ALLABOARD_DATA_DIR", tmp)
    os.environ.setdefault("ALLABOARD_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allaboard.settings")
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    if connection.vendor == "postgresql":
        call_command("flush", verbosity=0, interactive=False)
    call_command("migrate", verbosity=0, interactive=False)


def build_org(rng: random.Random):
    """4 sites (one a partner), 240 teams, 20 agents each."""
    from allaboard.org.demo import FAMILY, GIVEN
    from allaboard.org.models import Person, Unit, UnitKind

    org = Unit.objects.create(code="B-ORG", name="Bench Org", kind=UnitKind.ORGANISATION)
    teams, agents = [], {}
    for s in range(4):
        kind = UnitKind.PARTNER if s == 3 else UnitKind.SITE
        site = Unit.objects.create(code=f"B-S{s}", name=f"Site {s}", kind=kind, parent=org)
        dept = Unit.objects.create(
            code=f"B-S{s}-D", name=f"Site {s} service", kind=UnitKind.DEPARTMENT, parent=site
        )
        for t in range(TEAMS // 4):
            team = Unit.objects.create(
                code=f"B-S{s}-T{t:03d}", name=f"Site {s} team {t}", kind=UnitKind.TEAM, parent=dept
            )
            teams.append(team)
    people = []
    for team in teams:
        for a in range(AGENTS_PER_TEAM):
            emp = f"BA{team.pk:04d}{a:02d}"
            people.append(
                Person(
                    employee_id=emp, given_name=rng.choice(GIVEN), family_name=rng.choice(FAMILY), unit=team
                )
            )
            agents.setdefault(team.pk, []).append(emp)
    Person.objects.bulk_create(people, batch_size=2000)
    return teams, agents, {p.employee_id: p.given_name for p in people}


def make_csv(rows: int, teams, agents, names, rng: random.Random, today: date, prefix: str = "r") -> bytes:
    out = io.StringIO()
    out.write("response_id,date,channel,team,agent,csat,nps,ces,comment,region\n")
    codes = [(t.code, agents[t.pk]) for t in teams]
    for i in range(rows):
        code, team_agents = codes[rng.randrange(len(codes))]
        agent = team_agents[rng.randrange(len(team_agents))] if rng.random() < 0.7 else ""
        day = today - timedelta(days=rng.randrange(365))
        csat = str(rng.randint(1, 5)) if rng.random() < 0.9 else ""
        nps = str(rng.randint(0, 10)) if rng.random() < 0.6 else ""
        ces = str(rng.randint(1, 7)) if rng.random() < 0.35 else ""
        if not (csat or nps or ces):
            csat = str(rng.randint(1, 5))
        comment = ""
        if rng.random() < 0.15:
            comment = rng.choice(COMMENTS).format(m=rng.randint(5, 60))
            if agent and rng.random() < 0.1:
                comment = f"{names[agent]} was brilliant. " + comment
        out.write(
            f'{prefix}{i},{day.isoformat()},{CHANNELS[i % 5]},{code},{agent},{csat},{nps},{ces},"{comment}",north\n'
        )
    return out.getvalue().encode()


def timed(fn, repeat: int = 7) -> float:
    """Median milliseconds of `repeat` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def orm_loop(sample: list[dict], unit_ids: dict, people: dict) -> float:
    """The naive import: one ORM create per row and three statistics updates through the ORM."""
    from django.db import transaction
    from django.db.models import F
    from django.utils import timezone

    from allaboard.customers.models import Feedback, FeedbackStats, period_start

    start = time.perf_counter()
    with transaction.atomic():
        for raw in sample:
            day = date.fromisoformat(raw["date"])
            person = people.get(raw["agent"])
            csat = int(raw["csat"]) if raw["csat"] else None
            nps = int(raw["nps"]) if raw["nps"] else None
            ces = int(raw["ces"]) if raw["ces"] else None
            if Feedback.objects.filter(external_id=raw["response_id"]).exists():
                continue
            Feedback.objects.create(
                external_id=raw["response_id"],
                date=day,
                channel=raw["channel"],
                unit_id=unit_ids[raw["team"]],
                person_id=person,
                csat=csat,
                nps=nps,
                ces=ces,
                comment=raw["comment"],
                attributes={"region": raw["region"]},
                created_at=timezone.now(),
            )
            for grain in ("d", "w", "m"):
                stats, _ = FeedbackStats.objects.get_or_create(
                    grain=grain,
                    start=period_start(day, grain),
                    unit_id=unit_ids[raw["team"]],
                    channel=raw["channel"],
                )
                changes = {"n": F("n") + 1}
                if nps is not None:
                    changes[f"nps_{nps}"] = F(f"nps_{nps}") + 1
                if csat is not None:
                    changes[f"csat_{csat}"] = F(f"csat_{csat}") + 1
                if ces is not None:
                    changes |= {
                        "ces_n": F("ces_n") + 1,
                        "ces_sum": F("ces_sum") + ces,
                        "ces_sumsq": F("ces_sumsq") + ces * ces,
                    }
                if raw["comment"]:
                    changes["comments"] = F("comments") + 1
                FeedbackStats.objects.filter(pk=stats.pk).update(**changes)
    return time.perf_counter() - start


def fill_statistics(feedback_rows: int, teams, today: date, rng: random.Random) -> int:
    """Write the day/week/month statistics rows that `feedback_rows` records over the last two years would
    give (240 teams x 5 channels, every day). Returns the statistics rows written."""
    import numpy as np
    import pandas as pd
    from django.db import connection

    from allaboard.customers.models import STAT_FIELDS, FeedbackStats

    generator = np.random.default_rng(rng.randrange(2**32))
    days = pd.date_range(end=pd.Timestamp(today), periods=730, freq="D")
    keys = [(t.pk, c) for t in teams for c in CHANNELS]
    mean = feedback_rows / (len(days) * len(keys))
    size = len(days) * len(keys)
    n = generator.poisson(mean, size)
    nps_p = np.array([2, 1, 1, 2, 2, 4, 6, 10, 14, 24, 34], dtype=float)
    csat_p = np.array([6, 5, 9, 30, 50], dtype=float)
    nps = generator.multinomial((n * 0.6).astype(np.int64), nps_p / nps_p.sum())
    csat = generator.multinomial((n * 0.9).astype(np.int64), csat_p / csat_p.sum())
    ces_n = (n * 0.35).astype(np.int64)
    ces_mean = generator.uniform(4.5, 6.0, size)
    ces_sum = np.round(ces_n * ces_mean).astype(np.int64)
    ces_sumsq = np.round(ces_n * (ces_mean**2 + 1.4)).astype(np.int64)  # variance about 1.4
    # Whole answers always give n * sum of squares >= sum^2; keep that true after rounding.
    floor = np.ceil(ces_sum.astype(float) ** 2 / np.maximum(ces_n, 1)).astype(np.int64)
    ces_sumsq = np.maximum(ces_sumsq, floor)
    frame = pd.DataFrame(
        np.column_stack([n, nps, csat, ces_n, ces_sum, ces_sumsq, (n * 0.15).astype(np.int64)]),
        columns=STAT_FIELDS,
    )
    frame["day"] = np.repeat(days.values, len(keys))
    frame["unit_id"] = np.tile([k[0] for k in keys], len(days))
    frame["channel"] = np.tile([k[1] for k in keys], len(days))
    frame = frame[frame["n"] > 0]
    starts = {
        "d": frame["day"],
        "w": frame["day"] - pd.to_timedelta(frame["day"].dt.day_of_week, unit="D"),
        "m": frame["day"].values.astype("datetime64[M]").astype("datetime64[ns]"),
    }
    parts = []
    for grain, start in starts.items():
        grouped = (
            frame.assign(start=start).groupby(["start", "unit_id", "channel"], sort=False)[STAT_FIELDS].sum()
        )
        parts.append(grouped.reset_index().assign(grain=grain))
    rows = pd.concat(parts)
    columns = ["grain", "start", "unit_id", "channel", *STAT_FIELDS]
    rows["start"] = pd.to_datetime(rows["start"]).dt.date
    records = list(rows[columns].itertuples(index=False, name=None))
    table_name = FeedbackStats._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table_name} ({', '.join(columns)}) FROM STDIN") as copy:
                for row in records:
                    copy.write_row([int(v) if isinstance(v, np.integer) else v for v in row])
            cursor.execute(f"ANALYZE {table_name}")
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO {table_name} ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608
            for i in range(0, len(records), 20_000):
                chunk = [
                    (r[0], r[1].isoformat(), int(r[2]), r[3], *map(int, r[4:]))
                    for r in records[i : i + 20_000]
                ]
                cursor.executemany(sql, chunk)
            cursor.execute("ANALYZE")
    return len(records)


def child(args) -> None:
    tmp = tempfile.mkdtemp(prefix="customers-bench-")
    if args.database:
        os.environ["DATABASE_URL"] = args.database
    else:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
    setup_django(tmp)
    from django.db import connection

    from allaboard.customers import imports, services
    from allaboard.customers.models import Feedback, FeedbackStats
    from allaboard.org.models import Person, Unit
    from allaboard.programmes.models import Impact, Milestone, MilestoneKind, Programme
    from allaboard.tabular import read_table

    rng = random.Random(6)
    today = date.today()
    teams, agents, names = build_org(rng)
    data = make_csv(args.rows, teams, agents, names, rng, today)
    result = {"vendor": connection.vendor, "rows": args.rows, "csv_mb": len(data) / 1e6}

    start = time.perf_counter()
    result["stats_rows_written"] = fill_statistics(args.stats_rows - args.rows, teams, today, rng)
    result["fill_s"] = time.perf_counter() - start
    start = time.perf_counter()
    parsed = read_table(data, "bench.csv", max_bytes=len(data) + 1, max_rows=args.rows + 1)
    read_s = time.perf_counter() - start
    start = time.perf_counter()
    report = imports.import_table(parsed, MAPPING, filename="bench.csv")
    import_s = time.perf_counter() - start
    assert report.ok and report.created == args.rows, (report.summary(), report.problems[:5])
    result |= {"read_s": read_s, "check_store_s": import_s, "total_s": read_s + import_s}
    start = time.perf_counter()
    again = imports.import_file(data, "bench.csv", MAPPING, max_bytes=len(data) + 1, max_rows=args.rows + 1)
    result["again_s"] = time.perf_counter() - start
    assert again.ok and again.created == 0 and again.duplicates == args.rows
    del parsed, again

    sample_data = make_csv(args.loop_rows, teams, agents, names, random.Random(9), today, prefix="loop")
    sample_table = read_table(sample_data, "loop.csv")
    sample = [dict(zip(sample_table.header, row, strict=True)) for row in sample_table.rows]
    unit_ids = dict(Unit.objects.values_list("code", "pk"))
    people = dict(Person.objects.values_list("employee_id", "pk"))
    result["loop_rows"] = args.loop_rows
    result["loop_s"] = orm_loop(sample, unit_ids, people)
    imported_rows = Feedback.objects.count()

    result["stats_table_rows"] = FeedbackStats.objects.count()
    result["feedback_rows_equivalent"] = args.stats_rows - args.rows + imported_rows
    result["raw_rows"] = imported_rows

    programme = Programme.objects.create(name="Bench rollout", status="running")
    Impact.objects.create(
        programme=programme, unit=teams[0].parent.parent.parent, what_changes="The new desk."
    )
    for wave, offset in ((0, 84), (1, 28)):
        m = Milestone.objects.create(
            programme=programme,
            name=f"Go-live {wave}",
            kind=MilestoneKind.GO_LIVE,
            due=today - timedelta(days=offset),
            done=True,
        )
        m.units.set([Unit.objects.get(code=f"B-S{wave}"), Unit.objects.get(code=f"B-S{wave + 2}")])
    team = teams[7]
    team_scope = [team.pk]
    site_scope = list(teams[0].parent.parent.subtree().values_list("pk", flat=True))
    agent = Person.objects.filter(unit=team).first()
    last28, last365, last182 = services.last_days(28), services.last_days(365), services.last_days(182)
    views = [
        ("summary, organisation, 28 days", lambda: services.summary(last28)),
        ("summary, organisation, 365 days", lambda: services.summary(last365)),
        ("summary, one team (team leader), 28 days", lambda: services.summary(last28, team_scope)),
        ("summary, one site, 28 days, chat only", lambda: services.summary(last28, site_scope, "chat")),
        ("breakdown by team, 28 days", lambda: services.breakdown("team", last28)),
        ("breakdown by team, 365 days", lambda: services.breakdown("team", last365)),
        ("breakdown by site, 28 days", lambda: services.breakdown("site", last28)),
        ("breakdown by partner, 28 days", lambda: services.breakdown("partner", last28)),
        ("breakdown by channel, 365 days", lambda: services.breakdown("channel", last365)),
        ("trend per month, 2 years", lambda: services.trend("month", services.last_days(730))),
        ("trend per week, 26 weeks", lambda: services.trend("week", last182)),
        ("trend per week, one team, 26 weeks", lambda: services.trend("week", last182, team_scope)),
        ("change impact, 2 go-lives, 28 days each side", lambda: services.programme_impact(programme)),
        (
            "linkage (customer side, 240 teams)",
            lambda: services.linkage(programme, "source:tools", "nps", last28),
        ),
        (
            "one agent: figures, 12-month trend, compliments",
            lambda: services.agent_figures(agent, services.last_days(90)),
        ),
        ("agents of one team, 90 days", lambda: services.agents_of(team, services.last_days(90))),
    ]
    result["views"] = [(name, timed(fn)) for name, fn in views]

    from django.db.models import Count, Q, Sum

    def naive_summary():
        rows = Feedback.objects.filter(date__gte=last365.start)
        rows.aggregate(
            n=Count("id"),
            promoters=Count("id", filter=Q(nps__gte=9)),
            detractors=Count("id", filter=Q(nps__lte=6)),
            nps_n=Count("nps"),
            satisfied=Count("id", filter=Q(csat__gte=4)),
            csat_n=Count("csat"),
            ces=Sum("ces"),
        )

    result["naive_summary_ms"] = timed(naive_summary, repeat=3)
    print("RESULT " + json.dumps(result))


def parent(args) -> None:
    results = run_each_database(
        __file__,
        args.postgres,
        ["--rows", str(args.rows), "--loop-rows", str(args.loop_rows), "--stats-rows", str(args.stats_rows)],
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"\nCustomers benchmark: {args.rows:,} feedback rows from CSV; {os.cpu_count()} CPUs, load average {load:.1f}"
    )
    rows = []
    for label, r in results.items():
        rows.append(
            [
                f"{label}: bulk import (read + check + store)",
                r["rows"],
                r["total_s"],
                r["rows"] / r["total_s"],
            ]
        )
        rows.append([f"{label}:   of which reading the CSV", r["rows"], r["read_s"], r["rows"] / r["read_s"]])
        rows.append(
            [
                f"{label}:   of which checking and storing",
                r["rows"],
                r["check_store_s"],
                r["rows"] / r["check_store_s"],
            ]
        )
        rows.append(
            [f"{label}: same file again (all duplicates)", r["rows"], r["again_s"], r["rows"] / r["again_s"]]
        )
        rows.append(
            [f"{label}: per-row ORM loop (sample)", r["loop_rows"], r["loop_s"], r["loop_rows"] / r["loop_s"]]
        )
    table("Import throughput", ["path", "rows", "seconds", "rows/s"], rows)
    names = [name for name, _ in next(iter(results.values()))["views"]]
    header = ["metrics view (service call)"] + [f"{label} ms" for label in results]
    view_rows = [[name] + [dict(r["views"])[name] for r in results.values()] for name in names]
    view_rows.append(
        ["naive: year's summary from the raw rows instead"]
        + [r["naive_summary_ms"] for r in results.values()]
    )
    any_result = next(iter(results.values()))
    table(
        f"Metrics at {any_result['feedback_rows_equivalent']:,} feedback rows "
        f"({any_result['stats_table_rows']:,} statistics rows; the naive line reads the {any_result['raw_rows']:,} raw rows)",
        header,
        view_rows,
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--loop-rows", type=int, default=3_000)
    parser.add_argument("--stats-rows", type=int, default=10_000_000)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    (child if args.child else parent)(args)


if __name__ == "__main__":
    main()
