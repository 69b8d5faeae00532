"""With real pulses from listening: recommendations from a closed wave, and did it work across two waves."""

from datetime import timedelta

import pytest
from django.apps import apps
from django.test import Client

from allaboard.org.models import Role
from allaboard.playbook import effects, services
from allaboard.playbook.models import ActionStatus, MeasureKind, Recommendation
from allaboard.programmes.tests.factories import ProgrammeFactory

pytestmark = pytest.mark.skipif(
    not apps.is_installed("allaboard.listening"), reason="listening is not installed"
)


@pytest.fixture
def desk_pulse(org):
    """An ADKAR pulse of a programme, open today for the whole test organisation."""
    from django.utils import timezone

    from allaboard.listening import services as listening
    from allaboard.listening.tests.conftest import Pulse

    today = timezone.localdate()
    programme = ProgrammeFactory()
    lead = org.users[Role.CHANGE_LEAD]
    survey = listening.create_survey(
        lead, {"name": "Desk pulse", "instruments": ["adkar"], "programme_id": programme.pk}
    )
    wave = listening.schedule_wave(lead, survey, today, today + timedelta(days=9))
    listening.open_wave(wave, today)
    wave.refresh_from_db()
    return Pulse(survey, wave, today)


def next_wave(pulse, opens, monkeypatch):
    """The survey's next wave, opening on `opens` (a later day: the calendar is moved to it)."""
    from django.utils import timezone

    from allaboard.listening import services as listening
    from allaboard.listening.tests.conftest import Pulse

    monkeypatch.setattr(timezone, "localdate", lambda *args: opens)
    lead = pulse.survey.created_by
    wave = listening.schedule_wave(lead, pulse.survey, opens, opens + timedelta(days=6))
    listening.open_wave(wave, opens)
    wave.refresh_from_db()
    return Pulse(pulse.survey, wave, opens)


def advisors(pulse, team: str):
    """The invitations of a team's five advisors (not its leader): respondents who share every reporting
    attribute, so no filtered cut of theirs needs hiding and the team's own results are shown."""
    return [i for i in pulse.invitations(team) if i.person.job_role.name != "Team leader"]


def answer_leeds(pulse, knowledge: int) -> None:
    """The five advisors of each Leeds team answer: all 4s, with Knowledge as given."""
    for team in ("LDS-T1", "LDS-T2"):
        for invitation in advisors(pulse, team):
            pulse.answer(invitation, 4, adkar_k1=knowledge, adkar_k2=knowledge)


def test_a_knowledge_barrier_in_a_closed_pulse_recommends_training_with_its_evidence(org, desk_pulse):
    answer_leeds(desk_pulse, knowledge=2)
    desk_pulse.close()
    programme = desk_pulse.survey.programme
    services.refresh_recommendations(programme)
    rec = Recommendation.objects.get(
        programme=programme, play__slug="educate-train", unit=org.teams["LDS-T1"]
    )
    texts = [e["text"] for e in rec.evidence]
    assert "Knowledge is the barrier for 100% of respondents in LDS Team 1, n=5." in texts
    assert "Knowledge averages 2.0 out of 5 in LDS Team 1, n=5." in texts
    assert all(e["finding"]["n"] >= 5 for e in rec.evidence)


def test_teams_that_did_not_answer_get_no_recommendation(org, desk_pulse):
    answer_leeds(desk_pulse, knowledge=2)
    desk_pulse.close()
    services.refresh_recommendations(desk_pulse.survey.programme)
    units = set(Recommendation.objects.values_list("unit__code", flat=True))
    assert not units & {"GLA-T1", "GLA-T2", "APX-T1", "APX-T2"}


def test_did_it_work_shows_the_score_before_and_after_with_intervals(org, desk_pulse, monkeypatch):
    answer_leeds(desk_pulse, knowledge=2)
    desk_pulse.close()
    programme = desk_pulse.survey.programme
    services.refresh_recommendations(programme)
    rec = Recommendation.objects.get(
        programme=programme, play__slug="educate-train", unit=org.teams["LDS-T1"]
    )
    lead = org.users[Role.CHANGE_LEAD]
    start = desk_pulse.wave.closes + timedelta(days=1)
    action = services.create_action(
        lead,
        programme,
        {"title": "Desk refresher", "owner": org.people_in("LDS-T1")[1], "due": start + timedelta(days=5)},
        recommendation=rec,
        on=start,
    )
    assert (action.measure_kind, action.measure_metric) == (MeasureKind.ELEMENT_MEAN, "knowledge")
    services.update_action(lead, action, {"status": ActionStatus.IN_PROGRESS}, on=start)
    services.update_action(lead, action, {"status": ActionStatus.DONE}, on=start + timedelta(days=4))
    second = next_wave(desk_pulse, start + timedelta(days=6), monkeypatch)
    for team, levels in (("LDS-T1", [4, 4, 5, 4, 3]), ("LDS-T2", [2, 2, 2, 2, 2])):
        for invitation, level in zip(advisors(second, team), levels, strict=True):
            second.answer(invitation, 4, adkar_k1=level, adkar_k2=level)
    second.close()
    monkeypatch.undo()

    effect = effects.effect_of(action, lead)
    assert (effect.before_wave.id, effect.after_wave.id) == (desk_pulse.wave.pk, second.wave.pk)
    [row] = effect.rows
    assert row.before.estimate == pytest.approx(2.0) and row.after.estimate == pytest.approx(4.0)
    assert row.before.n == row.after.n == 5
    assert row.change.estimate == pytest.approx(2.0) and row.change.larger_than_noise
    # By hand: after 4,4,5,4,3 has mean 4, sum of squared deviations 2, s = sqrt(2/4) = 0.7071; before is all
    # 2s (s = 0), so Welch's degrees of freedom are the after group's, 4. t(0.975, 4) = 2.776445 (any
    # t table); half-width 2.776445 * 0.7071 / sqrt(5) = 0.8780 for both the after mean and the change.
    assert (round(row.before.low, 4), round(row.before.high, 4)) == (2.0, 2.0)
    assert (round(row.after.low, 4), round(row.after.high, 4)) == (3.122, 4.878)
    assert (round(row.change.low, 4), round(row.change.high, 4)) == (1.122, 2.878)
    client = Client()
    client.force_login(lead)
    body = client.get(f"/playbook/actions/{action.pk}/").content.decode()
    assert "A real change" in body and "+2.0" in body and "+1.1 to +2.9" in body
