"""Demo chapter: two years of training, coaching, decision rights in use, and leaders' commitments.

The story: leaders took a third-party change-management course first; staff then took the in-house
"Leading yourself through change" with their wave's desk training (Leeds and Glasgow ~100 days ago,
Cardiff and Apex ~45 days ago). Cardiff's wave-2 training was thin, so its Knowledge dipped after go-live
(28 days ago); a training push in the weeks after go-live answers it. Joiners arrive untrained and leavers
keep their history, so the % trained line moves as people come and go.
"""

from datetime import date, timedelta
from decimal import Decimal

from allaboard.org.models import Person, Unit, UnitKind

from . import services
from .models import (
    AgreedAction,
    Cadence,
    CoachingConversation,
    Commitment,
    Course,
    DecisionRight,
    DecisionUse,
    Delivery,
    Enrolment,
    EnrolmentStatus,
    ExceptionRequest,
    ExceptionStatus,
    Session,
    Source,
    VisibleAction,
)

LEADER_ROLES = {
    "Team leader",
    "Operations manager",
    "Site director",
    "Head of customer experience",
    "Change lead",
    "Customer service director",
}
COURSES = [
    # name, formal, delivery, provider, hours, addresses, lms code, xapi id
    (
        "Change management for leaders",
        True,
        Delivery.THIRD_PARTY,
        "Meridian Change Partners",
        "14",
        ["desire", "leadership", "reinforcement"],
        "CM-LEAD",
        None,
    ),
    (
        "Leading yourself through change",
        True,
        Delivery.IN_HOUSE,
        "",
        "3.5",
        ["awareness", "desire", "why", "job"],
        "CM-SELF",
        None,
    ),
    (
        "The new desk: hands-on",
        False,
        Delivery.IN_HOUSE,
        "",
        "7.5",
        ["knowledge", "ability", "skills", "tools"],
        "DESK-101",
        None,
    ),
    (
        "Omnichannel desk e-learning",
        False,
        Delivery.THIRD_PARTY,
        "Northwind Learning",
        "2",
        ["knowledge", "skills"],
        "DESK-EL",
        "https://lms.brightwater.example/xapi/activities/omnichannel-desk",
    ),
    ("Active listening", False, Delivery.IN_HOUSE, "", "3.5", ["skills"], "CX-LISTEN", None),
    ("Empathy on every channel", False, Delivery.IN_HOUSE, "", "3.5", ["skills"], "CX-EMPATHY", None),
    (
        "Conflict resolution",
        False,
        Delivery.THIRD_PARTY,
        "Calm Conversations Ltd",
        "7",
        ["skills", "ability"],
        "CX-CONFLICT",
        None,
    ),
    (
        "Effective written communication",
        False,
        Delivery.IN_HOUSE,
        "",
        "3.5",
        ["skills", "ability"],
        "CX-WRITE",
        None,
    ),
    (
        "Coaching for performance",
        False,
        Delivery.THIRD_PARTY,
        "Meridian Change Partners",
        "7",
        ["reinforcement", "ability"],
        "LEAD-COACH",
        None,
    ),
]
TRAINERS = ["Rachel Owen", "Tomasz Nowak", "Aled Price", "Shona MacLeod", "Meridian facilitator"]
FOCUS = [
    ("Using the customer's history on the new desk", "Check the timeline before greeting the customer"),
    ("Owning the case to resolution", "Resolve before transferring; ask me when unsure"),
    ("Empathy statements on chat", "Use one empathy statement in the first two replies"),
    ("Handling three chats at once", "Practise with two chats for a week, then three"),
    ("Using the shared knowledge base", "Rate two knowledge articles a day"),
    ("Goodwill credits within your limit", "Use your credit right when we got it wrong"),
    ("Call wrap-up with the new disposition codes", "Listen back to two calls and check the codes"),
]


def build_training(story) -> None:
    """The catalogue and two years of training history. Idempotent, so the listening chapter (which runs
    earlier) can call it first and snapshot "formally trained" on the pulse answers it generates."""
    if "courses" in story.refs:
        return
    rng = story.rng_for("capability-training")
    courses = _catalogue()
    people = list(
        Person.objects.select_related("job_role").values_list(
            "id", "start_date", "end_date", "unit_id", "job_role__name"
        )
    )
    story.refs["training_records"] = _training(rng, story.today, courses, people, _sites())
    services.refresh_formal_training()
    story.refs["courses"] = courses


def build(story) -> None:
    build_training(story)
    rng = story.rng_for("capability")
    today = story.today
    coaching = _coaching(rng, today, story)
    uses, exceptions = _decisions(rng, today, story, _sites())
    commitments, actions = _commitments(rng, today, story)
    story.facts.append(
        f"{len(story.refs['courses'])} courses and {story.refs['training_records']} training records over two "
        f"years (Cardiff's push after go-live), {coaching} coaching conversations, {uses} decisions under "
        f"decision rights and {exceptions} exception requests, {commitments} leader commitments with {actions} "
        "logged actions"
    )


def _catalogue() -> dict[str, Course]:
    courses = {}
    for name, formal, delivery, provider, hours, addresses, code, xapi_id in COURSES:
        courses[name] = Course.objects.create(
            name=name,
            formal_change_management=formal,
            delivery=delivery,
            provider=provider,
            duration_hours=Decimal(hours),
            addresses=addresses,
            lms_code=code,
            xapi_activity_id=xapi_id,
            description=f"{name}: part of the Brightwater service academy.",
        )
    return courses


def _sites() -> dict[int, str]:
    """unit id -> code of its site or partner ('BW' for head office)."""
    units = list(Unit.objects.values_list("id", "path", "kind", "code"))
    by_id = {pk: (kind, code) for pk, _path, kind, code in units}
    result = {}
    for pk, path, _kind, _code in units:
        chain = [int(p) for p in path.split(".") if p]
        site = next((u for u in reversed(chain) if by_id[u][0] in (UnitKind.SITE, UnitKind.PARTNER)), None)
        result[pk] = by_id[site][1] if site else "BW"
    return result


def _active(start, end, day) -> bool:
    return (start is None or start <= day) and (end is None or end >= day)


class _Sessions:
    """Sessions of a course at a site, scheduled every few working days in a window; people fill them."""

    def __init__(self, rng, course: Course, site: str, first: date, last: date):
        self.rng, self.course, self.items = rng, course, []
        day = first
        while day <= last:
            if day.weekday() < 5:
                self.items.append(
                    Session(
                        course=course,
                        starts_on=day,
                        ends_on=day,
                        trainer=rng.choice(TRAINERS),
                        location=f"{site} training room" if site != "APX" else "Apex, Manila floor 3",
                        capacity=16,
                    )
                )
            day += timedelta(days=3)

    def pick(self, start, end) -> Session | None:
        options = [s for s in self.items if _active(start, end, s.starts_on)]
        return self.rng.choice(options) if options else None


def _training(rng, today, courses, people, site_of) -> int:
    leaders_course = courses["Change management for leaders"]
    self_course = courses["Leading yourself through change"]
    desk = courses["The new desk: hands-on"]
    soft = [
        courses[n]
        for n in (
            "Active listening",
            "Empathy on every channel",
            "Conflict resolution",
            "Effective written communication",
        )
    ]
    windows = {
        "LDS": (today - timedelta(days=112), today - timedelta(days=90)),
        "GLA": (today - timedelta(days=112), today - timedelta(days=90)),
        "CDF": (today - timedelta(days=52), today - timedelta(days=40)),
        "APX": (today - timedelta(days=52), today - timedelta(days=40)),
    }
    push = (today - timedelta(days=24), today - timedelta(days=8))  # Cardiff, between pulse waves 2 and 3
    plans = []
    for site, (first, last) in windows.items():
        plans.append((site, "self", _Sessions(rng, self_course, site, first, last)))
        plans.append((site, "desk", _Sessions(rng, desk, site, first, last)))
    cardiff_push = _Sessions(rng, self_course, "CDF", *push)
    cardiff_desk_push = _Sessions(rng, desk, "CDF", *push)
    leader_cohorts = _Sessions(
        rng, leaders_course, "BW", today - timedelta(days=730), today - timedelta(days=130)
    )
    upcoming = _Sessions(rng, self_course, "LDS", today + timedelta(days=6), today + timedelta(days=30))
    all_sessions = [s for _, _, plan in plans for s in plan.items]
    all_sessions += cardiff_push.items + cardiff_desk_push.items + leader_cohorts.items + upcoming.items
    Session.objects.bulk_create(all_sessions, batch_size=500)
    plan_for = {(site, kind): plan for site, kind, plan in plans}
    records: list[Enrolment] = []

    def attend(pid, course, session, *, complete=True, day=None, source=Source.MANUAL):
        day = day or (session.starts_on if session else None)
        if day is None or day > today:
            return
        status = (
            EnrolmentStatus.COMPLETED
            if complete
            else rng.choice([EnrolmentStatus.NO_SHOW, EnrolmentStatus.FAILED])
        )
        hours = (
            course.duration_hours
            if complete
            else (Decimal(0) if status == EnrolmentStatus.NO_SHOW else course.duration_hours)
        )
        before = rng.choice([1, 2, 2, 3, 3]) if session else None
        records.append(
            Enrolment(
                course=course,
                session=session,
                person_id=pid,
                status=status,
                enrolled_on=day - timedelta(days=rng.randint(7, 30)),
                completed_on=day if complete else None,
                hours_attended=hours,
                score=Decimal(rng.randint(62, 100)) if complete and rng.random() < 0.6 else None,
                confidence_before=before,
                confidence_after=min(5, before + rng.choice([0, 1, 1, 2])) if before and complete else None,
                source=source,
            )
        )

    for pid, start, end, unit_id, role in people:
        site = site_of.get(unit_id, "BW")
        if role in LEADER_ROLES:
            if rng.random() < 0.85:
                attend(pid, leaders_course, leader_cohorts.pick(start, end))
            if rng.random() < 0.5:
                day = today - timedelta(days=rng.randint(30, 700))
                if _active(start, end, day):
                    attend(pid, courses["Coaching for performance"], None, day=day)
            continue
        if site in windows:
            coverage = {"LDS": 0.78, "GLA": 0.7, "CDF": 0.3, "APX": 0.55}[site]
            if rng.random() < 0.12:  # early pilot cohorts, a year or more ago
                day = today - timedelta(days=rng.randint(200, 730))
                if _active(start, end, day):
                    attend(pid, self_course, None, day=day)
            if rng.random() < coverage:
                attend(
                    pid, self_course, plan_for[(site, "self")].pick(start, end), complete=rng.random() < 0.95
                )
            if rng.random() < 0.9:
                attend(pid, desk, plan_for[(site, "desk")].pick(start, end))
            if site == "CDF" and rng.random() < 0.6:
                attend(pid, self_course, cardiff_push.pick(start, end))
                if rng.random() < 0.5:
                    attend(pid, desk, cardiff_desk_push.pick(start, end))
            if rng.random() < 0.35:
                day = today - timedelta(days=rng.randint(60, 20 * 30))
                if _active(start, end, day):
                    attend(pid, courses["Omnichannel desk e-learning"], None, day=day, source=Source.XAPI)
        if rng.random() < 0.3:
            day = today - timedelta(days=rng.randint(5, 720))
            if _active(start, end, day):
                attend(pid, rng.choice(soft), None, day=day, source=Source.LMS)
        if rng.random() < 0.25:
            session = upcoming.pick(start, end)
            if session and _active(start, end, today):
                records.append(
                    Enrolment(
                        course=self_course,
                        session=session,
                        person_id=pid,
                        enrolled_on=today - timedelta(days=rng.randint(1, 10)),
                    )
                )
    Enrolment.objects.bulk_create(records, batch_size=2000)
    return len(records)


def _coaching(rng, today, story) -> int:
    teams = story.refs["teams"]
    team_ids = [t.pk for t in teams]
    leaders = {t.pk: t.leader_id for t in teams}
    members: dict[int, list[tuple[int, date | None, date | None]]] = {}
    for pid, unit_id, start, end in Person.objects.filter(unit_id__in=team_ids).values_list(
        "id", "unit_id", "start_date", "end_date"
    ):
        if pid != leaders[unit_id]:
            members.setdefault(unit_id, []).append((pid, start, end))
    login_team = next(t for t in teams if t.code == "LDS-D2-T02")
    agent = story.refs["logins"]["agent"].person_id
    conversations, plans = [], []
    for team in teams:
        habit = (
            0.95 if team.pk == login_team.pk else rng.uniform(0.35, 1.0)
        )  # how regularly this leader coaches
        for pid, start, end in members.get(team.pk, []):
            day = today - timedelta(days=rng.randint(110, 130))
            while True:
                day += timedelta(days=rng.randint(14, 45) if rng.random() < habit else rng.randint(45, 90))
                if day > today:
                    break
                if not _active(start, end, day) or day.weekday() >= 5:
                    continue
                if (
                    team.pk == login_team.pk
                    and pid != agent
                    and pid % 4 == 0
                    and day > today - timedelta(days=40)
                ):
                    continue  # a few of the team leader's people are due a conversation
                focus, action = rng.choice(FOCUS)
                follow_up = day + timedelta(days=rng.choice([14, 21]))
                followed = follow_up if follow_up < today and rng.random() < 0.75 else None
                conversations.append(
                    CoachingConversation(
                        person_id=pid,
                        coach_id=team.leader_id,
                        held_on=day,
                        focus=focus,
                        observations="Listened to three contacts together; strong rapport, "
                        + action.lower()
                        + " next.",
                        follow_up_on=follow_up,
                        followed_up_on=followed,
                    )
                )
                plans.append((action, day))
    CoachingConversation.objects.bulk_create(conversations, batch_size=2000)
    actions = []
    for conversation, (text, day) in zip(conversations, plans, strict=True):
        due = day + timedelta(days=14)
        done = due - timedelta(days=rng.randint(0, 6)) if due < today and rng.random() < 0.7 else None
        actions.append(AgreedAction(conversation=conversation, text=text, due_on=due, done_on=done))
        if rng.random() < 0.4:
            actions.append(
                AgreedAction(
                    conversation=conversation,
                    text="Share one win at the team huddle",
                    due_on=due + timedelta(days=7),
                )
            )
    AgreedAction.objects.bulk_create(actions, batch_size=2000)
    return len(conversations)


def _decisions(rng, today, story, site_of) -> tuple[int, int]:
    roles = story.refs["roles"]
    rights = [
        DecisionRight.objects.create(
            job_role=roles["Customer service advisor"],
            name="Goodwill credit",
            limit=Decimal("50"),
            unit_label="GBP",
            guideline="Advisors may credit up to 50 without approval when we got it wrong; note what went wrong.",
        ),
        DecisionRight.objects.create(
            job_role=roles["Customer service advisor"],
            name="Waive a late-payment fee",
            limit=None,
            unit_label="",
            guideline="Waive a late-payment fee once in twelve months for any customer who asks.",
        ),
        DecisionRight.objects.create(
            job_role=roles["Senior advisor"],
            name="Goodwill credit",
            limit=Decimal("150"),
            unit_label="GBP",
            guideline="Senior advisors may credit up to 150 without approval, including for colleagues' cases.",
        ),
    ]
    by_role = {}
    for right in rights:
        by_role.setdefault(right.job_role_id, []).append(right)
    live_from = {
        "LDS": today - timedelta(days=84),
        "GLA": today - timedelta(days=84),
        "CDF": today - timedelta(days=28),
        "APX": today - timedelta(days=28),
    }
    teams = story.refs["teams"]
    leader_of = {t.pk: t.leader_id for t in teams}
    courage = {t.pk: rng.uniform(0.05, 1.0) for t in teams}
    uses, requests = [], []
    for pid, unit_id, role_id, start, end in Person.objects.filter(
        unit_id__in=leader_of, job_role_id__in=by_role
    ).values_list("id", "unit_id", "job_role_id", "start_date", "end_date"):
        first = live_from.get(site_of.get(unit_id), today - timedelta(days=28))
        for _ in range(int(rng.random() * courage[unit_id] * 12)):
            right = rng.choice(by_role[role_id])
            day = first + timedelta(days=rng.randint(0, max(0, (today - first).days)))
            if not _active(start, end, day):
                continue
            amount = Decimal(rng.randint(5, int(right.limit))) if right.limit else None
            uses.append(
                DecisionUse(
                    right=right,
                    person_id=pid,
                    used_on=day,
                    amount=amount,
                    note=rng.choice(["Missed engineer visit", "Billing error", "Repeat contact", ""]),
                )
            )
            if right.limit and rng.random() < 0.12:
                asked = min(today, day + timedelta(days=rng.randint(0, 3)))
                decided = asked + timedelta(days=rng.randint(0, 4))
                pending = decided >= today
                approve = rng.random() < 0.7
                requests.append(
                    ExceptionRequest(
                        right=right,
                        person_id=pid,
                        requested_on=asked,
                        amount=right.limit * Decimal(rng.choice(["1.5", "2", "3"])),
                        reason="Several failures in a row for a vulnerable customer; a larger credit would put it right.",
                        status=ExceptionStatus.PENDING
                        if pending
                        else (ExceptionStatus.APPROVED if approve else ExceptionStatus.DECLINED),
                        decided_by_id=None if pending else leader_of[unit_id],
                        decided_on=None if pending else decided,
                        decision_reason=""
                        if pending
                        else (
                            "Agreed: the history supports it."
                            if approve
                            else "Within your limit already: please use it."
                        ),
                    )
                )
    login_agent = story.refs["logins"]["agent"].person
    requests.append(
        ExceptionRequest(
            right=rights[0],
            person=login_agent,
            requested_on=today - timedelta(days=1),
            amount=Decimal("90"),
            reason="Customer without broadband for nine days; three missed engineer visits.",
        )
    )
    DecisionUse.objects.bulk_create(uses, batch_size=2000)
    ExceptionRequest.objects.bulk_create(requests, batch_size=2000)
    return len(uses), len(requests)


def _commitments(rng, today, story) -> tuple[int, int]:
    refs = story.refs
    login_leader = next(t for t in refs["teams"] if t.code == "LDS-D2-T02").leader
    plans = [
        (refs["director"], "Floor walk on the new desk, talking to advisors", Cadence.WEEKLY, 1, 140, 0.8),
        (refs["head_cx"], "Ask-me-anything session about the desk", Cadence.FORTNIGHTLY, 1, 140, 0.9),
        (refs["change_lead"], "Publish the 'you said, we did' update", Cadence.WEEKLY, 1, 120, 0.95),
        (login_leader, "Team huddle with one new-desk tip", Cadence.WEEKLY, 2, 100, 0.85),
    ]
    for site in Unit.objects.filter(kind__in=[UnitKind.SITE, UnitKind.PARTNER]).select_related("leader"):
        plans.append(
            (
                site.leader,
                "Sit with an advisor for an hour on the desk",
                Cadence.FORTNIGHTLY,
                1,
                110,
                rng.uniform(0.4, 0.95),
            )
        )
    for team in rng.sample(refs["teams"], k=max(1, len(refs["teams"]) // 4)):
        if team.leader_id != login_leader.pk:
            plans.append(
                (
                    team.leader,
                    "Recognise one customer win at the huddle",
                    Cadence.WEEKLY,
                    1,
                    84,
                    rng.uniform(0.3, 0.95),
                )
            )
    commitments, actions = [], []
    for leader, behaviour, cadence, times, days_ago, _keep in plans:
        commitment = Commitment(
            leader=leader,
            behaviour=behaviour,
            cadence=cadence,
            times_per_period=times,
            starts_on=today - timedelta(days=days_ago),
        )
        commitments.append(commitment)
    Commitment.objects.bulk_create(commitments)
    for commitment, (*_, keep) in zip(commitments, plans, strict=True):
        day = commitment.starts_on
        while day <= today:
            first, last = commitment.period_of(day)
            if rng.random() < keep:
                for _ in range(commitment.times_per_period):
                    done = first + timedelta(days=rng.randint(0, (last - first).days))
                    if commitment.starts_on <= done <= today:
                        actions.append(
                            VisibleAction(
                                commitment=commitment,
                                done_on=done,
                                note=rng.choice(
                                    [
                                        "",
                                        "Good conversations about the timeline view",
                                        "Heard about slow search: raised as a defect",
                                    ]
                                ),
                            )
                        )
            day = last + timedelta(days=1)
    VisibleAction.objects.bulk_create(actions, batch_size=2000)
    return len(commitments), len(actions)
