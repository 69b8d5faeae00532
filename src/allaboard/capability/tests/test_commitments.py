"""Leading by example: commitments kept per cadence period, and the leadership score beside each leader."""

from datetime import date, timedelta

import pytest

from allaboard.capability import services
from allaboard.capability.models import Cadence, VisibleAction
from allaboard.org.models import Role

from .factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def test_a_weekly_commitment_is_kept_in_the_weeks_with_an_action(org):
    start = date(2026, 1, 5)  # a Monday
    commitment = CommitmentFactory(
        leader=org.users[Role.SPONSOR].person, starts_on=start, cadence=Cadence.WEEKLY
    )
    actions = [start + timedelta(days=d) for d in (2, 9, 10, 23)]  # weeks 1, 2, 2 again, 4; none in week 3
    record = services.commitment_record(commitment, actions, on=start + timedelta(days=30))
    assert [p.actions for p in record.periods] == [1, 2, 0, 1, 0]
    assert [p.kept for p in record.complete_periods] == [True, True, False, True]
    assert (record.kept, record.kept_share) == (3, 75.0)
    assert record.current.first == start + timedelta(days=28)


def test_twice_a_week_needs_two_actions(org):
    start = date(2026, 1, 5)
    commitment = CommitmentFactory(leader=org.users[Role.SPONSOR].person, starts_on=start, times_per_period=2)
    record = services.commitment_record(
        commitment, [start, start + timedelta(days=8)], on=start + timedelta(days=14)
    )
    assert record.kept_share == 0.0


def test_a_monthly_commitment_uses_calendar_months(org):
    commitment = CommitmentFactory(
        leader=org.users[Role.SPONSOR].person, starts_on=date(2026, 1, 20), cadence=Cadence.MONTHLY
    )
    record = services.commitment_record(
        commitment, [date(2026, 1, 25), date(2026, 3, 2)], on=date(2026, 3, 10)
    )
    assert [(p.first, p.last, p.kept) for p in record.complete_periods] == [
        (date(2026, 1, 20), date(2026, 1, 31), True),
        (date(2026, 2, 1), date(2026, 2, 28), False),
    ]


def test_a_leader_logs_actions_only_on_their_own_commitments(client_for, org):
    mine = CommitmentFactory(leader=org.users[Role.TEAM_LEADER].person)
    theirs = CommitmentFactory(leader=org.users[Role.SPONSOR].person)
    client = client_for(Role.TEAM_LEADER)
    assert (
        client.post(f"/capability/commitments/{mine.pk}/actions/", {"note": "Floor walk"}).status_code == 302
    )
    assert client.post(f"/capability/commitments/{theirs.pk}/actions/", {"note": "x"}).status_code == 404
    assert VisibleAction.objects.filter(commitment=mine).count() == 1
    assert not VisibleAction.objects.filter(commitment=theirs).exists()


def test_an_action_in_the_future_is_refused(client_for, org):
    import json

    mine = CommitmentFactory(leader=org.users[Role.SPONSOR].person)
    response = client_for(Role.SPONSOR).post(
        f"/api/v1/capability/commitments/{mine.pk}/actions",
        json.dumps({"done_on": (date.today() + timedelta(days=2)).isoformat()}),
        content_type="application/json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "done_on"
