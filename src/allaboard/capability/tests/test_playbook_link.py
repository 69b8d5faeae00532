"""The playbook's educate-and-train recommendation lists the catalogue's courses for its evidence."""

from datetime import date, timedelta

import pytest

from allaboard.capability import services
from allaboard.org.models import Role
from allaboard.playbook.models import Play
from allaboard.playbook.tests.factories import PlayFactory, RecommendationFactory, finding

from .factories import CourseFactory, SessionFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalogue():
    knowledge = CourseFactory(name="The new desk, hands on", addresses=["knowledge"])
    skills = CourseFactory(name="Confidence on live contacts", addresses=["skills", "knowledge"])
    CourseFactory(name="Pacing yourself", addresses=["fatigue"])
    CourseFactory(name="Retired desk course", addresses=["knowledge"], active=False)
    SessionFactory(course=knowledge, starts_on=date.today() + timedelta(days=3))
    return knowledge, skills


def _evidence(*metrics):
    return [{"rule": m, "text": m, "finding": finding(metric=m).snapshot()} for m in metrics]


def test_courses_match_the_elements_and_sources_the_evidence_names(catalogue):
    knowledge, skills = catalogue
    tags, found = services.courses_for_evidence(_evidence("knowledge", "skills"))
    assert tags == ["knowledge", "skills"]
    assert [s.course for s in found] == [skills, knowledge]  # matching both first
    assert found[1].next_session.course == knowledge and found[0].next_session is None


def test_evidence_about_something_no_course_addresses_suggests_nothing(catalogue):
    assert services.courses_for_evidence(_evidence("response_rate")) == ([], [])


def test_the_recommendation_page_lists_matching_courses(client_for, org, catalogue):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])  # Knowledge is the barrier
    page = client_for(Role.CHANGE_LEAD).get(rec.get_absolute_url()).content.decode()
    assert "Courses in the catalogue for Knowledge" in page
    assert "The new desk, hands on" in page and "Confidence on live contacts" in page
    assert "Pacing yourself" not in page and "Retired desk course" not in page


def test_the_page_says_when_no_course_is_tagged_yet(client_for, org):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    page = client_for(Role.CHANGE_LEAD).get(rec.get_absolute_url()).content.decode()
    assert "No active course is tagged as helping with knowledge yet" in page


def test_other_plays_show_no_courses(client_for, org, catalogue):
    play = PlayFactory()
    assert play.strategy != "educate" and Play.objects.filter(slug="educate-train").exists()
    rec = RecommendationFactory(unit=org.teams["LDS-T1"], play=play)
    page = client_for(Role.CHANGE_LEAD).get(rec.get_absolute_url()).content.decode()
    assert "Courses in the catalogue" not in page
