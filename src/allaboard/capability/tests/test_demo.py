"""The demo chapter builds a consistent story: training only while people are employed, a Cardiff push."""

import random
from datetime import date, timedelta

import pytest
from django.db.models import F

from allaboard.capability import demo, services
from allaboard.capability.models import Commitment, Enrolment, EnrolmentStatus, ExceptionRequest
from allaboard.demo import Story
from allaboard.org import demo as org_demo
from allaboard.org.models import Person, Unit
from allaboard.programmes import demo as programmes_demo

pytestmark = pytest.mark.django_db


@pytest.fixture
def story(db):
    today = date(2026, 11, 23)
    story = Story(seed=7, size="small", today=today, password="demo-password-1", rng=random.Random(7))
    org_demo.build(story)
    programmes_demo.build(story)
    demo.build(story)
    return story


def test_training_happens_only_while_people_are_employed(story):
    late = Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED, person__end_date__lt=F("completed_on"))
    early = Enrolment.objects.filter(
        status=EnrolmentStatus.COMPLETED, person__start_date__gt=F("completed_on")
    )
    assert not late.exists() and not early.exists()
    assert not Enrolment.objects.filter(completed_on__gt=story.today).exists()


def test_cardiff_training_push_after_go_live_raises_its_share(story):
    people = Person.objects.filter(unit__path__startswith=_site("CDF").path)
    go_live = story.today - timedelta(days=28)
    before, after = services.trained_series(people, [go_live, story.today]).groups[0].percent
    assert after > before + 20


def test_the_story_has_coaching_decisions_and_commitments(story):
    assert "coaching conversations" in story.facts[-1]
    assert ExceptionRequest.objects.filter(
        person=story.refs["logins"]["agent"].person, status="pending"
    ).exists()
    assert Commitment.objects.filter(leader=story.refs["director"]).exists()
    assert story.refs["courses"]["The new desk: hands-on"].addresses[:2] == ["knowledge", "ability"]


def _site(code):
    return Unit.objects.get(code=code)


def test_training_can_be_built_first_and_only_once(story):
    records = Enrolment.objects.count()
    demo.build_training(story)
    assert Enrolment.objects.count() == records
