"""With the real listening app: responses carry "formally trained when answering", and the capability
dashboard reads Knowledge and Ability for trained vs not-yet-trained people from listening's tallies."""

import datetime

import pytest
from django.utils import timezone

from allaboard.capability import insights, services
from allaboard.org.models import Person, Role
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import CompletionFactory, FormalCourseFactory

listening = pytest.importorskip("allaboard.listening.services")
pytestmark = pytest.mark.django_db

TRAINED_TEAMS = ["LDS-T1", "LDS-T2", "GLA-T1"]
TEAMS = ["LDS-T1", "LDS-T2", "GLA-T1", "GLA-T2", "APX-T1", "APX-T2"]


@pytest.fixture
def pulse(org):
    from allaboard.listening.tests.conftest import Pulse

    today = timezone.localdate()
    course = FormalCourseFactory()
    for person in Person.objects.filter(unit__code__in=TRAINED_TEAMS):
        CompletionFactory(person=person, course=course, completed_on=today - datetime.timedelta(days=20))
    services.refresh_formal_training()
    programme = ProgrammeFactory()
    survey = listening.create_survey(
        org.users[Role.CHANGE_LEAD],
        {"name": "Desk pulse", "instruments": ["adkar"], "programme_id": programme.pk},
    )
    wave = listening.schedule_wave(
        org.users[Role.CHANGE_LEAD], survey, today, today + datetime.timedelta(days=9)
    )
    listening.open_wave(wave, today)
    wave.refresh_from_db()
    return Pulse(survey, wave, today)


def test_a_response_records_whether_the_respondent_was_trained(pulse):
    from allaboard.listening.models import Tally

    trained = pulse.invitations("LDS-T1")[0]
    untrained = pulse.invitations("GLA-T2")[0]
    pulse.answer(trained, 4)
    pulse.answer(untrained, 2)
    cuts = set(Tally.objects.filter(wave=pulse.wave, rollup=False).values_list("unit__code", "cut"))
    assert ("LDS-T1", "trained=yes") in cuts and ("GLA-T2", "trained=no") in cuts


def test_knowledge_and_ability_split_by_training_on_the_dashboard(pulse, client_for, org):
    for code in TEAMS:
        level = 4 if code in TRAINED_TEAMS else 2
        pulse.answer_team(code, [level, level + 1, level, level - 1, level, level])
    pulse.close()
    knowledge, ability = insights.knowledge_ability_by_training(org.users[Role.CHANGE_LEAD])
    assert knowledge.trained.n == 18 and knowledge.untrained.n == 18
    assert knowledge.trained.mean > knowledge.untrained.mean
    assert knowledge.difference.larger_than_noise
    page = client_for(Role.CHANGE_LEAD).get("/capability/").content.decode()
    assert "larger than chance" in page


def test_a_team_leaders_single_team_shows_no_training_split_when_everyone_is_trained(pulse, org):
    pulse.answer_team("LDS-T1", [4, 4, 4, 4, 4, 4])
    pulse.close()
    gaps = insights.knowledge_ability_by_training(org.users[Role.TEAM_LEADER])
    assert gaps is None or all(gap.untrained is None for gap in gaps)
