"""Catalogue, sessions, attendance, the dashboard and its API, and what the playbook asks for."""

import json
from datetime import date
from decimal import Decimal

import pytest

from allaboard.capability import services
from allaboard.capability.models import Course, Enrolment, FormalTraining
from allaboard.errors import InputError
from allaboard.org.models import AuditEntry, Role

from .factories import CompletionFactory, CourseFactory, FormalCourseFactory, SessionFactory

pytestmark = pytest.mark.django_db


def test_a_change_lead_adds_a_formal_course(client_for):
    response = client_for(Role.CHANGE_LEAD).post(
        "/capability/courses/new/",
        {
            "name": "Change management for leaders",
            "formal_change_management": "on",
            "delivery": "third_party",
            "provider": "Prosci partner",
            "duration_hours": "14",
            "addresses": ["knowledge", "leadership"],
            "active": "on",
        },
    )
    assert response.status_code == 302
    course = Course.objects.get()
    assert course.formal_change_management and course.addresses == ["knowledge", "leadership"]
    assert AuditEntry.objects.filter(object_type="capability.Course", action="create").exists()


def test_a_course_with_a_bad_duration_is_not_saved(client_for):
    response = client_for(Role.ADMIN).post("/capability/courses/new/", {"name": "X", "duration_hours": "abc"})
    assert response.status_code == 400 and "is not a number" in response.content.decode()
    assert not Course.objects.exists()


def test_api_refuses_an_unknown_tag(client_for):
    response = client_for(Role.ADMIN).post(
        "/api/v1/capability/courses",
        json.dumps({"name": "X", "duration_hours": 2, "addresses": ["telepathy"]}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "addresses"


def test_sessions_have_a_capacity(org):
    session = SessionFactory(capacity=1)
    first, second = org.people_in("GLA-T1")[:2]
    services.enrol(None, session, first)
    with pytest.raises(InputError, match="full"):
        services.enrol(None, session, second)


def test_recording_a_completion_on_the_session_page(client_for, org):
    session = SessionFactory(
        course=FormalCourseFactory(duration_hours=Decimal("3.5")), starts_on=date(2025, 6, 2)
    )
    person = org.people_in("GLA-T1")[0]
    client = client_for(Role.CHANGE_LEAD)
    assert (
        client.post(f"/capability/sessions/{session.pk}/enrol/", {"person": person.email}).status_code == 302
    )
    enrolment = Enrolment.objects.get()
    response = client.post(
        f"/capability/enrolments/{enrolment.pk}/outcome/",
        {"status": "completed", "score": "82", "confidence_before": "2", "confidence_after": "4"},
    )
    assert response.status_code == 302
    enrolment.refresh_from_db()
    assert enrolment.completed_on == date(2025, 6, 2) and enrolment.hours_attended == Decimal("3.50")
    assert (enrolment.confidence_before, enrolment.confidence_after) == (2, 4)
    assert FormalTraining.objects.get(person=person).first_completed_on == date(2025, 6, 2)
    assert "Confidence" in client.get(f"/capability/sessions/{session.pk}/").content.decode()


def test_an_outcome_with_a_confidence_of_seven_is_refused(client_for, org):
    enrolment = Enrolment.objects.create(course=CourseFactory(), person=org.people_in("GLA-T1")[0])
    response = client_for(Role.ADMIN).patch(
        f"/api/v1/capability/enrolments/{enrolment.pk}",
        json.dumps({"confidence_after": 7}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "confidence_after"


def test_partner_staff_can_be_trained(org):
    partner_person = org.people_in("APX-T1")[0]
    CompletionFactory(person=partner_person, course=FormalCourseFactory(), completed_on=date.today())
    services.refresh_formal_training([partner_person.pk])
    series = services.trained_series(services.Person.objects.all(), [date.today()], "partner")
    apex = next(g for g in series.groups if g.label == "Apx")
    assert apex.trained == [1]


def test_the_dashboard_states_both_definitions_and_draws_a_line(client_for):
    page = client_for(Role.SPONSOR).get("/capability/").content.decode()
    assert "on or before it, out of everyone working here that day" in page
    assert "divided by 7.5 hours per training day" in page
    assert 'id="trained-data"' in page and "chart-4.6.1.umd.min.js" in page


def test_a_team_leader_sees_only_their_teams_in_the_metrics(client_for, org):
    body = (
        client_for(Role.TEAM_LEADER).get("/api/v1/capability/metrics/percent-trained", {"by": "team"}).json()
    )
    assert [g["label"] for g in body["groups"]] == ["LDS Team 1"]
    assert body["groups"][0]["active"][-1] == 6
    everyone = client_for(Role.CHANGE_LEAD).get("/api/v1/capability/metrics/percent-trained").json()
    assert everyone["groups"][0]["active"][-1] == 38  # 6 teams x 6, plus the change lead and the director


def test_an_unknown_cut_is_a_400(client_for):
    response = client_for(Role.ADMIN).get("/api/v1/capability/metrics/percent-trained", {"by": "shoe size"})
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "by"


def test_training_days_api_reports_this_year_so_far(client_for, org):
    person = org.people_in("GLA-T1")[0]
    CompletionFactory(
        person=person, course=FormalCourseFactory(), completed_on=date.today(), hours_attended=Decimal("15")
    )
    body = client_for(Role.CHANGE_LEAD).get("/api/v1/capability/metrics/training-days", {"years": 1}).json()
    (year,) = body["years"]
    assert year["year"] == date.today().year and year["days"] == 2.0 and body["hours_per_day"] == 7.5


def test_employees_see_the_catalogue_and_their_own_record_only(client_for, org):
    agent = org.users[Role.EMPLOYEE].person
    other = org.people_in("GLA-T1")[0]
    course = CourseFactory(name="Active listening")
    CompletionFactory(person=agent, course=course)
    CompletionFactory(person=other, course=course)
    client = client_for(Role.EMPLOYEE)
    assert "Active listening" in client.get("/capability/courses/").content.decode()
    records = client.get("/api/v1/capability/enrolments").json()
    assert [r["person_id"] for r in records] == [agent.pk]


def test_suggested_courses_match_an_element_or_a_source():
    knowledge = CourseFactory(name="The new desk, hands on", addresses=["knowledge", "ability", "skills"])
    CourseFactory(name="Why we are changing", addresses=["awareness", "why"])
    CourseFactory(name="Retired", addresses=["knowledge"], active=False)
    assert services.suggested_courses("Knowledge") == [knowledge]
    assert services.suggested_courses("skills") == [knowledge]
    assert services.suggested_courses("fatigue") == []


def test_the_home_page_shows_the_training_panel_to_leaders(client_for):
    assert "Formal change-management training" in client_for(Role.SPONSOR).get("/").content.decode()
    assert "Formal change-management training" not in client_for(Role.EMPLOYEE).get("/").content.decode()


def test_every_page_renders_for_a_change_lead(client_for):
    client = client_for(Role.CHANGE_LEAD)
    course = FormalCourseFactory()
    for url in [
        "/capability/",
        "/capability/?by=role",
        "/capability/courses/",
        f"/capability/courses/{course.pk}/",
        "/capability/import/",
        "/capability/coaching/coverage/",
        "/capability/decisions/",
        "/capability/decisions/report/",
        "/capability/commitments/",
    ]:
        assert client.get(url).status_code == 200, url


def test_formally_trained_on_a_day(org):
    person = org.people_in("GLA-T2")[0]
    CompletionFactory(person=person, course=FormalCourseFactory(), completed_on=date(2025, 3, 1))
    CompletionFactory(person=person, course=CourseFactory(), completed_on=date(2025, 1, 1))
    services.refresh_formal_training([person.pk])
    assert not services.formally_trained_on(person.pk, date(2025, 2, 28))
    assert services.formally_trained_on(person.pk, date(2025, 3, 1))
