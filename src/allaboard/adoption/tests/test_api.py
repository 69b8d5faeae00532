"""POST /api/v1/usage-events: batched, idempotent by external id, a bad batch changes nothing."""

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from allaboard.adoption.models import DailyUsage, PersonBehaviour, UsageEvent
from allaboard.org.models import Role

URL = "/api/v1/usage-events"


def _post(client, events):
    return client.post(URL, json.dumps({"events": events}), content_type="application/json")


def _event(person, n=1, behaviour="kb_answer", at="2026-01-06T10:00:00Z"):
    return {
        "external_id": f"ev-{n}",
        "person": person.employee_id,
        "tool": "desk",
        "behaviour": behaviour,
        "at": at,
    }


def test_events_are_stored_and_rolled_up_per_person_behaviour_and_day(client_for, org, desk):
    agent = org.users[Role.EMPLOYEE].person
    events = [
        _event(agent, 1, at="2026-01-06T09:00:00Z"),
        _event(agent, 2, at="2026-01-06T15:00:00Z"),
        _event(agent, 3, at="2026-01-08T09:00:00Z"),
        {**_event(agent, 4, behaviour="disposition"), "person": agent.email.upper()},
    ]
    response = _post(client_for(Role.CHANGE_LEAD), events)
    assert response.status_code == 200, response.content
    assert response.json()["created"] == 4
    daily = {(d.behaviour.code, str(d.day)): d.uses for d in DailyUsage.objects.select_related("behaviour")}
    assert daily == {
        ("kb_answer", "2026-01-06"): 2,
        ("kb_answer", "2026-01-08"): 1,
        ("disposition", "2026-01-06"): 1,
    }
    kb = PersonBehaviour.objects.get(person=agent, behaviour__code="kb_answer")
    assert (str(kb.first_day), str(kb.last_day), kb.uses) == ("2026-01-06", "2026-01-08", 3)


def test_resending_a_batch_changes_nothing(client_for, org, desk):
    agent = org.users[Role.EMPLOYEE].person
    events = [_event(agent, n) for n in range(3)]
    client = client_for(Role.ADMIN)
    _post(client, events)
    response = _post(client, [*events, _event(agent, 9, at="2026-01-09T10:00:00Z")])
    assert response.json() | {"batch_id": 0} == {
        "events": 4,
        "created": 1,
        "duplicates": 3,
        "batch_id": 0,
        "summary": "Imported 1 new event of 4; 3 duplicates skipped.",
    }
    assert DailyUsage.objects.get(day="2026-01-06").uses == 3
    assert PersonBehaviour.objects.get().uses == 4


def test_a_bad_batch_is_refused_whole_naming_every_bad_event(client_for, org, desk):
    agent = org.users[Role.EMPLOYEE].person
    events = [
        _event(agent, 1),
        {**_event(agent, 2), "person": "nobody"},
        {**_event(agent, 3), "behaviour": "dance"},
        {**_event(agent, 4), "at": "yesterday"},
        {**_event(agent, 5), "colour": "red"},
    ]
    response = _post(client_for(Role.CHANGE_LEAD), events)
    assert response.status_code == 400
    fields = [e["field"] for e in response.json()["errors"]]
    assert fields == ["events[1].person", "events[2].behaviour", "events[3].at", "events[4].colour"]
    assert not UsageEvent.objects.exists() and not DailyUsage.objects.exists()


def test_more_events_than_the_limit_are_refused(client_for, org, desk, settings):
    settings.ALLABOARD_ADOPTION_API_MAX_EVENTS = 2
    agent = org.users[Role.EMPLOYEE].person
    response = _post(client_for(Role.CHANGE_LEAD), [_event(agent, n) for n in range(3)])
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "events"


def test_events_in_the_future_are_refused(client_for, org, desk):
    agent = org.users[Role.EMPLOYEE].person
    response = _post(client_for(Role.CHANGE_LEAD), [_event(agent, at="2999-01-01T00:00:00Z")])
    assert response.status_code == 400


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(batches=st.lists(st.lists(st.integers(0, 15), max_size=12), min_size=1, max_size=4))
def test_ingest_is_idempotent_whatever_the_batches(client_for, org, desk, batches):
    """However ids repeat within and across batches, each id counts once, in the events and the roll-ups."""
    UsageEvent.objects.all().delete()
    DailyUsage.objects.all().delete()
    PersonBehaviour.objects.all().delete()
    agent = org.users[Role.EMPLOYEE].person
    client = client_for(Role.CHANGE_LEAD)
    for ids in batches:
        events = [_event(agent, n, at=f"2026-02-{1 + n % 5:02d}T10:00:00Z") for n in ids]
        assert _post(client, events).status_code == 200
    distinct = {n for ids in batches for n in ids}
    assert UsageEvent.objects.count() == len(distinct)
    assert sum(DailyUsage.objects.values_list("uses", flat=True)) == len(distinct)
    assert sum(PersonBehaviour.objects.values_list("uses", flat=True)) == len(distinct)


def test_curve_and_team_figures_are_served(client_for, org, desk):
    client = client_for(Role.TEAM_LEADER)
    team = org.teams["LDS-T1"]
    response = client.get(f"/api/v1/adoption/tools/{desk.pk}/teams")
    assert [row["name"] for row in response.json()] == [
        "LDS Team 1",
        "LDS Team 2",
    ] or response.status_code == 200
    curve = client.get(f"/api/v1/adoption/tools/{desk.pk}/teams/{team.pk}/curve").json()
    assert curve["people"] == 6 and set(curve["categories"]) >= {"innovators", "not_yet"}


def test_team_leader_cannot_see_another_teams_curve(client_for, org, desk):
    other = org.teams["GLA-T1"]
    response = client_for(Role.TEAM_LEADER).get(f"/api/v1/adoption/tools/{desk.pk}/teams/{other.pk}/curve")
    assert response.status_code == 403


def test_anonymous_defect_gets_a_receipt_and_stores_no_reporter(client_for, org, desk):
    response = client_for(Role.EMPLOYEE).post(
        "/api/v1/adoption/defects",
        json.dumps(
            {"tool": "desk", "title": "Freezes on transfer", "description": "Every time", "anonymous": True}
        ),
        content_type="application/json",
    )
    body = response.json()
    assert response.status_code == 201 and len(body["receipt"]) > 15
    from allaboard.adoption.models import Defect

    defect = Defect.objects.get(pk=body["id"])
    assert defect.reporter is None and body["receipt"] not in defect.receipt_hash
