"""What capability reads from listening, with listening's reading functions standing in: scores appear only
where listening says a group may be shown, with intervals computed from its sufficient statistics."""

from datetime import date
from types import SimpleNamespace

import pytest

from allaboard.capability import insights
from allaboard.org.models import Role
from allaboard.programmes.tests.factories import ProgrammeFactory

from .factories import CommitmentFactory

pytestmark = pytest.mark.django_db


def stat(values):
    return {"n": len(values), "t": float(sum(values)), "q": float(sum(v * v for v in values))}


def cut(scales, visible=True, respondents=None):
    n = max((s["n"] for s in scales.values()), default=0)
    return SimpleNamespace(visible=visible, scales=scales, respondents=respondents or n, reason="")


@pytest.fixture
def listening(monkeypatch, org):
    """A stand-in for listening.services/results: one wave, tallies given per (unit, cut)."""
    ProgrammeFactory()
    wave = SimpleNamespace(pk=1, number=3, closes=date(2026, 11, 1))
    tallies = {}
    team_means = {}
    services = SimpleNamespace(
        team_element_means=lambda programme_id, element, wave_id=None: team_means,
        latest_wave=lambda programme_id, scale=None: wave,
    )
    results = SimpleNamespace(
        read_cut=lambda w, unit, c="", fields=(): tallies.get((unit.pk, c), cut({}, visible=False))
    )
    monkeypatch.setattr(insights, "_listening", lambda: services)
    monkeypatch.setattr(insights, "_results", lambda: results)
    monkeypatch.setattr(insights, "_waves_asking", lambda programme, scale, count: [wave])
    return SimpleNamespace(tallies=tallies, team_means=team_means, wave=wave)


def test_a_team_leader_gets_their_teams_leadership_score(org, listening):
    team = org.teams["LDS-T1"]
    listening.team_means[team.pk] = SimpleNamespace(mean=3.84, low=3.5, high=4.1, n=12)
    scores = insights.leadership_by_leader([team.leader])
    assert scores[team.leader_id] == insights.Score(3.84, 3.5, 4.1, 12)


def test_a_hidden_team_has_no_score(org, listening):
    team = org.teams["GLA-T1"]
    listening.team_means[team.pk] = None
    assert insights.leadership_by_leader([team.leader]) == {team.leader_id: None}


def test_a_site_leader_gets_the_whole_sites_score_with_an_interval(org, listening):
    site = org.sites["GLA"]
    site.leader = org.users[Role.SPONSOR].person
    site.save()
    listening.tallies[(site.pk, "")] = cut({"leadership_example": stat([4, 4, 3, 5, 2, 4])})
    score = insights.leadership_by_leader([site.leader])[site.leader_id]
    assert (score.n, round(score.mean, 3)) == (6, 3.667)
    assert score.low < score.mean < score.high


def test_commitments_page_shows_the_score_beside_the_leader(client_for, org, listening):
    team = org.teams["LDS-T1"]
    CommitmentFactory(leader=team.leader, behaviour="Huddle on the floor")
    listening.team_means[team.pk] = SimpleNamespace(mean=3.84, low=3.5, high=4.1, n=12)
    page = client_for(Role.CHANGE_LEAD).get("/capability/commitments/").content.decode()
    assert "3.84" in page and "n = 12" in page


def test_agility_per_site_with_the_benchmark_of_all(client_for, org, listening):
    listening.tallies[(org.root.pk, "")] = cut({"change_agility": stat([3, 3, 4, 4, 3, 2, 4, 3, 3, 4])})
    listening.tallies[(org.sites["LDS"].pk, "")] = cut({"change_agility": stat([4, 4, 4, 3, 4])})
    result = insights.agility_by_unit(org.users[Role.CHANGE_LEAD])
    rows = {row.unit.code: row for row in result.rows}
    assert rows["LDS"].latest.mean == 3.8 and rows["GLA"].latest is None  # GLA: hidden by listening
    assert result.benchmark.mean == 3.3
    assert result.difference(rows["LDS"]) == 0.5
    page = client_for(Role.CHANGE_LEAD).get("/capability/").content.decode()
    assert "Wave 3" in page and "+0.50" in page


def test_a_team_leader_sees_agility_for_their_teams_only(org, listening):
    result = insights.agility_by_unit(org.users[Role.TEAM_LEADER])
    assert [row.unit.code for row in result.rows] == ["LDS-T1"]


def test_knowledge_and_ability_for_trained_and_untrained_groups(client_for, org, listening):
    root = org.root.pk
    listening.tallies[(root, "trained=yes")] = cut(
        {"knowledge": stat([4, 5, 4, 4, 5, 4]), "ability": stat([4, 4, 3, 4, 4, 4])}
    )
    listening.tallies[(root, "trained=no")] = cut(
        {"knowledge": stat([2, 3, 2, 3, 2, 3]), "ability": stat([3, 3, 3])}, respondents=6
    )
    knowledge, ability = insights.knowledge_ability_by_training(org.users[Role.SPONSOR])
    assert (knowledge.trained.n, knowledge.untrained.n) == (6, 6)
    assert round(knowledge.difference.estimate, 3) == round(26 / 6 - 15 / 6, 3)
    assert knowledge.difference.larger_than_noise
    assert ability.untrained.n == 3  # listening decided the cut may be shown; the scale had 3 answers
    page = client_for(Role.SPONSOR).get("/capability/").content.decode()
    assert "larger than chance" in page


def test_a_hidden_training_group_is_not_shown(org, listening):
    listening.tallies[(org.root.pk, "trained=yes")] = cut({"knowledge": stat([4, 5, 4, 4, 5])})
    listening.tallies[(org.root.pk, "trained=no")] = cut({"knowledge": stat([2, 3])}, visible=False)
    knowledge, _ability = insights.knowledge_ability_by_training(org.users[Role.CHANGE_LEAD])
    assert knowledge.trained is not None and knowledge.untrained is None and knowledge.difference is None


def test_without_listening_the_dashboard_says_results_will_come(client_for, monkeypatch):
    monkeypatch.setattr(insights, "_listening", lambda: None)
    page = client_for(Role.CHANGE_LEAD).get("/capability/").content.decode()
    assert "once a pulse with the change-agility questions has closed" in page


def test_the_api_gives_agility_and_the_training_split(client_for, org, listening):
    listening.tallies[(org.sites["LDS"].pk, "")] = cut({"change_agility": stat([4, 4, 4, 3, 4])})
    listening.tallies[(org.root.pk, "trained=yes")] = cut({"knowledge": stat([4, 5, 4, 4, 5])})
    client = client_for(Role.CHANGE_LEAD)
    agility = client.get("/api/v1/capability/metrics/agility").json()
    lds = next(u for u in agility["units"] if u["unit"] == "Lds")
    assert lds["trend"][0]["mean"] == 3.8 and agility["benchmark"] is None
    gaps = client.get("/api/v1/capability/metrics/knowledge-ability-by-training").json()
    assert (
        gaps[0]["element"] == "knowledge"
        and gaps[0]["trained"]["n"] == 5
        and gaps[0]["not_yet_trained"] is None
    )
