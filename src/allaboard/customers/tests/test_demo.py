"""The demo chapter tells the rollout's story: a dip after go-live, a theme that grows, named compliments."""

import random
from datetime import date, timedelta

import pytest

from allaboard.customers import demo, services
from allaboard.customers.models import Feedback
from allaboard.demo import Story
from allaboard.org.models import Role, Unit, UnitKind
from allaboard.programmes.models import MilestoneKind
from allaboard.programmes.tests.factories import ImpactFactory, MilestoneFactory, ProgrammeFactory

TODAY = date(2026, 5, 20)


@pytest.fixture
def story(org):
    programme = ProgrammeFactory(name="Omnichannel service desk rollout")
    ImpactFactory(programme=programme, unit=org.root)
    wave1 = MilestoneFactory(
        programme=programme, name="Go-live 1", kind=MilestoneKind.GO_LIVE, due=TODAY - timedelta(days=84)
    )
    wave1.units.set([org.sites["LDS"], org.sites["GLA"]])
    wave2 = MilestoneFactory(
        programme=programme, name="Go-live 2", kind=MilestoneKind.GO_LIVE, due=TODAY - timedelta(days=28)
    )
    wave2.units.set([org.sites["APX"]])
    built = Story(seed=7, size="small", today=TODAY, password="x", rng=random.Random(7))
    built.refs |= {
        "programme": programme,
        "teams": list(Unit.objects.filter(kind=UnitKind.TEAM).order_by("path")),
        "logins": {"agent": org.users[Role.EMPLOYEE]},
    }
    demo.build(built)
    return built


def test_the_demo_holds_a_year_of_feedback_whose_scores_dip_after_go_live(story):
    days = Feedback.objects.dates("date", "day")
    assert days[0] == TODAY - timedelta(days=364) and days.reverse()[0] == TODAY
    wave1 = next(m for m in story.refs["programme"].milestones.all() if m.name == "Go-live 1")
    impact = services.milestone_impact(wave1, today=TODAY)
    assert impact.affected.changes["nps"].estimate < -10  # customers notice the new desk at first
    assert "comments" in story.facts[0]


def test_the_demo_grows_a_new_expectation_and_names_agents_in_compliments(story):
    growth = services.theme_growth(TODAY)
    assert "channel_consistency" in [t.label for t in growth.growing]
    praise = services.compliments(TODAY - timedelta(days=120))
    assert any(c.person_id for c in praise)
    assert any("[name]" in c.text for c in praise if c.person_id)  # the agent's name was masked
