"""Demo chapter: a year of customer feedback that tells the rollout's story.

- Scores dip after each wave's go-live (wave 1: Leeds and Glasgow; wave 2: Cardiff and Apex), because
  advisors are slower on the new desk and customers notice.
- Teams recover at the pace of their readiness: where people are ready (listening's Ability mean when the
  listening chapter provides it, else a per-team level drawn here) the dip is short and scores end above
  where they started; where readiness is low, scores stay down.
- Over the last two months a new expectation grows: customers who switch channel and have to repeat
  themselves (channel_consistency) - what the new desk is meant to fix once every site is on it.
- Customers praise agents by name; the comments are redacted, the agent id on the feedback stays.
"""

import math
from datetime import timedelta

from allaboard.org.models import Channel as StaffChannel
from allaboard.org.models import Person
from allaboard.programmes.models import MilestoneKind

from . import imports, services
from .demo_phrases import HAPPY, MIXED, THEMES, UNHAPPY
from .models import Channel, ImportBatch

DAILY_VOLUME = {
    StaffChannel.VOICE: 4.2,
    StaffChannel.CHAT: 3.4,
    StaffChannel.EMAIL: 2.6,
    StaffChannel.MULTI: 3.4,
}
PRIMARY = {
    StaffChannel.VOICE: Channel.VOICE,
    StaffChannel.CHAT: Channel.CHAT,
    StaffChannel.EMAIL: Channel.EMAIL,
    StaffChannel.MULTI: Channel.VOICE,
}
SECONDARY = [Channel.EMAIL, Channel.CHAT, Channel.SOCIAL, Channel.MESSAGING, Channel.WEB]
WEEKDAY = [1.0, 1.0, 0.95, 0.95, 0.9, 0.45, 0.25]
COMMENT_RATE = 0.12
DIP = 0.45  # how far the service level falls on go-live day (standard deviations of one customer's view)


def build(story) -> None:
    rng = story.rng_for("customers")
    today = story.today
    programme = story.refs.get("programme")
    teams = list(story.refs["teams"])
    go_live = _go_live_by_team(programme, teams)
    readiness = _readiness(programme, teams, rng)
    agent = story.refs.get("logins", {}).get("agent")
    star = agent.person if agent is not None else None
    members = _members(teams)
    records = []
    counter = 0
    for team in teams:
        channel = _team_channel(team, members)
        base = rng.gauss(0.7, 0.22) - (0.12 if team.code.startswith("APX") else 0.0)
        volume = DAILY_VOLUME.get(channel, 3.0)
        people = members.get(team.pk, [])
        for offset in range(364, -1, -1):
            day = today - timedelta(days=offset)
            level = base + 0.03 * math.cos(2 * math.pi * (day.timetuple().tm_yday - 20) / 365)
            level += _change_effect(day, go_live.get(team.pk), readiness.get(team.pk, 0.5))
            in_dip = _in_dip(day, go_live.get(team.pk), readiness.get(team.pk, 0.5))
            for _ in range(_poisson(rng, volume * WEEKDAY[day.weekday()])):
                counter += 1
                records.append(_record(rng, counter, day, today, team, channel, people, star, level, in_dip))
    report = imports.store(records, via=ImportBatch.Via.DEMO, filename="demo", queue_comments=False)
    from allaboard.textinsight.services import inline_classification

    with inline_classification():  # no worker while the demo is built: classify as comments arrive
        comments = services.submit_batch_comments(report.batch_id)
    story.refs["customer_feedback_batch"] = report.batch_id
    story.facts.append(
        f"{report.created:,} customer feedback records over a year ({comments:,} comments): scores dip after "
        "each go-live and recover where readiness is high; 'had to repeat myself across channels' is growing"
    )


def _go_live_by_team(programme, teams) -> dict:
    """Each team's go-live date: the go-live milestones of the rollout, through the sites they name."""
    if programme is None:
        return {}
    out = {}
    for milestone in programme.milestones.filter(kind=MilestoneKind.GO_LIVE).prefetch_related("units"):
        paths = [unit.path for unit in milestone.units.all()]
        for team in teams:
            if any(team.path.startswith(path) for path in paths):
                out.setdefault(team.pk, milestone.due)
    return out


def _readiness(programme, teams, rng) -> dict:
    """0..1 per team: listening's Ability mean when it has one (1-5 mapped from 2.8..4.2), else drawn."""
    means = {}
    fn = services.listening_service("team_element_means")
    if fn is not None and programme is not None:
        try:
            for unit_id, mean in (fn(programme.pk, "ability", None) or {}).items():
                value = services._element_value(mean)
                if value is not None:
                    means[unit_id] = min(1.0, max(0.0, (value[0] - 2.8) / 1.4))
        except Exception:  # noqa: BLE001 - the demo tells its story with or without listening's data
            means = {}
    return {team.pk: means.get(team.pk, rng.betavariate(2.2, 2.0)) for team in teams}


def _members(teams) -> dict:
    """Agents per team with their dates, leaders left out."""
    leaders = {team.leader_id for team in teams}
    out: dict[int, list] = {}
    rows = Person.objects.filter(unit__in=teams).values_list(
        "pk", "unit_id", "given_name", "channel", "start_date", "end_date"
    )
    for pk, unit_id, given, channel, start, end in rows:
        if pk not in leaders:
            out.setdefault(unit_id, []).append((pk, given, channel, start, end))
    return out


def _team_channel(team, members) -> str:
    channels = [m[2] for m in members.get(team.pk, []) if m[2]]
    return max(set(channels), key=channels.count) if channels else StaffChannel.VOICE


def _change_effect(day, go_live, ready: float) -> float:
    """The go-live dip, recovering fast where readiness is high, and the lasting effect of the new desk."""
    if go_live is None or day < go_live:
        return 0.0
    t = (day - go_live).days
    tau = 10 + 55 * (1 - ready)
    lasting = (0.22 * ready - 0.28 * (1 - ready)) * (1 - math.exp(-t / 30))
    return -DIP * math.exp(-t / tau) + lasting


def _in_dip(day, go_live, ready: float) -> bool:
    return go_live is not None and 0 <= (day - go_live).days <= 20 + 60 * (1 - ready)


def _poisson(rng, mean: float) -> int:
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _record(rng, counter, day, today, team, channel, people, star, level, in_dip) -> imports.Clean:
    active = [p for p in people if (p[3] is None or p[3] <= day) and (p[4] is None or p[4] >= day)]
    agent = None
    if active and rng.random() < 0.72:
        starred = [p for p in active if star is not None and p[0] == star.pk]
        agent = starred[0] if starred and rng.random() < 0.12 else rng.choice(active)
    view = level + rng.gauss(0, 1) + (0.3 if agent and star is not None and agent[0] == star.pk else 0.0)
    contact_channel = PRIMARY.get(channel, Channel.VOICE) if rng.random() < 0.85 else rng.choice(SECONDARY)
    comment = ""
    if rng.random() < COMMENT_RATE:
        comment = _comment(rng, view, day, today, in_dip, agent)
    return imports.Clean(
        external_id=f"demo-{counter:07d}",
        date=day,
        channel=str(contact_channel),
        unit_id=team.pk,
        person_id=agent[0] if agent else None,
        csat=_csat(view) if rng.random() < 0.9 else None,
        nps=_nps(view) if rng.random() < 0.6 else None,
        ces=_ces(view) if rng.random() < 0.35 else None,
        comment=comment,
        attributes={"survey": "post-contact"} if rng.random() < 0.5 else {},
    )


def _nps(view: float) -> int:
    if view > 0.75:
        return 10 if view > 1.4 else 9
    if view > -0.1:
        return 8 if view > 0.35 else 7
    return max(0, min(6, int(round(6 + (view + 0.1) * 2.6))))


def _csat(view: float) -> int:
    for score, limit in ((5, 0.9), (4, -0.2), (3, -0.9), (2, -1.5)):
        if view > limit:
            return score
    return 1


def _ces(view: float) -> int:
    for score, limit in ((7, 1.2), (6, 0.5), (5, -0.1), (4, -0.6), (3, -1.1), (2, -1.6)):
        if view > limit:
            return score
    return 1


def _comment(rng, view, day, today, in_dip, agent) -> str:
    weights = dict(HAPPY if view > 0.75 else UNHAPPY if view < -0.3 else MIXED)
    # The emerging expectation: from about 75 days ago, repeating oneself across channels grows fourfold.
    ramp = min(1.0, max(0.0, ((day - today).days + 75) / 30))
    if "channel_consistency" in weights:
        weights["channel_consistency"] *= 1 + 3 * ramp
    if in_dip and "knowledge_negative" in weights:
        weights["knowledge_negative"] *= 2.5
    theme = rng.choices(list(weights), weights=list(weights.values()))[0]
    openings, middles, endings = THEMES[theme]
    if theme == "praise":
        named = [o for o in openings if "{name}" in o]
        openings = named if agent and rng.random() < 0.7 else [o for o in openings if "{name}" not in o]
    text = rng.choice(openings) + rng.choice(middles) + rng.choice(endings)
    return text.format(
        m=rng.randint(18, 70),
        d=rng.randint(2, 9),
        q=rng.randint(12, 45),
        name=agent[1] if agent else "",
    )
