"""Measures, stall alerts (real SMTP), the playbook's change-direction play, decisions and defects."""

from datetime import date, timedelta

import pytest

from allaboard.adoption import services
from allaboard.adoption.models import DefectStatus, StallAlert
from allaboard.comms.models import Delivery
from allaboard.org.models import Role
from allaboard.org.tests.factories import PersonFactory, UserFactory
from allaboard.programmes.tests.factories import ProgrammeFactory

from .usage import use_every_weekday

GO_LIVE = date(2026, 1, 5)  # a Monday
ON = date(2026, 3, 2)  # eight weeks later, a Monday


def _only(desk, org, *codes):
    """Narrow the rollout to these teams (teams nobody uses would stall too)."""
    desk.waves.get().units.set([org.teams[c] for c in codes])


def _people(org, code):
    team = org.teams[code]
    return sorted(org.people_in(code), key=lambda p: p.pk), team


def test_team_measures_by_hand(org, desk):
    people, team = _people(org, "LDS-T1")  # 6 people
    use_every_weekday(people[:3], GO_LIVE, ON)  # 3 use the knowledge base every weekday to the end
    use_every_weekday(people[:1], GO_LIVE, ON, behaviour="disposition")  # 1 also sets codes
    use_every_weekday(people[3:4], GO_LIVE, GO_LIVE + timedelta(days=4))  # 1 tried it in week one only
    m = services.measures(desk, [p.pk for p in people], ON)
    assert (m.people, m.activated, m.active) == (6, 4, 3)
    assert m.active_share == pytest.approx(0.5)
    # Breadth among the 3 active: (2 + 1 + 1) / 2 behaviours / 3 people = 4/6.
    assert m.breadth == pytest.approx(4 / 6)
    # Frequency since first use: 41 working days 5 Jan - 2 Mar; uses per day 2, 1, 1 and 5/41.
    assert m.frequency == pytest.approx((2 + 1 + 1 + 5 / 41) / 4)


def test_a_team_below_the_anonymity_minimum_is_not_reportable(org, desk, settings):
    settings.ALLABOARD_MIN_GROUP_SIZE = 7
    people, _ = _people(org, "LDS-T1")
    assert not services.measures(desk, [p.pk for p in people], ON).reportable


def test_a_flat_team_raises_one_alert_to_the_change_lead_and_team_leader_by_feed_and_email(
    org, desk, smtp_server
):
    _only(desk, org, "LDS-T1", "LDS-T2")
    people, team = _people(org, "LDS-T1")
    use_every_weekday(people[:2], GO_LIVE, ON)  # 2 of 6 active for weeks: 33%, flat
    growing, _ = _people(org, "LDS-T2")
    for i, p in enumerate(growing):  # one more person each week: not stalled
        use_every_weekday([p], ON - timedelta(days=7 * (5 - i)), ON)
    result = services.run_stall_checks(ON)
    assert result == {"raised": 1, "cleared": 0}
    alert = StallAlert.objects.get()
    assert (
        alert.unit == team
        and alert.active_share == pytest.approx(2 / 6)
        and alert.weekly_points == [0.0, 0.0]
    )
    to = sorted(smtp_server.recipients())
    assert to == sorted([org.users[Role.CHANGE_LEAD].person.email, team.leader.email])
    assert "has stalled: 33% of 6 people" in smtp_server.messages[0].get_content()
    assert Delivery.objects.filter(channel="feed", purpose="adoption_stall").count() == 2
    assert services.run_stall_checks(ON) == {"raised": 0, "cleared": 0}  # no second alert


def test_alert_clears_when_adoption_moves_again(org, desk):
    _only(desk, org, "LDS-T1")
    people, team = _people(org, "LDS-T1")
    use_every_weekday(people[:2], GO_LIVE, ON)
    services.run_stall_checks(ON)
    later = ON + timedelta(days=14)
    use_every_weekday(people, ON + timedelta(days=1), later)
    assert services.run_stall_checks(later) == {"raised": 0, "cleared": 1}


def test_the_playbook_recommends_changing_direction_for_a_stalled_team(org, desk):
    from allaboard.playbook.models import Recommendation
    from allaboard.playbook.services import refresh_recommendations
    from allaboard.programmes.tests.factories import ProgrammeFactory

    desk.programme = ProgrammeFactory()
    desk.save()
    _only(desk, org, "LDS-T1")
    people, team = _people(org, "LDS-T1")
    use_every_weekday(people[:2], GO_LIVE, ON)
    services.run_stall_checks(ON)
    refresh_recommendations(desk.programme, on=ON)
    rec = Recommendation.objects.get(play__slug="change-direction")
    assert rec.unit == team
    assert "has stalled" in rec.evidence[0]["text"]


def test_decision_effect_compares_active_share_before_and_after(org, desk):
    people, team = _people(org, "LDS-T1")
    use_every_weekday(people[:2], GO_LIVE, ON)
    decision = services.record_decision(
        org.users[Role.CHANGE_LEAD], desk, team, "training", "Half the team never finished training", on=ON
    )
    use_every_weekday(people, ON + timedelta(days=1), ON + timedelta(days=28))
    effect = services.decision_effect(decision, [p.pk for p in people], ON + timedelta(days=40))
    # 2/6 active on the day, 6/6 four weeks later.
    assert (effect.before, effect.after) == (pytest.approx(2 / 6), 1.0)
    assert effect.change.estimate == pytest.approx(4 / 6) and effect.change.larger_than_noise


def test_named_reporter_hears_back_and_anonymous_one_follows_by_receipt(org, desk):
    agent = org.users[Role.EMPLOYEE].person
    named, token = services.report_defect(
        agent, desk, "Transfer freezes", "Every warm transfer", anonymous=False
    )
    assert token == "" and named.reporter == agent
    services.update_defect(named, DefectStatus.FIXED, "Fixed in release 2.3")
    assert Delivery.objects.filter(person=agent, purpose="adoption_defect").exists()
    anonymous, token = services.report_defect(agent, desk, "Search is slow", "Ten seconds", anonymous=True)
    assert anonymous.reporter is None
    assert services.defect_for_receipt(token) == anonymous
    assert services.defect_for_receipt("guess") is None


def test_trained_link_needs_k_people_in_each_group(org, desk):
    people, _ = _people(org, "LDS-T1")
    link = services.trained_link(desk, [p.pk for p in people], ON)
    assert link.difference is None and "at least" in link.statement


def test_people_of_other_teams_never_count(org, desk):
    outsider = PersonFactory(unit=org.root)
    UserFactory(person=outsider)
    people, _ = _people(org, "LDS-T1")
    use_every_weekday([outsider], GO_LIVE, ON)
    assert services.measures(desk, [p.pk for p in people], ON).activated == 0


def test_win_figures_compare_active_shares_before_and_after_for_voice(org, desk, settings):
    settings.ALLABOARD_MIN_GROUP_SIZE = 5
    _only(desk, org, "LDS-T1")
    desk.programme = ProgrammeFactory()
    desk.save()
    people, team = _people(org, "LDS-T1")  # 6 people
    split = GO_LIVE + timedelta(days=35)  # 9 Feb
    use_every_weekday(people[:1], GO_LIVE, ON)  # 1 of 6 from go-live
    use_every_weekday(people[1:4], split + timedelta(days=1), ON)  # 3 more start after the split
    before, after, label, source = services.win_figures(desk.programme, unit=team, split=split, on=ON)
    # By hand: 1 of 6 active in the 30 days to 9 Feb; 4 of 6 in the 30 days to 2 Mar.
    assert (before, after) == (pytest.approx(100 / 6), pytest.approx(400 / 6))
    assert "1 of 6 people on 09 Feb 2026, 4 of 6 on 02 Mar 2026" in source and "%" in label
    settings.ALLABOARD_MIN_GROUP_SIZE = 7  # the team is now too small to show
    assert services.win_figures(desk.programme, unit=team, split=split, on=ON) is None


def test_an_adoption_win_in_voice_cites_these_figures_not_typed_ones(org, desk, settings):
    from allaboard.voice import services as voice

    settings.ALLABOARD_MIN_GROUP_SIZE = 5
    _only(desk, org, "LDS-T1")
    desk.programme = ProgrammeFactory()
    desk.save()
    people, team = _people(org, "LDS-T1")
    split = GO_LIVE + timedelta(days=35)
    use_every_weekday(people[1:4], split + timedelta(days=1), ON)  # 0 of 6 before, 3 of 6 after
    data = {"programme": desk.programme.pk, "title": "Desk in use", "story": "s", "measure": "adoption",
            "unit": team.pk, "before": "90", "after": "99", "metric_label": "typed",
            "evidence": "a typed report", "split": split.isoformat()}  # fmt: skip
    win = voice.create_win(org.users[Role.CHANGE_LEAD], data, on=ON)
    assert (win.before, win.after) == (0.0, 50.0)
    assert win.source.startswith("Adoption of") and "3 of 6" in win.source


def test_a_team_stalled_above_60_percent_but_below_its_target_still_gets_the_play(org, desk):
    from allaboard.playbook.models import Recommendation
    from allaboard.playbook.services import refresh_recommendations

    desk.programme = ProgrammeFactory()
    desk.save()
    _only(desk, org, "LDS-T1")
    people, team = _people(org, "LDS-T1")
    use_every_weekday(people[:4], GO_LIVE, ON)  # 4 of 6 = 67% active, flat, against the 80% target
    services.run_stall_checks(ON)
    refresh_recommendations(desk.programme, on=ON)
    assert Recommendation.objects.get(play__slug="change-direction").unit == team
