"""What each role reads through the capability API, beyond yes/no (core/tests/test_route_permissions.py
checks that every route answers every role with the right status): listings return only the rows the
role may see. Individual training records are personal: a sponsor reads training through the metrics only.
"""

import pytest

from allaboard.core.tests.routes import LEADERS
from allaboard.org.models import Role

from .factories import (
    AgreedActionFactory,
    CoachingConversationFactory,
    CourseFactory,
    DecisionRightFactory,
    EnrolmentFactory,
    ExceptionRequestFactory,
    SessionFactory,
)

pytestmark = pytest.mark.django_db
ROLES = list(Role.values)


@pytest.fixture
def records(org):
    """One enrolment for each of: the agent (LDS-T1, the team leader's team), someone in Glasgow, the
    sponsor and the change lead."""
    course = CourseFactory()
    people = {
        "agent": org.users[Role.EMPLOYEE].person,
        "glasgow": org.people_in("GLA-T1")[1],
        "sponsor": org.users[Role.SPONSOR].person,
        "change_lead": org.users[Role.CHANGE_LEAD].person,
    }
    return {who: EnrolmentFactory(person=person, course=course).pk for who, person in people.items()}


SEES = {
    Role.ADMIN: {"agent", "glasgow", "sponsor", "change_lead"},
    Role.CHANGE_LEAD: {"agent", "glasgow", "sponsor", "change_lead"},
    Role.SPONSOR: {"sponsor"},
    Role.TEAM_LEADER: {"agent"},
    Role.EMPLOYEE: {"agent"},
}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_only_the_enrolments_it_may_read(role, client_for, records):
    body = client_for(role).get("/api/v1/capability/enrolments").json()
    seen = {who for who, pk in records.items() if pk in {e["id"] for e in body}}
    assert seen == SEES[role]


@pytest.mark.parametrize("role", [Role.SPONSOR, Role.EMPLOYEE, Role.TEAM_LEADER])
def test_asking_for_someone_elses_enrolments_by_person_returns_nothing(role, client_for, org, records):
    glasgow = org.people_in("GLA-T1")[1]
    body = client_for(role).get("/api/v1/capability/enrolments", {"person_id": glasgow.pk}).json()
    assert body == []


def test_a_sponsor_cannot_read_a_session_with_its_enrolments(client_for, org, records):
    session = SessionFactory()
    EnrolmentFactory(person=org.users[Role.EMPLOYEE].person, session=session, course=session.course)
    response = client_for(Role.SPONSOR).get(f"/api/v1/capability/sessions/{session.pk}")
    assert response.status_code == 403
    assert client_for(Role.SPONSOR).get(f"/capability/sessions/{session.pk}/").status_code == 403


@pytest.mark.parametrize("role", ROLES)
def test_coaching_notes_are_read_only_by_the_team_leader(role, client_for, org):
    conversation = CoachingConversationFactory(
        person=org.users[Role.EMPLOYEE].person, coach=org.teams["LDS-T1"].leader
    )
    listing = client_for(role).get("/api/v1/capability/coaching/conversations")
    single = client_for(role).get(f"/api/v1/capability/coaching/conversations/{conversation.pk}")
    if role == Role.TEAM_LEADER:
        assert [c["id"] for c in listing.json()] == [conversation.pk] and single.status_code == 200
    else:
        assert listing.status_code == 403 and single.status_code in (403, 404)


@pytest.mark.parametrize("role", ROLES)
def test_agreed_actions_are_the_agents_own(role, client_for, org):
    AgreedActionFactory(
        conversation=CoachingConversationFactory(
            person=org.users[Role.EMPLOYEE].person, coach=org.teams["LDS-T1"].leader
        ),
        text="Use the history panel",
    )
    texts = [a["text"] for a in client_for(role).get("/api/v1/capability/my/actions").json()]
    assert texts == (["Use the history panel"] if role == Role.EMPLOYEE else [])


@pytest.mark.parametrize("role", ROLES)
def test_exception_requests_are_seen_by_the_requester_and_their_team_leader(role, client_for, org):
    agent = org.users[Role.EMPLOYEE].person
    request = ExceptionRequestFactory(person=agent, right=DecisionRightFactory(job_role=agent.job_role))
    ids = [e["id"] for e in client_for(role).get("/api/v1/capability/exceptions").json()]
    assert ids == ([request.pk] if role in (Role.EMPLOYEE, Role.TEAM_LEADER) else [])


@pytest.mark.parametrize("role", ROLES)
def test_inactive_courses_are_listed_only_for_those_who_manage_the_catalogue(role, client_for):
    CourseFactory(name="Retired course", active=False)
    names = [c["name"] for c in client_for(role).get("/api/v1/capability/courses").json()]
    assert ("Retired course" in names) == (role in (Role.ADMIN, Role.CHANGE_LEAD))


@pytest.mark.parametrize("role", ROLES)
def test_team_counts_are_for_leaders_and_carry_no_names(role, client_for, org):
    for path in ("/api/v1/capability/coaching/coverage", "/api/v1/capability/decision-report"):
        response = client_for(role).get(path)
        if role not in LEADERS:
            assert response.status_code == 403
            continue
        assert response.status_code == 200
        assert all(set(row) >= {"unit_id", "people", "hidden"} for row in response.json())
        assert org.users[Role.EMPLOYEE].person.family_name not in response.content.decode()
