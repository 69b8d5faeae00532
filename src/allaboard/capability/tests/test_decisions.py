"""Decision autonomy within guidelines: rights per role, their use, exceptions a leader decides."""

import json
from datetime import date, timedelta
from decimal import Decimal

import pytest

from allaboard.capability import services
from allaboard.capability.models import DecisionUse, ExceptionRequest, ExceptionStatus
from allaboard.org.models import AuditEntry, Role

from .factories import DecisionRightFactory, DecisionUseFactory, ExceptionRequestFactory

pytestmark = pytest.mark.django_db
TODAY = date.today()


@pytest.fixture
def right(org):
    agent = org.users[Role.EMPLOYEE].person
    return DecisionRightFactory(job_role=agent.job_role, name="Goodwill credit", limit=Decimal("50"))


def post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_an_agent_logs_a_decision_within_the_limit(client_for, right):
    response = post(
        client_for(Role.EMPLOYEE), "/api/v1/capability/decision-uses", {"right_id": right.pk, "amount": 35}
    )
    assert response.status_code == 201
    assert DecisionUse.objects.get().amount == Decimal("35.00")
    assert AuditEntry.objects.filter(action="use_right").exists()


def test_above_the_limit_is_refused_with_a_pointer_to_exceptions(client_for, right):
    response = post(
        client_for(Role.EMPLOYEE), "/api/v1/capability/decision-uses", {"right_id": right.pk, "amount": 75}
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "amount"
    assert "exception" in response.json()["errors"][0]["reason"]
    assert not DecisionUse.objects.exists()


def test_a_right_of_another_role_cannot_be_used(client_for, right):
    response = post(
        client_for(Role.TEAM_LEADER), "/api/v1/capability/decision-uses", {"right_id": right.pk, "amount": 5}
    )
    assert response.status_code == 403


def test_the_team_leader_approves_an_exception_with_a_reason(client_for, org, right):
    ask = post(
        client_for(Role.EMPLOYEE),
        "/api/v1/capability/exceptions",
        {"right_id": right.pk, "amount": 80, "reason": "Third missed engineer visit."},
    )
    assert ask.status_code == 201
    exception_id = ask.json()["id"]
    decided = post(
        client_for(Role.TEAM_LEADER),
        f"/api/v1/capability/exceptions/{exception_id}/decision",
        {"approve": True, "reason": "Fair given the visits."},
    )
    assert decided.status_code == 200 and decided.json()["status"] == "approved"
    request = ExceptionRequest.objects.get()
    assert request.decided_by == org.teams["LDS-T1"].leader and request.decided_on == TODAY
    again = post(
        client_for(Role.TEAM_LEADER),
        f"/api/v1/capability/exceptions/{exception_id}/decision",
        {"approve": False, "reason": "x"},
    )
    assert again.status_code == 400  # already decided


def test_a_decision_needs_a_reason(client_for, org, right):
    exception = ExceptionRequestFactory(right=right, person=org.users[Role.EMPLOYEE].person)
    response = post(
        client_for(Role.TEAM_LEADER),
        f"/api/v1/capability/exceptions/{exception.pk}/decision",
        {"approve": False, "reason": " "},
    )
    assert response.status_code == 400
    exception.refresh_from_db()
    assert exception.status == ExceptionStatus.PENDING


def test_only_a_leader_over_the_requester_decides(client_for, org, right):
    outsider = org.people_in("GLA-T1")[1]
    exception = ExceptionRequestFactory(right=right, person=outsider)
    response = post(
        client_for(Role.TEAM_LEADER),
        f"/api/v1/capability/exceptions/{exception.pk}/decision",
        {"approve": True, "reason": "ok"},
    )
    assert response.status_code == 404


def test_report_per_team_counts_uses_users_and_exceptions(org, right):
    lds = [p for p in org.people_in("LDS-T1") if p.pk != org.teams["LDS-T1"].leader_id]
    DecisionUseFactory(right=right, person=lds[0], used_on=TODAY - timedelta(days=3))
    DecisionUseFactory(right=right, person=lds[0], used_on=TODAY - timedelta(days=2))
    DecisionUseFactory(right=right, person=lds[1], used_on=TODAY - timedelta(days=1))
    DecisionUseFactory(right=right, person=lds[2], used_on=TODAY - timedelta(days=200))  # outside the window
    ExceptionRequestFactory(
        right=right,
        person=lds[0],
        requested_on=TODAY - timedelta(days=5),
        status=ExceptionStatus.APPROVED,
        decided_on=TODAY - timedelta(days=4),
    )
    ExceptionRequestFactory(
        right=right,
        person=lds[1],
        requested_on=TODAY - timedelta(days=5),
        status=ExceptionStatus.DECLINED,
        decided_on=TODAY - timedelta(days=2),
    )
    ExceptionRequestFactory(right=right, person=lds[2], requested_on=TODAY - timedelta(days=1))
    rows = {
        r.unit.code: r
        for r in services.decision_report(org.root.subtree(), since=TODAY - timedelta(days=90), until=TODAY)
    }
    row = rows["LDS-T1"]
    assert (row.people, row.uses, row.people_using, row.share_using) == (6, 3, 2, 33.3)
    assert (row.exceptions, row.approved, row.declined, row.pending, row.median_days_to_decide) == (
        3,
        1,
        1,
        1,
        2,
    )
    assert rows["GLA-T1"].uses == 0


def test_the_team_leaders_report_covers_only_their_teams(client_for):
    rows = client_for(Role.TEAM_LEADER).get("/api/v1/capability/decision-report").json()
    assert [r["unit"] for r in rows] == ["LDS Team 1"]


def test_the_decisions_page_shows_my_rights_and_lets_me_log_one(client_for, right):
    client = client_for(Role.EMPLOYEE)
    assert "Goodwill credit" in client.get("/capability/decisions/").content.decode()
    response = client.post(
        "/capability/decisions/",
        {"form": "use", "right_id": right.pk, "amount": "20", "used_on": TODAY.isoformat()},
    )
    assert response.status_code == 302 and DecisionUse.objects.count() == 1
    refused = client.post(
        "/capability/decisions/",
        {"form": "right", "job_role_id": right.job_role_id, "name": "x", "guideline": "y"},
    )
    assert refused.status_code == 403
