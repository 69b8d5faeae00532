"""Demo chapter: the desk rollout's communication.

The planned sequence (announce, why, what changes, training, go-live, early wins) went out by email and in
the news feed, with posts to the team chat channels that exist; acknowledgements vary by team; a wave-2
message shows a chat channel that failed; questions answered build the FAQ and a few wait past the
threshold. Chat channels point at a local address where nothing listens, so trying a failed post again
in the demo fails again with its error instead of reaching anyone."""

from datetime import datetime, time, timedelta

from django.utils import timezone

from allaboard.org.models import Person, Unit

from . import services
from .models import (
    Acknowledgement,
    ChatChannel,
    Delivery,
    DeliveryState,
    Message,
    MessageStatus,
    Question,
    Stage,
)

DEAD_WEBHOOK = "http://127.0.0.1:9/demo/{kind}/{code}"  # the discard port: connection refused
REFUSED = "webhook unreachable: [Errno 111] Connection refused"

# How strongly each step of the sequence draws an "I understand why" (the "why" message most).
STAGE_PULL = {
    Stage.ANNOUNCE: 0.55,
    Stage.WHY: 1.0,
    Stage.WHAT_CHANGES: 0.9,
    Stage.TRAINING: 0.75,
    Stage.GO_LIVE: 0.7,
    Stage.WINS: 0.5,
    Stage.OTHER: 0.6,
}

QUESTIONS = [
    # (text, anonymous, concern, answer or None, days ago asked)
    (
        "Will the new desk record everything I type, and will that be used in my performance review?",
        True,
        True,
        "The desk keeps the case history so the next advisor can see it. Quality coaching uses samples, as "
        "today; nothing is used for performance reviews that is not already used now.",
        120,
    ),
    (
        "Do we keep our current headsets, or do we need the new USB ones?",
        False,
        False,
        "You keep your headset. Anyone whose headset fails the desk check gets a new one from the floor-walkers.",
        118,
    ),
    (
        "How long is the training and is it in work time?",
        False,
        False,
        "Two half-days in work time, plus a one-hour refresher a week after go-live. Your team leader books it.",
        112,
    ),
    (
        "What happens to the chat team when everyone can take chats?",
        True,
        True,
        "No one's job goes. Chat specialists become the go-to people for complex written cases and help "
        "coach the rest of us.",
        110,
    ),
    (
        "Can I still see old cases from the current system after the switch?",
        False,
        False,
        "Yes: the last two years of cases are moved into the desk before your go-live, and the old system "
        "stays readable until it is switched off.",
        104,
    ),
    (
        "Why are we changing now, in our busiest quarter?",
        True,
        False,
        "Because the old systems' support contract ends next year and customers are telling us now that "
        "they repeat themselves. We moved go-live away from the billing peak for Billing teams.",
        101,
    ),
    (
        "Will handle time targets go up while we learn?",
        True,
        True,
        "Handle time is no longer a target. We look at first-contact resolution and quality instead.",
        95,
    ),
    (
        "Is the partner getting the same training as us?",
        False,
        False,
        "Yes, the same course and the same trainers, in wave 2.",
        90,
    ),
    (
        "Who do I call when the desk freezes mid-call?",
        False,
        False,
        "Raise it in the defect log and tell your floor-walker; the desk support line is 4455 from any phone.",
        80,
    ),
    (
        "Are the suggested answers checked by anyone?",
        False,
        False,
        "Every article in the knowledge base is owned by a quality coach and reviewed each month.",
        75,
    ),
    (
        "Do we have to handle three chats at once from day one?",
        True,
        True,
        "No. You start with one, move to two after your refresher, and three only when you and your team "
        "leader agree you are ready.",
        60,
    ),
    (
        "Will Apex advisors be able to issue credits like Brightwater staff?",
        False,
        False,
        "Yes, with the same £50 limit, from the wave-2 go-live.",
        40,
    ),
    (
        "Will the old knowledge base be switched off?",
        False,
        False,
        "Yes, when the old systems are switched off. Until then both work, but only the new one is updated.",
        30,
    ),
    (
        "My team leader is on leave during training week, who signs off my refresher?",
        False,
        False,
        "Any team leader on your site can sign it off; the floor-walkers have the list.",
        25,
    ),
    (
        "Is there a quick guide for the new wrap codes?",
        False,
        False,
        "Yes: it is pinned in the desk's knowledge base under 'Wrap codes', one page.",
        20,
    ),
    # still waiting, past the threshold
    ("Are we getting extra people for the first weeks after go-live in Cardiff?", False, True, None, 16),
    ("Will the desk work on the old laptops we use for home working?", True, False, None, 12),
    ("Why does the desk log me out every hour?", False, True, None, 9),
    ("Can we have the suggested answers in Welsh?", False, False, None, 8),
    # recent, within the threshold
    ("Will there be a refresher for people who were on leave during wave 2 training?", False, False, None, 3),
    ("Is the team quiz on the new desk going ahead?", True, False, None, 2),
    ("How do I transfer a chat to the partner's digital team?", False, False, None, 1),
]


def _at(day, hour=9, minute=30) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


def build(story) -> None:
    rng = story.rng_for("comms")
    refs = story.refs
    today = story.today
    desk = refs["programme"]
    teams = refs["teams"]
    lead_user = refs["logins"]["changelead"]
    sponsor_user = refs["logins"]["sponsor"]
    team_leader_user = refs["logins"]["teamleader"]

    ack_rates = {}
    for team in teams:
        rate = rng.uniform(0.35, 0.85)
        if team.is_partner:
            rate *= 0.55  # the partner heard later and less: a gap the demo should show
        ack_rates[team.pk] = rate

    channels = _chat_channels(teams)
    campaign = services.plan_sequence(desk, lead_user)
    departments = list(Unit.objects.filter(impacts__programme=desk).distinct())
    drafts = {m.stage: m for m in desk.messages.all()}
    sent_days = {
        Stage.ANNOUNCE: today - timedelta(days=146),
        Stage.WHY: today - timedelta(days=143),
        Stage.WHAT_CHANGES: today - timedelta(days=136),
        Stage.TRAINING: today - timedelta(days=107),
        Stage.GO_LIVE: today - timedelta(days=86),
        Stage.WINS: today - timedelta(days=62),
    }
    totals = {"deliveries": 0, "acks": 0}
    for stage, day in sent_days.items():
        message = drafts[stage]
        message.channels = (
            ["email", "feed", "slack", "teams"] if stage != Stage.WINS else ["feed", "slack", "teams"]
        )
        message.status, message.sent_at, message.author = MessageStatus.SENT, _at(day), lead_user
        message.save()
        _record_sending(message, departments, channels, day, rng, ack_rates, totals, failed_channels=set())

    wave2_sites = refs["wave_sites"][2]
    wave2 = Message.objects.create(
        programme=desk,
        campaign=campaign,
        stage=Stage.OTHER,
        subject="Wave 2 goes live on Monday: floor-walkers on every floor",
        body="Cardiff and Apex go live on the new desk on Monday. Floor-walkers will be on every floor for the "
        "first two weeks. Start your first shift ten minutes early to log in and check your headset.",
        why=desk.why,
        channels=["email", "feed", "slack", "teams"],
        status=MessageStatus.SENT,
        sent_at=_at(today - timedelta(days=31)),
        author=sponsor_user,
    )
    wave2.audience_units.set(wave2_sites)
    failing = {c.pk for c in channels if c.unit.is_partner}
    _record_sending(wave2, wave2_sites, channels, today - timedelta(days=31), rng, ack_rates, totals, failing)

    switch_off = desk.milestones.filter(done=False).order_by("due").first()
    upcoming = Message.objects.create(
        programme=desk,
        campaign=campaign,
        stage=Stage.OTHER,
        subject="The old systems switch off soon",
        body="The five old systems are switched off after the last wave settles in. Everything you need is "
        "on the desk; if anything is still missing, tell us in Questions before then.",
        why=desk.why,
        channels=["email", "feed"],
        status=MessageStatus.SCHEDULED,
        planned_for=(switch_off.due - timedelta(days=7)) if switch_off else today + timedelta(days=30),
        send_at=_at((switch_off.due - timedelta(days=7)) if switch_off else today + timedelta(days=30)),
        author=lead_user,
    )
    upcoming.audience_units.set(departments)
    _schedule(upcoming, departments)
    draft = Message.objects.create(
        programme=desk,
        campaign=campaign,
        stage=Stage.WINS,
        subject="Wave 2: first wins",
        body="A month in, Cardiff and Apex are answering chat and email from the desk. Repeat contacts at "
        "Apex fell from 29% to 21% in the first four weeks.",
        why=desk.why,
        channels=["feed", "email"],
        author=team_leader_user,
    )
    draft.audience_units.set(wave2_sites)

    answered, waiting = _questions(story, desk, teams, rng, lead_user, sponsor_user, team_leader_user)
    flagged = services.flag_overdue_questions(today)
    refs["comms"] = {
        "campaign": campaign,
        "channels": channels,
        "ack_rates": ack_rates,
        "wave2_message": wave2,
    }
    story.facts.append(
        f"Comms: {desk.messages.filter(status='sent').count()} messages sent in the planned sequence "
        f"({totals['deliveries']} deliveries by email, feed, Slack and Teams; {totals['acks']} “I understand why”), "
        f"{len(channels)} team chat channels (the partner's fails), {answered} questions answered in the FAQ, "
        f"{waiting} waiting ({flagged} past {services.flag_days()} days)"
    )


def _chat_channels(teams) -> list[ChatChannel]:
    chosen = []
    by_site: dict[str, list] = {}
    for team in teams:
        by_site.setdefault(team.code.split("-")[0], []).append(team)
    plan = [("LDS", "slack", 3), ("GLA", "teams", 2), ("APX", "teams", 1), ("CDF", "slack", 1)]
    for site, kind, count in plan:
        for team in by_site.get(site, [])[:count]:
            chosen.append(
                ChatChannel(
                    unit=team,
                    kind=kind,
                    name=f"#{team.code.lower()}" if kind == "slack" else f"{team.name} (Teams)",
                    webhook_url=DEAD_WEBHOOK.format(kind=kind, code=team.code.lower()),
                )
            )
    ChatChannel.objects.bulk_create(chosen)
    return list(ChatChannel.objects.select_related("unit"))


def _record_sending(message, units, channels, day, rng, ack_rates, totals, failed_channels) -> None:
    """The deliveries and acknowledgements of a message sent on `day` (history: nothing is sent now)."""
    sent_at = _at(day)
    people = list(
        Person.objects.active_on(day)
        .filter(services.subtree_filter(units, "unit__"))
        .only("pk", "email", "unit_id")
    )
    pull = STAGE_PULL[message.stage]
    rows, acks = [], []
    for person in people:
        rate = ack_rates.get(person.unit_id, 0.4)
        acknowledged = rng.random() < rate * pull * 0.8
        for channel in [c for c in message.channels if c in ("email", "feed")]:
            if channel == "email" and not person.email:
                continue
            opened = acknowledged or rng.random() < rate * (0.45 if channel == "email" else 0.6)
            rows.append(
                _delivery(
                    message,
                    channel,
                    sent_at,
                    person=person,
                    opened=sent_at + timedelta(hours=rng.randint(1, 72)) if opened else None,
                )
            )
        if acknowledged:
            acks.append(
                Acknowledgement(
                    message=message,
                    person=person,
                    unit_id=person.unit_id,
                    at=sent_at + timedelta(hours=rng.randint(1, 96)),
                )
            )
    for channel in channels:
        if channel.kind not in message.channels or not any(
            channel.unit.path.startswith(u.path) for u in units
        ):
            continue
        row = _delivery(message, channel.kind, sent_at, address=channel.webhook_url, unit_id=channel.unit_id)
        if channel.pk in failed_channels:
            row.state, row.sent_at, row.attempts, row.last_error = DeliveryState.DEAD, None, 6, REFUSED
        rows.append(row)
    Delivery.objects.bulk_create(rows, batch_size=2000)
    Acknowledgement.objects.bulk_create(acks, batch_size=2000)
    totals["deliveries"] += len(rows)
    totals["acks"] += len(acks)


def _delivery(message, channel, sent_at, *, person=None, address="", unit_id=None, opened=None) -> Delivery:
    row = Delivery(
        channel=channel,
        purpose="message",
        person=person,
        address=address,
        unit_id=person.unit_id if person is not None else unit_id,
        subject=message.subject,
        renderer=services.MESSAGE_RENDERER,
        renderer_args={"message_id": message.pk},
        state=DeliveryState.SENT,
        attempts=1,
        created_at=sent_at,
        due_at=sent_at,
        sent_at=sent_at,
        opened_at=opened if channel in ("email", "feed") else None,
    )
    row.set_source(message)
    return row


def _schedule(message, units) -> None:
    """Deliveries waiting for their time; the worker sends them then (nothing is sent during the demo)."""
    people = Person.objects.active_on(message.send_at.date()).filter(services.subtree_filter(units, "unit__"))
    rows = []
    for person in people.only("pk", "email", "unit_id"):
        for channel in message.channels:
            if channel == "email" and not person.email:
                continue
            row = Delivery(
                channel=channel,
                purpose="message",
                person=person,
                unit_id=person.unit_id,
                renderer=services.MESSAGE_RENDERER,
                renderer_args={"message_id": message.pk},
                state=DeliveryState.QUEUED,
                send_after=message.send_at,
                due_at=message.send_at,
            )
            row.set_source(message)
            rows.append(row)
    Delivery.objects.bulk_create(rows, batch_size=2000)


def _questions(story, desk, teams, rng, lead_user, sponsor_user, team_leader_user) -> tuple[int, int]:
    today = story.today
    answerers = [lead_user, lead_user, sponsor_user, team_leader_user]
    askers = list(
        Person.objects.filter(
            unit__in=teams, end_date__isnull=True, job_role__name="Customer service advisor"
        ).order_by("pk")[:400]
    )
    agent = story.refs["logins"]["agent"].person
    answered = waiting = 0
    notices = []
    for index, (text, anonymous, concern, answer_text, days_ago) in enumerate(QUESTIONS):
        asker = agent if index == 1 else rng.choice(askers)  # the demo agent asked about headsets
        asked_on = today - timedelta(days=days_ago)
        question = Question(
            programme=desk,
            text=services.redact(text),
            is_concern=concern,
            anonymous=anonymous,
            asked_by=None if anonymous else asker,
            unit_id=None if anonymous else asker.unit_id,
            asked_on=asked_on,
        )
        if answer_text:
            actor = rng.choice(answerers)
            role = actor.get_role_display()
            question.answer = answer_text
            question.status = "answered"
            question.answered_by = actor
            question.answered_by_name = f"{actor.person.full_name}, {role}"
            question.answered_on = asked_on + timedelta(days=rng.randint(1, 4))
            answered += 1
        else:
            waiting += 1
        question.save()
        if answer_text and not anonymous:
            notices.append(_answer_notice(question, asker))
    Delivery.objects.bulk_create(notices)
    return answered, waiting


def _answer_notice(question, asker) -> Delivery:
    """The personal notification the asker got in their feed when the answer was published."""
    sent_at = _at(question.answered_on, 14)
    row = Delivery(
        channel="feed",
        purpose="question_answered",
        person=asker,
        unit_id=asker.unit_id,
        subject="Your question has an answer",
        text=f"You asked: {question.text[:200]}\n\nAnswer: {question.answer}",
        link=question.get_absolute_url(),
        state=DeliveryState.SENT,
        attempts=1,
        created_at=sent_at,
        due_at=sent_at,
        sent_at=sent_at,
    )
    row.set_source(question)
    return row
