"""A team leader sees their own teams and below, never another team's people, through any page or API route."""

import json

import pytest

from allaboard.org import access
from allaboard.org.models import ApiToken, Person, Role


def api_get(client, path, token=None):
    headers = {"HTTP_AUTHORIZATION": f"Bearer {token}"} if token else {}
    return client.get(f"/api/v1{path}", **headers)


def test_team_leader_scope_is_their_team_and_below(org):
    leader = org.users[Role.TEAM_LEADER]
    assert set(access.visible_units(leader)) == {org.teams["LDS-T1"]}
    assert set(access.visible_people(leader)) == set(Person.objects.filter(unit=org.teams["LDS-T1"]))


def test_a_department_head_sees_every_team_below(org):
    dept = org.teams["LDS-T1"].parent
    head = org.people_in("LDS-T1")[1]
    dept.leader = head
    dept.save()
    user = org.users[Role.TEAM_LEADER]
    user.person = head
    user.save()
    assert set(access.visible_units(user)) == {dept, org.teams["LDS-T1"], org.teams["LDS-T2"]}


def test_team_leader_cannot_list_other_teams_people_on_any_page(client_for, org):
    client = client_for(Role.TEAM_LEADER)
    outsider = org.people_in("GLA-T1")[0]
    for url in [
        "/org/",
        "/org/people/",
        f"/org/people/?q={outsider.family_name}",
        f"/org/units/{org.teams['LDS-T1'].pk}/",
    ]:
        body = client.get(url).content.decode()
        assert outsider.email not in body and f"/org/people/{outsider.pk}/" not in body, url
    assert client.get(f"/org/people/{outsider.pk}/").status_code == 404
    assert client.get(f"/org/units/{org.teams['GLA-T1'].pk}/").status_code == 404
    assert client.get(f"/org/units/{org.root.pk}/").status_code == 404


def test_team_leader_cannot_read_other_teams_people_through_the_api(client, org):
    _, key = ApiToken.issue(org.users[Role.TEAM_LEADER], "t")
    outsider = org.people_in("GLA-T1")[0]
    listed = json.loads(api_get(client, "/people?limit=1000", key).content)["items"]
    assert outsider.pk not in {p["id"] for p in listed}
    assert {p["unit_id"] for p in listed} == {org.teams["LDS-T1"].pk}
    assert api_get(client, f"/people/{outsider.pk}", key).status_code == 404
    assert api_get(client, f"/people?unit_id={org.teams['GLA-T1'].pk}", key).status_code == 404
    assert api_get(client, f"/people?q={outsider.family_name}", key).json()["items"] == [] or all(
        p["unit_id"] == org.teams["LDS-T1"].pk
        for p in api_get(client, f"/people?q={outsider.family_name}", key).json()["items"]
    )
    assert api_get(client, f"/units/{org.teams['GLA-T1'].pk}", key).status_code == 404


@pytest.mark.parametrize("role", [Role.EMPLOYEE])
def test_an_employee_sees_only_their_own_profile(client_for, org, role):
    client = client_for(role)
    me = org.users[role].person
    listed = client.get("/api/v1/people").json()["items"]
    assert [p["id"] for p in listed] == [me.pk]
    colleague = Person.objects.filter(unit=me.unit).exclude(pk=me.pk).first()
    assert client.get(f"/org/people/{colleague.pk}/").status_code == 404
    assert client.get(f"/org/people/{me.pk}/").status_code == 200
