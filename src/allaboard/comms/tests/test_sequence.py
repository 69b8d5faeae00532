"""The planned sequence per programme: announce, why, what changes for me, training, go-live, wins."""

from datetime import date

import pytest
from django.core.exceptions import PermissionDenied

from allaboard.comms import services
from allaboard.comms.models import Message, Stage
from allaboard.comms.tests.factories import ChatChannelFactory, MessageFactory
from allaboard.programmes.models import MilestoneKind
from allaboard.programmes.tests.factories import ImpactFactory, MilestoneFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

SEQUENCE = [Stage.ANNOUNCE, Stage.WHY, Stage.WHAT_CHANGES, Stage.TRAINING, Stage.GO_LIVE, Stage.WINS]


def _programme(org):
    programme = ProgrammeFactory(start_date=date(2026, 1, 5), why="Customers repeat themselves.")
    MilestoneFactory(programme=programme, kind=MilestoneKind.TRAINING, due=date(2026, 2, 16))
    MilestoneFactory(programme=programme, kind=MilestoneKind.GO_LIVE, due=date(2026, 3, 2))
    ImpactFactory(programme=programme, unit=org.sites["LDS"])
    return programme


def test_planning_drafts_the_six_steps_with_dates_from_the_milestones(org):
    programme = _programme(org)
    services.plan_sequence(programme, org.users["change_lead"])
    drafts = list(programme.messages.order_by("planned_for"))
    assert [m.stage for m in drafts] == SEQUENCE
    assert [m.planned_for for m in drafts] == [
        date(2026, 1, 5),
        date(2026, 1, 8),
        date(2026, 1, 15),
        date(2026, 2, 9),
        date(2026, 2, 27),  # two days before go-live is a Saturday: the Friday before
        date(2026, 3, 23),
    ]
    assert all(m.status == "draft" and m.why == "Customers repeat themselves." for m in drafts)
    assert all(list(m.audience_units.all()) == [org.sites["LDS"]] for m in drafts)


def test_planning_adds_chat_when_the_impacted_teams_have_channels(org):
    programme = _programme(org)
    ChatChannelFactory(unit=org.teams["LDS-T2"], kind="teams")
    ChatChannelFactory(unit=org.teams["GLA-T1"], kind="slack")  # not impacted
    services.plan_sequence(programme, org.users["change_lead"])
    assert programme.messages.first().channels == ["email", "feed", "teams"]


def test_planning_again_only_fills_the_gaps(org):
    programme = _programme(org)
    MessageFactory(programme=programme, stage=Stage.WHY, status="sent")
    services.plan_sequence(programme, org.users["change_lead"])
    services.plan_sequence(programme, org.users["change_lead"])
    assert programme.messages.count() == 6
    assert programme.campaigns.count() == 1


def test_the_sequence_shows_missing_steps(org):
    programme = _programme(org)
    MessageFactory(programme=programme, stage=Stage.ANNOUNCE)
    rows = {row.stage: row for row in services.sequence_for(programme)}
    assert not rows[Stage.ANNOUNCE].missing and rows[Stage.WINS].missing
    assert Stage.OTHER not in rows


def test_only_change_leads_and_admins_plan_the_sequence(org):
    with pytest.raises(PermissionDenied):
        services.plan_sequence(_programme(org), org.users["sponsor"])
    assert not Message.objects.exists()
