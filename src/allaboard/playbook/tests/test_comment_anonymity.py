"""Comment evidence counts respondents, not comments, and follows listening's comment rule (PRODUCT.md, privacy):
closed waves only, at least the comment threshold of respondents, nothing a subtraction could reveal.

Real pulses: people answer through listening, their open answers become textinsight comments, and the tests
label those comments by hand (the model's reading is not what is under test). Attack tests: one person
writing many comments, a group just under the threshold, an open wave, and a team that differs from its
partner by one respondent."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.utils import timezone

from allaboard.org.models import Role
from allaboard.org.tests.factories import PersonFactory
from allaboard.playbook import effects, gather, services
from allaboard.playbook.models import Recommendation
from allaboard.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.skipif(
    not (apps.is_installed("allaboard.listening") and apps.is_installed("allaboard.textinsight")),
    reason="listening and textinsight are needed",
)

OPEN_ITEMS = ("open_worries", "open_help", "open_stop")


@pytest.fixture
def pulse(org):
    """An ADKAR pulse with open questions for a programme, open today for the whole organisation."""
    from allaboard.listening import services as listening

    today = timezone.localdate()
    lead = org.users[Role.CHANGE_LEAD]
    survey = listening.create_survey(
        lead,
        {"name": "Partner pulse", "instruments": ["adkar", "open"], "programme_id": ProgrammeFactory().pk},
    )
    wave = listening.schedule_wave(lead, survey, today, today + timedelta(days=9))
    return survey, wave, today


def opened(pulse):
    from allaboard.listening import services as listening
    from allaboard.listening.tests.conftest import Pulse

    survey, wave, today = pulse
    listening.open_wave(wave, today)
    wave.refresh_from_db()
    return Pulse(survey, wave, today)


def respond(pulse, invitation, labels: list[str]) -> None:
    """The invited person answers; each label given becomes one open comment of theirs, labelled so."""
    from allaboard.textinsight.models import Comment, Dimension, Tag

    texts = {
        key: f"{invitation.pk} says {label} ({key})" for key, label in zip(OPEN_ITEMS, labels, strict=False)
    }
    pulse.answer(invitation, 4, **texts)
    for key, label in zip(OPEN_ITEMS, labels, strict=False):
        comment = Comment.objects.get(text=texts[key])
        comment.tags.all().delete()
        Tag.objects.create(comment=comment, dimension=Dimension.TOPIC, label=label, confidence=0.9)
        comment.classified_at = timezone.now()
        comment.save(update_fields=["classified_at"])


def partner_answers(pulse, org, labels_by_person: list[list[str]]) -> None:
    """The partner's twelve people answer, in order; person i writes the comments labels_by_person[i]."""
    invitations = pulse.invitations("APX-T1") + pulse.invitations("APX-T2")
    assert len(invitations) == 12
    for invitation, labels in zip(invitations, labels_by_person + [[]] * 12, strict=False):
        respond(pulse, invitation, labels)


def sources(programme):
    return {
        (f.unit_id, f.metric): (f.rank, round(f.value, 6), f.n)
        for f in gather.comment_findings(programme, None)
    }


def test_one_person_writing_many_comments_is_still_one_respondent(org, pulse):
    # Twelve comments about job security, but from four people: below the comment threshold of 10.
    p = opened(pulse)
    partner_answers(p, org, [["job", "job", "job"]] * 4)
    p.close()
    assert gather.comment_findings(p.survey.programme, None) == []


def test_shares_count_each_respondent_once_per_source(org, pulse):
    # Ten of the partner's twelve people comment. One writes three comments about job security, two write
    # one each: 3 of 10 respondents name job security (30%), though it is 5 of 14 comments (36%).
    # Seven name the tools: 7 of 10 (70%). Hand-computed from the counts above.
    p = opened(pulse)
    partner_answers(p, org, [["job", "job", "job"], ["job"], ["job"]] + [["tools"]] * 7)
    p.close()
    partner = org.sites["APX"]
    assert sources(p.survey.programme) == {
        (partner.pk, "tools"): (1, 0.7, 10),
        (partner.pk, "job"): (2, 0.3, 10),
    }


def test_the_recommendation_cites_respondents_at_the_partner(org, pulse):
    p = opened(pulse)
    partner_answers(p, org, [["job", "job", "job"], ["job"], ["job"], ["job"]] + [["tools"]] * 6)
    p.close()
    programme = p.survey.programme
    services.refresh_recommendations(programme)
    partner = org.sites["APX"]
    texts = [e["text"] for e in Recommendation.objects.get(play__slug="address-fear", unit=partner).evidence]
    assert "Job security is named by 40% of the 10 respondents who commented in Apx." in texts
    top = Recommendation.objects.get(play__slug="engage-partners", unit=partner).evidence
    assert (
        "Tools and process is the top resistance source at Apx, named by 60% of the 10 respondents who commented."
        in [e["text"] for e in top]
    )
    comment_evidence = [
        e["finding"]
        for r in Recommendation.objects.all()
        for e in r.evidence
        if e["finding"]["kind"] == "source_share"
    ]
    assert comment_evidence and all(f["n"] >= 10 and f["unit_id"] == partner.pk for f in comment_evidence)


def test_nine_commenters_among_twelve_respondents_are_too_few(org, pulse):
    p = opened(pulse)
    partner_answers(p, org, [["job"]] * 9)
    p.close()
    assert gather.comment_findings(p.survey.programme, None) == []


def test_no_evidence_from_a_wave_that_has_not_closed(org, pulse):
    p = opened(pulse)
    partner_answers(p, org, [["job"]] * 12)
    assert gather.comment_findings(p.survey.programme, None) == []
    # Even a wave marked published is not read while it is open.
    type(p.wave).objects.filter(pk=p.wave.pk).update(published=True)
    assert gather.comment_findings(p.survey.programme, None) == []


def test_a_team_one_respondent_away_from_its_partner_is_never_shown_beside_it(org, pulse):
    # APX-T1 grows to eleven people and all answer; one person of APX-T2 answers. The partner (12) and
    # APX-T1 (11) both reach the threshold, but side by side they would give away the one APX-T2
    # respondent's comment ("loss") by subtraction. Listening hides one of them for comments; so must we.
    team = org.teams["APX-T1"]
    PersonFactory.create_batch(5, unit=team, manager=team.leader)
    p = opened(pulse)
    t1 = p.invitations("APX-T1")
    assert len(t1) == 11
    for invitation in t1:
        respond(p, invitation, ["job"])
    respond(p, p.invitations("APX-T2")[0], ["loss"])
    p.close()
    found = gather.comment_findings(p.survey.programme, None)
    units = {f.unit_id for f in found}
    assert not {team.pk, org.sites["APX"].pk} <= units
    by_unit = {}
    for f in found:
        by_unit.setdefault(f.unit_id, f.n)
    counts = sorted(by_unit.values())
    assert all(not 0 < b - a < 10 for i, a in enumerate(counts) for b in counts[i + 1 :])


def test_did_it_work_reads_source_shares_by_respondent(org, pulse):
    # The partner as the action's group is not a team; the reader works per team, so a team of twelve.
    team = org.teams["APX-T1"]
    PersonFactory.create_batch(6, unit=team, manager=team.leader)
    p = opened(pulse)
    invitations = p.invitations("APX-T1")
    assert len(invitations) == 12
    for invitation, labels in zip(
        invitations, [["job", "job", "job"]] + [["job"]] * 3 + [["tools"]] * 8, strict=True
    ):
        respond(p, invitation, labels)
    p.close()
    wave = effects.Wave(p.wave.pk, p.wave.key, str(p.wave), p.wave.opens, p.wave.closes)
    reading = effects.read_source_share(p.survey.programme_id, "job", wave, [team])[team.pk]
    # 4 of 12 respondents (not 6 of 14 comments); Wilson's (1927) 95% score interval for 4/12, by hand:
    # centre (1/3 + z²/24) / (1 + z²/12) = 0.3737, half-width z·sqrt(1/3·2/3/12 + z²/576) / (1 + z²/12) = 0.2356,
    # z = 1.959964 (Newcombe 1998, Statistics in Medicine 17:857, method 3): 0.1381 to 0.6094.
    assert (reading.successes, reading.n) == (4, 12)
    assert reading.estimate == pytest.approx(4 / 12)
    assert (reading.low, reading.high) == (pytest.approx(0.1381, abs=5e-4), pytest.approx(0.6094, abs=5e-4))


def test_listening_comments_page_and_the_playbook_share_one_rule(org, pulse):
    from allaboard.listening import results

    p = opened(pulse)
    partner_answers(p, org, [["job"]] * 12)
    lead = org.users[Role.CHANGE_LEAD]
    assert results.comments(lead, p.wave, org.sites["APX"].pk).reason == results.NOT_PUBLISHED
    p.close()
    p.wave.refresh_from_db()
    shown = results.comments(lead, p.wave, org.sites["APX"].pk)
    assert shown.allowed and len(shown.comments) == 12
    small = results.comments(lead, p.wave, org.teams["APX-T1"].pk)
    assert not small.allowed and "at least 10 respondents" in small.reason
    assert results.comment_scope(p.wave, org.teams["APX-T1"]) is None
    assert results.comment_scope(p.wave, org.sites["APX"]).respondents == 12
