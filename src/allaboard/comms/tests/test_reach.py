"""Acknowledgements, opens and reach per team (never a figure for a team below k)."""

from dataclasses import dataclass

import pytest

from allaboard.comms import services
from allaboard.comms.models import Acknowledgement, Delivery
from allaboard.comms.tests.factories import MessageFactory, deliver_message
from allaboard.errors import InputError
from allaboard.org.tests.factories import PersonFactory

pytestmark = pytest.mark.django_db


def _sent_to_teams(org, *codes, channel="feed"):
    message = MessageFactory(status="sent")
    for code in codes:
        deliver_message(message, org.people_in(code), channel=channel)
    return message


def test_i_understand_why_is_one_click_per_person_and_idempotent(org):
    message = _sent_to_teams(org, "LDS-T1")
    person = org.people_in("LDS-T1")[0]
    first, created = services.acknowledge(message, person)
    again, created_again = services.acknowledge(message, person)
    assert created and not created_again and first.pk == again.pk
    assert Acknowledgement.objects.count() == 1


def test_only_recipients_can_acknowledge(org):
    message = _sent_to_teams(org, "LDS-T1")
    with pytest.raises(InputError):
        services.acknowledge(message, org.people_in("GLA-T1")[0])


def test_acknowledging_counts_as_opening(org):
    message = _sent_to_teams(org, "LDS-T1")
    person = org.people_in("LDS-T1")[0]
    services.acknowledge(message, person)
    assert Delivery.objects.get(person=person).opened_at is not None


def test_reach_counts_delivered_opened_and_acknowledged_per_team(org):
    message = _sent_to_teams(org, "LDS-T1", "GLA-T1")
    lds = org.people_in("LDS-T1")
    for person in lds[:3]:
        services.acknowledge(message, person)
    services.record_open(Delivery.objects.get(person=lds[4]).token)
    Delivery.objects.filter(person=lds[5]).update(state="failed")
    report = services.reach_by_team([message], org.users["change_lead"])
    rows = {r.unit.code: r for r in report.rows}
    leeds = rows["LDS-T1"]
    assert (leeds.people, leeds.sent_to, leeds.delivered, leeds.opened, leeds.acknowledged) == (6, 6, 5, 4, 3)
    assert leeds.acknowledged_pct == 50
    assert rows["GLA-T1"].acknowledged == 0
    assert report.totals.people == 12 and report.totals.acknowledged == 3


def test_a_team_below_k_shows_no_figures_and_is_left_out_of_the_totals(org, settings):
    settings.ALLABOARD_MIN_GROUP_SIZE = 5
    small = PersonFactory.create_batch(4, unit=org.teams["APX-T2"].parent)  # 4 people in the department
    message = _sent_to_teams(org, "LDS-T1")
    deliver_message(message, small)
    for person in small[:2]:
        services.acknowledge(message, person)
    report = services.reach_by_team([message], org.users["change_lead"])
    dept = next(r for r in report.rows if r.unit == org.teams["APX-T2"].parent)
    assert dept.suppressed and dept.acknowledged == 0 and dept.acknowledged_pct is None
    assert report.totals.people == 6 and report.totals.acknowledged == 0 and report.hidden_teams == 1


def test_team_leaders_see_reach_only_for_their_teams(org):
    message = _sent_to_teams(org, "LDS-T1", "GLA-T1")
    report = services.reach_by_team([message], org.users["team_leader"])
    assert [r.unit.code for r in report.rows] == ["LDS-T1"]


def test_reach_across_a_programmes_messages_counts_person_message_pairs(org):
    first = _sent_to_teams(org, "LDS-T1")
    second = MessageFactory(status="sent", programme=first.programme)
    deliver_message(second, org.people_in("LDS-T1"))
    services.acknowledge(first, org.people_in("LDS-T1")[0])
    [row] = services.reach_by_team([first, second], org.users["admin"]).rows
    assert (row.people, row.sent_to, row.acknowledged) == (6, 12, 1)


@dataclass
class _Mean:  # the shape of listening.results.ElementMean
    mean: float
    n: int
    low: float
    high: float


def test_reach_sits_beside_the_awareness_score_when_listening_has_one(org, monkeypatch):
    message = _sent_to_teams(org, "LDS-T1", "GLA-T1")
    lds, gla = org.teams["LDS-T1"].pk, org.teams["GLA-T1"].pk

    def team_element_means(programme_id, element, wave_id=None):
        assert (programme_id, element) == (message.programme_id, "awareness")
        return {lds: _Mean(3.4, 6, 3.0, 3.8), gla: None}  # GLA below k in listening

    monkeypatch.setattr(services, "_team_element_means", lambda: team_element_means)
    report = services.reach_by_team([message], org.users["change_lead"], message.programme)
    rows = {r.unit.pk: r for r in report.rows}
    assert report.awareness_available
    assert (rows[lds].awareness.mean, rows[lds].awareness.low, rows[lds].awareness.high) == (3.4, 3.0, 3.8)
    assert rows[gla].awareness is None


def test_without_listening_reach_is_shown_alone(org, monkeypatch):
    monkeypatch.setattr(services, "_team_element_means", lambda: None)
    message = _sent_to_teams(org, "LDS-T1")
    report = services.reach_by_team([message], org.users["change_lead"], message.programme)
    assert not report.awareness_available and report.rows[0].awareness is None


def test_the_feed_shows_messages_and_notifications_newest_first_and_reading_marks_them(org):
    person = org.people_in("LDS-T1")[1]
    message = _sent_to_teams(org, "LDS-T1")
    services.notify(person, "Your question has an answer", "Yes, training is in work time.")
    items = services.feed_for(person)
    assert [i.subject for i in items] == ["Your question has an answer", message.subject]
    assert services.unread_count(person) == 2
    services.mark_read(items)
    assert services.unread_count(person) == 0


def test_a_programme_without_an_awareness_pulse_shows_reach_only(org, monkeypatch):
    monkeypatch.setattr(
        services, "_team_element_means", lambda: lambda programme_id, element, wave_id=None: {}
    )
    message = _sent_to_teams(org, "LDS-T1")
    assert not services.reach_by_team(
        [message], org.users["change_lead"], message.programme
    ).awareness_available
