"""Demo chapter: the desk rollout's pulse, four waves four weeks apart (three closed, one open now).

The story a change lead reads on the results pages:
- Leeds went live first. In pulse 1 its leaders scored low ("senior leaders are behind this" barely
  agreed) and Leeds Billing & Payments and Digital Channels stopped at Knowledge: the training came two
  weeks before go-live. The director's floor walks (playbook) lift leadership support wave by wave;
  Knowledge recovers slowly, faster in the team running buddy shifts.
- Glasgow is the healthy site: a short Ability dip right after go-live, then steady.
- Cardiff stops at Knowledge in pulses 1 and 2 (its training was still to come); the training push
  between pulses 2 and 3 lifts it in pulse 3. Ability dips after its go-live.
- Apex, the partner, stops at Desire: people fear for their jobs (job security is the lowest score in
  the organisation) and nothing changes that, because the role-by-role briefing is overdue.
- About 60-80% answer; a night team in Glasgow never reaches 5 respondents, so its results stay hidden
  (and so do the cuts that would let someone subtract it out).
- Comments are in the advisors' own words; a few name colleagues or give a phone number or email, which
  redaction masks before they are stored. Comments are classified into resistance sources as they
  arrive (no worker while the demo builds).

Bulk paths: invitations, responses and answers are written with bulk_create and the tallies with
aggregates.record_many, so the chapter takes seconds; the closed waves are published by the same
publication code the worker runs.
"""

from __future__ import annotations

import random
import uuid
from collections import Counter, defaultdict
from datetime import date, timedelta

from django.apps import apps
from django.db import connection

from allaboard.org.models import TENURE_BANDS, Unit, UnitKind

from . import aggregates, links, services
from . import instruments as I
from .models import Answer, Invitation, Response, Survey, Wave, WaveStatus
from .publication import publish

NAME = "Omnichannel desk pulse"
# (opens, closes) in days from today: four weeks apart; the last one is open now.
WAVES = [(-87, -78), (-59, -50), (-31, -22), (-3, 6)]
ROLES = ["Customer service advisor", "Senior advisor", "Quality coach", "Team leader"]
# Teams that never reach the anonymity threshold: a night team in Glasgow, and one partner team in the
# middle two pulses (its leader left; few answered).
LOW_TEAMS = {"GLA-D4-T02": (1, 2, 3, 4), "APX-D1-T09": (2, 3)}
WORRY_RATE = 0.34  # share of respondents who write what worries them
HELP_RATE = 0.22

BASE = {
    "awareness": 4.3,
    "desire": 4.0,
    "knowledge": 3.9,
    "ability": 3.8,
    "reinforcement": 3.6,
    "appropriateness": 4.0,
    "leadership_support": 3.8,
    "confidence": 3.8,
    "personal_benefit": 3.6,
    "job_security": 3.9,
    "role_clarity": 3.8,
    "workload": 3.3,
}


def _profile(code: str, wave: int) -> dict[str, float]:
    """The mean level of each scale for a team (by its code) in a wave (1-4): the story in numbers."""
    p = dict(BASE)
    site, dept = code[:3], code[:6]
    if site == "LDS":
        p["leadership_support"] = [2.8, 3.3, 3.8, 3.9][wave - 1]  # floor walks between pulses 1 and 3
        p["desire"] = [3.7, 3.9, 4.0, 4.1][wave - 1]
        p["workload"] = [2.8, 3.0, 3.2, 3.3][wave - 1]
        if dept in ("LDS-D2", "LDS-D3"):
            p["knowledge"] = [2.6, 2.9, 3.2, 3.5][wave - 1]
            p["ability"] = [3.0, 3.2, 3.4, 3.6][wave - 1]
            if code == "LDS-D2-T02":  # buddy shifts from five weeks ago
                p["knowledge"] = [2.6, 2.9, 3.5, 3.9][wave - 1]
                p["ability"] = [3.0, 3.2, 3.6, 3.9][wave - 1]
        else:
            p["knowledge"] = [3.6, 3.8, 3.9, 4.0][wave - 1]
    elif site == "GLA":
        p["ability"] = [3.2, 3.6, 3.9, 4.0][wave - 1]  # go-live dip, then steady
        p["reinforcement"] = [3.3, 3.5, 3.7, 3.8][wave - 1]
        p["knowledge"] = 4.0
        p["leadership_support"] = 4.0
    elif site == "CDF":
        hardest = dept in ("CDF-D1", "CDF-D2")
        p["knowledge"] = ([2.7, 2.7, 3.8, 3.9] if hardest else [3.0, 3.1, 3.9, 4.0])[wave - 1]
        p["ability"] = [3.4, 3.4, 3.3, 3.6][wave - 1]  # dips after the go-live between pulses 3 and 4
        p["workload"] = [3.2, 3.0, 2.8, 3.0][wave - 1]
    elif site == "APX":
        lift = 0.3 if dept == "APX-D2" else 0.0
        p["awareness"] = 3.9
        p["desire"] = [2.6, 2.7, 2.8, 2.9][wave - 1] + lift
        p["knowledge"] = [3.0, 3.2, 3.6, 3.7][wave - 1]
        p["ability"] = [3.3, 3.3, 3.5, 3.5][wave - 1]
        p["job_security"] = [2.2, 2.2, 2.3, 2.4][wave - 1] + lift
        p["role_clarity"] = 2.7 + lift
        p["personal_benefit"] = 2.6 + lift
        p["leadership_support"] = 3.1
    p["confidence"] = (p["knowledge"] + p["ability"]) / 2
    return p


# What people wrote, by what holds them back. Some name a colleague, a phone number or an email:
# redaction masks those before anything is stored.
WORRIES = {
    "knowledge": [
        "The training was two weeks before go-live and by the time I used the desk I'd forgotten most of it.",
        "Nobody showed us how to move a chat across to billing, I've been guessing every time.",
        "I still don't know which disposition code to use for a payment plan call.",
        "We got slides, not practice. I need to actually click through it before I'm on with a customer.",
        "Half the knowledge base articles are out of date so I end up asking whoever's next to me.",
        "I'm not confident on the email side of the desk at all, never been trained on it.",
        "Keep getting stuck on refunds in the new screens. Priya Patel has been showing me but she's run off her feet.",
        "honestly I'm winging it on chat. three at once is a lot when you don't know the system",
        "Not sure what I'm meant to do when the customer history doesn't load, is there a workaround?",
    ],
    "ability": [
        "Queues have been mad since go-live and there is no time to get used to the new way.",
        "We're expected to take three chats at once while we're still learning the basics.",
        "The desk freezes when I open the history on long accounts and the customer just waits.",
        "Handle times are up and I'm worried I'll be marked down for it even though it's the system.",
        "I know what to do, I just don't get any time off the phones to practise.",
    ],
    "desire": [
        "Are our jobs safe once Brightwater has everything on one desk?",
        "People here are saying the overflow contract ends when the desk is bedded in. Nobody will say if that's true.",
        "If one advisor can do every channel why would they still need a partner team?",
        "Nobody has told us if our team will still exist next year.",
        "I don't see what's in it for us, it feels like we're training our replacements.",
        "We hear about the new desk from Brightwater staff before our own managers tell us anything.",
        "Worried about my job to be honest. Call me if you want to talk about it 0917 555 0142.",
        "It was fine the way it was. Now everything is monitored and we just get told.",
    ],
    "awareness": [
        "I don't really see what was wrong with the old system, it worked for us.",
        "Still not clear why this had to happen now, in the busiest months.",
    ],
    "reinforcement": [
        "Feels like the old targets are still what we get judged on, whatever they say about quality.",
        "Worried it'll drift back to the old way once the project team moves on, it did last time.",
        "We had the last 'one system' project three years ago and it got binned. Why would this one stick?",
    ],
    "leadership": [
        "Managers keep saying the desk is great but I've never seen one of them take a contact on it.",
        "Leaders talk about 'own it' and then ask us to cut handle time in the same meeting.",
        "Senior people announced this in a town hall and we haven't seen them on the floor since.",
    ],
    "none": [
        "Not many worries now, seeing the whole history on one screen saves so much time.",
        "Only that the old systems stay on too long and we end up doing things twice.",
        "Mostly fine. A bit worried about the disposition codes still being wrong for some calls.",
        "The switch-off date. Some of us still rely on the old billing screen for a few things.",
    ],
}
HELPS = {
    "knowledge": [
        "A proper hands-on session on the desk with real examples, not just slides.",
        "A one-page cheat sheet of the new disposition codes by the screen.",
        "Buddying with someone confident on chat for a couple of shifts would really help.",
        "More time in the practice environment. Even an hour a week.",
        "Someone to ask on the floor. If you need me my extension is 0113 496 0714, happy to help set it up.",
    ],
    "ability": [
        "Protected time off the queue to learn, even thirty minutes a day.",
        "Fix the history freezing, that's the main thing slowing us down.",
        "Two chats at once until we're confident, then three.",
    ],
    "desire": [
        "Just tell us straight what happens to Apex jobs after the rollout.",
        "A briefing for each role on what changes and what doesn't. We keep hearing rumours.",
        "Give us the same access and knowledge as Brightwater's own teams.",
        "Ask us what we think before deciding. We take these calls every day.",
        "Please email me the plan for our team at marites.home.mail@gmail.com, I never see the intranet.",
    ],
    "leadership": [
        "Seeing our managers use the desk themselves.",
        "Leaders on the floor, not just in emails. The floor walks were good, more of that.",
    ],
    "awareness": [
        "Explain what problem this is fixing for customers, with real examples.",
    ],
    "reinforcement": [
        "Change the quality scorecard so it rewards fixing it first time, like you said.",
        "Recognise people who are getting it right. Kate Morgan in our team has been brilliant.",
    ],
    "none": [
        "Keep the refresher sessions going for new starters.",
        "The buddy shifts have really helped, please keep them.",
        "More of the same. The desk is already much better than the five systems.",
    ],
}


def build(story) -> None:
    rng = story.rng_for("listening")
    refs = story.refs
    today = story.today
    desk = refs.get("programme")
    lead = refs["logins"]["changelead"]
    if apps.is_installed("allaboard.capability"):
        # The training history first, so each answer records whether its writer was formally trained.
        from allaboard.capability.demo import build_training

        build_training(story)
    sites = list(Unit.objects.filter(kind__in=[UnitKind.SITE, UnitKind.PARTNER]).order_by("code"))
    roles = [refs["roles"][name].pk for name in ROLES]
    survey = services.create_survey(
        lead,
        {
            "name": NAME,
            "intro": "Two minutes, every four weeks, while we move to the new desk: where are you, and what "
            "would help? Nobody sees who answered; results are shared with your team once the pulse closes.",
            "instruments": ["adkar", "readiness", "fear", "open"],
            "programme_id": desk.pk if desk else None,
            "audience_unit_ids": [site.pk for site in sites],
            "audience_role_ids": roles,
            "recurrence_weeks": 4,
            "window_days": 10,
            "include_partner": True,
        },
    )
    survey.questions.filter(key="open_stop").delete()  # two open questions keep it under two minutes
    design = aggregates.Design.of(survey)
    _open_survey(survey, today + timedelta(days=WAVES[0][0]))
    units = _units()
    trained = _trained_dates()
    skip_now = {login.person_id for key, login in refs["logins"].items() if key in ("agent", "partner")}
    from allaboard.textinsight.redaction import current_redactor
    from allaboard.textinsight.services import classify_inline

    redact = current_redactor().redact
    cache: dict[str, str] = {}

    def redactor(text: str) -> str:  # the same few dozen texts recur: mask each once
        if text not in cache:
            cache[text] = redact(text)
        return cache[text]

    waves, totals, closed = [], Counter(), Counter()
    classify_inline(True)  # no worker while the demo builds: comments are classified as they arrive
    try:
        for number, (start, end) in enumerate(WAVES, start=1):
            wave = Wave.objects.create(
                survey=survey,
                number=number,
                opens=today + timedelta(days=start),
                closes=today + timedelta(days=end),
                status=WaveStatus.OPEN,
            )
            counts = _answer_wave(
                rng, wave, design, units, trained, today, redactor, skip=skip_now if end >= 0 else set()
            )
            totals.update(counts)
            if wave.closes < today:
                closed.update(counts)
            if wave.closes < today:
                publish(wave)
            waves.append(wave)
    finally:
        classify_inline(False)
    refs["listening"] = {"survey": survey, "waves": waves}
    hidden = _hidden_teams(waves[-2])
    story.facts.append(
        f"Pulse '{NAME}': {len(waves)} waves four weeks apart ({sum(w.closes < today for w in waves)} closed, "
        f"one open now), {totals['responses']:,} responses ({closed['responses'] / max(closed['invited'], 1):.0%} "
        f"of those invited answered the closed waves), {totals['comments']:,} comments; barrier "
        f"points: Knowledge in Leeds Billing and Digital and in Cardiff (rising after its training push), Desire "
        f"at Apex where job-security fear is highest; {hidden} team(s) below k={survey.k} hidden in the last "
        "closed wave"
    )


def _open_survey(survey: Survey, day: date) -> None:
    """What open_wave does to the survey on the first wave: fix its anonymity thresholds."""
    from allaboard.anonymity import min_comment_group_size, min_group_size

    survey.min_group_size = max(survey.min_group_size or 0, min_group_size())
    survey.min_comment_group_size = max(
        survey.min_comment_group_size or 0, min_comment_group_size(), survey.min_group_size
    )
    survey.opened_on = day
    survey.save()


def _units() -> dict[int, tuple[str, int | None, bool]]:
    """unit id -> (code, site or partner id, is partner)."""
    rows = list(Unit.objects.values_list("id", "code", "path", "kind"))
    kind = {pk: k for pk, _code, _path, k in rows}
    out = {}
    for pk, code, path, _kind in rows:
        chain = [int(part) for part in path.split(".") if part]
        site = next((u for u in reversed(chain) if kind[u] in (UnitKind.SITE, UnitKind.PARTNER)), None)
        out[pk] = (code, site, site is not None and kind[site] == UnitKind.PARTNER)
    return out


def _trained_dates() -> dict[int, date] | None:
    if not apps.is_installed("allaboard.capability"):
        return None
    from allaboard.capability.models import FormalTraining

    return dict(FormalTraining.objects.values_list("person_id", "first_completed_on"))


def _tenure(start: date | None, day: date) -> str:
    if not start:
        return "unknown"
    years = (day - start).days / 365.25
    return next(label for limit, label in TENURE_BANDS if limit is None or years < limit)


def _answer_wave(rng, wave, design, units, trained, today, redactor, skip) -> Counter:
    """Invite the audience of the wave, and let about 60-80% of each team answer (fewer in the low teams
    and, for the open wave, only those who have answered so far)."""
    survey = wave.survey
    people = list(
        services.audience(survey, wave.opens).values_list(
            "pk", "unit_id", "job_role_id", "channel", "start_date"
        )
    )
    by_team = defaultdict(list)
    for row in people:
        by_team[row[1]].append(row)
    is_open = wave.closes >= today
    last_day = min(wave.closes, today)
    invitations, answering = [], []
    team_offsets = {}
    for unit_id, members in sorted(by_team.items()):
        code = units[unit_id][0]
        low = wave.number in LOW_TEAMS.get(code, ())
        rate = rng.uniform(0.14, 0.2) if low else rng.uniform(0.6, 0.86) - (0.06 if code[:3] == "APX" else 0)
        if is_open:
            rate *= (today - wave.opens).days / (wave.closes - wave.opens).days + 0.15
        chosen = {pk for pk, *_ in members if pk not in skip and rng.random() < rate}
        if low:
            chosen = set(sorted(chosen)[: survey.k - 1])
        for pk, *_ in members:
            invitations.append(
                Invitation(wave=wave, person_id=pk, unit_id=unit_id, responded=pk in chosen, sends=1)
            )
        answering.extend(row for row in members if row[0] in chosen)
        team_offsets[unit_id] = _team_effect(random.Random(f"listening-team:{code}"))
    Invitation.objects.bulk_create(invitations, batch_size=1000)
    rng.shuffle(answering)  # responses are written in no particular order of people
    responses, answers, tally_rows, comments = [], [], [], []
    for person_id, unit_id, role_id, channel, start in answering:
        code, site_id, partner = units[unit_id]
        levels = _profile(code, wave.number)
        offsets = team_offsets[unit_id]
        values = _person_answers(rng, design, {s: levels.get(s, 3.6) + offsets.get(s, 0.0) for s in levels})
        day = wave.opens + timedelta(days=rng.randint(0, (last_day - wave.opens).days))
        attributes = {
            "tenure": _tenure(start, day),
            "channel": channel or "unknown",
            "role": str(role_id) if role_id else "unknown",
            "trained": "unknown"
            if trained is None
            else ("yes" if trained.get(person_id) and trained[person_id] <= day else "no"),
        }
        part = aggregates.contribution(design, values)
        texts = _comments(rng, design, part, code, wave.number)
        for question_id, text in texts.items():
            values[question_id] = redactor(text)
            part.items[str(question_id)] = {"n": 1, "t": 0, "q": 0, "c": {}}  # as contribution() counts it
        response = Response(
            id=uuid.UUID(int=rng.getrandbits(128), version=4),
            wave=wave,
            submitted_on=day,
            unit_id=unit_id,
            site_id=site_id,
            is_partner=partner,
            tenure_band=attributes["tenure"],
            channel=attributes["channel"],
            job_role_id=role_id,
            barrier=part.barrier if part.barrier not in (None, aggregates.NO_BARRIER) else "",
            reply_key_hash=links.reply_hash(links.new_token()),
        )
        responses.append(response)
        for question_id, value in values.items():
            answer_id = uuid.UUID(int=rng.getrandbits(128), version=4)
            text = value if isinstance(value, str) else ""
            answers.append((answer_id, response.id, question_id, None if text else float(value), text))
            if text:
                comments.append((answer_id, text, response))
        tally_rows.append((unit_id, attributes, part))
    Response.objects.bulk_create(responses, batch_size=1000)
    _insert_answers(answers)
    aggregates.record_many(wave, tally_rows)
    if comments:
        from allaboard.textinsight.services import submit_comments

        submit_comments(
            [
                {
                    "kind": "employee",
                    "source": "listening.answer",
                    "source_id": str(answer_id),
                    "text": text,
                    "unit_id": response.unit_id,
                    "programme_id": survey.programme_id,
                    "wave_key": wave.key,
                    "created_on": response.submitted_on,
                }
                for answer_id, text, response in comments
            ]
        )
    return Counter(invited=len(invitations), responses=len(responses), comments=len(comments))


def _insert_answers(rows: list[tuple]) -> None:
    """Write answers with one INSERT per batch: tens of thousands of rows through the ORM's bulk_create
    spend most of their time building model instances the demo never reads."""
    pk = Answer._meta.pk
    fields = [
        Answer._meta.get_field(name) for name in ("id", "response", "question", "value", "choices", "text")
    ]
    empty = fields[4].get_db_prep_save([], connection)
    quote = connection.ops.quote_name
    # Table and column names come from the model; values are passed as parameters.
    columns = ", ".join(quote(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {quote(Answer._meta.db_table)} ({columns}) VALUES ({marks})"  # noqa: S608
    prepared = [
        (pk.get_db_prep_value(a, connection), pk.get_db_prep_value(r, connection), q, v, empty, t)
        for a, r, q, v, t in rows
    ]
    with connection.cursor() as cursor:
        for start in range(0, len(prepared), 5000):
            cursor.executemany(sql, prepared[start : start + 5000])


def _team_effect(rng) -> dict[str, float]:
    """A team's own lean on each scale, the same in every wave (teams differ, and stay themselves)."""
    return {scale: rng.gauss(0, 0.15) for scale in BASE}


def _person_answers(rng, design, levels: dict[str, float]) -> dict[int, float]:
    """One respondent's rated answers: their own level on each scale around the team's, item noise on
    top; reverse-worded items answered the other way round; commitment follows Desire most."""
    mood = rng.gauss(0, 0.35)
    own = {scale: level + mood + rng.gauss(0, 0.3) for scale, level in levels.items()}
    own[I.OUTCOME_SCALE] = (
        0.4 * own["desire"]
        + 0.15 * own["awareness"]
        + 0.2 * own["ability"]
        + 0.1 * own["knowledge"]
        + 0.15 * own["job_security"]
        + 0.35
        + rng.gauss(0, 0.3)
    )
    out: dict[int, float] = {}
    for question in design.questions:
        if not question.is_rated:
            continue
        if rng.random() < 0.02:  # now and then a question is skipped
            continue
        value = min(5, max(1, round(own.get(question.scale, 3.6) + rng.gauss(0, 0.55))))
        out[question.pk] = question.scored(value)  # mirrored back to the raw answer for reverse items
    return out


def _comments(rng, design, part, code: str, number: int) -> dict[int, str]:
    """What this respondent wrote, from what holds them back (their barrier point, or their site's)."""
    reason = part.barrier if part.barrier not in (None, aggregates.NO_BARRIER) else "none"
    if code[:3] == "LDS" and number <= 2 and reason in ("none", "reinforcement") and rng.random() < 0.5:
        reason = "leadership"
    out = {}
    for question in design.questions:
        if question.key == "open_worries" and rng.random() < WORRY_RATE:
            out[question.pk] = rng.choice(WORRIES.get(reason) or WORRIES["none"])
        elif question.key == "open_help" and rng.random() < HELP_RATE:
            out[question.pk] = rng.choice(HELPS.get(reason) or HELPS["none"])
    return out


def _hidden_teams(wave: Wave) -> int:
    from .models import Tally

    return Tally.objects.filter(
        wave=wave, rollup=True, cut="", unit__kind=UnitKind.TEAM, respondents__lt=wave.survey.k
    ).count()
