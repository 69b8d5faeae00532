"""Benchmark listening: every results view read from the sufficient statistics, against recomputing the same
figures from the raw answers with pandas, in the same run.

Run:  .venv/bin/python benchmarks/listening.py [--answers 1000000] [--teams 240]
                                               [--postgres postgres://postgres@127.0.0.1:5432/listening_bench]

Each database runs in its own child process: a fresh SQLite file in a temporary folder, and PostgreSQL when
--postgres is given (the database is created if missing and emptied first).

Data: an organisation of 4 sites (one a partner) with `--teams` teams of 20 people, and the 12-item ADKAR pulse
of the instrument library (11 statements on the five elements, one outcome) every four weeks. About 75% of the
people answer each wave; waves are added until there are `--answers` answers. Answers are written with one
INSERT per batch; each wave's tallies are added through the product's aggregates.record_many (the same
statistics a submitted answer adds), and rolled up when the wave closes: the last wave through the product's
publish() (roll-up and the anonymity decision, timed), the earlier ones rolled up with every group of at least k
shown, so setting up a large run does not spend its time in the suppression search.

Timed (median of 7 calls after a warm-up, in milliseconds), as the change lead (the whole organisation):
the results overview, the heatmap, trends over every wave, reliability, key drivers, participation, the
playbook's findings. Against them, the naive way: read the raw answers of the wave (or of every wave, for
trends) from the database into pandas and compute the same figures (scale scores per respondent, barrier
points, team x element means, Cronbach's alpha, the trend's means and intervals). Peak memory is the child
process's peak resident size (ru_maxrss) after the views, and again after the pandas recompute.
"""

import argparse
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

PEOPLE_PER_TEAM = 20
RESPONSE_RATE = 0.75
TENURES = ["under 6 months", "6 months to 2 years", "2 to 5 years", "over 5 years"]
CHANNELS = ["voice", "chat", "email", "multi"]


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


def timed(fn, repeat: int = 7) -> float:
    """Median milliseconds of `repeat` calls after one warm-up call."""
    fn()
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def build_org(teams: int):
    from allaboard.org.models import Person, Role, Unit, UnitKind, User

    org = Unit.objects.create(code="B", name="Bench Org", kind=UnitKind.ORGANISATION)
    team_units = []
    for s in range(4):
        site = Unit.objects.create(
            code=f"B-S{s}", name=f"Site {s}", kind=UnitKind.PARTNER if s == 3 else UnitKind.SITE, parent=org
        )
        for d in range(3):
            dept = Unit.objects.create(
                code=f"B-S{s}-D{d}", name=f"Site {s} dept {d}", kind=UnitKind.DEPARTMENT, parent=site
            )
            for t in range(teams // 12):
                team_units.append(
                    Unit.objects.create(
                        code=f"B-S{s}-D{d}-T{t:03d}",
                        name=f"Team {s}.{d}.{t}",
                        kind=UnitKind.TEAM,
                        parent=dept,
                    )
                )
    people = [
        Person(employee_id=f"P{team.pk:05d}{i:02d}", given_name="A", family_name=f"B{i}", unit=team)
        for team in team_units
        for i in range(PEOPLE_PER_TEAM)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    lead = User.objects.create(username="lead", role=Role.CHANGE_LEAD)
    return org, team_units, lead


def insert_answers(rows: list[tuple]) -> None:
    from django.db import connection

    from allaboard.listening.models import Answer

    pk = Answer._meta.pk
    fields = [Answer._meta.get_field(n) for n in ("id", "response", "question", "value", "choices", "text")]
    empty = fields[4].get_db_prep_save([], connection)
    quote = connection.ops.quote_name
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(Answer._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    prepared = [
        (pk.get_db_prep_value(a, connection), pk.get_db_prep_value(r, connection), q, v, empty, "")
        for a, r, q, v in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 5000):
            cursor.executemany(sql, prepared[start : start + 5000])


def quick_publish(wave) -> None:
    """Roll a wave's tallies up the tree and show every group of at least k (the earlier waves)."""
    from allaboard.listening.models import Tally, WaveStatus
    from allaboard.listening.publication import frozen_tree, roll_up

    own = list(Tally.objects.filter(wave=wave, rollup=False))
    parents = frozen_tree({row.unit_id for row in own})
    totals = roll_up(own, parents)
    k = wave.survey.k
    Tally.objects.bulk_create(
        [
            Tally(
                wave=wave,
                unit_id=unit,
                cut=cut,
                rollup=True,
                visible=acc.respondents >= k,
                comments_visible=cut == "" and acc.respondents >= wave.survey.comment_k,
                **acc.fields(),
            )
            for (unit, cut), acc in totals.items()
        ],
        batch_size=500,
    )
    wave.hierarchy = {str(unit): parent for unit, parent in parents.items()}
    wave.status = WaveStatus.CLOSED
    wave.published = True
    wave.save(update_fields=["hierarchy", "status", "published"])


def build_waves(args, teams, lead, rng: random.Random) -> dict:
    import uuid

    from allaboard.listening import aggregates, links, services
    from allaboard.listening.models import Response, Wave, WaveStatus
    from allaboard.listening.publication import publish
    from allaboard.org.models import Person
    from allaboard.programmes.models import Programme

    programme = Programme.objects.create(name="Bench rollout", status="running")
    survey = services.create_survey(
        lead,
        {
            "name": "Bench pulse",
            "instruments": ["adkar"],
            "recurrence_weeks": 4,
            "programme_id": programme.pk,
        },
    )
    survey.min_group_size, survey.min_comment_group_size, survey.opened_on = 5, 10, date.today()
    survey.save()
    design = aggregates.Design.of(survey)
    questions = [q for q in design.questions if q.is_rated]
    people = list(Person.objects.values_list("pk", "unit_id"))
    site_of = {t.pk: t.parent.parent_id for t in teams}
    team_level = {t.pk: rng.gauss(3.7, 0.3) for t in teams}
    waves_needed = max(2, round(args.answers / (len(people) * RESPONSE_RATE * len(questions))))
    first = date.today() - timedelta(weeks=4 * waves_needed)
    out = {"waves": waves_needed, "answers": 0, "responses": 0, "insert_s": 0.0, "tally_s": 0.0}
    waves = []
    for number in range(1, waves_needed + 1):
        opens = first + timedelta(weeks=4 * (number - 1))
        wave = Wave.objects.create(
            survey=survey,
            number=number,
            opens=opens,
            closes=opens + timedelta(days=9),
            status=WaveStatus.CLOSED,
        )
        responses, answers, tallies = [], [], []
        for _person_id, unit_id in people:
            if rng.random() > RESPONSE_RATE:
                continue
            mood = team_level[unit_id] + rng.gauss(0, 0.5) + 0.01 * number
            values = {q.pk: q.scored(min(5, max(1, round(mood + rng.gauss(0, 0.7))))) for q in questions}
            part = aggregates.contribution(design, values)
            response_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            responses.append(
                Response(
                    id=response_id,
                    wave=wave,
                    submitted_on=opens,
                    unit_id=unit_id,
                    site_id=site_of[unit_id],
                    tenure_band=rng.choice(TENURES),
                    channel=rng.choice(CHANNELS),
                    barrier=part.barrier if part.barrier not in (None, aggregates.NO_BARRIER) else "",
                    reply_key_hash=links.reply_hash(links.new_token()),
                )
            )
            answers.extend(
                (uuid.UUID(int=rng.getrandbits(128), version=4), response_id, q, float(v))
                for q, v in values.items()
            )
            attributes = {"tenure": responses[-1].tenure_band, "channel": responses[-1].channel}
            tallies.append((unit_id, attributes, part))
        start = time.perf_counter()
        Response.objects.bulk_create(responses, batch_size=2000)
        insert_answers(answers)
        out["insert_s"] += time.perf_counter() - start
        start = time.perf_counter()
        aggregates.record_many(wave, tallies)
        out["tally_s"] += time.perf_counter() - start
        out["answers"] += len(answers)
        out["responses"] += len(responses)
        if number < waves_needed:
            quick_publish(wave)
        else:
            start = time.perf_counter()
            publish(wave)
            out["publish_s"] = time.perf_counter() - start
        waves.append(wave)
        print(f"  wave {number}/{waves_needed}: {out['answers']:,} answers", file=sys.stderr, flush=True)
    return out | {"survey": survey, "last": waves[-1]}


def pandas_views(survey, wave) -> dict:
    """The same figures from the raw answers: read them, then compute. Returns {view: callable}."""
    import numpy as np
    import pandas as pd
    from django.db import connection

    from allaboard.listening import instruments as I
    from allaboard.listening.models import Answer, Response

    questions = {q.pk: q for q in survey.questions.all() if q.is_rated}
    scale_of = {pk: q.scale for pk, q in questions.items()}
    reverse = [pk for pk, q in questions.items() if q.reverse]

    def frame(wave_ids: list[int]) -> pd.DataFrame:
        query = (
            Answer.objects.filter(response__wave_id__in=wave_ids)
            .values_list("response_id", "question_id", "value", "response__unit_id", "response__wave_id")
            .query
        )
        sql, params = query.sql_with_params()
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            rows = cursor.fetchall()
        df = pd.DataFrame(rows, columns=["response", "question", "value", "unit", "wave"])
        df.loc[df["question"].isin(reverse), "value"] = 6 - df["value"]
        df["scale"] = df["question"].map(scale_of)
        return df

    def scores(df: pd.DataFrame) -> pd.DataFrame:
        return df.groupby(["wave", "unit", "response", "scale"])["value"].mean().unstack("scale")

    def overview():
        df = frame([wave.pk])
        per_item = df.groupby("question")["value"].agg(["count", "mean", lambda v: (v >= 4).mean()])
        distribution = df.groupby(["question", "value"]).size()
        s = scores(df)
        low = s[list(I.ADKAR)] <= 3
        barrier = low.idxmax(axis=1).where(low.any(axis=1), "none")
        return per_item, distribution, barrier.value_counts(normalize=True)

    def heatmap():
        s = scores(frame([wave.pk]))
        return s.groupby(level="unit").mean()

    def trends():
        s = scores(frame(list(survey.waves.values_list("pk", flat=True))))
        g = s.groupby(level="wave")
        mean, sd, n = g.mean(), g.std(), g.count()
        return mean, mean - 1.96 * sd / np.sqrt(n), mean + 1.96 * sd / np.sqrt(n)

    def reliability():
        df = frame([wave.pk])
        wide = df.pivot_table(index="response", columns="question", values="value")
        out = {}
        for scale in set(scale_of.values()):
            items = [pk for pk, s in scale_of.items() if s == scale]
            if len(items) < 2:
                continue
            block = wide[items].dropna()
            k = len(items)
            out[scale] = k / (k - 1) * (1 - block.var().sum() / block.sum(axis=1).var())
        return out

    def participation():
        return pd.DataFrame(
            list(Response.objects.filter(wave=wave).values_list("unit_id", flat=True))
        ).value_counts()

    return {
        "results overview (items, scales, barrier points)": overview,
        "heatmap, teams x elements": heatmap,
        "trends, every wave, with 95% intervals": trends,
        "reliability (Cronbach's alpha per scale)": reliability,
        "participation by team": participation,
    }


def child(args) -> None:
    tmp = tempfile.mkdtemp(prefix="listening-bench-")
    os.environ["DATABASE_URL"] = args.database or f"sqlite:///{tmp}/bench.sqlite3"
    setup_django(tmp)
    from django.db import connection

    from allaboard.listening import results

    rng = random.Random(11)
    org, teams, lead = build_org(args.teams)
    start = time.perf_counter()
    built = build_waves(args, teams, lead, rng)
    build_s = time.perf_counter() - start
    survey, wave = built.pop("survey"), built.pop("last")
    views = {
        "results overview (items, scales, barrier points)": lambda: results.overview(lead, wave),
        "heatmap, teams x elements": lambda: results.heatmap(lead, wave, sort="knowledge"),
        "trends, every wave, with 95% intervals": lambda: results.trends(lead, survey),
        "reliability (Cronbach's alpha per scale)": lambda: results.reliability(lead, wave),
        "key drivers (Shapley R² on the elements)": lambda: results.drivers(lead, wave),
        "participation by team": lambda: results.participation(lead, wave),
        "playbook findings (every team and site)": lambda: results.findings(survey.programme_id or 0),
    }
    measured = {name: timed(fn) for name, fn in views.items()}
    peak_views = peak_mb()
    naive = {name: timed(fn, repeat=3) for name, fn in pandas_views(survey, wave).items()}
    result = {
        "vendor": connection.vendor,
        "teams": len(teams),
        "people": len(teams) * PEOPLE_PER_TEAM,
        "build_s": build_s,
        **built,
        "views": measured,
        "naive": naive,
        "peak_views_mb": peak_views,
        "peak_pandas_mb": peak_mb(),
    }
    print("RESULT " + json.dumps(result))


def parent(args) -> None:
    results = run_each_database(
        __file__, args.postgres, ["--answers", str(args.answers), "--teams", str(args.teams)]
    )
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    any_result = next(iter(results.values()))
    print(
        f"\nListening benchmark: {any_result['answers']:,} answers ({any_result['responses']:,} responses, "
        f"{any_result['waves']} waves of a 12-item pulse, {any_result['teams']} teams, {any_result['people']:,} "
        f"people); {os.cpu_count()} CPUs, load average {load:.1f}"
    )
    header = ["results view"]
    for label in results:
        header += [f"{label} ms", f"{label} pandas ms", f"{label} x faster"]
    rows = []
    for name in any_result["views"]:
        row = [name]
        for r in results.values():
            ms = r["views"][name]
            naive = r["naive"].get(name)
            row += [ms, naive if naive is not None else "-", naive / ms if naive else "-"]
        rows.append(row)
    table("Results views: sufficient statistics vs pandas over the raw answers (median ms)", header, rows)
    setup = []
    for label, r in results.items():
        setup += [
            [f"{label}: write responses and answers", r["insert_s"]],
            [f"{label}: add tallies (record_many)", r["tally_s"]],
            [f"{label}: publish the last wave (roll-up + anonymity)", r["publish_s"]],
            [f"{label}: peak memory after the views, MB", r["peak_views_mb"]],
            [f"{label}: peak memory after pandas, MB", r["peak_pandas_mb"]],
        ]
    table("Setup and memory", ["step", "seconds or MB"], setup)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--answers", type=int, default=1_000_000)
    parser.add_argument("--teams", type=int, default=240)
    parser.add_argument("--postgres", default="")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--database", default="", help=argparse.SUPPRESS)
    args = parser.parse_args()
    (child if args.child else parent)(args)


if __name__ == "__main__":
    main()
