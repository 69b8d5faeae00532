"""The listening chapter of the demo tells the pulse's story: four waves, barriers that differ between sites,
recovery where something was done, small teams hidden, comments redacted and classified.

The foundation chapters (org, programmes) and this chapter are built once for the module, by the real
chapter code, and rolled back at the end."""

import importlib
import random
import re
from collections import Counter
from datetime import date, timedelta

import pytest
from django.db import transaction

from allaboard.demo import Story
from allaboard.listening import demo, results
from allaboard.listening.models import Answer, Invitation, Response, Tally, WaveStatus
from allaboard.org.models import Unit, UnitKind
from allaboard.textinsight.redaction import EMAIL_RE, PHONE_DIGITS, PHONE_RE

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def story(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock(), transaction.atomic():
        built = Story(seed=7, size="small", today=TODAY, password="x", rng=random.Random(7))
        for app in ("allaboard.org", "allaboard.programmes", "allaboard.listening"):
            importlib.import_module(f"{app}.demo").build(built)
        yield built
        transaction.set_rollback(True)


@pytest.fixture
def waves(story, db):
    return story.refs["listening"]["waves"]


def _row(wave, code: str) -> Tally:
    return Tally.objects.get(wave=wave, unit__code=code, cut="", rollup=True)


def _modal_barrier(row: Tally) -> str:
    counts = Counter({k: v for k, v in row.barriers.items() if k != "none"})
    return counts.most_common(1)[0][0]


def _mean(row: Tally, scale: str) -> float:
    stat = row.scales[scale]
    return stat["t"] / stat["n"]


def test_four_waves_four_weeks_apart_three_closed_and_published_one_open_today(waves):
    assert [w.number for w in waves] == [1, 2, 3, 4]
    assert all(b.opens - a.opens == timedelta(weeks=4) for a, b in zip(waves, waves[1:], strict=False))
    *closed, current = waves
    assert all(w.status == WaveStatus.CLOSED and w.published and w.closes < TODAY for w in closed)
    assert current.status == WaveStatus.OPEN and current.opens <= TODAY <= current.closes
    assert not current.published


def test_participation_is_60_to_80_percent_and_matches_the_responses(waves):
    for wave in waves[:3]:
        invited = Invitation.objects.filter(wave=wave).count()
        responded = Invitation.objects.filter(wave=wave, responded=True).count()
        assert Response.objects.filter(wave=wave).count() == responded
        assert 0.6 <= responded / invited <= 0.8, (wave.number, responded, invited)
    # Partner staff were invited too.
    assert Invitation.objects.filter(wave=waves[0], unit__code__startswith="APX").exists()


def test_the_demo_logins_have_not_answered_the_open_wave(story, waves):
    for key in ("agent", "partner"):
        invitation = Invitation.objects.get(wave=waves[-1], person=story.refs["logins"][key].person)
        assert not invitation.responded


def test_a_team_below_k_is_hidden_everywhere(story, waves):
    lead = story.refs["logins"]["changelead"]
    night = Unit.objects.get(code="GLA-D4-T02")
    for wave in waves[:3]:
        row = _row(wave, "GLA-D4-T02")
        assert 0 < row.respondents < wave.survey.k
        assert row.visible is False
        means = results.team_element_means(wave.survey.programme_id, "knowledge", wave.pk)
        assert means[night.pk] is None
        heat = results.heatmap(lead, wave, unit_id=night.parent_id)
        hidden = [r for r in heat.rows if r.unit.pk == night.pk]
        assert hidden and hidden[0].cells == {} and hidden[0].respondents == 0 and hidden[0].reason


def test_barrier_points_differ_between_sites_as_the_story_says(waves):
    first = waves[0]
    assert _modal_barrier(_row(first, "APX")) == "desire"
    assert _modal_barrier(_row(first, "LDS-D2")) == "knowledge"
    assert _modal_barrier(_row(first, "CDF")) == "knowledge"
    assert _modal_barrier(_row(first, "GLA")) == "ability"
    # Job-security fear is highest (the score lowest) at the partner.
    security = {code: _mean(_row(first, code), "job_security") for code in ("LDS", "GLA", "CDF", "APX")}
    assert min(security, key=security.get) == "APX"


def test_scores_recover_where_something_was_done(waves):
    w1, w2, w3 = waves[:3]
    # Cardiff's training push between pulses 2 and 3.
    assert _mean(_row(w3, "CDF"), "knowledge") - _mean(_row(w2, "CDF"), "knowledge") > 0.5
    # Leeds floor walks: leadership support rises pulse by pulse.
    leeds = [_mean(_row(w, "LDS"), "leadership_support") for w in (w1, w2, w3)]
    assert leeds == sorted(leeds) and leeds[2] - leeds[0] > 0.5
    # Nothing was done yet for the partner's fear: Desire stays the barrier.
    assert _modal_barrier(_row(w3, "APX")) == "desire"


def test_cardiff_teams_read_low_knowledge_in_pulse_2_for_the_playbook(story, waves):
    programme = story.refs["programme"]
    means = results.team_element_means(programme.pk, "knowledge", waves[1].pk)
    cardiff = Unit.objects.get(code="CDF").subtree().filter(kind=UnitKind.TEAM)
    assert any(means.get(t.pk) is not None and means[t.pk].mean <= 3.0 for t in cardiff)
    assert results.latest_wave(programme.pk) == waves[2]


def _unmasked_phone(text: str) -> bool:
    return any(
        PHONE_DIGITS[0] <= sum(c.isdigit() for c in m.group()) <= PHONE_DIGITS[1]
        for m in PHONE_RE.finditer(text)
    )


def test_comments_are_redacted_and_classified(waves):
    from allaboard.textinsight.models import Comment
    from allaboard.textinsight.services import _inline

    texts = list(Answer.objects.exclude(text="").values_list("text", flat=True))
    assert len(texts) > 300
    assert not [t for t in texts if EMAIL_RE.search(t) or _unmasked_phone(t)]
    assert any("[phone]" in t for t in texts) and any("[email]" in t for t in texts)
    assert any("[name]" in t for t in texts)
    assert not any(re.search(r"\bPriya Patel\b|\bKate Morgan\b", t) for t in texts)
    comments = Comment.objects.filter(source="listening.answer")
    assert comments.count() == len(texts)
    assert not comments.filter(classified_at__isnull=True).exists()
    assert comments.exclude(wave_key="").count() == len(texts)
    assert not getattr(_inline, "on", False)  # the chapter switched inline classification off again


def test_the_story_states_the_pulse_facts(story):
    fact = next(f for f in story.facts if demo.NAME in f)
    assert "responses" in fact and "Desire at Apex" in fact
