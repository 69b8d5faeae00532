"""Did it work: choosing the pulses around an action, and the intervals of the change."""

from datetime import date, timedelta

import pytest

from allaboard import intervals
from allaboard.playbook import effects
from allaboard.playbook.effects import Reading, Wave
from allaboard.playbook.models import ActionStatus

from .factories import ActionFactory

DAY = date(2026, 6, 1)


def wave(number: int, opens_days: int, closes_days: int) -> Wave:
    return Wave(
        number, f"wave:{number}", f"Pulse {number}", DAY + timedelta(opens_days), DAY + timedelta(closes_days)
    )


PULSES = [wave(1, -90, -80), wave(2, -40, -30), wave(3, 10, 20), wave(4, 50, 60)]


def test_the_pulses_around_an_action_are_the_last_before_it_started_and_first_after_it_was_done():
    action = ActionFactory.build(started_on=DAY - timedelta(days=24), done_on=DAY + timedelta(days=5))
    assert effects.waves_around(action, PULSES) == (PULSES[1], PULSES[2])


def test_a_pulse_running_while_the_action_ran_is_neither_before_nor_after():
    action = ActionFactory.build(started_on=DAY - timedelta(days=35), done_on=DAY + timedelta(days=12))
    assert effects.waves_around(action, PULSES) == (PULSES[0], PULSES[3])


def test_no_after_pulse_yet():
    action = ActionFactory.build(started_on=DAY, done_on=DAY + timedelta(days=55))
    assert effects.waves_around(action, PULSES) == (PULSES[1], None)


@pytest.mark.parametrize("n,total,sum_squares", [(23, 62.0, 181.5), (8, 30.5, 120.25), (140, 511.0, 1960.0)])
def test_sufficient_statistics_are_recovered_exactly_from_a_t_interval(n, total, sum_squares):
    ci = intervals.mean_interval(n, total, sum_squares)
    recovered = effects.sufficient_statistics(ci.estimate, ci.low, ci.high, n)
    assert recovered["total"] == pytest.approx(total)
    assert recovered["sum_squares"] == pytest.approx(sum_squares)


def test_a_change_in_scores_gets_welchs_interval():
    before = Reading(2.7, 2.4, 3.0, 20, total=54.0, sum_squares=150.0)
    after = Reading(3.5, 3.2, 3.8, 22, total=77.0, sum_squares=277.0)
    change = effects.change_between(before, after, is_share=False)
    expected = intervals.mean_difference(
        n_a=22, total_a=77.0, sum_squares_a=277.0, n_b=20, total_b=54.0, sum_squares_b=150.0
    )
    assert change == expected and change.estimate == pytest.approx(0.8)


def test_a_change_in_shares_gets_newcombes_interval():
    before, after = Reading(0.4, None, None, 30, successes=12), Reading(0.1, None, None, 40, successes=4)
    change = effects.change_between(before, after, is_share=True)
    assert change == intervals.proportion_difference(successes_a=4, n_a=40, successes_b=12, n_b=30)
    assert change.larger_than_noise


def test_a_change_in_shares_matches_newcombes_published_example():
    # Newcombe RG (1998), Interval estimation for the difference between independent proportions,
    # Statistics in Medicine 17:873-890, Table II example (a): 56/70 - 48/80 = 0.2000, method 10
    # (score interval from Wilson's bounds) 0.0524 to 0.3339. Before 48 of 80, after 56 of 70.
    before, after = Reading(0.6, None, None, 80, successes=48), Reading(0.8, None, None, 70, successes=56)
    change = effects.change_between(before, after, is_share=True)
    assert change.estimate == pytest.approx(0.2)
    assert (round(change.low, 4), round(change.high, 4)) == (0.0524, 0.3339)
    assert change.larger_than_noise


def test_no_interval_without_the_statistics():
    assert (
        effects.change_between(Reading(2.7, None, None, 1), Reading(3.1, None, None, 1), is_share=False)
        is None
    )


def test_only_done_actions_have_an_effect(db):
    assert effects.effect_of(ActionFactory(status=ActionStatus.IN_PROGRESS)) is None


def test_an_action_without_a_pulse_measure_says_so(db):
    effect = effects.effect_of(ActionFactory(status=ActionStatus.DONE, measure_kind=""))
    assert effect.rows == [] and "no pulse measure" in effect.note


def test_an_action_for_a_site_is_read_for_each_of_its_teams(org):
    action = ActionFactory(teams=[org.sites["LDS"], org.teams["GLA-T1"]])
    assert [t.code for t in effects.action_teams(action)] == ["LDS-T1", "LDS-T2", "GLA-T1"]
