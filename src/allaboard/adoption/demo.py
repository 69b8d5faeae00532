"""Demo chapter: Brightwater's new omnichannel desk, adopted team by team.

- Two waves, as the programme plans them: Leeds and Glasgow went live 12 weeks ago, Cardiff and Apex 4.
- Most teams follow an S-curve: a few start on day one (innovators), most within weeks, some late.
- One Glasgow team stalled at under half its people in weeks 3 to 6: the daily check alerted the change
  lead and the team leader; a "change direction" decision (extra training, and fixing the warm-transfer
  defect first) was recorded, and the team's adoption recovered after it.
- One Apex team is stalled now: the playbook recommends changing direction, with the evidence.
- Advisors reported defects on the way (one anonymously); two are fixed, two are open.
"""

from datetime import timedelta

from django.utils import timezone

from allaboard.org.models import Person

from . import ingest, services
from .models import Behaviour, DecisionKind, Defect, DefectStatus, RolloutWave, Tool, UsageBatch

BEHAVIOURS = [
    # code, name, expected uses per working day, share of active people who use it
    ("history", "Opens the customer's timeline before greeting", 8, 0.95),
    ("disposition", "Sets a code from the new disposition list", 8, 0.85),
    ("kb_answer", "Answers from the shared knowledge base", 3, 0.6),
    ("follow_up", "Sends a follow-up by email or SMS from the desk", 1, 0.35),
]
MAX_PEOPLE = 1_500  # the large demo simulates this many people's use, so it stays quick


def build(story) -> None:
    rng = story.rng_for("adoption")
    today = story.today
    refs = story.refs
    courses = [c for name, c in refs.get("courses", {}).items() if "desk" in name.lower()]
    tool = Tool.objects.create(
        programme=refs["programme"],
        code="desk",
        name="Omnichannel desk",
        description="One desk for calls, chat, email and social, with the customer's history on every contact.",
        target_share=0.8,
        target_weeks=10,
    )
    tool.courses.set(courses)
    behaviours = {
        code: Behaviour.objects.create(tool=tool, code=code, name=name, expected_per_day=per_day)
        for code, name, per_day, _ in BEHAVIOURS
    }
    waves = {}
    for number, go_live_days in [(1, 84), (2, 28)]:
        wave = RolloutWave.objects.create(
            tool=tool, name=f"Wave {number}", go_live=today - timedelta(days=go_live_days)
        )
        wave.units.set(refs["wave_sites"][number])
        waves[number] = wave
    teams = services.wave_teams(tool)
    stalled_then = next(t for t, w in teams if t.code.startswith("GLA"))
    stalled_now = next(t for t, w in teams if t.code.startswith("APX"))
    decided = waves[1].go_live + timedelta(days=44)
    people = services.team_people([t.pk for t, _ in teams], today)
    budget = MAX_PEOPLE
    events = []
    for team, wave in teams:
        ids = people.get(team.pk, [])[: max(0, budget)]
        budget -= len(ids)
        speed = 1.4 if team == stalled_then else rng.uniform(0.6, 1.6)  # weeks: how quickly people start
        for pid in ids:
            start = _start_day(rng, team, wave, speed, stalled_then, stalled_now, decided)
            if start is None:
                continue
            events += _use(rng, pid, behaviours, start, today)
    report_created = _store(events)
    defects = _defects(tool, today, stalled_then, stalled_now, refs)
    # The daily check as it would have run each week since go-live, with the decision taken on its day.
    _checks(waves[1].go_live + timedelta(days=14), decided)
    decision = services.record_decision(
        refs["logins"]["changelead"],
        tool,
        stalled_then,
        DecisionKind.TRAINING,
        "Half the team has not started after three weeks. Non-adopters say warm transfers lose the customer's "
        "history: fix that defect first, then run a hands-on refresher on the desk for everyone not using it.",
        on=decided,
    )
    _checks(decided, today)
    services.run_stall_checks(today)
    alerts = tool.alerts.count()
    refs["adoption"] = {"tool": tool, "stalled_then": stalled_then, "stalled_now": stalled_now}
    story.facts.append(
        f"Adoption: the omnichannel desk in {len(teams)} teams over two waves, {report_created:,} usage events; "
        f"{alerts} stall alerts over time ({stalled_then.name} recovered after a decision on "
        f"{decision.decided_on:%-d %b}, {stalled_now.name} stalled now), {defects} defects reported"
    )


def _start_day(rng, team, wave, speed, stalled_then, stalled_now, decided):
    """The day a person first uses the desk, or None (not yet)."""
    if team == stalled_now:
        return wave.go_live + timedelta(days=rng.randint(0, 5)) if rng.random() < 0.4 else None
    weeks = max(0.0, rng.gauss(2.2 * speed, 1.3 * speed))
    if rng.random() < 0.06:
        return None  # a few have not started yet anywhere
    day = wave.go_live + timedelta(days=round(weeks * 7))
    if team == stalled_then and day > wave.go_live + timedelta(days=14):
        return decided + timedelta(days=rng.randint(3, 24))  # only after the decision
    return day


def _use(rng, pid, behaviours, start, today) -> list[ingest.Clean]:
    """A person's uses from their start: most weekdays, their usual behaviours, widening with time."""
    out = []
    habits = [
        b for code, b in behaviours.items() if rng.random() < dict((c, s) for c, _, _, s in BEHAVIOURS)[code]
    ]
    habits = habits or [behaviours["history"]]
    lapse = start + timedelta(days=rng.randint(20, 120)) if rng.random() < 0.05 else None
    day = start
    clock = ingest.Clock(timezone.get_current_timezone())
    while day <= today and (lapse is None or day < lapse):
        if day.weekday() < 5 and rng.random() < 0.85:
            for b in habits:
                minute = rng.randint(0, 9 * 60 - 1)  # one event per behaviour and day keeps the demo quick
                local = timezone.datetime(day.year, day.month, day.day, 8 + minute // 60, minute % 60)
                at, _ = clock.convert(local.replace(tzinfo=clock.tz))
                out.append(ingest.Clean(f"demo-{pid}-{b.pk}-{day:%Y%m%d}", pid, b.pk, at, day))
        day += timedelta(days=1)
    return out


def _store(events) -> int:
    from django.db import transaction

    with transaction.atomic():
        batch = UsageBatch.objects.create(
            via=UsageBatch.Via.DEMO, filename="desk usage export", events=len(events)
        )
        created = sum(ingest.store(events[i : i + 50_000], batch.pk) for i in range(0, len(events), 50_000))
        batch.created = created
        batch.save(update_fields=["created"])
    return created


def _checks(start, end) -> None:
    day = start
    while day < end:
        services.run_stall_checks(day)
        day += timedelta(days=7)


def _defects(tool, today, stalled_then, stalled_now, refs) -> int:
    agent = refs["logins"]["agent"].person
    leader = stalled_then.leader or Person.objects.filter(unit=stalled_then).first()
    made = [
        (
            leader,
            "Warm transfer loses the customer's history",
            "When I transfer a call to billing, the timeline is empty on their side, so the customer repeats everything.",
            [stalled_then],
            DefectStatus.FIXED,
            60,
            "Fixed in desk release 2.3: the timeline now travels with the call.",
            "Paste the case number into the transfer note.",
        ),
        (
            None,
            "SMS follow-up is sent twice",
            "Customers get the same follow-up text twice when I press send once.",
            [refs["wave_sites"][1][0]],
            DefectStatus.FIXED,
            50,
            "Fixed: a double-submit on slow connections. Thank you for telling us.",
            "",
        ),
        (
            stalled_now.leader or agent,
            "No disposition code for a billing dispute",
            "The new list has no code for a disputed bill, so we pick 'other' and the reports are wrong.",
            list(refs["wave_sites"][2]),
            DefectStatus.FIXING,
            18,
            "Two new codes are being added; until then use 'billing – query' and note 'dispute'.",
            "Use 'billing – query' and write 'dispute' in the note.",
        ),
        (
            agent,
            "Knowledge base search is slow at peak times",
            "Between 9 and 11 a search takes ten seconds, so I answer from memory instead.",
            [],
            DefectStatus.TRIAGED,
            9,
            "",
            "",
        ),
    ]
    for reporter, title, description, units, status, days_ago, answer, workaround in made:
        defect, _ = services.report_defect(
            reporter, tool, title, description, anonymous=reporter is None, units=[u.pk for u in units]
        )
        Defect.objects.filter(pk=defect.pk).update(reported_on=today - timedelta(days=days_ago))
        defect.refresh_from_db()
        services.update_defect(
            defect, status, answer, workaround, on=today - timedelta(days=max(0, days_ago - 12))
        )
    return len(made)
