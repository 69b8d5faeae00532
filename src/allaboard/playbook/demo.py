"""Demo chapter: the playbook at work on the omnichannel desk rollout.

The story: after pulse 1, Leeds asked for visible leadership and got weekly sponsor floor walks (done, and
the teams said whether it helped). After pulse 2, Cardiff's Knowledge was low: the change lead planned a
training push, done between pulses 2 and 3, and Cardiff's Knowledge rose in pulse 3 (the action page shows
it, with confidence intervals). The team leader's own team runs buddy shifts (a month in: its people are
asked "did it help?"). Two actions slipped and are overdue (the partner's role-by-role briefing, the
disposition-code fixes). Recommendations come from the latest pulse, the comments, customer feedback, the
overdue actions and the waiting questions; a few are already planned. "You said, we did" updates close the
loop with the teams concerned.
"""

from datetime import date, timedelta

from allaboard.anonymity import min_group_size
from allaboard.org.models import Person, Unit, UnitKind

from . import effects, gather, services
from . import findings as F
from .models import (
    Action,
    ActionStatus,
    HelpedAnswer,
    HelpedAnswerChoice,
    HelpedResponder,
    Play,
    Recommendation,
    RecommendationStatus,
    YouSaidWeDid,
)
from .rules import evidence_text


def build(story) -> None:
    rng = story.rng_for("playbook")
    refs = story.refs
    today = story.today
    desk = refs["programme"]
    lead = refs["logins"]["changelead"]
    sites = {u.code: u for u in Unit.objects.filter(kind__in=[UnitKind.SITE, UnitKind.PARTNER])}
    teams = {t.code: t for t in refs["teams"]}
    plays = {p.slug: p for p in Play.objects.all()}
    made: dict[str, Action] = {}

    made["floor_walks"] = _action(
        lead,
        desk,
        title="Weekly sponsor floor walks in Leeds",
        description="The director spends an hour a week on the Leeds floor taking contacts on the new desk, "
        "and answers questions on the spot.",
        owner=refs["director"],
        units=[sites["LDS"]],
        play=plays["lead-by-example"],
        planned=today - timedelta(days=75),
        due=today - timedelta(days=30),
        started=today - timedelta(days=72),
        done=today - timedelta(days=32),
    )
    _helped_answers(made["floor_walks"], today - timedelta(days=42), rng, {"yes": 0.55, "partly": 0.3})

    cardiff = _cardiff_training(story, desk, lead, plays, sites)
    if cardiff is not None:
        made["cardiff_training"] = cardiff

    own_team = teams["LDS-D2-T02"]
    made["buddy_shifts"] = _action(
        refs["logins"]["teamleader"],
        desk,
        title="Buddy shifts on the new desk",
        description="Each advisor who feels unsure on chat pairs with a confident colleague for two shifts.",
        owner=own_team.leader,
        units=[own_team],
        play=plays["ongoing-support"],
        planned=today - timedelta(days=38),
        due=today + timedelta(days=10),
        started=today - timedelta(days=35),
    )
    _helped_answers(
        made["buddy_shifts"], today - timedelta(days=5), rng, {"yes": 0.5, "partly": 0.35}, share=0.4
    )

    made["partner_roles"] = _action(
        lead,
        desk,
        title="Role-by-role briefing for Apex: what changes and what does not",
        description="Publish, for each Apex role, what changes in daily work on the desk, and hold a questions "
        "session with Apex's site director and our sponsor.",
        owner=sites["APX"].leader,
        units=[sites["APX"]],
        play=plays["engage-partners"],
        planned=today - timedelta(days=20),
        due=today - timedelta(days=6),
        started=today - timedelta(days=15),
    )
    made["dispositions"] = _action(
        lead,
        desk,
        title="Fix the three disposition-code defects advisors report",
        description="Get a fix date for the top three defects in the new disposition list, and tell the teams.",
        owner=refs["change_lead"],
        units=[sites["CDF"], sites["APX"]],
        play=plays["change-direction"],
        planned=today - timedelta(days=18),
        due=today - timedelta(days=3),
    )

    refresh = services.refresh_recommendations(desk, actor=lead, on=today)
    planned = _plan_from_recommendations(desk, lead, today)

    updates = _updates(story, desk, lead, made, sites, own_team)
    reminders = services.remind_owners(today)
    refs["playbook"] = {"actions": made, "updates": updates}
    overdue = Action.objects.filter(programme=desk).overdue(today).count()
    story.facts.append(
        f"Playbook: {refresh.new} recommendations from {refresh.findings} findings ({planned} planned), "
        f"{Action.objects.filter(programme=desk).count()} actions ({overdue} overdue, "
        f"{Action.objects.filter(programme=desk, status=ActionStatus.DONE).count()} done), "
        f"{len(updates)} “you said, we did” updates, {reminders} reminders to owners"
        + (
            "; Cardiff's training push is on its action page with Knowledge before and after"
            if cardiff
            else ""
        )
    )


def _action(
    actor, programme, *, title, description, owner, units, play, planned, due, started=None, done=None
):
    """An action planned on `planned`, started and finished on the days given, through the services."""
    action = services.create_action(
        actor,
        programme,
        {
            "title": title,
            "description": description,
            "owner": owner,
            "teams": units,
            "due": due,
            "play": play,
        },
        on=planned,
    )
    Action.objects.filter(pk=action.pk).update(created_at=_noon(planned))
    return _progress(actor, action, started, done)


def _noon(day: date):
    from datetime import datetime, time

    from django.utils import timezone

    return timezone.make_aware(datetime.combine(day, time(12, 0)))


def _progress(actor, action: Action, started: date | None, done: date | None) -> Action:
    if started:
        services.update_action(actor, action, {"status": ActionStatus.IN_PROGRESS}, on=started)
    if done:
        services.update_action(actor, action, {"status": ActionStatus.DONE}, on=done)
    return action


def _helped_answers(action: Action, opened: date, rng, shares: dict[str, float], share: float = 0.45) -> None:
    """The teams were asked a month after the action started; about `share` of them answered."""
    services.open_helped_checks(opened)
    people = list(services.people_in(action.teams.all()).active_on(opened).values_list("pk", "unit_id"))
    rng.shuffle(people)
    answered = people[: max(min_group_size(), int(len(people) * share))]
    answers, responders = [], []
    for person_id, unit_id in answered:
        roll = rng.random()
        answer = (
            HelpedAnswerChoice.YES
            if roll < shares["yes"]
            else HelpedAnswerChoice.PARTLY
            if roll < shares["yes"] + shares["partly"]
            else HelpedAnswerChoice.NO
        )
        day = opened + timedelta(days=rng.randint(0, 6))
        answers.append(HelpedAnswer(action=action, unit_id=unit_id, answer=answer, answered_on=day))
        responders.append(HelpedResponder(action=action, person_id=person_id))
    rng.shuffle(answers)  # the order of answers must not follow the order of people
    HelpedAnswer.objects.bulk_create(answers)
    HelpedResponder.objects.bulk_create(responders)


def _cardiff_training(story, desk, lead, plays, sites) -> Action | None:
    """The training push answering Cardiff's low Knowledge in the second-last closed pulse, started after
    that pulse closed and done before the last one opened (so the action page compares the two)."""
    waves = effects.programme_waves(desk.pk, "knowledge")
    means = gather.service("listening", "team_element_means")
    if len(waves) < 2 or means is None:
        return None
    before, after = waves[-2], waves[-1]
    started, done = before.closes + timedelta(days=3), after.opens - timedelta(days=2)
    if done <= started:
        return None
    knowledge = means(desk.pk, "knowledge", before.id)
    low = sorted(
        (
            (team, knowledge[team.pk])
            for team in sites["CDF"].subtree().filter(kind=UnitKind.TEAM)
            if knowledge.get(team.pk) is not None and knowledge[team.pk].mean <= 3.0
        ),
        key=lambda pair: pair[1].mean,
    )
    if not low:
        return None
    rule = plays["educate-train"].rules.get(key="knowledge-low").spec()
    found = [
        F.Finding(
            kind=F.ELEMENT_MEAN,
            unit_id=team.pk,
            wave_id=before.id,
            metric="knowledge",
            metric_title="Knowledge",
            value=mean.mean,
            n=mean.n,
            unit_name=team.name,
            wave_label=before.label,
        )
        for team, mean in low
    ]
    rec = Recommendation.objects.create(
        programme=desk,
        play=plays["educate-train"],
        unit=sites["CDF"],
        evidence=[
            {
                "rule": rule.key,
                "rule_text": rule.describe(),
                "text": evidence_text(rule, f),
                "finding": f.snapshot(),
            }
            for f in found
        ],
        first_seen=before.closes,
        last_seen=before.closes,
        current=False,
    )
    owner = Person.objects.filter(unit__code="CDF-D1", job_role__name="Operations manager").first()
    action = services.create_action(
        lead,
        desk,
        {
            "title": "Cardiff desk training push",
            "description": "Focused desk sessions on the contacts Cardiff advisors find hardest, buddying on live "
            "contacts, and protected time to finish the core module.",
            "owner": owner or sites["CDF"].leader,
            "teams": [team for team, _ in low],
            "due": done,
        },
        recommendation=rec,
        on=started,
    )
    Action.objects.filter(pk=action.pk).update(created_at=_noon(started))
    _progress(lead, action, started, done)
    if started + timedelta(days=30) <= story.today:
        _helped_answers(
            action,
            started + timedelta(days=30),
            story.rng_for("playbook:cardiff"),
            {"yes": 0.6, "partly": 0.3},
        )
    return action


def _plan_from_recommendations(desk, lead, today) -> int:
    """The change lead plans a not-started action for the best-evidenced open recommendation of three
    different plays."""
    open_recs = (
        Recommendation.objects.filter(programme=desk, status=RecommendationStatus.OPEN, current=True)
        .exclude(unit=None)
        .select_related("play", "unit")
    )
    chosen: dict[str, Recommendation] = {}
    for rec in sorted(open_recs, key=lambda r: (-len(r.evidence), r.unit.path)):
        if rec.play.slug not in chosen and len(chosen) < 3:
            chosen[rec.play.slug] = rec
    for rec in chosen.values():
        services.create_action(
            lead,
            desk,
            {
                "title": f"{rec.play.title}: {rec.unit.name}",
                "description": rec.play.action_list()[0],
                "owner": rec.unit.leader or lead.person,
                "due": today + timedelta(days=21),
            },
            recommendation=rec,
            on=today,
        )
    return len(chosen)


def _updates(story, desk, lead, made, sites, own_team) -> list[YouSaidWeDid]:
    today = story.today
    texts = [
        (
            "floor_walks",
            "Leaders on the floor",
            "Leaders talk about the new desk but are never seen using it.",
            "Our director spent an hour a week on the Leeds floor for six weeks, taking contacts on the desk "
            "and answering questions on the spot. Floor walks continue monthly at every site.",
            [sites["LDS"]],
            today - timedelta(days=30),
        ),
        (
            "cardiff_training",
            "More desk training in Cardiff",
            "The desk training before go-live was too short and too early: people were learning on live "
            "customers.",
            "We ran focused sessions on the contacts you find hardest, set up buddying on live contacts, and "
            "gave protected time to finish the core module. Tell us in the next pulse whether it was enough.",
            [sites["CDF"]],
            today - timedelta(days=7),
        ),
        (
            "buddy_shifts",
            "Buddy shifts in your team",
            "Chat on the new desk is hard to learn alone when the queue is long.",
            "Everyone who asked has been paired with a confident colleague for two shifts; more pairs start "
            "next week.",
            [own_team],
            today - timedelta(days=12),
        ),
    ]
    updates = []
    for key, title, said, did, units, day in texts:
        if key not in made:
            continue
        update = services.save_update(
            lead,
            YouSaidWeDid(),
            {
                "programme": desk,
                "title": title,
                "you_said": said,
                "we_did": did,
                "units": units,
                "action": made[key],
            },
        )
        services.publish_update(lead, update, on=day)
        updates.append(update)
    draft = services.save_update(
        lead,
        YouSaidWeDid(),
        {
            "programme": desk,
            "title": "Your role on the desk, spelled out",
            "you_said": "What does the desk mean for my job and my role?",
            "we_did": "A role-by-role briefing is being written with Apex's leadership.",
            "units": [sites["APX"]],
            "action": made["partner_roles"],
        },
    )
    updates.append(draft)
    return updates
