"""The demo chapter tells the rollout's story: S-curves, one team stalls and recovers after a decision,
one is stalled now, defects are reported and fixed."""

import random
from datetime import date

import pytest

from allaboard.adoption import demo, services
from allaboard.adoption.models import Defect, DefectStatus, StallAlert
from allaboard.demo import Story
from allaboard.org.models import Role, Unit, UnitKind
from allaboard.programmes.tests.factories import ProgrammeFactory

TODAY = date(2026, 5, 20)


@pytest.fixture
def story(org):
    built = Story(seed=7, size="small", today=TODAY, password="x", rng=random.Random(7))
    built.refs |= {
        "programme": ProgrammeFactory(name="Omnichannel service desk rollout"),
        "teams": list(Unit.objects.filter(kind=UnitKind.TEAM).order_by("path")),
        "logins": {"agent": org.users[Role.EMPLOYEE], "changelead": org.users[Role.CHANGE_LEAD]},
        "wave_sites": {1: [org.sites["LDS"], org.sites["GLA"]], 2: [org.sites["APX"]]},
    }
    demo.build(built)
    return built


def test_one_team_stalled_was_decided_on_and_recovered(story):
    team = story.refs["adoption"]["stalled_then"]
    alert = StallAlert.objects.get(unit=team)
    decision = story.refs["adoption"]["tool"].decisions.get(unit=team)
    assert alert.raised_on < decision.decided_on and alert.cleared_on is not None
    assert decision.alert == alert
    ids = services.team_people([team.pk], TODAY)[team.pk]
    effect = services.decision_effect(decision, ids, TODAY)
    assert effect.after > effect.before


def test_one_team_is_stalled_now(story):
    team = story.refs["adoption"]["stalled_now"]
    assert StallAlert.objects.get(unit=team).cleared_on is None
    finding = next(f for f in services.findings(story.refs["programme"].pk) if f["unit_id"] == team.pk)
    assert finding["value"] < 0.6  # low enough for the playbook's change-direction rule


def test_defects_are_reported_and_some_fixed(story):
    statuses = set(Defect.objects.values_list("status", flat=True))
    assert DefectStatus.FIXED in statuses and DefectStatus.FIXING in statuses
    assert Defect.objects.filter(reporter=None).exists()  # one reported anonymously
