"""Change impact, themes and compliments (through comment insight), linkage and findings."""

from datetime import date, timedelta
from types import SimpleNamespace

import pytest

from allaboard import intervals
from allaboard.customers import services
from allaboard.customers import stats as S
from allaboard.customers.models import ImportBatch
from allaboard.programmes.models import MilestoneKind
from allaboard.programmes.tests.factories import ImpactFactory, MilestoneFactory, ProgrammeFactory

from .factories import add_feedback, add_many

TODAY = date(2025, 6, 30)
GO_LIVE = date(2025, 6, 1)


def promoters_and_detractors(promoters: int, detractors: int):
    return [(10, 5, None)] * promoters + [(2, 1, None)] * detractors


@pytest.fixture
def rollout(org, settings):
    """Leeds goes live on 1 June: its team's NPS falls from 0 to -60 (n = 40 each side); Glasgow's stays at 0."""
    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 5
    programme = ProgrammeFactory()
    ImpactFactory(programme=programme, unit=org.root)
    milestone = MilestoneFactory(
        programme=programme, name="Go-live Leeds", kind=MilestoneKind.GO_LIVE, due=GO_LIVE
    )
    milestone.units.set([org.sites["LDS"]])
    lds, gla = org.teams["LDS-T1"], org.teams["GLA-T1"]
    add_many(lds, promoters_and_detractors(20, 20), day=GO_LIVE - timedelta(days=10))
    add_many(lds, promoters_and_detractors(8, 32), day=GO_LIVE + timedelta(days=10))
    add_many(gla, promoters_and_detractors(20, 20), day=GO_LIVE - timedelta(days=10))
    add_many(gla, promoters_and_detractors(20, 20), day=GO_LIVE + timedelta(days=10))
    return SimpleNamespace(org=org, programme=programme, milestone=milestone)


def test_impact_compares_before_and_after_for_changed_and_unchanged_teams(rollout):
    result = services.milestone_impact(rollout.milestone, today=TODAY)
    assert result.before == services.Window(date(2025, 5, 4), date(2025, 5, 31))
    assert result.after == services.Window(date(2025, 6, 1), date(2025, 6, 28))
    assert result.affected.changes["nps"].estimate == pytest.approx(-60.0)
    assert result.comparison.changes["nps"].estimate == pytest.approx(0.0)
    assert [t.label for t in result.teams] == ["LDS Team 1"]
    # The difference-in-differences combines the two groups' own difference intervals (MOVER).
    changed = intervals.nps_difference(intervals.NpsCounts(8, 0, 32), intervals.NpsCounts(20, 0, 20))
    others = intervals.nps_difference(intervals.NpsCounts(20, 0, 20), intervals.NpsCounts(20, 0, 20))
    expected = S.difference_in_differences(changed, others)
    did = result.did["nps"]
    assert did.estimate == pytest.approx(-60.0)
    assert (did.low, did.high) == (pytest.approx(expected.low), pytest.approx(expected.high))


def test_the_impact_statement_is_plain_and_honest(rollout):
    text = services.milestone_impact(rollout.milestone, today=TODAY).statements["nps"]
    assert "fell by 60 points" in text
    assert "95% interval" in text
    assert "not proof" in text


def test_a_milestone_in_the_future_has_nothing_after_it(rollout):
    result = services.milestone_impact(rollout.milestone, today=GO_LIVE - timedelta(days=1))
    assert not result.started and result.affected is None
    assert "not happened yet" in result.note


def test_a_partly_observed_after_window_is_said_to_be_early(rollout):
    result = services.milestone_impact(rollout.milestone, today=GO_LIVE + timedelta(days=12))
    assert result.days_after_observed == 13
    assert "Only 13 of the 28 days" in result.note


def test_teams_changed_by_another_milestone_are_not_a_clean_comparison(rollout):
    other = MilestoneFactory(
        programme=rollout.programme, name="Go-live Glasgow", due=GO_LIVE - timedelta(days=5)
    )
    other.units.set([rollout.org.sites["GLA"]])
    result = services.milestone_impact(rollout.milestone, today=TODAY)
    # Glasgow is the only comparison and was changed too: it is used, with a warning.
    assert result.comparison is not None
    assert "Go-live Glasgow" in result.note


def test_a_team_leader_sees_only_their_changed_teams(rollout):
    lds2 = rollout.org.teams["LDS-T2"]
    add_many(lds2, promoters_and_detractors(3, 3), day=GO_LIVE + timedelta(days=3))
    result = services.milestone_impact(
        rollout.milestone, unit_ids=[rollout.org.teams["LDS-T1"].pk], today=TODAY
    )
    assert [t.unit_id for t in result.teams] == [rollout.org.teams["LDS-T1"].pk]


def test_the_milestone_units_fall_back_to_the_programme_impacts(rollout):
    milestone = MilestoneFactory(programme=rollout.programme, due=GO_LIVE)
    assert services.affected_unit_ids(milestone) == set(
        rollout.org.root.subtree().values_list("pk", flat=True)
    )


def test_findings_report_teams_whose_score_fell_beyond_chance(rollout):
    found = services.findings(rollout.programme.pk, today=TODAY)
    nps = [f for f in found if f.metric == "nps"]
    assert len(nps) == 1
    assert nps[0].kind == "customer_score_falling" and nps[0].value == pytest.approx(-60.0)
    assert nps[0].unit_id == rollout.org.teams["LDS-T1"].pk
    assert "fell by 60" in nps[0].text


# ---- themes and compliments, through comment insight ---------------------------------------------------


def test_comments_are_handed_to_comment_insight_and_compliments_name_the_agent(org):
    agent = org.users["employee"].person
    team = org.teams["LDS-T1"]
    today = date.today()
    add_feedback(
        team,
        day=today,
        csat=5,
        comment=f"{agent.given_name} {agent.family_name} was brilliant and so helpful, thank you so much!",
        person=agent,
        queue_comments=True,
    )
    add_feedback(
        team, day=today, csat=1, comment="Waited 50 minutes on hold, then got cut off.", queue_comments=True
    )
    assert ImportBatch.objects.filter(comments_submitted=False).count() == 0
    summary = services.theme_summary()
    assert summary.n_comments == 2
    found = services.compliments(today - timedelta(days=7))
    assert len(found) == 1
    assert found[0].person_id == agent.pk and found[0].unit_id == team.pk
    assert agent.family_name not in found[0].text and "[name]" in found[0].text
    assert services.compliments(today - timedelta(days=7), person_ids=[agent.pk + 1000]) == []


def test_theme_growth_finds_the_expectation_that_is_rising(org):
    today = date.today()
    team = org.teams["GLA-T1"]
    old = today.replace(day=1) - timedelta(days=100)
    waits = [
        "Waited 45 minutes on hold for a simple question.",
        "The queue was over an hour long again.",
        "Took ages to get through to anyone on the phone.",
    ]
    repeats = [
        "Had to repeat myself after switching from chat to phone.",
        "Nobody on the phone could see what I had said in the chat, so I explained it all again.",
        "Started on chat, was told to ring, and had to start from scratch.",
    ]
    for i in range(30):
        add_feedback(team, day=old + timedelta(days=i), comment=waits[i % 3], queue_comments=True)
    for i in range(20):
        add_feedback(team, day=today - timedelta(days=i % 5), comment=repeats[i % 3], queue_comments=True)
        add_feedback(team, day=today - timedelta(days=i % 5), comment=waits[i % 3], queue_comments=True)
    growth = services.theme_growth(today)
    assert growth.recent_n == 40 and growth.base_n == 30
    top = growth.themes[0]
    assert top.label == "channel_consistency" and top.growing
    waiting = next(t for t in growth.themes if t.label == "waiting_time")
    assert not waiting.growing and waiting.change.estimate < 0


# ---- linkage ---------------------------------------------------------------------------------------------


@pytest.fixture
def readiness(org, settings, monkeypatch):
    """Listening's team_element_means, as listening will provide it: a mean with n per team, None below k."""
    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 5
    means = {
        "LDS-T1": (4.2, 12),
        "LDS-T2": (3.1, 9),
        "GLA-T1": (3.8, 7),
        "GLA-T2": (2.6, 8),
        "APX-T1": (4.0, 3),
    }
    calls = []

    def team_element_means(programme_id, element, wave_id=None):
        calls.append((programme_id, element, wave_id))
        out = {org.teams[code].pk: SimpleNamespace(mean=m, n=n) for code, (m, n) in means.items()}
        out[org.teams["APX-T2"].pk] = None
        return out

    real = services.listening_service
    monkeypatch.setattr(
        services,
        "listening_service",
        lambda name: team_element_means if name == "team_element_means" else real(name),
    )
    nps_by_team = {
        "LDS-T1": (8, 2),
        "LDS-T2": (4, 6),
        "GLA-T1": (7, 3),
        "GLA-T2": (3, 7),
        "APX-T1": (9, 1),
        "APX-T2": (9, 1),
    }
    for code, (promoters, detractors) in nps_by_team.items():
        add_many(org.teams[code], promoters_and_detractors(promoters, detractors), day=date.today())
    return SimpleNamespace(org=org, calls=calls, programme=ProgrammeFactory())


def test_linkage_plots_teams_above_the_anonymity_threshold_only(readiness):
    result = services.linkage(readiness.programme, "ability", "nps", services.last_days(28))
    labels = {p.label for p in result.points}
    assert labels == {"LDS Team 1", "LDS Team 2", "GLA Team 1", "GLA Team 2"}  # APX-T1 n=3 < k, APX-T2 None
    assert result.left_out_employee == 2
    assert readiness.calls == [(readiness.programme.pk, "ability", None)]
    x = [4.2, 3.1, 3.8, 2.6]
    y = [60.0, -20.0, 40.0, -40.0]
    expected = intervals.pearson(x, y)
    assert result.correlation.estimate == pytest.approx(expected.estimate)
    assert result.correlation.low == pytest.approx(expected.low)
    text = services.linkage_statement(result)
    assert "not proof" in text and "association" in text


def test_linkage_leaves_out_teams_with_too_few_customer_answers(readiness, settings):
    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 11
    result = services.linkage(readiness.programme, "ability", "nps", services.last_days(28))
    assert result.points == [] and result.left_out_customer == 4 and result.correlation is None


def test_linkage_can_use_resistance_source_shares_from_employee_comments(org, settings):
    from allaboard.textinsight.services import submit_comments

    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 5
    tools = "The new desk keeps crashing and freezing when I open a customer record."
    happy = "I really like the change, the new way of working will help our customers."
    items = []
    for t, code in enumerate(["LDS-T1", "LDS-T2", "GLA-T1", "GLA-T2", "APX-T1"]):
        for i in range(10):
            text = tools if i < 2 * t else happy
            items.append(
                {
                    "kind": "employee",
                    "source": "listening.answer",
                    "source_id": f"{code}-{i}",
                    "text": text,
                    "unit_id": org.teams[code].pk,
                    "programme_id": None,
                    "wave_key": "w1",
                    "created_on": date.today(),
                }
            )
        add_many(org.teams[code], promoters_and_detractors(8 - t, 2 + t), day=date.today())
    submit_comments(items)
    items = [
        {**item, "source_id": item["source_id"] + "-few", "unit_id": org.teams["APX-T2"].pk}
        for item in items[:9]
    ]
    submit_comments(items)
    result = services.linkage(ProgrammeFactory(), "source:tools", "nps", services.last_days(28))
    assert len(result.points) == 5  # APX-T2 has 9 comments, below the comment threshold of 10
    assert result.correlation.estimate < -0.9


def test_linkage_measures_offer_adkar_only_when_listening_provides_it(monkeypatch):
    monkeypatch.setattr(services, "listening_service", lambda name: None)
    codes = [code for code, _ in services.linkage_measures()]
    assert "ability" not in codes and "source:tools" in codes


def test_linkage_reads_listening_readiness_over_the_weeks_up_to_the_pulse(org, settings):
    """The real listening.services.team_element_means, from a published pulse's team tallies."""
    factories = pytest.importorskip("allaboard.listening.tests.factories")
    settings.ALLABOARD_CUSTOMERS_MIN_SAMPLE = 5
    programme = ProgrammeFactory()
    survey = factories.SurveyFactory(programme=programme)
    factories.QuestionFactory(survey=survey, scale="ability")
    closes = date.today() - timedelta(days=10)
    wave = factories.WaveFactory(
        survey=survey, opens=closes - timedelta(days=9), closes=closes, published=True
    )
    readiness = {"LDS-T1": 4.4, "LDS-T2": 3.0, "GLA-T1": 3.9, "GLA-T2": 2.5, "APX-T1": 3.6}
    for code, mean in readiness.items():
        n = 8
        factories.TallyFactory(
            wave=wave,
            unit=org.teams[code],
            rollup=True,
            cut="",
            respondents=n,
            visible=True,
            scales={"ability": {"n": n, "t": mean * n, "q": mean * mean * n + 2.0}},
        )
    factories.TallyFactory(  # below k: listening hides it, so the scatter leaves it out
        wave=wave,
        unit=org.teams["APX-T2"],
        rollup=True,
        cut="",
        respondents=3,
        visible=True,
        scales={"ability": {"n": 3, "t": 12.0, "q": 49.0}},
    )
    nps = {
        "LDS-T1": (9, 1),
        "LDS-T2": (4, 6),
        "GLA-T1": (8, 2),
        "GLA-T2": (3, 7),
        "APX-T1": (6, 4),
        "APX-T2": (9, 1),
    }
    for code, (promoters, detractors) in nps.items():
        add_many(
            org.teams[code], promoters_and_detractors(promoters, detractors), day=closes - timedelta(days=3)
        )
        add_many(
            org.teams[code], promoters_and_detractors(0, 10), day=closes + timedelta(days=5)
        )  # after: ignored
    result = services.linkage(programme, "ability", "nps", days=28)
    assert result.window == services.Window(closes - timedelta(days=27), closes)
    assert sorted(p.x for p in result.points) == sorted(readiness.values())
    assert {p.unit_id: p.y for p in result.points}[org.teams["LDS-T1"].pk] == pytest.approx(80.0)
    assert result.correlation.estimate > 0.9
    assert "wave" in result.notes[0]
