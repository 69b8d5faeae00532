"""The playbook API: same services and permissions as the pages, 400 with the field for bad input."""

import json
from datetime import date, timedelta

from allaboard.org.models import Role
from allaboard.playbook.models import Action, ActionStatus, Play
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import ActionFactory, RecommendationFactory, YouSaidWeDidFactory

TODAY = date.today()


def post(client, path, data):
    return client.post(f"/api/v1{path}", json.dumps(data), content_type="application/json")


def patch(client, path, data):
    return client.patch(f"/api/v1{path}", json.dumps(data), content_type="application/json")


def errors(response) -> dict:
    return {e["field"]: e["reason"] for e in response.json()["errors"]}


PLAY = {
    "slug": "daily-huddles",
    "title": "Daily huddles",
    "purpose": "Ten minutes a day on what got in the way.",
    "when_it_helps": "Ability is low after go-live.",
    "actions": ["Hold a huddle at 9:00.", "Fix one blocker a day."],
    "how_to_tell": "Ability rises.",
    "measure_kind": "element_mean",
    "measure_metric": "ability",
}


def test_the_library_lists_plays_with_their_rules(client_for):
    plays = client_for(Role.SPONSOR).get("/api/v1/playbook/plays").json()
    educate = next(p for p in plays if p["slug"] == "educate-train")
    assert educate["actions"][0].startswith("Book the team")
    assert {r["key"] for r in educate["rules"]} >= {"knowledge-barrier", "knowledge-low"}
    assert educate["rules"][0]["description"].startswith("Barrier point share")


def test_a_change_lead_adds_a_play_and_a_rule(client_for):
    client = client_for(Role.CHANGE_LEAD)
    response = post(client, "/playbook/plays", PLAY)
    assert response.status_code == 201 and response.json()["actions"] == PLAY["actions"]
    play_id = response.json()["id"]
    rule = {
        "key": "ability-low",
        "play_id": play_id,
        "kind": "element_mean",
        "metric": "ability",
        "operator": "<=",
        "threshold": 3.0,
        "evidence": "Ability averages {value_1dp} in {unit}, n={n}.",
    }
    assert post(client, "/playbook/rules", rule).status_code == 201
    assert Play.objects.get(pk=play_id).rules.count() == 1


def test_a_duplicate_play_is_refused_with_the_field(client_for):
    client = client_for(Role.ADMIN)
    post(client, "/playbook/plays", PLAY)
    response = post(client, "/playbook/plays", PLAY)
    assert response.status_code == 400 and "slug" in errors(response)


def test_bad_rules_are_refused_with_the_field(client_for):
    client = client_for(Role.ADMIN)
    play = Play.objects.get(slug="educate-train")
    base = {"key": "k", "play_id": play.pk, "kind": "barrier_share", "threshold": 0.3}
    assert "kind" in errors(post(client, "/playbook/rules", {**base, "kind": "horoscope"}))
    assert "operator" in errors(post(client, "/playbook/rules", {**base, "operator": "=="}))
    assert "evidence" in errors(post(client, "/playbook/rules", {**base, "evidence": "{n:>10}"}))
    assert "threshold" in errors(post(client, "/playbook/rules", {**base, "threshold": "lots"}))
    assert errors(post(client, "/playbook/rules", {**base, "play_id": 999999})) == {
        "play_id": "unknown play 999999"
    }


def test_recommendations_carry_their_evidence(org, client_for):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    RecommendationFactory(unit=org.teams["GLA-T1"], programme=rec.programme)
    body = (
        client_for(Role.TEAM_LEADER)
        .get(f"/api/v1/playbook/recommendations?programme_id={rec.programme_id}")
        .json()
    )
    assert [r["id"] for r in body] == [rec.pk]
    assert body[0]["evidence"][0]["text"].startswith("Knowledge is the barrier for 41%")
    assert body[0]["evidence"][0]["finding"]["n"] == 23


def test_creating_an_action_from_a_recommendation(org, client_for):
    rec = RecommendationFactory(unit=org.teams["LDS-T1"])
    response = post(
        client_for(Role.TEAM_LEADER),
        "/playbook/actions",
        {
            "programme_id": rec.programme_id,
            "recommendation_id": rec.pk,
            "title": "Buddy shifts",
            "owner_id": org.people_in("LDS-T1")[1].pk,
            "team_ids": [org.teams["LDS-T1"].pk],
            "due": (TODAY + timedelta(days=10)).isoformat(),
        },
    )
    assert response.status_code == 201
    body = response.json()
    assert body["play_id"] == rec.play_id and body["evidence"]["metric"] == "knowledge"
    assert body["measure_kind"] == "element_mean" and body["overdue"] is False


def test_bad_actions_are_refused_with_the_field(org, client_for):
    client = client_for(Role.TEAM_LEADER)
    good = {
        "programme_id": ProgrammeFactory().pk,
        "title": "x",
        "owner_id": org.people_in("LDS-T1")[1].pk,
        "team_ids": [org.teams["LDS-T1"].pk],
        "due": TODAY.isoformat(),
    }
    assert "team_ids" in errors(
        post(client, "/playbook/actions", {**good, "team_ids": [org.teams["GLA-T1"].pk]})
    )
    assert "team_ids" in errors(post(client, "/playbook/actions", {**good, "team_ids": [987654]}))
    assert "team_ids" in errors(post(client, "/playbook/actions", {**good, "team_ids": []}))
    assert "owner_id" in errors(post(client, "/playbook/actions", {**good, "owner_id": 987654}))
    assert "due" in errors(post(client, "/playbook/actions", {**good, "due": "next week"}))
    assert "status" in errors(post(client, "/playbook/actions", {**good, "status": "abandoned"}))
    assert not Action.objects.exists()


def test_patching_the_status_sets_the_dates(org, client_for):
    action = ActionFactory(teams=[org.teams["LDS-T1"]])
    body = patch(client_for(Role.TEAM_LEADER), f"/playbook/actions/{action.pk}", {"status": "done"}).json()
    assert body["status"] == "done" and body["started_on"] == body["done_on"] == TODAY.isoformat()


def test_a_team_leader_cannot_edit_an_action_shared_with_another_teams(org, client_for):
    action = ActionFactory(teams=[org.teams["LDS-T1"], org.teams["GLA-T1"]])
    client = client_for(Role.TEAM_LEADER)
    assert client.get(f"/api/v1/playbook/actions/{action.pk}").status_code == 200
    assert patch(client, f"/playbook/actions/{action.pk}", {"title": "mine now"}).status_code == 403


def test_overdue_filter(org, client_for):
    late = ActionFactory(due=TODAY - timedelta(days=1))
    ActionFactory(due=TODAY + timedelta(days=1))
    body = client_for(Role.SPONSOR).get("/api/v1/playbook/actions?overdue=true").json()
    assert [a["id"] for a in body] == [late.pk] and body[0]["overdue"] is True


def test_the_effect_of_an_unfinished_action_says_so(org, client_for):
    action = ActionFactory(teams=[org.teams["LDS-T1"]])
    body = client_for(Role.CHANGE_LEAD).get(f"/api/v1/playbook/actions/{action.pk}/effect").json()
    assert body["teams"] == [] and body["note"] == "The action is not done yet."


def test_answering_did_it_help_once(org, client_for):
    action = ActionFactory(
        teams=[org.teams["LDS-T1"]],
        status=ActionStatus.IN_PROGRESS,
        started_on=TODAY - timedelta(days=31),
        helped_opened_on=TODAY,
    )
    client = client_for(Role.EMPLOYEE)
    assert [q["action_id"] for q in client.get("/api/v1/playbook/helped").json()] == [action.pk]
    assert post(client, f"/playbook/actions/{action.pk}/helped", {"answer": "maybe"}).status_code == 400
    assert post(client, f"/playbook/actions/{action.pk}/helped", {"answer": "yes"}).status_code == 201
    assert post(client, f"/playbook/actions/{action.pk}/helped", {"answer": "yes"}).status_code == 400
    results = client_for(Role.CHANGE_LEAD).get(f"/api/v1/playbook/actions/{action.pk}/helped").json()
    assert results == {"n": 1, "shown": False, "k": 5, "shares": {}}


def test_updates_are_written_published_and_read(org, client_for):
    lead = client_for(Role.CHANGE_LEAD)
    created = post(
        lead,
        "/playbook/updates",
        {
            "programme_id": ProgrammeFactory().pk,
            "title": "Refreshers",
            "you_said": "Training came too early.",
            "we_did": "Refreshers.",
            "unit_ids": [org.teams["LDS-T1"].pk],
        },
    ).json()
    employee = client_for(Role.EMPLOYEE)
    assert employee.get("/api/v1/playbook/updates").json() == []
    published = post(lead, f"/playbook/updates/{created['id']}/publish", {}).json()
    assert published == {"published_on": TODAY.isoformat(), "sent_to": 6}
    assert [u["title"] for u in employee.get("/api/v1/playbook/updates").json()] == ["Refreshers"]


def test_employees_do_not_see_other_teams_updates(org, client_for):
    other = YouSaidWeDidFactory(units=[org.teams["GLA-T1"]], published_on=TODAY)
    assert client_for(Role.EMPLOYEE).get(f"/api/v1/playbook/updates/{other.pk}").status_code == 404
