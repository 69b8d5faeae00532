"""Demo chapter: the idea box, a consultation, experiments, kudos, early wins and the champion network.

Brightwater promised a first answer to every idea within 10 working days when wave 1 went live; before that,
ideas waited. Ideas are in every status, a few are past the promise today, two became actions, one became an
experiment; a weekend-rota consultation has its published response; customers' compliments became kudos."""

from datetime import timedelta

from django.apps import apps

from allaboard.errors import InputError
from allaboard.org.models import Person
from allaboard.programmes.models import Milestone

from . import services
from .models import (
    AnonymousKey,
    Champion,
    Consultation,
    ConsultationFeedback,
    ConsultationRater,
    Experiment,
    Idea,
    IdeaComment,
    IdeaStatus,
    IdeaStatusChange,
    IdeaVote,
    Kudos,
    ServiceValue,
    VoiceSettings,
    add_working_days,
)

VALUES = [
    ("Own it", "See a customer's problem through to the end, even when it is not your queue."),
    ("Tell us once", "Customers should never have to repeat themselves."),
    ("Be human", "Listen, show you care, and use plain words."),
]

IDEAS = [
    (
        "tools",
        "One-click wrap-up codes",
        "Wrap-up takes three screens on the new desk. A favourites list of five codes would save a minute a call.",
    ),
    (
        "customers",
        "Callback slots when the queue is long",
        "Offer customers a callback slot instead of waiting twenty minutes on hold.",
    ),
    (
        "process",
        "Let us credit up to 50 without a supervisor",
        "Small goodwill credits wait for approval and the customer calls back. Let advisors do it.",
    ),
    (
        "tools",
        "Show the last three contacts on the customer card",
        "We ask customers what happened last time because the history is two clicks away.",
    ),
    (
        "training",
        "Ten-minute desk tips at the morning huddle",
        "One shortcut a day at the huddle would help more than another e-learning module.",
    ),
    (
        "wellbeing",
        "Quiet room after difficult calls",
        "After an abusive call we go straight back into the queue. Five minutes in a quiet room would help.",
    ),
    (
        "process",
        "Single owner for complaints that span billing and metering",
        "Complaints bounce between billing and metering. One owner until it is fixed.",
    ),
    (
        "tools",
        "Spell-check in the chat window",
        "Chat replies go out with typos because the new desk has no spell-check.",
    ),
    (
        "customers",
        "Text customers when their meter reading is late",
        "A text before the estimated bill goes out would stop many angry calls.",
    ),
    (
        "training",
        "Buddy each new starter for their first month",
        "New starters are on the phones alone in week two. A buddy would help them and the customers.",
    ),
    (
        "process",
        "Stop asking security questions twice on transfers",
        "Customers answer security questions again after every transfer. Pass the check through.",
    ),
    (
        "wellbeing",
        "Fairer weekend rota",
        "The same people always work Saturdays. A rota that rotates would be fairer.",
    ),
    (
        "tools",
        "Templates for the ten most common emails",
        "We write the same replies every day. Shared templates would save time and keep the tone right.",
    ),
    (
        "customers",
        "Plain-English bills",
        "Half our calls are customers who cannot read their bill. Rewrite the bill in plain English.",
    ),
    (
        "process",
        "Let partner staff see the knowledge base",
        "Apex advisors cannot open our knowledge base and have to ask us on chat.",
    ),
    (
        "training",
        "Practice sandbox for the new desk",
        "A practice copy of the desk where we can try things without touching real accounts.",
    ),
    (
        "tools",
        "Search that finds customers by postcode",
        "Searching by account number only means we ask customers for a number they rarely have.",
    ),
    (
        "wellbeing",
        "Shorter back-to-back call blocks",
        "Ninety minutes without a break is too long on the busy Monday mornings.",
    ),
    (
        "customers",
        "Call customers back after a complaint is closed",
        "A quick call a week later to check the fix worked would win people back.",
    ),
    (
        "process",
        "One form for moving home",
        "Moving home takes three forms and two calls. One form would do.",
    ),
    (
        "tools",
        "Faster log-in to the new desk",
        "Logging in takes four minutes each morning. Single sign-on would fix it.",
    ),
    (
        "training",
        "Coaching on de-escalation for the Cardiff team",
        "Cardiff takes the debt calls and gets the hardest conversations.",
    ),
    (
        "customers",
        "WhatsApp as a contact channel",
        "Younger customers ask if they can message us on WhatsApp.",
    ),
    (
        "process",
        "Publish the queue wait time on the website",
        "If customers knew the wait they would choose chat or call back later.",
    ),
    (
        "wellbeing",
        "Standing desks for long shifts",
        "A few standing desks per floor would help on long shifts.",
    ),
    (
        "tools",
        "Wrap-up favourites for chat as well",
        "The wrap-up codes on chat need the same favourites as on the phone.",
    ),
    (
        "customers",
        "Accessible bills in large print",
        "Some older customers cannot read the small print on their bill.",
    ),
    (
        "process",
        "Let team leaders approve overtime in the desk",
        "Overtime requests go by email and get lost.",
    ),
]

# (status path, days ago created, answered on time?) for each idea in IDEAS order
PLAN = [
    (["under_review", "accepted", "in_progress", "done"], 110, False),
    (["under_review", "accepted"], 70, True),  # becomes an experiment
    (["under_review", "accepted"], 65, True),  # becomes an action
    (["under_review", "accepted"], 60, True),  # becomes an action, under way
    (["accepted", "in_progress", "done"], 100, True),
    (["under_review", "declined"], 95, False),
    (["under_review"], 50, True),
    (["accepted", "in_progress"], 45, True),
    (["under_review", "declined"], 40, True),
    (["accepted", "in_progress", "done"], 80, True),
    (["under_review", "accepted", "in_progress"], 75, True),
    (["under_review"], 30, True),  # put to the teams as the weekend-rota consultation
    (["under_review"], 35, True),
    (["declined"], 105, False),
    (["under_review", "accepted", "done"], 55, True),
    (["under_review"], 25, True),
    (["under_review", "declined"], 90, True),
    ([], 22, None),  # overdue: no answer
    ([], 26, None),  # overdue: no answer
    ([], 19, None),  # overdue: no answer
    ([], 5, None),  # new, within the promise
    ([], 3, None),  # new, within the promise
    (["under_review"], 15, True),
    ([], 2, None),  # new
    (["declined"], 20, True),
    ([], 12, None),  # a duplicate, merged into "One-click wrap-up codes"
    (["under_review", "accepted"], 28, True),
    ([], 1, None),  # new
]

REASONS = {
    "under_review": [
        "Good idea: we are checking with IT what it would take.",
        "We are looking at the cost and will come back within two weeks.",
        "Sent to the operations team to estimate the effort.",
    ],
    "accepted": [
        "We will do it: it saves customers time and costs little.",
        "Agreed by the programme board; an owner is being named.",
    ],
    "in_progress": [
        "Work has started; the first teams see it next month.",
        "Being built by the desk vendor.",
    ],
    "done": [
        "Live for every team since this week. Thank you for the idea.",
        "Done: rolled out to all sites.",
    ],
    "declined": [
        "Not now: the vendor's next release already does this, due in spring.",
        "We cannot change this for regulatory reasons; we explain why in the FAQ.",
        "Too costly for the benefit this year; we will look again at the six-month review.",
    ],
}

COMMENTS = [
    "Yes please, this would save so much time.",
    "We tried something like this in Glasgow and it worked.",
    "Would this work for chat as well as phone?",
    "Customers complain about this every day.",
    "Agree, but we need training on it first.",
    "This is the thing I would change first.",
]

KUDOS_MESSAGES = [
    "Took over a tricky complaint and saw it through to the end.",
    "Stayed calm with a very upset customer and turned it round.",
    "Showed three of us the new desk shortcuts at the huddle.",
    "Fixed the customer's bill in one call instead of passing it on.",
    "Always the first to help a new starter.",
    "Wrote the template everyone now uses for moving-home emails.",
]


def build(story) -> None:
    rng = story.rng_for("voice")
    today = story.today
    refs = story.refs
    programme = refs["programme"]
    lead_user = refs["logins"]["changelead"]
    admin_user = refs["logins"]["admin"]
    teams = list(refs["teams"])
    people_by_team = {t.pk: list(Person.objects.active_on(today).filter(unit=t)) for t in teams}
    everyone = [p for team in teams for p in people_by_team[team.pk]]

    values = [ServiceValue.objects.get_or_create(name=n, defaults={"description": d})[0] for n, d in VALUES]
    VoiceSettings.objects.update_or_create(
        programme=programme, defaults={"vote_threshold": 8, "answer_days": 10}
    )
    go_live = today - timedelta(days=84)

    # ---- ideas ----
    ideas, keys = [], []
    for (category, title, text), (_path, days_ago, _on_time) in zip(IDEAS, PLAN, strict=True):
        created = today - timedelta(days=days_ago)
        author = rng.choice(everyone)
        anonymous = rng.random() < 0.25
        ideas.append(
            Idea(
                programme=programme,
                category=category,
                title=title,
                text=text,
                anonymous=anonymous,
                author=None if anonymous else author,
                unit=None if anonymous else author.unit,
                created_on=created,
                answer_due=add_working_days(created, 10),
            )
        )
    ideas = Idea.objects.bulk_create(ideas)
    for idea in ideas:
        if idea.anonymous:
            keys.append(AnonymousKey(key_hash=AnonymousKey.hash_key(f"demo-{rng.random()}"), idea=idea))
    AnonymousKey.objects.bulk_create(keys)

    changes, votes, comments = [], [], []
    for idea, (path, _days_ago, on_time) in zip(ideas, PLAN, strict=True):
        # before the promise (created before go-live) answers were often late; since then, mostly on time
        first = (
            idea.answer_due - timedelta(days=rng.randint(1, 5))
            if on_time
            else idea.answer_due + timedelta(days=rng.randint(4, 15))
        )
        first = max(first, idea.created_on + timedelta(days=1))
        day, current = first, IdeaStatus.NEW
        for step in path:
            day = min(day, today)
            changes.append(
                IdeaStatusChange(
                    idea=idea,
                    from_status=current,
                    to_status=step,
                    reason=rng.choice(REASONS[step]),
                    by_name="changelead",
                    on=day,
                )  # fmt: skip
            )
            current = step
            day = day + timedelta(days=rng.randint(7, 20))
        if path:
            idea.status, idea.first_answered_on = current, min(first, today)
        for voter in rng.sample(everyone, min(len(everyone), rng.randint(1, 7))):
            votes.append(
                IdeaVote(
                    idea=idea,
                    person=voter,
                    created_on=min(today, idea.created_on + timedelta(days=rng.randint(0, 10))),
                )
            )
        for _ in range(rng.randint(0, 3)):
            anonymous = rng.random() < 0.3
            comments.append(
                IdeaComment(
                    idea=idea,
                    text=rng.choice(COMMENTS),
                    anonymous=anonymous,
                    author=None if anonymous else rng.choice(everyone),
                    created_on=min(today, idea.created_on + timedelta(days=rng.randint(1, 12))),
                )  # fmt: skip
            )
    IdeaStatusChange.objects.bulk_create(changes)
    IdeaVote.objects.bulk_create(votes, ignore_conflicts=True)
    IdeaComment.objects.bulk_create(comments)
    Idea.objects.bulk_update(ideas, ["status", "first_answered_on"])
    # everyone-asks-for-it idea: many votes, moved to review by the threshold
    popular = ideas[6]
    for voter in rng.sample(everyone, min(len(everyone), 12)):
        IdeaVote.objects.get_or_create(
            idea=popular, person=voter, defaults={"created_on": today - timedelta(days=40)}
        )

    # duplicates merged with their votes
    services.merge(
        lead_user,
        ideas[25],
        ideas[0],
        "Same as the wrap-up favourites idea: votes now count there.",
        on=today - timedelta(days=9),
    )

    # accepted ideas become actions and an experiment
    made_actions = []
    if apps.is_installed("allaboard.playbook"):
        for idea, team in ((ideas[2], teams[0]), (ideas[3], teams[1 % len(teams)])):
            owner = team.leader or people_by_team[team.pk][0]
            made_actions.append(
                services.make_action(
                    lead_user,
                    idea,
                    {
                        "owner": owner.pk,
                        "teams": [team.pk],
                        "due": today + timedelta(days=rng.randint(10, 40)),
                    },
                )
            )
        made_actions[-1].status = "in_progress"
        made_actions[-1].started_on = today - timedelta(days=6)
        made_actions[-1].save(update_fields=["status", "started_on"])
        services.follow_outcomes(on=today - timedelta(days=5))

    glasgow_team = next((t for t in teams if t.site() and t.site().code == "GLA"), teams[0])
    callback = services.make_experiment(
        lead_user,
        ideas[1],
        {
            "hypothesis": "Offering a callback slot when the wait is over 10 minutes raises first-contact resolution, "
            "because customers call back calmer and with their papers ready.",
            "measure": "first-contact resolution (share of contacts not repeated within 7 days)",
            "measure_type": "proportion",
            "teams": [glasgow_team.pk],
            "starts": (today - timedelta(days=56)).isoformat(),
            "ends": (today - timedelta(days=14)).isoformat(),
        },
    )
    services.save_experiment(
        lead_user,
        callback,
        {
            "baseline_n": 1040,
            "baseline_value": 634,
            "result_n": 988,
            "result_value": 667,
            "learning": "Callback slots lifted first-contact resolution by about 6 points. Customers liked choosing "
            "the time; slots after 6pm filled first, so offer evening slots.",
            "decision": "adopt",
        },  # fmt: skip
    )
    services.follow_outcomes(on=today - timedelta(days=10))
    script = Experiment.objects.create(
        programme=programme,
        title="Fully scripted greeting",
        hypothesis="A word-for-word greeting shortens calls by 15 seconds.",
        measure="average handling time (seconds)",
        measure_type="mean",
        starts=today - timedelta(days=70),
        ends=today - timedelta(days=42),
        baseline_n=620, baseline_value=412.0, baseline_sd=95.0,
        result_n=598, result_value=409.0, result_sd=101.0,
        learning="No real change in handling time, and customers said it sounded robotic. Keep a short "
        "checklist instead of a script.",
        decision="abandon",
        created_by=lead_user,
    )  # fmt: skip
    script.teams.set(teams[:2])
    running = Experiment.objects.create(
        programme=programme,
        title="Morning desk-tip huddles",
        hypothesis="Ten-minute tips at the morning huddle raise confidence with the new desk (Ability) within a month.",
        measure="share of advisors who say they can do their job well on the new desk",
        starts=today - timedelta(days=10),
        ends=today + timedelta(days=20),
        created_by=lead_user,
    )
    running.teams.set(teams[2:4])

    # ---- consultation ----
    leeds_teams = [t for t in teams if t.site() and t.site().code == "LDS"][:4] or teams[:2]
    rota = Consultation.objects.create(
        programme=programme,
        title="Weekend rota from January",
        kind="rota",
        proposal="Everyone works one Saturday in four, in rotating groups, instead of a fixed weekend team. "
        "Sunday cover moves to chat only from 10:00 to 16:00.",
        opens=today - timedelta(days=35),
        closes=today - timedelta(days=21),
        response="You told us Sunday chat-only cover was too thin (many comments) and that one Saturday in four "
        "was fair. We kept one Saturday in four, added a second advisor on Sunday chat, and let people swap "
        "shifts in the desk without a form.",
        published_on=today - timedelta(days=14),
        created_by=lead_user,
    )
    rota.teams.set(leeds_teams)
    takers = [p for t in leeds_teams for p in people_by_team[t.pk]]
    feedback, raters = [], []
    opinions = [
        "One Saturday in four is fair.",
        "Sunday chat on your own is too much when the queue builds.",
        "Please let us swap shifts without filling in a form.",
        "Better than now: the same five people always work weekends.",
        "",
    ]
    for person in rng.sample(takers, min(len(takers), 16)):
        rating = rng.choices([2, 3, 4, 5], weights=[1, 3, 5, 3])[0]
        named = rng.random() < 0.2
        feedback.append(
            ConsultationFeedback(
                consultation=rota,
                rating=rating,
                comment=rng.choice(opinions),
                anonymous=not named,
                author=person if named else None,
                created_on=rota.opens + timedelta(days=rng.randint(0, 13)),
            )  # fmt: skip
        )
        raters.append(ConsultationRater(consultation=rota, person=person))
    ConsultationFeedback.objects.bulk_create(feedback)
    ConsultationRater.objects.bulk_create(raters)
    wave2 = [t for t in teams if t.site() and t.site().code in ("CDF", "APX")][:4] or teams[-2:]
    script_consult = Consultation.objects.create(
        programme=programme,
        title="Debt-call opening script for the new desk",
        kind="script",
        proposal="Open with the customer's name, confirm the balance shown on the desk, then offer the three payment "
        "plans before asking for a reason. Draft attached in the knowledge base.",
        opens=today - timedelta(days=3),
        closes=today + timedelta(days=11),
        created_by=lead_user,
    )
    script_consult.teams.set(wave2)

    # ---- kudos ----
    kudos = []
    for _ in range(max(20, len(everyone) // 6)):
        team = rng.choice(teams)
        members = people_by_team[team.pk]
        if len(members) < 2:
            continue
        giver, receiver = rng.sample(members, 2)
        kudos.append(
            Kudos(
                giver=giver,
                person=receiver,
                unit=receiver.unit,
                value=rng.choice(values),
                message=rng.choice(KUDOS_MESSAGES),
                created_on=today - timedelta(days=rng.randint(0, 85)),
            )  # fmt: skip
        )
    Kudos.objects.bulk_create(kudos)
    from_customers = services.import_compliments(today - timedelta(days=60))

    # ---- champions, with gaps ----
    champions = []
    for team in teams:
        members = [p for p in people_by_team[team.pk] if p.pk != team.leader_id]
        if members and rng.random() < 0.65:
            champions.append(
                Champion(programme=programme, person=rng.choice(members), since=go_live - timedelta(days=30))
            )
    Champion.objects.bulk_create(champions, ignore_conflicts=True)
    for champion in champions[:6]:
        Kudos.objects.create(
            giver=champion.person, person=rng.choice([p for p in people_by_team[champion.person.unit_id] if p != champion.person] or [champion.person]),
            unit=champion.person.unit, value=values[0], message="Helped the whole team with the new desk shortcuts.",
            created_on=today - timedelta(days=rng.randint(1, 40)),
        )  # fmt: skip
        IdeaComment.objects.create(
            idea=rng.choice(ideas),
            text="As a champion I can try this with my team first.",
            author=champion.person,
            created_on=today - timedelta(days=rng.randint(1, 30)),
        )  # noqa: E501

    # ---- early wins with real figures ----
    wins = []
    wins.append(
        services.create_win(
            lead_user,
            {
                "programme": programme.pk,
                "title": "Ideas now get an answer on time",
                "story": "Since go-live we promised every idea a first answer within 10 working days, and we "
                "have kept that promise far more often than before.",
                "measure": "ideas_answered",
                "split": go_live.isoformat(),
                "publish": True,
            },
            on=today,
        )
    )
    # The second win cites another app's figures where they exist: customer scores, else pulse readiness;
    # without either (a demo built without those chapters), days to a first answer from the idea box.
    second = _customer_win(lead_user, programme, teams, go_live, today)
    second = second or _readiness_win(lead_user, programme, teams, go_live, today)
    wins.append(second or _answer_time_win(lead_user, programme, go_live, today))
    celebrated = 0
    for milestone in Milestone.objects.filter(done=True, voice_win__isnull=True).order_by("due"):
        services.celebrate(milestone, on=min(milestone.due, today))
        celebrated += 1

    # ---- moderation and the promise ----
    reported = IdeaComment.objects.create(
        idea=ideas[5],
        text="Only lazy people need a quiet room.",
        author=rng.choice(everyone),
        created_on=today - timedelta(days=4),
    )
    services.report(
        refs["logins"]["agent"],
        "comment",
        reported.pk,
        "Unkind about colleagues",
        on=today - timedelta(days=3),
    )
    services.hide(
        admin_user,
        "comment",
        reported.pk,
        "Unkind about colleagues; breaks the community guidelines.",
        on=today - timedelta(days=2),
    )
    services.flag_overdue(today)

    refs["voice"] = {
        "ideas": ideas,
        "wins": wins,
        "values": values,
        "consultation": rota,
        "experiment": callback,
    }
    counts = services.status_counts(programme.pk)
    rate = services.on_time_rate(programme_id=programme.pk, on=today)
    gaps = len(services.champion_gaps(programme))
    story.facts.append(
        f"Voice: {len(ideas)} ideas ({', '.join(f'{n} {s}' for s, n in counts.items() if n)}), "
        f"{services.overdue_ideas(today).count()} past the answer promise, {len(made_actions)} turned into actions "
        f"and 1 into an experiment; {rate.answered_on_time}/{rate.due} answered on time; a consultation with a "
        f"published response; {Kudos.objects.count()} kudos ({from_customers} from customer compliments); "
        f"wins: {', '.join(f'{w.title} ({w.before:g} → {w.after:g})' for w in wins)}; "
        f"{len(champions)} champions, {gaps} teams without one; {celebrated} milestones celebrated."
    )


def _answer_time_win(lead_user, programme, go_live, today):
    """A win measured by the idea box: working days from an idea to its first answer, before and since."""
    return services.create_win(
        lead_user,
        {
            "programme": programme.pk,
            "title": "Ideas get a first answer sooner",
            "story": "Before go-live an idea waited weeks for a first answer. Now the change lead answers within days.",
            "measure": "ideas_answered",
            "element": "days",
            "split": go_live.isoformat(),
            "publish": True,
        },
        on=today,
    )


def _readiness_win(lead_user, programme, teams, go_live, today):
    """The clearest rise in a team's pulse readiness since go-live, from the published pulses, or None."""
    best = None
    for team in teams:
        for element in ("knowledge", "ability", "desire", "awareness", "reinforcement"):
            try:
                figures = services.measured_figures("readiness", programme, split=go_live, unit=team,
                                                    element=element, on=today)  # fmt: skip
            except InputError:
                continue
            gain = figures.after - figures.before
            if gain > 0 and (best is None or gain > best[0]):
                best = (gain, team, element)
    if best is None:
        return None
    _, team, element = best
    return services.create_win(
        lead_user,
        {
            "programme": programme.pk,
            "title": f"{team.name} feels ready: {element} is up since go-live",
            "story": f"The {team.name} team's pulse shows more {element} since the new desk went live.",
            "measure": "readiness",
            "element": element,
            "split": go_live.isoformat(),
            "unit": team.pk,
            "publish": True,
        },
        on=today,
    )


def _customer_win(lead_user, programme, teams, go_live, today):
    """The clearest customer-score improvement since go-live among the wave-1 sites, or None (a win is
    only published when the figures went the right way and both sides have enough answers)."""
    sites = []
    for team in teams:
        site = team.site()
        if site and site.code in ("LDS", "GLA") and site not in sites:
            sites.append(site)
    best = None
    for site in sites:
        for which, higher_is_better in (("nps", True), ("csat", True)):
            for split in (go_live, go_live + timedelta(days=28)):
                try:
                    figures = services.measured_figures("customer_score", programme, split=split, unit=site,
                                                        element=which, on=today)  # fmt: skip
                except InputError:
                    continue
                gain = (figures.after - figures.before) * (1 if higher_is_better else -1)
                if gain > 0 and (best is None or gain > best[0]):
                    best = (gain, site, which, split)
    if best is None:
        return None
    _, site, which, split = best
    return services.create_win(
        lead_user,
        {
            "programme": programme.pk,
            "title": f"{site.name} customers rate us higher since the new desk",
            "story": f"Customers of the {site.name} teams rate us higher since the new desk settled in: the "
            "customer card shows their history, so they only tell us once.",
            "measure": "customer_score",
            "element": which,
            "split": split.isoformat(),
            "unit": site.pk,
            "publish": True,
        },
        on=today,
    )
