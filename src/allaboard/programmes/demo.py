"""Demo chapter: the omnichannel service desk rollout, and two smaller programmes around it."""

from datetime import timedelta

from allaboard.org.models import Unit, UnitKind

from .models import Impact, Milestone, MilestoneKind, Programme, StakeholderBenefit, Status


def build(story) -> None:
    today = story.today
    refs = story.refs
    start = today - timedelta(days=150)
    desk = Programme.objects.create(
        name="Omnichannel service desk rollout",
        status=Status.RUNNING,
        summary="One desk for phone, chat, email and social, with the customer's whole history on one screen.",
        why="Customers contact us on more than one channel, and today each channel lives in its own system. "
        "They repeat themselves, get different answers, and wait while we search. One desk lets any advisor "
        "see the whole conversation and resolve it first time.",
        problem_today="Five separate systems; advisors alt-tab between them; 31% of customers contact us twice "
        "about the same issue; chat and email are answered by different teams with different answers.",
        good_looks_like="Every contact, on any channel, lands on one desk with the full history. Advisors answer "
        "from one knowledge base. First-contact resolution rises from 64% to 75%; repeat contacts "
        "halve; advisors say the tools help them rather than fight them.",
        alignment="Our promise is 'sorted first time'. It fits our value 'own it': advisors get the whole "
        "picture and the authority to fix it, instead of passing customers on.",
        start_date=start,
        end_date=today + timedelta(days=200),
    )
    desk.sponsors.add(refs["director"], refs["head_cx"])
    for group, benefit in [
        ("Customers", "Tell us once: whoever answers sees the whole story, on any channel."),
        (
            "Advisors",
            "One screen instead of five, suggested answers from one knowledge base, less after-call work.",
        ),
        ("Team leaders", "See queues across channels live and coach from real conversations."),
        (
            "Apex Contact Solutions (partner)",
            "The same desk and knowledge as our own teams: no more second-class "
            "access or waiting for callbacks from Brightwater staff.",
        ),
    ]:
        StakeholderBenefit.objects.create(programme=desk, group=group, benefit=benefit)
    departments = Unit.objects.filter(kind=UnitKind.DEPARTMENT)
    advisor = refs["roles"]["Customer service advisor"]
    team_leader = refs["roles"]["Team leader"]
    for dept in departments:
        digital = "Digital" in dept.name
        Impact.objects.create(
            programme=desk,
            unit=dept,
            job_role=advisor,
            what_changes=(
                "You will handle chat, email and social messages from the new desk, up to three at a "
                "time, and answer from the shared knowledge base."
                if digital
                else "You will take calls on the new desk. The customer's history from every channel opens "
                "with the call, and you can send a follow-up by email or SMS without leaving it. "
                "Wrap codes change to the new disposition list."
            ),
            process=3,
            systems=5,
            job_role_change=2,
            behaviours=4,
            skills=4,
            performance_measures=3,
        )
        Impact.objects.create(
            programme=desk,
            unit=dept,
            job_role=team_leader,
            what_changes="You will coach from desk recordings and transcripts, and see live queues across channels. "
            "Handle time is no longer a target; first-contact resolution and quality are.",
            process=2,
            systems=4,
            behaviours=3,
            skills=3,
            performance_measures=4,
        )
    sites = {u.code: u for u in Unit.objects.filter(kind__in=[UnitKind.SITE, UnitKind.PARTNER])}
    for name, kind, offset, done, unit_codes in [
        ("Announcement and town halls", MilestoneKind.ANNOUNCE, -140, True, []),
        ("Training, wave 1 (Leeds, Glasgow)", MilestoneKind.TRAINING, -100, True, ["LDS", "GLA"]),
        ("Go-live, wave 1 (Leeds, Glasgow)", MilestoneKind.GO_LIVE, -84, True, ["LDS", "GLA"]),
        ("Training, wave 2 (Cardiff, Apex)", MilestoneKind.TRAINING, -45, True, ["CDF", "APX"]),
        ("Go-live, wave 2 (Cardiff, Apex)", MilestoneKind.GO_LIVE, -28, True, ["CDF", "APX"]),
        ("Old systems switched off", MilestoneKind.OTHER, 40, False, []),
        ("Six-month review", MilestoneKind.REVIEW, 90, False, []),
    ]:
        milestone = Milestone.objects.create(
            programme=desk, name=name, kind=kind, due=today + timedelta(days=offset), done=done
        )
        milestone.units.set([sites[c] for c in unit_codes])
    standards = Programme.objects.create(
        name="Service standards: own it, fix it first time",
        status=Status.PLANNED,
        summary="New service standards and a new quality scorecard that rewards resolution over speed.",
        why="Our quality form still scores script adherence and handle time, which pushes advisors to end calls "
        "rather than solve problems.",
        problem_today="Customers tell us we are polite but do not fix things.",
        good_looks_like="Quality checks ask: did we resolve it, did we own it, did the customer feel heard?",
        alignment="Puts our value 'own it' into how we measure ourselves.",
        start_date=today + timedelta(days=30),
    )
    standards.sponsors.add(refs["head_cx"])
    Impact.objects.create(
        programme=standards,
        unit=refs["org"],
        job_role=advisor,
        what_changes="Your quality checks use a new scorecard focused on resolution and ownership.",
        behaviours=4,
        performance_measures=4,
        skills=2,
    )
    Milestone.objects.create(
        programme=standards,
        name="Consultation on the draft scorecard",
        kind=MilestoneKind.ANNOUNCE,
        due=today + timedelta(days=30),
    )
    empowerment = Programme.objects.create(
        name="Empowerment: credits without approval",
        status=Status.COMPLETED,
        summary="Advisors may credit up to £50 without asking a team leader.",
        why="Customers waited for call-backs while advisors queued for approval of small goodwill credits.",
        start_date=today - timedelta(days=400),
        end_date=today - timedelta(days=250),
    )
    empowerment.sponsors.add(refs["director"])
    story.refs["programme"] = desk
    story.refs["wave_sites"] = {1: [sites["LDS"], sites["GLA"]], 2: [sites["CDF"], sites["APX"]]}
    story.facts.append(
        f"Programme '{desk.name}' running, with {desk.impacts.count()} impacted groups and "
        f"{desk.milestones.count()} milestones; 2 more programmes"
    )
