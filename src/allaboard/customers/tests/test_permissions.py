"""Who sees which customer figures: team leaders their own teams, agents only their own figures, per-agent
figures for the agent, their leaders and change leads only."""

from datetime import date

import pytest

from allaboard.customers import access
from allaboard.org.models import Role
from allaboard.org.tests.factories import PersonFactory

from .factories import add_many

API = "/api/v1/customer-feedback"


@pytest.fixture
def scored(org):
    today = date.today()
    agent = org.users[Role.EMPLOYEE].person
    add_many(org.teams["LDS-T1"], [(10, 5, 7)] * 3, day=today, person=agent)
    add_many(org.teams["GLA-T1"], [(0, 1, 1)] * 4, day=today)
    return org


def test_team_leaders_see_only_their_own_teams(client_for, scored):
    rows = client_for(Role.TEAM_LEADER).get(f"{API}/breakdown?by=team").json()
    assert [r["label"] for r in rows] == ["LDS Team 1"]
    assert client_for(Role.TEAM_LEADER).get(f"{API}/summary").json()["figures"]["volume"] == 3


def test_team_leaders_cannot_ask_for_another_unit(client_for, scored):
    other = scored.teams["GLA-T1"].pk
    assert client_for(Role.TEAM_LEADER).get(f"{API}/summary?unit_id={other}").status_code == 403
    assert client_for(Role.TEAM_LEADER).get(f"/customers/?unit={other}").status_code == 403


@pytest.mark.parametrize("role", [Role.ADMIN, Role.CHANGE_LEAD, Role.SPONSOR])
def test_organisation_wide_roles_see_every_team(client_for, scored, role):
    rows = client_for(role).get(f"{API}/breakdown?by=team").json()
    assert {r["label"] for r in rows} == {"LDS Team 1", "GLA Team 1"}


def test_employees_see_no_team_figures(client_for, scored):
    assert client_for(Role.EMPLOYEE).get(f"{API}/summary").status_code == 403
    assert client_for(Role.EMPLOYEE).get("/customers/").status_code == 403


def test_an_agent_sees_their_own_figures(client_for, scored):
    agent = scored.users[Role.EMPLOYEE].person
    body = client_for(Role.EMPLOYEE).get(f"{API}/agents/{agent.pk}").json()
    assert body["figures"]["volume"] == 3
    page = client_for(Role.EMPLOYEE).get("/customers/mine/")
    assert page.status_code == 200 and b"My customer feedback" in page.content


def test_an_agent_cannot_see_a_colleague(client_for, scored):
    colleague = (
        scored.teams["LDS-T1"]
        .members.exclude(pk=scored.users[Role.EMPLOYEE].person_id)
        .exclude(pk=scored.teams["LDS-T1"].leader_id)[0]
    )
    assert client_for(Role.EMPLOYEE).get(f"{API}/agents/{colleague.pk}").status_code == 403
    assert client_for(Role.EMPLOYEE).get(f"/customers/agents/{colleague.pk}/").status_code == 403


def test_the_agents_own_leader_sees_them_but_another_leader_does_not(client_for, scored):
    agent = scored.users[Role.EMPLOYEE].person
    assert client_for(Role.TEAM_LEADER).get(f"{API}/agents/{agent.pk}").status_code == 200
    elsewhere = scored.teams["GLA-T1"].members.exclude(pk=scored.teams["GLA-T1"].leader_id)[0]
    assert client_for(Role.TEAM_LEADER).get(f"{API}/agents/{elsewhere.pk}").status_code == 403


@pytest.mark.parametrize("role", [Role.ADMIN, Role.SPONSOR])
def test_admins_and_sponsors_do_not_see_one_agent(client_for, scored, role):
    agent = scored.users[Role.EMPLOYEE].person
    assert client_for(role).get(f"{API}/agents/{agent.pk}").status_code == 403


def test_a_leader_of_a_unit_above_the_team_counts_as_the_agents_leader(scored):
    agent = scored.users[Role.EMPLOYEE].person
    site_head = PersonFactory(unit=scored.sites["LDS"])
    scored.sites["LDS"].leader = site_head
    scored.sites["LDS"].save()
    user = scored.users[Role.SPONSOR]
    user.person = site_head
    user.save()
    assert access.can_see_agent(user, agent)


def test_change_leads_see_any_agent_and_the_agent_list(client_for, scored):
    agent = scored.users[Role.EMPLOYEE].person
    client = client_for(Role.CHANGE_LEAD)
    assert client.get(f"{API}/agents/{agent.pk}").status_code == 200
    page = client.get(f"/customers/units/{scored.teams['LDS-T1'].pk}/agents/")
    assert page.status_code == 200 and agent.full_name.encode() in page.content


def test_compliments_are_filtered_to_what_each_role_may_see(client_for, scored, monkeypatch):
    from allaboard.customers import services

    agent = scored.users[Role.EMPLOYEE].person
    captured = {}

    def fake(since, *, unit_ids=None, person_ids=None, limit=None):
        captured["args"] = (unit_ids, person_ids)
        return []

    monkeypatch.setattr(services, "compliments", fake)
    client_for(Role.EMPLOYEE).get(f"{API}/compliments")
    assert captured["args"] == (None, [agent.pk])
    client_for(Role.TEAM_LEADER).get(f"{API}/compliments")
    assert sorted(captured["args"][0]) == [scored.teams["LDS-T1"].pk]
    client_for(Role.SPONSOR).get(f"{API}/compliments")
    assert captured["args"] == (None, None)


def test_only_organisation_wide_roles_see_the_linkage(client_for, scored):
    assert client_for(Role.TEAM_LEADER).get("/customers/linkage/").status_code == 403
    assert client_for(Role.CHANGE_LEAD).get("/customers/linkage/").status_code == 200


def test_only_admins_and_change_leads_import(client_for, scored):
    body = '{"records": []}'
    assert client_for(Role.SPONSOR).post(API, body, content_type="application/json").status_code == 403
    assert client_for(Role.TEAM_LEADER).post(API, body, content_type="application/json").status_code == 403
    assert client_for(Role.ADMIN).post(API, body, content_type="application/json").status_code == 200
