"""Benchmark communications: queueing a message for many people, reach per team, and sending over SMTP.

Run:  .venv/bin/python benchmarks/comms.py [--people 20000] [--send 300]

1. Queueing: one message to N people by email and feed, with the frequency cap checked for every person
   (each already has two messages this week), against a naive baseline that calls queue() once per
   delivery (one cap query, one insert and one task each), measured on 1,000 people.
2. Reach per team: a programme's six messages to N people (2 deliveries each, about half acknowledged),
   aggregated in the database, against the naive Python loop over every delivery row. Both must agree.
3. Sending: the worker sending emails to a real local SMTP server (aiosmtpd) on one connection per batch,
   against sending each email on its own connection.

It uses a fresh SQLite database in a temporary folder unless DATABASE_URL is set, and the production
task backend (django-tasks-db): queueing writes real task rows.
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))


def setup_django(tmp: Path) -> None:
    os.environ.setdefault("ALLABOARD_DATA_DIR", str(tmp))
    os.environ.setdefault("ALLABOARD_SECRET_KEY", "benchmark-only-secret-key-0123456789abcdefghijklmnop")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "allaboard.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0, interactive=False)


def table(title: str, header: list[str], rows: list[list]) -> None:
    def fmt(v):
        return f"{v:,.2f}" if isinstance(v, float) else (f"{v:,}" if isinstance(v, int) else str(v))

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


def make_people(n: int, team_size: int = 20):
    from allaboard.org.models import Person, Unit, UnitKind

    root = Unit.objects.create(code=f"B{time.time_ns()}", name="Bench", kind=UnitKind.ORGANISATION)
    teams = []
    for t in range(n // team_size):
        teams.append(
            Unit.objects.create(code=f"{root.code}-T{t}", name=f"Team {t}", kind=UnitKind.TEAM, parent=root)
        )
    people = [
        Person(
            employee_id=f"{root.code}-{i}",
            email=f"p{i}.{root.code.lower()}@bench.example",
            given_name="P",
            family_name=str(i),
            unit=teams[i % len(teams)],
        )
        for i in range(len(teams) * team_size)
    ]
    Person.objects.bulk_create(people, batch_size=2000)
    return root, list(Person.objects.filter(unit__parent=root).order_by("pk"))


def new_programme():
    """A programme with a name of its own (the benchmark may run again on the same PostgreSQL database)."""
    from allaboard.programmes.models import Programme

    return Programme.objects.create(name=f"Benchmark {time.time_ns()}", status="running")


def new_message(programme, status="draft"):
    from allaboard.comms.models import Message

    return Message.objects.create(
        programme=programme, subject="Why", body="Because.", channels=["email", "feed"], status=status
    )


def book_two_this_week(people) -> None:
    from datetime import timedelta

    from django.utils import timezone

    from allaboard.comms.models import Delivery

    now = timezone.now()
    rows = [
        Delivery(
            channel="email",
            purpose="earlier",
            person=p,
            unit_id=p.unit_id,
            text="x",
            state="sent",
            sent_at=now - timedelta(days=d),
            due_at=now - timedelta(days=d),
        )
        for p in people
        for d in (1, 3)
    ]
    Delivery.objects.bulk_create(rows, batch_size=2000)


def bench_queueing(n: int) -> list[list]:
    from allaboard.comms.delivery import queue, queue_many

    _, people = make_people(n)
    book_two_this_week(people)
    message = new_message(new_programme())
    args = dict(
        purpose="message",
        source=message,
        renderer="allaboard.comms.services.render_message",
        renderer_args={"message_id": message.pk},
    )
    items = [dict(channel=c, person=p, **args) for p in people for c in ("email", "feed")]
    started = time.perf_counter()
    queue_many(items)
    batch = time.perf_counter() - started

    _, few = make_people(1000)
    book_two_this_week(few)
    started = time.perf_counter()
    for p in few:
        for c in ("email", "feed"):
            queue(channel=c, person=p, **args)
    naive = time.perf_counter() - started
    return [
        ["queue_many (batched cap check, bulk insert)", len(items), batch, len(items) / batch],
        ["naive: queue() per delivery", 2000, naive, 2000 / naive],
    ]


def bench_reach(n: int) -> tuple[list[list], bool]:
    import random

    from allaboard.comms import services
    from allaboard.comms.models import Acknowledgement, Delivery, DeliveryState
    from allaboard.comms.tests.factories import deliver_message
    from allaboard.org.models import User

    rng = random.Random(7)
    _, people = make_people(n)
    programme = new_programme()
    messages = [new_message(programme, status="sent") for _ in range(6)]
    for message in messages:
        deliver_message(message, people, channel="email")
        deliver_message(message, people, channel="feed")
        Acknowledgement.objects.bulk_create(
            [
                Acknowledgement(message=message, person=p, unit_id=p.unit_id)
                for p in people
                if rng.random() < 0.5
            ],
            batch_size=2000,
        )
    admin = User.objects.create(username=f"bench{time.time_ns()}", role="admin")
    started = time.perf_counter()
    report = services.reach_by_team(messages, admin)
    fast = time.perf_counter() - started

    started = time.perf_counter()
    rows = Delivery.objects.filter(
        source_type=services.message_type(), source_id__in=[str(m.pk) for m in messages], person__isnull=False
    ).values_list("unit_id", "person_id", "source_id", "state", "opened_at")
    pairs: dict = {}
    for unit_id, person_id, source_id, state, opened_at in rows:
        seen = pairs.setdefault((unit_id, person_id, source_id), [False, False])
        seen[0] |= state == DeliveryState.SENT
        seen[1] |= opened_at is not None
    acks = set(Acknowledgement.objects.filter(message__in=messages).values_list("person_id", "message_id"))
    naive: dict = {}
    for (unit_id, person_id, source_id), (sent, _opened) in pairs.items():
        counts = naive.setdefault(unit_id, [set(), 0, 0, 0])
        counts[0].add(person_id)
        counts[1] += 1
        counts[2] += sent
        counts[3] += (person_id, int(source_id)) in acks
    slow = time.perf_counter() - started
    agree = all(
        (r.people, r.sent_to, r.delivered, r.acknowledged)
        == (len(naive[r.unit.pk][0]), naive[r.unit.pk][1], naive[r.unit.pk][2], naive[r.unit.pk][3])
        for r in report.rows
    ) and len(report.rows) == len(naive)
    deliveries = len(messages) * len(people) * 2
    return [
        ["reach_by_team: aggregated in the database", deliveries, fast, deliveries / fast],
        ["naive: every delivery row through Python", deliveries, slow, deliveries / slow],
    ], agree


def bench_sending(count: int) -> list[list]:
    import logging
    import socket

    from aiosmtpd.controller import Controller
    from django.conf import settings

    from allaboard.comms import delivery
    from allaboard.comms.models import Delivery

    class Sink:
        received = 0

        async def handle_DATA(self, server, session, envelope):
            Sink.received += 1
            return "250 OK"

    logging.getLogger("mail.log").setLevel(logging.WARNING)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.EMAIL_HOST_USER = settings.EMAIL_HOST_PASSWORD = ""
    from allaboard.comms.tasks import send_deliveries

    results = []
    for label, purpose in [
        ("worker batch: one SMTP connection per batch", "bench-batch"),
        ("naive: send_now per email, one connection each", "bench-naive"),
    ]:
        _, people = make_people(count)
        rows = [
            Delivery(channel="email", purpose=purpose, person=p, essential=True, subject="Hi", text="Hello.")
            for p in people
        ]
        Delivery.objects.bulk_create(rows)
        ids = list(Delivery.objects.filter(purpose=purpose).values_list("pk", flat=True))
        before = Sink.received
        started = time.perf_counter()
        if purpose == "bench-batch":
            send_deliveries.call(ids)
        else:
            for pk in ids:
                delivery.send_now(pk)
        elapsed = time.perf_counter() - started
        sent = Delivery.objects.filter(purpose=purpose, state="sent").count()
        assert Sink.received - before == sent == len(ids), "every email must reach the server"
        results.append([label, sent, elapsed, sent / elapsed])
    controller.stop()
    return results


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--send", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        setup_django(Path(tmp))
        from django.db import connection

        print(
            f"Database: {connection.vendor}; tasks: {__import__('django.conf').conf.settings.TASKS['default']['BACKEND']}"
        )
        header = ["what", "deliveries", "seconds", "per second"]
        table(
            f"1. Queueing one message to {args.people:,} people (email + feed, cap checked)",
            header,
            bench_queueing(args.people),
        )
        rows, agree = bench_reach(args.people)
        table(f"2. Reach per team, 6 messages to {args.people:,} people (agree: {agree})", header, rows)
        table(
            f"3. Sending {args.send} emails to a local SMTP server (all received)",
            header,
            bench_sending(args.send),
        )


if __name__ == "__main__":
    main()
