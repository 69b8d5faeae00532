"""Coaching: leaders record conversations for their own people; agents see only their own agreed actions."""

import json
from datetime import date, timedelta

import pytest

from allaboard.capability import services
from allaboard.capability.models import CoachingConversation
from allaboard.org.models import AuditEntry, Role

from .factories import AgreedActionFactory, CoachingConversationFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def team(org):
    leader = org.teams["LDS-T1"].leader
    people = [p for p in org.people_in("LDS-T1") if p.pk != leader.pk]
    return leader, people


def test_a_team_leader_records_a_conversation_with_actions(client_for, team):
    leader, people = team
    response = client_for(Role.TEAM_LEADER).post(
        "/capability/coaching/new/",
        {
            "person": people[0].pk,
            "held_on": TODAY.isoformat(),
            "focus": "Owning the case on the new desk",
            "observations": "Transferred two chats that could have been resolved.",
            "action_text": ["Resolve before transferring", ""],
            "action_due": [(TODAY + timedelta(days=7)).isoformat(), ""],
            "follow_up_on": (TODAY + timedelta(days=14)).isoformat(),
        },
    )
    assert response.status_code == 302
    conversation = CoachingConversation.objects.get()
    assert conversation.coach == leader and conversation.actions.count() == 1
    assert AuditEntry.objects.filter(action="create", object_type="capability.CoachingConversation").exists()


def test_a_team_leader_cannot_coach_someone_outside_their_teams(client_for, org):
    outsider = org.people_in("GLA-T1")[0]
    response = client_for(Role.TEAM_LEADER).post(
        "/api/v1/capability/coaching/conversations",
        json.dumps({"person_id": outsider.pk, "focus": "Empathy"}),
        content_type="application/json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "person_id"
    assert not CoachingConversation.objects.exists()


def test_due_list_shows_people_without_a_conversation_for_n_days(team):
    leader, people = team
    CoachingConversationFactory(person=people[0], coach=leader, held_on=TODAY - timedelta(days=3))
    CoachingConversationFactory(person=people[1], coach=leader, held_on=TODAY - timedelta(days=40))
    due = services.coaching_due(
        services.Person.objects.filter(pk__in=[p.pk for p in people]), days=30, on=TODAY
    )
    names = [d.person for d in due]
    assert people[0] not in names
    assert names[-1] == people[1] and due[-1].days_since == 40
    assert len(names) == len(people) - 1  # the never-coached first, then the longest waiting


def test_leavers_are_not_due_coaching(team):
    _, people = team
    people[0].end_date = TODAY - timedelta(days=1)
    people[0].save()
    due = services.coaching_due(services.Person.objects.filter(pk=people[0].pk), days=30, on=TODAY)
    assert due == []


def test_overdue_follow_ups(team):
    leader, people = team
    late = CoachingConversationFactory(person=people[0], coach=leader, follow_up_on=TODAY - timedelta(days=1))
    CoachingConversationFactory(person=people[1], coach=leader, follow_up_on=TODAY + timedelta(days=1))
    CoachingConversationFactory(
        person=people[2], coach=leader, follow_up_on=TODAY - timedelta(days=5), followed_up_on=TODAY
    )
    assert list(services.overdue_follow_ups(CoachingConversation.objects.all(), TODAY)) == [late]


def test_coverage_per_team_counts_people_coached_in_the_window(org, team):
    leader, people = team
    CoachingConversationFactory(person=people[0], coach=leader, held_on=TODAY - timedelta(days=2))
    CoachingConversationFactory(person=people[0], coach=leader, held_on=TODAY - timedelta(days=9))
    CoachingConversationFactory(person=people[1], coach=leader, held_on=TODAY - timedelta(days=45))
    rows = {r.unit.code: r for r in services.coaching_coverage(org.root.subtree(), days=30, on=TODAY).rows}
    lds = rows["LDS-T1"]
    assert (lds.people, lds.coached, lds.share) == (5, 1, 20.0)  # the leader is not counted as coachee
    assert rows["GLA-T1"].coached == 0


def test_change_lead_sees_coverage_but_not_the_notes(client_for, team):
    leader, people = team
    conversation = CoachingConversationFactory(person=people[0], coach=leader, observations="Private words")
    client = client_for(Role.CHANGE_LEAD)
    page = client.get("/capability/coaching/coverage/")
    assert page.status_code == 200 and "Private words" not in page.content.decode()
    assert client.get(f"/capability/coaching/{conversation.pk}/").status_code == 404
    assert client.get(f"/api/v1/capability/coaching/conversations/{conversation.pk}").status_code == 404


def test_an_agent_sees_only_their_own_agreed_actions(client_for, org, team):
    leader, people = team
    agent = org.users[Role.EMPLOYEE].person
    other = next(p for p in people if p.pk != agent.pk)
    mine = AgreedActionFactory(
        conversation=CoachingConversationFactory(person=agent, coach=leader), text="Mine"
    )
    AgreedActionFactory(conversation=CoachingConversationFactory(person=other, coach=leader), text="Not mine")
    client = client_for(Role.EMPLOYEE)
    assert [a["text"] for a in client.get("/api/v1/capability/my/actions").json()] == ["Mine"]
    page = client.get("/capability/mine/").content.decode()
    assert "Mine" in page and "Not mine" not in page
    assert "Opened the history panel" not in page  # the leader's observations stay with the leader
    assert client.get(f"/capability/coaching/{mine.conversation_id}/").status_code in (403, 404)


def test_an_agent_marks_their_action_done_but_not_someone_elses(client_for, org, team):
    leader, people = team
    agent = org.users[Role.EMPLOYEE].person
    other = next(p for p in people if p.pk != agent.pk)
    mine = AgreedActionFactory(conversation=CoachingConversationFactory(person=agent, coach=leader))
    theirs = AgreedActionFactory(conversation=CoachingConversationFactory(person=other, coach=leader))
    client = client_for(Role.EMPLOYEE)
    assert client.post(f"/api/v1/capability/my/actions/{mine.pk}/done").status_code == 200
    assert client.post(f"/api/v1/capability/my/actions/{theirs.pk}/done").status_code == 404
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.done_on == TODAY and theirs.done_on is None


def test_a_leader_of_another_team_cannot_read_a_conversation(client_for, org, team):
    from allaboard.org.tests.factories import UserFactory

    leader, people = team
    conversation = CoachingConversationFactory(person=people[0], coach=leader)
    other_leader = UserFactory(
        username="gla-leader", role=Role.TEAM_LEADER, person=org.teams["GLA-T1"].leader
    )
    from django.test import Client

    client = Client()
    client.force_login(other_leader)
    assert client.get(f"/capability/coaching/{conversation.pk}/").status_code == 404


def test_the_coaching_page_lists_due_people_and_overdue_follow_ups(client_for, team):
    leader, people = team
    CoachingConversationFactory(
        person=people[0], coach=leader, focus="Empathy", follow_up_on=TODAY - timedelta(days=2)
    )
    page = client_for(Role.TEAM_LEADER).get("/capability/coaching/?days=30").content.decode()
    assert people[1].full_name in page
    assert "Follow-ups overdue (1)" in page
